"""The Python resolver (PubGrub + the index provider) against the local fixture index."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from packaging.ranges import VersionRange
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from puv.domain.index.candidates import SelectionPolicy, Target
from puv.domain.index.client import IndexClient, IndexSources
from puv.domain.resolver.packages import Name
from puv.domain.resolver.provider import BACKTRACK_PREFETCH_AFTER, PythonProvider, spec_range
from puv.domain.resolver.resolution import Resolution, Via
from puv.domain.resolver.resolve import NoSolutionError, ResolveOptions, resolve
from puv.errors import BuildError, ResolutionError, UsageError
from puv.io.http import HttpClient, HttpOptions
from puv.primitives.requirement_spec import Origin, RequirementSpec, parse_requirement
from puv.primitives.requirements_txt import FormatControl
from tests.support.index_server import Fault, IndexServer

Universe = Mapping[str, Mapping[str, Any]]


@pytest.fixture
def publish(index_server: IndexServer, wheel_factory: Callable[..., Path]) -> Callable[[Universe], IndexServer]:
    """Publish ``{name: {version: [requires...] | {build_wheel kwargs, yanked, page_requires_python}}}``."""

    def make(universe: Universe) -> IndexServer:
        for name, versions in universe.items():
            for version, spec in versions.items():
                kwargs: dict[str, Any] = {"requires_dist": list(spec)} if isinstance(spec, (list, tuple)) else dict(spec)
                yanked = kwargs.pop("yanked", False)
                page_python = kwargs.pop("page_requires_python", None)
                index_server.publish(wheel_factory(name, version, **kwargs), yanked=yanked, requires_python=page_python)
        return index_server

    return make


def _client(*indexes: str) -> IndexClient:
    return IndexClient(HttpClient(HttpOptions(backoff=0.01, timeout=10)), None, IndexSources(tuple(indexes)))


def _spec(text: str, source: str = "requirements.in") -> RequirementSpec:
    return parse_requirement(text, origin=Origin(source, 1))


def run(
    server: IndexServer,
    *requirements: str,
    python: str = "3.12",
    platform: str = "linux",
    policy: SelectionPolicy | None = None,
    constraints: tuple[str, ...] = (),
    overrides: tuple[str, ...] = (),
    index: IndexClient | None = None,
    **options: Any,
) -> Resolution:
    extra = {k: options.pop(k) for k in ("preferences", "upgrade") if k in options}
    return resolve(
        [_spec(r) for r in requirements],
        index=index or _client(server.url),
        target=Target.for_python(python, platform),
        policy=policy or SelectionPolicy(),
        options=ResolveOptions(**options),
        constraints=[_spec(c, "constraints.txt") for c in constraints],
        overrides=[_spec(o, "overrides.txt") for o in overrides],
        **extra,
    )


def pins(resolution: Resolution) -> dict[str, str]:
    return {str(name): str(dist.version) for name, dist in sorted(resolution.dists.items())}


def failure(server: IndexServer, *requirements: str, **kwargs: Any) -> NoSolutionError:
    with pytest.raises(NoSolutionError) as caught:
        run(server, *requirements, **kwargs)
    return caught.value


# -- basics ------------------------------------------------------------------------


def test_transitive_chain_highest(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {"1.0": ["b>=1"], "2.0": ["b>=2"]}, "b": {"1.0": [], "2.0": ["c"], "3.0": ["c"]}, "c": {"1.0": []}})
    assert pins(run(server, "a")) == {"a": "2.0", "b": "3.0", "c": "1.0"}


def test_backtracks_to_an_older_version(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish(
        {
            "a": {"1.0": ["c<2"], "2.0": ["c>=2"]},
            "b": {"1.0": ["c<2"]},
            "c": {"1.0": [], "2.0": []},
        }
    )
    assert pins(run(server, "a", "b")) == {"a": "1.0", "b": "1.0", "c": "1.0"}


def test_deep_backtracking_across_many_versions(publish: Callable[[Universe], IndexServer]) -> None:
    universe: dict[str, dict[str, Any]] = {"a": {}, "b": {"1.0": [], "2.0": []}}
    for minor in range(20):
        universe["a"][f"1.{minor}"] = ["b>=2"] if minor > 2 else ["b<2"]
    server = publish(universe)
    assert pins(run(server, "a", "b<2")) == {"a": "1.2", "b": "1.0"}


def test_dist_details_via_and_dependencies(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {"1.0": ["b"]}, "b": {"1.0": []}})
    resolution = run(server, "a", constraints=("b<2",))
    a, b = resolution.dists["a"], resolution.dists["b"]
    assert a.requested and not b.requested
    assert a.dependencies == ("b",) and b.dependencies == ()
    assert a.file is not None and a.file.filename == "a-1.0-py3-none-any.whl"
    assert a.files == (a.file,)
    assert a.index == server.url
    assert resolution.via["a"] == (Via(source="requirements.in"),)
    assert resolution.via["b"] == (Via(parent=canonicalize_name("a")), Via(source="-c constraints.txt"))


# -- extras and markers ---------------------------------------------------------------


def test_extras_add_their_requirements(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {"1.0": {"extras": {"cli": ["b>=1"], "other": ["c"]}}}, "b": {"1.0": [], "2.0": []}, "c": {"1.0": []}})
    assert pins(run(server, "a")) == {"a": "1.0"}
    resolution = run(server, "a[cli]")
    assert pins(resolution) == {"a": "1.0", "b": "2.0"}
    assert resolution.dists["a"].extras == frozenset({"cli"})
    assert resolution.dists["a"].dependencies == ("b",)
    assert resolution.via["b"] == (Via(parent=canonicalize_name("a")),)


def test_extra_requested_by_a_dependency(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"top": {"1.0": ["a[Fancy_Extra]>=1"]}, "a": {"1.0": {"extras": {"fancy-extra": ["b"]}}}, "b": {"1.0": []}})
    assert pins(run(server, "top")) == {"a": "1.0", "b": "1.0", "top": "1.0"}


def test_extra_pins_the_base_to_the_same_version(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {"1.0": {"extras": {"x": ["b"]}}, "2.0": {}}, "b": {"1.0": []}})
    # a 2.0 has no extra `x`: as uv does, it is used without the extra's requirements.
    assert pins(run(server, "a[x]")) == {"a": "2.0"}
    assert pins(run(server, "a[x]<2")) == {"a": "1.0", "b": "1.0"}


def test_extras_requiring_other_extras(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {"1.0": {"extras": {"all": ["a[x]"], "x": ["b"]}}}, "b": {"1.0": []}})
    resolution = run(server, "a[all]")
    assert pins(resolution) == {"a": "1.0", "b": "1.0"}
    assert resolution.dists["a"].extras == frozenset({"all", "x"})


def test_markers_evaluated_for_the_target(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {"1.0": ["win ; sys_platform == 'win32'", "old ; python_version < '3.10'", "lin ; sys_platform == 'linux'"]}, "win": {"1.0": []}, "old": {"1.0": []}, "lin": {"1.0": []}})
    assert pins(run(server, "a")) == {"a": "1.0", "lin": "1.0"}
    assert pins(run(server, "a", python="3.9", platform="windows")) == {"a": "1.0", "old": "1.0", "win": "1.0"}


def test_root_requirement_with_false_marker_is_dropped(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {"1.0": []}})
    assert pins(run(server, "a", "missing ; python_version < '3'")) == {"a": "1.0"}


# -- requires-python -------------------------------------------------------------------


def test_requires_python_from_the_page_skips_versions(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {"1.0": {"requires_python": ">=3.8"}, "2.0": {"requires_python": ">=3.13"}}})
    assert pins(run(server, "a")) == {"a": "1.0"}
    assert pins(run(server, "a", python="3.13")) == {"a": "2.0"}


def test_requires_python_from_the_metadata(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {"1.0": {}, "2.0": {"requires_python": ">=3.99", "page_requires_python": ">=3"}}})
    assert pins(run(server, "a")) == {"a": "1.0"}
    error = failure(server, "a==2.0")
    assert error.explanation == (
        "Because a==2.0 depends on Python>=3.99 and the current Python version is 3.12.0, "
        "we can conclude that a==2.0 cannot be used.\n"
        "And because you require a==2.0, we can conclude that your requirements are unsatisfiable."
    )
    assert error.hints == ("`a==2.0` requires Python >=3.99, but the target Python version is 3.12.0",)


# -- pre-releases -------------------------------------------------------------------


@pytest.fixture
def prereleases(publish: Callable[[Universe], IndexServer]) -> IndexServer:
    return publish({"a": {"1.0": [], "2.0a1": []}, "b": {"1.0b1": []}, "c": {"1.0": ["b"]}})


@pytest.mark.parametrize("mode", ["if-necessary-or-explicit", "if-necessary"])
def test_prerelease_if_necessary(prereleases: IndexServer, mode: str) -> None:
    assert pins(run(prereleases, "a", "b", prerelease=mode)) == {"a": "1.0", "b": "1.0b1"}
    assert pins(run(prereleases, "a>=1.0a1", prerelease=mode)) == {"a": "1.0"}  # stable preferred
    assert pins(run(prereleases, "a>1.0", prerelease=mode)) == {"a": "2.0a1"}
    assert pins(run(prereleases, "c", prerelease=mode)) == {"b": "1.0b1", "c": "1.0"}


def test_prerelease_allow(prereleases: IndexServer) -> None:
    assert pins(run(prereleases, "a", "b", prerelease="allow")) == {"a": "2.0a1", "b": "1.0b1"}


def test_prerelease_disallow(prereleases: IndexServer) -> None:
    assert pins(run(prereleases, "a", prerelease="disallow")) == {"a": "1.0"}
    error = failure(prereleases, "b", prerelease="disallow")
    assert error.explanation == (
        "Because there are no versions of b and you require b, "
        "we can conclude that your requirements are unsatisfiable."
    )
    assert error.hints == (
        "pre-releases of `b` exist in the requested range (1.0b1), but pre-releases were not "
        "allowed (try: `--prerelease=allow`)",
    )


def test_prerelease_explicit(prereleases: IndexServer) -> None:
    assert pins(run(prereleases, "b>=1.0b1", prerelease="explicit")) == {"b": "1.0b1"}
    assert pins(run(prereleases, "c", constraints=("b>=0.1a1",), prerelease="explicit")) == {"b": "1.0b1", "c": "1.0"}
    failure(prereleases, "b", prerelease="explicit")
    failure(prereleases, "c", prerelease="explicit")  # transitive requirements are not first-party


# -- yanked, local versions ---------------------------------------------------------------


def test_yanked_versions_need_an_exact_pin(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {"1.0": [], "2.0": {"yanked": "broken build"}}, "b": {"1.0": ["a==2.0"]}})
    assert pins(run(server, "a")) == {"a": "1.0"}
    pinned = run(server, "a==2.0")
    assert pins(pinned) == {"a": "2.0"} and pinned.dists["a"].yanked_reason == "broken build"
    assert pins(run(server, "b", constraints=("a==2.0",))) == {"a": "2.0", "b": "1.0"}
    error = failure(server, "b")
    assert "a==2.0 was yanked (reason: broken build)" in error.explanation
    assert any("`a==2.0` was yanked (reason: broken build)" in hint for hint in error.hints)


def test_local_versions(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {"1.0+cpu": [], "0.9": []}, "b": {"1.0": ["a==1.0"]}})
    assert pins(run(server, "a==1.0")) == {"a": "1.0+cpu"}
    assert pins(run(server, "b")) == {"a": "1.0+cpu", "b": "1.0"}
    assert pins(run(server, "a<=1.0")) == {"a": "1.0+cpu"}
    failure(server, "a>1.0")  # `>V` excludes local versions of V (PEP 440)


# -- constraints, overrides, no-deps -------------------------------------------------------


def test_constraints_restrict_but_do_not_add(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {"1.0": ["b"]}, "b": {"1.0": [], "2.0": []}, "c": {"1.0": []}})
    assert pins(run(server, "a", constraints=("b<2", "c==1.0"))) == {"a": "1.0", "b": "1.0"}


def test_conflicting_constraint_explained(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {"1.0": []}})
    error = failure(server, "a>=1", constraints=("a<1",))
    assert error.explanation == (
        "Because you require a>=1 and a<1, we can conclude that your requirements are unsatisfiable."
    )


def test_overrides_replace_every_requirement(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {"1.0": ["b<2"]}, "b": {"1.0": [], "2.0": [], "3.0": []}})
    resolution = run(server, "a", overrides=("b>=2,<3",))
    assert pins(resolution) == {"a": "1.0", "b": "2.0"}
    assert resolution.via["b"] == (Via(parent=canonicalize_name("a")), Via(source="--override overrides.txt"))
    assert pins(run(server, "a", "b==1.0", overrides=("b==3.0",))) == {"a": "1.0", "b": "3.0"}


def test_no_deps(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {"1.0": {"requires_dist": ["b"], "extras": {"x": ["c"]}}}, "b": {"1.0": []}, "c": {"1.0": []}})
    assert pins(run(server, "a[x]", no_deps=True)) == {"a": "1.0"}
    assert server.count("/files/b-*") == 0 and server.count("/simple/b/") == 0


# -- strategies and preferences ---------------------------------------------------------------


@pytest.fixture
def two_levels(publish: Callable[[Universe], IndexServer]) -> IndexServer:
    return publish({"a": {"1.0": ["b>=1"], "2.0": ["b>=1"]}, "b": {"1.0": [], "2.0": []}})


def test_resolution_lowest(two_levels: IndexServer) -> None:
    assert pins(run(two_levels, "a", resolution="lowest")) == {"a": "1.0", "b": "1.0"}


def test_resolution_lowest_direct(two_levels: IndexServer) -> None:
    assert pins(run(two_levels, "a", resolution="lowest-direct")) == {"a": "1.0", "b": "2.0"}


def test_preferences_and_upgrade(two_levels: IndexServer) -> None:
    prefs = {canonicalize_name("a"): Version("1.0"), canonicalize_name("b"): Version("1.0")}
    assert pins(run(two_levels, "a", preferences=prefs)) == {"a": "1.0", "b": "1.0"}
    assert pins(run(two_levels, "a", preferences=prefs, upgrade=True)) == {"a": "2.0", "b": "2.0"}
    assert pins(run(two_levels, "a", preferences=prefs, upgrade=frozenset({canonicalize_name("b")}))) == {"a": "1.0", "b": "2.0"}
    assert pins(run(two_levels, "a>=2", preferences=prefs)) == {"a": "2.0", "b": "1.0"}  # outside the range: ignored


# -- direct URLs -------------------------------------------------------------------


def test_url_wheels(publish: Callable[[Universe], IndexServer], wheel_factory: Callable[..., Path], tmp_path: Path) -> None:
    server = publish({"b": {"1.0": [], "2.0": []}})
    local = wheel_factory("a", "3.1", requires_dist=["b<2"])
    resolution = run(server, f"a @ {local.as_uri()}")
    assert pins(resolution) == {"a": "3.1", "b": "1.0"}
    assert resolution.dists["a"].url == local.as_uri() and resolution.dists["a"].requested
    served = publish({"c": {"1.5": []}})
    url = served.file_url("c-1.5-py3-none-any.whl")
    assert pins(run(server, f"c @ {url}")) == {"c": "1.5"}
    assert pins(run(server, str(local))) == {"a": "3.1", "b": "1.0"}  # a wheel path
    with pytest.raises(BuildError, match="needs a build"):
        run(server, f"d @ {tmp_path.as_uri()}/d-1.0.tar.gz")
    with pytest.raises(BuildError, match="needs a build"):
        run(server, "d @ git+https://127.0.0.1/d.git")


def test_url_pin_conflicting_with_a_dependency(publish: Callable[[Universe], IndexServer], wheel_factory: Callable[..., Path]) -> None:
    server = publish({"top": {"1.0": ["a>=4"]}})
    local = wheel_factory("a", "3.1")
    error = failure(server, "top", f"a @ {local.as_uri()}")
    assert "top==1.0 depends on a>=4" in error.explanation


def test_sdist_only_needs_a_build(index_server: IndexServer, sdist_factory: Callable[..., Path]) -> None:
    index_server.publish(sdist_factory("a", "1.0"))
    with pytest.raises(BuildError):
        run(index_server, "a")


# -- failures: explanations and hints ----------------------------------------------------------


def test_explanation_of_a_missing_dependency_version(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"foo": {"1.0": ["bar>=2"]}, "bar": {"1.0": [], "1.5": []}})
    error = failure(server, "foo==1.0")
    assert isinstance(error, ResolutionError)
    assert error.message == "No solution found when resolving dependencies:"
    assert error.causes == (error.explanation,)
    assert error.explanation == (
        "Because foo==1.0 depends on bar>=2 and only bar<=1.5 is available, "
        "we can conclude that foo==1.0 cannot be used.\n"
        "And because you require foo==1.0, we can conclude that your requirements are unsatisfiable."
    )


def test_explanation_of_a_conflict_with_the_root(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"foo": {"1.0": ["bar>=2"]}, "bar": {"1.0": [], "2.0": []}})
    error = failure(server, "foo==1.0", "bar<2")
    assert error.explanation == (
        "Because foo==1.0 depends on bar>=2 and you require foo==1.0, we can conclude that you require bar>=2.\n"
        "And because you require bar<2, we can conclude that your requirements are unsatisfiable."
    )


def test_explanation_of_duplicate_root_requirements(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {"1.0": [], "2.0": []}})
    error = failure(server, "a==1.0", "a==2.0")
    assert error.explanation == (
        "Because you require a==1.0 and a==2.0, we can conclude that your requirements are unsatisfiable."
    )


def test_hint_for_a_missing_package_redacts_credentials(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {"1.0": []}})
    secret = server.url.replace("http://", "http://user:s3cret@")
    error = failure(server, "nothere", index=_client(secret))
    assert error.explanation == (
        "Because there are no versions of nothere and you require nothere, "
        "we can conclude that your requirements are unsatisfiable."
    )
    (hint,) = error.hints
    assert hint.startswith("`nothere` was not found in the package index (asked: http://****@127.0.0.1:")
    assert "s3cret" not in hint


def test_hint_for_building_disabled(index_server: IndexServer, wheel_factory: Callable[..., Path], sdist_factory: Callable[..., Path]) -> None:
    index_server.publish(wheel_factory("a", "1.0", tag="py3-none-macosx_11_0_arm64"))
    index_server.publish(sdist_factory("a", "1.0"))
    error = failure(index_server, "a", policy=SelectionPolicy(no_build=True))
    assert error.explanation.startswith(
        "Because a==1.0 has no wheel for the target platform (cp312-cp312-linux_x86_64) and building is disabled"
    )
    assert error.hints == ("`a==1.0` has wheels only for: macosx_11_0_arm64",)
    control = FormatControl().with_only_binary(":all:")
    assert "--only-binary forbids" in failure(index_server, "a", policy=SelectionPolicy(format_control=control)).explanation


def test_hint_for_wheels_refused_by_no_binary(index_server: IndexServer, wheel_factory: Callable[..., Path]) -> None:
    index_server.publish(wheel_factory("a", "1.0"))
    index_server.publish(wheel_factory("a", "2.0"))
    for value in ("a", ":all:"):
        control = FormatControl().with_no_binary(value)
        error = failure(index_server, "a", policy=SelectionPolicy(format_control=control))
        assert error.hints == (
            "`a` has only wheels, which --no-binary forbids: drop `a` (or `:all:`) from --no-binary to use them",
        )


def test_versions_unusable_for_one_reason_are_explained_once(
    index_server: IndexServer, wheel_factory: Callable[..., Path]
) -> None:
    for minor in range(6):
        index_server.publish(wheel_factory("a", f"1.{minor}"))
    control = FormatControl().with_no_binary("a")
    error = failure(index_server, "a", policy=SelectionPolicy(format_control=control))
    # One merged fact, not a chain of one clause per version.
    assert error.explanation == (
        "Because all versions of a have only wheels and --no-binary and you require a, "
        "we can conclude that your requirements are unsatisfiable."
    )


def test_invalid_options() -> None:
    with pytest.raises(UsageError):
        ResolveOptions(resolution="newest")
    with pytest.raises(UsageError):
        ResolveOptions(prerelease="sometimes")


# -- fetching -------------------------------------------------------------------------


def test_each_page_and_metadata_fetched_at_most_once(publish: Callable[[Universe], IndexServer]) -> None:
    universe: dict[str, dict[str, Any]] = {"c": {"1.0": [], "2.0": []}, "b": {}, "a": {}}
    for minor in range(12):
        universe["a"][f"1.{minor}"] = ["c>=2", f"b=={minor}.0"] if minor > 3 else ["c<2", "b"]
        universe["b"][f"{minor}.0"] = ["c"]
    server = publish(universe)
    assert pins(run(server, "a", "c<2")) == {"a": "1.3", "b": "11.0", "c": "1.0"}
    seen: dict[str, int] = {}
    for record in server.requests:
        seen[record.path] = seen.get(record.path, 0) + 1
    assert seen and max(seen.values()) == 1, {p: n for p, n in seen.items() if n > 1}
    assert server.count("/files/*.whl") == 0  # PEP 658 metadata files only


def test_a_thousand_requirements(index_server: IndexServer, wheel_factory: Callable[..., Path]) -> None:
    count = 1000
    for number in range(count):
        deps = [f"pkg{number + 1}>=1"] if number + 1 < count else []
        index_server.publish(wheel_factory(f"pkg{number}", "1.0", requires_dist=deps))
    resolution = run(index_server, *(f"pkg{n}" for n in range(count)))
    assert len(resolution) == count
    assert index_server.count("/simple/*") == count
    assert index_server.count("/files/*.metadata") == count


def test_a_missing_direct_requirement_fails_before_the_others_are_resolved(
    index_server: IndexServer, wheel_factory: Callable[..., Path]
) -> None:
    """A pinned project the index does not have, listed after 200 resolvable ones: the
    solver decides it as soon as its page shows no version, instead of deciding (and
    fetching the metadata of) everything listed before it first."""
    count = 200
    for number in range(count):
        index_server.publish(wheel_factory(f"pkg{number}", "1.0", requires_dist=["base>=1"]))
    index_server.publish(wheel_factory("base", "1.0"))
    # Metadata answers take a while, as on a real index; pages come back at once.
    index_server.add_fault("/files/*.metadata", Fault(kind="slow", delay=0.05, times=10 * count))
    requirements = [f"pkg{n}==1.0" for n in range(count)] + ["gone==1.0"]
    error = failure(index_server, *requirements, max_workers=8)
    assert error.explanation == (
        "Because there is no version of gone==1.0 and you require gone==1.0, "
        "we can conclude that your requirements are unsatisfiable."
    )
    assert any("`gone` was not found in the package index" in hint for hint in error.hints)
    assert index_server.count("/simple/gone/") == 1
    fetched = index_server.count("/files/*.metadata")
    assert fetched < count // 4, f"{fetched} metadata files fetched before the failure"
    assert index_server.count("/files/*.whl") == 0


def _provider(server: IndexServer, executor: Any, *requirements: str) -> PythonProvider:
    return PythonProvider(
        [_spec(r) for r in requirements],
        index=_client(server.url),
        target=Target.for_python("3.12", "linux"),
        policy=SelectionPolicy(),
        options=ResolveOptions(),
        executor=executor,
    )


def test_prefetch_fetches_page_and_metadata_of_the_likely_choice(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {"1.0": [], "2.0": [], "3.0": []}})
    with ThreadPoolExecutor(4) as executor:
        provider = _provider(server, executor, "a<3")
        provider.prefetch([(Name(canonicalize_name("a")), spec_range(SpecifierSet("<3")))])
    assert server.count("/simple/a/") == 1
    assert server.count("/files/a-2.0-py3-none-any.whl.metadata") == 1
    assert server.count("/files/*.metadata") == 1


def test_backtracking_fetches_the_next_candidates_in_a_batch(publish: Callable[[Universe], IndexServer]) -> None:
    server = publish({"a": {f"1.{n}": [] for n in range(12)}})
    key = Name(canonicalize_name("a"))
    with ThreadPoolExecutor(4) as executor:
        provider = _provider(server, executor, "a")
        allowed = spec_range(SpecifierSet(""))
        for _ in range(BACKTRACK_PREFETCH_AFTER + 1):  # the solver keeps rejecting the newest
            chosen = provider.choose_version(key, allowed)
            assert chosen is not None
            allowed = allowed - VersionRange.singleton(chosen)
    assert chosen == Version("1.9")
    fetched = sorted(r.path for r in server.requests if r.path.endswith(".metadata"))
    expected = [f"/files/a-1.{n}-py3-none-any.whl.metadata" for n in range(1, 9)]
    assert fetched == sorted(expected)  # the 8 versions after 1.9, once each
