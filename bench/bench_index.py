"""Benchmark: fetch pages and metadata for every pin of a compiled requirements file.

puv's index layer (pages + metadata of the pinned version, everything in
parallel) against `uv pip compile` of the same file, cold (empty cache) and
warm (cache filled by the previous run), alternating tools.

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

_PUV_FETCH = r"""
import sys
from pathlib import Path
from packaging.utils import canonicalize_name
from packaging.version import Version
from puv.domain.index.client import IndexClient, sources_from_settings
from puv.io.cache import Cache
from puv.io.http import HttpClient, HttpOptions, parallel_map
from puv.primitives.filenames import try_parse_filename
from puv.settings import Settings, resolve_index_url

pins = {}
for line in Path(sys.argv[2]).read_text().splitlines():
    line = line.split("#", 1)[0].strip()
    if "==" in line:
        name, version = line.split("==", 1)
        pins[canonicalize_name(name.split("[")[0])] = Version(version.split(";")[0].strip())
cache = Cache(Path(sys.argv[1])); cache.ensure()
http = HttpClient(HttpOptions(max_connections=50))
client = IndexClient(http, cache, sources_from_settings(resolve_index_url(Settings()), (), (), False, "first-index"))
with cache.shared():
    def one(name):
        files = [s.file for s in client.files(name)]
        chosen = None
        for f in files:
            parsed = try_parse_filename(f.filename, name)
            if parsed is not None and parsed.version == pins[name] and f.kind == "wheel":
                chosen = f
                if f.filename.endswith("-none-any.whl"):
                    break
        if chosen is None:
            return 0
        client.metadata(name, chosen)
        return 1
    done = sum(parallel_map(one, sorted(pins), 50))
print(f"{len(pins)} pins, {done} metadata", file=sys.stderr)
"""


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
            if tool == "puv":
                cmd = [sys.executable, "-c", _PUV_FETCH, str(cache), str(args.file)]
            else:
                cmd = [uv, "pip", "compile", str(args.file), "--python-version", "3.12",
                       "--cache-dir", str(cache), "--no-header", "-q", "-o", os.devnull]
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
