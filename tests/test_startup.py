"""Start-up stays cheap: which modules a command imports (never how long it takes).

Each command runs in a fresh interpreter under ``-X importtime``, whose report
lists every module the process imported; the assertions name modules that
must stay off each path (DESIGN.md, "Performance principles").
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Never needed before a command does real work.
_HEAVY = ("ssl", "urllib3", "email", "zipfile", "tomllib", "subprocess", "tempfile", "http.client")
# Cost milliseconds and have hand-written replacements on the start-up path.
_AVOIDABLE = ("dataclasses", "inspect", "typing")


def _imported(args: list[str], cwd: Path, env: dict[str, str]) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "puv", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    modules: set[str] = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "package":  # the header line
                modules.add(name)
    assert "puv.cli.main" in modules
    return modules


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PUV_", "PIP_"))}
    environ.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), PIP_CONFIG_FILE=os.devnull)
    environ.pop("PYTHONDONTWRITEBYTECODE", None)
    return environ


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["cache", "--help"]])
def test_top_level_imports_nothing_heavy(args: list[str], tmp_path: Path, env: dict[str, str]) -> None:
    modules = _imported(args, tmp_path, env)
    for name in (*_HEAVY, *_AVOIDABLE, "argparse", "json", "pathlib", "shutil", "puv.cli.run", "puv.settings"):
        assert name not in modules, f"`puv {' '.join(args)}` imports {name}"


def test_cache_dir_imports_nothing_heavy(tmp_path: Path, env: dict[str, str]) -> None:
    modules = _imported(["cache", "dir"], tmp_path, env)
    for name in (*_HEAVY, *_AVOIDABLE, "json", "shutil"):
        assert name not in modules, f"`puv cache dir` imports {name}"


def test_venv_with_a_cached_interpreter_imports_nothing_heavy(tmp_path: Path, env: dict[str, str]) -> None:
    args = ["venv", str(tmp_path / "env"), "--python", sys.executable, "--cache-dir", str(tmp_path / "cache")]
    _imported(args, tmp_path, env)  # fills the interpreter cache
    modules = _imported([*args, "--allow-existing"], tmp_path, env)
    for name in (*_HEAVY, *_AVOIDABLE, "shutil"):
        assert name not in modules, f"`puv venv` (cached interpreter) imports {name}"
