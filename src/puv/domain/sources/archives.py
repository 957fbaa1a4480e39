"""Source archives and wheels at a URL (PEP 440 direct references), fetched into the cache.

``name @ https://host/path/name-1.0.tar.gz#sha256=<hex>`` (or a bare URL) names one file.
The hashes in the URL fragment (PEP 503 form, ``<algorithm>=<hex>``) must all match;
of the requirement's ``--hash`` values at least one must match (pip's hash-checking
mode). A mismatch names the URL, the expected and the actual digests, and leaves
nothing in the cache.

Layout under the cache root::

    url-v1/<url-key>/<sha256>/<filename>   a downloaded file (immutable, by content)
    url-v1/<url-key>/latest.json           which content the URL served last, with its
                                           ETag / Last-Modified validators

``<url-key>`` hashes the URL without credentials and fragment. When a hash is pinned
and a cached file matches it, nothing is requested. With no hash pinned, the URL is
revalidated with ``If-None-Match`` / ``If-Modified-Since`` and a ``304`` reuses the cached
file; a server that sends no validators makes every run download again. With
``--offline`` (the HTTP client's setting) the last cached file is used.

A download is streamed into the cache's ``tmp/``, hashed, checked and published with one
``rename`` of a directory, so a reader sees a complete file or none. ``file:`` URLs are
read in place (hashed, never copied).

Wheels at a URL are unpacked into ``archive-v1/`` by :func:`fetch_url_wheel`, which hands
the cached file to :func:`puv.domain.index.download.fetch_wheel` (so an index wheel and
a URL wheel with the same content share one unpacked copy).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit, urlunsplit

from puv.domain.index.download import HashMismatch
from puv.domain.sources.git import public_url
from puv.errors import InputError, NetworkError
from puv.io.cache import Cache, read_or_none, url_key, write_atomic
from puv.io.http import redact, split_credentials
from puv.primitives.requirement_spec import STRONG_HASHES, is_archive

if TYPE_CHECKING:  # pragma: no cover
    from puv.domain.index.download import Unpacked
    from puv.io.archive import UnpackLimits
    from puv.io.http import HttpClient

BUCKET = "url-v1"
_FRAGMENT_ALGORITHMS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
_LATEST = "latest.json"
_Pins = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ArchiveUrl:
    """A parsed archive URL: ``url`` without the fragment (credentials kept, never
    shown), the ``filename`` its path ends with, the fragment's ``hashes`` as
    ``(algorithm, hex)`` pairs and its ``subdirectory``."""

    url: str
    filename: str
    hashes: _Pins = ()
    subdirectory: str | None = None

    @property
    def key(self) -> str:
        return url_key(split_credentials(self.url)[0])


@dataclass(frozen=True)
class FetchedArchive:
    """A source archive or wheel on local disk.

    ``path`` is the file (in the cache, or the file itself for a ``file:`` URL);
    ``url`` is the URL without fragment and credentials (what ``direct_url.json``
    records); ``downloaded`` says whether this call transferred it.
    """

    path: Path
    filename: str
    sha256: str
    url: str
    subdirectory: str | None = None
    downloaded: bool = False

    @property
    def is_wheel(self) -> bool:
        return self.filename.lower().endswith(".whl")


def parse_archive_url(url: str) -> ArchiveUrl:
    """Split ``url`` into the file URL, its file name and the fragment's hashes."""
    text = url.strip()
    shown = redact(text)
    base, _, fragment = text.partition("#")
    parts = urlsplit(base)
    if parts.scheme.lower() not in ("http", "https", "file"):
        raise InputError(
            f"unsupported URL `{shown}`",
            hints=["an archive URL starts with https://, http:// or file:"],
        )
    filename = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
    if not filename or not is_archive(filename) or "\\" in filename or filename in (".", ".."):
        raise InputError(
            f"`{shown}` does not name a source archive or a wheel",
            hints=[
                "the URL's path must end with the file name (.whl, .tar.gz, .zip, ...); "
                "for a git repository write git+URL"
            ],
        )
    hashes: list[tuple[str, str]] = []
    subdirectory: str | None = None
    for item in fragment.split("&") if fragment else ():
        key, _, value = item.partition("=")
        key = key.strip().lower()
        value = value.strip()
        if key in _FRAGMENT_ALGORITHMS:
            digest = value.lower()
            length = hashlib.new(key).digest_size * 2
            if len(digest) != length or any(c not in "0123456789abcdef" for c in digest):
                raise InputError(
                    f"invalid {key} digest in the URL `{shown}`",
                    hints=[f"a {key} digest is {length} hexadecimal characters"],
                )
            hashes.append((key, digest))
        elif key == "subdirectory" and value:
            subdirectory = unquote(value)
    clean = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
    return ArchiveUrl(clean, filename, tuple(hashes), subdirectory)


def _required(hashes: Iterable[str]) -> _Pins:
    """``--hash`` strings (``alg:hex``) as pairs."""
    pairs: list[tuple[str, str]] = []
    for item in hashes:
        algorithm, sep, digest = item.partition(":")
        if not sep:
            algorithm, sep, digest = item.partition("=")
        algorithm = algorithm.strip().lower()
        if algorithm in STRONG_HASHES and digest:
            pairs.append((algorithm, digest.strip().lower()))
    return tuple(pairs)


def _digests(path: Path, algorithms: Iterable[str]) -> dict[str, str]:
    hashers = {name: hashlib.new(name) for name in {"sha256", *algorithms}}
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            for hasher in hashers.values():
                hasher.update(chunk)
    return {name: hasher.hexdigest() for name, hasher in hashers.items()}


def _mismatch(
    spec: ArchiveUrl, actual: dict[str, str], fragment: _Pins, required: _Pins
) -> HashMismatch | None:
    for algorithm, expected in fragment:
        if actual[algorithm] != expected:
            return HashMismatch(
                f"hash mismatch for {redact(spec.url)}: the URL says {algorithm}:{expected}, "
                f"the {'local' if spec.url.lower().startswith('file:') else 'downloaded'} file has "
                f"{algorithm}:{actual[algorithm]}",
                hints=["the file at the URL changed or was corrupted in transit; check the URL's #hash"],
            )
    if required and not any(actual[alg] == digest for alg, digest in required):
        expected_text = ", ".join(f"{alg}:{digest}" for alg, digest in required)
        got = ", ".join(f"{alg}:{actual[alg]}" for alg in sorted({alg for alg, _ in required}))
        return HashMismatch(
            f"hash mismatch for {redact(spec.url)}: expected {expected_text}, got {got}",
            hints=["the requirement's --hash values do not match this file"],
        )
    return None


def _matches(path: Path, fragment: _Pins, required: _Pins) -> bool:
    algorithms = {alg for alg, _ in (*fragment, *required)}
    actual = _digests(path, algorithms)
    return all(actual[a] == d for a, d in fragment) and (
        not required or any(actual[a] == d for a, d in required)
    )


def _read_latest(directory: Path) -> dict[str, str]:
    import json

    data = read_or_none(directory / _LATEST)
    if data is None:
        return {}
    try:
        loaded = json.loads(data)
    except ValueError:
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {k: v for k, v in loaded.items() if isinstance(k, str) and isinstance(v, str)}


def _cached(directory: Path, sha256: str, filename: str) -> Path | None:
    path = directory / sha256 / filename
    return path if path.is_file() else None


def fetch_archive(
    url: str,
    *,
    http: HttpClient,
    cache: Cache,
    hashes: Iterable[str] = (),
    on_bytes: Callable[[int], None] | None = None,
) -> FetchedArchive:
    """Make sure the file at ``url`` is on local disk, hash-checked; return where.

    ``hashes`` are the requirement's ``--hash`` values (``alg:hex``). Errors:
    :class:`HashMismatch`, :class:`NetworkError` (HTTP failures, ``--offline`` with
    nothing cached), :class:`InputError` (a URL that names no archive).
    """
    spec = parse_archive_url(url)
    fragment = spec.hashes
    required = _required(hashes)
    public = public_url(spec.url)
    if urlsplit(spec.url).scheme.lower() == "file":
        return _local_file(spec, fragment, required, public)
    directory = cache.bucket(BUCKET) / spec.key
    pinned = bool(fragment or required)
    latest = _read_latest(directory)
    # 1. A pinned hash that a cached file matches: no request at all.
    if pinned:
        wanted = {d for a, d in (*fragment, *required) if a == "sha256"}
        candidates = list(wanted)
        if latest.get("sha256") and latest["sha256"] not in wanted:
            candidates.append(latest["sha256"])
        for sha256 in candidates:
            found = _cached(directory, sha256, spec.filename)
            if found is None:
                continue
            ok = _satisfied(sha256, fragment, required)
            if ok is None:
                ok = _matches(found, fragment, required)
            if ok:
                return FetchedArchive(found, spec.filename, sha256, public, spec.subdirectory)
    previous = _cached(directory, latest.get("sha256", ""), spec.filename) if latest.get("sha256") else None
    # 2. --offline: the last file this URL served, if it passes the pins.
    if http.options.offline:
        if previous is not None and not pinned:
            return FetchedArchive(previous, spec.filename, latest["sha256"], public, spec.subdirectory)
        raise NetworkError(
            f"cannot fetch {redact(spec.url)}: network access is disabled (--offline) "
            "and the cache has no matching copy",
            hints=["run once without --offline to download it"],
        )
    # 3. Download, revalidating the last copy when no hash is pinned.
    headers: dict[str, str] = {}
    if previous is not None and not pinned:
        if latest.get("etag"):
            headers["If-None-Match"] = latest["etag"]
        if latest.get("last_modified"):
            headers["If-Modified-Since"] = latest["last_modified"]
    return _download(
        http, cache, spec, directory, headers, previous, latest, fragment, required, public, on_bytes
    )


def _satisfied(
    sha256: str, fragment: _Pins, required: _Pins
) -> bool | None:
    """Whether a file whose sha256 is ``sha256`` passes the pins; None when a pin of
    another algorithm needs the file's content."""
    if any(alg != "sha256" for alg, _ in (*fragment, *required)):
        return None
    return all(d == sha256 for _, d in fragment) and (not required or any(d == sha256 for _, d in required))


def check_local_archive(url: str, hashes: Iterable[str] = ()) -> FetchedArchive:
    """Hash-check the archive a ``file:`` URL names against the URL's ``#<alg>=<hex>``
    and the requirement's ``--hash`` values ``hashes`` (:class:`HashMismatch`)."""
    spec = parse_archive_url(url)
    return _local_file(spec, spec.hashes, _required(hashes), public_url(spec.url))


def _local_file(
    spec: ArchiveUrl, fragment: _Pins, required: _Pins, public: str
) -> FetchedArchive:
    path = Path(unquote(urlsplit(spec.url).path))
    if not path.is_file():
        raise NetworkError(f"{spec.url} does not exist", hints=["check the path in the file: URL"])
    actual = _digests(path, {alg for alg, _ in (*fragment, *required)})
    error = _mismatch(spec, actual, fragment, required)
    if error is not None:
        raise error
    return FetchedArchive(path, spec.filename, actual["sha256"], public, spec.subdirectory)


def _download(
    http: HttpClient,
    cache: Cache,
    spec: ArchiveUrl,
    directory: Path,
    headers: dict[str, str],
    previous: Path | None,
    latest: dict[str, str],
    fragment: _Pins,
    required: _Pins,
    public: str,
    on_bytes: Callable[[int], None] | None,
) -> FetchedArchive:
    import json
    import shutil
    import tempfile

    tmp_root = cache.tmpdir()
    staging = Path(tempfile.mkdtemp(dir=tmp_root, prefix="url-"))
    try:
        file_path = staging / spec.filename
        with open(file_path, "w+b") as sink:
            response = http.download(spec.url, sink, headers=headers, on_bytes=on_bytes)
        if response.status == 304 and previous is not None:
            return FetchedArchive(previous, spec.filename, latest["sha256"], public, spec.subdirectory)
        if response.status != 200:
            raise NetworkError(
                f"cannot download {redact(spec.url)} (HTTP {response.status})",
                hints=["check the URL"] if response.status == 404 else [],
            )
        actual = _digests(file_path, {alg for alg, _ in (*fragment, *required)})
        error = _mismatch(spec, actual, fragment, required)
        if error is not None:
            raise error
        sha256 = actual["sha256"]
        target = directory / sha256
        directory.mkdir(parents=True, exist_ok=True)
        if not (target / spec.filename).is_file():
            if target.exists():  # a leftover without its file
                shutil.rmtree(target, ignore_errors=True)
            try:
                os.rename(staging, target)
            except OSError:
                if not (target / spec.filename).is_file():  # another process published it first
                    raise
        record = {"sha256": sha256, "filename": spec.filename}
        for name, header in (("etag", "etag"), ("last_modified", "last-modified")):
            value = response.header(header)
            if value:
                record[name] = value
        write_atomic(cache, directory / _LATEST, json.dumps(record, sort_keys=True).encode())
        return FetchedArchive(
            target / spec.filename, spec.filename, sha256, public, spec.subdirectory, downloaded=True
        )
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def fetch_url_wheel(
    url: str,
    *,
    http: HttpClient,
    cache: Cache,
    project: str,
    hashes: Iterable[str] = (),
    on_bytes: Callable[[int], None] | None = None,
    limits: UnpackLimits | None = None,
) -> tuple[FetchedArchive, Unpacked]:
    """Fetch the wheel at ``url`` (as :func:`fetch_archive`) and unpack it into
    ``archive-v1/<project>/<sha256>/`` (once; later calls only look) within ``limits``
    (None: the default decompression-bomb limits)."""
    from puv.domain.index.download import fetch_wheel
    from puv.io.archive import DEFAULT_UNPACK_LIMITS
    from puv.primitives.simple_api import DistFile

    fetched = fetch_archive(url, http=http, cache=cache, hashes=hashes, on_bytes=on_bytes)
    if not fetched.is_wheel:
        raise InputError(f"`{redact(fetched.url)}` is not a wheel")
    local = DistFile(
        filename=fetched.filename,
        url=fetched.path.resolve().as_uri(),
        hashes=(("sha256", fetched.sha256),),
    )
    return fetched, fetch_wheel(http, cache, project, local, limits=limits or DEFAULT_UNPACK_LIMITS)


def direct_url_for_archive(fetched: FetchedArchive) -> dict[str, object]:
    """The PEP 610 ``direct_url.json`` content for a distribution from ``fetched``."""
    data: dict[str, object] = {
        "url": fetched.url,
        "archive_info": {
            "hash": f"sha256={fetched.sha256}",
            "hashes": {"sha256": fetched.sha256},
        },
    }
    if fetched.subdirectory is not None:
        data["subdirectory"] = fetched.subdirectory
    return data
