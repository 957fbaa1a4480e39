"""Lenient reading of published Requires-Python values."""

from __future__ import annotations

import pytest
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from puv.primitives.metadata import parse_metadata
from puv.primitives.specifiers import lenient_specifier_set


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (">=3.8", ">=3.8"),
        (">=3.6.*", ">=3.6"),
        (">=2.7, !=3.0.*, !=3.1.*", ">=2.7,!=3.0.*,!=3.1.*"),
        (">=3.6.*,<4", ">=3.6,<4"),
        (">=3.7,", ">=3.7"),
        ("~=3.6.*", "~=3.6"),
    ],
)
def test_repairs(text: str, expected: str) -> None:
    assert lenient_specifier_set(text) == SpecifierSet(expected)


@pytest.mark.parametrize("text", ["python3", ">=three", "=>3.6"])
def test_still_invalid(text: str) -> None:
    with pytest.raises(InvalidSpecifier):
        lenient_specifier_set(text)


def test_metadata_with_a_wildcard_requires_python_is_read() -> None:
    meta = parse_metadata("Metadata-Version: 2.1\nName: old\nVersion: 0.5\nRequires-Python: >=3.6.*\n")
    assert meta.requires_python == SpecifierSet(">=3.6")
