"""Exact pins on sdist-only projects are built for their metadata ahead of the solver,
in parallel (up to PUV_CONCURRENT_BUILDS), instead of one at a time as it asks."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.cli import run_puv
from tests.support.index_server import IndexServer

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"

pytestmark = pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}")

# Records when its metadata hook starts and ends (the log path comes from the environment).
TIMED_BACKEND = '''\
import os, time
import puv_test_backend as _inner

def _timed(hook):
    def run(*args, **kwargs):
        started = time.time()
        time.sleep(1.0)
        result = hook(*args, **kwargs)
        with open(os.environ["TIMED_BACKEND_LOG"], "a") as fh:
            fh.write(f"{started} {time.time()}\\n")
        return result
    return run

get_requires_for_build_wheel = _inner.get_requires_for_build_wheel
prepare_metadata_for_build_wheel = _timed(_inner.prepare_metadata_for_build_wheel)
build_wheel = _inner.build_wheel
'''

PYPROJECT = '''\
[build-system]
requires = []
build-backend = "timed"
backend-path = ["."]
'''


def test_exact_sdist_pins_are_built_in_parallel(
    tmp_path: Path, index_server: IndexServer, sdist_factory: Callable[..., Path]
) -> None:
    for name in ("slow-a", "slow-b", "slow-c"):
        index_server.publish(sdist_factory(
            name, "1.0", backend="inline", pkg_info_version="1.1", pyproject=PYPROJECT,
            files={"timed.py": TIMED_BACKEND, f"{name.replace('-', '_')}/__init__.py": ""},
        ))
    (tmp_path / "requirements.in").write_text("slow-a==1.0\nslow-b==1.0\nslow-c==1.0\n")
    log = tmp_path / "hooks.log"
    result = run_puv(
        "pip", "compile", "requirements.in", "--index-url", index_server.url, "--python", PYTHON,
        "--no-header", "--no-annotate", cwd=tmp_path,
        env={"TIMED_BACKEND_LOG": str(log), "PUV_CONCURRENT_BUILDS": "3"},
    )
    assert result.code == 0, result
    assert result.stdout == "slow-a==1.0\nslow-b==1.0\nslow-c==1.0\n"
    spans = sorted(tuple(map(float, line.split())) for line in log.read_text().splitlines())
    assert len(spans) == 3, spans  # each sdist built once for its metadata
    # One after another, the last would start after the first two ended.
    assert spans[-1][0] < spans[0][1], f"the metadata builds did not overlap: {spans}"
