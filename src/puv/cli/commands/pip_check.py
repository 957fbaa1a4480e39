"""`puv pip check`: are the installed packages' dependencies met? Like `uv pip check`.

Reports, on stderr, ``Checked N packages in Xms`` and then either ``All
installed packages are compatible`` (exit 0) or ``Found N incompatibilities``
and one line per problem (exit 1):

* ``The package `a` requires `b>=2`, but `1.0` is installed``
* ``The package `a` requires `c`, but it's not installed``
* ``The package `a` requires Python >=3.13, but `3.12.1` is installed``
* ``The package `x` was built for a different platform`` (none of the tags in
  its ``WHEEL`` file is one the interpreter supports)
* a package whose metadata cannot be read, and a package installed twice.

Markers are evaluated for the environment; the extras that installed packages
ask for (``b[x]``) are followed, so an ``extra == "x"`` dependency of ``b`` must
be installed too (pip and uv ignore extras here).
"""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from puv.context import Context


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from puv.cli.commands.pip_freeze import add_environment_options

    add_environment_options(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    import time

    from puv.cli.common import format_elapsed
    from puv.cli.commands.pip_freeze import find_interpreter, installed
    from puv.domain.installer.inspect import build_graph, diagnostics, load_packages

    started = time.perf_counter()
    interpreter = find_interpreter(args, ctx)
    dists = installed(interpreter)
    markers = dict(interpreter.markers)
    graph = build_graph(load_packages(dists), markers)
    problems = diagnostics(graph, markers, interpreter.tags)
    count = len(dists)
    ctx.printer.status(
        f"Checked {count} package{'' if count == 1 else 's'} in {format_elapsed(time.perf_counter() - started)}"
    )
    if not problems:
        ctx.printer.status("All installed packages are compatible")
        return 0
    noun = "incompatibility" if len(problems) == 1 else "incompatibilities"
    ctx.printer.status(f"Found {len(problems)} {noun}")
    for problem in problems:
        ctx.printer.status(problem.message)
    return 1
