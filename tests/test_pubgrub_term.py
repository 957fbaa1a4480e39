"""Terms, incompatibilities and the partial solution."""

from __future__ import annotations

import pytest
from packaging.ranges import VersionRange
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from puv.domain.resolver.pubgrub import Incompatibility, Relation, Term, normalize_range
from puv.domain.resolver.pubgrub.assignment.partial_solution import PartialSolution


def r(text: str) -> VersionRange:
    return normalize_range(SpecifierSet(text).to_range())


def pos(text: str) -> Term:
    return Term.allowing(r(text))


def neg(text: str) -> Term:
    return Term.forbidding(r(text))


def test_normalize_range_drops_flags_and_rejects_policies() -> None:
    assert normalize_range(SpecifierSet("").to_range()) == VersionRange.full(admit_arbitrary=False)
    assert normalize_range(SpecifierSet(">=1.0a1").to_range()).contains(Version("1.0a2"))
    with pytest.raises(ValueError, match="pre-release"):
        normalize_range(SpecifierSet(">=1", prereleases=True).to_range())


@pytest.mark.parametrize(
    "value",
    [
        SpecifierSet(">=1,<2").to_range(),
        SpecifierSet("!=1.5,>=1.0a1").to_range(),
        SpecifierSet("==1.*").to_range() | VersionRange.singleton("3.0"),
        VersionRange.singleton("1.0.dev0"),
        VersionRange.from_bounds("1.0", "2.0", include_upper=False),
        VersionRange.empty(),
        SpecifierSet("<1").to_range() - SpecifierSet("<0.5").to_range(),
        ~SpecifierSet(">=1").to_range(),
        SpecifierSet("===1.0").to_range(),
    ],
)
def test_normalize_range_shortcut_agrees_with_the_long_way(value: VersionRange) -> None:
    full = VersionRange.full(admit_arbitrary=False)
    once = normalize_range(value)
    assert once == full - (~value)
    assert normalize_range(once) == once


def test_normalize_range_returns_a_plain_range_as_it_is() -> None:
    plain = normalize_range(SpecifierSet(">=1,!=1.5").to_range())
    assert normalize_range(plain) is plain


@pytest.mark.parametrize(
    ("known", "other", "expected"),
    [
        (pos(">=1,<2"), pos(">=1"), Relation.SATISFIED),
        (pos(">=1,<2"), pos(">=3"), Relation.CONTRADICTED),
        (pos(">=1,<2"), pos(">=1.5"), Relation.INCONCLUSIVE),
        (pos(">=1,<2"), neg(">=3"), Relation.SATISFIED),
        (pos(">=1,<2"), neg(">=0"), Relation.CONTRADICTED),
        (neg(">=1"), pos(">=2"), Relation.CONTRADICTED),
        (neg(">=1"), pos("<2"), Relation.INCONCLUSIVE),
        (neg(">=1"), neg(">=2"), Relation.SATISFIED),
        (neg(">=2"), neg(">=1"), Relation.INCONCLUSIVE),
    ],
)
def test_relation(known: Term, other: Term, expected: Relation) -> None:
    assert known.relation(other) is expected


def test_intersection_and_union() -> None:
    assert pos(">=1").intersect(pos("<2")) == pos(">=1,<2")
    assert pos(">=1").intersect(neg(">=2")) == Term.allowing(r(">=1") - r(">=2"))
    assert neg(">=2").intersect(pos(">=1")) == Term.allowing(r(">=1") - r(">=2"))
    assert neg(">=2").intersect(neg("<1")) == Term.forbidding(r(">=2") | r("<1"))
    assert pos(">=2").union(pos("<1")) == Term.allowing(r(">=2") | r("<1"))
    assert pos(">=2").union(neg(">=1")) == Term.forbidding(r(">=1") - r(">=2"))
    assert neg(">=1").union(neg("<2")) == neg(">=1,<2")
    assert Term.forbidding(VersionRange.empty()).is_any
    assert pos(">=2").negate() == neg(">=2")
    assert pos(">=2").contains(Version("3")) and not neg(">=2").contains(Version("3"))


def test_incompatibility_normalises_terms() -> None:
    merged = Incompatibility.from_terms(
        [("a", pos(">=1")), ("a", pos("<2")), ("b", Term.forbidding(VersionRange.empty()))],
        Incompatibility.root("root", Version("1")).cause,
    )
    assert dict(merged.terms) == {"a": pos(">=1,<2")}


def test_resolution_rule() -> None:
    # {foo >=2, not bar <2} and {bar any, not foo <2} resolve on bar
    one = Incompatibility.dependency("foo", r(">=2"), "bar", r("<2"))
    two = Incompatibility.dependency("bar", VersionRange.full(admit_arbitrary=False), "foo", r("<2"))
    derived = Incompatibility.resolve(two, one, "bar")
    assert dict(derived.terms) == {"foo": pos(">=2")}
    assert derived.is_derived
    assert Incompatibility.resolve(derived, derived, "foo").terms == {"foo": pos(">=2")}


def test_terminal() -> None:
    root_only = Incompatibility({"root": pos(">=0")}, Incompatibility.root("root", Version("1")).cause)
    assert root_only.is_terminal("root")
    assert not root_only.is_terminal("other")


def test_partial_solution_satisfier_and_backtrack() -> None:
    solution: PartialSolution[str] = PartialSolution()
    solution.decide("root", Version("1"), new_level=False)
    dep = Incompatibility.dependency("root", VersionRange.singleton(Version("1")), "a", r(">=1"))
    assert solution.relation(dep) == (Relation.INCONCLUSIVE, "a")
    solution.derive("a", pos(">=1"), dep)
    cap = Incompatibility.dependency("root", VersionRange.singleton(Version("1")), "a", r("<3"))
    solution.derive("a", pos("<3"), cap)
    assert solution.term("a") == pos(">=1,<3")
    solution.decide("a", Version("2"))
    assert solution.level == 1
    assert solution.decision("a") == Version("2")
    # a term satisfied only by the two derivations together
    both = Incompatibility.no_versions("a", r(">=1,<3"))
    found = solution.satisfier(both)
    assert found.assignment.term == pos("<3")
    assert found.previous_level == 0
    assert solution.backtrack(0) == ["a"]
    assert solution.decision("a") is None
    assert solution.term("a") == pos(">=1,<3")
    assert dict(solution.decisions()) == {"root": Version("1")}
