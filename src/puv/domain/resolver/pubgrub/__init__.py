"""PubGrub: a pure version solver with explanations (no IO, no printing).

Packages are opaque hashable keys, versions are ``packaging.version.Version``
and sets of versions are ``packaging.ranges.VersionRange``. The world is
reached through a :class:`Provider`; failures come back as
:class:`NoSolution` whose incompatibility :func:`explain` turns into text.
"""

from __future__ import annotations

from puv.domain.resolver.pubgrub.incompatibility import (
    Derived,
    FromDependencyOf,
    Incompatibility,
    NoVersions,
    RootCause,
    Unavailable,
)
from puv.domain.resolver.pubgrub.provider import (
    Dependencies,
    HintUpdates,
    PackageHint,
    Prefetcher,
    PriorityHints,
    Provider,
    UnavailableDependencies,
    VersionSpans,
)
from puv.domain.resolver.pubgrub.report import DefaultFormatter, PackageFormatter, explain
from puv.domain.resolver.pubgrub.solver import (
    NoSolution,
    Solution,
    SolverOptions,
    SolveStats,
    solve,
)
from puv.domain.resolver.pubgrub.term import Relation, Term, normalize_range

__all__ = [
    "DefaultFormatter",
    "Dependencies",
    "Derived",
    "FromDependencyOf",
    "HintUpdates",
    "Incompatibility",
    "NoSolution",
    "NoVersions",
    "PackageFormatter",
    "PackageHint",
    "Prefetcher",
    "PriorityHints",
    "Provider",
    "Relation",
    "RootCause",
    "Solution",
    "SolveStats",
    "SolverOptions",
    "Term",
    "Unavailable",
    "UnavailableDependencies",
    "VersionSpans",
    "explain",
    "normalize_range",
    "solve",
]
