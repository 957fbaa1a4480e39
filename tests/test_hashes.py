"""Hash specifications: --hash options and index-page fragments."""

from __future__ import annotations

import pytest

from puv.errors import InvalidHash, PuvError
from puv.primitives.hashes import (
    HashDigest,
    hash_pair,
    is_strong,
    make_digest,
    matches_any,
    parse_hash_fragment,
    parse_hash_option,
    split_hash,
    strongest,
)

SHA256 = "a" * 64
SHA512 = "b" * 128


def test_option_parses_sha256() -> None:
    digest = parse_hash_option(f"sha256:{SHA256}")
    assert digest == HashDigest("sha256", SHA256)
    assert digest.is_strong
    assert str(digest) == f"sha256:{SHA256}"
    assert digest.as_fragment() == f"sha256={SHA256}"


@pytest.mark.parametrize("algorithm,length", [("sha384", 96), ("sha512", 128)])
def test_option_other_strong(algorithm: str, length: int) -> None:
    assert parse_hash_option(f"{algorithm}:{'0' * length}").algorithm == algorithm


def test_option_is_case_insensitive_and_stripped() -> None:
    digest = parse_hash_option(f"  SHA256:{SHA256.upper()} ")
    assert digest == HashDigest("sha256", SHA256)


def test_digest_equality_ignores_case() -> None:
    assert HashDigest("SHA256", "ABCDEF") == HashDigest("sha256", "abcdef")
    assert hash(HashDigest("sha256", "ABC")) == hash(HashDigest("sha256", "abc"))


@pytest.mark.parametrize("weak,length", [("md5", 32), ("sha1", 40)])
def test_option_rejects_weak(weak: str, length: int) -> None:
    with pytest.raises(InvalidHash) as info:
        parse_hash_option(f"{weak}:{'0' * length}")
    assert "too weak" in info.value.message
    assert info.value.hints
    assert isinstance(info.value, PuvError)


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("sha256", "expected"),
        (f"sha256={SHA256}", "expected"),
        ("whirlpool:00", "unsupported"),
        ("sha256:abc", "64 hex digits"),
        (f"sha256:{'g' * 64}", "not hexadecimal"),
    ],
)
def test_option_errors(text: str, fragment: str) -> None:
    with pytest.raises(InvalidHash) as info:
        parse_hash_option(text)
    assert fragment in info.value.message
    assert info.value.value == text


def test_fragment_accepts_weak_and_ignores_non_hash() -> None:
    assert parse_hash_fragment("md5=" + "0" * 32) == HashDigest("md5", "0" * 32)
    assert parse_hash_fragment("egg=foo") is None
    assert parse_hash_fragment("subdirectory=a/b") is None
    assert parse_hash_fragment("justtext") is None


def test_fragment_rejects_malformed_digest() -> None:
    with pytest.raises(InvalidHash):
        parse_hash_fragment("sha256=xyz")


def test_split_hash_fast_path_and_fallbacks() -> None:
    assert split_hash(f"sha256={SHA256}") == ("sha256", SHA256)
    assert split_hash(f"SHA256={SHA256.upper()}") == ("sha256", SHA256)
    assert split_hash(f"sha512:{SHA512}") == ("sha512", SHA512)
    assert split_hash("egg=foo") is None
    assert split_hash("nothing") is None
    with pytest.raises(InvalidHash):
        split_hash("sha256=" + "0" * 63)


def test_hash_pair() -> None:
    assert hash_pair("sha256", SHA256) == ("sha256", SHA256)
    assert hash_pair("blake2b", "00") is None
    with pytest.raises(InvalidHash):
        hash_pair("md5", "0" * 31)


def test_make_digest_unknown() -> None:
    with pytest.raises(InvalidHash):
        make_digest("crc32", "00")


def test_strongest_and_is_strong() -> None:
    pairs = [("md5", "0" * 32), ("sha512", SHA512), ("sha256", SHA256)]
    assert strongest(pairs) == HashDigest("sha512", SHA512)
    assert strongest([]) is None
    assert is_strong("SHA384") and not is_strong("md5")


def test_matches_any() -> None:
    wanted = [HashDigest("sha256", SHA256)]
    assert matches_any(wanted, [("sha256", SHA256.upper())])
    assert matches_any(wanted, [HashDigest("sha256", SHA256)])
    assert not matches_any(wanted, [("sha512", SHA512)])
    assert not matches_any(wanted, [])
