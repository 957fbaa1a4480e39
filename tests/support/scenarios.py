"""Resolver scenarios (the packse scenario TOML format, see ``shared/scenarios/README.md``):
load them into frozen values, build their package universe, publish it to a test index.

Package names are prefixed with the scenario name when built (``a`` in scenario
``extra-required`` becomes ``extra-required-a``), and so are the names inside every
requirement (parsed and re-rendered with ``packaging.requirements.Requirement``).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.builders import build_sdist, build_wheel
from tests.support.index_server import IndexServer

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_REQUIRES_PYTHON = ">=3.12"
DEFAULT_PYTHON = "3.12"
DEFAULT_WHEEL_TAGS = ("py3-none-any",)


def shared_dir() -> Path:
    """The shared directory beside the repository (``$PUV_SHARED_DIR`` wins)."""
    env = os.environ.get("PUV_SHARED_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared"


def scenarios_dir() -> Path:
    return shared_dir() / "scenarios"


def scenario_paths() -> list[Path]:
    """Every scenario file, sorted (empty when the shared directory is missing)."""
    root = scenarios_dir()
    return sorted(root.rglob("*.toml")) if root.is_dir() else []


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class ScenarioVersion:
    """One release of a scenario package."""

    version: str
    requires: tuple[str, ...] = ()
    requires_python: str | None = DEFAULT_REQUIRES_PYTHON
    extras: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _frozen({}))
    wheel_tags: tuple[str, ...] = DEFAULT_WHEEL_TAGS
    wheel: bool = True
    sdist: bool = True
    yanked: bool | str = False


@dataclass(frozen=True)
class ScenarioPackage:
    name: str
    versions: tuple[ScenarioVersion, ...]


@dataclass(frozen=True)
class ResolverOptions:
    prereleases: bool = False
    no_build: tuple[str, ...] = ()
    no_binary: tuple[str, ...] = ()
    only_binary: tuple[str, ...] = ()
    python_platform: str | None = None
    resolution: str | None = None
    python: str | None = None
    universal: bool = False
    required_environments: tuple[str, ...] = ()
    other: Mapping[str, Any] = field(default_factory=lambda: _frozen({}))


@dataclass(frozen=True)
class Expected:
    satisfiable: bool
    packages: Mapping[str, str] | None = None
    explanation: str | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    path: Path
    root_requires: tuple[str, ...]
    root_requires_python: str | None
    python: str
    additional_python: tuple[str, ...]
    resolver_options: ResolverOptions
    packages: tuple[ScenarioPackage, ...]
    expected: Expected
    testgen_disable: bool = False
    testgen_kind: str | None = None

    @property
    def is_install(self) -> bool:
        """An install scenario: neither universal nor for another Python (see README)."""
        return not self.resolver_options.universal and self.resolver_options.python is None

    def prefixed(self, name: str) -> str:
        return f"{self.name}-{name}"

    def prefix_requirement(self, requirement: str) -> str:
        return prefix_requirement(requirement, self.name)

    @property
    def requires(self) -> tuple[str, ...]:
        """The root requirements with prefixed names (what to give the installer)."""
        return tuple(self.prefix_requirement(r) for r in self.root_requires)

    @property
    def expected_packages(self) -> Mapping[str, str] | None:
        """Expected ``{normalized prefixed name: version}``, or None when not given."""
        if self.expected.packages is None:
            return None
        return _frozen({canonicalize_name(self.prefixed(k)): v for k, v in self.expected.packages.items()})


def prefix_requirement(requirement: str, prefix: str) -> str:
    """``requirement`` with ``{prefix}-`` before its project name; extras and markers kept."""
    req = Requirement(requirement)
    req.name = f"{prefix}-{req.name}"
    return str(req)


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what}: expected a list of strings, got {value!r}")
    return tuple(value)


def _version(version: str, data: Mapping[str, Any]) -> ScenarioVersion:
    known = {"requires", "requires_python", "extras", "wheel_tags", "wheel", "sdist", "yanked"}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"version {version}: unknown keys {sorted(unknown)}")
    extras = {str(k): _strings(v, f"extra {k}") for k, v in dict(data.get("extras", {})).items()}
    return ScenarioVersion(
        version=version,
        requires=_strings(data.get("requires"), "requires"),
        requires_python=data.get("requires_python", DEFAULT_REQUIRES_PYTHON),
        extras=_frozen(extras),
        wheel_tags=_strings(data.get("wheel_tags"), "wheel_tags") or DEFAULT_WHEEL_TAGS,
        wheel=bool(data.get("wheel", True)),
        sdist=bool(data.get("sdist", True)),
        yanked=data.get("yanked", False),
    )


def parse_scenario(data: Mapping[str, Any], path: Path) -> Scenario:
    root = dict(data.get("root", {}))
    environment = dict(data.get("environment", {}))
    options = dict(data.get("resolver_options", {}))
    expected = dict(data.get("expected", {}))
    testgen = dict(data.get("testgen", {}))
    packages = tuple(
        ScenarioPackage(
            name=name,
            versions=tuple(_version(str(v), dict(vdata)) for v, vdata in dict(pdata.get("versions", {})).items()),
        )
        for name, pdata in dict(data.get("packages", {})).items()
    )
    known_options = {
        "prereleases", "no_build", "no_binary", "only_binary", "python_platform",
        "resolution", "python", "universal", "required_environments",
    }  # fmt: skip
    resolver_options = ResolverOptions(
        prereleases=bool(options.get("prereleases", False)),
        no_build=_strings(options.get("no_build"), "no_build"),
        no_binary=_strings(options.get("no_binary"), "no_binary"),
        only_binary=_strings(options.get("only_binary"), "only_binary"),
        python_platform=options.get("python_platform"),
        resolution=options.get("resolution"),
        python=options.get("python"),
        universal=bool(options.get("universal", False)),
        required_environments=_strings(options.get("required_environments"), "required_environments"),
        other=_frozen({k: v for k, v in options.items() if k not in known_options}),
    )
    packages_expected = expected.get("packages")
    return Scenario(
        name=str(data["name"]),
        description=str(data.get("description", "")).strip(),
        path=path,
        root_requires=_strings(root.get("requires"), "root.requires"),
        root_requires_python=root.get("requires_python"),
        python=str(environment.get("python", DEFAULT_PYTHON)),
        additional_python=_strings(environment.get("additional_python"), "additional_python"),
        resolver_options=resolver_options,
        packages=packages,
        expected=Expected(
            satisfiable=bool(expected["satisfiable"]),
            packages=None if packages_expected is None else _frozen({str(k): str(v) for k, v in packages_expected.items()}),
            explanation=expected.get("explanation"),
        ),
        testgen_disable=bool(testgen.get("disable", False)),
        testgen_kind=testgen.get("kind"),
    )


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a scenario by file path, or by its ``name`` (searched under ``scenarios_dir()``)."""
    path = Path(name_or_path)
    if not path.suffix == ".toml":
        found = [p for p in scenario_paths() if p.stem == str(name_or_path)]
        if not found:
            found = [p for p in scenario_paths() if _read(p).get("name") == str(name_or_path)]
        if len(found) != 1:
            raise LookupError(f"scenario {name_or_path!r}: {len(found)} matches in {scenarios_dir()}")
        path = found[0]
    return parse_scenario(_read(path), path)


def _read(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


# ------------------------------------------------------------------- building


@dataclass(frozen=True)
class Artifact:
    """A built file of a scenario and how the index should show it."""

    path: Path
    yanked: bool | str = False


def build_scenario(scenario: Scenario, dest: Path) -> tuple[Artifact, ...]:
    """Build every wheel (one per tag) and sdist of ``scenario`` into ``dest``.

    Sdists carry static metadata (PKG-INFO 2.2, nothing dynamic) and the in-tree test
    backend, so they build offline."""
    artifacts: list[Artifact] = []
    for package in scenario.packages:
        name = scenario.prefixed(package.name)
        for release in package.versions:
            requires = [scenario.prefix_requirement(r) for r in release.requires]
            extras = {extra: [scenario.prefix_requirement(r) for r in reqs] for extra, reqs in release.extras.items()}
            if release.wheel:
                for tag in release.wheel_tags:
                    path = build_wheel(
                        dest,
                        name,
                        release.version,
                        requires_dist=requires,
                        requires_python=release.requires_python,
                        extras=extras,
                        tag=tag,
                    )
                    artifacts.append(Artifact(path, release.yanked))
            if release.sdist:
                path = build_sdist(
                    dest,
                    name,
                    release.version,
                    requires_dist=requires,
                    requires_python=release.requires_python,
                    extras=extras,
                    backend="inline",
                )
                artifacts.append(Artifact(path, release.yanked))
    return tuple(artifacts)


class ScenarioBuilds:
    """Builds of scenarios under one directory, each built at most once (thread-safe)."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._lock = threading.Lock()
        self._built: dict[str, tuple[Artifact, ...]] = {}

    def artifacts(self, scenario: Scenario) -> tuple[Artifact, ...]:
        with self._lock:
            if scenario.name not in self._built:
                self._built[scenario.name] = build_scenario(scenario, self._root / scenario.name)
            return self._built[scenario.name]


def publish_scenario(
    server: IndexServer, scenario: Scenario, builds: ScenarioBuilds | None = None, *, dest: Path | None = None
) -> tuple[Artifact, ...]:
    """Build (or reuse) ``scenario``'s files and publish them on ``server`` (an IndexServer)."""
    if builds is not None:
        artifacts = builds.artifacts(scenario)
    elif dest is not None:
        artifacts = build_scenario(scenario, dest)
    else:
        raise ValueError("pass builds= or dest=")
    for artifact in artifacts:
        server.publish(artifact.path, yanked=artifact.yanked)
    return artifacts


def all_scenarios() -> Iterable[Scenario]:
    return (load_scenario(p) for p in scenario_paths())
