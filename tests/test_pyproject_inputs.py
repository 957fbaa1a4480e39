"""pyproject.toml inputs: [project] dependencies, extras, PEP 735 dependency groups."""

from __future__ import annotations

import textwrap

import pytest
from packaging.markers import Marker

from puv.errors import InputError
from puv.primitives.pyproject_inputs import PyprojectInputs, parse_pyproject
from puv.primitives.requirement_spec import Origin

PROJECT = textwrap.dedent(
    """\
    [project]
    name = "Demo_Pkg"
    version = "1.0"
    dependencies = [
        "requests>=2",
        'click; python_version >= "3.8"',
    ]

    [project.optional-dependencies]
    Test = ["pytest>=8", "coverage"]
    docs = ["sphinx"]
    all = ["demo-pkg[test,docs]"]

    [dependency-groups]
    lint = ["ruff"]
    typing = ["mypy", {include-group = "lint"}]
    Dev_Tools = [{include-group = "typing"}, "ipython", "demo-pkg[docs]"]
    """
)


def strs(specs: object) -> list[str]:
    assert isinstance(specs, tuple)
    return [str(spec) for spec in specs]


def fail(text: str, **kwargs: object) -> InputError:
    with pytest.raises(InputError) as caught:
        parse_pyproject(text, "pyproject.toml", **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_project_dependencies_with_origin() -> None:
    result = parse_pyproject(PROJECT, "app/pyproject.toml")
    assert result.name == "Demo_Pkg"
    assert strs(result.dependencies) == ["requests>=2", 'click; python_version >= "3.8"']
    assert [spec.origin for spec in result.dependencies] == [
        Origin("app/pyproject.toml", 5),
        Origin("app/pyproject.toml", 6),
    ]
    assert result.extras == () and result.groups == ()
    assert result.available_extras == ("Test", "docs", "all")
    assert result.available_groups == ("lint", "typing", "Dev_Tools")
    assert result.requirements == result.dependencies


def test_selected_extras_are_normalised_and_deduplicated() -> None:
    result = parse_pyproject(PROJECT, "pyproject.toml", extras=["TEST", "test", "docs"])
    assert [name for name, _ in result.extras] == ["test", "docs"]
    assert strs(result.extras[0][1]) == ["pytest>=8", "coverage"]
    assert strs(result.requirements) == [
        "requests>=2",
        'click; python_version >= "3.8"',
        "pytest>=8",
        "coverage",
        "sphinx",
    ]


def test_all_extras_and_self_references_expand() -> None:
    result = parse_pyproject(PROJECT, "pyproject.toml", all_extras=True)
    by_name = dict(result.extras)
    assert list(by_name) == ["test", "docs", "all"]
    # `demo-pkg[test,docs]` becomes the deps of those extras, never the project itself.
    assert sorted(strs(by_name["all"])) == ["coverage", "pytest>=8", "sphinx"]
    assert all(spec.canonical_name != "demo-pkg" for spec in result.requirements)


def test_self_reference_with_marker_combines_markers() -> None:
    text = textwrap.dedent(
        """\
        [project]
        name = "p"
        [project.optional-dependencies]
        a = ['x; os_name == "posix"', "y"]
        b = ['p[a]; python_version >= "3.10"']
        """
    )
    (_, specs), = parse_pyproject(text, "pyproject.toml", extras=["b"]).extras
    x, y = specs
    assert x.marker == Marker('(os_name == "posix") and (python_version >= "3.10")')
    assert y.marker == Marker('python_version >= "3.10"')


def test_recursive_self_reference_terminates() -> None:
    text = '[project]\nname = "p"\n[project.optional-dependencies]\na = ["p[b]", "x"]\nb = ["p[a]", "y"]\n'
    (_, specs), = parse_pyproject(text, "pyproject.toml", extras=["a"]).extras
    assert sorted(strs(specs)) == ["x", "y"]


def test_unknown_extra_lists_the_available_ones() -> None:
    error = fail(PROJECT, extras=["nope"])
    assert error.message == "extra `nope` is not defined in `pyproject.toml`"
    assert error.hints == ("available extras: `Test`, `docs`, `all`",)


def test_unknown_extra_when_there_are_none() -> None:
    error = fail('[project]\nname = "x"\n', extras=["dev"])
    assert "defines no extras" in error.hints[0]


def test_dependency_groups_with_includes() -> None:
    result = parse_pyproject(PROJECT, "pyproject.toml", groups=["dev-tools"])
    ((name, specs),) = result.groups
    assert name == "Dev_Tools"
    # Included groups expand in place; `demo-pkg[docs]` becomes the project's deps + docs.
    assert strs(specs) == [
        "mypy",
        "ruff",
        "ipython",
        "requests>=2",
        'click; python_version >= "3.8"',
        "sphinx",
    ]
    assert specs[0].origin == Origin("pyproject.toml", 16)


def test_several_groups_and_requirements_order() -> None:
    result = parse_pyproject(PROJECT, "pyproject.toml", groups=["lint", "typing"], extras=["docs"])
    assert [name for name, _ in result.groups] == ["lint", "typing"]
    assert strs(result.requirements)[-3:] == ["sphinx", "ruff", "mypy"]


def test_groups_without_a_project_table() -> None:
    text = '[dependency-groups]\ntest = ["pytest"]\n'
    result = parse_pyproject(text, "pyproject.toml", groups=["test"])
    assert result.name is None
    assert result.dependencies == ()
    assert strs(result.requirements) == ["pytest"]


def test_include_cycle_is_an_error_naming_the_chain() -> None:
    text = textwrap.dedent(
        """\
        [dependency-groups]
        a = ["x", {include-group = "b"}]
        b = [{include-group = "c"}]
        c = [{include-group = "a"}]
        """
    )
    error = fail(text, groups=["a"])
    assert error.message == "dependency groups include each other in a cycle: a -> b -> c -> a"
    assert error.lineno == 2


def test_self_include_is_a_cycle() -> None:
    error = fail('[dependency-groups]\na = [{include-group = "a"}]\n', groups=["a"])
    assert "cycle: a -> a" in error.message


def test_unknown_group_lists_the_available_ones() -> None:
    error = fail(PROJECT, groups=["missing"])
    assert error.message == "dependency group `missing` is not defined in `pyproject.toml`"
    assert error.hints == ("available groups: `lint`, `typing`, `Dev_Tools`",)


def test_unknown_included_group() -> None:
    error = fail('[dependency-groups]\na = [{include-group = "zzz"}]\n', groups=["a"])
    assert error.message == "`dependency-groups.a` includes the group `zzz`, which is not defined"
    assert error.lineno == 2 and error.column == error.line.index("zzz")  # type: ignore[union-attr]


def test_bad_group_entry() -> None:
    error = fail('[dependency-groups]\na = [{other = "b"}]\n', groups=["a"])
    assert "entries must be requirement strings or {include-group" in error.message


def test_groups_with_the_same_normalised_name() -> None:
    error = fail('[dependency-groups]\nDev = ["a"]\ndev = ["b"]\n', groups=["dev"])
    assert "`Dev` and `dev` have the same normalised name `dev`" in error.message


def test_dynamic_dependencies_need_a_build() -> None:
    error = fail('[project]\nname = "x"\ndynamic = ["version", "dependencies"]\n')
    assert "dependencies of `pyproject.toml` are dynamic" in error.message
    assert error.lineno == 3
    assert any("not supported by puv yet" in hint for hint in error.hints)


def test_dynamic_optional_dependencies_only_matter_when_extras_are_asked_for() -> None:
    text = '[project]\nname = "x"\ndependencies = ["a"]\ndynamic = ["optional-dependencies"]\n'
    assert strs(parse_pyproject(text, "pyproject.toml").dependencies) == ["a"]
    error = fail(text, extras=["dev"])
    assert "optional-dependencies of `pyproject.toml` are dynamic" in error.message


def test_invalid_requirement_points_into_the_file() -> None:
    text = '[project]\nname = "x"\ndependencies = [\n    "ok",\n    "foo>=1,<",\n]\n'
    error = fail(text)
    assert "(in `project.dependencies`)" in error.message
    assert "expected comma" in error.message
    assert error.lineno == 5
    assert error.line == '    "foo>=1,<",'
    assert error.column == 12  # under the `<` that has no version


def test_invalid_requirement_in_an_extra_names_the_extra() -> None:
    error = fail('[project]\nname = "x"\n[project.optional-dependencies]\nt = ["./local"]\n')
    assert "(in `project.optional-dependencies.t`)" in error.message
    assert error.lineno == 4


def test_invalid_toml_has_a_position() -> None:
    error = fail('[project]\nname = "x\n')
    assert error.message.startswith("invalid TOML: ")
    assert error.lineno == 2
    assert error.line == 'name = "x'


def test_no_project_table() -> None:
    error = fail('[build-system]\nrequires = ["setuptools"]\n')
    assert error.message == "`pyproject.toml` has no [project] table, so it declares no dependencies"
    assert error.hints


def test_wrong_types() -> None:
    assert "must be an array of strings" in fail('[project]\ndependencies = "x"\n').message
    assert "must contain only strings" in fail("[project]\ndependencies = [1]\n").message
    assert "must be a table" in fail('project = "x"\n').message
    assert "must be a table" in fail('[project]\noptional-dependencies = ["x"]\n').message


def test_relative_direct_reference_is_relative_to_the_pyproject() -> None:
    text = '[project]\nname = "x"\ndependencies = ["lib @ ./libs/lib"]\n'
    (spec,) = parse_pyproject(text, "proj/pyproject.toml").dependencies
    assert spec.name == "lib" and spec.path == "proj/libs/lib"


def test_result_is_a_frozen_value() -> None:
    result = parse_pyproject(PROJECT, "pyproject.toml")
    assert isinstance(result, PyprojectInputs)
    with pytest.raises(AttributeError):
        result.name = "other"  # type: ignore[misc]
