"""What the benchmark measures: the scenarios, and which of them a run selects.

Pure: no files, no processes. ``bench/run.py`` turns each selected case
(scenario x state) into commands (``bench/tools.py``) and times them.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: Every tool the harness knows, in the order they run within a repetition.
TOOLS: tuple[str, ...] = ("pip", "pip-tools", "uv", "puv")

COLD = "cold"
WARM = "warm"
NONE = "-"  # a scenario where a cache state does not apply (venv, --version, no-op)

EXCLUDE_NEWER = "2026-11-01"
PYTHON_VERSION = "3.12"


@dataclass(frozen=True)
class Scenario:
    """One thing to time, for each tool that can do it.

    ``kind`` picks the commands (install, compile, noop, venv, version);
    ``input`` is a path relative to the shared requirements directory;
    ``baseline`` is the tool the ratio column compares puv with.
    """

    id: str
    kind: str
    states: tuple[str, ...]
    input: str | None
    baseline: str
    tools: tuple[str, ...]
    summary: str
    #: Projects whose requirement lines are left out of ``input`` (each tool gets the
    #: same derived file), with the reason; for inputs that name a project the index no
    #: longer has, which no tool could resolve.
    drop: tuple[str, ...] = ()
    drop_reason: str = ""
    #: At most this many repetitions (None: as many as ``--runs``), and a timeout of
    #: its own (None: ``--timeout``): for the inputs where pip-compile takes many minutes.
    max_runs: int | None = None
    timeout: float | None = None


@dataclass(frozen=True)
class Case:
    scenario: Scenario
    state: str

    @property
    def key(self) -> str:
        return self.scenario.id if self.state == NONE else f"{self.scenario.id}:{self.state}"


def _install(stem: str, path: str, summary: str) -> Scenario:
    return Scenario(f"install-{stem}", "install", (COLD, WARM), path, "pip", ("pip", "uv", "puv"), summary)


def _compile(
    stem: str,
    drop: tuple[str, ...] = (),
    drop_reason: str = "",
    max_runs: int | None = None,
    timeout: float | None = None,
) -> Scenario:
    return Scenario(
        f"compile-{stem}",
        "compile",
        (COLD, WARM),
        f"{stem}.in",
        "pip-tools",
        ("pip-tools", "uv", "puv"),
        f"resolve `{stem}.in` for Python {PYTHON_VERSION} and write the pins"
        + (f" (without {', '.join(drop)})" if drop else ""),
        drop,
        drop_reason,
        max_runs,
        timeout,
    )


def without_projects(text: str, names: Iterable[str]) -> str:
    """``text`` (a requirements file) minus the lines requiring one of ``names``."""
    dropped = {_normalize(n) for n in names}
    kept = []
    for line in text.splitlines(keepends=True):
        head = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
        if head and not line.lstrip().startswith(("#", "-")) and _normalize(head.group(1)) in dropped:
            continue
        kept.append(line)
    return "".join(kept)


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "version", "version", (NONE,), None, "pip", ("pip", "uv", "puv"),
        "start-up: `--version`",
    ),
    Scenario(
        "venv", "venv", (NONE,), None, "pip", ("pip", "uv", "puv"),
        "create a virtual environment without pip (baseline: `python -m venv --without-pip`)",
    ),
    _install("flask", "flask.in", "resolve and install `flask.in` into a fresh venv"),
    _install("django", "django.in", "resolve and install `django.in` into a fresh venv"),
    _install("fastapi", "fastapi.in", "resolve and install `fastapi.in` into a fresh venv"),
    _install("datascience", "datascience.in", "resolve and install numpy, pandas, scikit-learn, matplotlib, jupyter"),
    _install("trio-pinned", "compiled/trio.txt", "install the pinned `compiled/trio.txt` (81 lines) into a fresh venv"),
    _install("jupyter-pinned", "compiled/jupyter.txt", "install the pinned `compiled/jupyter.txt` into a fresh venv"),
    Scenario(
        "noop-flask", "noop", (NONE,), "flask.in", "pip", ("pip", "uv", "puv"),
        "install `flask.in` again into a venv that already has it (nothing to do)",
    ),
    _compile("simple-10"),
    _compile("trio"),
    _compile("jupyter"),
    _compile("boto3", max_runs=2),
    _compile("popular-50", max_runs=2),
    _compile("popular-200", max_runs=1),
    _compile(
        "home-assistant",
        drop=("pyunifiprotect",),
        drop_reason="`pyunifiprotect==4.20.0` is no longer on the index (its project page is gone), so "
        "the input as shipped cannot be resolved by any tool",
        max_runs=1,
        timeout=600,
    ),
)

#: The cases ``--quick`` runs (by key), in this order.
QUICK: tuple[str, ...] = (
    "version",
    "venv",
    "noop-flask",
    "install-flask:cold",
    "install-flask:warm",
    "compile-simple-10:cold",
    "compile-simple-10:warm",
)


def all_cases(scenarios: Iterable[Scenario] = SCENARIOS) -> list[Case]:
    return [Case(s, state) for s in scenarios for state in s.states]


def _matches(case: Case, pattern: str) -> bool:
    return fnmatch.fnmatchcase(case.key, pattern) or fnmatch.fnmatchcase(case.scenario.id, pattern)


def select(quick: bool = False, only: Sequence[str] = (), scenarios: Iterable[Scenario] = SCENARIOS) -> list[Case]:
    """The cases to run, in suite order.

    ``only`` holds ids or ``id:state`` keys, shell-style wildcards allowed
    (``install-*``, ``compile-*:cold``); a pattern matching nothing is an error.
    ``quick`` keeps the small subset in :data:`QUICK` (intersected with ``only``).
    """
    cases = all_cases(scenarios)
    if quick:
        cases = [c for c in cases if c.key in QUICK]
    if only:
        unknown = [p for p in only if not any(_matches(c, p) for c in cases)]
        if unknown:
            known = ", ".join(c.key for c in cases)
            raise ValueError(f"no scenario matches {', '.join(unknown)} (known: {known})")
        cases = [c for c in cases if any(_matches(c, p) for p in only)]
    return cases


def parse_tools(text: str) -> tuple[str, ...]:
    """``"puv,uv"`` -> the tools in run order; unknown names are an error."""
    wanted = {t.strip() for t in text.split(",") if t.strip()}
    unknown = sorted(wanted - set(TOOLS))
    if unknown:
        raise ValueError(f"unknown tool(s) {', '.join(unknown)} (known: {', '.join(TOOLS)})")
    if not wanted:
        raise ValueError("no tools given")
    return tuple(t for t in TOOLS if t in wanted)


def tools_for(scenario: Scenario, selected: Sequence[str]) -> tuple[str, ...]:
    return tuple(t for t in TOOLS if t in scenario.tools and t in selected)
