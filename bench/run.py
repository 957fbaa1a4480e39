"""puv's benchmark suite: puv beside pip, pip-tools and uv, in one run, on one machine.

    python bench/run.py [--quick] [--runs N] [--only SCENARIO ...] [--tools puv,pip,pip-tools,uv]

Installs pinned pip, pip-tools and uv (and matplotlib, for the chart) into
bench/.venv-tools, runs puv as `python -m puv` with the interpreter running
this script, and times every selected scenario for every tool, alternating the
tools within each repetition. Writes bench/results/latest.md (table),
latest.json (raw numbers) and latest.png (chart). See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import report, scenarios, tools  # noqa: E402
from bench.scenarios import COLD, WARM, Case  # noqa: E402
from bench.tools import REQUIREMENTS, TOOLS_VENV, WORK, Measurement, Paths, Programs, log  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


class Runner:
    """Runs one tool in one case once, after the (untimed) preparation the case needs."""

    def __init__(self, programs: Programs, env: dict[str, str], base: Path, pip_template: Path | None,
                 timeout: float) -> None:
        self.programs = programs
        self.env = env
        self.base = base
        self.pip_template = pip_template
        self.timeout = timeout
        # An empty directory outside this repository: tools look for project
        # configuration (pyproject.toml, uv.toml, puv.toml) upwards from here, and
        # must not find this repository's own pyproject.toml.
        import tempfile

        self.cwd = Path(tempfile.mkdtemp(prefix="puv-bench-cwd-"))
        self.primed: dict[str, set[str]] = {}  # tool -> inputs its cache holds
        self.setup_error: dict[tuple[str, str], str] = {}  # (scenario, tool) -> why

    def cache(self, tool: str) -> Path:
        return WORK / f"{tool}-cache"

    def paths(self, case: Case, tool: str, venv: Path) -> Paths:
        file = self.input_file(case.scenario) if case.scenario.input else Path("-")
        return Paths(str(file), str(venv), str(self.cache(tool)), str(WORK / "out" / f"{tool}.txt"))

    @staticmethod
    def input_file(scenario: scenarios.Scenario) -> Path:
        """The requirements file of ``scenario``: the shared one, or a copy without ``drop``."""
        assert scenario.input is not None
        source = REQUIREMENTS / scenario.input
        if not scenario.drop:
            return source
        derived = WORK / "inputs" / scenario.input
        derived.parent.mkdir(parents=True, exist_ok=True)
        derived.write_text(scenarios.without_projects(source.read_text(), scenario.drop))
        return derived

    def fresh_venv(self, tool: str, venv: Path) -> str:
        shutil.rmtree(venv, ignore_errors=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        if tool == "pip":
            assert self.pip_template is not None
            shutil.copytree(self.pip_template, venv, symlinks=True)
            return ""
        return tools.run_setup([str(self.base), "-m", "venv", "--without-pip", str(venv)], self.env, self.cwd,
                               self.timeout)

    def command(self, case: Case, tool: str, venv: Path) -> list[str]:
        return tools.command(case.scenario.kind, tool, self.programs, self.paths(case, tool, venv))

    def prepare(self, scenario: scenarios.Scenario, tool: str) -> None:
        """Once per scenario and tool: warm-ups, and the installed venv of the no-op case."""
        case = Case(scenario, scenarios.NONE)
        if scenario.kind in ("venv", "version"):
            venv = WORK / "envs" / f"venv-{tool}"
            shutil.rmtree(venv, ignore_errors=True)
            why = tools.run_setup(self.command(case, tool, venv), self.env, self.cwd, self.timeout)
        elif scenario.kind == "noop":
            venv = WORK / "envs" / f"noop-{tool}"
            why = self.fresh_venv(tool, venv) or tools.run_setup(
                self.command(case, tool, venv), self.env, self.cwd, self.timeout)
        else:
            return
        if why:
            self.setup_error[(scenario.id, tool)] = f"setup failed: {why}"

    def once(self, case: Case, tool: str, log_stem: Path) -> Measurement:
        scenario = case.scenario
        if (scenario.id, tool) in self.setup_error:
            return Measurement(False, 0.0, 0.0, 0, self.setup_error[(scenario.id, tool)])
        kind = scenario.kind
        if kind in ("venv", "version"):
            venv = WORK / "envs" / f"venv-{tool}"
            shutil.rmtree(venv, ignore_errors=True)
            return tools.measure(self.command(case, tool, venv), self.env, self.cwd, self.timeout, log_stem)
        if kind == "noop":
            venv = WORK / "envs" / f"noop-{tool}"
            return tools.measure(self.command(case, tool, venv), self.env, self.cwd, self.timeout, log_stem)
        assert scenario.input is not None
        venv = WORK / "envs" / tool
        out = WORK / "out" / f"{tool}.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        if case.state == COLD:
            shutil.rmtree(self.cache(tool), ignore_errors=True)
            self.primed[tool] = set()
        elif scenario.input not in self.primed.get(tool, set()):
            why = self.fresh_venv(tool, venv) if kind == "install" else ""
            out.unlink(missing_ok=True)
            why = why or tools.run_setup(self.command(case, tool, venv), self.env, self.cwd, self.timeout)
            if why:
                return Measurement(False, 0.0, 0.0, 0, f"priming run failed: {why}")
            self.primed.setdefault(tool, set()).add(scenario.input)
        if kind == "install":
            why = self.fresh_venv(tool, venv)
            if why:
                return Measurement(False, 0.0, 0.0, 0, f"creating the venv failed: {why}")
        out.unlink(missing_ok=True)
        result = tools.measure(self.command(case, tool, venv), self.env, self.cwd, self.timeout, log_stem)
        if result.ok:
            self.primed.setdefault(tool, set()).add(scenario.input)
        return result


def _notes(base: Path, selected: Sequence[str]) -> list[str]:
    notes = [
        f"Resolutions are pinned in time: uv and puv get `--exclude-newer {scenarios.EXCLUDE_NEWER}`; pip "
        f"and pip-tools (which has no such flag) get pip's `--uploaded-prior-to {tools.PIP_PRIOR_TO}`.",
        f"Environments are created from {base}; `compile` targets Python {scenarios.PYTHON_VERSION} "
        "(uv/puv: `--python-version`; pip-compile runs on that Python in bench/.venv-tools).",
        "pip compiles installed modules to bytecode by default; uv and puv do not (each tool's default).",
        "Peak memory is the ru_maxrss of the process started (os.wait4 in a small launcher that forks "
        "it); pip, pip-compile, uv and puv do their work in that process, build back-ends in "
        "subprocesses are not counted.",
        "Every command ran with PIP_*/UV_*/PUV_* removed, PIP_CONFIG_FILE=/dev/null (default index "
        "only), PYTHONDONTWRITEBYTECODE unset, the base interpreter's directory first on PATH and "
        "UV_PYTHON_DOWNLOADS=never (uv would otherwise try to download a Python 3.12 for "
        "`--python-version 3.12`); cold and warm network times depend on this "
        "machine's connection, and the machine is shared (see the load average).",
    ]
    if "puv" in selected:
        notes.append(f"puv runs from the repository as `{sys.executable} -m puv`.")
    return notes


def write_outputs(document: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.json").write_text(json.dumps(document, indent=1) + "\n")
    (out_dir / "latest.md").write_text(report.render_markdown(document))


def draw_chart(tools_python: Path, out_dir: Path) -> None:
    if not tools_python.exists():
        log("no bench/.venv-tools python: skipping the chart")
        return
    chart = Path(__file__).resolve().parent / "chart.py"
    proc = subprocess.run([str(tools_python), str(chart), str(out_dir / "latest.json"), str(out_dir / "latest.png")],
                          capture_output=True, text=True)
    message = (proc.stderr or proc.stdout).strip()
    if proc.returncode != 0:
        log(f"chart skipped: {tools.error_line(proc.stderr, proc.stdout)}")
    elif message:
        log(message)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small subset, 2 runs each (unless --runs)")
    parser.add_argument("--runs", type=int, help="repetitions per tool and case (default 5, --quick: 2)")
    parser.add_argument("--only", nargs="+", default=[], metavar="SCENARIO",
                        help="scenario ids or id:state keys, wildcards allowed (install-*, compile-*:cold)")
    parser.add_argument("--tools", default=",".join(scenarios.TOOLS), help="comma-separated (default: all)")
    parser.add_argument("--python", default=scenarios.PYTHON_VERSION,
                        help="X.Y of the base interpreter for the environments and the tools venv")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before one run is killed")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where latest.{md,json,png} go")
    parser.add_argument("--no-chart", action="store_true")
    parser.add_argument("--list", action="store_true", help="print the scenarios and exit")
    args = parser.parse_args(argv)
    try:
        args.cases = scenarios.select(args.quick, args.only)
        args.tools = scenarios.parse_tools(args.tools)
    except ValueError as exc:
        parser.error(str(exc))
    if args.runs is None:
        args.runs = 2 if args.quick else 5
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cases: list[Case] = args.cases
    selected: tuple[str, ...] = args.tools
    if args.list:
        for scenario in scenarios.SCENARIOS:
            print(f"{scenario.id:24} {'/'.join(scenario.states):10} {scenario.summary}")
        return 0

    base = tools.find_base_python(args.python)
    tools_python = tools.ensure_tools_venv(base, args.python)
    needs_pip_venv = "pip" in selected and any(c.scenario.kind in ("install", "noop") for c in cases)
    pip_template = tools.ensure_pip_template(base) if needs_pip_venv else None
    bin_dir = TOOLS_VENV / "bin"
    programs = Programs(str(base), str(bin_dir / "uv"), str(bin_dir / "pip"), str(bin_dir / "pip-compile"),
                        (sys.executable, "-m", "puv"))
    env = tools.tool_env(base.parent)
    runner = Runner(programs, env, base, pip_template, args.timeout)

    document: dict[str, Any] = {
        "meta": {
            "date": time.strftime("%Y-%m-%d %H:%M %Z"),
            **tools.machine_facts(),
            "load_start": tools.load_average(),
            "peak_floor_kib": tools.peak_floor_kib(env, runner.cwd),
            "puv_python": f"{sys.executable} (Python {sys.version.split()[0]})",
            "base_python": str(base),
            "versions": tools.tool_versions(programs, selected, env),
            "git": tools.git_describe(),
            "runs": args.runs,
            "quick": args.quick,
            "timeout_s": args.timeout,
            "notes": _notes(base, selected) + [
                f"`{s.id}`: {min(args.runs, s.max_runs or args.runs)} run(s)"
                + (f", each stopped after {s.timeout:.0f} s" if s.timeout else "")
                + " (pip-compile takes minutes on it)."
                for s in dict.fromkeys(c.scenario for c in cases) if s.max_runs and s.max_runs < args.runs
            ] + [
                f"`{s.id}` runs `{s.input}` without the lines of {', '.join(s.drop)}: {s.drop_reason}."
                for s in dict.fromkeys(c.scenario for c in cases) if s.drop
            ],
        },
        "tools": list(selected),
        "cases": [],
    }
    by_key: dict[str, dict[str, Any]] = {}
    for case in cases:
        doc: dict[str, Any] = {
            "key": case.key, "scenario": case.scenario.id, "state": case.state, "kind": case.scenario.kind,
            "baseline": case.scenario.baseline, "summary": case.scenario.summary,
            "input": case.scenario.input,
            "commands": {t: tools.display_command(case.scenario.kind, t)
                         for t in scenarios.tools_for(case.scenario, selected)},
            "runs": {t: [] for t in scenarios.tools_for(case.scenario, selected)},
        }
        document["cases"].append(doc)
        by_key[case.key] = doc

    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(case.scenario.id, []).append(case)
    def runs_of(scenario: scenarios.Scenario) -> int:
        return min(args.runs, scenario.max_runs or args.runs)

    total = sum(len(scenarios.tools_for(c.scenario, selected)) * runs_of(c.scenario) for c in cases)
    done = 0
    failed: set[tuple[str, str]] = set()
    logs = WORK / "logs"
    try:
        for group in groups.values():
            scenario = group[0].scenario
            runner.timeout = scenario.timeout or args.timeout
            for tool in scenarios.tools_for(scenario, selected):
                runner.prepare(scenario, tool)
            for rep in range(runs_of(scenario)):
                for case in group:
                    for tool in scenarios.tools_for(scenario, selected):
                        done += 1
                        if (case.key, tool) in failed:
                            continue  # failed once: not retried
                        stem = logs / f"{case.key.replace(':', '-')}-{tool}-{rep}"
                        result = runner.once(case, tool, stem)
                        by_key[case.key]["runs"][tool].append(result.as_dict())
                        if result.ok:
                            log(f"[{done}/{total}] {case.key} {tool}: {report.format_ms(result.ms)} ms, "
                                f"{report.format_mib(result.peak_kib)}")
                        else:
                            failed.add((case.key, tool))
                            log(f"[{done}/{total}] {case.key} {tool}: n/a ({result.error})")
            write_outputs(document, args.out)
    finally:
        document["meta"]["load_end"] = tools.load_average()
        write_outputs(document, args.out)
    if not args.no_chart:
        draw_chart(tools_python, args.out)
    print(report.render_table(document))
    log(f"wrote {args.out / 'latest.md'}, latest.json{'' if args.no_chart else ', latest.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
