"""Render simple repository API pages for the test index (pure functions, no IO but the
static-tree writer at the end).

- PEP 503: HTML project list and project pages; anchors carry a ``#sha256=`` fragment,
  ``data-requires-python`` (HTML-escaped) and ``data-yanked`` (PEP 592).
- PEP 658 / PEP 714: ``data-dist-info-metadata`` and ``data-core-metadata`` attributes
  (``sha256=<hex>``) when a ``<file URL>.metadata`` file exists.
- PEP 629: ``<meta name="pypi:repository-version">``.
- PEP 691: the JSON form (``application/vnd.pypi.simple.v1+json``) with ``meta.api-version``;
  PEP 700 adds ``versions``, ``size`` and ``upload-time``.
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from tests.support.builders import metadata_field, read_metadata

API_VERSION = "1.1"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_V1_TYPE = "application/vnd.pypi.simple.v1+html"
DEFAULT_UPLOAD_TIME = "2024-01-01T00:00:00.000000Z"

UrlFor = Callable[["IndexFile"], str]


@dataclass(frozen=True)
class IndexFile:
    """One published file and what the index says about it."""

    filename: str
    project: str  # normalized name
    version: str | None
    data: bytes = field(repr=False)
    sha256: str  # the advertised hash (hex); may differ from the data on purpose
    requires_python: str | None = None
    yanked: bool | str = False
    upload_time: str | None = DEFAULT_UPLOAD_TIME
    metadata: bytes | None = field(default=None, repr=False)  # served at <url>.metadata (PEP 658)
    metadata_sha256: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


def project_of(filename: str) -> tuple[str, str | None]:
    """Normalized project name and version from a wheel or sdist file name."""
    if filename.endswith(".whl"):
        name, version, _, _ = parse_wheel_filename(filename)
        return str(name), str(version)
    name, sversion = parse_sdist_filename(filename)
    return str(name), str(sversion)


def make_index_file(
    path: Path,
    *,
    yanked: bool | str = False,
    upload_time: str | None = DEFAULT_UPLOAD_TIME,
    requires_python: str | None = None,
    project: str | None = None,
    sha256: str | None = None,
    metadata: bytes | None = None,
    with_metadata: bool = True,
) -> IndexFile:
    """Describe ``path`` for the index: hashes, metadata, requires-python read from the file
    unless given. ``sha256`` / ``metadata`` override what is advertised or served."""
    data = path.read_bytes()
    version: str | None = None
    if project is None:
        try:
            project, version = project_of(path.name)
        except ValueError:
            project = None
    if metadata is None and with_metadata and path.name.endswith(".whl"):
        metadata = read_metadata(path)
    file_metadata = metadata if metadata is not None else read_metadata(path)
    if project is None:
        name = metadata_field(file_metadata, "Name") if file_metadata else None
        if name is None:
            raise ValueError(f"cannot tell the project of {path.name}; pass project=")
        project = name
    if requires_python is None and file_metadata is not None:
        requires_python = metadata_field(file_metadata, "Requires-Python")
    return IndexFile(
        filename=path.name,
        project=canonicalize_name(project),
        version=version,
        data=data,
        sha256=sha256 if sha256 is not None else hashlib.sha256(data).hexdigest(),
        requires_python=requires_python,
        yanked=yanked,
        upload_time=upload_time,
        metadata=metadata if with_metadata else None,
        metadata_sha256=hashlib.sha256(metadata).hexdigest() if metadata is not None and with_metadata else None,
    )


def _anchor(file: IndexFile, url: str, *, metadata: bool) -> str:
    attrs = [f'href="{html.escape(url, quote=True)}#sha256={file.sha256}"']
    if file.requires_python is not None:
        attrs.append(f'data-requires-python="{html.escape(file.requires_python, quote=True)}"')
    if file.yanked is not False:
        reason = "" if file.yanked is True else str(file.yanked)
        attrs.append(f'data-yanked="{html.escape(reason, quote=True)}"')
    if metadata and file.metadata_sha256 is not None:
        attrs.append(f'data-dist-info-metadata="sha256={file.metadata_sha256}"')
        attrs.append(f'data-core-metadata="sha256={file.metadata_sha256}"')
    return f"    <a {' '.join(attrs)}>{html.escape(file.filename)}</a><br />"


def _html_page(title: str, body_lines: Iterable[str]) -> bytes:
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "  <head>",
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">',
        f"    <title>{html.escape(title)}</title>",
        "  </head>",
        "  <body>",
        f"    <h1>{html.escape(title)}</h1>",
        *body_lines,
        "  </body>",
        "</html>",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


def root_html(projects: Iterable[str], project_url: Callable[[str], str]) -> bytes:
    anchors = [
        f'    <a href="{html.escape(project_url(p), quote=True)}">{html.escape(p)}</a><br />'
        for p in sorted(projects)
    ]
    return _html_page("Simple index", anchors)


def root_json(projects: Iterable[str]) -> bytes:
    doc = {"meta": {"api-version": API_VERSION}, "projects": [{"name": p} for p in sorted(projects)]}
    return json.dumps(doc, indent=1).encode("utf-8")


def project_html(project: str, files: Sequence[IndexFile], url_for: UrlFor, *, metadata: bool = True) -> bytes:
    return _html_page(f"Links for {project}", [_anchor(f, url_for(f), metadata=metadata) for f in files])


def _version_key(text: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(text))
    except InvalidVersion:
        return (0, text)


def project_json(project: str, files: Sequence[IndexFile], url_for: UrlFor, *, metadata: bool = True) -> bytes:
    entries: list[dict[str, object]] = []
    for f in files:
        entry: dict[str, object] = {"filename": f.filename, "url": url_for(f), "hashes": {"sha256": f.sha256}}
        if f.requires_python is not None:
            entry["requires-python"] = f.requires_python
        entry["yanked"] = f.yanked
        if metadata and f.metadata_sha256 is not None:
            entry["core-metadata"] = {"sha256": f.metadata_sha256}
            entry["dist-info-metadata"] = {"sha256": f.metadata_sha256}
        entry["size"] = f.size
        if f.upload_time is not None:
            entry["upload-time"] = f.upload_time
        entries.append(entry)
    versions = sorted({f.version for f in files if f.version is not None}, key=_version_key)
    doc = {
        "meta": {"api-version": API_VERSION},
        "name": project,
        "versions": versions,
        "files": entries,
    }
    return json.dumps(doc, indent=1).encode("utf-8")


def links_html(files: Sequence[IndexFile], url_for: UrlFor, *, metadata: bool = True) -> bytes:
    """A flat ``--find-links`` page listing every file."""
    return _html_page("Links", [_anchor(f, url_for(f), metadata=metadata) for f in files])


def write_static_index(dest: Path, paths: Iterable[Path], *, metadata: bool = True) -> Path:
    """Write a static PEP 503 tree for ``file://`` index tests and return ``dest/simple``.

    Files are copied to ``dest/files/`` (with ``<file>.metadata`` beside wheels when
    ``metadata``); pages go to ``dest/simple/index.html`` and
    ``dest/simple/<name>/index.html`` with relative links.
    """
    files_dir = dest / "files"
    files_dir.mkdir(parents=True, exist_ok=True)
    by_project: dict[str, list[IndexFile]] = {}
    for path in paths:
        entry = make_index_file(path, with_metadata=metadata)
        shutil.copyfile(path, files_dir / path.name)
        if entry.metadata is not None:
            (files_dir / f"{path.name}.metadata").write_bytes(entry.metadata)
        by_project.setdefault(entry.project, []).append(entry)
    simple = dest / "simple"
    simple.mkdir(parents=True, exist_ok=True)
    (simple / "index.html").write_bytes(root_html(by_project, lambda p: f"{p}/"))
    for project, entries in by_project.items():
        (simple / project).mkdir(exist_ok=True)
        page = project_html(project, entries, lambda f: f"../../files/{quote(f.filename)}", metadata=metadata)
        (simple / project / "index.html").write_bytes(page)
    return simple
