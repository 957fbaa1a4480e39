"""Core metadata, WHEEL files and entry_points.txt."""

from __future__ import annotations

import time

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from puv.errors import MetadataError
from puv.primitives.metadata import (
    EntryPoint,
    ObjectRef,
    WheelInfo,
    parse_entry_points,
    parse_headers,
    parse_metadata,
    parse_wheel_info,
)

METADATA_24 = """\
Metadata-Version: 2.4
Name: Foo_Bar
Version: 1.2.0
Summary: A package
 that wraps
Home-page: https://example.com/foo
Author: A. Person
Author-email: a@example.com
License-Expression: MIT
Requires-Python: >=3.8, !=3.9.*
Requires-Dist: requests>=2.0
Requires-Dist: tomli; python_version < "3.11"
Requires-Dist: pytest (>=7) ; extra == 'Test_Suite'
Provides-Extra: Test_Suite
Provides-Extra: docs.extra
Dynamic: License
Classifier: Programming Language :: Python :: 3
Classifier: License :: OSI Approved :: MIT License
Project-URL: Source, https://example.com/src
Description-Content-Type: text/markdown

# Foo

Requires-Dist: not-a-header-this-is-the-body
"""


def test_full_metadata() -> None:
    meta = parse_metadata(METADATA_24.encode())
    assert meta.metadata_version == "2.4"
    assert meta.name == "Foo_Bar"
    assert meta.canonical_name == "foo-bar"
    assert meta.version == Version("1.2.0")
    assert meta.summary == "A package\nthat wraps"
    assert meta.requires_python == SpecifierSet(">=3.8,!=3.9.*")
    assert [str(r) for r in meta.requires_dist] == [
        str(Requirement("requests>=2.0")),
        str(Requirement('tomli; python_version < "3.11"')),
        str(Requirement("pytest>=7; extra == 'Test_Suite'")),
    ]
    assert meta.provides_extra == ("test-suite", "docs-extra")
    assert meta.dynamic == ("license",)
    assert meta.classifiers[0] == "Programming Language :: Python :: 3"
    assert meta.project_urls == (("Source", "https://example.com/src"),)
    assert meta.home_page == "https://example.com/foo"
    assert meta.author_email == "a@example.com"
    assert meta.license_expression == "MIT"
    assert meta.description_content_type == "text/markdown"


def test_body_is_ignored_and_crlf_works() -> None:
    text = METADATA_24.replace("\n", "\r\n")
    meta = parse_metadata(text.encode())
    assert len(meta.requires_dist) == 3
    assert meta.summary == "A package\nthat wraps"


def test_old_metadata_1_0() -> None:
    meta = parse_metadata(
        "Metadata-Version: 1.0\nName: old\nVersion: 0.1\nSummary: UNKNOWN\n"
        "Description: line one\n        |line two\nPlatform: UNKNOWN\n"
    )
    assert meta.metadata_version == "1.0"
    assert meta.requires_dist == ()
    assert meta.requires_python is None


def test_missing_metadata_version_defaults() -> None:
    assert parse_metadata("Name: x\nVersion: 1\n").metadata_version == "1.0"


def test_requires_dist_continuation_is_unfolded() -> None:
    meta = parse_metadata("Metadata-Version: 2.1\nName: x\nVersion: 1\nRequires-Dist: foo\n  >=1.0\n")
    assert str(meta.requires_dist[0]) == "foo>=1.0"


def test_invalid_utf8_survives() -> None:
    meta = parse_metadata(b"Metadata-Version: 2.1\nName: x\nVersion: 1\nAuthor: Jos\xe9\n")
    assert meta.author is not None and meta.author.startswith("Jos")


def test_bom_is_dropped() -> None:
    meta = parse_metadata(b"\xef\xbb\xbfMetadata-Version: 2.1\nName: x\nVersion: 1\n")
    assert meta.metadata_version == "2.1"


def test_invalid_requires_dist_names_package_and_line() -> None:
    text = "Metadata-Version: 2.1\nName: broken\nVersion: 1.0\nRequires-Dist: foo >= = 1\n"
    with pytest.raises(MetadataError) as info:
        parse_metadata(text, source="broken-1.0.dist-info/METADATA")
    err = info.value
    assert "broken 1.0" in err.message
    assert "foo >= = 1" in err.message
    assert err.line == "Requires-Dist: foo >= = 1"
    assert err.source == "broken-1.0.dist-info/METADATA"
    assert err.hints


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("Metadata-Version: 2.1\nVersion: 1\n", "no `Name`"),
        ("Metadata-Version: 2.1\nName: x\n", "no `Version`"),
        ("Metadata-Version: 2.1\nName: x\nVersion: one\n", "invalid version"),
        ("Metadata-Version: 2.1\nName: x\nVersion: 1\nRequires-Python: >=three\n", "Requires-Python"),
        ("Metadata-Version: 3.0\nName: x\nVersion: 1\n", "does not support"),
        ("Metadata-Version: two\nName: x\nVersion: 1\n", "invalid Metadata-Version"),
        ("", "no `Name`"),
    ],
)
def test_metadata_errors(text: str, fragment: str) -> None:
    with pytest.raises(MetadataError) as info:
        parse_metadata(text)
    assert fragment in info.value.message


def test_header_parser_details() -> None:
    headers = parse_headers("A: 1\nB:2\n\tcont\nA: 3\nnot a header\nC: 4\n")
    assert headers == (("A", "1"), ("B", "2\ncont"), ("A", "3"))
    assert parse_headers("\nA: 1\n") == ()
    assert parse_headers("A: 1\r\n\r\nB: 2") == (("A", "1"),)


def test_newer_minor_metadata_accepted() -> None:
    assert parse_metadata("Metadata-Version: 2.9\nName: x\nVersion: 1\n").metadata_version == "2.9"


WHEEL = """\
Wheel-Version: 1.0
Generator: bdist_wheel (0.42.0)
Root-Is-Purelib: true
Tag: py3-none-any
Tag: py2-none-any
Build: 1
"""


def test_wheel_info() -> None:
    info = parse_wheel_info(WHEEL.encode())
    assert info == WheelInfo((1, 0), True, ("py3-none-any", "py2-none-any"), "1", "bdist_wheel (0.42.0)")


def test_wheel_info_platlib_default() -> None:
    assert parse_wheel_info("Wheel-Version: 1.9\n").root_is_purelib is False
    assert parse_wheel_info("Wheel-Version: 1.0\nRoot-Is-Purelib: false\n").wheel_version == (1, 0)


@pytest.mark.parametrize(
    "text,fragment",
    [("Root-Is-Purelib: true\n", "no `Wheel-Version`"), ("Wheel-Version: 2.0\n", "supports 1.x"), ("Wheel-Version: x\n", "invalid")],
)
def test_wheel_info_errors(text: str, fragment: str) -> None:
    with pytest.raises(MetadataError) as info:
        parse_wheel_info(text)
    assert fragment in info.value.message


ENTRY_POINTS = """\
# comment
[console_scripts]
Foo = foo.cli:main
foo-extra = foo.cli:extra [Cli, fast]

; another comment
[gui_scripts]
foo-gui=foo.gui:run
[foo.plugins]
plain = foo.plugin
"""


def test_entry_points() -> None:
    eps = parse_entry_points(ENTRY_POINTS.encode())
    assert eps == (
        EntryPoint("console_scripts", "Foo", "foo.cli:main"),
        EntryPoint("console_scripts", "foo-extra", "foo.cli:extra [Cli, fast]"),
        EntryPoint("gui_scripts", "foo-gui", "foo.gui:run"),
        EntryPoint("foo.plugins", "plain", "foo.plugin"),
    )
    assert eps[0].object_ref() == ObjectRef("foo.cli", "main")
    assert eps[1].object_ref() == ObjectRef("foo.cli", "extra", ("Cli", "fast"))
    assert eps[3].object_ref() == ObjectRef("foo.plugin", None)


def test_entry_point_bad_object_ref() -> None:
    ep = EntryPoint("console_scripts", "x", "not valid:")
    with pytest.raises(MetadataError, match="invalid object reference"):
        ep.object_ref()


@pytest.mark.parametrize("text", ["x = y:z\n", "[console_scripts]\njust a line\n", "[broken\n"])
def test_entry_points_errors(text: str) -> None:
    with pytest.raises(MetadataError):
        parse_entry_points(text)


def test_entry_points_crlf_and_continuation() -> None:
    eps = parse_entry_points("[a]\r\nx = m:f\r\n    [extra]\r\n")
    assert eps == (EntryPoint("a", "x", "m:f [extra]"),)


def test_speed_sanity_1000_files() -> None:
    files = [
        (
            f"Metadata-Version: 2.1\nName: pkg{i}\nVersion: 1.{i}\nSummary: s\n"
            "Requires-Python: >=3.8\n"
            + "".join(f'Requires-Dist: dep{j}>=1.{j}; python_version >= "3.8"\n' for j in range(5))
            + "Provides-Extra: test\n\n" + "body\n" * 200
        ).encode()
        for i in range(1000)
    ]
    start = time.perf_counter()
    for data in files:
        parse_metadata(data)
    print(f"\nparsed 1000 METADATA files in {(time.perf_counter() - start) * 1000:.1f} ms")


def test_a_shared_memo_reuses_parsed_lines_and_still_refuses_bad_ones() -> None:
    memo: dict = {}
    first = parse_metadata(
        "Name: a\nVersion: 1\nRequires-Python: >=3.8\nRequires-Dist: urllib3<1.27,>=1.25.4\n", parsed=memo
    )
    second = parse_metadata(
        "Name: a\nVersion: 2\nRequires-Python: >=3.8\nRequires-Dist: urllib3<1.27,>=1.25.4\n"
        "Requires-Dist: six; extra == 'x'\n",
        parsed=memo,
    )
    assert first.requires_dist[0] is second.requires_dist[0]
    assert first.requires_python is second.requires_python
    assert [str(r) for r in second.requires_dist] == ["urllib3<1.27,>=1.25.4", 'six; extra == "x"']
    assert set(memo) == {"urllib3<1.27,>=1.25.4", "six; extra == 'x'", "python:>=3.8"}
    # A line that looks like a memo key of another kind is parsed (and refused) as itself.
    with pytest.raises(MetadataError, match="invalid Requires-Dist `python:>=3.8`"):
        parse_metadata("Name: a\nVersion: 3\nRequires-Dist: python:>=3.8\n", parsed=memo)
