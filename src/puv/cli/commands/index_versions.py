"""`puv pip index versions NAME`: the versions the configured indexes offer, newest first.

As pip does, only versions with a file the target can use are listed: the
target is the discovered Python (or ``--python`` / ``--python-version`` /
``--python-platform``), and ``--only-binary`` / ``--no-binary`` /
``--exclude-newer`` apply. Yanked versions are left out.
"""

from __future__ import annotations

import argparse

from puv.context import Context


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from puv.cli.options import add_index_options

    parser.add_argument("package", metavar="NAME", help="The package to look up")
    parser.add_argument("--pre", action="store_true", help="Include pre-release and development versions")
    target = parser.add_argument_group("target")
    target.add_argument("-p", "--python", default=None, metavar="PYTHON", help="The interpreter to list versions for")
    target.add_argument("--python-version", default=None, metavar="VERSION", help="List versions for this Python version")
    target.add_argument("--python-platform", default=None, metavar="PLATFORM", help="List versions for this platform")
    target.add_argument("--exclude-newer", default=None, metavar="DATE", help="Ignore files uploaded after this date")
    target.add_argument("--only-binary", action="append", default=None, metavar="NAME", help="Only wheels (:all: for every package)")
    target.add_argument("--no-binary", action="append", default=None, metavar="NAME", help="Never wheels (:all: for every package)")
    add_index_options(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from packaging.utils import InvalidName, canonicalize_name

    from puv.cli.common import resolve_target
    from puv.cli.inputs import selection_policy
    from puv.cli.options import refresh_of
    from puv.domain.index.candidates import select_candidates
    from puv.errors import PuvError, UsageError
    from puv.io.http import redact

    try:
        name = canonicalize_name(args.package, validate=True)
    except InvalidName:
        raise UsageError(f"invalid package name `{args.package}`") from None

    index = ctx.index(refresh=refresh_of(args))
    target = resolve_target(ctx.settings, ctx)
    candidates = select_candidates(name, index.files(name), target, selection_policy(ctx.settings))
    versions = [
        candidate.version
        for candidate in candidates
        if not candidate.yanked and (args.pre or not candidate.version.is_prerelease)
    ]
    if not versions:
        asked = [redact(u) for u in index.sources.indexes] + list(index.sources.find_links)
        raise PuvError(
            f"no versions of `{name}` were found",
            hints=[
                f"looked in: {', '.join(asked) or '(no index or find-links configured)'}",
                f"only versions with a file for {target.describe()} are listed",
            ]
            + ([] if args.pre else ["pre-releases are hidden; add --pre to include them"]),
        )
    ordered = sorted(set(versions), reverse=True)
    ctx.printer.stdout(f"{name} ({ordered[0]})\nAvailable versions: {', '.join(map(str, ordered))}\n")
    return 0
