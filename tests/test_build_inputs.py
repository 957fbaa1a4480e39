"""Inputs whose requirements only a build backend knows: a pyproject.toml with dynamic
dependencies, setup.py, setup.cfg (gather_inputs with a project_metadata function)."""

from __future__ import annotations

from pathlib import Path

import pytest

from puv.cli.inputs import InputRequest, RequirementInputs, file_reader, gather_inputs, requirements_from_metadata
from puv.errors import InputError
from puv.primitives.metadata import CoreMetadata, parse_metadata

METADATA = b"""\
Metadata-Version: 2.1
Name: Proj
Version: 1.0
Requires-Dist: base>=1
Requires-Dist: old; python_version < "3.9"
Requires-Dist: fast-lib; extra == "fast"
Requires-Dist: win-fast; sys_platform == "win32" and extra == "fast"
Requires-Dist: either; extra == "fast" or extra == "slow"
Requires-Dist: not-slow; extra != "slow"
Requires-Dist: proj[fast]; extra == "all"
Provides-Extra: fast
Provides-Extra: slow
Provides-Extra: all
"""


def metadata() -> CoreMetadata:
    return parse_metadata(METADATA)


def texts(found: object) -> list[str]:
    return [str(spec) for spec in found]  # type: ignore[attr-defined]


def test_base_requirements() -> None:
    assert texts(requirements_from_metadata(metadata(), (), "pyproject.toml")) == [
        "base>=1", 'old; python_version < "3.9"', "not-slow",
    ]


def test_extras_settle_their_markers() -> None:
    assert texts(requirements_from_metadata(metadata(), {"fast"}, "p")) == [  # type: ignore[arg-type]
        "base>=1", 'old; python_version < "3.9"', "fast-lib", 'win-fast; sys_platform == "win32"', "either", "not-slow",
    ]
    assert texts(requirements_from_metadata(metadata(), {"slow"}, "p")) == [  # type: ignore[arg-type]
        "base>=1", 'old; python_version < "3.9"', "either",
    ]


def test_self_references_expand() -> None:
    found = texts(requirements_from_metadata(metadata(), {"all"}, "p"))  # type: ignore[arg-type]
    assert "fast-lib" in found and not any(text.startswith("proj") for text in found)


def gather(tmp_path: Path, asked: list[Path], **request: object) -> RequirementInputs:
    def project_metadata(directory: Path) -> CoreMetadata:
        asked.append(directory)
        return metadata()

    read = file_reader(tmp_path, stdin=lambda: "")
    return gather_inputs(
        InputRequest(**request), read=read, environ={}, cwd=tmp_path, project_metadata=project_metadata  # type: ignore[arg-type]
    )


def test_dynamic_pyproject_goes_to_the_backend(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "proj"\ndynamic = ["dependencies", "version"]\n')
    asked: list[Path] = []
    inputs = gather(tmp_path, asked, sources=("pyproject.toml",), extras=("fast",))
    assert asked == [tmp_path]
    assert "fast-lib" in texts(inputs.requirements)
    assert inputs.annotations()["base"] == ("Proj (pyproject.toml)",)
    with pytest.raises(InputError, match="Requested extra not found: nope"):
        gather(tmp_path, asked, sources=("pyproject.toml",), extras=("nope",))


def test_static_pyproject_needs_no_backend(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "proj"\nversion = "1"\ndependencies = ["x"]\n')
    asked: list[Path] = []
    assert texts(gather(tmp_path, asked, sources=("pyproject.toml",)).requirements) == ["x"]
    assert asked == []


@pytest.mark.parametrize("source", ["setup.py", "setup.cfg", "sub/setup.py"])
def test_setup_files_go_to_the_backend(tmp_path: Path, source: str) -> None:
    (tmp_path / source).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / source).write_text("")
    asked: list[Path] = []
    inputs = gather(tmp_path, asked, sources=(source,), all_extras=True)
    assert asked == [(tmp_path / source).parent]
    assert "fast-lib" in texts(inputs.requirements) and "either" in texts(inputs.requirements)
    assert inputs.files == (source,)
    assert inputs.annotations()["base"] == (f"Proj ({source})",)


def test_a_missing_setup_py_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="File not found"):
        gather(tmp_path, [], sources=("setup.py",))
