"""Prepare: bring every distribution an install needs into the cache, in parallel.

Wheels are downloaded, hash-checked and unpacked (see
:mod:`puv.domain.index.download`); ones already unpacked cost nothing. Progress
goes to a :class:`ProgressReporter` (the CLI shows a bar on a terminal); this
module prints nothing itself.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from puv.domain.index.download import Unpacked, archive_dir, fetch_wheel, is_complete
from puv.io.cache import Cache
from puv.io.http import HttpClient, parallel_map
from puv.primitives.simple_api import DistFile


class ProgressReporter(Protocol):
    """Told about downloads as they happen (called from worker threads)."""

    def start(self, items: int, total_bytes: int | None) -> None: ...

    def advance_bytes(self, count: int) -> None: ...

    def item_done(self, name: str) -> None: ...

    def finish(self) -> None: ...


@dataclass(frozen=True, slots=True)
class PrepareItem:
    project: str
    file: DistFile
    required_hashes: tuple[tuple[str, str], ...] = ()
    requirement: str | None = None


def _cached(cache: Cache, item: PrepareItem) -> bool:
    digest = next((d.lower() for alg, d in item.file.hashes if alg == "sha256"), None)
    return digest is not None and is_complete(archive_dir(cache, item.project, digest))


def prepare_wheels(
    items: Sequence[PrepareItem],
    *,
    http: HttpClient,
    cache: Cache,
    workers: int = 50,
    reporter: ProgressReporter | None = None,
) -> list[Unpacked]:
    """Unpacked wheels for ``items`` (same order); only missing ones are downloaded."""
    missing = [item for item in items if not _cached(cache, item)]
    lock = threading.Lock()
    if reporter is not None and missing:
        sizes = [item.file.size for item in missing]
        total = None if any(size is None for size in sizes) else sum(s for s in sizes if s is not None)
        reporter.start(len(missing), total)

    def on_bytes(count: int) -> None:
        if reporter is not None:
            with lock:
                reporter.advance_bytes(count)

    def one(item: PrepareItem) -> Unpacked:
        unpacked = fetch_wheel(
            http,
            cache,
            item.project,
            item.file,
            required_hashes=item.required_hashes,
            requirement=item.requirement,
            on_bytes=on_bytes,
        )
        if reporter is not None and unpacked.downloaded:
            with lock:
                reporter.item_done(item.project)
        return unpacked

    try:
        return parallel_map(one, items, workers)
    finally:
        if reporter is not None and missing:
            reporter.finish()
