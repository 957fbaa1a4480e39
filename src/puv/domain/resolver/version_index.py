"""Which versions of a sorted list a range admits, found by bisection.

The provider asks "which of this package's versions lie in the allowed range?"
at every decision, for packages with thousands of versions (botocore has about
2,000). ``VersionRange.contains`` per version makes that O(n) calls of a few
microseconds each. A range is a sorted tuple of disjoint intervals, so the
versions it admits from an ascending list are contiguous runs whose ends two
bisections find: O(intervals x log n) comparisons instead.

``VersionRange`` keeps its intervals private (packaging 26.4: ``_bounds``, a
tuple of (lower, upper) bounds with ``version`` and ``inclusive``; the same
attribute ``pubgrub.report`` reads to spell ranges). A range without them, or
with ``===`` literals or a configured pre-release policy (which the solver's
ranges never carry), is answered with ``contains`` per version.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Any

from packaging.ranges import VersionRange
from packaging.version import Version

#: A run of positions ``start <= i < stop`` in an ascending version list.
Run = tuple[int, int]


def _intervals(allowed: VersionRange) -> Sequence[tuple[Any, Any]] | None:
    """The range's canonical intervals, or None when bisection cannot decide membership."""
    bounds = getattr(allowed, "_bounds", None)
    if not isinstance(bounds, tuple):
        return None
    if getattr(allowed, "_admit", None) or getattr(allowed, "_reject", None):
        return None  # ``===`` literals match strings, not positions
    if getattr(allowed, "_prereleases_configured", None) is not None:
        return None
    return bounds


def runs(ascending: Sequence[Version], allowed: VersionRange) -> list[Run]:
    """The positions of ``ascending`` (sorted, oldest first) that ``allowed`` admits, as runs.

    The runs are ascending and non-empty; ``[v for a, b in runs for v in ascending[a:b]]``
    equals ``[v for v in ascending if allowed.contains(v)]``.
    """
    size = len(ascending)
    if not size:
        return []
    intervals = _intervals(allowed)
    if intervals is None:
        return _scan(ascending, allowed)
    found: list[Run] = []
    for lower, upper in intervals:
        point = lower.version
        if point is None:
            start = 0
        elif lower.inclusive:
            start = bisect_left(ascending, point)
        else:
            start = bisect_right(ascending, point)
        point = upper.version
        if point is None:
            stop = size
        elif upper.inclusive:
            stop = bisect_right(ascending, point, start)
        else:
            stop = bisect_left(ascending, point, start)
        if start < stop:
            found.append((start, stop))
    return found


def count(ascending: Sequence[Version], allowed: VersionRange) -> int:
    """How many versions of ``ascending`` ``allowed`` admits (nothing materialised)."""
    return sum(stop - start for start, stop in runs(ascending, allowed))


def select(ascending: Sequence[Version], allowed: VersionRange) -> list[Version]:
    """The versions of ``ascending`` that ``allowed`` admits, oldest first."""
    return [v for start, stop in runs(ascending, allowed) for v in ascending[start:stop]]


def _scan(ascending: Sequence[Version], allowed: VersionRange) -> list[Run]:
    found: list[Run] = []
    start = -1
    for position, version in enumerate(ascending):
        if allowed.contains(version):
            if start < 0:
                start = position
        elif start >= 0:
            found.append((start, position))
            start = -1
    if start >= 0:
        found.append((start, len(ascending)))
    return found
