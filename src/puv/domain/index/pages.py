"""Project pages from an index, through the cache, with HTTP revalidation.

A page is stored in ``simple-v1/<index-key>/<project>.bin`` together with its
validators (ETag, Last-Modified) and how long it stays fresh (Cache-Control
max-age). The parsed form is stored (with :mod:`marshal`, which reads plain
tuples back in microseconds), so a fresh page costs one file read and a
revalidated one (304) costs a request but no parsing.

Modes: normal (fresh entries are used as they are, stale ones revalidated),
refresh (every entry is revalidated) and offline (entries are used whatever
their age; a missing entry is an error naming what is missing).
"""

from __future__ import annotations

import marshal
import time
from dataclasses import dataclass
from pathlib import Path

from puv.errors import NetworkError
from puv.io.cache import Cache, read_or_none, url_key, write_atomic
from puv.io.http import HttpClient, Response, redact
from puv.primitives.simple_api import ACCEPT, DistFile, ProjectPage, parse_project_page

_FORMAT = 1


@dataclass(frozen=True)
class PageResult:
    """A project page, or ``page=None`` when the index does not have the project."""

    index_url: str
    page: ProjectPage | None
    from_cache: bool = False


def project_url(index_url: str, project: str) -> str:
    return index_url.rstrip("/") + "/" + project + "/"


def _file_to_tuple(f: DistFile) -> tuple[object, ...]:
    return (
        f.filename,
        f.url,
        f.hashes,
        f.requires_python,
        f.yanked,
        f.yanked_reason,
        f.core_metadata,
        f.upload_time,
        f.size,
    )


def _page_to_tuple(page: ProjectPage) -> tuple[object, ...]:
    return (
        page.name,
        page.url,
        tuple(_file_to_tuple(f) for f in page.files),
        page.versions,
        page.api_version,
    )


def _page_from_tuple(data: tuple[object, ...]) -> ProjectPage:
    name, url, files, versions, api_version = data
    return ProjectPage(
        name=name,  # type: ignore[arg-type]
        url=url,  # type: ignore[arg-type]
        files=tuple(DistFile(*f) for f in files),  # type: ignore[attr-defined]
        versions=versions,  # type: ignore[arg-type]
        api_version=api_version,  # type: ignore[arg-type]
    )


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


@dataclass(frozen=True)
class _Entry:
    etag: str | None
    last_modified: str | None
    fresh_until: float
    page: tuple[object, ...] | None  # None: the index answered 404
    parsed: ProjectPage | None = None  # ``page`` read back, when it came from the cache


class PageStore:
    """Fetches project pages, one HTTP exchange at most per page per run."""

    def __init__(
        self,
        http: HttpClient,
        cache: Cache | None,
        *,
        offline: bool = False,
        refresh: bool | frozenset[str] = False,
    ) -> None:
        self._http = http
        self._cache = cache
        self._offline = offline
        self._refresh = refresh

    def _path(self, index_url: str, project: str) -> Path | None:
        if self._cache is None:
            return None
        return self._cache.bucket("simple-v1") / url_key(index_url) / f"{project}.bin"

    def _load(self, path: Path | None) -> _Entry | None:
        if path is None:
            return None
        raw = read_or_none(path)
        if raw is None:
            return None
        try:
            data = marshal.loads(raw)
            version, etag, last_modified, fresh_until, page = data
            if version != _FORMAT:
                return None
            # Reading the page back checks its layout: a damaged entry is a miss.
            parsed = _page_from_tuple(page) if page is not None else None
            return _Entry(etag, last_modified, fresh_until, page, parsed)
        except (ValueError, EOFError, TypeError, AttributeError):
            return None  # a corrupt entry is a miss

    def _store(self, path: Path | None, entry: _Entry) -> None:
        if path is None or self._cache is None:
            return
        data = marshal.dumps((_FORMAT, entry.etag, entry.last_modified, entry.fresh_until, entry.page))  # type: ignore[arg-type]
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
        if entry is not None and not local:
            if self._offline or (time.time() < entry.fresh_until and not self._must_revalidate(project)):
                return self._result(index_url, entry, from_cache=True)
        if self._offline and not local:
            raise NetworkError(
                f"`{project}` is not in the cache and network access is disabled (--offline)",
                hints=[f"run once without --offline to fetch {redact(url)}"],
            )
        headers = {"Accept": ACCEPT}
        if entry is not None and not local:
            if entry.etag:
                headers["If-None-Match"] = entry.etag
            if entry.last_modified:
                headers["If-Modified-Since"] = entry.last_modified
        response = self._http.get(url, headers=headers)
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
                _page_to_tuple(page),
            )
            self._store(path, entry)
        return PageResult(index_url, page)

    @staticmethod
    def _result(index_url: str, entry: _Entry, *, from_cache: bool) -> PageResult:
        page = entry.parsed
        if page is None and entry.page is not None:
            page = _page_from_tuple(entry.page)
        return PageResult(index_url, page, from_cache=from_cache)
