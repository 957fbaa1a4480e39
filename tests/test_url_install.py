"""Direct URL requirements (``name @ http://.../x.tar.gz#sha256=...``, wheel URLs), editables
in `pip compile` output, and the build options of `pip sync`.

Hermetic: files served by the fixture index on 127.0.0.1, sdists built by the inline
backend of tests.support.builders, projects by the logging backend of
tests.support.build_backends; targets are real venvs on CPython 3.12.
"""

from __future__ import annotations

import hashlib
import json
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


def puv(venv: Path, *args: str) -> Result:
    return run_puv(*args, cwd=venv.parent, env={"VIRTUAL_ENV": str(venv)})


def python(venv: Path, code: str) -> str:
    done = run([venv / "bin" / "python", "-c", code])
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def site(venv: Path) -> Path:
    return venv / "lib" / "python3.12" / "site-packages"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def masked(text: str) -> str:
    return re.sub(r" in " + TIME + "$", " in [TIME]", text, flags=re.M)


@pytest.fixture
def served_sdist(tmp_path: Path, index_server: IndexServer, wheel_factory: WheelFactory) -> tuple[str, str]:
    """(URL, sha256) of ``lib-1.0.tar.gz`` (depends on ``dep``) on the fixture server."""
    sdist = builders.build_sdist(tmp_path / "dists", "lib", "1.0", requires_dist=["dep"], backend="inline")
    index_server.publish_all([sdist, wheel_factory("dep", "1.0")])
    return index_server.file_url(sdist.name), sha256(sdist)


# --------------------------------------------------------------------------- URL sdists


def test_a_url_sdist_with_the_right_hash(tmp_path: Path, index_server: IndexServer, served_sdist: tuple[str, str]) -> None:
    url, digest = served_sdist
    venv = make_venv(tmp_path / "venv")
    result = puv(venv, "pip", "install", f"lib @ {url}#sha256={digest}", "--index-url", index_server.url)
    assert result.code == 0, result
    assert masked(result.stderr) == (
        "Resolved 2 packages in [TIME]\n"
        "Prepared 2 packages in [TIME]\n"
        "Installed 2 packages in [TIME]\n"
        " + dep==1.0\n"
        " + lib==1.0\n"
    )
    assert python(venv, "import lib; print(lib.__version__)") == "1.0"
    recorded = json.loads((site(venv) / "lib-1.0.dist-info" / "direct_url.json").read_text())
    assert recorded == {"url": url, "archive_info": {"hash": f"sha256={digest}", "hashes": {"sha256": digest}}}
    freeze = puv(venv, "pip", "freeze")
    assert f"lib @ {url}\n" in freeze.stdout
    # Cached by content: a new environment downloads and builds nothing.
    index_server.clear_log()
    second = make_venv(tmp_path / "second")
    result = puv(second, "pip", "install", f"lib @ {url}#sha256={digest}", "--index-url", index_server.url)
    assert result.code == 0, result
    assert " + lib==1.0" in result.stderr
    assert index_server.count("*.tar.gz") == 0


def test_a_url_sdist_with_a_wrong_hash(tmp_path: Path, index_server: IndexServer, served_sdist: tuple[str, str]) -> None:
    url, _ = served_sdist
    venv = make_venv(tmp_path / "venv")
    result = puv(venv, "pip", "install", f"lib @ {url}#sha256={'0' * 64}", "--index-url", index_server.url)
    assert result.code == 1, result
    assert "hash mismatch" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (site(venv) / "lib-1.0.dist-info").exists()


def test_a_url_sdist_checked_against_hash_options(
    tmp_path: Path, index_server: IndexServer, served_sdist: tuple[str, str]
) -> None:
    url, digest = served_sdist
    venv = make_venv(tmp_path / "venv")
    (tmp_path / "ok.txt").write_text(f"lib @ {url} --hash=sha256:{digest}\n")
    result = puv(venv, "pip", "install", "-r", "ok.txt", "--index-url", index_server.url)
    assert result.code == 0, result
    (tmp_path / "bad.txt").write_text(f"lib @ {url} --hash=sha256:{'1' * 64}\n")
    other = make_venv(tmp_path / "other")
    result = puv(other, "pip", "install", "-r", "bad.txt", "--index-url", index_server.url)
    assert result.code == 1, result
    assert "hash mismatch" in result.stderr


def test_a_file_url_sdist_is_checked_against_its_fragment_hash(tmp_path: Path, index_server: IndexServer) -> None:
    sdist = builders.build_sdist(tmp_path / "dists", "lib", "1.0", backend="inline")
    url = sdist.resolve().as_uri()
    venv = make_venv(tmp_path / "venv")
    result = puv(venv, "pip", "install", f"lib @ {url}#sha256={'0' * 64}", "--index-url", index_server.url)
    assert result.code == 1, result
    assert "hash mismatch" in result.stderr
    assert "lib-1.0.tar.gz" in result.stderr
    assert f"sha256:{sha256(sdist)}" in result.stderr  # the file's actual hash
    assert "Traceback" not in result.stderr
    assert not (site(venv) / "lib-1.0.dist-info").exists()
    # compile reads the same source: refused too
    (tmp_path / "requirements.in").write_text(f"lib @ {url}#sha256={'0' * 64}\n")
    result = run_puv("pip", "compile", "requirements.in", "--no-index", "--python", PYTHON, cwd=tmp_path)
    assert result.code == 1, result
    assert "hash mismatch" in result.stderr
    # the right hash installs
    result = puv(venv, "pip", "install", f"lib @ {url}#sha256={sha256(sdist)}", "--index-url", index_server.url)
    assert result.code == 0, result
    assert " + lib==1.0" in result.stderr


def test_compile_keeps_a_url_sdist(tmp_path: Path, index_server: IndexServer, served_sdist: tuple[str, str]) -> None:
    url, digest = served_sdist
    (tmp_path / "requirements.in").write_text(f"lib @ {url}#sha256={digest}\n")
    result = run_puv(
        "pip", "compile", "requirements.in", "--index-url", index_server.url, "--python", PYTHON, "--no-header",
        cwd=tmp_path,
    )
    assert result.code == 0, result
    assert result.stdout == f"dep==1.0\n    # via lib\nlib @ {url}\n    # via -r requirements.in\n"


# --------------------------------------------------------------------------- URL wheels


def test_a_url_wheel(tmp_path: Path, index_server: IndexServer, wheel_factory: WheelFactory) -> None:
    wheel = wheel_factory("whl", "3.0")
    index_server.publish(wheel)
    url = index_server.file_url(wheel.name)
    venv = make_venv(tmp_path / "venv")
    bad = puv(venv, "pip", "install", f"whl @ {url}#sha256={'0' * 64}", "--no-index")
    assert bad.code == 1, bad
    assert "hash mismatch" in bad.stderr.lower()
    good = puv(venv, "pip", "install", f"whl @ {url}#sha256={sha256(wheel)}", "--no-index")
    assert good.code == 0, good
    assert " + whl==3.0" in good.stderr
    recorded = json.loads((site(venv) / "whl-3.0.dist-info" / "direct_url.json").read_text())
    assert recorded["url"] == url


# --------------------------------------------------------------------------- compile: editables


def test_compile_renders_editables_as_e_lines(tmp_path: Path, index_server: IndexServer, wheel_factory: WheelFactory) -> None:
    index_server.publish_all([wheel_factory("dep", "1.0")])
    project = make_project(tmp_path / "proj", "proj", "1.0", dependencies=["dep"])
    (tmp_path / "requirements.in").write_text("-e ./proj\n")
    result = run_puv(
        "pip", "compile", "requirements.in", "--index-url", index_server.url, "--python", PYTHON, "--no-header",
        cwd=tmp_path,
    )
    assert result.code == 0, result
    assert result.stdout == "dep==1.0\n    # via proj\n-e ./proj\n    # via -r requirements.in\n"
    # The output installs the project in editable mode again.
    (tmp_path / "requirements.txt").write_text(result.stdout)
    venv = make_venv(tmp_path / "venv")
    synced = puv(venv, "pip", "sync", "requirements.txt", "--index-url", index_server.url)
    assert synced.code == 0, synced
    recorded = json.loads((site(venv) / "proj-1.0.dist-info" / "direct_url.json").read_text())
    assert recorded == {"url": project.as_uri(), "dir_info": {"editable": True}}


# --------------------------------------------------------------------------- sync: build options


def test_sync_passes_config_settings_and_no_build_isolation(tmp_path: Path) -> None:
    log = tmp_path / "builds.log"
    make_project(tmp_path / "proj", "proj", "1.0", log=log)
    (tmp_path / "requirements.txt").write_text("./proj\n")
    venv = make_venv(tmp_path / "venv")
    result = puv(venv, "pip", "sync", "requirements.txt", "--no-index", "-C", "mode=fast", "--no-build-isolation")
    assert result.code == 0, result
    assert " + proj==1.0" in result.stderr
    assert build_log(log) == ['build_wheel {"mode": "fast"}']
    bad = puv(venv, "pip", "sync", "requirements.txt", "--no-index", "-C", "novalue")
    assert bad.code == 2, bad
    assert "invalid --config-settings value" in bad.stderr


# ------------------------------------------------------------------------ #subdirectory=


def _monorepo(tmp_path: Path) -> tuple[Path, Path]:
    """A directory whose `pkg/` holds a project, and the same tree as `mono-1.0.tar.gz`."""
    import tarfile

    root = tmp_path / "mono-1.0"
    make_project(root / "pkg", "pkg", "1.0")
    (root / "README").write_text("not a project at the top\n")
    archive = tmp_path / "mono-1.0.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(root, arcname="mono-1.0")
    return root, archive


@pytest.mark.parametrize("kind", ["local-archive", "local-directory", "served-archive"])
def test_a_subdirectory_fragment_builds_that_directory(tmp_path: Path, index_server: IndexServer, kind: str) -> None:
    root, archive = _monorepo(tmp_path)
    if kind == "local-archive":
        url = archive.as_uri()
    elif kind == "local-directory":
        url = root.as_uri()
    else:
        index_server.publish_all([archive])
        url = index_server.file_url(archive.name)
    venv = make_venv(tmp_path / "venv")
    result = puv(venv, "pip", "install", f"pkg @ {url}#subdirectory=pkg", "--no-index")
    assert result.code == 0, result
    assert " + pkg==1.0" in result.stderr
    assert python(venv, "import pkg; print(pkg.__name__)") == "pkg"
    (record,) = site(venv).glob("pkg-1.0.dist-info/direct_url.json")
    recorded = json.loads(record.read_text())
    assert recorded["url"] == url and recorded["subdirectory"] == "pkg"
    assert puv(venv, "pip", "freeze").stdout == f"pkg @ {url}#subdirectory=pkg\n"
    again = puv(venv, "pip", "install", f"pkg @ {url}#subdirectory=pkg", "--no-index")
    assert again.code == 0 and "+ pkg" not in again.stderr, again
    (tmp_path / "requirements.in").write_text(f"pkg @ {url}#subdirectory=pkg\n")
    compiled = run_puv("pip", "compile", "requirements.in", "--no-index", "--python", PYTHON, "--no-header",
                       "--no-annotate", cwd=tmp_path)
    assert compiled.code == 0, compiled
    assert compiled.stdout == f"pkg @ {url}#subdirectory=pkg\n"


@pytest.mark.parametrize("subdirectory", ["missing", "../mono-1.0"])
def test_a_bad_subdirectory_is_an_error_naming_it(tmp_path: Path, subdirectory: str) -> None:
    root, archive = _monorepo(tmp_path)
    venv = make_venv(tmp_path / "venv")
    for url in (archive.as_uri(), root.as_uri()):
        result = puv(venv, "pip", "install", f"pkg @ {url}#subdirectory={subdirectory}", "--no-index")
        assert result.code != 0, result
        assert f"the subdirectory `{subdirectory}` does not exist" in result.stderr
    assert not list(site(venv).glob("pkg*"))


def test_an_absolute_subdirectory_of_a_served_archive_is_refused(tmp_path: Path, index_server: IndexServer) -> None:
    """``root / "/abs"`` is ``/abs``: the check must refuse it, not build a directory outside the archive."""
    _, archive = _monorepo(tmp_path)
    index_server.publish_all([archive])
    venv = make_venv(tmp_path / "venv")
    outside = tmp_path / "mono-1.0" / "pkg"  # a real project directory, outside the unpacked archive
    result = puv(venv, "pip", "install", f"pkg @ {index_server.file_url(archive.name)}#subdirectory={outside}", "--no-index")
    assert result.code != 0, result
    assert f"the subdirectory `{outside}` does not exist" in result.stderr
    assert not list(site(venv).glob("pkg*"))
