"""Inspecting and removing cache entries: what `puv cache clean / prune / info` do.

Functions return values (what was removed, what is there); the commands render
them. Removal happens under the cache's exclusive lock, so it waits for running
installs and never pulls an entry from under one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from puv.io.cache import BUCKETS, Cache


@dataclass(frozen=True)
class Tally:
    files: int = 0
    bytes: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.files + other.files, self.bytes + other.bytes)


@dataclass(frozen=True)
class BucketInfo:
    name: str
    entries: int
    tally: Tally


def measure(path: Path) -> Tally:
    """Files and bytes under ``path`` (a file or a directory); links count once, not followed."""
    if path.is_symlink() or path.is_file():
        try:
            return Tally(1, path.lstat().st_size)
        except OSError:
            return Tally()
    files = 0
    size = 0
    for dirpath, _dirnames, filenames in os.walk(path):
        for filename in filenames:
            try:
                size += os.lstat(os.path.join(dirpath, filename)).st_size
            except OSError:
                continue
            files += 1
    return Tally(files, size)


def remove(path: Path) -> Tally:
    """Remove a file or directory tree, returning what it held."""
    tally = measure(path)
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)
    return tally


def clean_all(cache: Cache) -> Tally:
    """Remove every entry (the root directory goes too)."""
    if not cache.root.exists():
        return Tally()
    with cache.exclusive():
        total = Tally()
        for child in sorted(cache.root.iterdir()):
            if child.name == ".lock":
                continue
            total += remove(child)
    shutil.rmtree(cache.root, ignore_errors=True)
    return total


def package_entries(cache: Cache, name: str) -> list[Path]:
    """Every cache path that belongs to the project ``name`` (normalized)."""
    found: list[Path] = []
    simple = cache.bucket("simple-v1")
    if simple.is_dir():
        for index_dir in simple.iterdir():
            candidate = index_dir / f"{name}.bin"
            if candidate.exists():
                found.append(candidate)
    for bucket in ("metadata-v1", "archive-v1", "built-v1"):
        candidate = cache.bucket(bucket) / name
        if candidate.exists():
            found.append(candidate)
    return found


def clean_packages(cache: Cache, names: Sequence[str]) -> dict[str, Tally]:
    result: dict[str, Tally] = {}
    if not cache.root.exists():
        return {name: Tally() for name in names}
    with cache.exclusive():
        for name in names:
            total = Tally()
            for path in package_entries(cache, name):
                total += remove(path)
            result[name] = total
    return result


def prune(cache: Cache) -> Tally:
    """Remove what no run can use: staging leftovers and buckets of other format versions."""
    if not cache.root.exists():
        return Tally()
    keep = set(BUCKETS) | {"CACHEDIR.TAG", ".gitignore", ".lock"}
    total = Tally()
    with cache.exclusive():
        for child in sorted(cache.root.iterdir()):
            if child.name == "tmp" or child.name not in keep:
                total += remove(child)
        # Unpacked archives are complete only when their marker exists.
        archives = cache.bucket("archive-v1")
        if archives.is_dir():
            for project in archives.iterdir():
                for entry in project.iterdir() if project.is_dir() else ():
                    if not (entry / ".puv-complete").exists():
                        total += remove(entry)
    return total


def info(cache: Cache) -> list[BucketInfo]:
    rows: list[BucketInfo] = []
    for name in BUCKETS:
        path = cache.bucket(name)
        if not path.is_dir():
            rows.append(BucketInfo(name, 0, Tally()))
            continue
        entries = sum(1 for _ in path.iterdir())
        rows.append(BucketInfo(name, entries, measure(path)))
    return rows


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f}{unit}" if unit == "B" else f"{value:.1f}{unit}"
        value /= 1024
    return f"{value:.1f}TiB"  # pragma: no cover
