"""The index client: which files a project has, their metadata, and the files themselves.

- Several indexes, searched as uv does: ``--extra-index-url`` entries first (in
  the order given), then ``--index-url``. With ``first-index`` (the default) a
  project comes from the first index that has it, which stops dependency
  confusion; ``unsafe-first-match`` and ``unsafe-best-match`` look at all.
- ``--find-links`` locations (directories and HTML pages) add files to every
  project, whatever the strategy.
- Metadata of a wheel: the PEP 658 file first; else HTTP range requests that
  read only the zip's central directory and the METADATA member; else the whole
  file. Metadata of a file whose sha256 is known never changes: it is cached by
  that hash and never revalidated.

Every page and every metadata file is fetched at most once per run, even when
many threads ask at the same time.

An optional ``trace`` callable hears one line per page and per metadata read:
served from the cache or fetched, and how (the command layer prints them at
``-vv``; this layer never prints).
"""

from __future__ import annotations

import struct
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, overload
from urllib.parse import urlsplit

from puv.errors import BuildError, MetadataError, NetworkError
from puv.io.cache import Cache, read_or_none, url_key, write_atomic
from puv.io.http import HttpClient, redact
from puv.primitives import zip_directory as zd
from puv.primitives.metadata import CoreMetadata, parse_metadata
from puv.primitives.simple_api import DistFile, FlatPage, charset, parse_find_links_html

from puv.domain.index.pages import PageResult, PageStore

T = TypeVar("T")

STRATEGIES = ("first-index", "unsafe-first-match", "unsafe-best-match")


@dataclass(frozen=True)
class IndexSources:
    """Where to look: indexes in priority order, and find-links locations."""

    indexes: tuple[str, ...]
    find_links: tuple[str, ...] = ()
    strategy: str = "first-index"


@dataclass(frozen=True)
class SourcedFile:
    """A file and where it was listed (an index URL or a find-links location)."""

    file: DistFile
    source: str
    priority: int  # 0 = highest (first index / find-links)


class SourcedFiles(Sequence[SourcedFile]):
    """The files of a project from its sources, as :meth:`IndexClient.files` returns them.

    ``parts`` holds ``(files, source, priority)`` per source, in order; the
    :class:`SourcedFile` values are made on demand, so a page's files stay
    columns (:class:`~puv.primitives.simple_api.FileColumns`) for candidate
    selection, which reads ``parts`` directly.
    """

    __slots__ = ("parts", "_ends")

    def __init__(self, parts: Sequence[tuple[Sequence[DistFile], str, int]]) -> None:
        self.parts = tuple(parts)
        ends: list[int] = []
        total = 0
        for files, _, _ in self.parts:
            total += len(files)
            ends.append(total)
        self._ends = ends

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    @overload
    def __getitem__(self, index: int) -> SourcedFile: ...

    @overload
    def __getitem__(self, index: slice) -> list[SourcedFile]: ...

    def __getitem__(self, index: int | slice) -> SourcedFile | list[SourcedFile]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("file index out of range")
        part = bisect_right(self._ends, index)
        files, source, priority = self.parts[part]
        start = self._ends[part] - len(files)
        return SourcedFile(files[index - start], source, priority)

    def __iter__(self) -> Iterator[SourcedFile]:
        for files, source, priority in self.parts:
            for file in files:
                yield SourcedFile(file, source, priority)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, SourcedFiles)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # like the list it stands for


class _Once:
    """Run each keyed computation once; concurrent askers wait for the first one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: dict[object, Future[object]] = {}
        self._done: dict[object, object] = {}  # computed values: read without the lock

    def get(self, key: object, compute: Callable[[], T]) -> T:
        done = self._done
        if key in done:
            return done[key]  # type: ignore[return-value]
        with self._lock:
            future = self._futures.get(key)
            owner = future is None
            if owner:
                future = Future()
                self._futures[key] = future
        assert future is not None
        if owner:
            try:
                value = compute()
            except BaseException as error:
                future.set_exception(error)
            else:
                done[key] = value
                future.set_result(value)
        return future.result()  # type: ignore[return-value]


def _sha256(file: DistFile) -> str | None:
    for algorithm, digest in file.hashes:
        if algorithm == "sha256":
            return digest
    return None


class IndexClient:
    def __init__(
        self,
        http: HttpClient,
        cache: Cache | None,
        sources: IndexSources,
        *,
        offline: bool = False,
        refresh: bool | frozenset[str] = False,
        trace: Callable[[str], None] | None = None,
    ) -> None:
        self.http = http
        self.cache = cache
        self.sources = sources
        self.offline = offline
        self._trace = trace
        self._pages = PageStore(http, cache, offline=offline, refresh=refresh, trace=trace)
        self._once = _Once()
        # Requires-Dist / Requires-Python texts parsed this run (see parse_metadata):
        # hundreds of versions of one project repeat the same lines.
        self._parsed: dict[str, Any] = {}

    # -- listing -----------------------------------------------------------

    def page(self, index_url: str, project: str) -> PageResult:
        return self._once.get(("page", index_url, project), lambda: self._pages.fetch(index_url, project))

    def files(self, project: str) -> SourcedFiles:
        """Every file of ``project`` from the configured sources, per the index strategy."""
        return self._once.get(("files", project), lambda: self._files(project))

    def _files(self, project: str) -> SourcedFiles:
        parts: list[tuple[Sequence[DistFile], str, int]] = []
        for location in self.sources.find_links:
            found = tuple(file for _, file in self._flat(location).files_for(project))
            if found:
                parts.append((found, location, 0))
        for priority, index_url in enumerate(self.sources.indexes, start=1):
            result = self.page(index_url, project)
            if result.page is None:
                continue
            parts.append((result.page.files, index_url, priority))
            if self.sources.strategy == "first-index":
                break
        return SourcedFiles(parts)

    def indexes_without(self, project: str) -> list[str]:
        """Indexes that were asked about ``project`` and do not have it (for hints)."""
        return [
            url for url in self.sources.indexes if self.page(url, project).page is None
        ]

    def _flat(self, location: str) -> FlatPage:
        return self._once.get(("flat", location), lambda: self._read_flat(location))

    def _read_flat(self, location: str) -> FlatPage:
        scheme = urlsplit(location).scheme.lower()
        if scheme in ("http", "https"):
            response = self.http.get(location, headers={"Accept": "text/html"})
            if response.status != 200:
                raise NetworkError(f"cannot read find-links page {redact(location)} (HTTP {response.status})")
            return parse_find_links_html(
                response.body, response.url, encoding=charset(response.header("content-type"))
            )
        path = file_url_path(location) if scheme == "file" else Path(location)
        if path.is_dir():
            files = tuple(
                DistFile(filename=entry.name, url=entry.resolve().as_uri(), size=entry.stat().st_size)
                for entry in sorted(path.iterdir())
                if entry.is_file()
            )
            return FlatPage(url=path.as_uri(), files=files)
        if path.is_file():
            return parse_find_links_html(path.read_bytes(), path.resolve().as_uri())
        raise NetworkError(
            f"find-links location {location} does not exist",
            hints=["check --find-links / PIP_FIND_LINKS"],
        )

    # -- metadata ------------------------------------------------------------

    def metadata(self, project: str, file: DistFile) -> CoreMetadata:
        """The core metadata of a distribution file (cached by its hash)."""
        return self._once.get(("metadata", file.url), lambda: self._metadata(project, file))

    def _metadata_cache_path(self, project: str, file: DistFile) -> Path | None:
        if self.cache is None:
            return None
        digest = _sha256(file)
        if digest is not None:
            return self.cache.bucket("metadata-v1") / project / digest
        if file.url.startswith("file:"):
            local = file_url_path(file.url)
            try:
                stat = local.stat()
            except OSError:
                return None
            key = url_key(f"{file.url}|{stat.st_mtime_ns}|{stat.st_size}")
            return self.cache.bucket("metadata-v1") / project / f"local-{key}"
        return None

    def _metadata(self, project: str, file: DistFile) -> CoreMetadata:
        if file.kind != "wheel":
            raise BuildError(
                f"reading the metadata of `{project}` from its source distribution "
                f"{file.filename} needs a build, which this version of puv cannot do yet",
                hints=[f"use a version of `{project}` that ships a wheel, or pin one with `=="],
            )
        path = self._metadata_cache_path(project, file)
        cached = read_or_none(path) if path is not None else None
        damaged = False
        if cached is not None:
            try:
                metadata = parse_metadata(cached, source=file.filename, parsed=self._parsed)
                _check_identity(metadata, file)
                if self._trace is not None:
                    self._trace(f"Metadata of {file.filename}: from the cache, no request")
                return metadata
            except MetadataError:
                damaged = True  # a damaged cache entry is a miss: fetch again and replace it
        raw, how = self._fetch_metadata(project, file)
        if self._trace is not None:
            self._trace(f"Metadata of {file.filename}: {'cache entry damaged, ' if damaged else ''}{how}")
        metadata = parse_metadata(raw, source=file.filename, parsed=self._parsed)
        _check_identity(metadata, file)
        if path is not None and self.cache is not None:
            write_atomic(self.cache, path, raw)
        return metadata

    def _fetch_metadata(self, project: str, file: DistFile) -> tuple[bytes, str]:
        """The METADATA bytes of ``file`` and how they were obtained (for ``trace``)."""
        if file.url.startswith("file:"):
            return _metadata_from_blob(file_url_path(file.url).read_bytes(), file.filename), "read from the local file"
        missing = ""
        if file.has_core_metadata:
            response = self.http.get(file.metadata_url)
            if response.status == 200:
                _check_digests(response.body, file.core_metadata or (), f"metadata of {file.filename}")
                return response.body, "fetched the metadata file (PEP 658)"
            missing = f"no metadata file (HTTP {response.status}), "
        raw, how = self._metadata_by_ranges(file)
        return raw, missing + how

    def _metadata_by_ranges(self, file: DistFile) -> tuple[bytes, str]:
        """METADATA of a remote wheel with range requests: the tail (the end of central
        directory record and, in most wheels, the whole directory), then the member.

        When the directory does not fit in the tail, the METADATA entry is looked for
        in the part that does (wheel builders write ``.dist-info`` last, so its entries
        end the directory): a large wheel then costs two requests, not three.
        """
        first = self.http.get(file.url, headers={"Range": f"bytes=-{zd.TAIL_GUESS}", "Accept-Encoding": "identity"})
        if first.status == 200:
            _check_digests(first.body, file.hashes, file.filename)
            how = "fetched the whole file (the server ignored the range request)"
            return _metadata_from_blob(first.body, file.filename), how
        if first.status != 206:
            raise NetworkError(f"cannot fetch {redact(file.url)} (HTTP {first.status})")
        total = _content_range_total(first.header("content-range"))
        tail_offset = total - len(first.body) if total is not None else 0
        directory = zd.find_directory(first.body, tail_offset)
        member: zd.Member | None = None
        requests = 1
        if directory.offset >= tail_offset:
            start = directory.offset - tail_offset
            listing = first.body[start : start + directory.size]
            member = zd.find_metadata_member(zd.parse_directory(listing), file.filename)
        else:
            end = directory.offset + directory.size - tail_offset
            if 0 < end <= len(first.body):
                member = _metadata_entry_in_part(first.body[:end], file.filename)
            if member is None:
                listing = self._range(file, directory.offset, directory.size)
                requests += 1
                member = zd.find_metadata_member(zd.parse_directory(listing), file.filename)
        # The local header's extra field may differ from the central one: ask for slack.
        want = zd.LOCAL_HEADER_SIZE + len(member.name.encode()) + 1024 + member.compressed_size
        if member.header_offset >= tail_offset:
            local = first.body[member.header_offset - tail_offset :]
        else:
            local = self._range(file, member.header_offset, want)
            requests += 1
        how = f"fetched with {requests} range request{'' if requests == 1 else 's'}"
        return zd.extract(member, local), how

    def _range(self, file: DistFile, offset: int, length: int) -> bytes:
        response = self.http.get(
            file.url,
            headers={"Range": f"bytes={offset}-{offset + length - 1}", "Accept-Encoding": "identity"},
        )
        if response.status == 206:
            return response.body
        if response.status == 200:
            return response.body[offset : offset + length]
        raise NetworkError(f"cannot fetch {redact(file.url)} (HTTP {response.status})")

    # -- files -----------------------------------------------------------------

    def fetch_all_metadata(self, items: Iterable[tuple[str, DistFile]], workers: int) -> list[CoreMetadata]:
        from puv.io.http import parallel_map

        return parallel_map(lambda item: self.metadata(item[0], item[1]), list(items), workers)


def _check_identity(metadata: CoreMetadata, file: DistFile) -> None:
    """The metadata must describe the file it came with (name and version)."""
    from puv.primitives.filenames import try_parse_filename

    parsed = try_parse_filename(file.filename)
    if parsed is None:
        return
    if parsed.name != metadata.canonical_name or parsed.version != metadata.version:
        raise MetadataError(
            f"the metadata of {file.filename} describes {metadata.name} {metadata.version}, "
            f"not {parsed.name} {parsed.version}",
            source=file.filename,
            hints=["the index serves inconsistent files; report it to the index's maintainers"],
        )


_CENTRAL_SIG = b"PK\x01\x02"
_METADATA_SUFFIX = b".dist-info/METADATA"


def _metadata_entry_in_part(part: bytes, filename: str) -> zd.Member | None:
    """The central directory entry of ``<name>-<version>.dist-info/METADATA`` in ``part``,
    bytes that END where the central directory ends (its beginning may be cut off).

    None unless ``part`` holds exactly one top-level ``*.dist-info/METADATA`` entry and
    it names this wheel's project and version: the caller then reads the whole
    directory (and reports a wheel with several the same way whichever part holds them).
    """
    from puv.primitives.filenames import try_parse_filename

    parsed = try_parse_filename(filename)
    if parsed is None:
        return None
    entries: list[zd.Member] = []
    found = part.rfind(_METADATA_SUFFIX)
    while found >= 0:
        name_end = found + len(_METADATA_SUFFIX)
        # The entry header (46 bytes) comes right before the name: find the one
        # whose name length ends the name here.
        lowest = max(0, found - 46 - 512)
        start = part.rfind(_CENTRAL_SIG, lowest, found)
        while start >= 0:
            if start + 46 <= found:
                name_len, extra_len, comment_len = struct.unpack("<3H", part[start + 28 : start + 34])
                if start + 46 + name_len == name_end:
                    entries.extend(zd.parse_directory(part[start : start + 46 + name_len + extra_len + comment_len]))
                    break
            start = part.rfind(_CENTRAL_SIG, lowest, start)
        found = part.rfind(_METADATA_SUFFIX, 0, found)
    top = [m for m in entries if m.name.count("/") == 1 and m.name.endswith(".dist-info/METADATA")]
    if len(top) == 1 and _names_wheel(top[0].name, parsed.name, parsed.version):
        return top[0]
    return None


def _names_wheel(member: str, name: str, version: object) -> bool:
    """Whether ``member`` is ``<name>-<version>.dist-info/METADATA`` at the top of the wheel."""
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    directory, slash, rest = member.partition("/")
    if not slash or rest != "METADATA" or not directory.endswith(".dist-info"):
        return False
    project, dash, text = directory[: -len(".dist-info")].rpartition("-")
    if not dash:
        return False
    try:
        return canonicalize_name(project) == name and Version(text) == version
    except InvalidVersion:
        return False


def _content_range_total(value: str | None) -> int | None:
    if not value or "/" not in value:
        return None
    total = value.rsplit("/", 1)[1].strip()
    return int(total) if total.isdigit() else None


def _check_digests(data: bytes, expected: Iterable[tuple[str, str]], what: str) -> None:
    import hashlib

    for algorithm, digest in expected:
        if algorithm not in ("sha256", "sha384", "sha512"):
            continue
        actual = hashlib.new(algorithm, data).hexdigest()
        if actual != digest.lower():
            raise MetadataError(
                f"hash mismatch for {what}: expected {algorithm}:{digest}, got {algorithm}:{actual}",
                source=what,
            )
        return


def _metadata_from_blob(blob: bytes, filename: str) -> bytes:
    directory = zd.find_directory(blob, 0)
    members = zd.parse_directory(blob[directory.offset : directory.offset + directory.size])
    member = zd.find_metadata_member(members, filename)
    return zd.extract(member, blob[member.header_offset :])


def sources_from_settings(index_url: str | None, extra: Iterable[str], find_links: Iterable[str], no_index: bool, strategy: str) -> IndexSources:
    """Build the search order: extra indexes first, then the main index (as uv does)."""
    indexes: list[str] = []
    if not no_index:
        for url in [*extra, *([index_url] if index_url else [])]:
            if url not in indexes:
                indexes.append(url)
    return IndexSources(indexes=tuple(indexes), find_links=tuple(find_links), strategy=strategy)


def file_url_path(url: str) -> Path:
    """The local path of a ``file:`` URL."""
    from urllib.parse import unquote
    from urllib.request import url2pathname

    return Path(url2pathname(unquote(urlsplit(url).path)))
