"""The seam between the PubGrub core and the world: the provider protocols.

The solver is pure. Everything it needs to know about packages comes through
a provider, synchronously:

- ``choose_version(package, allowed)``: the best version inside ``allowed``.
  The provider owns the strategy (highest or lowest, preferences such as
  installed or locked versions, pre-release policy, yanked files...). ``None``
  when no version fits.
- ``get_dependencies(package, version)``: a mapping dependee -> range, or
  ``UnavailableDependencies(reason)`` when the version cannot be used (metadata
  could not be fetched, Requires-Python mismatch, ...). The solver turns that
  into an incompatibility whose cause keeps the reason as data.

Optional protocols refine the search without changing its answers:

- ``PriorityHints.hint(package, allowed)`` returns a ``PackageHint`` (is the
  range an exact pin? how many candidates are there?). The solver owns the
  decision order; hints only feed it.
- ``HintUpdates.updated_hints()`` is polled before every decision: the
  packages whose hint may have changed since the last poll (e.g. a page
  fetched in a thread shows that no version fits). The solver recomputes
  their place in the decision order, so a package known to have no candidate
  is decided (and the conflict derived) as soon as that is known.
- ``Prefetcher.prefetch(packages)`` is called after every round of unit
  propagation with the undecided packages whose allowed range changed since
  the previous call, so the provider can fetch metadata ahead (e.g. in threads).

- ``VersionSpans.span(package, version)`` returns a range around ``version``
  that holds no other version the provider could ever choose for the package.
  The solver states what it learns about that version (its dependencies, that
  it is unusable) for the whole span, so the facts about neighbouring versions
  merge into one interval instead of a union of hundreds of single versions
  (walking down a package with 2,000 releases keeps every range small).

Ranges handed out by the solver use the default pre-release policy (see
``term.normalize_range``); ranges given to it may be any default-policy range.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar, Union, runtime_checkable

from packaging.ranges import VersionRange
from packaging.version import Version

P = TypeVar("P", bound=Hashable)
P_contra = TypeVar("P_contra", bound=Hashable, contravariant=True)
P_co = TypeVar("P_co", bound=Hashable, covariant=True)


@dataclass(frozen=True, slots=True)
class UnavailableDependencies:
    """A version whose dependencies cannot be used.

    ``reason`` is a predicate phrase reading after the package and version,
    e.g. ``"has invalid metadata"`` or ``"requires Python>=3.12"``.
    """

    reason: str


Dependencies = Union[Mapping[P, VersionRange], UnavailableDependencies]


@dataclass(frozen=True, slots=True)
class PackageHint:
    """What a provider can say cheaply about a package before it is decided.

    ``exact``: the allowed range admits a single version (``==`` pin, URL).
    ``candidates``: how many versions lie in the allowed range, when known
    (``0``: none does, so deciding the package can only fail; the solver
    decides such packages first).
    """

    exact: bool = False
    candidates: int | None = None


class Provider(Protocol[P]):
    """The two questions the solver asks about packages."""

    def choose_version(self, package: P, allowed: VersionRange) -> Version | None:
        """The version to try for ``package`` within ``allowed`` (``None``: none fits)."""
        ...

    def get_dependencies(self, package: P, version: Version) -> Dependencies[P]:
        """The dependencies of ``package`` at ``version``, or why it is unusable."""
        ...


@runtime_checkable
class PriorityHints(Protocol[P_contra]):
    """Optional: hints that help the solver order its decisions."""

    def hint(self, package: P_contra, allowed: VersionRange) -> PackageHint:
        """Cheap facts about the undecided ``package`` and its ``allowed`` range."""
        ...


@runtime_checkable
class HintUpdates(Protocol[P_co]):
    """Optional: tells the solver which hints changed behind its back (in other threads)."""

    def updated_hints(self) -> Iterable[P_co]:
        """Packages whose ``PriorityHints.hint`` may have changed since the last call.

        Called once per decision, so it should be cheap when nothing changed.
        Naming a package that is decided or no longer required is harmless.
        """
        ...


@runtime_checkable
class Prefetcher(Protocol[P_contra]):
    """Optional: learns which packages the solver will likely ask about next."""

    def prefetch(self, packages: Sequence[tuple[P_contra, VersionRange]]) -> None:
        """Undecided packages whose allowed range changed, with that range."""
        ...


@runtime_checkable
class VersionSpans(Protocol[P_contra]):
    """Optional: how far a fact about one version of a package may be stretched."""

    def span(self, package: P_contra, version: Version) -> VersionRange:
        """A range holding ``version`` and no other version the provider may choose for ``package``.

        ``VersionRange.singleton(version)`` is always correct. A wider range
        (up to the neighbouring versions the provider knows) keeps the ranges
        the solver builds small. The solver asks once per version, after
        ``get_dependencies``, and raises ``ValueError`` for a span without
        ``version``.
        """
        ...
