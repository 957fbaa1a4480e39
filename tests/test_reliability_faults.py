"""Network faults end to end: `puv pip install` / `compile` / `index versions` against a
fixture index that misbehaves (issue "Hardening", network faults).

Every case injects one fault through the fixture server (slow answers beyond
``PUV_HTTP_TIMEOUT``, dropped connections, truncated bodies, 429 with
``Retry-After``, 5xx storms beyond ``PUV_HTTP_RETRIES``, wrong content types,
malformed JSON and HTML pages and metadata, a redirect to another host) and then
checks what a user sees and what is left behind:

- exit code 0 when puv recovered (a retry), 1 with a clear ``error:`` naming the
  URL when it could not; never a traceback;
- the next run, with the fault gone and the same cache, succeeds: a fault never
  leaves a corrupt cache entry behind (every ``archive-v1`` entry has its marker,
  ``tmp/`` is empty).

``FAULT_CASES`` is counted in docs/RELIABILITY.md ("faults injected and survived").
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.builders import build_wheel
from tests.support.cli import Result, run, run_puv
from tests.support.index_server import Fault, IndexServer

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"
WheelFactory = Callable[..., Path]

# Fast failure: small timeout, few retries, short backoff is built in (0.25 s base).
FAST = {"PUV_HTTP_TIMEOUT": "0.3", "PUV_HTTP_RETRIES": "1"}


@dataclass(frozen=True)
class Case:
    """One injected fault: where (path glob), what, which command, what must happen."""

    id: str
    glob: str
    fault: Fault
    command: str  # "install" | "compile" | "versions"
    code: int  # 0: recovered, 1: a clear error
    message: str = ""  # a regex stderr must match (for code 1)
    env: dict[str, str] = field(default_factory=dict)
    json: bool = True  # serve PEP 691 JSON pages (False: HTML only)
    # False: the faulty answer carries no Cache-Control / ETag (as a captive portal's or a
    # broken proxy's page would); a page that parses is cached for the max-age it is served with.
    validators: bool = True


FAULT_CASES = [
    # --- slow answers (beyond the read timeout) ---------------------------------------------
    Case("slow-page-timeout", "/simple/app/", Fault("slow", delay=1.0, times=5), "compile", 1,
         r"error: request to http://127\.0\.0\.1:\d+/simple/app/ failed after 2 attempts\n  cause: .*[Tt]imed out", FAST),
    Case("slow-page-once-recovers", "/simple/app/", Fault("slow", delay=0.8, times=1), "compile", 0, env=FAST),
    Case("slow-wheel-timeout", "/files/app-*.whl", Fault("slow", delay=1.0, times=5), "install", 1,
         r"error: .*app-1\.0-py3-none-any\.whl|error: request to http://127\.0\.0\.1:\d+/files/app-1\.0-py3-none-any\.whl failed", FAST),
    Case("slow-versions-timeout", "/simple/app/", Fault("slow", delay=1.0, times=5), "versions", 1,
         r"error: request to http://127\.0\.0\.1:\d+/simple/app/ failed after 2 attempts", FAST),
    # --- connection resets ----------------------------------------------------------------
    Case("drop-page-once-recovers", "/simple/app/", Fault("drop", times=1), "compile", 0),
    Case("drop-page-storm", "/simple/app/", Fault("drop", times=10), "compile", 1,
         r"error: request to http://127\.0\.0\.1:\d+/simple/app/ failed after 2 attempts\n  cause: ", FAST),
    Case("drop-wheel-once-recovers", "/files/*.whl", Fault("drop", times=1), "install", 0),
    Case("drop-wheel-storm", "/files/lib-*.whl", Fault("drop", times=10), "install", 1,
         r"lib-1\.0-py3-none-any\.whl", FAST),
    Case("drop-metadata-once-recovers", "/files/*.metadata", Fault("drop", times=1), "compile", 0),
    # --- truncated bodies -----------------------------------------------------------------
    Case("truncate-page-storm", "/simple/app/", Fault("truncate", fraction=0.5, times=10), "compile", 1,
         r"error: request to http://127\.0\.0\.1:\d+/simple/app/ failed after 2 attempts\n  cause: .*IncompleteRead", FAST),
    Case("truncate-wheel-once-recovers", "/files/*.whl", Fault("truncate", fraction=0.3, times=1), "install", 0),
    Case("truncate-wheel-storm", "/files/util-*.whl", Fault("truncate", fraction=0.3, times=10), "install", 1,
         r"util-1\.1-py3-none-any\.whl", FAST),
    Case("truncate-metadata-storm", "/files/app-*.metadata", Fault("truncate", fraction=0.5, times=10), "compile", 1,
         r"app-1\.0-py3-none-any\.whl\.metadata", FAST),
    # --- 429 and 5xx ----------------------------------------------------------------------
    Case("429-retry-after-recovers", "/simple/app/", Fault("status", 429, headers={"Retry-After": "1"}), "compile", 0),
    Case("429-storm", "/simple/app/", Fault("status", 429, headers={"Retry-After": "0"}, times=10), "compile", 1,
         r"error: request to http://127\.0\.0\.1:\d+/simple/app/ failed: HTTP 429 after 2 attempts", FAST),
    Case("503-once-recovers", "/simple/*", Fault("status", 503, times=1), "install", 0),
    Case("503-storm-page", "/simple/app/", Fault("status", 503, times=10), "compile", 1,
         r"error: request to http://127\.0\.0\.1:\d+/simple/app/ failed: HTTP 503 after 2 attempts\n"
         r"hint: the server may be overloaded", FAST),
    Case("500-storm-wheel", "/files/app-*.whl", Fault("status", 500, times=10), "install", 1,
         r"app-1\.0-py3-none-any\.whl", FAST),
    Case("502-storm-versions", "/simple/app/", Fault("status", 502, times=10), "versions", 1,
         r"HTTP 502 after 2 attempts", FAST),
    Case("404-page", "/simple/app/", Fault("status", 404, times=10), "compile", 1,
         r"no versions of app[\s\S]*hint: `app` was not found in the package index"),
    # --- wrong content types ---------------------------------------------------------------
    Case("content-type-octet-stream-page", "/simple/app/", Fault("content_type", content_type="application/octet-stream"),
         "compile", 0),
    Case("content-type-text-plain-html-page", "/simple/app/", Fault("content_type", content_type="text/plain"),
         "compile", 0, json=False),
    Case("content-type-future-api-version", "/simple/app/",
         Fault("content_type", content_type="application/vnd.pypi.simple.v2+json"), "compile", 1,
         r"error: the page at http://127\.0\.0\.1:\d+/simple/app/ is served as "
         r"`application/vnd\.pypi\.simple\.v2\+json`, which puv does not support"),
    # A JSON body labelled text/html: refused as "not HTML" (older code: read as HTML
    # without links, so no versions).
    Case("content-type-html-for-json", "/simple/app/", Fault("content_type", content_type="text/html"), "compile", 1,
         r"error: the page at http://127\.0\.0\.1:\d+/simple/app/ is not HTML|no versions of app", validators=False),
    # --- malformed pages and metadata ------------------------------------------------------
    Case("malformed-json-page", "/simple/app/", Fault("malformed", body=b'{"files": [ {"url": 3'), "compile", 1,
         r"error: the page at http://127\.0\.0\.1:\d+/simple/app/ is not valid JSON"),
    Case("malformed-json-garbage-bytes", "/simple/app/", Fault("malformed"), "versions", 1,
         r"error: the page at http://127\.0\.0\.1:\d+/simple/app/ is not valid JSON"),
    Case("malformed-json-wrong-shape", "/simple/app/", Fault("malformed", body=b'{"files": "nope", "meta": 7}'),
         "compile", 1, r"error: .*http://127\.0\.0\.1:\d+/simple/app/"),
    # Garbage HTML is an error naming the page (never "no versions"), and is not cached
    # even when served with validators; see test_malformed_page_error_names_the_page.
    Case("malformed-html-page", "/simple/app/", Fault("malformed"), "compile", 1,
         r"error: the page at http://127\.0\.0\.1:\d+/simple/app/ is malformed: it is not valid utf-8 text",
         json=False),
    Case("malformed-metadata", "/files/app-*.metadata", Fault("malformed", times=5), "compile", 1,
         r"app-1\.0-py3-none-any\.whl"),
    Case("malformed-wheel", "/files/app-*.whl", Fault("malformed", times=5), "install", 1,
         r"app-1\.0-py3-none-any\.whl"),
]


@pytest.fixture
def universe(index_server: IndexServer, wheel_factory: WheelFactory) -> IndexServer:
    """app 1.0 -> lib, util; lib 1.0 -> util; util 1.1 (with some bulk, so truncation bites)."""
    bulk = {"data.py": "X = '" + "z" * 50_000 + "'\n"}
    index_server.publish_all(
        [
            wheel_factory("app", "1.0", requires_dist=["lib", "util"],
                          files={"app/__init__.py": "VALUE = 'app'\n", **{f"app/{k}": v for k, v in bulk.items()}}),
            wheel_factory("lib", "1.0", requires_dist=["util"],
                          files={"lib/__init__.py": "VALUE = 'lib'\n", **{f"lib/{k}": v for k, v in bulk.items()}}),
            wheel_factory("util", "1.1",
                          files={"util/__init__.py": "VALUE = 'util'\n", **{f"util/{k}": v for k, v in bulk.items()}}),
        ]
    )
    return index_server


def assert_no_traceback(result: Result) -> None:
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream, result
        assert not re.search(r"^\w+(Error|Exception): ", stream, re.M), result


def assert_cache_consistent(cache: Path) -> None:
    archives = cache / "archive-v1"
    if archives.exists():
        for project in archives.iterdir():
            for entry in project.iterdir():
                assert (entry / ".puv-complete").exists(), f"incomplete cache entry {entry}"
    tmp = cache / "tmp"
    if tmp.exists():
        assert list(tmp.iterdir()) == [], f"leftovers in {tmp}"


def assert_complete(venv: Path) -> None:
    """Every file each installed RECORD lists exists (what `pip check` cannot see)."""
    import csv

    site = venv / "lib" / "python3.12" / "site-packages"
    for info in site.glob("*.dist-info"):
        with open(info / "RECORD", newline="") as handle:
            for row in csv.reader(handle):
                assert (site / row[0]).resolve().exists(), f"{info.name}: {row[0]} is missing"


def run_command(case: Case, server: IndexServer, tmp_path: Path, cache: Path, env: dict[str, str]) -> Result:
    common = ("--index-url", server.url, "--cache-dir", str(cache))
    if case.command == "install":
        venv = tmp_path / "venv"
        if not venv.exists():
            made = run_puv("venv", str(venv), "--python", PYTHON)
            assert made.code == 0, made
        return run_puv("pip", "install", "app", *common, env={"VIRTUAL_ENV": str(venv), **env})
    if case.command == "compile":
        return run_puv("pip", "compile", "-", "--python", PYTHON, *common, input="app\n", env=env)
    return run_puv("pip", "index", "versions", "app", *common, env=env)


@pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}")
@pytest.mark.parametrize("case", FAULT_CASES, ids=[c.id for c in FAULT_CASES])
def test_fault_then_clean_rerun(case: Case, universe: IndexServer, tmp_path: Path) -> None:
    universe.json = case.json
    if not case.validators:
        universe.max_age, universe.etag = None, False
    cache = tmp_path / "cache"
    universe.add_fault(case.glob, case.fault)
    faulty = run_command(case, universe, tmp_path, cache, case.env)
    assert_no_traceback(faulty)
    assert faulty.code == case.code, faulty
    if case.code == 1:
        assert faulty.stderr.startswith("error: ") or "\nerror: " in faulty.stderr, faulty
        assert re.search(case.message, faulty.stderr), faulty
    assert_cache_consistent(cache)

    # The fault is gone: the same command with the same cache succeeds.
    universe.clear_faults()
    universe.max_age, universe.etag = 600, True
    again = run_command(case, universe, tmp_path, cache, {})
    assert again.code == 0, again
    assert_no_traceback(again)
    if case.command == "compile":
        assert "app==1.0" in again.stdout and "lib==1.0" in again.stdout and "util==1.1" in again.stdout, again
    elif case.command == "versions":
        assert "app (1.0)" in again.stdout, again
    else:
        imported = run([tmp_path / "venv" / "bin" / "python", "-c", "import app, lib, util; print(app.VALUE, lib.VALUE, util.VALUE)"])
        assert imported.stdout.split() == ["app", "lib", "util"], imported.stderr
        assert_complete(tmp_path / "venv")
    assert_cache_consistent(cache)


def test_retry_after_is_waited_for(universe: IndexServer, tmp_path: Path) -> None:
    """A 429 with ``Retry-After: 1`` is retried after (about) a second, not at once."""
    import time

    universe.add_fault("/simple/app/", Fault("status", 429, headers={"Retry-After": "1"}))
    started = time.perf_counter()
    result = run_puv("pip", "index", "versions", "app", "--index-url", universe.url,
                     "--cache-dir", str(tmp_path / "cache"))
    assert result.code == 0, result
    assert time.perf_counter() - started >= 1.0
    stamps = [r.status for r in universe.requests if r.path == "/simple/app/"]
    assert stamps == [429, 200], stamps


@pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}")
@pytest.mark.parametrize("command", ["install", "compile", "versions"])
def test_redirect_to_another_host_drops_credentials(
    command: str, universe: IndexServer, tmp_path: Path
) -> None:
    """The index (with credentials in its URL) redirects a page to a second host: the
    second host never sees an Authorization header, and the run still works."""
    other = IndexServer().start()
    try:
        for name, version, deps in (("app", "1.0", ["lib", "util"]), ("lib", "1.0", ["util"]), ("util", "1.1", [])):
            other.publish(build_wheel(tmp_path / "other", name, version, requires_dist=deps,
                                      files={f"{name}/__init__.py": f"VALUE = {name!r}\n"}))
        password = "s3cr3t-redirect-pw"
        universe.require_auth("/simple/*", "alice", password)
        for project in ("app", "lib", "util"):
            universe.add_fault(
                f"/simple/{project}/",
                Fault("status", 302, headers={"Location": f"{other.url}{project}/"}, times=5),
            )
        cache = tmp_path / "cache"
        url = universe.auth_url("alice", password)
        common = ("--index-url", url, "--cache-dir", str(cache))
        if command == "install":
            venv = tmp_path / "venv"
            assert run_puv("venv", str(venv), "--python", PYTHON).code == 0
            result = run_puv("pip", "install", "app", *common, env={"VIRTUAL_ENV": str(venv)})
        elif command == "compile":
            result = run_puv("pip", "compile", "-", "--python", PYTHON, *common, input="app\n")
        else:
            result = run_puv("pip", "index", "versions", "app", *common)
        assert_no_traceback(result)
        assert result.code == 0, result
        assert password not in result.stdout + result.stderr
        # The first host got the credentials; the second never did.
        first = [r for r in universe.requests if r.path == "/simple/app/"]
        assert first and all(r.header("Authorization") for r in first)
        assert other.requests, "the redirect was not followed"
        leaked = [r for r in other.requests if r.header("Authorization") is not None]
        assert leaked == [], leaked
    finally:
        other.stop()


MALFORMED_PAGES = [
    pytest.param(False, None, r"is malformed: it is not valid utf-8 text \(byte 0xff at offset 16\)", id="html-garbage"),
    pytest.param(False, b'<html><body><a href="app-1.0-py3-none-any.whl">app</a>\x00\x00\x00', r"is malformed: it holds binary data", id="html-binary"),
    pytest.param(False, b'<html><body><a href="app-1.0-py3-none-any.whl#sha256=12', r"is malformed: it ends inside a tag", id="html-cut-off"),
    pytest.param(True, None, r"is not valid JSON: ", id="json-garbage"),
    pytest.param(True, b'{"meta": {"api-version": "1.0"}, "files": [{"filename": 7}]}', r"is malformed: a file has no `filename`", id="json-wrong-shape"),
]


@pytest.mark.parametrize(("json_pages", "body", "message"), MALFORMED_PAGES)
def test_malformed_page_error_names_the_page(
    json_pages: bool, body: bytes | None, message: str, universe: IndexServer, tmp_path: Path
) -> None:
    """A 200 whose body cannot be read as a project page is an error naming the page
    (credentials redacted) and saying what is wrong with it, with a hint; never "not found".
    Served with a long max-age and an ETag, it is still not cached: the next run, with
    the real page back, reads the real page."""
    universe.json = json_pages
    password = "s3cr3t-malformed-pw"
    universe.require_auth("/simple/*", "alice", password)
    universe.add_fault("/simple/app/", Fault("malformed", body=body))
    cache = tmp_path / "c"
    url = universe.auth_url("alice", password)
    result = run_puv("pip", "index", "versions", "app", "--index-url", url, "--cache-dir", str(cache))
    assert_no_traceback(result)
    assert result.code == 1, result
    assert re.search(r"^error: the page at " + re.escape(f"{universe.url}app/") + " " + message, result.stderr, re.M), result
    assert "\nhint: the index, or a proxy between puv and it, sent a damaged page" in result.stderr, result
    assert "was not found in the package index" not in result.stderr, result
    assert password not in result.stdout + result.stderr
    assert_cache_consistent(cache)

    again = run_puv("pip", "index", "versions", "app", "--index-url", url, "--cache-dir", str(cache))
    assert again.code == 0, again
    assert "app (1.0)" in again.stdout, again
    assert [r.status for r in universe.requests if r.path == "/simple/app/"][-1] == 200
