"""puv's name normalization agrees with packaging's."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from puv.primitives.names import canonical_name


def test_examples() -> None:
    assert canonical_name("Foo.Bar_baz") == "foo-bar-baz"
    assert canonical_name("zope.interface") == "zope-interface"
    assert canonical_name("A--_.b") == "a-b"
    assert canonical_name("flask") == "flask"


@given(st.text(alphabet="aAzZ09-_.ÄK", max_size=20))
def test_agrees_with_packaging(name: str) -> None:
    assert canonical_name(name) == canonicalize_name(name)
