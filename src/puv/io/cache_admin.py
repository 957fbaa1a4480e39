"""Inspecting and removing cache entries: what `puv cache clean / prune / info` do.

Functions return values (what was removed, what is there); the commands render
them. Removal happens under the cache's exclusive lock, so it waits for running
installs and never pulls an entry from under one.

Which entries belong to a project (``puv cache clean NAME``):

- ``simple-v1/<index-key>/<name>.bin``, ``metadata-v1/<name>``, ``archive-v1/<name>``
  and ``built-v1/<name>``: found by the name alone;
- ``url-v1/<url-key>/``: keyed by URL, so the file names inside are parsed (a wheel
  or source distribution file name names its project); a URL whose file name does
  not parse as one (``main.zip``) cannot be tied to a project and stays;
- ``git-v1`` is left alone: a repository can hold several projects, a checkout's
  name is known only from its pyproject.toml (or a build), and the wheels built
  from it sit in ``built-v1/<name>/`` without a record of the checkout.

Directories that a clean leaves empty inside a bucket are removed as well.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from puv.io.cache import BUCKETS, Cache

# Layout of the url-v1 bucket: see puv.domain.sources.archives (a lower layer cannot import it).
_URL_BUCKET = "url-v1"
_URL_LATEST = "latest.json"


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
    found.extend(_url_entries(cache, name))
    return found


def _url_entries(cache: Cache, name: str) -> list[Path]:
    """The ``url-v1`` paths of files of ``name``, in the order they may be removed.

    A URL's directory holds one ``<sha256>/`` per content it served (all under the
    same file name, the URL's) and ``latest.json``: when every content is ``name``'s
    the whole directory goes; else only its contents and, before them, a
    ``latest.json`` that points at one of them.
    """
    from puv.primitives.filenames import try_parse_filename

    def ours(filename: str) -> bool:
        return try_parse_filename(filename, name) is not None

    found: list[Path] = []
    for key_dir in _children(cache.bucket(_URL_BUCKET)):
        if key_dir.is_symlink() or not key_dir.is_dir():
            continue
        mine: list[Path] = []
        foreign = False
        for entry in _children(key_dir):
            if entry.is_symlink() or not entry.is_dir():
                continue
            files = [child.name for child in _children(entry)]
            if any(ours(filename) for filename in files):
                mine.append(entry)
            elif files:
                foreign = True
        latest = _latest(key_dir)
        if not foreign and (mine or ours(latest.get("filename", ""))):
            found.append(key_dir)
        elif mine:
            if latest.get("sha256") in {entry.name for entry in mine}:
                found.append(key_dir / _URL_LATEST)
            found.extend(mine)
    return found


def _children(directory: Path) -> list[Path]:
    try:
        return sorted(directory.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []


def _latest(key_dir: Path) -> dict[str, str]:
    import json

    try:
        loaded = json.loads((key_dir / _URL_LATEST).read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {k: v for k, v in loaded.items() if isinstance(k, str) and isinstance(v, str)}


def clean_packages(cache: Cache, names: Sequence[str]) -> dict[str, Tally]:
    result: dict[str, Tally] = {}
    if not cache.root.exists():
        return {name: Tally() for name in names}
    with cache.exclusive():
        for name in names:
            total = Tally()
            for path in package_entries(cache, name):
                total += remove(path)
                _remove_empty_parents(cache, path)
            result[name] = total
    return result


def _remove_empty_parents(cache: Cache, path: Path) -> None:
    """Remove the directories above ``path`` that are now empty, up to (not including)
    its bucket, so `puv cache info` counts no entry that holds nothing."""
    buckets = {cache.bucket(name) for name in BUCKETS}
    parent = path.parent
    while parent not in buckets and cache.root in parent.parents:
        try:
            parent.rmdir()  # only an empty directory goes
        except OSError:
            return
        parent = parent.parent


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
