"""What puv knows about one Python interpreter, and how it finds out (cached).

``query_interpreter`` runs the stdlib-only probe (``probe.py``) inside the
interpreter once, turns the answer into a frozen :class:`Interpreter` (with
PEP 425 tags computed for *that* interpreter, PEP 508 markers, sysconfig
install paths, PEP 405 venv facts), and stores it as JSON in
``<cache_dir>/interpreter-v1/``. The entry is valid while the executable's
absolute path, its resolved path, the resolved file's modification time and
size, the ``pyvenv.cfg`` beside it and the probe version are unchanged; a hit
costs a few ``stat`` calls and one small file read, never a subprocess.

A wrapper script (a pyenv shim) is never cached under its own path: what it
runs depends on state outside the file (``pyenv global``, ``.python-version``).
Its answer is cached under the real executable it reported, and the
returned value names that real executable.
"""

from __future__ import annotations

import os

from puv.errors import InterpreterError
from puv.frozen import Frozen

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

CACHE_BUCKET = "interpreter-v2"
MINIMUM_VERSION = (3, 8)


class UnsupportedPython(InterpreterError):
    """The interpreter runs, but puv does not manage environments for it."""

    def __init__(self, message: str, *, executable: str, version: str, implementation: str) -> None:
        super().__init__(
            message,
            hints=["puv creates and manages environments for CPython 3.8 and newer"],
        )
        self.executable = executable
        self.version = version
        self.implementation = implementation


class InstallPaths(Frozen):
    """The sysconfig install scheme of an interpreter (absolute paths).

    A frozen value (:class:`puv.frozen.Frozen`, kept off ``dataclasses`` for start-up time) with the behaviour of a frozen ``@dataclass``
    (construction, ``==``, hash, repr, ``FrozenInstanceError``): ``puv venv``
    loads this module on every run, and importing ``dataclasses`` (which
    imports ``inspect``) would be a large share of its start-up.
    """

    __slots__ = ("purelib", "platlib", "scripts", "data", "include", "headers")

    purelib: str
    platlib: str
    scripts: str
    data: str
    include: str
    headers: str

    def __init__(
        self,
        purelib: str,
        platlib: str,
        scripts: str,
        data: str,
        include: str,
        headers: str,
    ) -> None:
        init = object.__setattr__
        init(self, "purelib", purelib)
        init(self, "platlib", platlib)
        init(self, "scripts", scripts)
        init(self, "data", data)
        init(self, "include", include)
        init(self, "headers", headers)

class Interpreter(Frozen):
    """The facts about one interpreter. Paths are absolute strings.

    A frozen value (:class:`puv.frozen.Frozen`, kept off ``dataclasses`` for start-up time) with the behaviour of a frozen ``@dataclass``
    (construction, ``==``, hash, repr, ``FrozenInstanceError``): ``puv venv``
    loads this module on every run, and importing ``dataclasses`` (which
    imports ``inspect``) would be a large share of its start-up.
    """

    __slots__ = (
        "executable",
        "sys_executable",
        "base_executable",
        "prefix",
        "base_prefix",
        "version",
        "version_info",
        "implementation",
        "markers",
        "tags",
        "paths",
        "stdlib",
        "is_venv",
        "pointer_size",
        "gil_disabled",
        "platform",
    )

    executable: str  # the path to run it by (a wrapper is replaced by its target)
    sys_executable: str  # ``sys.executable`` as the interpreter reports it
    base_executable: str  # the non-venv interpreter behind it (itself when not a venv)
    prefix: str
    base_prefix: str
    version: str  # ``3.12.1`` (``3.13.0rc1`` for pre-releases)
    version_info: tuple[int, int, int, str, int]
    implementation: str  # ``sys.implementation.name``: ``cpython``
    markers: Mapping[str, str]
    tags: tuple[str, ...]
    paths: InstallPaths
    stdlib: str
    is_venv: bool
    pointer_size: int
    gil_disabled: bool
    platform: str

    def __init__(
        self,
        executable: str,
        sys_executable: str,
        base_executable: str,
        prefix: str,
        base_prefix: str,
        version: str,
        version_info: tuple[int, int, int, str, int],
        implementation: str,
        markers: Mapping[str, str],
        tags: tuple[str, ...],
        paths: InstallPaths,
        stdlib: str = "",
        is_venv: bool = False,
        pointer_size: int = 64,
        gil_disabled: bool = False,
        platform: str = "",
    ) -> None:
        init = object.__setattr__
        init(self, "executable", executable)
        init(self, "sys_executable", sys_executable)
        init(self, "base_executable", base_executable)
        init(self, "prefix", prefix)
        init(self, "base_prefix", base_prefix)
        init(self, "version", version)
        init(self, "version_info", version_info)
        init(self, "implementation", implementation)
        init(self, "markers", markers)
        init(self, "tags", tags)
        init(self, "paths", paths)
        init(self, "stdlib", stdlib)
        init(self, "is_venv", is_venv)
        init(self, "pointer_size", pointer_size)
        init(self, "gil_disabled", gil_disabled)
        init(self, "platform", platform)

    _derived = ("markers", "tags", "paths")

    @property
    def python_version(self) -> tuple[int, int]:
        return (self.version_info[0], self.version_info[1])

    @property
    def implementation_display(self) -> str:
        return {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalPy"}.get(
            self.implementation, self.implementation
        )

    def display(self) -> str:
        """``CPython 3.12.1``."""
        return f"{self.implementation_display} {self.version}"

    def tag_priorities(self) -> dict[str, int]:
        """Tag string -> rank (0 is the most preferred)."""
        return {tag: rank for rank, tag in enumerate(self.tags)}

    def to_json(self) -> dict[str, Any]:
        return {
            "executable": self.executable,
            "sys_executable": self.sys_executable,
            "base_executable": self.base_executable,
            "prefix": self.prefix,
            "base_prefix": self.base_prefix,
            "version": self.version,
            "version_info": list(self.version_info),
            "implementation": self.implementation,
            "markers": dict(self.markers),
            "tags": list(self.tags),
            "paths": {
                "purelib": self.paths.purelib,
                "platlib": self.paths.platlib,
                "scripts": self.paths.scripts,
                "data": self.paths.data,
                "include": self.paths.include,
                "headers": self.paths.headers,
            },
            "stdlib": self.stdlib,
            "is_venv": self.is_venv,
            "pointer_size": self.pointer_size,
            "gil_disabled": self.gil_disabled,
            "platform": self.platform,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Interpreter:
        info = data["version_info"]
        paths = data["paths"]
        return cls(
            executable=data["executable"],
            sys_executable=data["sys_executable"],
            base_executable=data["base_executable"],
            prefix=data["prefix"],
            base_prefix=data["base_prefix"],
            version=data["version"],
            version_info=(int(info[0]), int(info[1]), int(info[2]), str(info[3]), int(info[4])),
            implementation=data["implementation"],
            markers=dict(data["markers"]),
            tags=tuple(data["tags"]),
            paths=InstallPaths(
                purelib=paths["purelib"],
                platlib=paths["platlib"],
                scripts=paths["scripts"],
                data=paths["data"],
                include=paths["include"],
                headers=paths["headers"],
            ),
            stdlib=data.get("stdlib", ""),
            is_venv=bool(data["is_venv"]),
            pointer_size=int(data["pointer_size"]),
            gil_disabled=bool(data.get("gil_disabled", False)),
            platform=str(data.get("platform", "")),
        )


def _from_facts(executable: str, facts: Mapping[str, Any]) -> Interpreter:
    """Turn the probe's answer into an Interpreter (computing tags); reject what puv can't use."""
    info = facts["version_info"]
    version = str(facts["version"])
    implementation = str(facts.get("implementation", "cpython"))
    if (int(info[0]), int(info[1])) < MINIMUM_VERSION:
        raise UnsupportedPython(
            f"Python {version} at `{executable}` is too old: puv needs Python 3.8 or newer",
            executable=executable,
            version=version,
            implementation=implementation,
        )
    if implementation != "cpython":
        raise UnsupportedPython(
            f"`{executable}` is {implementation} {version}: puv supports CPython only",
            executable=executable,
            version=version,
            implementation=implementation,
        )
    from puv.domain.python.tags import compute_tags

    data = dict(facts)
    data["executable"] = executable
    data["stdlib"] = facts["paths"].get("stdlib", "")
    data["tags"] = compute_tags(dict(facts))
    return Interpreter.from_json(data)


def run_probe(executable: str) -> dict[str, Any]:
    """Run the probe inside ``executable`` and return its parsed answer (always a subprocess)."""
    import json
    import subprocess

    from puv.domain.python.probe import PROBE_SOURCE

    try:
        proc = subprocess.run(
            [executable, "-E", "-s", "-c", PROBE_SOURCE],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise InterpreterError(f"querying `{executable}` timed out after 60 s") from None
    except OSError as error:
        raise InterpreterError(
            f"failed to run `{executable}`", causes=[error.strerror or str(error)]
        ) from None
    if proc.returncode != 0:
        lines = [line.strip() for line in proc.stderr.splitlines() if line.strip()]
        raise InterpreterError(
            f"`{executable}` failed to run the interpreter query (exit {proc.returncode})",
            causes=lines[:1] or ["no output"],
        )
    try:
        answer = json.loads(proc.stdout)
    except ValueError:
        raise InterpreterError(
            f"`{executable}` gave an unreadable answer to the interpreter query",
            causes=[proc.stdout[:200] or "empty output"],
        ) from None
    if not isinstance(answer, dict) or "version_info" not in answer:
        raise InterpreterError(f"`{executable}` gave an incomplete answer to the interpreter query")
    return answer


def _cache_key(abspath: str) -> dict[str, Any] | None:
    """The facts that must be unchanged for a cached answer about ``abspath`` to hold."""
    from puv import __version__
    from puv.domain.python.probe import PROBE_VERSION

    try:
        real = os.path.realpath(abspath)
        st = os.stat(real)
    except OSError:
        return None
    try:
        cfg_mtime: int | None = os.stat(
            os.path.join(os.path.dirname(os.path.dirname(abspath)), "pyvenv.cfg")
        ).st_mtime_ns
    except OSError:
        cfg_mtime = None
    return {
        "path": abspath,
        "real": real,
        "mtime_ns": st.st_mtime_ns,
        "size": st.st_size,
        "pyvenv_cfg_mtime_ns": cfg_mtime,
        "probe": PROBE_VERSION,
        "puv": __version__,
    }


def cache_file(cache_dir: str | os.PathLike[str], abspath: str) -> str:
    """The cache entry's file for an executable path (a checksum of the path names it).

    The checksum is 64-bit FNV-1a, written out here because ``zlib`` or ``hashlib``
    would be one more import on every ``puv venv``."""
    stem = os.path.basename(abspath) or "python"
    digest = 0xCBF29CE484222325
    for byte in abspath.encode("utf-8", "surrogateescape"):
        digest = ((digest ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return os.path.join(os.fspath(cache_dir), CACHE_BUCKET, f"{digest:016x}-{stem}.bin")


def _read_cache(path: str, key: Mapping[str, Any]) -> Interpreter | None:
    """The stored answer when its key still matches; entries are ``marshal`` data
    (``json`` would be one more import on every ``puv venv``); an unreadable one,
    written by some other Python's marshal for instance, is a miss."""
    import marshal

    try:
        with open(path, "rb") as handle:
            entry = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    try:
        return Interpreter.from_json(entry["interpreter"])
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def _write_cache(path: str, key: Mapping[str, Any], interpreter: Interpreter) -> None:
    """Store an entry atomically (temp file + ``os.replace``); a failure only costs speed."""
    import marshal

    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as handle:
            handle.write(marshal.dumps({"key": dict(key), "interpreter": interpreter.to_json()}))
        os.replace(tmp, path)
    except (OSError, ValueError):
        try:
            os.unlink(tmp)
        except OSError:
            pass


def query_interpreter(
    executable: str | os.PathLike[str],
    cache_dir: str | os.PathLike[str] | None,
) -> Interpreter:
    """The facts about the interpreter at ``executable``, from the cache when still valid.

    ``cache_dir`` ``None`` disables the cache. Raises :class:`InterpreterError`
    when the file is missing or fails to run, :class:`UnsupportedPython` for an
    interpreter puv does not manage (older than 3.8, not CPython).
    """
    abspath = os.path.abspath(os.fspath(executable))
    key = _cache_key(abspath)
    if key is None:
        raise InterpreterError(f"no Python interpreter at `{abspath}`", causes=["the file does not exist"])
    if not os.access(abspath, os.X_OK) or os.path.isdir(abspath):
        raise InterpreterError(f"`{abspath}` is not an executable file")
    entry = cache_file(cache_dir, abspath) if cache_dir is not None else None
    if entry is not None:
        cached = _read_cache(entry, key)
        if cached is not None:
            return cached

    facts = run_probe(abspath)
    reported = str(facts.get("sys_executable") or abspath)
    wrapper = os.path.realpath(reported) != key["real"] and os.path.isfile(reported)
    if not wrapper:
        interpreter = _from_facts(abspath, facts)
        if entry is not None:
            _write_cache(entry, key, interpreter)
        return interpreter
    # A wrapper (shim): answer for, and cache under, the real executable.
    real_abspath = os.path.abspath(reported)
    interpreter = _from_facts(real_abspath, facts)
    real_key = _cache_key(real_abspath)
    if cache_dir is not None and real_key is not None:
        _write_cache(cache_file(cache_dir, real_abspath), real_key, interpreter)
    return interpreter
