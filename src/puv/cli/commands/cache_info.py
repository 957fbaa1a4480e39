"""`puv cache info`: the cache's location, and size and entry count per bucket."""

from __future__ import annotations

import argparse

from puv.context import Context


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace, ctx: Context) -> int:
    from puv.io.cache import Cache
    from puv.io.cache_admin import Tally, human_size, info

    cache = Cache(ctx.cache_root())
    lines = [f"Cache directory: {cache.root}"]
    if not cache.root.exists():
        lines.append("(empty: the directory does not exist yet)")
        ctx.printer.stdout("\n".join(lines) + "\n")
        return 0
    rows = info(cache)
    width = max(len(row.name) for row in rows)
    total = Tally()
    for row in rows:
        total += row.tally
        lines.append(
            f"  {row.name.ljust(width)}  {row.entries:>6} entries  {row.tally.files:>7} files  "
            f"{human_size(row.tally.bytes):>9}"
        )
    lines.append(f"  {'total'.ljust(width)}  {'':>14}  {total.files:>7} files  {human_size(total.bytes):>9}")
    ctx.printer.stdout("\n".join(lines) + "\n")
    return 0
