"""The command line surface: version, help, unknown commands, unavailable commands."""

from __future__ import annotations

from puv import __version__
from tests.support.cli import run_puv


def test_version() -> None:
    result = run_puv("--version")
    assert result.code == 0
    assert result.stdout == f"puv {__version__}\n"


def test_no_command_prints_help_and_exits_2() -> None:
    result = run_puv()
    assert result.code == 2
    assert "Usage: puv [OPTIONS] <COMMAND>" in result.stdout
    assert "venv" in result.stdout


def test_help_flag_exits_0() -> None:
    result = run_puv("--help")
    assert result.code == 0
    assert "Commands:" in result.stdout


def test_unknown_command() -> None:
    result = run_puv("frobnicate")
    assert result.code == 2
    assert "unrecognized subcommand `frobnicate`" in result.stderr


def test_unknown_pip_subcommand_lists_valid_ones() -> None:
    result = run_puv("pip", "instal")
    assert result.code == 2
    assert "unrecognized subcommand `instal`" in result.stderr
    assert "install" in result.stderr


def test_group_without_subcommand() -> None:
    result = run_puv("pip")
    assert result.code == 2
    assert "Usage: puv pip [OPTIONS] <COMMAND>" in result.stdout


def test_help_command_for_subcommand() -> None:
    result = run_puv("help", "venv")
    assert result.code == 0
    assert "usage: puv venv" in result.stdout
    assert "--python" in result.stdout


def test_unknown_option_is_usage_error() -> None:
    result = run_puv("venv", "--no-such-option")
    assert result.code == 2
    assert "error: unrecognized arguments: --no-such-option" in result.stderr
