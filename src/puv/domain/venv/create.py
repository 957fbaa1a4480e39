"""Create a PEP 405 virtual environment without running the base interpreter.

The layout is the one ``python -m venv --without-pip`` makes on POSIX, so
``site``, ``ensurepip`` and pip treat it as a normal environment::

    pyvenv.cfg                     home, implementation, version_info, puv, ...
    bin/python -> <base interpreter>, bin/python3 and bin/python3.X -> python
    bin/activate, activate.fish, activate.csh, activate.nu, activate.ps1, activate_this.py
    lib/python3.X/site-packages/   (python3.Xt for a free-threaded build)
    lib64 -> lib                   on 64-bit Linux, as venv does
    .gitignore                     "*": version control ignores the environment

A new environment is built in a hidden sibling directory and renamed into
place, so a failure leaves nothing behind; an existing environment replaced
with ``clear`` is swapped out only once the new one is complete. A directory
that is not a virtual environment is never removed.
"""

from __future__ import annotations

import os
from pathlib import Path

from puv.domain.python.interpreter import Interpreter
from puv.errors import VenvError
from puv.frozen import Frozen

_TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "activate")
_SCRIPTS = ("activate", "activate.fish", "activate.csh", "activate.nu", "activate.ps1")


class VenvResult(Frozen):
    """What was created: the environment's root, its interpreter and prompt.

    A frozen value (:class:`puv.frozen.Frozen`, kept off ``dataclasses`` for start-up time) with the behaviour of a frozen ``@dataclass``
    (construction, ``==``, hash, repr, ``FrozenInstanceError``): ``puv venv``
    loads this module on every run, and importing ``dataclasses`` (which
    imports ``inspect``) would be a large share of its start-up.
    """

    __slots__ = ("root", "python", "site_packages", "prompt", "base", "replaced")

    root: Path
    python: Path  # <root>/bin/python
    site_packages: Path
    prompt: str
    base: Interpreter
    replaced: bool  # an existing environment was cleared

    def __init__(
        self,
        root: Path,
        python: Path,
        site_packages: Path,
        prompt: str,
        base: Interpreter,
        replaced: bool,
    ) -> None:
        init = object.__setattr__
        init(self, "root", root)
        init(self, "python", python)
        init(self, "site_packages", site_packages)
        init(self, "prompt", prompt)
        init(self, "base", base)
        init(self, "replaced", replaced)

def _quote_sh(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def _quote_fish(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _quote_nu(value: str) -> str:
    hashes = "#"
    while f"'{hashes}" in value:
        hashes += "#"
    return f"r{hashes}'{value}'{hashes}"


def _quote_ps1(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_QUOTE = {
    "activate": _quote_sh,
    "activate.fish": _quote_fish,
    "activate.csh": _quote_sh,
    "activate.nu": _quote_nu,
    "activate.ps1": _quote_ps1,
}

# How each script sets VIRTUAL_ENV: a fixed path, or (relocatable) found from
# the script's own location. csh cannot know the file it is sourced from, so
# its script always names the path.
_FIXED = {
    "activate": "VIRTUAL_ENV={path}",
    "activate.fish": "set -gx VIRTUAL_ENV {path}",
    "activate.csh": "setenv VIRTUAL_ENV {path}",
    "activate.nu": "{path}",
    "activate.ps1": "{path}",
}
_RELOCATABLE = {
    "activate": (
        'if [ -n "${BASH_VERSION:-}" ]; then\n'
        '    _puv_this="${BASH_SOURCE[0]}"\n'
        'elif [ -n "${ZSH_VERSION:-}" ]; then\n'
        '    _puv_this="${(%):-%x}"\n'
        "else\n"
        '    _puv_this="$0"\n'
        "fi\n"
        'VIRTUAL_ENV="$(cd "$(dirname -- "$_puv_this")/.." > /dev/null && pwd)"\n'
        "unset _puv_this"
    ),
    "activate.fish": "set -gx VIRTUAL_ENV (builtin realpath (dirname (status --current-filename))/..)",
    "activate.nu": "($env.CURRENT_FILE | path dirname | path dirname)",
    "activate.ps1": "(Split-Path -Parent $PSScriptRoot)",
}


def _state(path: str) -> str:
    """``missing``, ``empty``, ``venv``, ``directory`` (non-empty, not a venv) or ``file``."""
    try:
        entries = os.listdir(path)
    except FileNotFoundError:
        return "file" if os.path.lexists(path) else "missing"
    except NotADirectoryError:
        return "file"
    if not entries:
        return "empty"
    return "venv" if os.path.isfile(os.path.join(path, "pyvenv.cfg")) else "directory"


def _replace_symlink(target: str, link: str) -> None:
    try:
        os.symlink(target, link)
    except FileExistsError:
        tmp = f"{link}.{os.getpid()}.tmp"
        os.symlink(target, tmp)
        os.replace(tmp, link)


def _write(path: str, text: str, mode: int = 0o644) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    if mode != 0o644:
        os.chmod(path, mode)


def _pyvenv_cfg(base: Interpreter, *, prompt: str | None, system_site_packages: bool, relocatable: bool) -> str:
    from puv import __version__

    lines = [
        f"home = {os.path.dirname(base.executable)}",
        f"implementation = {base.implementation_display}",
        f"version_info = {base.version}",
        f"include-system-site-packages = {'true' if system_site_packages else 'false'}",
        f"puv = {__version__}",
    ]
    if prompt is not None:
        lines.append(f"prompt = {prompt}")
    if relocatable:
        lines.append("relocatable = true")
    return "\n".join(lines) + "\n"


def _lib_name(base: Interpreter) -> str:
    major, minor = base.python_version
    return f"python{major}.{minor}{'t' if base.gil_disabled else ''}"


def _populate(
    root: str,
    final_root: str,
    base: Interpreter,
    *,
    prompt: str,
    prompt_given: bool,
    system_site_packages: bool,
    relocatable: bool,
) -> None:
    """Write every file of the environment into ``root`` (named ``final_root`` in scripts)."""
    major, minor = base.python_version
    bin_dir = os.path.join(root, "bin")
    site_rel = os.path.join("lib", _lib_name(base), "site-packages")
    os.makedirs(bin_dir, exist_ok=True)
    os.makedirs(os.path.join(root, site_rel), exist_ok=True)
    if base.pointer_size == 64 and base.platform.startswith("linux"):
        lib64 = os.path.join(root, "lib64")
        if not os.path.lexists(lib64):
            os.symlink("lib", lib64)

    _replace_symlink(base.executable, os.path.join(bin_dir, "python"))
    for name in (f"python{major}", f"python{major}.{minor}"):
        _replace_symlink("python", os.path.join(bin_dir, name))

    _write(
        os.path.join(root, "pyvenv.cfg"),
        _pyvenv_cfg(
            base,
            prompt=prompt if prompt_given else None,
            system_site_packages=system_site_packages,
            relocatable=relocatable,
        ),
    )
    _write(os.path.join(root, ".gitignore"), "# Created by puv: keep this virtual environment out of version control.\n*\n")

    for name in _SCRIPTS:
        quote = _QUOTE[name]
        with open(os.path.join(_TEMPLATES, name), encoding="utf-8") as handle:
            template = handle.read()
        if relocatable and name in _RELOCATABLE:
            venv_line = _RELOCATABLE[name]
        else:
            venv_line = _FIXED[name].format(path=quote(final_root))
        text = (
            template.replace("__PUV_VIRTUAL_ENV__", venv_line)
            .replace("__PUV_PROMPT__", quote(prompt))
            .replace("__PUV_BIN_NAME__", "bin")
        )
        _write(os.path.join(bin_dir, name), text)
    with open(os.path.join(_TEMPLATES, "activate_this.py.in"), encoding="utf-8") as handle:
        template = handle.read()
    text = template.replace("__PUV_PROMPT__", repr(prompt)).replace("__PUV_SITE_PACKAGES__", repr([site_rel]))
    _write(os.path.join(bin_dir, "activate_this.py"), text)


def _remove_tree(path: str) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _empty_directory(path: str) -> None:
    """Remove everything inside ``path`` (which was empty before puv wrote into it)."""
    for entry in os.listdir(path):
        full = os.path.join(path, entry)
        if os.path.isdir(full) and not os.path.islink(full):
            _remove_tree(full)
        else:
            try:
                os.unlink(full)
            except OSError:
                pass


def _failed(root: str, error: OSError) -> VenvError:
    return VenvError(
        f"Failed to create virtual environment at `{root}`",
        causes=[str(error)],
    )


def create_venv(
    location: str | os.PathLike[str],
    base: Interpreter,
    *,
    prompt: str | None = None,
    system_site_packages: bool = False,
    clear: bool = False,
    allow_existing: bool = False,
    relocatable: bool = False,
) -> VenvResult:
    """Create a virtual environment at ``location`` (absolute) on the ``base`` interpreter.

    An existing virtual environment is an error unless ``clear`` (replace it)
    or ``allow_existing`` (write into it) is given. A non-empty directory that
    is not a virtual environment is written into only with ``allow_existing``
    and never cleared.
    """
    if os.name == "nt":
        raise VenvError("puv cannot create virtual environments on Windows yet")
    if base.is_venv:
        raise VenvError(
            f"`{base.executable}` belongs to a virtual environment; a new one needs its base interpreter",
            hints=[f"use `{base.base_executable}`"],
        )
    root = os.path.abspath(os.fspath(location))
    state = _state(root)
    if state == "file":
        raise VenvError(
            f"Failed to create virtual environment at `{root}`",
            causes=["a file (not a directory) exists at that path"],
            hints=["choose another path"],
        )
    if state == "venv" and not (clear or allow_existing):
        raise VenvError(
            f"A virtual environment already exists at `{root}`",
            hints=[
                "use `--clear` to replace it, or `--allow-existing` to write into it",
            ],
        )
    if state == "directory":
        if clear and not allow_existing:
            raise VenvError(
                f"puv will not clear `{root}`: it is not a virtual environment (it has no pyvenv.cfg)",
                hints=["remove the directory yourself, or choose another path"],
            )
        if not allow_existing:
            raise VenvError(
                f"A directory already exists at `{root}` and it is not a virtual environment",
                hints=["choose another path, or use `--allow-existing` to write into it anyway"],
            )

    effective_prompt = prompt if prompt is not None else os.path.basename(root)
    if prompt == ".":
        effective_prompt = os.path.basename(os.getcwd())

    def populate(directory: str) -> None:
        _populate(
            directory,
            root,
            base,
            prompt=effective_prompt,
            prompt_given=prompt is not None,
            system_site_packages=system_site_packages,
            relocatable=relocatable,
        )

    site_packages = Path(root, "lib", _lib_name(base), "site-packages")

    def result(replaced: bool) -> VenvResult:
        return VenvResult(
            root=Path(root),
            python=Path(root, "bin", "python"),
            site_packages=site_packages,
            prompt=effective_prompt,
            base=base,
            replaced=replaced,
        )

    if allow_existing and state in ("venv", "directory"):
        try:
            populate(root)
        except OSError as error:
            raise _failed(root, error) from None
        return result(False)

    if state == "empty":
        try:
            populate(root)
        except OSError as error:
            _empty_directory(root)
            raise _failed(root, error) from None
        return result(False)

    # Missing, or an environment to replace: build beside it, then rename into place.
    parent = os.path.dirname(root)
    created_parents: list[str] = []
    probe = parent
    while not os.path.isdir(probe):
        created_parents.append(probe)
        probe = os.path.dirname(probe)
    building = os.path.join(parent, f".{os.path.basename(root)}.puv-{os.getpid()}.tmp")
    old = os.path.join(parent, f".{os.path.basename(root)}.puv-{os.getpid()}.old")
    try:
        os.makedirs(building)
        populate(building)
        if state == "venv":
            os.rename(root, old)
            os.rename(building, root)
            _remove_tree(old)
        else:
            os.rename(building, root)
    except BaseException as error:
        # Any failure, Ctrl-C included, leaves things as they were.
        _remove_tree(building)
        if os.path.lexists(old) and not os.path.lexists(root):
            os.rename(old, root)  # put the previous environment back
        for directory in created_parents:
            try:
                os.rmdir(directory)
            except OSError:
                pass
        if isinstance(error, OSError):
            raise _failed(root, error) from None
        raise
    return result(state == "venv")
