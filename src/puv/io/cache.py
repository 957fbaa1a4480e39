"""The cache: versioned buckets on disk, atomic writes, locks shared between processes.

Layout under the cache root::

    CACHEDIR.TAG, .gitignore, .lock
    simple-v1/<index-key>/<project>.bin         project pages + HTTP validators (marshal)
    metadata-v1/<project>/<sha256-of-file>      METADATA of a distribution file (immutable)
    archive-v1/<project>/<sha256-of-wheel>/     a wheel unpacked once; installs link from here
    interpreter-v2/<checksum>-<name>.bin        interpreter query answers (marshal)
    built-v1/<project>/<key>/                   wheels built from sdists and local projects
    git-v1/db/<url-key>, checkouts/<key>/<sha>/ git databases and one checkout per commit
    url-v1/<url-key>/<sha256>/<filename>        archives fetched from direct URLs
    tmp/                                        staging area; entries move out with os.replace

Entries that belong to a project sit under the project's normalized name, so
``puv cache clean NAME`` can remove them without reading anything; in ``url-v1``
it parses the file names instead, and ``git-v1`` is not tied to project names.

Every bucket name carries a format version. Writers stage in ``tmp/`` (on the
same filesystem) and publish with ``os.replace``, so a reader sees the old
entry or the new one, never half of one. Processes hold a shared lock on
``.lock`` while they use the cache; ``puv cache clean`` takes it exclusively,
so a clean waits for running installs and an install waits for a clean.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from puv.errors import CacheError

BUCKETS = (
    "simple-v1", "metadata-v1", "archive-v1", "interpreter-v2", "built-v1", "git-v1", "url-v1", "noop-v1",
)

_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by puv: backup tools may skip this directory.\n"
)


def url_key(url: str) -> str:
    """A short, filesystem-safe key for an index URL or any other string."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Cache:
    root: Path

    def bucket(self, name: str) -> Path:
        return self.root / name

    def ensure(self) -> None:
        """Create the root with its tag files (idempotent)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tag = self.root / "CACHEDIR.TAG"
            if not tag.exists():
                write_atomic(self, tag, _CACHEDIR_TAG.encode())
                write_atomic(self, self.root / ".gitignore", b"*\n")
        except OSError as error:
            raise CacheError(
                f"cannot use the cache directory {self.root}",
                causes=[str(error)],
                hints=["pick another one with --cache-dir or PUV_CACHE_DIR, or use --no-cache"],
            ) from None

    def tmpdir(self) -> Path:
        path = self.root / "tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @contextmanager
    def shared(self) -> Iterator[None]:
        """Hold the cache's shared lock (many readers and writers of entries)."""
        with _flock(self.root / ".lock", exclusive=False):
            yield

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the cache's exclusive lock (clean / prune)."""
        with _flock(self.root / ".lock", exclusive=True):
            yield


def write_atomic(cache: Cache, path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache.tmpdir(), prefix=path.name[:32] + ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_or_none(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, NotADirectoryError):
        return None


@contextmanager
def _flock(path: Path, *, exclusive: bool) -> Iterator[None]:
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
