"""Fetching a wheel into the cache, unpacked once, ready for installers to link from.

A wheel is streamed into a temporary file inside the cache, hashed, checked
against the index's digests and any ``--hash`` the user gave, size-checked,
unpacked into a staging directory and published with one ``rename`` as
``archive-v1/<project>/<sha256>/`` (with a ``.puv-complete`` marker written last).
When that directory already exists, nothing is fetched. If anything fails,
nothing is left in the cache: not under ``archive-v1``, not in ``tmp/``.

Hostile wheels (unsafe names, links, zip parsing differentials, decompression
bombs beyond ``limits``, corrupt data) are refused by
:func:`puv.io.archive.unpack_wheel` with :class:`~puv.io.archive.UnsafeArchive`;
what the wheel *means* (its ``.dist-info``, ``METADATA``, ``RECORD``) is checked
when it is installed (:func:`puv.domain.installer.wheel_install.install_wheel`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from puv.errors import NetworkError, PuvError
from puv.io.archive import DEFAULT_UNPACK_LIMITS, UnpackLimits, unpack_wheel
from puv.io.cache import Cache
from puv.io.http import HttpClient, redact
from puv.primitives.simple_api import DistFile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

COMPLETE_MARKER = ".puv-complete"


class HashMismatch(PuvError):
    """A downloaded file's digest differs from the expected one."""


@dataclass(frozen=True)
class Unpacked:
    """A wheel unpacked in the cache."""

    project: str
    filename: str
    sha256: str
    path: Path
    downloaded: bool


def archive_dir(cache: Cache, project: str, sha256: str) -> Path:
    return cache.bucket("archive-v1") / project / sha256


def is_complete(path: Path) -> bool:
    return (path / COMPLETE_MARKER).exists()


def _digests(path: Path, algorithms: Iterable[str]) -> dict[str, str]:
    hashers = {name: hashlib.new(name) for name in {"sha256", *algorithms}}
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            for hasher in hashers.values():
                hasher.update(chunk)
    return {name: hasher.hexdigest() for name, hasher in hashers.items()}


class _HashingSink(io.BufferedRandom):
    """The download's temporary file, hashing what is written as it streams in (so the
    file is not read again). A rewind to the start (each retry does one) starts the
    digests afresh; any other seek or truncation makes them unusable (:meth:`digests`
    then returns ``None`` and the caller reads the file instead)."""

    def __init__(self, raw: io.FileIO, algorithms: Iterable[str]) -> None:
        super().__init__(raw)  # the default buffer: 64 KiB chunks go straight to the file
        self._names = {"sha256", *algorithms}
        self._hashers = {name: hashlib.new(name) for name in self._names}
        self._hashed = 0
        self._valid = True

    def write(self, data: ReadableBuffer, /) -> int:
        view = memoryview(data).cast("B")
        written = super().write(view)
        for hasher in self._hashers.values():
            hasher.update(view[:written])
        self._hashed += written
        return written

    def seek(self, target: int, whence: int = 0, /) -> int:
        position = super().seek(target, whence)
        if position == 0:
            self._hashers = {name: hashlib.new(name) for name in self._names}
            self._hashed = 0
        elif position != self._hashed:
            self._valid = False
        return position

    def truncate(self, pos: int | None = None, /) -> int:
        size = super().truncate(pos)
        if size < self._hashed:
            self._valid = False
        return size

    def digests(self, size: int) -> dict[str, str] | None:
        """The digests of the file's ``size`` bytes, if all of them (and only they) were hashed."""
        if not self._valid or self._hashed != size:
            return None
        return {name: hasher.hexdigest() for name, hasher in self._hashers.items()}


def _verify(
    file: DistFile, actual: dict[str, str], required: tuple[tuple[str, str], ...], requirement: str | None
) -> None:
    for algorithm, expected in file.hashes:
        if algorithm in actual and actual[algorithm] != expected.lower():
            raise HashMismatch(
                f"hash mismatch for {file.filename}: the index says {algorithm}:{expected}, "
                f"the downloaded file has {algorithm}:{actual[algorithm]}",
                hints=["the file may have been corrupted in transit or replaced on the index; try again"],
            )
    if required:
        if not any(actual.get(alg) == digest.lower() for alg, digest in required):
            shown = ", ".join(f"{alg}:{digest}" for alg, digest in required)
            got = ", ".join(f"{alg}:{actual[alg]}" for alg in sorted({a for a, _ in required}))
            who = f" (required by `{requirement}`)" if requirement else ""
            raise HashMismatch(
                f"hash mismatch for {file.filename}{who}: expected {shown}, got {got}",
                hints=["the requirement's --hash values do not match this file"],
            )


def fetch_wheel(
    http: HttpClient,
    cache: Cache,
    project: str,
    file: DistFile,
    *,
    required_hashes: tuple[tuple[str, str], ...] = (),
    requirement: str | None = None,
    on_bytes: Callable[[int], None] | None = None,
    limits: UnpackLimits = DEFAULT_UNPACK_LIMITS,
    unpack_slot: AbstractContextManager[object] | None = None,
) -> Unpacked:
    """Make sure ``file`` is unpacked in the cache and return where.

    ``limits`` bounds what unpacking may write (decompression bombs); callers pass
    the user's setting, the default is :data:`puv.io.archive.DEFAULT_UNPACK_LIMITS`.
    ``unpack_slot``, when given, is entered around the unpacking only: parallel callers
    use it to keep the CPU-bound unpacks to about the number of cores while downloads
    go on (see :func:`puv.domain.prepare.prepare_wheels`).
    """
    import tempfile

    known = next((digest.lower() for alg, digest in file.hashes if alg == "sha256"), None)
    if known is not None:
        target = archive_dir(cache, project, known)
        if is_complete(target) and (
            not required_hashes or any(alg == "sha256" and d.lower() == known for alg, d in required_hashes)
        ):
            return Unpacked(project, file.filename, known, target, downloaded=False)

    tmp_root = cache.tmpdir()
    fd, tmp_name = tempfile.mkstemp(dir=tmp_root, prefix="dl-", suffix=".whl")
    staging: Path | None = None
    algorithms = {alg for alg, _ in (*file.hashes, *required_hashes) if alg in hashlib.algorithms_available}
    try:
        with _HashingSink(io.FileIO(fd, "r+"), algorithms) as sink:
            response = http.download(file.url, sink, on_bytes=on_bytes)
            sink.flush()
            received = os.fstat(fd).st_size
            streamed = sink.digests(received)
        if response.status != 200:
            raise NetworkError(f"cannot download {redact(file.url)} (HTTP {response.status})")
        tmp_path = Path(tmp_name)
        if file.size is not None and received != file.size:
            raise HashMismatch(
                f"size mismatch for {file.filename}: the index says {file.size} bytes, "
                f"received {received}",
            )
        actual = streamed if streamed is not None else _digests(tmp_path, algorithms)
        _verify(file, actual, required_hashes, requirement)
        sha256 = actual["sha256"]
        target = archive_dir(cache, project, sha256)
        if is_complete(target):
            return Unpacked(project, file.filename, sha256, target, downloaded=True)
        staging = Path(tempfile.mkdtemp(dir=tmp_root, prefix="unpack-"))
        with unpack_slot if unpack_slot is not None else contextlib.nullcontext():
            unpack_wheel(tmp_path, staging, label=file.filename, limits=limits)
        (staging / COMPLETE_MARKER).write_text(file.filename + "\n")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() and not is_complete(target):
            shutil.rmtree(target, ignore_errors=True)  # a leftover of an interrupted run
        try:
            os.rename(staging, target)
            staging = None
        except OSError:
            if not is_complete(target):  # another process won the race only if it finished
                raise
        return Unpacked(project, file.filename, sha256, target, downloaded=True)
    finally:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
