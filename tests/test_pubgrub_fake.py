"""An in-memory provider for the PubGrub tests (plus a few tests of it).

A universe maps a package name to its versions, each with either a mapping of
dependencies (name -> specifier text) or a string: the reason that version is
unavailable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from packaging.ranges import VersionRange
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from puv.domain.resolver.pubgrub import (
    DefaultFormatter,
    Dependencies,
    NoSolution,
    PackageHint,
    UnavailableDependencies,
    explain,
    solve,
)

ROOT = "root"

Universe = Mapping[str, Mapping[str, "Mapping[str, str] | str"]]


@dataclass
class FakeProvider:
    """Highest (or lowest) version first; records what the solver asked."""

    universe: Universe
    lowest: bool = False
    calls: list[tuple[str, str]] = field(default_factory=list)
    prefetched: list[str] = field(default_factory=list)

    def _versions(self, package: str) -> list[Version]:
        return sorted(Version(v) for v in self.universe.get(package, {}))

    def choose_version(self, package: str, allowed: VersionRange) -> Version | None:
        self.calls.append(("choose", package))
        fits = [v for v in self._versions(package) if allowed.contains(v)]
        if not fits:
            return None
        return fits[0] if self.lowest else fits[-1]

    def get_dependencies(self, package: str, version: Version) -> Dependencies[str]:
        self.calls.append(("deps", f"{package}=={version}"))
        for text, deps in self.universe[package].items():
            if Version(text) == version:
                if isinstance(deps, str):
                    return UnavailableDependencies(deps)
                return {name: SpecifierSet(spec).to_range() for name, spec in deps.items()}
        raise KeyError(f"{package}=={version}")

    def known_versions(self) -> dict[str, Sequence[Version]]:
        return {p: self._versions(p) for p in self.universe if p != ROOT}


@dataclass
class HintingProvider(FakeProvider):
    """A provider that also gives priority hints and takes prefetch calls."""

    def hint(self, package: str, allowed: VersionRange) -> PackageHint:
        count = sum(1 for v in self._versions(package) if allowed.contains(v))
        return PackageHint(exact=count == 1, candidates=count)

    def prefetch(self, packages: Sequence[tuple[str, VersionRange]]) -> None:
        self.prefetched.extend(p for p, _ in packages)


def resolve(universe: Universe, *, lowest: bool = False) -> dict[str, str]:
    """Solve from ``root`` (its single version) and return name -> version text."""
    provider = FakeProvider(universe, lowest=lowest)
    root_version = Version(next(iter(universe[ROOT])))
    solution = solve(provider, ROOT, root_version)
    return {p: str(v) for p, v in solution.versions.items()}


def failure(universe: Universe) -> str:
    """Solve, expect failure, and return the explanation text."""
    provider = FakeProvider(universe)
    root_version = Version(next(iter(universe[ROOT])))
    try:
        solve(provider, ROOT, root_version)
    except NoSolution as error:
        formatter = DefaultFormatter(provider.known_versions())
        return explain(error.incompatibility, root=ROOT, formatter=formatter)
    raise AssertionError("expected no solution")


def test_fake_provider_picks_highest_and_lowest() -> None:
    universe = {ROOT: {"1": {"a": ""}}, "a": {"1": {}, "2": {}}}
    assert resolve(universe) == {"a": "2"}
    assert resolve(universe, lowest=True) == {"a": "1"}


def test_fake_provider_reports_unavailable() -> None:
    provider = FakeProvider({"a": {"1": "has invalid metadata"}})
    assert provider.get_dependencies("a", Version("1")) == UnavailableDependencies(
        "has invalid metadata"
    )
