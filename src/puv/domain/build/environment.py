"""Build environments (PEP 517 / PEP 518 build isolation).

An isolated build runs in a fresh virtual environment that puv creates on
the target's base interpreter and fills itself: the ``[build-system]
requires`` first, then whatever ``get_requires_for_build_wheel`` /
``get_requires_for_build_editable`` adds. The filling goes through a
:class:`RequirementsInstaller` (the caller wires puv's resolver and installer
to it), so this module imports neither.

Without isolation (``--no-build-isolation``) the hooks run in the target
environment's own interpreter and nothing is installed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from puv.domain.python.interpreter import Interpreter


class RequirementsInstaller(Protocol):
    """Installs PEP 508 requirements into the environment of the interpreter at ``python``."""

    def install(self, requirements: Sequence[str], python: str) -> None: ...


@dataclass(frozen=True, slots=True)
class BuildEnvironment:
    """Where the hooks run: ``python``; ``root`` is the isolated venv (None: not isolated)."""

    python: str
    root: Path | None = None

    @property
    def isolated(self) -> bool:
        return self.root is not None

    def environ(self) -> dict[str, str]:
        """Variables laid over the process environment for the hooks."""
        if self.root is None:
            return {}
        scripts = str(self.root / "bin")
        path = os.environ.get("PATH", "")
        return {
            "PATH": scripts + (os.pathsep + path if path else ""),
            "VIRTUAL_ENV": str(self.root),
            "PYTHONNOUSERSITE": "1",
        }

    def dropped(self) -> tuple[str, ...]:
        """Variables removed for the hooks (an isolated build sees none of the user's paths)."""
        return ("PYTHONPATH", "PYTHONHOME") if self.root is not None else ()


def create_isolated(base: Interpreter, location: Path) -> BuildEnvironment:
    """A new, empty virtual environment at ``location`` on ``base`` (not itself a venv)."""
    from puv.domain.venv.create import create_venv

    result = create_venv(location, base, prompt="puv-build")
    return BuildEnvironment(str(result.python), result.root)


def target_environment(python: str) -> BuildEnvironment:
    """``--no-build-isolation``: the hooks run with the target's own interpreter."""
    return BuildEnvironment(python)
