"""Metadata prefetching while the resolver backtracks (puv.domain.resolver.provider)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from packaging.ranges import VersionRange
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from puv.domain.index.candidates import SelectionPolicy, Target
from puv.domain.index.client import IndexClient, IndexSources
from puv.domain.resolver.packages import Name
from puv.domain.resolver.provider import BACKTRACK_BATCH, BACKTRACK_PREFETCH_AFTER, PythonProvider, spec_range
from puv.domain.resolver.resolve import ResolveOptions, resolve
from puv.io.http import HttpClient, HttpOptions
from puv.primitives.requirement_spec import Origin, parse_requirement
from tests.support.cli import wait_for
from tests.support.index_server import IndexServer

WheelFactory = Callable[..., Path]


def _client(server: IndexServer) -> IndexClient:
    return IndexClient(HttpClient(HttpOptions(backoff=0.01, timeout=10)), None, IndexSources((server.url,)))


def _provider(server: IndexServer, executor: Any, *requirements: str) -> PythonProvider:
    return PythonProvider(
        [parse_requirement(r, origin=Origin("requirements.in", 1)) for r in requirements],
        index=_client(server),
        target=Target.for_python("3.12", "linux"),
        policy=SelectionPolicy(),
        options=ResolveOptions(),
        executor=executor,
    )


def _metadata_fetched(server: IndexServer) -> list[str]:
    return sorted(r.path.rsplit("/", 1)[1] for r in server.requests if r.path.endswith(".metadata"))


def _publish_versions(server: IndexServer, wheel_factory: WheelFactory, name: str, count: int) -> None:
    for n in range(count):
        server.publish(wheel_factory(name, f"1.{n}"))


def _reject_newest(provider: PythonProvider, name: str, allowed: VersionRange, times: int) -> Version:
    """Ask for a version ``times`` times, excluding each answer (as a backtracking solver does)."""
    key = Name(canonicalize_name(name))
    chosen = None
    for _ in range(times):
        chosen = provider.choose_version(key, allowed)
        assert chosen is not None
        allowed = allowed - VersionRange.singleton(chosen)
    assert chosen is not None
    return chosen


def test_backtracking_prefetches_below_the_allowed_range(
    index_server: IndexServer, wheel_factory: WheelFactory
) -> None:
    """At the bottom of the allowed range the solver goes on below it once a dependent's
    choice moves (boto3 and botocore in step): those versions are already being fetched."""
    _publish_versions(index_server, wheel_factory, "a", 30)
    with ThreadPoolExecutor(4) as executor:
        provider = _provider(index_server, executor, "a")
        chosen = _reject_newest(provider, "a", spec_range(SpecifierSet(">=1.26")), BACKTRACK_PREFETCH_AFTER + 2)
    assert chosen == Version("1.26")  # the last one in range
    fetched = _metadata_fetched(index_server)
    below = [f"a-1.{n}-py3-none-any.whl.metadata" for n in range(26 - BACKTRACK_BATCH, 26)]
    assert set(below) <= set(fetched)
    assert len(fetched) == len(set(fetched))  # each once


def test_backtracking_window_grows(index_server: IndexServer, wheel_factory: WheelFactory) -> None:
    _publish_versions(index_server, wheel_factory, "a", 60)
    rejections = BACKTRACK_PREFETCH_AFTER + 1 + BACKTRACK_BATCH  # one doubling
    with ThreadPoolExecutor(4) as executor:
        provider = _provider(index_server, executor, "a")
        chosen = _reject_newest(provider, "a", spec_range(SpecifierSet("")), rejections)
    position = 59 - int(str(chosen).split(".")[1])
    fetched = _metadata_fetched(index_server)
    # A window of twice the first batch after the chosen version, not just the first batch.
    farthest = 59 - position - 2 * BACKTRACK_BATCH
    assert f"a-1.{farthest}-py3-none-any.whl.metadata" in fetched
    assert f"a-1.{farthest - 1}-py3-none-any.whl.metadata" not in fetched
    assert len(fetched) == len(set(fetched))


def test_no_prefetch_before_the_solver_backtracks(index_server: IndexServer, wheel_factory: WheelFactory) -> None:
    _publish_versions(index_server, wheel_factory, "a", 20)
    with ThreadPoolExecutor(4) as executor:
        provider = _provider(index_server, executor, "a")
        _reject_newest(provider, "a", spec_range(SpecifierSet("")), BACKTRACK_PREFETCH_AFTER)
    assert _metadata_fetched(index_server) == []


def test_lockstep_backtracking_resolves_and_fetches_each_metadata_once(
    index_server: IndexServer, wheel_factory: WheelFactory
) -> None:
    """``top 1.k`` needs ``core>=1.k``; every core from 1.5 on needs ``pin>=2`` but the user
    wants ``pin<2``: the solver walks both packages down in step, as with boto3/botocore."""
    count = 40
    for k in range(count):
        index_server.publish(wheel_factory("top", f"1.{k}", requires_dist=[f"core>=1.{k},<2"]))
        core_deps = ["pin>=2"] if k >= 5 else ["pin>=1"]
        index_server.publish(wheel_factory("core", f"1.{k}", requires_dist=core_deps))
    for version in ("1.0", "2.0"):
        index_server.publish(wheel_factory("pin", version))
    resolution = resolve(
        [parse_requirement(r, origin=Origin("requirements.in", 1)) for r in ("top", "pin<2")],
        index=_client(index_server),
        target=Target.for_python("3.12", "linux"),
        policy=SelectionPolicy(),
        options=ResolveOptions(max_workers=8),
    )
    assert {str(n): str(d.version) for n, d in resolution.dists.items()} == {"top": "1.4", "core": "1.4", "pin": "1.0"}
    fetched = _metadata_fetched(index_server)
    assert len(fetched) == len(set(fetched))


def test_the_same_answer_again_is_no_rejection(index_server: IndexServer, wheel_factory: WheelFactory) -> None:
    """A package decided anew after a backjump gets the same answer: no batch for it."""
    _publish_versions(index_server, wheel_factory, "a", 20)
    key = Name(canonicalize_name("a"))
    allowed = spec_range(SpecifierSet("<1.15"))
    with ThreadPoolExecutor(4) as executor:
        provider = _provider(index_server, executor, "a")
        answers = {provider.choose_version(key, allowed) for _ in range(BACKTRACK_PREFETCH_AFTER + 5)}
    assert answers == {Version("1.14")}
    assert _metadata_fetched(index_server) == []


def test_backtracking_batches_follow_the_dependencies_of_older_versions(
    index_server: IndexServer, wheel_factory: WheelFactory
) -> None:
    """Old versions need a package the newer ones do not: its page comes ahead of the walk."""
    for n in range(20):
        index_server.publish(wheel_factory("a", f"1.{n}", requires_dist=["old-dep"] if n < 15 else []))
    index_server.publish(wheel_factory("old-dep", "1.0"))
    with ThreadPoolExecutor(4) as executor:
        provider = _provider(index_server, executor, "a")
        chosen = _reject_newest(provider, "a", spec_range(SpecifierSet("")), BACKTRACK_PREFETCH_AFTER + 1)
        assert chosen == Version("1.17")
        wait_for(lambda: index_server.count("/files/old_dep-1.0-py3-none-any.whl.metadata") == 1)
    assert index_server.count("/simple/old-dep/") == 1


def test_spans_reach_the_next_version_on_the_index(index_server: IndexServer, wheel_factory: WheelFactory) -> None:
    for version in ("1.0", "1.1", "2.0"):
        index_server.publish(wheel_factory("a", version))
    key = Name(canonicalize_name("a"))
    provider = _provider(index_server, None, "a")
    assert provider.span(key, Version("1.1")) == VersionRange.singleton(Version("1.1"))  # page not read yet
    provider.candidates(canonicalize_name("a"))
    span = provider.span(key, Version("1.1"))
    assert [v for v in ("1.0", "1.1", "1.5", "1.99", "2.0") if span.contains(Version(v))] == ["1.1", "1.5", "1.99"]
    top = provider.span(key, Version("2.0"))
    assert top.contains(Version("2.0")) and top.contains(Version("9")) and not top.contains(Version("1.1"))
    assert provider.span(key, Version("1.2")) == VersionRange.singleton(Version("1.2"))  # not on the index


def test_spans_reach_down_for_the_lowest_strategy(index_server: IndexServer, wheel_factory: WheelFactory) -> None:
    for version in ("1.0", "1.1", "2.0"):
        index_server.publish(wheel_factory("a", version))
    provider = PythonProvider(
        [parse_requirement("a", origin=Origin("requirements.in", 1))],
        index=_client(index_server),
        target=Target.for_python("3.12", "linux"),
        policy=SelectionPolicy(),
        options=ResolveOptions(resolution="lowest"),
    )
    provider.candidates(canonicalize_name("a"))
    span = provider.span(Name(canonicalize_name("a")), Version("1.1"))
    assert [v for v in ("1.0", "1.0.1", "1.1", "1.2") if span.contains(Version(v))] == ["1.0.1", "1.1"]
