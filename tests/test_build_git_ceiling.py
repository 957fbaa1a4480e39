"""An sdist is built as what it is — a tree outside any repository — even when puv's
cache directory lives inside a git checkout (a setup.py that asks `git describe` for its
version must not get the checkout's answer; found with `pylacrosse==0.4` when the
benchmark's cache sat inside this repository)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.cli import new_venv, run_puv
from tests.support.index_server import IndexServer

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"

pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
    pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}"),
]

# A backend that refuses to build when git finds a repository around the source tree.
GIT_PROBING_BACKEND = '''\
import subprocess
import puv_test_backend as _inner

def _refuse_enclosing_repository():
    found = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    if found.returncode == 0:
        raise RuntimeError("the sdist sees the repository at " + found.stdout.strip())

def get_requires_for_build_wheel(config_settings=None):
    return []

def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _refuse_enclosing_repository()
    return _inner.prepare_metadata_for_build_wheel(metadata_directory, config_settings)

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _refuse_enclosing_repository()
    return _inner.build_wheel(wheel_directory, config_settings, metadata_directory)
'''

PYPROJECT = '''\
[build-system]
requires = []
build-backend = "gitprobe"
backend-path = ["."]
'''


def test_an_sdist_build_does_not_see_the_repository_holding_the_cache(
    tmp_path: Path, index_server: IndexServer, sdist_factory: Callable[..., Path]
) -> None:
    sdist = sdist_factory(
        "probed", "1.0", backend="inline", pkg_info_version="1.1", pyproject=PYPROJECT,
        files={"gitprobe.py": GIT_PROBING_BACKEND, "probed/__init__.py": "X = 1\n"},
    )
    index_server.publish(sdist)
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    subprocess.run(["git", "init", "-q", str(checkout)], check=True)
    venv = new_venv(tmp_path / "venv", PYTHON)
    result = run_puv(
        "pip", "install", "probed", "--index-url", index_server.url, "--cache-dir", str(checkout / "cache"),
        env={"VIRTUAL_ENV": str(venv)}, cwd=tmp_path,
    )
    assert result.code == 0, result
    assert "+ probed==1.0" in result.stderr
