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

from puv.frozen import Frozen


class Command(Frozen):
    """One entry of the table: its words, one line of help, its module (None: not yet).

    A :class:`~puv.frozen.Frozen` value rather than a ``@dataclass``: this module
    is imported by every run, ``puv --version`` included.
    """

    __slots__ = ("path", "summary", "module")

    path: tuple[str, ...]
    summary: str
    module: str | None

    def __init__(self, path: tuple[str, ...], summary: str, module: str | None) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "summary", summary)
        object.__setattr__(self, "module", module)

    @property
    def name(self) -> str:
        return " ".join(self.path)


COMMANDS: tuple[Command, ...] = (
    Command(("venv",), "Create a virtual environment", "puv.cli.commands.venv"),
    Command(("pip", "compile"), "Compile requirements into a pinned requirements file", "puv.cli.commands.pip_compile"),
    Command(("pip", "sync"), "Make an environment exactly match a requirements file", "puv.cli.commands.pip_sync"),
    Command(("pip", "install"), "Install packages into an environment", "puv.cli.commands.pip_install"),
    Command(("pip", "uninstall"), "Uninstall packages from an environment", "puv.cli.commands.pip_uninstall"),
    Command(("pip", "freeze"), "List installed packages in requirements format", "puv.cli.commands.pip_freeze"),
    Command(("pip", "list"), "List installed packages in a table", "puv.cli.commands.pip_list"),
    Command(("pip", "show"), "Show information about installed packages", "puv.cli.commands.pip_show"),
    Command(("pip", "tree"), "Show the dependency tree of an environment", "puv.cli.commands.pip_tree"),
    Command(("pip", "check"), "Check that installed packages have compatible dependencies", "puv.cli.commands.pip_check"),
    Command(("pip", "index", "versions"), "List the versions of a package the indexes offer", "puv.cli.commands.index_versions"),
    Command(("cache", "dir"), "Show the cache directory", "puv.cli.commands.cache_dir"),
    Command(("cache", "clean"), "Remove all, or some packages', cache entries", "puv.cli.commands.cache_clean"),
    Command(("cache", "prune"), "Remove unreachable entries from the cache", "puv.cli.commands.cache_prune"),
    Command(("cache", "info"), "Show the cache's size and entry counts", "puv.cli.commands.cache_info"),
    Command(("help",), "Show help for a command", "puv.cli.commands.help"),
)

# The global options as the top-level help lists them (``puv --help`` prints
# this without importing argparse; puv.cli.options defines the options).
GLOBAL_OPTION_HELP: tuple[tuple[str, str], ...] = (
    ("-q, --quiet", "Print only errors (repeatable)"),
    ("-v, --verbose", "Print more (repeatable: -vv)"),
    ("--color <WHEN>", "auto, always or never (NO_COLOR is honoured)"),
    ("--cache-dir <DIR>", "Where the cache lives [env: PUV_CACHE_DIR]"),
    ("-n, --no-cache", "Use a temporary cache, removed at exit [env: PUV_NO_CACHE]"),
    ("--offline", "Never touch the network [env: PUV_OFFLINE]"),
    ("--no-config", "Read no configuration files [env: PUV_NO_CONFIG]"),
    ("--config-file <FILE>", "Read this puv.toml instead of discovering one [env: PUV_CONFIG_FILE]"),
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
