"""`puv pip compile` against uv's answers for the shared benchmark inputs (marked `network`).

For every ``NAME.in`` in ``../shared/bench/requirements/`` that has an
``oracle/NAME.txt`` (the pins uv 0.13.9 chose with ``--python-version 3.12
--exclude-newer 2026-11-01``), puv must choose the same ``name==version`` pins,
or the difference must be listed in :data:`EXPECTED_DIFFERENCES` with the reason
puv's answer is also valid.

    pytest -m network tests/test_compile_oracle.py

Each input is compiled in a subprocess, as a user would run it, with a fresh
cache and no pip configuration (``PIP_CONFIG_FILE=/dev/null``) so that only the
default index is used.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.network

REQUIREMENTS = Path(__file__).resolve().parents[2] / "shared" / "bench" / "requirements"
ORACLE = REQUIREMENTS / "oracle"
EXCLUDE_NEWER = "2026-11-01"

_NEWER_UPLOAD = (
    "a newer release, uploaded before the --exclude-newer cutoff but after the oracle file was "
    "made (the index lists it with a whole-second upload-time); uv 0.13.9 run today on the same "
    "input picks it too"
)
_CERTIFI = {"certifi": ("2026.10.18", "2026.10.19.post1", _NEWER_UPLOAD + " (uploaded 2026-10-22)")}

#: input name -> {package: (uv's version or None, puv's version or None, why both are valid)}.
EXPECTED_DIFFERENCES: dict[str, dict[str, tuple[str | None, str | None, str]]] = {
    "simple-10": _CERTIFI,
    "trio": _CERTIFI,
    "jupyter": _CERTIFI,
    "datascience": _CERTIFI,
    "popular-50": _CERTIFI,
    "popular-200": {
        **_CERTIFI,
        "litellm": ("1.106.2", "1.106.6", _NEWER_UPLOAD + " (uploaded 2026-10-28)"),
        "langchain-core": ("1.7.2", "1.7.3", _NEWER_UPLOAD + " (uploaded 2026-10-29)"),
    },
}

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text: str) -> dict[str, str]:
    """``name -> version`` for every ``name==version`` line (names normalised)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _PIN.match(line.strip())
        if match:
            found[_normalize(match.group(1))] = match.group(2)
    return found


def _inputs() -> list[str]:
    if not ORACLE.is_dir():
        return []
    return sorted(p.stem for p in ORACLE.glob("*.txt") if (REQUIREMENTS / f"{p.stem}.in").is_file())


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PUV_", "UV_"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["HOME"] = str(tmp_path)  # no user puv.toml / pip.conf
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    return env


def run_compile(source: Path, out: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "puv", "pip", "compile", str(source),
        "--python-version", "3.12", "--exclude-newer", EXCLUDE_NEWER, "--no-header",
        "--cache-dir", str(tmp_path / "cache"), "-o", str(out), "-q",
    ]
    return subprocess.run(command, cwd=tmp_path, env=_environment(tmp_path), capture_output=True, text=True,
                          timeout=900)


def compile_pins(name: str, tmp_path: Path, source: Path | None = None) -> tuple[dict[str, str], float]:
    """Run ``puv pip compile NAME.in`` (or ``source``) with a fresh cache: its pins and wall time.

    An input whose answer needs a source distribution built is an expected
    failure until puv can build (the error says "needs a build").
    """
    out = tmp_path / f"{name}.txt"
    started = time.perf_counter()
    result = run_compile(source or REQUIREMENTS / f"{name}.in", out, tmp_path)
    elapsed = time.perf_counter() - started
    if result.returncode != 0 and "needs a build" in result.stderr:
        pytest.xfail(f"{name}.in needs a source distribution built ({elapsed:.1f}s): {result.stderr.strip()}")
    assert result.returncode == 0, f"puv pip compile {name}.in failed:\n{result.stderr}"
    return pins(out.read_text(encoding="utf-8")), elapsed


@pytest.mark.skipif(not _inputs(), reason=f"no oracle files under {ORACLE}")
@pytest.mark.parametrize("name", _inputs())
def test_compile_matches_oracle(name: str, tmp_path: Path) -> None:
    expected = pins((ORACLE / f"{name}.txt").read_text(encoding="utf-8"))
    got, _ = compile_pins(name, tmp_path)
    allowed = EXPECTED_DIFFERENCES.get(name, {})
    differences: dict[str, tuple[str | None, str | None]] = {}
    for package in sorted(expected.keys() | got.keys()):
        if expected.get(package) != got.get(package):
            differences[package] = (expected.get(package), got.get(package))
    unexplained = {
        package: pair
        for package, pair in differences.items()
        if package not in allowed or allowed[package][:2] != pair
    }
    stale = sorted(set(allowed) - set(differences))
    assert not unexplained, f"{name}: pins differ from uv's (package: (uv, puv)): {unexplained}"
    assert not stale, f"{name}: listed differences that no longer occur: {stale}"


#: Projects named by home-assistant.in that the index no longer has (their pages are
#: gone): the input as shipped cannot be resolved by any tool.
GONE_FROM_THE_INDEX = ("pyunifiprotect",)


@pytest.mark.skipif(
    not (REQUIREMENTS / "home-assistant.in").is_file(), reason="no home-assistant.in"
)
def test_home_assistant_resolves(tmp_path: Path) -> None:
    """The scale test: 1,010 direct requirements resolve (there is no oracle), once the
    lines of projects gone from the index are left out (as bench/ does)."""
    from bench.scenarios import without_projects

    source = tmp_path / "home-assistant.in"
    source.write_text(without_projects((REQUIREMENTS / "home-assistant.in").read_text(), GONE_FROM_THE_INDEX))
    got, elapsed = compile_pins("home-assistant", tmp_path, source)
    print(f"home-assistant.in: {len(got)} pins in {elapsed:.1f}s")
    assert len(got) > 1000


@pytest.mark.skipif(
    not (REQUIREMENTS / "home-assistant.in").is_file(), reason="no home-assistant.in"
)
def test_home_assistant_as_shipped_names_the_missing_project(tmp_path: Path) -> None:
    result = run_compile(REQUIREMENTS / "home-assistant.in", tmp_path / "out.txt", tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Because there is no version of pyunifiprotect==4.20.0" in result.stderr
    assert "`pyunifiprotect` was not found in the package index" in result.stderr
