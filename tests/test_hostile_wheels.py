"""Hostile wheels: every one is refused with a clear error before anything lands anywhere.

One parametrized case per hostile archive (issue "Hardening", item 1). Archives are
made with :func:`tests.support.builders.write_wheel` or, where zipfile cannot write the
trick (NUL in names, lying local headers, shifted offsets, data descriptors with the
wrong CRC, ...), with the small raw zip writer below, which controls every byte.

Each archive goes through the real path: :func:`fetch_wheel` (a ``file://`` URL, hashed
and unpacked into the cache) and, when unpacking is fine but the wheel's *meaning* is
not, :func:`install_wheel`. Asserted for every case: the error type, the archive's name
and the message fragments (the member when there is one); nothing under the cache's
``archive-v1`` (for archive-level cases), nothing left in the cache's ``tmp/``, nothing
new in the environment; and :func:`unpack_wheel` called directly leaves no directory.

Decisions, documented with their cases:

* Names differing only in case (or Unicode normalization) are distinct files: accepted
  on a case-sensitive file system (see ``test_case_only_duplicates_are_distinct_files``);
  on a case-insensitive one the second member is refused, never silently merged.
* Data before the archive (self-extracting or polyglot files) is refused whether its
  offsets were shifted (zipfile tolerates that) or written absolute, and so is data after
  the end record's comment, and any unaccounted byte between members.
* RECORD hash mismatches of equal-sized files are found with ``verify="hash"`` only; the
  default (``"size"``) relies on the wheel's sha256 checked against the index.
"""

from __future__ import annotations

import bz2
import hashlib
import io
import os
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from puv.domain.index.download import Unpacked, fetch_wheel
from puv.domain.installer.wheel_install import InvalidWheel, RecordMismatch, WheelPathEscape, install_wheel
from puv.errors import PuvError
from puv.io.archive import UnpackLimits, UnsafeArchive, unpack_wheel
from puv.io.cache import Cache
from puv.io.http import HttpClient, HttpOptions
from puv.primitives.simple_api import DistFile
from tests.support.builders import core_metadata, record_file, wheel_file, write_wheel
from tests.test_wheel_install import fake_scheme

WHEEL_NAME = "demo_pkg-1.0-py3-none-any.whl"
INFO = "demo_pkg-1.0.dist-info"


# --------------------------------------------------------------------------- a raw zip writer


@dataclass
class Entry:
    """One member, and every way its headers may lie."""

    name: str | bytes
    data: bytes = b""
    method: int = 8
    flags: int = 0
    mode: int = 0o100644
    crc: int | None = None  # both headers
    size: int | None = None  # both headers
    payload: bytes | None = None  # the compressed bytes, when not made from data
    compressed_size: int | None = None  # both headers
    local: dict[str, object] = field(default_factory=dict)  # name, flags, method, crc, csize, usize
    central_offset_delta: int = 0
    descriptor: bytes | bool = False  # True: a correct one with signature; bytes: these
    after: bytes = b""  # bytes between this member and the next
    alias: int | None = None  # a central directory entry only, for the local header of entry #alias


def _name_bytes(name: str | bytes) -> tuple[bytes, int]:
    if isinstance(name, bytes):
        return name, 0
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), 0x800


def raw_zip(
    entries: Sequence[Entry],
    *,
    prefix: bytes = b"",
    shifted: bool = True,
    suffix: bytes = b"",
    entry_count: int | None = None,
) -> bytes:
    """A zip built byte by byte. ``prefix`` bytes come first; with ``shifted`` the recorded
    offsets ignore them (a zip concatenated to another file), else they are absolute."""
    out = bytearray(prefix)
    base = 0 if shifted else len(prefix)
    central = bytearray()
    offsets: list[int] = []
    for entry in entries:
        name, utf8 = _name_bytes(entry.name)
        flags = entry.flags | utf8 | (0x8 if entry.descriptor else 0)
        if entry.payload is not None:
            payload = entry.payload
        elif entry.method == 8:
            compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
            payload = compressor.compress(entry.data) + compressor.flush()
        else:
            payload = entry.data
        crc = zlib.crc32(entry.data) if entry.crc is None else entry.crc
        size = len(entry.data) if entry.size is None else entry.size
        csize = len(payload) if entry.compressed_size is None else entry.compressed_size
        local = entry.local
        local_name = local.get("name", name)
        assert isinstance(local_name, bytes)
        offset = len(out) - len(prefix) + base if entry.alias is None else offsets[entry.alias]
        offsets.append(offset)
        central += struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            0x031E,
            20,
            flags,
            entry.method,
            0,
            0x5821,
            crc,
            csize,
            size,
            len(name),
            0,
            0,
            0,
            0,
            (entry.mode & 0xFFFF) << 16,
            offset + entry.central_offset_delta,
        )
        central += name
        if entry.alias is not None:
            continue
        zero = bool(entry.descriptor)
        out += struct.pack(
            "<4s5H3L2H",
            b"PK\x03\x04",
            20,
            int(local.get("flags", flags)),  # type: ignore[call-overload]
            int(local.get("method", entry.method)),  # type: ignore[call-overload]
            0,
            0x5821,
            int(local.get("crc", 0 if zero else crc)),  # type: ignore[call-overload]
            int(local.get("csize", 0 if zero else csize)),  # type: ignore[call-overload]
            int(local.get("usize", 0 if zero else size)),  # type: ignore[call-overload]
            len(local_name),
            0,
        )
        out += local_name + payload
        if entry.descriptor is True:
            out += struct.pack("<4s3L", b"PK\x07\x08", crc, csize, size)
        elif isinstance(entry.descriptor, bytes):
            out += entry.descriptor
        out += entry.after
    directory_offset = len(out) - len(prefix) + base
    out += central
    count = len(entries) if entry_count is None else entry_count
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), directory_offset, 0)
    return bytes(out + suffix)


def good_entries(*extra: Entry, record_extra: dict[str, bytes] | None = None) -> list[Entry]:
    """A valid wheel's members (``extra`` before the .dist-info), RECORD listing them all."""
    members: dict[str, bytes] = {}
    entries = [Entry("demo_pkg/__init__.py", b"x = 1\n"), *extra]
    entries += [
        Entry(f"{INFO}/METADATA", core_metadata("demo-pkg", "1.0")),
        Entry(f"{INFO}/WHEEL", wheel_file("py3-none-any")),
    ]
    for entry in entries:
        if isinstance(entry.name, str) and not entry.name.endswith("/"):
            members[entry.name] = entry.data
    members.update(record_extra or {})
    entries.append(Entry(f"{INFO}/RECORD", record_file(members, f"{INFO}/RECORD")))
    return entries


def good_members(**extra: str | bytes) -> dict[str, str | bytes]:
    """A valid wheel's members; ``extra`` added or replacing (RECORD comes from write_wheel)."""
    members: dict[str, str | bytes] = {
        "demo_pkg/__init__.py": "x = 1\n",
        f"{INFO}/METADATA": core_metadata("demo-pkg", "1.0"),
        f"{INFO}/WHEEL": wheel_file("py3-none-any"),
    }
    members.update(extra)
    return members


def record_rows(rows: dict[str, bytes | None]) -> bytes:
    """A RECORD with hashes computed from ``rows`` (None: no hash) rather than the files."""
    out = io.StringIO()
    for path, data in rows.items():
        if data is None:
            out.write(f"{path},,\n")
        else:
            digest = hashlib.sha256(data).digest()
            import base64

            text = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            out.write(f"{path},sha256={text},{len(data)}\n")
    out.write(f"{INFO}/RECORD,,\n")
    return out.getvalue().encode()


# --------------------------------------------------------------------------- the cases


Builder = Callable[[Path], Path]


def raw(*entries: Entry, **options: object) -> Builder:
    def build(directory: Path) -> Path:
        path = directory / WHEEL_NAME
        path.write_bytes(raw_zip(list(entries), **options))  # type: ignore[arg-type]
        return path

    return build


def wheel(members: dict[str, str | bytes], **options: object) -> Builder:
    def build(directory: Path) -> Path:
        return write_wheel(directory / WHEEL_NAME, members, **options)  # type: ignore[arg-type]

    return build


def transformed(inner: Builder, change: Callable[[bytes], bytes]) -> Builder:
    def build(directory: Path) -> Path:
        path = inner(directory)
        path.write_bytes(change(path.read_bytes()))
        return path

    return build


def prepended_absolute(directory: Path) -> Path:
    """A self-extracting layout: zipfile appends a zip to a non-zip file, offsets absolute."""
    path = directory / WHEEL_NAME
    path.write_bytes(b"MZ" + b"\0" * 510)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in good_members().items():
            zf.writestr(name, data)
        zf.writestr(f"{INFO}/RECORD", b"")
    return path


def _with_local_overrides(entries: list[Entry], member: str, /, **local: object) -> list[Entry]:
    for entry in entries:
        if entry.name == member:
            entry.local.update(local)
    return entries


def _patched(entries: list[Entry], member: str, /, **changes: object) -> list[Entry]:
    for entry in entries:
        if entry.name == member:
            for key, value in changes.items():
                setattr(entry, key, value)
    return entries


INIT = "demo_pkg/__init__.py"
BIG = b"".join(struct.pack("<Q", i * 2654435761 % (1 << 64)) for i in range(3 << 17))  # 3 MiB, incompressible-ish


@dataclass(frozen=True)
class Case:
    build: Builder
    error: type[PuvError]
    fragments: tuple[str, ...]
    stage: str = "unpack"  # "unpack": refused by fetch_wheel; "install": by install_wheel
    limits: UnpackLimits | None = None
    verify: str = "size"


def _deflated(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


HOSTILE: dict[str, Case] = {
    # ---- member names
    "dotdot": Case(wheel(good_members(**{"../evil.py": "boom"})), UnsafeArchive, ("escapes the target", "'../evil.py'")),
    "dotdot-nested": Case(
        wheel(good_members(**{"demo_pkg/../../evil.py": "boom"})), UnsafeArchive, ("escapes the target", "demo_pkg/../../evil.py")
    ),
    "absolute": Case(wheel(good_members(**{"/etc/evil": "boom"})), UnsafeArchive, ("absolute path", "'/etc/evil'")),
    "drive-letter-slash": Case(wheel(good_members(**{"C:/evil.py": "boom"})), UnsafeArchive, ("absolute path", "'C:/evil.py'")),
    "drive-letter-backslash": Case(raw(*good_entries(Entry("C:\\evil.py", b"boom"))), UnsafeArchive, ("backslash", "evil.py")),
    "drive-relative": Case(wheel(good_members(**{"c:evil.py": "boom"})), UnsafeArchive, ("absolute path", "'c:evil.py'")),
    "backslash": Case(raw(*good_entries(Entry("demo_pkg\\..\\..\\evil.py", b"boom"))), UnsafeArchive, ("backslash", "evil.py")),
    "nul-in-name": Case(raw(*good_entries(Entry("demo_pkg/evil.py\x00.txt", b"boom"))), UnsafeArchive, ("NUL byte", "evil.py\\x00.txt")),
    "empty-name": Case(raw(*good_entries(Entry("", b"boom"))), UnsafeArchive, ("empty name",)),
    # ---- member types
    "symlink-outside": Case(
        wheel(good_members(**{"demo_pkg/link": "/etc/passwd"}), modes={"demo_pkg/link": 0o120777}),
        UnsafeArchive,
        ("symbolic link", "'demo_pkg/link'"),
    ),
    "symlink-inside": Case(
        wheel(good_members(**{"demo_pkg/link": "__init__.py"}), modes={"demo_pkg/link": 0o120777}),
        UnsafeArchive,
        ("symbolic link", "'demo_pkg/link'"),
    ),
    "symlink-dir-then-file-through-it": Case(
        wheel(good_members(**{"demo_pkg/d": "/tmp", "demo_pkg/d/x.py": "boom"}), modes={"demo_pkg/d": 0o120777}),
        UnsafeArchive,
        ("symbolic link", "'demo_pkg/d'"),
    ),
    "fifo": Case(
        wheel(good_members(**{"demo_pkg/pipe": ""}), modes={"demo_pkg/pipe": 0o010644}),
        UnsafeArchive,
        ("special file", "'demo_pkg/pipe'"),
    ),
    "char-device": Case(
        wheel(good_members(**{"demo_pkg/tty": ""}), modes={"demo_pkg/tty": 0o020644}),
        UnsafeArchive,
        ("special file", "'demo_pkg/tty'"),
    ),
    "dir-mode-without-slash": Case(
        wheel(good_members(**{"demo_pkg/sub": ""}), modes={"demo_pkg/sub": 0o040755}),
        UnsafeArchive,
        ("directory entry without a trailing slash", "'demo_pkg/sub'"),
    ),
    # hard-link-like: two central directory entries for one local header (one data, two names)
    "aliased-entry-same-name": Case(
        raw(*good_entries(Entry(INIT, b"x = 1\n", alias=0))), UnsafeArchive, ("the member 'demo_pkg/__init__.py' twice",)
    ),
    "aliased-entry-other-name": Case(
        raw(*good_entries(Entry("demo_pkg/copy.py", b"x = 1\n", alias=0))),
        UnsafeArchive,
        ("'demo_pkg/copy.py' is named 'demo_pkg/__init__.py' in its local file header",),
    ),
    "file-below-a-file": Case(
        wheel(good_members(**{"demo_pkg/__init__.py/evil.py": "boom"})),
        UnsafeArchive,
        ("below the file 'demo_pkg/__init__.py'", "demo_pkg/__init__.py/evil.py"),
    ),
    # ---- duplicates
    "duplicate-exact": Case(
        raw(*good_entries(Entry("demo_pkg/x.py", b"good\n"), Entry("demo_pkg/x.py", b"evil\n"))),
        UnsafeArchive,
        ("the member 'demo_pkg/x.py' twice",),
    ),
    "duplicate-trailing-slash": Case(
        raw(*good_entries(Entry("demo_pkg/x", b"file\n"), Entry("demo_pkg/x/", b"", mode=0o040755, method=0))),
        UnsafeArchive,
        ("the member 'demo_pkg/x' twice",),
    ),
    "duplicate-dot-segment": Case(
        raw(*good_entries(Entry("demo_pkg/x.py", b"good\n"), Entry("demo_pkg/./x.py", b"evil\n"))),
        UnsafeArchive,
        ("the member 'demo_pkg/x.py' twice",),
    ),
    "duplicate-double-slash": Case(
        raw(*good_entries(Entry("demo_pkg/x.py", b"good\n"), Entry("demo_pkg//x.py", b"evil\n"))),
        UnsafeArchive,
        ("the member 'demo_pkg/x.py' twice",),
    ),
    # ---- local header vs central directory (parsing differentials)
    "local-name-differs": Case(
        raw(*_with_local_overrides(good_entries(), INIT, name=b"demo_pkg/__evil__.py")),
        UnsafeArchive,
        ("'demo_pkg/__init__.py' is named 'demo_pkg/__evil__.py' in its local file header",),
    ),
    "local-name-encoding-differs": Case(
        raw(*_with_local_overrides(good_entries(Entry("demo_pkg/\u00fc.py", b"u = 1\n")), "demo_pkg/\u00fc.py", flags=0)),
        UnsafeArchive,
        ("in its local file header", "demo_pkg/\u00fc.py"),
    ),
    "local-method-differs": Case(
        raw(*_with_local_overrides(good_entries(), INIT, method=0)),
        UnsafeArchive,
        ("compression method 0 in its local file header but 8", "'demo_pkg/__init__.py'"),
    ),
    "local-crc-differs": Case(
        raw(*_with_local_overrides(good_entries(), INIT, crc=0xDEADBEEF)),
        UnsafeArchive,
        ("CRC deadbeef in its local file header", "'demo_pkg/__init__.py'"),
    ),
    "local-compressed-size-differs": Case(
        raw(*_with_local_overrides(good_entries(), INIT, csize=1)),
        UnsafeArchive,
        ("compressed size 1 in its local file header", "'demo_pkg/__init__.py'"),
    ),
    "local-size-differs": Case(
        raw(*_with_local_overrides(good_entries(), INIT, usize=999)),
        UnsafeArchive,
        ("size 999 in its local file header but 6", "'demo_pkg/__init__.py'"),
    ),
    "local-encrypted-only": Case(
        raw(*_with_local_overrides(good_entries(), INIT, flags=1)),
        UnsafeArchive,
        ("encrypted member (local file header)", "'demo_pkg/__init__.py'"),
    ),
    "descriptor-crc-differs": Case(
        raw(*_patched(good_entries(), INIT, descriptor=struct.pack("<4s3L", b"PK\x07\x08", 0xDEADBEEF, 8, 6))),
        UnsafeArchive,
        ("CRC deadbeef in its data descriptor", "'demo_pkg/__init__.py'"),
    ),
    "descriptor-garbage": Case(
        raw(*_patched(good_entries(), INIT, descriptor=b"XXXX" + b"\0" * 12)),
        UnsafeArchive,
        ("hidden data", "'demo_pkg/__init__.py'"),
    ),
    "central-offset-into-other-member": Case(
        raw(*_patched(good_entries(Entry("demo_pkg/a.py", b"a\n")), "demo_pkg/a.py", central_offset_delta=-20)),
        UnsafeArchive,
        ("no local file header for the member 'demo_pkg/a.py'",),
    ),
    "overlapping-members": Case(
        raw(*_patched(good_entries(), INIT, compressed_size=40)),
        UnsafeArchive,
        ("the member 'demo_pkg/__init__.py' overlaps",),
    ),
    "hidden-bytes-between-members": Case(
        raw(*_patched(good_entries(), INIT, after=b"import os; os.system('evil')")),
        UnsafeArchive,
        ("28 bytes of hidden data between the member 'demo_pkg/__init__.py'",),
    ),
    "end-record-count-differs": Case(raw(*good_entries(), entry_count=2), UnsafeArchive, ("counts 2 members", "holds 4")),
    "stored-sizes-differ": Case(
        raw(*good_entries(Entry("demo_pkg/s.py", b"s = 1\n", method=0, compressed_size=6 + 10, after=b""))),
        UnsafeArchive,
        ("stored (uncompressed) member", "'demo_pkg/s.py'"),
    ),
    # ---- polyglots
    "prepended-shifted-offsets": Case(
        raw(*good_entries(), prefix=b"MZ" + b"\0" * 62), UnsafeArchive, ("data before the zip archive", "self-extracting")
    ),
    "prepended-absolute-offsets": Case(prepended_absolute, UnsafeArchive, ("512 bytes of data before its first member",)),
    "appended-data": Case(
        raw(*good_entries(), suffix=b"<html>polyglot</html>"), UnsafeArchive, ("data after its end of central directory record",)
    ),
    # ---- data that does not match its entry
    "crc-mismatch-large": Case(
        raw(*good_entries(Entry("demo_pkg/big.bin", BIG, crc=zlib.crc32(BIG) ^ 1))),
        UnsafeArchive,
        ("is corrupt", "'demo_pkg/big.bin'", "CRC"),
    ),
    "data-shorter-than-declared": Case(
        raw(*good_entries(Entry("demo_pkg/short.py", b"s = 1\n", size=600))),
        UnsafeArchive,
        ("holds 6 bytes, but its entry says 600", "'demo_pkg/short.py'"),
    ),
    "deflate-stream-corrupt": Case(
        raw(*good_entries(Entry("demo_pkg/bad.py", b"b = 1\n", payload=b"\xff" * 8))),
        UnsafeArchive,
        ("is corrupt", "'demo_pkg/bad.py'"),
    ),
    "truncated-archive": Case(
        transformed(raw(*good_entries()), lambda data: data[: len(data) // 2]), UnsafeArchive, ("not a valid wheel (zip) file",)
    ),
    "not-a-zip": Case(transformed(raw(*good_entries()), lambda data: b"<html>404</html>"), UnsafeArchive, ("not a valid wheel",)),
    "empty-zip": Case(raw(), UnsafeArchive, ("is empty",)),
    # ---- encryption and methods
    "encrypted": Case(raw(*good_entries(Entry("demo_pkg/secret.py", b"s\n", flags=1))), UnsafeArchive, ("encrypted member", "'demo_pkg/secret.py'")),
    "strong-encryption": Case(
        raw(*good_entries(Entry("demo_pkg/secret.py", b"s\n", flags=0x41))), UnsafeArchive, ("encrypted member", "'demo_pkg/secret.py'")
    ),
    "unknown-method": Case(
        raw(*good_entries(Entry("demo_pkg/aes.py", b"s\n", method=99, payload=b"xx"))),
        UnsafeArchive,
        ("method 99 (AES encryption)", "'demo_pkg/aes.py'"),
    ),
    # ---- decompression bombs
    "bomb-declared-ratio": Case(
        raw(*good_entries(Entry("demo_pkg/bomb.bin", b"", size=100 << 20, payload=_deflated(b"\0" * 1024), crc=0))),
        UnsafeArchive,
        ("expands", "at most 2000:1", "'demo_pkg/bomb.bin'"),
    ),
    "bomb-declared-total": Case(
        raw(*good_entries(*(Entry(f"demo_pkg/b{i}.bin", b"", size=0xFFFFFFF0, compressed_size=5 << 20, crc=0) for i in range(3)))),
        UnsafeArchive,
        ("would unpack to", "more than the limit of 8589934592 bytes"),
    ),
    "bomb-bzip2": Case(
        raw(*good_entries(Entry("demo_pkg/zeros.bin", b"\0" * (8 << 20), method=12, payload=bz2.compress(b"\0" * (8 << 20))))),
        UnsafeArchive,
        ("method 12 (bzip2)", "only stored (0) and deflate (8)", "'demo_pkg/zeros.bin'"),
    ),
    "bomb-real-ratio": Case(
        raw(*good_entries(Entry("demo_pkg/zeros.bin", b"\0" * (2 << 20)))),
        UnsafeArchive,
        ("expands", "at most 100:1", "'demo_pkg/zeros.bin'"),
        limits=UnpackLimits(max_ratio=100),
    ),
    "bomb-real-total": Case(
        raw(*good_entries(Entry("demo_pkg/big.bin", BIG))),
        UnsafeArchive,
        ("would unpack to", "more than the limit of 1048576 bytes"),
        limits=UnpackLimits(max_total_size=1 << 20),
    ),
    # ---- what the wheel means: refused at install
    "dist-info-name-differs-from-wheel": Case(
        wheel({k.replace(INFO, "evil-1.0.dist-info"): v for k, v in good_members().items()}),
        InvalidWheel,
        ("`evil-1.0.dist-info` does not match the distribution name `demo-pkg`",),
        stage="install",
    ),
    "dist-info-version-differs-from-wheel": Case(
        wheel({k.replace(INFO, "demo_pkg-6.6.6.dist-info"): v for k, v in good_members().items()}),
        InvalidWheel,
        ("`demo_pkg-6.6.6.dist-info` does not match the version `1.0`",),
        stage="install",
    ),
    "metadata-name-differs": Case(
        wheel(good_members(**{f"{INFO}/METADATA": core_metadata("evil", "1.0")})),
        InvalidWheel,
        ("METADATA names the distribution `evil`", "are `demo-pkg`"),
        stage="install",
    ),
    "metadata-version-differs": Case(
        wheel(good_members(**{f"{INFO}/METADATA": core_metadata("demo-pkg", "6.6.6")})),
        InvalidWheel,
        ("METADATA says version `6.6.6`", "version `1.0`"),
        stage="install",
    ),
    "metadata-without-name": Case(
        wheel(good_members(**{f"{INFO}/METADATA": "Metadata-Version: 2.3\nVersion: 1.0\n\nName: evil\n"})),
        InvalidWheel,
        (f"{INFO}/METADATA has no Name field",),
        stage="install",
    ),
    "metadata-missing": Case(
        wheel({k: v for k, v in good_members().items() if not k.endswith("METADATA")}),
        InvalidWheel,
        (f"has no {INFO}/METADATA file",),
        stage="install",
    ),
    "record-hash-mismatch": Case(
        wheel(good_members(), record=record_rows({INIT: b"x = 2\n", f"{INFO}/METADATA": None, f"{INFO}/WHEEL": None})),
        RecordMismatch,
        ("hash mismatch", INIT),
        stage="install",
        verify="hash",
    ),
    "record-size-mismatch": Case(
        wheel(good_members(), record=record_rows({INIT: b"x = 12\n", f"{INFO}/METADATA": None, f"{INFO}/WHEEL": None})),
        RecordMismatch,
        (f"`{INIT}` has 6 bytes, but RECORD says 7",),
        stage="install",
    ),
    "record-lists-missing-file": Case(
        wheel(
            good_members(),
            record=record_rows({INIT: b"x = 1\n", "demo_pkg/gone.py": b"g\n", f"{INFO}/METADATA": None, f"{INFO}/WHEEL": None}),
        ),
        RecordMismatch,
        ("RECORD lists `demo_pkg/gone.py`, which is not in the wheel",),
        stage="install",
    ),
    "record-misses-extra-file": Case(
        wheel(
            good_members(**{"demo_pkg/backdoor.py": "import os\n"}),
            record=record_rows({INIT: b"x = 1\n", f"{INFO}/METADATA": None, f"{INFO}/WHEEL": None}),
        ),
        RecordMismatch,
        ("`demo_pkg/backdoor.py` is not listed in RECORD",),
        stage="install",
    ),
    "record-path-escape": Case(
        wheel(
            good_members(),
            record=record_rows({INIT: b"x = 1\n", "../../../bin/evil": b"e\n", f"{INFO}/METADATA": None, f"{INFO}/WHEEL": None}),
        ),
        WheelPathEscape,
        ("escapes the install directory", "../../../bin/evil"),
        stage="install",
    ),
    "record-missing": Case(wheel(good_members(), record=None), InvalidWheel, (f"has no {INFO}/RECORD file",), stage="install"),
}

#: How many hostile archives this module tries (for the reliability report); every one is refused.
CASES_TRIED = len(HOSTILE)


# --------------------------------------------------------------------------- the test


def _tree(root: Path) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            out[os.path.relpath(os.path.join(dirpath, name), root)] = None
        for name in filenames:
            path = os.path.join(dirpath, name)
            out[os.path.relpath(path, root)] = Path(path).read_bytes()
    return out


def _dist_file(path: Path) -> DistFile:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return DistFile(path.name, path.as_uri(), hashes=(("sha256", digest),), size=path.stat().st_size)


def _fetch(path: Path, cache_root: Path, limits: UnpackLimits | None) -> Unpacked:
    cache = Cache(cache_root)
    cache.ensure()
    http = HttpClient(HttpOptions(backoff=0.01, timeout=5))
    if limits is None:
        return fetch_wheel(http, cache, "demo-pkg", _dist_file(path))
    return fetch_wheel(http, cache, "demo-pkg", _dist_file(path), limits=limits)


@pytest.mark.parametrize("case_id", sorted(HOSTILE))
def test_hostile_wheel_is_refused_and_nothing_is_written(tmp_path: Path, case_id: str) -> None:
    case = HOSTILE[case_id]
    (tmp_path / "dist").mkdir()
    archive = case.build(tmp_path / "dist")
    cache_root = tmp_path / "cache"
    scheme = fake_scheme(tmp_path / "env")
    env_before = _tree(tmp_path / "env")

    with pytest.raises(case.error) as caught:
        unpacked = _fetch(archive, cache_root, case.limits)
        assert case.stage == "install", f"{case_id}: fetch_wheel accepted the archive"
        install_wheel(
            unpacked.path,
            dist_name="demo-pkg",
            version="1.0",
            interpreter_paths=scheme,
            python_executable="/env/bin/python",
            filename=archive.name,
            verify=case.verify,
        )
    error = caught.value
    assert type(error) is case.error, repr(error)
    message = error.message + "".join(f"\ncause: {cause}" for cause in error.causes)
    assert WHEEL_NAME in message, message
    for fragment in case.fragments:
        assert fragment in message, message

    assert _tree(tmp_path / "env") == env_before, "the environment changed"
    assert list((cache_root / "tmp").iterdir()) == [], "the cache's tmp/ is not empty"
    archives = cache_root / "archive-v1"
    if case.stage == "unpack":
        assert not archives.exists() or list(archives.rglob("*")) == [], "something was written under archive-v1"
        direct = tmp_path / "direct"
        with pytest.raises(UnsafeArchive):
            unpack_wheel(archive, direct, limits=case.limits or UnpackLimits())
        assert not direct.exists(), "unpack_wheel left a partial directory"
    assert not (tmp_path / "evil.py").exists() and not (tmp_path / "env" / "bin" / "evil").exists()


def test_every_case_was_tried() -> None:
    assert CASES_TRIED == len(HOSTILE) == 65


# --------------------------------------------------------------------------- what is accepted


def test_the_good_baselines_are_accepted(tmp_path: Path) -> None:
    """The builders' valid wheels pass, so every refusal above is the trick's doing."""
    for index, build in enumerate((raw(*good_entries()), wheel(good_members()))):
        directory = tmp_path / f"dist{index}"
        directory.mkdir()
        unpacked = _fetch(build(directory), tmp_path / f"cache{index}", None)
        scheme = fake_scheme(tmp_path / f"env{index}")
        install_wheel(
            unpacked.path,
            dist_name="demo-pkg", version="1.0", interpreter_paths=scheme,
            python_executable="/env/bin/python", verify="hash",
        )
        assert (Path(scheme["purelib"]) / "demo_pkg" / "__init__.py").read_text() == "x = 1\n"


def test_metadata_names_are_compared_normalized(tmp_path: Path) -> None:
    """``Name: Demo_Pkg`` / ``Version: 1.0.0`` are the same project and version as demo-pkg 1.0."""
    (tmp_path / "dist").mkdir()
    build = wheel(good_members(**{f"{INFO}/METADATA": core_metadata("Demo_Pkg", "1.0.0")}))
    unpacked = _fetch(build(tmp_path / "dist"), tmp_path / "cache", None)
    scheme = fake_scheme(tmp_path / "env")
    install_wheel(
        unpacked.path, dist_name="demo-pkg", version="1.0", interpreter_paths=scheme, python_executable="/env/bin/python"
    )
    assert (Path(scheme["purelib"]) / INFO / "METADATA").exists()


class _Unseekable(io.RawIOBase):
    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, chunk: bytes) -> int:  # type: ignore[override]
        self.data += chunk
        return len(chunk)


def test_data_descriptors_written_by_zipfile_are_accepted(tmp_path: Path) -> None:
    """zipfile writes data descriptors (flag bit 3) to unseekable streams: those wheels are fine."""
    sink = _Unseekable()
    members = good_members()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        data_map = {k: v.encode() if isinstance(v, str) else v for k, v in members.items()}
        zf.writestr(f"{INFO}/RECORD", record_file(data_map, f"{INFO}/RECORD"))
    path = tmp_path / WHEEL_NAME
    path.write_bytes(bytes(sink.data))
    assert all(info.flag_bits & 0x8 for info in zipfile.ZipFile(path).infolist())
    assert unpack_wheel(path, tmp_path / "out") == 4
    assert (tmp_path / "out" / INIT).read_bytes() == b"x = 1\n"


def test_raw_descriptors_with_and_without_signature_are_accepted(tmp_path: Path) -> None:
    data = b"x = 1\n"
    crc = zlib.crc32(data)
    csize = len(_deflated(data))
    for index, descriptor in enumerate(
        (struct.pack("<3L", crc, csize, len(data)), struct.pack("<LQQ", crc, csize, len(data)), True)
    ):
        path = tmp_path / f"{index}.whl"
        path.write_bytes(raw_zip(_patched(good_entries(), INIT, descriptor=descriptor)))
        unpack_wheel(path, tmp_path / f"out{index}")
        assert (tmp_path / f"out{index}" / INIT).read_bytes() == data


def test_case_only_duplicates_are_distinct_files(tmp_path: Path) -> None:
    """Decision: names that differ only in case are distinct members (legal on Linux, listed
    apart in RECORD); on a case-insensitive file system the second is refused instead of
    silently replacing the first (files are created exclusively)."""
    probe = tmp_path / "Probe"
    probe.write_text("")
    insensitive = (tmp_path / "probe").exists()
    path = tmp_path / WHEEL_NAME
    path.write_bytes(raw_zip(good_entries(Entry("demo_pkg/Mod.py", b"upper\n"), Entry("demo_pkg/mod.py", b"lower\n"))))
    if insensitive:
        with pytest.raises(UnsafeArchive, match="differ only in case"):
            unpack_wheel(path, tmp_path / "out")
        assert not (tmp_path / "out").exists()
    else:
        unpack_wheel(path, tmp_path / "out")
        assert (tmp_path / "out" / "demo_pkg" / "Mod.py").read_bytes() == b"upper\n"
        assert (tmp_path / "out" / "demo_pkg" / "mod.py").read_bytes() == b"lower\n"


def test_compressible_members_under_the_ratio_threshold_are_accepted(tmp_path: Path) -> None:
    """Zeros expand ~1000:1 with deflate (its ceiling), as real wheels' test data files do
    (1016:1 seen in a popular wheel): accepted by default, under and over the 1 MiB threshold."""
    for index, size in enumerate((1 << 20, 3 << 20)):
        path = tmp_path / f"{index}.whl"
        path.write_bytes(raw_zip(good_entries(Entry("demo_pkg/zeros.bin", b"\0" * size))))
        unpack_wheel(path, tmp_path / f"out{index}")
        assert (tmp_path / f"out{index}" / "demo_pkg" / "zeros.bin").stat().st_size == size


def test_zip64_local_headers_and_archive_comments_are_accepted(tmp_path: Path) -> None:
    """zipfile's ``force_zip64`` puts the sizes in a zip64 extra field of the local header
    (0xFFFFFFFF in the header itself); an archive comment follows the end record."""
    path = tmp_path / WHEEL_NAME
    members = {k: v.encode() if isinstance(v, str) else v for k, v in good_members().items()}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.comment = b"built by a test"
        for name, data in members.items():
            with zf.open(name, "w", force_zip64=True) as sink:
                sink.write(data)
        zf.writestr(f"{INFO}/RECORD", record_file(members, f"{INFO}/RECORD"))
    raw_bytes = path.read_bytes()
    assert struct.unpack("<L", raw_bytes[18:22]) == (0xFFFFFFFF,)  # the first local header defers to zip64
    assert unpack_wheel(path, tmp_path / "out") == 4
    assert (tmp_path / "out" / INIT).read_bytes() == b"x = 1\n"
