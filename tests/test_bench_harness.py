"""The pure parts of the benchmark harness (bench/): statistics, ratios, the table, selection.

No network, no tool installs, no processes.
"""

from __future__ import annotations

import pytest

from bench import report, scenarios, tools
from bench.scenarios import COLD, NONE, WARM


def _runs(*ms: float, peak_kib: int = 20 * 1024) -> list[dict[str, object]]:
    return [{"ok": True, "ms": m, "cpu_ms": m, "peak_kib": peak_kib, "error": ""} for m in ms]


def _failed(error: str) -> list[dict[str, object]]:
    return [{"ok": False, "ms": 12.0, "cpu_ms": 1.0, "peak_kib": 0, "error": error}]


# --- statistics and formatting --------------------------------------------------------------


def test_summarize_median_min_max() -> None:
    summary = report.summarize([30.0, 10.0, 20.0, 50.0])
    assert summary == report.Summary(n=4, median=25.0, low=10.0, high=50.0)
    assert report.summarize([]) is None


@pytest.mark.parametrize(
    ("puv", "other", "text"),
    [
        (8.0, 100.0, "0.08x"),
        (50.0, 100.0, "0.50x"),
        (100.0, 100.0, "1.0x"),
        (240.0, 100.0, "2.4x"),
        (1500.0, 100.0, "15x"),
        (0.5, 100.0, "0.005x"),
        (None, 100.0, ""),
        (10.0, None, ""),
        (10.0, 0.0, ""),
    ],
)
def test_format_ratio(puv: float | None, other: float | None, text: str) -> None:
    assert report.format_ratio(puv, other) == text


def test_format_ms_and_mib() -> None:
    assert report.format_ms(5.84) == "5.8"
    assert report.format_ms(87.4) == "87"
    assert report.format_ms(1234.5) == "1234"
    assert report.format_mib(20 * 1024) == "20.0 MiB"
    assert report.format_mib(150 * 1024) == "150 MiB"


def test_format_cell() -> None:
    assert report.format_cell(_runs(30, 10, 20)) == "20 (10–30) · 20.0 MiB"
    assert report.format_cell(_runs(7.25)) == "7.2 · 20.0 MiB"
    assert report.format_cell(None) == ""
    assert report.format_cell(_failed("exit 2: error: `puv pip install` is not available yet")) == (
        "n/a: exit 2: error: 'puv pip install' is not available yet"
    )
    partial = _runs(10, 30) + _failed("timed out after 900 s")
    assert report.format_cell(partial) == "20 (10–30) · 20.0 MiB (1/3 failed)"
    long = report.format_cell(_failed("x" * 200), error_width=20)
    assert long == "n/a: " + "x" * 19 + "…"


def test_format_cell_escapes_pipes() -> None:
    assert report.format_cell(_failed("a | b")) == "n/a: a \\| b"


# --- the markdown table ---------------------------------------------------------------------


def _document(tools: list[str]) -> dict[str, object]:
    return {
        "meta": {"date": "2026-11-27", "cpu_count": 2, "memory": "23.5 GiB", "runs": 2,
                 "versions": {"pip": "26.3", "uv": "0.13.9", "puv": "0.1.0"}, "peak_floor_kib": 5 * 1024,
                 "notes": ["a note"]},
        "tools": tools,
        "cases": [
            {"key": "version", "scenario": "version", "state": NONE, "kind": "version", "baseline": "pip",
             "commands": {"pip": "pip --version"},
             "runs": {"pip": _runs(200, 210), "uv": _runs(5, 6), "puv": _runs(14, 16)}},
            {"key": "install-flask:cold", "scenario": "install-flask", "state": COLD, "kind": "install",
             "baseline": "pip", "commands": {},
             "runs": {"pip": _runs(1000), "uv": _runs(300), "puv": _failed("exit 2: error: not available yet")}},
            {"key": "compile-simple-10:warm", "scenario": "compile-simple-10", "state": WARM, "kind": "compile",
             "baseline": "pip-tools", "commands": {},
             "runs": {"pip-tools": _runs(2000), "uv": _runs(100), "puv": _runs(150)}},
        ],
    }


def test_render_table_rows_and_ratios() -> None:
    table = report.render_table(_document(["pip", "pip-tools", "uv", "puv"])).splitlines()
    assert table[0] == "| scenario | state | pip · pip-tools | uv | puv | puv / pip · pip-tools | puv / uv |"
    assert table[1] == "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    assert table[2] == (
        "| `version` | - | 205 (200–210) · 20.0 MiB | 5.5 (5.0–6.0) · 20.0 MiB | 15 (14–16) · 20.0 MiB "
        "| 0.07x | 2.7x |"
    )
    assert table[3] == (
        "| `install-flask` | cold | 1000 · 20.0 MiB | 300 · 20.0 MiB "
        "| n/a: exit 2: error: not available yet |  |  |"
    )
    assert table[4] == (
        "| `compile-simple-10` | warm | 2000 · 20.0 MiB (pip-tools) | 100 · 20.0 MiB | 150 · 20.0 MiB "
        "| 0.07x | 1.5x |"
    )


def test_render_table_only_selected_tools() -> None:
    table = report.render_table(_document(["uv", "puv"])).splitlines()
    assert table[0] == "| scenario | state | uv | puv | puv / uv |"
    assert table[2].endswith("| 2.7x |")


def test_render_markdown_explains_the_ratio_and_lists_versions() -> None:
    text = report.render_markdown(_document(["pip", "pip-tools", "uv", "puv"]))
    assert report.RATIO_NOTE in text
    assert "pip 26.3, uv 0.13.9, puv 0.1.0" in text
    assert "2 cores" in text and "23.5 GiB" in text
    assert "- a note" in text
    assert "- version, pip: `pip --version`" in text


# --- scenario selection ---------------------------------------------------------------------


def test_quick_selects_the_small_subset_in_order() -> None:
    keys = [case.key for case in scenarios.select(quick=True)]
    assert keys == [
        "version",
        "venv",
        "install-flask:cold",
        "install-flask:warm",
        "noop-flask",
        "compile-simple-10:cold",
        "compile-simple-10:warm",
    ]
    assert set(keys) == set(scenarios.QUICK)


def test_full_suite_covers_every_input() -> None:
    keys = {case.key for case in scenarios.select()}
    for stem in ("flask", "django", "fastapi", "datascience", "trio-pinned", "jupyter-pinned"):
        assert {f"install-{stem}:cold", f"install-{stem}:warm"} <= keys
    for stem in ("simple-10", "trio", "jupyter", "boto3", "popular-50", "popular-200", "home-assistant"):
        assert {f"compile-{stem}:cold", f"compile-{stem}:warm"} <= keys
    assert {"noop-flask", "venv", "version"} <= keys


def test_only_accepts_ids_keys_and_wildcards() -> None:
    assert [c.key for c in scenarios.select(only=["install-flask"])] == ["install-flask:cold", "install-flask:warm"]
    assert [c.key for c in scenarios.select(only=["compile-*:cold"], quick=True)] == ["compile-simple-10:cold"]
    assert [c.key for c in scenarios.select(only=["venv", "install-django:warm"])] == [
        "venv", "install-django:warm"]
    with pytest.raises(ValueError, match="no scenario matches nope"):
        scenarios.select(only=["nope"])
    with pytest.raises(ValueError, match="install-django"):
        scenarios.select(quick=True, only=["install-django"])  # not part of --quick


def test_parse_tools_and_tools_for() -> None:
    assert scenarios.parse_tools("puv,uv") == ("uv", "puv")
    with pytest.raises(ValueError, match="unknown tool"):
        scenarios.parse_tools("puv,conda")
    compile_case = scenarios.select(only=["compile-simple-10:cold"])[0].scenario
    assert scenarios.tools_for(compile_case, scenarios.TOOLS) == ("pip-tools", "uv", "puv")
    assert scenarios.tools_for(compile_case, ("pip", "puv")) == ("puv",)


# --- commands and environment (built, never run) ----------------------------------------------


def test_commands_use_the_tool_cache_and_pinned_time() -> None:
    programs = tools.Programs.display()
    paths = tools.Paths(file="F", venv="V", cache="C", out="O")
    assert tools.command("install", "uv", programs, paths) == [
        "uv", "pip", "install", "-r", "F", "--python", "V/bin/python", "--cache-dir", "C",
        "--exclude-newer", scenarios.EXCLUDE_NEWER]
    assert tools.command("compile", "puv", programs, paths)[:5] == ["python", "-m", "puv", "pip", "compile"]
    pip = tools.command("install", "pip", programs, paths)
    assert pip[:4] == ["V/bin/python", "-m", "pip", "install"] and "--uploaded-prior-to" in pip
    with pytest.raises(ValueError):
        tools.command("compile", "pip", programs, paths)


def test_tool_env_drops_settings_and_ignores_pip_config() -> None:
    from pathlib import Path

    env = tools.tool_env(Path("/base/bin"), {
        "PATH": "/usr/bin", "PIP_FIND_LINKS": "/opt/wheels", "UV_INDEX_URL": "x", "PUV_CACHE_DIR": "y",
        "PYTHONDONTWRITEBYTECODE": "1", "VIRTUAL_ENV": "/v", "HOME": "/root"})
    assert env["PIP_CONFIG_FILE"] == "/dev/null"
    assert env["PIP_DISABLE_PIP_VERSION_CHECK"] == "1"
    assert env["PATH"] == "/base/bin:/usr/bin"
    assert env["HOME"] == "/root"
    for name in ("PIP_FIND_LINKS", "UV_INDEX_URL", "PUV_CACHE_DIR", "PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV"):
        assert name not in env


def test_error_line_prefers_the_error() -> None:
    assert tools.error_line("Resolving\nerror: no such package\n  cause: x\n") == "error: no such package"
    assert tools.error_line("", "last words\n") == "last words"
    assert tools.error_line("ERROR: Could not find a version\n") == "ERROR: Could not find a version"


def test_without_projects_drops_only_the_named_requirement_lines() -> None:
    text = (
        "# homeassistant.components.unifiprotect\n"
        "pyunifiprotect==4.20.0\n"
        "PyUnifi_Protect>=1 ; python_version > '3'\n"
        "pyunifiprotect-extra==1.0\n"
        "-c constraints.txt\n"
        "unifi-discovery==1.1.7\n"
    )
    kept = scenarios.without_projects(text, ["pyunifiprotect", "pyunifi-protect"])
    assert kept == (
        "# homeassistant.components.unifiprotect\n"
        "pyunifiprotect-extra==1.0\n"
        "-c constraints.txt\n"
        "unifi-discovery==1.1.7\n"
    )


def test_home_assistant_leaves_out_the_project_gone_from_the_index() -> None:
    (scenario,) = [s for s in scenarios.SCENARIOS if s.id == "compile-home-assistant"]
    assert scenario.drop == ("pyunifiprotect",) and "no longer on the index" in scenario.drop_reason
    assert all(not s.drop for s in scenarios.SCENARIOS if s is not scenario)


def test_the_largest_compiles_run_fewer_times() -> None:
    limits = {s.id: (s.max_runs, s.timeout) for s in scenarios.SCENARIOS if s.max_runs is not None}
    assert limits == {
        "compile-boto3": (2, None),
        "compile-popular-50": (2, None),
        "compile-popular-200": (1, None),
        "compile-home-assistant": (1, 600),
    }
