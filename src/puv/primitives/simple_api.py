"""The simple repository API: project pages, the root index and find-links pages.

Implements reading of:

* PEP 503 HTML pages: one ``<a href>`` per file, the digest in the URL
  fragment (``#sha256=...``), ``data-requires-python`` (PEP 345 specifier,
  HTML-escaped), ``data-yanked`` (PEP 592, the value is the reason),
  ``data-core-metadata`` / ``data-dist-info-metadata`` (PEP 658, renamed by
  PEP 714: the new spelling wins), ``<base href>`` and the PEP 629
  ``<meta name="pypi:repository-version">`` tag.
* PEP 691 JSON pages (``application/vnd.pypi.simple.v1+json``) including the
  PEP 700 additions of API version 1.1 (``versions``, ``size``,
  ``upload-time``). A major API version above 1 is refused, a newer minor one
  is read as far as it is understood.

HTML is read with a few regular expressions over the tags that matter
(``a``, ``base``, ``meta``), not with :mod:`html.parser`: a page with ten
thousand files parses in tens of milliseconds. Quoted attribute values may
contain ``>``; single, double and unquoted values, upper-case tag and
attribute names and HTML comments are handled.

Files whose name is neither a wheel nor a source archive (``.exe``, ``.egg``,
``.msi``, ...) are not errors: they are listed in ``skipped``. A file whose
name only *looks* like a distribution is kept; the finder validates names
with :mod:`puv.primitives.filenames` when it needs versions.

Every problem is an :class:`~puv.errors.IndexFormatError` naming the page URL.
An HTML page without links is a valid empty listing; a body that is not an HTML
page is an error, never "no files": bytes that do not decode in the declared
charset (UTF-8 by default, decoded strictly as pip does), NUL characters
(binary data), no tag at all, or a page that ends inside a tag.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Union, overload
from urllib.parse import unquote, urljoin

from packaging.utils import canonicalize_name

from puv.errors import IndexFormatError, InvalidHash
from puv.primitives.filenames import DistFilename, classify, try_parse_filename
from puv.primitives.hashes import hash_pair, split_hash

#: The ``Accept`` header that asks for JSON first, then the versioned HTML, then plain HTML.
ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)

#: Highest simple API version this module was written for.
SUPPORTED_API_VERSION = (1, 1)

Hashes = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class DistFile:
    """One file listed on a project page.

    ``hashes`` holds ``(algorithm, lowercase hex)`` pairs. ``core_metadata`` is
    None when the index serves no separate metadata file (PEP 658/714), else
    the digests of that file (an empty tuple when served without a digest);
    the file then lives at :attr:`metadata_url`. ``yanked_reason`` is only set
    when ``yanked`` is true and the index gave a non-empty reason (PEP 592).
    ``upload_time`` is the PEP 700 ISO 8601 string, unparsed.
    """

    filename: str
    url: str
    hashes: Hashes = ()
    requires_python: str | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    core_metadata: Hashes | None = None
    upload_time: str | None = None
    size: int | None = None

    @property
    def has_core_metadata(self) -> bool:
        """True when the index serves ``<url>.metadata`` for this file."""
        return self.core_metadata is not None

    @property
    def metadata_url(self) -> str:
        """Where the PEP 658 metadata file lives (meaningful if :attr:`has_core_metadata`)."""
        return self.url + ".metadata"

    @property
    def kind(self) -> str | None:
        """``"wheel"``, ``"sdist"`` (from the extension) or None."""
        return classify(self.filename)


#: An upload time in UTC whose text sorts like the instant it names (to the second).
UTC_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")

#: What a :class:`FileColumns` keeps per file besides the columns: url, hashes,
#: core metadata, size.
FileRest = tuple[str, Hashes, Union[Hashes, None], Union[int, None]]


class FileColumns(Sequence[DistFile]):
    """The files of a project page as columns, each :class:`DistFile` built on first use.

    (:meth:`from_files` keeps the files it is given and hands out those.)

    Candidate selection reads four facts of every file (``filenames``,
    ``upload_times``, ``requires_python``, ``yanked``) but needs whole files
    only for the few versions it picks, so a page with tens of thousands of
    files does not build tens of thousands of objects. ``yanked`` holds None for
    a file that is not yanked, else its reason (``""`` when none was given).
    ``rest`` holds the other fields per file (:data:`FileRest`); it may itself
    be lazy (a cached page decodes one file's entry when asked).

    Indexing, iteration, ``len`` and equality (with a tuple of files too) behave
    as on the tuple of files it stands for.
    """

    __slots__ = ("filenames", "upload_times", "requires_python", "yanked", "rest", "_built", "_utc_times")

    def __init__(
        self,
        filenames: Sequence[str],
        upload_times: Sequence[str | None],
        requires_python: Sequence[str | None],
        yanked: Sequence[str | None],
        rest: Sequence[FileRest],
        *,
        utc_times: bool | None = None,
    ) -> None:
        count = len(filenames)
        if not (len(upload_times) == len(requires_python) == len(yanked) == len(rest) == count):
            raise ValueError("file columns of different lengths")
        self.filenames = filenames
        self.upload_times = upload_times
        self.requires_python = requires_python
        self.yanked = yanked
        self.rest = rest
        self._built: list[DistFile | None] = [None] * count
        self._utc_times = utc_times

    @property
    def utc_times(self) -> bool:
        """Whether every file has an upload time of the form ``YYYY-MM-DDTHH:MM:SS[.f]Z``
        (:data:`UTC_TIME_RE`), so that comparing its first 19 characters with another
        such text compares the instants (computed once; a cached page stores it)."""
        known = self._utc_times
        if known is None:
            match = UTC_TIME_RE.fullmatch
            known = all(
                text is not None and len(text) >= 20 and match(text) is not None for text in self.upload_times
            )
            self._utc_times = known
        return known

    @classmethod
    def from_files(cls, files: Sequence[DistFile]) -> FileColumns:
        """The columns of ``files`` (a file that is not yanked has no reason, as parsers give it)."""
        if isinstance(files, FileColumns):
            return files
        columns = cls(
            [f.filename for f in files],
            [f.upload_time for f in files],
            [f.requires_python for f in files],
            [(f.yanked_reason or "") if f.yanked else None for f in files],
            [(f.url, f.hashes, f.core_metadata, f.size) for f in files],
        )
        columns._built[:] = files  # the files themselves, not copies
        return columns

    def __len__(self) -> int:
        return len(self.filenames)

    def file(self, index: int) -> DistFile:
        """The file at ``index`` (a non-negative position), built once."""
        built = self._built[index]
        if built is None:
            url, hashes, metadata, size = self.rest[index]
            reason = self.yanked[index]
            built = DistFile(
                self.filenames[index],
                url,
                hashes,
                self.requires_python[index],
                reason is not None,
                reason or None,
                metadata,
                self.upload_times[index],
                size,
            )
            self._built[index] = built  # a race builds an equal file twice: harmless
        return built

    def built(self, index: int) -> DistFile | None:
        """The file at ``index`` if it was built already (or given), else None."""
        return self._built[index]

    @overload
    def __getitem__(self, index: int) -> DistFile: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[DistFile, ...]: ...

    def __getitem__(self, index: int | slice) -> DistFile | tuple[DistFile, ...]:
        count = len(self.filenames)
        if isinstance(index, slice):
            return tuple(self.file(i) for i in range(*index.indices(count)))
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError("file index out of range")
        return self.file(index)

    def __iter__(self) -> Iterator[DistFile]:
        file = self.file
        return (file(i) for i in range(len(self.filenames)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (tuple, FileColumns)):
            return len(self) == len(other) and tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"FileColumns({len(self)} files)"


@dataclass(frozen=True, slots=True)
class ProjectPage:
    """A parsed project page.

    ``versions`` is the PEP 700 list (JSON API 1.1+ only, else None).
    ``skipped`` names the listed files that are not distributions. ``files``
    is a tuple, or a :class:`FileColumns` (JSON pages and cached pages).
    """

    name: str
    url: str
    files: Sequence[DistFile]
    versions: tuple[str, ...] | None = None
    api_version: str | None = None
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RootIndex:
    """The root page: every project name as the index spells it."""

    url: str
    projects: tuple[str, ...]
    api_version: str | None = None


@dataclass(frozen=True, slots=True)
class FlatPage:
    """A ``--find-links`` HTML page: files of any project, in page order."""

    url: str
    files: tuple[DistFile, ...]
    skipped: tuple[str, ...] = ()

    def files_for(self, project: str) -> tuple[tuple[DistFilename, DistFile], ...]:
        """The files belonging to ``project``, each with its parsed filename."""
        found: list[tuple[DistFilename, DistFile]] = []
        for file in self.files:
            parsed = try_parse_filename(file.filename, project)
            if parsed is not None:
                found.append((parsed, file))
        return tuple(found)

    def project_names(self) -> tuple[str, ...]:
        """Normalised names inferred from the filenames (legacy dashed sdists best-effort)."""
        names: dict[str, None] = {}
        for file in self.files:
            parsed = try_parse_filename(file.filename)
            if parsed is not None:
                names.setdefault(parsed.name)
        return tuple(names)


# --------------------------------------------------------------------------- helpers


#: Shown with every error about a page whose content cannot be read.
MALFORMED_HINT = (
    "the index, or a proxy between puv and it, sent a damaged page; nothing was cached, "
    "so try again, and tell the index's maintainers if it persists"
)


def charset(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header, lowercased (None if absent)."""
    if not content_type or "charset" not in content_type.lower():
        return None
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'").lower() or None
    return None


def _decode(body: bytes | str, url: str, encoding: str | None) -> str:
    """The page's text: a UTF-8 byte order mark wins, then ``encoding`` (the charset the
    server declared), then UTF-8. Bytes that do not decode make the page malformed (as in
    pip, which decodes strictly); an unknown charset name falls back to UTF-8."""
    if isinstance(body, str):
        return body
    if body.startswith(b"\xef\xbb\xbf"):
        body, encoding = body[3:], "utf-8"
    codec = encoding or "utf-8"
    try:
        return body.decode(codec)
    except LookupError:
        codec = "utf-8"
        try:
            return body.decode(codec)
        except UnicodeDecodeError as exc:
            error = exc
    except UnicodeDecodeError as exc:
        error = exc
    raise IndexFormatError(
        f"the page at {url} is malformed: it is not valid {codec} text "
        f"(byte {body[error.start]:#04x} at offset {error.start})",
        url=url,
        hints=(MALFORMED_HINT,),
    )


#: One component of an API version: ASCII digits, few enough for int().
_API_PART = re.compile(r"[0-9]{1,9}")


def _check_api_version(version: object, url: str) -> str:
    if not isinstance(version, str):
        raise IndexFormatError(f"the page at {url} has no valid API version", url=url)
    major_text, _, minor_text = version.strip().partition(".")
    if not _API_PART.fullmatch(major_text) or (minor_text and not _API_PART.fullmatch(minor_text)):
        raise IndexFormatError(
            f"the page at {url} declares an invalid API version `{version}`", url=url
        )
    if int(major_text) > SUPPORTED_API_VERSION[0]:
        raise IndexFormatError(
            f"the page at {url} uses simple API version {version}, "
            f"which this puv does not support (up to {SUPPORTED_API_VERSION[0]}.x)",
            url=url,
            hints=("upgrade puv, or point it at an index that serves API version 1",),
        )
    return version.strip()


def _join(base: str, href: str, page: str) -> str:
    """``urljoin`` whose failure (a malformed host such as ``//[bad/``) names the page."""
    try:
        return urljoin(base, href)
    except ValueError as exc:
        raise IndexFormatError(f"the page at {page} has an invalid link `{href}`: {exc}", url=page) from None


def _make_resolver(base: str, page: str) -> Callable[[str], str]:
    """A fast ``urljoin(base, href)`` for many hrefs against one base URL.

    Absolute http(s) hrefs are returned as they are. A relative href is split
    into its leading ``./``/``../`` steps and a plain remainder (no dot
    segments, no scheme, no query); the steps are joined once per distinct
    spelling and the remainder appended, which is what RFC 3986 resolution
    gives. Anything else goes through :func:`urllib.parse.urljoin`.
    """
    joined: dict[str, str] = {}

    def resolve(href: str) -> str:
        if href.startswith(("https://", "http://")):
            return href
        i = 0
        while True:
            if href.startswith("../", i):
                i += 3
            elif href.startswith("./", i):
                i += 2
            else:
                break
        rest = href[i:]
        if (
            rest
            and rest[0] != "/"
            and rest[0] != "."
            and "?" not in rest
            and "/." not in rest
            and "//" not in rest
            and ":" not in rest.partition("/")[0]
        ):
            steps = href[:i]
            prefix = joined.get(steps)
            if prefix is None:
                prefix = joined[steps] = _join(base, steps or "./", page)
            return prefix + rest
        return _join(base, href, page)

    return resolve


def _url_filename(url: str) -> str:
    path = url.split("?", 1)[0]
    name = path[path.rfind("/") + 1 :]
    return unquote(name) if "%" in name else name


def _fragment_hashes(fragment: str, url: str, filename: str) -> Hashes:
    if "&" not in fragment:
        try:
            pair = split_hash(fragment)
        except InvalidHash as exc:
            raise IndexFormatError(
                f"the page at {url} lists `{filename}` with an invalid hash: {exc.message}",
                url=url,
            ) from None
        return () if pair is None else (pair,)
    found: list[tuple[str, str]] = []
    for part in fragment.split("&"):
        try:
            pair = split_hash(part)
        except InvalidHash as exc:
            raise IndexFormatError(
                f"the page at {url} lists `{filename}` with an invalid hash: {exc.message}",
                url=url,
            ) from None
        if pair is not None:
            found.append(pair)
    return tuple(found)


def _metadata_attr(value: str, url: str, filename: str) -> Hashes | None:
    value = value.strip()
    if value.lower() == "true":
        return ()
    if "=" in value:
        return _fragment_hashes(value, url, filename) or None
    return None


# --------------------------------------------------------------------------- HTML

# An attribute run inside a tag: unquoted text or whole quoted strings, so a
# quoted ">" does not end the tag. Written unrolled so it cannot backtrack badly.
_ATTRS = r"""[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*"""
_TAG_RE = re.compile(r"<(a|meta)(?=[\s>/])(" + _ATTRS + r")>", re.IGNORECASE)
_BASE_RE = re.compile(r"<base(?=[\s>/])(" + _ATTRS + r")>", re.IGNORECASE)
_ANCHOR_TEXT_RE = re.compile(
    r"<a(?=[\s>/])(" + _ATTRS + r")>([^<]*)</a\s*>", re.IGNORECASE
)
_ATTR_RE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
# A tag (or comment, doctype, end tag) begins: what any HTML page has at least one of.
_TAG_START_RE = re.compile(r"<[A-Za-z!/?]")


def _attributes(text: str) -> dict[str, str]:
    """Attribute names (lowercased) to unescaped values; the first of duplicates wins."""
    pairs = _ATTR_RE.findall(text)
    pairs.reverse()
    attrs = {name.lower(): dq or sq or uq for name, dq, sq, uq in pairs}
    if "&" in text:
        for key, value in attrs.items():
            if "&" in value:
                attrs[key] = _unescape(value)
    return attrs


def _unescape(value: str) -> str:
    """html.unescape, with a fast path for the ``&gt;``/``&lt;`` of requires-python."""
    quick = value.replace("&gt;", ">").replace("&lt;", "<")
    if "&" not in quick:
        return quick
    import html  # noqa: PLC0415 - only pages with other entities pay for it

    return html.unescape(value)


def _prepare_html(body: bytes | str, url: str, encoding: str | None = None) -> str:
    """The page's text (comments removed), or an error when it is not a readable HTML page.

    A page without links is a valid empty listing. Malformed: bytes that do not decode,
    NUL characters (binary data: never in an HTML page, and a memchr-fast test, where a
    search for every control character would cost a tenth of the parse), no tag at all
    (or JSON), and a page that ends inside a tag (cut off or damaged on the way)."""
    text = _decode(body, url, encoding)
    stripped = text.lstrip()
    if not stripped:
        raise IndexFormatError(f"the page at {url} is empty", url=url, hints=(MALFORMED_HINT,))
    if stripped[0] in "{[" or _TAG_START_RE.search(text) is None:
        raise IndexFormatError(
            f"the page at {url} is not HTML",
            url=url,
            hints=("check that the index URL points at a simple repository (PEP 503)",),
        )
    nul = text.find("\x00")
    if nul >= 0:
        raise IndexFormatError(
            f"the page at {url} is malformed: it holds binary data (a NUL character at offset {nul})",
            url=url,
            hints=(MALFORMED_HINT,),
        )
    if "<!--" in text:
        text = _COMMENT_RE.sub("", text)
    last = text.rfind("<")
    if last >= 0 and ">" not in text[last:] and _TAG_START_RE.match(text, last):
        raise IndexFormatError(
            f"the page at {url} is malformed: it ends inside a tag (cut off or damaged)",
            url=url,
            hints=(MALFORMED_HINT,),
        )
    return text


def _html_files(
    text: str, url: str
) -> tuple[tuple[DistFile, ...], tuple[str, ...], str | None]:
    files: list[DistFile] = []
    skipped: list[str] = []
    api_version: str | None = None
    # The first <base> with an href applies to the whole document, even to earlier anchors.
    base_href = ""
    for base in _BASE_RE.finditer(text):
        base_href = _attributes(base.group(1)).get("href", "").strip()
        if base_href:
            break
    resolve = _make_resolver(_join(url, base_href, url) if base_href else url, url)
    for match in _TAG_RE.finditer(text):
        tag = match.group(1).lower()
        attrs = _attributes(match.group(2))
        if tag == "a":
            href = attrs.get("href")
            if href is None:
                continue
            href = href.strip()
            link, _, fragment = href.partition("#")
            try:
                file_url = resolve(link)
            except IndexFormatError:
                skipped.append(href)  # one unusable link does not spoil the page
                continue
            filename = _url_filename(file_url)
            if classify(filename) is None:
                skipped.append(filename or href)
                continue
            hashes = _fragment_hashes(fragment, url, filename) if fragment else ()
            requires_python = attrs.get("data-requires-python")
            if requires_python is not None:
                requires_python = requires_python.strip() or None
            yanked = "data-yanked" in attrs
            reason = attrs.get("data-yanked") or None
            meta_value = attrs.get("data-core-metadata")
            if meta_value is None:
                meta_value = attrs.get("data-dist-info-metadata")
            metadata = None if meta_value is None else _metadata_attr(meta_value, url, filename)
            files.append(
                DistFile(filename, file_url, hashes, requires_python, yanked, reason, metadata)
            )
        elif attrs.get("name", "").lower() == "pypi:repository-version":
            api_version = _check_api_version(attrs.get("content"), url)
    return tuple(files), tuple(skipped), api_version


def parse_project_html(
    body: bytes | str, url: str, project: str, *, encoding: str | None = None
) -> ProjectPage:
    """Parse a PEP 503 project page served at ``url`` for ``project``.

    ``encoding`` is the charset the server declared (:func:`charset`); UTF-8 without one.
    """
    text = _prepare_html(body, url, encoding)
    files, skipped, api_version = _html_files(text, url)
    return ProjectPage(canonicalize_name(project), url, files, None, api_version, skipped)


def parse_find_links_html(body: bytes | str, url: str, *, encoding: str | None = None) -> FlatPage:
    """Parse a flat ``--find-links`` HTML page: every anchor naming a distribution."""
    text = _prepare_html(body, url, encoding)
    files, skipped, _ = _html_files(text, url)
    return FlatPage(url, files, skipped)


def parse_root_html(body: bytes | str, url: str, *, encoding: str | None = None) -> RootIndex:
    """Parse a PEP 503 root page: the anchor texts are the project names."""
    text = _prepare_html(body, url, encoding)
    api_version: str | None = None
    for match in _TAG_RE.finditer(text):
        if match.group(1).lower() == "meta":
            attrs = _attributes(match.group(2))
            if attrs.get("name", "").lower() == "pypi:repository-version":
                api_version = _check_api_version(attrs.get("content"), url)
                break
    names: list[str] = []
    for match in _ANCHOR_TEXT_RE.finditer(text):
        name = match.group(2)
        if "&" in name:
            name = _unescape(name)
        name = name.strip()
        if name:
            names.append(name)
    return RootIndex(url, tuple(names), api_version)


# --------------------------------------------------------------------------- JSON

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _load_json(body: bytes | str, url: str) -> tuple[dict[str, Any], str]:
    import json  # noqa: PLC0415 - lazy: HTML-only runs never import it

    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise IndexFormatError(
            f"the page at {url} is not valid JSON: {exc}", url=url, hints=(MALFORMED_HINT,)
        ) from None
    except RecursionError:
        raise IndexFormatError(
            f"the page at {url} is not valid JSON: nested too deeply", url=url, hints=(MALFORMED_HINT,)
        ) from None
    if not isinstance(data, dict):
        raise IndexFormatError(f"the page at {url} is not a JSON object", url=url, hints=(MALFORMED_HINT,))
    meta = data.get("meta")
    if not isinstance(meta, dict) or "api-version" not in meta:
        raise IndexFormatError(f"the page at {url} has no `meta.api-version`", url=url, hints=(MALFORMED_HINT,))
    return data, _check_api_version(meta["api-version"], url)


def _bad(url: str, what: str) -> IndexFormatError:
    return IndexFormatError(f"the page at {url} is malformed: {what}", url=url, hints=(MALFORMED_HINT,))


def _json_hashes(value: object, url: str, filename: str, key: str) -> Hashes:
    if type(value) is dict and len(value) == 1:  # the common {"sha256": hex}: fast path
        sha256 = value.get("sha256")
        if type(sha256) is str and _SHA256_HEX.fullmatch(sha256) is not None:
            return (("sha256", sha256),)
    if not isinstance(value, dict):
        raise _bad(url, f"`{key}` of `{filename}` is not an object")
    found: list[tuple[str, str]] = []
    for algorithm, hexdigest in value.items():
        if not isinstance(algorithm, str) or not isinstance(hexdigest, str):
            raise _bad(url, f"`{key}` of `{filename}` holds a non-string")
        try:
            pair = hash_pair(algorithm, hexdigest)
        except InvalidHash as exc:
            raise IndexFormatError(
                f"the page at {url} lists `{filename}` with an invalid hash: {exc.message}",
                url=url,
            ) from None
        if pair is not None:  # None: e.g. blake2b, allowed by PEP 691, not used by puv
            found.append(pair)
    return tuple(found)


def _json_metadata(value: object, url: str, filename: str, key: str) -> Hashes | None:
    if value is True:
        return ()
    if value is False or value is None:
        return None
    return _json_hashes(value, url, filename, key)


_JsonRow = tuple[str, Union[str, None], Union[str, None], Union[str, None], FileRest]


def _json_file(item: object, url: str, resolve: Callable[[str], str]) -> _JsonRow | str:
    """One entry of ``files``: (filename, upload time, requires-python, yanked reason or
    None, the rest), or its filename when it is not a distribution."""
    if type(item) is not dict:
        if not isinstance(item, dict):
            raise _bad(url, "an entry of `files` is not an object")
    get = item.get
    filename = get("filename")
    file_url = get("url")
    if type(filename) is not str or not filename:
        if not isinstance(filename, str) or not filename:
            raise _bad(url, "a file has no `filename`")
    if type(file_url) is not str:
        if not isinstance(file_url, str):
            raise _bad(url, f"`{filename}` has no `url`")
    if "hashes" not in item:
        raise _bad(url, f"`{filename}` has no `hashes`")
    if classify(filename) is None:
        return filename
    hashes = _json_hashes(item["hashes"], url, filename, "hashes")
    requires_python = get("requires-python")
    if requires_python is not None:
        if not isinstance(requires_python, str):
            raise _bad(url, f"`requires-python` of `{filename}` is not a string")
        requires_python = requires_python.strip() or None
    yanked_value = get("yanked", False)
    reason: str | None
    if yanked_value is False or yanked_value is None:
        reason = None
    elif yanked_value is True:
        reason = ""
    elif isinstance(yanked_value, str):
        reason = yanked_value
    else:
        raise _bad(url, f"`yanked` of `{filename}` is neither a boolean nor a string")
    if "core-metadata" in item:
        metadata = _json_metadata(item["core-metadata"], url, filename, "core-metadata")
    else:
        metadata = _json_metadata(get("dist-info-metadata"), url, filename, "dist-info-metadata")
    size = get("size")
    if size is not None and (type(size) is not int or size < 0):
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise _bad(url, f"`size` of `{filename}` is not a non-negative integer")
    upload_time = get("upload-time")
    if upload_time is not None and type(upload_time) is not str:
        if not isinstance(upload_time, str):
            raise _bad(url, f"`upload-time` of `{filename}` is not a string")
    if "#" in file_url:
        file_url = file_url.partition("#")[0]
    return filename, upload_time, requires_python, reason, (resolve(file_url), hashes, metadata, size)


def parse_project_json(
    body: bytes | str, url: str, project: str | None = None
) -> ProjectPage:
    """Parse a PEP 691 project page (API 1.x, with the PEP 700 fields of 1.1).

    The files come as :class:`FileColumns`: no :class:`DistFile` is built until asked for.
    """
    data, api_version = _load_json(body, url)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        if project is None:
            raise _bad(url, "no project `name`")
        name = project
    items = data.get("files")
    if not isinstance(items, list):
        raise _bad(url, "`files` is missing or not a list")
    versions_value = data.get("versions")
    versions: tuple[str, ...] | None = None
    if versions_value is not None:
        if not isinstance(versions_value, list) or not all(
            isinstance(v, str) for v in versions_value
        ):
            raise _bad(url, "`versions` is not a list of strings")
        versions = tuple(versions_value)
    resolve = _make_resolver(url, url)
    filenames: list[str] = []
    upload_times: list[str | None] = []
    requires: list[str | None] = []
    yanked: list[str | None] = []
    rest: list[FileRest] = []
    skipped: list[str] = []
    # One object per distinct requires-python text: many files share a few, and the
    # cache then stores each once.
    shared: dict[str, str] = {}
    for item in items:
        result = _json_file(item, url, resolve)
        if isinstance(result, str):
            skipped.append(result)
            continue
        filename, upload_time, requires_python, reason, others = result
        filenames.append(filename)
        upload_times.append(upload_time)
        if requires_python is not None:
            requires_python = shared.setdefault(requires_python, requires_python)
        requires.append(requires_python)
        yanked.append(reason)
        rest.append(others)
    return ProjectPage(
        canonicalize_name(name),
        url,
        FileColumns(filenames, upload_times, requires, yanked, rest),
        versions,
        api_version,
        tuple(skipped),
    )


def parse_root_json(body: bytes | str, url: str) -> RootIndex:
    """Parse a PEP 691 root page (``projects: [{"name": ...}]``)."""
    data, api_version = _load_json(body, url)
    projects = data.get("projects")
    if not isinstance(projects, list):
        raise _bad(url, "`projects` is missing or not a list")
    names: list[str] = []
    for entry in projects:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            raise _bad(url, "a project entry has no `name`")
        names.append(name)
    return RootIndex(url, tuple(names), api_version)


# --------------------------------------------------------------------------- dispatch


def page_format(content_type: str | None, body: bytes | str, url: str) -> str:
    """``"json"`` or ``"html"`` from a Content-Type header (sniffing the body if absent).

    A versioned media type above v1 (``application/vnd.pypi.simple.v2+json``) is an error.
    """
    if content_type:
        media = content_type.split(";", 1)[0].strip().lower()
        prefix = "application/vnd.pypi.simple."
        if media.startswith(prefix):
            version, _, fmt = media[len(prefix) :].partition("+")
            if version not in ("v1", "latest"):
                raise IndexFormatError(
                    f"the page at {url} is served as `{media}`, which puv does not support",
                    url=url,
                    hints=("puv reads simple API version 1 (PEP 691)",),
                )
            if fmt in ("json", "html"):
                return fmt
        elif media == "text/html" or media == "application/xhtml+xml":
            return "html"
        elif media == "application/json" or media.endswith("+json"):
            return "json"
    head = body[:64].lstrip()
    return "json" if head[:1] in ("{", b"{") else "html"


def parse_project_page(
    body: bytes | str, url: str, content_type: str | None, project: str
) -> ProjectPage:
    """Parse a project page in whichever format ``content_type`` says."""
    if page_format(content_type, body, url) == "json":
        return parse_project_json(body, url, project)
    return parse_project_html(body, url, project, encoding=charset(content_type))


def parse_root_page(body: bytes | str, url: str, content_type: str | None) -> RootIndex:
    """Parse a root index page in whichever format ``content_type`` says."""
    if page_format(content_type, body, url) == "json":
        return parse_root_json(body, url)
    return parse_root_html(body, url, encoding=charset(content_type))
