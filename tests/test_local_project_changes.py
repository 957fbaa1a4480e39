"""A local project whose pyproject.toml / setup.py / setup.cfg changed is built and
installed again (uv's rule): ``puv_cache.json`` in the ``.dist-info`` records
those files' modification times; other edits (the sources) do not count.

Hermetic: projects use the in-tree backend of tests.support.build_backends; the
dependency comes from the fixture index on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.build_backends import build_log, make_project
from tests.support.cli import Result, new_venv, run_puv
from tests.support.index_server import IndexServer

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"
WheelFactory = Callable[..., Path]

pytestmark = pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}")


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    return new_venv(tmp_path / "venv", PYTHON)


@pytest.fixture
def index(index_server: IndexServer, wheel_factory: WheelFactory) -> IndexServer:
    index_server.publish_all([wheel_factory("dep", "1.0")])
    return index_server


def pip(venv: Path, server: IndexServer, command: str, *args: str) -> Result:
    return run_puv(
        "pip", command, *args, "--index-url", server.url, cwd=venv.parent, env={"VIRTUAL_ENV": str(venv)}
    )


def dist_info(venv: Path) -> Path:
    return venv / "lib" / "python3.12" / "site-packages" / "proj-1.0.dist-info"


def touch_later(path: Path) -> None:
    """Move the file's modification time a second on (whatever the clock's resolution)."""
    stamp = path.stat().st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(stamp, stamp))


def add_dependency(project: Path, log: Path) -> None:
    make_project(project, "proj", "1.0", dependencies=["dep"], log=log)
    touch_later(project / "pyproject.toml")


def changes(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line[:3] in (" + ", " - ", " ~ ")]


@pytest.mark.parametrize("form", ["path", "named"])
def test_a_changed_pyproject_reinstalls_the_project(tmp_path: Path, venv: Path, index: IndexServer, form: str) -> None:
    log = tmp_path / "builds.log"
    project = make_project(tmp_path / "proj", "proj", "1.0", log=log)
    requirement = "./proj" if form == "path" else f"proj @ {project.as_uri()}"
    first = pip(venv, index, "install", requirement)
    assert first.code == 0, first
    assert changes(first) == [" + proj==1.0"]
    recorded = json.loads((dist_info(venv) / "puv_cache.json").read_text())
    assert recorded == {
        "timestamps": {
            "pyproject.toml": (project / "pyproject.toml").stat().st_mtime_ns,
            "setup.cfg": None,
            "setup.py": None,
        }
    }
    assert "proj-1.0.dist-info/puv_cache.json,sha256=" in (dist_info(venv) / "RECORD").read_text()

    again = pip(venv, index, "install", requirement)
    assert again.code == 0, again
    assert changes(again) == []
    assert "Checked 1 package" in again.stderr
    if form == "named":
        assert "Resolved" not in again.stderr  # the no-op fast path
    assert len(build_log(log)) == 1

    add_dependency(project, log)
    changed = pip(venv, index, "install", requirement)
    assert changed.code == 0, changed
    assert changes(changed) == [" + dep==1.0", " ~ proj==1.0"]
    assert "Requires-Dist: dep" in (dist_info(venv) / "METADATA").read_text()
    assert [line.split()[0] for line in build_log(log)] == ["build_wheel", "build_wheel"]

    settled = pip(venv, index, "install", requirement)
    assert settled.code == 0, settled
    assert changes(settled) == []


def test_a_changed_pyproject_reinstalls_an_editable_project(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    log = tmp_path / "builds.log"
    project = make_project(tmp_path / "proj", "proj", "1.0", log=log)
    assert changes(pip(venv, index, "install", "-e", "./proj")) == [" + proj==1.0"]
    again = pip(venv, index, "install", "-e", "./proj")
    assert again.code == 0, again
    assert changes(again) == []
    assert len(build_log(log)) == 1

    add_dependency(project, log)
    changed = pip(venv, index, "install", "-e", "./proj")
    assert changed.code == 0, changed
    assert changes(changed) == [" + dep==1.0", " ~ proj==1.0"]
    assert "Requires-Dist: dep" in (dist_info(venv) / "METADATA").read_text()
    assert json.loads((dist_info(venv) / "direct_url.json").read_text())["dir_info"] == {"editable": True}
    assert [line.split()[0] for line in build_log(log)] == ["build_editable", "build_editable"]


def test_a_new_setup_cfg_counts_as_a_change(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    project = make_project(tmp_path / "proj", "proj", "1.0")
    assert changes(pip(venv, index, "install", "./proj")) == [" + proj==1.0"]
    (project / "setup.cfg").write_text("[metadata]\n")
    result = pip(venv, index, "install", "./proj")
    assert result.code == 0, result
    assert changes(result) == [" ~ proj==1.0"]


def test_an_edited_source_file_does_not_reinstall(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    log = tmp_path / "builds.log"
    project = make_project(tmp_path / "proj", "proj", "1.0", log=log)
    assert changes(pip(venv, index, "install", "./proj")) == [" + proj==1.0"]
    source = project / "proj" / "__init__.py"
    source.write_text('VALUE = "edited"\n')
    touch_later(source)
    result = pip(venv, index, "install", "./proj")
    assert result.code == 0, result
    assert changes(result) == []
    assert len(build_log(log)) == 1
    # --reinstall still picks the edit up.
    forced = pip(venv, index, "install", "--reinstall", "./proj")
    assert changes(forced) == [" ~ proj==1.0"]


def test_a_project_installed_without_cache_info_is_reinstalled(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    """As uv: a distribution from a directory with no recorded times (pip installed
    it, or an older puv) cannot be shown to be current."""
    make_project(tmp_path / "proj", "proj", "1.0")
    assert changes(pip(venv, index, "install", "./proj")) == [" + proj==1.0"]
    (dist_info(venv) / "puv_cache.json").unlink()
    record = dist_info(venv) / "RECORD"
    record.write_text("".join(line for line in record.read_text().splitlines(keepends=True) if "puv_cache" not in line))
    result = pip(venv, index, "install", "./proj")
    assert result.code == 0, result
    assert changes(result) == [" ~ proj==1.0"]
    assert (dist_info(venv) / "puv_cache.json").is_file()


def test_sync_rebuilds_a_changed_project(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    log = tmp_path / "builds.log"
    project = make_project(tmp_path / "proj", "proj", "1.0", log=log)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"proj @ {project.as_uri()}\n")
    assert changes(pip(venv, index, "sync", str(requirements))) == [" + proj==1.0"]
    assert changes(pip(venv, index, "sync", str(requirements))) == []
    touch_later(project / "pyproject.toml")
    result = pip(venv, index, "sync", str(requirements))
    assert result.code == 0, result
    assert changes(result) == [" ~ proj==1.0"]
