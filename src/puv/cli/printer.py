"""Terminal output: status lines on stderr, colour, verbosity, error rendering.

The printer is the only place that decides about colour. It follows
``--color auto|always|never`` and the ``NO_COLOR`` / ``FORCE_COLOR``
conventions; ``auto`` means colour only when the stream is a terminal.
"""

from __future__ import annotations

import _thread  # built in and loaded at start already (threading is not)
import sys

from puv.errors import InputError, PuvError

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import TextIO

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "cyan": "36",
}


def use_color(choice: str, stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Decide whether to colour ``stream`` for ``--color choice``."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Printer:
    """Writes user-facing lines. ``verbosity``: -2 silent (``-qq``: no command
    output on stdout either, as uv), -1 quiet, 0 normal, 1 verbose (``-v``:
    :meth:`debug` lines), 2+ very verbose (``-vv``: :meth:`trace` lines too). Errors
    are always written. Lines on ``err`` are written whole, one at a time, whichever
    thread writes them (worker threads report requests at ``-vv``).

    ``err`` and ``out`` default to the process's ``sys.stderr`` / ``sys.stdout``
    at construction. A plain class, not a ``@dataclass``: every command builds
    one, and ``dataclasses`` imports ``inspect``, a large share of start-up.
    """

    __slots__ = ("verbosity", "color", "err", "out", "_lock")

    def __init__(
        self,
        verbosity: int = 0,
        color: bool = False,
        err: TextIO | None = None,
        out: TextIO | None = None,
    ) -> None:
        self.verbosity = verbosity
        self.color = color
        self.err: TextIO = sys.stderr if err is None else err
        self.out: TextIO = sys.stdout if out is None else out
        self._lock = _thread.allocate_lock()

    def __repr__(self) -> str:
        return f"Printer(verbosity={self.verbosity!r}, color={self.color!r}, err={self.err!r}, out={self.out!r})"

    def style(self, text: str, *styles: str) -> str:
        if not self.color or not styles:
            return text
        codes = ";".join(_CODES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def _line(self, text: str) -> None:
        """Write ``text`` (whole lines) to ``err`` without interleaving with other threads."""
        with self._lock:
            self.err.write(text)

    def status(self, message: str) -> None:
        """A status line (``Resolved 3 packages in 12ms``); hidden by ``-q``."""
        if self.verbosity >= 0:
            self._line(message + "\n")

    def stdout(self, text: str) -> None:
        """Command output proper (compile results, freeze, ``cache dir``); hidden by ``-qq``."""
        if self.verbosity > -2:
            self.out.write(text)

    def warn(self, message: str) -> None:
        if self.verbosity >= 0:
            self._line(f"{self.style('warning', 'bold', 'yellow')}: {message}\n")

    def debug(self, message: str, level: int = 1) -> None:
        """A ``DEBUG`` line, shown from ``-v`` (or from verbosity ``level``)."""
        if self.verbosity >= level:
            self._line(self.style(f"DEBUG {message}", "dim") + "\n")

    def trace(self, message: str) -> None:
        """A ``TRACE`` line, shown from ``-vv``: each HTTP request, retry and cache
        decision. Safe to call from worker threads."""
        if self.verbosity >= 2:
            self._line(self.style(f"TRACE {message}", "dim") + "\n")

    def error(self, error: PuvError) -> None:
        """Render an error: shown even with ``-q``. Not behind the lock: the main thread's
        last word never waits for a worker thread that is still writing."""
        self.err.write(render_error(error, self.style))


def render_error(error: PuvError, style: object = None) -> str:
    """The text of an error as the user reads it (``error:``, context, ``cause:``, ``hint:``)."""

    def paint(text: str, *styles: str) -> str:
        return style(text, *styles) if callable(style) else text

    lines = [f"{paint('error', 'bold', 'red')}: {error.message}"]
    if isinstance(error, InputError) and error.line is not None:
        where = error.location()
        if where:
            lines.append(f"  {paint('-->', 'cyan')} {where}")
        lines.append(f"    {error.line}")
        if error.column is not None:
            lines.append("    " + " " * error.column + paint("^", "bold", "red"))
    elif isinstance(error, InputError) and error.location():
        lines.append(f"  {paint('-->', 'cyan')} {error.location()}")
    for cause in error.causes:
        # A multi-line cause (a resolver explanation) keeps its lines aligned.
        first, *rest = cause.split("\n")
        lines.append(f"  {paint('cause', 'bold', 'red')}: {first}")
        lines.extend(f"         {line}" if line else "" for line in rest)
    for hint in error.hints:
        lines.append(f"{paint('hint', 'bold', 'cyan')}: {hint}")
    return "\n".join(lines) + "\n"
