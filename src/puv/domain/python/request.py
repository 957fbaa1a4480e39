"""A ``--python`` request parsed into a value (pure: no file system, no environment).

The accepted forms follow uv's Python request grammar:

* nothing: any interpreter;
* a version: ``3``, ``3.12``, ``3.12.1``, ``312``; a trailing ``t`` asks for a
  free-threaded build (``3.13t``);
* a PEP 440 specifier set: ``>=3.11``, ``>=3.9,<3.13``, ``==3.12.*``;
* an implementation, alone or with a version: ``cpython``, ``cpython3.12``,
  ``cpython@3.12``, ``cpython-3.12``, ``cp312``, ``cp3.12``, ``pypy3.10``;
* a path to an executable or to an environment / installation directory
  (anything with a path separator, or starting with ``.`` or ``~``; a leading
  ``~`` is expanded later, by discovery, from the environment it is given);
* otherwise an executable name looked up on PATH (``python3.12``, ``mypython``).
"""

from __future__ import annotations

import os
import re
from puv.errors import UsageError
from puv.frozen import Frozen

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from typing import Literal

    RequestKind = Literal["any", "version", "path", "name"]

# Spelled-out names and their short forms, as in uv.
_IMPLEMENTATIONS: dict[str, str] = {
    "cpython": "cpython",
    "cp": "cpython",
    "pypy": "pypy",
    "pp": "pypy",
    "graalpy": "graalpy",
    "gp": "graalpy",
}
_DISPLAY = {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalPy"}

# Patterns stay text: ``re`` compiles (and caches) them on first use, so a
# path request pays nothing for them at start-up.
_VERSION = r"(?P<nums>\d+(?:\.\d+){0,2})(?P<t>t?)"
_COMPACT = r"(?P<major>\d)(?P<minor>\d{1,2})"
_IMPL = r"(?P<impl>cpython|graalpy|pypy|cp|pp|gp)(?:[@-]?)(?P<rest>.*)"
_SPECIFIER_START = ("<", ">", "=", "!", "~")


class PythonRequest(Frozen):
    """What the user asked for. Build one with :func:`parse_request`.

    A frozen value (:class:`puv.frozen.Frozen`, kept off ``dataclasses`` for start-up time) with the behaviour of a frozen ``@dataclass``
    (construction, ``==``, hash, repr, ``FrozenInstanceError``): ``puv venv``
    loads this module on every run, and importing ``dataclasses`` (which
    imports ``inspect``) would be a large share of its start-up.
    """

    __slots__ = ("kind", "raw", "implementation", "version", "specifier", "freethreaded", "path", "name")

    kind: RequestKind
    raw: str
    implementation: str | None
    # For version requests: the numbers given (``(3, 12)`` matches 3.12.x) ...
    version: tuple[int, ...]
    # ... or a PEP 440 specifier set (``>=3.11``), kept as normalised text.
    specifier: str | None
    freethreaded: bool
    # For path and name requests.
    path: str | None
    name: str | None

    def __init__(
        self,
        kind: RequestKind,
        raw: str = "",
        implementation: str | None = None,
        version: tuple[int, ...] = (),
        specifier: str | None = None,
        freethreaded: bool = False,
        path: str | None = None,
        name: str | None = None,
    ) -> None:
        init = object.__setattr__
        init(self, "kind", kind)
        init(self, "raw", raw)
        init(self, "implementation", implementation)
        init(self, "version", version)
        init(self, "specifier", specifier)
        init(self, "freethreaded", freethreaded)
        init(self, "path", path)
        init(self, "name", name)

    def describe(self) -> str:
        """The request as a user reads it in messages (``Python 3.12``, ``CPython >=3.11``)."""
        if self.kind == "any":
            return "Python"
        if self.kind == "path":
            return f"Python at `{self.path}`"
        if self.kind == "name":
            return f"executable `{self.name}`"
        who = _DISPLAY.get(self.implementation or "", "Python")
        if self.specifier is not None:
            return f"{who} {self.specifier}"
        if self.version:
            return f"{who} {'.'.join(map(str, self.version))}{'t' if self.freethreaded else ''}"
        return who

    def wants_minor(self) -> tuple[int, int] | None:
        """The exact ``(major, minor)`` a version request pins, else ``None``."""
        if self.kind == "version" and len(self.version) >= 2:
            return (self.version[0], self.version[1])
        return None

    def matches(
        self,
        *,
        implementation: str,
        version: tuple[int, int, int],
        full_version: str,
        freethreaded: bool = False,
    ) -> bool:
        """Whether an interpreter with these facts satisfies a version/implementation request.

        Path and name requests are satisfied by whatever they point at, so
        they match everything here.
        """
        if self.kind in ("any", "path", "name"):
            return True
        if self.implementation is not None and implementation.lower() != self.implementation:
            return False
        if self.freethreaded and not freethreaded:
            return False
        if self.version and tuple(version[: len(self.version)]) != self.version:
            return False
        if self.specifier is not None:
            from packaging.specifiers import SpecifierSet

            return SpecifierSet(self.specifier).contains(full_version, prereleases=True)
        return True


def _invalid(raw: str, reason: str) -> UsageError:
    return UsageError(
        f"invalid Python request `{raw}`: {reason}",
        hints=[
            "use a version (`3.12`, `3.12.1`, `>=3.11`), an implementation "
            "(`cpython3.12`, `cpython@3.12`), an executable name (`python3.12`) or a path",
        ],
    )


def _parse_specifier(raw: str, text: str, implementation: str | None) -> PythonRequest:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        spec = SpecifierSet(text)
    except InvalidSpecifier:
        raise _invalid(raw, f"`{text}` is not a valid version specifier") from None
    return PythonRequest(kind="version", raw=raw, implementation=implementation, specifier=str(spec))


def _parse_version(text: str) -> tuple[tuple[int, ...], bool] | None:
    """``3.12`` / ``3.12.1`` / ``312`` / ``3.13t`` -> numbers and the free-threaded flag."""
    match = re.fullmatch(_VERSION, text)
    if match is None:
        return None
    nums, freethreaded = match["nums"], bool(match["t"])
    if "." in nums or len(nums) == 1:
        return tuple(int(p) for p in nums.split(".")), freethreaded
    compact = re.fullmatch(_COMPACT, nums)
    if compact is not None:
        return (int(compact["major"]), int(compact["minor"])), freethreaded
    return None


def _version_request(raw: str, text: str, implementation: str | None) -> PythonRequest | None:
    if text.startswith(_SPECIFIER_START) or "," in text:
        return _parse_specifier(raw, text, implementation)
    parsed = _parse_version(text)
    if parsed is None:
        return None
    numbers, freethreaded = parsed
    if numbers[0] == 0:
        raise _invalid(raw, "a Python major version cannot be 0")
    return PythonRequest(
        kind="version",
        raw=raw,
        implementation=implementation,
        version=numbers,
        freethreaded=freethreaded,
    )


def parse_request(raw: str | None) -> PythonRequest:
    """Parse the value of ``--python`` (``None`` or empty: any interpreter)."""
    if raw is None:
        return PythonRequest(kind="any")
    text = raw.strip()
    if not text or text.lower() in ("any", "default"):
        return PythonRequest(kind="any", raw=raw)
    if os.sep in text or "/" in text or text.startswith((".", "~")):
        return PythonRequest(kind="path", raw=raw, path=text)
    if any(ch.isspace() for ch in text) and not text.startswith(_SPECIFIER_START):
        raise _invalid(raw, "it contains white space")

    lowered = text.lower()
    if lowered[0].isdigit() or lowered.startswith(_SPECIFIER_START):
        request = _version_request(raw, lowered, None)
        if request is None:
            raise _invalid(raw, "it is not a version")
        return request

    impl_match = re.fullmatch(_IMPL, lowered)
    if impl_match is not None:
        implementation = _IMPLEMENTATIONS[impl_match["impl"].lower()]
        rest = impl_match["rest"]
        if not rest:
            return PythonRequest(kind="version", raw=raw, implementation=implementation)
        request = _version_request(raw, rest, implementation)
        if request is not None:
            return request
    # Anything else names an executable to look up on PATH.
    return PythonRequest(kind="name", raw=raw, name=text)
