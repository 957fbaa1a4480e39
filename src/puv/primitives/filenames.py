"""Distribution filenames: wheels (PEP 427/491) and source distributions (PEP 625).

* A wheel is ``{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl``;
  :func:`packaging.utils.parse_wheel_filename` does the splitting.
* A source distribution is ``{name}-{version}{ext}``. PEP 625 says the
  extension is ``.tar.gz`` and the name is normalised with underscores, but
  indexes still carry legacy files: ``.zip`` and the other archive formats the
  standard library can open (``.tar.bz2``, ``.tgz``, ``.tar.xz``, ...) and
  names with dashes (``python-dateutil-2.8.2.tar.gz``). A dashed name is only
  split reliably when the project name is known, so every parser takes an
  optional ``project`` (the name the caller is looking for).

Two ways to call: the strict :func:`parse_filename` raises
:class:`~puv.errors.InvalidFilename`; :func:`try_parse_filename` returns None.
:func:`classify` is the cheap extension-only check used while scanning pages.
Nothing is cached: each call is a few microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from packaging.tags import Tag
from packaging.utils import (
    BuildTag,
    NormalizedName,
    canonicalize_name,
)
from packaging.utils import parse_wheel_filename as _parse_wheel
from packaging.version import Version

from puv.errors import InvalidFilename

#: Source distribution archive extensions, longest first so ``.tar.gz`` wins over ``.tar``.
SDIST_EXTENSIONS: tuple[str, ...] = (
    ".tar.bz2",
    ".tar.gz",
    ".tar.xz",
    ".zip",
    ".tgz",
    ".tbz",
    ".txz",
    ".tar",
)

Kind = Literal["wheel", "sdist"]


@dataclass(frozen=True, slots=True)
class WheelFilename:
    """A parsed wheel filename."""

    filename: str
    name: NormalizedName
    version: Version
    build: BuildTag
    tags: frozenset[Tag]

    kind: ClassVar[Literal["wheel"]] = "wheel"


@dataclass(frozen=True, slots=True)
class SdistFilename:
    """A parsed source distribution filename; ``extension`` is lowercase (``.tar.gz``)."""

    filename: str
    name: NormalizedName
    version: Version
    extension: str

    kind: ClassVar[Literal["sdist"]] = "sdist"


DistFilename = WheelFilename | SdistFilename


def sdist_extension(filename: str) -> str | None:
    """The source-archive extension of ``filename`` (lowercase), or None."""
    lower = filename.lower()
    for ext in SDIST_EXTENSIONS:
        if lower.endswith(ext):
            return ext
    return None


def classify(filename: str) -> Kind | None:
    """``"wheel"``, ``"sdist"`` or None, from the extension alone (no validation)."""
    if filename.endswith(".whl"):
        return "wheel"
    if sdist_extension(filename) is not None:
        return "sdist"
    return None


def _error(filename: str, why: str) -> InvalidFilename:
    return InvalidFilename(f"invalid distribution filename `{filename}`: {why}", filename=filename)


def parse_wheel_filename(filename: str, project: str | None = None) -> WheelFilename:
    """Parse a wheel filename; with ``project``, also require that the name matches."""
    try:
        name, version, build, tags = _parse_wheel(filename)
    except ValueError as exc:  # InvalidWheelFilename, InvalidVersion, or int() refusing
        raise _error(filename, str(exc)) from None
    if project is not None and name != canonicalize_name(project):
        raise _error(filename, f"the wheel is for `{name}`, not `{canonicalize_name(project)}`")
    return WheelFilename(filename, name, version, build, tags)


def _valid_name(name: str) -> NormalizedName | None:
    try:
        return canonicalize_name(name, validate=True)
    except ValueError:
        return None


def sdist_version(text: str) -> Version | None:
    """The version part of a source distribution's file name, or None when it is not one."""
    if not text or not (text[0].isdigit() or text[0] in "vV"):
        return None
    try:
        return Version(text)
    except ValueError:  # InvalidVersion, or a release number too long for int()
        return None


def parse_sdist_filename(filename: str, project: str | None = None) -> SdistFilename:
    """Parse a source distribution filename.

    With ``project`` the name part must normalise to the project's name and
    the rest is the version (so ``foo-bar-1.0.tar.gz`` works for ``foo-bar``).
    Without it, the leftmost ``-`` after which a valid version follows splits
    name from version (``python-dateutil-2.8.2`` and ``foo-1.0-1`` both work).
    """
    ext = sdist_extension(filename)
    if ext is None:
        raise _error(filename, "not a wheel or source archive extension")
    stem = filename[: len(filename) - len(ext)]
    wanted = canonicalize_name(project) if project is not None else None
    start = 0
    while True:
        dash = stem.find("-", start)
        if dash < 0:
            break
        start = dash + 1
        head = stem[:dash]
        if wanted is not None:
            if canonicalize_name(head) != wanted:
                continue
            version = sdist_version(stem[start:])
            if version is None:
                raise _error(filename, f"invalid version `{stem[start:]}`")
            return SdistFilename(filename, wanted, version, ext)
        version = sdist_version(stem[start:])
        if version is None:
            continue
        name = _valid_name(head)
        if name is None:
            raise _error(filename, f"invalid project name `{head}`")
        return SdistFilename(filename, name, version, ext)
    if wanted is not None:
        raise _error(filename, f"the name does not match the project `{wanted}`")
    raise _error(filename, "expected `{name}-{version}` before the extension")


def parse_filename(filename: str, project: str | None = None) -> DistFilename:
    """Parse a wheel or source distribution filename, raising InvalidFilename."""
    if filename.endswith(".whl"):
        return parse_wheel_filename(filename, project)
    return parse_sdist_filename(filename, project)


def try_parse_filename(filename: str, project: str | None = None) -> DistFilename | None:
    """Like :func:`parse_filename` but returns None for unknown or invalid names."""
    try:
        return parse_filename(filename, project)
    except InvalidFilename:
        return None
