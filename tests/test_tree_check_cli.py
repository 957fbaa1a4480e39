"""`puv pip tree` and `puv pip check` as a user runs them, on real virtual environments."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.support.builders import build_wheel
from tests.support.cli import run_puv
from tests.support.index_server import IndexServer
from tests.test_freeze_list_show_cli import make_pip_venv, pip, site_of
from tests.test_inspect import write_dist
from tests.test_wheel_install import PY312, needs_py312

pytestmark = needs_py312


def bare_venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    subprocess.run([str(PY312), "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    return venv


def puv(venv: Path, *args: str) -> tuple[int, str, str]:
    result = run_puv("pip", *args, "--python", str(venv / "bin" / "python"))
    return result.code, result.stdout, result.stderr


def mask(text: str) -> str:
    return re.sub(r"in \d+(\.\d+)?m?s", "in [TIME]", text)


@pytest.fixture
def tree_venv(tmp_path: Path) -> Path:
    venv = bare_venv(tmp_path)
    site = site_of(venv)
    write_dist(site, "app", "1.0", requires=["lib>=1", "util", "lib2[extra]", "winonly; sys_platform == 'win32'"])
    write_dist(site, "lib", "1.0", requires=["util<2"])
    write_dist(site, "lib2", "0.5", extras={"extra": ["plug"]})
    write_dist(site, "plug", "3.0")
    write_dist(site, "util", "1.1")
    write_dist(site, "cyc-a", "1.0", requires=["cyc-b"])
    write_dist(site, "cyc-b", "1.0", requires=["cyc-a"])
    return venv


def test_tree(tree_venv: Path) -> None:
    code, out, err = puv(tree_venv, "tree")
    assert code == 0, err
    assert out == (
        "app v1.0\n"
        "├── lib v1.0\n"
        "│   └── util v1.1\n"
        "├── lib2 v0.5\n"
        "│   └── plug v3.0\n"
        "└── util v1.1\n"
        "cyc-a v1.0\n"
        "└── cyc-b v1.0\n"
        "    └── cyc-a v1.0 (*)\n"
        "(*) Package tree already displayed\n"
    )


def test_tree_options(tree_venv: Path) -> None:
    _, out, _ = puv(tree_venv, "tree", "--depth", "1", "--prune", "cyc-b", "--prune", "cyc-a")
    assert out == "app v1.0\n├── lib v1.0\n├── lib2 v0.5\n└── util v1.1\n"
    _, out, _ = puv(tree_venv, "tree", "--package", "lib", "--show-version-specifiers")
    assert out == "lib v1.0\n└── util v1.1 [required: <2]\n"
    _, out, _ = puv(tree_venv, "tree", "--invert", "--package", "plug")
    assert out == "plug v3.0\n└── lib2 v0.5\n    └── app v1.0\n"
    _, out, _ = puv(tree_venv, "tree", "--invert", "--package", "util", "--show-version-specifiers")
    assert out == (
        "util v1.1\n"
        "├── app v1.0 [requires: util *]\n"
        "└── lib v1.0 [requires: util <2]\n"
        "    └── app v1.0 [requires: lib >=1]\n"
    )
    code, _, err = puv(tree_venv, "tree", "--depth", "-1")
    assert code == 2 and "--depth" in err


def test_tree_no_dedupe_stops_at_cycles(tree_venv: Path) -> None:
    _, out, _ = puv(tree_venv, "tree", "--no-dedupe", "--package", "cyc-a")
    assert out == "cyc-a v1.0\n└── cyc-b v1.0\n    └── cyc-a v1.0 (*)\n(*) Package tree is a cycle and cannot be shown\n"


def test_tree_outdated_and_strict(tree_venv: Path, tmp_path: Path, index_server: IndexServer) -> None:
    index_server.publish(build_wheel(tmp_path / "dist", "util", "1.5"))
    index_server.publish(build_wheel(tmp_path / "dist", "plug", "3.0"))
    code, out, err = puv(tree_venv, "tree", "--package", "lib", "--outdated", "--index-url", index_server.url)
    assert code == 0, err
    assert out == "lib v1.0\n└── util v1.1 (latest: v1.5)\n"
    write_dist(site_of(tree_venv), "needy", "1.0", requires=["absent"])
    code, _, err = puv(tree_venv, "tree", "--strict", "--package", "needy")
    assert code == 0
    assert "warning: The package `needy` requires `absent`, but it's not installed" in err


def test_check_all_compatible(tree_venv: Path) -> None:
    code, out, err = puv(tree_venv, "check")
    assert (code, out) == (0, "")
    assert mask(err) == "Checked 7 packages in [TIME]\nAll installed packages are compatible\n"


def test_check_reports_problems(tmp_path: Path) -> None:
    venv = bare_venv(tmp_path)
    site = site_of(venv)
    write_dist(site, "app", "1.0", requires=["lib>=2", "absent; python_version >= '3'", "skipped; python_version < '3'"])
    write_dist(site, "lib", "1.0")
    write_dist(site, "native", "1.0", tag="cp312-cp312-win_amd64")
    write_dist(site, "future", "1.0", requires_python=">=3.99")
    code, out, err = puv(venv, "check")
    assert (code, out) == (1, "")
    assert mask(err) == (
        "Checked 4 packages in [TIME]\n"
        "Found 4 incompatibilities\n"
        "The package `app` requires `lib>=2`, but `1.0` is installed\n"
        "The package `app` requires `absent; python_version >= \"3\"`, but it's not installed\n"
        "The package `future` requires Python >=3.99, but `3.12.1` is installed\n"
        "The package `native` was built for a different platform\n"
    )
    quiet = run_puv("pip", "check", "-q", "--python", str(venv / "bin" / "python"))
    assert (quiet.code, quiet.stderr) == (1, "")


def test_check_pip_installed_environment(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build_wheel(dist, "top", "1.0", requires_dist=["mid>=1"])
    build_wheel(dist, "mid", "1.0")
    venv = make_pip_venv(tmp_path)
    pip(venv, "install", "--no-index", "--find-links", str(dist), "top")
    code, _, err = puv(venv, "check")
    assert code == 0 and "All installed packages are compatible" in err
    pip(venv, "uninstall", "-y", "mid")
    code, _, err = puv(venv, "check")
    assert code == 1
    assert "Found 1 incompatibility\nThe package `top` requires `mid>=1`, but it's not installed\n" in err
