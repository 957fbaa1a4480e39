"""Finding the interpreter a command should use (uv's discovery order).

Two entry points:

* :func:`find_environment_python` -- for commands that work *in* an
  environment (``pip install``...): the ``--python`` request, else the active
  ``VIRTUAL_ENV``, else a ``.venv`` in the working directory or a parent,
  else (only with ``system=True``) the system interpreters. With a version
  request the virtual environments are tried first and system interpreters
  after them.
* :func:`find_base_python` -- for ``puv venv``: never a virtual environment.
  System interpreters are searched; a path request that names a virtual
  environment is replaced by that environment's base interpreter.

System interpreters are searched on ``PATH`` (``python3.X`` for a version
request, then ``python3``, ``python``), then in pyenv's versions directory
(newest first), then in a few well-known directories. Candidates are produced
lazily and the search stops at the first match. A candidate that fails to run
(a pyenv shim for a version that is not selected) is recorded and skipped.
When nothing matches, :class:`puv.errors.PythonNotFound` lists what was tried.
Both take an optional ``trace`` callback, told of every candidate as it is
examined (the command layer prints these lines at ``-vv``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from puv.domain.python.interpreter import Interpreter, UnsupportedPython, query_interpreter
from puv.domain.python.request import PythonRequest
from puv.errors import InterpreterError, PythonNotFound

_WELL_KNOWN_DIRS = ("/usr/local/bin", "/usr/bin", "/opt/homebrew/bin", "/opt/local/bin")
_VERSIONED_NAME = r"python(\d)\.(\d+)t?"
_VERSION_DIR = r"(\d+)\.(\d+)(?:\.(\d+))?(t?)"
_MAX_LISTED = 12

Source = tuple[str, str]  # (executable path, where it came from)


class _Search:
    """One discovery run: what was tried (for the error) and what was already seen."""

    def __init__(
        self, request: PythonRequest, cache_dir: str | None, trace: Callable[[str], None] | None = None
    ) -> None:
        self.request = request
        self.cache_dir = cache_dir
        self.tried: list[str] = []
        self.seen: set[str] = set()
        self.trace = trace

    def note(self, text: str) -> None:
        self.tried.append(text)
        if self.trace is not None:
            self.trace(f"Skipped {text}")

    def query(self, path: str, source: str) -> Interpreter | None:
        try:
            interpreter = query_interpreter(path, self.cache_dir)
        except UnsupportedPython as error:
            self.note(f"{path} ({source}): {error.implementation} {error.version}, not supported")
            return None
        except InterpreterError as error:
            cause = f": {error.causes[0]}" if error.causes else ""
            self.note(f"{path} ({source}): {error.message}{cause}")
            return None
        return interpreter

    def satisfies(self, interpreter: Interpreter, path: str, source: str) -> bool:
        ok = self.request.matches(
            implementation=interpreter.implementation,
            version=interpreter.version_info[:3],
            full_version=interpreter.version,
            freethreaded=interpreter.gil_disabled,
        )
        if not ok:
            self.note(f"{path} ({source}): {interpreter.display()}, does not match")
        elif self.trace is not None:
            self.trace(f"Selected {path} ({source}): {interpreter.display()}")
        return ok

    def not_found(self, where: str, hints: list[str]) -> PythonNotFound:
        listed = self.tried[:_MAX_LISTED]
        if len(self.tried) > _MAX_LISTED:
            listed.append(f"... and {len(self.tried) - _MAX_LISTED} more")
        causes = [f"tried {item}" for item in listed] or ["no candidate interpreter was found"]
        return PythonNotFound(
            f"No interpreter found for {self.request.describe()} in {where}",
            causes=causes,
            hints=hints,
        )


def _names(request: PythonRequest) -> tuple[str, ...]:
    if request.kind == "name" and request.name:
        return (request.name,)
    minor = request.wants_minor()
    names: list[str] = []
    if minor is not None:
        if request.freethreaded:
            names.append(f"python{minor[0]}.{minor[1]}t")
        names.append(f"python{minor[0]}.{minor[1]}")
    names += ["python3", "python"]
    return tuple(names)


def _name_excludes(request: PythonRequest, path: str) -> bool:
    """True when an executable's name alone shows it cannot match (``python3.11`` for 3.12)."""
    minor = request.wants_minor()
    match = re.fullmatch(_VERSIONED_NAME, os.path.basename(path))
    if minor is None or match is None:
        return False
    return (int(match[1]), int(match[2])) != minor


def _is_venv_executable(path: str) -> bool:
    return os.path.isfile(os.path.join(os.path.dirname(os.path.dirname(path)), "pyvenv.cfg"))


def _venv_executable(root: str) -> str | None:
    for name in ("python3", "python"):
        candidate = os.path.join(root, "bin", name)
        if os.path.isfile(candidate):
            return candidate
    return None


def _virtual_environments(search: _Search, environ: Mapping[str, str], cwd: Path) -> Iterator[Source]:
    active = environ.get("VIRTUAL_ENV")
    if active:
        root = os.path.join(str(cwd), active)
        exe = _venv_executable(root)
        if exe is not None:
            yield exe, "active virtual environment"
        elif os.path.isdir(root):
            search.note(f"VIRTUAL_ENV={active}: it has no bin/python3 or bin/python")
        else:
            search.note(f"VIRTUAL_ENV={active}: no such directory")
    directory = str(cwd)
    while True:
        root = os.path.join(directory, ".venv")
        if os.path.isfile(os.path.join(root, "pyvenv.cfg")):
            exe = _venv_executable(root)
            if exe is not None:
                yield exe, "virtual environment"
        parent = os.path.dirname(directory)
        if parent == directory:
            return
        directory = parent


def _pyenv_versions(search: _Search, environ: Mapping[str, str]) -> Iterator[Source]:
    from puv.domain.python import pyenv

    root = pyenv.pyenv_root(environ)
    if root is None:
        return
    versions_dir = os.path.join(root, "versions")
    try:
        entries = os.listdir(versions_dir)
    except OSError:
        return
    request = search.request
    keyed: list[tuple[tuple[int, int, int], str]] = []
    unsupported: list[str] = []
    other: list[str] = []
    for entry in entries:
        match = re.fullmatch(_VERSION_DIR, entry)
        if match is None:
            keyed.append(((0, 0, 0), entry))  # not a plain CPython version: probe it last
            continue
        version = (int(match[1]), int(match[2]), int(match[3] or 0))
        if version[:2] < (3, 8):
            unsupported.append(entry)
            continue
        full = ".".join(map(str, version))
        if request.implementation not in (None, "cpython") or not request.matches(
            implementation="cpython", version=version, full_version=full, freethreaded=bool(match[4])
        ):
            other.append(entry)
            continue
        keyed.append((version, entry))
    if other:
        search.note(f"pyenv versions {', '.join(sorted(other))} in {versions_dir}: do not match")
    if unsupported and request.kind != "name":
        search.note(f"pyenv versions {', '.join(sorted(unsupported))} in {versions_dir}: older than 3.8, not supported")
    keyed.sort(reverse=True)
    names = _names(request)
    for _, entry in keyed:
        for name in names:
            candidate = os.path.join(versions_dir, entry, "bin", name)
            if os.path.isfile(candidate):
                yield candidate, "pyenv"
                break


def _path_dirs(environ: Mapping[str, str]) -> list[str]:
    return [d for d in environ.get("PATH", "").split(os.pathsep) if d]


def _system_candidates(search: _Search, environ: Mapping[str, str], cwd: Path) -> Iterator[Source]:
    from puv.domain.python import pyenv

    names = _names(search.request)
    root = pyenv.pyenv_root(environ)
    for directory in _path_dirs(environ):
        for name in names:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                yield from _through_shim(search, candidate, root, environ, cwd)
    yield from _pyenv_versions(search, environ)
    for directory in _WELL_KNOWN_DIRS:
        for name in names:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                yield candidate, "well-known location"
    if search.request.kind == "name":  # nothing matched: say where the name was looked for
        dirs = _path_dirs(environ)
        shown = ", ".join(dirs[:4]) + (f", ... ({len(dirs)} directories)" if len(dirs) > 4 else "")
        search.note(
            f"`{names[0]}` on PATH ({shown or 'empty'}), in pyenv's versions and in {', '.join(_WELL_KNOWN_DIRS)}"
        )


def _through_shim(
    search: _Search, candidate: str, root: str | None, environ: Mapping[str, str], cwd: Path
) -> Iterator[Source]:
    """A PATH candidate, with pyenv shims replaced by what they would run (no subprocess)."""
    from puv.domain.python import pyenv

    if root is None or not pyenv.is_shim(candidate, root):
        yield candidate, "search path"
        return
    resolution = pyenv.resolve_shim(candidate, root, environ, str(cwd))
    if resolution.outcome == "found" and resolution.path is not None:
        yield resolution.path, "pyenv"
    elif resolution.outcome == "missing":
        versions = ", ".join(resolution.versions)
        search.note(f"{candidate} (pyenv shim): not provided by the selected pyenv version(s) {versions}")
    else:
        yield candidate, "pyenv shim"


def _first_match(search: _Search, sources: Iterator[Source], *, skip_venvs: bool) -> Interpreter | None:
    for path, source in sources:
        if _name_excludes(search.request, path):
            continue
        if skip_venvs and _is_venv_executable(path):
            continue
        # A script (shim) is its own key; a binary is known by its resolved path.
        key = path if source == "pyenv shim" else os.path.realpath(path)
        if key in search.seen:
            continue
        search.seen.add(key)
        interpreter = search.query(path, source)
        if interpreter is None:
            continue
        if skip_venvs and interpreter.is_venv:
            continue
        if search.satisfies(interpreter, path, source):
            return interpreter
    return None


def _resolve_path_request(request: PythonRequest, environ: Mapping[str, str], cwd: Path) -> str:
    raw = request.path or ""
    if raw == "~" or raw.startswith("~/"):
        home = environ.get("HOME") or os.path.expanduser("~")
        raw = home + raw[1:]
    path = os.path.normpath(os.path.join(str(cwd), raw))
    if os.path.isdir(path):
        for candidate in (
            os.path.join(path, "bin", "python3"),
            os.path.join(path, "bin", "python"),
            os.path.join(path, "python3"),
            os.path.join(path, "python"),
        ):
            if os.path.isfile(candidate):
                return candidate
        raise PythonNotFound(
            f"No interpreter found in directory `{raw}`",
            causes=[f"looked for bin/python3, bin/python, python3 and python in {path}"],
            hints=["pass the path of a Python executable, or of an environment's directory"],
        )
    if not os.path.exists(path):
        raise PythonNotFound(
            f"No interpreter found at path `{raw}`",
            causes=[f"{path} does not exist"],
            hints=["check the path given to `--python`"],
        )
    return path


def _query_path(request: PythonRequest, environ: Mapping[str, str], cwd: Path, cache_dir: str | None) -> Interpreter:
    path = _resolve_path_request(request, environ, cwd)
    try:
        return query_interpreter(path, cache_dir)
    except UnsupportedPython:
        raise
    except InterpreterError as error:
        raise PythonNotFound(
            f"No usable interpreter at path `{request.path}`",
            causes=[error.message, *error.causes],
            hints=["pass the path of a working Python 3.8+ executable to `--python`"],
        ) from None


def _cache(cache_dir: str | os.PathLike[str] | None) -> str | None:
    return os.fspath(cache_dir) if cache_dir is not None else None


def _install_hint(request: PythonRequest) -> list[str]:
    minor = request.wants_minor()
    hints = ["pass `--python` with a version (`3.12`), an executable name or a path"]
    if request.implementation not in (None, "cpython") or (minor is not None and minor < (3, 8)):
        hints.insert(0, "puv creates and manages environments for CPython 3.8 and newer")
    elif minor is not None:
        hints.insert(0, f"install it (for example `pyenv install {minor[0]}.{minor[1]}`) or put it on PATH")
    return hints


def find_base_python(
    request: PythonRequest,
    *,
    environ: Mapping[str, str],
    cwd: Path,
    cache_dir: str | os.PathLike[str] | None,
    trace: Callable[[str], None] | None = None,
) -> Interpreter:
    """The (non-virtual) interpreter to build a new virtual environment on."""
    cache = _cache(cache_dir)
    search = _Search(request, cache, trace)
    if request.kind == "path":
        interpreter = _query_path(request, environ, cwd, cache)
    else:
        found = _first_match(search, _system_candidates(search, environ, cwd), skip_venvs=True)
        if found is None:
            raise search.not_found("search path or pyenv", _install_hint(request))
        interpreter = found
    if interpreter.is_venv:
        try:
            interpreter = query_interpreter(interpreter.base_executable, cache)
        except InterpreterError as error:
            raise PythonNotFound(
                f"The base interpreter of the virtual environment at `{interpreter.prefix}` is unusable",
                causes=[error.message, *error.causes],
                hints=["pass `--python` with the path of a system interpreter"],
            ) from None
    return interpreter


def find_environment_python(
    request: PythonRequest,
    *,
    environ: Mapping[str, str],
    cwd: Path,
    cache_dir: str | os.PathLike[str] | None,
    system: bool = False,
    trace: Callable[[str], None] | None = None,
) -> Interpreter:
    """The interpreter whose environment a command should act on."""
    cache = _cache(cache_dir)
    if request.kind == "path":
        return _query_path(request, environ, cwd, cache)
    search = _Search(request, cache, trace)
    found = _first_match(search, _virtual_environments(search, environ, cwd), skip_venvs=False)
    if found is not None:
        return found
    if request.kind == "any" and not system:
        raise search.not_found(
            "virtual environments",
            [
                "create one with `puv venv`",
                "or pass `--system` to use a system interpreter",
            ],
        )
    found = _first_match(search, _system_candidates(search, environ, cwd), skip_venvs=False)
    if found is None:
        raise search.not_found("virtual environments, search path or pyenv", _install_hint(request))
    return found
