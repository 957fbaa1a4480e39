"""`puv venv [PATH]`: create a virtual environment (PEP 405), like `uv venv`.

The base interpreter comes from ``--python`` or the system search (never a
virtual environment). Output follows uv: on stderr, the interpreter used,
where the environment is created and how to activate it.
"""

from __future__ import annotations

import os

from puv.cli.quick_args import INDEX_DEFAULTS

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

    from puv.cli.quick_args import OptionTable
    from puv.context import Context

# Plain command lines (no --help, no index options) are read without argparse
# (see puv.cli.quick_args); these must say what ``add_arguments`` says, which
# tests/test_quick_args.py checks.
QUICK_OPTIONS: OptionTable = {
    "-p": ("python", "value", ()),
    "--python": ("python", "value", ()),
    "--prompt": ("prompt", "value", ()),
    "--system-site-packages": ("system_site_packages", "flag", ()),
    "--clear": ("clear", "flag", ()),
    "--allow-existing": ("allow_existing", "flag", ()),
    "--relocatable": ("relocatable", "flag", ()),
    "--seed": ("seed", "flag", ()),
}
QUICK_DEFAULTS: Mapping[str, object] = {
    "path": None,
    "python": None,
    "prompt": None,
    "system_site_packages": False,
    "clear": False,
    "allow_existing": False,
    "relocatable": False,
    "seed": False,
    **INDEX_DEFAULTS,
}
QUICK_POSITIONAL = "path"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=None, help="Where to create the environment [default: .venv]")
    parser.add_argument(
        "-p",
        "--python",
        default=None,
        metavar="PYTHON",
        help="The interpreter to base it on: a version (3.12, >=3.11, cpython@3.12), a name or a path [env: PUV_PYTHON]",
    )
    parser.add_argument("--prompt", default=None, help="The prompt shown while the environment is active")
    parser.add_argument(
        "--system-site-packages",
        action="store_true",
        help="Give the environment access to the base interpreter's site-packages",
    )
    parser.add_argument("--clear", action="store_true", help="Replace an existing virtual environment")
    parser.add_argument(
        "--allow-existing",
        action="store_true",
        help="Write into an existing directory or environment instead of failing",
    )
    parser.add_argument(
        "--relocatable",
        action="store_true",
        help="Make the activation scripts find the environment relative to themselves",
    )
    parser.add_argument(
        "--seed",
        action="store_true",
        help="Install pip (and setuptools and wheel before Python 3.12) into the environment",
    )
    from puv.cli.options import add_index_options

    add_index_options(parser)


def _shell_quote(text: str) -> str:
    if text and all(ch.isalnum() or ch in "@%+=:,./-_" for ch in text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"


def activation_hint(path: str, environ: object) -> str:
    """The command that activates the environment in the user's shell (from ``$SHELL``)."""
    shell = ""
    if isinstance(environ, dict) or hasattr(environ, "get"):
        shell = os.path.basename(str(environ.get("SHELL", "") or ""))
    if path.startswith("-"):
        path = os.path.join(".", path)  # a shell would read `-name/bin/activate` as an option
    bin_dir = os.path.join(path, "bin")
    if shell == "fish":
        return f"source {_shell_quote(os.path.join(bin_dir, 'activate.fish'))}"
    if shell in ("csh", "tcsh"):
        return f"source {_shell_quote(os.path.join(bin_dir, 'activate.csh'))}"
    if shell == "nu":
        return f"overlay use {_shell_quote(os.path.join(bin_dir, 'activate.nu'))}"
    if shell in ("pwsh", "powershell"):
        return _shell_quote(os.path.join(bin_dir, "activate.ps1"))
    return f"source {_shell_quote(os.path.join(bin_dir, 'activate'))}"


def seed_packages(ctx: Context, python: str, version: tuple[int, int]) -> None:
    """Install pip (plus setuptools and wheel before 3.12) into the new environment,
    through `pip install`'s code path; only the `` + name==1.0`` lines are shown."""
    from puv.cli.commands.pip_install import InstallMode, install_into
    from puv.cli.inputs import RequirementInputs
    from puv.domain.python.interpreter import query_interpreter
    from puv.primitives.requirement_spec import parse_requirement_arg

    names = ["pip"] if version >= (3, 12) else ["pip", "setuptools", "wheel"]
    interpreter = query_interpreter(python, None if ctx.settings.no_cache else ctx.settings.cache_dir)
    inputs = RequirementInputs(requirements=tuple(parse_requirement_arg(name) for name in names))
    install_into(ctx, interpreter, inputs, InstallMode(summary=False))


def run(args: argparse.Namespace, ctx: Context) -> int:
    from puv.domain.python.discovery import find_base_python
    from puv.domain.python.request import parse_request
    from puv.domain.venv.create import create_venv

    settings = ctx.settings
    request = parse_request(settings.python)
    cache_dir = None if settings.no_cache else settings.cache_dir
    base = find_base_python(request, environ=ctx.environ, cwd=ctx.cwd, cache_dir=cache_dir, trace=ctx.printer.trace)
    ctx.printer.status(f"Using {base.display()} interpreter at: {base.executable}")

    shown = args.path if args.path is not None else ".venv"
    target = os.path.join(str(ctx.cwd), os.path.expanduser(shown))
    seeded = " with seed packages" if args.seed else ""
    ctx.printer.status(f"Creating virtual environment{seeded} at: {shown}")
    result = create_venv(
        target,
        base,
        prompt=args.prompt,
        system_site_packages=args.system_site_packages,
        clear=args.clear,
        allow_existing=args.allow_existing,
        relocatable=args.relocatable,
    )
    if args.seed:
        seed_packages(ctx, str(result.python), base.version_info[:2])
    ctx.printer.status(f"Activate with: {activation_hint(shown, ctx.environ)}")
    return 0
