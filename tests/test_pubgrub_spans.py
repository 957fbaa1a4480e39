"""Version spans (``pubgrub.VersionSpans``): facts about a version stretched to its neighbours.

A provider that knows every version may let the solver state what it learns
about ``v`` for the whole gap up to the next version. The answers must not
change; the ranges the solver builds must stay small.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from typing import Any

import pytest
from packaging.ranges import VersionRange
from packaging.version import Version

from puv.domain.resolver.pubgrub import (
    DefaultFormatter,
    FromDependencyOf,
    Incompatibility,
    NoSolution,
    VersionSpans,
    explain,
    solve,
)
from tests.test_pubgrub_fake import ROOT, FakeProvider
from tests.test_pubgrub_property import brute_force, random_universe, satisfied


class SpanningProvider(FakeProvider):
    """Spans from a version up to the next one (down to the one before when lowest)."""

    def span(self, package: str, version: Version) -> VersionRange:
        known = self._versions(package)
        at = bisect_left(known, version)
        if at == len(known) or known[at] != version:
            return VersionRange.singleton(version)
        if self.lowest:
            below = known[at - 1] if at else None
            return VersionRange.from_bounds(below, version, include_lower=False)
        above = known[at + 1] if at + 1 < len(known) else None
        return VersionRange.from_bounds(version, above, include_upper=False)


class BadSpanProvider(FakeProvider):
    def span(self, package: str, version: Version) -> VersionRange:
        return VersionRange.from_bounds(version, include_lower=False)  # leaves the version out


def _outcome(provider: FakeProvider) -> tuple[str, Any]:
    try:
        solution = solve(provider, ROOT, Version("1"))
    except NoSolution as error:
        return "none", error
    return "solved", {p: v for p, v in solution.versions.items()}


def test_the_provider_protocol_is_recognised() -> None:
    assert isinstance(SpanningProvider({}), VersionSpans)
    assert not isinstance(FakeProvider({}), VersionSpans)


@pytest.mark.parametrize("seed", range(300))
def test_spans_change_no_answer(seed: int) -> None:
    rng = random.Random(seed)
    universe = random_universe(rng, packages=rng.randint(2, 5), versions=rng.randint(1, 5))
    lowest = bool(seed % 2)
    plain, plain_value = _outcome(FakeProvider(universe, lowest=lowest))
    spanned, value = _outcome(SpanningProvider(universe, lowest=lowest))
    assert spanned == plain, universe
    if spanned == "solved":
        assert value == plain_value, universe
        assert satisfied(universe, {**value, ROOT: Version("1")})
    else:
        assert not brute_force(universe), universe
        text = explain(value.incompatibility, root=ROOT, formatter=DefaultFormatter(SpanningProvider(universe).known_versions()))
        assert text.endswith("we can conclude that your requirements are unsatisfiable.")


def _lockstep(count: int) -> dict[str, dict[str, Any]]:
    """``top 1.k`` needs ``core>=1.k``; cores from 1.3 on need ``pin>=2``; the root wants ``pin<2``."""
    return {
        ROOT: {"1": {"top": "", "pin": "<2"}},
        "top": {f"1.{k}": {"core": f">=1.{k},<2"} for k in range(count)},
        "core": {f"1.{k}": {"pin": ">=2" if k >= 3 else ">=1"} for k in range(count)},
        "pin": {"1.0": {}, "2.0": {}},
    }


def _widest_depender_range(error: NoSolution) -> int:
    """The most intervals a dependency fact in the failure's derivation has on its depender side."""
    widest = 0
    stack: list[Incompatibility[str]] = [error.incompatibility]
    while stack:
        node = stack.pop()
        cause = node.cause
        if isinstance(cause, FromDependencyOf):
            widest = max(widest, len(getattr(cause.depender_range, "_bounds")))
        for attribute in ("cause1", "cause2"):
            inner = getattr(cause, attribute, None)
            if inner is not None:
                stack.append(inner)
    return widest


def test_the_walk_down_a_lockstep_pair_keeps_ranges_to_one_interval() -> None:
    universe = _lockstep(60)
    universe["top"]["1.0"] = {"core": ">=1.0,<2", "pin": ">=2"}  # make it fail at the bottom
    universe["top"]["1.1"] = {"core": ">=1.1,<2", "pin": ">=2"}
    universe["top"]["1.2"] = {"core": ">=1.2,<2", "pin": ">=2"}
    results = {}
    for provider in (FakeProvider(universe), SpanningProvider(universe)):
        with pytest.raises(NoSolution) as failure:
            solve(provider, ROOT, Version("1"))
        results[type(provider).__name__] = _widest_depender_range(failure.value)
    assert results["SpanningProvider"] == 1
    assert results["FakeProvider"] > 10  # one interval per version without spans


def test_lockstep_solution_with_spans() -> None:
    for provider in (SpanningProvider(_lockstep(60)), SpanningProvider(_lockstep(60), lowest=True)):
        solution = solve(provider, ROOT, Version("1"))
        expected = "1.0" if provider.lowest else "1.2"
        assert {p: str(v) for p, v in solution.versions.items()} == {"top": expected, "core": expected, "pin": "1.0"}


def test_a_span_without_its_version_is_an_error() -> None:
    with pytest.raises(ValueError, match="does not hold"):
        solve(BadSpanProvider({ROOT: {"1": {"a": ""}}, "a": {"1": {}}}), ROOT, Version("1"))
