"""Safe unpacking of wheels (zip) and source archives (tar, zip) into a directory.

Every member name is checked before anything is written: no absolute paths,
drive letters, backslash tricks or ``..`` components, and no duplicate names.
Unix permission bits are kept for the executable bit only (never setuid).
The caller unpacks into a staging directory and publishes it atomically.

Wheels (:func:`unpack_wheel`) are also checked for links and special files,
encryption, decompression bombs (:class:`UnpackLimits`) and zip parsing
differentials: the local file headers must tell the same story as the central
directory that zipfile reads, with no data before, between or after the members.

Source archives (:func:`unpack_sdist`) get the same name checks plus checks of
tar member types and links (see there); their read/write/execute bits are kept,
setuid, setgid and sticky bits never. Members are checked by our own filter, not
tarfile's extraction filters (which older 3.10 patch releases lack), and written
by our own code (exclusive creates, never through a link).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from puv.errors import PuvError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mmap import mmap
    from zipfile import ZipFile, ZipInfo


class UnsafeArchive(PuvError):
    """An archive member would land outside the target, or the archive is malformed."""


def check_member_name(name: str, archive: str) -> str:
    """Return ``name`` if it is a safe relative path inside the archive, else raise."""
    if not name or "\x00" in name:
        raise UnsafeArchive(f"{archive} contains a member with an empty or NUL-containing name")
    if "\\" in name:
        raise UnsafeArchive(f"{archive} contains a member with a backslash in its path: {name!r}")
    path = PurePosixPath(name)
    if path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchive(f"{archive} contains a member with an absolute path: {name!r}")
    if ".." in path.parts:
        raise UnsafeArchive(f"{archive} contains a member that escapes the target: {name!r}")
    return name


# ------------------------------------------------------------------- wheels


@dataclass(frozen=True, slots=True)
class UnpackLimits:
    """Decompression-bomb limits for :func:`unpack_wheel`.

    Checked against the sizes the central directory declares before anything is
    written, and against the bytes actually written while unpacking. Measured on
    988 real wheels: the largest unpacks to 1.3 GB (the 8 GiB default leaves room
    for bigger GPU wheels) and the most compressed member over 1 MiB expands
    1016:1 (zeros in a test data file; deflate's ceiling is ~1032:1). So the ratio
    limit, 2000:1, never trips on deflate data; it catches entries that declare more
    than their data can hold (bzip2/lzma, which reach 10^5:1, are refused as methods);
    a deflate bomb is bounded by the total instead, and overlapping-member bombs are
    refused as overlaps.

    The same limits bound source archives (:func:`unpack_sdist`). Users raise them
    with ``PUV_MAX_UNPACK_SIZE`` and ``PUV_MAX_COMPRESSION_RATIO`` (read by
    :mod:`puv.settings` and passed down by the commands); this module reads no
    environment, it only names the variables in its hints.
    """

    max_total_size: int = 8 << 30
    """The most bytes all members together may unpack to."""
    max_ratio: int = 2000
    """The most a member may expand (unpacked size over compressed size) ..."""
    ratio_min_size: int = 1 << 20
    """... once it unpacks to more than this many bytes (small members may expand freely)."""


DEFAULT_UNPACK_LIMITS = UnpackLimits()

#: The environment variables that set :class:`UnpackLimits` (named in error hints).
SIZE_VARIABLE = "PUV_MAX_UNPACK_SIZE"
RATIO_VARIABLE = "PUV_MAX_COMPRESSION_RATIO"
_BOMB_HINT = "the archive looks like a decompression bomb; it was not unpacked"


def _too_big(label: str, total: int, limits: UnpackLimits, *, at_least: bool = False) -> UnsafeArchive:
    return UnsafeArchive(
        f"{label} would unpack to {'at least ' if at_least else ''}{total} bytes, "
        f"more than the limit of {limits.max_total_size} bytes",
        hints=[
            _BOMB_HINT,
            f"if you trust it, raise the limit: set {SIZE_VARIABLE} to {total} or more "
            "(bytes, or with a unit: 16GiB, 500MB)",
        ],
    )


def _too_compressed(message: str, ratio: int) -> UnsafeArchive:
    return UnsafeArchive(
        message,
        hints=[_BOMB_HINT, f"if you trust it, raise the limit: set {RATIO_VARIABLE} to {ratio} or more"],
    )


def _check_member_ratio(label: str, raw: str, size: int, compressed: int, limits: UnpackLimits) -> None:
    if size > limits.ratio_min_size and size > limits.max_ratio * max(compressed, 1):
        ratio = size // max(compressed, 1)
        raise _too_compressed(
            f"{label} contains a member that expands {ratio}:1, from {compressed} to {size} bytes "
            f"(at most {limits.max_ratio}:1 is allowed for members over {limits.ratio_min_size} "
            f"bytes): {raw!r}",
            ratio + 1,
        )

_ZIP_LOCAL_SIG = b"PK\x03\x04"
_ZIP_DESCRIPTOR_SIG = b"PK\x07\x08"
_ZIP_LOCAL_SIZE = 30
# Stored and deflate only. zipfile also reads bzip2 (12) and lzma (14), but decompresses
# them without an output bound: one 1 MiB read of a bzip2 stream can become gigabytes in
# memory before any size check runs. None of 988 real wheels surveyed used either.
_ZIP_METHODS = (0, 8)
_FLAG_ENCRYPTED = 0x0001
_FLAG_DESCRIPTOR = 0x0008
_FLAG_PATCHED = 0x0020
_FLAG_STRONG_ENCRYPTION = 0x0040
_FLAG_UTF8 = 0x0800
_FLAG_MASKED_DIRECTORY = 0x2000
_S_IFMT = 0o170000
_S_IFREG = 0o100000
_S_IFDIR = 0o040000
_S_IFLNK = 0o120000
_MAX_TAIL = 22 + 0xFFFF + 20 + 56  # end record + longest comment + zip64 locator and record


def unpack_wheel(
    archive_path: Path,
    dest: Path,
    *,
    label: str | None = None,
    limits: UnpackLimits = DEFAULT_UNPACK_LIMITS,
) -> int:
    """Unpack the wheel at ``archive_path`` into ``dest`` (created); returns the member count.

    Refused with :class:`UnsafeArchive` (naming the archive and the member) before
    anything is written:

    * member names: empty, NUL bytes, backslashes, absolute paths, drive letters,
      ``..`` components; the same name twice (after folding ``.`` parts, doubled
      and trailing slashes); a member below another member that is a file;
    * member types: symbolic links, devices, FIFOs, sockets (only files and
      directories); a directory entry whose name lacks the trailing slash;
    * encrypted members (flag bits 0, 6 and 13), compressed patched data (bit 5),
      compression methods other than stored and deflate (zipfile decompresses bzip2
      and lzma without bounding the output, a memory bomb);
    * decompression bombs: more than ``limits.max_total_size`` bytes in all, or a
      member over ``limits.ratio_min_size`` bytes expanding more than ``limits.max_ratio``:1;
    * zip parsing differentials (what one unzipper sees another must see too): a
      local file header whose name, method, CRC or sizes disagree with the central
      directory (CRC and sizes from the data descriptor when bit 3 is set); data
      before the first member (self-extracting and polyglot files, whether or not
      their offsets were adjusted), gaps between members, overlapping members, two
      entries sharing one local header; bytes after the end of central directory
      record and its comment; an end record whose entry count disagrees.

    While writing, a member whose data fails its CRC, does not decompress, or holds
    fewer bytes than its entry says is refused too, and so is a name that collides
    with an earlier member on this file system: names differing only in case (or
    Unicode normalization) are distinct files and accepted on a case-sensitive file
    system; on a case-insensitive one files are created exclusively, so the second
    is refused instead of silently replacing the first. On any failure ``dest`` is
    removed again when this call created it; the caller unpacks into a staging
    directory and publishes it atomically, so a refused wheel leaves nothing behind.
    """
    import shutil
    import struct
    import zipfile

    label = label or archive_path.name
    try:
        archive = zipfile.ZipFile(archive_path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, struct.error) as error:
        raise UnsafeArchive(f"{label} is not a valid wheel (zip) file", causes=[str(error)]) from None
    with archive:
        infos = archive.infolist()
        planned = _plan_wheel_members(infos, label, limits)
        _check_zip_layout(archive_path, infos, archive.start_dir, label)
        created = not dest.exists()
        dest.mkdir(parents=True, exist_ok=True)
        try:
            _write_wheel_members(archive, planned, dest, label, limits)
        except BaseException:
            if created:
                shutil.rmtree(dest, ignore_errors=True)
            raise
    return len(infos)


def _method_name(method: int) -> str:
    """`` (bzip2)`` for the zip compression methods people may recognise, else ``""``."""
    for number, name in ((9, "deflate64"), (12, "bzip2"), (14, "lzma"), (93, "zstandard"), (99, "AES encryption")):
        if method == number:
            return f" ({name})"
    return ""


def _wheel_member_name(raw: str, label: str) -> str:
    """``raw`` checked as :func:`check_member_name` does (same messages; string tests
    instead of ``PurePosixPath``, which costs microseconds per member), with ``.`` parts
    and doubled or trailing slashes folded; ``""`` for the archive root."""
    if not raw:
        raise UnsafeArchive(f"{label} contains a member with an empty name")
    if "\x00" in raw:
        raise UnsafeArchive(f"{label} contains a member with a NUL byte in its name: {raw!r}")
    if "\\" in raw:
        raise UnsafeArchive(f"{label} contains a member with a backslash in its path: {raw!r}")
    if raw[0] == "/" or raw[1:2] == ":":
        raise UnsafeArchive(f"{label} contains a member with an absolute path: {raw!r}")
    parts = raw.split("/")
    if ".." in parts:
        raise UnsafeArchive(f"{label} contains a member that escapes the target: {raw!r}")
    if "" in parts[:-1] or "." in parts:
        return "/".join(part for part in parts if part not in ("", "."))
    return raw[:-1] if raw[-1] == "/" else raw


def _plan_wheel_members(infos: list[ZipInfo], label: str, limits: UnpackLimits) -> list[tuple[ZipInfo, str, bool]]:
    """Check every central directory entry; ``(info, folded name, is directory)`` to write."""
    if not infos:
        raise UnsafeArchive(f"{label} is empty: a wheel has at least a .dist-info directory")
    planned: list[tuple[ZipInfo, str, bool]] = []
    seen: set[str] = set()
    files: set[str] = set()
    total = 0
    for info in infos:
        raw = info.orig_filename
        name = _wheel_member_name(raw, label)
        is_dir = raw.endswith("/")
        kind = (info.external_attr >> 16) & _S_IFMT
        if kind == _S_IFLNK:
            raise UnsafeArchive(
                f"{label} contains a symbolic link: {raw!r}", hints=["wheels cannot contain links"]
            )
        if kind == _S_IFDIR and not is_dir:
            raise UnsafeArchive(f"{label} contains a directory entry without a trailing slash: {raw!r}")
        if kind not in (0, _S_IFREG, _S_IFDIR):
            raise UnsafeArchive(
                f"{label} contains a special file (device, FIFO or socket; file type {kind:#o}): {raw!r}"
            )
        if info.flag_bits & (_FLAG_ENCRYPTED | _FLAG_STRONG_ENCRYPTION | _FLAG_MASKED_DIRECTORY):
            raise UnsafeArchive(f"{label} contains an encrypted member: {raw!r}")
        if info.flag_bits & _FLAG_PATCHED:
            raise UnsafeArchive(f"{label} contains a member with compressed patched data: {raw!r}")
        if info.compress_type not in _ZIP_METHODS:
            raise UnsafeArchive(
                f"{label} contains a member compressed with method {info.compress_type}"
                f"{_method_name(info.compress_type)}; wheels may use only stored (0) "
                f"and deflate (8): {raw!r}"
            )
        if info.compress_type == 0 and info.compress_size != info.file_size:
            raise UnsafeArchive(
                f"{label} contains a stored (uncompressed) member whose compressed size "
                f"({info.compress_size}) differs from its size ({info.file_size}): {raw!r}"
            )
        if not name:
            if is_dir:
                continue
            raise UnsafeArchive(f"{label} contains a member that is not a file: {raw!r}")
        if name in seen:
            raise UnsafeArchive(f"{label} contains the member {name!r} twice")
        seen.add(name)
        if not is_dir:
            files.add(name)
            total += info.file_size
            _check_member_ratio(label, raw, info.file_size, info.compress_size, limits)
        planned.append((info, name, is_dir))
    if total > limits.max_total_size:
        raise _too_big(label, total, limits)
    parents: set[str] = set()
    for _, name, _ in planned:
        parent = name.rpartition("/")[0]
        while parent and parent not in parents:
            parents.add(parent)
            parent = parent.rpartition("/")[0]
    clash = parents & files
    if clash:
        below = min(clash)
        name = next(name for _, name, _ in planned if name.startswith(below + "/"))
        raise UnsafeArchive(f"{label} contains a member below the file {below!r}: {name!r}")
    return planned


def _local_zip64_sizes(extra: bytes) -> tuple[int, int] | None:
    """``(size, compressed size)`` from a local header's zip64 extra field (APPNOTE 4.5.3)."""
    import struct

    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == 1 and length >= 16 and pos + 4 + length <= len(extra):
            size, compressed = struct.unpack_from("<QQ", extra, pos + 4)
            return int(size), int(compressed)
        pos += 4 + length
    return None


def _check_zip_layout(path: Path, infos: list[ZipInfo], start_dir: int, label: str) -> None:
    """Check that the local file headers and the central directory tell one story.

    zipfile reads only the central directory (and the local header's name); other
    unzippers stream the local headers. Both views must agree: every entry's local
    header matches it, the members tile the file from offset 0 to the central
    directory without gaps or overlaps, and the end record ends the file.
    """
    import mmap

    from puv.primitives.zip_directory import ZipFormatError, find_directory

    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
        size = len(view)
        tail_start = max(0, size - _MAX_TAIL)
        try:
            directory = find_directory(view[tail_start:], tail_start)
        except ZipFormatError:
            raise UnsafeArchive(
                f"{label} has data after its end of central directory record and archive comment "
                f"(a polyglot file?), or a damaged zip64 end record"
            ) from None
        if directory.offset != start_dir:
            raise UnsafeArchive(
                f"{label} has data before the zip archive (a self-extracting or polyglot file): its "
                f"central directory is recorded at offset {directory.offset} but lies at {start_dir}"
            )
        if directory.entries != len(infos):
            raise UnsafeArchive(
                f"{label}: its end of central directory record counts {directory.entries} members, "
                f"but the central directory holds {len(infos)}"
            )
        ordered = sorted(infos, key=lambda info: info.header_offset)
        if ordered and ordered[0].header_offset != 0:
            raise UnsafeArchive(
                f"{label} has {ordered[0].header_offset} bytes of data before its first member "
                f"{ordered[0].orig_filename!r} (a self-extracting or polyglot file?)"
            )
        ends: list[int] = []
        for index, info in enumerate(ordered):
            following = ordered[index + 1] if index + 1 < len(ordered) else None
            boundary = following.header_offset if following is not None else start_dir
            ends.append(_check_local_header(view, info, boundary, label))
        for index, (info, data_end) in enumerate(zip(ordered, ends)):
            raw = info.orig_filename
            following = ordered[index + 1] if index + 1 < len(ordered) else None
            boundary = following.header_offset if following is not None else start_dir
            where = f"the member {following.orig_filename!r}" if following is not None else "the central directory"
            if data_end > boundary:
                raise UnsafeArchive(
                    f"{label}: the member {raw!r} overlaps {where} (entries sharing data, as in "
                    f"overlapping-file zip bombs)"
                )
            if data_end < boundary:
                raise UnsafeArchive(
                    f"{label} has {boundary - data_end} bytes of hidden data between the member {raw!r} and {where}"
                )


def _check_local_header(view: mmap, info: ZipInfo, boundary: int, label: str) -> int:
    """Check ``info``'s local file header (and data descriptor) against the central
    directory; return where the member ends (``boundary`` when it ends in a valid data
    descriptor that fills the space up to the next member)."""
    import struct

    raw = info.orig_filename
    offset = info.header_offset
    if offset + _ZIP_LOCAL_SIZE > len(view) or view[offset : offset + 4] != _ZIP_LOCAL_SIG:
        raise UnsafeArchive(f"{label} has no local file header for the member {raw!r} at offset {offset}")
    (_sig, _version, flags, method, _time, _date, crc, compressed, usize, name_len, extra_len) = (
        struct.unpack_from("<4s5H3L2H", view, offset)
    )
    name_start = offset + _ZIP_LOCAL_SIZE
    name_bytes = view[name_start : name_start + name_len]
    extra = view[name_start + name_len : name_start + name_len + extra_len]
    if len(name_bytes) != name_len or len(extra) != extra_len:
        raise UnsafeArchive(f"{label} is truncated in the local file header of {raw!r}")
    local_name = name_bytes.decode("utf-8" if flags & _FLAG_UTF8 else "cp437", "replace")
    if local_name != raw:
        raise UnsafeArchive(
            f"{label}: the member {raw!r} is named {local_name!r} in its local file header "
            f"(the central directory and the local headers disagree)"
        )
    if method != info.compress_type:
        raise UnsafeArchive(
            f"{label}: the member {raw!r} has compression method {method} in its local file "
            f"header but {info.compress_type} in the central directory"
        )
    if flags & (_FLAG_ENCRYPTED | _FLAG_STRONG_ENCRYPTION | _FLAG_PATCHED):
        raise UnsafeArchive(f"{label} contains an encrypted member (local file header): {raw!r}")
    if 0xFFFFFFFF in (compressed, usize):
        sizes = _local_zip64_sizes(extra)
        if sizes is not None:
            usize, compressed = sizes
    data_end = int(info.header_offset + _ZIP_LOCAL_SIZE + name_len + extra_len + info.compress_size)
    central = (info.CRC, info.compress_size, info.file_size)
    if not flags & _FLAG_DESCRIPTOR:
        if (crc, compressed, usize) != central:
            _disagree(label, raw, "local file header", (crc, compressed, usize), central)
        return data_end
    if (crc, compressed, usize) not in ((0, 0, 0), central):
        _disagree(label, raw, "local file header", (crc, compressed, usize), central)
    # A data descriptor: [signature] CRC, compressed size, size (4 or 8 bytes each).
    gap = boundary - data_end
    if gap not in (12, 16, 20, 24):
        return data_end  # reported as hidden data or an overlap
    descriptor = view[data_end:boundary]
    signed = gap in (16, 24)
    if signed and descriptor[:4] != _ZIP_DESCRIPTOR_SIG:
        return data_end
    body = descriptor[4:] if signed else descriptor
    fields = struct.unpack("<3L" if len(body) == 12 else "<LQQ", body)
    if tuple(fields) != central:
        _disagree(label, raw, "data descriptor", tuple(fields), central)
    return boundary


def _disagree(
    label: str, raw: str, where: str, local: tuple[int, ...], central: tuple[int, int, int]
) -> None:
    fields = ("CRC", "compressed size", "size")
    for field, mine, theirs in zip(fields, local, central):
        if mine != theirs:
            shown_mine = f"{mine:08x}" if field == "CRC" else str(mine)
            shown_theirs = f"{theirs:08x}" if field == "CRC" else str(theirs)
            raise UnsafeArchive(
                f"{label}: the member {raw!r} has {field} {shown_mine} in its {where} but "
                f"{shown_theirs} in the central directory"
            )


_STEP = 1 << 20


def _write_wheel_members(
    archive: ZipFile, planned: list[tuple[ZipInfo, str, bool]], dest: Path, label: str, limits: UnpackLimits
) -> None:
    """Write the checked members. Their data is read with ``pread`` straight from the
    archive (whose local headers :func:`_check_zip_layout` has matched against the
    central directory) and inflated in bounded steps (never more than 1 MiB of output
    at once, nor one byte beyond the declared size), with the CRC and size checked per
    member. zlib, crc32 and the reads and writes release the GIL on these large
    buffers, so parallel unpacks overlap; no per-member ``ZipExtFile`` is built."""
    import struct
    import zlib

    handle = archive.fp
    if handle is None:
        raise UnsafeArchive(f"{label} is not open")
    source = handle.fileno()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    made: set[str] = {""}
    done: list[str] = []
    total = 0
    for info, name, is_dir in planned:
        raw = info.orig_filename
        target = os.path.join(dest, name)
        parent = name if is_dir else name.rpartition("/")[0]
        try:
            if parent not in made:
                os.makedirs(os.path.join(dest, parent), exist_ok=True)
                made.add(parent)
            if is_dir:
                continue
            fd = os.open(target, flags, 0o666)
        except (FileExistsError, NotADirectoryError):
            raise _collision(label, raw, name, done) from None
        done.append(name)
        unreadable = UnsafeArchive(f"{label} is corrupt: the member {raw!r} cannot be read")
        try:
            header = _pread(source, _ZIP_LOCAL_SIZE, info.header_offset, label, raw)
            if len(header) != _ZIP_LOCAL_SIZE:
                raise unreadable
            name_len, extra_len = struct.unpack_from("<2H", header, 26)
            position = info.header_offset + _ZIP_LOCAL_SIZE + name_len + extra_len
            left = info.compress_size
            crc = 0
            written = 0
            inflater = zlib.decompressobj(-15) if info.compress_type == 8 else None
            pending = b""
            while True:
                if not pending and left:
                    pending = _pread(source, min(_STEP, left), position, label, raw)
                    if not pending:
                        raise unreadable
                    position += len(pending)
                    left -= len(pending)
                if inflater is None:
                    chunk, pending = pending, b""
                else:
                    try:
                        if pending:
                            # One byte beyond the declared size is enough to notice a member
                            # holding more than its entry says, and never a memory bomb.
                            chunk = inflater.decompress(pending, min(_STEP, info.file_size - written + 1))
                            pending = inflater.unconsumed_tail
                        elif not inflater.eof:
                            chunk = inflater.flush()  # the input ended: what zlib still holds
                        else:
                            chunk = b""
                    except zlib.error as error:
                        raise UnsafeArchive(
                            f"{label} is corrupt: the member {raw!r} fails its CRC or does not decompress",
                            causes=[str(error)],
                        ) from None
                if not chunk:
                    if pending or (left and inflater is not None and not inflater.eof):
                        continue
                    break
                written += len(chunk)
                total += len(chunk)
                if written > info.file_size or total > limits.max_total_size:
                    raise UnsafeArchive(
                        f"{label}: the member {raw!r} unpacks to more bytes than its entry declares"
                    )
                crc = zlib.crc32(chunk, crc)
                _write_all(fd, chunk)
                if inflater is not None and inflater.eof and not pending:
                    break
            if written != info.file_size:
                raise UnsafeArchive(
                    f"{label} is corrupt: the member {raw!r} holds {written} bytes, but its entry says {info.file_size}"
                )
            if crc != info.CRC:
                raise UnsafeArchive(
                    f"{label} is corrupt: the member {raw!r} fails its CRC or does not decompress",
                    causes=[f"Bad CRC-32 for file {raw!r}"],
                )
        finally:
            os.close(fd)
        if (info.external_attr >> 16) & 0o111:
            os.chmod(target, 0o755)


def _pread(source: int, count: int, offset: int, label: str, raw: str) -> bytes:
    try:
        if hasattr(os, "pread"):
            return os.pread(source, count, offset)
        os.lseek(source, offset, os.SEEK_SET)  # Windows: no pread; this fd is ours alone here
        return os.read(source, count)
    except OSError as error:
        raise UnsafeArchive(f"{label} is corrupt: the member {raw!r} cannot be read", causes=[str(error)]) from None


def _write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (``os.write`` may write less)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _collision(label: str, raw: str, name: str, done: list[str]) -> UnsafeArchive:
    import unicodedata

    def fold(text: str) -> str:
        return unicodedata.normalize("NFC", text).casefold()

    folded = fold(name)
    clash = [other for other in done if fold(other) == folded or folded.startswith(fold(other) + "/")]
    other = f" and {clash[0]!r}" if clash else " and an earlier member"
    return UnsafeArchive(
        f"{label}: the members {raw!r}{other} are the same file on this file system "
        f"(their names differ only in case or Unicode normalization)",
        hints=["unpack the wheel on a case-sensitive file system, or ask its maintainers to rename one"],
    )


# ------------------------------------------------------------------- source archives

SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz", ".tar", ".zip")
"""Source archive formats :func:`unpack_sdist` reads (the stdlib's tarfile and zipfile)."""

_MEMBER_FILE = "file"
_MEMBER_DIR = "dir"
_MEMBER_SYMLINK = "symlink"
_MEMBER_HARDLINK = "hardlink"


def unpack_sdist(
    archive_path: Path,
    dest: Path,
    *,
    label: str | None = None,
    limits: UnpackLimits = DEFAULT_UNPACK_LIMITS,
) -> Path:
    """Unpack a source archive (``.tar.gz``, ``.tgz``, ``.tar.bz2``, ``.tar.xz``, ``.tar``,
    ``.zip``) into ``dest`` (created) and return the project root inside it.

    Every member is checked before anything is written (:class:`UnsafeArchive` otherwise):
    no absolute paths, drive letters, backslashes or ``..`` components; no duplicate names;
    no device files or FIFOs; symbolic links only to places inside the archive and never
    through another link; hard links only to regular files earlier in the archive; no
    member below a symbolic link. Permission bits keep read/write/execute only: setuid,
    setgid and sticky bits are dropped. Files are created exclusively and never through a
    link, so nothing can land outside ``dest``.

    Decompression bombs (``limits``): the files' sizes, hard links counted as the copies
    they become, may add up to ``limits.max_total_size``; past ``limits.ratio_min_size``
    bytes a tar archive may expand at most ``limits.max_ratio`` times its own size, a zip
    member that many times its compressed size. A tar archive is read one header at a
    time, so a bomb is refused once its headers pass a limit, without inflating the rest.

    The project root is ``dest/<top>`` when every member lies in one top-level directory
    (the sdist convention, PEP 625 ``{name}-{version}/``), else ``dest`` itself.
    """
    label = label or archive_path.name
    lowered = archive_path.name.lower()
    if lowered.endswith(".zip"):
        return _unpack_zip_sdist(archive_path, dest, label, limits)
    if lowered.endswith(".whl"):
        raise UnsafeArchive(f"{label} is a wheel, not a source archive")
    return _unpack_tar_sdist(archive_path, dest, label, limits)


def _normalize_member(name: str, label: str) -> str:
    """``name`` checked (see :func:`check_member_name`) with ``./`` parts and slashes folded;
    ``""`` for the archive root itself."""
    check_member_name(name, label)
    return "/".join(part for part in PurePosixPath(name).parts if part != ".")


def _link_escapes(member: str, linkname: str, symlinks: set[str]) -> bool:
    """True when the symlink ``member`` -> ``linkname`` points outside the archive root,
    or its target goes through another symbolic link of the archive (whose own target
    could move the walk anywhere)."""
    if not linkname or "\x00" in linkname or "\\" in linkname:
        return True
    if linkname.startswith("/") or (len(linkname) > 1 and linkname[1] == ":"):
        return True
    stack = member.split("/")[:-1]
    for part in linkname.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not stack:
                return True
            stack.pop()
            continue
        stack.append(part)
        if "/".join(stack) in symlinks:
            return True
    return False


def _plan_members(
    entries: list[tuple[str, str, str]], label: str
) -> list[tuple[str, str, str]]:
    """Check ``(raw name, kind, linkname)`` entries; return them normalised, root dropped."""
    kinds: dict[str, str] = {}
    symlinks = {
        _normalize_member(name, label) for name, kind, _ in entries if kind == _MEMBER_SYMLINK
    }
    planned: list[tuple[str, str, str]] = []
    for raw, kind, linkname in entries:
        name = _normalize_member(raw, label)
        if not name:
            if kind == _MEMBER_DIR:
                continue
            raise UnsafeArchive(f"{label} contains a member that is not a file: {raw!r}")
        previous = kinds.get(name)
        if previous is not None and not (previous == kind == _MEMBER_DIR):
            raise UnsafeArchive(f"{label} contains the member {name!r} twice")
        parts = name.split("/")
        for depth in range(1, len(parts)):
            prefix = "/".join(parts[:depth])
            if prefix in symlinks:
                raise UnsafeArchive(
                    f"{label} contains a member below a symbolic link: {raw!r} (through {prefix!r})"
                )
            if kinds.get(prefix, _MEMBER_DIR) != _MEMBER_DIR:
                raise UnsafeArchive(f"{label} contains a member below a file: {raw!r}")
        if kind == _MEMBER_SYMLINK and _link_escapes(name, linkname, symlinks):
            raise UnsafeArchive(
                f"{label} contains a symbolic link that points outside the archive: "
                f"{raw!r} -> {linkname!r}"
            )
        if kind == _MEMBER_HARDLINK:
            try:
                target = _normalize_member(linkname, label)
            except UnsafeArchive:
                target = ""
            if kinds.get(target) != _MEMBER_FILE:
                raise UnsafeArchive(
                    f"{label} contains a hard link to something that is not a regular file "
                    f"of the archive: {raw!r} -> {linkname!r}"
                )
            linkname = target
        kinds[name] = kind
        planned.append((name, kind, linkname))
    if not planned:
        raise UnsafeArchive(f"{label} is empty")
    return planned


def _project_root(dest: Path, planned: list[tuple[str, str, str]]) -> Path:
    tops = {name.split("/", 1)[0] for name, _, _ in planned}
    if len(tops) == 1:
        (top,) = tops
        if (dest / top).is_dir() and not (dest / top).is_symlink():
            return dest / top
    return dest


def _safe_mode(mode: int, *, directory: bool) -> int:
    """Permission bits without setuid/setgid/sticky; always readable and writable by the owner."""
    return (mode & 0o777) | (0o700 if directory else 0o600)


def _create_file(target: Path) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    return os.open(target, flags, 0o600)


def _check_tar_total(label: str, total: int, packed: int, limits: UnpackLimits, *, at_least: bool) -> None:
    """``total`` bytes unpacked from a tar archive of ``packed`` bytes, against ``limits``."""
    if total > limits.max_total_size:
        raise _too_big(label, total, limits, at_least=at_least)
    if total > limits.ratio_min_size and total > limits.max_ratio * max(packed, 1):
        ratio = total // max(packed, 1)
        raise _too_compressed(
            f"{label} expands {ratio}:1, from {packed} to {'at least ' if at_least else ''}{total} bytes "
            f"(at most {limits.max_ratio}:1 is allowed for archives unpacking to more than "
            f"{limits.ratio_min_size} bytes)",
            ratio + 1,
        )


def _unpack_tar_sdist(archive_path: Path, dest: Path, label: str, limits: UnpackLimits) -> Path:
    import shutil
    import tarfile

    try:
        archive = tarfile.open(archive_path, "r:*")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise UnsafeArchive(
            f"{label} is not a valid source archive (tar)", causes=[str(error)]
        ) from None
    with archive:
        packed = archive_path.stat().st_size
        members: list[tarfile.TarInfo] = []
        total = 0
        try:
            # One header at a time (not getmembers()): reaching the next header inflates
            # the data before it, so stop as soon as the sizes pass a limit.
            for member in archive:
                members.append(member)
                if member.isreg():
                    total += member.size
                    _check_tar_total(label, total, packed, limits, at_least=True)
        except (tarfile.TarError, OSError, EOFError) as error:
            raise UnsafeArchive(f"{label} is corrupt", causes=[str(error)]) from None
        entries: list[tuple[str, str, str]] = []
        for member in members:
            if member.isdir():
                kind = _MEMBER_DIR
            elif member.issym():
                kind = _MEMBER_SYMLINK
            elif member.islnk():
                kind = _MEMBER_HARDLINK
            elif member.isreg():
                kind = _MEMBER_FILE
            elif member.ischr() or member.isblk():
                raise UnsafeArchive(f"{label} contains a device file: {member.name!r}")
            elif member.isfifo():
                raise UnsafeArchive(f"{label} contains a FIFO: {member.name!r}")
            else:
                raise UnsafeArchive(
                    f"{label} contains a member of an unsupported type: {member.name!r}"
                )
            entries.append((member.name, kind, member.linkname))
        planned = _plan_members(entries, label)
        # A hard link is written as a copy of its target: count those bytes too.
        sizes = {
            name: member.size
            for member, (name, kind, _) in zip((m for m in members if _normalize_member(m.name, label)), planned)
            if kind == _MEMBER_FILE
        }
        total += sum(sizes.get(linkname, 0) for _, kind, linkname in planned if kind == _MEMBER_HARDLINK)
        _check_tar_total(label, total, packed, limits, at_least=False)
        dest.mkdir(parents=True, exist_ok=True)
        dir_modes: list[tuple[Path, int]] = []
        for member, (name, kind, linkname) in zip(
            (m for m in members if _normalize_member(m.name, label)), planned
        ):
            target = dest / name
            if kind == _MEMBER_DIR:
                target.mkdir(parents=True, exist_ok=True)
                dir_modes.append((target, _safe_mode(member.mode, directory=True)))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if kind == _MEMBER_SYMLINK:
                os.symlink(linkname, target)
                continue
            if kind == _MEMBER_HARDLINK:
                source_path = dest / linkname
                fd = _create_file(target)
                with open(source_path, "rb") as source, os.fdopen(fd, "wb") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
                os.chmod(target, _safe_mode(os.stat(source_path).st_mode, directory=False))
                continue
            fd = _create_file(target)
            try:
                stream = archive.extractfile(member)
                with os.fdopen(fd, "wb") as sink:
                    if stream is not None:
                        with stream:
                            shutil.copyfileobj(stream, sink, 1 << 20)
            except (tarfile.TarError, EOFError, _zlib_error()) as error:
                raise UnsafeArchive(f"{label} is corrupt: {member.name}", causes=[str(error)]) from None
            os.chmod(target, _safe_mode(member.mode, directory=False))
        for path, mode in reversed(dir_modes):
            os.chmod(path, mode)
    return _project_root(dest, planned)


def _zlib_error() -> type[Exception]:
    import zlib

    return zlib.error


def _unpack_zip_sdist(archive_path: Path, dest: Path, label: str, limits: UnpackLimits) -> Path:
    import shutil
    import zipfile

    try:
        archive = zipfile.ZipFile(archive_path)
    except (zipfile.BadZipFile, OSError) as error:
        raise UnsafeArchive(f"{label} is not a valid source archive (zip)", causes=[str(error)]) from None
    with archive:
        infos = archive.infolist()
        entries: list[tuple[str, str, str]] = []
        total = 0
        for info in infos:
            file_type = (info.external_attr >> 16) & 0o170000
            if file_type == 0o120000:
                raise UnsafeArchive(f"{label} contains a symbolic link: {info.filename!r}")
            if file_type and file_type not in (0o100000, 0o040000):
                raise UnsafeArchive(f"{label} contains a special file: {info.filename!r}")
            if not info.is_dir():
                total += info.file_size
                _check_member_ratio(label, info.filename, info.file_size, info.compress_size, limits)
            entries.append((info.filename, _MEMBER_DIR if info.is_dir() else _MEMBER_FILE, ""))
        if total > limits.max_total_size:
            raise _too_big(label, total, limits)
        planned = _plan_members(entries, label)
        dest.mkdir(parents=True, exist_ok=True)
        for info, (name, kind, _) in zip(
            (i for i in infos if _normalize_member(i.filename, label)), planned
        ):
            target = dest / name
            if kind == _MEMBER_DIR:
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = _create_file(target)
            try:
                with archive.open(info) as source, os.fdopen(fd, "wb") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
            except (zipfile.BadZipFile, _zlib_error()) as error:
                raise UnsafeArchive(f"{label} is corrupt: {info.filename}", causes=[str(error)]) from None
            mode = (info.external_attr >> 16) & 0o777
            if mode & 0o111:
                os.chmod(target, 0o755)
    return _project_root(dest, planned)
