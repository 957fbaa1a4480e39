"""The command line surface: version, help, unknown commands, unavailable commands."""

from __future__ import annotations

from pathlib import Path

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


def test_quiet_hides_status_lines(tmp_path: Path) -> None:
    loud = run_puv("cache", "clean", "--cache-dir", str(tmp_path / "c"))
    assert "No cache found" in loud.stderr
    quiet = run_puv("cache", "clean", "--cache-dir", str(tmp_path / "c"), "-q")
    assert quiet.code == 0 and quiet.stderr == ""


def test_quiet_twice_is_silent_on_stdout_too(tmp_path: Path) -> None:
    # uv's -qq: no command output at all; a single -q keeps stdout.
    cache = str(tmp_path / "c")
    assert run_puv("-q", "cache", "dir", "--cache-dir", cache).stdout.strip() == cache
    silent = run_puv("-qq", "cache", "dir", "--cache-dir", cache)
    assert silent.code == 0 and silent.stdout == "" and silent.stderr == ""
    error = run_puv("-qq", "cache", "clean", "not a name!")
    assert error.code != 0 and "not a name!" in error.stderr


def test_quiet_still_shows_errors() -> None:
    result = run_puv("-q", "cache", "clean", "not a name!")
    assert result.code == 2
    assert "invalid package name" in result.stderr


def test_verbose_shows_config_files(tmp_path: Path) -> None:
    (tmp_path / "puv.toml").write_text('offline = true\n')
    result = run_puv("cache", "dir", "-v", cwd=tmp_path)
    assert result.code == 0
    assert f"DEBUG Read configuration from {tmp_path / 'puv.toml'}" in result.stderr
    assert "DEBUG" not in run_puv("cache", "dir", cwd=tmp_path).stderr


def test_color_always_never_and_no_color() -> None:
    always = run_puv("--color", "always", "cache", "clean", "bad name!")
    assert "\x1b[" in always.stderr and "error" in always.stderr
    never = run_puv("--color=never", "cache", "clean", "bad name!")
    assert "\x1b[" not in never.stderr
    # auto: not a terminal here, and NO_COLOR wins over FORCE_COLOR
    auto = run_puv("cache", "clean", "bad name!", env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert "\x1b[" not in auto.stderr
    forced = run_puv("cache", "clean", "bad name!", env={"FORCE_COLOR": "1"})
    assert "\x1b[" in forced.stderr


def test_puv_color_decides_for_error_lines_too() -> None:
    always = run_puv("cache", "clean", "bad name!", env={"PUV_COLOR": "always"})
    assert always.code != 0 and "\x1b[" in always.stderr
    never = run_puv("cache", "clean", "bad name!", env={"PUV_COLOR": "never", "FORCE_COLOR": "1"})
    assert never.code != 0 and "\x1b[" not in never.stderr
    # the command line wins over the environment
    flag = run_puv("--color", "never", "cache", "clean", "bad name!", env={"PUV_COLOR": "always"})
    assert "\x1b[" not in flag.stderr


def test_bad_color_value_is_a_usage_error() -> None:
    result = run_puv("--color", "sometimes", "cache", "dir")
    assert result.code == 2
    assert "sometimes" in result.stderr


def test_global_options_work_before_and_after_the_command(tmp_path: Path) -> None:
    before = run_puv("--cache-dir", str(tmp_path / "x"), "cache", "dir")
    after = run_puv("cache", "dir", "--cache-dir", str(tmp_path / "x"))
    assert before.stdout == after.stdout == f"{tmp_path / 'x'}\n"


def test_multi_line_causes_stay_aligned() -> None:
    from puv.cli.printer import render_error
    from puv.errors import PuvError

    text = render_error(PuvError("No solution found", causes=["Because a.\nAnd because b.\n\n(1) c."]))
    assert text.splitlines() == [
        "error: No solution found",
        "  cause: Because a.",
        "         And because b.",
        "",
        "         (1) c.",
    ]
