"""`puv pip install` of well-known projects from the real default index (marked `network`).

    pytest -m network tests/test_install_network.py

Each project goes into a fresh virtual environment; then its top-level import
works, pip (added with ensurepip) finds no broken requirement, and what pip
freezes is exactly the set of distributions puv reports installed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.cli import run, run_puv

pytestmark = pytest.mark.network

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"
EXCLUDE_NEWER = "2024-06-01T00:00:00Z"
_SEEDS = {"pip", "setuptools", "wheel", "distribute"}


def _installed(site: Path) -> set[str]:
    found = set()
    for entry in site.iterdir():
        if entry.name.endswith(".dist-info"):
            name, _, version = entry.name[: -len(".dist-info")].rpartition("-")
            found.add(f"{name.lower().replace('_', '-')}=={version}")
    return found


@pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}")
@pytest.mark.parametrize(
    ("projects", "modules"),
    [
        ("flask", "flask"),
        ("django", "django"),
        ("fastapi", "fastapi"),
        ("numpy pandas scikit-learn matplotlib jupyter", "numpy, pandas, sklearn, matplotlib, jupyter"),
    ],
)
def test_install_well_known_project(tmp_path: Path, projects: str, modules: str) -> None:
    venv = tmp_path / "venv"
    assert run_puv("venv", str(venv), "--python", PYTHON).code == 0
    env = {"VIRTUAL_ENV": str(venv)}
    names = projects.split()
    result = run_puv("pip", "install", *names, "--exclude-newer", EXCLUDE_NEWER, cwd=tmp_path, env=env, timeout=600)
    assert result.code == 0, result
    for project in names:
        assert f" + {project}==" in result.stderr
    python = venv / "bin" / "python"
    imported = run([python, "-c", f"import {modules}"])
    assert imported.returncode == 0, imported.stderr

    site = venv / "lib" / "python3.12" / "site-packages"
    ours = _installed(site)
    again = run_puv("pip", "install", *names, cwd=tmp_path, env=env)
    assert again.code == 0 and again.stderr.startswith(f"Checked {len(ours)} packages"), again

    assert run([python, "-m", "ensurepip"]).returncode == 0
    check = run([python, "-m", "pip", "check"])
    assert check.returncode == 0, check.stdout + check.stderr
    freeze = run([python, "-m", "pip", "freeze"])
    frozen = {line.lower().replace("_", "-") for line in freeze.stdout.split()}
    assert frozen == {item for item in ours if item.split("==")[0] not in _SEEDS}


JUPYTER_PINS = Path(__file__).resolve().parents[2] / "shared" / "bench" / "requirements" / "compiled" / "jupyter.txt"


@pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}")
@pytest.mark.skipif(not JUPYTER_PINS.exists(), reason="needs ../shared/bench/requirements/compiled/jupyter.txt")
def test_sync_compiled_jupyter_leaves_exactly_the_pins(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    assert run_puv("venv", str(venv), "--python", PYTHON).code == 0
    env = {"VIRTUAL_ENV": str(venv)}
    # Something that is not in the pins, and a pinned package at another version.
    assert run_puv("pip", "install", "six==1.15.0", "attrs==22.1.0", cwd=tmp_path, env=env, timeout=300).code == 0
    result = run_puv("pip", "sync", str(JUPYTER_PINS), cwd=tmp_path, env=env, timeout=600)
    assert result.code == 0, result
    pins = set()
    for line in JUPYTER_PINS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins.add(f"{name.strip().lower().replace('_', '-')}=={version.strip()}")
    assert _installed(venv / "lib" / "python3.12" / "site-packages") == pins
