"""Reading a wheel's METADATA from the tail of its zip, as range requests do."""

from __future__ import annotations

import io
import zipfile

import pytest

from puv.primitives.zip_directory import (
    ZipFormatError,
    extract,
    find_directory,
    find_metadata_member,
    parse_directory,
)


def _zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED, comment: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.comment = comment
    return buffer.getvalue()


def _read_metadata(blob: bytes, tail_size: int) -> bytes:
    tail_offset = max(0, len(blob) - tail_size)
    directory = find_directory(blob[tail_offset:], tail_offset)
    members = parse_directory(blob[directory.offset : directory.offset + directory.size])
    member = find_metadata_member(members)
    return extract(member, blob[member.header_offset :])


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
@pytest.mark.parametrize("tail_size", [22, 200, 1 << 16])
def test_metadata_from_tail(compression: int, tail_size: int) -> None:
    metadata = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n" * 20
    blob = _zip(
        {"demo/__init__.py": b"x = 1\n" * 500, "demo-1.0.dist-info/METADATA": metadata, "demo-1.0.dist-info/RECORD": b""},
        compression=compression,
    )
    if tail_size == 22:
        tail_size = 22  # exactly the end record: the directory is read separately
    assert _read_metadata(blob, tail_size) == metadata


def test_archive_comment_is_skipped() -> None:
    blob = _zip({"a-1.dist-info/METADATA": b"Name: a\n"}, comment=b"PK\x05\x06 looks like a signature")
    assert _read_metadata(blob, 4096) == b"Name: a\n"


def test_zip64_directory() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", allowZip64=True) as archive:
        for i in range(70000):  # more than 0xFFFF entries forces zip64 records
            archive.writestr(f"p/{i}", b"")
        archive.writestr("p-1.dist-info/METADATA", b"Name: p\n")
    blob = buffer.getvalue()
    assert _read_metadata(blob, len(blob)) == b"Name: p\n"


def test_not_a_zip() -> None:
    with pytest.raises(ZipFormatError, match="not a zip archive"):
        find_directory(b"hello world" * 10, 0)


def test_missing_or_duplicate_metadata() -> None:
    blob = _zip({"x/__init__.py": b""})
    directory = find_directory(blob, 0)
    members = parse_directory(blob[directory.offset : directory.offset + directory.size])
    with pytest.raises(ZipFormatError, match="no .dist-info/METADATA in wheel of x"):
        find_metadata_member(members, "x")
    blob = _zip({"a-1.dist-info/METADATA": b"", "b-1.dist-info/METADATA": b""})
    directory = find_directory(blob, 0)
    members = parse_directory(blob[directory.offset : directory.offset + directory.size])
    with pytest.raises(ZipFormatError, match="more than one"):
        find_metadata_member(members)


def test_crc_mismatch_is_detected() -> None:
    blob = bytearray(_zip({"a-1.dist-info/METADATA": b"Name: a\n"}, compression=zipfile.ZIP_STORED))
    position = blob.find(b"Name: a")
    blob[position] = ord("X")
    with pytest.raises(ZipFormatError, match="size or CRC"):
        _read_metadata(bytes(blob), 4096)
