"""pyenv: where its versions live, and what one of its shims would run, without running it.

A pyenv shim is a shell script that asks pyenv which installed version to
run (``PYENV_VERSION``, else the nearest ``.python-version`` from the working
directory up, else ``$PYENV_ROOT/version``). Starting one costs tens of
milliseconds, and a shim for a version that is not selected fails (exit 127).
:func:`resolve_shim` follows the same rules by reading those few files; when
the answer is not certain (``system``, a version prefix, a plugin's name) it
says so and the caller runs the shim after all.

The pyenv root is ``$PYENV_ROOT``, else ``~/.pyenv`` (``HOME`` from the
environment given).
"""

from __future__ import annotations

import os
from puv.frozen import Frozen

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Literal


def pyenv_root(environ: Mapping[str, str]) -> str | None:
    root = environ.get("PYENV_ROOT")
    if root:
        return root
    home = environ.get("HOME")
    return os.path.join(home, ".pyenv") if home else None


class ShimResolution(Frozen):
    """``found``: ``path`` is what the shim runs; ``missing``: the shim would fail;
    ``unknown``: run the shim to find out.

    A frozen value (:class:`puv.frozen.Frozen`, kept off ``dataclasses`` for start-up time) with the behaviour of a frozen ``@dataclass``
    (construction, ``==``, hash, repr, ``FrozenInstanceError``): ``puv venv``
    loads this module on every run, and importing ``dataclasses`` (which
    imports ``inspect``) would be a large share of its start-up.
    """

    __slots__ = ("outcome", "path", "versions")

    outcome: Literal["found", "missing", "unknown"]
    path: str | None
    versions: tuple[str, ...]

    def __init__(
        self,
        outcome: Literal["found", "missing", "unknown"],
        path: str | None = None,
        versions: tuple[str, ...] = (),
    ) -> None:
        init = object.__setattr__
        init(self, "outcome", outcome)
        init(self, "path", path)
        init(self, "versions", versions)

def is_shim(path: str, root: str | None) -> bool:
    return root is not None and os.path.dirname(os.path.abspath(path)) == os.path.join(
        os.path.abspath(root), "shims"
    )


def _read_version_file(path: str) -> tuple[str, ...] | None:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return None
    names: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        names.extend(word for word in line.split() if word)
    return tuple(names)


def selected_versions(root: str, environ: Mapping[str, str], cwd: str) -> tuple[str, ...]:
    """The version names pyenv would use, in order (``("system",)`` when none is set)."""
    env_value = environ.get("PYENV_VERSION")
    if env_value:
        return tuple(v for v in env_value.split(":") if v)
    directory = os.path.abspath(cwd)
    while True:
        found = _read_version_file(os.path.join(directory, ".python-version"))
        if found:
            return found
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    found = _read_version_file(os.path.join(root, "version"))
    return found or ("system",)


def resolve_shim(shim: str, root: str, environ: Mapping[str, str], cwd: str) -> ShimResolution:
    """What running ``shim`` would execute, decided from pyenv's version files."""
    command = os.path.basename(shim)
    versions = selected_versions(root, environ, cwd)
    for version in versions:
        if version == "system":
            return ShimResolution("unknown", versions=versions)
        version_dir = os.path.join(root, "versions", version)
        if not os.path.isdir(version_dir):
            return ShimResolution("unknown", versions=versions)
        candidate = os.path.join(version_dir, "bin", command)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return ShimResolution("found", path=candidate, versions=versions)
    return ShimResolution("missing", versions=versions)
