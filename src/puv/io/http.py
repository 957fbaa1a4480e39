"""The HTTP client: the only module in puv that touches the network.

One pooled client serves a whole run (urllib3 underneath, imported on the
first request so that commands which never go online never pay for it).
It provides:

- connection pooling with up to ``max_connections`` connections per host;
- retries with exponential backoff on connection errors, truncated bodies and
  429 / 5xx answers, honouring ``Retry-After``;
- connect and read timeouts; gzip; ``HTTP(S)_PROXY`` / ``NO_PROXY``;
- certificates from an explicit bundle or the system store, and
  ``trusted_hosts`` that skip verification (and may use plain HTTP);
- credentials from URL userinfo and netrc, sent only to the origin they belong
  to (a redirect to another origin drops them);
- ``file://`` URLs, read from disk, so static index trees work like servers.

Credentials never appear in any message: every URL in an error goes through
:func:`redact`.
"""

from __future__ import annotations

import base64
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import unquote, urlsplit, urlunsplit

from puv.errors import NetworkError

if TYPE_CHECKING:  # pragma: no cover
    import urllib3

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
    return HttpOptions(proxies=proxies, no_proxy=no_proxy, netrc_path=netrc_path, **kwargs)


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


def _bypass_proxy(host: str, no_proxy: str) -> bool:
    if not no_proxy:
        return False
    if no_proxy.strip() == "*":
        return True
    host = host.lower()
    for entry in no_proxy.replace(" ", ",").split(","):
        entry = entry.strip().lower().lstrip(".")
        if not entry:
            continue
        if entry.startswith("*."):
            entry = entry[2:]
        if host == entry or host.endswith("." + entry):
            return True
    return False


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _Truncated(Exception):
    pass


class HttpClient:
    """A pooled, retrying HTTP client. Thread-safe; one per run."""

    def __init__(self, options: HttpOptions, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.options = options
        self._credentials = _Credentials(options)
        self._sleep = sleep
        self._pools: dict[tuple[bool, str | None], Any] = {}
        self._lock = threading.Lock()
        self._trusted = {h.lower() for h in options.trusted_hosts}

    # -- public API -------------------------------------------------------

    def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> Response:
        """GET ``url`` and read the whole body (retried as a whole on failure)."""
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

        The returned Response has an empty body; ``sink`` holds the content.
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
        attempt = 0
        while True:
            try:
                response = self._follow(clean, headers, sink, on_bytes)
            except (_Truncated, OSError, _urllib3_errors()) as error:  # type: ignore[misc]
                if attempt >= self.options.retries:
                    raise NetworkError(
                        f"request to {redact(clean)} failed after {attempt + 1} attempts",
                        causes=[_describe(error)],
                        hints=["check your network connection and the index URL"],
                    ) from None
                self._sleep(self._backoff(attempt))
                attempt += 1
                continue
            if response.status in RETRY_STATUSES:
                if attempt >= self.options.retries:
                    raise NetworkError(
                        f"request to {redact(clean)} failed: HTTP {response.status} "
                        f"after {attempt + 1} attempts",
                        hints=["the server may be overloaded; try again later"],
                    )
                delay = _retry_after(response.header("retry-after"))
                if delay is None:
                    delay = self._backoff(attempt)
                self._sleep(min(delay, _MAX_RETRY_AFTER))
                attempt += 1
                continue
            return response

    def _backoff(self, attempt: int) -> float:
        base = self.options.backoff * (2**attempt)
        return float(base + random.uniform(0, base / 2))

    def _follow(
        self,
        url: str,
        headers: Mapping[str, str],
        sink: BinaryIO | None,
        on_bytes: Callable[[int], None] | None,
    ) -> Response:
        current = url
        for _ in range(_MAX_REDIRECTS + 1):
            response = self._once(current, headers, sink, on_bytes)
            location = response.header("location")
            if response.status in (301, 302, 303, 307, 308) and location:
                from urllib.parse import urljoin

                current = urljoin(current, location)
                continue
            return response
        raise NetworkError(f"too many redirects fetching {redact(url)}")

    def _once(
        self,
        url: str,
        headers: Mapping[str, str],
        sink: BinaryIO | None,
        on_bytes: Callable[[int], None] | None,
    ) -> Response:
        request_headers = {
            "User-Agent": self.options.user_agent,
            "Accept-Encoding": "gzip",
            **headers,
        }
        creds = self._credentials.lookup(url)
        if creds:
            token = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode("ascii")
            request_headers["Authorization"] = f"Basic {token}"
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
        try:
            response_headers = {k.lower(): v for k, v in raw.headers.items()}
            status = int(raw.status)
            if sink is not None and 200 <= status < 300:
                sink.seek(0)
                sink.truncate()
                total = 0
                for chunk in raw.stream(_CHUNK):
                    sink.write(chunk)
                    total += len(chunk)
                    if on_bytes is not None:
                        on_bytes(len(chunk))
                _check_length(raw, response_headers, total)
                body = b""
            else:
                body = raw.read()
                _check_length(raw, response_headers, len(body))
        finally:
            raw.release_conn()
        return Response(url=url, status=status, headers=response_headers, body=body)

    def _pool_for(self, url: str) -> Any:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        trusted = host in self._trusted or f"{host}:{parts.port}" in self._trusted
        proxy = None
        scheme = parts.scheme.lower()
        if scheme in self.options.proxies and not _bypass_proxy(host, self.options.no_proxy):
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
            kwargs["ssl_context"] = _ssl_context(self.options.cert)
        if proxy:
            return urllib3.ProxyManager(proxy, **kwargs)
        return urllib3.PoolManager(**kwargs)


def _ssl_context(cert: str | None) -> Any:
    import ssl

    if cert:
        try:
            return ssl.create_default_context(cafile=cert)
        except (OSError, ssl.SSLError) as error:
            raise NetworkError(
                f"cannot load certificates from {cert}",
                causes=[str(error)],
                hints=["check --cert / PIP_CERT / SSL_CERT_FILE"],
            ) from None
    return ssl.create_default_context()


def _check_length(raw: Any, headers: Mapping[str, str], received: int) -> None:
    expected = headers.get("content-length")
    if expected is None or headers.get("content-encoding", "identity") != "identity":
        return
    try:
        want = int(expected)
    except ValueError:
        return
    if received < want:
        raise _Truncated(f"received {received} of {want} bytes")


def _urllib3_errors() -> tuple[type[BaseException], ...]:
    import urllib3.exceptions as e

    return (e.HTTPError,)


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    # urllib3 messages can embed URLs: strip any userinfo.
    import re

    return re.sub(r"//[^/@\s]+@", "//****@", text)


def _read_file_url(url: str, sink: BinaryIO | None) -> Response:
    from urllib.request import url2pathname

    path = url2pathname(unquote(urlsplit(url).path))
    if os.path.isdir(path):
        path = os.path.join(path, "index.html")
    try:
        if sink is not None:
            with open(path, "rb") as handle:
                sink.seek(0)
                sink.truncate()
                while chunk := handle.read(_CHUNK):
                    sink.write(chunk)
            return Response(url=url, status=200, headers={})
        with open(path, "rb") as handle:
            body = handle.read()
    except FileNotFoundError:
        return Response(url=url, status=404, headers={})
    except OSError as error:
        raise NetworkError(f"cannot read {url}", causes=[str(error)]) from None
    content_type = "text/html" if path.endswith((".html", ".htm")) else "application/octet-stream"
    return Response(url=url, status=200, headers={"content-type": content_type}, body=body)


def parallel_map(
    function: Callable[[Any], Any], items: Iterable[Any], max_workers: int
) -> list[Any]:
    """Apply ``function`` to ``items`` on a thread pool, keeping order; errors propagate."""
    items = list(items)
    if len(items) <= 1 or max_workers <= 1:
        return [function(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(max_workers, len(items))) as pool:
        return list(pool.map(function, items))
