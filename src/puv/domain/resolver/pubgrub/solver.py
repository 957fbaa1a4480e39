"""The PubGrub version solver (pure: no IO, no printing).

The algorithm follows Natalie Weizenbaum's description of PubGrub: unit
propagation over incompatibilities indexed by package, conflict resolution
that learns a root-cause incompatibility and backjumps, and lazy decision
making that asks the provider for one version at a time.

Decision order (uv's). Among the undecided packages the solver picks the
smallest key

    (tier, discovery order)

where tier is 0 for packages the provider knows to have no version in the
allowed range (``PackageHint.candidates == 0``: deciding them derives the
conflict at once, e.g. a required project missing from the index), 1 for exact
pins (provider hint), 2 for packages whose versions were rejected in at least
``conflict_threshold`` conflicts ("affected"), 3 for packages whose decided
versions caused that many conflicts ("culprits") and 4 for everything else;
discovery order puts the root's requirements first, in the order given. A
provider that learns facts in other threads (a page arrives) names the
packages whose hints changed (``HintUpdates``), polled before every decision.
When a package becomes a culprit, the solver backtracks to the level before it
was decided, so the packages it kept rejecting are decided first. Keys live in a heap with lazy invalidation, so picking the next package
is O(log n) and a 1,000-requirement input stays linear-ish.

Dependencies of adjacent versions that share the same dependee range are
merged into one incompatibility (the depender range grows), which lets the
solver rule out many versions of a package at once. A provider that knows
every version may widen each version to a span (``VersionSpans``) so that the
merged depender range is one interval, not one piece per version. An
incompatibility contradicted at decision level 0 stays contradicted, so it
leaves the propagation index: a walk down thousands of versions does not look
at the facts it left behind again.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from packaging.ranges import VersionRange
from packaging.version import Version

from puv.domain.resolver.pubgrub.assignment.partial_solution import PartialSolution
from puv.domain.resolver.pubgrub.incompatibility import FromDependencyOf, Incompatibility, Unavailable
from puv.domain.resolver.pubgrub.provider import (
    HintUpdates,
    PackageHint,
    Prefetcher,
    PriorityHints,
    Provider,
    UnavailableDependencies,
    VersionSpans,
)
from puv.domain.resolver.pubgrub.term import Relation, Term, normalize_range
from puv.errors import ResolutionError

P = TypeVar("P", bound=Hashable)

_NO_HINT = PackageHint()


@dataclass(frozen=True, slots=True)
class SolverOptions:
    """Tuning knobs; none of them changes whether a solution is found."""

    #: Conflicts after which a package is decided early (affected) or late (culprit).
    conflict_threshold: int = 5


@dataclass(frozen=True, slots=True)
class SolveStats:
    """Counters describing one run of the solver."""

    decisions: int
    conflicts: int
    backtracks: int
    incompatibilities: int


@dataclass(frozen=True, slots=True)
class Solution(Generic[P]):
    """The chosen version of every selected package (the root excluded)."""

    versions: Mapping[P, Version]
    stats: SolveStats


class NoSolution(ResolutionError):
    """No set of versions satisfies the root's requirements.

    ``incompatibility`` is the root of the derivation graph proving it (render
    it with ``report.explain``); ``root`` is the root package key.
    """

    def __init__(self, incompatibility: Incompatibility[Any], root: Hashable) -> None:
        super().__init__("No solution found when resolving dependencies")
        self.incompatibility = incompatibility
        self.root = root


def solve(
    provider: Provider[P],
    root: P,
    root_version: Version,
    *,
    options: SolverOptions | None = None,
) -> Solution[P]:
    """Resolve the dependencies of ``root`` at ``root_version``.

    The root's dependencies (``provider.get_dependencies(root, root_version)``)
    are the user's requirements. Raises :class:`NoSolution` when they cannot be
    satisfied.
    """
    return _Solver(provider, root, root_version, options or SolverOptions()).run()


class _Solver(Generic[P]):
    """The mutable state of one resolution (private; use :func:`solve`)."""

    def __init__(
        self, provider: Provider[P], root: P, root_version: Version, options: SolverOptions
    ) -> None:
        self._provider = provider
        self._hints: PriorityHints[P] | None = (
            provider if isinstance(provider, PriorityHints) else None
        )
        self._prefetcher: Prefetcher[P] | None = (
            provider if isinstance(provider, Prefetcher) else None
        )
        self._spans: VersionSpans[P] | None = (
            provider if isinstance(provider, VersionSpans) else None
        )
        self._updates: HintUpdates[P] | None = (
            provider if isinstance(provider, HintUpdates) else None
        )
        self._root = root
        self._root_version = root_version
        self._threshold = options.conflict_threshold
        self._solution: PartialSolution[P] = PartialSolution()
        # package -> its incompatibilities, oldest first (a dict as ordered set)
        self._index: dict[P, dict[Incompatibility[P], None]] = {}
        # (depender, dependee) -> dependee range -> its dependency incompatibility
        self._edges: dict[tuple[P, P], dict[VersionRange, Incompatibility[P]]] = {}
        # (package, reason) -> the one "unavailable" fact holding every version seen so far
        self._unavailable: dict[tuple[P, str], Incompatibility[P]] = {}
        # incompatibility -> decision level at which it became contradicted
        self._contradicted: dict[Incompatibility[P], int] = {}
        # (package, version) -> its dependencies, or the reason it is unusable
        self._loaded: dict[tuple[P, Version], tuple[tuple[P, VersionRange], ...] | str] = {}
        self._direct: set[P] = set()
        # conflict tracking as in uv: how often a package was rejected (affected)
        # or rejected another one (culprit); past the threshold its tier changes
        self._affected: dict[P, int] = {}
        self._culprit: dict[P, int] = {}
        self._early: set[P] = set()
        self._late: set[P] = set()
        self._prioritize: list[P] = []
        self._deprioritize: list[P] = []
        self._next: P = root
        self._order: dict[P, int] = {}
        self._keys: dict[P, tuple[int, int]] = {}
        self._heap: list[tuple[tuple[int, int], int, P]] = []
        self._pushes = 0
        self._dirty: dict[P, None] = {}
        self._decisions = 0
        self._conflicts = 0
        self._backtracks = 0
        self._incompatibility_count = 0

    # -- main loop -----------------------------------------------------------

    def run(self) -> Solution[P]:
        root = self._root
        self._add(Incompatibility.root(root, self._root_version))
        self._solution.decide(root, self._root_version, new_level=False)
        self._load(root, self._root_version)
        loaded = self._loaded[(root, self._root_version)]
        if not isinstance(loaded, str):
            self._direct.update(dep for dep, _ in loaded)
        following: P | None = root
        while following is not None:
            self._propagate(following)
            self._reprioritize()
            self._refresh_candidates()
            following = self._decide()
        versions = {p: v for p, v in self._solution.decisions().items() if p != root}
        stats = SolveStats(
            self._decisions, self._conflicts, self._backtracks, self._incompatibility_count
        )
        return Solution(versions, stats)

    # -- incompatibility store -------------------------------------------------

    def _add(self, incompatibility: Incompatibility[P]) -> None:
        self._incompatibility_count += 1
        for package in incompatibility.terms:
            bucket = self._index.get(package)
            if bucket is None:
                bucket = self._index[package] = {}
            bucket[incompatibility] = None

    def _retire(self, incompatibility: Incompatibility[P]) -> None:
        for package in incompatibility.terms:
            self._index[package].pop(incompatibility, None)
        self._contradicted.pop(incompatibility, None)

    def _span(self, package: P, version: Version) -> VersionRange:
        """The versions a fact about ``package==version`` may cover (see ``VersionSpans``)."""
        if self._spans is None:
            return VersionRange.singleton(version)
        span = normalize_range(self._spans.span(package, version))
        if not span.contains(version):
            raise ValueError(f"the span {span!r} of {package!r} does not hold {version}")
        return span

    def _add_dependency(
        self, package: P, span: VersionRange, dependee: P, wanted: VersionRange
    ) -> None:
        """Add ``package in span depends on dependee in wanted``, merging siblings.

        ``span`` holds one version the provider may choose (see ``_span``).
        """
        edge = (package, dependee)
        bucket = self._edges.get(edge)
        if bucket is None:
            bucket = self._edges[edge] = {}
        existing = bucket.get(wanted)
        if existing is not None and isinstance(existing.cause, FromDependencyOf):
            merged_range = existing.cause.depender_range | span
            merged = Incompatibility.dependency(package, merged_range, dependee, wanted)
            bucket[wanted] = merged
            self._retire(existing)
            self._add(merged)
            return
        fresh = Incompatibility.dependency(package, span, dependee, wanted)
        bucket[wanted] = fresh
        self._add(fresh)

    def _add_unavailable(self, package: P, span: VersionRange, reason: str) -> None:
        """Add ``package in span cannot be used (reason)``, merged with the same fact about
        the package's other versions: one "a<=1.5 has only wheels" instead of a chain
        of one clause per version in the explanation (as dependencies are merged)."""
        key = (package, reason)
        existing = self._unavailable.get(key)
        if existing is not None and isinstance(existing.cause, Unavailable):
            merged = Incompatibility.unavailable(package, existing.cause.range | span, reason)
            self._unavailable[key] = merged
            self._retire(existing)
            self._add(merged)
            return
        fresh = Incompatibility.unavailable(package, span, reason)
        self._unavailable[key] = fresh
        self._add(fresh)

    def _load(self, package: P, version: Version) -> None:
        """Turn the dependencies of ``package==version`` into incompatibilities (once)."""
        key = (package, version)
        if key in self._loaded:
            return
        answer = self._provider.get_dependencies(package, version)
        span = self._span(package, version)
        if isinstance(answer, UnavailableDependencies):
            self._loaded[key] = answer.reason
            self._add_unavailable(package, span, answer.reason)
            return
        deps = tuple((dep, normalize_range(wanted)) for dep, wanted in answer.items())
        self._loaded[key] = deps
        order = self._order
        for dependee, wanted in deps:
            if dependee not in order:
                order[dependee] = len(order)
            if dependee == package:
                if not wanted.contains(version):
                    single = VersionRange.singleton(version)
                    self._add(Incompatibility.dependency(package, single, package, wanted))
                continue
            self._add_dependency(package, span, dependee, wanted)

    def _would_conflict(self, package: P, version: Version) -> bool:
        """Whether deciding ``package==version`` would satisfy one of its incompatibilities."""
        loaded = self._loaded[(package, version)]
        if isinstance(loaded, str):
            return True
        solution = self._solution
        for dependee, wanted in loaded:
            if dependee == package:
                if not wanted.contains(version):
                    return True
                continue
            known = solution.term(dependee)
            if known is not None and known.satisfies(Term.forbidding(wanted)):
                self._record_conflict(package, (package, dependee))
                return True
        return False

    # -- conflict tracking (uv's heuristic) -------------------------------------

    def _record_conflict(self, affected: P, packages: Iterable[P]) -> None:
        """Count a conflict in which ``affected`` was rejected because of ``packages``."""
        real = False
        root = self._root
        threshold = self._threshold
        for culprit in packages:
            if culprit == affected or culprit == root:
                continue
            real = True
            count = self._culprit[culprit] = self._culprit.get(culprit, 0) + 1
            if count == threshold:
                self._deprioritize.append(culprit)
        if real:
            target = self._next
            count = self._affected[target] = self._affected.get(target, 0) + 1
            if count == threshold:
                self._prioritize.append(target)

    def _reprioritize(self) -> None:
        """Move often-rejected packages up, their culprits down (and undo the culprits)."""
        for package in self._prioritize:
            if package not in self._early:
                self._early.add(package)
                self._dirty[package] = None
        self._prioritize.clear()
        for package in self._deprioritize:
            if package in self._early or package in self._late:
                continue
            self._late.add(package)
            self._dirty[package] = None
            level = self._solution.decision_level(package)
            if level is not None and level > 0:
                self._backtrack(level - 1)
        self._deprioritize.clear()

    # -- unit propagation ------------------------------------------------------

    def _derive(self, package: P, cause: Incompatibility[P]) -> bool:
        term = cause.terms[package].negate()
        changed = self._solution.derive(package, term, cause)
        self._contradict(cause)
        self._dirty[package] = None
        return changed

    def _contradict(self, incompatibility: Incompatibility[P]) -> None:
        """Note that the assignments contradict ``incompatibility`` at the current level.

        At level 0 that holds for good (nothing backtracks below it), so the
        incompatibility leaves the propagation index: walking down a package's
        versions, the facts about every version left behind would otherwise be
        looked at again on each later propagation. (Assignments keep their
        causes, and ``_edges`` keeps dependencies for merging.)
        """
        level = self._solution.level
        if level == 0:
            index = self._index
            for package in incompatibility.terms:
                bucket = index.get(package)
                if bucket is not None:
                    bucket.pop(incompatibility, None)
            self._contradicted.pop(incompatibility, None)
        else:
            self._contradicted[incompatibility] = level

    def _propagate(self, start: P) -> None:
        solution = self._solution
        contradicted = self._contradicted
        queue: deque[P] = deque((start,))
        queued = {start}
        while queue:
            package = queue.popleft()
            queued.discard(package)
            bucket = self._index.get(package)
            if not bucket:
                continue
            for incompatibility in reversed(list(bucket)):
                if incompatibility in contradicted:
                    continue
                relation, other = solution.relation(incompatibility)
                if relation is Relation.SATISFIED:
                    learned, culprit = self._resolve_conflict(incompatibility)
                    self._derive(culprit, learned)
                    queue.clear()
                    queued.clear()
                    queue.append(culprit)
                    queued.add(culprit)
                    break
                if relation is Relation.CONTRADICTED:
                    self._contradict(incompatibility)
                elif other is not None:
                    if self._derive(other, incompatibility) and other not in queued:
                        queue.append(other)
                        queued.add(other)

    # -- conflict resolution ---------------------------------------------------

    def _resolve_conflict(
        self, conflict: Incompatibility[P]
    ) -> tuple[Incompatibility[P], P]:
        """Learn the root cause of ``conflict`` and backjump.

        Returns the learnt incompatibility, now almost satisfied, and the
        package of its unsatisfied term. Raises :class:`NoSolution`.
        """
        self._conflicts += 1
        root = self._root
        current = conflict
        while True:
            if current.is_terminal(root):
                raise NoSolution(current, root)
            found = self._solution.satisfier(current)
            satisfier = found.assignment
            self._record_conflict(satisfier.package, current.terms)
            if satisfier.cause is None or found.previous_level != satisfier.level:
                if current is not conflict:
                    self._add(current)
                self._backtrack(found.previous_level)
                return current, satisfier.package
            current = Incompatibility.resolve(current, satisfier.cause, satisfier.package)

    def _backtrack(self, level: int) -> None:
        self._backtracks += 1
        for package in self._solution.backtrack(level):
            self._dirty[package] = None
        stale = [inc for inc, at in self._contradicted.items() if at > level]
        for incompatibility in stale:
            del self._contradicted[incompatibility]

    # -- decision making -------------------------------------------------------

    def _key(self, package: P, allowed: VersionRange) -> tuple[int, int]:
        hint = _NO_HINT if self._hints is None else self._hints.hint(package, allowed)
        if hint.candidates == 0:
            tier = 0
        elif hint.exact:
            tier = 1
        elif package in self._early:
            tier = 2
        elif package in self._late:
            tier = 3
        else:
            tier = 4
        order = self._order.get(package)
        if order is None:
            order = self._order[package] = len(self._order)
        return (tier, order)

    def _refresh_candidates(self) -> None:
        """Queue every touched, undecided, required package; tell the prefetcher."""
        if self._updates is not None:
            for package in self._updates.updated_hints():
                self._dirty[package] = None
        if not self._dirty:
            return
        solution = self._solution
        upcoming: list[tuple[P, VersionRange]] = []
        for package in self._dirty:
            term = solution.term(package)
            if term is None or not term.positive or solution.decision(package) is not None:
                continue
            key = self._key(package, term.range)
            self._keys[package] = key
            self._pushes += 1
            heapq.heappush(self._heap, (key, self._pushes, package))
            upcoming.append((package, term.range))
        self._dirty.clear()
        if upcoming and self._prefetcher is not None:
            self._prefetcher.prefetch(upcoming)

    def _next_package(self) -> tuple[P, VersionRange] | None:
        solution = self._solution
        heap = self._heap
        while heap:
            key, _, package = heapq.heappop(heap)
            if self._keys.get(package) != key or solution.decision(package) is not None:
                continue
            term = solution.term(package)
            if term is None or not term.positive:
                continue
            return package, term.range
        return None

    def _decide(self) -> P | None:
        """Pick a package and try a version of it; ``None`` when everything is decided."""
        picked = self._next_package()
        if picked is None:
            return None
        package, allowed = picked
        self._next = package
        self._dirty[package] = None
        version = self._provider.choose_version(package, allowed)
        if version is None:
            self._add(Incompatibility.no_versions(package, allowed))
            return package
        if not allowed.contains(version):
            raise ValueError(
                f"provider chose {version} for {package!r}, outside the allowed {allowed!r}"
            )
        self._load(package, version)
        if not self._would_conflict(package, version):
            self._solution.decide(package, version)
            self._decisions += 1
        return package
