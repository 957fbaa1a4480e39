"""What is installed in a site-packages directory (PEP 376 / PEP 627, PEP 610).

Every ``*.dist-info`` directory is one installed distribution (the recording
installed projects specification); legacy ``*.egg-info`` directories (or
single ``PKG-INFO``-style files written by distutils) are read too.

Listing is cheap by design — a site-packages with 200 distributions costs one
``scandir`` of site-packages, one ``scandir`` per ``.dist-info`` (which tells
whether ``INSTALLER``, ``REQUESTED`` and ``direct_url.json`` exist without
opening them) and a read of the small files that do. Name and version come from
the directory name (``{name}-{version}.dist-info``, as the specification
requires); ``METADATA`` is read only when asked (:meth:`InstalledDist.metadata`).

Not covered: ``.egg-link`` files of ``setup.py develop`` and ``.egg`` directories
(eggs); editable installs are recognised through PEP 610 (``dir_info.editable``).
"""

from __future__ import annotations

import os
from pathlib import Path

from puv.frozen import Frozen
from puv.primitives.names import canonical_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from puv.primitives.metadata import CoreMetadata

DIST_INFO = ".dist-info"
EGG_INFO = ".egg-info"


class DirectUrl(Frozen):
    """A PEP 610 ``direct_url.json``: where a distribution was installed from.

    ``kind`` is ``"archive"``, ``"vcs"``, ``"dir"`` (or ``"unknown"``);
    ``raw`` is the JSON text as read, so the value can be written back unchanged.
    """

    __slots__ = ("url", "kind", "editable", "vcs", "commit_id", "requested_revision", "archive_hash", "subdirectory", "raw")

    url: str
    kind: str
    editable: bool
    vcs: str | None
    commit_id: str | None
    requested_revision: str | None
    archive_hash: str | None  # ``sha256=<hex>`` (the ``hash`` key) or from ``hashes``
    subdirectory: str | None
    raw: str

    def __init__(
        self,
        url: str,
        kind: str,
        editable: bool = False,
        vcs: str | None = None,
        commit_id: str | None = None,
        requested_revision: str | None = None,
        archive_hash: str | None = None,
        subdirectory: str | None = None,
        raw: str = "",
    ) -> None:
        init = object.__setattr__
        init(self, "url", url)
        init(self, "kind", kind)
        init(self, "editable", editable)
        init(self, "vcs", vcs)
        init(self, "commit_id", commit_id)
        init(self, "requested_revision", requested_revision)
        init(self, "archive_hash", archive_hash)
        init(self, "subdirectory", subdirectory)
        init(self, "raw", raw)

    def to_dict(self) -> dict[str, Any]:
        import json

        data: dict[str, Any] = json.loads(self.raw)
        return data

    def display(self) -> str:
        """``url`` with ``@commit`` for VCS (pip freeze style ``name @ <this>``)."""
        if self.kind == "vcs" and self.vcs:
            ref = f"@{self.commit_id}" if self.commit_id else ""
            text = f"{self.vcs}+{self.url}{ref}"
        else:
            text = self.url
        if self.subdirectory:
            text += f"#subdirectory={self.subdirectory}"
        return text


def parse_direct_url(text: str) -> DirectUrl | None:
    """Parse ``direct_url.json`` (PEP 610); None when it is not valid."""
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        return None
    subdirectory = data.get("subdirectory")
    subdirectory = subdirectory if isinstance(subdirectory, str) else None
    dir_info = data.get("dir_info")
    vcs_info = data.get("vcs_info")
    archive_info = data.get("archive_info")
    if isinstance(vcs_info, dict):
        return DirectUrl(
            data["url"],
            "vcs",
            vcs=str(vcs_info.get("vcs")) if vcs_info.get("vcs") else None,
            commit_id=str(vcs_info["commit_id"]) if vcs_info.get("commit_id") else None,
            requested_revision=str(vcs_info["requested_revision"]) if vcs_info.get("requested_revision") else None,
            subdirectory=subdirectory,
            raw=text,
        )
    if isinstance(dir_info, dict):
        return DirectUrl(data["url"], "dir", editable=bool(dir_info.get("editable", False)), subdirectory=subdirectory, raw=text)
    if isinstance(archive_info, dict):
        digest = archive_info.get("hash")
        if not isinstance(digest, str):
            hashes = archive_info.get("hashes")
            if isinstance(hashes, dict) and hashes:
                algorithm = "sha256" if "sha256" in hashes else sorted(hashes)[0]
                digest = f"{algorithm}={hashes[algorithm]}"
            else:
                digest = None
        return DirectUrl(data["url"], "archive", archive_hash=digest, subdirectory=subdirectory, raw=text)
    return DirectUrl(data["url"], "unknown", subdirectory=subdirectory, raw=text)


class InstalledDist(Frozen):
    """One installed distribution.

    ``name`` and ``version`` are as spelled in the directory name (for
    ``.dist-info``: the escaped name, ``foo_bar``); compare names through
    :attr:`canonical_name`. ``path`` is the ``.dist-info``/``.egg-info``
    directory (or egg-info file); ``installer`` is the first line of
    ``INSTALLER`` (None when absent).
    """

    __slots__ = ("name", "version", "path", "kind", "installer", "requested", "direct_url")

    name: str
    version: str
    path: Path
    kind: str  # "dist-info" or "egg-info"
    installer: str | None
    requested: bool
    direct_url: DirectUrl | None

    def __init__(
        self,
        name: str,
        version: str,
        path: Path,
        kind: str = "dist-info",
        installer: str | None = None,
        requested: bool = False,
        direct_url: DirectUrl | None = None,
    ) -> None:
        init = object.__setattr__
        init(self, "name", name)
        init(self, "version", version)
        init(self, "path", path)
        init(self, "kind", kind)
        init(self, "installer", installer)
        init(self, "requested", requested)
        init(self, "direct_url", direct_url)

    @property
    def canonical_name(self) -> str:
        return canonical_name(self.name)

    @property
    def editable(self) -> bool:
        return self.direct_url is not None and self.direct_url.editable

    @property
    def site_packages(self) -> Path:
        return self.path.parent

    @property
    def record_path(self) -> Path | None:
        """``RECORD`` (dist-info) or ``installed-files.txt`` (egg-info); None for an egg-info file."""
        if self.kind == "dist-info":
            return self.path / "RECORD"
        if self.path.is_dir():
            return self.path / "installed-files.txt"
        return None

    def read_bytes(self, name: str) -> bytes | None:
        """A file of the metadata directory; None when absent."""
        try:
            with open(self.path / name, "rb") as handle:
                return handle.read()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def metadata_bytes(self) -> bytes | None:
        if self.kind == "egg-info" and not self.path.is_dir():
            return self.path.read_bytes()
        return self.read_bytes("METADATA" if self.kind == "dist-info" else "PKG-INFO")

    def metadata(self) -> CoreMetadata:
        """Parse ``METADATA`` / ``PKG-INFO`` (read on every call: keep the result)."""
        from puv.errors import MetadataError
        from puv.primitives.metadata import parse_metadata

        data = self.metadata_bytes()
        if data is None:
            raise MetadataError(f"{self.path} has no metadata file", source=str(self.path))
        return parse_metadata(data, source=str(self.path))

    def entry_points_bytes(self) -> bytes | None:
        return self.read_bytes("entry_points.txt")


def _split_dist_info(stem: str) -> tuple[str, str] | None:
    name, sep, version = stem.rpartition("-")
    if not sep or not name or not version:
        return None
    return name, version


def _read_first_line(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read(4096)
    except OSError:
        return None
    line = data.decode("utf-8", "replace").split("\n", 1)[0].strip()
    return line or None


def read_dist_info(path: str | os.PathLike[str]) -> InstalledDist | None:
    """The distribution recorded in one ``*.dist-info`` directory (None if its name is invalid)."""
    path_str = os.fspath(path)
    base = os.path.basename(path_str)
    parsed = _split_dist_info(base[: -len(DIST_INFO)])
    if parsed is None:
        return None
    try:
        names = set(os.listdir(path_str))
    except OSError:
        return None
    installer = _read_first_line(os.path.join(path_str, "INSTALLER")) if "INSTALLER" in names else None
    direct_url = None
    if "direct_url.json" in names:
        try:
            with open(os.path.join(path_str, "direct_url.json"), encoding="utf-8") as handle:
                direct_url = parse_direct_url(handle.read())
        except (OSError, UnicodeDecodeError):
            direct_url = None
    return InstalledDist(
        parsed[0], parsed[1], Path(path_str), "dist-info", installer, "REQUESTED" in names, direct_url
    )


def read_egg_info(path: str | os.PathLike[str]) -> InstalledDist | None:
    """A legacy ``*.egg-info`` directory or file (name and version from the name, else PKG-INFO)."""
    path_str = os.fspath(path)
    stem = os.path.basename(path_str)[: -len(EGG_INFO)]
    parts = stem.split("-")
    name: str | None = parts[0] if parts and parts[0] else None
    version: str | None = parts[1] if len(parts) > 1 and parts[1] else None
    is_dir = os.path.isdir(path_str)
    if version is None or name is None:
        from puv.primitives.metadata import parse_headers

        meta = os.path.join(path_str, "PKG-INFO") if is_dir else path_str
        try:
            with open(meta, "rb") as handle:
                headers = parse_headers(handle.read())
        except OSError:
            return None
        for key, value in headers:
            low = key.lower()
            if low == "name" and value:
                name = value
            elif low == "version" and value:
                version = value
        if name is None or version is None:
            return None
    installer = _read_first_line(os.path.join(path_str, "INSTALLER")) if is_dir else None
    requested = is_dir and os.path.exists(os.path.join(path_str, "REQUESTED"))
    return InstalledDist(name.replace("_", "-"), version, Path(path_str), "egg-info", installer, requested, None)


def list_installed(site_dirs: Iterable[str | os.PathLike[str]]) -> tuple[InstalledDist, ...]:
    """Every distribution installed in ``site_dirs`` (purelib, platlib; duplicates skipped).

    Sorted by canonical name, then version text. A missing directory is empty.
    """
    seen: set[str] = set()
    found: list[tuple[str, str, InstalledDist]] = []
    for site in site_dirs:
        site_str = os.fspath(site)
        real = os.path.realpath(site_str)
        if real in seen:
            continue
        seen.add(real)
        try:
            entries = os.listdir(site_str)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            dist: InstalledDist | None = None
            if entry.endswith(DIST_INFO):
                dist = read_dist_info(os.path.join(site_str, entry))
            elif entry.endswith(EGG_INFO):
                dist = read_egg_info(os.path.join(site_str, entry))
            if dist is not None:
                found.append((canonical_name(dist.name), dist.version, dist))
    found.sort(key=lambda item: (item[0], item[1]))
    return tuple(item[2] for item in found)


def site_dirs_of(paths: Any) -> tuple[str, ...]:
    """``(purelib, platlib)`` of a scheme (a mapping or an ``InstallPaths``), deduplicated."""
    if hasattr(paths, "purelib"):
        purelib, platlib = paths.purelib, paths.platlib
    else:
        purelib, platlib = paths["purelib"], paths["platlib"]
    return (purelib,) if purelib == platlib else (purelib, platlib)


def find_installed(site_dirs: Iterable[str | os.PathLike[str]], name: str) -> tuple[InstalledDist, ...]:
    """The installed distributions named ``name`` (normally zero or one)."""
    wanted = canonical_name(name)
    return tuple(dist for dist in list_installed(site_dirs) if dist.canonical_name == wanted)


# --------------------------------------------------------------------------- local projects' cache info
#
# Is an installed local project still what its directory would build?
#
# A distribution installed from a local project directory (``pip install ./proj``,
# ``-e ./proj``) carries ``puv_cache.json`` in its ``.dist-info`` (listed in
# RECORD, like uv's ``uv_cache.json``): the modification times, in nanoseconds,
# of the project's ``pyproject.toml``, ``setup.py`` and ``setup.cfg`` when it was
# built (``null`` for an absent file)::
#
#     {"timestamps": {"pyproject.toml": 1700000000000000000, "setup.cfg": null, "setup.py": null}}
#
# A later install naming the same directory keeps the distribution only while
# those times are unchanged; otherwise the project is built and installed again
# (its metadata, dependencies included, may have changed). As in uv, edits to
# other files (the sources) do not count, and a distribution from a directory
# without this file (installed by pip, or an older puv) counts as changed.
# It lives here because the no-op install path runs it, and imports this module anyway.

CACHE_INFO_FILE = "puv_cache.json"
KEY_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


def project_timestamps(directory: str) -> dict[str, int | None]:
    """The modification times (ns) of the project's key files; None for an absent one."""
    stamps: dict[str, int | None] = {}
    for name in KEY_FILES:
        try:
            stamps[name] = os.stat(os.path.join(directory, name)).st_mtime_ns
        except OSError:
            stamps[name] = None
    return stamps


def encode_cache_info(stamps: dict[str, int | None]) -> bytes:
    """The ``puv_cache.json`` text for ``stamps``."""
    import json

    return json.dumps({"timestamps": stamps}, sort_keys=True).encode("utf-8")


def file_url_directory(url: str) -> str | None:
    """The local path of a ``file:`` URL; None for any other URL."""
    if not url.lower().startswith("file:"):
        return None
    from urllib.parse import unquote, urlsplit

    path = urlsplit(url).path
    if os.name == "nt":  # pragma: no cover - POSIX in the tests
        from nturl2path import url2pathname

        return str(url2pathname(path))
    return unquote(path)


def cache_info_current(recorded: bytes | None, url: str, subdirectory: str | None = None) -> bool:
    """Whether ``recorded`` (an installed ``puv_cache.json``, None when absent) still
    matches the project directory at ``url`` (its ``subdirectory``, when given). A
    non-``file:`` URL has nothing to compare."""
    directory = file_url_directory(url)
    if directory is None:
        return True
    if subdirectory:
        directory = os.path.join(directory, subdirectory)
    if recorded is None:
        return False
    import json

    try:
        data = json.loads(recorded)
    except ValueError:
        return False
    stamps = data.get("timestamps") if isinstance(data, dict) else None
    return isinstance(stamps, dict) and stamps == project_timestamps(directory)
