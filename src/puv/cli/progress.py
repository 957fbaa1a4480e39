"""Progress bars on a terminal (rich, imported only when a bar is shown).

A bar is shown only when stderr is a terminal and output is not quieted; in CI
logs and pipes nothing but the status lines appears.
"""

from __future__ import annotations

from typing import Any, TextIO


def wants_progress(stream: TextIO, verbosity: int) -> bool:
    """Whether to draw a bar: on a terminal, neither quieted nor at ``-vv`` (whose
    per-request TRACE lines, written from worker threads, would tear the bar)."""
    isatty = getattr(stream, "isatty", None)
    return 0 <= verbosity < 2 and bool(isatty and isatty())


class DownloadProgress:
    """Bytes and packages of a parallel download, as one rich progress bar."""

    def __init__(self, stream: TextIO, *, color: bool, force_terminal: bool | None = None) -> None:
        self._stream = stream
        self._color = color
        self._force_terminal = force_terminal
        self._progress: Any = None
        self._task: Any = None
        self._items = 0
        self._done = 0

    def start(self, items: int, total_bytes: int | None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TransferSpeedColumn,
        )

        console = Console(
            file=self._stream,
            no_color=not self._color,
            force_terminal=self._force_terminal,
        )
        self._items = items
        self._progress = Progress(
            TextColumn("Downloading {task.fields[packages]}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task("download", total=total_bytes, packages=f"0/{items} packages")
        self._progress.start()

    def advance_bytes(self, count: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, count)

    def item_done(self, name: str) -> None:
        self._done += 1
        if self._progress is not None:
            self._progress.update(self._task, packages=f"{self._done}/{self._items} packages")

    def finish(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
