"""The one error hierarchy of puv.

An error carries facts (what went wrong, where, which input) and hints as data.
Only the CLI renders it: an ``error:`` line, ``cause:`` lines for chained
errors, ``hint:`` lines. No colour codes or terminal logic live here.

Exit codes follow uv: 1 for a failure, 2 for a usage error.
"""

from __future__ import annotations

from collections.abc import Sequence


class PuvError(Exception):
    """Base of every error puv reports to a user."""

    code: int = 1

    def __init__(
        self,
        message: str,
        *,
        hints: Sequence[str] = (),
        causes: Sequence[str] = (),
        code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hints: tuple[str, ...] = tuple(hints)
        self.causes: tuple[str, ...] = tuple(causes)
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class UsageError(PuvError):
    """The command line itself is wrong (exit 2)."""

    code = 2


class NotAvailableYet(UsageError):
    """A command or option that a later release of puv delivers."""


class ConfigError(PuvError):
    """A configuration file or environment variable is invalid."""


class InputError(PuvError):
    """A requirement input (requirements file, pyproject.toml, argument) is invalid.

    ``source`` names the file (or ``<stdin>`` / ``<command line>``), ``lineno``
    is 1-based, ``line`` is the offending text and ``column`` (0-based) points
    at the problem within it when known.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        lineno: int | None = None,
        line: str | None = None,
        column: int | None = None,
        hints: Sequence[str] = (),
    ) -> None:
        super().__init__(message, hints=hints)
        self.source = source
        self.lineno = lineno
        self.line = line
        self.column = column

    def location(self) -> str:
        """``file:line`` (or just the file) for messages."""
        if self.source is None:
            return ""
        if self.lineno is None:
            return self.source
        return f"{self.source}:{self.lineno}"


class PythonNotFound(PuvError):
    """No interpreter matched a request."""


class InterpreterError(PuvError):
    """An interpreter was found but could not be queried or used."""


class VenvError(PuvError):
    """A virtual environment could not be created."""


class CacheError(PuvError):
    """The cache is unusable (permissions, corruption, locking)."""


class NetworkError(PuvError):
    """A request failed after retries, or the network is off (--offline)."""


class ResolutionError(PuvError):
    """No set of versions satisfies the requirements."""


class InstallError(PuvError):
    """A distribution could not be installed or removed."""


class BuildError(PuvError):
    """A source distribution or local project failed to build."""


class IndexFormatError(PuvError):
    """A package index page (PEP 503 HTML / PEP 691 JSON) could not be understood.

    ``url`` names the page.
    """

    def __init__(self, message: str, *, url: str, hints: Sequence[str] = ()) -> None:
        super().__init__(message, hints=hints)
        self.url = url


class InvalidFilename(PuvError):
    """A file name is neither a valid wheel nor a valid source distribution name."""

    def __init__(self, message: str, *, filename: str, hints: Sequence[str] = ()) -> None:
        super().__init__(message, hints=hints)
        self.filename = filename


class InvalidHash(PuvError):
    """A hash specification (``--hash``, URL fragment, RECORD field) is malformed."""

    def __init__(self, message: str, *, value: str, hints: Sequence[str] = ()) -> None:
        super().__init__(message, hints=hints)
        self.value = value


class MetadataError(PuvError):
    """Distribution metadata (METADATA, PKG-INFO, WHEEL, entry_points.txt) is invalid.

    ``source`` names the distribution or file, ``line`` is the offending text.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: str | None = None,
        hints: Sequence[str] = (),
    ) -> None:
        super().__init__(message, hints=hints)
        self.source = source
        self.line = line


class RecordError(PuvError):
    """A wheel RECORD file is malformed or does not match the files it lists."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        lineno: int | None = None,
        hints: Sequence[str] = (),
    ) -> None:
        super().__init__(message, hints=hints)
        self.path = path
        self.lineno = lineno
