"""Every resolver scenario (shared/scenarios) through ``resolve()`` against the local fixture index.

Install scenarios resolve for the environment's Python; compile-style ones
(``python`` in the resolver options) for that Python. The platform is
``python_platform`` when given, else Linux x86_64. Universal (lock-style)
scenarios are skipped: puv resolves for one environment only. Versions the
index has only as a source distribution get their metadata from the sdist
(downloaded into a test cache, its static PKG-INFO read), as `pip install`
and `pip compile` get it through their build session.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from puv.domain.index.candidates import SelectionPolicy, Target
from puv.domain.index.client import IndexClient, IndexSources
from puv.domain.resolver.resolve import NoSolutionError, ResolveOptions, resolve
from puv.errors import BuildError
from puv.io.cache import Cache
from puv.io.http import HttpClient, HttpOptions
from puv.primitives.metadata import CoreMetadata
from puv.primitives.requirement_spec import RequirementSpec
from puv.primitives.simple_api import DistFile
from puv.primitives.requirement_spec import parse_requirement
from puv.primitives.requirements_txt import FormatControl
from tests.support.fixtures import ScenarioIndex
from tests.support.scenarios import Scenario, load_scenario, scenario_paths

SCENARIOS = scenario_paths()


def _id(path: object) -> str:
    return getattr(path, "stem", str(path))


def _policy(scenario: Scenario) -> SelectionPolicy:
    options = scenario.resolver_options
    control = FormatControl()
    for name in options.no_binary:
        control = control.with_no_binary(scenario.prefixed(name) if name != ":all:" else name)
    for name in options.only_binary:
        control = control.with_only_binary(scenario.prefixed(name) if name != ":all:" else name)
    no_build = frozenset(scenario.prefixed(n) if n != ":all:" else n for n in options.no_build)
    return SelectionPolicy(format_control=control, no_build=no_build)


def _options(scenario: Scenario) -> ResolveOptions:
    options = scenario.resolver_options
    return ResolveOptions(
        resolution=options.resolution or "highest",
        prerelease="allow" if options.prereleases else "if-necessary-or-explicit",
    )


class SdistMetadata:
    """A BuildContext for index sdists: downloaded into ``cache``, PKG-INFO read (no backend)."""

    def __init__(self, http: HttpClient, cache: Cache) -> None:
        self.http = http
        self.cache = cache

    def direct_metadata(self, spec: RequirementSpec) -> CoreMetadata:
        raise BuildError(f"no direct requirements in scenarios: {spec}")

    def sdist_metadata(self, project: str, file: DistFile) -> CoreMetadata:
        from puv.domain.build.static_metadata import from_pkg_info
        from puv.domain.sources.archives import fetch_archive
        from puv.io.archive import unpack_sdist

        fetched = fetch_archive(file.url, http=self.http, cache=self.cache, hashes=[f"{a}:{d}" for a, d in file.hashes])
        root = unpack_sdist(fetched.path, Path(self.cache.tmpdir()) / fetched.sha256)
        found = from_pkg_info((root / "PKG-INFO").read_bytes(), source=file.filename)
        if found is None:
            raise BuildError(f"{file.filename} has no static metadata")
        return found


def run_scenario(published: ScenarioIndex, cache: Cache) -> dict[str, str]:
    """Resolve a published scenario; ``{name: version}`` of the answer."""
    scenario = published.scenario
    python = scenario.resolver_options.python or scenario.python
    target = Target.for_python(python, scenario.resolver_options.python_platform or "linux")
    http = HttpClient(HttpOptions(backoff=0.01, timeout=10))
    index = IndexClient(http, None, IndexSources((published.url,)))
    requirements = [parse_requirement(text) for text in scenario.requires]
    resolution = resolve(
        requirements,
        index=index,
        target=target,
        policy=_policy(scenario),
        options=_options(scenario),
        build=SdistMetadata(http, cache),
    )
    return {str(name): str(dist.version) for name, dist in resolution.dists.items()}


@pytest.mark.parametrize("path", SCENARIOS, ids=_id)
def test_scenario(path: object, scenario_index: Callable[[Scenario], ScenarioIndex], tmp_path: Path) -> None:
    scenario = load_scenario(path)  # type: ignore[arg-type]
    if scenario.resolver_options.universal:
        pytest.skip("universal (lock-style) resolution is not supported")
    if scenario.testgen_disable:
        pytest.skip("the scenario is not meant to run as a test")
    published = scenario_index(scenario)
    expected = scenario.expected_packages
    cache = Cache(tmp_path / "cache")
    cache.ensure()
    if scenario.expected.satisfiable:
        got = run_scenario(published, cache)
        if expected is not None:
            assert got == {canonicalize_name(k): v for k, v in expected.items()}, scenario.description
    else:
        with pytest.raises(NoSolutionError) as failure:
            run_scenario(published, cache)
        assert failure.value.message == "No solution found when resolving dependencies:"
        assert failure.value.causes and failure.value.causes[0].startswith("Because ")
