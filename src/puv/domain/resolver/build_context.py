"""The resolver's seam to the builder: metadata of requirements that need a build.

A direct requirement on a project to build (a local directory, a local or
remote sdist, a git checkout) has no metadata file to read, nor has a version
the index offers only as a source distribution: the resolver asks a
:class:`BuildContext` for it. The CLI wires the builder
(:mod:`puv.domain.build`) in; the resolver never imports it.
"""

from __future__ import annotations

from typing import Protocol

from puv.primitives.metadata import CoreMetadata
from puv.primitives.requirement_spec import RequirementSpec
from puv.primitives.simple_api import DistFile


class BuildContext(Protocol):
    """Answers for direct requirements that are not wheels."""

    def direct_metadata(self, spec: RequirementSpec) -> CoreMetadata:
        """The core metadata of the project ``spec`` names (``BuildError`` when it cannot be had)."""
        ...

    def resolved_url(self, spec: RequirementSpec) -> str:
        """The URL that pins exactly the source ``direct_metadata(spec)`` read (a git
        requirement at its commit; else :func:`direct_url` of ``spec``)."""
        ...

    def sdist_metadata(self, project: str, file: DistFile) -> CoreMetadata:
        """The core metadata of an index's source distribution of ``project`` (fetched,
        then PKG-INFO when static, else the backend's; ``BuildError`` when it cannot be had)."""
        ...


def direct_url(spec: RequirementSpec) -> str:
    """The URL that identifies a direct requirement: a path becomes an absolute
    ``file://`` URL; of the fragment only ``#subdirectory=`` stays (hashes and
    ``egg=`` go), since two subdirectories of one archive or repository are two
    different projects. ``direct_url.json`` keeps it as its ``subdirectory`` key."""
    if spec.url is not None:
        return bare_url(spec.url)
    from pathlib import Path

    return Path(spec.path or ".").expanduser().resolve().as_uri()


def bare_url(url: str) -> str:
    """``url`` without its fragment, except a ``subdirectory=`` part (see :func:`direct_url`)."""
    base, _, fragment = url.partition("#")
    for item in fragment.split("&") if fragment else ():
        key, _, value = item.partition("=")
        if key.strip().lower() == "subdirectory" and value.strip():
            return f"{base}#subdirectory={value.strip()}"
    return base


def url_subdirectory(url: str) -> str | None:
    """The ``subdirectory=`` of a URL's fragment, if any."""
    base = bare_url(url)
    return base.partition("#subdirectory=")[2] or None
