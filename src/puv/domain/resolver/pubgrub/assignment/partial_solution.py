"""The partial solution: PubGrub's ordered list of assignments.

Assignments are decisions (a package pinned to one version) and derivations
(a term implied by an incompatibility). Each package keeps its own list of
assignments together with the *accumulated* term after each one (the
intersection of every assignment so far), so asking "what do we know about
this package" is O(1) and finding the assignment that first satisfied a term
is a binary search: accumulated terms only ever narrow.

A global trail records the order of every assignment for backtracking, which
costs O(number of assignments removed).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from packaging.version import Version

from puv.domain.resolver.pubgrub.incompatibility import Incompatibility
from puv.domain.resolver.pubgrub.term import Relation, Term

P = TypeVar("P", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Assignment(Generic[P]):
    """One entry of the partial solution.

    ``index`` is its position in the global trail; ``cause`` is ``None`` for a
    decision; ``accumulated`` is the intersection of this package's assignments
    up to and including this one.
    """

    package: P
    term: Term
    level: int
    index: int
    cause: Incompatibility[P] | None
    accumulated: Term

    @property
    def is_decision(self) -> bool:
        """Whether this assignment is a decision (a chosen version)."""
        return self.cause is None


@dataclass(frozen=True, slots=True)
class Satisfier(Generic[P]):
    """The result of a satisfier search for a conflicting incompatibility."""

    assignment: Assignment[P]
    previous_level: int


class _PackageState(Generic[P]):
    """The assignments of one package (mutable, private to the partial solution)."""

    __slots__ = ("assignments", "decision")

    def __init__(self) -> None:
        self.assignments: list[Assignment[P]] = []
        self.decision: Version | None = None


class PartialSolution(Generic[P]):
    """Assignments grouped per package, with decision levels and backtracking."""

    __slots__ = ("_level", "_states", "_trail")

    def __init__(self) -> None:
        self._states: dict[P, _PackageState[P]] = {}
        self._trail: list[Assignment[P]] = []
        self._level = 0

    @property
    def level(self) -> int:
        """The current decision level (0 before any decision after the root)."""
        return self._level

    def __len__(self) -> int:
        return len(self._trail)

    def term(self, package: P) -> Term | None:
        """The accumulated term for ``package``, or ``None`` if nothing is known."""
        state = self._states.get(package)
        if state is None or not state.assignments:
            return None
        return state.assignments[-1].accumulated

    def decision(self, package: P) -> Version | None:
        """The decided version of ``package``, if any."""
        state = self._states.get(package)
        return None if state is None else state.decision

    def decisions(self) -> Mapping[P, Version]:
        """Every decided package with its version, in decision order."""
        result: dict[P, Version] = {}
        for assignment in self._trail:
            if assignment.cause is None:
                version = self._states[assignment.package].decision
                if version is not None:
                    result[assignment.package] = version
        return result

    def _append(
        self, package: P, term: Term, cause: Incompatibility[P] | None, level: int
    ) -> tuple[Assignment[P], bool]:
        state = self._states.get(package)
        if state is None:
            state = self._states[package] = _PackageState()
        previous = state.assignments[-1].accumulated if state.assignments else None
        accumulated = term if previous is None else previous.intersect(term)
        assignment = Assignment(package, term, level, len(self._trail), cause, accumulated)
        state.assignments.append(assignment)
        self._trail.append(assignment)
        changed = previous is None or previous != accumulated
        return assignment, changed

    def decide(self, package: P, version: Version, *, new_level: bool = True) -> None:
        """Select ``version`` of ``package``; opens a new decision level unless told not to."""
        if new_level:
            self._level += 1
        self._append(package, Term.exact(version), None, self._level)
        state = self._states[package]
        state.decision = version

    def derive(self, package: P, term: Term, cause: Incompatibility[P]) -> bool:
        """Record that ``term`` must hold because of ``cause``.

        Returns whether the accumulated term of ``package`` changed.
        """
        return self._append(package, term, cause, self._level)[1]

    def relation(self, incompatibility: Incompatibility[P]) -> tuple[Relation, P | None]:
        """Relate the incompatibility to the current assignments.

        Returns ``(SATISFIED, None)``, ``(CONTRADICTED, package)`` or
        ``(INCONCLUSIVE, package)``; the package of an ``INCONCLUSIVE`` answer is
        the single unsatisfied term when there is exactly one ("almost
        satisfied"), ``None`` when several terms are undecided.
        """
        unsatisfied: P | None = None
        found = False
        states = self._states
        for package, term in incompatibility.terms.items():
            state = states.get(package)
            if state is None or not state.assignments:
                rel = Relation.INCONCLUSIVE
            else:
                rel = state.assignments[-1].accumulated.relation(term)
            if rel is Relation.SATISFIED:
                continue
            if rel is Relation.CONTRADICTED:
                return Relation.CONTRADICTED, package
            if found:
                return Relation.INCONCLUSIVE, None
            found = True
            unsatisfied = package
        if found:
            return Relation.INCONCLUSIVE, unsatisfied
        return Relation.SATISFIED, None

    def _first_satisfying(self, state: _PackageState[P], term: Term, stop: int) -> int:
        """Smallest j < stop whose accumulated term satisfies ``term`` (or ``stop``)."""
        assignments = state.assignments
        low, high = 0, stop
        while low < high:
            mid = (low + high) // 2
            if assignments[mid].accumulated.satisfies(term):
                high = mid
            else:
                low = mid + 1
        return low

    def satisfier(self, incompatibility: Incompatibility[P]) -> Satisfier[P]:
        """Find the earliest assignment that makes ``incompatibility`` satisfied.

        Also computes the decision level of the *previous satisfier*: the
        latest assignment, other than the satisfier, that the incompatibility
        still needs once the satisfier is in place (0 when there is none).
        The incompatibility must be satisfied by the current assignments.
        """
        best: Assignment[P] | None = None
        best_position = 0
        found: list[Assignment[P]] = []
        for package, term in incompatibility.terms.items():
            state = self._states[package]
            count = len(state.assignments)
            position = self._first_satisfying(state, term, count)
            if position == count:
                raise ValueError(f"incompatibility {incompatibility} is not satisfied")
            assignment = state.assignments[position]
            found.append(assignment)
            if best is None or assignment.index > best.index:
                best, best_position = assignment, position
        if best is None:
            raise ValueError("an empty incompatibility has no satisfier")
        previous_index = -1
        previous_level = 0
        for assignment in found:
            if assignment is not best and assignment.index > previous_index:
                previous_index, previous_level = assignment.index, assignment.level
        # The satisfier may satisfy its term only together with earlier
        # assignments of its package: the earliest such one also counts.
        term = incompatibility.terms[best.package]
        if not best.term.satisfies(term):
            assignments = self._states[best.package].assignments
            low, high = 0, best_position
            while low < high:
                mid = (low + high) // 2
                if assignments[mid].accumulated.intersect(best.term).satisfies(term):
                    high = mid
                else:
                    low = mid + 1
            if low < best_position:
                candidate = assignments[low]
                if candidate.index > previous_index:
                    previous_index, previous_level = candidate.index, candidate.level
        return Satisfier(best, previous_level)

    def decision_level(self, package: P) -> int | None:
        """The decision level at which ``package`` was decided, or None if it is undecided."""
        state = self._states.get(package)
        if state is None or state.decision is None:
            return None
        for assignment in reversed(state.assignments):
            if assignment.cause is None:
                return assignment.level
        return None

    def backtrack(self, level: int) -> list[P]:
        """Drop every assignment above ``level``; return the packages touched."""
        touched: dict[P, None] = {}
        trail = self._trail
        states = self._states
        while trail and trail[-1].level > level:
            assignment = trail.pop()
            state = states[assignment.package]
            state.assignments.pop()
            if assignment.cause is None:
                state.decision = None
            touched[assignment.package] = None
        self._level = level
        return list(touched)

    def __iter__(self) -> Iterator[Assignment[P]]:
        return iter(self._trail)

