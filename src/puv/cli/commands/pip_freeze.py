"""`puv pip freeze`: the installed packages in requirements format, like `uv pip freeze`.

One line per installed distribution, sorted by name case-insensitively (pip's
order): ``name==version`` (``name===version`` for a version that is not
PEP 440), ``name @ URL`` for a direct URL install (PEP 610), ``-e URL`` for an
editable one. Names are spelled as the metadata spells them, as pip does.

Differences from pip, following uv: nothing is hidden (pip leaves out pip,
setuptools, wheel and distribute unless ``--all``; there is no ``--all``), an
editable install is ``-e file:///path`` without pip's ``# Editable install``
comment, and a direct archive URL is printed without its ``#sha256=`` fragment.
``--strict`` reports missing or incompatible dependencies as warnings (stderr).

:func:`add_environment_options` holds the options every read-only pip command
shares (``--python``, ``--system``; ``-t/--target`` and ``--prefix`` for freeze,
list, show and uninstall, as in uv).
"""

from __future__ import annotations

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

    from puv.cli.quick_args import Exclusive, OptionTable
    from puv.context import Context
    from puv.domain.installer.site import InstalledDist
    from puv.domain.python.interpreter import Interpreter


# Plain command lines are read without argparse (see puv.cli.quick_args); these
# tables must say what the add_* functions below say (tests/test_quick_args.py checks).
QUICK_ENVIRONMENT: OptionTable = {
    "-p": ("python", "value", ()),
    "--python": ("python", "value", ()),
    "--system": ("system", "flag", ()),
    "-t": ("target", "value", ()),
    "--target": ("target", "value", ()),
    "--prefix": ("prefix", "value", ()),
}
QUICK_OPTIONS: OptionTable = {
    **QUICK_ENVIRONMENT,
    "--exclude-editable": ("exclude_editable", "flag", ()),
    "--exclude": ("exclude", "append", ()),
    "--strict": ("strict", "flag", ()),
}
ENVIRONMENT_DEFAULTS: Mapping[str, object] = {"python": None, "system": None, "target": None, "prefix": None}
QUICK_DEFAULTS: Mapping[str, object] = {
    "exclude_editable": False,
    "exclude": None,
    "strict": False,
    **ENVIRONMENT_DEFAULTS,
}
QUICK_POSITIONAL = None
QUICK_EXCLUSIVE: Exclusive = ((("-t", "--target"), ("--prefix",)),)


def add_environment_options(
    parser: argparse.ArgumentParser, *, writing: bool = False, destination: str | None = None
) -> None:
    """``--python`` / ``--system`` (and ``--break-system-packages`` for commands that write;
    ``-t/--target`` / ``--prefix`` when ``destination`` names the verb for their help)."""
    group = parser.add_argument_group("environment")
    group.add_argument(
        "-p", "--python", default=None, metavar="PYTHON",
        help="The environment's interpreter: a path, a name or a version [env: PUV_PYTHON]",
    )
    group.add_argument(
        "--system", action="store_const", const=True, default=None,
        help="Use the system Python instead of a virtual environment [env: PUV_SYSTEM_PYTHON]",
    )
    if writing:
        group.add_argument(
            "--break-system-packages", action="store_true",
            help="Modify a Python marked externally managed (PEP 668) anyway",
        )
    if destination is not None:
        from puv.cli.options import add_destination_options

        add_destination_options(group, verb=destination)


def add_strict_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--strict", action="store_true", help="Warn about missing or incompatible dependencies of installed packages"
    )


def find_interpreter(args: argparse.Namespace, ctx: Context) -> Interpreter:
    """The interpreter to read; with ``--target`` / ``--prefix`` its paths are the directory's."""
    from puv.cli.environment import find_destination

    destination = find_destination(
        ctx,
        python=args.python,
        system=bool(args.system),
        target=getattr(args, "target", None),
        prefix=getattr(args, "prefix", None),
    )
    ctx.printer.debug(f"Using {destination.describe()}")
    return destination.interpreter


def installed(interpreter: Interpreter) -> tuple[InstalledDist, ...]:
    from puv.cli.environment import site_dirs
    from puv.domain.installer.site import list_installed

    return list_installed(site_dirs(interpreter))


def warn_strict(ctx: Context, interpreter: Interpreter, dists: tuple[InstalledDist, ...]) -> None:
    """``--strict``: every problem ``puv pip check`` would report, as a warning."""
    from puv.domain.installer.inspect import build_graph, diagnostics, load_packages

    markers = dict(interpreter.markers)
    graph = build_graph(load_packages(dists), markers)
    for diagnostic in diagnostics(graph, markers, interpreter.tags):
        ctx.printer.warn(diagnostic.message)


def excluded_names(values: list[str] | None) -> frozenset[str]:
    from puv.primitives.names import canonical_name

    return frozenset(canonical_name(value) for value in values or ())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--exclude-editable", action="store_true", help="Leave out editable installs")
    parser.add_argument(
        "--exclude", action="append", default=None, metavar="PACKAGE",
        help="Leave out this package (repeatable)",
    )
    add_strict_option(parser)
    add_environment_options(parser, destination="List packages in")


def freeze_line(dist: InstalledDist, name: str) -> str:
    """One line of ``pip freeze`` for ``dist`` (``name`` as its metadata spells it)."""
    direct = dist.direct_url
    if direct is not None:
        if direct.editable:
            return f"-e {direct.url}"
        return f"{name} @ {direct.display()}"
    if not _plain_release(dist.version):
        from packaging.version import InvalidVersion, Version

        try:
            Version(dist.version)
        except InvalidVersion:
            return f"{name}==={dist.version}"
    return f"{name}=={dist.version}"


def _plain_release(version: str) -> bool:
    """``1.2.3``: digits and dots only, a valid PEP 440 version without parsing it (most
    installed versions; anything else is checked by ``packaging``)."""
    parts = version.split(".")
    return all(part.isdigit() and part.isascii() for part in parts)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from puv.domain.installer.inspect import display_name, sort_key

    interpreter = find_interpreter(args, ctx)
    dists = installed(interpreter)
    exclude = excluded_names(args.exclude)
    rows: list[tuple[str, str, str]] = []
    for dist in dists:
        if args.exclude_editable and dist.editable:
            continue
        if exclude and dist.canonical_name in exclude:
            continue
        name = display_name(dist)
        rows.append((sort_key(name), dist.version, freeze_line(dist, name)))
    rows.sort(key=lambda row: (row[0], row[1]))
    lines: list[str] = []
    for _, _, line in rows:
        if not lines or lines[-1] != line:
            lines.append(line)
    if lines:
        ctx.printer.stdout("\n".join(lines) + "\n")
    if args.strict:
        warn_strict(ctx, interpreter, dists)
    return 0
