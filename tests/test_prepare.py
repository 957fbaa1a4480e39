"""Preparing many wheels in parallel, with progress reported as bytes and packages."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from puv.cli.progress import DownloadProgress, wants_progress
from puv.domain.index.client import IndexClient, IndexSources
from puv.domain.prepare import PrepareItem, prepare_wheels
from puv.io.cache import Cache
from puv.io.http import HttpClient, HttpOptions
from tests.support.index_server import IndexServer


class Recorder:
    def __init__(self) -> None:
        self.started: tuple[int, int | None] | None = None
        self.bytes = 0
        self.done: list[str] = []
        self.finished = False

    def start(self, items: int, total_bytes: int | None) -> None:
        self.started = (items, total_bytes)

    def advance_bytes(self, count: int) -> None:
        self.bytes += count

    def item_done(self, name: str) -> None:
        self.done.append(name)

    def finish(self) -> None:
        self.finished = True


def _items(server: IndexServer, root: Path, names: list[str]) -> tuple[HttpClient, Cache, list[PrepareItem]]:
    http = HttpClient(HttpOptions(backoff=0.01))
    cache = Cache(root)
    cache.ensure()
    client = IndexClient(http, cache, IndexSources((server.url,)))
    items = [PrepareItem(name, client.files(name)[0].file) for name in names]
    return http, cache, items


def test_parallel_prepare_reports_bytes_and_packages(
    index_server: IndexServer, wheel_factory: Callable[..., Path], tmp_path: Path
) -> None:
    names = [f"pkg{i}" for i in range(12)]
    sizes = 0
    for name in names:
        wheel = wheel_factory(name, "1.0", files={f"{name}/m.py": f"v = {name!r}\n" * 300})
        sizes += wheel.stat().st_size
        index_server.publish(wheel)
    http, cache, items = _items(index_server, tmp_path / "cache", names)
    recorder = Recorder()
    unpacked = prepare_wheels(items, http=http, cache=cache, workers=8, reporter=recorder)
    assert [u.project for u in unpacked] == names
    assert recorder.started == (12, sizes)
    assert recorder.bytes == sizes
    assert sorted(recorder.done) == sorted(names)
    assert recorder.finished
    again = Recorder()
    index_server.clear_log()
    prepare_wheels(items, http=http, cache=cache, reporter=again)
    assert again.started is None and index_server.count("/files/*") == 0


def test_rich_bar_renders_on_a_terminal_only() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert wants_progress(Tty(), 0) and not wants_progress(Tty(), -1)
    assert not wants_progress(io.StringIO(), 0)
    stream = Tty()
    bar = DownloadProgress(stream, color=False, force_terminal=True)
    bar.start(2, 2048)
    bar.advance_bytes(1024)
    bar.item_done("a")
    bar.finish()
    assert "Downloading" in stream.getvalue()
