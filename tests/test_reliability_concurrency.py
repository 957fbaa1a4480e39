"""Several puv processes at once (issue "Hardening", concurrency).

- Four installs into four venvs from one (cold) cache at the same time: all succeed,
  every venv is complete, the cache is consistent (every ``archive-v1`` entry has its
  ``.puv-complete`` marker and is there once, ``tmp/`` is empty).
- Two installs into the same venv: the second waits for the environment lock
  ("Waiting for another puv process ...") and both end consistent.
- ``puv cache clean`` started during an install waits for the install's shared cache
  lock; the install completes; then the cache is gone.
- ``puv pip uninstall`` waits for an install holding the environment lock.
"""

from __future__ import annotations

import csv
import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.cli import popen_puv, run, run_puv, wait_for
from tests.support.index_server import Fault, IndexServer

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"
pytestmark = pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}")

WheelFactory = Callable[..., Path]
NAMES = [f"cpkg{i}" for i in range(8)]


@pytest.fixture
def universe(index_server: IndexServer, wheel_factory: WheelFactory) -> IndexServer:
    """cpkg0 -> cpkg1 -> ... -> cpkg7 (each with 40 modules), and `extra` 1.0."""
    for i, name in enumerate(NAMES):
        files = {f"{name}/__init__.py": f"VALUE = {i}\n"}
        files.update({f"{name}/m{j:02d}.py": f"X = {j}\n" * 50 for j in range(40)})
        deps = [NAMES[i + 1]] if i + 1 < len(NAMES) else []
        index_server.publish(wheel_factory(name, "1.0", files=files, requires_dist=deps))
    index_server.publish(wheel_factory("extra", "1.0", files={"extra/__init__.py": "VALUE = 'extra'\n"}))
    return index_server


def make_venv(path: Path) -> Path:
    made = run_puv("venv", str(path), "--python", PYTHON)
    assert made.code == 0, made
    return path


def site(venv: Path) -> Path:
    return venv / "lib" / "python3.12" / "site-packages"


def installed_complete(venv: Path) -> set[str]:
    """The installed names; every file each RECORD lists exists."""
    names = set()
    for info in site(venv).glob("*.dist-info"):
        with open(info / "RECORD", newline="") as handle:
            for row in csv.reader(handle):
                assert (site(venv) / row[0]).resolve().exists(), f"{info.name}: {row[0]} is missing"
        names.add(info.name.split("-")[0])
    return names


def assert_cache_consistent(cache: Path, *, projects: list[str]) -> None:
    for name in projects:
        entries = list((cache / "archive-v1" / name).iterdir())
        assert len(entries) == 1, entries
        assert (entries[0] / ".puv-complete").exists(), f"incomplete cache entry {entries[0]}"
    for bucket in (cache / "archive-v1").iterdir():
        for entry in bucket.iterdir():
            assert (entry / ".puv-complete").exists(), f"incomplete cache entry {entry}"
    assert list((cache / "tmp").iterdir()) == []


def assert_imports_and_checks(venv: Path, names: list[str]) -> None:
    imported = run([venv / "bin" / "python", "-c", f"import {', '.join(names)}"])
    assert imported.returncode == 0, imported.stderr
    check = run_puv("pip", "check", env={"VIRTUAL_ENV": str(venv)})
    assert check.code == 0, check


def test_four_installs_into_four_venvs_share_one_cold_cache(universe: IndexServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    venvs = [make_venv(tmp_path / f"venv{i}") for i in range(4)]
    # A little latency on every wheel so the four runs overlap while they fill the cache.
    universe.add_fault("/files/*.whl", Fault("slow", delay=0.05, times=1000))
    procs = [
        popen_puv("pip", "install", NAMES[0], "--index-url", universe.url, "--cache-dir", str(cache),
                  env={"VIRTUAL_ENV": str(venv)})
        for venv in venvs
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_, stderr) in zip(procs, outputs):
        assert proc.returncode == 0, stderr
        assert "Traceback" not in stderr, stderr
    for venv in venvs:
        assert installed_complete(venv) == set(NAMES)
    assert_cache_consistent(cache, projects=NAMES)
    assert_imports_and_checks(venvs[0], NAMES)
    imported = run([venvs[3] / "bin" / "python", "-c", f"import {NAMES[-1]}; print({NAMES[-1]}.VALUE)"])
    assert imported.stdout.strip() == str(len(NAMES) - 1), imported.stderr


def test_two_installs_into_one_venv_the_second_waits(universe: IndexServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    venv = make_venv(tmp_path / "venv")
    env = {"VIRTUAL_ENV": str(venv)}
    # Keep the first install busy downloading while the second one starts.
    universe.add_fault("/files/*.whl", Fault("slow", delay=0.15, times=len(NAMES)))
    first = popen_puv("pip", "install", NAMES[0], "--index-url", universe.url, "--cache-dir", str(cache), env=env)
    wait_for(lambda: universe.count("/simple/*") > 0)  # it holds the environment lock by now
    second = popen_puv("pip", "install", NAMES[0], "extra", "--index-url", universe.url, "--cache-dir", str(cache),
                       env=env)
    _, first_err = first.communicate(timeout=120)
    _, second_err = second.communicate(timeout=120)
    assert first.returncode == 0, first_err
    assert second.returncode == 0, second_err
    assert second_err.startswith(f"Waiting for another puv process to finish with {venv}\n"), second_err
    # The second run saw the first one's work: it only added `extra`.
    assert " + extra==1.0" in second_err and f" + {NAMES[0]}==" not in second_err, second_err
    assert installed_complete(venv) == {*NAMES, "extra"}
    assert_cache_consistent(cache, projects=[*NAMES, "extra"])
    assert_imports_and_checks(venv, [*NAMES, "extra"])


def test_cache_clean_waits_for_a_running_install(universe: IndexServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    venv = make_venv(tmp_path / "venv")
    universe.add_fault("/files/*.whl", Fault("slow", delay=0.25, times=len(NAMES)))
    install = popen_puv("pip", "install", NAMES[0], "--index-url", universe.url, "--cache-dir", str(cache),
                        env={"VIRTUAL_ENV": str(venv)})
    wait_for(lambda: universe.count("/simple/*") > 0)  # it holds the cache's shared lock by now
    clean = popen_puv("cache", "clean", "--cache-dir", str(cache))
    time.sleep(0.5)
    assert install.poll() is None, "the install finished too fast to overlap with the clean"
    assert clean.poll() is None, "the clean did not wait for the running install"
    assert cache.exists()
    _, install_err = install.communicate(timeout=120)
    assert install.returncode == 0, install_err
    _, clean_err = clean.communicate(timeout=60)
    assert clean.returncode == 0, clean_err
    assert f"Clearing cache at: {cache}" in clean_err, clean_err
    assert not cache.exists()
    # The install finished before the clean started removing: the venv is whole.
    assert installed_complete(venv) == set(NAMES)
    assert_imports_and_checks(venv, NAMES)


def test_install_waits_for_a_running_cache_clean(universe: IndexServer, tmp_path: Path) -> None:
    """The other way round: an install started while the cache is exclusively locked
    (as by `puv cache clean`) waits, then works."""
    cache = tmp_path / "cache"
    cache.mkdir()
    venv = make_venv(tmp_path / "venv")
    fd = os.open(cache / ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        install = popen_puv("pip", "install", "extra", "--index-url", universe.url, "--cache-dir", str(cache),
                            env={"VIRTUAL_ENV": str(venv)})
        time.sleep(0.8)
        assert install.poll() is None
        assert universe.requests == []
    finally:
        os.close(fd)
    _, stderr = install.communicate(timeout=60)
    assert install.returncode == 0, stderr
    assert installed_complete(venv) == {"extra"}


def test_uninstall_waits_for_an_install_holding_the_environment(universe: IndexServer, tmp_path: Path) -> None:
    """`pip uninstall` takes the lock `pip install` / `pip sync` take (``<venv>/.lock``)."""
    venv = make_venv(tmp_path / "venv")
    env = {"VIRTUAL_ENV": str(venv)}
    done = run_puv("pip", "install", "extra", "--index-url", universe.url, "--cache-dir", str(tmp_path / "c"), env=env)
    assert done.code == 0, done
    fd = os.open(venv / ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # what a running install holds
    try:
        uninstall = popen_puv("pip", "uninstall", "extra", env=env)
        time.sleep(0.8)
        assert uninstall.poll() is None, "the uninstall did not wait for the install"
        assert installed_complete(venv) == {"extra"}
    finally:
        os.close(fd)
    _, stderr = uninstall.communicate(timeout=60)
    assert uninstall.returncode == 0, stderr
    assert stderr.startswith(f"Waiting for another puv process to finish with {venv}\n"), stderr
    assert installed_complete(venv) == set()
