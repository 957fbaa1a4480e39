"""Entry point: split the command words off, build only that command's parser, run it.

Only the parser of the command being run is built, and its module is imported
only then, so ``puv --version`` and ``puv venv`` do not pay for ``pip install``.
Global options may appear before or after the command words, as in uv.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from puv import __version__
from puv.cli import table

# Global options that take a value (when written without ``=``, the next token
# is their value and must not be mistaken for a command word).
_GLOBAL_VALUE_OPTIONS = frozenset({"--color", "--cache-dir", "--config-file"})


def split_command(argv: Sequence[str]) -> tuple[tuple[str, ...], list[str]]:
    """Separate the command words (``pip``, ``install``) from everything else."""
    words: list[str] = []
    rest: list[str] = []
    tokens = list(argv)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token == "--":
            rest.append(token)
            rest.extend(tokens[i:])
            break
        if token.startswith("-") and token != "-":
            rest.append(token)
            if token in _GLOBAL_VALUE_OPTIONS and i < len(tokens) and table.lookup(tuple(words)) is None:
                rest.append(tokens[i])
                i += 1
            continue
        if not words or table.is_prefix(tuple(words)):
            # The first word names the command; a group takes no positional
            # arguments, so a word after it names a subcommand. Unknown ones
            # are reported by the caller.
            words.append(token)
            continue
        rest.append(token)
    return tuple(words), rest


def top_level_help() -> str:
    lines = [
        "An extremely fast Python package installer and resolver, written in Python.",
        "",
        "Usage: puv [OPTIONS] <COMMAND>",
        "",
        "Commands:",
    ]
    rows: list[tuple[str, str]] = []
    for name in table.top_level_names():
        if (name,) in table.GROUPS:
            rows.append((name, table.GROUPS[(name,)]))
        else:
            command = table.lookup((name,))
            assert command is not None
            rows.append((name, command.summary))
    width = max(len(name) for name, _ in rows)
    lines += [f"  {name.ljust(width)}  {summary}" for name, summary in rows]
    lines += [
        "",
        "Global options:",
        *(f"  {flag}" for flag in _global_option_lines()),
        "  -V, --version                 Print the puv version",
        "  -h, --help                    Print help",
        "",
        "Use `puv help <command>` for more information on a specific command.",
    ]
    return "\n".join(lines) + "\n"


def group_help(group: tuple[str, ...]) -> str:
    name = " ".join(group)
    lines = [table.GROUPS[group], "", f"Usage: puv {name} [OPTIONS] <COMMAND>", "", "Commands:"]
    rows = table.children(group)
    width = max(len(word) for word, _, _ in rows)
    for word, summary, available in rows:
        marker = "" if available else "  (not available yet)"
        lines.append(f"  {word.ljust(width)}  {summary}{marker}")
    lines += ["", f"Use `puv help {name} <command>` for more information on a specific command."]
    return "\n".join(lines) + "\n"


def _global_option_lines() -> list[str]:
    return [f"{flags.ljust(28)}  {text}" for flags, text in table.GLOBAL_OPTION_HELP]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    words, rest = split_command(args)

    if not words:
        if "-V" in rest or "--version" in rest:
            sys.stdout.write(f"puv {__version__}\n")
            return 0
        sys.stdout.write(top_level_help())
        return 0 if ("-h" in rest or "--help" in rest) else 2

    if words in table.GROUPS:
        sys.stdout.write(group_help(words))
        return 0 if ("-h" in rest or "--help" in rest) else 2

    if words in (("pip", "install"), ("pip", "sync")):
        import os

        from puv.cli.noop_memo import replay

        remembered = replay(words, rest, os.environ, os.getcwd(), __version__)
        if remembered is not None:
            return remembered

    from puv.cli.run import run_command

    return run_command(words, rest)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
