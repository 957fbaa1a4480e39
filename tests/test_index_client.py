"""The index client against the local fixture index: pages, strategies, metadata, cache."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from puv.domain.index.client import IndexClient, IndexSources
from puv.errors import BuildError, MetadataError, NetworkError
from puv.io.cache import Cache
from puv.io.http import HttpClient, HttpOptions
from tests.support.builders import write_wheel
from tests.support.index_server import IndexServer

DEPS = ["requests>=2", "idna; python_version < '3.9'", "extra-thing; extra == 'cli'"]


def _client(cache_root: Path, *indexes: str, find_links: tuple[str, ...] = (), **kw: object) -> IndexClient:
    http = HttpClient(HttpOptions(backoff=0.01, timeout=5))
    cache = Cache(cache_root)
    cache.ensure()
    strategy = str(kw.pop("strategy", "first-index"))
    return IndexClient(http, cache, IndexSources(tuple(indexes), find_links, strategy), **kw)  # type: ignore[arg-type]


@pytest.fixture
def demo(index_server: IndexServer, wheel_factory: Callable[..., Path], sdist_factory: Callable[..., Path]) -> IndexServer:
    # A large module pushes METADATA well before the 64 KiB tail, so the range path needs 2+ requests.
    noise = random.Random(7).randbytes(150_000).hex()  # incompressible
    big = {"demo/__init__.py": "x = 1\n", "demo/big.py": "#" + noise + "\n"}
    index_server.publish(wheel_factory("demo", "1.0", requires_dist=DEPS, requires_python=">=3.8", files=big))
    index_server.publish(wheel_factory("demo", "2.0", requires_dist=DEPS[:1]))
    index_server.publish(sdist_factory("demo", "2.0"))
    return index_server


@pytest.mark.parametrize(
    "json_on,metadata_on,ranges_on", list(itertools.product([True, False], repeat=3))
)
def test_same_metadata_whatever_the_server_supports(
    demo: IndexServer, tmp_path: Path, json_on: bool, metadata_on: bool, ranges_on: bool
) -> None:
    demo.json, demo.metadata, demo.ranges = json_on, metadata_on, ranges_on
    client = _client(tmp_path / "cache", demo.url)
    files = client.files("demo")
    assert sorted(f.file.filename for f in files) == ["demo-1.0-py3-none-any.whl", "demo-2.0-py3-none-any.whl", "demo-2.0.tar.gz"]
    wheel = next(f.file for f in files if f.file.filename.startswith("demo-1.0"))
    meta = client.metadata("demo", wheel)
    assert str(meta.version) == "1.0"
    assert [str(r) for r in meta.requires_dist] == [
        "requests>=2",
        'idna; python_version < "3.9"',
        'extra-thing; extra == "cli"',
    ]
    assert str(meta.requires_python) == ">=3.8"
    metadata_requests = demo.count("/files/*.metadata")
    wheel_requests = demo.count("/files/demo-1.0-py3-none-any.whl")
    if metadata_on:
        assert (metadata_requests, wheel_requests) == (1, 0)
    elif ranges_on:
        # METADATA sits at the end of the wheel: one tail read brings everything.
        assert (metadata_requests, wheel_requests) == (0, 1)
        assert demo.requests[-1].status == 206
    else:
        assert wheel_requests == 1  # the whole file, once


def test_warm_cache_sends_only_revalidations(demo: IndexServer, tmp_path: Path) -> None:
    demo.max_age = None  # no freshness: every run revalidates
    first = _client(tmp_path / "cache", demo.url)
    for sourced in first.files("demo"):
        if sourced.file.kind == "wheel":
            first.metadata("demo", sourced.file)
    demo.clear_log()
    second = _client(tmp_path / "cache", demo.url)
    for sourced in second.files("demo"):
        if sourced.file.kind == "wheel":
            second.metadata("demo", sourced.file)
    statuses = [(r.path, r.status) for r in demo.requests]
    assert statuses == [("/simple/demo/", 304)]
    assert demo.requests[0].header("If-None-Match")


def test_fresh_page_needs_no_request_at_all(demo: IndexServer, tmp_path: Path) -> None:
    demo.max_age = 600
    _client(tmp_path / "cache", demo.url).files("demo")
    demo.clear_log()
    assert len(_client(tmp_path / "cache", demo.url).files("demo")) == 3
    assert demo.requests == []
    # --refresh revalidates anyway
    _client(tmp_path / "cache", demo.url, refresh=True).files("demo")
    assert [r.status for r in demo.requests] == [304]


def test_each_page_is_fetched_once_per_run_even_concurrently(demo: IndexServer, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    client = _client(tmp_path / "cache", demo.url)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: len(client.files("demo")), range(32)))
    assert results == [3] * 32
    assert demo.count("/simple/demo/") == 1


def test_offline_uses_cache_and_names_what_is_missing(demo: IndexServer, tmp_path: Path) -> None:
    demo.max_age = None
    _client(tmp_path / "cache", demo.url).files("demo")
    demo.clear_log()
    offline = _client(tmp_path / "cache", demo.url, offline=True)
    assert len(offline.files("demo")) == 3
    with pytest.raises(NetworkError, match="`other` is not in the cache and network access is disabled"):
        offline.files("other")
    assert demo.requests == []


def test_first_index_stops_dependency_confusion(tmp_path: Path, wheel_factory: Callable[..., Path]) -> None:
    with IndexServer() as internal, IndexServer() as public:
        internal.publish(wheel_factory("corp-lib", "1.0"))
        public.publish(wheel_factory("corp-lib", "99.0"))
        public.publish(wheel_factory("other", "1.0"))
        first = _client(tmp_path / "c1", internal.url, public.url)
        assert [f.file.filename for f in first.files("corp-lib")] == ["corp_lib-1.0-py3-none-any.whl"]
        assert [f.file.filename for f in first.files("other")] == ["other-1.0-py3-none-any.whl"]
        best = _client(tmp_path / "c2", internal.url, public.url, strategy="unsafe-best-match")
        assert sorted(f.file.filename for f in best.files("corp-lib")) == [
            "corp_lib-1.0-py3-none-any.whl",
            "corp_lib-99.0-py3-none-any.whl",
        ]
        assert [f.priority for f in best.files("corp-lib")] == [1, 2]


def test_find_links_directory_adds_files(tmp_path: Path, wheel_factory: Callable[..., Path], index_server: IndexServer) -> None:
    wheel = wheel_factory("local-only", "0.1", requires_dist=["six"])
    client = _client(tmp_path / "cache", index_server.url, find_links=(str(wheel.parent),))
    files = client.files("local-only")
    assert [f.file.filename for f in files] == [wheel.name]
    assert [str(r) for r in client.metadata("local-only", files[0].file).requires_dist] == ["six"]


def test_unauthorized_index_gives_a_credentials_hint(demo: IndexServer, tmp_path: Path) -> None:
    demo.require_auth("/simple/*", "alice", "s3cret")
    with pytest.raises(NetworkError) as info:
        _client(tmp_path / "cache", demo.url).files("demo")
    assert "refused access to `demo` (HTTP 401)" in info.value.message
    assert any("credentials" in hint for hint in info.value.hints)
    authed = demo.url.replace("http://", "http://alice:s3cret@")
    assert len(_client(tmp_path / "cache2", authed).files("demo")) == 3


def test_metadata_hash_mismatch_is_an_error_and_not_cached(
    index_server: IndexServer, wheel_factory: Callable[..., Path], tmp_path: Path
) -> None:
    wheel = wheel_factory("liar", "1.0")
    index_server.publish(wheel, metadata=b"Metadata-Version: 2.1\nName: liar\nVersion: 6.6.6\n")
    client = _client(tmp_path / "cache", index_server.url)
    file = client.files("liar")[0].file
    with pytest.raises(MetadataError, match="describes liar 6.6.6, not liar 1.0"):
        client.metadata("liar", file)
    assert not list((tmp_path / "cache" / "metadata-v1").rglob("*"))


def test_metadata_at_the_front_of_a_wheel_needs_more_ranges(
    index_server: IndexServer, tmp_path: Path
) -> None:
    noise = random.Random(3).randbytes(150_000).hex()
    wheel = write_wheel(
        tmp_path / "front-1.0-py3-none-any.whl",
        {
            "front-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: front\nVersion: 1.0\nRequires-Dist: six\n",
            "front-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
            "front/big.py": "#" + noise,
        },
    )
    index_server.publish(wheel)
    index_server.metadata = False
    client = _client(tmp_path / "cache", index_server.url)
    meta = client.metadata("front", client.files("front")[0].file)
    assert [str(r) for r in meta.requires_dist] == ["six"]
    ranged = [r for r in index_server.requests if r.path.endswith(".whl")]
    assert len(ranged) == 2 and all(r.status == 206 for r in ranged)


def test_wrong_metadata_file_hash_is_rejected(
    index_server: IndexServer, wheel_factory: Callable[..., Path], tmp_path: Path
) -> None:
    index_server.publish(wheel_factory("tamper", "1.0"))
    client = _client(tmp_path / "cache", index_server.url)
    file = client.files("tamper")[0].file
    assert file.core_metadata
    bad = type(file)(**{**{k: getattr(file, k) for k in file.__slots__}, "core_metadata": (("sha256", "0" * 64),)})
    with pytest.raises(MetadataError, match="hash mismatch for metadata of tamper-1.0-py3-none-any.whl"):
        client.metadata("tamper", bad)


def test_sdist_metadata_needs_a_build(demo: IndexServer, tmp_path: Path) -> None:
    client = _client(tmp_path / "cache", demo.url)
    sdist = next(f.file for f in client.files("demo") if f.file.kind == "sdist")
    with pytest.raises(BuildError, match="`demo`.*needs a build"):
        client.metadata("demo", sdist)


def test_missing_project_is_none_on_every_index(demo: IndexServer, tmp_path: Path) -> None:
    client = _client(tmp_path / "cache", demo.url)
    assert client.files("nope") == []
    assert client.indexes_without("nope") == [demo.url]


@pytest.mark.parametrize("with_metadata", [True, False])
def test_file_index_tree_gives_the_same_metadata(
    tmp_path: Path, wheel_factory: Callable[..., Path], with_metadata: bool
) -> None:
    from tests.support.simple_pages import write_static_index

    wheel = wheel_factory("tree-pkg", "2.0", requires_dist=DEPS[:1], requires_python=">=3.9")
    simple = write_static_index(tmp_path / "tree", [wheel], metadata=with_metadata)
    client = _client(tmp_path / "cache", simple.as_uri())
    [sourced] = client.files("tree-pkg")
    assert sourced.file.has_core_metadata is with_metadata
    meta = client.metadata("tree-pkg", sourced.file)
    assert [str(r) for r in meta.requires_dist] == ["requests>=2"]
    assert str(meta.requires_python) == ">=3.9"


def _many_files_wheel(path: Path, project: str, *, metadata_last: bool, decoy: str | None = None) -> Path:
    """A wheel whose central directory (1500 small members) is larger than the tail read first."""
    meta = f"Metadata-Version: 2.1\nName: {project}\nVersion: 1.0\nRequires-Dist: six\n"
    modules = {f"{project}/data/file_{n:05d}_with_a_long_enough_name.json": "{}" for n in range(1500)}
    dist_info = {
        f"{project}-1.0.dist-info/METADATA": meta,
        f"{project}-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    members = {**modules, **dist_info} if metadata_last else {**dist_info, **modules}
    if decoy is not None:  # another project's METADATA, at the very end of the directory
        members[f"{decoy}-1.0.dist-info/METADATA"] = meta.replace(f"Name: {project}", f"Name: {decoy}")
    return write_wheel(path / f"{project}-1.0-py3-none-any.whl", members, dist_info=f"{project}-1.0.dist-info")


@pytest.mark.parametrize(
    "metadata_last,decoy,requests",
    [(True, None, 2), (False, None, 3)],
    ids=["in-the-tail", "at-the-front"],
)
def test_large_directory_metadata_by_ranges(
    index_server: IndexServer, tmp_path: Path, metadata_last: bool, decoy: str | None, requests: int
) -> None:
    """The METADATA entry is found in the part of a large directory that came with the tail
    (two requests); elsewhere the whole directory is read (three)."""
    from puv.primitives import zip_directory as zd

    wheel = _many_files_wheel(tmp_path, "wide", metadata_last=metadata_last, decoy=decoy)
    blob = wheel.read_bytes()
    assert zd.find_directory(blob, 0).size > zd.TAIL_GUESS  # the directory does not fit in the tail
    index_server.publish(wheel)
    index_server.metadata = False
    client = _client(tmp_path / "cache", index_server.url)
    meta = client.metadata("wide", client.files("wide")[0].file)
    assert meta.name == "wide" and [str(r) for r in meta.requires_dist] == ["six"]
    ranged = [r for r in index_server.requests if r.path.endswith(".whl")]
    assert len(ranged) == requests and all(r.status == 206 for r in ranged)


@pytest.mark.parametrize("metadata_last", [True, False], ids=["both-in-the-tail", "one-at-the-front"])
def test_large_directory_with_two_metadata_files_is_refused(
    index_server: IndexServer, tmp_path: Path, metadata_last: bool
) -> None:
    """A second ``.dist-info/METADATA`` is reported wherever the two entries are."""
    from puv.primitives import zip_directory as zd

    index_server.publish(_many_files_wheel(tmp_path, "wide", metadata_last=metadata_last, decoy="decoy"))
    index_server.metadata = False
    client = _client(tmp_path / "cache", index_server.url)
    with pytest.raises(zd.ZipFormatError, match="more than one .dist-info/METADATA"):
        client.metadata("wide", client.files("wide")[0].file)
