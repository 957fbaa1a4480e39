"""Built wheels and backend metadata in the cache (bucket ``built-v1``).

Layout::

    built-v1/<name>/<key>/METADATA        metadata the backend prepared
    built-v1/<name>/<key>/<wheel file>    the wheel it built

``<name>`` is the project's normalised name when it is known before a build
(``[project] name``, the sdist's file name), else ``_unnamed``. ``<key>``:

- an sdist: ``sdist-<sha256 of the archive>``;
- a directory: ``dir-<fingerprint>`` over the relative paths, sizes and
  modification times of its files (VCS, cache, build and virtual environment
  directories left out) and the contents of pyproject.toml / setup.py /
  setup.cfg; an editable build (``editable-<fingerprint>``) depends on the
  paths and those contents only, as the sources themselves are not copied.

``-C`` config settings add their own hash to the key. Entries are written
through the cache's staging directory and ``os.replace``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from puv.domain.build.source import PROJECT_FILES
from puv.io.cache import Cache

BUCKET = "built-v1"
_SKIPPED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", "__pycache__", ".tox", ".nox", ".venv", "venv", "node_modules",
        "build", "dist", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs",
    }
)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def directory_fingerprint(directory: Path, *, editable: bool) -> str:
    """A digest that changes when the project at ``directory`` would build differently."""
    digest = hashlib.sha256()
    root = str(directory)
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d for d in dirs
            if d not in _SKIPPED_DIRS and not d.endswith(".egg-info")
            and not os.path.exists(os.path.join(current, d, "pyvenv.cfg"))
        )
        rel_dir = os.path.relpath(current, root)
        for name in sorted(files):
            rel = name if rel_dir == "." else os.path.join(rel_dir, name)
            digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
            if editable:
                continue
            try:
                stat = os.stat(os.path.join(current, name))
            except OSError:
                continue
            digest.update(f"{stat.st_size}:{stat.st_mtime_ns}\0".encode())
    for name in PROJECT_FILES:
        try:
            digest.update(name.encode() + b"\0" + (directory / name).read_bytes() + b"\0")
        except OSError:
            continue
    return digest.hexdigest()[:32]


def config_suffix(config_settings: Sequence[tuple[str, str]]) -> str:
    if not config_settings:
        return ""
    text = "\0".join(f"{key}={value}" for key, value in config_settings)
    return "-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def entry_dir(cache: Cache, name: str | None, key: str) -> Path:
    return cache.bucket(BUCKET) / (name or "_unnamed") / key


def cached_wheel(entry: Path) -> Path | None:
    """The wheel stored in ``entry``, if any."""
    try:
        wheels = sorted(p for p in entry.iterdir() if p.name.endswith(".whl"))
    except (FileNotFoundError, NotADirectoryError):
        return None
    return wheels[0] if wheels else None


def store_file(cache: Cache, source: Path, entry: Path, filename: str) -> Path:
    """Move (or copy) ``source`` into ``entry`` as ``filename``, atomically."""
    import shutil
    import tempfile

    entry.mkdir(parents=True, exist_ok=True)
    target = entry / filename
    fd, tmp = tempfile.mkstemp(dir=cache.tmpdir(), prefix=filename[:32] + ".")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target
