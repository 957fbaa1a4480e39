"""Benchmark: `puv venv` against `python -m venv --without-pip` and `uv venv`.

Stdlib only. Each tool creates a fresh environment for the same base
interpreter; runs alternate between tools so machine noise hits all of them
alike. One warm-up run per tool is not counted (it fills puv's interpreter
cache and writes bytecode, as any second use would find them).

    python bench/bench_venv.py [--runs 15] [--python 3.12] [--no-uv]

uv is taken from PATH, else from bench/.venv-tools (created on demand with
`python -m venv` + `pip install uv`, through pip's own configured index).
Results go to stdout and bench/results/venv.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOOLS_VENV = HERE / ".venv-tools"
WORK = HERE / ".work" / "venv"
# Tools look for project configuration upwards from their working directory: run
# them outside this repository, whose own pyproject.toml would be found and read.
CWD = Path(tempfile.mkdtemp(prefix="puv-bench-venv-"))


def find_base_python(version: str) -> Path:
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    for candidate in sorted((root / "versions").glob(f"{version}.*"), reverse=True):
        exe = candidate / "bin" / f"python{version}"
        if exe.is_file():
            return exe
    found = shutil.which(f"python{version}")
    if found:
        return Path(found)
    sys.exit(f"no CPython {version} found (looked in {root / 'versions'} and on PATH)")


def find_uv(install: bool) -> Path | None:
    found = shutil.which("uv")
    if found:
        return Path(found)
    uv = TOOLS_VENV / "bin" / "uv"
    if uv.exists():
        return uv
    if not install:
        return None
    print("installing uv into bench/.venv-tools ...", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(TOOLS_VENV)], check=True)
        subprocess.run([str(TOOLS_VENV / "bin" / "python"), "-m", "pip", "install", "-q", "uv"], check=True)
    except subprocess.CalledProcessError as error:
        print(f"could not install uv ({error}); skipping it", file=sys.stderr)
        return None
    return uv if uv.exists() else None


def puv_command() -> list[str]:
    script = Path(sys.executable).parent / "puv"
    return [str(script)] if script.exists() else [sys.executable, "-m", "puv"]


def time_once(command: list[str], target: Path, env: dict[str, str]) -> float:
    shutil.rmtree(target, ignore_errors=True)
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, cwd=CWD, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{proc.stderr.decode()}")
    if not (target / "pyvenv.cfg").is_file():
        sys.exit(f"{' '.join(command)} made no environment at {target}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--python", default="3.12", help="base interpreter version (X.Y)")
    parser.add_argument("--no-uv", action="store_true", help="do not use or install uv")
    args = parser.parse_args()
    if args.runs < 10:
        parser.error("use at least 10 runs")

    base = find_base_python(args.python)
    uv = None if args.no_uv else find_uv(install=True)
    WORK.mkdir(parents=True, exist_ok=True)
    target = WORK / "env"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV")}
    env["PUV_CACHE_DIR"] = str(WORK / "puv-cache")
    env["UV_CACHE_DIR"] = str(WORK / "uv-cache")

    tools: dict[str, list[str]] = {
        f"puv venv --python {base}": [*puv_command(), "venv", str(target), "--python", str(base)],
        f"puv venv --python {args.python}": [*puv_command(), "venv", str(target), "--python", args.python],
        "python -m venv --without-pip": [str(base), "-m", "venv", "--without-pip", str(target)],
    }
    if uv is not None:
        tools[f"uv venv --python {base}"] = [str(uv), "venv", str(target), "--python", str(base), "-q"]

    for command in tools.values():  # warm-up, not counted
        time_once(command, target, env)
    samples: dict[str, list[float]] = {name: [] for name in tools}
    for _ in range(args.runs):
        for name, command in tools.items():
            samples[name].append(time_once(command, target, env))
    shutil.rmtree(target, ignore_errors=True)

    reference = statistics.median(samples[next(iter(tools))])
    uv_version = ""
    if uv is not None:
        uv_version = subprocess.run([str(uv), "--version"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# `puv venv` benchmark",
        "",
        f"Base interpreter: `{base}`. {args.runs} runs per tool, alternating, after one warm-up each.",
        f"puv runs on `{sys.executable}` (Python {sys.version.split()[0]}).{' ' + uv_version + '.' if uv_version else ''}",
        "",
        "| command | median (ms) | min-max (ms) | vs puv (explicit path) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, values in samples.items():
        median = statistics.median(values) * 1000
        ratio = statistics.median(values) / reference
        lines.append(
            f"| `{name}` | {median:.1f} | {min(values) * 1000:.1f}-{max(values) * 1000:.1f} | {ratio:.2f}x |"
        )
    floor = [time_once_floor(base) for _ in range(args.runs)]
    lines += [
        "",
        f"Floor: starting the base interpreter (`python -c pass`) takes {statistics.median(floor) * 1000:.1f} ms median.",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "venv.md").write_text(report)
    return 0


def time_once_floor(base: Path) -> float:
    start = time.perf_counter()
    subprocess.run([str(base), "-c", "pass"], check=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    raise SystemExit(main())
