"""The context of one run: settings, output, environment and working directory.

It wires the layers together for a command. Expensive parts (the cache, the
HTTP client) are created on first use, so a command that needs neither never
imports them. One context lives for one command run; there is no global one.
Use it as a context manager: leaving it closes the HTTP client and removes the
temporary cache of ``--no-cache``.

From ``-v`` the HTTP client reports to a :class:`_NetworkLog`, which counts
requests and bytes (one summary line at the end of the run); from ``-vv`` it also
prints each request and retry, and the index client its cache decisions. At the
default verbosity neither client is given an observer.
"""

from __future__ import annotations

from pathlib import Path

from puv.settings import default_cache_dir

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping
    from types import TracebackType
    from typing import Any

    from puv.cli.printer import Printer
    from puv.domain.index.client import IndexClient
    from puv.io.archive import UnpackLimits
    from puv.io.cache import Cache
    from puv.io.http import HttpClient, HttpEvent
    from puv.settings import Settings


class _NetworkLog:
    """The HTTP client's observer from ``-v``: counts completed requests and body bytes;
    from ``-vv`` also prints one TRACE line per request and per retry. Called from
    worker threads."""

    def __init__(self, printer: Printer) -> None:
        import threading

        self._printer = printer
        self._lock = threading.Lock()
        self.requests = 0
        self.received = 0

    def __call__(self, event: HttpEvent) -> None:
        if event.kind == "response":
            with self._lock:
                self.requests += 1
                self.received += event.size
        if self._printer.verbosity >= 2:
            self._printer.trace(event.describe())


class Context:
    """A plain class, not a ``@dataclass``: every command builds one, and
    ``dataclasses`` imports ``inspect``, a large share of start-up."""

    def __init__(
        self,
        settings: Settings,
        printer: Printer,
        environ: Mapping[str, str],
        cwd: Path,
        command_line: tuple[tuple[str, ...], tuple[str, ...]] | None = None,
    ) -> None:
        self.settings = settings
        self.printer = printer
        self.environ = environ
        self.cwd = cwd
        # The command words and the rest of argv as typed (None when not run from the CLI).
        self.command_line = command_line
        self._cache: Cache | None = None
        self._temp_cache: Path | None = None
        self._closers: list[Any] = []
        self._http: HttpClient | None = None
        self._index: IndexClient | None = None
        self._network_log: _NetworkLog | None = None

    def cache_root(self) -> Path:
        """Where the cache is (without creating it); ``--no-cache`` makes a temporary one."""
        if self.settings.no_cache:
            if self._temp_cache is None:
                import tempfile

                self._temp_cache = Path(tempfile.mkdtemp(prefix="puv-cache-"))
            return self._temp_cache
        return self.settings.cache_dir or default_cache_dir(self.environ)

    def cache(self) -> Cache:
        """The cache, created on first use."""
        if self._cache is None:
            from puv.io.cache import Cache

            cache = Cache(self.cache_root())
            cache.ensure()
            # Hold the shared lock for the whole run: `puv cache clean` waits for us.
            lock = cache.shared()
            lock.__enter__()
            self.on_close(lambda: lock.__exit__(None, None, None))
            self._cache = cache
        return self._cache

    def http(self) -> HttpClient:
        """The run's one HTTP client (urllib3 is imported on its first request)."""
        if self._http is None:
            from puv import __version__
            from puv.io.http import HttpClient, options_from_environ

            settings = self.settings
            credential_urls = tuple(
                url for url in (settings.index_url, *settings.extra_index_urls, *settings.find_links) if url
            )
            options = options_from_environ(
                self.environ,
                timeout=settings.http_timeout,
                retries=settings.http_retries,
                max_connections=settings.concurrent_downloads,
                cert=settings.cert,
                trusted_hosts=settings.trusted_hosts,
                offline=settings.offline,
                user_agent=f"puv/{__version__}",
                credential_urls=credential_urls,
            )
            if self.printer.verbosity >= 1:
                self._network_log = _NetworkLog(self.printer)
            self._http = HttpClient(options, on_event=self._network_log)
            self.on_close(self._http.close)
        return self._http

    def unpack_limits(self) -> UnpackLimits:
        """The decompression-bomb limits for unpacking wheels and sdists: the defaults of
        :class:`puv.io.archive.UnpackLimits`, overridden by ``PUV_MAX_UNPACK_SIZE`` and
        ``PUV_MAX_COMPRESSION_RATIO``."""
        from puv.io.archive import DEFAULT_UNPACK_LIMITS, UnpackLimits

        settings = self.settings
        if settings.max_unpack_size is None and settings.max_compression_ratio is None:
            return DEFAULT_UNPACK_LIMITS
        return UnpackLimits(
            max_total_size=settings.max_unpack_size or DEFAULT_UNPACK_LIMITS.max_total_size,
            max_ratio=settings.max_compression_ratio or DEFAULT_UNPACK_LIMITS.max_ratio,
        )

    def index(self, *, refresh: bool | frozenset[str] = False) -> IndexClient:
        """The index client for the configured indexes and find-links."""
        if self._index is None:
            from puv.domain.index.client import IndexClient, sources_from_settings
            from puv.settings import resolve_index_url

            settings = self.settings
            index_url = None if settings.no_index else resolve_index_url(settings)
            sources = sources_from_settings(
                index_url,
                settings.extra_index_urls,
                settings.find_links,
                settings.no_index,
                settings.index_strategy,
            )
            self._index = IndexClient(
                self.http(),
                self.cache(),
                sources,
                offline=settings.offline,
                refresh=refresh,
                trace=self.printer.trace if self.printer.verbosity >= 2 else None,
            )
        return self._index

    def on_close(self, closer: Any) -> None:
        self._closers.append(closer)

    def __enter__(self) -> Context:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        log = self._network_log
        if exc_type is None and log is not None and log.requests:
            from puv.io.http import format_size

            plural = "" if log.requests == 1 else "s"
            self.printer.debug(f"Made {log.requests} HTTP request{plural}, downloaded {format_size(log.received)}")
        for closer in reversed(self._closers):
            closer()
        if self._temp_cache is not None:
            import shutil

            shutil.rmtree(self._temp_cache, ignore_errors=True)
