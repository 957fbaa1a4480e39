"""Fixtures shared by every test.

Every test runs isolated from this machine's own pip and puv configuration:
HOME and the XDG directories point into the test's temporary directory, every
``PIP_*`` / ``PUV_*`` / ``UV_*`` variable is removed, and pip is told to read no
configuration file. (This machine's pip configuration adds extra indexes and
find-links; a test must never see them.)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_DROP_PREFIXES = ("PIP_", "PUV_", "UV_")
_DROP_NAMES = {"VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH", "NETRC", "NO_COLOR", "FORCE_COLOR"}


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        if name.startswith(_DROP_PREFIXES) or name in _DROP_NAMES:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    return home


pytest_plugins = ["tests.support.fixtures"]
