"""Install one unpacked wheel into an environment (the binary distribution format, PEP 427/491).

The wheel was unpacked once into the cache (``archive-v1/<project>/<sha256>/``:
the archive's members plus a ``.puv-complete`` marker that is never installed).
:func:`install_wheel` places it into an install scheme:

* files at the archive root go to ``purelib`` or ``platlib`` (``Root-Is-Purelib``);
* ``{name}-{version}.data/<key>/...`` go to the scheme path ``<key>`` (``purelib``,
  ``platlib``, ``scripts``, ``data``, ``headers``); ``headers`` is the scheme's
  headers directory plus the distribution name, as pip does
  (``<venv>/include/site/python3.X/<name>``);
* ``[console_scripts]`` / ``[gui_scripts]`` entry points become launchers in
  ``scripts`` (see :mod:`.scripts`), ``.data/scripts`` files starting with
  ``#!python`` get the target interpreter's shebang;
* ``.dist-info`` gets ``INSTALLER``, ``REQUESTED`` (when requested),
  ``direct_url.json`` (PEP 610, when given) and a new ``RECORD`` listing every
  installed file relative to the directory holding ``.dist-info`` (``../../../bin/x``
  for scripts), with sha256 and size (PEP 376/627).

Validation happens before anything is written: one ``.dist-info`` directory
whose name and version match the wheel's; a ``METADATA`` file whose ``Name`` and
``Version`` match them too; a ``WHEEL`` file with
``Wheel-Version`` 1.x; a ``RECORD`` that lists every file (bar its own
signature files) with no absolute or ``..`` path, and no row for a missing
file. How much more is checked is ``verify``: ``"size"`` (the default) compares
each file's size with ``RECORD`` (one ``stat`` per file, ~2.5 µs), ``"hash"`` also
hashes every file, ``"presence"`` stops at the listing checks. Hashes are not
checked by default: the cache entry is content-addressed by the wheel's sha256,
which the downloader checked against the index, so re-hashing every file on
every install would only re-prove that. The unpacked files are
trusted for their *names* (the unpacker refused unsafe members and symlinks).

Files are linked from the cache with the caller's link mode (:mod:`puv.io.fs`);
files whose content changes (rewritten scripts, launchers, ``INSTALLER``,
``REQUESTED``, ``direct_url.json``, ``RECORD``) are written, never linked — and
never written through an existing path (it may be a hard link into the cache).

Atomicity: the ``.dist-info`` directory, which is what makes a distribution
*installed* for every tool, is assembled in a hidden sibling directory and
renamed into place last, in one ``rename``. Before that, every other file is
placed directly at its final path; an existing file there is moved aside first.
On any exception (including ``KeyboardInterrupt``) the files placed so far are
removed, the moved-aside files are put back and the directories created are
removed again, so a failed install leaves the environment as it was. A process
killed outright leaves files but no ``.dist-info``: the next run sees the
distribution absent, installs it again and overwrites the leftovers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from puv.domain.installer.site import InstalledDist, parse_direct_url
from puv.errors import InstallError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from typing import Any

    from puv.io.fs import Linker

    Row = tuple[str, str, str]  # a RECORD row: path, hash text, size text

#: Written into the cache next to the members; never installed.
COMPLETE_MARKER = ".puv-complete"
#: Files of the wheel's .dist-info that the installer writes itself.
GENERATED_DIST_INFO = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json", "puv_cache.json"})
SCHEME_KEYS = ("purelib", "platlib", "scripts", "data", "headers")


class InvalidWheel(InstallError):
    """The wheel breaks the binary distribution format; nothing was installed."""

    def __init__(self, message: str, *, filename: str, hints: Sequence[str] = (), causes: Sequence[str] = ()) -> None:
        super().__init__(message, hints=hints, causes=causes)
        self.filename = filename


class WheelPathEscape(InvalidWheel):
    """A RECORD path is absolute or climbs out with ``..``."""


class RecordMismatch(InvalidWheel):
    """The wheel's files and its RECORD disagree."""


@dataclass(frozen=True, slots=True)
class InstalledWheel:
    """What :func:`install_wheel` did."""

    dist: InstalledDist
    files: int  # rows in the new RECORD (RECORD itself included)
    linked: int  # files placed from the cache with the link mode
    written: int  # files written (scripts, launchers, generated .dist-info files)
    link_mode: str  # the mode in effect at the end (after any fallback)


# --------------------------------------------------------------------------- scanning


def _scan(root: str, label: str) -> tuple[list[str], dict[str, os.DirEntry[str]]]:
    """Relative ``/`` paths of the files under ``root`` and their directory entries."""
    files: list[str] = []
    entries: dict[str, os.DirEntry[str]] = {}
    stack: list[tuple[str, str]] = [("", root)]
    while stack:
        prefix, directory = stack.pop()
        with os.scandir(directory) as scan:
            for entry in scan:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    stack.append((rel + "/", entry.path))
                elif entry.is_file(follow_symlinks=False):
                    if rel == COMPLETE_MARKER:
                        continue
                    files.append(rel)
                    entries[rel] = entry
                else:
                    raise InvalidWheel(f"{label} contains `{rel}`, which is not a regular file", filename=label)
    return files, entries


def _check_record_path(path: str, label: str) -> None:
    if (
        path.startswith(("/", "\\"))
        or (len(path) > 1 and path[1] == ":")
        or ".." in path.replace("\\", "/").split("/")
        or "\x00" in path
    ):
        raise WheelPathEscape(
            f"{label} has a RECORD entry that escapes the install directory: `{path}`",
            filename=label,
            hints=["the wheel is malformed or malicious; it was not installed"],
        )


def _same_version(a: str, b: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def _find_dist_info(files: Iterable[str], dist_name: str, version: str, label: str) -> str:
    from packaging.utils import canonicalize_name

    tops = {rel.partition("/")[0] for rel in files if "/" in rel}
    infos = sorted(top for top in tops if top.endswith(".dist-info"))
    if not infos:
        raise InvalidWheel(f"{label} has no .dist-info directory", filename=label)
    if len(infos) > 1:
        raise InvalidWheel(
            f"{label} has more than one .dist-info directory: {', '.join(infos)}", filename=label
        )
    info = infos[0]
    name_part, sep, version_part = info[: -len(".dist-info")].rpartition("-")
    if not sep or canonicalize_name(name_part) != canonicalize_name(dist_name):
        raise InvalidWheel(
            f"{label}: the .dist-info directory `{info}` does not match the distribution name `{dist_name}`",
            filename=label,
        )
    if not _same_version(version_part, version):
        raise InvalidWheel(
            f"{label}: the .dist-info directory `{info}` does not match the version `{version}`",
            filename=label,
        )
    return info


def _check_metadata_identity(data: bytes, info_dir: str, dist_name: str, version: str, label: str) -> None:
    """``METADATA``'s ``Name`` and ``Version`` must be the wheel's (and so its ``.dist-info``'s)."""
    from packaging.utils import canonicalize_name

    from puv.primitives.metadata import parse_headers

    fields: dict[str, str] = {}
    for key, value in parse_headers(data):
        fields.setdefault(key.lower(), value)
    source = f"{info_dir}/METADATA"
    for field in ("name", "version"):
        if not fields.get(field):
            raise InvalidWheel(f"{label}: {source} has no {field.capitalize()} field", filename=label)
    if canonicalize_name(fields["name"]) != canonicalize_name(dist_name):
        raise InvalidWheel(
            f"{label}: {source} names the distribution `{fields['name']}`, but the wheel and its "
            f".dist-info directory are `{dist_name}`",
            filename=label,
            hints=["the wheel is malformed or malicious; it was not installed"],
        )
    if not _same_version(fields["version"], version):
        raise InvalidWheel(
            f"{label}: {source} says version `{fields['version']}`, but the wheel and its "
            f".dist-info directory are version `{version}`",
            filename=label,
            hints=["the wheel is malformed or malicious; it was not installed"],
        )


def _scheme_dict(paths: Mapping[str, str] | Any, dist_name: str) -> dict[str, str]:
    if hasattr(paths, "purelib"):
        scheme = {key: getattr(paths, key) for key in SCHEME_KEYS}
    else:
        scheme = {key: paths[key] for key in SCHEME_KEYS}
    scheme["headers"] = os.path.join(scheme["headers"], dist_name)
    return scheme


def _entry_wrapper_name(name: str) -> str:
    """The entry point a setuptools-made script stands for (pip skips those)."""
    lower = name.lower()
    if lower.endswith((".exe", ".pya")):
        return name[:-4]
    if lower.endswith("-script.py"):
        return name[:-10]
    return name


def _make_dirs(directories: Iterable[str]) -> list[str]:
    """Create each directory (parents first); returns those that did not exist."""
    created: list[str] = []
    mkdir = os.mkdir
    for directory in sorted(directories):
        try:
            mkdir(directory)
        except FileExistsError:
            continue
        except FileNotFoundError:
            missing = []
            path = directory
            while not os.path.isdir(path):
                missing.append(path)
                parent = os.path.dirname(path)
                if parent == path:
                    break
                path = parent
            for path in reversed(missing):
                try:
                    mkdir(path)
                except FileExistsError:
                    continue  # another wheel installing in parallel made it first
                created.append(path)
            continue
        created.append(directory)
    return created


def _hashed(path: str, data: bytes) -> Row:
    from puv.primitives.record import record_hash

    return (path, str(record_hash(data)), str(len(data)))


def _parse_record(data: bytes, label: str, source: str) -> dict[str, Row]:
    """RECORD rows by path (directory rows dropped); paths checked, hashes kept as text."""
    import csv
    import io

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise RecordMismatch(f"{label}: {source} is not UTF-8", filename=label) from None
    rows: dict[str, Row] = {}
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            if not row or not row[0]:
                if row and any(cell.strip() for cell in row):
                    raise RecordMismatch(f"{label}: {source} has a row with an empty path", filename=label)
                continue
            if len(row) > 3:
                raise RecordMismatch(
                    f"{label}: {source} has a row with {len(row)} columns: `{','.join(row)}`", filename=label
                )
            path = row[0]
            if path[0] in "/\\" or ".." in path or "\x00" in path or path[1:2] == ":":
                _check_record_path(path, label)
            if path[-1] == "/":
                continue
            rows[path] = (path, row[1] if len(row) > 1 else "", row[2] if len(row) > 2 else "")
    except csv.Error as error:
        raise RecordMismatch(f"{label}: {source} is not valid CSV: {error}", filename=label) from None
    return rows


# --------------------------------------------------------------------------- install


def install_wheel(
    unpacked_dir: str | os.PathLike[str],
    *,
    dist_name: str,
    version: str,
    interpreter_paths: Mapping[str, str] | Any,
    python_executable: str,
    filename: str | None = None,
    link_mode: str = "hardlink",
    requested: bool = False,
    direct_url: Mapping[str, Any] | None = None,
    installer: str = "puv",
    on_fallback_warning: Callable[[str], None] | None = None,
    verify: str = "size",
    linker: Linker | None = None,
    extra_files: Sequence[tuple[str, bytes]] = (),
) -> InstalledWheel:
    """Install the wheel unpacked at ``unpacked_dir`` into the scheme ``interpreter_paths``.

    ``interpreter_paths`` is an ``InstallPaths`` or a mapping with ``purelib``,
    ``platlib``, ``scripts``, ``data`` and ``headers`` (the headers base; the
    distribution name is appended). ``python_executable`` goes into shebangs.
    Pass one shared ``linker`` (:class:`puv.io.fs.Linker`) for every wheel of a
    run so a link-mode fallback is found and reported once; without one,
    ``link_mode`` and ``on_fallback_warning`` make a Linker for this wheel.
    ``extra_files`` are more ``(name, content)`` files puv writes into the
    ``.dist-info`` (and RECORD), such as ``puv_cache.json``.
    Raises :class:`InvalidWheel` (nothing written) or :class:`InstallError`
    (everything written was removed again).
    """
    import json

    from puv.domain.installer.scripts import (
        launcher_script,
        rewrite_python_shebang,
        script_entry_points,
    )
    from puv.errors import MetadataError, RecordError
    from puv.io.fs import Linker, drop_displaced, restore_displaced, write_new_file
    from puv.primitives.metadata import parse_entry_points, parse_wheel_info
    from puv.primitives.record import RecordEntry, parse_record_hash, verify_entry

    root = os.path.abspath(os.fspath(unpacked_dir))
    label = filename or f"{dist_name}-{version}"
    if linker is None:
        linker = Linker(link_mode, on_fallback_warning)  # checks the mode before any work

    # ---- read and validate (nothing is written in this phase)
    try:
        files, dir_entries = _scan(root, label)
    except FileNotFoundError:
        raise InvalidWheel(f"the unpacked wheel {label} is missing at `{root}`", filename=label) from None
    info_dir = _find_dist_info(files, dist_name, version, label)
    record_rel = f"{info_dir}/RECORD"

    def read(rel: str) -> bytes | None:
        try:
            with open(os.path.join(root, rel), "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None

    wheel_bytes = read(f"{info_dir}/WHEEL")
    if wheel_bytes is None:
        raise InvalidWheel(f"{label} has no {info_dir}/WHEEL file", filename=label)
    try:
        wheel_info = parse_wheel_info(wheel_bytes, source=f"{label}: {info_dir}/WHEEL")
    except MetadataError as error:
        raise InvalidWheel(error.message, filename=label, hints=error.hints) from None
    metadata_bytes = read(f"{info_dir}/METADATA")
    if metadata_bytes is None:
        raise InvalidWheel(f"{label} has no {info_dir}/METADATA file", filename=label)
    _check_metadata_identity(metadata_bytes, info_dir, dist_name, version, label)
    record_bytes = read(record_rel)
    if record_bytes is None:
        raise InvalidWheel(f"{label} has no {record_rel} file", filename=label)
    if verify not in ("presence", "size", "hash"):
        raise InstallError(f"unknown verification level `{verify}`", hints=["use presence, size or hash"])
    record = _parse_record(record_bytes, label, record_rel)
    check_size = verify == "size"
    unlisted_ok = {record_rel, record_rel + ".jws", record_rel + ".p7s"}
    for rel in files:
        row = record.get(rel)
        if row is None:
            if rel in unlisted_ok:
                continue
            raise RecordMismatch(
                f"{label}: `{rel}` is not listed in RECORD",
                filename=label,
                hints=["the wheel is corrupt or was modified after it was built"],
            )
        if check_size and row[2] and rel != record_rel:
            size = dir_entries[rel].stat(follow_symlinks=False).st_size
            if str(size) != row[2].strip():
                raise RecordMismatch(
                    f"{label}: `{rel}` has {size} bytes, but RECORD says {row[2]}",
                    filename=label,
                    hints=["the wheel is corrupt or was modified after it was built"],
                )
        elif verify == "hash" and rel != record_rel:
            try:
                entry = RecordEntry(
                    rel,
                    parse_record_hash(row[1], path=rel) if row[1] else None,
                    int(row[2]) if row[2].strip().isdigit() else None,
                )
                verify_entry(entry, read(rel) or b"")
            except RecordError as error:
                raise RecordMismatch(f"{label}: {error.message}", filename=label, hints=error.hints) from None
    if len(record) > len(files) - (record_rel in dir_entries):
        present = set(files)
        missing = sorted(path for path in record if path not in present and path != record_rel)
        if missing:
            raise RecordMismatch(
                f"{label}: RECORD lists `{missing[0]}`, which is not in the wheel"
                + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
                filename=label,
            )

    # entry points -> launchers (built now so a bad entry point fails before writing)
    scheme = _scheme_dict(interpreter_paths, dist_name)
    lib_dir = scheme["purelib"] if wheel_info.root_is_purelib else scheme["platlib"]
    scripts_dir = scheme["scripts"]
    entry_bytes = read(f"{info_dir}/entry_points.txt")
    launchers: list[tuple[str, bytes]] = []
    if entry_bytes is not None:
        try:
            entry_points = parse_entry_points(entry_bytes, source=f"{label}: {info_dir}/entry_points.txt")
            for ep in script_entry_points(entry_points):
                launchers.append((ep.name, launcher_script(ep, python_executable)))
        except (MetadataError, InstallError) as error:
            raise InvalidWheel(f"{label}: {error.message}", filename=label, hints=error.hints) from None
    launcher_names = {name for name, _ in launchers}

    # ---- where every file goes
    rel_base: dict[str, str] = {}
    for key, base in scheme.items():
        relative = os.path.relpath(base, lib_dir).replace(os.sep, "/")
        rel_base[key] = "" if relative == "." else relative + "/"
    sep = os.sep
    lib_prefix = lib_dir + sep
    pairs: list[tuple[str, str]] = []
    info_pairs: list[tuple[str, str]] = []  # into the staging .dist-info
    info_rels: list[str] = []
    written: list[tuple[str, bytes, bool]] = []  # (destination, content, executable)
    out_rows: list[Row] = []
    directories: set[str] = set()
    root_prefix = root + sep
    info_prefix = info_dir + "/"
    for rel in files:
        top, slash, rest = rel.partition("/")
        if top == info_dir:
            if rest in GENERATED_DIST_INFO:
                continue
            info_rels.append(rest)
            continue
        if slash and top.endswith(".data"):
            key, slash2, sub = rest.partition("/")
            data_base = scheme.get(key) if slash2 and sub else None
            if data_base is None:
                raise InvalidWheel(
                    f"{label}: unexpected file `{rel}`: .data contents must be in "
                    f"one of {', '.join(SCHEME_KEYS)}",
                    filename=label,
                )
            dst = os.path.join(data_base, sub)
            record_path = rel_base[key] + sub
            if key == "scripts":
                if _entry_wrapper_name(os.path.basename(sub)) in launcher_names:
                    continue  # a setuptools wrapper for an entry point: the launcher replaces it
                data = read(rel) or b""
                rewritten = rewrite_python_shebang(data, python_executable)
                if rewritten is not None:
                    executable = bool(dir_entries[rel].stat().st_mode & 0o111)
                    written.append((dst, rewritten, executable))
                    directories.add(os.path.dirname(dst))
                    continue
            directories.add(os.path.dirname(dst))
        else:
            dst = lib_prefix + rel if sep == "/" else os.path.join(lib_dir, rel)
            record_path = rel
            if slash:
                directories.add(os.path.dirname(dst))
            else:
                directories.add(lib_dir)
        row = record[rel]
        out_rows.append(row if record_path is rel else (record_path, row[1], row[2]))
        pairs.append((root_prefix + rel, dst))
    for name, data in launchers:
        written.append((os.path.join(scripts_dir, name), data, True))
    if launchers:
        directories.add(scripts_dir)

    # ---- act; undo everything on failure
    import tempfile

    displaced: list[tuple[str, str]] = []
    created_dirs: list[str] = []
    written_done: list[str] = []
    linked = 0
    progress = [0]
    staging: str | None = None
    try:
        created_dirs = _make_dirs(directories)
        linker.link_all(pairs, displaced, progress)
        linked = len(pairs)
        for dst, data, executable in written:
            try:
                write_new_file(dst, data, executable=executable)
            except FileExistsError:
                from puv.io.fs import displace

                displace(dst, displaced)
                write_new_file(dst, data, executable=executable)
            written_done.append(dst)
            if dst.startswith(scripts_dir + sep):
                record_path = rel_base["scripts"] + dst[len(scripts_dir) + 1:].replace(sep, "/")
            else:
                record_path = os.path.relpath(dst, lib_dir).replace(sep, "/")
            out_rows.append(_hashed(record_path, data))

        # the .dist-info directory, staged then renamed into place
        if not os.path.isdir(lib_dir):
            created_dirs.extend(_make_dirs([lib_dir]))
        staging = tempfile.mkdtemp(prefix=f".{info_dir}.puv-", dir=lib_dir)
        info_dirs: set[str] = set()
        for rest in info_rels:
            if "/" in rest:
                info_dirs.add(os.path.join(staging, os.path.dirname(rest)))
            info_pairs.append((root_prefix + info_prefix + rest, os.path.join(staging, rest)))
            row = record[info_prefix + rest]
            out_rows.append(row)
        _make_dirs(info_dirs)
        linker.link_all(info_pairs)
        generated: list[tuple[str, bytes]] = [("INSTALLER", f"{installer}\n".encode())]
        if requested:
            generated.append(("REQUESTED", b""))
        if direct_url is not None:
            generated.append(("direct_url.json", json.dumps(dict(direct_url), sort_keys=True).encode("utf-8")))
        generated.extend(extra_files)
        for name, data in generated:
            write_new_file(os.path.join(staging, name), data)
            out_rows.append(_hashed(info_prefix + name, data))
        out_rows.sort()
        record_text = _render_record(out_rows, record_rel)
        write_new_file(os.path.join(staging, "RECORD"), record_text.encode("utf-8"))
        final = os.path.join(lib_dir, info_dir)
        try:
            os.rename(staging, final)
        except OSError:
            if not os.path.lexists(final):
                raise
            from puv.io.fs import displace

            displace(final, displaced)
            os.rename(staging, final)
        staging = None
    except BaseException as error:
        if staging is not None:
            import shutil

            shutil.rmtree(staging, ignore_errors=True)
        for dst in written_done:
            try:
                os.unlink(dst)
            except OSError:
                pass
        for _, dst in pairs[: progress[0]]:
            try:
                os.unlink(dst)
            except OSError:
                pass
        restore_displaced(displaced)
        for directory in reversed(created_dirs):
            try:
                os.rmdir(directory)
            except OSError:
                pass
        if isinstance(error, OSError):
            raise InstallError(
                f"failed to install {label}",
                causes=[f"{error.strerror or error}: {error.filename}" if error.filename else str(error)],
            ) from error
        raise
    drop_displaced(displaced)

    direct = parse_direct_url(json.dumps(dict(direct_url), sort_keys=True)) if direct_url is not None else None
    stem = info_dir[: -len(".dist-info")]
    name_part, _, version_part = stem.rpartition("-")
    dist = InstalledDist(
        name_part, version_part, Path(lib_dir) / info_dir, "dist-info", installer, requested, direct
    )
    return InstalledWheel(
        dist=dist,
        files=len(out_rows) + 1,
        linked=linked + len(info_pairs),
        written=len(written) + len(generated) + 1,
        link_mode=linker.mode,
    )


def _render_record(rows: Sequence[Row], record_rel: str) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    writer.writerow((record_rel, "", ""))
    return out.getvalue()


def compile_bytecode(paths: Iterable[str | os.PathLike[str]], python: str, *, jobs: int = 0) -> bool:
    """Byte-compile ``paths`` (files or directories) with the target interpreter's compileall.

    Runs ``python -m compileall -q -j JOBS -i -`` (``0``: one worker per CPU) with
    the list on stdin. Returns False when some file failed to compile (as pip and
    uv, not an error: some wheels carry files for other Python versions).
    """
    import subprocess

    listing = "\n".join(os.fspath(path) for path in paths)
    if not listing:
        return True
    proc = subprocess.run(
        [python, "-m", "compileall", "-q", "-j", str(jobs), "-i", "-"],
        input=listing.encode("utf-8", "surrogateescape"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return proc.returncode == 0
