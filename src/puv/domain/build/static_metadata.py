"""Core metadata of a source tree or sdist without running its build backend.

Two sources are trusted when they say the dependencies are static:

- an sdist's ``PKG-INFO`` with ``Metadata-Version`` 2.2 or later (PEP 643)
  that does not list ``Requires-Dist``, ``Requires-Python`` or
  ``Provides-Extra`` under ``Dynamic``;
- a ``pyproject.toml`` ``[project]`` table (PEP 621) whose ``version``,
  ``dependencies``, ``optional-dependencies`` and ``requires-python`` are not
  ``dynamic``.

Anything else (``None`` here) needs the backend's
``prepare_metadata_for_build_wheel`` hook. Pure: the callers read the files.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from puv.errors import MetadataError
from puv.primitives.metadata import CoreMetadata, parse_metadata

#: Core-metadata fields the resolver needs: none of them may be dynamic.
RESOLVER_FIELDS = frozenset({"requires-dist", "requires-python", "provides-extra"})
#: The pyproject.toml keys behind them (and the version).
PYPROJECT_FIELDS = frozenset({"version", "dependencies", "optional-dependencies", "requires-python"})


def _metadata_version(text: str) -> tuple[int, int]:
    major, _, minor = text.strip().partition(".")
    try:
        return int(major), int(minor or 0)
    except ValueError:
        return (0, 0)


def from_pkg_info(data: bytes | str, *, source: str) -> CoreMetadata | None:
    """The metadata of an sdist's PKG-INFO when its dependencies are static (PEP 643)."""
    try:
        metadata = parse_metadata(data, source=source)
    except MetadataError:
        return None
    if _metadata_version(metadata.metadata_version) < (2, 2):
        return None
    if RESOLVER_FIELDS & set(metadata.dynamic):
        return None
    return metadata


def from_pyproject(pyproject: Mapping[str, Any], *, source: str) -> CoreMetadata | None:
    """The metadata a static ``[project]`` table declares (PEP 621), or None."""
    project = pyproject.get("project")
    if not isinstance(project, Mapping):
        return None
    dynamic = project.get("dynamic", [])
    if not isinstance(dynamic, list) or PYPROJECT_FIELDS & {str(item) for item in dynamic}:
        return None
    name = project.get("name")
    version_text = project.get("version")
    if not isinstance(name, str) or not isinstance(version_text, str):
        return None
    where = f"{source} [project]"
    try:
        version = Version(version_text)
    except InvalidVersion:
        raise MetadataError(
            f"`{name}` has an invalid version `{version_text}` in {source}",
            source=source,
            hints=["versions must follow PEP 440"],
        ) from None
    requires_python = None
    raw_python = project.get("requires-python")
    if raw_python is not None:
        try:
            requires_python = SpecifierSet(str(raw_python))
        except InvalidSpecifier as error:
            raise MetadataError(f"invalid requires-python in {where}: {error}", source=source) from None
    requirements = [_requirement(text, where) for text in _strings(project.get("dependencies", []), where, "dependencies")]
    extras: list[str] = []
    optional = project.get("optional-dependencies", {})
    if not isinstance(optional, Mapping):
        raise MetadataError(f"`optional-dependencies` in {where} must be a table", source=source)
    for extra, values in optional.items():
        normal = canonicalize_name(str(extra))
        extras.append(normal)
        for text in _strings(values, where, f"optional-dependencies.{extra}"):
            requirement = _requirement(text, where)
            marker = f'extra == "{normal}"'
            if requirement.marker is not None:
                marker = f"({requirement.marker}) and {marker}"
            requirement.marker = None
            requirements.append(_requirement(f"{requirement}; {marker}", where))
    return CoreMetadata(
        metadata_version="2.2",
        name=name,
        version=version,
        requires_dist=tuple(requirements),
        requires_python=requires_python,
        provides_extra=tuple(dict.fromkeys(canonicalize_name(e) for e in extras)),
        summary=project.get("description") if isinstance(project.get("description"), str) else None,
    )


def _strings(values: Any, where: str, key: str) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise MetadataError(f"`{key}` in {where} must be a list of strings", source=where)
    return list(values)


def _requirement(text: str, where: str) -> Requirement:
    try:
        return Requirement(text)
    except InvalidRequirement as error:
        raise MetadataError(
            f"invalid requirement `{text}` in {where}", source=where, hints=[str(error).splitlines()[0]]
        ) from None
