"""The context of one run: settings, output, environment and working directory.

It wires the layers together for a command. Expensive parts (the cache, the
HTTP client) are created on first use, so a command that needs neither never
imports them. One context lives for one command run; there is no global one.
Use it as a context manager: leaving it closes the HTTP client and removes the
temporary cache of ``--no-cache``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from puv.cli.printer import Printer
from puv.settings import Settings, default_cache_dir

if TYPE_CHECKING:  # pragma: no cover
    from puv.io.cache import Cache


@dataclass
class Context:
    settings: Settings
    printer: Printer
    environ: Mapping[str, str]
    cwd: Path
    _cache: Cache | None = field(default=None, init=False, repr=False)
    _temp_cache: Path | None = field(default=None, init=False, repr=False)
    _closers: list[Any] = field(default_factory=list, init=False, repr=False)

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
            self._cache = cache
        return self._cache

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
        for closer in reversed(self._closers):
            closer()
        if self._temp_cache is not None:
            import shutil

            shutil.rmtree(self._temp_cache, ignore_errors=True)
