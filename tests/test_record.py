"""RECORD files: parse, render, hash, verify."""

from __future__ import annotations

import base64
import hashlib

import pytest

from puv.errors import RecordError
from puv.primitives.hashes import HashDigest
from puv.primitives.record import (
    RecordEntry,
    RecordHash,
    entry_for,
    parse_record,
    parse_record_hash,
    record_hash,
    render_record,
    verify_entry,
)

DATA = b"print('hello')\n"
DIGEST = base64.urlsafe_b64encode(hashlib.sha256(DATA).digest()).rstrip(b"=").decode()


def test_record_hash_matches_wheel_spec_encoding() -> None:
    h = record_hash(DATA)
    assert h == RecordHash("sha256", DIGEST)
    assert "=" not in h.value
    assert str(h) == f"sha256={DIGEST}"
    assert h.digest() == hashlib.sha256(DATA).digest()
    assert h.to_hash_digest() == HashDigest("sha256", hashlib.sha256(DATA).hexdigest())


def test_entry_for() -> None:
    assert entry_for("pkg/mod.py", DATA) == RecordEntry("pkg/mod.py", RecordHash("sha256", DIGEST), len(DATA))


def test_parse_basic() -> None:
    text = (
        f"pkg/__init__.py,sha256={DIGEST},{len(DATA)}\r\n"
        "pkg/__pycache__/x.cpython-312.pyc,,\n"
        "\n"
        "pkg-1.0.dist-info/RECORD,,\n"
    )
    entries = parse_record(text.encode())
    assert [e.path for e in entries] == [
        "pkg/__init__.py",
        "pkg/__pycache__/x.cpython-312.pyc",
        "pkg-1.0.dist-info/RECORD",
    ]
    assert entries[0].hash == RecordHash("sha256", DIGEST)
    assert entries[0].size == len(DATA)
    assert entries[1].hash is None and entries[1].size is None


def test_parse_short_rows_and_padding() -> None:
    entries = parse_record(f"a.py\nb.py,sha256={DIGEST}=\n")
    assert entries[0] == RecordEntry("a.py")
    assert entries[1].hash == RecordHash("sha256", DIGEST)


def test_round_trip_awkward_paths() -> None:
    entries = [
        RecordEntry("pkg/with,comma.py", record_hash(b"x"), 1),
        RecordEntry('pkg/with"quote.py', record_hash(b"yy"), 2),
        RecordEntry("pkg/with\nnewline.txt", None, None),
        RecordEntry("pkg/ünïcode.py", record_hash(b""), 0),
    ]
    text = render_record(entries, "pkg-1.0.dist-info/RECORD")
    parsed = parse_record(text.encode("utf-8"))
    assert parsed[:-1] == tuple(entries)
    assert parsed[-1] == RecordEntry("pkg-1.0.dist-info/RECORD")


def test_render_puts_record_last_without_hash() -> None:
    entries = [
        RecordEntry("pkg-1.0.dist-info/RECORD", record_hash(b"?"), 9),
        RecordEntry("a.py", record_hash(DATA), len(DATA)),
    ]
    text = render_record(entries, "pkg-1.0.dist-info/RECORD")
    assert text == f"a.py,sha256={DIGEST},{len(DATA)}\npkg-1.0.dist-info/RECORD,,\n"


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("a.py,sha256=abc,1,extra\n", "4 columns"),
        (",sha256=abc,1\n", "empty path"),
        ("a.py,sha256=abc,big\n", "invalid size"),
        ("a.py,sha256=abc,-1\n", "invalid size"),
        ("a.py,sha256,1\n", "invalid RECORD hash"),
        ("a.py,=abc,1\n", "invalid RECORD hash"),
        ("a.py,sha256=a+b/c,1\n", "not URL-safe base64"),
    ],
)
def test_parse_errors(text: str, fragment: str) -> None:
    with pytest.raises(RecordError) as info:
        parse_record(text, source="pkg-1.0.dist-info/RECORD")
    assert fragment in info.value.message


def test_parse_error_names_line() -> None:
    with pytest.raises(RecordError) as info:
        parse_record("a.py,,\nb.py,,x\n")
    assert info.value.lineno == 2


def test_parse_not_utf8() -> None:
    with pytest.raises(RecordError, match="not UTF-8"):
        parse_record(b"\xff\xfe,,\n")


def test_parse_record_hash_direct() -> None:
    assert parse_record_hash("SHA256=abc_-") == RecordHash("sha256", "abc_-")


def test_verify_ok_and_mismatches() -> None:
    entry = entry_for("a.py", DATA)
    verify_entry(entry, DATA)
    verify_entry(RecordEntry("a.py"), b"anything")
    with pytest.raises(RecordError, match="bytes"):
        verify_entry(entry, DATA + b"x")
    with pytest.raises(RecordError, match="hash mismatch"):
        verify_entry(RecordEntry("a.py", entry.hash, None), b"other")


def test_verify_refuses_weak_algorithms() -> None:
    weak = RecordEntry("a.py", record_hash(DATA, "md5"), len(DATA))
    with pytest.raises(RecordError, match="not allowed"):
        verify_entry(weak, DATA)


def test_verify_sha512() -> None:
    verify_entry(entry_for("a.py", DATA, "sha512"), DATA)
