"""Downloading wheels into the cache: hashing, verification, unpacking once, faults, races."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from puv.domain.index.client import IndexClient, IndexSources
from puv.domain.index.download import HashMismatch, fetch_wheel
from puv.io.archive import UnsafeArchive
from puv.io.cache import Cache
from puv.io.http import HttpClient, HttpOptions
from tests.support.builders import write_wheel
from tests.support.index_server import Fault, IndexServer


def _setup(server: IndexServer, root: Path) -> tuple[HttpClient, Cache, IndexClient]:
    http = HttpClient(HttpOptions(backoff=0.01, timeout=5))
    cache = Cache(root)
    cache.ensure()
    return http, cache, IndexClient(http, cache, IndexSources((server.url,)))


def test_wheel_is_unpacked_once_and_then_served_from_cache(
    index_server: IndexServer, wheel_factory: Callable[..., Path], tmp_path: Path
) -> None:
    wheel = wheel_factory("pkg", "1.0", entry_points={"console_scripts": {"pkg": "pkg:main"}})
    index_server.publish(wheel)
    http, cache, client = _setup(index_server, tmp_path / "cache")
    file = client.files("pkg")[0].file
    first = fetch_wheel(http, cache, "pkg", file)
    assert first.downloaded
    assert first.sha256 == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert (first.path / "pkg" / "__init__.py").exists()
    assert (first.path / "pkg-1.0.dist-info" / "RECORD").exists()
    index_server.clear_log()
    second = fetch_wheel(http, cache, "pkg", file)
    assert not second.downloaded and second.path == first.path
    assert index_server.requests == []
    assert list((tmp_path / "cache" / "tmp").iterdir()) == []


def test_index_hash_mismatch_names_file_and_both_hashes_and_leaves_nothing(
    index_server: IndexServer, wheel_factory: Callable[..., Path], tmp_path: Path
) -> None:
    wheel = wheel_factory("bad", "1.0")
    index_server.publish(wheel, sha256="a" * 64)
    http, cache, client = _setup(index_server, tmp_path / "cache")
    with pytest.raises(HashMismatch) as info:
        fetch_wheel(http, cache, "bad", client.files("bad")[0].file)
    actual = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert "bad-1.0-py3-none-any.whl" in info.value.message
    assert f"sha256:{'a' * 64}" in info.value.message and f"sha256:{actual}" in info.value.message
    assert not (tmp_path / "cache" / "archive-v1").exists()
    assert list((tmp_path / "cache" / "tmp").iterdir()) == []


def test_required_hash_mismatch_names_the_requirement(
    index_server: IndexServer, wheel_factory: Callable[..., Path], tmp_path: Path
) -> None:
    index_server.publish(wheel_factory("pinned", "1.0"))
    http, cache, client = _setup(index_server, tmp_path / "cache")
    with pytest.raises(HashMismatch, match=r"pinned-1.0-py3-none-any.whl \(required by `pinned==1.0`\)"):
        fetch_wheel(
            http, cache, "pinned", client.files("pinned")[0].file,
            required_hashes=(("sha256", "b" * 64),), requirement="pinned==1.0",
        )


def test_dropped_and_truncated_downloads_are_retried(
    index_server: IndexServer, wheel_factory: Callable[..., Path], tmp_path: Path
) -> None:
    wheel = wheel_factory("flaky", "1.0", files={"flaky/data.py": "x = '" + "z" * 100_000 + "'\n"})
    index_server.publish(wheel)
    index_server.add_fault("/files/*.whl", Fault("drop"))
    index_server.add_fault("/files/*.whl", Fault("truncate", fraction=0.3))
    index_server.add_fault("/files/*.whl", Fault("status", 503))
    http, cache, client = _setup(index_server, tmp_path / "cache")
    unpacked = fetch_wheel(http, cache, "flaky", client.files("flaky")[0].file)
    assert unpacked.sha256 == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert index_server.count("/files/flaky-1.0-py3-none-any.whl") == 4


def test_unsafe_member_is_rejected_before_anything_is_written(index_server: IndexServer, tmp_path: Path) -> None:
    wheel = write_wheel(
        tmp_path / "evil-1.0-py3-none-any.whl",
        {"../escape.py": "boom", "evil-1.0.dist-info/METADATA": "Name: evil\nVersion: 1.0\n"},
    )
    index_server.publish(wheel)
    http, cache, client = _setup(index_server, tmp_path / "cache")
    with pytest.raises(UnsafeArchive, match="escapes the target"):
        fetch_wheel(http, cache, "evil", client.files("evil")[0].file)
    assert not (tmp_path / "cache" / "escape.py").exists()
    assert not (tmp_path / "cache" / "archive-v1").exists()


_FILL = """
import sys
from puv.domain.index.client import IndexClient, IndexSources
from puv.domain.index.download import fetch_wheel
from puv.io.cache import Cache
from puv.io.http import HttpClient, HttpOptions
http = HttpClient(HttpOptions(backoff=0.01))
cache = Cache(__import__("pathlib").Path(sys.argv[1])); cache.ensure()
with cache.shared():
    client = IndexClient(http, cache, IndexSources((sys.argv[2],)))
    for name in sys.argv[3:]:
        for sourced in client.files(name):
            client.metadata(name, sourced.file)
            fetch_wheel(http, cache, name, sourced.file)
"""


def test_two_processes_fill_one_cache_at_once(
    index_server: IndexServer, wheel_factory: Callable[..., Path], tmp_path: Path
) -> None:
    names = [f"p{i}" for i in range(8)]
    for name in names:
        index_server.publish(wheel_factory(name, "1.0", files={f"{name}/x.py": "y = 2\n" * 2000}))
    root = tmp_path / "cache"
    procs = [
        subprocess.Popen([sys.executable, "-c", _FILL, str(root), index_server.url, *order])
        for order in (names, list(reversed(names)))
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    for name in names:
        [entry] = list((root / "archive-v1" / name).iterdir())
        assert (entry / ".puv-complete").exists()
        assert (entry / name / "x.py").read_text() == "y = 2\n" * 2000
        assert len(list((root / "metadata-v1" / name).iterdir())) == 1
    assert list((root / "tmp").iterdir()) == []
