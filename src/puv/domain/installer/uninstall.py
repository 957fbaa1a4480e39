"""Remove an installed distribution (PEP 376 / PEP 627 RECORD, legacy installed-files.txt).

The files to remove come from ``RECORD`` (paths relative to the directory that
holds ``.dist-info``; ``../../../bin/x`` for scripts) or, for a legacy
``.egg-info`` directory, from ``installed-files.txt`` (paths relative to the
``.egg-info`` directory). Besides them:

* the ``__pycache__`` entries of every removed ``module.py`` (``module.*.pyc``),
  whether or not RECORD lists them;
* console/GUI launchers named in ``entry_points.txt`` (old installers did not
  always record them);
* the metadata directory itself;
* directories left empty, up to (never including) the scheme directories.

A path that resolves outside the environment (site-packages, scripts, data,
headers — the scheme paths) is never touched: it is reported in
:attr:`Removal.skipped`. A listed file that is already gone is not an error.
"""

from __future__ import annotations

import os

from puv.domain.installer.site import InstalledDist
from puv.errors import InstallError
from puv.frozen import Frozen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any


class UninstallError(InstallError):
    """A distribution cannot be uninstalled (it has no record of its files)."""


class Removal(Frozen):
    """What :func:`uninstall` removed: files (and symlinks), directories, and refused paths."""

    __slots__ = ("name", "version", "files", "directories", "skipped")

    name: str
    version: str
    files: tuple[str, ...]
    directories: tuple[str, ...]
    skipped: tuple[str, ...]  # listed paths outside the environment, left alone

    def __init__(
        self,
        name: str,
        version: str,
        files: tuple[str, ...],
        directories: tuple[str, ...],
        skipped: tuple[str, ...] = (),
    ) -> None:
        init = object.__setattr__
        init(self, "name", name)
        init(self, "version", version)
        init(self, "files", files)
        init(self, "directories", directories)
        init(self, "skipped", skipped)

    @property
    def paths(self) -> tuple[str, ...]:
        return self.files + self.directories

    @property
    def count(self) -> int:
        """The number of files removed."""
        return len(self.files)


def _scheme_roots(paths: Mapping[str, str] | Any) -> tuple[str, ...]:
    keys = ("purelib", "platlib", "scripts", "data", "include", "headers")
    if hasattr(paths, "purelib"):
        values = [getattr(paths, key, None) for key in keys]
    else:
        values = [paths.get(key) for key in keys]
    return tuple(dict.fromkeys(os.path.normpath(os.path.abspath(v)) for v in values if v))


def _record_paths(dist: InstalledDist) -> tuple[str, list[str]]:
    """(base directory, listed relative paths) of a distribution."""
    import csv

    if dist.kind == "dist-info":
        data = dist.read_bytes("RECORD")
        if data is None:
            raise UninstallError(
                f"cannot uninstall {dist.name} {dist.version}: {dist.path}/RECORD is missing",
                hints=["reinstall the package to repair its metadata, then uninstall it"],
            )
        text = data.decode("utf-8", "surrogateescape")
        rows = [row[0] for row in csv.reader(text.splitlines()) if row and row[0]]
        return str(dist.path.parent), rows
    if not dist.path.is_dir():
        raise UninstallError(
            f"cannot uninstall {dist.name} {dist.version}: it was installed by distutils "
            "and has no record of its files",
            hints=["remove its files by hand"],
        )
    listing = dist.read_bytes("installed-files.txt")
    if listing is None:
        raise UninstallError(
            f"cannot uninstall {dist.name} {dist.version}: {dist.path} has no installed-files.txt",
            hints=["remove its files by hand"],
        )
    lines = [line.strip() for line in listing.decode("utf-8", "surrogateescape").splitlines()]
    return str(dist.path), [line for line in lines if line]


def _within(path: str, roots: Iterable[str]) -> bool:
    for root in roots:
        if path == root or path.startswith(root + os.sep):
            return True
    return False


def _launcher_names(dist: InstalledDist) -> list[str]:
    data = dist.entry_points_bytes() if dist.path.is_dir() else None
    if data is None:
        return []
    from puv.errors import MetadataError
    from puv.primitives.metadata import parse_entry_points

    try:
        entry_points = parse_entry_points(data)
    except MetadataError:
        return []
    return [ep.name for ep in entry_points if ep.group in ("console_scripts", "gui_scripts")]


def uninstall(dist: InstalledDist, scheme_paths: Mapping[str, str] | Any) -> Removal:
    """Remove ``dist`` from the environment whose scheme is ``scheme_paths``."""
    import shutil

    roots = _scheme_roots(scheme_paths)
    meta = os.path.normpath(os.path.abspath(dist.path))
    allowed = tuple(dict.fromkeys((*roots, os.path.dirname(meta))))
    base, listed = _record_paths(dist)
    scripts = scheme_paths.scripts if hasattr(scheme_paths, "scripts") else scheme_paths.get("scripts")

    removed: list[str] = []
    skipped: list[str] = []
    candidate_dirs: set[str] = set()
    pycache_stems: dict[str, set[str]] = {}
    meta_prefix = meta + os.sep
    targets = [os.path.normpath(os.path.join(base, rel)) for rel in listed]
    if scripts:
        targets.extend(os.path.normpath(os.path.join(scripts, name)) for name in _launcher_names(dist))
    seen: set[str] = set()
    for path in targets:
        if path in seen:
            continue
        seen.add(path)
        if path == meta or path.startswith(meta_prefix):
            continue  # removed with the directory below
        if not _within(path, allowed) or path in allowed:
            skipped.append(path)
            continue
        try:
            os.unlink(path)
        except FileNotFoundError:
            # Gone already (an earlier, interrupted uninstall): its directory may be left.
            candidate_dirs.add(os.path.dirname(path))
            continue
        except (IsADirectoryError, PermissionError):
            if os.path.isdir(path) and not os.path.islink(path):
                candidate_dirs.add(path)
                continue
            raise
        except OSError as error:
            raise UninstallError(
                f"failed to remove `{path}` while uninstalling {dist.name}",
                causes=[error.strerror or str(error)],
            ) from error
        removed.append(path)
        directory, name = os.path.split(path)
        candidate_dirs.add(directory)
        if name.endswith(".py"):
            pycache_stems.setdefault(directory, set()).add(name[:-3])

    for directory, stems in pycache_stems.items():
        cache = os.path.join(directory, "__pycache__")
        try:
            names = os.listdir(cache)
        except OSError:
            continue
        for name in names:
            stem, dot, rest = name.partition(".")
            if dot and stem in stems and rest.endswith(".pyc"):
                path = os.path.join(cache, name)
                try:
                    os.unlink(path)
                except OSError:
                    continue
                removed.append(path)
        candidate_dirs.add(cache)

    directories: list[str] = []
    # empty directories, deepest first, never a scheme root
    stop = set(allowed)
    ancestors: set[str] = set()
    for directory in candidate_dirs:
        while directory not in stop and directory not in ancestors and _within(directory, allowed):
            ancestors.add(directory)
            directory = os.path.dirname(directory)
    for directory in sorted(ancestors, key=lambda d: d.count(os.sep), reverse=True):
        try:
            os.rmdir(directory)
        except OSError:
            continue
        directories.append(directory)

    # The record goes last, and in one step: a run killed before this point leaves
    # the .dist-info whole, so the next uninstall finds it and finishes the job.
    if os.path.isdir(meta) and not os.path.islink(meta):
        for walk_root, _, files in os.walk(meta):
            removed.extend(os.path.join(walk_root, name) for name in files)
        doomed = os.path.join(os.path.dirname(meta), f".puv-removing-{os.path.basename(meta)}-{os.getpid()}")
        os.rename(meta, doomed)
        shutil.rmtree(doomed, ignore_errors=True)
        directories.append(meta)
    else:
        try:
            os.unlink(meta)
            removed.append(meta)
        except FileNotFoundError:
            pass

    return Removal(dist.name, dist.version, tuple(removed), tuple(directories), tuple(skipped))
