"""Candidate selection: which file of each version a target environment can use.

Given every file an index (or several indexes and find-links locations) lists
for one project, :func:`select_candidates` decides per version which
distribution to use for a :class:`Target` (a Python version plus its PEP 425
tags, best first) under a :class:`SelectionPolicy` (``--no-binary`` /
``--only-binary``, ``--no-build``, ``--exclude-newer``). It implements:

* PEP 425 / PEP 600 / PEP 656 compatibility tags: a wheel is usable when one of
  its tags is one of the target's; the wheel whose best tag ranks highest (the
  lowest index in :attr:`Target.tags`) wins, a higher build tag breaks ties
  (PEP 427). A compatible wheel is always preferred to a source distribution.
* PEP 503 ``data-requires-python``: a file whose specifier excludes the
  target's Python version is unusable; an invalid specifier makes the *file*
  unusable (it is not an error). Pre-release interpreters (``3.13.0rc1``) match
  as final ones would.
* PEP 592 yanking: a yanked file stays usable but is marked; a non-yanked file
  of the same version is preferred. The resolver only picks a yanked version
  when it is pinned with ``==`` (that is not decided here).
* PEP 700 ``upload-time`` with ``--exclude-newer``: as uv does, a file
  uploaded at or after the cutoff is dropped; a file *without* an upload time
  is kept (uv keeps it and warns), and its name is listed in
  :attr:`Candidates.missing_upload_time` so the caller can warn once.
* Several sources: for each version only the files of the best source that has
  that version are kept (``SourcedFile.priority``, lower is better, find-links
  are 0). With the default ``first-index`` strategy the index client already
  hands over a single index; with ``unsafe-first-match`` / ``unsafe-best-match``
  this keeps one source per version, so a version's hashes never mix indexes.

Pre-releases are not filtered here: that is the resolver's job.

:meth:`Target.for_python` computes the tags of an interpreter that is not
installed (``--python-version`` / ``--python-platform``). Platform choices
follow uv:

* ``linux`` is ``x86_64-unknown-linux-gnu``, which means glibc 2.28
  (``manylinux_2_28`` down to ``manylinux_2_5`` with the legacy aliases), as uv
  has done since 0.8; ``{arch}-manylinux2014`` / ``{arch}-manylinux_2_X`` pick
  another glibc. ``riscv64`` starts at glibc 2.31 (its first manylinux policy).
* ``{arch}-unknown-linux-musl`` is musl 1.2 (``musllinux_1_2`` down to
  ``musllinux_1_0``).
* ``macos`` is ``aarch64-apple-darwin``; the minimum macOS is 12.0 unless the
  caller passes another (uv reads ``MACOSX_DEPLOYMENT_TARGET`` for it).
* ``windows`` is ``x86_64-pc-windows-msvc`` (``win_amd64``); ``i686`` is
  ``win32``, ``aarch64`` is ``win_arm64``.
* On Linux, ``linux_<arch>`` (a locally built wheel) ranks first, as in
  ``packaging.tags`` and :mod:`puv.domain.python.tags` for a real interpreter.

This module is pure: no IO, no environment, no printing.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import FrozenInstanceError, dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Literal, Union

from packaging.specifiers import InvalidSpecifier
from packaging.tags import Tag
from packaging.utils import canonicalize_name
from packaging.version import Version

from puv.primitives.specifiers import lenient_specifier_set
from puv.errors import UsageError
from puv.primitives.filenames import WheelFilename, sdist_extension, sdist_version, try_parse_filename
from puv.primitives.requirements_txt import ALL, FormatControl
from puv.primitives.simple_api import UTC_TIME_RE, DistFile, FileColumns

if TYPE_CHECKING:
    from puv.domain.index.client import SourcedFile
    from puv.domain.python.interpreter import Interpreter

__all__ = [
    "Candidate",
    "Candidates",
    "Incompatible",
    "IncompatibleKind",
    "SelectionPolicy",
    "Target",
    "parse_exclude_newer",
    "parse_upload_time",
    "select_candidates",
]

Kind = Literal["wheel", "sdist"]

IncompatibleKind = Literal[
    "exclude-newer",  # every file was uploaded at or after the --exclude-newer cutoff
    "requires-python",  # every file's requires-python excludes the target Python
    "invalid-requires-python",  # ... or is not a valid specifier
    "no-matching-wheel",  # wheels exist, none for the target, and no source distribution
    "no-build",  # only a source distribution is left and building is disabled
    "only-binary",  # only a source distribution is left and --only-binary forbids it
    "no-binary",  # only wheels exist and --no-binary forbids them
]


# --------------------------------------------------------------------------- target


@dataclass(frozen=True, slots=True)
class Target:
    """What files can be used: a Python version and its PEP 425 tags, best first.

    ``markers`` is the PEP 508 marker environment when known (for the
    resolver); ``platform`` is the ``--python-platform`` value the tags were
    computed for (None for a real interpreter's own platform).
    """

    python_version: Version
    tags: tuple[str, ...]
    markers: Mapping[str, str] | None = field(default=None, compare=False, hash=False)
    platform: str | None = None
    _priorities: dict[Tag, int] = field(init=False, repr=False, compare=False, hash=False)
    #: compressed tag text (``py3-none-any``) -> rank, None (unsupported) or True
    #: (unreadable): shared by every project read for this target.
    _tag_ranks: dict[str, int | None | bool] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        priorities: dict[Tag, int] = {}
        for rank, text in enumerate(self.tags):
            parts = text.split("-")
            if len(parts) != 3:
                raise ValueError(f"not a single compatibility tag: `{text}`")
            priorities.setdefault(Tag(*parts), rank)
        object.__setattr__(self, "_priorities", priorities)
        object.__setattr__(self, "_tag_ranks", {})

    @property
    def tag_priorities(self) -> Mapping[Tag, int]:
        """Tag -> rank (0 is the most preferred)."""
        return self._priorities

    def priority(self, tags: Iterable[Tag]) -> int | None:
        """The best rank among ``tags`` (a wheel's tag set), or None when none is supported."""
        get = self._priorities.get
        best: int | None = None
        for tag in tags:
            rank = get(tag)
            if rank is not None and (best is None or rank < best):
                best = rank
        return best

    def describe(self) -> str:
        """The most specific tag, for messages (``cp312-cp312-manylinux_2_28_x86_64``)."""
        return self.tags[0] if self.tags else "no tags"

    @classmethod
    def for_interpreter(cls, interpreter: Interpreter) -> Target:
        """The target of an installed interpreter: its version, tags and markers."""
        return cls(
            python_version=Version(interpreter.version),
            tags=tuple(interpreter.tags),
            markers=dict(interpreter.markers),
        )

    @classmethod
    def for_python(
        cls,
        python_version: str,
        platform: str | None = None,
        *,
        interpreter: Interpreter | None = None,
        macos_version: tuple[int, int] | None = None,
    ) -> Target:
        """The target of a CPython that is not installed (``--python-version`` / ``--python-platform``).

        ``python_version`` is ``3.X`` or ``3.X.Y`` (``3.X`` means ``3.X.0``, as in
        uv), optionally with a ``t`` suffix for a free-threaded build.
        ``platform`` is a uv ``--python-platform`` value (see the module
        docstring); without it the platform of ``interpreter`` is used (uv's
        ``--python-version`` alone), and one of the two is required.
        ``macos_version`` overrides the minimum macOS (12.0).
        """
        version, gil_disabled = _parse_python_version(python_version)
        major, minor = version.major, version.minor
        if platform is not None:
            spec = _parse_platform(platform, macos_version)
            platforms = _platform_list(spec)
            markers = _platform_markers(spec)
        elif interpreter is not None:
            platforms = _platforms_of(interpreter.tags)
            markers = dict(interpreter.markers)
        else:
            raise UsageError(
                f"cannot compute tags for Python {python_version} without a platform",
                hints=["pass --python-platform, or a Python interpreter to take the platform from"],
            )
        from puv.domain.python.tags import cpython_abis

        abis = cpython_abis((major, minor), debug=False, gil_disabled=gil_disabled)
        tags = _all_tags((major, minor), abis, platforms)
        full = f"{version.major}.{version.minor}.{version.micro}"
        markers.update(
            python_version=f"{major}.{minor}",
            python_full_version=full,
            implementation_name="cpython",
            implementation_version=full,
            platform_python_implementation="CPython",
        )
        return cls(python_version=version, tags=tags, markers=markers, platform=platform)


_PYTHON_VERSION_RE = re.compile(r"^\s*(\d+)\.(\d+)(?:\.(\d+))?(t)?\s*$")


def _parse_python_version(text: str) -> tuple[Version, bool]:
    match = _PYTHON_VERSION_RE.match(text)
    if match is None or match.group(1) != "3":
        raise UsageError(
            f"invalid Python version `{text}`: expected `3.X` or `3.X.Y` (like `3.12` or `3.12.1`)",
            hints=["--python-version takes a CPython 3 version such as `3.12`"],
        )
    micro = match.group(3) or "0"
    return Version(f"{match.group(1)}.{int(match.group(2))}.{int(micro)}"), match.group(4) is not None


def _all_tags(version: tuple[int, int], abis: Sequence[str], platforms: Sequence[str]) -> tuple[str, ...]:
    from packaging.tags import compatible_tags, cpython_tags

    seen: dict[str, None] = {}
    for tag in cpython_tags(version, abis, platforms):
        seen.setdefault(str(tag), None)
    for tag in compatible_tags(version, f"cp{version[0]}{version[1]}", platforms):
        seen.setdefault(str(tag), None)
    return tuple(seen)


def _platforms_of(tags: Iterable[str]) -> list[str]:
    """The platform parts of an interpreter's tags, in order (``any`` left out)."""
    seen: dict[str, None] = {}
    for text in tags:
        plat = text.rsplit("-", 1)[-1]
        if plat != "any":
            seen.setdefault(plat, None)
    return list(seen)


# --------------------------------------------------------------------------- platforms


@dataclass(frozen=True, slots=True)
class _PlatformSpec:
    os: Literal["linux", "macos", "windows"]
    arch: str  # normalised: x86_64, aarch64, i686, armv7l, ppc64le, ppc64, s390x, riscv64
    libc: Literal["glibc", "musl", ""] = ""
    libc_version: tuple[int, int] = (0, 0)
    macos_version: tuple[int, int] = (12, 0)


_ARCHES = {
    "x86_64": "x86_64",
    "amd64": "x86_64",
    "aarch64": "aarch64",
    "arm64": "aarch64",
    "i686": "i686",
    "i386": "i686",
    "x86": "i686",
    "armv7": "armv7l",
    "armv7l": "armv7l",
    "powerpc64le": "ppc64le",
    "ppc64le": "ppc64le",
    "powerpc64": "ppc64",
    "ppc64": "ppc64",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "riscv64gc": "riscv64",
}

_DEFAULT_GLIBC = (2, 28)
_DEFAULT_GLIBC_BY_ARCH = {"riscv64": (2, 31)}
_DEFAULT_MUSL = (1, 2)
_DEFAULT_MACOS = (12, 0)
_LEGACY_GLIBC = {"manylinux2014": (2, 17), "manylinux2010": (2, 12), "manylinux1": (2, 5)}
_MANYLINUX_RE = re.compile(r"^manylinux_(\d+)_(\d+)$")
_MUSLLINUX_RE = re.compile(r"^musllinux_(\d+)_(\d+)$")


def _platform_error(value: str, why: str) -> UsageError:
    return UsageError(
        f"invalid Python platform `{value}`: {why}",
        hints=[
            "use `linux`, `macos`, `windows`, a target triple such as "
            "`x86_64-unknown-linux-gnu`, `aarch64-apple-darwin`, `x86_64-pc-windows-msvc`, "
            "or a manylinux target such as `x86_64-manylinux_2_28` / `aarch64-manylinux2014`"
        ],
    )


def _parse_platform(value: str, macos_version: tuple[int, int] | None) -> _PlatformSpec:
    text = value.strip().lower()
    mac = macos_version or _DEFAULT_MACOS
    if text == "linux":
        return _PlatformSpec("linux", "x86_64", "glibc", _DEFAULT_GLIBC)
    if text == "windows":
        return _PlatformSpec("windows", "x86_64")
    if text == "macos":
        return _PlatformSpec("macos", "aarch64", macos_version=mac)
    arch_text, _, rest = text.partition("-")
    arch = _ARCHES.get(arch_text)
    if arch is None or not rest:
        raise _platform_error(value, f"unknown architecture `{arch_text}`" if rest else "unknown platform")
    if rest in ("apple-darwin", "darwin", "macos"):
        if arch not in ("x86_64", "aarch64"):
            raise _platform_error(value, "macOS targets are `x86_64` or `aarch64`")
        return _PlatformSpec("macos", arch, macos_version=mac)
    if rest in ("pc-windows-msvc", "windows"):
        if arch not in ("x86_64", "aarch64", "i686"):
            raise _platform_error(value, "Windows targets are `x86_64`, `i686` or `aarch64`")
        return _PlatformSpec("windows", arch)
    if rest in ("unknown-linux-gnu", "unknown-linux-gnueabihf", "unknown-linux", "linux", "linux-gnu"):
        return _PlatformSpec("linux", arch, "glibc", _DEFAULT_GLIBC_BY_ARCH.get(arch, _DEFAULT_GLIBC))
    if rest in ("unknown-linux-musl", "unknown-linux-musleabihf", "linux-musl"):
        return _PlatformSpec("linux", arch, "musl", _DEFAULT_MUSL)
    if rest in _LEGACY_GLIBC:
        return _PlatformSpec("linux", arch, "glibc", _LEGACY_GLIBC[rest])
    match = _MANYLINUX_RE.match(rest)
    if match is not None:
        glibc = (int(match.group(1)), int(match.group(2)))
        if glibc[0] != 2 or glibc[1] < 5:
            raise _platform_error(value, "manylinux targets start at glibc 2.5")
        return _PlatformSpec("linux", arch, "glibc", glibc)
    match = _MUSLLINUX_RE.match(rest)
    if match is not None:
        musl = (int(match.group(1)), int(match.group(2)))
        if musl[0] != 1:
            raise _platform_error(value, "musllinux targets are musl 1.x")
        return _PlatformSpec("linux", arch, "musl", musl)
    raise _platform_error(value, f"unknown operating system or libc `{rest}`")


def _platform_list(spec: _PlatformSpec) -> list[str]:
    """Platform tags, most specific first, built the way puv builds them for a real interpreter."""
    from puv.domain.python.tags import platforms

    facts: dict[str, object]
    if spec.os == "linux":
        facts = {
            "platform": f"linux-{spec.arch}",
            "pointer_size": 32 if spec.arch in ("i686", "armv7l") else 64,
            "glibc": list(spec.libc_version) if spec.libc == "glibc" else None,
            "musl": list(spec.libc_version) if spec.libc == "musl" else None,
        }
    elif spec.os == "macos":
        mac_arch = "arm64" if spec.arch == "aarch64" else spec.arch
        mac = f"{spec.macos_version[0]}.{spec.macos_version[1]}"
        facts = {"platform": f"macosx-{mac}-{mac_arch}", "mac_version": mac}
    else:
        facts = {"platform": {"x86_64": "win-amd64", "i686": "win32", "aarch64": "win-arm64"}[spec.arch]}
    return platforms(facts)


def _platform_markers(spec: _PlatformSpec) -> dict[str, str]:
    if spec.os == "linux":
        return {
            "os_name": "posix",
            "sys_platform": "linux",
            "platform_system": "Linux",
            "platform_machine": spec.arch,
            "platform_release": "",
            "platform_version": "",
        }
    if spec.os == "macos":
        return {
            "os_name": "posix",
            "sys_platform": "darwin",
            "platform_system": "Darwin",
            "platform_machine": "arm64" if spec.arch == "aarch64" else spec.arch,
            "platform_release": "",
            "platform_version": "",
        }
    return {
        "os_name": "nt",
        "sys_platform": "win32",
        "platform_system": "Windows",
        "platform_machine": {"x86_64": "AMD64", "i686": "x86", "aarch64": "ARM64"}[spec.arch],
        "platform_release": "",
        "platform_version": "",
    }


# --------------------------------------------------------------------------- time


_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$"
)


def _build_datetime(match: re.Match[str], default_tz: tzinfo) -> datetime:
    """A datetime from a :data:`_DATETIME_RE` match (ValueError for out-of-range fields)."""
    year, month, day, hour, minute = (int(match.group(i)) for i in range(1, 6))
    second = int(match.group(6) or 0)
    fraction = match.group(7)
    micro = int((fraction + "000000")[:6]) if fraction else 0
    offset = match.group(8)
    tz: tzinfo
    if offset is None:
        tz = default_tz
    elif offset in ("Z", "z"):
        tz = timezone.utc
    else:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 23 or minutes > 59:
            raise ValueError(f"invalid UTC offset `{offset}`")
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    if second == 60:  # a leap second (RFC 3339 allows it): the next instant datetime can hold
        return datetime(year, month, day, hour, minute, 59, 999999, tzinfo=tz)
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)


def parse_exclude_newer(text: str, *, tz: tzinfo = timezone.utc) -> datetime:
    """The cutoff of ``--exclude-newer``, as an aware datetime.

    Accepts an RFC 3339 timestamp (``2024-03-01T12:30:00Z``, ``...+02:00``,
    fractional seconds; a space for ``T`` and a missing seconds field are
    tolerated; without an offset the time is read in ``tz``) or a plain date
    ``YYYY-MM-DD``. A date includes that whole day, as in uv: the cutoff is
    midnight at the *start of the next day* in ``tz``. uv reads a date in the
    system's local time zone; this function does not look at the system, so
    the caller passes the local zone as ``tz`` for that (the default, UTC, is
    what older uv releases used and is reproducible across machines). Files
    uploaded at or after the cutoff are excluded.

    Raises :class:`~puv.errors.UsageError` naming the value when it is neither.
    """
    value = text.strip()
    try:
        match = _DATE_RE.match(value)
        if match is not None:
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            following = day + timedelta(days=1)
            return datetime(following.year, following.month, following.day, tzinfo=tz)
        match = _DATETIME_RE.match(value)
        if match is not None:
            return _build_datetime(match, tz)
        why = "expected an RFC 3339 timestamp like `2024-03-01T12:00:00Z` or a date like `2024-03-01`"
    except (ValueError, OverflowError) as exc:
        why = str(exc)
    raise UsageError(
        f"invalid --exclude-newer value `{text}`: {why}",
        hints=["use a date (`2024-03-01`, meaning up to the end of that day) or an RFC 3339 timestamp"],
    )


def parse_upload_time(text: str) -> datetime | None:
    """A PEP 700 ``upload-time`` (ISO 8601, UTC when no offset is given), or None if unreadable."""
    # Fast path: the C parser reads the common ``2023-01-01T10:00:00.123456Z`` shapes.
    try:
        when = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        pass
    else:
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        if "T" in text or " " in text:  # a bare date is not a time
            return when
        return None
    match = _DATETIME_RE.match(text.strip())
    if match is None:
        return None
    try:
        return _build_datetime(match, timezone.utc)
    except (ValueError, OverflowError):
        return None


# --------------------------------------------------------------------------- policy


@dataclass(frozen=True, slots=True)
class SelectionPolicy:
    """Which kinds of files may be used.

    ``format_control`` holds the ``--no-binary`` / ``--only-binary`` sets
    (canonical names or ``:all:``) as parsed from the command line and
    requirements files. ``no_build`` is True (``--no-build``: no project may be
    built) or a set of canonical names (``--no-build-package``; ``:all:``
    means every project). ``exclude_newer`` must be timezone-aware (see
    :func:`parse_exclude_newer`).
    """

    format_control: FormatControl = FormatControl()
    no_build: bool | frozenset[str] = False
    exclude_newer: datetime | None = None

    def __post_init__(self) -> None:
        if self.exclude_newer is not None and self.exclude_newer.utcoffset() is None:
            raise ValueError("exclude_newer must be a timezone-aware datetime")
        if not isinstance(self.no_build, bool):
            object.__setattr__(
                self,
                "no_build",
                frozenset(n if n == ALL else canonicalize_name(n) for n in self.no_build),
            )

    def allows_wheel(self, project: str) -> bool:
        """May a wheel of ``project`` be used (``--no-binary``)?"""
        return self.format_control.allows_binary(project)

    def sdist_blocker(self, project: str) -> Literal["no-build", "only-binary"] | None:
        """Why a source distribution of ``project`` may not be used, or None when it may."""
        if not self.format_control.allows_source(project):
            return "only-binary"
        no_build = self.no_build
        if no_build is True:
            return "no-build"
        if isinstance(no_build, frozenset) and (ALL in no_build or canonicalize_name(project) in no_build):
            return "no-build"
        return None


# --------------------------------------------------------------------------- results


class Candidate:
    """The usable distribution of one version.

    ``best`` is the file to install (``kind`` says which sort); ``all_files``
    are all files of that version from the chosen source (minus those excluded
    by ``--exclude-newer``), for ``--generate-hashes``. ``yanked`` and
    ``yanked_reason`` describe ``best`` (PEP 592); ``requires_python`` is its
    specifier as the index gave it; ``source`` is the index URL or find-links
    location it came from (empty for bare :class:`DistFile` input).

    An immutable value (compared and hashed by these fields). Candidates made
    by :func:`select_candidates` build ``best`` and ``all_files`` on first use:
    most versions of a project are never looked at.
    """

    __slots__ = (
        "version", "kind", "yanked", "yanked_reason", "requires_python", "source",
        "_best", "_all_files", "_pending",
    )

    version: Version
    kind: Kind
    yanked: bool
    yanked_reason: str | None
    requires_python: str | None
    source: str
    _best: DistFile | None
    _all_files: tuple[DistFile, ...] | None
    _pending: tuple[_Files, int, list[int]] | None

    def __init__(
        self,
        version: Version,
        best: DistFile,
        kind: Kind,
        all_files: tuple[DistFile, ...],
        yanked: bool = False,
        yanked_reason: str | None = None,
        requires_python: str | None = None,
        source: str = "",
    ) -> None:
        self._fill(version, kind, yanked, yanked_reason, requires_python, source, (best, all_files, None))

    def _fill(
        self,
        version: Version,
        kind: Kind,
        yanked: bool,
        yanked_reason: str | None,
        requires_python: str | None,
        source: str,
        files: tuple[DistFile | None, tuple[DistFile, ...] | None, tuple[_Files, int, list[int]] | None],
    ) -> None:
        init = object.__setattr__
        init(self, "version", version)
        init(self, "kind", kind)
        init(self, "yanked", yanked)
        init(self, "yanked_reason", yanked_reason)
        init(self, "requires_python", requires_python)
        init(self, "source", source)
        init(self, "_best", files[0])
        init(self, "_all_files", files[1])
        init(self, "_pending", files[2])

    @classmethod
    def _deferred(
        cls,
        version: Version,
        kind: Kind,
        files: _Files,
        chosen: int,
        entries: list[int],
        yanked: bool,
        yanked_reason: str | None,
        requires_python: str | None,
        source: str,
    ) -> Candidate:
        """A candidate whose files are built from the selection's columns when first asked for."""
        self = cls.__new__(cls)
        self._fill(version, kind, yanked, yanked_reason, requires_python, source, (None, None, (files, chosen, entries)))
        return self

    @property
    def best(self) -> DistFile:
        best = self._best
        if best is None:
            assert self._pending is not None
            files, chosen, _ = self._pending
            best = files.file(chosen)
            object.__setattr__(self, "_best", best)  # a cache: built from immutable facts
        return best

    @property
    def all_files(self) -> tuple[DistFile, ...]:
        found = self._all_files
        if found is None:
            assert self._pending is not None
            files, _, entries = self._pending
            found = tuple(files.file(i) for i in entries)
            object.__setattr__(self, "_all_files", found)
        return found

    def _fields(self) -> tuple[object, ...]:
        return (
            self.version, self.best, self.kind, self.all_files,
            self.yanked, self.yanked_reason, self.requires_python, self.source,
        )

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._fields() == other._fields()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._fields())

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __repr__(self) -> str:
        return (
            f"Candidate(version={self.version!r}, best={self.best!r}, kind={self.kind!r}, "
            f"all_files={self.all_files!r}, yanked={self.yanked!r}, yanked_reason={self.yanked_reason!r}, "
            f"requires_python={self.requires_python!r}, source={self.source!r})"
        )


@dataclass(frozen=True, slots=True)
class Incompatible:
    """Why no file of a version can be used.

    ``kind`` is machine-readable (:data:`IncompatibleKind`), ``message`` reads
    as the end of "`foo==1.0` is unusable because ..." (e.g. "requires Python
    >=3.13"). ``requires_python`` is the excluding specifier for the
    requires-python kinds; ``wheel_platforms`` lists the platform tags the
    version's wheels do have (for a hint like uv's "only has wheels for ...").
    """

    version: Version
    kind: IncompatibleKind
    message: str
    requires_python: str | None = None
    wheel_platforms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Candidates:
    """Per version, the usable distribution or why there is none.

    ``versions`` holds the usable versions, newest first. ``incompatible``
    explains every version that was seen but cannot be used.
    ``missing_upload_time`` names files kept although ``--exclude-newer`` was
    set because the index gave no (readable) upload time; ``skipped`` counts
    files whose name is invalid or belongs to another project.
    """

    project: str
    versions: tuple[Version, ...]
    candidates: Mapping[Version, Candidate] = field(compare=False)
    incompatible: Mapping[Version, Incompatible] = field(compare=False)
    missing_upload_time: tuple[str, ...] = ()
    skipped: int = 0
    #: ``all_versions()``, computed on first use (the solver asks for it at every dead end).
    _all_versions: tuple[Version, ...] | None = field(default=None, init=False, repr=False, compare=False)

    def __iter__(self) -> Iterator[Candidate]:
        """The usable candidates, newest first."""
        candidates = self.candidates
        return (candidates[v] for v in self.versions)

    def __len__(self) -> int:
        return len(self.versions)

    def __contains__(self, version: object) -> bool:
        return version in self.candidates

    def get(self, version: Version) -> Candidate | None:
        """The candidate for ``version`` (equal versions such as ``1.0`` / ``1.0.0`` match)."""
        return self.candidates.get(version)

    def reason(self, version: Version) -> Incompatible | None:
        """Why ``version`` cannot be used, or None (usable, or never listed)."""
        return self.incompatible.get(version)

    def all_versions(self) -> tuple[Version, ...]:
        """Every version seen (usable or not), newest first."""
        found = self._all_versions
        if found is None:
            found = tuple(sorted({*self.candidates, *self.incompatible}, reverse=True))
            object.__setattr__(self, "_all_versions", found)  # a cache: the value never changes
        return found


# --------------------------------------------------------------------------- selection

FileInput = Union["SourcedFile", DistFile]

class _Files:
    """The files of one selection as columns, numbered across sources in input order.

    Every source's files become a :class:`FileColumns` (a page's files already are
    one; other inputs keep their :class:`DistFile` objects), so selection reads
    plain columns and files are numbers: nothing is allocated per file, which keeps
    the garbage collector quiet on pages with tens of thousands of files.
    """

    __slots__ = ("filenames", "upload_times", "requires_python", "yanked", "sources", "priorities",
                 "tables", "_starts")

    def __init__(self, files: Iterable[FileInput]) -> None:
        from puv.domain.index.client import SourcedFiles

        parts: list[tuple[FileColumns, str, int]] = []
        if isinstance(files, SourcedFiles):
            parts = [(FileColumns.from_files(part), source, priority) for part, source, priority in files.parts]
        else:
            run: list[DistFile] = []
            run_source: tuple[str, int] = ("", 0)
            for item in files:
                if isinstance(item, DistFile):
                    file, where = item, ("", 0)
                else:
                    file, where = item.file, (item.source, item.priority)
                if where != run_source and run:
                    parts.append((FileColumns.from_files(run), *run_source))
                    run = []
                run_source = where
                run.append(file)
            if run:
                parts.append((FileColumns.from_files(run), *run_source))
        self.tables = [table for table, _, _ in parts]
        self._starts: list[int] = []
        start = 0
        for table in self.tables:
            self._starts.append(start)
            start += len(table)
        if len(parts) == 1:
            table = parts[0][0]
            self.filenames: Sequence[str] = table.filenames
            self.upload_times: Sequence[str | None] = table.upload_times
            self.requires_python: Sequence[str | None] = table.requires_python
            self.yanked: Sequence[str | None] = table.yanked
        else:
            self.filenames = [name for table in self.tables for name in table.filenames]
            self.upload_times = [when for table in self.tables for when in table.upload_times]
            self.requires_python = [spec for table in self.tables for spec in table.requires_python]
            self.yanked = [reason for table in self.tables for reason in table.yanked]
        self.sources: list[str] = []
        self.priorities: list[int] = []
        for table, source, priority in parts:
            self.sources += [source] * len(table)
            self.priorities += [priority] * len(table)

    def file(self, index: int) -> DistFile:
        """The file numbered ``index``."""
        if len(self.tables) == 1:
            return self.tables[0].file(index)
        part = bisect_right(self._starts, index) - 1
        return self.tables[part].file(index - self._starts[part])

    def built(self, index: int) -> DistFile | None:
        """The file numbered ``index`` if its object exists already (input files do)."""
        part = bisect_right(self._starts, index) - 1
        return self.tables[part].built(index - self._starts[part])

    def all_utc_times(self) -> bool:
        """Whether every upload time is plain UTC text (:attr:`FileColumns.utc_times`)."""
        return all(table.utc_times for table in self.tables)


def _build_key(build: str) -> tuple[()] | tuple[int, str]:
    """A wheel's build tag as PEP 427 compares it (``()`` when there is none)."""
    if not build:
        return ()
    digits = len(build) - len(build.lstrip("0123456789"))
    return (int(build[:digits]), build[digits:])


def _sdist_rank(filename: str, yanked: bool) -> tuple[bool, int]:
    """Sort key among source distributions: not yanked first, then ``.tar.gz`` (PEP 625)."""
    return (yanked, 0 if filename.lower().endswith(".tar.gz") else 1)


#: What :meth:`_FilenameReader.read` tells of a file: a version key (the version text
#: for names read on the fast paths, else the parsed Version), the tag text (None for
#: an sdist), the tag rank and the build tag.
_Read = tuple[Union[str, Version], Union[str, None], Union[int, None], str]


class _FilenameReader:
    """Reads the filenames of one project fast: caches per name part, version and tag string.

    Anything unusual (a name of another spelling, an invalid version, a build
    tag) goes through :func:`try_parse_filename`, so the answers are those of
    the strict parser. Source distributions follow that parser's rules with
    the name part and version text cached.
    """

    def __init__(self, name: str, target: Target) -> None:
        self.name = name
        self._priority = target.priority
        self._names: dict[str, bool] = {}
        self._sdist_names: dict[str, bool] = {}
        #: version text -> Version (None: invalid), for wheels; sdists also check ``_sdist_ok``.
        self.versions: dict[str, Version | None] = {}
        self._sdist_ok: dict[str, bool] = {}
        self._ranks = target._tag_ranks  # True: unreadable tag

    def read(self, filename: str) -> _Read | None:
        if filename.endswith(".whl"):
            parts = filename[:-4].split("-")
            if len(parts) == 5:
                name_part, version_text, py, abi, plat = parts
                build = ""
            elif len(parts) == 6:
                name_part, version_text, build, py, abi, plat = parts
            else:
                return self._slow(filename)
            same = self._names.get(name_part)
            if same is None:
                same = self._names[name_part] = _name_matches(name_part, self.name)
            if not same or (build and not build[:1].isdigit()):
                return self._slow(filename)
            versions = self.versions
            if version_text in versions:
                version = versions[version_text]
            else:
                version = versions[version_text] = _version_or_none(version_text)
            if version is None:
                return self._slow(filename)
            tag_text = f"{py}-{abi}-{plat}"
            ranks = self._ranks
            if tag_text in ranks:
                rank = ranks[tag_text]
            else:
                rank = ranks[tag_text] = self._rank(tag_text)
            if rank is True:  # an unreadable tag
                return self._slow(filename)
            return version_text, tag_text, None if rank is False else rank, build
        return self._sdist(filename)

    def _sdist(self, filename: str) -> _Read | None:
        """What :func:`parse_sdist_filename` with the project name gives, with caches."""
        ext = sdist_extension(filename)
        if ext is None:
            return None
        stem = filename[: len(filename) - len(ext)]
        names = self._sdist_names
        dash = stem.find("-")
        while dash >= 0:
            head = stem[:dash]
            same = names.get(head)
            if same is None:
                same = names[head] = canonicalize_name(head) == self.name
            if same:
                text = stem[dash + 1 :]
                ok = self._sdist_ok.get(text)
                if ok is None:
                    versions = self.versions
                    if text in versions and versions[text] is not None:
                        # Read for a wheel already: the same Version, if the sdist rule allows it.
                        ok = text[0].isdigit() or text[0] in "vV"
                    else:
                        version = sdist_version(text)
                        ok = version is not None
                        if ok:
                            versions[text] = version
                    self._sdist_ok[text] = ok
                if not ok:
                    return None
                return text, None, None, ""
            dash = stem.find("-", dash + 1)
        return None

    def _rank(self, tag_text: str) -> int | None | bool:
        from packaging.tags import parse_tag

        try:
            return self._priority(parse_tag(tag_text))
        except (ValueError, IndexError):
            return True

    def _slow(self, filename: str) -> _Read | None:
        parsed = try_parse_filename(filename, self.name)
        if parsed is None:
            return None
        if isinstance(parsed, WheelFilename):
            parts = filename[:-4].split("-")
            build = parts[2] if len(parts) == 6 else ""
            return parsed.version, "-".join(parts[-3:]), self._priority(parsed.tags), build
        return parsed.version, None, None, ""  # pragma: no cover - sdists take their own path


def _name_matches(name_part: str, project: str) -> bool:
    """Whether a wheel's name part is ``project`` spelled the way wheels spell it."""
    return (
        canonicalize_name(name_part) == project
        and name_part.replace("_", "").replace(".", "").isalnum()
        and "__" not in name_part
    )


def _version_or_none(text: str) -> Version | None:
    from packaging.version import InvalidVersion

    try:
        return Version(text)
    except InvalidVersion:
        return None


def _cutoff_text(cutoff: datetime) -> str:
    """``cutoff`` in UTC as ``YYYY-MM-DDTHH:MM:SS``, for comparing upload times as text."""
    utc = cutoff.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S")


def select_candidates(
    project: str,
    files: Iterable[FileInput],
    target: Target,
    policy: SelectionPolicy = SelectionPolicy(),
) -> Candidates:
    """Group ``files`` of ``project`` by version and pick the usable distribution of each.

    ``files`` are :class:`~puv.domain.index.client.SourcedFile` values (as
    :meth:`IndexClient.files` returns them) or bare :class:`DistFile` values
    (one source, priority 0). Files of other projects and files with invalid
    names are skipped. Files held as :class:`FileColumns` are read column by
    column: no :class:`DistFile` is built for them until a candidate's files
    are asked for.
    """
    name = canonicalize_name(project)
    reader = _FilenameReader(name, target)
    read = reader.read
    table = _Files(files)
    count = len(table.filenames)

    # 1. Group file numbers by version key (the version text on the fast paths), in input order.
    keyed: dict[str | Version, list[int]] = {}
    tag_texts: list[str | None] = [None] * count  # None: an sdist (or skipped)
    ranks: list[int | None] = [None] * count
    builds: dict[int, str] = {}
    skipped = 0
    for i, filename in enumerate(table.filenames):
        found = read(filename)
        if found is None:
            skipped += 1
            continue
        key, tag_text, rank, build = found
        if tag_text is not None:
            tag_texts[i] = tag_text
            ranks[i] = rank
            if build:
                builds[i] = build
        group = keyed.get(key)
        if group is None:
            keyed[key] = [i]
        else:
            group.append(i)

    # Keys that are the same version (``1.0`` / ``1.0.0``) share a group; each group
    # keeps only the files of the best source that has that version.
    versions_of = reader.versions
    groups: dict[Version, list[int]] = {}
    merged = False
    for key, numbers in keyed.items():
        version = versions_of[key] if isinstance(key, str) else key
        assert version is not None
        group = groups.get(version)
        if group is None:
            groups[version] = numbers
        else:
            group.extend(numbers)
            merged = True
    priorities = table.priorities
    several = len(table.tables) > 1 and len(set(priorities)) > 1
    if merged or several:
        for version, numbers in groups.items():
            if merged:
                numbers.sort()
            best_priority = min(priorities[i] for i in numbers)
            if any(priorities[i] != best_priority for i in numbers):
                groups[version] = [i for i in numbers if priorities[i] == best_priority]

    allow_wheel = policy.allows_wheel(name)
    sdist_blocker = policy.sdist_blocker(name)
    cutoff = policy.exclude_newer
    cutoff_text = _cutoff_text(cutoff) if cutoff is not None else ""
    python = target.python_version
    rp_cache: dict[str | None, bool | None] = {None: True}  # specifier text -> contains target (None: invalid)
    filenames = table.filenames
    uploads = table.upload_times
    requires = table.requires_python
    yanks = table.yanked

    def python_ok(spec: str) -> bool | None:
        try:
            result: bool | None = lenient_specifier_set(spec).contains(python, prereleases=True)
        except InvalidSpecifier:
            result = None
        rp_cache[spec] = result
        return result

    candidates: dict[Version, Candidate] = {}
    incompatible: dict[Version, Incompatible] = {}
    missing_time: list[str] = []
    utc_time = UTC_TIME_RE.fullmatch

    def not_newer(numbers: list[int]) -> list[int]:
        """The files uploaded before the cutoff, or without a (readable) upload time."""
        assert cutoff is not None
        recent: list[int] = []
        for i in numbers:
            uploaded = uploads[i]
            if uploaded is not None and len(uploaded) >= 20 and utc_time(uploaded):
                # UTC text compares like the instant it names (to the second).
                head = uploaded[:19]
                if head < cutoff_text:
                    recent.append(i)
                    continue
                if head > cutoff_text:
                    continue
            when = parse_upload_time(uploaded) if uploaded is not None else None
            if when is None:
                missing_time.append(filenames[i])
            elif when >= cutoff:
                continue
            recent.append(i)
        return recent

    # When every upload time is plain UTC text, the latest one may show that no file
    # is too new; else each is compared as text (or parsed, in the cutoff's second).
    all_utc = cutoff is not None and count > 0 and table.all_utc_times()
    check_times = cutoff is not None and not (all_utc and max(uploads)[:19] < cutoff_text)  # type: ignore[type-var, index]

    for version, numbers in groups.items():
        # 1. --exclude-newer
        if check_times:
            recent: list[int] | None = None
            if all_utc:
                recent = [i for i in numbers if uploads[i][:19] < cutoff_text]  # type: ignore[index]
                if len(recent) < len(numbers) and any(uploads[i][:19] == cutoff_text for i in numbers):  # type: ignore[index]
                    recent = None
            if recent is None:
                recent = not_newer(numbers)
            if not recent:
                incompatible[version] = Incompatible(
                    version, "exclude-newer", "uploaded after the --exclude-newer date"
                )
                continue
            numbers = recent

        # 2. requires-python
        fitting: list[int] = []
        failed_spec: str | None = None
        failed_invalid = False
        for i in numbers:
            spec = requires[i]
            ok = rp_cache[spec] if spec in rp_cache else python_ok(spec)  # type: ignore[arg-type]
            if ok:
                fitting.append(i)
            elif failed_spec is None:
                failed_spec, failed_invalid = spec, ok is None
        if not fitting:
            if failed_invalid:
                incompatible[version] = Incompatible(
                    version,
                    "invalid-requires-python",
                    f"has an invalid requires-python `{failed_spec}`",
                    requires_python=failed_spec,
                )
            else:
                incompatible[version] = Incompatible(
                    version, "requires-python", f"requires Python {failed_spec}", requires_python=failed_spec
                )
            continue

        # 3. format rules and tags
        best_wheel = -1
        best_key: tuple[bool, int] = (True, 0)
        sdist = -1
        has_wheel = False
        has_sdist = False
        for i in fitting:
            if tag_texts[i] is None:
                has_sdist = True
                if sdist_blocker is None and (
                    sdist < 0
                    or _sdist_rank(filenames[i], yanks[i] is not None)
                    < _sdist_rank(filenames[sdist], yanks[sdist] is not None)
                ):
                    sdist = i
                continue
            has_wheel = True
            if not allow_wheel:
                continue
            tag_rank = ranks[i]
            if tag_rank is None:
                continue
            wheel_key = (yanks[i] is not None, tag_rank)
            if (
                best_wheel < 0
                or wheel_key < best_key
                or (
                    wheel_key == best_key
                    and _build_key(builds.get(i, "")) > _build_key(builds.get(best_wheel, ""))
                )
            ):
                best_wheel, best_key = i, wheel_key

        chosen = best_wheel if best_wheel >= 0 else sdist
        if chosen < 0:
            incompatible[version] = _no_usable_file(
                version,
                target,
                [tag_texts[i] for i in fitting],
                has_wheel,
                has_sdist,
                allow_wheel,
                sdist_blocker,
            )
            continue
        given = table.built(chosen)
        if given is not None:
            is_yanked, reason = given.yanked, given.yanked_reason
        else:
            is_yanked, reason = yanks[chosen] is not None, yanks[chosen] or None
        candidates[version] = Candidate._deferred(
            version,
            "wheel" if tag_texts[chosen] is not None else "sdist",
            table,
            chosen,
            numbers,
            is_yanked,
            reason,
            requires[chosen],
            table.sources[chosen],
        )

    return Candidates(
        project=name,
        versions=tuple(sorted(candidates, reverse=True)),
        candidates=candidates,
        incompatible=incompatible,
        missing_upload_time=tuple(missing_time),
        skipped=skipped,
    )


def _no_usable_file(
    version: Version,
    target: Target,
    tag_texts: list[str | None],
    has_wheel: bool,
    has_sdist: bool,
    allow_wheel: bool,
    sdist_blocker: Literal["no-build", "only-binary"] | None,
) -> Incompatible:
    """The reason for a version whose files all fit the Python version but none can be used."""
    platforms: dict[str, None] = {}
    from packaging.tags import parse_tag

    for tag_text in tag_texts:
        if tag_text is not None:
            for tag in parse_tag(tag_text):
                platforms.setdefault(tag.platform, None)
    wheel_platforms = tuple(sorted(platforms))
    sdist_part: dict[IncompatibleKind, str] = {
        "no-build": "building is disabled",
        "only-binary": "--only-binary forbids the source distribution",
    }
    if has_wheel and allow_wheel:
        head = f"no wheel for the target platform ({target.describe()})"
        if not has_sdist:
            return Incompatible(
                version, "no-matching-wheel", f"{head} and no source distribution", wheel_platforms=wheel_platforms
            )
        kind: IncompatibleKind = "only-binary" if sdist_blocker == "only-binary" else "no-build"
        return Incompatible(version, kind, f"{head} and {sdist_part[kind]}", wheel_platforms=wheel_platforms)
    if has_wheel:  # wheels forbidden by --no-binary
        if not has_sdist:
            return Incompatible(
                version, "no-binary", "only wheels and --no-binary", wheel_platforms=wheel_platforms
            )
        blocked: IncompatibleKind = "only-binary" if sdist_blocker == "only-binary" else "no-build"
        return Incompatible(
            version,
            blocked,
            f"--no-binary forbids the wheels and {sdist_part[blocked]}",
            wheel_platforms=wheel_platforms,
        )
    if sdist_blocker == "only-binary":
        return Incompatible(version, "only-binary", "only a source distribution and --only-binary")
    return Incompatible(version, "no-build", "only a source distribution and building is disabled")
