"""Building with a real backend, hermetically: setuptools (and wheel) served from the
fixture index as the wheels CPython ships in its test suite, so the isolated build
environment installs them from 127.0.0.1."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.cli import Result, run, run_puv
from tests.support.index_server import IndexServer

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"
TEST_DIR = Path("/root/.pyenv/versions/3.12.1/lib/python3.12/test")
SETUPTOOLS = TEST_DIR / "setuptools-67.6.1-py3-none-any.whl"
WHEEL = TEST_DIR / "wheel-0.40.0-py3-none-any.whl"

pytestmark = pytest.mark.skipif(
    not (os.path.exists(PYTHON) and SETUPTOOLS.exists() and WHEEL.exists()),
    reason="needs CPython 3.12 from pyenv with its bundled setuptools and wheel test wheels",
)


@pytest.fixture
def index(index_server: IndexServer, wheel_factory: object) -> IndexServer:
    index_server.publish_all([SETUPTOOLS, WHEEL])
    index_server.publish(wheel_factory("dep", "1.0"))  # type: ignore[operator]
    return index_server


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    path = tmp_path / "venv"
    assert run_puv("venv", str(path), "--python", PYTHON, cwd=tmp_path).code == 0
    return path


def install(venv: Path, server: IndexServer, *args: str, cwd: Path) -> Result:
    return run_puv(
        "pip", "install", *args, "--index-url", server.url, cwd=cwd, env={"VIRTUAL_ENV": str(venv)}, timeout=300
    )


def python(venv: Path, code: str) -> str:
    done = run([venv / "bin" / "python", "-c", code])
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def pyproject_project(path: Path) -> Path:
    (path / "src" / "stpkg").mkdir(parents=True)
    (path / "src" / "stpkg" / "__init__.py").write_text('VALUE = "original"\n')
    (path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "stpkg"\nversion = "2.0"\ndependencies = ["dep"]\n'
    )
    return path


def setup_py_project(path: Path) -> Path:
    (path / "legacy").mkdir(parents=True)
    (path / "legacy" / "__init__.py").write_text('VALUE = "legacy"\n')
    (path / "setup.py").write_text(
        "from setuptools import setup\n"
        "setup(name='legacy-proj', version='0.3', packages=['legacy'], install_requires=['dep'])\n"
    )
    return path


def test_pyproject_project_with_setuptools(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    pyproject_project(tmp_path / "proj")
    result = install(venv, index, "./proj", cwd=tmp_path)
    assert result.code == 0, result
    assert " + stpkg==2.0" in result.stderr and " + dep==1.0" in result.stderr
    assert python(venv, "import stpkg; print(stpkg.VALUE)") == "original"
    # The build environment is gone: setuptools is not in the target.
    assert "setuptools" not in python(venv, "import sys; print(sys.modules.keys())")
    assert not list((venv / "lib" / "python3.12" / "site-packages").glob("setuptools*"))


def test_setup_py_only_project_uses_the_legacy_backend(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    setup_py_project(tmp_path / "legacy-proj")
    result = install(venv, index, "./legacy-proj", cwd=tmp_path)
    assert result.code == 0, result
    assert " + legacy-proj==0.3" in result.stderr and " + dep==1.0" in result.stderr
    assert python(venv, "import legacy; print(legacy.VALUE)") == "legacy"


def test_editable_setuptools_project_sees_edits(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    project = pyproject_project(tmp_path / "proj")
    result = install(venv, index, "-e", "./proj", cwd=tmp_path)
    assert result.code == 0, result
    assert " + stpkg==2.0" in result.stderr
    recorded = json.loads(
        (venv / "lib" / "python3.12" / "site-packages" / "stpkg-2.0.dist-info" / "direct_url.json").read_text()
    )
    assert recorded == {"url": project.as_uri(), "dir_info": {"editable": True}}
    (project / "src" / "stpkg" / "__init__.py").write_text('VALUE = "edited"\n')
    assert python(venv, "import stpkg; print(stpkg.VALUE)") == "edited"


def test_compile_setup_py(tmp_path: Path, index: IndexServer) -> None:
    project = setup_py_project(tmp_path / "legacy-proj")
    result = run_puv(
        "pip", "compile", "setup.py", "--index-url", index.url, "--python", PYTHON, "--no-header",
        cwd=project, timeout=300,
    )
    assert result.code == 0, result
    assert result.stdout == "dep==1.0\n    # via legacy-proj (setup.py)\n"
