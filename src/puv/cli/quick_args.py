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
``"value"`` (stores the next token), ``"append"`` (appends it to a list),
``"flag"`` (stores ``True``), ``"false"`` (stores ``False``) and ``"count"`` (adds one).
"""

from __future__ import annotations

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    OptionTable = Mapping[str, tuple[str, str, tuple[str, ...]]]
    # Groups of option families at most one family of which may be given
    # (argparse's mutually exclusive groups), e.g. ((("-t", "--target"), ("--prefix",)),).
    Exclusive = tuple[tuple[tuple[str, ...], ...], ...]

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

#: What argparse leaves for the index options (``puv.cli.options.add_index_options``),
#: which the quick reader never accepts (a command line with one goes to argparse).
INDEX_DEFAULTS: Mapping[str, object] = {
    "index_url": None,
    "extra_index_urls": None,
    "find_links": None,
    "no_index": None,
    "index_strategy": None,
    "trusted_hosts": None,
    "cert": None,
    "refresh": False,
    "refresh_package": [],
}


def read_args(
    argv: Sequence[str],
    options: OptionTable,
    defaults: Mapping[str, object],
    positional: str | None,
    exclusive: Exclusive = (),
) -> dict[str, object] | None:
    """The parsed command line as argparse would give it, or ``None`` when it is not plain.

    ``options`` and ``defaults`` cover the command's own options (the global ones
    are added here); ``positional`` names the dest of the one optional positional;
    two families of one ``exclusive`` group on one line are left to argparse (its error).
    """
    family_of = {
        option: (group, family)
        for group, families in enumerate(exclusive)
        for family, members in enumerate(families)
        for option in members
    }
    used: dict[int, int] = {}
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
        place = family_of.get(name)
        if place is not None and used.setdefault(place[0], place[1]) != place[1]:
            return None
        dest, kind, choices = spec
        if kind in ("value", "append"):
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
            if kind == "append":
                previous = values[dest]
                values[dest] = [*previous, value] if isinstance(previous, list) else [value]
            else:
                values[dest] = value
        elif equals:
            return None
        elif kind == "flag":
            values[dest] = True
        elif kind == "false":
            values[dest] = False
        else:
            count = values[dest]
            assert isinstance(count, int)
            values[dest] = count + 1
    return values


class Namespace:
    """The attributes argparse's namespace would have (``vars()`` gives them back)."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self.__dict__.update(values)
