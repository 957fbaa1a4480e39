"""One requirement as a user wrote it: the value type shared by every input.

A requirement is either *named* (a PEP 508 dependency specifier: name, extras,
version specifier, marker, optionally ``name @ URL``) or *unnamed* (a bare URL
or a local path to a project directory, wheel or source archive, as pip and uv
accept them; PEP 440 direct references). Either kind may be editable (PEP 660
installs of a local directory or a VCS checkout), carry ``--hash`` digests
(pip's hash-checking mode) and remembers where it came from for messages.

PEP 440/508 parsing is done by ``packaging``; this module only decides which
kind a piece of text is, splits the pip extensions (``path[extras] ; marker``,
``#egg=name`` fragments) and reports problems as :class:`InputError` with the
column of the problem.

This module is pure: no file is opened, no environment variable read. Relative
paths are joined to a ``base_dir`` the caller gives (the requirements file's
directory, or nothing for command-line arguments, which stay relative to the
current directory).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import NoReturn
from dataclasses import dataclass, field

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import (
    InvalidName,
    NormalizedName,
    canonicalize_name,
    parse_wheel_filename,
)

from puv.errors import InputError
from puv.frozen import Frozen

COMMAND_LINE = "<command line>"
"""The ``source`` of requirements given as command-line arguments."""

STRONG_HASHES: Mapping[str, int] = {"sha256": 64, "sha384": 96, "sha512": 128}
"""Hash algorithms accepted by ``--hash`` (as pip), with their hex digest length."""

VCS_SCHEMES = ("git", "hg", "svn", "bzr")

ARCHIVE_SUFFIXES = (
    ".whl",
    ".zip",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tar.lz",
    ".tar",
)

# Patterns (flags written inline), compiled on first use through ``re.compile``'s
# own cache: compiling them all at import would cost start-up time.
_URL_RE = r"(?a)^[A-Za-z][A-Za-z0-9+.-]*://|^file:"
_NAMED_URL_RE = r"(?a)^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*@"
_EXTRAS_RE = r"(?s)^(?P<location>.*?)\[(?P<extras>[^\[\]]*)\]$"
_URL_MARKER_SEP_RE = r"\s;|;\s"
_SPECIFIER_CHARS_RE = r"[<>=!~]"
_EGG_RE = r"[#&]egg=([^&]*)"
# ``name`` or ``name<op>version``: the common case, handled without the full parser.
_SIMPLE_RE = r"(?a)^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*((?:===?|~=|!=|<=?|>=?)\s*[A-Za-z0-9.*+!]+)?$"
_HEX_RE = r"(?a)^[0-9a-fA-F]+$"


class Origin(Frozen):
    """Where a requirement was written: a file (``-`` for stdin) and a 1-based line."""

    __slots__ = ("source", "lineno")

    source: str
    lineno: int | None

    def __init__(
        self,
        source: str,
        lineno: int | None = None,
    ) -> None:
        init = object.__setattr__
        init(self, "source", source)
        init(self, "lineno", lineno)

    def __str__(self) -> str:
        return self.source if self.lineno is None else f"{self.source}:{self.lineno}"


@dataclass(frozen=True)
class RequirementSpec:
    """One requirement, named or unnamed, with its pip extensions.

    Exactly one of three shapes:

    * named from the index: ``name`` set, ``url`` and ``path`` are ``None``;
    * a direct reference: ``url`` (remote, ``file:`` or VCS URL) or ``path``
      (a local directory or archive, resolved against the including file's
      directory), with ``name`` when it is known without a build (``name @ ...``,
      a wheel's file name or an ``#egg=`` fragment) and ``None`` otherwise.

    ``extras`` are normalised (PEP 685). ``hashes`` are ``"alg:hexdigest"``
    strings, sorted and unique. ``origin`` is ignored by equality so the same
    requirement written twice compares equal; so is ``written``, a ``path``'s
    location exactly as the input spelled it (``./proj``), which `pip compile`
    writes back instead of the absolute path.
    """

    name: str | None = None
    extras: frozenset[NormalizedName] = frozenset()
    specifier: SpecifierSet = field(default_factory=SpecifierSet)
    marker: Marker | None = None
    url: str | None = None
    path: str | None = None
    editable: bool = False
    hashes: tuple[str, ...] = ()
    origin: Origin = field(default=Origin(COMMAND_LINE), compare=False)
    written: str | None = field(default=None, compare=False)

    @property
    def canonical_name(self) -> NormalizedName | None:
        """The PEP 503 normalised name, when the name is known."""
        return None if self.name is None else canonicalize_name(self.name)

    @property
    def is_direct(self) -> bool:
        """True for a URL or a local path (not resolved from an index)."""
        return self.url is not None or self.path is not None

    @property
    def location(self) -> str | None:
        """The URL or path of a direct reference."""
        return self.url if self.url is not None else self.path

    def hashes_by_algorithm(self) -> dict[str, frozenset[str]]:
        """``{"sha256": {hex, ...}, ...}`` built from :attr:`hashes`."""
        found: dict[str, set[str]] = {}
        for item in self.hashes:
            algorithm, _, digest = item.partition(":")
            found.setdefault(algorithm, set()).add(digest)
        return {algorithm: frozenset(digests) for algorithm, digests in found.items()}

    def to_requirement(self) -> Requirement:
        """A ``packaging`` Requirement for a named spec (a fresh object each call)."""
        if self.name is None:
            raise ValueError(f"unnamed requirement has no PEP 508 form: {self}")
        return Requirement(self._pep508())

    def _pep508(self) -> str:
        text = self.name or ""
        if self.extras:
            text += "[" + ",".join(sorted(self.extras)) + "]"
        if self.location is not None:
            text += f" @ {self.location}"
        else:
            text += str(self.specifier)
        if self.marker is not None:
            text += ("; " if self.location is None else " ; ") + str(self.marker)
        return text

    def __str__(self) -> str:
        if self.name is not None and not self.editable:
            return self._pep508()
        text = "-e " if self.editable else ""
        text += self.location or ""
        if self.extras:
            text += "[" + ",".join(sorted(self.extras)) + "]"
        if self.marker is not None:
            text += f" ; {self.marker}"
        return text


def looks_like_url(text: str) -> bool:
    """True for ``scheme://...`` and ``file:...`` (a Windows drive is not a scheme)."""
    match = re.compile(_URL_RE).match(text)
    return match is not None and (match.end() > 5 or text[:5].lower() == "file:")


def is_vcs_url(url: str) -> bool:
    """True for pip's VCS URLs: ``git+https://...``, ``hg+ssh://...``, ..."""
    scheme = url.partition(":")[0].lower()
    return "+" in scheme and scheme.partition("+")[0] in VCS_SCHEMES


def is_archive(location: str) -> bool:
    """True when a path or URL names a wheel or a source archive."""
    tail = location.split("#", 1)[0].split("?", 1)[0].lower()
    return tail.endswith(ARCHIVE_SUFFIXES)


def is_wheel(location: str) -> bool:
    """True when a path or URL names a wheel (``.whl``, ignoring query and fragment)."""
    return location.split("#", 1)[0].split("?", 1)[0].lower().endswith(".whl")


def looks_like_path(text: str) -> bool:
    """pip's and uv's test for a local path in a requirement (before any marker)."""
    head = text.split(";", 1)[0].strip()
    return (
        "/" in head
        or "\\" in head
        or head.startswith((".", "~"))
        or is_archive(re.compile(_EXTRAS_RE).sub(r"\g<location>", head))
    )


def parse_requirement(
    text: str,
    *,
    origin: Origin = Origin(COMMAND_LINE),
    base_dir: str = "",
    editable: bool = False,
    hashes: Iterable[str] = (),
    exists: Callable[[str], bool] | None = None,
) -> RequirementSpec:
    """Parse one requirement (named, URL or path), as in a requirements file line.

    ``base_dir`` anchors relative paths (uv's rule: relative to the file that
    names them; pass ``""`` to keep them as written, relative to the current
    directory, as for command-line arguments). ``exists`` lets a bare word that
    names an existing directory be taken as a path (``mypkg`` as well as
    ``./mypkg``). Errors are :class:`InputError` with ``line=text`` and the
    0-based ``column`` of the problem.
    """
    hashes_tuple = tuple(sorted(set(hashes)))
    stripped = text.strip()
    if not editable and exists is None:
        simple = re.compile(_SIMPLE_RE).match(stripped)
        if simple is not None and (simple.group(2) or not is_archive(stripped)):
            try:
                specifier = SpecifierSet(simple.group(2) or "")
            except InvalidSpecifier:
                pass  # the full parser reports it, with its position
            else:
                return RequirementSpec(
                    name=simple.group(1), specifier=specifier, hashes=hashes_tuple, origin=origin
                )
    offset = len(text) - len(text.lstrip())
    parser = _SpecParser(text, origin, base_dir)
    if not stripped:
        parser.fail("empty requirement", 0)
    if editable:
        return parser.editable(stripped, offset, hashes_tuple)
    if re.compile(_NAMED_URL_RE).match(stripped) is None and (
        looks_like_url(stripped)
        or looks_like_path(stripped)
        or (
            exists is not None
            and re.compile(_SPECIFIER_CHARS_RE).search(stripped) is None
            and exists(_split_marker(stripped, ";")[0].strip())
        )
    ):
        return parser.unnamed(stripped, offset, hashes_tuple, editable=False)
    return parser.named(stripped, offset, hashes_tuple)


def parse_pep508(text: str, *, origin: Origin, base_dir: str = "") -> RequirementSpec:
    """Parse a PEP 508 string only (as in pyproject.toml): no bare paths or URLs."""
    stripped = text.strip()
    parser = _SpecParser(text, origin, base_dir)
    if not stripped:
        parser.fail("empty requirement", 0)
    return parser.named(stripped, len(text) - len(text.lstrip()), ())


def parse_requirement_arg(
    arg: str,
    *,
    editable: bool = False,
    exists: Callable[[str], bool] | None = None,
) -> RequirementSpec:
    """Parse one command-line argument: ``'flask>=2'``, ``./proj``, a URL, ``-e DIR``.

    Relative paths stay relative (to the current directory, as pip does).
    ``exists`` is consulted only for a bare word that could be either a name or
    a directory. Errors name the argument.
    """
    try:
        return parse_requirement(arg, editable=editable, exists=exists)
    except InputError as error:
        shown = f"-e {arg}" if editable else arg
        message = error.message.removeprefix("invalid requirement: ")
        column = None if error.column is None else error.column + (3 if editable else 0)
        raise InputError(
            f"invalid requirement `{shown}`: {message}",
            source=COMMAND_LINE,
            line=shown,
            column=column,
            hints=error.hints,
        ) from None


def validate_hash(value: str) -> str:
    """Check one ``--hash`` value (``alg:hexdigest``); return it lower-cased.

    Raises ValueError with a user-facing message (the caller adds the location).
    """
    algorithm, sep, digest = value.partition(":")
    algorithm = algorithm.lower()
    if not sep or not algorithm or not digest:
        raise ValueError(f"--hash expects ALGORITHM:HEXDIGEST, got `{value}`")
    expected = STRONG_HASHES.get(algorithm)
    if expected is None:
        raise ValueError(
            f"unsupported hash algorithm `{algorithm}` in --hash "
            f"(allowed: {', '.join(STRONG_HASHES)})"
        )
    if re.compile(_HEX_RE).match(digest) is None or len(digest) != expected:
        raise ValueError(
            f"--hash {algorithm} digest must be {expected} hexadecimal characters, got `{digest}`"
        )
    return f"{algorithm}:{digest.lower()}"


def _split_marker(text: str, separator: str) -> tuple[str, str | None, int]:
    """Split ``location ; marker``; return (location, marker, marker column)."""
    if separator == ";":
        index = text.find(";")
        if index < 0:
            return text, None, -1
        return text[:index], text[index + 1 :], index + 1
    match = re.compile(_URL_MARKER_SEP_RE).search(text)
    if match is None:
        return text, None, -1
    index = text.index(";", match.start())
    return text[:index], text[index + 1 :], index + 1


def _lower_first(message: str) -> str:
    return message[:1].lower() + message[1:]


def _packaging_column(error: ValueError) -> tuple[str, int | None]:
    """The message of a packaging parse error and the column of its problem.

    The problem is where packaging puts its ``^``: the end of the error's span
    (``foo>=1 extra`` fails at ``extra``, not at ``>=``, where the span starts).
    packaging >= 26.4 gives ``message`` and ``span``; older releases only put a
    ``~~~^`` line under the text in ``str(error)``, which is read instead.
    """
    span = getattr(error, "span", None)
    message = getattr(error, "message", None)
    if isinstance(span, tuple) and isinstance(message, str):
        return message, span[-1]
    lines = str(error).split("\n")
    if len(lines) >= 3:
        marks = lines[-1]
        stripped = marks.lstrip(" ")
        indent = len(lines[1]) - len(lines[1].lstrip(" "))
        if stripped and set(stripped) <= {"~", "^"} and "^" in stripped:
            return lines[0], marks.index("^") - indent
    return lines[0], None


class _SpecParser(Frozen):
    """Parsing helpers that share the text being parsed (for error columns)."""

    __slots__ = ("text", "origin", "base_dir")

    text: str
    origin: Origin
    base_dir: str

    def __init__(
        self,
        text: str,
        origin: Origin,
        base_dir: str,
    ) -> None:
        init = object.__setattr__
        init(self, "text", text)
        init(self, "origin", origin)
        init(self, "base_dir", base_dir)

    def fail(self, message: str, column: int | None, hints: Iterable[str] = ()) -> NoReturn:
        raise InputError(
            message,
            source=self.origin.source,
            lineno=self.origin.lineno,
            line=self.text,
            column=column,
            hints=tuple(hints),
        )

    def named(self, text: str, offset: int, hashes: tuple[str, ...]) -> RequirementSpec:
        try:
            requirement = Requirement(text)
        except InvalidRequirement as error:
            message, column = _packaging_column(error)
            hints: list[str] = []
            if text.startswith("-"):
                hints.append("options start a line of their own; is this an option puv knows?")
            self.fail(
                f"invalid requirement: {_lower_first(message)}",
                None if column is None else column + offset,
                hints,
            )
        url = requirement.url
        path = written = None
        name: str | None = requirement.name
        if url is not None and not looks_like_url(url):
            path, written, url = self._resolve(url), url, None
        location = url or path
        if location is not None and is_wheel(location):
            wheel_name = self._wheel_name(location, text, offset)
            if wheel_name != canonicalize_name(requirement.name):
                self.fail(
                    f"the wheel's name `{wheel_name}` does not match the requirement's "
                    f"name `{requirement.name}`",
                    offset + text.find("@") + 1,
                )
        return RequirementSpec(
            name=name,
            extras=frozenset(canonicalize_name(extra) for extra in requirement.extras),
            specifier=requirement.specifier,
            marker=requirement.marker,
            url=url,
            path=path,
            hashes=hashes,
            origin=self.origin,
            written=written,
        )

    def unnamed(
        self, text: str, offset: int, hashes: tuple[str, ...], *, editable: bool
    ) -> RequirementSpec:
        is_url = looks_like_url(text)
        location, marker_text, marker_column = _split_marker(text, "; " if is_url else ";")
        marker = None
        if marker_text is not None:
            marker = self._marker(marker_text, offset + marker_column)
        location = location.rstrip()
        extras: frozenset[NormalizedName] = frozenset()
        match = re.compile(_EXTRAS_RE).match(location)
        if match is not None:
            location = match.group("location")
            extras = self._extras(match.group("extras"), offset + match.start("extras"))
        if not location:
            self.fail("expected a URL or a path before the extras or marker", offset)
        name: str | None = None
        if is_url:
            egg = re.compile(_EGG_RE).search(location)
            if egg is not None:
                name = self._egg_name(egg.group(1), offset + egg.start(1))
            if editable and not (is_vcs_url(location) or location.lower().startswith("file:")):
                self.fail(
                    f"`{location}` is not a valid editable requirement",
                    offset,
                    [
                        "an editable requirement must be a local directory or a VCS URL "
                        "(git+https://..., hg+..., svn+..., bzr+...)"
                    ],
                )
            url: str | None = location
            path: str | None = None
        else:
            url, path = None, self._resolve(location)
        if editable and is_archive(location):
            self.fail(
                f"`{location}` is not a valid editable requirement: an archive cannot be "
                "installed in editable mode",
                offset,
                ["an editable requirement must be a local directory or a VCS URL"],
            )
        if not editable and is_wheel(location):
            name = self._wheel_name(location, text, offset)
        return RequirementSpec(
            name=name,
            extras=extras,
            marker=marker,
            url=url,
            path=path,
            editable=editable,
            hashes=hashes,
            origin=self.origin,
            written=location if path is not None else None,
        )

    def editable(self, text: str, offset: int, hashes: tuple[str, ...]) -> RequirementSpec:
        if not looks_like_url(text):
            head = _split_marker(text, ";")[0]
            bad = re.compile(_SPECIFIER_CHARS_RE).search(head)
            if bad is not None or "@" in head:
                self.fail(
                    f"`{text}` is not a valid editable requirement",
                    offset + (bad.start() if bad is not None else head.index("@")),
                    [
                        "an editable requirement must be a local directory or a VCS URL; "
                        "a version specifier cannot be installed in editable mode"
                    ],
                )
        return self.unnamed(text, offset, hashes, editable=True)

    def _marker(self, text: str, column: int) -> Marker:
        stripped = text.strip()
        if not stripped:
            self.fail("expected a marker after `;`", column - 1)
        try:
            return Marker(stripped)
        except InvalidMarker as error:
            message, inner = _packaging_column(error)
            start = column + len(text) - len(text.lstrip())
            self.fail(f"invalid marker: {_lower_first(message)}", start + (inner or 0))

    def _extras(self, text: str, column: int) -> frozenset[NormalizedName]:
        found: set[NormalizedName] = set()
        position = 0
        for part in text.split(","):
            name = part.strip()
            try:
                found.add(canonicalize_name(name, validate=True))
            except InvalidName:
                inner = position + len(part) - len(part.lstrip())
                self.fail(f"invalid extra name `{name}`", column + inner)
            position += len(part) + 1
        return frozenset(found)

    def _egg_name(self, egg: str, column: int) -> str:
        name = egg.split("[", 1)[0].strip()
        try:
            canonicalize_name(name, validate=True)
        except InvalidName:
            self.fail(f"invalid project name `{egg}` in #egg= fragment", column)
        return name

    def _wheel_name(self, location: str, text: str, offset: int) -> NormalizedName:
        tail = location.split("#", 1)[0].split("?", 1)[0]
        filename = tail.replace("\\", "/").rsplit("/", 1)[-1]
        if "%" in filename:
            from urllib.parse import unquote

            filename = unquote(filename)
        try:
            return parse_wheel_filename(filename)[0]
        except ValueError as error:  # InvalidWheelFilename, or a version int() refuses
            self.fail(f"invalid wheel filename `{filename}`: {error}", offset + text.find(filename))

    def _resolve(self, path: str) -> str:
        if not self.base_dir or os.path.isabs(path) or path.startswith("~"):
            return path
        return os.path.normpath(os.path.join(self.base_dir, path))
