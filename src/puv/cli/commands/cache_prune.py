"""`puv cache prune`: remove entries no run can use (staging leftovers, old formats)."""

from __future__ import annotations

import argparse

from puv.context import Context


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace, ctx: Context) -> int:
    from puv.io.cache import Cache
    from puv.io.cache_admin import human_size, prune

    cache = Cache(ctx.cache_root())
    if not cache.root.exists():
        ctx.printer.status(f"No cache found at: {cache.root}")
        return 0
    ctx.printer.status(f"Pruning cache at: {cache.root}")
    tally = prune(cache)
    if tally.files:
        ctx.printer.status(f"Removed {_files(tally.files)} ({human_size(tally.bytes)})")
    else:
        ctx.printer.status("No unused entries found")
    return 0


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"
