"""`puv cache dir`: print where the cache is."""

from __future__ import annotations

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

    from puv.cli.quick_args import OptionTable
    from puv.context import Context

# Only global options: every plain command line is read without argparse (puv.cli.quick_args).
QUICK_OPTIONS: OptionTable = {}
QUICK_DEFAULTS: Mapping[str, object] = {}
QUICK_POSITIONAL = None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options of its own


def run(args: argparse.Namespace, ctx: Context) -> int:
    ctx.printer.stdout(f"{ctx.cache_root()}\n")
    return 0
