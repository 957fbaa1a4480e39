"""SIGKILL during `puv pip install`: every package is complete or absent, and a re-run finishes.

A process killed with SIGKILL cannot clean up. What must hold afterwards:
every distribution that has a ``.dist-info`` directory has every file its RECORD
lists (nothing "installed" is half-present), every cache entry is complete, and
the next run installs what is missing and leaves a consistent environment.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.cli import run, run_puv
from tests.support.index_server import Fault, IndexServer

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"
pytestmark = pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}")

NAMES = [f"kpkg{i:02d}" for i in range(12)]


@pytest.fixture
def universe(index_server: IndexServer, wheel_factory: Callable[..., Path]) -> IndexServer:
    for i, name in enumerate(NAMES):
        files = {f"{name}/__init__.py": f"VALUE = {i}\n"}
        files.update({f"{name}/m{j:03d}.py": f"X = {j}\n" * 20 for j in range(150)})
        deps = [NAMES[i + 1]] if i + 1 < len(NAMES) else []
        index_server.publish(wheel_factory(name, "1.0", files=files, requires_dist=deps))
    return index_server


def _site(venv: Path) -> Path:
    return venv / "lib" / "python3.12" / "site-packages"


def _assert_complete_or_absent(venv: Path) -> set[str]:
    """Every dist-info's RECORD files exist; returns the installed names."""
    installed = set()
    site = _site(venv)
    for info in site.glob("*.dist-info"):
        record = info / "RECORD"
        assert record.exists(), f"{info.name} has no RECORD"
        with open(record, newline="") as handle:
            for row in csv.reader(handle):
                path = (site / row[0]).resolve()
                assert path.exists(), f"{info.name} lists {row[0]} but it is missing"
        installed.add(info.name.split("-")[0])
    return installed


def _assert_cache_consistent(cache: Path) -> None:
    archives = cache / "archive-v1"
    if archives.exists():
        for project in archives.iterdir():
            for entry in project.iterdir():
                assert (entry / ".puv-complete").exists(), f"incomplete cache entry {entry}"


def _install(venv: Path, cache: Path, server: IndexServer) -> subprocess.Popen[bytes]:
    env = dict(os.environ, VIRTUAL_ENV=str(venv))
    return subprocess.Popen(
        [sys.executable, "-m", "puv", "pip", "install", NAMES[0], "--index-url", server.url,
         "--cache-dir", str(cache), "--link-mode", "copy"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("warm", [False, True], ids=["cold-cache", "warm-cache"])
def test_sigkill_at_many_points_then_rerun(universe: IndexServer, tmp_path: Path, warm: bool) -> None:
    cache = tmp_path / "cache"
    if warm:
        prime = tmp_path / "prime"
        assert run_puv("venv", str(prime), "--python", PYTHON).code == 0
        proc = _install(prime, cache, universe)
        assert proc.wait(60) == 0
    else:
        # Slow downloads so that kills land while files are being fetched and unpacked.
        universe.add_fault("/files/*.whl", Fault("slow", delay=0.05, times=1000))
    start = time.perf_counter()
    venv = tmp_path / "timing"
    assert run_puv("venv", str(venv), "--python", PYTHON).code == 0
    assert _install(venv, tmp_path / "timing-cache" if not warm else cache, universe).wait(60) == 0
    full = time.perf_counter() - start

    kills = 0
    for step in range(6):
        venv = tmp_path / f"venv{step}"
        assert run_puv("venv", str(venv), "--python", PYTHON).code == 0
        run_cache = cache if warm else tmp_path / f"cache{step}"
        proc = _install(venv, run_cache, universe)
        time.sleep(full * (step + 1) / 8)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(30)
        _assert_complete_or_absent(venv)
        _assert_cache_consistent(run_cache)
        # The next run completes the job and the result is whole and importable.
        again = run_puv("pip", "install", NAMES[0], "--index-url", universe.url, "--cache-dir", str(run_cache),
                        env={"VIRTUAL_ENV": str(venv)})
        assert again.code == 0, again
        assert _assert_complete_or_absent(venv) == set(NAMES)
        imported = run([venv / "bin" / "python", "-c", f"import {', '.join(NAMES)}; print({NAMES[-1]}.VALUE)"])
        assert imported.stdout.strip() == str(len(NAMES) - 1), imported.stderr
        check = run_puv("pip", "check", env={"VIRTUAL_ENV": str(venv)})
        assert check.code == 0, check
    assert kills >= 2, "the install finished too fast to be interrupted"
