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
    for name in (*_HEAVY, *_AVOIDABLE, "json", "shutil", "argparse"):
        assert name not in modules, f"`puv cache dir` imports {name}"


def test_venv_with_a_cached_interpreter_imports_nothing_heavy(tmp_path: Path, env: dict[str, str]) -> None:
    args = ["venv", str(tmp_path / "env"), "--python", sys.executable, "--cache-dir", str(tmp_path / "cache")]
    _imported(args, tmp_path, env)  # fills the interpreter cache
    modules = _imported([*args, "--allow-existing"], tmp_path, env)
    # A plain command line is read without argparse (puv.cli.quick_args); the
    # cached answer is marshal data, not json.
    for name in (*_HEAVY, *_AVOIDABLE, "shutil", "argparse", "gettext", "json", "zlib", "signal"):
        assert name not in modules, f"`puv venv` (cached interpreter) imports {name}"


def test_venv_help_still_comes_from_argparse(tmp_path: Path, env: dict[str, str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "puv", "venv", "--help"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert proc.returncode == 0
    assert "--system-site-packages" in proc.stdout and "--relocatable" in proc.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "puv", "venv", "--pyth", "3.12"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert bad.returncode == 2
    assert "--pyth" in bad.stderr


@pytest.mark.parametrize("command", [["pip", "freeze"], ["pip", "list"], ["pip", "list", "--format", "json"]])
def test_freeze_and_list_import_neither_argparse_nor_packaging(
    command: list[str], tmp_path: Path, env: dict[str, str]
) -> None:
    """Read-only listings read the command line without argparse and normalise names
    without ``packaging.utils`` (which imports ``packaging.tags``, logging, subprocess)."""
    args = [*command, "--python", sys.executable, "--cache-dir", str(tmp_path / "cache")]
    _imported(args, tmp_path, env)  # fills the interpreter cache
    modules = _imported(args, tmp_path, env)
    for name in (*_HEAVY, *_AVOIDABLE, "argparse", "packaging.utils", "packaging.tags", "logging"):
        assert name not in modules, f"`puv {' '.join(command)}` imports {name}"


def test_noop_install_imports_neither_builder_nor_network(tmp_path: Path, env: dict[str, str]) -> None:
    """`pip install NAME` when NAME is installed answers from local files: no
    builder (``-C`` / ``--no-build-isolation`` are the only reasons to load it
    before a build), no cache, no HTTP client, no resolver."""
    venv = tmp_path / "env"
    _imported(["venv", str(venv), "--python", sys.executable, "--cache-dir", str(tmp_path / "cache")], tmp_path, env)
    site = venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    dist_info = site / "tiny-1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: tiny\nVersion: 1.0\n", encoding="utf-8")
    (dist_info / "RECORD").write_text("tiny-1.0.dist-info/METADATA,,\ntiny-1.0.dist-info/RECORD,,\n", encoding="utf-8")
    args = ["pip", "install", "tiny", "--python", str(venv), "--cache-dir", str(tmp_path / "cache")]
    proc = subprocess.run(
        [sys.executable, "-m", "puv", *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "Checked 1 package" in proc.stderr, proc.stderr
    modules = _imported(args, tmp_path, env)
    heavy = [name for name in _HEAVY if name != "subprocess"]  # packaging.markers -> packaging.tags imports it
    for name in (*heavy, "shutil", "hashlib", "puv.domain.build.builder", "puv.io.cache", "puv.io.http"):
        assert name not in modules, f"the no-op `puv pip install` imports {name}"
    assert not [name for name in modules if name.startswith("puv.domain.resolver")]
