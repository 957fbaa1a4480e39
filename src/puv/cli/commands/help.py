"""`puv help [COMMAND...]`: the help text of a command."""

from __future__ import annotations

import argparse
import importlib

from puv.cli import table
from puv.context import Context
from puv.errors import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("command", nargs="*", help="The command to show help for")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from puv.cli.main import group_help, top_level_help

    words = tuple(args.command)
    if not words:
        ctx.printer.stdout(top_level_help())
        return 0
    if words in table.GROUPS:
        ctx.printer.stdout(group_help(words))
        return 0
    command = table.lookup(words)
    if command is None:
        raise UsageError(f"unknown command `{' '.join(words)}`", hints=["see `puv --help`"])
    ctx.printer.stdout(command_help(command))
    return 0


def command_help(command: table.Command) -> str:
    """The ``--help`` text of one command (only the options that work)."""
    from puv.cli.options import add_global_options, new_parser

    parser = new_parser(f"puv {command.name}", command.summary)
    if command.module:
        importlib.import_module(command.module).add_arguments(parser)
    else:
        parser.description = f"{command.summary} (not available yet in this release of puv)"
    add_global_options(parser)
    return parser.format_help()
