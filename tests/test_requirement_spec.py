"""One requirement: named, URL, path, editable; command-line arguments; hashes."""

from __future__ import annotations

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from puv.errors import InputError
from puv.primitives.requirement_spec import (
    COMMAND_LINE,
    Origin,
    RequirementSpec,
    is_vcs_url,
    looks_like_path,
    looks_like_url,
    parse_pep508,
    parse_requirement,
    parse_requirement_arg,
    validate_hash,
)

SHA256 = "a" * 64


def test_named_requirement_with_extras_specifier_and_marker() -> None:
    spec = parse_requirement('Flask[Async, DotEnv]>=2,<4 ; python_version >= "3.8"')
    assert spec.name == "Flask"
    assert spec.canonical_name == "flask"
    assert spec.extras == {"async", "dotenv"}
    assert spec.specifier == SpecifierSet(">=2,<4")
    assert spec.marker == Marker('python_version >= "3.8"')
    assert spec.url is None and spec.path is None and not spec.is_direct
    assert not spec.editable
    assert spec.origin == Origin(COMMAND_LINE)


def test_name_at_url() -> None:
    spec = parse_requirement("pkg @ https://example.com/pkg-1.0.tar.gz")
    assert spec.name == "pkg"
    assert spec.url == "https://example.com/pkg-1.0.tar.gz"
    assert spec.path is None
    assert spec.is_direct and spec.location == spec.url
    assert str(spec) == "pkg @ https://example.com/pkg-1.0.tar.gz"


def test_name_at_relative_path_is_resolved_against_base_dir() -> None:
    spec = parse_requirement("pkg @ ./sub/pkg", base_dir="reqs")
    assert spec.name == "pkg"
    assert spec.url is None
    assert spec.path == "reqs/sub/pkg"


def test_name_at_wheel_with_other_name_is_an_error() -> None:
    with pytest.raises(InputError) as caught:
        parse_requirement("foo @ https://example.com/bar-1.0-py3-none-any.whl")
    assert "`bar`" in caught.value.message and "`foo`" in caught.value.message
    assert caught.value.column == 5


def test_bare_wheel_url_takes_its_name_from_the_filename() -> None:
    spec = parse_requirement("https://example.com/a/My_Pkg-1.0-py3-none-any.whl#sha256=abc")
    assert spec.name == "My_Pkg".lower().replace("_", "-")
    assert spec.url == "https://example.com/a/My_Pkg-1.0-py3-none-any.whl#sha256=abc"
    assert spec.path is None


def test_bare_sdist_url_has_no_name() -> None:
    spec = parse_requirement("https://example.com/pkg-1.0.tar.gz")
    assert spec.name is None
    assert spec.url == "https://example.com/pkg-1.0.tar.gz"


def test_url_marker_needs_whitespace_around_semicolon() -> None:
    spec = parse_requirement('https://example.com/x;y/pkg-1.0.tar.gz ; sys_platform == "linux"')
    assert spec.url == "https://example.com/x;y/pkg-1.0.tar.gz"
    assert spec.marker == Marker('sys_platform == "linux"')


def test_vcs_url_with_egg_fragment_names_the_project() -> None:
    spec = parse_requirement("git+https://example.com/repo.git@v1#egg=my-pkg&subdirectory=src")
    assert spec.name == "my-pkg"
    assert spec.url == "git+https://example.com/repo.git@v1#egg=my-pkg&subdirectory=src"
    assert is_vcs_url(spec.url)


def test_invalid_egg_name_is_an_error_at_the_name() -> None:
    text = "git+https://example.com/r.git#egg=-bad-"
    with pytest.raises(InputError) as caught:
        parse_requirement(text)
    assert "#egg=" in caught.value.message
    assert caught.value.column == text.index("-bad-")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("./pkg", "reqs/pkg"),
        ("../other", "other"),
        ("dist/foo-1.0.tar.gz", "reqs/dist/foo-1.0.tar.gz"),
        ("foo-1.0.zip", "reqs/foo-1.0.zip"),
        ("/abs/pkg", "/abs/pkg"),
    ],
)
def test_paths_are_resolved_against_base_dir(text: str, expected: str) -> None:
    spec = parse_requirement(text, base_dir="reqs")
    assert spec.path == expected
    assert spec.url is None
    assert spec.name is None


def test_path_without_base_dir_stays_as_written() -> None:
    assert parse_requirement("./pkg").path == "./pkg"


def test_path_with_extras_and_marker() -> None:
    spec = parse_requirement("./pkg[Dev, test] ; python_version >= '3.8'", base_dir="r")
    assert spec.path == "r/pkg"
    assert spec.extras == {"dev", "test"}
    assert spec.marker == Marker("python_version >= '3.8'")
    assert str(spec) == 'r/pkg[dev,test] ; python_version >= "3.8"'


def test_local_wheel_path_gets_its_name() -> None:
    spec = parse_requirement("wheels/demo-2.0-py3-none-any.whl")
    assert spec.name == "demo"
    assert spec.path == "wheels/demo-2.0-py3-none-any.whl"


def test_bad_wheel_filename_is_an_error() -> None:
    with pytest.raises(InputError) as caught:
        parse_requirement("./not-a-wheel.whl")
    assert "invalid wheel filename `not-a-wheel.whl`" in caught.value.message


def test_bare_word_is_a_path_only_when_exists_says_so() -> None:
    assert parse_requirement("mypkg").name == "mypkg"
    spec = parse_requirement("mypkg", exists=lambda path: path == "mypkg")
    assert spec.path == "mypkg" and spec.name is None
    # A specifier never makes it a path.
    assert parse_requirement("mypkg>=1", exists=lambda path: True).name == "mypkg"


def test_editable_path_vcs_and_file_url() -> None:
    local = parse_requirement("./proj[dev]", editable=True, base_dir="r")
    assert local.editable and local.path == "r/proj" and local.extras == {"dev"}
    assert str(local) == "-e r/proj[dev]"
    vcs = parse_requirement("git+https://example.com/r.git#egg=proj", editable=True)
    assert vcs.editable and vcs.name == "proj" and vcs.url is not None
    file_url = parse_requirement("file:///src/proj", editable=True)
    assert file_url.editable and file_url.url == "file:///src/proj"


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("https://example.com/x.tar.gz", 0, "is not a valid editable requirement"),
        ("foo==1.0", 3, "is not a valid editable requirement"),
        ("./dist/foo-1.0.tar.gz", 0, "archive cannot be installed in editable mode"),
    ],
)
def test_bad_editables(text: str, column: int, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_requirement(text, editable=True)
    assert fragment in caught.value.message
    assert caught.value.column == column
    assert any("VCS URL" in hint for hint in caught.value.hints)


def test_hashes_are_sorted_unique_and_grouped() -> None:
    other = "b" * 64
    spec = parse_requirement("foo==1", hashes=[f"sha256:{other}", f"sha256:{SHA256}", f"sha256:{other}"])
    assert spec.hashes == (f"sha256:{SHA256}", f"sha256:{other}")
    assert spec.hashes_by_algorithm() == {"sha256": frozenset({SHA256, other})}


def test_validate_hash() -> None:
    assert validate_hash("SHA256:" + "A" * 64) == "sha256:" + "a" * 64
    assert validate_hash("sha512:" + "0" * 128) == "sha512:" + "0" * 128
    with pytest.raises(ValueError, match="ALGORITHM:HEXDIGEST"):
        validate_hash(SHA256)
    with pytest.raises(ValueError, match="unsupported hash algorithm `md5`"):
        validate_hash("md5:" + "a" * 32)
    with pytest.raises(ValueError, match="64 hexadecimal characters"):
        validate_hash("sha256:abc")
    with pytest.raises(ValueError, match="64 hexadecimal characters"):
        validate_hash("sha256:" + "g" * 64)


def test_equality_ignores_origin_and_specs_are_hashable() -> None:
    first = parse_requirement("foo>=1", origin=Origin("a.txt", 1))
    second = parse_requirement("foo >= 1", origin=Origin("b.txt", 9))
    assert first == second
    assert len({first, second}) == 1
    assert first.origin != second.origin
    assert str(second.origin) == "b.txt:9"


def test_to_requirement() -> None:
    spec = parse_requirement("foo[x]>=1; os_name == 'posix'")
    assert spec.to_requirement() == Requirement('foo[x]>=1; os_name == "posix"')
    url_spec = parse_requirement("foo @ https://example.com/foo.tar.gz ; os_name == 'nt'")
    assert url_spec.to_requirement().url == "https://example.com/foo.tar.gz"
    with pytest.raises(ValueError, match="unnamed"):
        parse_requirement("./pkg").to_requirement()


def test_default_spec_is_a_plain_value() -> None:
    spec = RequirementSpec(name="x")
    assert str(spec) == "x"
    assert spec.hashes_by_algorithm() == {}


@pytest.mark.parametrize(
    ("text", "is_url"),
    [
        ("https://example.com/x", True),
        ("git+ssh://example.com/x", True),
        ("file:///tmp/x", True),
        ("file:relative/x", True),
        ("C:\\x\\y", False),
        ("c://x", False),
        ("foo>=1", False),
    ],
)
def test_looks_like_url(text: str, is_url: bool) -> None:
    assert looks_like_url(text) is is_url


@pytest.mark.parametrize(
    ("text", "is_path"),
    [
        ("./x", True),
        (".", True),
        ("a/b", True),
        ("a\\b", True),
        ("x.whl", True),
        ("x-1.tar.gz[extra]", True),
        ("foo", False),
        ("foo; sys_platform == 'a/b'", False),
    ],
)
def test_looks_like_path(text: str, is_path: bool) -> None:
    assert looks_like_path(text) is is_path


# --- malformed input: message and column ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment", "column"),
    [
        ("foo==", "expected semicolon", 3),
        # The caret goes where the parse failed (packaging's ``^``), not where the
        # failing part began: after ``foo>=1,``, at the stray ``extra``, at the end.
        ("foo>=1,<", "expected comma", 7),
        ("foo>=1 extra stuff", "expected comma", 7),
        ("foo==1.*.2", "expected comma", 8),
        ("foo @ https://h/x.whl extra", "expected semicolon (after URL", 22),
        ("foo[bar", "expected matching RIGHT_BRACKET", 7),
        ("name @", "expected URL after @", 6),
        ("foo; python_version >", "expected a marker variable", 21),
        ("./p ; python_version >", "invalid marker", 22),
        ("./p[b@d]", "invalid extra name `b@d`", 4),
        ("./p ;", "expected a marker after `;`", 4),
        ("   ", "empty requirement", 0),
    ],
)
def test_malformed_requirements(text: str, fragment: str, column: int) -> None:
    with pytest.raises(InputError) as caught:
        parse_requirement(text, origin=Origin("r.txt", 4))
    error = caught.value
    assert fragment in error.message
    assert error.column == column
    assert error.line == text
    assert error.source == "r.txt" and error.lineno == 4


def test_caret_read_from_the_message_when_packaging_gives_no_span() -> None:
    from puv.primitives.requirement_spec import _packaging_column

    error = ValueError("Expected end\n    foo>=1 extra\n       ~~~~^")
    assert _packaging_column(error) == ("Expected end", 7)


def test_command_line_argument_errors_name_the_argument() -> None:
    with pytest.raises(InputError) as caught:
        parse_requirement_arg("flask>=")
    error = caught.value
    assert error.message.startswith("invalid requirement `flask>=`: expected")
    assert error.source == COMMAND_LINE and error.lineno is None
    assert error.line == "flask>=" and error.column == 5


def test_command_line_editable_error_points_past_the_flag() -> None:
    with pytest.raises(InputError) as caught:
        parse_requirement_arg("foo==1", editable=True)
    error = caught.value
    assert "`-e foo==1`" in error.message
    assert error.line == "-e foo==1"
    assert error.column == 6


def test_command_line_arguments() -> None:
    assert parse_requirement_arg("flask>=2").name == "flask"
    assert parse_requirement_arg("./proj").path == "./proj"
    wheel = parse_requirement_arg("https://example.com/x/pkg-1.0-py3-none-any.whl")
    assert wheel.name == "pkg" and wheel.url is not None
    editable = parse_requirement_arg("./dir", editable=True)
    assert editable.editable and editable.path == "./dir"
    assert parse_requirement_arg("proj", exists=lambda p: True).path == "proj"


def test_pep508_only_rejects_paths() -> None:
    with pytest.raises(InputError, match="expected package name"):
        parse_pep508("./pkg", origin=Origin("pyproject.toml"))
    assert parse_pep508("pkg>=1", origin=Origin("pyproject.toml")).name == "pkg"
