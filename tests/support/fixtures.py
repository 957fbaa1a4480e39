"""Pytest fixtures for the local test index and on-the-fly distributions.

Registered from ``tests/conftest.py`` (``pytest_plugins``):

- ``index_server``: a fresh, started :class:`IndexServer` per test, stopped at teardown.
- ``wheel_factory`` / ``sdist_factory``: ``build_wheel`` / ``build_sdist`` writing into the
  test's ``dists`` directory (keyword arguments as in ``tests.support.builders``).
- ``scenario_builds``: session-wide cache of built scenario universes.
- ``scenario_index``: ``scenario_index("name")`` publishes a scenario on ``index_server``
  and returns a :class:`ScenarioIndex` (the server, the scenario, prefixed root requires).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support import builders
from tests.support.index_server import IndexServer
from tests.support.scenarios import Scenario, ScenarioBuilds, load_scenario, publish_scenario


@pytest.fixture
def index_server() -> Iterator[IndexServer]:
    server = IndexServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dists_dir(tmp_path: Path) -> Path:
    path = tmp_path / "dists"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def wheel_factory(dists_dir: Path) -> Callable[..., Path]:
    """``wheel_factory("name", "1.0", requires_dist=["b>=1"], ...) -> Path``"""

    def make(name: str, version: str, **kwargs: Any) -> Path:
        return builders.build_wheel(dists_dir, name, version, **kwargs)

    return make


@pytest.fixture
def sdist_factory(dists_dir: Path) -> Callable[..., Path]:
    """``sdist_factory("name", "1.0", requires_dist=["b>=1"], ...) -> Path``"""

    def make(name: str, version: str, **kwargs: Any) -> Path:
        return builders.build_sdist(dists_dir, name, version, **kwargs)

    return make


@pytest.fixture(scope="session")
def scenario_builds(tmp_path_factory: pytest.TempPathFactory) -> ScenarioBuilds:
    return ScenarioBuilds(tmp_path_factory.mktemp("scenario-builds"))


@dataclass(frozen=True)
class ScenarioIndex:
    """A scenario published on a running index."""

    server: IndexServer
    scenario: Scenario

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requires(self) -> tuple[str, ...]:
        """Root requirements with prefixed names, ready for the installer's command line."""
        return self.scenario.requires


@pytest.fixture
def scenario_index(index_server: IndexServer, scenario_builds: ScenarioBuilds) -> Callable[[str | Scenario], ScenarioIndex]:
    """``scenario_index("extra-required")`` (or a loaded Scenario) -> ScenarioIndex."""

    def publish(which: str | Scenario) -> ScenarioIndex:
        scenario = which if isinstance(which, Scenario) else load_scenario(which)
        publish_scenario(index_server, scenario, scenario_builds)
        return ScenarioIndex(index_server, scenario)

    return publish
