"""Gathering requirement inputs: files, stdin, pyproject extras/groups, index options."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from puv.cli.inputs import (
    InputRequest,
    RequirementInputs,
    apply_index_options,
    file_reader,
    format_control,
    gather_inputs,
    selection_policy,
)
from puv.errors import InputError, UsageError
from puv.primitives.requirements_txt import IndexOptions
from puv.settings import Settings

PYPROJECT = textwrap.dedent(
    """\
    [project]
    name = "demo"
    version = "1.0"
    dependencies = ["requests>=2", 'winonly; sys_platform == "win32"']

    [project.optional-dependencies]
    test = ["pytest"]
    docs = ["sphinx"]

    [dependency-groups]
    lint = ["ruff"]
    """
)


def gather(tmp_path: Path, stdin: str = "", fetch: object = None, **request: object) -> RequirementInputs:
    read = file_reader(tmp_path, stdin=lambda: stdin, fetch=fetch)  # type: ignore[arg-type]
    return gather_inputs(InputRequest(**request), read=read, environ={}, cwd=tmp_path)  # type: ignore[arg-type]


def names(specs: object) -> list[str]:
    return [str(spec) for spec in specs]  # type: ignore[attr-defined]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_requirements_files_nested_and_constraints(tmp_path: Path) -> None:
    write(tmp_path / "requirements.in", "flask>=2\n-r sub/more.in\n-c constraints.txt\n")
    write(tmp_path / "sub" / "more.in", "click\n")
    write(tmp_path / "constraints.txt", "click<9\n")
    write(tmp_path / "extra-constraints.txt", "flask<4\n")
    inputs = gather(tmp_path, sources=("requirements.in",), constraints=("extra-constraints.txt",))
    assert names(inputs.requirements) == ["flask>=2", "click"]
    assert names(inputs.constraints) == ["click<9", "flask<4"]
    assert inputs.files == ("requirements.in", "sub/more.in", "constraints.txt", "extra-constraints.txt")
    assert inputs.annotations() == {
        "flask": ("-r requirements.in", "-c extra-constraints.txt"),
        "click": ("-r sub/more.in", "-c constraints.txt"),
    }


def test_stdin_source(tmp_path: Path) -> None:
    inputs = gather(tmp_path, stdin="requests==2.31\n# comment\n", sources=("-",))
    assert names(inputs.requirements) == ["requests==2.31"]
    assert inputs.annotations() == {"requests": ("-r -",)}


def test_overrides_and_packages(tmp_path: Path) -> None:
    write(tmp_path / "overrides.txt", "urllib3==1.26\n")
    inputs = gather(tmp_path, packages=("requests",), overrides=("overrides.txt",))
    assert names(inputs.requirements) == ["requests"]
    assert names(inputs.overrides) == ["urllib3==1.26"]
    # command-line requirements carry no annotation (as in uv)
    assert inputs.annotations() == {"urllib3": ("--override overrides.txt",)}


def test_same_requirement_in_two_files_is_annotated_with_both(tmp_path: Path) -> None:
    write(tmp_path / "a.in", "flask\n")
    write(tmp_path / "b.in", "flask\n")
    inputs = gather(tmp_path, sources=("a.in", "b.in"))
    assert names(inputs.requirements) == ["flask"]
    assert inputs.annotations() == {"flask": ("-r a.in", "-r b.in")}


def test_pyproject_dependencies_extras_and_markers(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", PYPROJECT)
    inputs = gather(tmp_path, sources=("pyproject.toml",), extras=("Test",))
    assert names(inputs.requirements) == ["requests>=2", 'winonly; sys_platform == "win32"', "pytest"]
    linux = {"sys_platform": "linux", "python_version": "3.12"}
    assert inputs.annotations(linux) == {
        "requests": ("demo (pyproject.toml)",),
        "pytest": ("demo (pyproject.toml)",),
    }
    everything = gather(tmp_path, sources=("pyproject.toml",), all_extras=True)
    assert names(everything.requirements)[-2:] == ["pytest", "sphinx"]


def test_pyproject_groups(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", PYPROJECT)
    with_project = gather(tmp_path, sources=("pyproject.toml",), groups=("lint",))
    assert names(with_project.requirements)[-1] == "ruff"
    # a group alone: only the group, from ./pyproject.toml
    only_group = gather(tmp_path, groups=("lint",))
    assert names(only_group.requirements) == ["ruff"]
    # PATH:GROUP
    write(tmp_path / "sub" / "pyproject.toml", PYPROJECT.replace('"demo"', '"other"'))
    nested = gather(tmp_path, groups=("sub/pyproject.toml:lint",))
    assert names(nested.requirements) == ["ruff"]
    assert nested.annotations() == {"ruff": ("other (sub/pyproject.toml)",)}


def test_unknown_extra_and_extras_without_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", PYPROJECT)
    write(tmp_path / "r.in", "flask\n")
    with pytest.raises(InputError, match="Requested extra not found: nope") as info:
        gather(tmp_path, sources=("pyproject.toml",), extras=("nope",))
    assert "`docs`" in info.value.hints[0]
    with pytest.raises(InputError, match="requires a `pyproject.toml`"):
        gather(tmp_path, sources=("r.in",), extras=("test",))


def test_missing_file_is_a_clear_error_with_a_suggestion(tmp_path: Path) -> None:
    write(tmp_path / "requirements.in", "flask\n")
    with pytest.raises(InputError, match="File not found: `requirments.in`") as info:
        gather(tmp_path, sources=("requirments.in",))
    assert info.value.hints == ("did you mean `requirements.in`?",)
    assert info.value.code == 1
    with pytest.raises(InputError, match="File not found: `missing.txt`"):
        gather(tmp_path, sources=("requirements.in",), constraints=("missing.txt",))


def test_nested_missing_file_names_the_including_line(tmp_path: Path) -> None:
    write(tmp_path / "requirements.in", "-r nope.in\n")
    with pytest.raises(InputError, match="cannot read `nope.in`") as info:
        gather(tmp_path, sources=("requirements.in",))
    assert info.value.location() == "requirements.in:1"


def test_unnamed_constraint_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "c.txt", "./local-project\n")
    with pytest.raises(InputError, match="not allowed as constraints"):
        gather(tmp_path, constraints=("c.txt",))


def test_setup_py_and_pylock_are_refused(tmp_path: Path) -> None:
    write(tmp_path / "setup.py", "")
    with pytest.raises(InputError, match="not supported yet"):
        gather(tmp_path, sources=("setup.py",))
    with pytest.raises(InputError, match="pylock"):
        gather(tmp_path, sources=("pylock.toml",))


def test_url_sources_go_through_fetch(tmp_path: Path) -> None:
    pages = {"https://example.invalid/r.txt": "flask\n-r extra.txt\n", "https://example.invalid/extra.txt": "click\n"}

    def fetch(url: str) -> str:
        try:
            return pages[url]
        except KeyError:
            raise OSError("HTTP status 404") from None

    inputs = gather(tmp_path, fetch=fetch, sources=("https://example.invalid/r.txt",))
    assert names(inputs.requirements) == ["flask", "click"]
    with pytest.raises(InputError, match="HTTP status 404"):
        gather(tmp_path, fetch=fetch, sources=("https://example.invalid/none.txt",))


def test_index_options_from_files_are_merged(tmp_path: Path) -> None:
    write(
        tmp_path / "a.in",
        "--index-url https://idx.invalid/simple\n--extra-index-url https://one.invalid/simple\n"
        "--find-links wheels\n--pre\n--no-binary foo\nflask\n",
    )
    write(tmp_path / "b.in", "--extra-index-url https://two.invalid/simple\n--trusted-host h\n--only-binary bar\nclick\n")
    inputs = gather(tmp_path, sources=("a.in", "b.in"))
    options = inputs.options
    assert options.index_url == "https://idx.invalid/simple"
    assert options.extra_index_urls == ("https://one.invalid/simple", "https://two.invalid/simple")
    assert options.find_links == ("wheels",)
    assert options.trusted_hosts == ("h",)
    assert options.pre
    assert options.format_control.no_binary == {"foo"} and options.format_control.only_binary == {"bar"}

    settings = apply_index_options(Settings(extra_index_urls=("https://cli.invalid/simple",)), options, tmp_path)
    assert settings.index_url == "https://idx.invalid/simple"
    assert settings.extra_index_urls == (
        "https://cli.invalid/simple",
        "https://one.invalid/simple",
        "https://two.invalid/simple",
    )
    assert settings.find_links == (str(tmp_path / "wheels"),)
    assert settings.trusted_hosts == ("h",)
    assert settings.prerelease == "allow"
    # the command line's --index-url and --prerelease win over the files'
    explicit = apply_index_options(
        Settings(index_url="https://cli.invalid/simple", prerelease="disallow"), options, tmp_path
    )
    assert explicit.index_url == "https://cli.invalid/simple"
    assert explicit.prerelease == "disallow"
    assert apply_index_options(Settings(), IndexOptions(no_index=True), tmp_path).no_index


def test_two_different_index_urls_across_files_are_an_error(tmp_path: Path) -> None:
    write(tmp_path / "a.in", "--index-url https://u:secret@one.invalid/simple\n")
    write(tmp_path / "b.in", "--index-url https://two.invalid/simple\n")
    with pytest.raises(InputError, match="Multiple index URLs") as info:
        gather(tmp_path, sources=("a.in", "b.in"))
    assert "secret" not in info.value.message
    write(tmp_path / "c.in", "--index-url https://u:secret@one.invalid/simple/\n")
    assert gather(tmp_path, sources=("a.in", "c.in")).options.index_url == "https://u:secret@one.invalid/simple"


def test_format_control_and_selection_policy() -> None:
    options = IndexOptions(format_control=IndexOptions().format_control.with_no_binary("foo"))
    control = format_control(Settings(only_binary=("foo,bar",)), options)
    assert control.only_binary == {"foo", "bar"} and not control.no_binary
    with pytest.raises(UsageError):
        format_control(Settings(no_binary=("-x",)))
    policy = selection_policy(Settings(no_build=True, exclude_newer="2024-03-01T00:00:00Z"))
    assert policy.no_build is True
    assert policy.exclude_newer is not None and policy.exclude_newer.year == 2024


def test_file_reader_paths_and_file_urls(tmp_path: Path) -> None:
    write(tmp_path / "r.in", "flask\n")
    read = file_reader(tmp_path, stdin=lambda: "from stdin\n")
    assert read("r.in") == "flask\n"
    assert read((tmp_path / "r.in").as_uri()) == "flask\n"
    assert read("-") == read("-") == "from stdin\n"
    with pytest.raises(OSError):
        read("https://example.invalid/r.txt")  # no fetch given
