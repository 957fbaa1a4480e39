"""The environment a pip-style command acts on (install, sync, uninstall, freeze, ...).

Discovery as in uv: ``--python`` (a path, name or version), else the active
``VIRTUAL_ENV``, else a ``.venv`` in the working directory or a parent; a
system interpreter only with ``--system`` (or ``PUV_SYSTEM_PYTHON``) or when
``--python`` names one. Writing into a Python marked externally managed
(PEP 668: an ``EXTERNALLY-MANAGED`` file in its stdlib directory) is refused
unless ``--break-system-packages`` is given; a virtual environment never is.

``--target DIR`` and ``--prefix DIR`` (as in uv and pip) keep the interpreter
found as above for markers, tags and shebangs, but install into (and read
what is installed from) another directory: :func:`find_destination`. With
either, a system interpreter is used without ``--system`` (after any virtual
environment), and PEP 668 does not apply: nothing of the interpreter's own
environment changes.

* ``--target DIR``: a flat directory, ``purelib`` = ``platlib`` = ``data`` =
  ``DIR``, scripts in ``DIR/bin``, headers under ``DIR/include/<name>``
  (uv's layout).
* ``--prefix DIR``: the layout of a virtual environment of that interpreter
  rebased under ``DIR``: ``DIR/lib/python3.X/site-packages`` (``python3.Xt``
  for a free-threaded build), ``DIR/bin``, headers under
  ``DIR/include/site/python3.X/<name>`` (uv's layout; on Windows
  ``DIR/Lib/site-packages`` and ``DIR/Scripts``).

The environment lock of a target or prefix is ``DIR/.lock``.
"""

from __future__ import annotations

import os

from puv.errors import PuvError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from puv.context import Context
    from puv.domain.python.interpreter import InstallPaths, Interpreter

from puv.frozen import Frozen


class ExternallyManaged(PuvError):
    """The target Python belongs to the system package manager (PEP 668)."""


def externally_managed_message(interpreter: Interpreter) -> str | None:
    """The text of the interpreter's EXTERNALLY-MANAGED marker, or None when unmarked."""
    if interpreter.is_venv or not interpreter.stdlib:
        return None
    marker = os.path.join(interpreter.stdlib, "EXTERNALLY-MANAGED")
    try:
        with open(marker, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return None
    for line in text.splitlines():
        if line.strip().lower().startswith("error"):
            _, _, message = line.partition("=")
            if message.strip():
                return message.strip()
    return "this Python is managed by another package manager"


def target_interpreter(
    ctx: Context,
    *,
    python: str | None = None,
    system: bool = False,
    for_writing: bool = False,
    break_system_packages: bool = False,
) -> Interpreter:
    """Find the interpreter whose environment the command reads or changes."""
    from puv.domain.python.discovery import find_environment_python
    from puv.domain.python.request import parse_request

    request = parse_request(python if python is not None else ctx.settings.python)
    system = system or ctx.settings.system
    interpreter = find_environment_python(
        request, environ=ctx.environ, cwd=ctx.cwd, cache_dir=_interpreter_cache(ctx), system=system,
        trace=ctx.printer.trace,
    )
    if for_writing and not break_system_packages:
        reason = externally_managed_message(interpreter)
        if reason is not None:
            raise ExternallyManaged(
                f"the interpreter at {interpreter.sys_executable} is externally managed (PEP 668)",
                causes=[reason],
                hints=[
                    "create a virtual environment with `puv venv` and install there",
                    "or pass `--break-system-packages` to modify it anyway",
                ],
            )
    return interpreter


class Destination(Frozen):
    """Where a pip command reads and changes installed packages.

    ``kind`` is ``"environment"`` (the interpreter's own: a virtual environment
    or a system Python), ``"target"`` (``--target DIR``) or ``"prefix"``
    (``--prefix DIR``); ``root`` is the environment's prefix or ``DIR``
    (absolute). ``interpreter`` decides markers, tags and shebangs; for a
    target or prefix its ``paths`` are those of ``DIR`` (see the module
    docstring), so everything that reads ``interpreter.paths`` acts on ``DIR``.
    """

    __slots__ = ("interpreter", "kind", "root")

    interpreter: Interpreter
    kind: str
    root: str

    def __init__(self, interpreter: Interpreter, kind: str, root: str) -> None:
        init = object.__setattr__
        init(self, "interpreter", interpreter)
        init(self, "kind", kind)
        init(self, "root", root)

    @classmethod
    def of(cls, interpreter: Interpreter) -> Destination:
        """The interpreter's own environment."""
        return cls(interpreter, "environment", interpreter.prefix)

    @property
    def lock_location(self) -> tuple[str, bool]:
        """``(directory, is_venv)`` for :func:`puv.domain.installer.operation.environment_lock`:
        a target or prefix is locked with ``DIR/.lock``, like a virtual environment."""
        if self.kind == "environment":
            return self.interpreter.prefix, self.interpreter.is_venv
        return self.root, True

    def describe(self) -> str:
        """For debug lines: ``--target directory at DIR`` or ``Python 3.12.1 environment at PREFIX``."""
        if self.kind == "environment":
            return f"Python {self.interpreter.version} environment at {self.root}"
        return f"`--{self.kind}` directory at {self.root} (Python {self.interpreter.version})"


def target_paths(directory: str) -> InstallPaths:
    """The scheme of ``--target DIR`` (uv's): everything flat in DIR, scripts in DIR/bin."""
    from puv.domain.python.interpreter import InstallPaths

    include = os.path.join(directory, "include")
    return InstallPaths(
        purelib=directory,
        platlib=directory,
        scripts=os.path.join(directory, "bin"),
        data=directory,
        include=include,
        headers=include,
    )


def prefix_paths(directory: str, interpreter: Interpreter) -> InstallPaths:
    """The scheme of ``--prefix DIR``: a virtual environment's layout for ``interpreter``, under DIR."""
    from puv.domain.python.interpreter import InstallPaths

    major, minor = interpreter.python_version
    if interpreter.platform.startswith("win"):
        site = os.path.join(directory, "Lib", "site-packages")
        scripts = os.path.join(directory, "Scripts")
    else:
        version = f"python{major}.{minor}{'t' if interpreter.gil_disabled else ''}"
        site = os.path.join(directory, "lib", version, "site-packages")
        scripts = os.path.join(directory, "bin")
    headers = os.path.join(directory, "include", "site", f"python{major}.{minor}")
    return InstallPaths(purelib=site, platlib=site, scripts=scripts, data=directory, include=headers, headers=headers)


def with_paths(interpreter: Interpreter, paths: InstallPaths) -> Interpreter:
    """``interpreter`` installing into ``paths`` (every other fact unchanged)."""
    from puv.domain.python.interpreter import Interpreter

    data = interpreter.to_json()
    data["paths"] = {
        "purelib": paths.purelib,
        "platlib": paths.platlib,
        "scripts": paths.scripts,
        "data": paths.data,
        "include": paths.include,
        "headers": paths.headers,
    }
    return Interpreter.from_json(data)


def find_destination(
    ctx: Context,
    *,
    python: str | None = None,
    system: bool = False,
    target: str | None = None,
    prefix: str | None = None,
    for_writing: bool = False,
    break_system_packages: bool = False,
    create: bool = False,
) -> Destination:
    """The interpreter's own environment, or a ``--target`` / ``--prefix`` directory
    for it (``create``: make the directory and its site-packages when missing)."""
    from puv.errors import UsageError

    if target is not None and prefix is not None:
        raise UsageError(
            "`--target` and `--prefix` cannot be used together",
            hints=["`--target DIR` installs into a flat directory; `--prefix DIR` into DIR/lib/python3.X/site-packages"],
        )
    if target is None and prefix is None:
        interpreter = target_interpreter(
            ctx, python=python, system=system, for_writing=for_writing, break_system_packages=break_system_packages
        )
        return Destination.of(interpreter)
    option = "target" if target is not None else "prefix"
    given = target if target is not None else (prefix or "")
    if not given.strip():
        raise UsageError(f"`--{option}` needs a directory, got an empty value")
    directory = os.path.normpath(os.path.join(str(ctx.cwd), os.path.expanduser(given)))
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise UsageError(f"`--{option} {given}`: `{directory}` exists and is not a directory")
    # Any interpreter will do (a virtual environment first, else a system Python);
    # its own environment is not changed, so PEP 668 does not apply.
    interpreter = target_interpreter(ctx, python=python, system=True)
    paths = target_paths(directory) if option == "target" else prefix_paths(directory, interpreter)
    if create:
        try:
            os.makedirs(paths.purelib, exist_ok=True)
        except OSError as error:
            raise PuvError(
                f"cannot create the `--{option}` directory `{directory}`",
                causes=[error.strerror or str(error)],
            ) from None
    return Destination(with_paths(interpreter, paths), option, directory)


def site_dirs(interpreter: Interpreter) -> list[Path]:
    """purelib and platlib (once when they are the same directory)."""
    from pathlib import Path

    dirs = [Path(interpreter.paths.purelib)]
    if interpreter.paths.platlib != interpreter.paths.purelib:
        dirs.append(Path(interpreter.paths.platlib))
    return dirs


def _interpreter_cache(ctx: Context) -> Path | None:
    """Interpreter answers are cached unless ``--no-cache`` (then nothing is written)."""
    if ctx.settings.no_cache:
        return None
    return ctx.settings.cache_dir
