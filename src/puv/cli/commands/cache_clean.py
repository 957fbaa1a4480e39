"""`puv cache clean [PACKAGE...]`: remove the whole cache, or one project's entries.

A project's entries are its index pages, metadata, unpacked wheels and built
wheels, and the archives fetched from direct URLs whose file name (a wheel or
source distribution name) names it. Git checkouts and databases (``git-v1``) are
not removed by name: a repository can hold several projects and nothing records
which one a checkout was built as (a wheel built from a checkout is removed
with the project's other built wheels). `puv cache clean` with no names
removes them too.
"""

from __future__ import annotations

import argparse

from puv.context import Context


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("packages", nargs="*", metavar="PACKAGE", help="Only remove these projects' entries")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from packaging.utils import InvalidName, canonicalize_name

    from puv.errors import UsageError
    from puv.io.cache import Cache
    from puv.io.cache_admin import clean_all, clean_packages, human_size

    cache = Cache(ctx.cache_root())
    if not args.packages:
        if not cache.root.exists():
            ctx.printer.status(f"No cache found at: {cache.root}")
            return 0
        ctx.printer.status(f"Clearing cache at: {cache.root}")
        tally = clean_all(cache)
        ctx.printer.status(f"Removed {_files(tally.files)} ({human_size(tally.bytes)})")
        return 0
    names = []
    for raw in args.packages:
        try:
            names.append(canonicalize_name(raw, validate=True))
        except InvalidName:
            raise UsageError(f"invalid package name `{raw}`") from None
    for name, tally in clean_packages(cache, names).items():
        if tally.files:
            ctx.printer.status(f"Removed {_files(tally.files)} for {name} ({human_size(tally.bytes)})")
        else:
            ctx.printer.status(f"No cache entries found for {name}")
    return 0


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"
