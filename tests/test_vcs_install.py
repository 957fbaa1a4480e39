"""`puv pip install` / `freeze` / `compile` of git requirements (``name @ git+file:///...@ref``).

Hermetic: git repositories in the test's temporary directory holding projects built
by the logging in-tree backend (tests.support.build_backends); ``git`` on PATH is a
wrapper that logs every subcommand, so a test can say "no git fetch ran". Targets
are real venvs on CPython 3.12.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.build_backends import build_log, make_project
from tests.support.cli import Result, run, run_puv
from tests.support.index_server import IndexServer

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"
GIT = shutil.which("git")
TIME = r"\d+(\.\d\d)?(ms|s)"

pytestmark = [
    pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}"),
    pytest.mark.skipif(GIT is None, reason="needs git"),
]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        [GIT or "git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", *args],
        cwd=repo, capture_output=True, text=True, check=True,
    )
    return done.stdout.strip()


class Repo:
    """A git repository holding the project ``gproj`` (built by the logging backend)."""

    def __init__(self, path: Path, log: Path) -> None:
        self.path = path
        self.log = log
        make_project(path, "gproj", "1.0", log=log, module_source='VALUE = "one"\n')
        git(path, "init", "-q", "-b", "main")
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", "one")
        git(path, "tag", "v1")
        self.first = git(path, "rev-parse", "HEAD")

    @property
    def url(self) -> str:
        return f"git+{self.path.as_uri()}"

    def commit(self, value: str) -> str:
        (self.path / "gproj" / "__init__.py").write_text(f"VALUE = {value!r}\n")
        git(self.path, "commit", "-q", "-am", value)
        return git(self.path, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo", tmp_path / "builds.log")


@pytest.fixture
def git_log(tmp_path: Path) -> Path:
    """A ``git`` wrapper first on PATH; the file it logs subcommands to."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "git.log"
    wrapper = bin_dir / "git"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> "{log}"\n'
        f'exec "{GIT}" "$@"\n'
    )
    wrapper.chmod(0o755)
    return log


def git_commands(log: Path) -> list[str]:
    """The git subcommands run (``-c key=value`` options left out)."""
    if not log.exists():
        return []
    found = []
    for line in log.read_text().splitlines():
        words = line.split()
        while words and words[0] == "-c":
            words = words[2:]
        found.append(words[0] if words else "")
    return found


def make_venv(path: Path) -> Path:
    result = run_puv("venv", str(path), "--python", PYTHON, cwd=path.parent)
    assert result.code == 0, result
    return path


def puv(venv: Path, *args: str, git_log: Path | None = None) -> Result:
    env = {"VIRTUAL_ENV": str(venv)}
    if git_log is not None:
        env["PATH"] = f"{git_log.parent / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    return run_puv(*args, cwd=venv.parent, env=env)


def python(venv: Path, code: str) -> str:
    done = run([venv / "bin" / "python", "-c", code])
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def direct_url(venv: Path) -> dict[str, object]:
    path = venv / "lib" / "python3.12" / "site-packages" / "gproj-1.0.dist-info" / "direct_url.json"
    data: dict[str, object] = json.loads(path.read_text())
    return data


def masked(text: str) -> str:
    return re.sub(r" in " + TIME + "$", " in [TIME]", text, flags=re.M)


# --------------------------------------------------------------------------- install


def test_a_tag_installs_records_vcs_info_and_freezes_at_the_commit(tmp_path: Path, repo: Repo) -> None:
    venv = make_venv(tmp_path / "venv")
    result = puv(venv, "pip", "install", f"gproj @ {repo.url}@v1")
    assert result.code == 0, result
    assert masked(result.stderr) == (
        "Resolved 1 package in [TIME]\n"
        "Prepared 1 package in [TIME]\n"
        "Installed 1 package in [TIME]\n"
        " + gproj==1.0\n"
    )
    assert python(venv, "import gproj; print(gproj.VALUE)") == "one"
    assert direct_url(venv) == {
        "url": repo.path.as_uri(),
        "vcs_info": {"vcs": "git", "commit_id": repo.first, "requested_revision": "v1"},
    }
    freeze = puv(venv, "pip", "freeze")
    assert freeze.code == 0, freeze
    assert freeze.stdout == f"gproj @ {repo.url}@{repo.first}\n"
    # The same requirement again: satisfied from the installed record, no git command.
    again = puv(venv, "pip", "install", f"gproj @ {repo.url}@v1")
    assert again.code == 0, again
    assert masked(again.stderr) == "Checked 1 package in [TIME]\n"


def test_a_tag_is_cached_by_commit(tmp_path: Path, repo: Repo, git_log: Path) -> None:
    first = make_venv(tmp_path / "first")
    assert puv(first, "pip", "install", f"gproj @ {repo.url}@v1", git_log=git_log).code == 0
    assert "fetch" in git_commands(git_log)
    assert [line.split()[0] for line in build_log(repo.log)] == ["build_wheel"]
    git_log.unlink()
    second = make_venv(tmp_path / "second")
    result = puv(second, "pip", "install", f"gproj @ {repo.url}@v1", git_log=git_log)
    assert result.code == 0, result
    assert " + gproj==1.0" in result.stderr
    # A tag is resolved again (ls-remote), but nothing is fetched, checked out or built.
    assert "fetch" not in git_commands(git_log) and "clone" not in git_commands(git_log)
    assert len(build_log(repo.log)) == 1
    assert python(second, "import gproj; print(gproj.VALUE)") == "one"


def test_a_commit_is_cached_by_commit(tmp_path: Path, repo: Repo, git_log: Path) -> None:
    first = make_venv(tmp_path / "first")
    result = puv(first, "pip", "install", f"gproj @ {repo.url}@{repo.first}", git_log=git_log)
    assert result.code == 0, result
    assert direct_url(first)["vcs_info"] == {"vcs": "git", "commit_id": repo.first, "requested_revision": repo.first}
    git_log.unlink()
    second = make_venv(tmp_path / "second")
    result = puv(second, "pip", "install", f"gproj @ {repo.url}@{repo.first}", git_log=git_log)
    assert result.code == 0, result
    assert " + gproj==1.0" in result.stderr
    assert git_commands(git_log) == []  # a checked-out commit costs no git command at all
    assert len(build_log(repo.log)) == 1


def test_a_moving_branch(tmp_path: Path, repo: Repo) -> None:
    venv = make_venv(tmp_path / "venv")
    assert puv(venv, "pip", "install", f"gproj @ {repo.url}@main").code == 0
    assert python(venv, "import gproj; print(gproj.VALUE)") == "one"
    second = repo.commit("two")
    # As uv: an installed branch satisfies the requirement until asked to upgrade.
    same = puv(venv, "pip", "install", f"gproj @ {repo.url}@main")
    assert same.code == 0, same
    assert masked(same.stderr) == "Checked 1 package in [TIME]\n"
    upgraded = puv(venv, "pip", "install", "--upgrade", f"gproj @ {repo.url}@main")
    assert upgraded.code == 0, upgraded
    assert " + gproj==1.0" in upgraded.stderr
    assert python(venv, "import gproj; print(gproj.VALUE)") == "two"
    assert direct_url(venv)["vcs_info"] == {"vcs": "git", "commit_id": second, "requested_revision": "main"}
    # Upgrading again at the same commit changes nothing.
    again = puv(venv, "pip", "install", "--upgrade", f"gproj @ {repo.url}@main")
    assert again.code == 0, again
    assert "Installed" not in again.stderr


def test_the_default_branch_and_a_subdirectory(tmp_path: Path) -> None:
    repo_path = tmp_path / "mono"
    make_project(repo_path / "pkgs" / "sub", "subproj", "2.0")
    git(repo_path, "init", "-q", "-b", "trunk")
    git(repo_path, "add", "-A")
    git(repo_path, "commit", "-q", "-m", "one")
    commit = git(repo_path, "rev-parse", "HEAD")
    venv = make_venv(tmp_path / "venv")
    url = f"git+{repo_path.as_uri()}#subdirectory=pkgs/sub"
    result = puv(venv, "pip", "install", f"subproj @ {url}")
    assert result.code == 0, result
    assert " + subproj==2.0" in result.stderr
    freeze = puv(venv, "pip", "freeze")
    assert freeze.stdout == f"subproj @ git+{repo_path.as_uri()}@{commit}#subdirectory=pkgs/sub\n"
    again = puv(venv, "pip", "install", f"subproj @ {url}")
    assert again.code == 0, again
    assert "Checked 1 package" in again.stderr


def test_a_bad_ref_is_an_error(tmp_path: Path, repo: Repo) -> None:
    venv = make_venv(tmp_path / "venv")
    result = puv(venv, "pip", "install", f"gproj @ {repo.url}@no-such-ref")
    assert result.code == 1, result
    assert result.stderr.startswith("error: ")
    assert "no-such-ref" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("vcs", ["hg", "svn", "bzr"])
def test_other_vcs_are_not_supported(tmp_path: Path, vcs: str) -> None:
    venv = make_venv(tmp_path / "venv")
    result = puv(venv, "pip", "install", f"proj @ {vcs}+https://example.invalid/repo@1.0")
    assert result.code != 0, result
    assert f"{vcs} requirements are not supported" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_editable_git_requirement_is_refused(tmp_path: Path, repo: Repo) -> None:
    venv = make_venv(tmp_path / "venv")
    result = puv(venv, "pip", "install", "-e", f"{repo.url}@v1#egg=gproj")
    assert result.code == 1, result
    assert "cannot be installed in editable mode" in result.stderr


def test_a_git_project_with_an_index_dependency(
    tmp_path: Path, index_server: IndexServer, wheel_factory: object
) -> None:
    index_server.publish_all([wheel_factory("dep", "1.0")])  # type: ignore[operator]
    repo_path = tmp_path / "withdep"
    make_project(repo_path, "withdep", "0.5", dependencies=["dep"])
    git(repo_path, "init", "-q", "-b", "main")
    git(repo_path, "add", "-A")
    git(repo_path, "commit", "-q", "-m", "one")
    venv = make_venv(tmp_path / "venv")
    result = puv(venv, "pip", "install", f"withdep @ git+{repo_path.as_uri()}", "--index-url", index_server.url)
    assert result.code == 0, result
    assert " + dep==1.0" in result.stderr and " + withdep==0.5" in result.stderr


# --------------------------------------------------------------------------- compile and sync


def test_compile_pins_a_git_requirement_to_its_commit(tmp_path: Path, repo: Repo) -> None:
    (tmp_path / "requirements.in").write_text(f"gproj @ {repo.url}@v1\n")
    result = run_puv(
        "pip", "compile", "requirements.in", "--python", PYTHON, "--no-header", "--no-index", cwd=tmp_path
    )
    assert result.code == 0, result
    assert result.stdout == f"gproj @ {repo.url}@{repo.first}\n    # via -r requirements.in\n"
    # The pinned file syncs, and a second sync is a no-op.
    (tmp_path / "requirements.txt").write_text(result.stdout)
    venv = make_venv(tmp_path / "venv")
    synced = puv(venv, "pip", "sync", "requirements.txt", "--no-index")
    assert synced.code == 0, synced
    assert " + gproj==1.0" in synced.stderr
    again = puv(venv, "pip", "sync", "requirements.txt", "--no-index")
    assert again.code == 0, again
    assert "Checked 1 package" in again.stderr
