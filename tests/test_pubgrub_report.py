"""Explanations of unsatisfiable requests, in uv's words."""

from __future__ import annotations

from packaging.ranges import VersionRange
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from puv.domain.resolver.pubgrub import DefaultFormatter, Incompatibility, explain
from puv.domain.resolver.pubgrub.report import single_version, spell_range
from tests.test_pubgrub_fake import ROOT, failure


def test_linear_error_reporting() -> None:
    universe = {
        ROOT: {"1.0.0": {"foo": ">=1.0.0,<2.0.0", "baz": ">=1.0.0,<2.0.0"}},
        "foo": {"1.0.0": {"bar": ">=2.0.0,<3.0.0"}},
        "bar": {"2.0.0": {"baz": ">=3.0.0,<4.0.0"}},
        "baz": {"1.0.0": {}, "3.0.0": {}},
    }
    assert failure(universe) == (
        "Because foo==1.0.0 depends on bar>=2.0.0,<3.0.0 and bar==2.0.0 depends on "
        "baz>=3.0.0,<4.0.0, we can conclude that foo==1.0.0 depends on baz>=3.0.0,<4.0.0.\n"
        "And because you require foo>=1.0.0,<2.0.0 and baz>=1.0.0,<2.0.0, "
        "we can conclude that your requirements are unsatisfiable."
    )


def test_branching_error_reporting() -> None:
    universe = {
        ROOT: {"1.0.0": {"foo": ">=1.0.0,<2.0.0"}},
        "foo": {
            "1.0.0": {"a": ">=1.0.0,<2.0.0", "b": ">=1.0.0,<2.0.0"},
            "1.1.0": {"x": ">=1.0.0,<2.0.0", "y": ">=1.0.0,<2.0.0"},
        },
        "a": {"1.0.0": {"b": ">=2.0.0,<3.0.0"}},
        "b": {"1.0.0": {}, "2.0.0": {}},
        "x": {"1.0.0": {"y": ">=2.0.0,<3.0.0"}},
        "y": {"1.0.0": {}, "2.0.0": {}},
    }
    assert failure(universe) == (
        "Because a==1.0.0 depends on b>=2.0.0,<3.0.0 and foo==1.0.0 depends on "
        "a>=1.0.0,<2.0.0, we can conclude that foo==1.0.0 depends on b>=2.0.0,<3.0.0.\n"
        "And because foo==1.0.0 depends on b>=1.0.0,<2.0.0, we can conclude that "
        "foo==1.0.0 cannot be used. (1)\n"
        "\n"
        "Because x==1.0.0 depends on y>=2.0.0,<3.0.0 and foo==1.1.0 depends on "
        "x>=1.0.0,<2.0.0, we can conclude that foo==1.1.0 depends on y>=2.0.0,<3.0.0.\n"
        "And because foo==1.1.0 depends on y>=1.0.0,<2.0.0, we can conclude that "
        "foo==1.1.0 cannot be used.\n"
        "And because we know from (1) that foo==1.0.0 cannot be used, we can conclude "
        "that all versions of foo cannot be used.\n"
        "And because you require foo>=1.0.0,<2.0.0, we can conclude that your "
        "requirements are unsatisfiable."
    )


def test_pinned_dependency_conflicts_with_direct_requirement() -> None:
    universe = {
        ROOT: {"1": {"flask": "==1.1.4", "werkzeug": ">=3"}},
        "flask": {
            "1.1.3": {"werkzeug": ">=0.15,<2.0"},
            "1.1.4": {"werkzeug": ">=0.15,<2.0"},
            "2.0.0": {"werkzeug": ">=2"},
        },
        "werkzeug": {"0.15": {}, "1.0": {}, "3.0": {}},
    }
    assert failure(universe) == (
        "Because flask==1.1.4 depends on werkzeug>=0.15,<2.0 and you require flask==1.1.4, "
        "we can conclude that you require werkzeug>=0.15,<2.0.\n"
        "And because you require werkzeug>=3, we can conclude that your requirements "
        "are unsatisfiable."
    )


def test_only_some_versions_available() -> None:
    universe = {ROOT: {"1": {"foo": ">=2"}}, "foo": {"1.0": {}, "1.5": {}}}
    assert failure(universe) == (
        "Because only foo<=1.5 is available and you require foo>=2, "
        "we can conclude that your requirements are unsatisfiable."
    )


def test_missing_exact_version() -> None:
    universe = {ROOT: {"1": {"foo": "==3.0"}}, "foo": {"1.0": {}, "1.5": {}}}
    assert failure(universe) == (
        "Because there is no version of foo==3.0 and you require foo==3.0, "
        "we can conclude that your requirements are unsatisfiable."
    )


def test_package_without_versions() -> None:
    assert failure({ROOT: {"1": {"foo": ""}}}) == (
        "Because there are no versions of foo and you require foo, "
        "we can conclude that your requirements are unsatisfiable."
    )


def test_transitive_dependency_missing() -> None:
    universe = {ROOT: {"1": {"foo": ""}}, "foo": {"1.0": {"bar": ">=2"}}, "bar": {"1.0": {}}}
    assert failure(universe) == (
        "Because foo==1.0 depends on bar>=2 and only bar==1.0 is available, "
        "we can conclude that foo==1.0 cannot be used.\n"
        "And because you require foo, we can conclude that your requirements are unsatisfiable."
    )


def test_version_lists_collapse_into_ranges() -> None:
    universe = {
        ROOT: {"1": {"foo": "", "bar": "<2"}},
        "foo": {f"1.{n}": {"bar": ">=2"} for n in range(6)},
        "bar": {"1.0": {}, "2.0": {}},
    }
    text = failure(universe)
    assert "all versions of foo depend on bar>=2" in text
    assert "foo==1.0 |" not in text
    assert text.endswith("we can conclude that your requirements are unsatisfiable.")


def test_unavailable_versions() -> None:
    universe = {ROOT: {"1": {"foo": ""}}, "foo": {"1.0": "has invalid metadata"}}
    assert failure(universe) == (
        "Because foo==1.0 has invalid metadata and you require foo, "
        "we can conclude that your requirements are unsatisfiable."
    )


def test_root_unavailable() -> None:
    assert failure({ROOT: {"1": "requires Python>=4"}}) == (
        "Because your requirements cannot be used (requires Python>=4), "
        "we can conclude that your requirements are unsatisfiable."
    )


def test_formatter_controls_names_and_root_phrases() -> None:
    incompatibility = Incompatibility.dependency(
        ("root",), VersionRange.singleton(Version("1")), ("foo", "bar"), FULL
    )
    formatter: DefaultFormatter[tuple[str, ...]] = DefaultFormatter(
        namer=lambda key: key[0] + "".join(f"[{e}]" for e in key[1:]),
        root_subject="your project",
        root_verb="your project requires",
    )
    text = explain(incompatibility, root=("root",), formatter=formatter)
    assert text == (
        "Because your project requires foo[bar], "
        "we can conclude that your project requires foo[bar]."
    )


FULL = VersionRange.full(admit_arbitrary=False)


def test_spell_range() -> None:
    assert spell_range(SpecifierSet(">=1.0,<2.0").to_range()) == [">=1.0,<2.0"]
    assert spell_range(VersionRange.singleton(Version("1.2"))) == ["==1.2"]
    assert spell_range(FULL) == [""]
    assert spell_range(VersionRange.empty()) == []
    union = VersionRange.singleton(Version("1")) | SpecifierSet(">=3").to_range()
    assert spell_range(union) == ["==1", ">=3"]
    assert single_version(SpecifierSet("==1.4").to_range()) == Version("1.4")
    assert single_version(SpecifierSet(">=1.4").to_range()) is None
