"""Reading the Requires-Python values that real packages publish (PEP 440 / PEP 345).

Some published files carry specifiers that PEP 440 rejects but whose meaning is
plain, above all a wildcard after an ordering operator (``>=3.6.*``) and stray
commas. uv and older pips read them as intended; puv does the same, so an old
release is not rejected over a typo in its metadata. Anything still invalid
after these repairs is an error for the caller to report.
"""

from __future__ import annotations

import re

from packaging.specifiers import InvalidSpecifier, SpecifierSet

# An ordering operator followed by a version ending in ".*": the wildcard is dropped.
# (compiled on first use, through ``re.compile``'s own cache)
_ORDERED_WILDCARD = r"(>=|<=|>|<|~=)\s*([0-9][0-9a-zA-Z.+!-]*?)\.\*"


def lenient_specifier_set(text: str) -> SpecifierSet:
    """``SpecifierSet(text)``, after repairing the common invalid spellings.

    Raises :class:`packaging.specifiers.InvalidSpecifier` when ``text`` cannot be read.
    """
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        pass
    repaired = re.compile(_ORDERED_WILDCARD).sub(r"\1\2", text)
    repaired = ",".join(part.strip() for part in repaired.split(",") if part.strip())
    return SpecifierSet(repaired)
