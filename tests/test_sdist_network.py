"""An sdist-only package from the real index (marked `network`: not in the default run).

docopt 0.6.2 ships only a source distribution (setup.py, setuptools): the first install
builds it in an isolated environment; a second install into another environment reuses
the cached wheel and builds nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.cli import run, run_puv

pytestmark = pytest.mark.network

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"


@pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}")
def test_sdist_only_package_is_built_once(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for name in ("first", "second"):
        assert run_puv("venv", str(tmp_path / name), "--python", PYTHON).code == 0
    first = run_puv(
        "pip", "install", "docopt==0.6.2", "--python", str(tmp_path / "first" / "bin" / "python"),
        "--cache-dir", str(cache), "-v", timeout=600,
    )
    assert first.code == 0, first
    assert "Built docopt==0.6.2" in first.stderr
    built = list((cache / "built-v1" / "docopt").rglob("*.whl"))
    assert len(built) == 1
    second = run_puv(
        "pip", "install", "docopt==0.6.2", "--python", str(tmp_path / "second" / "bin" / "python"),
        "--cache-dir", str(cache), "-v", timeout=600,
    )
    assert second.code == 0, second
    assert "Built docopt" not in second.stderr
    assert "Reused the cached build of docopt" in second.stderr
    assert list((cache / "built-v1" / "docopt").rglob("*.whl")) == built
    imported = run([tmp_path / "second" / "bin" / "python", "-W", "ignore", "-c", "import docopt; print(docopt.__version__)"])
    assert imported.stdout.strip() == "0.6.2"
