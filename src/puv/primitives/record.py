"""The RECORD file of an installed distribution (PEP 376, PEP 627, wheel spec).

RECORD is a CSV file (the :mod:`csv` module's default dialect) with one row
per installed file: ``path,hash,size``. The hash is ``<algorithm>=<digest>``
with the digest in URL-safe base64 without ``=`` padding; hash and size may be
empty (the RECORD row itself, and ``.pyc`` files written after install).
The wheel specification forbids md5 and sha1: :func:`verify_entry` refuses
them, :func:`parse_record` reads them (an uninstaller only needs paths).

Paths containing commas, quotes or newlines round-trip because both reading
and writing go through :mod:`csv`.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from puv.errors import RecordError
from puv.primitives.hashes import HashDigest

#: Algorithms a RECORD may use for verification (the wheel spec: sha256 or better).
RECORD_ALGORITHMS: frozenset[str] = frozenset(
    {"sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512", "blake2b", "blake2s"}
)


_B64_RE = re.compile(r"[A-Za-z0-9_-]+={0,2}")


def _b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class RecordHash:
    """A RECORD hash: algorithm and URL-safe base64 digest without padding."""

    algorithm: str
    value: str

    def __str__(self) -> str:
        return f"{self.algorithm}={self.value}"

    @classmethod
    def from_digest(cls, algorithm: str, digest: bytes) -> RecordHash:
        """From a raw digest (``hashlib.sha256(...).digest()``)."""
        return cls(algorithm, _b64(digest))

    def digest(self) -> bytes:
        """The raw digest bytes."""
        padded = self.value + "=" * (-len(self.value) % 4)
        return base64.urlsafe_b64decode(padded)

    def to_hash_digest(self) -> HashDigest:
        """The same digest as a hex :class:`~puv.primitives.hashes.HashDigest`."""
        return HashDigest(self.algorithm, self.digest().hex())


@dataclass(frozen=True, slots=True)
class RecordEntry:
    """One RECORD row. ``path`` is relative to site-packages, ``/``-separated."""

    path: str
    hash: RecordHash | None = None
    size: int | None = None


def record_hash(data: bytes, algorithm: str = "sha256") -> RecordHash:
    """The RECORD hash of ``data``."""
    return RecordHash.from_digest(algorithm, hashlib.new(algorithm, data).digest())


def entry_for(path: str, data: bytes, algorithm: str = "sha256") -> RecordEntry:
    """A complete RECORD row for a file with content ``data``."""
    return RecordEntry(path, record_hash(data, algorithm), len(data))


def parse_record_hash(text: str, *, path: str | None = None) -> RecordHash:
    """Parse ``algorithm=urlsafe-b64`` (raising RecordError when malformed)."""
    algorithm, sep, value = text.partition("=")
    algorithm = algorithm.strip().lower()
    value = value.strip()
    if not sep or not algorithm or not value:
        raise RecordError(
            f"invalid RECORD hash `{text}`" + (f" for `{path}`" if path else ""),
            path=path,
            hints=("expected `sha256=<urlsafe base64 digest>`",),
        )
    if _B64_RE.fullmatch(value) is None:
        raise RecordError(
            f"invalid RECORD hash `{text}`" + (f" for `{path}`" if path else "")
            + ": the digest is not URL-safe base64",
            path=path,
        )
    return RecordHash(algorithm, value.rstrip("="))


def _size(text: str) -> int | None:
    """A size of ASCII digits as an int; None for anything else (``²``, 5000 digits)."""
    if not (text.isascii() and text.isdigit()):
        return None
    try:
        return int(text)
    except ValueError:  # more digits than int() converts
        return None


def parse_record(data: bytes | str, *, source: str = "RECORD") -> tuple[RecordEntry, ...]:
    """Parse a RECORD file into its rows (blank rows skipped).

    Rows may have fewer than three columns (missing ones are empty); more
    than three, an empty path, a malformed hash or a non-numeric size is an error.
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise RecordError(f"{source} is not UTF-8", path=source) from None
    else:
        text = data
    entries: list[RecordEntry] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            lineno = reader.line_num
            if len(row) > 3:
                raise RecordError(
                    f"{source} line {lineno}: expected `path,hash,size`, got {len(row)} columns",
                    path=source,
                    lineno=lineno,
                )
            path = row[0]
            if not path:
                raise RecordError(f"{source} line {lineno}: empty path", path=source, lineno=lineno)
            hash_text = row[1] if len(row) > 1 else ""
            size_text = (row[2] if len(row) > 2 else "").strip()
            digest = parse_record_hash(hash_text, path=path) if hash_text.strip() else None
            size: int | None = None
            if size_text:
                size = _size(size_text)
                if size is None:
                    raise RecordError(
                        f"{source} line {lineno}: invalid size `{size_text}` for `{path}`",
                        path=source,
                        lineno=lineno,
                    )
            entries.append(RecordEntry(path, digest, size))
    except csv.Error as exc:
        raise RecordError(
            f"{source} line {reader.line_num}: {exc}", path=source, lineno=reader.line_num
        ) from None
    return tuple(entries)


def render_record(entries: Iterable[RecordEntry], record_path: str) -> str:
    """RECORD text: the given rows in order, then ``record_path`` with no hash or size.

    A row for ``record_path`` among ``entries`` is dropped (it cannot hash itself).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    # QUOTE_MINIMAL only quotes the "\n" of this line terminator: a path holding a
    # "\r" must be quoted too, or a reader takes the "\r" for a line end.
    quoting_writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for entry in entries:
        if entry.path == record_path:
            continue
        (quoting_writer if "\r" in entry.path else writer).writerow(
            (
                entry.path,
                "" if entry.hash is None else str(entry.hash),
                "" if entry.size is None else str(entry.size),
            )
        )
    (quoting_writer if "\r" in record_path else writer).writerow((record_path, "", ""))
    return out.getvalue()


def verify_entry(entry: RecordEntry, data: bytes) -> None:
    """Check ``data`` against a RECORD row; raise RecordError on any mismatch.

    A row without a hash passes (nothing to check) unless its size differs.
    """
    if entry.size is not None and entry.size != len(data):
        raise RecordError(
            f"`{entry.path}` has {len(data)} bytes, but RECORD says {entry.size}",
            path=entry.path,
            hints=("the wheel is corrupt or was modified after it was built",),
        )
    if entry.hash is None:
        return
    algorithm = entry.hash.algorithm
    if algorithm not in RECORD_ALGORITHMS:
        raise RecordError(
            f"RECORD uses hash algorithm `{algorithm}` for `{entry.path}`, which is not allowed",
            path=entry.path,
            hints=("wheels must record sha256 or a stronger hash",),
        )
    actual = record_hash(data, algorithm)
    if actual.value != entry.hash.value:
        raise RecordError(
            f"hash mismatch for `{entry.path}`: RECORD says {entry.hash}, the file has {actual}",
            path=entry.path,
            hints=("the wheel is corrupt or was modified after it was built",),
        )
