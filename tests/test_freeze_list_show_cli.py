"""`puv pip freeze`, `list` and `show` against a real venv that pip filled, compared with pip."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.builders import build_wheel
from tests.support.cli import run_puv
from tests.support.index_server import IndexServer
from tests.test_inspect import write_dist
from tests.test_wheel_install import PY312, needs_py312

pytestmark = needs_py312


def pip_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PUV_", "UV_")) and k != "VIRTUAL_ENV"}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return env


def pip(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", *args], capture_output=True, text=True, env=pip_env()
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def make_pip_venv(root: Path) -> Path:
    venv = root / "venv"
    subprocess.run([str(PY312), "-m", "venv", str(venv)], check=True, capture_output=True)
    return venv


def site_of(venv: Path) -> Path:
    return venv / "lib" / "python3.12" / "site-packages"


def build_universe(dist: Path) -> None:
    build_wheel(
        dist, "Alpha-Pkg", "1.0",
        requires_dist=["beta>=1", "gamma[fast]", "winonly; sys_platform == 'win32'"],
        entry_points={"console_scripts": {"alpha": "alpha_pkg:main"}},
        metadata=(
            "Metadata-Version: 2.1\nName: Alpha-Pkg\nVersion: 1.0\nSummary: The first letter\n"
            "Author: Ann Author\nAuthor-email: ann@example.invalid\nLicense: MIT\n"
            "Project-URL: Homepage, https://example.invalid/alpha\n"
            "Requires-Dist: beta>=1\nRequires-Dist: gamma[fast]\n"
            "Requires-Dist: winonly; sys_platform == 'win32'\n\n"
        ),
    )
    build_wheel(dist, "beta", "2.0", requires_dist=["gamma<2"])
    build_wheel(dist, "gamma", "1.5", extras={"fast": ["delta"]})
    build_wheel(dist, "delta", "0.1")
    build_wheel(dist, "zeta_direct", "3.0")
    build_wheel(dist, "Setuptools", "69.0")


@pytest.fixture(scope="module")
def filled_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("filled")
    dist = root / "dist"
    build_universe(dist)
    venv = make_pip_venv(root)
    pip(venv, "install", "--no-index", "--find-links", str(dist), "Alpha-Pkg", "setuptools")
    pip(venv, "install", "--no-index", str(dist / "zeta_direct-3.0-py3-none-any.whl"))
    # an editable install as PEP 610 records it (what `pip install -e` writes)
    project = root / "my project"
    project.mkdir()
    write_dist(
        site_of(venv), "edit-me", "0.1", metadata_name="Edit_Me",
        direct_url={"url": project.as_uri(), "dir_info": {"editable": True}},
    )
    yield venv


def puv(venv: Path, *args: str) -> tuple[int, str, str]:
    result = run_puv("pip", *args, "--python", str(venv / "bin" / "python"))
    return result.code, result.stdout, result.stderr


def without_hash(line: str) -> str:
    return re.sub(r"#sha256=[0-9a-f]+$", "", line)


def test_freeze_matches_pip_freeze_all(filled_venv: Path) -> None:
    code, out, _ = puv(filled_venv, "freeze")
    assert code == 0
    ours = out.splitlines()
    theirs = [
        without_hash(line)
        for line in pip(filled_venv, "freeze", "--all").stdout.splitlines()
        if not line.startswith(("#", "-e "))
    ]
    assert [line for line in ours if not line.startswith("-e ")] == theirs
    project = filled_venv.parent / "my project"
    assert f"-e {project.as_uri()}" in ours
    assert "Alpha-Pkg==1.0" in ours and "Setuptools==69.0" in theirs
    assert any(line.startswith("zeta_direct @ file://") for line in ours)
    # uv's choice: pip and setuptools are listed too
    assert any(line.startswith("pip==") for line in ours)


def test_freeze_exclude_options(filled_venv: Path) -> None:
    _, out, _ = puv(filled_venv, "freeze", "--exclude-editable", "--exclude", "PIP", "--exclude", "beta")
    names = [re.split(r"==| @ ", line)[0] for line in out.splitlines()]
    assert names == ["Alpha-Pkg", "delta", "gamma", "Setuptools", "zeta_direct"]


def test_freeze_strict_warns(filled_venv: Path) -> None:
    code, _, err = puv(filled_venv, "freeze", "--strict")
    assert code == 0 and err == ""


def test_list_columns_match_pip(filled_venv: Path) -> None:
    code, out, _ = puv(filled_venv, "list", "--exclude-editable")
    assert code == 0
    assert out == pip(filled_venv, "list", "--exclude-editable").stdout
    lines = out.splitlines()
    assert lines[0].split() == ["Package", "Version"]
    assert set(lines[1]) == {"-", " "}


def test_list_with_editable_column(filled_venv: Path) -> None:
    _, out, _ = puv(filled_venv, "list")
    lines = out.splitlines()
    assert lines[0].split(maxsplit=2) == ["Package", "Version", "Editable project location"]
    edit = next(line for line in lines if line.startswith("Edit_Me"))
    assert edit.endswith(str(filled_venv.parent / "my project"))
    alpha = next(line for line in lines if line.startswith("Alpha-Pkg"))
    assert alpha == alpha.rstrip()
    _, only, _ = puv(filled_venv, "list", "-e", "--format", "freeze")
    assert only == "Edit_Me==0.1\n"


def test_list_json_and_freeze_formats(filled_venv: Path) -> None:
    _, out, _ = puv(filled_venv, "list", "--format", "json")
    data = json.loads(out)
    theirs = json.loads(pip(filled_venv, "list", "--format", "json").stdout)
    assert [e for e in data if "editable_project_location" not in e] == [
        e for e in theirs if "editable_project_location" not in e
    ]
    [edit] = [e for e in data if "editable_project_location" in e]
    assert edit == {
        "name": "Edit_Me",
        "version": "0.1",
        "editable_project_location": str(filled_venv.parent / "my project"),
    }
    _, frozen, _ = puv(filled_venv, "list", "--format", "freeze", "--exclude", "edit-me")
    assert frozen == pip(filled_venv, "list", "--format", "freeze", "--exclude", "edit-me").stdout


def test_list_outdated_needs_compatible_format(filled_venv: Path) -> None:
    code, _, err = puv(filled_venv, "list", "--outdated", "--format", "freeze")
    assert code == 2 and "--outdated" in err


def test_show_matches_pip(filled_venv: Path) -> None:
    for names in (["alpha-pkg"], ["gamma", "BETA"], ["delta", "-f"]):
        code, out, _ = puv(filled_venv, "show", *names)
        assert code == 0
        # pip 23 has no Project-URL fallback for Home-page (newer pips do, as puv)
        theirs = pip(filled_venv, "show", *names).stdout
        assert drop_home_page(out) == drop_home_page(theirs), names


def drop_home_page(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("Home-page:"))


def test_show_fields(filled_venv: Path) -> None:
    _, out, _ = puv(filled_venv, "show", "alpha_pkg", "edit-me")
    first, second = out.split("\n---\n")
    assert first.splitlines() == [
        "Name: Alpha-Pkg",
        "Version: 1.0",
        "Summary: The first letter",
        "Home-page: https://example.invalid/alpha",
        "Author: Ann Author",
        "Author-email: ann@example.invalid",
        "License: MIT",
        f"Location: {site_of(filled_venv)}",
        "Requires: beta, gamma",
        "Required-by: ",
    ]
    assert f"Editable project location: {filled_venv.parent / 'my project'}" in second.splitlines()


def test_show_files(filled_venv: Path) -> None:
    _, out, _ = puv(filled_venv, "show", "--files", "alpha-pkg")
    lines = out.splitlines()
    files = lines[lines.index("Files:") + 1 :]
    assert "  ../../../bin/alpha" in files
    assert "  alpha_pkg/__init__.py" in files
    assert "  alpha_pkg-1.0.dist-info/METADATA" in files


def test_show_missing_packages(filled_venv: Path) -> None:
    code, out, err = puv(filled_venv, "show", "beta", "nope", "also-nope")
    assert code == 0 and out.startswith("Name: beta\n")
    assert "warning: Package(s) not found: also-nope, nope" in err
    code, out, err = puv(filled_venv, "show", "nope")
    assert code == 1 and out == "" and "Package(s) not found: nope" in err
    code, _, err = puv(filled_venv, "show")
    assert code == 1 and "provide a package name" in err


def test_read_only_commands_accept_an_externally_managed_python(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([str(PY312), "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    write_dist(site_of(venv), "thing", "1.0")
    code, out, err = puv(venv, "freeze")
    assert (code, out) == (0, "thing==1.0\n"), err
    code, out, err = puv(venv, "list")
    assert out == "Package Version\n------- -------\nthing   1.0\n"


def test_environment_from_virtual_env_variable(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([str(PY312), "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    write_dist(site_of(venv), "thing", "1.0")
    result = run_puv("pip", "freeze", env={"VIRTUAL_ENV": str(venv)}, cwd=tmp_path)
    assert result.stdout == "thing==1.0\n", result
    empty = tmp_path / "empty"
    subprocess.run([str(PY312), "-m", "venv", "--without-pip", str(empty)], check=True, capture_output=True)
    result = run_puv("pip", "list", "--python", str(empty / "bin" / "python"))
    assert (result.code, result.stdout) == (0, "")
    result = run_puv("pip", "list", "--format", "json", "--python", str(empty / "bin" / "python"))
    assert result.stdout == "[]\n"


def test_list_outdated_against_an_index(tmp_path: Path, index_server: IndexServer) -> None:
    venv = tmp_path / "venv"
    subprocess.run([str(PY312), "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    site = site_of(venv)
    write_dist(site, "old-one", "1.0")
    write_dist(site, "current", "2.0")
    write_dist(site, "local-only", "1.0")
    write_dist(site, "src-newer", "1.0")
    dist = tmp_path / "dist"
    for name, version in (("old-one", "1.0"), ("old-one", "1.5"), ("old-one", "3.0rc1"), ("current", "2.0")):
        index_server.publish(build_wheel(dist, name, version))
    index_server.publish(build_wheel(dist, "old-one", "2.0", tag="cp312-cp312-win_amd64"))  # not for this platform
    index_server.publish(build_wheel(dist, "old-one", "1.9", requires_python=">=3.13"))
    from tests.support.builders import build_sdist

    index_server.publish(build_sdist(dist, "src-newer", "1.1"))
    args = ("list", "--outdated", "--index-url", index_server.url)
    code, out, err = puv(venv, *args)
    assert code == 0, err
    assert out.splitlines() == [
        "Package   Version Latest Type",
        "--------- ------- ------ -----",
        "old-one   1.0     1.5    wheel",
        "src-newer 1.0     1.1    sdist",
    ]
    _, out, _ = puv(venv, *args, "--format", "json", "--pre")
    assert json.loads(out) == [
        {"name": "old-one", "version": "1.0", "latest_version": "3.0rc1", "latest_filetype": "wheel"},
        {"name": "src-newer", "version": "1.0", "latest_version": "1.1", "latest_filetype": "sdist"},
    ]
