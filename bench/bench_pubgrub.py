"""Time the PubGrub core on synthetic universes (not part of the test run).

Run: python bench/bench_pubgrub.py
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from packaging.ranges import VersionRange
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from puv.domain.resolver.pubgrub import Dependencies, NoSolution, solve

ROOT = "root"


class Provider:
    """Highest version first, over a dict universe with pre-built ranges."""

    def __init__(self, universe: Mapping[str, Mapping[str, Mapping[str, str]]]) -> None:
        self.versions = {p: sorted(Version(v) for v in vs) for p, vs in universe.items()}
        self.deps = {
            (p, Version(v)): {d: SpecifierSet(s).to_range() for d, s in ds.items()}
            for p, vs in universe.items()
            for v, ds in vs.items()
        }

    def choose_version(self, package: str, allowed: VersionRange) -> Version | None:
        for version in reversed(self.versions.get(package, [])):
            if allowed.contains(version):
                return version
        return None

    def get_dependencies(self, package: str, version: Version) -> Dependencies[str]:
        return self.deps[(package, version)]


def wide(count: int) -> dict[str, dict[str, dict[str, str]]]:
    """``count`` direct requirements, 3 versions each, 2 deps into a shared pool."""
    universe: dict[str, dict[str, dict[str, str]]] = {
        f"s{k}": {f"{v}.0": {} for v in range(1, 4)} for k in range(50)
    }
    for n in range(count):
        universe[f"p{n}"] = {
            f"{v}.0": {f"s{(n + v) % 50}": f">={v % 3 + 1}", f"s{(n * 7) % 50}": ""}
            for v in range(1, 4)
        }
    universe[ROOT] = {"1": {f"p{n}": ">=1" for n in range(count)}}
    return universe


def deep_backtracking(count: int) -> dict[str, dict[str, dict[str, str]]]:
    """``a`` has ``count`` versions; only the oldest one has a satisfiable dependency."""
    universe: dict[str, dict[str, dict[str, str]]] = {
        "a": {f"{n}": {"b": f"=={n}"} for n in range(1, count + 1)},
        "b": {"1": {}},
        ROOT: {"1": {"a": ""}},
    }
    return universe


def run(label: str, universe: dict[str, dict[str, dict[str, str]]]) -> None:
    provider = Provider(universe)
    start = time.perf_counter()
    try:
        solution = solve(provider, ROOT, Version("1"))
        outcome = f"{len(solution.versions)} packages, {solution.stats}"
    except NoSolution:
        outcome = "no solution"
    elapsed = time.perf_counter() - start
    print(f"{label:<28} {elapsed * 1000:8.1f} ms  {outcome}")


def main() -> None:
    run("wide 100", wide(100))
    run("wide 1000", wide(1000))
    run("wide 3000", wide(3000))
    run("backtrack 200 versions", deep_backtracking(200))
    run("backtrack 1000 versions", deep_backtracking(1000))


if __name__ == "__main__":
    main()
