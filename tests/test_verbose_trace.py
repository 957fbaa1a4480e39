"""``-vv`` shows each HTTP request, retry and cache decision; ``-v`` a network summary.

The HTTP client reports :class:`~puv.io.http.HttpEvent` values to an injected observer
and the index client hands trace lines to an injected callable (neither imports the
printer); the command context wires both to the printer. Credentials never show.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest

from puv.cli.printer import Printer
from puv.domain.index.client import IndexClient, IndexSources
from puv.errors import NetworkError
from puv.io.cache import Cache
from puv.io.http import HttpClient, HttpEvent, HttpOptions
from tests.support.cli import Result, run_puv
from tests.support.index_server import Fault, IndexServer

WheelFactory = Callable[..., Path]
USER = "alice"
PASSWORD = "pw-Qv7-very-s3cret"
TARGET = ("--python-version", "3.12", "--python-platform", "linux")


class Events:
    """An ``on_event`` observer that keeps what it hears."""

    def __init__(self) -> None:
        self.events: list[HttpEvent] = []
        self._lock = threading.Lock()

    def __call__(self, event: HttpEvent) -> None:
        with self._lock:
            self.events.append(event)

    def of(self, kind: str) -> list[HttpEvent]:
        return [e for e in self.events if e.kind == kind]


def _http(events: Events | None, **kwargs: object) -> HttpClient:
    options = HttpOptions(backoff=0.001, timeout=5.0, **kwargs)  # type: ignore[arg-type]
    return HttpClient(options, sleep=lambda seconds: None, on_event=events)


# ------------------------------------------------------------------ HTTP client events


def test_each_request_is_reported_with_status_size_and_no_credentials(
    index_server: IndexServer, wheel_factory: WheelFactory
) -> None:
    index_server.publish(wheel_factory("demo", "1.0"))
    index_server.require_auth("/*", USER, PASSWORD)
    events = Events()
    with _http(events) as http:
        response = http.get(index_server.auth_url(USER, PASSWORD) + "demo/")
    assert response.status == 200
    [event] = events.events
    assert (event.kind, event.method, event.status) == ("response", "GET", 200)
    assert event.url == index_server.url + "demo/"
    assert event.size == len(response.body) > 0
    assert event.elapsed > 0
    line = event.describe()
    assert re.fullmatch(rf"GET {re.escape(index_server.url)}demo/ 200 in \d+ ms, \d+(\.\d)? (B|KiB)", line), line
    assert PASSWORD not in repr(events.events) and USER not in repr(events.events)


def test_a_followed_redirect_is_reported(index_server: IndexServer, wheel_factory: WheelFactory) -> None:
    index_server.publish(wheel_factory("demo-pkg", "1.0"))
    events = Events()
    with _http(events) as http:
        assert http.get(index_server.url + "Demo_Pkg/").status == 200
    first, second = events.events
    assert first.status == 301 and first.redirect == index_server.url + "demo-pkg/"
    assert first.describe().endswith(f", redirected to {index_server.url}demo-pkg/")
    assert second.status == 200 and second.redirect is None and "redirected" not in second.describe()


def test_a_503_is_reported_as_a_retry_with_attempt_and_delay(index_server: IndexServer) -> None:
    index_server.add_fault("/simple/", Fault(status=503, headers={"Retry-After": "2"}))
    events = Events()
    with _http(events, retries=2) as http:
        assert http.get(index_server.url).status == 200
    assert [(e.kind, e.status) for e in events.events] == [("response", 503), ("retry", 0), ("response", 200)]
    retry = events.of("retry")[0]
    assert (retry.attempt, retry.attempts) == (2, 3) and retry.delay == pytest.approx(2.0)
    assert retry.describe() == (
        f"Retrying GET {index_server.url} in 2.00 s (attempt 2 of 3): HTTP 503 with Retry-After"
    )


def test_a_dropped_connection_is_reported_as_a_retry(index_server: IndexServer, wheel_factory: WheelFactory) -> None:
    path = wheel_factory("demo", "1.0")
    index_server.publish(path)
    index_server.add_fault("/files/*", Fault(kind="drop"))
    events = Events()
    with _http(events) as http:
        assert http.get(index_server.file_url(path.name)).status == 200
    [retry] = events.of("retry")
    assert retry.attempt == 2 and retry.attempts == 4
    assert retry.reason and "object at 0x" not in retry.reason
    assert [e.status for e in events.of("response")] == [200]


def test_downloads_report_the_bytes_streamed(index_server: IndexServer, wheel_factory: WheelFactory, tmp_path: Path) -> None:
    path = wheel_factory("demo", "1.0")
    index_server.publish(path)
    events = Events()
    with _http(events) as http, open(tmp_path / "sink", "w+b") as sink:
        http.download(index_server.file_url(path.name), sink)
    assert [e.size for e in events.events] == [path.stat().st_size]


def test_file_urls_and_offline_refusals_are_not_requests(tmp_path: Path, index_server: IndexServer) -> None:
    (tmp_path / "page.html").write_text("<html></html>")
    events = Events()
    with _http(events) as http:
        assert http.get((tmp_path / "page.html").as_uri()).status == 200
    with _http(events, offline=True) as http, pytest.raises(NetworkError):
        http.get(index_server.url)
    assert events.events == []


# ---------------------------------------------------------------- index client traces


def _index(cache_root: Path, server: IndexServer, lines: list[str], **kw: object) -> IndexClient:
    cache = Cache(cache_root)
    cache.ensure()
    http = HttpClient(HttpOptions(backoff=0.001, timeout=5.0))
    return IndexClient(http, cache, IndexSources((server.url,)), trace=lines.append, **kw)  # type: ignore[arg-type]


def _read_all(client: IndexClient, project: str) -> None:
    for sourced in client.files(project):
        client.metadata(project, sourced.file)


def test_page_cache_decisions_are_traced(index_server: IndexServer, wheel_factory: WheelFactory, tmp_path: Path) -> None:
    index_server.publish(wheel_factory("demo", "1.0"))
    page = f"Page `demo` at {index_server.url}demo/: "
    lines: list[str] = []
    _index(tmp_path / "c", index_server, lines).files("demo")
    assert lines == [page + "not in the cache: fetched (200)"]

    lines.clear()
    _index(tmp_path / "c", index_server, lines).files("demo")
    [line] = lines
    assert re.fullmatch(re.escape(page) + r"from the cache \(fresh for \d+ s more\), no request", line), line

    lines.clear()
    _index(tmp_path / "c", index_server, lines, refresh=True).files("demo")
    assert lines == [page + "cached page fresh but --refresh, revalidating: not modified (304), cached page kept"]

    lines.clear()
    _index(tmp_path / "c", index_server, lines, offline=True).files("demo")
    assert lines == [page + "from the cache (--offline), no request"]

    index_server.max_age = None  # the next answer is stale at once
    _index(tmp_path / "c", index_server, lines, refresh=True).files("demo")
    lines.clear()
    _index(tmp_path / "c", index_server, lines).files("demo")
    [line] = lines
    assert re.fullmatch(
        re.escape(page) + r"cached page stale \(expired \d+ s ago\), revalidating: not modified \(304\), cached page kept",
        line,
    ), line

    index_server.publish(wheel_factory("demo", "2.0"))  # the page changes: a new ETag
    lines.clear()
    assert len(_index(tmp_path / "c", index_server, lines).files("demo")) == 2
    assert lines[0].startswith(page + "cached page stale") and lines[0].endswith("changed, fetched again (200)")

    lines.clear()
    _index(tmp_path / "c", index_server, lines).files("missing")
    assert lines == [f"Page `missing` at {index_server.url}missing/: not in the cache: not on this index (404)"]


@pytest.mark.parametrize(
    ("metadata_on", "ranges_on", "how"),
    [
        (True, True, "fetched the metadata file (PEP 658)"),
        (False, True, "fetched with 1 range request"),
        (False, False, "fetched the whole file (the server ignored the range request)"),
    ],
)
def test_metadata_source_is_traced(
    index_server: IndexServer, wheel_factory: WheelFactory, tmp_path: Path, metadata_on: bool, ranges_on: bool, how: str
) -> None:
    index_server.publish(wheel_factory("demo", "1.0"))
    index_server.metadata, index_server.ranges = metadata_on, ranges_on
    lines: list[str] = []
    _read_all(_index(tmp_path / "c", index_server, lines), "demo")
    assert lines[1:] == [f"Metadata of demo-1.0-py3-none-any.whl: {how}"]
    lines.clear()
    _read_all(_index(tmp_path / "c", index_server, lines), "demo")
    assert lines[1:] == ["Metadata of demo-1.0-py3-none-any.whl: from the cache, no request"]


@pytest.mark.parametrize("verbosity", [-1, 0, 1, 2])
def test_the_context_wires_observers_only_when_verbose(
    index_server: IndexServer, wheel_factory: WheelFactory, tmp_path: Path, verbosity: int
) -> None:
    from puv.context import Context
    from puv.settings import Settings

    index_server.publish(wheel_factory("demo", "1.0"))
    stream = StringIO()
    settings = Settings(index_url=index_server.url, cache_dir=tmp_path / "c")
    with Context(settings, Printer(verbosity=verbosity, err=stream), {}, tmp_path) as ctx:
        _read_all(ctx.index(), "demo")
        assert (ctx.http()._on_event is not None) is (verbosity >= 1)  # the default pays nothing
        assert (ctx.index()._trace is not None) is (verbosity >= 2)
    text = stream.getvalue()
    assert ("TRACE GET " in text) is (verbosity >= 2)
    assert ("TRACE Page `demo`" in text) is (verbosity >= 2)
    assert ("DEBUG Made 2 HTTP requests, downloaded " in text) is (verbosity >= 1), text


# -------------------------------------------------------------------------- printer


class _SlowStream(StringIO):
    """A stream that writes one character at a time and yields between them, so two
    unsynchronized writers would interleave."""

    def write(self, text: str) -> int:
        for char in text:
            super().write(char)
            threading.Event().wait(0.0001)
        return len(text)


def test_trace_lines_stay_whole_when_threads_write_at_once() -> None:
    stream = _SlowStream()
    printer = Printer(verbosity=2, err=stream)

    def write(n: int) -> None:
        for _ in range(5):
            printer.trace(f"line-{n}-" + "x" * 20)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 30
    assert all(re.fullmatch(r"TRACE line-\d-x{20}", line) for line in lines), lines


def test_trace_needs_two_v() -> None:
    for verbosity, shown in ((0, False), (1, False), (2, True), (3, True)):
        stream = StringIO()
        Printer(verbosity=verbosity, err=stream).trace("hello")
        assert (stream.getvalue() == "TRACE hello\n") is shown


# ------------------------------------------------------------------------ command line


@pytest.fixture
def private(index_server: IndexServer, wheel_factory: WheelFactory) -> IndexServer:
    index_server.publish(wheel_factory("app", "1.0", requires_dist=["util"]))
    index_server.publish(wheel_factory("util", "1.1"))
    index_server.require_auth("/*", USER, PASSWORD)
    return index_server


def _compile(server: IndexServer, cache: Path, *args: str) -> Result:
    result = run_puv(
        "pip", "compile", "-", "--index-url", server.auth_url(USER, PASSWORD), "--cache-dir", str(cache),
        *TARGET, *args, input="app\n",
    )
    assert result.code == 0, result
    assert "util==1.1" in result.stdout
    return result


def _no_secret(result: Result) -> None:
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    text = result.stdout + result.stderr
    assert PASSWORD not in text and token not in text, result


def test_vv_shows_requests_retries_and_cache_decisions_without_credentials(private: IndexServer, tmp_path: Path) -> None:
    private.add_fault("/simple/app/", Fault(status=503))
    first = _compile(private, tmp_path / "cache", "-vv")
    _no_secret(first)
    err = first.stderr
    port = private.port
    assert re.search(rf"^TRACE GET http://127\.0\.0\.1:{port}/simple/app/ 503 in \d+ ms, \d+ B$", err, re.M), first
    assert re.search(
        rf"^TRACE Retrying GET http://127\.0\.0\.1:{port}/simple/app/ in \d+\.\d\d s \(attempt 2 of 4\): HTTP 503$",
        err,
        re.M,
    ), first
    assert re.search(rf"^TRACE GET http://127\.0\.0\.1:{port}/simple/app/ 200 in \d+ ms, ", err, re.M), first
    assert f"TRACE Page `util` at http://****@127.0.0.1:{port}/simple/util/: not in the cache: fetched (200)" in err
    assert "TRACE Metadata of util-1.1-py3-none-any.whl: fetched the metadata file (PEP 658)" in err
    assert re.search(r"^DEBUG Made 5 HTTP requests, downloaded \d", err, re.M), first

    # A warm cache: pages are fresh, metadata is cached; no request at all.
    second = _compile(private, tmp_path / "cache", "-vv")
    _no_secret(second)
    assert "TRACE GET" not in second.stderr
    assert re.search(r"^TRACE Page `app` at \S+: from the cache \(fresh for \d+ s more\), no request$", second.stderr, re.M)
    assert "TRACE Metadata of app-1.0-py3-none-any.whl: from the cache, no request" in second.stderr
    assert "HTTP request" not in second.stderr  # no network, no summary

    # --refresh revalidates every page (304s).
    third = _compile(private, tmp_path / "cache", "-vv", "--refresh")
    _no_secret(third)
    assert re.search(rf"^TRACE GET http://127\.0\.0\.1:{port}/simple/app/ 304 in \d+ ms, 0 B$", third.stderr, re.M)
    assert "cached page fresh but --refresh, revalidating: not modified (304), cached page kept" in third.stderr
    assert re.search(r"^DEBUG Made 2 HTTP requests, downloaded 0 B$", third.stderr, re.M), third


@pytest.mark.parametrize("verbosity", [(), ("-v",)])
def test_default_and_single_v_show_no_trace_lines(private: IndexServer, tmp_path: Path, verbosity: tuple[str, ...]) -> None:
    private.add_fault("/simple/app/", Fault(status=503))
    first = _compile(private, tmp_path / "cache", *verbosity)
    private.max_age = None
    _compile(private, tmp_path / "cache", "--refresh")  # store stale entries
    second = _compile(private, tmp_path / "cache", *verbosity)  # revalidates them
    for result in (first, second):
        _no_secret(result)
        assert "TRACE" not in result.stderr, result
        assert "Retrying" not in result.stderr and "Page `" not in result.stderr, result
        summary = re.search(r"^DEBUG Made \d+ HTTP requests?, downloaded ", result.stderr, re.M)
        assert bool(summary) is bool(verbosity), result
    assert private.count("/simple/app/") == 4  # the retry and the revalidations did happen


def test_no_progress_bar_at_vv() -> None:
    from puv.cli.progress import wants_progress

    class Terminal(StringIO):
        def isatty(self) -> bool:
            return True

    assert [wants_progress(Terminal(), v) for v in (-1, 0, 1, 2, 3)] == [False, True, True, False, False]


def test_a_query_string_is_masked_in_events(index_server: IndexServer) -> None:
    """Signed download URLs carry their credentials in the query string."""
    events = Events()
    with _http(events) as http:
        http.get(index_server.url + "?X-Amz-Signature=s3cr3t&token=t0ken")
    [event] = events.events
    assert event.url == index_server.url + "?****"
    assert "s3cr3t" not in repr(events.events) and "t0ken" not in repr(events.events)
