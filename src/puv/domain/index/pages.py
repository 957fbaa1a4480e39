"""Project pages from an index, through the cache, with HTTP revalidation.

A page is stored in ``simple-v1/<index-key>/<project>.bin`` together with its
validators (ETag, Last-Modified) and how long it stays fresh (Cache-Control
max-age). The parsed form is stored with :mod:`marshal`, so a fresh page
costs one file read and a revalidated one (304) costs a request but no
parsing. The page is a nested byte string, read only when it is used (not
when the entry has no validators and is about to be replaced), and its files
are columns (:class:`~puv.primitives.simple_api.FileColumns`): the four
fields candidate selection reads of every file, then one small record per
file with the rest, decoded only for the files that are used.

Modes: normal (fresh entries are used as they are, stale ones revalidated),
refresh (every entry is revalidated) and offline (entries are used whatever
their age; a missing entry is an error naming what is missing).

An optional ``trace`` callable hears one line per page: the cache decision and
what came of it (the command layer prints it at ``-vv``).
"""

from __future__ import annotations

import marshal
import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from puv.errors import NetworkError
from puv.io.cache import Cache, read_or_none, url_key, write_atomic
from puv.io.http import HttpClient, Response, redact
from puv.primitives.simple_api import ACCEPT, FileColumns, FileRest, ProjectPage, parse_project_page

#: Bumped whenever the stored layout changes (an entry of another version is a miss).
_FORMAT = 2


@dataclass(frozen=True)
class PageResult:
    """A project page, or ``page=None`` when the index does not have the project."""

    index_url: str
    page: ProjectPage | None
    from_cache: bool = False


def project_url(index_url: str, project: str) -> str:
    return index_url.rstrip("/") + "/" + project + "/"


class _CachedRest(Sequence[FileRest]):
    """The url, hashes, core metadata and size of each file of a cached page: one
    :mod:`marshal` record per file in ``blob`` (``offsets`` are where each starts, and
    the end), decoded when that file is asked for."""

    __slots__ = ("_blob", "_offsets")

    def __init__(self, blob: bytes, offsets: array[int]) -> None:
        self._blob = blob
        self._offsets = offsets

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, index: int) -> FileRest:  # type: ignore[override]
        offsets = self._offsets
        record = marshal.loads(memoryview(self._blob)[offsets[index] : offsets[index + 1]])
        url, hashes, metadata, size = record
        return url, hashes, metadata, size


def _page_to_bytes(page: ProjectPage) -> bytes:
    """A page as stored: its fields, then the files as columns (see :class:`FileColumns`)."""
    columns = FileColumns.from_files(page.files)
    dumps = marshal.dumps
    records = [dumps(item) for item in columns.rest]
    offsets = array("I", [0])
    offsets.extend(accumulate(map(len, records)))
    return dumps(
        (
            page.name,
            page.url,
            page.versions,
            page.api_version,
            tuple(columns.filenames),
            tuple(columns.upload_times),
            tuple(columns.requires_python),
            tuple(columns.yanked),
            columns.utc_times,
            b"".join(records),
            offsets.tobytes(),
        )
    )


def _page_from_bytes(raw: bytes) -> ProjectPage:
    """The page :func:`_page_to_bytes` stored (ValueError/TypeError/EOFError when damaged)."""
    name, url, versions, api_version, filenames, upload_times, requires, yanked, utc_times, blob, offset_bytes = (
        marshal.loads(raw)
    )
    offsets = array("I")
    offsets.frombytes(offset_bytes)
    if (
        not isinstance(name, str)
        or not isinstance(url, str)
        or not isinstance(blob, bytes)
        or not isinstance(utc_times, bool)
        or len(offsets) != len(filenames) + 1
        or (offsets and (offsets[0] != 0 or offsets[-1] != len(blob)))
    ):
        raise ValueError("damaged page entry")
    files = FileColumns(filenames, upload_times, requires, yanked, _CachedRest(blob, offsets), utc_times=utc_times)
    return ProjectPage(name=name, url=url, files=files, versions=versions, api_version=api_version)


def _max_age(response: Response) -> float:
    control = response.header("cache-control") or ""
    if "no-store" in control or "no-cache" in control:
        return 0.0
    for part in control.split(","):
        key, _, value = part.strip().partition("=")
        if key.lower() == "max-age":
            try:
                return max(0.0, float(value))
            except ValueError:
                return 0.0
    return 0.0


def _outcome(status: int, revalidating: bool) -> str:
    """What a page request's ``status`` meant, for a trace line."""
    if status == 304:
        return "not modified (304), cached page kept"
    if status == 200:
        return "changed, fetched again (200)" if revalidating else "fetched (200)"
    if status == 404:
        return "not on this index (404)"
    return f"HTTP {status}"


@dataclass(frozen=True)
class _Entry:
    etag: str | None
    last_modified: str | None
    fresh_until: float
    page: bytes | None  # the stored page (:func:`_page_to_bytes`); None: the index answered 404
    parsed: ProjectPage | None = None  # ``page`` read back


class PageStore:
    """Fetches project pages, one HTTP exchange at most per page per run."""

    def __init__(
        self,
        http: HttpClient,
        cache: Cache | None,
        *,
        offline: bool = False,
        refresh: bool | frozenset[str] = False,
        trace: Callable[[str], None] | None = None,
    ) -> None:
        self._http = http
        self._cache = cache
        self._offline = offline
        self._refresh = refresh
        self._trace = trace

    def _path(self, index_url: str, project: str) -> Path | None:
        if self._cache is None:
            return None
        return self._cache.bucket("simple-v1") / url_key(index_url) / f"{project}.bin"

    def _load(self, path: Path | None) -> _Entry | None:
        """The entry's header (validators, freshness); the page itself is read by :meth:`_read`."""
        if path is None:
            return None
        raw = read_or_none(path)
        if raw is None:
            return None
        try:
            version, etag, last_modified, fresh_until, page = marshal.loads(raw)
        except (ValueError, EOFError, TypeError):
            return None  # a corrupt entry is a miss
        if version != _FORMAT or not (page is None or isinstance(page, bytes)):
            return None
        if not isinstance(fresh_until, float):
            return None
        return _Entry(etag, last_modified, fresh_until, page)

    @staticmethod
    def _read(entry: _Entry) -> _Entry | None:
        """``entry`` with its page read back, or None when the page is damaged (a miss)."""
        if entry.page is None or entry.parsed is not None:
            return entry
        try:
            parsed = _page_from_bytes(entry.page)
        except (ValueError, EOFError, TypeError, AttributeError):
            return None
        return _Entry(entry.etag, entry.last_modified, entry.fresh_until, entry.page, parsed)

    def _store(self, path: Path | None, entry: _Entry) -> None:
        if path is None or self._cache is None:
            return
        data = marshal.dumps((_FORMAT, entry.etag, entry.last_modified, entry.fresh_until, entry.page))
        write_atomic(self._cache, path, data)

    def _must_revalidate(self, project: str) -> bool:
        if isinstance(self._refresh, bool):
            return self._refresh
        return project in self._refresh

    def fetch(self, index_url: str, project: str) -> PageResult:
        path = self._path(index_url, project)
        entry = self._load(path)
        url = project_url(index_url, project)
        local = url.startswith("file:")
        trace = self._trace
        reason = "local index" if local else "not in the cache"  # for ``trace``
        if entry is not None and not local:
            now = time.time()
            if self._offline or (now < entry.fresh_until and not self._must_revalidate(project)):
                entry = self._read(entry)
                if entry is not None:
                    if trace is not None:
                        fresh = "--offline" if self._offline else f"fresh for {entry.fresh_until - now:.0f} s more"
                        trace(f"Page `{project}` at {redact(url)}: from the cache ({fresh}), no request")
                    return self._result(index_url, entry, from_cache=True)
                reason = "cached page damaged"
            elif now < entry.fresh_until:
                reason = "cached page fresh but --refresh"
            else:
                reason = f"cached page stale (expired {now - entry.fresh_until:.0f} s ago)"
        if self._offline and not local:
            raise NetworkError(
                f"`{project}` is not in the cache and network access is disabled (--offline)",
                hints=[f"run once without --offline to fetch {redact(url)}"],
            )
        headers = {"Accept": ACCEPT}
        if entry is not None and not local and (entry.etag or entry.last_modified):
            # Revalidating needs a page to fall back on: read it now (a damaged one is a miss).
            entry = self._read(entry)
            if entry is not None:
                if entry.etag:
                    headers["If-None-Match"] = entry.etag
                if entry.last_modified:
                    headers["If-Modified-Since"] = entry.last_modified
                reason += ", revalidating"
            else:
                reason = "cached page damaged"
        else:
            if entry is not None and not local:
                reason += " without validators"
            entry = None  # without validators the entry cannot be revalidated: not read at all
        response = self._http.get(url, headers=headers)
        if trace is not None:
            trace(f"Page `{project}` at {redact(url)}: {reason}: {_outcome(response.status, entry is not None)}")
        if response.status == 304 and entry is not None:
            entry = _Entry(
                entry.etag, entry.last_modified, time.time() + _max_age(response), entry.page, entry.parsed
            )
            self._store(path, entry)
            return self._result(index_url, entry, from_cache=True)
        if response.status == 404:
            return PageResult(index_url, None)
        if response.status in (401, 403):
            raise NetworkError(
                f"the index at {redact(index_url)} refused access to `{project}` "
                f"(HTTP {response.status})",
                hints=[
                    "check the credentials for this index: put them in the index URL "
                    "(https://user:password@host/simple) or in your netrc file"
                ],
            )
        if response.status != 200:
            raise NetworkError(
                f"unexpected HTTP {response.status} from {redact(url)} while fetching `{project}`"
            )
        page = parse_project_page(response.body, response.url, response.header("content-type"), project)
        if not local:
            entry = _Entry(
                response.header("etag"),
                response.header("last-modified"),
                time.time() + _max_age(response),
                _page_to_bytes(page),
            )
            self._store(path, entry)
        return PageResult(index_url, page)

    @staticmethod
    def _result(index_url: str, entry: _Entry, *, from_cache: bool) -> PageResult:
        return PageResult(index_url, entry.parsed, from_cache=from_cache)
