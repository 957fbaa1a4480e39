"""Terms: statements about one package's selected version.

A term is either positive ("the package is selected at a version in R") or
negative ("the package is not selected at a version in R", which also holds
when the package is not selected at all). Terms are the atoms of PubGrub's
incompatibilities and of its partial solution.

Pre-release policy
------------------
``packaging.ranges.VersionRange`` carries a configured pre-release policy and
refuses set algebra between ranges with different policies. The solver treats
ranges as plain sets of versions: whether a pre-release may be *chosen* is the
provider's business (see ``Provider.choose_version``). So every range that enters
the solver goes through :func:`normalize_range`, which keeps the default policy
(``prereleases=None``), drops the pre-release opt-in region and the
arbitrary-string flag, and rejects ranges built with an explicit policy. Ranges
built with ``VersionRange.singleton`` / ``from_bounds`` / ``empty`` or
``SpecifierSet(...).to_range()`` (without ``prereleases=``) are all accepted.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from packaging.ranges import VersionRange
from packaging.version import Version

#: Every PEP 440 version, without the arbitrary-string flag (the solver's "any").
FULL_RANGE: VersionRange = VersionRange.full(admit_arbitrary=False)
#: No version at all.
EMPTY_RANGE: VersionRange = VersionRange.empty()


def normalize_range(value: VersionRange) -> VersionRange:
    """Return ``value`` as a plain version set the solver can combine freely.

    The result admits the same PEP 440 versions as ``value`` (``===`` literals
    aside), carries the default pre-release policy, no opt-in region and no
    arbitrary-string admission. Raises ``ValueError`` for a range built with an
    explicit pre-release policy: pre-release choice belongs to the provider.
    """
    if _is_plain(value):
        return value
    try:
        return FULL_RANGE - (~value)
    except ValueError as exc:
        raise ValueError(
            "the PubGrub solver takes version ranges with the default pre-release "
            "policy (build them without prereleases=...); pre-release selection "
            "belongs to the provider"
        ) from exc


def _is_plain(value: VersionRange) -> bool:
    """Whether ``value`` already is what :func:`normalize_range` returns (a shortcut).

    Reads the range's private flags (packaging 26.4); when they are not there,
    the answer is False and the range is normalised the long way.
    """
    return (
        getattr(value, "_plain", False) is True
        and getattr(value, "_prereleases_configured", False) is None
        and getattr(value, "_pre_region", None) == ()
    )


class Relation(enum.Enum):
    """How a set of assignments relates to a term (or an incompatibility)."""

    SATISFIED = enum.auto()
    CONTRADICTED = enum.auto()
    INCONCLUSIVE = enum.auto()


@dataclass(frozen=True, slots=True)
class Term:
    """``positive`` -> the version is in ``range``; otherwise it is not (or absent)."""

    positive: bool
    range: VersionRange

    @classmethod
    def allowing(cls, value: VersionRange) -> Term:
        """The positive term "selected at a version in ``value``"."""
        return cls(True, value)

    @classmethod
    def forbidding(cls, value: VersionRange) -> Term:
        """The negative term "not selected at a version in ``value``"."""
        return cls(False, value)

    @classmethod
    def exact(cls, version: Version) -> Term:
        """The positive term "selected at exactly ``version``"."""
        return cls(True, VersionRange.singleton(version))

    @property
    def is_any(self) -> bool:
        """True for the always-true term ``not <nothing>``."""
        return not self.positive and self.range.is_empty

    @property
    def is_never(self) -> bool:
        """True for the never-true term ``<nothing>``."""
        return self.positive and self.range.is_empty

    def negate(self) -> Term:
        """The logical complement of this term."""
        return Term(not self.positive, self.range)

    def contains(self, version: Version) -> bool:
        """Whether selecting ``version`` makes this term true."""
        return self.range.contains(version) == self.positive

    def intersect(self, other: Term) -> Term:
        """The term true exactly when both terms are (same package)."""
        if self.positive:
            if other.positive:
                return Term(True, self.range & other.range)
            return Term(True, self.range - other.range)
        if other.positive:
            return Term(True, other.range - self.range)
        return Term(False, self.range | other.range)

    def union(self, other: Term) -> Term:
        """The term true when either term is (same package)."""
        if self.positive:
            if other.positive:
                return Term(True, self.range | other.range)
            return Term(False, other.range - self.range)
        if other.positive:
            return Term(False, self.range - other.range)
        return Term(False, self.range & other.range)

    def relation(self, other: Term) -> Relation:
        """How this term, taken as known, relates to ``other``.

        ``SATISFIED`` when this term implies ``other``, ``CONTRADICTED`` when it
        excludes ``other``, otherwise ``INCONCLUSIVE``.
        """
        mine = self.range
        theirs = other.range
        if self.positive:
            rel = mine.relation(theirs)
            if other.positive:
                if rel.is_subset:
                    return Relation.SATISFIED
                if rel.is_disjoint:
                    return Relation.CONTRADICTED
            else:
                if rel.is_disjoint:
                    return Relation.SATISFIED
                if rel.is_subset:
                    return Relation.CONTRADICTED
            return Relation.INCONCLUSIVE
        # A negative term allows the package to be absent: it never implies a
        # positive term and never contradicts a negative one.
        if theirs.is_subset(mine):
            return Relation.CONTRADICTED if other.positive else Relation.SATISFIED
        return Relation.INCONCLUSIVE

    def satisfies(self, other: Term) -> bool:
        """Whether this term implies ``other``."""
        return self.relation(other) is Relation.SATISFIED

    def __str__(self) -> str:
        return f"{'' if self.positive else 'not '}{self.range!r}"
