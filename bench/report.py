"""Statistics and the markdown report, from the raw results document.

Pure: works on the JSON-shaped document ``bench/run.py`` writes to
``bench/results/latest.json``, so a report can be re-rendered from raw numbers:

    python bench/report.py bench/results/latest.json

Document shape::

    {"meta": {...}, "tools": ["pip", ...],
     "cases": [{"key", "scenario", "state", "kind", "baseline", "summary",
                "commands": {tool: str},
                "runs": {tool: [{"ok", "ms", "cpu_ms", "peak_kib", "error"}]}}]}
"""

from __future__ import annotations

import json
import statistics
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

RATIO_NOTE = (
    "Ratios are puv's median time divided by the other tool's median time: "
    "`0.08x` means puv takes 8% of that tool's time (12.5 times faster); "
    "`2.0x` means puv takes twice as long. Lower is better for puv."
)


@dataclass(frozen=True)
class Summary:
    n: int
    median: float
    low: float
    high: float


def summarize(values: Sequence[float]) -> Summary | None:
    if not values:
        return None
    return Summary(len(values), statistics.median(values), min(values), max(values))


def format_ms(ms: float) -> str:
    """Milliseconds, with precision where it matters: 4.3, 87, 1234."""
    if ms < 10:
        return f"{ms:.1f}"
    return f"{ms:.0f}"


def format_ratio(numerator: float | None, denominator: float | None) -> str:
    """``puv / other`` as ``0.08x``; an empty string when either side is missing."""
    if numerator is None or denominator is None or denominator <= 0:
        return ""
    ratio = numerator / denominator
    if ratio < 0.01:
        return f"{ratio:.3f}x"
    if ratio < 1:
        return f"{ratio:.2f}x"
    if ratio < 10:
        return f"{ratio:.1f}x"
    return f"{ratio:.0f}x"


def format_mib(kib: float) -> str:
    mib = kib / 1024
    return f"{mib:.0f} MiB" if mib >= 100 else f"{mib:.1f} MiB"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'").replace("\n", " ")


def first_error(runs: Sequence[Mapping[str, Any]]) -> str:
    for run in runs:
        if not run.get("ok"):
            return str(run.get("error") or "failed")
    return ""


def ok_times(runs: Sequence[Mapping[str, Any]]) -> list[float]:
    return [float(r["ms"]) for r in runs if r.get("ok")]


def median_ms(runs: Sequence[Mapping[str, Any]] | None) -> float | None:
    summary = summarize(ok_times(runs or []))
    return summary.median if summary else None


def format_cell(runs: Sequence[Mapping[str, Any]] | None, error_width: int = 90) -> str:
    """``median (min–max) · peak MiB`` for one tool in one case; ``n/a: why`` when nothing worked."""
    if runs is None:
        return ""
    summary = summarize(ok_times(runs))
    if summary is None:
        why = first_error(runs)
        if len(why) > error_width:
            why = why[: error_width - 1] + "…"
        return f"n/a: {_escape(why)}" if why else "n/a"
    peaks = [float(r["peak_kib"]) for r in runs if r.get("ok") and r.get("peak_kib")]
    text = format_ms(summary.median)
    if summary.n > 1:
        text += f" ({format_ms(summary.low)}–{format_ms(summary.high)})"
    if peaks:
        text += f" · {format_mib(statistics.median(peaks))}"
    failed = len(runs) - summary.n
    if failed:
        text += f" ({failed}/{len(runs)} failed)"
    return text


def _baseline_columns(tools: Sequence[str]) -> bool:
    return "pip" in tools or "pip-tools" in tools


def render_table(document: Mapping[str, Any]) -> str:
    tools: list[str] = list(document["tools"])
    has_base = _baseline_columns(tools)
    has_uv = "uv" in tools
    has_puv = "puv" in tools
    header = ["scenario", "state"]
    if has_base:
        header.append("pip · pip-tools")
    if has_uv:
        header.append("uv")
    if has_puv:
        header.append("puv")
    if has_puv and has_base:
        header.append("puv / pip · pip-tools")
    if has_puv and has_uv:
        header.append("puv / uv")
    aligns = ["---", "---"] + ["---:"] * (len(header) - 2)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(aligns) + " |"]
    for case in document["cases"]:
        runs: Mapping[str, Any] = case["runs"]
        baseline = case["baseline"]
        row = [f"`{case['scenario']}`", case["state"]]
        if has_base:
            base_runs = runs.get(baseline)
            cell = format_cell(base_runs)
            if base_runs is not None and case["kind"] == "compile":
                cell = f"{cell} (pip-tools)" if cell else cell
            row.append(cell)
        if has_uv:
            row.append(format_cell(runs.get("uv")))
        if has_puv:
            row.append(format_cell(runs.get("puv")))
        puv = median_ms(runs.get("puv"))
        if has_puv and has_base:
            row.append(format_ratio(puv, median_ms(runs.get(baseline))))
        if has_puv and has_uv:
            row.append(format_ratio(puv, median_ms(runs.get("uv"))))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def render_markdown(document: Mapping[str, Any]) -> str:
    meta: Mapping[str, Any] = document["meta"]
    versions = ", ".join(f"{tool} {version}" for tool, version in meta.get("versions", {}).items())
    lines = [
        "# puv benchmark",
        "",
        f"- Date: {meta.get('date', '?')}",
        f"- Machine: {meta.get('cpu_count', '?')} cores ({meta.get('cpu_model', '?')}), "
        f"{meta.get('memory', '?')} memory, {meta.get('platform', '?')}; "
        f"load average {meta.get('load_start', '?')} at start, {meta.get('load_end', '?')} at end",
        f"- Python: puv runs on {meta.get('puv_python', '?')}; environments and the tools venv use "
        f"{meta.get('base_python', '?')}",
        f"- Tools: {versions or '?'}",
        f"- puv source: {meta.get('git', '?')}",
        f"- Runs: {meta.get('runs', '?')} per tool and case, tools alternating within each repetition"
        f"{' (--quick)' if meta.get('quick') else ''}",
        "",
        RATIO_NOTE,
        "",
        "Each tool cell: median wall time in ms (min–max over the runs) · median peak RSS of the "
        "process started (for pip/uv/puv the work happens in that process; a command that does "
        f"nothing reads {format_mib(float(meta.get('peak_floor_kib') or 0))}, the floor the launcher leaves). "
        "The `pip · pip-tools` column is pip for installs, pip-tools (`pip-compile`) for "
        "`compile-*`, and `python -m venv --without-pip` for `venv`. "
        "`cold`: the tool's cache directory was deleted before the run; `warm`: the cache was "
        "filled by an earlier run of the same input. `n/a` means the command failed; its first "
        "error line follows.",
        "",
        render_table(document),
        "",
    ]
    notes = meta.get("notes") or []
    if notes:
        lines += ["Notes:", ""] + [f"- {note}" for note in notes] + [""]
    commands: dict[str, dict[str, str]] = {}
    for case in document["cases"]:
        commands.setdefault(case["kind"], case.get("commands", {}))
    if commands:
        lines += ["Commands (`FILE` from shared/bench/requirements, `C` the tool's cache, `V` a fresh venv, "
                  "`PY` the base interpreter, `python` the one running puv; pip-compile, pip and uv "
                  "from bench/.venv-tools):", ""]
        for kind, by_tool in commands.items():
            for tool, command in by_tool.items():
                lines.append(f"- {kind}, {tool}: `{command}`")
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1:
        print("usage: python bench/report.py bench/results/latest.json", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as handle:
        print(render_markdown(json.load(handle)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
