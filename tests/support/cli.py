"""Run puv the way a user does: a subprocess, with its exit code and both streams."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def run_puv(
    *args: str,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = 120,
) -> Result:
    """Run ``python -m puv ARGS`` with the test's (isolated) environment plus ``env``."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    proc = subprocess.run(
        [sys.executable, "-m", "puv", *args],
        cwd=cwd,
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def run(cmd: Sequence[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run any command, capturing text output (for checks inside created venvs)."""
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)  # type: ignore[call-overload, no-any-return]


def popen_puv(*args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``python -m puv ARGS`` in the background (to signal it or race it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "puv", *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll ``condition`` until it holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def new_venv(path: Path, python: str) -> Path:
    """A virtual environment made by ``puv venv`` (the fixture most CLI tests start from)."""
    result = run_puv("venv", str(path), "--python", python, cwd=path.parent)
    assert result.code == 0, result
    return path
