"""A real package index over HTTP on 127.0.0.1 for tests (stdlib ``http.server`` only).

Serves a set of published wheels and sdists as:

- ``/simple/`` and ``/simple/<normalized-name>/``: PEP 503 HTML or PEP 691 JSON chosen by
  the ``Accept`` header (q-values, ``Vary: Accept``); a non-normalized project name is
  redirected (301) to the normalized URL.
- ``/files/<filename>`` and ``/files/<filename>.metadata`` (PEP 658 / PEP 714), with
  single-range requests (RFC 9110: ``bytes=a-b``, ``bytes=a-``, ``bytes=-n``; 206 / 416).
- ``/links/``: a flat ``--find-links`` page.

Every response carries ``ETag`` / ``Last-Modified`` / ``Cache-Control``; ``If-None-Match``
and ``If-Modified-Since`` get 304. Switches (``json``, ``metadata``, ``ranges``, ``etag``,
``max_age``, ``url_style``, ``gzip``) may be flipped while a test runs; faults can be queued per path
glob; every request is logged; basic auth can be required per path glob.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import http.server
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit

from packaging.utils import canonicalize_name

from tests.support import simple_pages
from tests.support.simple_pages import DEFAULT_UPLOAD_TIME, HTML_V1_TYPE, JSON_TYPE, IndexFile

FaultKind = Literal["status", "slow", "drop", "truncate", "content_type", "malformed"]
UrlStyle = Literal["absolute", "root", "relative"]

MALFORMED_BODY = b'<html><a href="\x00\xff{"broken": [ \xfe unterminated'


@dataclass(frozen=True)
class Fault:
    """Something to go wrong with the next ``times`` requests matching a path glob.

    - ``status``: answer ``status`` with ``headers`` and ``body`` (e.g. 503, 429 with
      ``Retry-After``, 401 with ``WWW-Authenticate``).
    - ``slow``: sleep ``delay`` seconds, then answer normally.
    - ``drop``: close the connection without sending anything.
    - ``truncate``: send the full ``Content-Length`` but only ``fraction`` of the body,
      then close.
    - ``content_type``: answer normally but with ``Content-Type: content_type``.
    - ``malformed``: answer 200 with ``body`` (default: garbage) instead of the real body.
    """

    kind: FaultKind = "status"
    status: int = 503
    times: int = 1
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 1.0
    fraction: float = 0.5
    content_type: str = "text/plain"
    body: bytes | None = None


@dataclass(frozen=True)
class RequestRecord:
    """One request the server saw; ``status`` is None when the connection was dropped.

    ``target`` is the request-target exactly as sent: ``/simple/`` from a client, or the
    absolute form ``http://host:port/simple/`` when the request came through a proxy
    (the server answers those too, so it can stand in for a forwarding proxy).
    """

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    status: int | None
    target: str = ""

    def header(self, name: str) -> str | None:
        """A request header by case-insensitive name."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class _Response:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""

    def with_header(self, name: str, value: str) -> _Response:
        kept = tuple((k, v) for k, v in self.headers if k.lower() != name.lower())
        return replace(self, headers=(*kept, (name, value)))

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass
class _QueuedFault:
    glob: str
    fault: Fault
    remaining: int


def _parse_accept(value: str) -> list[tuple[str, float, int]]:
    """Media ranges from an Accept header as (type, q, position)."""
    out: list[tuple[str, float, int]] = []
    for position, item in enumerate(value.split(",")):
        parts = [p.strip() for p in item.split(";")]
        media = parts[0].lower()
        if not media:
            continue
        q = 1.0
        for param in parts[1:]:
            key, _, val = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(val.strip())
                except ValueError:
                    q = 0.0
        out.append((media, q, position))
    return out


def negotiate(accept: str | None) -> str | None:
    """The simple-API content type to answer with for ``accept`` (None: 406).

    Explicit types win over wildcards at equal q; wildcards mean ``text/html`` (what
    clients that predate PEP 691 expect). No header at all means ``text/html``.
    """
    if not accept:
        return "text/html"
    offers = {JSON_TYPE: 3, HTML_V1_TYPE: 2, "text/html": 1}
    best: tuple[float, int, str] | None = None
    for media, q, _ in _parse_accept(accept):
        if q <= 0:
            continue
        if media in offers:
            candidate = (q, offers[media] + 10, media)
        elif media in ("*/*", "text/*"):
            candidate = (q, 0, "text/html")
        elif media in ("application/*",):
            candidate = (q, 0, JSON_TYPE)
        else:
            continue
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return None if best is None else best[2]


def _accepts_gzip(headers: Mapping[str, str]) -> bool:
    value = next((v for k, v in headers.items() if k.lower() == "accept-encoding"), "")
    for media, q, _ in _parse_accept(value):
        if media == "gzip" and q > 0:
            return True
    return False


def _gzipped(response: _Response) -> _Response:
    if response.header("Content-Encoding") is not None:
        return response
    import gzip

    body = gzip.compress(response.body, mtime=0)
    response = replace(response, body=body).with_header("Content-Encoding", "gzip")
    response = response.with_header("Content-Length", str(len(body)))
    return response.with_header("Vary", "Accept, Accept-Encoding")


def _parse_range(value: str, size: int) -> tuple[int, int] | None | Literal["unsatisfiable"]:
    """One ``bytes=`` range as inclusive (start, end); None to ignore the header."""
    unit, _, spec = value.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first == "":
            suffix = int(last)
            if suffix < 0:
                return None
            if suffix == 0 or size == 0:
                return "unsatisfiable"
            return (max(0, size - suffix), size - 1)
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start < 0:
        return None
    if start >= size:
        return "unsatisfiable"
    if end < start:
        return None
    return (start, min(end, size - 1))


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        return

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self.server.index.handle(self, head=False)

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib name
        self.server.index.handle(self, head=True)


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, index: IndexServer) -> None:
        self.index = index
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: socket.socket, client_address: Any) -> None:  # type: ignore[override]
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return  # the client went away (or a fault closed the socket): not a server bug
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self.connections_lock:
            sockets = list(self.connections)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class IndexServer:
    """A package index on ``127.0.0.1:<random port>``; use as a context manager or call
    ``start()`` / ``stop()``. Attributes below are switches a test may flip at any time.

    ``tls=(certfile, keyfile)`` serves HTTPS instead (``base_url`` becomes ``https://``)."""

    def __init__(self, *, tls: tuple[str, str] | None = None) -> None:
        self.tls = tls
        self.json = True
        self.metadata = True
        self.ranges = True
        self.etag = True
        self.max_age: int | None = 600
        self.url_style: UrlStyle = "absolute"
        # gzip 200 answers (Content-Encoding: gzip) when the request accepts gzip.
        self.gzip = False
        self._lock = threading.Lock()
        self._files: dict[str, IndexFile] = {}
        self._faults: list[_QueuedFault] = []
        self._auth: list[tuple[str, str, str]] = []
        self._log: list[RequestRecord] = []
        self._changed = time.time()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> IndexServer:
        httpd = _HTTPServer(self)
        if self.tls is not None:
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="puv-test-index", daemon=True
        )
        thread.start()
        self._httpd, self._thread = httpd, thread
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> IndexServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---------------------------------------------------------------------- URLs

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The index URL (``.../simple/``) to give to an installer."""
        return f"{self.base_url}/simple/"

    @property
    def files_url(self) -> str:
        return f"{self.base_url}/files/"

    @property
    def links_url(self) -> str:
        """The flat ``--find-links`` page."""
        return f"{self.base_url}/links/"

    def file_url(self, filename: str) -> str:
        return f"{self.files_url}{quote(filename)}"

    def auth_url(self, user: str, password: str) -> str:
        """``url`` with credentials in it (``http://user:pw@127.0.0.1:PORT/simple/``)."""
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{self.port}/simple/"

    # ---------------------------------------------------------------- publishing

    def publish(
        self,
        path: Path | str,
        *,
        yanked: bool | str = False,
        upload_time: str | None = DEFAULT_UPLOAD_TIME,
        requires_python: str | None = None,
        project: str | None = None,
        sha256: str | None = None,
        metadata: bytes | None = None,
    ) -> IndexFile:
        """Serve the file at ``path``. ``requires_python`` defaults to the file's metadata;
        ``sha256`` / ``metadata`` override the advertised hash and the served metadata
        file (for mismatch tests); ``upload_time=None`` leaves it out."""
        entry = simple_pages.make_index_file(
            Path(path),
            yanked=yanked,
            upload_time=upload_time,
            requires_python=requires_python,
            project=project,
            sha256=sha256,
            metadata=metadata,
        )
        with self._lock:
            self._files[entry.filename] = entry
            self._changed = time.time()
        return entry

    def publish_all(self, paths: Iterable[Path | str]) -> list[IndexFile]:
        return [self.publish(p) for p in paths]

    def unpublish(self, filename: str) -> None:
        with self._lock:
            self._files.pop(filename, None)
            self._changed = time.time()

    def files(self) -> list[IndexFile]:
        with self._lock:
            return list(self._files.values())

    # ------------------------------------------------------- faults, auth, log

    def add_fault(self, path_glob: str, fault: Fault) -> None:
        """Queue ``fault`` for the next ``fault.times`` requests whose path matches."""
        with self._lock:
            self._faults.append(_QueuedFault(path_glob, fault, fault.times))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def require_auth(self, path_glob: str, user: str, password: str) -> None:
        """Answer 401 to requests matching ``path_glob`` without these basic credentials."""
        with self._lock:
            self._auth.append((path_glob, user, password))

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log)

    def count(self, path_glob: str = "*", method: str | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if fnmatch.fnmatchcase(r.path, path_glob) and (method is None or r.method == method)
        )

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # ------------------------------------------------------------------ serving

    def handle(self, handler: _Handler, *, head: bool) -> None:
        parts = urlsplit(handler.path)
        path = unquote(parts.path)
        headers = {k: v for k, v in handler.headers.items()}
        fault = self._take_fault(path)
        record = RequestRecord(handler.command, path, parts.query, headers, None, handler.path)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
            fault = None
        if fault is not None and fault.kind == "drop":
            self._record(record)
            handler.close_connection = True
            return
        if fault is not None and fault.kind == "status":
            body = fault.body if fault.body is not None else f"fault: {fault.status}\n".encode()
            response = _Response(fault.status, (("Content-Type", "text/plain"), *fault.headers.items()), body)
        else:
            response = self._authorize(path, headers) or self._route(path, headers)
            if fault is not None and fault.kind == "content_type":
                response = response.with_header("Content-Type", fault.content_type)
            elif fault is not None and fault.kind == "malformed":
                body = fault.body if fault.body is not None else MALFORMED_BODY
                response = replace(response, status=200, body=body)
        self._record(replace(record, status=response.status))
        if self.gzip and response.status == 200 and _accepts_gzip(headers):
            response = _gzipped(response)
        truncate_at = None
        if fault is not None and fault.kind == "truncate":
            truncate_at = int(len(response.body) * fault.fraction)
        self._send(handler, response, head=head, truncate_at=truncate_at)

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for queued in self._faults:
                if queued.remaining > 0 and fnmatch.fnmatchcase(path, queued.glob):
                    queued.remaining -= 1
                    if queued.remaining == 0:
                        self._faults.remove(queued)
                    return queued.fault
        return None

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)

    def _authorize(self, path: str, headers: Mapping[str, str]) -> _Response | None:
        with self._lock:
            rules = [(u, p) for glob, u, p in self._auth if fnmatch.fnmatchcase(path, glob)]
        if not rules:
            return None
        given = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        scheme, _, token = given.partition(" ")
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(token).decode("utf-8").partition(":")
            except ValueError:
                user = password = ""
            if (user, password) in rules:
                return None
        return _Response(
            401,
            (("Content-Type", "text/plain"), ("WWW-Authenticate", 'Basic realm="puv-test"')),
            b"authentication required\n",
        )

    def _send(self, handler: _Handler, response: _Response, *, head: bool, truncate_at: int | None) -> None:
        handler.send_response(response.status)
        for name, value in response.headers:
            handler.send_header(name, value)
        if response.header("Content-Length") is None:
            handler.send_header("Content-Length", str(len(response.body)))
        handler.end_headers()
        if head:
            return
        if truncate_at is not None:
            handler.wfile.write(response.body[:truncate_at])
            handler.wfile.flush()
            handler.close_connection = True
            try:
                handler.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        handler.wfile.write(response.body)

    # ------------------------------------------------------------------- routes

    def _url_for(self, file: IndexFile) -> str:
        rel = f"files/{quote(file.filename)}"
        if self.url_style == "relative":
            return f"../../{rel}"
        if self.url_style == "root":
            return f"/{rel}"
        return f"{self.base_url}/{rel}"

    def _project_url(self, project: str) -> str:
        if self.url_style == "relative":
            return f"{project}/"
        if self.url_style == "root":
            return f"/simple/{project}/"
        return f"{self.base_url}/simple/{project}/"

    def _route(self, path: str, headers: Mapping[str, str]) -> _Response:
        with self._lock:
            files = list(self._files.values())
            changed = self._changed
        if path == "/simple" or path == "/links":
            return self._redirect(path + "/")
        if path == "/simple/":
            return self._page(headers, changed, lambda t: self._root_page(t, files))
        if path.startswith("/simple/"):
            name = path[len("/simple/") :].rstrip("/")
            if "/" in name or not name:
                return self._not_found()
            normal = canonicalize_name(name)
            if name != normal or not path.endswith("/"):
                return self._redirect(f"/simple/{normal}/")
            mine = [f for f in files if f.project == normal]
            if not mine:
                return self._not_found()
            return self._page(headers, changed, lambda t: self._project_page(t, normal, mine))
        if path == "/links/":
            body = simple_pages.links_html(files, self._url_for, metadata=self.metadata)
            return self._with_validators(headers, 200, [("Content-Type", "text/html; charset=utf-8")], body, changed)
        if path.startswith("/files/"):
            filename = path[len("/files/") :]
            entry = next((f for f in files if f.filename == filename), None)
            if entry is not None:
                return self._file(headers, entry.data, "application/octet-stream", changed)
            if filename.endswith(".metadata"):
                entry = next((f for f in files if f.filename == filename[: -len(".metadata")]), None)
                if entry is not None and entry.metadata is not None and self.metadata:
                    return self._file(headers, entry.metadata, "application/octet-stream", changed)
        return self._not_found()

    def _root_page(self, content_type: str, files: list[IndexFile]) -> bytes:
        projects = {f.project for f in files}
        if content_type == JSON_TYPE:
            return simple_pages.root_json(projects)
        return simple_pages.root_html(projects, self._project_url)

    def _project_page(self, content_type: str, project: str, files: list[IndexFile]) -> bytes:
        if content_type == JSON_TYPE:
            return simple_pages.project_json(project, files, self._url_for, metadata=self.metadata)
        return simple_pages.project_html(project, files, self._url_for, metadata=self.metadata)

    def _page(self, headers: Mapping[str, str], changed: float, render: Callable[[str], bytes]) -> _Response:
        accept = next((v for k, v in headers.items() if k.lower() == "accept"), None)
        content_type = negotiate(accept) if self.json else "text/html"
        if content_type is None:
            return _Response(406, (("Content-Type", "text/plain"), ("Vary", "Accept")), b"not acceptable\n")
        body = render(content_type)
        header_type = content_type if content_type != "text/html" else "text/html; charset=utf-8"
        return self._with_validators(headers, 200, [("Content-Type", header_type), ("Vary", "Accept")], body, changed)

    def _with_validators(
        self, headers: Mapping[str, str], status: int, base: list[tuple[str, str]], body: bytes, changed: float
    ) -> _Response:
        lowered = {k.lower(): v for k, v in headers.items()}
        out = list(base)
        if self.max_age is not None:
            out.append(("Cache-Control", f"max-age={self.max_age}"))
        if not self.etag:
            return _Response(status, tuple(out), body)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        last_modified = formatdate(changed, usegmt=True)
        out += [("ETag", etag), ("Last-Modified", last_modified)]
        if_none_match = lowered.get("if-none-match")
        if if_none_match is not None:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            if etag in tags or "*" in tags:
                return _Response(304, tuple(out), b"")
        elif "if-modified-since" in lowered:
            try:
                since = parsedate_to_datetime(lowered["if-modified-since"]).timestamp()
            except (TypeError, ValueError):
                since = None
            if since is not None and int(changed) <= since:
                return _Response(304, tuple(out), b"")
        return _Response(status, tuple(out), body)

    def _file(self, headers: Mapping[str, str], data: bytes, content_type: str, changed: float) -> _Response:
        base = [("Content-Type", content_type)]
        if self.ranges:
            base.append(("Accept-Ranges", "bytes"))
        full = self._with_validators(headers, 200, base, data, changed)
        range_header = next((v for k, v in headers.items() if k.lower() == "range"), None)
        if full.status != 200 or not self.ranges or range_header is None:
            return full
        parsed = _parse_range(range_header, len(data))
        if parsed is None:
            return full
        if parsed == "unsatisfiable":
            return _Response(416, (("Content-Range", f"bytes */{len(data)}"), ("Content-Type", "text/plain")), b"")
        start, end = parsed
        response = replace(full, status=206, body=data[start : end + 1])
        return response.with_header("Content-Range", f"bytes {start}-{end}/{len(data)}")

    def _redirect(self, location: str) -> _Response:
        return _Response(301, (("Location", location), ("Content-Type", "text/plain")), b"moved\n")

    def _not_found(self) -> _Response:
        return _Response(404, (("Content-Type", "text/plain"),), b"not found\n")
