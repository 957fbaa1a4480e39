"""Requirements files: pip's whole ``requirements.txt`` format, parsed without IO.

The format is pip's ("Requirements File Format" in pip's user guide), which uv
also reads:

* one requirement per line (PEP 508, ``name @ URL``, a bare URL or a local
  path, with ``[extras]`` and ``; marker``), optionally followed by per-line
  options (``--hash=alg:hex``; ``--config-settings`` / ``--global-option`` are
  accepted and ignored with a warning);
* option lines: ``-r`` / ``-c`` (nested files, relative to the including
  file), ``-e``, ``-i/--index-url``, ``--extra-index-url``, ``-f/--find-links``,
  ``--no-index``, ``--trusted-host``, ``--pre``, ``--only-binary``,
  ``--no-binary``, ``--prefer-binary``, ``--require-hashes``; ``--use-feature``
  is accepted with a warning; anything else is an error;
* ``#`` starts a comment at the start of a line or after whitespace (so
  ``#egg=`` and ``#sha256=`` URL fragments survive); a trailing backslash joins
  the next line; ``${NAME}`` (upper-case letters, digits, ``_``) expands from
  the given environment, unknown names stay as written.

Where pip and uv differ this follows uv: relative paths in a file (requirements,
``-e``, ``--find-links``) are relative to that file's directory, not to the
current directory; everything reached from a ``-c`` file (including through
``-r``) is a constraint; two different ``--index-url`` values are an error.

Errors are :class:`InputError` naming the physical file and line, showing that
line (as written, before ``${}`` expansion, so secrets in variables are not
printed) with the column of the problem.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import NamedTuple, NoReturn

from packaging.utils import InvalidName, canonicalize_name

from puv.errors import InputError
from puv.frozen import Frozen
from puv.primitives.requirement_spec import (
    Origin,
    RequirementSpec,
    looks_like_url,
    parse_requirement,
    validate_hash,
)

STDIN = "-"
"""The ``source`` of a requirements file read from standard input."""

ALL = ":all:"
NONE = ":none:"

# Patterns (flags written inline), compiled on first use through ``re.compile``'s own cache.
_ENV_RE = r"\$\{(?P<name>[^}\s]*)(?P<close>\}?)"
_VALID_ENV_NAME_RE = r"(?a)^[A-Z0-9_]+$"
_COMMENT_RE = r"(?:^|\s)#"
_TOKEN_RE = r"\S+"
_OPTION_START_RE = r"\s-"


class FormatControl(Frozen):
    """pip's ``--no-binary`` / ``--only-binary`` sets, with ``:all:`` / ``:none:``.

    Each set holds canonical names or ``:all:``. Naming a package in one set
    removes it from the other; ``:all:`` empties the other set; ``:none:``
    empties this one. (A :class:`~puv.frozen.Frozen` value: the values of this
    module are on the start-up path of `pip install`.)
    """

    __slots__ = ("no_binary", "only_binary")

    no_binary: frozenset[str]
    only_binary: frozenset[str]

    def __init__(self, no_binary: frozenset[str] = frozenset(), only_binary: frozenset[str] = frozenset()) -> None:
        init = object.__setattr__
        init(self, "no_binary", no_binary)
        init(self, "only_binary", only_binary)

    def with_no_binary(self, value: str) -> FormatControl:
        """Apply one ``--no-binary VALUE`` (comma-separated names)."""
        target, other = _apply_format_value(value, self.no_binary, self.only_binary)
        return FormatControl(no_binary=target, only_binary=other)

    def with_only_binary(self, value: str) -> FormatControl:
        """Apply one ``--only-binary VALUE`` (comma-separated names)."""
        target, other = _apply_format_value(value, self.only_binary, self.no_binary)
        return FormatControl(no_binary=other, only_binary=target)

    def allows_binary(self, name: str) -> bool:
        """May a wheel of ``name`` be used?"""
        key = canonicalize_name(name)
        if key in self.only_binary:
            return True
        if key in self.no_binary:
            return False
        return ALL not in self.no_binary or ALL in self.only_binary

    def allows_source(self, name: str) -> bool:
        """May a source distribution of ``name`` be used?"""
        key = canonicalize_name(name)
        if key in self.only_binary:
            return False
        if key in self.no_binary:
            return True
        return ALL not in self.only_binary


def _apply_format_value(
    value: str, target: frozenset[str], other: frozenset[str]
) -> tuple[frozenset[str], frozenset[str]]:
    if not value or value.startswith("-"):
        raise ValueError(f"expected package names, `{ALL}` or `{NONE}`, got `{value}`")
    new_target, new_other = set(target), set(other)
    for raw in value.split(","):
        item = raw.strip()
        if item == ALL:
            new_other.clear()
            new_target = {ALL}
        elif item == NONE:
            new_target.clear()
        else:
            try:
                name = canonicalize_name(item, validate=True)
            except InvalidName:
                raise ValueError(f"invalid package name `{item}`") from None
            new_other.discard(name)
            new_target.add(name)
    return frozenset(new_target), frozenset(new_other)


class IndexOptions(Frozen):
    """Index and selection options collected from requirements files, in file order."""

    __slots__ = (
        "index_url", "extra_index_urls", "find_links", "no_index", "trusted_hosts", "pre", "format_control",
        "prefer_binary", "require_hashes",
    )

    index_url: str | None
    extra_index_urls: tuple[str, ...]
    find_links: tuple[str, ...]
    no_index: bool
    trusted_hosts: tuple[str, ...]
    pre: bool
    format_control: FormatControl
    prefer_binary: bool
    require_hashes: bool

    def __init__(
        self,
        index_url: str | None = None,
        extra_index_urls: tuple[str, ...] = (),
        find_links: tuple[str, ...] = (),
        no_index: bool = False,
        trusted_hosts: tuple[str, ...] = (),
        pre: bool = False,
        format_control: FormatControl = FormatControl(),
        prefer_binary: bool = False,
        require_hashes: bool = False,
    ) -> None:
        init = object.__setattr__
        init(self, "index_url", index_url)
        init(self, "extra_index_urls", extra_index_urls)
        init(self, "find_links", find_links)
        init(self, "no_index", no_index)
        init(self, "trusted_hosts", trusted_hosts)
        init(self, "pre", pre)
        init(self, "format_control", format_control)
        init(self, "prefer_binary", prefer_binary)
        init(self, "require_hashes", require_hashes)


class RequirementsFile(Frozen):
    """Everything one requirements file (and the files it includes) asks for.

    ``requirements`` and ``constraints`` keep file order with exact duplicates
    removed; editables are the specs with ``editable=True``. ``files`` lists
    every file read (the top one first). ``warnings`` are ready-to-print
    ``file:line: text`` strings for options puv accepts but ignores.
    """

    __slots__ = ("source", "requirements", "constraints", "options", "files", "warnings")

    source: str
    requirements: tuple[RequirementSpec, ...]
    constraints: tuple[RequirementSpec, ...]
    options: IndexOptions
    files: tuple[str, ...]
    warnings: tuple[str, ...]

    def __init__(
        self,
        source: str,
        requirements: tuple[RequirementSpec, ...] = (),
        constraints: tuple[RequirementSpec, ...] = (),
        options: IndexOptions = IndexOptions(),
        files: tuple[str, ...] = (),
        warnings: tuple[str, ...] = (),
    ) -> None:
        init = object.__setattr__
        init(self, "source", source)
        init(self, "requirements", requirements)
        init(self, "constraints", constraints)
        init(self, "options", options)
        init(self, "files", files)
        init(self, "warnings", warnings)

    @property
    def editables(self) -> tuple[RequirementSpec, ...]:
        """The ``-e`` requirements, in order."""
        return tuple(spec for spec in self.requirements if spec.editable)


Reader = Callable[[str], str]
"""Loads an included file (a path, relative to the current directory, or a URL)."""


def parse_requirements(
    text: str,
    source: str,
    *,
    read: Reader,
    environ: Mapping[str, str],
) -> RequirementsFile:
    """Parse the text of a requirements file named ``source`` (``-`` for stdin).

    ``read`` loads files named by ``-r`` / ``-c`` (it may raise ``OSError``);
    ``environ`` supplies ``${NAME}`` values.
    """
    collector = _Collector(read=read, environ=environ)
    collector.parse(text, source, constraint=False, stack=(_file_key(source),))
    return collector.result(source)


def load_requirements(
    source: str, *, read: Reader, environ: Mapping[str, str]
) -> RequirementsFile:
    """Read ``source`` with ``read`` and parse it; a missing file is an InputError."""
    try:
        text = read(source)
    except OSError as error:
        raise InputError(
            f"cannot read requirements file `{source}`: {error.strerror or error}",
            source=source,
        ) from None
    return parse_requirements(text, source, read=read, environ=environ)


# --- lines ---------------------------------------------------------------------


class _Piece(NamedTuple):
    """One physical line's share of a logical line."""

    start: int  # column of this piece within the logical line
    lineno: int
    raw: str  # the physical line as written


class _Line(Frozen):
    """A logical line: continuations joined, comment removed, ``${}`` expanded."""

    __slots__ = ("source", "lineno", "text", "pieces", "expanded", "substitutions")

    source: str
    lineno: int
    text: str  # as written (joined, comment stripped)
    pieces: tuple[_Piece, ...]
    expanded: str
    # (start, end) in ``expanded`` and (start, end) of the ``${NAME}`` in ``text``
    substitutions: tuple[tuple[int, int, int, int], ...]

    def __init__(
        self,
        source: str,
        lineno: int,
        text: str,
        pieces: tuple[_Piece, ...],
        expanded: str,
        substitutions: tuple[tuple[int, int, int, int], ...] = (),
    ) -> None:
        init = object.__setattr__
        init(self, "source", source)
        init(self, "lineno", lineno)
        init(self, "text", text)
        init(self, "pieces", pieces)
        init(self, "expanded", expanded)
        init(self, "substitutions", substitutions)

    def written_column(self, column: int) -> int:
        """Map a column of ``expanded`` back to ``text`` (inside a value: its ``${``)."""
        shift = 0
        for start, end, written_start, written_end in self.substitutions:
            if column < start:
                break
            if column < end:
                return written_start
            shift += (end - start) - (written_end - written_start)
        return column - shift

    def fail(
        self, message: str, column: int | None, hints: Iterable[str] = ()
    ) -> NoReturn:
        """Raise an InputError pointing at ``column`` of the expanded line."""
        if column is None:
            piece = self.pieces[0]
            raise InputError(
                message,
                source=self.source,
                lineno=piece.lineno,
                line=piece.raw,
                hints=tuple(hints),
            )
        written = self.written_column(column)
        piece = self.pieces[0]
        for candidate in self.pieces:
            if candidate.start <= written:
                piece = candidate
        raise InputError(
            message,
            source=self.source,
            lineno=piece.lineno,
            line=piece.raw,
            column=max(0, written - piece.start),
            hints=tuple(hints),
        )

    def where(self) -> str:
        return f"{self.source}:{self.lineno}"


def _logical_lines(text: str, source: str, environ: Mapping[str, str]) -> Iterator[_Line]:
    if text.startswith("\ufeff"):
        text = text[1:]
    parts: list[str] = []
    pieces: list[_Piece] = []
    length = 0
    for lineno, raw in enumerate(text.split("\n"), start=1):
        if raw.endswith("\r"):
            raw = raw[:-1]
        content = raw
        if "#" in content:
            comment = re.compile(_COMMENT_RE).search(content)
            if comment is not None:
                content = content[: comment.start()]
        stripped = content.rstrip()
        continued = stripped.endswith("\\")
        if continued:
            content = stripped[:-1]
        pieces.append(_Piece(length, lineno, raw))
        parts.append(content)
        length += len(content)
        if continued:
            continue
        yield from _finish(parts, pieces, source, environ)
        parts, pieces, length = [], [], 0
    yield from _finish(parts, pieces, source, environ)


def _finish(
    parts: list[str], pieces: list[_Piece], source: str, environ: Mapping[str, str]
) -> Iterator[_Line]:
    if not pieces:
        return
    written = "".join(parts)
    if not written.strip():
        return
    line = _Line(source, pieces[0].lineno, written, tuple(pieces), written)
    if "${" in written:
        line = _expand(line, environ)
    yield line


def _expand(line: _Line, environ: Mapping[str, str]) -> _Line:
    out: list[str] = []
    substitutions: list[tuple[int, int, int, int]] = []
    position = 0
    size = 0
    for match in re.compile(_ENV_RE).finditer(line.text):
        name = match.group("name")
        if not match.group("close") or re.compile(_VALID_ENV_NAME_RE).match(name) is None:
            line.fail(
                f"invalid environment variable reference `{match.group(0)}`",
                match.start(),
                [
                    "only `${NAME}` is expanded, with NAME made of upper-case letters, "
                    "digits and `_`"
                ],
            )
        value = environ.get(name)
        if not value:
            continue
        out.append(line.text[position : match.start()])
        size += match.start() - position
        out.append(value)
        substitutions.append((size, size + len(value), match.start(), match.end()))
        size += len(value)
        position = match.end()
    out.append(line.text[position:])
    return _Line(line.source, line.lineno, line.text, line.pieces, "".join(out), tuple(substitutions))


# --- options -------------------------------------------------------------------


class _OptionSpec(Frozen):
    __slots__ = ("key", "takes_value", "per_requirement")

    key: str
    takes_value: bool
    per_requirement: bool

    def __init__(self, key: str, takes_value: bool, per_requirement: bool = False) -> None:
        init = object.__setattr__
        init(self, "key", key)
        init(self, "takes_value", takes_value)
        init(self, "per_requirement", per_requirement)


_REQUIREMENT = _OptionSpec("requirement", True)
_CONSTRAINT = _OptionSpec("constraint", True)
_EDITABLE = _OptionSpec("editable", True)
_INDEX_URL = _OptionSpec("index_url", True)
_FIND_LINKS = _OptionSpec("find_links", True)

_LONG_OPTIONS: Mapping[str, _OptionSpec] = {
    "--requirement": _REQUIREMENT,
    "--constraint": _CONSTRAINT,
    "--editable": _EDITABLE,
    "--index-url": _INDEX_URL,
    "--extra-index-url": _OptionSpec("extra_index_url", True),
    "--find-links": _FIND_LINKS,
    "--no-index": _OptionSpec("no_index", False),
    "--trusted-host": _OptionSpec("trusted_host", True),
    "--pre": _OptionSpec("pre", False),
    "--only-binary": _OptionSpec("only_binary", True),
    "--no-binary": _OptionSpec("no_binary", True),
    "--prefer-binary": _OptionSpec("prefer_binary", False),
    "--require-hashes": _OptionSpec("require_hashes", False),
    "--use-feature": _OptionSpec("use_feature", True),
    "--hash": _OptionSpec("hash", True, per_requirement=True),
    "--config-settings": _OptionSpec("ignored_per_requirement", True, per_requirement=True),
    "--global-option": _OptionSpec("ignored_per_requirement", True, per_requirement=True),
}

_SHORT_OPTIONS: Mapping[str, _OptionSpec] = {
    "-r": _REQUIREMENT,
    "-c": _CONSTRAINT,
    "-e": _EDITABLE,
    "-i": _INDEX_URL,
    "-f": _FIND_LINKS,
}


class _Option(Frozen):
    __slots__ = ("name", "spec", "value", "column", "value_column")

    name: str  # as written, without the value
    spec: _OptionSpec
    value: str
    column: int  # of the option in the expanded line
    value_column: int

    def __init__(self, name: str, spec: _OptionSpec, value: str, column: int, value_column: int) -> None:
        init = object.__setattr__
        init(self, "name", name)
        init(self, "spec", spec)
        init(self, "value", value)
        init(self, "column", column)
        init(self, "value_column", value_column)


def _tokens(text: str, start: int, line: _Line) -> list[tuple[str, int]]:
    """Split the option part of a line (from ``start``) into (token, column)."""
    chunk = text[start:]
    if "'" not in chunk and '"' not in chunk:
        return [(match.group(0), start + match.start()) for match in re.compile(_TOKEN_RE).finditer(chunk)]
    import shlex

    try:
        words = shlex.split(chunk)
    except ValueError as error:
        line.fail(f"cannot split options: {error}", start)
    found: list[tuple[str, int]] = []
    cursor = 0
    for word in words:
        at = chunk.find(word, cursor)
        column = start + (at if at >= 0 else cursor)
        found.append((word, column))
        cursor = at + len(word) if at >= 0 else cursor
    return found


def _parse_options(tokens: list[tuple[str, int]], line: _Line) -> list[_Option]:
    options: list[_Option] = []
    index = 0
    while index < len(tokens):
        token, column = tokens[index]
        index += 1
        value: str | None = None
        value_column = column
        if token.startswith("--"):
            name, equals, attached = token.partition("=")
            spec = _LONG_OPTIONS.get(name)
            if spec is None:
                line.fail(f"unknown option `{name}`", column, _suggest(name))
            if equals:
                if not spec.takes_value:
                    line.fail(f"option `{name}` takes no value", column + len(name))
                value, value_column = attached, column + len(name) + 1
        elif token.startswith("-") and len(token) > 1:
            name = token[:2]
            short = _SHORT_OPTIONS.get(name)
            if short is None:
                line.fail(f"unknown option `{token}`", column, _suggest(token))
            spec = short
            if len(token) > 2:
                value, value_column = token[2:], column + 2
        else:
            line.fail(
                f"unexpected argument `{token}` after an option",
                column,
                ["a requirement must come before its options on a line"],
            )
        if spec.takes_value and value is None:
            if index >= len(tokens):
                line.fail(f"option `{name}` requires a value", column)
            value, value_column = tokens[index]
            index += 1
        if spec.takes_value and not value:
            line.fail(f"option `{name}` requires a value", column)
        options.append(_Option(name, spec, value or "", column, value_column))
    return options


def _suggest(name: str) -> list[str]:
    import difflib

    known = [*_LONG_OPTIONS, *_SHORT_OPTIONS]
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean `{close[0]}`?" if close else None
    return [hint] if hint else ["supported options: " + ", ".join(sorted(_LONG_OPTIONS))]


# --- includes and paths ----------------------------------------------------------


def _file_key(source: str) -> str:
    if source == STDIN or looks_like_url(source):
        return source
    return os.path.normpath(source)


def _base_dir(source: str) -> str:
    """The directory relative paths in ``source`` are relative to ("" = current)."""
    if source == STDIN or looks_like_url(source):
        return ""
    return os.path.dirname(source)


def _resolve_path(value: str, source: str) -> str:
    """Resolve a path or URL written in ``source`` (pure: string operations only)."""
    if looks_like_url(value) or source == STDIN:
        return value
    if looks_like_url(source):
        from urllib.parse import urljoin

        return urljoin(source, value)
    if os.path.isabs(value) or value.startswith("~"):
        return value
    base = os.path.dirname(source)
    return os.path.normpath(os.path.join(base, value)) if base else value


def _include_target(value: str, source: str) -> str:
    if value.lower().startswith("file:"):
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(value)
        path = unquote(parts.path)
        if parts.netloc and parts.netloc != "localhost":
            return value
        return path if os.path.isabs(path) else _resolve_path(path, source)
    return _resolve_path(value, source)


# --- collecting --------------------------------------------------------------------


class _Collector:
    """Mutable state of one parse call (never shared between calls)."""

    def __init__(self, *, read: Reader, environ: Mapping[str, str]) -> None:
        self.read = read
        self.environ = environ
        self.requirements: dict[RequirementSpec, None] = {}
        self.constraints: dict[RequirementSpec, None] = {}
        self.index_url: str | None = None
        self.index_url_where = ""
        self.extra_index_urls: dict[str, None] = {}
        self.find_links: dict[str, None] = {}
        self.trusted_hosts: dict[str, None] = {}
        self.no_index = False
        self.pre = False
        self.prefer_binary = False
        self.require_hashes = False
        self.format_control = FormatControl()
        self.files: dict[str, None] = {}
        self.warnings: list[str] = []

    def result(self, source: str) -> RequirementsFile:
        return RequirementsFile(
            source=source,
            requirements=tuple(self.requirements),
            constraints=tuple(self.constraints),
            options=IndexOptions(
                index_url=self.index_url,
                extra_index_urls=tuple(self.extra_index_urls),
                find_links=tuple(self.find_links),
                no_index=self.no_index,
                trusted_hosts=tuple(self.trusted_hosts),
                pre=self.pre,
                format_control=self.format_control,
                prefer_binary=self.prefer_binary,
                require_hashes=self.require_hashes,
            ),
            files=tuple(self.files),
            warnings=tuple(self.warnings),
        )

    def parse(self, text: str, source: str, *, constraint: bool, stack: tuple[str, ...]) -> None:
        self.files.setdefault(source, None)
        base_dir = _base_dir(source)
        for line in _logical_lines(text, source, self.environ):
            self._line(line, base_dir, constraint, stack)

    def _line(self, line: _Line, base_dir: str, constraint: bool, stack: tuple[str, ...]) -> None:
        expanded = line.expanded
        stripped = expanded.lstrip()
        if not stripped.startswith("-"):
            # A requirement, then maybe options: from the first token starting with "-".
            option = re.compile(_OPTION_START_RE).search(expanded, len(expanded) - len(stripped))
            if option is None:
                spec = self._parse_spec(expanded, 0, line, base_dir, False, ())
                self._add(spec, line, 0, constraint)
                return
            option_start = option.start() + 1
            requirement_text = expanded[:option_start]
        else:
            option_start = len(expanded) - len(stripped)
            requirement_text = ""
        options = _parse_options(_tokens(expanded, option_start, line), line)
        hashes = self._per_requirement(options, line, bool(requirement_text))
        if requirement_text:
            spec = self._parse_spec(requirement_text, 0, line, base_dir, False, hashes)
            self._add(spec, line, 0, constraint)
            return
        for parsed in options:
            if not parsed.spec.per_requirement:
                self._option(parsed, line, base_dir, constraint, stack, hashes)

    def _per_requirement(
        self, options: list[_Option], line: _Line, has_requirement: bool
    ) -> tuple[str, ...]:
        hashes: list[str] = []
        has_editable = any(option.spec is _EDITABLE for option in options)
        for option in options:
            if not option.spec.per_requirement:
                if has_requirement:
                    line.fail(
                        f"option `{option.name}` must be on a line of its own, "
                        "not after a requirement",
                        option.column,
                    )
                continue
            if not has_requirement and not has_editable:
                line.fail(
                    f"option `{option.name}` must follow a requirement on the same line",
                    option.column,
                )
            if option.spec.key == "hash":
                try:
                    hashes.append(validate_hash(option.value))
                except ValueError as error:
                    line.fail(str(error), option.value_column)
            else:
                self.warnings.append(f"{line.where()}: `{option.name}` is ignored by puv")
        return tuple(hashes)

    def _parse_spec(
        self,
        text: str,
        column: int,
        line: _Line,
        base_dir: str,
        editable: bool,
        hashes: tuple[str, ...],
    ) -> RequirementSpec:
        try:
            return parse_requirement(
                text,
                origin=Origin(line.source, line.lineno),
                base_dir=base_dir,
                editable=editable,
                hashes=hashes,
            )
        except InputError as error:
            where = None if error.column is None else column + error.column
            line.fail(error.message, where, error.hints)

    def _add(self, spec: RequirementSpec, line: _Line, column: int, constraint: bool) -> None:
        if not constraint:
            self.requirements.setdefault(spec, None)
            return
        if spec.editable:
            line.fail(
                "editable requirements are not allowed as constraints",
                column,
                ["a constraints file pins versions; list editables in a requirements file"],
            )
        if spec.name is None:
            line.fail(
                "unnamed requirements are not allowed as constraints",
                column,
                ["give the name too: `name @ URL`"],
            )
        self.constraints.setdefault(spec, None)

    def _option(
        self,
        option: _Option,
        line: _Line,
        base_dir: str,
        constraint: bool,
        stack: tuple[str, ...],
        hashes: tuple[str, ...],
    ) -> None:
        key = option.spec.key
        value = option.value
        if key in ("requirement", "constraint"):
            self._include(option, line, constraint or key == "constraint", stack)
        elif key == "editable":
            spec = self._parse_spec(value, option.value_column, line, base_dir, True, hashes)
            self._add(spec, line, option.value_column, constraint)
        elif key == "index_url":
            if self.index_url is not None and self.index_url != value:
                line.fail(
                    "a second, different --index-url "
                    f"(the first one is at {self.index_url_where})",
                    option.value_column,
                    ["use --extra-index-url for additional indexes"],
                )
            self.index_url, self.index_url_where = value, line.where()
        elif key == "extra_index_url":
            self.extra_index_urls.setdefault(value, None)
        elif key == "find_links":
            try:
                location = _resolve_path(value, line.source)
            except ValueError as error:  # urljoin: "Invalid IPv6 URL"
                line.fail(f"invalid URL `{value}`: {error}", option.value_column)
            self.find_links.setdefault(location, None)
        elif key == "trusted_host":
            self.trusted_hosts.setdefault(value, None)
        elif key == "no_index":
            self.no_index = True
        elif key == "pre":
            self.pre = True
        elif key == "prefer_binary":
            self.prefer_binary = True
        elif key == "require_hashes":
            self.require_hashes = True
        elif key in ("no_binary", "only_binary"):
            try:
                if key == "no_binary":
                    self.format_control = self.format_control.with_no_binary(value)
                else:
                    self.format_control = self.format_control.with_only_binary(value)
            except ValueError as error:
                line.fail(f"{option.name}: {error}", option.value_column)
        elif key == "use_feature":
            self.warnings.append(f"{line.where()}: `--use-feature={value}` is ignored by puv")

    def _include(
        self, option: _Option, line: _Line, constraint: bool, stack: tuple[str, ...]
    ) -> None:
        try:
            target = _include_target(option.value, line.source)
        except ValueError as error:  # urlsplit / urljoin: "Invalid IPv6 URL"
            line.fail(f"invalid URL `{option.value}`: {error}", option.value_column)
        key = _file_key(target)
        if key in stack:
            chain = " -> ".join([*stack[stack.index(key) :], key])
            line.fail(
                f"requirements files include each other in a cycle: {chain}",
                option.value_column,
            )
        try:
            text = self.read(target)
        except OSError as error:
            base = _base_dir(line.source) or "the current directory"
            reason = (
                "file not found"
                if isinstance(error, FileNotFoundError)
                else (error.strerror or str(error))
            )
            shown = f"`{option.value}`"
            if target != option.value:
                shown += f" (`{target}`)"
            line.fail(
                f"cannot read {shown}: {reason}",
                option.value_column,
                [f"paths after {option.name} are relative to the including file's directory "
                 f"({base})"],
            )
        self.parse(text, target, constraint=constraint, stack=(*stack, key))
