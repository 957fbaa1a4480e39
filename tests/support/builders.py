"""Build wheels and sdists for tests from a few lines of data, with only the stdlib.

Wheels follow the binary distribution format (PEP 427, PEP 491): a zip archive named
``{dist}-{version}(-{build})?-{tag}.whl`` holding the package files, an optional
``{dist}-{version}.data/`` directory (``scripts``, ``headers``, ``data``, ``purelib``,
``platlib``), and ``{dist}-{version}.dist-info/`` with ``METADATA`` (core metadata),
``WHEEL``, ``entry_points.txt`` and ``RECORD`` (path, ``sha256=`` urlsafe base64 digest
without padding, size).

Sdists follow the source distribution format (PEP 517 / PEP 625 / PEP 643): a gzipped tar
named ``{dist}-{version}.tar.gz`` with one top directory holding ``PKG-INFO`` and
``pyproject.toml``.

``write_wheel`` and ``write_sdist`` are the low-level writers: they take the exact members,
so tests can make deliberately broken archives (bad RECORD, ``../`` paths, symlinks).
"""

from __future__ import annotations

import base64
import csv
import email.parser
import hashlib
import io
import itertools
import re
import tarfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal

from packaging.requirements import Requirement
from packaging.version import InvalidVersion, Version

GENERATOR = "puv-tests (0.1)"
FIXED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)
FIXED_TAR_MTIME = 1704067200  # 2024-01-01T00:00:00Z

Content = bytes | str


# ---------------------------------------------------------------------------- names


def escape_name(name: str) -> str:
    """The distribution-name part of a wheel or sdist file name (PEP 427 / PEP 625)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def escape_version(version: str) -> str:
    """The version part of a file name: normalized (PEP 440) when valid, ``-`` -> ``_``."""
    try:
        text = str(Version(version))
    except InvalidVersion:
        text = version
    return text.replace("-", "_")


def wheel_filename(name: str, version: str, tag: str = "py3-none-any", build: str | None = None) -> str:
    parts = [escape_name(name), escape_version(version)]
    if build:
        parts.append(build)
    parts.append(tag)
    return "-".join(parts) + ".whl"


def sdist_filename(name: str, version: str) -> str:
    return f"{escape_name(name)}-{escape_version(version)}.tar.gz"


def module_name(name: str) -> str:
    """A Python import name for a distribution name (``foo-bar`` -> ``foo_bar``)."""
    return escape_name(name)


def expand_tag(tag: str) -> list[str]:
    """Expand a compressed tag set (``py2.py3-none-any``) into single tags, in order."""
    interpreters, abis, platforms = tag.split("-")
    return [
        f"{i}-{a}-{p}"
        for i, a, p in itertools.product(interpreters.split("."), abis.split("."), platforms.split("."))
    ]


# ------------------------------------------------------------------------- metadata


def _as_bytes(content: Content) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def extra_requirement(requirement: str, extra: str) -> str:
    """``requirement`` made conditional on ``extra`` (joined with any marker it has)."""
    req = Requirement(requirement)
    marker = req.marker
    req.marker = None
    condition = f'extra == "{extra}"'
    if marker is not None:
        condition = f"({marker}) and {condition}"
    return f"{req}; {condition}"


def core_metadata(
    name: str,
    version: str,
    *,
    metadata_version: str = "2.3",
    requires_dist: Iterable[str] = (),
    requires_python: str | None = None,
    extras: Mapping[str, Sequence[str]] | None = None,
    dynamic: Iterable[str] = (),
    summary: str | None = None,
    extra_headers: Iterable[tuple[str, str]] = (),
) -> bytes:
    """Core metadata (the ``METADATA`` / ``PKG-INFO`` file), in the email header format."""
    lines = [f"Metadata-Version: {metadata_version}", f"Name: {name}", f"Version: {version}"]
    if summary is not None:
        lines.append(f"Summary: {summary}")
    lines.extend(f"Dynamic: {field}" for field in dynamic)
    if requires_python is not None:
        lines.append(f"Requires-Python: {requires_python}")
    lines.extend(f"Requires-Dist: {req}" for req in requires_dist)
    for extra, reqs in (extras or {}).items():
        lines.append(f"Provides-Extra: {extra}")
        lines.extend(f"Requires-Dist: {extra_requirement(req, extra)}" for req in reqs)
    lines.extend(f"{key}: {value}" for key, value in extra_headers)
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def wheel_file(tag: str, *, purelib: bool = True, build: str | None = None) -> bytes:
    lines = ["Wheel-Version: 1.0", f"Generator: {GENERATOR}", f"Root-Is-Purelib: {'true' if purelib else 'false'}"]
    lines.extend(f"Tag: {t}" for t in expand_tag(tag))
    if build:
        lines.append(f"Build: {build}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def entry_points_file(entry_points: Mapping[str, Mapping[str, str]]) -> bytes:
    chunks = []
    for group, entries in entry_points.items():
        body = "".join(f"{key} = {value}\n" for key, value in entries.items())
        chunks.append(f"[{group}]\n{body}")
    return "\n".join(chunks).encode("utf-8")


def record_hash(data: bytes) -> str:
    """``sha256=`` + urlsafe base64 of the digest without ``=`` padding (PEP 376 / 427)."""
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def record_file(members: Mapping[str, bytes], record_path: str) -> bytes:
    """A RECORD listing every member with its hash and size, and itself without either."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for path, data in members.items():
        if path != record_path:
            writer.writerow([path, record_hash(data), str(len(data))])
    writer.writerow([record_path, "", ""])
    return out.getvalue().encode("utf-8")


# --------------------------------------------------------------------------- wheels


def write_wheel(
    path: Path,
    members: Mapping[str, Content],
    *,
    record: Literal["auto"] | Content | None = "auto",
    dist_info: str | None = None,
    modes: Mapping[str, int] | None = None,
) -> Path:
    """Write a zip at ``path`` with exactly ``members`` (in order), plus a RECORD.

    ``record="auto"`` appends a correct ``{dist_info}/RECORD``; bytes/str writes that text
    as the RECORD instead; ``None`` writes none. ``dist_info`` defaults to the first
    ``*.dist-info`` directory among the members. ``modes`` gives unix modes per member
    (``0o755`` for executables, ``0o120777`` with the target as content for a symlink).
    """
    data = {name: _as_bytes(content) for name, content in members.items()}
    if record is not None:
        if dist_info is None:
            dist_info = next(
                (n.split("/", 1)[0] for n in data if n.split("/", 1)[0].endswith(".dist-info")),
                None,
            )
            if dist_info is None:
                raise ValueError("no .dist-info directory among the members; pass dist_info=")
        record_path = f"{dist_info}/RECORD"
        data[record_path] = record_file(data, record_path) if record == "auto" else _as_bytes(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in data.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = (modes or {}).get(name, 0o644)
            info.external_attr = (mode & 0xFFFF) << 16
            if mode & 0o170000 == 0:
                info.external_attr |= 0o100000 << 16  # regular file
            zf.writestr(info, content)
    return path


def build_wheel(
    dest_dir: Path,
    name: str,
    version: str,
    *,
    requires_dist: Iterable[str] = (),
    requires_python: str | None = None,
    extras: Mapping[str, Sequence[str]] | None = None,
    tag: str = "py3-none-any",
    build: str | None = None,
    files: Mapping[str, Content] | None = None,
    entry_points: Mapping[str, Mapping[str, str]] | None = None,
    data_files: Mapping[str, Content] | None = None,
    metadata_version: str = "2.3",
    purelib: bool = True,
    metadata: Content | None = None,
    extra_dist_info: Mapping[str, Content] | None = None,
) -> Path:
    """Build a valid wheel in ``dest_dir`` and return its path.

    ``files`` are the archive-root files (default: ``{module}/__init__.py`` with a
    ``__version__``); ``data_files`` go under ``{dist}-{ver}.data/`` keyed by their path in
    it (``"scripts/foo"``, ``"data/share/x"``, ``"headers/x.h"``); ``metadata`` replaces
    the generated METADATA text; ``extra_dist_info`` adds more files to the dist-info
    directory (``INSTALLER``, ``direct_url.json``, ...).
    """
    stem = f"{escape_name(name)}-{escape_version(version)}"
    dist_info = f"{stem}.dist-info"
    if files is None:
        files = {f"{module_name(name)}/__init__.py": f'__version__ = "{version}"\n'}
    members: dict[str, Content] = dict(files)
    modes: dict[str, int] = {}
    for rel, content in (data_files or {}).items():
        member = f"{stem}.data/{rel}"
        members[member] = content
        if rel.startswith("scripts/"):
            modes[member] = 0o755
    if metadata is None:
        metadata = core_metadata(
            name,
            version,
            metadata_version=metadata_version,
            requires_dist=requires_dist,
            requires_python=requires_python,
            extras=extras,
        )
    members[f"{dist_info}/METADATA"] = metadata
    members[f"{dist_info}/WHEEL"] = wheel_file(tag, purelib=purelib, build=build)
    if entry_points:
        members[f"{dist_info}/entry_points.txt"] = entry_points_file(entry_points)
    for rel, content in (extra_dist_info or {}).items():
        members[f"{dist_info}/{rel}"] = content
    path = Path(dest_dir) / wheel_filename(name, version, tag, build)
    return write_wheel(path, members, dist_info=dist_info, modes=modes)


# --------------------------------------------------------------------------- sdists


def write_sdist(path: Path, members: Mapping[str, Content], *, modes: Mapping[str, int] | None = None) -> Path:
    """Write a gzipped tar at ``path`` with exactly ``members`` (paths as given)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tf:
        for name, content in members.items():
            data = _as_bytes(content)
            info = tarfile.TarInfo(name)
            info.mtime = FIXED_TAR_MTIME
            mode = (modes or {}).get(name, 0o644)
            if mode & 0o170000 == 0o120000:
                info.type = tarfile.SYMTYPE
                info.linkname = data.decode("utf-8")
                info.mode = 0o777
                tf.addfile(info)
                continue
            info.mode = mode & 0o7777
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def _toml_str(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _toml_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(_toml_str(v) for v in values) + "]"


def pyproject_toml(
    name: str,
    version: str,
    *,
    requires_dist: Iterable[str] = (),
    requires_python: str | None = None,
    extras: Mapping[str, Sequence[str]] | None = None,
    dynamic: Iterable[str] = (),
    build_backend: str = "flit_core.buildapi",
    build_requires: Iterable[str] = ("flit_core>=3.9,<4",),
    backend_path: Sequence[str] | None = None,
) -> str:
    """A minimal PEP 517/621 ``pyproject.toml`` (``dynamic`` uses pyproject field names)."""
    dynamic = list(dynamic)
    lines = ["[build-system]", f"requires = {_toml_list(build_requires)}", f"build-backend = {_toml_str(build_backend)}"]
    if backend_path is not None:
        lines.append(f"backend-path = {_toml_list(backend_path)}")
    lines += ["", "[project]", f"name = {_toml_str(name)}"]
    if "version" not in dynamic:
        lines.append(f"version = {_toml_str(version)}")
    if requires_python is not None and "requires-python" not in dynamic:
        lines.append(f"requires-python = {_toml_str(requires_python)}")
    if "dependencies" not in dynamic:
        lines.append(f"dependencies = {_toml_list(requires_dist)}")
    if dynamic:
        lines.append(f"dynamic = {_toml_list(dynamic)}")
    if extras and "optional-dependencies" not in dynamic:
        lines += ["", "[project.optional-dependencies]"]
        lines += [f"{_toml_str(extra)} = {_toml_list(reqs)}" for extra, reqs in extras.items()]
    return "\n".join(lines) + "\n"


def build_sdist(
    dest_dir: Path,
    name: str,
    version: str,
    *,
    requires_dist: Iterable[str] = (),
    requires_python: str | None = None,
    extras: Mapping[str, Sequence[str]] | None = None,
    pkg_info_version: str = "2.2",
    dynamic: Iterable[str] = (),
    pyproject: str | None = None,
    build_backend: str = "flit_core.buildapi",
    build_requires: Iterable[str] = ("flit_core>=3.9,<4",),
    backend: Literal["named", "inline"] = "named",
    files: Mapping[str, Content] | None = None,
    pkg_info: Content | None = None,
) -> Path:
    """Build ``{dist}-{version}.tar.gz`` in ``dest_dir`` and return its path.

    ``dynamic`` lists core-metadata field names (``Requires-Dist``) written as ``Dynamic:``
    lines in PKG-INFO (PEP 643). ``pyproject`` replaces the generated pyproject.toml;
    ``files`` are paths inside the top directory (default ``{module}/__init__.py``);
    ``pkg_info`` replaces the generated PKG-INFO. ``backend="named"`` points
    pyproject.toml at ``build_backend`` / ``build_requires``; ``backend="inline"`` ships a
    tiny in-tree backend (``backend-path = ["."]``, no build requirements) so the sdist
    builds offline into a wheel whose METADATA is this PKG-INFO.
    """
    requires_dist = list(requires_dist)
    dynamic = list(dynamic)
    top = f"{escape_name(name)}-{escape_version(version)}"
    if pkg_info is None:
        pkg_info = core_metadata(
            name,
            version,
            metadata_version=pkg_info_version,
            requires_dist=requires_dist,
            requires_python=requires_python,
            extras=extras,
            dynamic=dynamic,
        )
    backend_path: list[str] | None = None
    if backend == "inline":
        build_backend, build_requires, backend_path = INLINE_BACKEND_MODULE, (), ["."]
    if pyproject is None:
        pyproject = pyproject_toml(
            name,
            version,
            requires_dist=requires_dist,
            requires_python=requires_python,
            extras=extras,
            dynamic=[_PYPROJECT_FIELD.get(field.lower(), field.lower()) for field in dynamic],
            build_backend=build_backend,
            build_requires=build_requires,
            backend_path=backend_path,
        )
    if files is None:
        files = {f"{module_name(name)}/__init__.py": f'__version__ = "{version}"\n'}
    members: dict[str, Content] = {f"{top}/PKG-INFO": pkg_info, f"{top}/pyproject.toml": pyproject}
    if backend == "inline":
        members[f"{top}/{INLINE_BACKEND_MODULE}.py"] = INLINE_BACKEND_SOURCE
    members.update({f"{top}/{rel}": content for rel, content in files.items()})
    return write_sdist(Path(dest_dir) / sdist_filename(name, version), members)


INLINE_BACKEND_MODULE = "puv_test_backend"

# A tiny in-tree PEP 517 backend written into sdists built with ``backend="inline"``, so
# tests can build them without network or build dependencies. It turns PKG-INFO into
# METADATA and packs every other file of the tree (bar its own) into a py3-none-any wheel.
INLINE_BACKEND_SOURCE = """\
\"\"\"Minimal in-tree PEP 517 build backend used by puv's tests.\"\"\"
import base64, csv, email.parser, hashlib, io, os, re, zipfile

_SKIP = {"PKG-INFO", "pyproject.toml", "puv_test_backend.py"}


def _meta():
    with open("PKG-INFO", "rb") as fh:
        data = fh.read()
    msg = email.parser.BytesHeaderParser().parsebytes(data)
    stem = re.sub(r"[-_.]+", "_", msg["Name"]).lower() + "-" + msg["Version"].replace("-", "_")
    return data, stem


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    data, stem = _meta()
    dist_info = os.path.join(metadata_directory, stem + ".dist-info")
    os.makedirs(dist_info, exist_ok=True)
    with open(os.path.join(dist_info, "METADATA"), "wb") as fh:
        fh.write(data)
    return stem + ".dist-info"


def _hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    data, stem = _meta()
    members = {}
    for root, dirs, files in os.walk("."):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "build", "dist") and not d.startswith("."))
        for name in sorted(files):
            rel = os.path.relpath(os.path.join(root, name), ".").replace(os.sep, "/")
            if rel not in _SKIP:
                with open(rel, "rb") as fh:
                    members[rel] = fh.read()
    dist_info = stem + ".dist-info"
    members[dist_info + "/METADATA"] = data
    members[dist_info + "/WHEEL"] = (
        b"Wheel-Version: 1.0\\nGenerator: puv-test-backend\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\\n")
    for rel, content in members.items():
        writer.writerow([rel, _hash(content), len(content)])
    writer.writerow([dist_info + "/RECORD", "", ""])
    members[dist_info + "/RECORD"] = out.getvalue().encode()
    filename = stem + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, content in members.items():
            zf.writestr(rel, content)
    return filename


build_editable = build_wheel
get_requires_for_build_editable = get_requires_for_build_wheel
"""


_PYPROJECT_FIELD = {
    "requires-dist": "dependencies",
    "provides-extra": "optional-dependencies",
    "requires-python": "requires-python",
    "version": "version",
}


# -------------------------------------------------------------------------- reading


def read_metadata(path: Path) -> bytes | None:
    """The core metadata bytes of a wheel (``METADATA``) or sdist (``PKG-INFO``), if any."""
    name = path.name
    try:
        if name.endswith(".whl"):
            with zipfile.ZipFile(path) as zf:
                for member in zf.namelist():
                    top, _, rest = member.partition("/")
                    if top.endswith(".dist-info") and rest == "METADATA":
                        return zf.read(member)
        elif name.endswith((".tar.gz", ".tgz")):
            with tarfile.open(path, "r:gz") as tf:
                for info in tf.getmembers():
                    parts = info.name.split("/")
                    if len(parts) == 2 and parts[1] == "PKG-INFO" and info.isfile():
                        fh = tf.extractfile(info)
                        return fh.read() if fh else None
        elif name.endswith(".zip"):
            with zipfile.ZipFile(path) as zf:
                for member in zf.namelist():
                    parts = member.split("/")
                    if len(parts) == 2 and parts[1] == "PKG-INFO":
                        return zf.read(member)
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError):
        return None
    return None


def metadata_field(metadata: bytes, field: str) -> str | None:
    """One header of core metadata (first occurrence), or None."""
    message = email.parser.BytesHeaderParser().parsebytes(metadata)
    value = message.get(field)
    return None if value is None else str(value)


def verify_record(path: Path) -> list[str]:
    """Problems with a wheel's RECORD (missing entries, wrong hash or size); empty if fine."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        record_path = next((n for n in names if n.endswith(".dist-info/RECORD") and n.count("/") == 1), None)
        if record_path is None:
            return ["no RECORD"]
        rows = {row[0]: row for row in csv.reader(io.StringIO(zf.read(record_path).decode("utf-8"))) if row}
        for member in names:
            row = rows.get(member)
            if row is None:
                problems.append(f"{member}: not in RECORD")
            elif member != record_path:
                data = zf.read(member)
                if row[1] != record_hash(data) or row[2] != str(len(data)):
                    problems.append(f"{member}: hash or size mismatch")
        problems.extend(f"{row}: in RECORD but not in the archive" for row in rows if row not in names)
    return problems
