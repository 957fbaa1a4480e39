"""`puv cache dir`: print where the cache is."""

from __future__ import annotations

import argparse

from puv.context import Context


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options of its own


def run(args: argparse.Namespace, ctx: Context) -> int:
    ctx.printer.stdout(f"{ctx.cache_root()}\n")
    return 0
