"""Draw bench/results/latest.png from latest.json: one group of bars per case, log-scale time.

Run by bench/run.py with bench/.venv-tools/bin/python (where matplotlib is installed):

    bench/.venv-tools/bin/python bench/chart.py bench/results/latest.json bench/results/latest.png

Without matplotlib it says so and exits 0 (the chart is optional).
"""

from __future__ import annotations

import json
import statistics
import sys

COLORS = {"pip": "#4c72b0", "pip-tools": "#7fa6d8", "uv": "#8172b2", "puv": "#55a868"}


def main(source: str, target: str) -> int:
    try:
        import matplotlib  # type: ignore[import-not-found, unused-ignore]

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        print("matplotlib is not installed: no chart", file=sys.stderr)
        return 0
    with open(source, encoding="utf-8") as handle:
        document = json.load(handle)
    rows = []  # (label, tool, median ms or None)
    names = {}  # (label, tool) -> what the bar is called
    for case in document["cases"]:
        label = case["scenario"] if case["state"] == "-" else f"{case['scenario']} ({case['state']})"
        for tool, runs in case["runs"].items():
            times = [r["ms"] for r in runs if r.get("ok")]
            rows.append((label, tool, statistics.median(times) if times else None))
            names[(label, tool)] = "python -m venv" if case["kind"] == "venv" and tool == "pip" else tool
    labels = list(dict.fromkeys(label for label, _, _ in rows))
    if not labels:
        print("no results: no chart", file=sys.stderr)
        return 0
    # One group per case; inside it one bar per tool that has a number, no gaps.
    height = 0.8
    y = 0.0
    ticks, bars = [], []  # bars: (y, tool, ms or None, name)
    for label in labels:
        present = [(tool, value) for row_label, tool, value in rows if row_label == label]
        start = y
        for tool, value in present:
            bars.append((y, tool, value, names[(label, tool)]))
            y += height
        if not present:
            y += height
        ticks.append((start + (y - start - height) / 2, label))
        y += 0.6
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.28 * y))
    seen = set()
    for bar_y, tool, value, name in bars:
        if value is None:
            continue
        ax.barh(bar_y, value, height=height * 0.9, color=COLORS.get(tool),
                label=None if tool in seen else tool)
        seen.add(tool)
        ax.text(value * 1.04, bar_y, f"{name} {value:.0f}" if value >= 10 else f"{name} {value:.1f}",
                va="center", fontsize=7)
    ax.set_yticks([t for t, _ in ticks])
    ax.set_yticklabels([label for _, label in ticks], fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    left, right = ax.get_xlim()
    ax.set_xlim(left, right * 3)  # room for the value labels
    left = ax.get_xlim()[0]
    for bar_y, tool, value, name in bars:
        if value is None:
            ax.text(left * 1.1, bar_y, f"{name}: n/a", va="center", fontsize=7, color="#c44e52")
    ax.set_xlabel("median wall time, ms (log scale; shorter is faster)")
    meta = document.get("meta", {})
    ax.set_title(f"puv benchmark, {meta.get('date', '')} ({meta.get('cpu_count', '?')} cores)", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    ax.grid(axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(target, dpi=120)
    print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
