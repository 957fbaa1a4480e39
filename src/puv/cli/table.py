"""The command table: every command path, its module and one line of help.

Command modules are imported only when their command runs (or its ``--help``
is asked for), so start-up costs the same whatever the number of commands.
A command module exposes::

    def add_arguments(parser: argparse.ArgumentParser) -> None: ...
    def run(args: argparse.Namespace, ctx: CommandContext) -> int: ...

Entries with ``module=None`` are commands a later release delivers: they parse
only the global options and exit 2 with a "not available yet" message.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]
    summary: str
    module: str | None

    @property
    def name(self) -> str:
        return " ".join(self.path)


COMMANDS: tuple[Command, ...] = (
    Command(("venv",), "Create a virtual environment", "puv.cli.commands.venv"),
    Command(("pip", "compile"), "Compile requirements into a pinned requirements file", None),
    Command(("pip", "sync"), "Make an environment exactly match a requirements file", None),
    Command(("pip", "install"), "Install packages into an environment", None),
    Command(("pip", "uninstall"), "Uninstall packages from an environment", None),
    Command(("pip", "freeze"), "List installed packages in requirements format", None),
    Command(("pip", "list"), "List installed packages in a table", None),
    Command(("pip", "show"), "Show information about installed packages", None),
    Command(("pip", "tree"), "Show the dependency tree of an environment", None),
    Command(("pip", "check"), "Check that installed packages have compatible dependencies", None),
    Command(("pip", "index", "versions"), "List the versions of a package the indexes offer", "puv.cli.commands.index_versions"),
    Command(("cache", "dir"), "Show the cache directory", "puv.cli.commands.cache_dir"),
    Command(("cache", "clean"), "Remove all, or some packages', cache entries", "puv.cli.commands.cache_clean"),
    Command(("cache", "prune"), "Remove unreachable entries from the cache", "puv.cli.commands.cache_prune"),
    Command(("cache", "info"), "Show the cache's size and entry counts", "puv.cli.commands.cache_info"),
    Command(("help",), "Show help for a command", "puv.cli.commands.help"),
)

GROUPS: dict[tuple[str, ...], str] = {
    ("pip",): "pip-compatible commands: install, resolve, inspect environments",
    ("pip", "index"): "Inspect what the package indexes offer",
    ("cache",): "Manage puv's cache",
}


def lookup(words: tuple[str, ...]) -> Command | None:
    for command in COMMANDS:
        if command.path == words:
            return command
    return None


def children(group: tuple[str, ...]) -> list[tuple[str, str, bool]]:
    """(word, summary, available) for each direct child of ``group``: commands and subgroups."""
    rows: list[tuple[str, str, bool]] = []
    depth = len(group)
    for command in COMMANDS:
        if command.path[:depth] != group or len(command.path) <= depth:
            continue
        word = command.path[depth]
        if any(row[0] == word for row in rows):
            continue
        sub = (*group, word)
        if sub in GROUPS:
            rows.append((word, GROUPS[sub], True))
        else:
            rows.append((word, command.summary, command.module is not None))
    return rows


def is_prefix(words: tuple[str, ...]) -> bool:
    """True when ``words`` starts some command path without being a command."""
    return lookup(words) is None and any(
        c.path[: len(words)] == words and len(c.path) > len(words) for c in COMMANDS
    )


def top_level_names() -> tuple[str, ...]:
    seen: list[str] = []
    for command in COMMANDS:
        if command.path[0] not in seen:
            seen.append(command.path[0])
    return tuple(seen)
