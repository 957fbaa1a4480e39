"""Credentials never show (issue "Hardening", secrets).

The index requires basic auth. Credentials come from the index URL's userinfo, a netrc
file (``NETRC``), the environment (``PUV_INDEX_URL`` with userinfo) or a requirements
file (``--index-url`` line). For each source, `pip install`, `pip compile` (with its
header and ``--emit-index-url``), `pip index versions`, `pip freeze` and failing runs
(wrong password, unknown project, unreachable index) are run at ``-v`` and ``-vv``;
neither stdout nor stderr may contain the password (nor the Basic token that encodes it).
"""

from __future__ import annotations

import base64
import os
import socket
from pathlib import Path

import pytest

from tests.support.cli import Result, run_puv
from tests.support.index_server import IndexServer

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"
pytestmark = pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}")

USER = "alice"
PASSWORD = "pw-Zx9-t0p-s3cret"
SOURCES = ["url", "netrc", "env", "requirements-file"]


@pytest.fixture
def private(index_server: IndexServer, wheel_factory: object) -> IndexServer:
    make = wheel_factory  # type: ignore[assignment]
    index_server.publish(make("app", "1.0", requires_dist=["util"]))  # type: ignore[operator]
    index_server.publish(make("util", "1.1"))  # type: ignore[operator]
    index_server.require_auth("/*", USER, PASSWORD)
    return index_server


def assert_no_secret(result: Result, *, code: int | None = 0) -> None:
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    text = result.stdout + result.stderr
    assert PASSWORD not in text, result
    assert token not in text, result
    assert "Traceback" not in text, result
    if code is not None:
        assert result.code == code, result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Setup:
    """How one source gives puv the index and its credentials, per command."""

    def __init__(self, index: tuple[str, ...], env: dict[str, str], reqs: Path | None, with_creds: str) -> None:
        self.env = env
        self._index, self._reqs, self._url = index, reqs, with_creds

    def install(self) -> tuple[str, ...]:
        return ("-r", str(self._reqs)) if self._reqs else ("app", *self._index)

    def compile(self) -> tuple[tuple[str, ...], str | None]:
        """Arguments and stdin."""
        return ((str(self._reqs),), None) if self._reqs else (("-", *self._index), "app\n")

    def versions(self) -> tuple[str, ...]:
        # `index versions` reads no requirements file: the URL form stands in.
        return ("--index-url", self._url) if self._reqs else self._index


def setup(source: str, server: IndexServer, tmp_path: Path, *, password: str = PASSWORD,
          port: int | None = None) -> Setup:
    """Arguments and environment that give puv the index and its credentials."""
    return Setup(*_setup(source, server, tmp_path, password=password, port=port),
                 f"http://{USER}:{password}@127.0.0.1:{port or server.port}/simple/")


def _setup(source: str, server: IndexServer, tmp_path: Path, *, password: str,
           port: int | None) -> tuple[tuple[str, ...], dict[str, str], Path | None]:
    base = f"http://127.0.0.1:{port or server.port}/simple/"
    with_creds = f"http://{USER}:{password}@127.0.0.1:{port or server.port}/simple/"
    if source == "url":
        return ("--index-url", with_creds), {}, None
    if source == "netrc":
        netrc = tmp_path / "netrc"
        netrc.write_text(f"machine 127.0.0.1\nlogin {USER}\npassword {password}\n")
        netrc.chmod(0o600)
        return ("--index-url", base), {"NETRC": str(netrc)}, None
    if source == "env":
        return (), {"PUV_INDEX_URL": with_creds}, None
    reqs = tmp_path / "requirements.in"
    reqs.write_text(f"--index-url {with_creds}\napp\n")
    return (), {}, reqs


@pytest.mark.parametrize("source", SOURCES)
def test_credentials_never_printed(source: str, private: IndexServer, tmp_path: Path) -> None:
    cache = ("--cache-dir", str(tmp_path / "cache"))
    how = setup(source, private, tmp_path)
    env = how.env
    venv = tmp_path / "venv"
    assert run_puv("venv", str(venv), "--python", PYTHON).code == 0
    venv_env = {**env, "VIRTUAL_ENV": str(venv)}

    # install at -v, then a reinstall at -vv
    assert_no_secret(run_puv("pip", "install", *how.install(), *cache, "-v", env=venv_env))
    assert_no_secret(run_puv("pip", "install", *how.install(), *cache, "-vv", "--reinstall", "--refresh",
                             env=venv_env))
    # compile: header (which echoes the command line) and --emit-index-url
    compile_args, stdin = how.compile()
    for level in ("-v", "-vv"):
        compiled = run_puv("pip", "compile", *compile_args, *cache, level, "--emit-index-url", "--python", PYTHON,
                           input=stdin, env=env)
        assert_no_secret(compiled)
        assert "app==1.0" in compiled.stdout and "util==1.1" in compiled.stdout, compiled
        assert "--index-url http://" in compiled.stdout, compiled
    out = tmp_path / "requirements.txt"
    to_file = run_puv("pip", "compile", *compile_args, *cache, "-vv", "--emit-index-url", "--python", PYTHON,
                      "-o", str(out), "--refresh", input=stdin, env=env)
    assert_no_secret(to_file)
    assert PASSWORD not in out.read_text(), out.read_text()
    # index versions
    for level in ("-v", "-vv"):
        versions = run_puv("pip", "index", "versions", "app", *how.versions(), *cache, level, "--refresh", env=env)
        assert_no_secret(versions)
        assert "app (1.0)" in versions.stdout, versions
    # freeze / list of what was installed
    for command in (("pip", "freeze"), ("pip", "list")):
        listed = run_puv(*command, "-vv", env=venv_env)
        assert_no_secret(listed)
        assert "app" in listed.stdout, listed
    # errors: an unknown project, with credentials that work
    missing = run_puv("pip", "install", "nothing-here", *how.versions(), *cache, "-vv", env=venv_env)
    assert_no_secret(missing, code=1)
    assert "error:" in missing.stderr, missing


@pytest.mark.parametrize("source", SOURCES)
def test_credentials_never_printed_in_errors(source: str, private: IndexServer, tmp_path: Path) -> None:
    cache = ("--cache-dir", str(tmp_path / "cache"))
    # A wrong password: 401 from the index.
    wrong = PASSWORD + "-wrong"
    how = setup(source, private, tmp_path, password=wrong)
    compile_args, stdin = how.compile()
    for level in ("-v", "-vv"):
        refused = run_puv("pip", "compile", *compile_args, *cache, level, "--python", PYTHON, input=stdin,
                          env=how.env)
        assert wrong not in refused.stdout + refused.stderr, refused
        assert_no_secret(refused, code=1)
        assert "error:" in refused.stderr, refused
        versions = run_puv("pip", "index", "versions", "app", *how.versions(), *cache, level, env=how.env)
        assert wrong not in versions.stdout + versions.stderr, versions
        assert_no_secret(versions, code=1)
    # An index nobody listens on: the connection error names the URL, without credentials.
    how = setup(source, private, tmp_path, port=_free_port())
    compile_args, stdin = how.compile()
    down = run_puv("pip", "compile", *compile_args, *cache, "-vv", "--python", PYTHON, input=stdin,
                   env={**how.env, "PUV_HTTP_RETRIES": "0", "PUV_HTTP_TIMEOUT": "1"})
    assert_no_secret(down, code=1)
    assert "error:" in down.stderr and "127.0.0.1" in down.stderr, down
