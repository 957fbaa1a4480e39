"""`puv pip tree`: the installed packages as a dependency tree, like `uv pip tree`.

Each package nothing else requires is a root, printed as ``name vX.Y``; its
dependencies follow, drawn with ``├── `` / ``└── `` / ``│   ``. A package
already shown is not expanded again: it is marked ``(*)`` when it has
dependencies (``--no-dedupe`` expands it, except around a cycle). Markers are
evaluated for the environment, and the extras installed packages ask for
(``b[x]``) bring in ``b``'s ``extra == "x"`` requirements (uv ignores extras
here). An edge is drawn only when the installed version meets the requirement
(as in uv; ``puv pip check`` reports the others).

``--depth N`` stops N levels below the roots, ``--prune NAME`` leaves a
package (and what only it leads to) out, ``--package NAME`` shows only the
tree of NAME, ``--invert`` shows who requires each package, and
``--show-version-specifiers`` adds ``[required: >=1]`` (or, inverted,
``[requires: parent >=1]``). ``--outdated`` adds ``(latest: vX)`` after each
package with a newer release on the index.
"""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from puv.context import Context


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from puv.cli.commands.pip_freeze import add_environment_options, add_strict_option
    from puv.cli.options import add_index_options

    parser.add_argument("-d", "--depth", type=int, default=255, metavar="N", help="Show N levels of dependencies")
    parser.add_argument(
        "--prune", action="append", default=None, metavar="PACKAGE", help="Leave this package out (repeatable)"
    )
    parser.add_argument(
        "--package", action="append", default=None, metavar="PACKAGE",
        help="Show only the tree of this package (repeatable)",
    )
    parser.add_argument("--no-dedupe", action="store_true", help="Expand packages already shown")
    parser.add_argument("--invert", "--reverse", action="store_true", help="Show who requires each package")
    parser.add_argument(
        "--show-version-specifiers", action="store_true", help="Show the version each requirement asks for"
    )
    parser.add_argument("--outdated", action="store_true", help="Show the newest version on the index when newer")
    parser.add_argument("--pre", action="store_true", help="With --outdated: consider pre-release versions too")
    add_strict_option(parser)
    add_environment_options(parser)
    add_index_options(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from puv.cli.commands.pip_freeze import find_interpreter, installed, warn_strict
    from puv.domain.installer.inspect import TreeOptions, build_graph, load_packages, render_tree
    from puv.errors import UsageError

    if args.depth < 0:
        raise UsageError(f"invalid --depth `{args.depth}`: expected 0 or more")
    interpreter = find_interpreter(args, ctx)
    dists = installed(interpreter)
    graph = build_graph(load_packages(dists), interpreter.markers)
    latest = {}
    if args.outdated:
        from puv.cli.commands.pip_list import find_latest

        found = find_latest(ctx, args, interpreter, sorted(graph.by_name), pre=args.pre)
        latest = {name: item.version for name, item in found.items()}
    lines = render_tree(
        graph,
        TreeOptions(
            depth=args.depth,
            prune=args.prune or (),
            packages=args.package or (),
            invert=args.invert,
            show_version_specifiers=args.show_version_specifiers,
            no_dedupe=args.no_dedupe,
            latest=latest,
        ),
    )
    text = "\n".join(lines)
    if text:
        ctx.printer.stdout(text + "\n")
    if "(*)" in text:
        note = "(*) Package tree is a cycle and cannot be shown" if args.no_dedupe else "(*) Package tree already displayed"
        ctx.printer.stdout(note + "\n")
    if args.strict:
        warn_strict(ctx, interpreter, dists)
    return 0
