"""`puv pip uninstall` on real virtual environments filled by pip."""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.support.builders import build_wheel
from tests.support.cli import run_puv
from tests.test_freeze_list_show_cli import make_pip_venv, pip, site_of
from tests.test_inspect import write_dist
from tests.test_wheel_install import PY312, needs_py312

pytestmark = needs_py312


def mask(text: str) -> str:
    return re.sub(r"in \d+(\.\d+)?m?s", "in [TIME]", text)


def snapshot(root: Path) -> set[str]:
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in dirnames + filenames:
            out.add(os.path.relpath(os.path.join(dirpath, name), root))
    return out


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    build_wheel(
        dist, "Tool-Pkg", "1.0", requires_dist=["helper"],
        files={"tool_pkg/__init__.py": "def main():\n    return 0\n", "tool_pkg/deep/nested/mod.py": "X = 1\n"},
        entry_points={"console_scripts": {"tool": "tool_pkg:main"}},
        data_files={"scripts/tool-script": "#!/bin/sh\necho hi\n", "data/share/tool/readme.txt": "hello\n"},
    )
    build_wheel(dist, "helper", "2.0")
    build_wheel(dist, "direct", "0.3")
    return make_pip_venv(tmp_path)


def install_all(venv: Path) -> None:
    dist = venv.parent / "dist"
    pip(venv, "install", "--no-index", "--find-links", str(dist), "tool-pkg")
    pip(venv, "install", "--no-index", str(dist / "direct-0.3-py3-none-any.whl"))


def puv(venv: Path, *args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    result = run_puv("pip", "uninstall", *args, "--python", str(venv / "bin" / "python"), cwd=cwd)
    return result.code, result.stdout, result.stderr


def test_uninstall_removes_files_scripts_and_empty_directories(venv: Path) -> None:
    before = snapshot(venv)
    install_all(venv)
    site = site_of(venv)
    assert (venv / "bin" / "tool").exists() and (venv / "bin" / "tool-script").exists()
    # import it so __pycache__ directories exist
    subprocess.run([str(venv / "bin" / "python"), "-c", "import tool_pkg.deep.nested.mod"], check=True)
    code, out, err = puv(venv, "TOOL_pkg", "helper==99", "direct")
    assert (code, out) == (0, "")
    assert mask(err) == "Uninstalled 3 packages in [TIME]\n - direct==0.3\n - helper==2.0\n - tool-pkg==1.0\n"
    left = snapshot(venv) - before
    assert left <= {".lock", "lib/python3.12/site-packages/.puv.lock"}, left  # the environment locks
    assert not (site / "tool_pkg").exists()
    assert not (venv / "share" / "tool").exists()
    pip_list = pip(venv, "list", "--format", "freeze").stdout
    assert pip_list.splitlines() == [line for line in pip_list.splitlines() if line.startswith("pip==")]


def test_uninstall_not_installed_warns(venv: Path) -> None:
    install_all(venv)
    code, _, err = puv(venv, "helper", "ghost")
    assert code == 0
    assert mask(err) == (
        "warning: Skipping ghost as it is not installed\nUninstalled 1 package in [TIME]\n - helper==2.0\n"
    )
    code, _, err = puv(venv, "ghost", "helper")
    assert code == 0
    assert err == (
        "warning: Skipping ghost as it is not installed\n"
        "warning: Skipping helper as it is not installed\n"
        "warning: No packages to uninstall\n"
    )


def test_uninstall_dry_run_changes_nothing(venv: Path) -> None:
    install_all(venv)
    before = snapshot(venv)
    code, _, err = puv(venv, "--dry-run", "tool-pkg", "ghost")
    assert code == 0
    assert err == "Would uninstall 1 package\n - tool-pkg==1.0\n"
    assert snapshot(venv) == before
    code, _, err = puv(venv, "--dry-run", "ghost")
    assert (code, err) == (0, "Would make no changes\n")


def test_uninstall_accepts_pips_yes_flag(venv: Path) -> None:
    install_all(venv)
    code, _, err = puv(venv, "-y", "tool-pkg")
    assert code == 0 and " - tool-pkg==1.0" in err


def test_uninstall_from_requirements_file_and_url(venv: Path, tmp_path: Path) -> None:
    install_all(venv)
    reqs = tmp_path / "reqs.txt"
    reqs.write_text("# remove these\nhelper>=1\ntool-pkg[extra] ; python_version >= '3'\n")
    wheel = venv.parent / "dist" / "direct-0.3-py3-none-any.whl"
    code, _, err = puv(venv, "-r", str(reqs), wheel.as_uri())
    assert code == 0, err
    assert mask(err) == "Uninstalled 3 packages in [TIME]\n - direct==0.3\n - helper==2.0\n - tool-pkg==1.0\n"


def test_uninstall_relative_path_matches_direct_url(venv: Path) -> None:
    install_all(venv)
    code, _, err = puv(venv, "./dist/direct-0.3-py3-none-any.whl", cwd=venv.parent)
    assert code == 0 and " - direct==0.3" in err


def test_uninstall_usage_and_missing_requirements_file(venv: Path, tmp_path: Path) -> None:
    code, _, err = puv(venv)
    assert code == 2 and "no packages to uninstall" in err
    code, _, err = puv(venv, "-r", str(tmp_path / "nope.txt"))
    assert code != 0 and "nope.txt" in err


def test_uninstall_legacy_egg_info(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([str(PY312), "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    site = site_of(venv)
    egg = site / "old_pkg-1.0-py3.12.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: old-pkg\nVersion: 1.0\n")
    (site / "old_pkg").mkdir()
    (site / "old_pkg" / "__init__.py").write_text("")
    (egg / "installed-files.txt").write_text("../old_pkg/__init__.py\nPKG-INFO\ninstalled-files.txt\n")
    code, _, err = puv(venv, "old-pkg")
    assert code == 0 and " - old-pkg==1.0" in err
    assert not egg.exists() and not (site / "old_pkg").exists()


def test_uninstall_accepts_break_system_packages(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([str(PY312), "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    write_dist(site_of(venv), "thing", "1.0")
    code, _, err = puv(venv, "thing", "--break-system-packages")
    assert code == 0 and " - thing==1.0" in err


def test_uninstall_waits_for_the_environment_lock(tmp_path: Path) -> None:
    import fcntl

    venv = tmp_path / "venv"
    subprocess.run([str(PY312), "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    site = site_of(venv)
    write_dist(site, "thing", "1.0")
    fd = os.open(site / ".puv.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    result: list[tuple[int, str, str]] = []
    worker = threading.Thread(target=lambda: result.append(puv(venv, "thing")))
    worker.start()
    time.sleep(1.0)
    assert not result and (site / "thing-1.0.dist-info").exists()
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
    worker.join(60)
    assert result and result[0][0] == 0
    assert not (site / "thing-1.0.dist-info").exists()
