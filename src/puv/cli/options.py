"""Argument parsing pieces shared by every command: the parser class and global options.

Option destinations are named after the ``Settings`` fields they set, so the
settings loader can read them straight from the parsed namespace. An option
left unset on the command line is ``None`` (so lower layers can fill it).
"""

from __future__ import annotations

import argparse

from puv.errors import UsageError

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from typing import Any, NoReturn


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors become puv usage errors (exit 2).

    argparse builds a help formatter on every ``add_argument`` call only to
    check the metavar, and a formatter without a width asks ``shutil`` for the
    terminal size (importing ``shutil``, ``bz2``, ``lzma``: over a millisecond
    per run). The check does not depend on the width, so it gets a fixed one;
    help output still measures the terminal as argparse does.
    """

    _checking_argument = False

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        self._checking_argument = True
        try:
            return super().add_argument(*args, **kwargs)
        finally:
            self._checking_argument = False

    def _get_formatter(self) -> argparse.HelpFormatter:
        if self._checking_argument:
            return argparse.HelpFormatter(prog=self.prog, width=80)
        return super()._get_formatter()

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, hints=[f"For more information, try `{self.prog} --help`."])


def add_global_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("global options")
    group.add_argument("-q", "--quiet", action="count", default=0, help="Print only errors (repeatable)")
    group.add_argument("-v", "--verbose", action="count", default=0, help="Print more (repeatable: -vv)")
    group.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default=None,
        metavar="WHEN",
        help="Colour output: auto, always or never (NO_COLOR is honoured)",
    )
    group.add_argument("--cache-dir", default=None, metavar="DIR", help="Where the cache lives [env: PUV_CACHE_DIR]")
    group.add_argument(
        "-n",
        "--no-cache",
        action="store_const",
        const=True,
        default=None,
        help="Use a temporary cache, removed at exit [env: PUV_NO_CACHE]",
    )
    group.add_argument(
        "--offline",
        action="store_const",
        const=True,
        default=None,
        help="Never touch the network [env: PUV_OFFLINE]",
    )
    group.add_argument(
        "--no-config",
        action="store_const",
        const=True,
        default=None,
        help="Read no configuration files [env: PUV_NO_CONFIG]",
    )
    group.add_argument(
        "--config-file",
        default=None,
        metavar="FILE",
        help="Read this puv.toml instead of discovering one [env: PUV_CONFIG_FILE]",
    )


def new_parser(prog: str, description: str) -> Parser:
    parser = Parser(prog=prog, description=description, add_help=True, allow_abbrev=False)
    return parser


def add_index_options(parser: argparse.ArgumentParser) -> None:
    """Options that choose where packages come from (dests are Settings fields)."""
    group = parser.add_argument_group("index options")
    group.add_argument("-i", "--index-url", default=None, metavar="URL", help="The main package index [env: PUV_INDEX_URL]")
    group.add_argument(
        "--extra-index-url",
        dest="extra_index_urls",
        action="append",
        default=None,
        metavar="URL",
        help="Another index, searched before --index-url (repeatable) [env: PUV_EXTRA_INDEX_URL]",
    )
    group.add_argument(
        "-f",
        "--find-links",
        dest="find_links",
        action="append",
        default=None,
        metavar="PATH_OR_URL",
        help="A directory or HTML page of distribution files (repeatable) [env: PUV_FIND_LINKS]",
    )
    group.add_argument(
        "--no-index",
        action="store_const",
        const=True,
        default=None,
        help="Ignore every index; use only --find-links",
    )
    group.add_argument(
        "--index-strategy",
        choices=("first-index", "unsafe-first-match", "unsafe-best-match"),
        default=None,
        help="How to combine several indexes (default: first-index) [env: PUV_INDEX_STRATEGY]",
    )
    group.add_argument(
        "--trusted-host",
        "--allow-insecure-host",
        dest="trusted_hosts",
        action="append",
        default=None,
        metavar="HOST",
        help="Do not verify TLS for this host (repeatable)",
    )
    group.add_argument("--cert", default=None, metavar="FILE", help="CA bundle to verify TLS with [env: PIP_CERT]")
    group.add_argument(
        "--refresh",
        action="store_true",
        default=False,
        help="Revalidate every cached page",
    )
    group.add_argument(
        "--refresh-package",
        action="append",
        default=[],
        metavar="NAME",
        help="Revalidate the cached pages of this package (repeatable)",
    )


def add_destination_options(group: argparse._ActionsContainer, *, verb: str) -> None:
    """``-t/--target DIR`` and ``--prefix DIR`` (dests ``target`` / ``prefix``): one or
    the other, giving both is a usage error. ``verb``: ``Install packages into``."""
    exclusive = group.add_mutually_exclusive_group()
    exclusive.add_argument(
        "-t", "--target", default=None, metavar="DIR",
        help=f"{verb} DIR, a flat directory (packages in DIR, scripts in DIR/bin) instead of the environment",
    )
    exclusive.add_argument(
        "--prefix", default=None, metavar="DIR",
        help=f"{verb} the prefix DIR (DIR/lib/python3.X/site-packages, DIR/bin) instead of the environment",
    )


def refresh_of(args: argparse.Namespace) -> bool | frozenset[str]:
    """The --refresh / --refresh-package choice as the index client takes it."""
    from packaging.utils import canonicalize_name

    if getattr(args, "refresh", False):
        return True
    names = getattr(args, "refresh_package", None) or []
    return frozenset(canonicalize_name(n) for n in names) if names else False
