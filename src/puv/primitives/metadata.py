"""Core metadata (METADATA / PKG-INFO, versions 1.0-2.4), wheel WHEEL files and entry points.

Core metadata is a block of RFC 822 style headers, optionally followed by a
blank line and the long description. The :mod:`email` parser handles it but
is slow, so :func:`parse_headers` is a small reader of our own:

* ``Name: value`` lines; a line starting with a space or tab continues the
  previous value; CRLF and LF line ends both work;
* the first empty line ends the headers (the description body is not read);
* as in :mod:`email`, a line that is neither a header nor a continuation also
  ends the headers;
* bytes are UTF-8; undecodable bytes survive as surrogate escapes.

:func:`parse_metadata` turns the headers into :class:`CoreMetadata`, parsing
``Requires-Dist`` (PEP 508), ``Requires-Python`` (PEP 440) and normalising
``Provides-Extra`` (PEP 685). A metadata major version above 2 is refused,
as the core metadata specification requires.

:func:`parse_wheel_info` reads ``.dist-info/WHEEL`` (PEP 427/491) and
:func:`parse_entry_points` reads ``entry_points.txt`` (the entry points
specification), both without :mod:`configparser`.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from puv.errors import MetadataError
from puv.frozen import Frozen
from puv.primitives.specifiers import lenient_specifier_set

#: Highest core metadata version this module was written for.
SUPPORTED_METADATA_VERSION = (2, 4)

Headers = tuple[tuple[str, str], ...]


# --------------------------------------------------------------------------- headers


def decode_text(data: bytes | str) -> str:
    """UTF-8 (a leading BOM dropped), undecodable bytes kept as surrogate escapes."""
    if isinstance(data, str):
        return data
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "surrogateescape")


def _header_block(text: str) -> str:
    """The text before the first empty line (the headers)."""
    end = text.find("\n\n")
    crlf = text.find("\n\r\n")
    if crlf >= 0 and (end < 0 or crlf < end):
        end = crlf
    if text.startswith(("\n", "\r\n")):
        return ""
    return text if end < 0 else text[:end]


def parse_headers(data: bytes | str) -> Headers:
    """``(name, value)`` pairs in file order; continuation lines joined with ``\\n``.

    Names keep their spelling; compare them case-insensitively.
    """
    block = _header_block(decode_text(data))
    headers: list[list[str]] = []
    for line in block.split("\n"):
        if line.endswith("\r"):
            line = line[:-1]
        if not line:
            break
        if line[0] in " \t":
            if headers:
                headers[-1][1] += "\n" + line.strip()
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            break  # not a header: what follows is body, as the email parser does
        headers.append([name, value.strip()])
    return tuple((name, value) for name, value in headers)


def _unfold(value: str) -> str:
    return " ".join(value.split()) if "\n" in value else value


# --------------------------------------------------------------------------- core metadata


class CoreMetadata(Frozen):
    """The fields of core metadata that puv uses.

    ``name`` is spelled as in the file (see :attr:`canonical_name`);
    ``provides_extra`` is normalised (PEP 685); ``dynamic`` is lowercased.
    ``project_urls`` holds ``(label, url)`` pairs.
    """

    __slots__ = (
        "metadata_version", "name", "version", "requires_dist", "requires_python", "provides_extra", "dynamic",
        "summary", "home_page", "author", "author_email", "maintainer", "maintainer_email", "license",
        "license_expression", "classifiers", "project_urls", "description_content_type",
    )

    metadata_version: str
    name: str
    version: Version
    requires_dist: tuple[Requirement, ...]
    requires_python: SpecifierSet | None
    provides_extra: tuple[NormalizedName, ...]
    dynamic: tuple[str, ...]
    summary: str | None
    home_page: str | None
    author: str | None
    author_email: str | None
    maintainer: str | None
    maintainer_email: str | None
    license: str | None
    license_expression: str | None
    classifiers: tuple[str, ...]
    project_urls: tuple[tuple[str, str], ...]
    description_content_type: str | None

    def __init__(
        self,
        metadata_version: str,
        name: str,
        version: Version,
        requires_dist: tuple[Requirement, ...] = (),
        requires_python: SpecifierSet | None = None,
        provides_extra: tuple[NormalizedName, ...] = (),
        dynamic: tuple[str, ...] = (),
        summary: str | None = None,
        home_page: str | None = None,
        author: str | None = None,
        author_email: str | None = None,
        maintainer: str | None = None,
        maintainer_email: str | None = None,
        license: str | None = None,
        license_expression: str | None = None,
        classifiers: tuple[str, ...] = (),
        project_urls: tuple[tuple[str, str], ...] = (),
        description_content_type: str | None = None,
    ) -> None:
        init = object.__setattr__
        init(self, "metadata_version", metadata_version)
        init(self, "name", name)
        init(self, "version", version)
        init(self, "requires_dist", requires_dist)
        init(self, "requires_python", requires_python)
        init(self, "provides_extra", provides_extra)
        init(self, "dynamic", dynamic)
        init(self, "summary", summary)
        init(self, "home_page", home_page)
        init(self, "author", author)
        init(self, "author_email", author_email)
        init(self, "maintainer", maintainer)
        init(self, "maintainer_email", maintainer_email)
        init(self, "license", license)
        init(self, "license_expression", license_expression)
        init(self, "classifiers", classifiers)
        init(self, "project_urls", project_urls)
        init(self, "description_content_type", description_content_type)

    @property
    def canonical_name(self) -> NormalizedName:
        """The PEP 503 normalised name."""
        return canonicalize_name(self.name)


_SINGLE = {
    "summary": "summary",
    "home-page": "home_page",
    "author": "author",
    "author-email": "author_email",
    "maintainer": "maintainer",
    "maintainer-email": "maintainer_email",
    "license": "license",
    "license-expression": "license_expression",
    "description-content-type": "description_content_type",
}


def _number(text: str) -> int | None:
    """``text`` of ASCII digits as an int; None otherwise (``²``, too many digits for int())."""
    if not (text.isascii() and text.isdigit()):
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _check_metadata_version(value: str, source: str) -> None:
    major = _number(value.partition(".")[0].strip())
    if major is None:
        raise MetadataError(
            f"invalid Metadata-Version `{value}` in {source}",
            source=source,
            line=f"Metadata-Version: {value}",
        )
    if major > SUPPORTED_METADATA_VERSION[0]:
        raise MetadataError(
            f"{source} uses Metadata-Version {value}, which puv does not support",
            source=source,
            line=f"Metadata-Version: {value}",
            hints=("upgrade puv",),
        )


def parse_metadata(
    data: bytes | str,
    *,
    source: str | None = None,
    parsed: MutableMapping[str, Requirement | SpecifierSet] | None = None,
) -> CoreMetadata:
    """Parse METADATA / PKG-INFO. ``source`` names the input in errors (a file or URL).

    ``parsed`` is a memo of Requires-Dist and Requires-Python texts already parsed,
    shared by the caller across many files of one run (hundreds of versions of a
    project repeat the same lines). The values in it are shared between the
    metadata objects returned: treat them as read-only.
    """
    where = source or "metadata"
    metadata_version: str | None = None
    name: str | None = None
    version_text: str | None = None
    requires_dist: list[str] = []
    requires_python: str | None = None
    extras: list[NormalizedName] = []
    dynamic: list[str] = []
    classifiers: list[str] = []
    urls: list[tuple[str, str]] = []
    single: dict[str, str] = {}
    for raw_name, value in parse_headers(data):
        key = raw_name.lower()
        if key == "requires-dist":
            requires_dist.append(_unfold(value))
        elif key == "provides-extra":
            extras.append(canonicalize_name(_unfold(value)))
        elif key == "classifier":
            classifiers.append(_unfold(value))
        elif key == "name":
            name = _unfold(value)
        elif key == "version":
            version_text = _unfold(value)
        elif key == "metadata-version":
            metadata_version = _unfold(value)
        elif key == "requires-python":
            requires_python = _unfold(value)
        elif key == "dynamic":
            dynamic.append(_unfold(value).lower())
        elif key == "project-url":
            label, _, url = _unfold(value).partition(",")
            urls.append((label.strip(), url.strip()))
        elif key in _SINGLE and key not in single:
            single[key] = value
    if metadata_version is not None:
        _check_metadata_version(metadata_version, where)
    if not name:
        raise MetadataError(f"{where} has no `Name` field", source=where)
    if not version_text:
        raise MetadataError(f"the metadata of `{name}` has no `Version` field", source=where)
    try:
        version = Version(version_text)
    except ValueError:  # InvalidVersion, or a release number too long for int()
        raise MetadataError(
            f"the metadata of `{name}` has an invalid version `{version_text}`",
            source=where,
            line=f"Version: {version_text}",
            hints=("versions must follow PEP 440",),
        ) from None
    label = f"{name} {version_text}"
    specifiers: SpecifierSet | None = None
    if requires_python:
        try:
            known = parsed.get("python:" + requires_python) if parsed is not None else None
            if isinstance(known, SpecifierSet):
                specifiers = known
            else:
                specifiers = lenient_specifier_set(requires_python)
                if parsed is not None:
                    parsed["python:" + requires_python] = specifiers
        except InvalidSpecifier as exc:
            raise MetadataError(
                f"the metadata of `{label}` has an invalid Requires-Python: {exc}",
                source=where,
                line=f"Requires-Python: {requires_python}",
            ) from None
    requirements: list[Requirement] = []
    for line in requires_dist:
        try:
            requirement = parsed.get(line) if parsed is not None else None
            if not isinstance(requirement, Requirement):
                requirement = Requirement(line)
                if parsed is not None:
                    parsed[line] = requirement
            requirements.append(requirement)
        except InvalidRequirement as exc:
            raise MetadataError(
                f"the metadata of `{label}` has an invalid Requires-Dist `{line}`",
                source=where,
                line=f"Requires-Dist: {line}",
                hints=(str(exc).splitlines()[0],),
            ) from None
    return CoreMetadata(
        metadata_version=metadata_version or "1.0",
        name=name,
        version=version,
        requires_dist=tuple(requirements),
        requires_python=specifiers,
        provides_extra=tuple(dict.fromkeys(extras)),
        dynamic=tuple(dynamic),
        summary=single.get("summary"),
        home_page=single.get("home-page"),
        author=single.get("author"),
        author_email=single.get("author-email"),
        maintainer=single.get("maintainer"),
        maintainer_email=single.get("maintainer-email"),
        license=single.get("license"),
        license_expression=single.get("license-expression"),
        classifiers=tuple(classifiers),
        project_urls=tuple(urls),
        description_content_type=single.get("description-content-type"),
    )


# --------------------------------------------------------------------------- WHEEL


class WheelInfo(Frozen):
    """The ``.dist-info/WHEEL`` file (PEP 427/491)."""

    __slots__ = ("wheel_version", "root_is_purelib", "tags", "build", "generator")

    wheel_version: tuple[int, int]
    root_is_purelib: bool
    tags: tuple[str, ...]
    build: str | None
    generator: str | None

    def __init__(
        self,
        wheel_version: tuple[int, int],
        root_is_purelib: bool,
        tags: tuple[str, ...] = (),
        build: str | None = None,
        generator: str | None = None,
    ) -> None:
        init = object.__setattr__
        init(self, "wheel_version", wheel_version)
        init(self, "root_is_purelib", root_is_purelib)
        init(self, "tags", tags)
        init(self, "build", build)
        init(self, "generator", generator)


#: Highest Wheel-Version major this installer understands.
SUPPORTED_WHEEL_MAJOR = 1


def parse_wheel_info(data: bytes | str, *, source: str | None = None) -> WheelInfo:
    """Parse a WHEEL file; a missing or newer-major ``Wheel-Version`` is an error.

    ``Root-Is-Purelib`` defaults to false when absent, as pip does.
    """
    where = source or "WHEEL"
    wheel_version: str | None = None
    purelib = False
    tags: list[str] = []
    build: str | None = None
    generator: str | None = None
    for raw_name, value in parse_headers(data):
        key = raw_name.lower()
        value = _unfold(value)
        if key == "wheel-version":
            wheel_version = value
        elif key == "root-is-purelib":
            purelib = value.lower() == "true"
        elif key == "tag":
            tags.append(value)
        elif key == "build":
            build = value
        elif key == "generator":
            generator = value
    if wheel_version is None:
        raise MetadataError(f"{where} has no `Wheel-Version`", source=where)
    major_text, _, minor_text = wheel_version.partition(".")
    major, minor = _number(major_text), _number(minor_text or "0")
    if major is None or minor is None:
        raise MetadataError(
            f"{where} has an invalid Wheel-Version `{wheel_version}`",
            source=where,
            line=f"Wheel-Version: {wheel_version}",
        )
    if major > SUPPORTED_WHEEL_MAJOR:
        raise MetadataError(
            f"{where} has Wheel-Version {wheel_version}; puv supports 1.x",
            source=where,
            line=f"Wheel-Version: {wheel_version}",
            hints=("upgrade puv, or install an older build of this package",),
        )
    return WheelInfo((major, minor), purelib, tuple(tags), build, generator)


# --------------------------------------------------------------------------- entry points

# Compiled on first use (through ``re.compile``'s own cache), not at import.
_OBJECT_REF = r"(?P<module>[\w.]+)\s*(?::\s*(?P<attr>[\w.]+)\s*)?(?:\[(?P<extras>[^\]]*)\]\s*)?"


class ObjectRef(Frozen):
    """``module:attr [extras]`` — what an entry point points at."""

    __slots__ = ("module", "attr", "extras")

    module: str
    attr: str | None
    extras: tuple[str, ...]

    def __init__(
        self,
        module: str,
        attr: str | None,
        extras: tuple[str, ...] = (),
    ) -> None:
        init = object.__setattr__
        init(self, "module", module)
        init(self, "attr", attr)
        init(self, "extras", extras)


class EntryPoint(Frozen):
    """One ``name = value`` line of a group (``[console_scripts]`` ...)."""

    __slots__ = ("group", "name", "value")

    group: str
    name: str
    value: str

    def __init__(
        self,
        group: str,
        name: str,
        value: str,
    ) -> None:
        init = object.__setattr__
        init(self, "group", group)
        init(self, "name", name)
        init(self, "value", value)

    def object_ref(self) -> ObjectRef:
        """Split :attr:`value`; raises MetadataError when it is not an object reference."""
        match = re.compile(_OBJECT_REF).fullmatch(self.value.strip())
        if match is None:
            raise MetadataError(
                f"entry point `{self.name}` in group `{self.group}` has an invalid "
                f"object reference `{self.value}`",
                line=f"{self.name} = {self.value}",
                hints=("expected `module:attribute` or `module:attribute [extras]`",),
            )
        extras_text = match.group("extras")
        extras = (
            tuple(e.strip() for e in extras_text.split(",") if e.strip()) if extras_text else ()
        )
        return ObjectRef(match.group("module"), match.group("attr"), extras)


def parse_entry_points(data: bytes | str, *, source: str | None = None) -> tuple[EntryPoint, ...]:
    """Parse ``entry_points.txt``: INI sections of ``name = value`` lines.

    Comments start with ``#`` or ``;``; names keep their case; an indented line
    continues the previous value. A line outside any section, or without ``=``,
    is an error.
    """
    where = source or "entry_points.txt"
    found: list[list[str]] = []
    group: str | None = None
    for raw in decode_text(data).split("\n"):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if line[0] in " \t" and found and group is not None:
            found[-1][2] = found[-1][2] + " " + stripped
            continue
        if stripped[0] == "[":
            if not stripped.endswith("]"):
                raise MetadataError(
                    f"{where}: invalid section header `{stripped}`", source=where, line=raw
                )
            group = stripped[1:-1].strip()
            continue
        name, sep, value = stripped.partition("=")
        if not sep or group is None or not name.strip():
            raise MetadataError(
                f"{where}: expected `name = value` inside a `[group]`, got `{stripped}`",
                source=where,
                line=raw,
            )
        found.append([group, name.strip(), value.strip()])
    return tuple(EntryPoint(g, n, v) for g, n, v in found)
