"""`puv pip index versions NAME`: the versions the configured indexes offer, newest first.

As pip does, only versions with a file the target can use are listed: the
target is the discovered Python (or ``--python`` / ``--python-version`` /
``--python-platform``), and ``--only-binary`` / ``--no-binary`` /
``--exclude-newer`` apply. Yanked versions are left out. When none is left, the
error's hints say what hid them (the target, ``--only-binary``, pre-releases).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from puv.context import Context

if TYPE_CHECKING:  # pragma: no cover
    from puv.domain.index.candidates import Candidates, SelectionPolicy

#: How many versions a hint lists before "...".
_LIST_LIMIT = 3


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
    policy = selection_policy(ctx.settings)
    candidates = select_candidates(name, index.files(name), target, policy)
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
            + _only_binary_hints(name, candidates, policy, pre=args.pre)
            + ([] if args.pre else ["pre-releases are hidden; add --pre to include them"]),
        )
    ordered = sorted(set(versions), reverse=True)
    ctx.printer.stdout(f"{name} ({ordered[0]})\nAvailable versions: {', '.join(map(str, ordered))}\n")
    return 0


def _only_binary_hints(name: str, candidates: Candidates, policy: SelectionPolicy, *, pre: bool) -> list[str]:
    """Hints naming --only-binary when it hid versions that would be listed without it:
    versions whose only usable file is a source distribution (when nothing else
    disables building; pre-releases only with --pre)."""
    from dataclasses import replace

    from puv.primitives.requirements_txt import ALL, FormatControl

    if replace(policy, format_control=FormatControl()).sdist_blocker(name) is not None:
        return []  # --no-build hides them as well: dropping --only-binary would not list them
    sdist_only: list[str] = []
    no_wheel: list[str] = []  # wheels exist, none for the target
    for version in candidates.all_versions():
        reason = candidates.reason(version)
        if reason is None or reason.kind != "only-binary" or (version.is_prerelease and not pre):
            continue
        (no_wheel if reason.wheel_platforms else sdist_only).append(str(version))
    named = [f"`{item}`" for item in (name, ALL) if item in policy.format_control.only_binary]
    flag = " and ".join(named) or f"`{name}` (or `{ALL}`)"
    hints: list[str] = []
    for versions, singular, plural in (
        (
            sdist_only,
            "has only a source distribution, which --only-binary forbids",
            "have only source distributions, which --only-binary forbids",
        ),
        (
            no_wheel,
            "has no wheel for the target, and --only-binary forbids its source distribution",
            "have no wheel for the target, and --only-binary forbids their source distributions",
        ),
    ):
        if len(versions) == 1:
            hints.append(f"`{name}=={versions[0]}` {singular}: drop {flag} from --only-binary to list it")
        elif versions:
            shown = ", ".join(versions[:_LIST_LIMIT]) + (", ..." if len(versions) > _LIST_LIMIT else "")
            hints.append(f"`{name}` {shown} {plural}: drop {flag} from --only-binary to list them")
    return hints
