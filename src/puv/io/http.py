"""The HTTP client: the only module in puv that touches the network.

One pooled client serves a whole run (urllib3 underneath, imported on the
first real request so that commands which never go online, or read only
``file://`` indexes, never pay for urllib3, http.client or ssl).
It provides:

- connection pooling with up to ``max_connections`` connections per host;
  thread-safe, so :func:`parallel_map` can share one client;
- retries with exponential backoff (plus jitter) on connection errors,
  timeouts, truncated bodies and 429 / 5xx answers, honouring ``Retry-After``
  (seconds or an HTTP date, capped at a minute); other statuses (404, 401, ...)
  are returned, not raised;
- ``download`` streams into a seekable sink that is rewound and truncated at
  every attempt, so a partial attempt never corrupts the result;
- each host name resolved once per client (:class:`HostResolver`), with a second
  lookup started when the first is slow, since system resolvers drop some of
  many simultaneous queries and retry only after seconds; every connection to
  the host then reuses the addresses, trying each in turn;
- connect and read timeouts; gzip; ``HTTP(S)_PROXY`` (with proxy credentials)
  and ``NO_PROXY`` (hosts, domains, IPs, CIDR networks, ``:port``, ``*``);
- certificates from an explicit bundle or the system store, and
  ``trusted_hosts`` that skip verification (and may use plain HTTP); the system
  store is read from its hashed directory when it has one (OpenSSL then loads
  only the certificates a handshake needs, instead of parsing the whole bundle:
  ~20 ms at every start), and from the whole bundle if a verification fails
  that way;
- credentials from URL userinfo (which wins), ``credential_urls`` and netrc,
  sent only to the origin (scheme, host, port) they belong to: a redirect to
  another origin drops them, and drops caller ``Authorization`` / ``Cookie``
  headers too; userinfo in a ``Location`` header is never used;
- ``file://`` URLs, read from disk, so static index trees work like servers
  (a directory serves its ``index.html``; a missing file is a 404).

Credentials never appear in any message: every URL in an error goes through
:func:`redact`.

An optional ``on_event`` observer (the command layer passes one at ``-v``/``-vv``)
hears of every completed request and every retry as an :class:`HttpEvent`, whose
URL is already redacted; without one the client does no extra work.
"""

from __future__ import annotations

import base64
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit, urlunsplit

from puv.errors import NetworkError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_MAX_REDIRECTS = 10
_MAX_RETRY_AFTER = 60.0
_CHUNK = 1 << 16


def redact(url: str) -> str:
    """``url`` with any password (and user name) replaced by ``****``."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, f"****@{host}", parts.path, parts.query, parts.fragment))


def _shown(url: str) -> str:
    """``url`` for a trace line: :func:`redact`, and the query string masked (signed
    download URLs carry their credentials there)."""
    parts = urlsplit(redact(url))
    if not parts.query:
        return urlunsplit(parts)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "****", parts.fragment))


def origin(url: str) -> tuple[str, str, int | None]:
    """The (scheme, host, port) a credential is bound to; default ports made explicit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """Remove userinfo from ``url``; return the clean URL and ``(user, password)``."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return clean, (unquote(user), unquote(password))


@dataclass(frozen=True)
class HttpOptions:
    timeout: float = 30.0
    retries: int = 3
    max_connections: int = 50
    cert: str | None = None
    trusted_hosts: tuple[str, ...] = ()
    offline: bool = False
    backoff: float = 0.25
    user_agent: str = "puv"
    netrc_path: str | None = None
    proxies: Mapping[str, str] = field(default_factory=dict)
    no_proxy: str = ""
    # URLs (typically index URLs) whose userinfo supplies credentials for their origin.
    credential_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class HttpEvent:
    """What an ``on_event`` observer of :class:`HttpClient` hears (from any thread).

    ``kind`` is ``"response"`` when one HTTP exchange completed: ``status``,
    ``elapsed`` seconds, ``size`` (body bytes received, decoded) and ``redirect``
    (the URL followed next, for a redirect). It is ``"retry"`` when an attempt
    failed and another follows after ``delay`` seconds: ``reason`` says why,
    ``attempt`` is the number of the next attempt out of ``attempts``. ``url`` and
    ``redirect`` never carry credentials.
    """

    kind: str
    method: str
    url: str
    status: int = 0
    elapsed: float = 0.0
    size: int = 0
    redirect: str | None = None
    reason: str = ""
    attempt: int = 0
    attempts: int = 0
    delay: float = 0.0

    def describe(self) -> str:
        """One line for a person: ``GET <url> 200 in 12 ms, 3.4 KiB``."""
        if self.kind == "retry":
            return (
                f"Retrying {self.method} {self.url} in {self.delay:.2f} s "
                f"(attempt {self.attempt} of {self.attempts}): {self.reason}"
            )
        line = f"{self.method} {self.url} {self.status} in {self.elapsed * 1000:.0f} ms, {format_size(self.size)}"
        if self.redirect is not None:
            line += f", redirected to {self.redirect}"
        return line


def format_size(size: int) -> str:
    """``512 B``, ``3.4 KiB``, ``12.0 MiB``."""
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def options_from_environ(environ: Mapping[str, str], **kwargs: Any) -> HttpOptions:
    """HttpOptions with proxies and netrc taken from the environment."""
    proxies: dict[str, str] = {}
    for scheme in ("http", "https"):
        value = environ.get(f"{scheme}_proxy") or environ.get(f"{scheme.upper()}_PROXY")
        if value:
            proxies[scheme] = value
    no_proxy = environ.get("no_proxy") or environ.get("NO_PROXY") or ""
    netrc_path = environ.get("NETRC")
    if not netrc_path and environ.get("HOME"):
        netrc_path = os.path.join(environ["HOME"], ".netrc")
    values: dict[str, Any] = {"proxies": proxies, "no_proxy": no_proxy, "netrc_path": netrc_path}
    values.update(kwargs)  # explicit settings win over the environment
    return HttpOptions(**values)


class _Credentials:
    """Credentials by origin: from configured URLs first, then netrc (read lazily)."""

    def __init__(self, options: HttpOptions) -> None:
        self._by_origin: dict[tuple[str, str, int | None], tuple[str, str]] = {}
        for url in options.credential_urls:
            _, creds = split_credentials(url)
            if creds:
                self._by_origin.setdefault(origin(url), creds)
        self._netrc_path = options.netrc_path
        self._netrc: Any = None
        self._netrc_loaded = False
        self._lock = threading.Lock()

    def remember(self, url: str, creds: tuple[str, str]) -> None:
        with self._lock:
            self._by_origin.setdefault(origin(url), creds)

    def lookup(self, url: str) -> tuple[str, str] | None:
        key = origin(url)
        found = self._by_origin.get(key)
        if found:
            return found
        return self._from_netrc(key[1])

    def _from_netrc(self, host: str) -> tuple[str, str] | None:
        with self._lock:
            if not self._netrc_loaded:
                self._netrc_loaded = True
                if self._netrc_path and os.path.isfile(self._netrc_path):
                    import netrc

                    try:
                        self._netrc = netrc.netrc(self._netrc_path)
                    except (netrc.NetrcParseError, OSError):
                        self._netrc = None
        if self._netrc is None:
            return None
        entry = self._netrc.authenticators(host)
        if not entry:
            return None
        login, _account, password = entry
        return (login or "", password or "")


def _bypass_proxy(host: str, no_proxy: str, port: int | None = None) -> bool:
    """Whether ``NO_PROXY`` (comma or space separated) exempts ``host`` (and ``port``).

    Entries are host names (matching the host and its subdomains; a leading ``.`` or
    ``*.`` is ignored), IP addresses, CIDR networks (``10.0.0.0/8``), any of them with
    an optional ``:port``, or ``*`` for every host.
    """
    if not no_proxy:
        return False
    host = host.lower().strip("[]")
    for raw_entry in no_proxy.replace(" ", ",").split(","):
        entry = raw_entry.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        entry_port: int | None = None
        if entry.startswith("["):
            inner, _, rest = entry[1:].partition("]")
            entry = inner
            if rest.startswith(":") and rest[1:].isdigit():
                entry_port = int(rest[1:])
        elif entry.count(":") == 1:
            name, _, text = entry.partition(":")
            if text.isdigit():
                entry, entry_port = name, int(text)
        if entry_port is not None and port is not None and entry_port != port:
            continue
        if "/" in entry:
            if _in_network(host, entry):
                return True
            continue
        if entry.startswith("*."):
            entry = entry[2:]
        entry = entry.lstrip(".")
        if entry and (host == entry or host.endswith("." + entry)):
            return True
    return False


def _in_network(host: str, network: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from datetime import timezone
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" or no zone: HTTP dates are always UTC
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - time.time())


class _Truncated(Exception):
    """The body ended before its ``Content-Length``."""


class _SinkError(Exception):
    """Writing to the caller's sink failed: a local problem, never retried."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


AddrInfo = tuple[Any, ...]  # one getaddrinfo() entry: (family, type, proto, canonname, sockaddr)
GetAddrInfo = Callable[[str, int, int, int], list[AddrInfo]]


def _system_getaddrinfo(host: str, port: int, family: int, kind: int) -> list[AddrInfo]:
    return list(socket.getaddrinfo(host, port, family, kind))


class _Lookup:
    """One lookup in progress: other askers wait for its answer (or its error)."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._answer: list[AddrInfo] = []
        self._error: Exception | None = None

    def succeed(self, answer: list[AddrInfo]) -> None:
        self._answer = answer
        self._done.set()

    def fail(self, error: Exception) -> None:
        self._error = error
        self._done.set()

    def result(self) -> list[AddrInfo]:
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._answer


class HostResolver:
    """Host name lookups, once per (host, port, family) for the life of the client.

    Opening many connections to one host at once would send as many identical DNS
    queries; resolvers that drop some of them answer only after their retry timeout
    (5 s with glibc). Here the first asker looks the host up and the others wait
    for it; a lookup still unanswered after ``hedge_after`` seconds (or failed with
    a temporary error) gets another one started beside it, up to ``attempts``, and
    the first answer wins. Failures are not remembered: a later connection asks again.
    """

    def __init__(
        self,
        *,
        getaddrinfo: GetAddrInfo = _system_getaddrinfo,
        hedge_after: float = 1.0,
        attempts: int = 4,
    ) -> None:
        self._getaddrinfo = getaddrinfo
        self._hedge_after = hedge_after
        self._attempts = max(1, attempts)
        self._lock = threading.Lock()
        self._known: dict[tuple[str, int, int], list[AddrInfo]] = {}
        self._pending: dict[tuple[str, int, int], _Lookup] = {}

    def lookup(self, host: str, port: int, family: int = socket.AF_UNSPEC) -> list[AddrInfo]:
        """The addresses of ``host`` (``socket.gaierror`` when it cannot be resolved)."""
        key = (host, port, family)
        with self._lock:
            found = self._known.get(key)
            if found is not None:
                return found
            pending = self._pending.get(key)
            owner = pending is None
            if pending is None:
                pending = self._pending[key] = _Lookup()
        if not owner:
            return pending.result()
        try:
            result = self._hedged(host, port, family)
        except Exception as error:
            with self._lock:
                del self._pending[key]
            pending.fail(error)
            raise
        with self._lock:
            self._known[key] = result
            del self._pending[key]
        pending.succeed(result)
        return result

    def _hedged(self, host: str, port: int, family: int) -> list[AddrInfo]:
        condition = threading.Condition()
        answers: list[list[AddrInfo]] = []
        errors: list[Exception] = []

        def attempt() -> None:
            try:
                answer = self._getaddrinfo(host, port, family, socket.SOCK_STREAM)
            except Exception as error:  # handed to the waiting caller
                with condition:
                    errors.append(error)
                    condition.notify_all()
                return
            with condition:
                answers.append(answer)
                condition.notify_all()

        started = 0
        next_start = time.monotonic()
        with condition:
            while True:
                if answers:
                    if not answers[0]:
                        raise OSError(f"getaddrinfo returned no address for {host}")
                    return answers[0]
                in_flight = started - len(errors)
                if errors and in_flight == 0 and (started >= self._attempts or not _temporary(errors[-1])):
                    raise errors[-1]
                now = time.monotonic()
                if errors and in_flight == 0 and next_start > now + 0.05 * started:
                    next_start = now + 0.05 * started  # a temporary failure: again shortly
                if started < self._attempts and now >= next_start:
                    # A daemon thread: a lookup stuck in the C library never delays exit.
                    threading.Thread(target=attempt, name="puv-dns", daemon=True).start()
                    started += 1
                    next_start = now + self._hedge_after
                    continue
                condition.wait(None if started >= self._attempts else max(0.0, next_start - now))


def _temporary(error: BaseException) -> bool:
    return isinstance(error, socket.gaierror) and error.errno == socket.EAI_AGAIN


def _connect(
    addresses: list[AddrInfo],
    timeout: Any,
    source_address: tuple[str, int] | None,
    socket_options: Any,
    default_timeout: object,
) -> socket.socket:
    """A socket connected to the first of ``addresses`` that accepts (as urllib3 does)."""
    error: OSError | None = None
    for family, kind, proto, _canonname, address in addresses:
        sock = None
        try:
            sock = socket.socket(family, kind, proto)
            for option in socket_options or ():
                sock.setsockopt(*option)
            if timeout is not default_timeout:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(address)
            return sock
        except OSError as failure:
            error = failure
            if sock is not None:
                sock.close()
    if error is not None:
        raise error
    raise OSError("getaddrinfo returned no address")


def _pool_classes(resolver: HostResolver) -> dict[str, Any]:
    """urllib3 pool classes whose connections get their addresses from ``resolver``."""
    import sys

    import urllib3.connection as uc
    import urllib3.connectionpool as ucp
    from urllib3.util.timeout import _DEFAULT_TIMEOUT
    from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
    from urllib3.util.connection import allowed_gai_family

    def new_conn(conn: uc.HTTPConnection) -> socket.socket:
        host = conn._dns_host
        if host.startswith("["):
            host = host.strip("[]")
        try:
            addresses = resolver.lookup(host, conn.port or 0, allowed_gai_family())
            sock = _connect(addresses, conn.timeout, conn.source_address, conn.socket_options, _DEFAULT_TIMEOUT)
        except socket.gaierror as error:
            raise NameResolutionError(conn.host, conn, error) from error
        except socket.timeout as error:
            raise ConnectTimeoutError(
                conn, f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})"
            ) from error
        except OSError as error:
            raise NewConnectionError(conn, f"Failed to establish a new connection: {error}") from error
        sys.audit("http.client.connect", conn, conn.host, conn.port)
        return sock

    class Connection(uc.HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return new_conn(self)

    class SecureConnection(uc.HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return new_conn(self)

    class Pool(ucp.HTTPConnectionPool):
        ConnectionCls = Connection

    class SecurePool(ucp.HTTPSConnectionPool):
        ConnectionCls = SecureConnection

    return {"http": Pool, "https": SecurePool}


_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Request headers a caller may pass that must not follow a redirect to another origin.
_ORIGIN_BOUND_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


class HttpClient:
    """A pooled, retrying HTTP client. Thread-safe; one per run.

    ``on_event``, when given, is called with an :class:`HttpEvent` after every HTTP
    exchange and before every retry, from the thread that made the request.
    """

    def __init__(
        self,
        options: HttpOptions,
        *,
        sleep: Callable[[float], None] = time.sleep,
        resolver: HostResolver | None = None,
        on_event: Callable[[HttpEvent], None] | None = None,
    ) -> None:
        self.options = options
        # Told of every completed request and retry (see HttpEvent); None: nobody listens.
        self._on_event = on_event
        self.resolver = resolver if resolver is not None else HostResolver()
        self._credentials = _Credentials(options)
        self._sleep = sleep
        self._pools: dict[tuple[bool, str | None], Any] = {}
        self._lock = threading.Lock()
        # Set once a certificate failed against the hashed CA directory: from then
        # on the whole bundle is loaded (see _ssl_context).
        self._whole_store = False
        self._trusted = {h.lower() for h in options.trusted_hosts}

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public API -------------------------------------------------------

    def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> Response:
        """GET ``url`` and read the whole body (retried as a whole on failure).

        Any status that is not retried (2xx, 304, 401, 404, ...) is returned, not raised;
        redirects are followed and ``Response.url`` is the final URL.
        """
        return self._request(url, headers or {}, sink=None)

    def download(
        self,
        url: str,
        sink: BinaryIO,
        *,
        headers: Mapping[str, str] | None = None,
        on_bytes: Callable[[int], None] | None = None,
    ) -> Response:
        """GET ``url`` streaming the body into ``sink`` (rewound on each retry).

        ``sink`` must be seekable: every attempt starts by rewinding and truncating it,
        so a partial earlier attempt never corrupts the result. The returned Response has
        an empty body; ``sink`` holds the content (and is left empty unless the final
        status is 2xx). ``on_bytes`` is called with the size of each chunk written (a
        retried attempt reports its bytes again).
        """
        return self._request(url, headers or {}, sink=sink, on_bytes=on_bytes)

    def close(self) -> None:
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.clear()

    # -- internals ----------------------------------------------------------

    def _request(
        self,
        url: str,
        headers: Mapping[str, str],
        *,
        sink: BinaryIO | None,
        on_bytes: Callable[[int], None] | None = None,
    ) -> Response:
        clean, creds = split_credentials(url)
        if creds:
            self._credentials.remember(clean, creds)
        scheme = urlsplit(clean).scheme.lower()
        if scheme == "file":
            return _read_file_url(clean, sink)
        if scheme not in ("http", "https"):
            raise NetworkError(f"unsupported URL scheme `{scheme}` in {redact(url)}")
        if self.options.offline:
            raise NetworkError(
                f"cannot fetch {redact(clean)}: network access is disabled (--offline)",
                hints=["run again without --offline, or make sure the cache holds what is needed"],
            )
        retryable: tuple[type[BaseException], ...] = (_Truncated, OSError, *_urllib3_errors())
        attempt = 0
        while True:
            try:
                response = self._follow(clean, headers, creds, sink, on_bytes)
            except _SinkError as error:
                raise NetworkError(
                    f"cannot write the response from {redact(clean)}",
                    causes=[str(error.error)],
                    hints=["check free disk space and permissions of the cache directory"],
                ) from None
            except retryable as error:
                if _is_verify_failure(error) and self._use_whole_store():
                    if self._on_event is not None:
                        self._retried(clean, attempt, 0.0, "certificate not verified with the system CA "
                                      "directory; trying the whole system bundle", again=True)
                    continue  # the same attempt again, trusting the whole bundle
                unknown_host = _unknown_host(error)
                if attempt >= self.options.retries or unknown_host:
                    tries = "" if unknown_host else f" after {attempt + 1} attempts"
                    raise NetworkError(
                        f"request to {redact(clean)} failed{tries}",
                        causes=[_describe(error)],
                        hints=_hints_for(error),
                    ) from None
                delay = self._backoff(attempt)
                if self._on_event is not None:
                    self._retried(clean, attempt, delay, _retry_reason(error))
                self._sleep(delay)
                attempt += 1
                continue
            if response.status in RETRY_STATUSES:
                if attempt >= self.options.retries:
                    raise NetworkError(
                        f"request to {redact(clean)} failed: HTTP {response.status} "
                        f"after {attempt + 1} attempts",
                        hints=["the server may be overloaded; try again later"],
                    )
                asked = _retry_after(response.header("retry-after"))
                delay = min(self._backoff(attempt) if asked is None else asked, _MAX_RETRY_AFTER)
                if self._on_event is not None:
                    reason = f"HTTP {response.status}" + ("" if asked is None else " with Retry-After")
                    self._retried(clean, attempt, delay, reason)
                self._sleep(delay)
                attempt += 1
                continue
            return response

    def _retried(self, url: str, attempt: int, delay: float, reason: str, *, again: bool = False) -> None:
        """Tell the observer that attempt ``attempt`` (0-based) failed and another follows
        (``again``: the same attempt is made once more)."""
        assert self._on_event is not None
        total = self.options.retries + 1
        self._on_event(
            HttpEvent(
                "retry",
                "GET",
                _shown(url),
                reason=reason,
                attempt=attempt + (1 if again else 2),
                attempts=total,
                delay=delay,
            )
        )

    def _use_whole_store(self) -> bool:
        """After a verification failure: trust the whole system bundle from now on.
        True when that changes anything (the failure came from the hashed directory)."""
        with self._lock:
            if self._whole_store or not _system_store(self.options.cert) or _hashed_ca_dir() is None:
                return False
            self._whole_store = True
            pools = [pool for (trusted, _), pool in self._pools.items() if not trusted]
            self._pools = {key: pool for key, pool in self._pools.items() if key[0]}
        for pool in pools:
            pool.clear()
        return True

    def _backoff(self, attempt: int) -> float:
        base = self.options.backoff * (2**attempt)
        return float(base + random.uniform(0, base / 2))

    def _follow(
        self,
        url: str,
        headers: Mapping[str, str],
        explicit: tuple[str, str] | None,
        sink: BinaryIO | None,
        on_bytes: Callable[[int], None] | None,
    ) -> Response:
        """Request ``url``, following redirects. Credentials (explicit ones from the URL,
        else those known for the origin) go only to the origin they belong to; headers
        bound to the first origin are dropped once a redirect leaves it."""
        from urllib.parse import urljoin

        first = origin(url)
        current = url
        for _ in range(_MAX_REDIRECTS + 1):
            here = origin(current)
            if here == first:
                request_headers = dict(headers)
                creds = explicit or self._credentials.lookup(current)
            else:
                request_headers = {k: v for k, v in headers.items() if k.lower() not in _ORIGIN_BOUND_HEADERS}
                creds = self._credentials.lookup(current)
            started = time.perf_counter() if self._on_event is not None else 0.0
            response, size = self._once(current, request_headers, creds, sink, on_bytes)
            location = response.header("location")
            target: str | None = None
            if response.status in _REDIRECT_STATUSES and location:
                # Userinfo in a Location header is never used (nor shown).
                target, _ = split_credentials(urljoin(current, location.strip()))
            if self._on_event is not None:
                self._on_event(
                    HttpEvent(
                        "response",
                        "GET",
                        _shown(current),
                        status=response.status,
                        elapsed=time.perf_counter() - started,
                        size=size,
                        redirect=None if target is None else _shown(target),
                    )
                )
            if target is not None:
                if urlsplit(target).scheme.lower() not in ("http", "https"):
                    raise NetworkError(
                        f"{redact(current)} redirected to an unsupported URL {redact(target)}"
                    )
                current = target
                continue
            return response
        raise NetworkError(f"too many redirects fetching {redact(url)}")

    def _once(
        self,
        url: str,
        headers: Mapping[str, str],
        creds: tuple[str, str] | None,
        sink: BinaryIO | None,
        on_bytes: Callable[[int], None] | None,
    ) -> tuple[Response, int]:
        """One HTTP exchange: the response and the number of body bytes received."""
        request_headers = {"User-Agent": self.options.user_agent, "Accept-Encoding": "gzip"}
        # Caller headers win (case-insensitively: "accept-encoding" replaces the default).
        for name, value in headers.items():
            for existing in [k for k in request_headers if k.lower() == name.lower()]:
                del request_headers[existing]
            request_headers[name] = value
        if creds and not any(k.lower() == "authorization" for k in request_headers):
            token = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode("ascii")
            request_headers["Authorization"] = f"Basic {token}"
        if sink is not None:
            _rewind(sink)
        pool = self._pool_for(url)
        raw = pool.request(
            "GET",
            url,
            headers=request_headers,
            preload_content=False,
            redirect=False,
            retries=False,
            decode_content=True,
        )
        complete = False
        try:
            # Repeated headers (Link, Vary, ...) are joined with ", " as RFC 9110 allows.
            response_headers = {k.lower(): raw.headers.get(k) for k in raw.headers}
            status = int(raw.status)
            if sink is not None and 200 <= status < 300:
                total = 0
                for chunk in raw.stream(_CHUNK):
                    try:
                        sink.write(chunk)
                    except OSError as error:
                        raise _SinkError(error) from None
                    total += len(chunk)
                    if on_bytes is not None:
                        on_bytes(len(chunk))
                _check_length(response_headers, total)
                body = b""
            else:
                body = raw.read()
                total = len(body)
                _check_length(response_headers, total)
            complete = True
        finally:
            if not complete:
                # Never hand a connection with unread bytes back to the pool.
                raw.close()
            raw.release_conn()
        return Response(url=url, status=status, headers=response_headers, body=body), total

    def _pool_for(self, url: str) -> Any:
        parts = urlsplit(url)
        scheme, host, port = origin(url)
        trusted = host in self._trusted or f"{host}:{parts.port}" in self._trusted
        proxy = None
        if scheme in self.options.proxies and not _bypass_proxy(host, self.options.no_proxy, port):
            proxy = self.options.proxies[scheme]
        key = (trusted, proxy)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                pool = self._new_pool(trusted, proxy)
                self._pools[key] = pool
        return pool

    def _new_pool(self, trusted: bool, proxy: str | None) -> Any:
        import urllib3

        timeout = urllib3.Timeout(connect=self.options.timeout, read=self.options.timeout)
        kwargs: dict[str, Any] = {
            "num_pools": 64,
            "maxsize": max(1, self.options.max_connections),
            "block": False,
            "timeout": timeout,
            "retries": False,
        }
        if trusted:
            kwargs["cert_reqs"] = "CERT_NONE"
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        else:
            kwargs["ssl_context"] = _ssl_context(self.options.cert, whole_store=self._whole_store)
        if proxy:
            if "://" not in proxy:
                proxy = f"http://{proxy}"
            proxy_url, proxy_creds = split_credentials(proxy)
            if proxy_creds:
                kwargs["proxy_headers"] = urllib3.make_headers(
                    proxy_basic_auth=f"{proxy_creds[0]}:{proxy_creds[1]}"
                )
            try:
                manager: urllib3.PoolManager = urllib3.ProxyManager(proxy_url, **kwargs)
            except (ValueError, urllib3.exceptions.HTTPError) as error:
                raise NetworkError(
                    f"invalid proxy URL {redact(proxy)}",
                    causes=[_describe(error)],
                    hints=["check HTTP_PROXY / HTTPS_PROXY"],
                ) from None
        else:
            manager = urllib3.PoolManager(**kwargs)
        # An instance setting (urllib3 reads it per new pool): connections resolve
        # their host through this client's resolver.
        manager.pool_classes_by_scheme = _pool_classes(self.resolver)
        return manager


def _rewind(sink: BinaryIO) -> None:
    try:
        sink.seek(0)
        sink.truncate()
    except OSError as error:
        raise _SinkError(error) from None


def _ssl_context(cert: str | None, *, whole_store: bool = False) -> Any:
    """The TLS context: ``cert``'s certificates, or the system store's.

    The system store (no ``cert``, or ``cert`` naming the system bundle itself, as
    ``SSL_CERT_FILE`` often does) comes from its hashed directory when there is
    one, unless ``whole_store``: OpenSSL then reads a CA certificate only when a
    handshake asks for it, where loading the bundle parses all of them (~150)."""
    import ssl

    if _system_store(cert):
        directory = None if whole_store else _hashed_ca_dir()
        if directory is not None:
            return ssl.create_default_context(capath=directory)
        if cert is None:
            return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=cert)
    except (OSError, ssl.SSLError) as error:
        raise NetworkError(
            f"cannot load certificates from {cert}",
            causes=[str(error)],
            hints=["check --cert / PIP_CERT / SSL_CERT_FILE"],
        ) from None


def _system_store(cert: str | None) -> bool:
    """Whether ``cert`` (None: nothing given) means the system's own CA bundle: the
    file OpenSSL was built to use (``SSL_CERT_FILE`` often names it again). Any
    other bundle is trusted alone, as given."""
    if cert is None:
        return True
    import ssl

    default = ssl.get_default_verify_paths().openssl_cafile
    return bool(default) and os.path.realpath(cert) == os.path.realpath(default)


def _hashed_ca_dir() -> str | None:
    """The system's CA directory when it holds OpenSSL's hashed names (``5ad8a5d6.0``):
    ``SSL_CERT_DIR``, else OpenSSL's built-in one. None when there is no such directory."""
    import ssl

    directory = os.environ.get("SSL_CERT_DIR") or ssl.get_default_verify_paths().openssl_capath
    if not directory:
        return None
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                stem, dot, suffix = entry.name.partition(".")
                if dot and suffix.isdigit() and len(stem) == 8 and all(c in "0123456789abcdef" for c in stem):
                    return directory
    except OSError:
        return None
    return None


def _is_verify_failure(error: BaseException) -> bool:
    import ssl

    current: BaseException | None = error
    for _ in range(8):  # the exception and what it was raised from
        if current is None:
            return False
        if isinstance(current, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _check_length(headers: Mapping[str, str], received: int) -> None:
    expected = headers.get("content-length")
    if expected is None or headers.get("content-encoding", "identity").lower() != "identity":
        return
    try:
        want = int(expected)
    except ValueError:
        return
    if received < want:
        raise _Truncated(f"connection closed after {received} of {want} bytes")


def _urllib3_errors() -> tuple[type[BaseException], ...]:
    import http.client

    import urllib3.exceptions as e

    return (e.HTTPError, http.client.HTTPException)


def _hints_for(error: BaseException) -> list[str]:
    import urllib3.exceptions as e

    if isinstance(error, e.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(error):
        return [
            "the server's certificate could not be verified: pass its CA bundle with "
            "--cert (or PIP_CERT / SSL_CERT_FILE), or --trusted-host for a host you trust"
        ]
    if isinstance(error, (e.ProxyError,)):
        return ["check the proxy settings (HTTP_PROXY / HTTPS_PROXY / NO_PROXY)"]
    if _unknown_host(error):
        return ["check the host name (in the index URL, or in the requirement's URL)"]
    return ["check your network connection and the URL"]


def _unknown_host(error: BaseException) -> bool:
    """A host name the resolver says does not exist (not a temporary failure: not retried)."""
    cause = error.__cause__
    return isinstance(cause, socket.gaierror) and cause.errno in (
        socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)
    )


def _describe(error: BaseException) -> str:
    import re

    cause = error.__cause__
    if isinstance(cause, socket.gaierror):
        host = getattr(error, "conn", None)
        name = getattr(host, "host", None)
        text = f"cannot resolve the host name{f' `{name}`' if name else ''}: {cause.strerror or cause}"
        return text
    text = str(error) or type(error).__name__
    # urllib3 messages can embed URLs: strip any userinfo.
    return re.sub(r"//[^/@\s]+@", "//****@", text)


def _retry_reason(error: BaseException) -> str:
    """Why an attempt failed, short: urllib3's ``<... object at 0x...>: `` prefixes dropped."""
    import re

    text = re.sub(r"<[^<>]* object at 0x[0-9a-fA-F]+>: ", "", _describe(error))
    if isinstance(error, _Truncated):
        return f"truncated body ({text})"
    return text if text.startswith(type(error).__name__) else f"{type(error).__name__}: {text}"


def _url2pathname(path: str) -> str:
    """The local path of a ``file:`` URL path (percent-decoded once).

    Not ``urllib.request.url2pathname``: importing urllib.request pulls in http.client and
    ssl, which reading a local index must not pay for.
    """
    if os.name == "nt":  # pragma: no cover - Windows
        from nturl2path import url2pathname

        return url2pathname(path)
    return unquote(path)


def _read_file_url(url: str, sink: BinaryIO | None) -> Response:
    path = _url2pathname(urlsplit(url).path)
    if os.path.isdir(path):
        path = os.path.join(path, "index.html")
    try:
        if sink is not None:
            with open(path, "rb") as handle:
                _rewind(sink)
                while chunk := handle.read(_CHUNK):
                    sink.write(chunk)
            return Response(url=url, status=200, headers={})
        with open(path, "rb") as handle:
            body = handle.read()
    except (FileNotFoundError, NotADirectoryError):
        return Response(url=url, status=404, headers={})
    except _SinkError as error:
        raise NetworkError(f"cannot write the contents of {url}", causes=[str(error.error)]) from None
    except OSError as error:
        raise NetworkError(f"cannot read {url}", causes=[str(error)]) from None
    content_type = "text/html" if path.endswith((".html", ".htm")) else "application/octet-stream"
    return Response(url=url, status=200, headers={"content-type": content_type}, body=body)


def parallel_map(
    function: Callable[[Any], Any], items: Iterable[Any], max_workers: int
) -> list[Any]:
    """Apply ``function`` to ``items`` on a thread pool, keeping order.

    The first error (in item order) propagates; items not yet started are cancelled.
    """
    items = list(items)
    if len(items) <= 1 or max_workers <= 1:
        return [function(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=min(max_workers, len(items)))
    interrupted = False
    try:
        futures = [pool.submit(function, item) for item in items]
        return [future.result() for future in futures]
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        # Ctrl-C: do not wait for requests still in flight (one may hang until its
        # timeout); the command layer leaves the process without joining them.
        pool.shutdown(wait=not interrupted, cancel_futures=True)
