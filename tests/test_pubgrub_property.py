"""Random universes: solutions are valid; failures agree with brute force.

Uses a seeded ``random.Random`` (no extra dependency), so every run checks
the same few hundred universes.
"""

from __future__ import annotations

import itertools
import random

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from puv.domain.resolver.pubgrub import DefaultFormatter, NoSolution, explain, solve
from tests.test_pubgrub_fake import ROOT, FakeProvider

Spec = dict[str, str]
UniverseDict = dict[str, dict[str, "Spec | str"]]

_OPERATORS = ("==", ">=", "<", "!=", "<=", ">")


def random_universe(rng: random.Random, packages: int, versions: int) -> UniverseDict:
    names = [f"p{n}" for n in range(packages)]
    universe: UniverseDict = {}

    def requirement() -> str:
        if rng.random() < 0.25:
            return ""
        return f"{rng.choice(_OPERATORS)}{rng.randint(1, versions)}"

    for name in names:
        entries: dict[str, Spec | str] = {}
        for v in range(1, versions + 1):
            if rng.random() < 0.08:
                entries[str(v)] = "is broken"
                continue
            others = [n for n in names if n != name]
            deps = rng.sample(others, k=min(len(others), rng.randint(0, 2)))
            entries[str(v)] = {dep: requirement() for dep in deps}
        universe[name] = entries
    wanted = rng.sample(names, k=rng.randint(1, min(3, packages)))
    universe[ROOT] = {"1": {name: requirement() for name in wanted}}
    return universe


def satisfied(universe: UniverseDict, chosen: dict[str, Version]) -> bool:
    """Whether ``chosen`` (root included) meets every constraint it brings in."""
    for package, version in chosen.items():
        deps = universe[package][str(version) if package != ROOT else "1"]
        if isinstance(deps, str):
            return False
        for dep, spec in deps.items():
            if dep not in chosen or not SpecifierSet(spec).contains(chosen[dep], prereleases=True):
                return False
    return True


def brute_force(universe: UniverseDict) -> bool:
    names = [n for n in universe if n != ROOT]
    options = [[None, *(Version(v) for v in universe[n])] for n in names]
    for combo in itertools.product(*options):
        chosen = {n: v for n, v in zip(names, combo) if v is not None}
        chosen[ROOT] = Version("1")
        if satisfied(universe, chosen):
            return True
    return False


@pytest.mark.parametrize("seed", range(300))
def test_random_universe(seed: int) -> None:
    rng = random.Random(seed)
    universe = random_universe(rng, packages=rng.randint(2, 4), versions=rng.randint(1, 3))
    provider = FakeProvider(universe, lowest=bool(seed % 2))
    try:
        solution = solve(provider, ROOT, Version("1"))
    except NoSolution as error:
        assert not brute_force(universe), universe
        text = explain(
            error.incompatibility,
            root=ROOT,
            formatter=DefaultFormatter(provider.known_versions()),
        )
        assert text.endswith("we can conclude that your requirements are unsatisfiable.")
        return
    chosen = dict(solution.versions)
    chosen[ROOT] = Version("1")
    assert satisfied(universe, chosen), (universe, chosen)
    assert reachable(universe, chosen) == set(chosen), (universe, chosen)


def reachable(universe: UniverseDict, chosen: dict[str, Version]) -> set[str]:
    """Packages reachable from the root through the chosen versions' dependencies."""
    seen = {ROOT}
    stack = [ROOT]
    while stack:
        package = stack.pop()
        deps = universe[package][str(chosen[package]) if package != ROOT else "1"]
        assert not isinstance(deps, str)
        for dep in deps:
            if dep not in seen:
                seen.add(dep)
                stack.append(dep)
    return seen
