"""Remembered no-op installs (src/puv/cli/noop_memo.py): a repeated install that has
nothing to do answers from the memo without importing the requirement parser, and
any change to what the answer depends on makes it run in full again."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from puv.cli import noop_memo
from tests.support.cli import Result, run_puv
from tests.support.index_server import IndexServer

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"
WheelFactory = Callable[..., Path]

# ----------------------------------------------------------------------------- unit


def test_key_only_for_install_and_sync_and_never_across_lines() -> None:
    env = {"PUV_INDEX_URL": "http://127.0.0.1:1/simple", "PATH": "/bin", "UNRELATED": "x"}
    key = noop_memo.key_text(("pip", "install"), ("flask",), env, "/work", "1.0")
    assert key is not None and "PUV_INDEX_URL=" in key and "PATH=/bin" in key and "UNRELATED" not in key
    assert noop_memo.key_text(("pip", "compile"), ("x.in",), env, "/work", "1.0") is None
    assert noop_memo.key_text(("pip", "install"), ("a\nb",), env, "/work", "1.0") is None
    other = noop_memo.key_text(("pip", "install"), ("flask",), {**env, "VIRTUAL_ENV": "/v"}, "/work", "1.0")
    assert other != key
    assert noop_memo.key_text(("pip", "install"), ("flask",), env, "/work", "1.1") != key


def test_memo_dir_follows_the_cache_settings_known_before_parsing() -> None:
    home = {"HOME": "/home/u"}
    assert noop_memo.memo_dir((), home, "/w") == "/home/u/.cache/puv/noop-v1"
    assert noop_memo.memo_dir((), {**home, "XDG_CACHE_HOME": "/xdg"}, "/w") == "/xdg/puv/noop-v1"
    assert noop_memo.memo_dir((), {**home, "PUV_CACHE_DIR": "c"}, "/w") == "/w/c/noop-v1"
    assert noop_memo.memo_dir(("--cache-dir", "~/c"), home, "/w") == "/home/u/c/noop-v1"
    assert noop_memo.memo_dir(("--cache-dir=/abs",), {**home, "PUV_CACHE_DIR": "/env"}, "/w") == "/abs/noop-v1"
    assert noop_memo.memo_dir(("--no-cache",), home, "/w") is None
    assert noop_memo.memo_dir(("-n",), home, "/w") is None
    assert noop_memo.memo_dir((), {**home, "PIP_NO_CACHE_DIR": "1"}, "/w") is None


def _replay(tmp_path: Path, rest: tuple[str, ...] = ()) -> tuple[int | None, str]:
    import io

    err = io.StringIO()
    code = noop_memo.replay(("pip", "install"), ("x", "--cache-dir", str(tmp_path / "c"), *rest), {}, "/w", "1",
                            err=err)
    return code, err.getvalue()


def _record(tmp_path: Path, watched: list[str], rest: tuple[str, ...] = ()) -> None:
    full = ("x", "--cache-dir", str(tmp_path / "c"), *rest)
    key = noop_memo.key_text(("pip", "install"), full, {}, "/w", "1")
    directory = noop_memo.memo_dir(full, {}, "/w")
    assert key is not None and directory is not None
    assert noop_memo.record(directory, key, 3, watched)


def test_record_then_replay_until_a_watched_path_changes(tmp_path: Path) -> None:
    present = tmp_path / "requirements.txt"
    present.write_text("x\n")
    absent = tmp_path / "puv.toml"
    _record(tmp_path, [str(present), str(absent)])
    code, err = _replay(tmp_path)
    assert code == 0 and err.startswith("Checked 3 packages in "), err

    present.write_text("x\ny\n")  # edited
    assert _replay(tmp_path)[0] is None
    _record(tmp_path, [str(present), str(absent)])
    assert _replay(tmp_path)[0] == 0
    absent.write_text("")  # a configuration file appears
    assert _replay(tmp_path)[0] is None
    _record(tmp_path, [str(present), str(absent)])
    present.unlink()  # removed
    assert _replay(tmp_path)[0] is None


def test_quiet_replay_prints_nothing_and_other_command_lines_miss(tmp_path: Path) -> None:
    _record(tmp_path, [], rest=("-q",))
    assert _replay(tmp_path, ("-q",)) == (0, "")
    assert _replay(tmp_path)[0] is None  # another command line: another key
    assert _replay(tmp_path, ("-q", "--upgrade"))[0] is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: "",
        lambda text: text.replace("puv-noop-v1", "puv-noop-v0", 1),
        lambda text: text.replace("\n3\n", "\nthree\n", 1),
        lambda text: text.rstrip("\n"),
        lambda text: "\n".join(line if i != 1 else line + "x" for i, line in enumerate(text.split("\n"))),
        lambda text: text + "12:3:4\n",
    ],
    ids=["empty", "format", "count", "truncated", "other-key", "bad-line"],
)
def test_a_damaged_memo_is_a_miss(tmp_path: Path, damage: Callable[[str], str]) -> None:
    _record(tmp_path, [str(tmp_path)])
    (entry,) = (tmp_path / "c" / "noop-v1").iterdir()
    entry.write_text(damage(entry.read_text()))
    assert _replay(tmp_path)[0] is None


def test_environment_paths_list_each_distribution(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "a-1.0.dist-info").mkdir(parents=True)
    (site / "b.egg-info").mkdir()
    (site / "x.pth").write_text("")
    (site / "a").mkdir()
    paths = noop_memo.environment_paths([str(site), str(tmp_path / "missing")])
    assert sorted(paths) == sorted(
        [str(site), str(site / "a-1.0.dist-info"), str(site / "b.egg-info"), str(site / "x.pth"),
         str(tmp_path / "missing")]
    )


# ------------------------------------------------------------------- the whole command

pytestmark_cli = pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}")


@pytest.fixture
def universe(index_server: IndexServer, wheel_factory: WheelFactory) -> IndexServer:
    index_server.publish_all(
        [
            wheel_factory("app", "1.0", requires_dist=["lib"]),
            wheel_factory("lib", "1.0"),
            wheel_factory("extra-pkg", "1.0"),
        ]
    )
    return index_server


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    result = run_puv("venv", str(root / ".venv"), "--python", PYTHON, cwd=root)
    assert result.code == 0, result
    (root / "requirements.txt").write_text("app\n")
    return root


def install(project: Path, server: IndexServer, *args: str) -> tuple[Result, bool]:
    """``pip install -r requirements.txt`` in ``project``; also whether the run
    imported the requirement parser (False: it answered from the memo)."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "puv", "pip", "install", "-r", "requirements.txt",
         "--index-url", server.url, *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=120,
    )
    parsed = "packaging.requirements" in proc.stderr or "packaging.markers" in proc.stderr
    lines = "".join(line + "\n" for line in proc.stderr.splitlines() if not line.startswith("import time:"))
    return Result(proc.returncode, proc.stdout, lines), parsed


def installed(project: Path) -> set[str]:
    site = project / ".venv" / "lib" / "python3.12" / "site-packages"
    return {p.name.split("-")[0] for p in site.iterdir() if p.name.endswith(".dist-info")}


@pytestmark_cli
def test_second_noop_install_answers_from_the_memo(project: Path, universe: IndexServer) -> None:
    first, _ = install(project, universe)
    assert first.code == 0 and installed(project) == {"app", "lib"}, first
    second, parsed = install(project, universe)
    assert second.code == 0 and "Checked 2 packages" in second.stderr and parsed, second
    requests = len(universe.requests)
    third, parsed = install(project, universe)
    assert third.code == 0 and third.stderr.startswith("Checked 2 packages in "), third
    assert not parsed, "the remembered no-op still imported the requirement parser"
    assert len(universe.requests) == requests


@pytestmark_cli
def test_changes_to_what_the_answer_depends_on_are_noticed(project: Path, universe: IndexServer) -> None:
    install(project, universe)
    install(project, universe)
    assert not install(project, universe)[1]

    # The requirements file changes: the new package is installed.
    (project / "requirements.txt").write_text("app\nextra-pkg\n")
    result, parsed = install(project, universe)
    assert result.code == 0 and parsed and "+ extra-pkg==1.0" in result.stderr, result
    assert installed(project) == {"app", "lib", "extra_pkg"}

    # Something else removes a dependency: the next install puts it back.
    install(project, universe)
    assert not install(project, universe)[1]
    removed = run_puv("pip", "uninstall", "lib", cwd=project, env={"VIRTUAL_ENV": str(project / ".venv")})
    assert removed.code == 0, removed
    result, parsed = install(project, universe)
    assert parsed and "+ lib==1.0" in result.stderr, result
    assert "lib" in installed(project)

    # A configuration file appears: the run reads it (here: an unknown key is an error).
    install(project, universe)
    assert not install(project, universe)[1]
    (project / "puv.toml").write_text("not-a-setting = 1\n")
    result, parsed = install(project, universe)
    assert result.code != 0 and "not-a-setting" in result.stderr, result


@pytestmark_cli
def test_no_memo_for_local_paths_no_cache_or_verbose_runs(
    project: Path, universe: IndexServer, wheel_factory: WheelFactory
) -> None:
    wheel = wheel_factory("local-pkg", "1.0")
    (project / "requirements.txt").write_text(f"app\n{wheel}\n")
    for _ in range(3):
        result, parsed = install(project, universe)
        assert result.code == 0 and parsed, result
    (project / "requirements.txt").write_text("app\n")
    for args in (("--no-cache",), ("-v",)):
        for _ in range(3):
            result, parsed = install(project, universe, *args)
            assert result.code == 0 and parsed, (args, result)
