"""`puv pip index versions NAME`: the versions the configured indexes offer, newest first."""

from __future__ import annotations

import argparse

from puv.context import Context


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from puv.cli.options import add_index_options

    parser.add_argument("package", metavar="NAME", help="The package to look up")
    parser.add_argument("--pre", action="store_true", help="Include pre-release and development versions")
    add_index_options(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from packaging.utils import InvalidName, canonicalize_name

    from puv.cli.options import refresh_of
    from puv.errors import PuvError, UsageError
    from puv.io.http import redact
    from puv.primitives.filenames import try_parse_filename

    try:
        name = canonicalize_name(args.package, validate=True)
    except InvalidName:
        raise UsageError(f"invalid package name `{args.package}`") from None

    index = ctx.index(refresh=refresh_of(args))
    versions = set()
    for sourced in index.files(name):
        if sourced.file.yanked:
            continue
        parsed = try_parse_filename(sourced.file.filename, name)
        if parsed is None or parsed.name != name:
            continue
        if parsed.version.is_prerelease and not args.pre:
            continue
        versions.add(parsed.version)
    if not versions:
        asked = [redact(u) for u in index.sources.indexes] + list(index.sources.find_links)
        raise PuvError(
            f"no versions of `{name}` were found",
            hints=[f"looked in: {', '.join(asked) or '(no index or find-links configured)'}"]
            + ([] if args.pre else ["pre-releases are hidden; add --pre to include them"]),
        )
    ordered = sorted(versions, reverse=True)
    ctx.printer.stdout(f"{name} ({ordered[0]})\nAvailable versions: {', '.join(map(str, ordered))}\n")
    return 0
