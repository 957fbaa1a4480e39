"""The package keys the Python resolver hands to the PubGrub solver.

PubGrub treats packages as opaque keys. Python packaging needs four kinds:

- :class:`Root`: the user's requirements, a virtual package at version ``0``;
- :class:`Name`: a real distribution (PEP 503 normalized name);
- :class:`Extra`: the virtual package ``name[extra]`` (PEP 508 extras, names
  normalized per PEP 685). Version ``V`` of it depends on ``Name(name)==V``
  plus the requirements the extra adds, so choosing ``foo[bar]`` pins ``foo``
  to the same version;
- :class:`Python`: the target interpreter, a virtual package with a single
  version. It only appears when a distribution's ``Requires-Python`` excludes
  the target, so that explanations can say which package needs which Python and
  versions with the same requirement are ruled out together.

This module is pure: values and their display names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from packaging.utils import NormalizedName


@dataclass(frozen=True, slots=True)
class Root:
    """The user's requirements (a virtual package)."""

    def __str__(self) -> str:
        return "your requirements"


@dataclass(frozen=True, slots=True)
class Name:
    """A real distribution, by normalized name."""

    name: NormalizedName

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Extra:
    """``name[extra]``: the distribution with one extra activated (virtual)."""

    name: NormalizedName
    extra: NormalizedName

    def __str__(self) -> str:
        return f"{self.name}[{self.extra}]"


@dataclass(frozen=True, slots=True)
class Python:
    """The target Python (virtual, one version)."""

    def __str__(self) -> str:
        return "Python"


PackageKey = Union[Root, Name, Extra, Python]

ROOT = Root()
PYTHON = Python()


def display(key: PackageKey) -> str:
    """The name of a key as an explanation prints it (``foo``, ``foo[bar]``, ``Python``)."""
    return str(key)


def dist_name(key: PackageKey) -> NormalizedName | None:
    """The distribution behind a key (``None`` for the root and Python)."""
    if isinstance(key, (Name, Extra)):
        return key.name
    return None
