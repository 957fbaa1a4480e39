"""The PubGrub solver on the classic examples and a few harder universes."""

from __future__ import annotations

import pytest
from packaging.version import Version

from puv.domain.resolver.pubgrub import NoSolution, SolverOptions, solve
from puv.errors import ResolutionError
from tests.test_pubgrub_fake import ROOT, FakeProvider, HintingProvider, failure, resolve


def test_no_conflicts() -> None:
    universe = {
        ROOT: {"1.0.0": {"foo": ">=1.0.0,<2.0.0"}},
        "foo": {"1.0.0": {"bar": ">=1.0.0,<2.0.0"}},
        "bar": {"1.0.0": {}, "2.0.0": {}},
    }
    assert resolve(universe) == {"foo": "1.0.0", "bar": "1.0.0"}


def test_avoiding_conflict_during_decision_making() -> None:
    universe = {
        ROOT: {"1.0.0": {"foo": ">=1.0.0,<2.0.0", "bar": ">=1.0.0,<2.0.0"}},
        "foo": {"1.1.0": {"bar": ">=2.0.0,<3.0.0"}, "1.0.0": {}},
        "bar": {"1.0.0": {}, "1.1.0": {}, "2.0.0": {}},
    }
    assert resolve(universe) == {"foo": "1.0.0", "bar": "1.1.0"}


def test_performing_conflict_resolution() -> None:
    universe = {
        ROOT: {"1.0.0": {"foo": ">=1.0.0"}},
        "foo": {"2.0.0": {"bar": ">=1.0.0,<2.0.0"}, "1.0.0": {}},
        "bar": {"1.0.0": {"foo": ">=1.0.0,<2.0.0"}},
    }
    assert resolve(universe) == {"foo": "1.0.0"}


def test_conflict_resolution_with_a_partial_satisfier() -> None:
    universe = {
        ROOT: {"1.0.0": {"foo": ">=1.0.0,<2.0.0", "target": ">=2.0.0,<3.0.0"}},
        "foo": {
            "1.1.0": {"left": ">=1.0.0,<2.0.0", "right": ">=1.0.0,<2.0.0"},
            "1.0.0": {},
        },
        "left": {"1.0.0": {"shared": ">=1.0.0"}},
        "right": {"1.0.0": {"shared": "<2.0.0"}},
        "shared": {"2.0.0": {}, "1.0.0": {"target": ">=1.0.0,<2.0.0"}},
        "target": {"2.0.0": {}, "1.0.0": {}},
    }
    assert resolve(universe) == {"foo": "1.0.0", "target": "2.0.0"}


def test_circular_dependency() -> None:
    universe = {
        ROOT: {"1.0.0": {"foo": ">=1.0.0"}},
        "foo": {"1.0.0": {"bar": ">=1.0.0"}},
        "bar": {"1.0.0": {"foo": ">=1.0.0"}},
    }
    assert resolve(universe) == {"foo": "1.0.0", "bar": "1.0.0"}


def test_self_dependency_is_allowed_when_it_matches() -> None:
    universe = {
        ROOT: {"1": {"foo": ""}},
        "foo": {"2": {"foo": "<2"}, "1": {"foo": "==1"}},
    }
    assert resolve(universe) == {"foo": "1"}


def test_backtracking_over_many_versions() -> None:
    # Every version of a above 1 needs a version of b that does not exist.
    a_versions: dict[str, dict[str, str] | str] = {
        f"{n}": {"b": f"=={n}"} for n in range(2, 60)
    }
    a_versions["1"] = {}
    universe = {ROOT: {"1": {"a": ""}}, "a": a_versions, "b": {"1": {}}}
    provider = FakeProvider(universe)
    solution = solve(provider, ROOT, Version("1"))
    assert {p: str(v) for p, v in solution.versions.items()} == {"a": "1"}


def test_backtracking_merges_sibling_versions() -> None:
    # 100 versions of a share the same impossible dependency: merging them
    # into one incompatibility lets the solver skip them quickly.
    a_versions: dict[str, dict[str, str] | str] = {f"{n}": {"b": ">=5"} for n in range(2, 102)}
    a_versions["1"] = {"b": "<5"}
    universe = {ROOT: {"1": {"a": "", "c": ""}}, "a": a_versions, "b": {"1": {}, "9": {}},
                "c": {"1": {"b": "<5"}}}
    provider = FakeProvider(universe)
    solution = solve(provider, ROOT, Version("1"))
    assert {p: str(v) for p, v in solution.versions.items()} == {"a": "1", "b": "1", "c": "1"}
    assert solution.stats.decisions <= 10


def test_unavailable_version_is_skipped() -> None:
    universe = {
        ROOT: {"1": {"a": ""}},
        "a": {"2": "has invalid metadata", "1": {"b": ""}},
        "b": {"1": {}},
    }
    assert resolve(universe) == {"a": "1", "b": "1"}


def test_lowest_strategy_comes_from_provider() -> None:
    universe = {ROOT: {"1": {"a": ">=1.5"}}, "a": {"1.0": {}, "1.5": {}, "2.0": {}}}
    assert resolve(universe, lowest=True) == {"a": "1.5"}


def test_unused_packages_are_not_selected() -> None:
    universe = {
        ROOT: {"1": {"a": ""}},
        "a": {"2": {"b": "==1"}, "1": {}},
        "b": {"1": "is broken"},
        "unrelated": {"1": {}},
    }
    assert resolve(universe) == {"a": "1"}


def test_no_solution_is_a_resolution_error() -> None:
    universe = {ROOT: {"1": {"a": ">=2"}}, "a": {"1": {}}}
    provider = FakeProvider(universe)
    with pytest.raises(ResolutionError) as caught:
        solve(provider, ROOT, Version("1"))
    assert isinstance(caught.value, NoSolution)
    assert caught.value.root == ROOT
    assert caught.value.code == 1


def test_provider_choosing_outside_the_range_is_an_error() -> None:
    class Broken(FakeProvider):
        def choose_version(self, package, allowed):  # type: ignore[no-untyped-def]
            return Version("99")

    universe = {ROOT: {"1": {"a": "<2"}}, "a": {"1": {}}}
    with pytest.raises(ValueError, match="outside the allowed"):
        solve(Broken(universe), ROOT, Version("1"))


def test_hints_and_prefetch_are_used() -> None:
    universe = {
        ROOT: {"1": {"a": "", "b": "==1"}},
        "a": {"1": {"c": ""}, "2": {"c": ""}},
        "b": {"1": {}, "2": {}},
        "c": {"1": {}},
    }
    provider = HintingProvider(universe)
    solution = solve(provider, ROOT, Version("1"))
    assert {p: str(v) for p, v in solution.versions.items()} == {"a": "2", "b": "1", "c": "1"}
    # the exact pin b is decided before a, a direct requirement listed first
    chosen = [name for kind, name in provider.calls if kind == "choose"]
    assert chosen.index("b") < chosen.index("a")
    assert set(provider.prefetched) >= {"a", "b", "c"}


def test_direct_requirements_go_before_transitive_ones() -> None:
    universe = {
        ROOT: {"1": {"a": "", "z": ""}},
        "a": {"1": {"t": ""}},
        "t": {"1": {}},
        "z": {"1": {}},
    }
    provider = FakeProvider(universe)
    solve(provider, ROOT, Version("1"))
    chosen = [name for kind, name in provider.calls if kind == "choose"]
    assert chosen == ["a", "z", "t"]


def test_determinism() -> None:
    universe = {
        ROOT: {"1": {"a": "", "b": ""}},
        "a": {str(n): {"b": f"<={n}"} for n in range(1, 8)},
        "b": {str(n): {"a": f">={n + 1}"} for n in range(1, 8)},
    }
    first = [resolve(universe) for _ in range(3)]
    assert first[0] == first[1] == first[2]


def test_determinism_of_failure_text() -> None:
    universe = {
        ROOT: {"1": {"a": "", "b": ">=5"}},
        "a": {str(n): {"b": f"<={n}"} for n in range(1, 5)},
        "b": {str(n): {} for n in range(1, 8)},
    }
    texts = {failure(universe) for _ in range(3)}
    assert len(texts) == 1


def test_conflict_threshold_option() -> None:
    universe = {
        ROOT: {"1": {"a": "", "b": ""}},
        "a": {str(n): {"b": f"=={n}"} for n in range(1, 20)},
        "b": {"1": {}},
    }
    provider = FakeProvider(universe)
    solution = solve(provider, ROOT, Version("1"), options=SolverOptions(conflict_threshold=1))
    assert {p: str(v) for p, v in solution.versions.items()} == {"a": "1", "b": "1"}
    assert solution.stats.conflicts >= 1


def test_root_unavailable() -> None:
    universe = {ROOT: {"1": "requires Python>=4"}}
    with pytest.raises(NoSolution):
        solve(FakeProvider(universe), ROOT, Version("1"))


def test_thousand_direct_requirements() -> None:
    universe: dict[str, dict[str, dict[str, str] | str]] = {}
    shared = {f"s{k}": {f"{v}.0": {} for v in range(1, 4)} for k in range(20)}
    universe.update(shared)
    requirements: dict[str, str] = {}
    for n in range(1000):
        name = f"p{n}"
        requirements[name] = ">=1"
        universe[name] = {
            f"{v}.0": {f"s{(n + v) % 20}": f">={v % 3 + 1}", f"s{(n * 7) % 20}": ""}
            for v in range(1, 4)
        }
    universe[ROOT] = {"1": requirements}
    result = resolve(universe)
    assert len(result) == 1020
    assert all(result[f"p{n}"] == "3.0" for n in range(1000))
