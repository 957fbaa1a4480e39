"""The index client against the real default index (marked `network`: not in the default run).

    pytest -m network tests/test_network_index.py
"""

from __future__ import annotations

from pathlib import Path

import pytest

from puv.domain.index.client import IndexClient, IndexSources
from puv.io.cache import Cache
from puv.io.http import HttpClient, HttpOptions
from puv.primitives.filenames import try_parse_filename
from puv.settings import Settings, resolve_index_url

pytestmark = pytest.mark.network


@pytest.fixture
def client(tmp_path: Path) -> IndexClient:
    cache = Cache(tmp_path / "cache")
    cache.ensure()
    http = HttpClient(HttpOptions(timeout=30))
    return IndexClient(http, cache, IndexSources((resolve_index_url(Settings()),)))


@pytest.mark.parametrize(
    "project,version,expected_dep",
    [("requests", "2.31.0", "urllib3<3,>=1.21.1"), ("flask", "3.0.0", "Werkzeug>=3.0.0"), ("six", "1.16.0", None)],
)
def test_versions_and_metadata_of_well_known_projects(
    client: IndexClient, project: str, version: str, expected_dep: str | None
) -> None:
    files = client.files(project)
    versions = {str(p.version) for f in files if (p := try_parse_filename(f.file.filename, project))}
    assert version in versions
    wheel = next(
        f.file for f in files if f.file.filename.startswith(f"{project}-{version}-") and f.file.kind == "wheel"
    )
    meta = client.metadata(project, wheel)
    assert str(meta.version) == version
    if expected_dep:
        assert expected_dep in [str(r) for r in meta.requires_dist]


def test_wheel_without_metadata_file_is_read_by_range_requests(client: IndexClient) -> None:
    """requests 2.31.0's wheel predates metadata files: its METADATA comes from the zip's tail."""
    from puv.domain.index.client import _metadata_from_blob
    from puv.primitives.metadata import parse_metadata

    wheel = next(
        f.file for f in client.files("requests") if f.file.filename == "requests-2.31.0-py3-none-any.whl"
    )
    assert not wheel.has_core_metadata
    via_ranges = client.metadata("requests", wheel)
    whole = client.http.get(wheel.url).body
    assert via_ranges == parse_metadata(_metadata_from_blob(whole, wheel.filename), source=wheel.filename)
    assert "charset-normalizer<4,>=2" in [str(r) for r in via_ranges.requires_dist]
