"""Building local projects with real backends from the real default index (marked `network`).

    pytest -m network tests/test_build_network.py

hatchling, flit-core, poetry-core and pdm-backend, installed normally and in editable
mode (PEP 660); an edit to an editable project's module is seen without reinstalling.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.cli import run, run_puv

pytestmark = [pytest.mark.network, pytest.mark.skipif(
    not os.path.exists("/root/.pyenv/versions/3.12.1/bin/python3.12"), reason="needs CPython 3.12 from pyenv"
)]

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"
EXCLUDE_NEWER = "2024-06-01T00:00:00Z"

PROJECTS = {
    "hatchling": (
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        '[project]\nname = "{name}"\nversion = "0.1.0"\ndependencies = ["six"]\n'
    ),
    "flit-core": (
        '[build-system]\nrequires = ["flit_core>=3.2,<4"]\nbuild-backend = "flit_core.buildapi"\n\n'
        '[project]\nname = "{name}"\nversion = "0.1.0"\ndescription = "A test project"\ndependencies = ["six"]\n'
    ),
    "poetry-core": (
        '[build-system]\nrequires = ["poetry-core>=1.0.0"]\nbuild-backend = "poetry.core.masonry.api"\n\n'
        '[tool.poetry]\nname = "{name}"\nversion = "0.1.0"\ndescription = "A test project"\n'
        'authors = ["Someone <someone@example.invalid>"]\npackages = [{{include = "{name}"}}]\n\n'
        '[tool.poetry.dependencies]\npython = ">=3.8"\nsix = "*"\n'
    ),
    "pdm-backend": (
        '[build-system]\nrequires = ["pdm-backend"]\nbuild-backend = "pdm.backend"\n\n'
        '[project]\nname = "{name}"\nversion = "0.1.0"\ndependencies = ["six"]\n'
    ),
}


def make(tmp_path: Path, backend: str) -> tuple[Path, str]:
    name = "net" + backend.replace("-", "")
    project = tmp_path / name
    (project / name).mkdir(parents=True)
    (project / name / "__init__.py").write_text('"""A test project."""\nVALUE = "original"\n')
    (project / "pyproject.toml").write_text(PROJECTS[backend].format(name=name))
    return project, name


def venv_at(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    assert run_puv("venv", str(venv), "--python", PYTHON, cwd=tmp_path).code == 0
    return venv


def value(venv: Path, name: str) -> str:
    done = run([venv / "bin" / "python", "-c", f"import {name}; print({name}.VALUE)"])
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize("backend", sorted(PROJECTS))
@pytest.mark.parametrize("editable", [False, True], ids=["wheel", "editable"])
def test_build_with_a_real_backend(tmp_path: Path, backend: str, editable: bool) -> None:
    project, name = make(tmp_path, backend)
    venv = venv_at(tmp_path)
    args = ["-e", str(project)] if editable else [str(project)]
    result = run_puv(
        "pip", "install", *args, "--exclude-newer", EXCLUDE_NEWER,
        cwd=tmp_path, env={"VIRTUAL_ENV": str(venv)}, timeout=600,
    )
    assert result.code == 0, result
    assert f" + {name}==0.1.0" in result.stderr and " + six==" in result.stderr
    site = venv / "lib" / "python3.12" / "site-packages"
    recorded = json.loads((site / f"{name}-0.1.0.dist-info" / "direct_url.json").read_text())
    assert recorded == {"url": project.as_uri(), "dir_info": {"editable": True} if editable else {}}
    assert value(venv, name) == "original"
    (project / name / "__init__.py").write_text('"""A test project."""\nVALUE = "edited"\n')
    assert value(venv, name) == ("edited" if editable else "original")


@pytest.mark.parametrize("backend", ["poetry-core", "hatchling"])
def test_compile_a_project_through_its_backend(tmp_path: Path, backend: str) -> None:
    project, name = make(tmp_path, backend)
    (tmp_path / "requirements.in").write_text(f"{project}\n")
    result = run_puv(
        "pip", "compile", "requirements.in", "--python", PYTHON, "--exclude-newer", EXCLUDE_NEWER, "--no-header",
        cwd=tmp_path, timeout=600,
    )
    assert result.code == 0, result
    # The path as the input wrote it, resolved through the backend to its dependencies.
    assert result.stdout.startswith(f"{project}\n    # via -r requirements.in\n"), result.stdout
    assert f"six==1.16.0\n    # via {name}\n" in result.stdout, result.stdout
