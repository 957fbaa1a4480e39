"""Wheel and source distribution filenames."""

from __future__ import annotations

import time

import pytest
from packaging.tags import Tag
from packaging.version import Version

from puv.errors import InvalidFilename
from puv.primitives.filenames import (
    SdistFilename,
    WheelFilename,
    classify,
    parse_filename,
    parse_sdist_filename,
    parse_wheel_filename,
    sdist_extension,
    try_parse_filename,
)


def test_wheel_basic() -> None:
    parsed = parse_filename("Foo_Bar-1.2.3-py3-none-any.whl")
    assert isinstance(parsed, WheelFilename)
    assert parsed.kind == "wheel"
    assert parsed.name == "foo-bar"
    assert parsed.version == Version("1.2.3")
    assert parsed.build == ()
    assert parsed.tags == frozenset({Tag("py3", "none", "any")})


def test_wheel_build_tag_and_compressed_tags() -> None:
    parsed = parse_wheel_filename("pkg-2.0-1abc-cp311.cp312-abi3-manylinux1_x86_64.whl")
    assert parsed.build == (1, "abc")
    assert Tag("cp312", "abi3", "manylinux1_x86_64") in parsed.tags
    assert len(parsed.tags) == 2


def test_wheel_project_mismatch() -> None:
    assert try_parse_filename("foo-1.0-py3-none-any.whl", "bar") is None
    assert try_parse_filename("foo-1.0-py3-none-any.whl", "FOO") is not None
    with pytest.raises(InvalidFilename, match="not `bar`"):
        parse_wheel_filename("foo-1.0-py3-none-any.whl", "bar")


@pytest.mark.parametrize(
    "bad",
    [
        "foo-1.0-py3-none.whl",
        "foo-notaversion-py3-none-any.whl",
        "foo-1.0-x-py3-none-any.whl",
        "f!oo-1.0-py3-none-any.whl",
    ],
)
def test_wheel_invalid(bad: str) -> None:
    assert try_parse_filename(bad) is None
    with pytest.raises(InvalidFilename) as info:
        parse_filename(bad)
    assert info.value.filename == bad


@pytest.mark.parametrize(
    "filename,name,version,ext",
    [
        ("foo-1.0.tar.gz", "foo", "1.0", ".tar.gz"),
        ("foo_bar-2.0rc1.tar.gz", "foo-bar", "2.0rc1", ".tar.gz"),
        ("Foo-1.0.zip", "foo", "1.0", ".zip"),
        ("foo-1.0.tar.bz2", "foo", "1.0", ".tar.bz2"),
        ("foo-1.0.tgz", "foo", "1.0", ".tgz"),
        ("foo-1.0.tar.xz", "foo", "1.0", ".tar.xz"),
        ("foo-1.0.TAR.GZ", "foo", "1.0", ".tar.gz"),
        ("python-dateutil-2.8.2.tar.gz", "python-dateutil", "2.8.2", ".tar.gz"),
        ("foo-1.0-1.tar.gz", "foo", "1.0.post1", ".tar.gz"),
        ("foo-2-bar-1.0.tar.gz", "foo-2-bar", "1.0", ".tar.gz"),
    ],
)
def test_sdist_without_project(filename: str, name: str, version: str, ext: str) -> None:
    parsed = parse_filename(filename)
    assert isinstance(parsed, SdistFilename)
    assert parsed.kind == "sdist"
    assert (parsed.name, parsed.version, parsed.extension) == (name, Version(version), ext)


def test_sdist_with_project_name_containing_dashes() -> None:
    parsed = parse_sdist_filename("foo-bar-1.0.tar.gz", "foo_bar")
    assert (parsed.name, parsed.version) == ("foo-bar", Version("1.0"))
    parsed = parse_sdist_filename("Foo.Bar-1.0-2.zip", "foo-bar")
    assert parsed.version == Version("1.0.post2")


def test_sdist_with_other_project() -> None:
    assert try_parse_filename("foo-bar-1.0.tar.gz", "foo") is None
    assert try_parse_filename("foobar-1.0.tar.gz", "foo") is None
    with pytest.raises(InvalidFilename, match="does not match"):
        parse_sdist_filename("foobar-1.0.tar.gz", "foo")


@pytest.mark.parametrize(
    "bad", ["foo.tar.gz", "foo-.tar.gz", "foo-bar.tar.gz", "-1.0.tar.gz", "foo-1.0.exe", "foo-1.0.egg"]
)
def test_sdist_invalid(bad: str) -> None:
    assert try_parse_filename(bad) is None


def test_classify() -> None:
    assert classify("a-1-py3-none-any.whl") == "wheel"
    assert classify("a-1.tar.gz") == "sdist"
    assert classify("a-1.zip") == "sdist"
    assert classify("a-1.win32.exe") is None
    assert classify("a-1-py2.7.egg") is None
    assert sdist_extension("x.tar") == ".tar"
    assert sdist_extension("x.txt") is None


def test_speed_sanity() -> None:
    names = [f"pkg-1.{i}-cp312-cp312-manylinux_2_17_x86_64.whl" for i in range(2000)]
    names += [f"pkg-1.{i}.tar.gz" for i in range(2000)]
    start = time.perf_counter()
    for name in names:
        assert try_parse_filename(name, "pkg") is not None
    elapsed = time.perf_counter() - start
    print(f"\nparsed {len(names)} filenames in {elapsed * 1000:.1f} ms")
