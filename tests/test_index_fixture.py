"""The test index, distribution builders and scenario loader, checked with stdlib clients."""

from __future__ import annotations

import base64
import hashlib
import html.parser
import http.client
import json
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from tests.support import builders
from tests.support.fixtures import ScenarioIndex
from tests.support.index_server import Fault, IndexServer, negotiate
from tests.support.scenarios import (
    ScenarioBuilds,
    load_scenario,
    prefix_requirement,
    scenario_paths,
    shared_dir,
)
from tests.support.simple_pages import JSON_TYPE, write_static_index

WheelFactory = Callable[..., Path]


# ------------------------------------------------------------------- helpers


class Reply:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> dict[str, object]:
        return json.loads(self.body)  # type: ignore[no-any-return]


def request(url: str, headers: Mapping[str, str] | None = None, method: str = "GET", timeout: float = 10) -> Reply:
    """One request with http.client: no redirects followed, no error raising."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path, headers=dict(headers or {}))
        resp = conn.getresponse()
        return Reply(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


class Anchors(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.anchors.append(dict(attrs))


def anchors(body: bytes) -> list[dict[str, str | None]]:
    parser = Anchors()
    parser.feed(body.decode("utf-8"))
    return parser.anchors


@pytest.fixture
def foo_server(index_server: IndexServer, wheel_factory: WheelFactory, sdist_factory: WheelFactory) -> IndexServer:
    """An index with ``Foo.Bar`` 1.0 (wheel + sdist) and 2.0 (wheel, yanked)."""
    wheel = wheel_factory("Foo.Bar", "1.0", requires_dist=["dep>=1"], requires_python=">=3.8,<4")
    sdist = sdist_factory("Foo.Bar", "1.0", requires_python=">=3.8,<4")
    wheel2 = wheel_factory("Foo.Bar", "2.0", requires_python=">=3.9")
    index_server.publish(wheel)
    index_server.publish(sdist)
    index_server.publish(wheel2, yanked="broken <badly> & \"quoted\"", upload_time="2024-05-06T07:08:09.123456Z")
    return index_server


# ------------------------------------------------------------------ builders


def test_wheel_layout_and_metadata(wheel_factory: WheelFactory) -> None:
    path = wheel_factory(
        "Foo.Bar-baz",
        "1.0-1",
        requires_dist=["dep>=1", "other; python_version < '3.10'"],
        requires_python=">=3.8",
        extras={"fast": ["speedy>=2; os_name == 'posix'"]},
        tag="py2.py3-none-any",
        entry_points={"console_scripts": {"foo": "foo_bar_baz:main"}},
        data_files={"scripts/run": "#!python\nprint(1)\n", "data/share/x.txt": b"x", "headers/x.h": "int x;"},
    )
    assert path.name == "foo_bar_baz-1.0.post1-py2.py3-none-any.whl"
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        meta = zf.read("foo_bar_baz-1.0.post1.dist-info/METADATA").decode()
        wheel = zf.read("foo_bar_baz-1.0.post1.dist-info/WHEEL").decode()
        entry_points = zf.read("foo_bar_baz-1.0.post1.dist-info/entry_points.txt").decode()
        script_mode = zf.getinfo("foo_bar_baz-1.0.post1.data/scripts/run").external_attr >> 16
    assert {
        "foo_bar_baz/__init__.py",
        "foo_bar_baz-1.0.post1.data/scripts/run",
        "foo_bar_baz-1.0.post1.data/data/share/x.txt",
        "foo_bar_baz-1.0.post1.data/headers/x.h",
        "foo_bar_baz-1.0.post1.dist-info/RECORD",
    } <= names
    assert script_mode & 0o777 == 0o755
    assert "Metadata-Version: 2.3\nName: Foo.Bar-baz\nVersion: 1.0-1\n" in meta
    assert "Requires-Python: >=3.8\n" in meta
    assert "Requires-Dist: other; python_version < '3.10'\n" in meta
    assert "Provides-Extra: fast\n" in meta
    assert 'Requires-Dist: speedy>=2; (os_name == "posix") and extra == "fast"\n' in meta
    assert "Root-Is-Purelib: true" in wheel
    assert "Tag: py2-none-any\nTag: py3-none-any\n" in wheel
    assert "[console_scripts]\nfoo = foo_bar_baz:main\n" in entry_points
    assert builders.verify_record(path) == []


def test_wheel_platform_tag_in_name_and_wheel_file(wheel_factory: WheelFactory) -> None:
    path = wheel_factory("a", "1", tag="cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64", purelib=False)
    assert path.name == "a-1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    with zipfile.ZipFile(path) as zf:
        wheel = zf.read("a-1.dist-info/WHEEL").decode()
    assert "Root-Is-Purelib: false" in wheel
    assert "Tag: cp312-cp312-manylinux_2_17_x86_64\nTag: cp312-cp312-manylinux2014_x86_64\n" in wheel


def test_write_wheel_custom_and_missing_record(tmp_path: Path) -> None:
    members = {"evil/../../x.py": b"x", "d-1.dist-info/METADATA": b"Metadata-Version: 2.1\nName: d\nVersion: 1\n"}
    bad = builders.write_wheel(tmp_path / "d-1-py3-none-any.whl", members, record="evil/../../x.py,sha256=nope,1\n")
    assert builders.verify_record(bad) != []
    with zipfile.ZipFile(bad) as zf:
        assert "evil/../../x.py" in zf.namelist()
    none = builders.write_wheel(tmp_path / "e-1-py3-none-any.whl", members, record=None)
    assert builders.verify_record(none) == ["no RECORD"]
    link = builders.write_wheel(
        tmp_path / "f-1-py3-none-any.whl", {"f/link": "/etc/passwd", **members}, modes={"f/link": 0o120777}
    )
    with zipfile.ZipFile(link) as zf:
        assert (zf.getinfo("f/link").external_attr >> 16) == 0o120777


def test_record_hash_format() -> None:
    digest = hashlib.sha256(b"hello").digest()
    expected = "sha256=" + base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert builders.record_hash(b"hello") == expected
    assert "=" not in expected[len("sha256=") :]


def test_sdist_contents(sdist_factory: WheelFactory) -> None:
    path = sdist_factory(
        "Foo.Bar",
        "1.0",
        requires_dist=["dep>=1"],
        requires_python=">=3.8",
        dynamic=["Requires-Dist"],
        build_backend="my_backend",
        build_requires=["my-backend>=1"],
    )
    assert path.name == "foo_bar-1.0.tar.gz"
    with tarfile.open(path) as tf:
        names = tf.getnames()
        pkg_info = tf.extractfile("foo_bar-1.0/PKG-INFO").read().decode()  # type: ignore[union-attr]
        pyproject = tf.extractfile("foo_bar-1.0/pyproject.toml").read().decode()  # type: ignore[union-attr]
    assert sorted(names) == ["foo_bar-1.0/PKG-INFO", "foo_bar-1.0/foo_bar/__init__.py", "foo_bar-1.0/pyproject.toml"]
    assert pkg_info.startswith("Metadata-Version: 2.2\nName: Foo.Bar\nVersion: 1.0\n")
    assert "Dynamic: Requires-Dist\n" in pkg_info
    assert "Requires-Dist: dep>=1\n" in pkg_info
    doc = tomllib.loads(pyproject)
    assert doc["build-system"] == {"requires": ["my-backend>=1"], "build-backend": "my_backend"}
    assert doc["project"]["name"] == "Foo.Bar"
    assert doc["project"]["dynamic"] == ["dependencies"]
    assert "dependencies" not in doc["project"]
    assert builders.read_metadata(path) == pkg_info.encode()


@pytest.mark.slow
def test_pip_installs_built_wheel_and_inline_sdist(
    tmp_path: Path, wheel_factory: WheelFactory, sdist_factory: WheelFactory
) -> None:
    wheel = wheel_factory(
        "demo-pkg",
        "1.2.3",
        requires_dist=["Inline.Pkg==2.0"],
        entry_points={"console_scripts": {"demo-cli": "demo_pkg:main"}},
        files={"demo_pkg/__init__.py": "def main():\n    import inline_pkg\n    print('demo ok', inline_pkg.X)\n"},
        data_files={"data/share/demo/x.txt": "x"},
    )
    sdist_factory("Inline.Pkg", "2.0", backend="inline", files={"inline_pkg/__init__.py": "X = 7\n"})
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check",
         "install", "--no-index", "--no-cache-dir", "--find-links", str(wheel.parent), "demo-pkg"],
        capture_output=True,
        text=True,
        env={**os.environ, "PIP_CONFIG_FILE": os.devnull},
    )  # fmt: skip
    assert pip.returncode == 0, pip.stderr
    cli = subprocess.run([str(venv / "bin" / "demo-cli")], capture_output=True, text=True)
    assert cli.stdout == "demo ok 7\n", cli.stderr
    assert (venv / "share" / "demo" / "x.txt").read_text() == "x"


def test_inline_backend_builds_a_valid_wheel(tmp_path: Path, sdist_factory: WheelFactory) -> None:
    sdist = sdist_factory("Inline.Pkg", "2.0", requires_dist=["dep>=1"], backend="inline")
    with tarfile.open(sdist) as tf:
        tf.extractall(tmp_path / "src", filter="data")
    tree = tmp_path / "src" / "inline_pkg-2.0"
    doc = tomllib.loads((tree / "pyproject.toml").read_text())
    assert doc["build-system"] == {"requires": [], "build-backend": "puv_test_backend", "backend-path": ["."]}
    out = subprocess.run(
        [sys.executable, "-c", f"import puv_test_backend as b; print(b.build_wheel({str(tmp_path)!r}))"],
        cwd=tree,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    built = tmp_path / out.stdout.strip()
    assert built.name == "inline_pkg-2.0-py3-none-any.whl"
    assert builders.verify_record(built) == []
    assert builders.read_metadata(built) == builders.read_metadata(sdist)
    with zipfile.ZipFile(built) as zf:
        assert "inline_pkg/__init__.py" in zf.namelist()
        assert "Tag: py3-none-any\n" in zf.read("inline_pkg-2.0.dist-info/WHEEL").decode()


# ---------------------------------------------------------------- HTML / JSON


def test_project_html_page(foo_server: IndexServer) -> None:
    reply = request(foo_server.url + "foo-bar/")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.headers["Vary"] == "Accept"
    text = reply.body.decode()
    assert 'data-requires-python="&gt;=3.8,&lt;4"' in text
    assert 'data-yanked="broken &lt;badly&gt; &amp; &quot;quoted&quot;"' in text
    found = {a["href"].split("#")[0].rsplit("/", 1)[1]: a for a in anchors(reply.body)}  # type: ignore[union-attr]
    assert set(found) == {"foo_bar-1.0-py3-none-any.whl", "foo_bar-1.0.tar.gz", "foo_bar-2.0-py3-none-any.whl"}
    wheel = found["foo_bar-1.0-py3-none-any.whl"]
    data = (foo_server.files()[0]).data
    assert wheel["href"] == f"{foo_server.files_url}foo_bar-1.0-py3-none-any.whl#sha256={hashlib.sha256(data).hexdigest()}"
    assert wheel["data-requires-python"] == ">=3.8,<4"
    assert "data-yanked" not in wheel
    assert wheel["data-core-metadata"] == wheel["data-dist-info-metadata"]
    assert wheel["data-core-metadata"].startswith("sha256=")  # type: ignore[union-attr]
    assert "data-core-metadata" not in found["foo_bar-1.0.tar.gz"]
    assert found["foo_bar-2.0-py3-none-any.whl"]["data-yanked"] == 'broken <badly> & "quoted"'


def test_yanked_without_reason_is_empty_attribute(index_server: IndexServer, wheel_factory: WheelFactory) -> None:
    index_server.publish(wheel_factory("y", "1"), yanked=True)
    (anchor,) = anchors(request(index_server.url + "y/").body)
    assert anchor["data-yanked"] == ""
    doc = request(index_server.url + "y/", {"Accept": JSON_TYPE}).json()
    assert doc["files"][0]["yanked"] is True  # type: ignore[index]


def test_project_json_page(foo_server: IndexServer) -> None:
    reply = request(foo_server.url + "foo-bar/", {"Accept": JSON_TYPE})
    assert reply.status == 200
    assert reply.headers["Content-Type"] == JSON_TYPE
    assert reply.headers["Vary"] == "Accept"
    doc = reply.json()
    assert doc["meta"] == {"api-version": "1.1"}
    assert doc["name"] == "foo-bar"
    assert doc["versions"] == ["1.0", "2.0"]
    files = {f["filename"]: f for f in doc["files"]}  # type: ignore[attr-defined]
    wheel = files["foo_bar-1.0-py3-none-any.whl"]
    assert wheel["url"] == foo_server.file_url("foo_bar-1.0-py3-none-any.whl")
    assert set(wheel["hashes"]) == {"sha256"}
    assert wheel["requires-python"] == ">=3.8,<4"
    assert wheel["yanked"] is False
    assert wheel["core-metadata"] == wheel["dist-info-metadata"]
    assert wheel["upload-time"] == "2024-01-01T00:00:00.000000Z"
    assert wheel["size"] == len(request(wheel["url"]).body)
    assert "core-metadata" not in files["foo_bar-1.0.tar.gz"]
    assert files["foo_bar-2.0-py3-none-any.whl"]["yanked"] == 'broken <badly> & "quoted"'
    assert files["foo_bar-2.0-py3-none-any.whl"]["upload-time"] == "2024-05-06T07:08:09.123456Z"


def test_root_index_html_and_json(foo_server: IndexServer, wheel_factory: WheelFactory) -> None:
    foo_server.publish(wheel_factory("Other_Pkg", "1"))
    html_reply = request(foo_server.url)
    assert [a["href"] for a in anchors(html_reply.body)] == [
        f"{foo_server.url}foo-bar/",
        f"{foo_server.url}other-pkg/",
    ]
    doc = request(foo_server.url, {"Accept": JSON_TYPE}).json()
    assert doc == {"meta": {"api-version": "1.1"}, "projects": [{"name": "foo-bar"}, {"name": "other-pkg"}]}


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/html"),
        ("*/*", "text/html"),
        ("text/html", "text/html"),
        (JSON_TYPE, JSON_TYPE),
        (f"{JSON_TYPE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01", JSON_TYPE),
        (f"{JSON_TYPE};q=0.1, text/html;q=0.5", "text/html"),
        (f"application/vnd.pypi.simple.v1+html, {JSON_TYPE};q=0.9", "application/vnd.pypi.simple.v1+html"),
        (f"text/html, {JSON_TYPE}", JSON_TYPE),
        (f"{JSON_TYPE};q=0, */*;q=0.1", "text/html"),
        ("application/xml", None),
    ],
)
def test_negotiation(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept) == expected


def test_negotiation_over_http(foo_server: IndexServer) -> None:
    reply = request(foo_server.url + "foo-bar/", {"Accept": "application/vnd.pypi.simple.v1+html"})
    assert reply.headers["Content-Type"] == "application/vnd.pypi.simple.v1+html"
    assert reply.body.startswith(b"<!DOCTYPE html>")
    assert request(foo_server.url + "foo-bar/", {"Accept": "image/png"}).status == 406


def test_json_off_serves_html(foo_server: IndexServer) -> None:
    foo_server.json = False
    reply = request(foo_server.url + "foo-bar/", {"Accept": JSON_TYPE})
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/html")
    assert b"<a href=" in reply.body


def test_non_normalized_names_redirect(foo_server: IndexServer) -> None:
    reply = request(foo_server.url + "Foo_Bar/")
    assert reply.status == 301
    assert reply.headers["Location"] == "/simple/foo-bar/"
    assert request(foo_server.url + "foo-bar").headers["Location"] == "/simple/foo-bar/"
    assert request(foo_server.url + "missing/").status == 404


def test_url_styles(foo_server: IndexServer) -> None:
    foo_server.url_style = "relative"
    hrefs = [a["href"] for a in anchors(request(foo_server.url + "foo-bar/").body)]
    assert all(h.startswith("../../files/") for h in hrefs)  # type: ignore[union-attr]
    foo_server.url_style = "root"
    hrefs = [a["href"] for a in anchors(request(foo_server.url + "foo-bar/").body)]
    assert all(h.startswith("/files/") for h in hrefs)  # type: ignore[union-attr]


def test_links_page(foo_server: IndexServer) -> None:
    reply = request(foo_server.links_url)
    assert reply.status == 200
    assert len(anchors(reply.body)) == 3


def test_publish_overrides_hash_and_requires_python(index_server: IndexServer, wheel_factory: WheelFactory) -> None:
    index_server.publish(wheel_factory("h", "1", requires_python=">=3.8"), sha256="0" * 64, requires_python=">=3.99")
    (anchor,) = anchors(request(index_server.url + "h/").body)
    assert anchor["href"].endswith("#sha256=" + "0" * 64)  # type: ignore[union-attr]
    assert anchor["data-requires-python"] == ">=3.99"


# ------------------------------------------------------------ PEP 658 metadata


def test_metadata_file_matches_advertised_hash(foo_server: IndexServer) -> None:
    doc = request(foo_server.url + "foo-bar/", {"Accept": JSON_TYPE}).json()
    wheel = next(f for f in doc["files"] if f["filename"] == "foo_bar-1.0-py3-none-any.whl")  # type: ignore[attr-defined]
    reply = request(wheel["url"] + ".metadata")
    assert reply.status == 200
    assert hashlib.sha256(reply.body).hexdigest() == wheel["core-metadata"]["sha256"]
    assert b"Requires-Dist: dep>=1" in reply.body
    assert request(foo_server.file_url("foo_bar-1.0.tar.gz") + ".metadata").status == 404


def test_metadata_off(foo_server: IndexServer) -> None:
    foo_server.metadata = False
    page = request(foo_server.url + "foo-bar/")
    assert b"data-core-metadata" not in page.body
    assert b"data-dist-info-metadata" not in page.body
    doc = request(foo_server.url + "foo-bar/", {"Accept": JSON_TYPE}).json()
    assert all("core-metadata" not in f for f in doc["files"])  # type: ignore[attr-defined]
    assert request(foo_server.file_url("foo_bar-1.0-py3-none-any.whl") + ".metadata").status == 404


# ------------------------------------------------------------- ranges, caching


def test_range_requests(foo_server: IndexServer) -> None:
    url = foo_server.file_url("foo_bar-1.0-py3-none-any.whl")
    full = request(url)
    size = len(full.body)
    assert full.status == 200
    assert full.headers["Accept-Ranges"] == "bytes"
    assert int(full.headers["Content-Length"]) == size

    part = request(url, {"Range": "bytes=10-19"})
    assert part.status == 206
    assert part.body == full.body[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{size}"

    suffix = request(url, {"Range": "bytes=-22"})
    assert suffix.status == 206
    assert suffix.body == full.body[-22:]
    assert suffix.headers["Content-Range"] == f"bytes {size - 22}-{size - 1}/{size}"

    tail = request(url, {"Range": f"bytes={size - 5}-"})
    assert tail.body == full.body[-5:]
    clamped = request(url, {"Range": f"bytes={size - 5}-{size + 100}"})
    assert clamped.status == 206 and clamped.body == full.body[-5:]

    bad = request(url, {"Range": f"bytes={size}-"})
    assert bad.status == 416
    assert bad.headers["Content-Range"] == f"bytes */{size}"

    head = request(url, method="HEAD")
    assert head.status == 200 and head.body == b""
    assert int(head.headers["Content-Length"]) == size


def test_ranges_off(foo_server: IndexServer) -> None:
    foo_server.ranges = False
    reply = request(foo_server.file_url("foo_bar-1.0-py3-none-any.whl"), {"Range": "bytes=0-9"})
    assert reply.status == 200
    assert len(reply.body) > 10
    assert "Accept-Ranges" not in reply.headers


def test_etag_and_conditional_requests(foo_server: IndexServer) -> None:
    foo_server.max_age = 30
    url = foo_server.url + "foo-bar/"
    first = request(url)
    etag = first.headers["ETag"]
    assert etag and first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "max-age=30"
    again = request(url, {"If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    assert again.headers["ETag"] == etag
    # the JSON form is another representation, with another tag
    assert request(url, {"Accept": JSON_TYPE, "If-None-Match": etag}).status == 200
    assert request(url, {"If-Modified-Since": first.headers["Last-Modified"]}).status == 304
    file_url = foo_server.file_url("foo_bar-1.0.tar.gz")
    file_tag = request(file_url).headers["ETag"]
    assert request(file_url, {"If-None-Match": f'"other", {file_tag}'}).status == 304
    foo_server.etag = False
    foo_server.max_age = None
    plain = request(url, {"If-None-Match": etag})
    assert plain.status == 200
    assert "ETag" not in plain.headers and "Cache-Control" not in plain.headers


# --------------------------------------------------------------------- faults


def test_status_fault_then_success(foo_server: IndexServer) -> None:
    foo_server.add_fault("/simple/foo-bar/", Fault("status", 503, headers={"Retry-After": "1"}))
    url = foo_server.url + "foo-bar/"
    first = request(url)
    assert first.status == 503
    assert first.headers["Retry-After"] == "1"
    assert request(url).status == 200
    assert [r.status for r in foo_server.requests] == [503, 200]


def test_status_fault_times_and_globs(foo_server: IndexServer) -> None:
    foo_server.add_fault("/files/*.whl", Fault("status", 429, times=2, headers={"Retry-After": "0"}))
    foo_server.add_fault("/simple/*", Fault("status", 401, headers={"WWW-Authenticate": 'Basic realm="x"'}))
    url = foo_server.file_url("foo_bar-1.0-py3-none-any.whl")
    assert [request(url).status for _ in range(3)] == [429, 429, 200]
    assert request(foo_server.file_url("foo_bar-1.0.tar.gz")).status == 200
    denied = request(foo_server.url)
    assert denied.status == 401 and denied.headers["WWW-Authenticate"] == 'Basic realm="x"'
    assert request(foo_server.url).status == 200


def test_drop_fault(foo_server: IndexServer) -> None:
    foo_server.add_fault("/simple/*", Fault("drop"))
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        request(foo_server.url + "foo-bar/")
    assert request(foo_server.url + "foo-bar/").status == 200
    assert [r.status for r in foo_server.requests] == [None, 200]


def test_truncate_fault(foo_server: IndexServer) -> None:
    url = foo_server.file_url("foo_bar-1.0-py3-none-any.whl")
    foo_server.add_fault("/files/*", Fault("truncate", fraction=0.25))
    with pytest.raises(http.client.IncompleteRead) as info:
        request(url)
    assert len(info.value.partial) < len(request(url).body)


def test_slow_fault(foo_server: IndexServer) -> None:
    foo_server.add_fault("/simple/", Fault("slow", delay=0.3))
    start = time.monotonic()
    assert request(foo_server.url).status == 200
    assert time.monotonic() - start >= 0.3
    with pytest.raises(TimeoutError):
        foo_server.add_fault("/simple/", Fault("slow", delay=1.0))
        request(foo_server.url, timeout=0.2)


def test_content_type_and_malformed_faults(foo_server: IndexServer) -> None:
    url = foo_server.url + "foo-bar/"
    foo_server.add_fault("/simple/*", Fault("content_type", content_type="text/plain"))
    wrong = request(url, {"Accept": JSON_TYPE})
    assert wrong.headers["Content-Type"] == "text/plain"
    foo_server.add_fault("/simple/*", Fault("malformed"))
    broken = request(url, {"Accept": JSON_TYPE})
    assert broken.status == 200
    with pytest.raises(ValueError):
        broken.json()
    foo_server.add_fault("/simple/*", Fault("malformed", body=b"{}"))
    assert request(url, {"Accept": JSON_TYPE}).body == b"{}"


# --------------------------------------------------------------- log and auth


def test_request_log_and_count(foo_server: IndexServer) -> None:
    request(foo_server.url + "foo-bar/", {"Accept": JSON_TYPE, "User-Agent": "probe"})
    request(foo_server.file_url("foo_bar-1.0.tar.gz"))
    request(foo_server.file_url("foo_bar-1.0.tar.gz"), method="HEAD")
    assert foo_server.count() == 3
    assert foo_server.count("/files/*") == 2
    assert foo_server.count("/files/*", method="HEAD") == 1
    first = foo_server.requests[0]
    assert (first.method, first.path, first.status) == ("GET", "/simple/foo-bar/", 200)
    assert first.header("user-agent") == "probe"
    foo_server.clear_log()
    assert foo_server.count() == 0


def test_basic_auth(foo_server: IndexServer) -> None:
    foo_server.require_auth("/simple/*", "alice", "s3cret")
    url = foo_server.url + "foo-bar/"
    denied = request(url)
    assert denied.status == 401
    assert denied.headers["WWW-Authenticate"].startswith("Basic")
    wrong = base64.b64encode(b"alice:nope").decode()
    assert request(url, {"Authorization": f"Basic {wrong}"}).status == 401
    good = base64.b64encode(b"alice:s3cret").decode()
    assert request(url, {"Authorization": f"Basic {good}"}).status == 200
    assert request(foo_server.file_url("foo_bar-1.0.tar.gz")).status == 200
    assert foo_server.auth_url("alice", "s3cret").startswith("http://alice:s3cret@127.0.0.1:")


def test_many_concurrent_keepalive_clients(foo_server: IndexServer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def fetch(i: int) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", foo_server.port, timeout=10)
        try:
            statuses = []
            for _ in range(3):  # same connection, HTTP/1.1 keep-alive
                conn.request("GET", "/simple/foo-bar/" if i % 2 else "/files/foo_bar-1.0.tar.gz")
                resp = conn.getresponse()
                resp.read()
                statuses.append(resp.status)
            return sum(statuses)
        finally:
            conn.close()

    with ThreadPoolExecutor(50) as pool:
        assert list(pool.map(fetch, range(100))) == [600] * 100
    assert foo_server.count() == 300


def test_server_stops_cleanly_with_open_connections(wheel_factory: WheelFactory) -> None:
    server = IndexServer().start()
    server.publish(wheel_factory("k", "1"))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/simple/k/")
    assert conn.getresponse().read()
    port = server.port
    start = time.monotonic()
    server.stop()
    assert time.monotonic() - start < 1
    conn.close()
    with pytest.raises(OSError):
        request(f"http://127.0.0.1:{port}/simple/", timeout=1)
    server.stop()  # idempotent


# ------------------------------------------------------------- static tree


def test_static_file_tree(tmp_path: Path, wheel_factory: WheelFactory, sdist_factory: WheelFactory) -> None:
    paths = [wheel_factory("Some.Pkg", "1.0"), sdist_factory("Some.Pkg", "1.0")]
    simple = write_static_index(tmp_path / "repo", paths)
    assert (simple / "index.html").is_file()
    page = (simple / "some-pkg" / "index.html").read_bytes()
    found = anchors(page)
    assert {a["href"].split("#")[0] for a in found} == {  # type: ignore[union-attr]
        "../../files/some_pkg-1.0-py3-none-any.whl",
        "../../files/some_pkg-1.0.tar.gz",
    }
    for anchor in found:
        target = (simple / "some-pkg" / anchor["href"].split("#")[0]).resolve()  # type: ignore[union-attr]
        assert anchor["href"].endswith(hashlib.sha256(target.read_bytes()).hexdigest())  # type: ignore[union-attr]
    meta = tmp_path / "repo" / "files" / "some_pkg-1.0-py3-none-any.whl.metadata"
    assert meta.read_bytes().startswith(b"Metadata-Version: 2.3\nName: Some.Pkg\n")


# ----------------------------------------------------------------- scenarios


def test_shared_dir_honours_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PUV_SHARED_DIR", str(tmp_path))
    assert shared_dir() == tmp_path
    assert scenario_paths() == []


@pytest.mark.parametrize("path", scenario_paths(), ids=lambda p: p.stem)
def test_every_scenario_loads(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.name
    for requirement in scenario.requires:
        assert requirement.startswith(f"{scenario.name}-")
    for package in scenario.packages:
        for release in package.versions:
            assert release.wheel_tags


def test_prefix_requirement() -> None:
    assert prefix_requirement("a[extra_b]>=1; python_version < '3.13'", "s") == 's-a[extra_b]>=1; python_version < "3.13"'
    assert prefix_requirement("b @ file:///x/b.whl", "s") == "s-b @ file:///x/b.whl"


def test_scenario_values() -> None:
    scenario = load_scenario("extra-incompatible-with-extra")
    (a,) = [p for p in scenario.packages if p.name == "a"]
    (release,) = a.versions
    assert release.requires_python == ">=3.12"
    assert release.wheel_tags == ("py3-none-any",)
    assert release.wheel and release.sdist and release.yanked is False
    assert dict(release.extras) == {"extra_b": ("b==1.0.0",), "extra_c": ("b==2.0.0",)}
    assert scenario.expected.satisfiable is False
    assert scenario.is_install
    assert scenario.requires == ("extra-incompatible-with-extra-a[extra_b,extra_c]",)


def test_publish_scenario_with_extras(scenario_index: Callable[[str], ScenarioIndex]) -> None:
    published = scenario_index("extra-incompatible-with-extra")
    server = published.server
    doc = request(server.url, {"Accept": JSON_TYPE}).json()
    assert {p["name"] for p in doc["projects"]} == {  # type: ignore[attr-defined]
        "extra-incompatible-with-extra-a",
        "extra-incompatible-with-extra-b",
    }
    page = request(server.url + "extra-incompatible-with-extra-a/", {"Accept": JSON_TYPE}).json()
    wheel = next(f for f in page["files"] if f["filename"].endswith(".whl"))  # type: ignore[attr-defined]
    metadata = request(wheel["url"] + ".metadata").body.decode()
    assert 'Requires-Dist: extra-incompatible-with-extra-b==1.0.0; extra == "extra_b"' in metadata
    assert wheel["requires-python"] == ">=3.12"
    assert {f["filename"] for f in page["files"]} == {  # type: ignore[attr-defined]
        "extra_incompatible_with_extra_a-1.0.0-py3-none-any.whl",
        "extra_incompatible_with_extra_a-1.0.0.tar.gz",
    }


def test_publish_scenario_tags_flags_and_yanked(scenario_index: Callable[[str], ScenarioIndex]) -> None:
    server = scenario_index("no-sdist-no-wheels-with-matching-platform").server
    page = request(server.url + "no-sdist-no-wheels-with-matching-platform-a/", {"Accept": JSON_TYPE}).json()
    assert [f["filename"] for f in page["files"]] == [  # type: ignore[attr-defined]
        "no_sdist_no_wheels_with_matching_platform_a-1.0.0-py3-none-macosx_10_0_ppc64.whl"
    ]
    scenario_index("package-only-yanked")
    page = request(server.url + "package-only-yanked-a/", {"Accept": JSON_TYPE}).json()
    assert all(f["yanked"] is True for f in page["files"])  # type: ignore[attr-defined]


def test_scenario_builds_are_cached(scenario_builds: ScenarioBuilds) -> None:
    scenario = load_scenario("extra-incompatible-with-extra")
    first = scenario_builds.artifacts(scenario)
    assert scenario_builds.artifacts(scenario) is first
    assert all(a.path.is_file() for a in first)
