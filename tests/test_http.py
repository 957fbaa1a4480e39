"""The HTTP client (puv.io.http) against real servers on 127.0.0.1.

Every test talks to the fixture index server (or a second one, to stand in for another
origin or a proxy) with tiny backoffs and an injected ``sleep`` that records delays.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from puv.errors import NetworkError
from puv.io.http import (
    HostResolver,
    HttpClient,
    HttpOptions,
    Response,
    _bypass_proxy,
    _retry_after,
    options_from_environ,
    origin,
    parallel_map,
    redact,
    split_credentials,
)
from tests.support.index_server import Fault, IndexServer
from tests.support.simple_pages import JSON_TYPE

WheelFactory = Callable[..., Path]
SECRET = "s3cret"


class Sleeps:
    """An injected ``sleep`` that records delays instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.delays.append(seconds)


def make_client(sleeps: Sleeps | None = None, **kwargs: Any) -> HttpClient:
    kwargs.setdefault("backoff", 0.001)
    kwargs.setdefault("timeout", 5.0)
    return HttpClient(HttpOptions(**kwargs), sleep=sleeps if sleeps is not None else Sleeps())


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(sleeps: Sleeps) -> Iterator[HttpClient]:
    http = make_client(sleeps)
    try:
        yield http
    finally:
        http.close()


@pytest.fixture
def other_server() -> Iterator[IndexServer]:
    """A second server: another origin (same host, another port)."""
    server = IndexServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def big_wheel(wheel_factory: WheelFactory, index_server: IndexServer) -> tuple[str, bytes]:
    """A published wheel of ~300 KB of incompressible bytes: (url, content)."""
    payload = os.urandom(300_000)
    path = wheel_factory("big", "1.0", files={"big/blob.bin": payload})
    index_server.publish(path)
    return index_server.file_url(path.name), path.read_bytes()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def all_text(error: NetworkError) -> str:
    return "\n".join([str(error), error.message, *error.causes, *error.hints, repr(error.args)])


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ------------------------------------------------------------------ URL helpers


def test_redact_hides_userinfo() -> None:
    assert redact(f"http://user:{SECRET}@h:1/simple/") == "http://****@h:1/simple/"
    assert redact("http://h/simple/") == "http://h/simple/"
    assert SECRET not in redact(f"https://{SECRET}@h/")


def test_origin_makes_default_ports_explicit() -> None:
    assert origin("http://Example.test/x") == ("http", "example.test", 80)
    assert origin("https://example.test/x") == ("https", "example.test", 443)
    assert origin("http://u:p@127.0.0.1:8080/") == ("http", "127.0.0.1", 8080)


def test_split_credentials_unquotes() -> None:
    clean, creds = split_credentials("http://al%40ice:p%3Aw@h:1/s/")
    assert clean == "http://h:1/s/"
    assert creds == ("al@ice", "p:w")
    assert split_credentials("http://h/") == ("http://h/", None)


def test_retry_after_parsing() -> None:
    assert _retry_after("1") == 1.0
    assert _retry_after(" 2.5 ") == 2.5
    assert _retry_after("-3") == 0.0
    assert _retry_after(None) is None
    assert _retry_after("soon") is None
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    from email.utils import formatdate
    import time

    later = _retry_after(formatdate(time.time() + 30, usegmt=True))
    assert later is not None and 25 < later <= 31


# ------------------------------------------------------------------- basic GETs


def test_get_html_page(client: HttpClient, index_server: IndexServer, wheel_factory: WheelFactory) -> None:
    wheel = wheel_factory("demo", "1.0")
    index_server.publish(wheel)
    response = client.get(index_server.url + "demo/")
    assert response.status == 200
    assert (response.header("Content-Type") or "").startswith("text/html")
    assert wheel.name.encode() in response.body
    assert response.url == index_server.url + "demo/"
    request = index_server.requests[-1]
    assert request.header("User-Agent") == "puv"


def test_json_accept_header_passes_through(
    client: HttpClient, index_server: IndexServer, wheel_factory: WheelFactory
) -> None:
    index_server.publish(wheel_factory("demo", "1.0"))
    response = client.get(index_server.url + "demo/", headers={"Accept": JSON_TYPE})
    assert response.status == 200
    assert response.header("content-type") == JSON_TYPE
    assert json.loads(response.body)["name"] == "demo"
    assert index_server.requests[-1].header("Accept") == JSON_TYPE


def test_gzip_page_is_decoded(client: HttpClient, index_server: IndexServer, wheel_factory: WheelFactory) -> None:
    index_server.publish(wheel_factory("demo", "1.0"))
    plain = client.get(index_server.url + "demo/").body
    index_server.gzip = True
    response = client.get(index_server.url + "demo/")
    assert response.header("content-encoding") == "gzip"
    assert response.body == plain
    assert "gzip" in (index_server.requests[-1].header("Accept-Encoding") or "")


def test_gzip_download_is_decoded(client: HttpClient, index_server: IndexServer, big_wheel: tuple[str, bytes]) -> None:
    url, content = big_wheel
    index_server.gzip = True
    sink = io.BytesIO()
    response = client.download(url, sink)
    assert response.status == 200
    assert response.header("content-encoding") == "gzip"
    assert sha256(sink.getvalue()) == sha256(content)


def test_gzip_fixture_switch_is_real(index_server: IndexServer, wheel_factory: WheelFactory) -> None:
    """The fixture's gzip switch compresses only when asked to (checked without puv)."""
    import http.client

    index_server.publish(wheel_factory("demo", "1.0"))
    index_server.gzip = True
    conn = http.client.HTTPConnection("127.0.0.1", index_server.port, timeout=5)
    try:
        conn.request("GET", "/simple/demo/", headers={"Accept-Encoding": "gzip"})
        zipped = conn.getresponse()
        body = zipped.read()
        assert zipped.getheader("Content-Encoding") == "gzip"
        assert int(zipped.getheader("Content-Length") or 0) == len(body)
        conn.request("GET", "/simple/demo/")
        plain = conn.getresponse()
        assert plain.getheader("Content-Encoding") is None
        assert gzip.decompress(body) == plain.read()
    finally:
        conn.close()


def test_caller_can_ask_for_identity(client: HttpClient, index_server: IndexServer, big_wheel: tuple[str, bytes]) -> None:
    url, content = big_wheel
    index_server.gzip = True
    response = client.get(url, headers={"accept-encoding": "identity", "Range": "bytes=0-9"})
    assert response.status == 206
    assert response.header("content-encoding") is None
    assert response.body == content[:10]


def test_same_origin_redirect_is_followed(client: HttpClient, index_server: IndexServer, wheel_factory: WheelFactory) -> None:
    index_server.publish(wheel_factory("demo-pkg", "1.0"))
    response = client.get(index_server.url + "Demo_Pkg/")
    assert response.status == 200
    assert response.url == index_server.url + "demo-pkg/"


def test_404_is_returned(client: HttpClient, index_server: IndexServer) -> None:
    response = client.get(index_server.url + "missing/")
    assert isinstance(response, Response)
    assert response.status == 404
    assert index_server.count("/simple/missing/") == 1  # not retried


def test_401_is_returned(client: HttpClient, index_server: IndexServer) -> None:
    index_server.require_auth("/simple/*", "alice", SECRET)
    response = client.get(index_server.url)
    assert response.status == 401
    assert response.header("www-authenticate") is not None
    assert index_server.count("/simple/") == 1


def test_client_is_a_context_manager(index_server: IndexServer) -> None:
    with make_client() as http:
        assert http.get(index_server.url).status == 200


# ----------------------------------------------------------------------- retries


def test_503_then_success_is_retried(client: HttpClient, sleeps: Sleeps, index_server: IndexServer) -> None:
    index_server.add_fault("/simple/", Fault(status=503))
    response = client.get(index_server.url)
    assert response.status == 200
    assert index_server.count("/simple/") == 2
    assert len(sleeps.delays) == 1
    assert sleeps.delays[0] < 0.01  # the configured (tiny) backoff


def test_5xx_storm_raises_with_url_and_status(sleeps: Sleeps, index_server: IndexServer) -> None:
    index_server.add_fault("/simple/", Fault(status=500, times=100))
    client = make_client(sleeps, retries=2)
    with pytest.raises(NetworkError) as info:
        client.get(index_server.url)
    assert index_server.url in str(info.value)
    assert "500" in str(info.value)
    assert "3 attempts" in str(info.value)
    assert info.value.hints
    assert index_server.count("/simple/") == 3
    assert len(sleeps.delays) == 2
    assert sleeps.delays[1] > sleeps.delays[0] * 1.2  # exponential


def test_429_retry_after_is_honoured(client: HttpClient, sleeps: Sleeps, index_server: IndexServer) -> None:
    index_server.add_fault("/simple/", Fault(status=429, headers={"Retry-After": "1"}))
    response = client.get(index_server.url)
    assert response.status == 200
    assert sleeps.delays == [pytest.approx(1.0)]
    assert index_server.count("/simple/") == 2


def test_huge_retry_after_is_capped(client: HttpClient, sleeps: Sleeps, index_server: IndexServer) -> None:
    index_server.add_fault("/simple/", Fault(status=503, headers={"Retry-After": "86400"}))
    assert client.get(index_server.url).status == 200
    assert sleeps.delays == [60.0]


def test_dropped_connection_is_retried(client: HttpClient, index_server: IndexServer, big_wheel: tuple[str, bytes]) -> None:
    url, content = big_wheel
    index_server.add_fault("/files/*", Fault(kind="drop", times=2))
    sink = io.BytesIO()
    response = client.download(url, sink)
    assert response.status == 200
    assert sha256(sink.getvalue()) == sha256(content)
    assert index_server.count("/files/*") == 3


def test_truncated_download_is_retried_and_sink_rewound(
    client: HttpClient, index_server: IndexServer, big_wheel: tuple[str, bytes], tmp_path: Path
) -> None:
    url, content = big_wheel
    index_server.add_fault("/files/*", Fault(kind="truncate", fraction=0.6))
    written: list[int] = []
    target = tmp_path / "download.whl"
    with open(target, "w+b") as sink:
        sink.write(b"stale bytes from an earlier run" * 50_000)  # longer than the file
        response = client.download(url, sink, on_bytes=written.append)
    assert response.status == 200
    assert response.body == b""
    data = target.read_bytes()
    assert len(data) == len(content)
    assert sha256(data) == sha256(content)
    # The first attempt did write part of the body before it was cut off.
    assert sum(written) > len(content)
    assert index_server.count("/files/*") == 2


def test_truncated_page_is_retried(client: HttpClient, index_server: IndexServer, wheel_factory: WheelFactory) -> None:
    index_server.publish(wheel_factory("demo", "1.0"))
    full = client.get(index_server.url + "demo/").body
    index_server.add_fault("/simple/demo/", Fault(kind="truncate", fraction=0.3))
    assert client.get(index_server.url + "demo/").body == full
    assert index_server.count("/simple/demo/") == 3


def test_truncation_storm_raises(sleeps: Sleeps, index_server: IndexServer, big_wheel: tuple[str, bytes]) -> None:
    url, _ = big_wheel
    index_server.add_fault("/files/*", Fault(kind="truncate", fraction=0.5, times=100))
    client = make_client(sleeps, retries=1)
    with pytest.raises(NetworkError) as info:
        client.download(url, io.BytesIO())
    assert "2 attempts" in str(info.value)
    assert info.value.causes


def test_slow_response_times_out_then_raises(sleeps: Sleeps, index_server: IndexServer) -> None:
    index_server.add_fault("/simple/", Fault(kind="slow", delay=1.5, times=100))
    client = make_client(sleeps, timeout=0.3, retries=1)
    with pytest.raises(NetworkError) as info:
        client.get(index_server.url)
    assert "2 attempts" in str(info.value)
    assert any("timed out" in cause.lower() for cause in info.value.causes), info.value.causes
    assert len(sleeps.delays) == 1
    index_server.clear_faults()


def test_slow_once_then_success(client: HttpClient, sleeps: Sleeps, index_server: IndexServer) -> None:
    fast = make_client(sleeps, timeout=0.3)
    index_server.add_fault("/simple/", Fault(kind="slow", delay=1.0))
    assert fast.get(index_server.url).status == 200
    assert len(sleeps.delays) == 1


def test_connection_refused_raises(sleeps: Sleeps) -> None:
    client = make_client(sleeps, retries=1)
    url = f"http://127.0.0.1:{closed_port()}/simple/"
    with pytest.raises(NetworkError) as info:
        client.get(url)
    assert url in str(info.value)
    assert info.value.causes and info.value.hints


def test_connection_reused_after_failed_read(client: HttpClient, index_server: IndexServer, big_wheel: tuple[str, bytes]) -> None:
    """A failure mid-body must not poison the pool for the next request."""
    url, content = big_wheel
    index_server.add_fault("/files/*", Fault(kind="truncate", fraction=0.2, times=2))
    for _ in range(3):
        sink = io.BytesIO()
        assert client.download(url, sink).status == 200
        assert sink.getvalue() == content


def test_download_of_error_status_leaves_sink_empty(client: HttpClient, index_server: IndexServer) -> None:
    sink = io.BytesIO(b"old")
    response = client.download(index_server.file_url("nope-1.0-py3-none-any.whl"), sink)
    assert response.status == 404
    assert sink.getvalue() == b""


def test_too_many_redirects(client: HttpClient, index_server: IndexServer) -> None:
    index_server.add_fault("/loop", Fault(status=302, headers={"Location": "/loop"}, times=100))
    with pytest.raises(NetworkError, match="too many redirects"):
        client.get(index_server.base_url + "/loop")
    index_server.clear_faults()


def test_redirect_to_file_url_is_refused(client: HttpClient, index_server: IndexServer) -> None:
    index_server.add_fault("/evil", Fault(status=302, headers={"Location": "file:///etc/passwd"}))
    with pytest.raises(NetworkError, match="unsupported URL"):
        client.get(index_server.base_url + "/evil")


# -------------------------------------------------------------------- credentials


def test_url_userinfo_sends_basic_auth(client: HttpClient, index_server: IndexServer) -> None:
    index_server.require_auth("/simple/*", "alice", SECRET)
    response = client.get(index_server.auth_url("alice", SECRET))
    assert response.status == 200
    assert index_server.requests[-1].header("Authorization") == basic("alice", SECRET)
    assert SECRET not in response.url


def test_credentials_from_url_are_remembered_for_the_origin(client: HttpClient, index_server: IndexServer) -> None:
    index_server.require_auth("/*", "alice", SECRET)
    assert client.get(index_server.auth_url("alice", SECRET)).status == 200
    # A later request to the same origin (a file link on the page) carries them too.
    assert client.get(index_server.base_url + "/links/").status == 200


def test_credential_urls_supply_credentials(index_server: IndexServer) -> None:
    index_server.require_auth("/simple/*", "alice", SECRET)
    client = make_client(credential_urls=(index_server.auth_url("alice", SECRET),))
    response = client.get(index_server.url)
    assert response.status == 200
    assert index_server.requests[-1].header("Authorization") == basic("alice", SECRET)


def test_credential_urls_only_for_their_origin(index_server: IndexServer, other_server: IndexServer) -> None:
    client = make_client(credential_urls=(other_server.auth_url("alice", SECRET),))
    assert client.get(index_server.url).status == 200
    assert index_server.requests[-1].header("Authorization") is None


def test_explicit_userinfo_beats_credential_urls(index_server: IndexServer) -> None:
    index_server.require_auth("/simple/*", "bob", "right")
    client = make_client(credential_urls=(index_server.auth_url("alice", "wrong"),))
    assert client.get(index_server.auth_url("bob", "right")).status == 200


def test_netrc_supplies_credentials(index_server: IndexServer, tmp_path: Path) -> None:
    index_server.require_auth("/simple/*", "alice", SECRET)
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login alice password {SECRET}\n")
    options = options_from_environ({"NETRC": str(netrc)}, backoff=0.001, timeout=5.0)
    assert options.netrc_path == str(netrc)
    client = HttpClient(options, sleep=Sleeps())
    assert client.get(index_server.url).status == 200
    assert index_server.requests[-1].header("Authorization") == basic("alice", SECRET)


def test_missing_or_broken_netrc_is_ignored(index_server: IndexServer, tmp_path: Path) -> None:
    broken = tmp_path / "netrc"
    broken.write_text("machine\n")
    for path in (broken, tmp_path / "absent"):
        client = make_client(netrc_path=str(path))
        assert client.get(index_server.url).status == 200
        assert index_server.requests[-1].header("Authorization") is None


def test_redirect_to_another_origin_drops_credentials(
    client: HttpClient, index_server: IndexServer, other_server: IndexServer
) -> None:
    index_server.require_auth("/simple/*", "alice", SECRET)
    index_server.add_fault("/simple/moved/", Fault(status=302, headers={"Location": other_server.url}))
    url = f"http://alice:{SECRET}@127.0.0.1:{index_server.port}/simple/moved/"
    response = client.get(url, headers={"Authorization": basic("alice", SECRET), "Cookie": "s=1", "Accept": "text/html"})
    assert response.status == 200
    assert response.url == other_server.url
    assert index_server.requests[-1].header("Authorization") == basic("alice", SECRET)
    seen = other_server.requests
    assert len(seen) == 1
    assert seen[0].header("Authorization") is None
    assert seen[0].header("Cookie") is None
    assert seen[0].header("Accept") == "text/html"  # ordinary headers do follow


def test_redirect_back_to_the_origin_keeps_credentials(
    client: HttpClient, index_server: IndexServer, other_server: IndexServer
) -> None:
    index_server.require_auth("/simple/*", "alice", SECRET)
    other_server.add_fault("/bounce", Fault(status=307, headers={"Location": index_server.url}))
    index_server.add_fault("/start", Fault(status=302, headers={"Location": other_server.base_url + "/bounce"}))
    response = client.get(f"http://alice:{SECRET}@127.0.0.1:{index_server.port}/start")
    assert response.status == 200
    assert other_server.requests[-1].header("Authorization") is None


def test_userinfo_in_location_is_not_used(
    client: HttpClient, index_server: IndexServer, other_server: IndexServer
) -> None:
    target = f"http://mallory:{SECRET}@127.0.0.1:{other_server.port}/simple/"
    index_server.add_fault("/go", Fault(status=302, headers={"Location": target}))
    response = client.get(index_server.base_url + "/go")
    assert response.status == 200
    assert SECRET not in response.url
    assert other_server.requests[-1].header("Authorization") is None


def test_credentials_never_in_errors(sleeps: Sleeps, index_server: IndexServer) -> None:
    index_server.add_fault("/simple/", Fault(status=503, times=100))
    client = make_client(sleeps, retries=1)
    url = f"http://user:{SECRET}@127.0.0.1:{index_server.port}/simple/"
    with pytest.raises(NetworkError) as info:
        client.get(url)
    assert SECRET not in all_text(info.value)
    assert index_server.url in str(info.value)  # the URL is named, without its userinfo
    index_server.clear_faults()

    refused = f"http://user:{SECRET}@127.0.0.1:{closed_port()}/simple/"
    with pytest.raises(NetworkError) as info:
        client.get(refused)
    assert SECRET not in all_text(info.value)
    assert info.value.__cause__ is None or SECRET not in str(info.value.__cause__)

    offline = make_client(offline=True)
    with pytest.raises(NetworkError) as info:
        offline.get(url)
    assert SECRET not in all_text(info.value)

    with pytest.raises(NetworkError) as info:
        client.get(f"ftp://user:{SECRET}@127.0.0.1/x")
    assert SECRET not in all_text(info.value)


def test_credentials_not_in_timeout_errors(sleeps: Sleeps, index_server: IndexServer) -> None:
    index_server.add_fault("/simple/", Fault(kind="slow", delay=1.0, times=100))
    client = make_client(sleeps, timeout=0.2, retries=0)
    with pytest.raises(NetworkError) as info:
        client.get(f"http://user:{SECRET}@127.0.0.1:{index_server.port}/simple/")
    assert SECRET not in all_text(info.value)
    index_server.clear_faults()


# ------------------------------------------------------------------- file:// URLs


def test_file_url_reads_a_file(client: HttpClient, tmp_path: Path) -> None:
    path = tmp_path / "a b%20c.bin"  # a space and a literal "%20" in the name
    path.write_bytes(b"hello")
    url = "file://" + quote(str(path))
    response = client.get(url)
    assert response.status == 200
    assert response.body == b"hello"
    sink = io.BytesIO(b"stale stale stale")
    assert client.download(url, sink).status == 200
    assert sink.getvalue() == b"hello"


def test_file_url_directory_serves_index_html(client: HttpClient, tmp_path: Path) -> None:
    (tmp_path / "simple").mkdir()
    (tmp_path / "simple" / "index.html").write_text("<html>root</html>")
    response = client.get((tmp_path / "simple").as_uri() + "/")
    assert response.status == 200
    assert response.body == b"<html>root</html>"
    assert response.header("content-type") == "text/html"


def test_file_url_missing_is_404(client: HttpClient, tmp_path: Path) -> None:
    assert client.get((tmp_path / "nope.html").as_uri()).status == 404
    assert client.get((tmp_path / "empty-dir").as_uri()).status == 404
    (tmp_path / "file").write_text("x")
    assert client.get((tmp_path / "file").as_uri() + "/below").status == 404
    sink = io.BytesIO()
    assert client.download((tmp_path / "nope.whl").as_uri(), sink).status == 404


def test_unsupported_scheme(client: HttpClient) -> None:
    with pytest.raises(NetworkError, match="unsupported URL scheme"):
        client.get("ftp://127.0.0.1/x")


# ------------------------------------------------------------------------ offline


def test_offline_refuses_http_but_reads_files(index_server: IndexServer, tmp_path: Path) -> None:
    client = make_client(offline=True)
    with pytest.raises(NetworkError) as info:
        client.get(index_server.url)
    assert "--offline" in str(info.value)
    assert info.value.hints
    with pytest.raises(NetworkError, match="--offline"):
        client.download("https://127.0.0.1:1/x.whl", io.BytesIO())
    assert index_server.requests == []
    (tmp_path / "f.txt").write_text("local")
    assert client.get((tmp_path / "f.txt").as_uri()).body == b"local"


# ------------------------------------------------------------------------ proxies


def test_options_from_environ_reads_proxies(tmp_path: Path) -> None:
    options = options_from_environ(
        {"HTTP_PROXY": "http://p:1", "https_proxy": "http://q:2", "NO_PROXY": "a,b", "HOME": str(tmp_path)}
    )
    assert dict(options.proxies) == {"http": "http://p:1", "https": "http://q:2"}
    assert options.no_proxy == "a,b"
    assert options.netrc_path == str(tmp_path / ".netrc")
    assert options_from_environ({"http_proxy": "http://low:1", "HTTP_PROXY": "http://up:1"}).proxies == {
        "http": "http://low:1"
    }
    # Explicit settings win over the environment instead of colliding with it.
    assert options_from_environ({"NETRC": "/x"}, netrc_path="/y", retries=7).netrc_path == "/y"


@pytest.mark.parametrize(
    ("host", "no_proxy", "port", "expected"),
    [
        ("example.test", "", None, False),
        ("example.test", "*", None, True),
        ("example.test", "example.test", None, True),
        ("a.example.test", "example.test", None, True),
        ("a.example.test", ".example.test", None, True),
        ("a.example.test", "*.example.test", None, True),
        ("badexample.test", "example.test", None, False),
        ("example.test", "other.test, example.test", None, True),
        ("example.test", "other.test example.test", None, True),
        ("EXAMPLE.test", "example.TEST", None, True),
        ("127.0.0.1", "127.0.0.1", 8080, True),
        ("127.0.0.1", "127.0.0.1:8080", 8080, True),
        ("127.0.0.1", "127.0.0.1:9090", 8080, False),
        ("10.1.2.3", "10.0.0.0/8", None, True),
        ("11.1.2.3", "10.0.0.0/8", None, False),
        ("name.test", "10.0.0.0/8", None, False),
        ("::1", "[::1]", None, True),
        ("[::1]", "::1", None, True),
        ("example.test", ",, ,", None, False),
    ],
)
def test_bypass_proxy(host: str, no_proxy: str, port: int | None, expected: bool) -> None:
    assert _bypass_proxy(host, no_proxy, port) is expected


def test_pool_selection(index_server: IndexServer) -> None:
    client = make_client(proxies={"http": "http://127.0.0.1:9"}, no_proxy="localhost")
    proxied = client._pool_for("http://127.0.0.1:1/x")
    direct = client._pool_for("http://localhost:1/x")
    assert proxied is not direct
    assert type(proxied).__name__ == "ProxyManager"
    assert type(direct).__name__ == "PoolManager"
    assert client._pool_for("http://127.0.0.2:1/y") is proxied  # pooled, not rebuilt
    # https has no proxy configured here
    assert type(client._pool_for("https://127.0.0.1:1/x")).__name__ == "PoolManager"


def test_http_proxy_forwards_requests(index_server: IndexServer, other_server: IndexServer) -> None:
    """The second server stands in for a forwarding proxy: it gets the absolute-form
    request line, the target server sees nothing."""
    options = options_from_environ({"HTTP_PROXY": other_server.base_url}, backoff=0.001, timeout=5.0)
    client = HttpClient(options, sleep=Sleeps())
    response = client.get(index_server.url)
    assert response.status == 200
    assert index_server.requests == []
    [seen] = other_server.requests
    assert seen.target == index_server.url
    assert seen.header("Host") == f"127.0.0.1:{index_server.port}"


def test_proxy_credentials_become_proxy_authorization(index_server: IndexServer, other_server: IndexServer) -> None:
    proxy = f"http://pxuser:{SECRET}@127.0.0.1:{other_server.port}"
    client = make_client(proxies={"http": proxy})
    assert client.get(index_server.url).status == 200
    [seen] = other_server.requests
    assert seen.header("Proxy-Authorization") == basic("pxuser", SECRET)
    assert seen.header("Authorization") is None


def test_proxy_without_scheme(index_server: IndexServer, other_server: IndexServer) -> None:
    client = make_client(proxies={"http": f"127.0.0.1:{other_server.port}"})
    assert client.get(index_server.url).status == 200
    assert len(other_server.requests) == 1


def test_unreachable_proxy_is_reported(index_server: IndexServer, sleeps: Sleeps) -> None:
    client = make_client(sleeps, retries=1, proxies={"http": f"http://u:{SECRET}@127.0.0.1:{closed_port()}"})
    with pytest.raises(NetworkError) as info:
        client.get(index_server.url)
    assert any("proxy" in hint.lower() for hint in info.value.hints)
    assert SECRET not in all_text(info.value)
    assert index_server.requests == []


def test_no_proxy_bypasses_the_proxy(index_server: IndexServer, other_server: IndexServer) -> None:
    environ = {"HTTP_PROXY": other_server.base_url, "NO_PROXY": "localhost,127.0.0.1"}
    client = HttpClient(options_from_environ(environ, backoff=0.001, timeout=5.0), sleep=Sleeps())
    assert client.get(index_server.url).status == 200
    assert other_server.requests == []
    assert index_server.requests[-1].target == "/simple/"


# -------------------------------------------------------------------- concurrency


def test_fifty_parallel_downloads(
    wheel_factory: WheelFactory, index_server: IndexServer, tmp_path: Path
) -> None:
    wheels = [wheel_factory(f"pkg{i}", "1.0", files={f"pkg{i}/data.bin": os.urandom(20_000)}) for i in range(50)]
    index_server.publish_all(wheels)
    index_server.add_fault("/files/*", Fault(kind="drop", times=5))
    index_server.add_fault("/files/*", Fault(status=503, times=5))
    out = tmp_path / "out"
    out.mkdir()
    client = make_client(max_connections=50)

    def fetch(path: Path) -> str:
        with open(out / path.name, "w+b") as sink:
            response = client.download(index_server.file_url(path.name), sink)
        assert response.status == 200
        return sha256((out / path.name).read_bytes())

    try:
        digests = parallel_map(fetch, wheels, max_workers=50)
    finally:
        client.close()
    assert digests == [sha256(p.read_bytes()) for p in wheels]
    assert index_server.count("/files/*") == 60


def test_parallel_map_keeps_order_and_propagates_errors() -> None:
    assert parallel_map(lambda x: x * 2, range(20), max_workers=8) == [x * 2 for x in range(20)]
    assert parallel_map(lambda x: x, [], max_workers=8) == []
    assert parallel_map(lambda x: x + 1, [1], max_workers=8) == [2]

    started: list[int] = []
    lock = threading.Lock()

    def work(x: int) -> int:
        with lock:
            started.append(x)
        if x == 0:
            raise NetworkError("boom")
        return x

    with pytest.raises(NetworkError, match="boom"):
        parallel_map(work, range(200), max_workers=2)
    assert len(started) < 200  # pending work was cancelled


def test_close_then_reuse(index_server: IndexServer) -> None:
    client = make_client()
    assert client.get(index_server.url).status == 200
    client.close()
    assert client.get(index_server.url).status == 200
    client.close()


# ---------------------------------------------------------------------- imports


def test_import_does_not_load_network_stack() -> None:
    code = (
        "import sys, puv.io.http\n"
        "bad = sorted(m for m in ('urllib3', 'ssl', 'http.client', 'email') if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_file_urls_do_not_load_network_stack(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    code = (
        "import sys\n"
        "from puv.io.http import HttpClient, HttpOptions\n"
        f"assert HttpClient(HttpOptions(offline=True)).get({(tmp_path / 'f').as_uri()!r}).body == b'x'\n"
        "print(','.join(m for m in ('urllib3', 'ssl') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


# ---------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 made with the openssl command line."""
    import shutil

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not available to make a test certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    result = subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        pytest.skip(f"openssl could not make a certificate: {result.stderr.strip()[:200]}")
    return str(cert), str(key)


@pytest.fixture
def tls_server(tls_files: tuple[str, str]) -> Iterator[IndexServer]:
    server = IndexServer(tls=tls_files).start()
    try:
        yield server
    finally:
        server.stop()


def test_https_with_cert_bundle(tls_server: IndexServer, tls_files: tuple[str, str]) -> None:
    assert tls_server.url.startswith("https://")
    client = make_client(cert=tls_files[0])
    assert client.get(tls_server.url).status == 200
    tls_server.require_auth("/simple/*", "alice", SECRET)
    assert client.get(tls_server.auth_url("alice", SECRET)).status == 200


def test_https_unverified_certificate_fails(tls_server: IndexServer, sleeps: Sleeps) -> None:
    client = make_client(sleeps, retries=0)
    with pytest.raises(NetworkError) as info:
        client.get(f"https://user:{SECRET}@127.0.0.1:{tls_server.port}/simple/")
    assert "certificate" in " ".join(info.value.causes).lower()
    assert any("--cert" in hint and "--trusted-host" in hint for hint in info.value.hints)
    assert SECRET not in all_text(info.value)


def test_https_trusted_host_skips_verification(tls_server: IndexServer) -> None:
    client = make_client(trusted_hosts=("127.0.0.1",))
    assert client.get(tls_server.url).status == 200
    client = make_client(trusted_hosts=(f"127.0.0.1:{tls_server.port}",))
    assert client.get(tls_server.url).status == 200


def _hashed_dir(directory: Path, cert: str | None) -> Path:
    """A CA directory in OpenSSL's layout: ``cert`` under its subject hash, or, when
    None, one unrelated entry (so the directory is used but trusts nothing here)."""
    import shutil

    directory.mkdir()
    if cert is None:
        (directory / "00000000.0").write_text("not a certificate\n")
        return directory
    digest = subprocess.run(
        [str(shutil.which("openssl")), "x509", "-hash", "-noout", "-in", cert],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    shutil.copy(cert, directory / f"{digest}.0")
    return directory


def test_system_store_is_read_from_its_hashed_directory(
    tls_server: IndexServer, tls_files: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_DIR", str(_hashed_dir(tmp_path / "certs", tls_files[0])))
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    client = make_client(retries=0)
    assert client.get(tls_server.url).status == 200
    assert client._whole_store is False  # verified through the directory alone


def test_a_certificate_the_directory_lacks_is_verified_against_the_whole_bundle(
    tls_server: IndexServer, tls_files: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    sleeps: Sleeps,
) -> None:
    monkeypatch.setenv("SSL_CERT_DIR", str(_hashed_dir(tmp_path / "certs", None)))
    monkeypatch.setenv("SSL_CERT_FILE", tls_files[0])  # the "whole bundle" OpenSSL loads
    client = make_client(sleeps, retries=0)
    assert client.get(tls_server.url).status == 200
    assert client._whole_store is True
    assert sleeps.delays == []  # the same attempt again, not a retry after a backoff
    assert client.get(tls_server.url).status == 200


def test_an_unknown_certificate_fails_against_directory_and_bundle(
    tls_server: IndexServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sleeps: Sleeps
) -> None:
    monkeypatch.setenv("SSL_CERT_DIR", str(_hashed_dir(tmp_path / "certs", None)))
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    client = make_client(sleeps, retries=0)
    with pytest.raises(NetworkError) as info:
        client.get(tls_server.url)
    assert "certificate" in " ".join(info.value.causes).lower()
    assert client._whole_store is True


def test_an_explicit_bundle_is_trusted_alone(tls_files: tuple[str, str]) -> None:
    from puv.io.http import _ssl_context, _system_store

    assert _system_store(None)
    assert not _system_store(tls_files[0])
    context = _ssl_context(tls_files[0])
    assert context.cert_store_stats()["x509_ca"] == 1


def test_bad_cert_bundle_is_reported(tls_server: IndexServer, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate")
    client = make_client(cert=str(bogus))
    with pytest.raises(NetworkError, match="cannot load certificates") as info:
        client.get(tls_server.url)
    assert info.value.hints


# ------------------------------------------------------------------ host name lookups


class FakeDns:
    """An injected getaddrinfo: answers from a table, counts calls, can stall or fail."""

    def __init__(self, table: dict[str, list[tuple[str, int]]], script: list[Any] | None = None) -> None:
        self.table = table
        self.script = list(script or [])  # per call: None (answer), an exception, or an Event to wait on
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, host: str, port: int, family: int, kind: int) -> list[tuple[Any, ...]]:
        with self._lock:
            self.calls.append(host)
            step = self.script.pop(0) if self.script else None
        if isinstance(step, threading.Event):
            step.wait(10)
        elif isinstance(step, BaseException):
            raise step
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", address) for address in self.table[host]]


def test_parallel_requests_resolve_a_host_once(index_server: IndexServer) -> None:
    dns = FakeDns({"index.test": [("127.0.0.1", index_server.port)]})
    client = HttpClient(HttpOptions(timeout=5.0), resolver=HostResolver(getaddrinfo=dns))
    url = f"http://index.test:{index_server.port}/simple/"
    try:
        statuses = parallel_map(lambda _: client.get(url).status, range(20), 20)
    finally:
        client.close()
    assert statuses == [200] * 20
    assert dns.calls == ["index.test"]


def test_connection_falls_back_to_the_next_address(index_server: IndexServer) -> None:
    dns = FakeDns({"index.test": [("127.0.0.1", closed_port()), ("127.0.0.1", index_server.port)]})
    client = HttpClient(HttpOptions(timeout=5.0, retries=0), resolver=HostResolver(getaddrinfo=dns))
    assert client.get(f"http://index.test:{index_server.port}/simple/").status == 200


def test_slow_lookup_is_hedged() -> None:
    stalled = threading.Event()
    dns = FakeDns({"index.test": [("127.0.0.1", 1)]}, script=[stalled])
    resolver = HostResolver(getaddrinfo=dns, hedge_after=0.05)
    try:
        assert resolver.lookup("index.test", 1)[0][4] == ("127.0.0.1", 1)
        assert len(dns.calls) == 2  # the second lookup answered; the first still hangs
        assert resolver.lookup("index.test", 1) and len(dns.calls) == 2  # remembered
    finally:
        stalled.set()


def test_temporary_lookup_failure_is_retried() -> None:
    dns = FakeDns({"index.test": [("127.0.0.1", 1)]}, script=[socket.gaierror(socket.EAI_AGAIN, "Temporary failure")])
    resolver = HostResolver(getaddrinfo=dns, hedge_after=5.0)
    assert resolver.lookup("index.test", 1)[0][4] == ("127.0.0.1", 1)
    assert len(dns.calls) == 2


def test_unknown_host_fails_for_every_waiter_and_is_not_remembered() -> None:
    gate = threading.Event()
    dns = FakeDns({}, script=[gate])
    resolver = HostResolver(getaddrinfo=dns, hedge_after=5.0)
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            resolver.lookup("nowhere.test", 1)
        except socket.gaierror as error:
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(5)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join(5)
    assert len(errors) == 5 and dns.calls == ["nowhere.test"]
    with pytest.raises(socket.gaierror):
        resolver.lookup("nowhere.test", 1)
    assert len(dns.calls) == 2


def test_unresolvable_host_raises_network_error(sleeps: Sleeps) -> None:
    client = HttpClient(
        HttpOptions(timeout=5.0, retries=1, backoff=0.001),
        sleep=sleeps,
        resolver=HostResolver(getaddrinfo=FakeDns({})),
    )
    with pytest.raises(NetworkError) as info:
        client.get("http://nowhere.test/simple/")
    assert "nowhere.test" in str(info.value)
    assert info.value.causes and info.value.hints


def test_an_unknown_host_is_not_retried_and_named(sleeps: Sleeps) -> None:
    dns = FakeDns({})
    client = HttpClient(
        HttpOptions(timeout=5.0, retries=3, backoff=0.001), sleep=sleeps, resolver=HostResolver(getaddrinfo=dns)
    )
    with pytest.raises(NetworkError) as info:
        client.get("http://nowhere.test/simple/")
    assert info.value.message == "request to http://nowhere.test/simple/ failed"
    assert info.value.causes == ("cannot resolve the host name `nowhere.test`: Name or service not known",)
    assert any("host name" in hint for hint in info.value.hints)
    assert sleeps.delays == [] and len(dns.calls) == 1  # a name that does not exist is not asked again


def test_a_temporary_lookup_failure_is_still_retried(sleeps: Sleeps, index_server: IndexServer) -> None:
    dns = FakeDns(
        {"index.test": [("127.0.0.1", index_server.port)]},
        script=[socket.gaierror(socket.EAI_AGAIN, "Temporary failure")] * 2,
    )
    client = HttpClient(
        HttpOptions(timeout=5.0, retries=3, backoff=0.001),
        sleep=sleeps,
        resolver=HostResolver(getaddrinfo=dns, hedge_after=5.0),
    )
    assert client.get(f"http://index.test:{index_server.port}/simple/").status == 200
