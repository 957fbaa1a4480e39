"""The environment a pip-style command acts on (install, sync, uninstall, freeze, ...).

Discovery as in uv: ``--python`` (a path, name or version), else the active
``VIRTUAL_ENV``, else a ``.venv`` in the working directory or a parent; a
system interpreter only with ``--system`` (or ``PUV_SYSTEM_PYTHON``) or when
``--python`` names one. Writing into a Python marked externally managed
(PEP 668: an ``EXTERNALLY-MANAGED`` file in its stdlib directory) is refused
unless ``--break-system-packages`` is given; a virtual environment never is.
"""

from __future__ import annotations

import os

from puv.errors import PuvError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from puv.context import Context
    from puv.domain.python.interpreter import Interpreter


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
        request, environ=ctx.environ, cwd=ctx.cwd, cache_dir=_interpreter_cache(ctx), system=system
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
