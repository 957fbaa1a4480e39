"""Archives at a URL (``name @ https://.../name-1.0.tar.gz#sha256=...``): download into the
cache, hash checks (URL fragment and --hash), reuse without a request, revalidation,
offline use, URL wheels unpacked once, credentials kept out of messages and direct_url.

Files are served by the fixture index over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from puv.domain.index.download import HashMismatch
from puv.domain.sources.archives import (
    direct_url_for_archive,
    fetch_archive,
    fetch_url_wheel,
    parse_archive_url,
)
from puv.errors import InputError, NetworkError
from puv.io.cache import Cache
from puv.io.http import HttpClient, HttpOptions
from tests.support.index_server import IndexServer


def _http(offline: bool = False) -> HttpClient:
    return HttpClient(HttpOptions(backoff=0.01, timeout=5, retries=0, offline=offline))


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    cache = Cache(tmp_path / "cache")
    cache.ensure()
    return cache


@pytest.fixture
def sdist(sdist_factory: Callable[..., Path]) -> Path:
    return sdist_factory("pkg", "1.0")


def _sha(path: Path, algorithm: str = "sha256") -> str:
    return hashlib.new(algorithm, path.read_bytes()).hexdigest()


def _bucket_files(cache: Cache) -> list[str]:
    root = cache.root / "url-v1"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_pinned_download_is_stored_by_content_and_reused_without_a_request(
    index_server: IndexServer, sdist: Path, cache: Cache
) -> None:
    index_server.publish(sdist)
    digest = _sha(sdist)
    url = f"{index_server.file_url(sdist.name)}#sha256={digest}"
    with _http() as http:
        first = fetch_archive(url, http=http, cache=cache)
        assert first.downloaded and first.sha256 == digest and first.filename == sdist.name
        key = parse_archive_url(url).key
        assert first.path == cache.root / "url-v1" / key / digest / sdist.name
        assert first.path.read_bytes() == sdist.read_bytes()
        index_server.clear_log()
        second = fetch_archive(url, http=http, cache=cache)
        # The same pin through --hash instead of the fragment is a cache hit as well.
        third = fetch_archive(index_server.file_url(sdist.name), http=http, cache=cache, hashes=[f"sha256:{digest}"])
    assert not second.downloaded and second.path == first.path
    assert third.path == first.path and not third.downloaded
    assert index_server.requests == []
    assert list((cache.root / "tmp").iterdir()) == []


def test_wrong_fragment_hash_names_url_expected_and_actual_and_leaves_nothing(
    index_server: IndexServer, sdist: Path, cache: Cache
) -> None:
    index_server.publish(sdist)
    wrong = "0" * 64
    url = f"{index_server.file_url(sdist.name)}#sha256={wrong}"
    with _http() as http, pytest.raises(HashMismatch) as info:
        fetch_archive(url, http=http, cache=cache)
    message = info.value.message
    assert index_server.file_url(sdist.name) in message
    assert f"sha256:{wrong}" in message and f"sha256:{_sha(sdist)}" in message
    assert _bucket_files(cache) == []
    assert list((cache.root / "tmp").iterdir()) == []


def test_requirement_hashes_need_one_match(index_server: IndexServer, sdist: Path, cache: Cache) -> None:
    index_server.publish(sdist)
    url = index_server.file_url(sdist.name)
    with _http() as http:
        with pytest.raises(HashMismatch) as info:
            fetch_archive(url, http=http, cache=cache, hashes=[f"sha256:{'1' * 64}", f"sha256:{'2' * 64}"])
        assert f"sha256:{'1' * 64}" in info.value.message and _sha(sdist) in info.value.message
        assert _bucket_files(cache) == []
        fetched = fetch_archive(
            url, http=http, cache=cache, hashes=[f"sha256:{'1' * 64}", f"sha512:{_sha(sdist, 'sha512')}"]
        )
        assert fetched.downloaded
        index_server.clear_log()
        again = fetch_archive(url, http=http, cache=cache, hashes=[f"sha512:{_sha(sdist, 'sha512')}"])
        assert not again.downloaded and again.path == fetched.path
        # A fragment and a --hash that disagree are never satisfied by the cache.
        with pytest.raises(HashMismatch):
            fetch_archive(
                f"{url}#sha256={_sha(sdist)}", http=http, cache=cache, hashes=[f"sha256:{'3' * 64}"]
            )
    assert index_server.count("/files/*") == 1


def test_unpinned_url_is_revalidated(index_server: IndexServer, sdist: Path, cache: Cache, sdist_factory: Callable[..., Path]) -> None:
    index_server.publish(sdist)
    url = index_server.file_url(sdist.name)
    with _http() as http:
        first = fetch_archive(url, http=http, cache=cache)
        index_server.clear_log()
        second = fetch_archive(url, http=http, cache=cache)
        assert not second.downloaded and second.path == first.path
        [request] = index_server.requests
        assert request.status == 304 and request.header("if-none-match")
        # The file behind the URL changes: the new content is downloaded.
        changed = sdist_factory("pkg", "1.0", requires_dist=["other>=2"])
        assert changed.read_bytes() != first.path.read_bytes()
        index_server.publish(changed)
        third = fetch_archive(url, http=http, cache=cache)
    assert third.downloaded and third.sha256 == _sha(changed) != first.sha256
    assert first.path.exists()  # an earlier copy is never replaced under a reader


def test_without_validators_every_run_downloads(index_server: IndexServer, sdist: Path, cache: Cache) -> None:
    index_server.etag = False
    index_server.publish(sdist)
    url = index_server.file_url(sdist.name)
    with _http() as http:
        fetch_archive(url, http=http, cache=cache)
        assert fetch_archive(url, http=http, cache=cache).downloaded
    assert index_server.count("/files/*") == 2


def test_offline_uses_the_cache_or_says_it_cannot(index_server: IndexServer, sdist: Path, cache: Cache) -> None:
    index_server.publish(sdist)
    url = index_server.file_url(sdist.name)
    with _http(offline=True) as http, pytest.raises(NetworkError, match="--offline"):
        fetch_archive(url, http=http, cache=cache)
    with _http() as http:
        fetched = fetch_archive(url, http=http, cache=cache)
    index_server.clear_log()
    with _http(offline=True) as http:
        assert fetch_archive(url, http=http, cache=cache).path == fetched.path
        assert fetch_archive(f"{url}#sha256={fetched.sha256}", http=http, cache=cache).path == fetched.path
        with pytest.raises(NetworkError):
            fetch_archive(f"{url}#sha256={'9' * 64}", http=http, cache=cache)
    assert index_server.requests == []


def test_http_errors_name_the_url(index_server: IndexServer, cache: Cache) -> None:
    url = index_server.file_url("missing-1.0.tar.gz")
    with _http() as http, pytest.raises(NetworkError) as info:
        fetch_archive(url, http=http, cache=cache)
    assert url in info.value.message and "404" in info.value.message
    assert _bucket_files(cache) == []


def test_credentials_are_used_but_never_shown_or_recorded(
    index_server: IndexServer, sdist: Path, cache: Cache
) -> None:
    index_server.publish(sdist)
    index_server.require_auth("/files/*", "alice", "s3cret")
    base = index_server.file_url(sdist.name).replace("http://", "http://alice:s3cret@")
    with _http() as http:
        fetched = fetch_archive(base, http=http, cache=cache)
        assert fetched.url == index_server.file_url(sdist.name)
        assert "s3cret" not in str(direct_url_for_archive(fetched))
        with pytest.raises(HashMismatch) as info:
            fetch_archive(f"{base}#sha256={'0' * 64}", http=http, cache=cache)
    assert "s3cret" not in info.value.message and "alice" not in info.value.message


def test_file_urls_are_hashed_in_place(sdist: Path, cache: Cache) -> None:
    with _http() as http:
        fetched = fetch_archive(sdist.as_uri(), http=http, cache=cache)
        assert fetched.path == sdist and fetched.sha256 == _sha(sdist)
        with pytest.raises(HashMismatch):
            fetch_archive(f"{sdist.as_uri()}#sha256={'0' * 64}", http=http, cache=cache)
    assert _bucket_files(cache) == []


def test_url_wheel_is_unpacked_once(
    index_server: IndexServer, wheel_factory: Callable[..., Path], cache: Cache
) -> None:
    wheel = wheel_factory("wpkg", "2.0")
    index_server.publish(wheel)
    url = f"{index_server.file_url(wheel.name)}#sha256={_sha(wheel)}"
    with _http() as http:
        fetched, unpacked = fetch_url_wheel(url, http=http, cache=cache, project="wpkg")
        assert fetched.is_wheel and unpacked.sha256 == _sha(wheel)
        assert (unpacked.path / "wpkg-2.0.dist-info" / "METADATA").exists()
        index_server.clear_log()
        _, again = fetch_url_wheel(url, http=http, cache=cache, project="wpkg")
    assert again.path == unpacked.path and not again.downloaded
    assert index_server.requests == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://host.test/download?id=3", "does not name a source archive or a wheel"),
        ("ftp://host.test/pkg-1.0.tar.gz", "unsupported URL"),
        ("https://host.test/pkg-1.0.tar.gz#sha256=abc", "invalid sha256 digest"),
    ],
)
def test_bad_archive_urls(url: str, expected: str) -> None:
    with pytest.raises(InputError, match=expected):
        parse_archive_url(url)


def test_parse_archive_url_fragment() -> None:
    digest = "a" * 64
    spec = parse_archive_url(f"https://u:p@host.test/p/pkg%2B-1.0.zip#sha256={digest.upper()}&subdirectory=sub&egg=pkg")
    assert spec.filename == "pkg+-1.0.zip"
    assert spec.hashes == (("sha256", digest),)
    assert spec.subdirectory == "sub"
    assert spec.url == "https://u:p@host.test/p/pkg%2B-1.0.zip"
    assert spec.key == parse_archive_url("https://host.test/p/pkg%2B-1.0.zip").key


def test_direct_url_for_archive(index_server: IndexServer, sdist: Path, cache: Cache) -> None:
    index_server.publish(sdist)
    with _http() as http:
        fetched = fetch_archive(index_server.file_url(sdist.name) + "#subdirectory=inner", http=http, cache=cache)
    assert direct_url_for_archive(fetched) == {
        "url": index_server.file_url(sdist.name),
        "archive_info": {"hash": f"sha256={fetched.sha256}", "hashes": {"sha256": fetched.sha256}},
        "subdirectory": "inner",
    }
