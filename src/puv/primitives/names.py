"""Project names in their normalized form (PEP 503, the packaging specifications'
"Names and normalization"): every run of ``-``, ``_`` and ``.`` becomes one ``-``,
and the whole is lower-cased.

``packaging.utils.canonicalize_name`` does the same; importing ``packaging.utils``
also imports ``packaging.tags`` (and with it ``logging``, ``subprocess``,
``platform``, ``sysconfig``), ~14 ms that the read-only commands (``pip freeze``,
``pip list``) would pay for one regular expression. tests/test_names.py checks
that the two agree.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[-_.]+")


def canonical_name(name: str) -> str:
    """``Foo.Bar_baz`` -> ``foo-bar-baz``."""
    return _SEPARATORS.sub("-", name).lower()
