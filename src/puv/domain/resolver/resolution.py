"""The answer of a resolution: pinned distributions and who asked for them.

This value is what the resolver hands to its consumers: ``puv pip compile``
renders it (pins, ``# via`` annotations, hashes) and the installer plans from it
(which file to fetch for each pin). It is plain data: no IO, no methods that
reach the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from packaging.markers import Marker
from packaging.utils import NormalizedName
from packaging.version import Version

from puv.primitives.simple_api import DistFile


@dataclass(frozen=True, slots=True)
class Via:
    """One reason a distribution is in the resolution.

    ``parent`` is the normalized name of the distribution that depends on it,
    or None when a user input asked for it directly; ``source`` then names that
    input as pip-compile prints it (``-r requirements.in``, ``-c constraints.txt``,
    ``pyproject.toml``, ``<command line>``).
    """

    parent: NormalizedName | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class ResolvedDist:
    """One pinned distribution.

    ``file`` is the file the target environment would install (the best wheel,
    else the sdist); ``files`` are all the files of that version the target
    could use (for ``--generate-hashes``). ``url`` is set for direct URL / path
    requirements (``name @ url``), which have no index files. ``extras`` are
    the extras of it that the resolution activated (for ``--no-strip-extras``).
    ``requested``: a user input named it directly (PEP 376 REQUESTED).
    ``editable``: a direct requirement given with ``-e`` (PEP 660; rendered as
    an ``-e URL`` line).
    """

    name: NormalizedName
    version: Version
    file: DistFile | None = None
    files: tuple[DistFile, ...] = ()
    index: str | None = None
    url: str | None = None
    extras: frozenset[str] = frozenset()
    requested: bool = False
    yanked_reason: str | None = None
    marker: Marker | None = None
    dependencies: tuple[NormalizedName, ...] = ()
    editable: bool = False


@dataclass(frozen=True, slots=True)
class Resolution:
    """Every pin, keyed by normalized name, and the edges behind ``# via`` lines."""

    dists: Mapping[NormalizedName, ResolvedDist]
    via: Mapping[NormalizedName, tuple[Via, ...]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.dists)

    def sorted(self) -> list[ResolvedDist]:
        return [self.dists[name] for name in sorted(self.dists)]
