"""Metadata without a build: PKG-INFO (PEP 643) and a static [project] table (PEP 621)."""

from __future__ import annotations

import pytest
from packaging.version import Version

from puv.domain.build.static_metadata import from_pkg_info, from_pyproject
from puv.errors import MetadataError
from tests.support import builders


def pkg_info(version: str = "2.2", dynamic: tuple[str, ...] = ()) -> bytes:
    data = builders.core_metadata(
        "pkg", "1.0", metadata_version=version, requires_dist=["a>=1"], requires_python=">=3.8", dynamic=dynamic
    )
    return data if isinstance(data, bytes) else data.encode()


def test_pkg_info_2_2_is_trusted() -> None:
    metadata = from_pkg_info(pkg_info(), source="PKG-INFO")
    assert metadata is not None
    assert metadata.name == "pkg" and metadata.version == Version("1.0")
    assert [str(r) for r in metadata.requires_dist] == ["a>=1"]


@pytest.mark.parametrize("version", ["1.0", "2.1"])
def test_older_pkg_info_is_not_trusted(version: str) -> None:
    assert from_pkg_info(pkg_info(version), source="PKG-INFO") is None


@pytest.mark.parametrize("field", ["Requires-Dist", "Requires-Python", "Provides-Extra"])
def test_dynamic_resolver_fields_are_not_trusted(field: str) -> None:
    assert from_pkg_info(pkg_info(dynamic=(field,)), source="PKG-INFO") is None


def test_other_dynamic_fields_do_not_matter() -> None:
    assert from_pkg_info(pkg_info(dynamic=("Summary",)), source="PKG-INFO") is not None


def test_broken_pkg_info_needs_the_backend() -> None:
    assert from_pkg_info(b"Metadata-Version: 2.2\n", source="PKG-INFO") is None


def project(**fields: object) -> dict[str, object]:
    return {"project": {"name": "proj", "version": "1.0", **fields}}


def test_static_project_table() -> None:
    metadata = from_pyproject(
        project(
            dependencies=["a>=1", "b; python_version < '3.12'"],
            **{"optional-dependencies": {"Fast": ["c", "d; os_name == 'nt'"]}, "requires-python": ">=3.9"},
        ),
        source="pyproject.toml",
    )
    assert metadata is not None
    assert metadata.version == Version("1.0")
    assert str(metadata.requires_python) == ">=3.9"
    assert metadata.provides_extra == ("fast",)
    assert [str(r) for r in metadata.requires_dist] == [
        "a>=1",
        'b; python_version < "3.12"',
        'c; extra == "fast"',
        'd; os_name == "nt" and extra == "fast"',
    ]


@pytest.mark.parametrize("field", ["version", "dependencies", "optional-dependencies", "requires-python"])
def test_dynamic_fields_need_the_backend(field: str) -> None:
    assert from_pyproject(project(dynamic=[field]), source="pyproject.toml") is None


def test_no_project_table_or_no_version_needs_the_backend() -> None:
    assert from_pyproject({"build-system": {"requires": []}}, source="pyproject.toml") is None
    assert from_pyproject({"project": {"name": "proj"}}, source="pyproject.toml") is None


def test_invalid_static_values_are_errors() -> None:
    with pytest.raises(MetadataError, match="invalid version"):
        from_pyproject(project(version="not a version"), source="pyproject.toml")
    with pytest.raises(MetadataError, match="invalid requirement"):
        from_pyproject(project(dependencies=["a >>> 1"]), source="pyproject.toml")
    with pytest.raises(MetadataError, match="list of strings"):
        from_pyproject(project(dependencies="a"), source="pyproject.toml")
