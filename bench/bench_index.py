"""Benchmark: fetch pages and metadata for every pin of a compiled requirements file.

`puv pip compile` against `uv pip compile` of a file whose every line is an
exact pin: the resolution is trivial, so the time is the index work (one page
and the metadata of the pinned version per package, in parallel), cold (empty
cache) and warm (cache filled by the previous run), alternating tools.

    python bench/bench_index.py [--file ../shared/bench/requirements/compiled/jupyter.txt] [--runs 3]

Both tools use the default index only: pip's configuration files are ignored
(PIP_CONFIG_FILE=/dev/null) so puv sees the same index as uv. Needs the network.
uv comes from PATH or bench/.venv-tools (see bench_venv.py).
Results go to stdout and bench/results/index.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work" / "index"
DEFAULT_FILE = HERE.parent.parent / "shared" / "bench" / "requirements" / "compiled" / "jupyter.txt"



def _uv() -> str | None:
    found = shutil.which("uv")
    if found:
        return found
    candidate = HERE / ".venv-tools" / "bin" / "uv"
    return str(candidate) if candidate.exists() else None


def _time(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"command failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    uv = _uv()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_", "PUV_"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    results: dict[tuple[str, str], list[float]] = {}
    for run in range(args.runs):
        for tool in ("puv", "uv") if uv else ("puv",):
            cache = WORK / f"{tool}-cache-{run}"
            shutil.rmtree(cache, ignore_errors=True)
            program = [sys.executable, "-m", "puv"] if tool == "puv" else [uv]
            cmd = [*program, "pip", "compile", str(args.file), "--python-version", "3.12",
                   "--cache-dir", str(cache), "--no-header", "-q"]
            results.setdefault((tool, "cold"), []).append(_time(cmd, env))
            results.setdefault((tool, "warm"), []).append(_time(cmd, env))
            shutil.rmtree(cache, ignore_errors=True)
    lines = [
        f"# Index fetch benchmark: pages + metadata for `{args.file.name}`",
        "",
        f"{args.runs} runs per tool and state, alternating. Default index only.",
        "",
        "| tool | state | median (ms) | min-max (ms) |",
        "| --- | --- | ---: | ---: |",
    ]
    for (tool, state), values in results.items():
        lines.append(f"| {tool} | {state} | {statistics.median(values):.0f} | {min(values):.0f}-{max(values):.0f} |")
    if uv:
        for state in ("cold", "warm"):
            ratio = statistics.median(results[("puv", state)]) / statistics.median(results[("uv", state)])
            lines.append(f"\npuv/uv {state}: {ratio:.2f}x")
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "index.md").write_text(text)


if __name__ == "__main__":
    main()
