"""[build-system] defaults (PEP 517/518), source trees, sdist unpacking, cache keys, hints."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from puv.domain.build.cache import config_suffix, directory_fingerprint
from puv.domain.build.errors import OUTPUT_TAIL, BuildFailed, InvalidProject, output_hints
from puv.domain.build.frontend import config_settings_dict
from puv.domain.build.source import (
    DEFAULT_REQUIRES,
    LEGACY_BACKEND,
    build_system,
    load_tree,
    unpack_sdist,
)
from puv.io.archive import UnsafeArchive
from tests.support import builders


def test_declared_backend() -> None:
    system = build_system(
        {"build-system": {"requires": ["hatchling"], "build-backend": "hatchling.build", "backend-path": ["."]}},
        where="pyproject.toml",
    )
    assert system.requires == ("hatchling",) and system.backend == "hatchling.build"
    assert system.backend_path == (".",) and system.declared


def test_defaults_without_build_system() -> None:
    for pyproject in (None, {"project": {"name": "x"}}):
        system = build_system(pyproject, where="pyproject.toml")
        assert system.requires == DEFAULT_REQUIRES == ("setuptools>=40.8.0",)
        assert system.backend == LEGACY_BACKEND and not system.declared


def test_requires_without_backend_is_legacy_setuptools() -> None:
    system = build_system({"build-system": {"requires": ["setuptools>=64", "cython"]}}, where="p")
    assert system.requires == ("setuptools>=64", "cython") and system.backend == LEGACY_BACKEND


@pytest.mark.parametrize(
    "table",
    [{"requires": "setuptools"}, {}, {"requires": [], "build-backend": 3}, {"requires": [], "build-backend": "x", "backend-path": "."}],
)
def test_invalid_build_system(table: dict[str, object]) -> None:
    with pytest.raises(InvalidProject):
        build_system({"build-system": table}, where="pyproject.toml")


def test_load_tree(tmp_path: Path) -> None:
    with pytest.raises(InvalidProject, match="does not appear to be a Python project"):
        load_tree(tmp_path)
    (tmp_path / "setup.py").write_text("")
    assert load_tree(tmp_path).build_system.backend == LEGACY_BACKEND
    (tmp_path / "pyproject.toml").write_text("[build-system\n")
    with pytest.raises(InvalidProject, match="not valid TOML"):
        load_tree(tmp_path)


def test_unpack_sdist(tmp_path: Path) -> None:
    sdist = builders.build_sdist(tmp_path, "pkg", "1.0", backend="inline")
    root = unpack_sdist(sdist, tmp_path / "out")
    assert root.name == "pkg-1.0"
    assert (root / "pyproject.toml").is_file() and (root / "pkg" / "__init__.py").is_file()


def test_unpack_sdist_refuses_escapes(tmp_path: Path) -> None:
    bad = builders.write_sdist(tmp_path / "bad-1.0.tar.gz", {"bad-1.0/../../evil.txt": "x"})
    with pytest.raises(UnsafeArchive):
        unpack_sdist(bad, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()


def test_unpack_sdist_refuses_links_out_of_the_tree(tmp_path: Path) -> None:
    # One safe extractor (puv.io.archive.unpack_sdist): a link out of the tree is refused.
    sdist = builders.write_sdist(
        tmp_path / "l-1.0.tar.gz",
        {"l-1.0/setup.py": "", "l-1.0/link": "/etc/passwd"},
        modes={"l-1.0/link": 0o120777},
    )
    with pytest.raises(UnsafeArchive):
        unpack_sdist(sdist, tmp_path / "out")
    assert not os.path.lexists(tmp_path / "out" / "l-1.0" / "link")


def test_directory_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    (tmp_path / "mod.py").write_text("a = 1\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref")
    first = directory_fingerprint(tmp_path, editable=False)
    editable = directory_fingerprint(tmp_path, editable=True)
    (tmp_path / ".git" / "HEAD").write_text("other ref")
    assert directory_fingerprint(tmp_path, editable=False) == first
    time.sleep(0.01)
    (tmp_path / "mod.py").write_text("a = 22\n")
    assert directory_fingerprint(tmp_path, editable=False) != first
    # An editable build does not depend on the sources' contents, only on the project files.
    assert directory_fingerprint(tmp_path, editable=True) == editable
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert directory_fingerprint(tmp_path, editable=True) != editable


def test_config_settings() -> None:
    assert config_settings_dict(()) is None
    assert config_settings_dict((("a", "1"), ("b", "2"), ("a", "3"), ("a", "4"))) == {"a": ["1", "3", "4"], "b": "2"}
    assert config_suffix(()) == ""
    assert config_suffix((("a", "1"),)) != config_suffix((("a", "2"),))


def test_output_hints() -> None:
    hints = output_hints(["x.c:1:10: fatal error: Python.h: No such file or directory"])
    assert hints == ["the C header file `Python.h` is missing: install the Python development headers (python3-dev / python3-devel)"]
    assert "C compiler" in output_hints(["error: command 'gcc' failed: No such file or directory"])[0]
    assert "C compiler" in output_hints(["unable to execute 'x86_64-linux-gnu-gcc': No such file or directory"])[0]
    assert "`--no-build-isolation`" in output_hints(["ModuleNotFoundError: No module named 'numpy'"])[0]
    # Without isolation the build ran in the target environment: suggesting the flag again would not help.
    (hint,) = output_hints(["ModuleNotFoundError: No module named 'numpy'"], isolated=False)
    assert hint.startswith("the build imports `numpy`, which the target environment does not have")
    # A dotted name: Python found `numpy` and no `numpy.core` in it (numpy 2 moved it):
    # the package is installed, its module is what is missing.
    for isolated in (True, False):
        (hint,) = output_hints(["ModuleNotFoundError: No module named 'numpy.core'"], isolated=isolated)
        assert hint == (
            "`numpy` is installed but has no module `numpy.core`: check the module's name, "
            "or the version of `numpy` the build requires"
        )
    assert output_hints(["all good"]) == []


def test_build_failed_keeps_the_last_lines() -> None:
    error = BuildFailed("Failed to build `x`", output=[f"line {i}" for i in range(200)])
    cause = error.causes[-1]
    assert cause.startswith(f"the build backend's output (last {OUTPUT_TAIL} of 200 lines):")
    assert "line 199" in cause and "line 149" not in cause and "line 150" in cause
