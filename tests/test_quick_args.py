"""The argparse-free reader of plain command lines gives what argparse gives, or declines."""

from __future__ import annotations

import argparse

import pytest

from puv.cli.commands import venv
from puv.cli.options import add_global_options, new_parser
from puv.cli.quick_args import GLOBAL_DEFAULTS, GLOBAL_OPTIONS, read_args
from puv.errors import UsageError


def venv_parser() -> argparse.ArgumentParser:
    parser = new_parser("puv venv", "test")
    venv.add_arguments(parser)
    add_global_options(parser)
    return parser


def quick(argv: list[str]) -> dict[str, object] | None:
    return read_args(argv, venv.QUICK_OPTIONS, venv.QUICK_DEFAULTS, venv.QUICK_POSITIONAL)


PLAIN = [
    [],
    ["env"],
    ["env", "--python", "3.12"],
    ["--python=3.12", "env"],
    ["-p", "/usr/bin/python3", "env"],
    ["env", "--prompt", "my prompt", "--clear"],
    ["--system-site-packages", "--allow-existing", "--relocatable", "--seed", "x"],
    ["-q"],
    ["-q", "--quiet", "-v", "--verbose", "-v"],
    ["--color", "never", "--cache-dir", "/tmp/c", "-n", "--offline", "--no-config"],
    ["--color=always", "--config-file", "puv.toml", "--no-cache"],
    ["env", "--python", "3.11", "--python", "3.12"],  # the last one wins, as in argparse
    [""],
    ["-"],
]


@pytest.mark.parametrize("argv", PLAIN, ids=lambda argv: " ".join(argv) or "empty")
def test_plain_command_lines_read_as_argparse_reads_them(argv: list[str]) -> None:
    assert quick(argv) == vars(venv_parser().parse_args(argv))


NOT_PLAIN = [
    ["--help"],
    ["-h"],
    ["--pyth", "3.12"],  # an abbreviation: argparse refuses it (allow_abbrev=False)
    ["-qq"],
    ["-p3.12"],
    ["-p=3.12"],
    ["--python"],
    ["--python", "--clear"],
    ["--color", "sometimes"],
    ["--clear=yes"],
    ["a", "b"],
    ["--", "env"],
    ["--index-url", "http://127.0.0.1:1/simple"],
    ["--unknown"],
]


@pytest.mark.parametrize("argv", NOT_PLAIN, ids=lambda argv: " ".join(argv))
def test_anything_else_is_left_to_argparse(argv: list[str]) -> None:
    assert quick(argv) is None


def test_the_tables_cover_every_option_of_the_parser() -> None:
    parser = venv_parser()
    index_dests = {"index_url", "extra_index_urls", "find_links", "no_index", "index_strategy",
                   "trusted_hosts", "cert", "refresh", "refresh_package"}
    tables = {**GLOBAL_OPTIONS, **venv.QUICK_OPTIONS}
    for action in parser._actions:
        if action.dest in ("help", "path") or action.dest in index_dests:
            continue
        for option in action.option_strings:
            assert option in tables, f"{option} is missing from the quick tables"
            assert tables[option][0] == action.dest
    known = {o for action in parser._actions for o in action.option_strings}
    assert set(tables) <= known, "the quick tables name an option the parser does not have"
    assert {**GLOBAL_DEFAULTS, **venv.QUICK_DEFAULTS} == vars(parser.parse_args([]))


def test_argparse_still_answers_what_the_reader_declines() -> None:
    with pytest.raises(UsageError, match="--pyth"):
        venv_parser().parse_args(["--pyth", "3.12"])


def test_defaults_are_not_shared_between_reads() -> None:
    first = quick([])
    assert first is not None
    refresh_package = first["refresh_package"]
    assert isinstance(refresh_package, list)
    refresh_package.append("x")
    second = quick([])
    assert second is not None and second["refresh_package"] == []


# -- pip freeze / pip list ------------------------------------------------------------


def _parser_of(module: object) -> argparse.ArgumentParser:
    parser = new_parser("puv pip x", "test")
    module.add_arguments(parser)  # type: ignore[attr-defined]
    add_global_options(parser)
    return parser


def _quick_of(module: object, argv: list[str]) -> dict[str, object] | None:
    return read_args(
        argv, module.QUICK_OPTIONS, module.QUICK_DEFAULTS, module.QUICK_POSITIONAL,  # type: ignore[attr-defined]
        module.QUICK_EXCLUSIVE,  # type: ignore[attr-defined]
    )


READ_ONLY_PLAIN = {
    "pip_freeze": [
        [], ["--exclude-editable"], ["--exclude", "a", "--exclude", "b"], ["--exclude=a", "--strict"],
        ["-p", "/x/python"], ["--python", "3.12", "--system"], ["-t", "dir"], ["--prefix", "p", "-q"],
    ],
    "pip_list": [
        [], ["--format", "json"], ["--format=freeze", "-e"], ["--editable"], ["--exclude-editable"],
        ["-e", "--editable"], ["--exclude", "a", "--strict"], ["--python", "/x/python", "--target", "t"],
    ],
}
READ_ONLY_NOT_PLAIN = {
    "pip_freeze": [["--help"], ["--all"], ["pkg"], ["--exclude"], ["-pq"], ["-t", "a", "--prefix", "b"]],
    "pip_list": [
        ["--outdated"], ["-o"], ["--pre"], ["--format", "xml"], ["--index-url", "u"], ["x"],
        ["-e", "--exclude-editable"], ["--prefix", "b", "--target", "a"],
    ],
}


@pytest.mark.parametrize(
    ("command", "argv"), [(c, a) for c, lines in READ_ONLY_PLAIN.items() for a in lines], ids=str
)
def test_read_only_commands_read_plain_lines_as_argparse(command: str, argv: list[str]) -> None:
    import importlib

    module = importlib.import_module(f"puv.cli.commands.{command}")
    assert _quick_of(module, argv) == vars(_parser_of(module).parse_args(argv))


@pytest.mark.parametrize(
    ("command", "argv"), [(c, a) for c, lines in READ_ONLY_NOT_PLAIN.items() for a in lines], ids=str
)
def test_read_only_commands_leave_the_rest_to_argparse(command: str, argv: list[str]) -> None:
    import importlib

    assert _quick_of(importlib.import_module(f"puv.cli.commands.{command}"), argv) is None


@pytest.mark.parametrize("command", ["pip_freeze", "pip_list", "cache_dir"])
def test_read_only_tables_cover_their_parsers(command: str) -> None:
    import importlib

    module = importlib.import_module(f"puv.cli.commands.{command}")
    parser = _parser_of(module)
    tables = {**GLOBAL_OPTIONS, **module.QUICK_OPTIONS}
    declined = {"help", "outdated", "pre", "index_url", "extra_index_urls", "find_links", "no_index",
                "index_strategy", "trusted_hosts", "cert", "refresh", "refresh_package"}
    for action in parser._actions:
        if action.dest in declined:
            continue
        for option in action.option_strings:
            assert option in tables and tables[option][0] == action.dest, option
    known = {o for action in parser._actions for o in action.option_strings}
    assert set(tables) <= known
    assert {**GLOBAL_DEFAULTS, **module.QUICK_DEFAULTS} == vars(parser.parse_args([]))


def test_argparse_refuses_what_the_exclusive_groups_decline() -> None:
    import importlib

    for command, argv in (("pip_list", ["-e", "--exclude-editable"]), ("pip_freeze", ["-t", "a", "--prefix", "b"])):
        with pytest.raises(UsageError, match="not allowed with"):
            _parser_of(importlib.import_module(f"puv.cli.commands.{command}")).parse_args(argv)
