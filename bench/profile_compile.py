"""Time `puv pip compile` against `uv pip compile` on one input, cold and warm (medians).

    python bench/profile_compile.py simple-10            # 3 runs per tool and state
    python bench/profile_compile.py trio --runs 5 --tools puv
    python bench/profile_compile.py jupyter --profile    # also write a cProfile of one warm puv run

``NAME`` is a file ``NAME.in`` of ../shared/bench/requirements (or a path). Every
run resolves for Python 3.12 with ``--exclude-newer 2026-11-01`` and writes the
pins to a scratch file. ``cold``: the tool's cache directory is deleted before
the run; ``warm``: it was filled by the previous run of the same tool (cold runs also start
without the previous output file, whose pins would be preferences). Runs
alternate between the tools. The environment is the benchmark suite's:
PIP_*/UV_*/PUV_* removed, ``PIP_CONFIG_FILE=/dev/null`` (the default index
only), ``UV_PYTHON_DOWNLOADS=never`` and the 3.12 interpreter first on PATH.
puv runs as ``<this python> -m puv`` from the repository's ``src``.
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

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT.parent / "shared" / "bench" / "requirements"
UV = ROOT / "bench" / ".venv-tools" / "bin" / "uv"
EXCLUDE_NEWER = "2026-11-01"


def _python312_dir() -> str | None:
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for candidate in sorted(pyenv.glob("3.12*"), reverse=True):
        if (candidate / "bin" / "python3.12").exists():
            return str(candidate / "bin")
    return None


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_", "PUV_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PIP_CONFIG_FILE"] = os.devnull
    env["UV_PYTHON_DOWNLOADS"] = "never"
    python_dir = _python312_dir()
    if python_dir:
        env["PATH"] = python_dir + os.pathsep + env.get("PATH", "")
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def command(tool: str, source: Path, cache: Path, out: Path, profile: Path | None = None) -> list[str]:
    common = [
        "pip", "compile", str(source), "--python-version", "3.12", "--exclude-newer", EXCLUDE_NEWER,
        "--no-header", "--cache-dir", str(cache), "-o", str(out), "-q",
    ]
    if tool == "uv":
        return [str(UV), *common]
    if profile is not None:
        return [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "puv", *common]
    return [sys.executable, "-m", "puv", *common]


def run_once(tool: str, source: Path, cache: Path, out: Path, env: dict[str, str], profile: Path | None = None) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        command(tool, source, cache, out, profile), env=env, capture_output=True, text=True, timeout=1800
    )
    elapsed = (time.perf_counter() - started) * 1000
    if result.returncode != 0:
        raise SystemExit(f"{tool} failed on {source.name}:\n{result.stderr[-2000:]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", help="NAME of NAME.in in shared/bench/requirements, or a path")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tools", default="puv,uv", help="comma-separated: puv, uv")
    parser.add_argument("--states", default="cold,warm", help="comma-separated: cold, warm")
    parser.add_argument("--profile", action="store_true", help="write a cProfile of one warm puv run")
    parser.add_argument("--each", action="store_true", help="also print every run's time")
    args = parser.parse_args(argv)

    source = Path(args.name)
    if not source.is_file():
        source = REQUIREMENTS / f"{args.name}.in"
    tools = [t for t in args.tools.split(",") if t]
    if "uv" in tools and not UV.exists():
        print(f"no uv at {UV}: timing puv only (run bench/run.py once to create the tools venv)")
        tools = [t for t in tools if t != "uv"]
    states = [s for s in args.states.split(",") if s]
    env = environment()
    work = Path(tempfile.mkdtemp(prefix="puv-profile-"))
    times: dict[tuple[str, str], list[float]] = {}
    try:
        for _ in range(args.runs):
            for tool in tools:
                cache = work / f"cache-{tool}"
                for state in states:
                    if state == "cold":
                        shutil.rmtree(cache, ignore_errors=True)
                        # The previous pins in -o FILE are preferences: a cold run starts without.
                        (work / f"{tool}.txt").unlink(missing_ok=True)
                    elif not cache.exists():  # prime the warm cache
                        run_once(tool, source, cache, work / f"{tool}.txt", env)
                    ms = run_once(tool, source, cache, work / f"{tool}.txt", env)
                    times.setdefault((tool, state), []).append(ms)
        print(f"{source.name}: median of {args.runs} runs (ms; min-max)")
        for state in states:
            cells = []
            for tool in tools:
                found = times[(tool, state)]
                cells.append(f"{tool} {statistics.median(found):.0f} ({min(found):.0f}-{max(found):.0f})")
            ratio = ""
            if "puv" in tools and "uv" in tools:
                ratio = f"  puv/uv {statistics.median(times[('puv', state)]) / statistics.median(times[('uv', state)]):.2f}x"
            print(f"  {state:5} " + "  ".join(cells) + ratio)
            if args.each:
                for tool in tools:
                    print(f"        {tool}: " + " ".join(f"{ms:.0f}" for ms in times[(tool, state)]))
        if args.profile and "puv" in tools:
            profile = Path.cwd() / f"profile-{source.stem}.prof"
            run_once("puv", source, work / "cache-puv", work / "puv.txt", env, profile)
            print(f"profile of a warm puv run (main thread only): {profile}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
