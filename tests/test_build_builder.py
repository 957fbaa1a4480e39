"""The Builder: metadata and wheels of local projects and sdists, the cache, isolation,
failures; and the resolver's BuildContext seam (with a fake)."""

from __future__ import annotations

import os
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from packaging.version import Version

from puv.domain.build.builder import Builder, BuildOptions
from puv.domain.build.errors import BuildFailed
from puv.domain.python.interpreter import Interpreter, query_interpreter
from puv.errors import BuildError, ResolutionError
from puv.io.cache import Cache
from puv.primitives.metadata import CoreMetadata, parse_metadata
from puv.primitives.requirement_spec import RequirementSpec, parse_requirement_arg
from tests.support import builders
from tests.support.build_backends import build_log, make_project

PYTHON312 = "/root/.pyenv/versions/3.12.1/bin/python3.12"


class FakeInstaller:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[tuple[str, ...], str]] = []
        self.fail = fail

    def install(self, requirements: Sequence[str], python: str) -> None:
        self.calls.append((tuple(requirements), python))
        if self.fail:
            raise ResolutionError("no version of `nothing-here` exists", hints=["check the name"])


def no_base() -> Interpreter:
    raise AssertionError("an isolated environment was not expected")


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    cache = Cache(tmp_path / "cache")
    cache.ensure()
    return cache


def local_builder(cache: Cache, **options: object) -> Builder:
    """Hooks run with this test's interpreter (no isolation: the inline backend needs nothing)."""
    return Builder(
        cache=cache,
        base=no_base,
        target_python=sys.executable,
        installer=FakeInstaller(),
        options=BuildOptions(isolation=False, **options),  # type: ignore[arg-type]
    )


def test_static_metadata_runs_no_backend(tmp_path: Path, cache: Cache) -> None:
    log = tmp_path / "log"
    project = make_project(tmp_path / "proj", "proj", "1.0", dependencies=["a"], log=log)
    metadata = local_builder(cache).metadata(project)
    assert metadata.name == "proj" and [str(r) for r in metadata.requires_dist] == ["a"]
    assert build_log(log) == []


def test_dynamic_metadata_comes_from_the_backend_once(tmp_path: Path, cache: Cache) -> None:
    log = tmp_path / "log"
    project = make_project(tmp_path / "proj", "proj", "1.0", dependencies=["a>1"], dynamic_dependencies=True, log=log)
    builder = local_builder(cache)
    assert [str(r) for r in builder.metadata(project).requires_dist] == ["a>1"]
    assert [str(r) for r in local_builder(cache).metadata(project).requires_dist] == ["a>1"]
    assert [line.split()[0] for line in build_log(log)] == ["prepare_metadata_for_build_wheel"]
    assert list((cache.root / "built-v1" / "proj").glob("dir-*/METADATA"))


def test_wheels_are_built_once_and_reused(tmp_path: Path, cache: Cache) -> None:
    log = tmp_path / "log"
    project = make_project(tmp_path / "proj", "proj", "1.0", log=log)
    first = local_builder(cache).build_wheel(project)
    assert first.built and first.filename == "proj-1.0-py3-none-any.whl"
    assert first.path.parent.parent == cache.root / "built-v1" / "proj"
    second = local_builder(cache).build_wheel(project)
    assert not second.built and second.path == first.path and second.sha256 == first.sha256
    assert [line.split()[0] for line in build_log(log)] == ["build_wheel"]
    # Other config settings are another build.
    third = local_builder(cache, config_settings=(("k", "v"),)).build_wheel(project)
    assert third.built and build_log(log)[-1] == 'build_wheel {"k": "v"}'


def test_editable_wheels_point_at_the_source(tmp_path: Path, cache: Cache) -> None:
    project = make_project(tmp_path / "proj", "proj", "1.0")
    wheel = local_builder(cache).build_wheel(project, editable=True)
    with zipfile.ZipFile(wheel.path) as zf:
        assert zf.read("__editable__.proj.pth").decode().strip() == str(project)
    assert wheel.path.parent.name.startswith("editable-")


def test_sdist_metadata_from_pkg_info_and_wheel(tmp_path: Path, cache: Cache) -> None:
    sdist = builders.build_sdist(tmp_path, "pkg", "1.0", requires_dist=["b"], backend="inline")
    builder = local_builder(cache)
    assert [str(r) for r in builder.metadata(sdist).requires_dist] == ["b"]
    wheel = builder.build_wheel(sdist)
    assert wheel.filename == "pkg-1.0-py3-none-any.whl"
    assert wheel.path.parent.name.startswith("sdist-")
    builder.close()
    dynamic = builders.build_sdist(tmp_path / "d", "dyn", "2.0", requires_dist=["c"], dynamic=["Requires-Dist"], backend="inline")
    assert [str(r) for r in builder.metadata(dynamic).requires_dist] == ["c"]
    with pytest.raises(BuildError, match="editable"):
        builder.build_wheel(sdist, editable=True)


def test_a_failing_backend(tmp_path: Path, cache: Cache) -> None:
    project = make_project(tmp_path / "proj", "proj", "1.0", fail="boom")
    with pytest.raises(BuildFailed) as caught:
        local_builder(cache).build_wheel(project, label="proj @ here")
    error = caught.value
    assert error.message == "Failed to build `proj @ here`"
    assert "`build_wheel` hook failed" in error.causes[0]
    assert "RuntimeError: boom" in error.causes[-1] and "running build_ext" in error.causes[-1]
    assert any("missing_header.h" in hint for hint in error.hints)
    assert not list((cache.root / "built-v1").rglob("*.whl"))


def test_a_backend_that_cannot_be_imported(tmp_path: Path, cache: Cache) -> None:
    project = make_project(tmp_path / "proj", "proj", "1.0")
    text = (project / "pyproject.toml").read_text().replace('"puv_inline_backend"', '"no_such_backend"')
    (project / "pyproject.toml").write_text(text)
    with pytest.raises(BuildFailed) as caught:
        local_builder(cache).build_wheel(project)
    assert "could not be imported" in caught.value.causes[0]


def test_a_backend_without_editable_support(tmp_path: Path, cache: Cache) -> None:
    sdist = builders.build_sdist(tmp_path, "pkg", "1.0", backend="inline")
    root = tmp_path / "src"
    from puv.domain.build.source import unpack_sdist

    project = unpack_sdist(sdist, root)
    backend = project / "puv_test_backend.py"
    backend.write_text(backend.read_text().replace("build_editable = build_wheel\n", ""))
    with pytest.raises(BuildFailed, match="cannot be installed in editable mode"):
        local_builder(cache).build_wheel(project, editable=True)


def test_not_a_source(tmp_path: Path, cache: Cache) -> None:
    (tmp_path / "file.txt").write_text("")
    with pytest.raises(BuildError, match="neither a project directory nor a source distribution"):
        local_builder(cache).metadata(tmp_path / "file.txt")
    with pytest.raises(BuildError, match="does not exist"):
        local_builder(cache).metadata(tmp_path / "missing")


@pytest.mark.skipif(not os.path.exists(PYTHON312), reason=f"needs {PYTHON312}")
def test_isolated_builds_fill_a_fresh_environment(tmp_path: Path, cache: Cache) -> None:
    project = make_project(tmp_path / "proj", "proj", "1.0")
    text = (project / "pyproject.toml").read_text().replace("requires = []", 'requires = ["tool>=1"]')
    (project / "pyproject.toml").write_text(text)
    installer = FakeInstaller()
    builder = Builder(
        cache=cache,
        base=lambda: query_interpreter(PYTHON312, None),
        target_python="/nonexistent/python",
        installer=installer,
    )
    wheel = builder.build_wheel(project)
    assert wheel.built
    (requirements, python), = installer.calls
    assert requirements == ("tool>=1",)
    env_root = Path(python).parent.parent
    assert (env_root / "pyvenv.cfg").is_file() and str(env_root).startswith(str(cache.root / "tmp"))
    builder.close()
    assert not env_root.exists()


@pytest.mark.skipif(not os.path.exists(PYTHON312), reason=f"needs {PYTHON312}")
def test_build_requirements_that_cannot_be_installed(tmp_path: Path, cache: Cache) -> None:
    project = make_project(tmp_path / "proj", "proj", "1.0")
    text = (project / "pyproject.toml").read_text().replace("requires = []", 'requires = ["nothing-here"]')
    (project / "pyproject.toml").write_text(text)
    builder = Builder(
        cache=cache,
        base=lambda: query_interpreter(PYTHON312, None),
        target_python="/nonexistent/python",
        installer=FakeInstaller(fail=True),
    )
    with pytest.raises(BuildError) as caught:
        builder.build_wheel(project, label="proj")
    assert caught.value.message == "Failed to install the build requirements of `proj`: nothing-here"
    assert caught.value.causes == ("no version of `nothing-here` exists",)
    assert caught.value.hints == ("check the name",)


# --------------------------------------------------------------------------- the resolver seam


class FakeBuildContext:
    def __init__(self, metadata: CoreMetadata) -> None:
        self.metadata = metadata
        self.asked: list[RequirementSpec] = []

    def direct_metadata(self, spec: RequirementSpec) -> CoreMetadata:
        self.asked.append(spec)
        return self.metadata

    def resolved_url(self, spec: RequirementSpec) -> str:
        from puv.domain.resolver.build_context import direct_url

        return direct_url(spec)

    def sdist_metadata(self, project: str, file: object) -> CoreMetadata:
        raise BuildError("no index sdists here")


def test_direct_requirements_get_metadata_from_the_build_context(tmp_path: Path) -> None:
    from puv.domain.resolver.provider import source_pin, url_pin

    metadata = parse_metadata(b"Metadata-Version: 2.1\nName: Proj\nVersion: 1.5\nRequires-Dist: a\n")
    spec = parse_requirement_arg(str(tmp_path), editable=True)
    with pytest.raises(BuildError, match="needs a build"):
        url_pin(spec)
    context = FakeBuildContext(metadata)
    pin = url_pin(spec, context)
    assert pin.name == "proj" and pin.version == Version("1.5") and pin.metadata is metadata
    assert pin.url == tmp_path.as_uri() and pin.file.url == tmp_path.as_uri()
    named = parse_requirement_arg(f"other @ {tmp_path.as_uri()}")
    with pytest.raises(BuildError, match="the project there is `proj`"):
        source_pin(named, context)
