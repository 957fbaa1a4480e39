"""Read a plain command line without argparse, for the commands that must start fast.

``argparse`` costs about 4 ms per run before any work (its import pulls in
``gettext`` and ``locale``, and every parser it builds looks for translation
catalogues). ``puv venv`` finishes in less time than that takes, so its common
command lines are read here instead: long and short options with a separate
value, ``--long=value``, flags, counted ``-q``/``-v`` and one positional.

Anything this reader does not recognise (``--help``, an unknown or abbreviated
option, ``-qq``, a value that looks like an option, a second positional, ``--``)
makes it answer ``None``, and the caller parses with argparse, which gives the
help text or the usage error. For the command lines it accepts, the result is
the same mapping argparse would give (a test compares the two).

An option table maps each option string to ``(dest, kind, choices)``; kinds:
``"value"`` (stores the next token), ``"flag"`` (stores ``True``) and
``"count"`` (adds one).
"""

from __future__ import annotations

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    OptionTable = Mapping[str, tuple[str, str, tuple[str, ...]]]

#: The global options of every command (``puv.cli.options.add_global_options``).
GLOBAL_OPTIONS: OptionTable = {
    "-q": ("quiet", "count", ()),
    "--quiet": ("quiet", "count", ()),
    "-v": ("verbose", "count", ()),
    "--verbose": ("verbose", "count", ()),
    "--color": ("color", "value", ("auto", "always", "never")),
    "--cache-dir": ("cache_dir", "value", ()),
    "-n": ("no_cache", "flag", ()),
    "--no-cache": ("no_cache", "flag", ()),
    "--offline": ("offline", "flag", ()),
    "--no-config": ("no_config", "flag", ()),
    "--config-file": ("config_file", "value", ()),
}

#: What argparse leaves in the namespace for global options not given.
GLOBAL_DEFAULTS: Mapping[str, object] = {
    "quiet": 0,
    "verbose": 0,
    "color": None,
    "cache_dir": None,
    "no_cache": None,
    "offline": None,
    "no_config": None,
    "config_file": None,
}


def read_args(
    argv: Sequence[str],
    options: OptionTable,
    defaults: Mapping[str, object],
    positional: str | None,
) -> dict[str, object] | None:
    """The parsed command line as argparse would give it, or ``None`` when it is not plain.

    ``options`` and ``defaults`` cover the command's own options (the global ones
    are added here); ``positional`` names the dest of the one optional positional.
    """
    values: dict[str, object] = dict(GLOBAL_DEFAULTS)
    values.update((dest, list(v) if isinstance(v, list) else v) for dest, v in defaults.items())
    seen_positional = False
    i = 0
    while i < len(argv):
        token = argv[i]
        i += 1
        if not token.startswith("-") or token == "-":
            if positional is None or seen_positional:
                return None
            values[positional] = token
            seen_positional = True
            continue
        name, equals, attached = token.partition("=")
        spec = options.get(name) or GLOBAL_OPTIONS.get(name)
        if spec is None:
            return None
        dest, kind, choices = spec
        if kind == "value":
            if equals:
                if not name.startswith("--"):
                    return None
                value = attached
            else:
                if i >= len(argv) or argv[i].startswith("-"):
                    return None
                value = argv[i]
                i += 1
            if choices and value not in choices:
                return None
            values[dest] = value
        elif equals:
            return None
        elif kind == "flag":
            values[dest] = True
        else:
            count = values[dest]
            assert isinstance(count, int)
            values[dest] = count + 1
    return values


class Namespace:
    """The attributes argparse's namespace would have (``vars()`` gives them back)."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self.__dict__.update(values)
