"""Interpreter query (probe + cache) and discovery order.

Most tests use fake interpreters: small shell scripts that answer the probe
with canned facts and count how often they run. Tests marked with a real
interpreter skip when pyenv's versions directory does not have it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from puv.domain.python import interpreter as interpreter_module
from puv.domain.python.discovery import find_base_python, find_environment_python
from puv.domain.python.interpreter import Interpreter, UnsupportedPython, query_interpreter
from puv.domain.python.pyenv import resolve_shim, selected_versions
from puv.domain.python.request import parse_request
from puv.domain.python.tags import compute_tags
from puv.errors import InterpreterError, PythonNotFound

REAL_HOME = Path(os.path.expanduser("~"))  # captured before the isolation fixture runs
PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT") or REAL_HOME / ".pyenv") / "versions"


def real_python(version: str) -> Path:
    for candidate in sorted(PYENV_VERSIONS.glob(f"{version}.*"), reverse=True):
        exe = candidate / "bin" / f"python{version}"
        if exe.is_file():
            return exe
    pytest.skip(f"CPython {version} is not installed under {PYENV_VERSIONS}")


def fake_facts(exe: Path, version: str, *, prefix: Path | None = None, base_prefix: Path | None = None) -> dict[str, object]:
    major, minor, micro = (int(p) for p in version.split("."))
    prefix = prefix or exe.parent.parent
    base_prefix = base_prefix or prefix
    site = str(prefix / "lib" / f"python{major}.{minor}" / "site-packages")
    return {
        "probe": 1,
        "version": version,
        "version_info": [major, minor, micro, "final", 0],
        "implementation": "cpython",
        "sys_executable": str(exe),
        "prefix": str(prefix),
        "base_prefix": str(base_prefix),
        "base_executable": str(exe if prefix == base_prefix else base_prefix / "bin" / f"python{major}.{minor}"),
        "is_venv": prefix != base_prefix,
        "markers": {"python_version": f"{major}.{minor}", "python_full_version": version, "sys_platform": "linux"},
        "paths": {k: site for k in ("purelib", "platlib")}
        | {"scripts": str(prefix / "bin"), "data": str(prefix), "include": "", "headers": "", "stdlib": ""},
        "pointer_size": 64,
        "platform": "linux-x86_64",
        "mac_version": "",
        "glibc": [2, 28],
        "musl": None,
        "debug": False,
        "gil_disabled": False,
        "abiflags": "",
        "soabi": "",
    }


def fake_python(exe: Path, version: str, **kwargs: Path) -> Path:
    """A script that answers the probe as CPython ``version`` and logs each run to ``<exe>.runs``."""
    exe.parent.mkdir(parents=True, exist_ok=True)
    answer = exe.with_name(exe.name + ".json")
    answer.write_text(json.dumps(fake_facts(exe, version, **kwargs)))
    exe.write_text(f"#!/bin/sh\necho run >> '{exe}.runs'\ncat '{answer}'\n")
    exe.chmod(0o755)
    return exe


def failing_shim(exe: Path) -> Path:
    exe.parent.mkdir(parents=True, exist_ok=True)
    exe.write_text(f"#!/bin/sh\necho run >> '{exe}.runs'\necho 'pyenv: {exe.name}: command not found' >&2\nexit 127\n")
    exe.chmod(0o755)
    return exe


def runs(exe: Path) -> int:
    log = Path(f"{exe}.runs")
    return len(log.read_text().splitlines()) if log.exists() else 0


def env_for(tmp_path: Path, *path_dirs: Path, **extra: str) -> dict[str, str]:
    environ = {"HOME": str(tmp_path / "home"), "PATH": os.pathsep.join(str(d) for d in path_dirs)}
    environ.update(extra)
    return environ


# -- query + cache -----------------------------------------------------------------


def test_query_reads_facts_and_computes_tags(tmp_path: Path) -> None:
    exe = fake_python(tmp_path / "py" / "bin" / "python3.12", "3.12.4")
    found = query_interpreter(exe, tmp_path / "cache")
    assert isinstance(found, Interpreter)
    assert found.version == "3.12.4"
    assert found.python_version == (3, 12)
    assert found.display() == "CPython 3.12.4"
    assert found.executable == str(exe)
    assert not found.is_venv
    assert found.tags[0] == "cp312-cp312-linux_x86_64"
    assert "cp312-abi3-manylinux_2_17_x86_64" in found.tags
    assert "cp312-cp312-manylinux2014_x86_64" in found.tags
    assert "py3-none-any" in found.tags
    assert found.tag_priorities()["cp312-cp312-linux_x86_64"] == 0
    assert found.markers["python_full_version"] == "3.12.4"


def test_cache_hit_runs_no_subprocess(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exe = fake_python(tmp_path / "bin" / "python3", "3.11.2")
    first = query_interpreter(exe, tmp_path / "cache")
    assert runs(exe) == 1
    entries = list((tmp_path / "cache" / "interpreter-v2").iterdir())
    assert len(entries) == 1 and entries[0].suffix == ".bin"

    import subprocess

    def no_subprocess(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cache hit must not start a process")

    monkeypatch.setattr(subprocess, "run", no_subprocess)
    monkeypatch.setattr(subprocess, "Popen", no_subprocess)
    second = query_interpreter(exe, tmp_path / "cache")
    assert second == first
    assert second.tags == first.tags
    assert runs(exe) == 1


def test_cache_is_invalidated_when_the_executable_changes(tmp_path: Path) -> None:
    exe = fake_python(tmp_path / "bin" / "python3", "3.11.2")
    query_interpreter(exe, tmp_path / "cache")
    fake_python(exe, "3.11.9")  # "upgraded" in place: new size and mtime
    os.utime(exe, ns=(1, 1))
    again = query_interpreter(exe, tmp_path / "cache")
    assert again.version == "3.11.9"
    assert runs(exe) == 2


def test_corrupt_cache_entry_is_ignored(tmp_path: Path) -> None:
    exe = fake_python(tmp_path / "bin" / "python3", "3.10.1")
    query_interpreter(exe, tmp_path / "cache")
    (entry,) = (tmp_path / "cache" / "interpreter-v2").iterdir()
    entry.write_text("{not marshal data")
    assert query_interpreter(exe, tmp_path / "cache").version == "3.10.1"
    assert runs(exe) == 2
    entry.write_bytes(b"")  # cut short
    assert query_interpreter(exe, tmp_path / "cache").version == "3.10.1"
    assert runs(exe) == 3


def test_no_cache_dir_always_probes(tmp_path: Path) -> None:
    exe = fake_python(tmp_path / "bin" / "python3", "3.10.1")
    query_interpreter(exe, None)
    query_interpreter(exe, None)
    assert runs(exe) == 2


def test_missing_and_failing_interpreters(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError, match="no Python interpreter at"):
        query_interpreter(tmp_path / "nope", tmp_path / "cache")
    shim = failing_shim(tmp_path / "shims" / "python3.12")
    with pytest.raises(InterpreterError) as info:
        query_interpreter(shim, tmp_path / "cache")
    assert "exit 127" in info.value.message
    assert "command not found" in info.value.causes[0]
    garbage = tmp_path / "bin" / "python"
    garbage.parent.mkdir()
    garbage.write_text("#!/bin/sh\necho hello\n")
    garbage.chmod(0o755)
    with pytest.raises(InterpreterError, match="unreadable answer"):
        query_interpreter(garbage, tmp_path / "cache")


def test_old_interpreter_is_rejected(tmp_path: Path) -> None:
    exe = fake_python(tmp_path / "bin" / "python3.7", "3.7.16")
    with pytest.raises(UnsupportedPython, match="too old"):
        query_interpreter(exe, tmp_path / "cache")


@pytest.mark.parametrize("version", ["2.7", "3.7"])
def test_real_old_interpreters_answer_and_are_rejected(version: str, tmp_path: Path) -> None:
    exe = next(iter(sorted(PYENV_VERSIONS.glob(f"{version}.*"))), None)
    if exe is None:
        pytest.skip(f"Python {version} is not installed under {PYENV_VERSIONS}")
    with pytest.raises(UnsupportedPython) as info:
        query_interpreter(exe / "bin" / "python", tmp_path / "cache")
    assert info.value.version.startswith(version)


@pytest.mark.parametrize("version", ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"])
def test_real_interpreter_query(version: str, tmp_path: Path) -> None:
    exe = real_python(version)
    found = query_interpreter(exe, tmp_path / "cache")
    assert found.python_version == tuple(int(p) for p in version.split("."))
    assert found.implementation == "cpython"
    assert not found.is_venv
    assert found.prefix == found.base_prefix == str(exe.parent.parent)
    assert found.paths.purelib.endswith(f"lib/python{version}/site-packages")
    assert found.markers["python_version"] == version
    assert found.tags[0].startswith(f"cp{version.replace('.', '')}-")
    assert found.pointer_size in (32, 64)


def test_tags_equal_packaging_for_the_running_interpreter(tmp_path: Path) -> None:
    """For puv's own interpreter, our tag computation must equal packaging's sys_tags()."""
    from packaging.tags import sys_tags

    base = getattr(sys, "_base_executable", sys.executable)
    found = query_interpreter(base, tmp_path / "cache")
    assert found.tags == tuple(str(t) for t in sys_tags())


def test_compute_tags_for_other_platforms() -> None:
    facts = fake_facts(Path("/x/bin/python"), "3.13.0")
    facts.update({"glibc": None, "musl": [1, 2], "platform": "linux-aarch64", "gil_disabled": True})
    tags = compute_tags(facts)
    assert tags[0] == "cp313-cp313t-linux_aarch64"
    assert "cp313-cp313t-musllinux_1_0_aarch64" in tags
    assert not any("-abi3-" in t for t in tags)  # free-threaded builds cannot load abi3 ...
    assert "cp313-abi3t-linux_aarch64" in tags  # ... but abi3t (as packaging.tags says)
    debug = compute_tags(fake_facts(Path("/x/bin/python"), "3.12.0") | {"debug": True})
    assert debug[0] == "cp312-cp312d-linux_x86_64"
    assert debug.index("cp312-cp312-linux_x86_64") > debug.index("cp312-cp312d-manylinux1_x86_64")
    assert not any("manylinux" in t for t in tags)


def test_venv_interpreter_reports_its_base(tmp_path: Path) -> None:
    base = real_python("3.12")
    venv = tmp_path / "env"
    venv.mkdir()
    (venv / "bin").mkdir()
    (venv / "bin" / "python").symlink_to(base)
    (venv / "pyvenv.cfg").write_text(f"home = {base.parent}\n")
    found = query_interpreter(venv / "bin" / "python", tmp_path / "cache")
    assert found.is_venv
    assert found.prefix == str(venv)
    assert Path(found.base_executable).resolve() == base.resolve()
    # The venv and its base share a resolved path but are cached apart.
    assert not query_interpreter(base, tmp_path / "cache").is_venv
    assert query_interpreter(venv / "bin" / "python", tmp_path / "cache").is_venv


# -- discovery ----------------------------------------------------------------------


def test_failing_shim_is_skipped(tmp_path: Path) -> None:
    shim = failing_shim(tmp_path / "shims" / "python3.12")
    real = fake_python(tmp_path / "usr" / "bin" / "python3.12", "3.12.3")
    environ = env_for(tmp_path, shim.parent, real.parent)
    found = find_base_python(parse_request("3.12"), environ=environ, cwd=tmp_path, cache_dir=tmp_path / "c")
    assert found.executable == str(real)
    assert runs(shim) == 1


def test_first_match_on_path_wins_and_search_is_lazy(tmp_path: Path) -> None:
    first = fake_python(tmp_path / "a" / "python3", "3.11.1")
    second = fake_python(tmp_path / "b" / "python3", "3.12.1")
    environ = env_for(tmp_path, first.parent, second.parent)
    found = find_base_python(parse_request(None), environ=environ, cwd=tmp_path, cache_dir=tmp_path / "c")
    assert found.executable == str(first)
    assert runs(second) == 0
    found = find_base_python(parse_request(">=3.12"), environ=environ, cwd=tmp_path, cache_dir=tmp_path / "c")
    assert found.executable == str(second)


def test_name_filter_avoids_querying_other_versions(tmp_path: Path) -> None:
    other = fake_python(tmp_path / "bin" / "python3.11", "3.11.1")
    wanted = fake_python(tmp_path / "bin" / "python3", "3.12.1")
    environ = env_for(tmp_path, other.parent)
    found = find_base_python(parse_request("3.12"), environ=environ, cwd=tmp_path, cache_dir=tmp_path / "c")
    assert found.executable == str(wanted)
    assert runs(other) == 0


def test_pyenv_versions_directory_newest_first(tmp_path: Path) -> None:
    root = tmp_path / "pyenv"
    fake_python(root / "versions" / "3.10.2" / "bin" / "python3", "3.10.2")
    newest = fake_python(root / "versions" / "3.12.0" / "bin" / "python3", "3.12.0")
    old = fake_python(root / "versions" / "3.7.1" / "bin" / "python3", "3.7.1")
    environ = env_for(tmp_path, tmp_path / "empty", PYENV_ROOT=str(root))
    found = find_base_python(parse_request(None), environ=environ, cwd=tmp_path, cache_dir=tmp_path / "c")
    assert found.executable == str(newest)
    found = find_base_python(parse_request("3.10"), environ=environ, cwd=tmp_path, cache_dir=tmp_path / "c")
    assert found.version == "3.10.2"
    assert runs(old) == 0  # too old by its directory name: never run


def test_pyenv_root_defaults_to_home(tmp_path: Path) -> None:
    fake_python(tmp_path / "home" / ".pyenv" / "versions" / "3.9.1" / "bin" / "python3", "3.9.1")
    environ = env_for(tmp_path, tmp_path / "empty")
    found = find_base_python(parse_request("3.9"), environ=environ, cwd=tmp_path, cache_dir=tmp_path / "c")
    assert found.version == "3.9.1"


def test_pyenv_shim_resolved_without_running_it(tmp_path: Path) -> None:
    root = tmp_path / "pyenv"
    target = fake_python(root / "versions" / "3.11.5" / "bin" / "python3", "3.11.5")
    shim = failing_shim(root / "shims" / "python3")
    (root / "version").write_text("3.11.5\n")
    environ = env_for(tmp_path, shim.parent, PYENV_ROOT=str(root))
    found = find_base_python(parse_request(None), environ=environ, cwd=tmp_path, cache_dir=tmp_path / "c")
    assert found.executable == str(target)
    assert runs(shim) == 0


def test_pyenv_version_selection(tmp_path: Path) -> None:
    root = tmp_path / "pyenv"
    (root / "versions" / "3.12.1" / "bin").mkdir(parents=True)
    (root / "version").write_text("3.12.1\n")
    project = tmp_path / "project" / "sub"
    project.mkdir(parents=True)
    assert selected_versions(str(root), {}, str(project)) == ("3.12.1",)
    (tmp_path / "project" / ".python-version").write_text("# comment\n3.10.4 3.11.2\n")
    assert selected_versions(str(root), {}, str(project)) == ("3.10.4", "3.11.2")
    assert selected_versions(str(root), {"PYENV_VERSION": "3.9.1:system"}, str(project)) == ("3.9.1", "system")
    assert resolve_shim(str(root / "shims" / "python3"), str(root), {"PYENV_VERSION": "system"}, str(project)).outcome == "unknown"
    assert resolve_shim(str(root / "shims" / "python3"), str(root), {"PYENV_VERSION": "3.12.1"}, str(project)).outcome == "missing"


def test_not_found_lists_what_was_tried(tmp_path: Path) -> None:
    fake_python(tmp_path / "bin" / "python3", "3.11.1")
    shim = failing_shim(tmp_path / "shims" / "python3.14")
    environ = env_for(tmp_path, shim.parent, tmp_path / "bin")
    with pytest.raises(PythonNotFound) as info:
        find_base_python(parse_request("3.14"), environ=environ, cwd=tmp_path, cache_dir=tmp_path / "c")
    error = info.value
    assert error.message == "No interpreter found for Python 3.14 in search path or pyenv"
    text = "\n".join(error.causes)
    assert str(shim) in text and "exit 127" in text
    assert "CPython 3.11.1, does not match" in text
    assert any("pyenv install 3.14" in hint for hint in error.hints)


def test_not_found_for_a_name_says_where_the_name_was_looked_for(tmp_path: Path) -> None:
    fake_python(tmp_path / "bin" / "python3", "3.11.1")
    old = tmp_path / "home" / ".pyenv" / "versions" / "3.7.16" / "bin"
    fake_python(old / "python3", "3.7.16")
    environ = env_for(tmp_path, tmp_path / "bin", tmp_path / "other")
    with pytest.raises(PythonNotFound) as info:
        find_base_python(parse_request("nosuchpython"), environ=environ, cwd=tmp_path, cache_dir=None)
    text = "\n".join(info.value.causes)
    assert "`nosuchpython` on PATH" in text and str(tmp_path / "other") in text
    assert "3.7.16" not in text  # old pyenv versions say nothing about a name


def test_a_missing_virtual_env_is_named(tmp_path: Path) -> None:
    environ = env_for(tmp_path, VIRTUAL_ENV=str(tmp_path / "gone"))
    with pytest.raises(PythonNotFound) as info:
        find_environment_python(parse_request(None), environ=environ, cwd=tmp_path, cache_dir=None)
    assert f"VIRTUAL_ENV={tmp_path / 'gone'}: no such directory" in "\n".join(info.value.causes)
    (tmp_path / "empty").mkdir()
    environ = env_for(tmp_path, VIRTUAL_ENV=str(tmp_path / "empty"))
    with pytest.raises(PythonNotFound) as info:
        find_environment_python(parse_request(None), environ=environ, cwd=tmp_path, cache_dir=None)
    assert "has no bin/python3 or bin/python" in "\n".join(info.value.causes)


def test_base_python_skips_virtual_environments_on_path(tmp_path: Path) -> None:
    base = fake_python(tmp_path / "base" / "bin" / "python3", "3.12.1")
    venv = tmp_path / "venv"
    fake_python(venv / "bin" / "python3", "3.12.1", prefix=venv, base_prefix=tmp_path / "base")
    (venv / "pyvenv.cfg").write_text("home = x\n")
    environ = env_for(tmp_path, venv / "bin", base.parent, VIRTUAL_ENV=str(venv))
    found = find_base_python(parse_request(None), environ=environ, cwd=tmp_path, cache_dir=tmp_path / "c")
    assert found.executable == str(base)
    assert runs(venv / "bin" / "python3") == 0


def test_base_python_from_a_venv_path_uses_its_base(tmp_path: Path) -> None:
    base = fake_python(tmp_path / "base" / "bin" / "python3.12", "3.12.1")
    venv = tmp_path / "venv"
    fake_python(venv / "bin" / "python3", "3.12.1", prefix=venv, base_prefix=tmp_path / "base")
    (venv / "pyvenv.cfg").write_text("home = x\n")
    found = find_base_python(parse_request(str(venv)), environ=env_for(tmp_path), cwd=tmp_path, cache_dir=tmp_path / "c")
    assert found.executable == str(base)
    assert not found.is_venv


def test_path_request_errors(tmp_path: Path) -> None:
    environ = env_for(tmp_path)
    with pytest.raises(PythonNotFound, match="No interpreter found at path `./missing`"):
        find_base_python(parse_request("./missing"), environ=environ, cwd=tmp_path, cache_dir=None)
    (tmp_path / "emptydir").mkdir()
    with pytest.raises(PythonNotFound, match="No interpreter found in directory"):
        find_base_python(parse_request("./emptydir"), environ=environ, cwd=tmp_path, cache_dir=None)
    home_python = fake_python(tmp_path / "home" / "bin" / "python3", "3.10.3")
    found = find_base_python(parse_request("~/bin/python3"), environ=environ, cwd=tmp_path, cache_dir=None)
    assert found.executable == str(home_python)


def test_environment_python_order(tmp_path: Path) -> None:
    system = fake_python(tmp_path / "usr" / "bin" / "python3", "3.12.1")
    active = tmp_path / "active"
    fake_python(active / "bin" / "python3", "3.11.1", prefix=active, base_prefix=tmp_path / "usr")
    (active / "pyvenv.cfg").write_text("home = x\n")
    project = tmp_path / "project"
    dotvenv = project / ".venv"
    fake_python(dotvenv / "bin" / "python3", "3.10.1", prefix=dotvenv, base_prefix=tmp_path / "usr")
    (dotvenv / "pyvenv.cfg").write_text("home = x\n")
    deep = project / "src" / "pkg"
    deep.mkdir(parents=True)
    environ = env_for(tmp_path, system.parent, VIRTUAL_ENV=str(active))

    def find(raw: str | None, env: dict[str, str], **kw: bool) -> Interpreter:
        return find_environment_python(parse_request(raw), environ=env, cwd=deep, cache_dir=tmp_path / "c", **kw)

    assert find(None, environ).prefix == str(active)
    without_active = env_for(tmp_path, system.parent)
    assert find(None, without_active).prefix == str(dotvenv)  # found from a subdirectory
    assert find("3.12", without_active).executable == str(system)  # a version may use the system
    outside = env_for(tmp_path, system.parent)
    with pytest.raises(PythonNotFound) as info:
        find_environment_python(parse_request(None), environ=outside, cwd=tmp_path, cache_dir=None)
    assert any("puv venv" in hint for hint in info.value.hints)
    assert find_environment_python(
        parse_request(None), environ=outside, cwd=tmp_path, cache_dir=None, system=True
    ).executable == str(system)


def test_interpreter_json_round_trip(tmp_path: Path) -> None:
    exe = fake_python(tmp_path / "bin" / "python3", "3.9.9")
    found = query_interpreter(exe, None)
    assert Interpreter.from_json(json.loads(json.dumps(found.to_json()))) == found
    assert interpreter_module.cache_file(tmp_path, str(exe)).startswith(str(tmp_path / "interpreter-v2"))


def test_trace_tells_each_candidate_and_the_choice(tmp_path: Path) -> None:
    fake_python(tmp_path / "a" / "python3", "3.11.1")
    wanted = fake_python(tmp_path / "b" / "python3", "3.12.4")
    environ = env_for(tmp_path, tmp_path / "a", tmp_path / "b")
    lines: list[str] = []
    found = find_base_python(parse_request("3.12"), environ=environ, cwd=tmp_path, cache_dir=None, trace=lines.append)
    assert found.executable == str(wanted)
    assert lines[0] == f"Skipped {tmp_path / 'a' / 'python3'} (search path): CPython 3.11.1, does not match"
    assert lines[-1] == f"Selected {wanted} (search path): CPython 3.12.4"
