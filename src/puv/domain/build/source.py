"""A source tree to build: its ``[build-system]`` (PEP 518 / PEP 517) and sdist unpacking.

The rules of PEP 517 / PEP 518, as pip and uv apply them:

- ``[build-system]`` with ``requires`` and ``build-backend``: that backend
  (``backend-path`` entries are in-tree directories put first on the path);
- ``[build-system]`` without ``build-backend``: setuptools' legacy backend
  (``setuptools.build_meta:__legacy__``) with the listed requirements;
- no ``[build-system]`` (no pyproject.toml, a ``setup.py``-only project):
  the legacy backend with ``setuptools>=40.8.0``.

An sdist (``.tar.gz``, ``.zip``, ...) is unpacked by the one safe extractor,
:func:`puv.io.archive.unpack_sdist`, and its single top-level directory is the tree.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from puv.domain.build.errors import InvalidProject
from puv.io.archive import DEFAULT_UNPACK_LIMITS, SDIST_SUFFIXES, UnpackLimits

DEFAULT_REQUIRES = ("setuptools>=40.8.0",)
LEGACY_BACKEND = "setuptools.build_meta:__legacy__"
#: Files whose content decides how a project builds (and what its metadata is).
PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


@dataclass(frozen=True, slots=True)
class BuildSystem:
    """How to build a tree: the requirements and the backend object (``module:object``)."""

    requires: tuple[str, ...]
    backend: str
    backend_path: tuple[str, ...] = ()
    declared: bool = True  # False: the defaults for a tree without [build-system]


@dataclass(frozen=True)
class SourceTree:
    """A project directory ready to build (``pyproject`` is the parsed file, if any)."""

    path: Path
    build_system: BuildSystem
    pyproject: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)


def is_sdist(path: str | os.PathLike[str]) -> bool:
    """Whether a file name is a source archive (``.tar.gz``, ``.zip``, ...)."""
    return os.fspath(path).lower().endswith(SDIST_SUFFIXES)


def load_toml(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - 3.10 only
        import tomli as tomllib
    return tomllib.loads(text)


def read_pyproject(directory: Path) -> Mapping[str, Any] | None:
    """The parsed ``pyproject.toml`` of ``directory``; None when there is none."""
    path = directory / "pyproject.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise InvalidProject(f"cannot read `{path}`", causes=[str(error)]) from None
    try:
        return load_toml(text)
    except ValueError as error:
        raise InvalidProject(
            f"`{path}` is not valid TOML", causes=[str(error)], hints=["fix the file's syntax"]
        ) from None


def build_system(pyproject: Mapping[str, Any] | None, *, where: str) -> BuildSystem:
    """The ``[build-system]`` of a parsed pyproject.toml, with PEP 517's defaults."""
    table = None if pyproject is None else pyproject.get("build-system")
    if table is None:
        return BuildSystem(DEFAULT_REQUIRES, LEGACY_BACKEND, declared=False)
    if not isinstance(table, Mapping):
        raise InvalidProject(f"`build-system` in {where} must be a table")
    requires = table.get("requires")
    if not isinstance(requires, list) or not all(isinstance(item, str) for item in requires):
        raise InvalidProject(
            f"`build-system.requires` in {where} is missing or not a list of strings",
            hints=['for example: requires = ["setuptools>=61"]'],
        )
    backend = table.get("build-backend")
    if backend is None:
        return BuildSystem(tuple(requires), LEGACY_BACKEND)
    if not isinstance(backend, str) or not backend.strip():
        raise InvalidProject(f"`build-system.build-backend` in {where} must be a string")
    backend_path = table.get("backend-path", [])
    if not isinstance(backend_path, list) or not all(isinstance(item, str) for item in backend_path):
        raise InvalidProject(f"`build-system.backend-path` in {where} must be a list of strings")
    return BuildSystem(tuple(requires), backend.strip(), tuple(backend_path))


def load_tree(directory: Path) -> SourceTree:
    """The source tree at ``directory`` (a project: pyproject.toml or setup.py)."""
    if not directory.is_dir():
        raise InvalidProject(f"`{directory}` is not a directory")
    pyproject = read_pyproject(directory)
    if pyproject is None and not (directory / "setup.py").is_file():
        raise InvalidProject(
            f"`{directory}` does not appear to be a Python project: it has neither a `pyproject.toml` nor a `setup.py`",
        )
    return SourceTree(directory, build_system(pyproject, where=f"{directory / 'pyproject.toml'}"), pyproject)


# --------------------------------------------------------------------------- sdists


def unpack_sdist(archive: Path, dest: Path, *, limits: UnpackLimits = DEFAULT_UNPACK_LIMITS) -> Path:
    """Unpack the source archive into ``dest`` (created); the project directory in it.

    The one safe extractor, :func:`puv.io.archive.unpack_sdist`, does the work: a
    hostile archive (paths out of ``dest``, links out of the tree, devices) is
    refused there with :class:`~puv.io.archive.UnsafeArchive`, and so is one that
    unpacks to more than ``limits`` allow (a decompression bomb).
    """
    from puv.io.archive import unpack_sdist as safe_unpack

    return safe_unpack(archive, dest, limits=limits)
