"""Incompatibilities: sets of terms that must not all be true, with their causes.

An incompatibility keeps *why* it holds as plain data (its cause), so that a
failed resolution can be explained afterwards (see ``report.py``):

- ``RootCause``         -- the root package must be selected at its version;
- ``NoVersions``        -- no version of a package lies in a range;
- ``FromDependencyOf``  -- versions of one package depend on a range of another;
- ``Unavailable``       -- versions of a package cannot be used, with a reason;
- ``Derived``           -- learnt during conflict resolution from two others.

Packages are opaque hashable keys; the solver knows nothing about them.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar, Union

from packaging.ranges import VersionRange
from packaging.version import Version

from puv.domain.resolver.pubgrub.term import Term

P = TypeVar("P", bound=Hashable)


@dataclass(frozen=True, slots=True)
class RootCause(Generic[P]):
    """The root package has to be selected at ``version``."""

    package: P
    version: Version


@dataclass(frozen=True, slots=True)
class NoVersions(Generic[P]):
    """There is no (usable) version of ``package`` within ``range``."""

    package: P
    range: VersionRange


@dataclass(frozen=True, slots=True)
class FromDependencyOf(Generic[P]):
    """Versions ``depender_range`` of ``depender`` need ``dependee`` in ``dependee_range``."""

    depender: P
    depender_range: VersionRange
    dependee: P
    dependee_range: VersionRange


@dataclass(frozen=True, slots=True)
class Unavailable(Generic[P]):
    """Versions ``range`` of ``package`` cannot be used, for ``reason``.

    ``reason`` is a predicate phrase reading after the package, e.g.
    ``"has invalid metadata"`` or ``"requires Python>=3.12"``.
    """

    package: P
    range: VersionRange
    reason: str


@dataclass(frozen=True, slots=True)
class Derived(Generic[P]):
    """Learnt by resolution from ``cause1`` (the conflict) and ``cause2`` (a satisfier's cause)."""

    cause1: Incompatibility[P]
    cause2: Incompatibility[P]


External = Union[RootCause[P], NoVersions[P], FromDependencyOf[P], Unavailable[P]]
Cause = Union[RootCause[P], NoVersions[P], FromDependencyOf[P], Unavailable[P], Derived[P]]


@dataclass(frozen=True, slots=True, eq=False)
class Incompatibility(Generic[P]):
    """Terms that cannot all hold at once. Compared by identity.

    ``terms`` holds at most one term per package (built through
    :meth:`from_terms`, which intersects duplicates and drops always-true terms).
    Treat it as read-only.
    """

    terms: Mapping[P, Term]
    cause: Cause[P]

    @classmethod
    def from_terms(cls, terms: Iterable[tuple[P, Term]], cause: Cause[P]) -> Incompatibility[P]:
        """Build a normalised incompatibility from (package, term) pairs."""
        merged: dict[P, Term] = {}
        for package, term in terms:
            previous = merged.get(package)
            merged[package] = term if previous is None else previous.intersect(term)
        return cls({p: t for p, t in merged.items() if not t.is_any}, cause)

    @classmethod
    def root(cls, package: P, version: Version) -> Incompatibility[P]:
        """``{not root==version}``: the root must be selected."""
        term = Term.forbidding(VersionRange.singleton(version))
        return cls({package: term}, RootCause(package, version))

    @classmethod
    def no_versions(cls, package: P, allowed: VersionRange) -> Incompatibility[P]:
        """``{package in allowed}``: nothing there can be chosen."""
        return cls({package: Term.allowing(allowed)}, NoVersions(package, allowed))

    @classmethod
    def unavailable(cls, package: P, allowed: VersionRange, reason: str) -> Incompatibility[P]:
        """``{package in allowed}`` because of an external ``reason``."""
        return cls({package: Term.allowing(allowed)}, Unavailable(package, allowed, reason))

    @classmethod
    def dependency(
        cls, depender: P, depender_range: VersionRange, dependee: P, dependee_range: VersionRange
    ) -> Incompatibility[P]:
        """``{depender in depender_range, not dependee in dependee_range}``."""
        cause = FromDependencyOf(depender, depender_range, dependee, dependee_range)
        return cls.from_terms(
            ((depender, Term.allowing(depender_range)), (dependee, Term.forbidding(dependee_range))),
            cause,
        )

    @classmethod
    def resolve(
        cls, conflict: Incompatibility[P], cause: Incompatibility[P], package: P
    ) -> Incompatibility[P]:
        """The prior cause of ``conflict``: resolution of both on ``package``.

        From ``{t1, q...}`` and ``{t2, r...}`` derive ``{q..., r..., t1 | t2}``;
        the union term is dropped when it is always true.
        """
        terms: dict[P, Term] = {}
        for other, term in conflict.terms.items():
            if other != package:
                terms[other] = term
        for other, term in cause.terms.items():
            if other != package:
                previous = terms.get(other)
                terms[other] = term if previous is None else previous.intersect(term)
        pivot = conflict.terms[package]
        theirs = cause.terms.get(package)
        union = pivot if theirs is None else pivot.union(theirs)
        if not union.is_any:
            terms[package] = union
        return cls({p: t for p, t in terms.items() if not t.is_any}, Derived(conflict, cause))

    @property
    def is_derived(self) -> bool:
        """Whether this incompatibility was learnt by the solver."""
        return isinstance(self.cause, Derived)

    def is_terminal(self, root: P) -> bool:
        """True when it proves that no solution exists (``{}`` or ``{root}``)."""
        if not self.terms:
            return True
        if len(self.terms) == 1:
            term = self.terms.get(root)
            return term is not None and term.positive
        return False

    def packages(self) -> Iterator[P]:
        """The packages this incompatibility mentions."""
        return iter(self.terms)

    def __str__(self) -> str:
        inner = ", ".join(f"{p}: {t}" for p, t in self.terms.items())
        return f"{{{inner}}}"
