"""Parsing `--python` requests (pure) and matching them against interpreter facts."""

from __future__ import annotations

import pytest

from puv.domain.python.request import PythonRequest, parse_request
from puv.errors import UsageError


@pytest.mark.parametrize(
    ("raw", "kind", "implementation", "version", "specifier", "freethreaded"),
    [
        ("3", "version", None, (3,), None, False),
        ("3.12", "version", None, (3, 12), None, False),
        ("3.12.1", "version", None, (3, 12, 1), None, False),
        ("312", "version", None, (3, 12), None, False),
        ("3.13t", "version", None, (3, 13), None, True),
        (">=3.11", "version", None, (), ">=3.11", False),
        (">=3.9,<3.13", "version", None, (), "<3.13,>=3.9", False),
        ("==3.12.*", "version", None, (), "==3.12.*", False),
        ("cpython", "version", "cpython", (), None, False),
        ("CPython3.12", "version", "cpython", (3, 12), None, False),
        ("cpython@3.12", "version", "cpython", (3, 12), None, False),
        ("cpython-3.12", "version", "cpython", (3, 12), None, False),
        ("cpython@>=3.11", "version", "cpython", (), ">=3.11", False),
        ("cp312", "version", "cpython", (3, 12), None, False),
        ("cp3.12", "version", "cpython", (3, 12), None, False),
        ("pypy3.10", "version", "pypy", (3, 10), None, False),
    ],
)
def test_version_requests(
    raw: str,
    kind: str,
    implementation: str | None,
    version: tuple[int, ...],
    specifier: str | None,
    freethreaded: bool,
) -> None:
    request = parse_request(raw)
    assert request.kind == kind
    assert request.implementation == implementation
    assert request.version == version
    assert request.specifier == specifier
    assert request.freethreaded == freethreaded
    assert request.raw == raw


@pytest.mark.parametrize("raw", [None, "", "  ", "any"])
def test_any(raw: str | None) -> None:
    assert parse_request(raw).kind == "any"


@pytest.mark.parametrize(
    ("raw", "path"),
    [("/usr/bin/python3", "/usr/bin/python3"), ("./venv/bin/python", "./venv/bin/python"), ("~/py", "~/py"), (".venv", ".venv")],
)
def test_paths_stay_as_given(raw: str, path: str) -> None:
    request = parse_request(raw)
    assert request.kind == "path"
    assert request.path == path  # `~` is expanded by discovery, from its own environment


@pytest.mark.parametrize("raw", ["python3.12", "python3", "mypython", "cpythonic"])
def test_executable_names(raw: str) -> None:
    request = parse_request(raw)
    assert request.kind == "name"
    assert request.name == raw


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (">=3.x", "not a valid version specifier"),
        ("3.12.1.4", "not a version"),
        ("3.x", "not a version"),
        ("0.1", "major version cannot be 0"),
        ("python 3", "white space"),
    ],
)
def test_invalid_requests_are_usage_errors(raw: str, reason: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_request(raw)
    assert reason in info.value.message
    assert f"`{raw}`" in info.value.message
    assert info.value.code == 2
    assert info.value.hints


def _matches(request: PythonRequest, version: str, implementation: str = "cpython", ft: bool = False) -> bool:
    numbers = tuple(int(p) for p in version.split(".")[:3])
    assert len(numbers) == 3
    return request.matches(
        implementation=implementation,
        version=(numbers[0], numbers[1], numbers[2]),
        full_version=version,
        freethreaded=ft,
    )


@pytest.mark.parametrize(
    ("raw", "version", "expected"),
    [
        ("3.12", "3.12.1", True),
        ("3.12", "3.11.7", False),
        ("3.12", "3.1.2", False),
        ("3.12.1", "3.12.1", True),
        ("3.12.1", "3.12.2", False),
        ("3", "3.8.18", True),
        (">=3.11", "3.11.0", True),
        (">=3.11", "3.10.13", False),
        (">=3.9,<3.13", "3.13.0", False),
        (">=3.9,<3.13", "3.12.1", True),
        ("cpython3.10", "3.10.13", True),
        (None, "3.8.18", True),
    ],
)
def test_matches_version(raw: str | None, version: str, expected: bool) -> None:
    assert _matches(parse_request(raw), version) is expected


def test_matches_implementation_and_freethreading() -> None:
    assert not _matches(parse_request("pypy3.10"), "3.10.13", implementation="cpython")
    assert _matches(parse_request("pypy3.10"), "3.10.13", implementation="pypy")
    assert not _matches(parse_request("3.13t"), "3.13.0", ft=False)
    assert _matches(parse_request("3.13t"), "3.13.0", ft=True)


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (None, "Python"),
        ("3.12", "Python 3.12"),
        ("cpython@3.12", "CPython 3.12"),
        (">=3.11", "Python >=3.11"),
        ("python3.12", "executable `python3.12`"),
        ("/x/python", "Python at `/x/python`"),
    ],
)
def test_describe(raw: str | None, text: str) -> None:
    assert parse_request(raw).describe() == text


def test_requests_are_frozen_values() -> None:
    assert parse_request("3.12") == parse_request("3.12")
    with pytest.raises(AttributeError):
        parse_request("3.12").kind = "any"  # type: ignore[misc]
