"""Versions the index has only as a source distribution: resolved through the builder, built on install.

Hermetic: sdists of projects built by the logging in-tree backend
(tests.support.build_backends) or the inline backend of tests.support.builders,
served by the fixture index on 127.0.0.1; targets are real venvs on CPython 3.12.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import builders
from tests.support.build_backends import build_log, make_project
from tests.support.cli import Result, run, run_puv
from tests.support.index_server import IndexServer

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"
WheelFactory = Callable[..., Path]
TIME = r"\d+(\.\d\d)?(ms|s)"

pytestmark = pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}")


def make_venv(path: Path) -> Path:
    result = run_puv("venv", str(path), "--python", PYTHON, cwd=path.parent)
    assert result.code == 0, result
    return path


def install(venv: Path, server: IndexServer, *args: str, env: dict[str, str] | None = None) -> Result:
    return run_puv(
        "pip", "install", *args, "--index-url", server.url,
        cwd=venv.parent, env={"VIRTUAL_ENV": str(venv), **(env or {})},
    )


def python(venv: Path, code: str) -> str:
    done = run([venv / "bin" / "python", "-c", code])
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def masked(text: str) -> str:
    return re.sub(r" in " + TIME + "$", " in [TIME]", text, flags=re.M)


def project_sdist(tmp_path: Path, name: str, version: str, **kwargs: object) -> Path:
    """An sdist (no PKG-INFO) of a project built by the logging backend."""
    project = make_project(tmp_path / "projects" / f"{name}-{version}", name, version, **kwargs)  # type: ignore[arg-type]
    top = f"{name.replace('-', '_')}-{version}"
    members: dict[str, builders.Content] = {}
    for path in sorted(project.rglob("*")):
        if path.is_file():
            members[f"{top}/{path.relative_to(project).as_posix()}"] = path.read_bytes()
    return builders.write_sdist(tmp_path / "dists" / f"{top}.tar.gz", members)


@pytest.fixture
def dynamic_sdist(tmp_path: Path, index_server: IndexServer, wheel_factory: WheelFactory) -> Path:
    """``proj==1.0`` only as an sdist with dynamic dependencies (``dep<2``), logging its hooks."""
    log = tmp_path / "builds.log"
    index_server.publish_all(
        [
            wheel_factory("dep", "1.0"),
            wheel_factory("dep", "2.0"),
            project_sdist(tmp_path, "proj", "1.0", dependencies=["dep<2"], dynamic_dependencies=True, log=log),
        ]
    )
    return log


def test_an_sdist_only_package_with_a_dependency_installs(
    tmp_path: Path, index_server: IndexServer, dynamic_sdist: Path
) -> None:
    venv = make_venv(tmp_path / "venv")
    result = install(venv, index_server, "proj")
    assert result.code == 0, result
    assert masked(result.stderr) == (
        "Resolved 2 packages in [TIME]\n"
        "Prepared 2 packages in [TIME]\n"
        "Installed 2 packages in [TIME]\n"
        " + dep==1.0\n"
        " + proj==1.0\n"
    )
    assert python(venv, "import proj; print(proj.VALUE)") == "proj 1.0"
    # Dynamic dependencies: the metadata came from the backend, then the wheel was built.
    assert [line.split()[0] for line in build_log(dynamic_sdist)] == ["prepare_metadata_for_build_wheel", "build_wheel"]
    # Installed from an index: no direct_url.json.
    site = venv / "lib" / "python3.12" / "site-packages"
    assert not (site / "proj-1.0.dist-info" / "direct_url.json").exists()

    # A second install into a new environment: no build, no download of the sdist.
    index_server.clear_log()
    second = make_venv(tmp_path / "second")
    result = install(second, index_server, "proj")
    assert result.code == 0, result
    assert " + proj==1.0" in result.stderr
    assert len(build_log(dynamic_sdist)) == 2
    assert index_server.count("*.tar.gz") == 0
    assert python(second, "import proj; print(proj.VALUE)") == "proj 1.0"


def test_static_pkg_info_needs_no_backend_for_the_metadata(
    tmp_path: Path, index_server: IndexServer, wheel_factory: WheelFactory
) -> None:
    index_server.publish_all(
        [
            wheel_factory("dep", "1.0"),
            builders.build_sdist(tmp_path / "dists", "lib", "2.0", requires_dist=["dep"], backend="inline"),
        ]
    )
    venv = make_venv(tmp_path / "venv")
    result = install(venv, index_server, "lib", "--dry-run")
    assert result.code == 0, result
    assert " + lib==2.0" in result.stderr and " + dep==1.0" in result.stderr
    result = install(venv, index_server, "lib")
    assert result.code == 0, result
    assert python(venv, "import lib; print(lib.__version__)") == "2.0"


def test_no_binary_builds_from_the_sdist(tmp_path: Path, index_server: IndexServer, wheel_factory: WheelFactory) -> None:
    index_server.publish_all(
        [
            wheel_factory("lib", "1.0"),
            builders.build_sdist(tmp_path / "dists", "lib", "1.0", backend="inline"),
        ]
    )
    venv = make_venv(tmp_path / "venv")
    result = install(venv, index_server, "lib", "--no-binary", "lib")
    assert result.code == 0, result
    assert " + lib==1.0" in result.stderr
    record = (venv / "lib" / "python3.12" / "site-packages" / "lib-1.0.dist-info" / "WHEEL").read_text()
    assert "puv-test-backend" in record  # built here, not the index's wheel


@pytest.mark.parametrize("flag", [("--no-build",), ("--only-binary", ":all:")])
def test_no_build_and_only_binary_refuse_with_a_hint(
    tmp_path: Path, index_server: IndexServer, dynamic_sdist: Path, flag: tuple[str, ...]
) -> None:
    venv = make_venv(tmp_path / "venv")
    result = install(venv, index_server, "proj", *flag)
    assert result.code == 1, result
    assert "proj" in result.stderr
    assert "hint:" in result.stderr
    assert build_log(dynamic_sdist) == []


def test_a_failing_sdist_build_is_reported(tmp_path: Path, index_server: IndexServer) -> None:
    index_server.publish_all([project_sdist(tmp_path, "broken", "1.0", fail="compiler missing")])
    venv = make_venv(tmp_path / "venv")
    result = install(venv, index_server, "broken")
    assert result.code == 1, result
    assert "broken==1.0" in result.stderr
    assert "missing_header.h" in result.stderr


def test_an_sdist_with_a_wrong_hash_on_the_index_is_refused(tmp_path: Path, index_server: IndexServer) -> None:
    sdist = builders.build_sdist(tmp_path / "dists", "lib", "1.0", backend="inline")
    index_server.publish(sdist, sha256="0" * 64)
    venv = make_venv(tmp_path / "venv")
    result = install(venv, index_server, "lib")
    assert result.code == 1, result
    assert "hash mismatch" in result.stderr


def test_compile_reads_the_sdist_metadata(tmp_path: Path, index_server: IndexServer, dynamic_sdist: Path) -> None:
    (tmp_path / "requirements.in").write_text("proj\n")
    result = run_puv(
        "pip", "compile", "requirements.in", "--index-url", index_server.url, "--python", PYTHON, "--no-header",
        cwd=tmp_path,
    )
    assert result.code == 0, result
    assert result.stdout == "dep==1.0\n    # via proj\nproj==1.0\n    # via -r requirements.in\n"


def test_an_index_sdist_is_checked_against_hash_options(tmp_path: Path, index_server: IndexServer) -> None:
    import hashlib

    sdist = builders.build_sdist(tmp_path / "dists", "lib", "1.0", backend="inline")
    index_server.publish(sdist)
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    (tmp_path / "bad.txt").write_text(f"lib==1.0 --hash=sha256:{'1' * 64}\n")
    venv = make_venv(tmp_path / "venv")
    result = install(venv, index_server, "-r", str(tmp_path / "bad.txt"))
    assert result.code == 1, result
    assert "hash mismatch" in result.stderr
    (tmp_path / "good.txt").write_text(f"lib==1.0 --hash=sha256:{digest}\n")
    result = install(venv, index_server, "-r", str(tmp_path / "good.txt"), "--require-hashes")
    assert result.code == 0, result
    assert " + lib==1.0" in result.stderr
