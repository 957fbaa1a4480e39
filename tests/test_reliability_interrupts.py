"""Ctrl-C and SIGKILL at many points (issue "Hardening", interruptions).

SIGINT (Ctrl-C) during `pip install`, `pip sync` and `pip uninstall` (while waiting for
the environment lock, while resolving, while downloading, and at points spread over a
whole run): the exit code is 130 with ``error: interrupted`` (or 0 when the run had
already finished), never a traceback; every package is complete or absent; what is
installed imports; the next run completes and ``puv pip check`` passes.

SIGKILL during `pip uninstall` and during cache writes (pages and metadata fetched by
`pip compile`): every cache entry is complete or absent, and garbage written into
``simple-v1`` / ``metadata-v1`` entries (or a half-unpacked ``archive-v1`` entry) is a
miss on the next run, which works.

``INTERRUPTION_POINTS`` below is counted in docs/RELIABILITY.md.
"""

from __future__ import annotations

import csv
import fcntl
import marshal
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.cli import popen_puv, run, run_puv, wait_for
from tests.support.index_server import Fault, IndexServer

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"
pytestmark = pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}")

NAMES = [f"ipkg{i:02d}" for i in range(8)]

# Fractions of a full run's duration at which the time-swept tests send their signal.
SWEEP = (0.2, 0.4, 0.6, 0.8)

# Every interruption point these tests exercise (kept in step with the tests below).
INTERRUPTION_POINTS = [
    "install: SIGINT while waiting for the environment lock",
    "install: SIGINT while resolving (a project page is slow)",
    "install: SIGINT while a request hangs (exits promptly)",
    "install: SIGINT while downloading (wheels are slow)",
    *(f"install (warm cache): SIGINT at {f:.0%} of a run" for f in SWEEP),
    "sync: SIGINT while downloading (after nothing was removed yet)",
    *(f"sync (warm cache, replacing packages): SIGINT at {f:.0%} of a run" for f in SWEEP),
    "uninstall: SIGINT while waiting for the environment lock",
    *(f"uninstall: SIGINT at {f:.0%} of a run" for f in SWEEP),
    "cache clean: SIGINT while waiting for the cache lock",
    *(f"uninstall: SIGKILL at {f:.0%} of a run" for f in SWEEP),
    *(f"compile (cold cache, writing pages and metadata): SIGKILL at {f:.0%} of a run" for f in SWEEP),
    "cache: garbage in every simple-v1 entry (4 kinds), then a run",
    "cache: garbage in every metadata-v1 entry, then a run",
    "cache: an archive-v1 entry without its completion marker, then a run",
]


@pytest.fixture(scope="module")
def universe_wheels(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Built once for the module (building 17 wheels per test would dominate its time)."""
    from tests.support.builders import build_wheel

    out = tmp_path_factory.mktemp("interrupt-dists")
    wheels = []
    for version in ("1.0", "2.0"):
        for i, name in enumerate(NAMES):
            files = {f"{name}/__init__.py": f"VALUE = {i}\nVERSION = {version!r}\n"}
            files.update({f"{name}/m{j:03d}.py": f"X = {j}\n" * 20 for j in range(80)})
            deps = [NAMES[i + 1]] if i + 1 < len(NAMES) else []
            wheels.append(build_wheel(out, name, version, files=files, requires_dist=deps))
    wheels.append(build_wheel(out, "keep", "1.0", files={"keep/__init__.py": "VALUE = 'keep'\n"}))
    return wheels


@pytest.fixture
def universe(index_server: IndexServer, universe_wheels: list[Path]) -> IndexServer:
    """ipkg00 -> ipkg01 -> ... -> ipkg07 (80 modules each; 1.0 and 2.0), and `keep` 1.0."""
    index_server.publish_all(universe_wheels)
    return index_server


# ----------------------------------------------------------------------------- helpers


def make_venv(path: Path) -> Path:
    made = run_puv("venv", str(path), "--python", PYTHON)
    assert made.code == 0, made
    return path


def site(venv: Path) -> Path:
    return venv / "lib" / "python3.12" / "site-packages"


def complete_or_absent(venv: Path) -> dict[str, str]:
    """name -> version of what is installed; every file each RECORD lists exists."""
    found = {}
    for info in site(venv).glob("*.dist-info"):
        record = info / "RECORD"
        assert record.exists(), f"{info.name} has no RECORD"
        with open(record, newline="") as handle:
            for row in csv.reader(handle):
                assert (site(venv) / row[0]).resolve().exists(), f"{info.name} lists {row[0]} but it is missing"
        name, version = info.name[: -len(".dist-info")].split("-")
        found[name] = version
    return found


def assert_imports(venv: Path, names: list[str] | dict[str, str]) -> None:
    if not names:
        return
    imported = run([venv / "bin" / "python", "-c", f"import {', '.join(names)}"])
    assert imported.returncode == 0, imported.stderr


def assert_checks(venv: Path) -> None:
    check = run_puv("pip", "check", env={"VIRTUAL_ENV": str(venv)})
    assert check.code == 0, check


def assert_cache_consistent(cache: Path) -> None:
    archives = cache / "archive-v1"
    if archives.exists():
        for project in archives.iterdir():
            for entry in project.iterdir():
                assert (entry / ".puv-complete").exists(), f"incomplete cache entry {entry}"


def interrupted(proc: subprocess.Popen[str], *, allow_done: bool = False) -> tuple[int, str]:
    """Send SIGINT, collect the result; check the exit code and that no traceback shows."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "Traceback" not in out, out
    if proc.returncode == 0:
        assert allow_done, f"the run was not interrupted:\n{err}"
    elif proc.returncode == -signal.SIGINT:
        # Killed by the signal itself: it came before Python installed its handler, or
        # while the interpreter was shutting down (a shell shows 130 for this too).
        pass
    else:
        assert proc.returncode in (130, 1), (proc.returncode, err)
        assert re.search(r"^error: .*interrupted", err, re.M), err
    return proc.returncode, err


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


# ------------------------------------------------------------------------ SIGINT: install


def test_sigint_while_waiting_for_the_environment_lock(universe: IndexServer, tmp_path: Path) -> None:
    venv = make_venv(tmp_path / "venv")
    fd = os.open(venv / ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        proc = popen_puv("pip", "install", "keep", "--index-url", universe.url, "--cache-dir", str(tmp_path / "c"),
                         env={"VIRTUAL_ENV": str(venv)})
        time.sleep(1.0)
        assert proc.poll() is None
        code, err = interrupted(proc)
    finally:
        os.close(fd)
    assert code == 130 and "Waiting for another puv process" in err, err
    assert complete_or_absent(venv) == {}
    again = run_puv("pip", "install", "keep", "--index-url", universe.url, "--cache-dir", str(tmp_path / "c"),
                    env={"VIRTUAL_ENV": str(venv)})
    assert again.code == 0, again
    assert_imports(venv, ["keep"])


@pytest.mark.parametrize("phase", ["resolving", "downloading"])
def test_sigint_during_install(phase: str, universe: IndexServer, tmp_path: Path) -> None:
    venv = make_venv(tmp_path / "venv")
    cache = tmp_path / "cache"
    if phase == "resolving":
        # Requests are logged when answered: ipkg03's page is answered, ipkg04's is slow.
        universe.add_fault("/simple/ipkg04/", Fault("slow", delay=1.5))
        reached = lambda: universe.count("/simple/ipkg03/") > 0  # noqa: E731
    else:
        # The last wheel hangs long enough that the run cannot finish before the signal,
        # however the downloads interleave on a loaded machine.
        universe.add_fault(f"/files/{NAMES[-1]}-*.whl", Fault("slow", delay=5.0, times=100))
        universe.add_fault("/files/*.whl", Fault("slow", delay=0.4, times=100))
        reached = lambda: universe.count("/files/*.whl") >= 2  # noqa: E731
    env = {"VIRTUAL_ENV": str(venv)}
    proc = popen_puv("pip", "install", NAMES[0], "--index-url", universe.url, "--cache-dir", str(cache), env=env)
    wait_for(reached)
    time.sleep(0.1)
    code, _ = interrupted(proc)
    assert code in (130, -signal.SIGINT)
    installed = complete_or_absent(venv)
    assert_imports(venv, installed)
    assert_cache_consistent(cache)
    universe.clear_faults()
    again = run_puv("pip", "install", NAMES[0], "--index-url", universe.url, "--cache-dir", str(cache), env=env)
    assert again.code == 0, again
    assert set(complete_or_absent(venv)) == set(NAMES)
    assert_imports(venv, NAMES)
    assert_checks(venv)


def test_sigint_exits_promptly_while_a_request_hangs(universe: IndexServer, tmp_path: Path) -> None:
    venv = make_venv(tmp_path / "venv")
    universe.add_fault("/simple/ipkg01/", Fault("slow", delay=3.0))
    proc = popen_puv("pip", "install", NAMES[0], "--index-url", universe.url, "--cache-dir", str(tmp_path / "c"),
                     env={"VIRTUAL_ENV": str(venv)})
    wait_for(lambda: universe.count("/simple/ipkg00/") > 0)
    time.sleep(0.3)  # ipkg01's page is hanging now
    assert proc.poll() is None
    started = time.perf_counter()
    code, err = interrupted(proc)
    assert time.perf_counter() - started < 1.5
    assert code == 130 and "error: interrupted" in err, err
    assert complete_or_absent(venv) == {}
    assert_cache_consistent(tmp_path / "c")


def test_sigint_swept_over_a_warm_install(universe: IndexServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    prime = make_venv(tmp_path / "prime")
    args = ("pip", "install", NAMES[0], "--index-url", universe.url, "--cache-dir", str(cache), "--link-mode", "copy")
    assert run_puv(*args, env={"VIRTUAL_ENV": str(prime)}).code == 0
    full = timed(lambda: run_puv(*args, env={"VIRTUAL_ENV": str(make_venv(tmp_path / "timing"))}))
    stopped = 0
    for step, fraction in enumerate(SWEEP):
        venv = make_venv(tmp_path / f"venv{step}")
        proc = popen_puv(*args, env={"VIRTUAL_ENV": str(venv)})
        time.sleep(full * fraction)
        code, _ = interrupted(proc, allow_done=True)
        stopped += code != 0
        installed = complete_or_absent(venv)
        assert_imports(venv, installed)
        again = run_puv(*args, env={"VIRTUAL_ENV": str(venv)})
        assert again.code == 0, again
        assert set(complete_or_absent(venv)) == set(NAMES)
        assert_imports(venv, NAMES)
        if step == len(SWEEP) - 1:
            assert_checks(venv)
    assert stopped >= 1, "the install finished too fast to be interrupted"
    assert_cache_consistent(cache)


# --------------------------------------------------------------------------- SIGINT: sync


def _requirements(tmp_path: Path, version: str) -> Path:
    path = tmp_path / f"requirements-{version}.txt"
    path.write_text("".join(f"{name}=={version}\n" for name in NAMES) + "keep==1.0\n")
    return path


def test_sigint_during_sync_downloads(universe: IndexServer, tmp_path: Path) -> None:
    venv = make_venv(tmp_path / "venv")
    cache = tmp_path / "cache"
    env = {"VIRTUAL_ENV": str(venv)}
    common = ("--index-url", universe.url, "--cache-dir", str(cache))
    assert run_puv("pip", "sync", str(_requirements(tmp_path, "1.0")), *common, env=env).code == 0
    universe.add_fault("/files/*-2.0-*.whl", Fault("slow", delay=0.4, times=100))
    proc = popen_puv("pip", "sync", str(_requirements(tmp_path, "2.0")), *common, env=env)
    wait_for(lambda: universe.count("/files/*-2.0-*.whl") >= 2)
    code, _ = interrupted(proc)
    assert code == 130
    # Nothing was replaced before every wheel was prepared: still all 1.0.
    assert complete_or_absent(venv) == {**{n: "1.0" for n in NAMES}, "keep": "1.0"}
    assert_checks(venv)
    universe.clear_faults()
    again = run_puv("pip", "sync", str(_requirements(tmp_path, "2.0")), *common, env=env)
    assert again.code == 0, again
    assert complete_or_absent(venv) == {**{n: "2.0" for n in NAMES}, "keep": "1.0"}
    assert_imports(venv, NAMES)
    assert_checks(venv)


def test_sigint_swept_over_a_warm_sync(universe: IndexServer, tmp_path: Path) -> None:
    """Sync from all-1.0 to all-2.0 (every package replaced), interrupted at points
    spread over the run: each package is one version or the other, whole."""
    cache = tmp_path / "cache"
    old, new = _requirements(tmp_path, "1.0"), _requirements(tmp_path, "2.0")
    common = ("--index-url", universe.url, "--cache-dir", str(cache), "--link-mode", "copy")
    prime = make_venv(tmp_path / "prime")
    assert run_puv("pip", "sync", str(old), *common, env={"VIRTUAL_ENV": str(prime)}).code == 0
    assert run_puv("pip", "sync", str(new), *common, env={"VIRTUAL_ENV": str(prime)}).code == 0
    timing = make_venv(tmp_path / "timing")
    assert run_puv("pip", "sync", str(old), *common, env={"VIRTUAL_ENV": str(timing)}).code == 0
    full = timed(lambda: run_puv("pip", "sync", str(new), *common, env={"VIRTUAL_ENV": str(timing)}))
    stopped = 0
    for step, fraction in enumerate(SWEEP):
        venv = make_venv(tmp_path / f"venv{step}")
        env = {"VIRTUAL_ENV": str(venv)}
        assert run_puv("pip", "sync", str(old), *common, env=env).code == 0
        proc = popen_puv("pip", "sync", str(new), *common, env=env)
        time.sleep(full * fraction)
        code, _ = interrupted(proc, allow_done=True)
        stopped += code != 0
        installed = complete_or_absent(venv)
        assert set(installed) == {*NAMES, "keep"}, installed  # replaced, never absent
        assert_imports(venv, installed)
        again = run_puv("pip", "sync", str(new), *common, env=env)
        assert again.code == 0, again
        assert complete_or_absent(venv) == {**{n: "2.0" for n in NAMES}, "keep": "1.0"}
        if step == len(SWEEP) - 1:
            assert_checks(venv)
    assert stopped >= 1, "the sync finished too fast to be interrupted"


# ---------------------------------------------------------------------- SIGINT: uninstall


def _installed_venv(universe: IndexServer, tmp_path: Path, name: str, cache: Path) -> Path:
    venv = make_venv(tmp_path / name)
    done = run_puv("pip", "install", NAMES[0], "keep", "--index-url", universe.url, "--cache-dir", str(cache),
                   "--link-mode", "copy", env={"VIRTUAL_ENV": str(venv)})
    assert done.code == 0, done
    return venv


def test_sigint_while_uninstall_waits_for_the_environment_lock(universe: IndexServer, tmp_path: Path) -> None:
    venv = _installed_venv(universe, tmp_path, "venv", tmp_path / "cache")
    fd = os.open(site(venv) / ".puv.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        proc = popen_puv("pip", "uninstall", *NAMES, env={"VIRTUAL_ENV": str(venv)})
        time.sleep(1.0)
        assert proc.poll() is None
        code, _ = interrupted(proc)
    finally:
        os.close(fd)
    assert code == 130
    assert set(complete_or_absent(venv)) == {*NAMES, "keep"}
    assert_checks(venv)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_signal_swept_over_an_uninstall(signum: int, universe: IndexServer, tmp_path: Path) -> None:
    """Uninstall every ipkg (keeping `keep`), signalled at points over the run; the next
    uninstall finishes the job: nothing of an ipkg is left, `keep` imports, check passes."""
    cache = tmp_path / "cache"
    timing = _installed_venv(universe, tmp_path, "timing", cache)
    full = timed(lambda: run_puv("pip", "uninstall", *NAMES, env={"VIRTUAL_ENV": str(timing)}))
    stopped = 0
    for step, fraction in enumerate(SWEEP):
        venv = _installed_venv(universe, tmp_path, f"venv{step}", cache)
        env = {"VIRTUAL_ENV": str(venv)}
        proc = popen_puv("pip", "uninstall", *NAMES, env=env)
        time.sleep(full * fraction)
        if signum == signal.SIGINT:
            code, _ = interrupted(proc, allow_done=True)
            stopped += code != 0
            # Ctrl-C: each package is removed whole or left whole.
            left = complete_or_absent(venv)
            assert "keep" in left
            assert_imports(venv, left)
        else:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                stopped += 1
            proc.communicate(timeout=30)
        again = run_puv("pip", "uninstall", *NAMES, env=env)
        assert again.code == 0, again
        assert "Traceback" not in again.stderr, again
        assert complete_or_absent(venv) == {"keep": "1.0"}
        assert not any((site(venv) / name).exists() for name in NAMES)
        assert_imports(venv, ["keep"])
        if step == len(SWEEP) - 1:
            assert_checks(venv)
    assert stopped >= 1, "the uninstall finished too fast to be interrupted"


def test_sigint_while_cache_clean_waits(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "simple-v1").mkdir()
    fd = os.open(cache / ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_SH)  # what a running install holds
    try:
        proc = popen_puv("cache", "clean", "--cache-dir", str(cache))
        time.sleep(1.0)
        assert proc.poll() is None
        code, _ = interrupted(proc)
    finally:
        os.close(fd)
    assert code == 130
    assert (cache / "simple-v1").is_dir()


# ------------------------------------------------------------------ SIGKILL: cache writes


def _compile(universe: IndexServer, cache: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "puv", "pip", "compile", "-", "--python", PYTHON,
         "--no-header", "--index-url", universe.url, "--cache-dir", str(cache)],
        env=dict(os.environ), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _assert_pages_whole(cache: Path) -> None:
    for page in (cache / "simple-v1").rglob("*.bin"):
        data = marshal.loads(page.read_bytes())
        assert isinstance(data, tuple) and len(data) == 5, page
    for meta in (cache / "metadata-v1").rglob("*"):
        if meta.is_file():
            assert b"Name:" in meta.read_bytes(), meta


def test_sigkill_swept_over_page_and_metadata_writes(universe: IndexServer, tmp_path: Path) -> None:
    # A little latency per page and metadata file keeps the run busy writing entries.
    universe.add_fault("/simple/*", Fault("slow", delay=0.02, times=10_000))
    universe.add_fault("/files/*.metadata", Fault("slow", delay=0.02, times=10_000))
    timing = _compile(universe, tmp_path / "timing")
    started = time.perf_counter()
    out, err = timing.communicate(f"{NAMES[0]}\n", timeout=60)
    full = time.perf_counter() - started
    assert timing.returncode == 0, err
    expected = out
    killed = 0
    for step, fraction in enumerate(SWEEP):
        cache = tmp_path / f"cache{step}"
        proc = _compile(universe, cache)
        assert proc.stdin is not None
        proc.stdin.write(f"{NAMES[0]}\n")
        proc.stdin.close()
        time.sleep(full * fraction)
        if proc.poll() is None:
            proc.kill()
            killed += 1
        proc.wait(30)
        if cache.exists():
            _assert_pages_whole(cache)
        again = run_puv("pip", "compile", "-", "--python", PYTHON, "--no-header", "--index-url", universe.url,
                        "--cache-dir", str(cache), input=f"{NAMES[0]}\n")
        assert again.code == 0, again
        assert again.stdout == expected
    assert killed >= 1, "the compile finished too fast to be killed"


def _garbage_kinds() -> list[bytes]:
    return [
        b"\x00\xffnot marshal at all" * 3,  # random bytes
        marshal.dumps((1, None, None, 1e18, ("half",))),  # right version, wrong page shape
        marshal.dumps(("x", "y")),  # wrong tuple
        b"",  # empty (a write that never happened)
    ]


@pytest.mark.parametrize(
    "kind",
    [0, 1, 2, 3],
    ids=["random-bytes", "wrong-page-shape", "wrong-tuple", "empty"],
)
def test_garbage_page_entries_are_misses(kind: int, universe: IndexServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    args = ("pip", "compile", "-", "--python", PYTHON, "--no-header", "--index-url", universe.url,
            "--cache-dir", str(cache))
    first = run_puv(*args, input=f"{NAMES[0]}\n")
    assert first.code == 0, first
    pages = list((cache / "simple-v1").rglob("*.bin"))
    assert len(pages) >= len(NAMES)
    for page in pages:
        page.write_bytes(_garbage_kinds()[kind])
    universe.clear_log()
    again = run_puv(*args, input=f"{NAMES[0]}\n")
    assert again.code == 0, again
    assert "Traceback" not in again.stderr, again
    assert again.stdout == first.stdout
    assert universe.count("/simple/*") >= len(NAMES)  # fetched again: the garbage was a miss
    third = run_puv(*args, input=f"{NAMES[0]}\n")  # and the rewritten entries are good
    assert third.code == 0 and third.stdout == first.stdout, third


def test_garbage_metadata_entries_are_misses(universe: IndexServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    args = ("pip", "compile", "-", "--python", PYTHON, "--no-header", "--index-url", universe.url,
            "--cache-dir", str(cache))
    first = run_puv(*args, input=f"{NAMES[0]}\n")
    assert first.code == 0, first
    metas = [p for p in (cache / "metadata-v1").rglob("*") if p.is_file()]
    assert metas
    for meta in metas:
        meta.write_bytes(b"\x00\xff garbage \xfe")
    again = run_puv(*args, input=f"{NAMES[0]}\n")
    assert again.code == 0, again
    assert again.stdout == first.stdout


def test_half_unpacked_archive_entry_is_redone(universe: IndexServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first_venv = make_venv(tmp_path / "one")
    args = ("pip", "install", "keep", "--index-url", universe.url, "--cache-dir", str(cache))
    assert run_puv(*args, env={"VIRTUAL_ENV": str(first_venv)}).code == 0
    [entry] = list((cache / "archive-v1" / "keep").iterdir())
    (entry / ".puv-complete").unlink()
    (entry / "keep" / "__init__.py").unlink()  # what a killed unpack leaves
    venv = make_venv(tmp_path / "two")
    again = run_puv(*args, env={"VIRTUAL_ENV": str(venv)})
    assert again.code == 0, again
    assert_imports(venv, ["keep"])
    assert_cache_consistent(cache)


def test_an_interrupt_inside_a_callback_is_not_lost() -> None:
    # A KeyboardInterrupt raised where Python cannot propagate it (here a weakref
    # callback, as in the import system's module locks) reaches the main thread again.
    code = (
        "import sys, time, weakref\n"
        "from puv.cli.run import keep_interrupts\n"
        "keep_interrupts()\n"
        "class T: pass\n"
        "def cb(_):\n"
        "    raise KeyboardInterrupt\n"
        "t = T(); r = weakref.ref(t, cb)\n"
        "try:\n"
        "    del t\n"
        "    time.sleep(5)\n"
        "    print('lost')\n"
        "except KeyboardInterrupt:\n"
        "    print('delivered')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert proc.stdout.strip() == "delivered", proc
    assert "Exception ignored" not in proc.stderr, proc.stderr
