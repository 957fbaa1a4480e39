"""Prepare: bring every distribution an install needs into the cache, in parallel.

Wheels are downloaded, hash-checked and unpacked (see
:mod:`puv.domain.index.download`); ones already unpacked cost nothing. Progress
goes to a :class:`ProgressReporter` (the CLI shows a bar on a terminal); this
module prints nothing itself.
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from puv.domain.index.download import Unpacked, archive_dir, fetch_wheel, is_complete
from puv.io.archive import DEFAULT_UNPACK_LIMITS, UnpackLimits
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


class _UnpackGate:
    """At most ``slots`` unpacks at once; a freed slot goes to the largest waiting wheel,
    so a big one (scipy, torch) never starts last, alone on one core."""

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._waiting: list[tuple[int, int]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()

    @contextmanager
    def slot(self, size: int) -> Iterator[None]:
        entry = (-size, next(self._order))
        with self._changed:
            heapq.heappush(self._waiting, entry)
            try:
                while not (self._free and self._waiting[0] == entry):
                    self._changed.wait()
            except BaseException:
                self._waiting.remove(entry)
                heapq.heapify(self._waiting)
                self._changed.notify_all()
                raise
            heapq.heappop(self._waiting)
            self._free -= 1
            if self._free:
                self._changed.notify_all()
        try:
            yield
        finally:
            with self._changed:
                self._free += 1
                self._changed.notify_all()


def prepare_wheels(
    items: Sequence[PrepareItem],
    *,
    http: HttpClient,
    cache: Cache,
    workers: int = 50,
    reporter: ProgressReporter | None = None,
    limits: UnpackLimits = DEFAULT_UNPACK_LIMITS,
) -> list[Unpacked]:
    """Unpacked wheels for ``items`` (same order); only missing ones are downloaded.
    ``limits`` bounds what unpacking may write (the user's decompression-bomb limits)."""
    missing = [item for item in items if not _cached(cache, item)]
    lock = threading.Lock()
    # Unpacking is CPU-bound: about one per core, so fifty download threads do not
    # fight over the GIL and the cores while the network keeps streaming.
    gate = _UnpackGate(max(2, os.cpu_count() or 2))
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
            limits=limits,
            unpack_slot=gate.slot(item.file.size or 0),
        )
        if reporter is not None and unpacked.downloaded:
            with lock:
                reporter.item_done(item.project)
        return unpacked

    # The largest downloads start first: the long ones overlap everything else
    # instead of starting late and leaving a tail of one big wheel.
    order = sorted(range(len(items)), key=lambda index: -(items[index].file.size or 0))
    try:
        results = parallel_map(one, [items[index] for index in order], workers)
        unpacked: list[Unpacked | None] = [None] * len(items)
        for index, result in zip(order, results):
            unpacked[index] = result
        return [result for result in unpacked if result is not None]
    finally:
        if reporter is not None and missing:
            reporter.finish()
