"""`puv pip install` / `pip compile` of local projects: directories, sdists, editables.

Hermetic: projects are built by a small in-tree backend (tests.support.build_backends)
or by the inline backend of tests.support.builders' sdists; dependencies come from the
fixture index on 127.0.0.1. Targets are real venvs on CPython 3.12 from pyenv.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import builders
from tests.support.build_backends import build_log, make_project
from tests.support.cli import Result, new_venv, run, run_puv
from tests.support.index_server import IndexServer

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"
WheelFactory = Callable[..., Path]
TIME = r"\d+(\.\d\d)?(ms|s)"

pytestmark = pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}")


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    return new_venv(tmp_path / "venv", PYTHON)


@pytest.fixture
def index(index_server: IndexServer, wheel_factory: WheelFactory) -> IndexServer:
    index_server.publish_all([wheel_factory("dep", "1.0"), wheel_factory("dep", "2.0"), wheel_factory("extra-dep", "1.0")])
    return index_server


def site(venv: Path) -> Path:
    return venv / "lib" / "python3.12" / "site-packages"


def install(venv: Path, server: IndexServer, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Result:
    return run_puv(
        "pip", "install", *args, "--index-url", server.url,
        cwd=cwd or venv.parent, env={"VIRTUAL_ENV": str(venv), **(env or {})},
    )


def python(venv: Path, code: str) -> str:
    done = run([venv / "bin" / "python", "-c", code])
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def masked(text: str) -> str:
    return re.sub(r" in " + TIME + "$", " in [TIME]", text, flags=re.M)


def direct_url(venv: Path, name: str, version: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((site(venv) / f"{name}-{version}.dist-info" / "direct_url.json").read_text())
    return data


# --------------------------------------------------------------------------- install


def test_install_a_local_directory(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    log = tmp_path / "builds.log"
    project = make_project(tmp_path / "proj", "proj", "1.0", dependencies=["dep<2"], log=log)
    result = install(venv, index, "./proj", cwd=tmp_path)
    assert result.code == 0, result
    assert masked(result.stderr) == (
        "Resolved 2 packages in [TIME]\n"
        "Prepared 2 packages in [TIME]\n"
        "Installed 2 packages in [TIME]\n"
        " + dep==1.0\n"
        " + proj==1.0\n"
    )
    assert python(venv, "import proj; print(proj.VALUE)") == "proj 1.0"
    assert direct_url(venv, "proj", "1.0") == {"url": project.as_uri(), "dir_info": {}}
    # The metadata was static: only the wheel was built.
    assert [line.split()[0] for line in build_log(log)] == ["build_wheel"]


def test_an_unchanged_project_is_built_once(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    log = tmp_path / "builds.log"
    make_project(tmp_path / "proj", "proj", "1.0", log=log, dynamic_dependencies=True, dependencies=["dep"])
    assert install(venv, index, "./proj", cwd=tmp_path).code == 0
    second = tmp_path / "second"
    assert run_puv("venv", str(second), "--python", PYTHON, cwd=tmp_path).code == 0
    result = install(second, index, "./proj", cwd=tmp_path)
    assert result.code == 0, result
    assert " + proj==1.0" in result.stderr
    assert [line.split()[0] for line in build_log(log)] == ["prepare_metadata_for_build_wheel", "build_wheel"]
    # A change to the project builds it again.
    (tmp_path / "proj" / "proj" / "__init__.py").write_text('VALUE = "changed"\n')
    result = install(second, index, "./proj", "--reinstall", cwd=tmp_path)
    assert result.code == 0, result
    assert python(second, "import proj; print(proj.VALUE)") == "changed"
    assert [line.split()[0] for line in build_log(log)][-1] == "build_wheel"
    assert len(build_log(log)) == 4  # metadata and wheel again


def test_install_dot_from_the_project_directory(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    project = make_project(tmp_path / "proj", "proj", "1.0")
    result = install(venv, index, ".", cwd=project)
    assert result.code == 0, result
    assert " + proj==1.0" in result.stderr


def test_dynamic_dependencies_come_from_the_backend(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    make_project(tmp_path / "proj", "proj", "1.0", dynamic_dependencies=True, dependencies=["dep>=2"])
    result = install(venv, index, "./proj", cwd=tmp_path)
    assert result.code == 0, result
    assert " + dep==2.0" in result.stderr


def test_editable_install_sees_later_edits(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    log = tmp_path / "builds.log"
    project = make_project(tmp_path / "proj", "proj", "1.0", dependencies=["dep"], log=log)
    result = install(venv, index, "-e", "./proj", cwd=tmp_path)
    assert result.code == 0, result
    assert " + proj==1.0" in result.stderr
    assert direct_url(venv, "proj", "1.0") == {"url": project.as_uri(), "dir_info": {"editable": True}}
    assert python(venv, "import proj; print(proj.VALUE)") == "proj 1.0"
    (project / "proj" / "__init__.py").write_text('VALUE = "edited"\n')
    assert python(venv, "import proj; print(proj.VALUE)") == "edited"
    assert [line.split()[0] for line in build_log(log)] == ["build_editable"]
    # Installing it again changes nothing.
    again = install(venv, index, "-e", "./proj", cwd=tmp_path)
    assert again.code == 0, again
    assert "+" not in again.stderr
    # A non-editable install replaces the editable one.
    plain = install(venv, index, "./proj", cwd=tmp_path)
    assert plain.code == 0, plain
    assert " ~ proj==1.0" in plain.stderr or " + proj==1.0" in plain.stderr
    assert direct_url(venv, "proj", "1.0")["dir_info"] == {}


def test_install_a_local_sdist(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    sdist = builders.build_sdist(tmp_path / "dists", "pkg", "0.5", requires_dist=["dep<2"], backend="inline")
    result = install(venv, index, str(sdist))
    assert result.code == 0, result
    assert " + pkg==0.5" in result.stderr and " + dep==1.0" in result.stderr
    recorded = direct_url(venv, "pkg", "0.5")
    assert recorded["url"] == sdist.as_uri()
    digest = __import__("hashlib").sha256(sdist.read_bytes()).hexdigest()
    assert recorded["archive_info"] == {"hash": f"sha256={digest}", "hashes": {"sha256": digest}}
    assert python(venv, "import pkg; print(pkg.__version__)") == "0.5"


def test_sdist_with_dynamic_requires_dist_is_built_for_metadata(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    sdist = builders.build_sdist(
        tmp_path / "dists", "pkg", "0.5", requires_dist=["dep>=2"], dynamic=["Requires-Dist"], backend="inline"
    )
    result = install(venv, index, str(sdist))
    assert result.code == 0, result
    assert " + dep==2.0" in result.stderr


def test_config_settings_reach_the_backend(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    log = tmp_path / "builds.log"
    make_project(tmp_path / "proj", "proj", "1.0", log=log)
    result = install(venv, index, "./proj", "-C", "mode=fast", "-C", "flag=a", "-C", "flag=b", cwd=tmp_path)
    assert result.code == 0, result
    assert build_log(log) == ['build_wheel {"flag": ["a", "b"], "mode": "fast"}']


def test_a_failing_build_reports_the_backend_output(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    make_project(tmp_path / "proj", "proj", "1.0", dependencies=["dep"], fail="the build exploded")
    result = install(venv, index, "./proj", cwd=tmp_path)
    assert result.code == 1, result
    assert "error: Failed to build `proj @ " in result.stderr
    assert "RuntimeError: the build exploded" in result.stderr
    assert "fatal error: missing_header.h" in result.stderr
    assert "hint: the C header file `missing_header.h` is missing" in result.stderr
    assert not any(p.name.startswith(("proj-", "dep-")) for p in site(venv).iterdir())


def test_backend_output_is_hidden_on_success_and_shown_with_verbose(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    project = make_project(tmp_path / "proj", "proj", "1.0")
    (project / "puv_inline_backend.py").write_text(
        (project / "puv_inline_backend.py").read_text().replace(
            'def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n',
            'def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n'
            '    print("hello from the backend")\n',
        )
    )
    quiet = install(venv, index, "./proj", cwd=tmp_path)
    assert quiet.code == 0, quiet
    assert "hello from the backend" not in quiet.stderr + quiet.stdout
    verbose = install(venv, index, "./proj", "--reinstall", "--no-cache", "-v", cwd=tmp_path)
    assert verbose.code == 0, verbose
    assert "hello from the backend" in verbose.stderr


def test_no_build_refuses_local_projects(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    make_project(tmp_path / "proj", "proj", "1.0")
    result = install(venv, index, "./proj", "--no-build", cwd=tmp_path)
    assert result.code == 1, result
    assert "Building source distributions is disabled, but `proj`" in result.stderr
    assert "hint: `proj`" in result.stderr
    assert not (site(venv) / "proj-1.0.dist-info").exists()


def test_only_binary_refuses_local_projects(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    make_project(tmp_path / "proj", "proj", "1.0", dynamic_dependencies=True)
    for value in ("proj", ":all:"):
        result = install(venv, index, "./proj", "--only-binary", value, cwd=tmp_path)
        assert result.code == 1, result
        assert "`--only-binary` forbids building" in result.stderr
        assert "hint: drop" in result.stderr


def test_no_binary_refuses_a_wheel_file(tmp_path: Path, venv: Path, index: IndexServer, wheel_factory: WheelFactory) -> None:
    wheel = wheel_factory("solo", "1.0")
    result = install(venv, index, str(wheel), "--no-binary", "solo")
    assert result.code == 1, result
    assert "`--no-binary` forbids wheels of `solo`" in result.stderr


def test_no_build_isolation_uses_the_target_environment(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    log = tmp_path / "builds.log"
    make_project(tmp_path / "proj", "proj", "1.0", log=log)
    result = install(venv, index, "./proj", "--no-build-isolation", cwd=tmp_path)
    assert result.code == 0, result
    assert " + proj==1.0" in result.stderr


def test_no_build_isolation_hints_name_the_target_environment(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    # A backend that is not installed in the target environment.
    project = tmp_path / "nobackend"
    (project / "nobackend").mkdir(parents=True)
    (project / "nobackend" / "__init__.py").write_text("")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["absent-backend>=1"]\nbuild-backend = "absent_backend.api"\n\n'
        '[project]\nname = "nobackend"\nversion = "1.0"\ndynamic = ["dependencies"]\n'
    )
    result = install(venv, index, "./nobackend", "--no-build-isolation", cwd=tmp_path)
    assert result.code == 1, result
    assert "absent_backend" in result.stderr
    assert "hint: --no-build-isolation builds in the target environment: install `absent-backend>=1` there" in result.stderr
    assert "not among its build requirements" not in result.stderr
    # A backend (in the tree) that imports a module the target environment lacks.
    make_project(tmp_path / "proj", "proj", "1.0", dynamic_dependencies=True)
    backend = tmp_path / "proj" / "puv_inline_backend.py"
    backend.write_text("import absent_helper\n" + backend.read_text())
    result = install(venv, index, "./proj", "--no-build-isolation", cwd=tmp_path)
    assert result.code == 1, result
    assert "No module named 'absent_helper'" in result.stderr
    assert "not among its build requirements" not in result.stderr
    assert "the build imports `absent_helper`, which the target environment does not have" in result.stderr
    assert not (site(venv) / "proj-1.0.dist-info").exists()


def test_concurrent_builds_of_several_projects(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    for name in ("one", "two", "three"):
        make_project(tmp_path / name, name, "1.0", dynamic_dependencies=True, dependencies=["dep"])
    result = install(venv, index, "./one", "./two", "./three", cwd=tmp_path, env={"PUV_CONCURRENT_BUILDS": "2"})
    assert result.code == 0, result
    for name in ("one", "two", "three"):
        assert f" + {name}==1.0" in result.stderr


def test_a_missing_directory_is_an_error(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    result = install(venv, index, "./nowhere", cwd=tmp_path)
    assert result.code != 0
    assert "nowhere" in result.stderr


def test_a_directory_that_is_not_a_project(tmp_path: Path, venv: Path, index: IndexServer) -> None:
    (tmp_path / "empty").mkdir()
    result = install(venv, index, "./empty", cwd=tmp_path)
    assert result.code == 1, result
    assert "does not appear to be a Python project" in result.stderr


# --------------------------------------------------------------------------- compile


def compile_(server: IndexServer, *args: str, cwd: Path) -> Result:
    return run_puv("pip", "compile", *args, "--index-url", server.url, "--python", PYTHON, "--no-header", cwd=cwd)


def test_compile_a_pyproject_with_dynamic_dependencies(tmp_path: Path, index: IndexServer) -> None:
    log = tmp_path / "builds.log"
    project = make_project(tmp_path / "proj", "proj", "1.0", dynamic_dependencies=True, dependencies=["dep<2"], log=log)
    result = compile_(index, "pyproject.toml", cwd=project)
    assert result.code == 0, result
    assert result.stdout == "dep==1.0\n    # via proj (pyproject.toml)\n"
    assert [line.split()[0] for line in build_log(log)] == ["prepare_metadata_for_build_wheel"]


def test_compile_setup_py_and_setup_cfg_through_the_backend(tmp_path: Path, index: IndexServer) -> None:
    project = make_project(tmp_path / "proj", "proj", "1.0", dynamic_dependencies=True, dependencies=["dep>=2"])
    (project / "setup.py").write_text("raise SystemExit('not run: the backend is the inline one')\n")
    (project / "setup.cfg").write_text("[metadata]\nname = proj\n")
    for source in ("setup.py", "setup.cfg"):
        result = compile_(index, source, cwd=project)
        assert result.code == 0, result
        assert result.stdout == f"dep==2.0\n    # via proj ({source})\n"


def test_compile_a_local_project_requirement(tmp_path: Path, index: IndexServer) -> None:
    make_project(tmp_path / "proj", "proj", "1.0", dependencies=["dep<2"])
    (tmp_path / "requirements.in").write_text("./proj\n")
    result = compile_(index, "requirements.in", cwd=tmp_path)
    assert result.code == 0, result
    # The path as written (as uv), not the machine-specific absolute URL.
    assert "\n./proj\n    # via -r requirements.in\n" in result.stdout, result.stdout
    assert "dep==1.0" in result.stdout and "file:" not in result.stdout


@pytest.mark.parametrize(
    ("line", "pin"),
    [
        ("-e ./proj", "-e ./proj"),
        ("proj @ ./proj", "./proj"),
        ("proj[fast] @ ./proj", "./proj"),
        ("../work/proj", "../work/proj"),
        ("{uri}", "proj @ {uri}"),
        ("-e {uri}", "-e {uri}"),
    ],
)
def test_compile_writes_local_paths_as_given(tmp_path: Path, index: IndexServer, line: str, pin: str) -> None:
    project = make_project(tmp_path / "work" / "proj", "proj", "1.0", dependencies=["dep<2"])
    (tmp_path / "work" / "requirements.in").write_text(line.format(uri=project.as_uri()) + "\n")
    result = compile_(index, "requirements.in", cwd=tmp_path / "work")
    assert result.code == 0, result
    assert result.stdout.splitlines()[:3] == ["dep==1.0", "    # via proj", pin.format(uri=project.as_uri())], result.stdout
