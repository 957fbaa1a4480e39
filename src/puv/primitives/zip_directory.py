"""Reading a zip archive's central directory from its tail (APPNOTE.TXT, section 4.3).

This lets puv fetch a wheel's METADATA with HTTP range requests: read the last
few kilobytes (end of central directory record, and usually the whole central
directory), find the member, then read just that member's bytes. Pure: the
functions take bytes and return values. Zip64 archives are handled.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from puv.errors import PuvError

_EOCD_SIG = b"PK\x05\x06"
_EOCD64_LOCATOR_SIG = b"PK\x06\x07"
_EOCD64_SIG = b"PK\x06\x06"
_CENTRAL_SIG = b"PK\x01\x02"
_LOCAL_SIG = b"PK\x03\x04"
_EOCD_SIZE = 22
_MAX_COMMENT = 0xFFFF
LOCAL_HEADER_SIZE = 30

# How much of the tail to ask for first: the EOCD plus, for typical wheels, the
# whole central directory.
TAIL_GUESS = 64 * 1024


class ZipFormatError(PuvError):
    """An archive is not a valid zip file (or lies about its layout)."""


@dataclass(frozen=True, slots=True)
class Directory:
    """Where the central directory is: ``offset`` and ``size`` within the archive."""

    offset: int
    size: int
    entries: int


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    method: int
    crc: int
    compressed_size: int
    size: int
    header_offset: int


def find_directory(tail: bytes, tail_offset: int) -> Directory:
    """Locate the central directory from ``tail`` (the archive's last bytes).

    ``tail_offset`` is where ``tail`` starts within the archive.
    """
    # The record is followed only by its comment: the right signature is the one
    # whose comment length reaches exactly the end (a comment may contain "PK\5\6").
    lowest = max(0, len(tail) - _EOCD_SIZE - _MAX_COMMENT)
    start = tail.rfind(_EOCD_SIG, lowest)
    while start >= 0:
        if len(tail) - start >= _EOCD_SIZE:
            (comment_len,) = struct.unpack("<H", tail[start + 20 : start + 22])
            if start + _EOCD_SIZE + comment_len == len(tail):
                break
        start = tail.rfind(_EOCD_SIG, lowest, start)
    if start < 0:
        raise ZipFormatError("no end of central directory record: not a zip archive")
    (_sig, _disk, _cd_disk, _n_disk, entries, size, offset, _comment) = struct.unpack(
        "<4s4H2LH", tail[start : start + _EOCD_SIZE]
    )
    if offset == 0xFFFFFFFF or size == 0xFFFFFFFF or entries == 0xFFFF:
        locator = start - 20
        if locator < 0 or tail[locator : locator + 4] != _EOCD64_LOCATOR_SIG:
            raise ZipFormatError("zip64 archive without a zip64 locator")
        (eocd64_offset,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
        rel = eocd64_offset - tail_offset
        record = tail[rel : rel + 56] if rel >= 0 else b""
        if len(record) < 56 or record[:4] != _EOCD64_SIG:
            raise ZipFormatError("zip64 end of central directory record not found")
        entries, size, offset = struct.unpack("<QQQ", record[32:56])
    return Directory(offset=offset, size=size, entries=entries)


def parse_directory(data: bytes) -> list[Member]:
    """Parse central directory entries from ``data`` (exactly the directory's bytes)."""
    members: list[Member] = []
    pos = 0
    end = len(data)
    while pos + 46 <= end and data[pos : pos + 4] == _CENTRAL_SIG:
        (
            _sig,
            _made,
            _need,
            flags,
            method,
            _time,
            _date,
            crc,
            csize,
            usize,
            name_len,
            extra_len,
            comment_len,
            _disk,
            _iattr,
            _eattr,
            offset,
        ) = struct.unpack("<4s6H3L5H2L", data[pos : pos + 46])
        name_bytes = data[pos + 46 : pos + 46 + name_len]
        try:
            name = name_bytes.decode("utf-8" if flags & 0x800 else "cp437")
        except UnicodeDecodeError:
            raise ZipFormatError(
                f"member name {name_bytes!r} is flagged as UTF-8 but is not UTF-8"
            ) from None
        extra = data[pos + 46 + name_len : pos + 46 + name_len + extra_len]
        if 0xFFFFFFFF in (csize, usize, offset):
            usize, csize, offset = _zip64_extra(extra, usize, csize, offset)
        members.append(Member(name, method, crc, csize, usize, offset))
        pos += 46 + name_len + extra_len + comment_len
    return members


def _zip64_extra(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack("<HH", extra[pos : pos + 4])
        if tag == 1:
            values = extra[pos + 4 : pos + 4 + length]
            fields = list(struct.unpack(f"<{len(values) // 8}Q", values[: len(values) // 8 * 8]))
            if usize == 0xFFFFFFFF and fields:
                usize = fields.pop(0)
            if csize == 0xFFFFFFFF and fields:
                csize = fields.pop(0)
            if offset == 0xFFFFFFFF and fields:
                offset = fields.pop(0)
            break
        pos += 4 + length
    return usize, csize, offset


def member_data_offset(local_header: bytes) -> int:
    """Given the bytes starting at a local file header, where its data begins (relative)."""
    if len(local_header) < LOCAL_HEADER_SIZE or local_header[:4] != _LOCAL_SIG:
        raise ZipFormatError("bad local file header")
    name_len, extra_len = struct.unpack("<HH", local_header[26:30])
    return int(LOCAL_HEADER_SIZE + name_len + extra_len)


def extract(member: Member, local: bytes) -> bytes:
    """Decompress ``member`` from ``local`` (bytes starting at its local header); CRC checked."""
    import zlib

    start = member_data_offset(local)
    raw = local[start : start + member.compressed_size]
    if len(raw) != member.compressed_size:
        raise ZipFormatError(f"member {member.name} is truncated")
    if member.method == 0:
        data = raw
    elif member.method == 8:
        try:
            data = zlib.decompress(raw, -15)
        except zlib.error as error:
            raise ZipFormatError(f"member {member.name} cannot be decompressed: {error}") from None
    else:
        raise ZipFormatError(f"member {member.name} uses unsupported compression method {member.method}")
    if len(data) != member.size or zlib.crc32(data) != member.crc:
        raise ZipFormatError(f"member {member.name} fails its size or CRC check")
    return data


def find_metadata_member(members: list[Member], project: str | None = None) -> Member:
    """The ``*.dist-info/METADATA`` member at the top of a wheel."""
    found = [
        m
        for m in members
        if m.name.count("/") == 1 and m.name.endswith(".dist-info/METADATA")
    ]
    if len(found) != 1:
        what = "no" if not found else "more than one"
        raise ZipFormatError(f"{what} .dist-info/METADATA in wheel" + (f" of {project}" if project else ""))
    return found[0]
