"""requirements.txt: pip's whole syntax, includes, options, and errors with locations."""

from __future__ import annotations

import time
from collections.abc import Mapping

import pytest
from packaging.markers import Marker
from packaging.specifiers import SpecifierSet

from puv.errors import InputError
from puv.primitives.requirement_spec import Origin
from puv.primitives.requirements_txt import (
    ALL,
    FormatControl,
    RequirementsFile,
    load_requirements,
    parse_requirements,
)

SHA_A = "a" * 64
SHA_B = "b" * 64


class Files:
    """A fake file system for ``read``: records what was read."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = dict(files)
        self.reads: list[str] = []

    def __call__(self, path: str) -> str:
        self.reads.append(path)
        try:
            return self.files[path]
        except KeyError:
            raise FileNotFoundError(2, "No such file or directory", path) from None


def parse(
    text: str,
    source: str = "requirements.txt",
    files: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> RequirementsFile:
    return parse_requirements(text, source, read=Files(files or {}), environ=environ or {})


def fail(
    text: str,
    source: str = "r.txt",
    files: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> InputError:
    with pytest.raises(InputError) as caught:
        parse(text, source, files, environ)
    return caught.value


def names(result: RequirementsFile) -> list[str]:
    return [str(spec) for spec in result.requirements]


# --- lines, comments, continuations -------------------------------------------------


def test_plain_requirements_keep_order_and_origin() -> None:
    result = parse("flask>=2\n\nrequests==2.31.0\n", "reqs.txt")
    assert names(result) == ["flask>=2", "requests==2.31.0"]
    assert [spec.origin for spec in result.requirements] == [
        Origin("reqs.txt", 1),
        Origin("reqs.txt", 3),
    ]
    assert result.files == ("reqs.txt",)
    assert result.constraints == ()
    assert result.warnings == ()


def test_comments_whole_line_and_trailing() -> None:
    text = "# a comment\n  # indented comment\nfoo==1  # pinned because\nbar\t# tab comment\n"
    assert names(parse(text)) == ["foo==1", "bar"]


def test_hash_sign_inside_url_is_not_a_comment() -> None:
    result = parse(
        "git+https://example.com/r.git#egg=pkg\n"
        "https://example.com/x/pkg2-1.0.tar.gz#sha256=abc # real comment\n"
    )
    first, second = result.requirements
    assert first.name == "pkg" and first.url == "git+https://example.com/r.git#egg=pkg"
    assert second.url == "https://example.com/x/pkg2-1.0.tar.gz#sha256=abc"


def test_crlf_and_bom() -> None:
    assert names(parse("\ufefffoo==1\r\nbar\r\n")) == ["foo==1", "bar"]


def test_line_continuation_joins_lines_and_keeps_first_line_number() -> None:
    text = (
        "foo==1.0 \\\n"
        f"    --hash=sha256:{SHA_A} \\\n"
        f"    --hash sha256:{SHA_B}\n"
        "bar\n"
    )
    result = parse(text)
    foo, bar = result.requirements
    assert foo.hashes == (f"sha256:{SHA_A}", f"sha256:{SHA_B}")
    assert foo.origin.lineno == 1
    assert bar.origin.lineno == 4


def test_continuation_inside_a_requirement() -> None:
    assert names(parse("foo\\\n>=1.0\n")) == ["foo>=1.0"]


def test_backslash_at_end_of_file_is_harmless() -> None:
    assert names(parse("foo\\")) == ["foo"]


def test_comment_ending_in_backslash_does_not_continue() -> None:
    assert names(parse("# note \\\nfoo\n")) == ["foo"]


# --- requirement forms -----------------------------------------------------------------


def test_markers_extras_name_at_url_bare_urls_and_paths() -> None:
    text = (
        'flask[async]>=2 ; python_version >= "3.8"\n'
        "pkg @ https://example.com/pkg-1.0.tar.gz\n"
        "https://example.com/w/demo-1.0-py3-none-any.whl\n"
        "./local\n"
        "../sibling[extra]\n"
        "wheels/tool-2.0-py3-none-any.whl\n"
        "/abs/project\n"
    )
    result = parse(text, "proj/reqs/requirements.txt")
    flask, pkg, demo, local, sibling, tool, absolute = result.requirements
    assert flask.extras == {"async"} and flask.marker == Marker('python_version >= "3.8"')
    assert flask.specifier == SpecifierSet(">=2")
    assert pkg.name == "pkg" and pkg.url == "https://example.com/pkg-1.0.tar.gz"
    assert demo.name == "demo" and demo.url == "https://example.com/w/demo-1.0-py3-none-any.whl"
    # uv's rule: relative paths are relative to the requirements file.
    assert local.path == "proj/reqs/local"
    assert sibling.path == "proj/sibling" and sibling.extras == {"extra"}
    assert tool.path == "proj/reqs/wheels/tool-2.0-py3-none-any.whl" and tool.name == "tool"
    assert absolute.path == "/abs/project"


def test_stdin_paths_stay_relative_to_the_current_directory() -> None:
    result = parse("./local\n-r other.txt\n", "-", {"other.txt": "./x\n"})
    assert [spec.path for spec in result.requirements] == ["./local", "./x"]
    assert result.requirements[0].origin == Origin("-", 1)


def test_exact_duplicates_are_dropped_but_different_specs_kept() -> None:
    result = parse("foo>=1\nfoo >= 1\nfoo<3\n")
    assert names(result) == ["foo>=1", "foo<3"]
    assert result.requirements[0].origin.lineno == 1


def test_editables() -> None:
    text = "-e ./proj[dev]\n--editable=git+https://example.com/r.git#egg=lib\n-e'./my dir'\nplain\n"
    result = parse(text, "sub/requirements.txt")
    proj, lib, spaced, plain = result.requirements
    assert proj.editable and proj.path == "sub/proj" and proj.extras == {"dev"}
    assert lib.editable and lib.name == "lib"
    assert spaced.editable and spaced.path == "sub/my dir"
    assert not plain.editable
    assert result.editables == (proj, lib, spaced)


def test_quoted_editable_with_spaces() -> None:
    result = parse('-e "./my project"\n')
    assert result.requirements[0].path == "./my project"


def test_hash_on_editable_line() -> None:
    result = parse(f"-e ./x --hash=sha256:{SHA_A}\n")
    assert result.requirements[0].hashes == (f"sha256:{SHA_A}",)


# --- includes ----------------------------------------------------------------------------


def test_nested_requirements_are_relative_to_the_including_file() -> None:
    files = {
        "a/base.txt": "-r sub/more.txt\nbase-pkg\n",
        "a/sub/more.txt": "more-pkg\n./local\n",
    }
    read = Files(files)
    result = parse_requirements("-r a/base.txt\ntop\n", "requirements.txt", read=read, environ={})
    assert names(result) == ["more-pkg", "a/sub/local", "base-pkg", "top"]
    assert read.reads == ["a/base.txt", "a/sub/more.txt"]
    assert result.files == ("requirements.txt", "a/base.txt", "a/sub/more.txt")
    assert result.requirements[0].origin == Origin("a/sub/more.txt", 1)


@pytest.mark.parametrize("form", ["-r inc.txt", "-rinc.txt", "--requirement inc.txt", "--requirement=inc.txt"])
def test_include_option_forms(form: str) -> None:
    assert names(parse(form + "\n", "d/r.txt", {"d/inc.txt": "x\n"})) == ["x"]


def test_constraints_and_requirements_inside_constraints() -> None:
    files = {
        "c.txt": "urllib3<2\n-r pins.txt\n--pre\n",
        "pins.txt": "idna==3.4\n",
    }
    result = parse("-c c.txt\nrequests\n", "r.txt", files)
    assert names(result) == ["requests"]
    assert [str(spec) for spec in result.constraints] == ["urllib3<2", "idna==3.4"]
    assert result.options.pre  # options in constraint files apply
    assert result.constraints[1].origin == Origin("pins.txt", 1)


def test_diamond_includes_are_not_a_cycle() -> None:
    files = {"a.txt": "-r c.txt\na\n", "b.txt": "-r c.txt\nb\n", "c.txt": "c\n"}
    assert names(parse("-r a.txt\n-r b.txt\n", "r.txt", files)) == ["c", "a", "b"]


def test_url_include_is_passed_to_read_and_its_includes_are_joined() -> None:
    files = {
        "https://example.com/reqs/base.txt": "-r extra.txt\nremote\n",
        "https://example.com/reqs/extra.txt": "extra\n",
    }
    result = parse("-r https://example.com/reqs/base.txt\n", "r.txt", files)
    assert names(result) == ["extra", "remote"]


def test_file_url_include() -> None:
    assert names(parse("-r file:///etc/reqs.txt\n", "r.txt", {"/etc/reqs.txt": "x\n"})) == ["x"]


def test_include_cycle_is_an_error_with_the_chain() -> None:
    files = {"d/a.txt": "-r b.txt\n", "d/b.txt": "ok\n-r ./a.txt\n"}
    error = fail("-r d/a.txt\n", "r.txt", files)
    assert "cycle" in error.message
    assert "d/a.txt -> d/b.txt -> d/a.txt" in error.message
    assert error.source == "d/b.txt" and error.lineno == 2
    assert error.line == "-r ./a.txt" and error.column == 3


def test_missing_include_names_the_file_and_hints_at_relative_paths() -> None:
    error = fail("foo\n-r sub/missing.txt\n", "conf/r.txt")
    assert error.message == "cannot read `sub/missing.txt` (`conf/sub/missing.txt`): file not found"
    assert error.source == "conf/r.txt" and error.lineno == 2 and error.column == 3
    assert error.hints and "relative to the including file's directory (conf)" in error.hints[0]


def test_include_without_a_file() -> None:
    error = fail("-r\n")
    assert error.message == "option `-r` requires a value"
    assert error.lineno == 1 and error.column == 0


def test_load_requirements_reads_the_top_file() -> None:
    read = Files({"r.txt": "foo\n"})
    assert names(load_requirements("r.txt", read=read, environ={})) == ["foo"]
    with pytest.raises(InputError, match="cannot read requirements file `nope.txt`"):
        load_requirements("nope.txt", read=read, environ={})


# --- index options -----------------------------------------------------------------------


def test_index_options() -> None:
    text = (
        "--index-url https://example.com/simple\n"
        "-i https://example.com/simple\n"
        "--extra-index-url=https://example.com/extra\n"
        "--extra-index-url https://example.com/extra\n"
        "--extra-index-url https://example.com/more\n"
        "-f ./wheels\n"
        "--find-links https://example.com/links/\n"
        "--find-links=/abs/wheels\n"
        "--trusted-host example.com\n"
        "--no-index\n--pre\n--prefer-binary\n--require-hashes\n"
    )
    options = parse(text, "cfg/r.txt").options
    assert options.index_url == "https://example.com/simple"
    assert options.extra_index_urls == ("https://example.com/extra", "https://example.com/more")
    assert options.find_links == ("cfg/wheels", "https://example.com/links/", "/abs/wheels")
    assert options.trusted_hosts == ("example.com",)
    assert options.no_index and options.pre and options.prefer_binary and options.require_hashes


def test_defaults_when_no_options() -> None:
    options = parse("foo\n").options
    assert options.index_url is None and options.extra_index_urls == ()
    assert not options.no_index and not options.pre
    assert options.format_control == FormatControl()


def test_several_options_on_one_line() -> None:
    options = parse("--pre --no-index\n").options
    assert options.pre and options.no_index


def test_second_different_index_url_is_an_error() -> None:
    error = fail("-i https://example.com/a\n\n--index-url https://example.com/b\n")
    assert "second, different --index-url" in error.message
    assert "r.txt:1" in error.message
    assert error.lineno == 3 and error.column == len("--index-url ")


def test_binary_options_in_file() -> None:
    text = "--no-binary :all:\n--only-binary foo,Bar_Baz\n"
    control = parse(text).options.format_control
    assert control.no_binary == {ALL}
    assert control.only_binary == {"foo", "bar-baz"}
    assert control.allows_binary("foo") and not control.allows_source("foo")
    assert not control.allows_binary("other") and control.allows_source("other")


def test_format_control_semantics() -> None:
    control = FormatControl().with_only_binary(":all:")
    assert control.only_binary == {ALL}
    assert not control.allows_source("x") and control.allows_binary("x")
    # Naming a package in the other set takes it out of :all:'s reach.
    control = control.with_no_binary("x")
    assert control.allows_source("x") and not control.allows_binary("x")
    assert not control.allows_source("y")
    # :all: in one set clears the other; :none: clears its own.
    control = control.with_no_binary(":all:")
    assert control.only_binary == frozenset() and control.no_binary == {ALL}
    assert control.with_no_binary(":none:").no_binary == frozenset()
    assert control.with_no_binary(":none:,z").no_binary == {"z"}
    # A package named in no_binary moves out of it when named in only_binary.
    moved = FormatControl().with_no_binary("a,b").with_only_binary("a")
    assert moved.no_binary == {"b"} and moved.only_binary == {"a"}
    with pytest.raises(ValueError, match="invalid package name"):
        FormatControl().with_no_binary("a,-b")


def test_bad_binary_option_value() -> None:
    error = fail("--only-binary foo,not/a/name\n")
    assert "--only-binary: invalid package name `not/a/name`" in error.message
    assert error.column == len("--only-binary ")


# --- hashes ------------------------------------------------------------------------------


def test_hash_forms() -> None:
    result = parse(f"foo==1 --hash=sha256:{SHA_A} --hash sha384:{'c' * 96}\n")
    assert result.requirements[0].hashes == (f"sha256:{SHA_A}", f"sha384:{'c' * 96}")


def test_hash_without_algorithm() -> None:
    error = fail(f"foo==1 --hash={SHA_A}\n")
    assert error.message == f"--hash expects ALGORITHM:HEXDIGEST, got `{SHA_A}`"
    assert error.column == len("foo==1 --hash=")


def test_hash_with_unsupported_algorithm() -> None:
    error = fail("foo==1 --hash=md5:0123456789abcdef0123456789abcdef\n")
    assert "unsupported hash algorithm `md5`" in error.message
    assert "sha256" in error.message


def test_bad_hash_on_a_continuation_line_points_at_that_line() -> None:
    error = fail(f"foo==1 \\\n    --hash=sha256:{SHA_A} \\\n    --hash=sha256:xyz\n")
    assert error.lineno == 3
    assert error.line == "    --hash=sha256:xyz"
    assert error.column == len("    --hash=")
    assert "64 hexadecimal characters" in error.message


def test_hash_without_a_requirement() -> None:
    error = fail(f"--hash=sha256:{SHA_A}\n")
    assert error.message == "option `--hash` must follow a requirement on the same line"


# --- environment variables ---------------------------------------------------------------


def test_env_vars_are_expanded_and_unknown_ones_kept() -> None:
    text = (
        "--index-url https://${USER}:${TOKEN}@example.com/simple\n"
        "pkg @ https://example.com/${MISSING}/pkg.tar.gz\n"
        "pkg2 @ https://example.com/${EMPTY}/pkg2.tar.gz\n"
    )
    result = parse(text, environ={"USER": "me", "TOKEN": "s3cret", "EMPTY": ""})
    assert result.options.index_url == "https://me:s3cret@example.com/simple"
    assert result.requirements[0].url == "https://example.com/${MISSING}/pkg.tar.gz"
    # As pip: an empty value counts as unset.
    assert result.requirements[1].url == "https://example.com/${EMPTY}/pkg2.tar.gz"


def test_env_var_names_may_be_used_in_paths_and_requirements() -> None:
    result = parse("${PKG}>=1\n-r ${DIR}/more.txt\n", "r.txt", {"inc/more.txt": "x\n"},
                   {"PKG": "flask", "DIR": "inc"})
    assert names(result) == ["flask>=1", "x"]


def test_lowercase_env_var_is_an_error() -> None:
    error = fail("foo @ https://${token}@example.com/x.tar.gz\n")
    assert error.message == "invalid environment variable reference `${token}`"
    assert error.column == len("foo @ https://")
    assert "upper-case" in error.hints[0]


@pytest.mark.parametrize("reference", ["${}", "${A-B}", "${Lower}"])
def test_malformed_env_var_references(reference: str) -> None:
    error = fail(f"foo @ https://example.com/{reference}/x.tar.gz\n")
    assert error.message == f"invalid environment variable reference `{reference}`"
    assert error.column == len("foo @ https://example.com/")


def test_error_renders_with_a_caret_under_the_problem() -> None:
    from puv.cli.printer import render_error

    error = fail("ok\nfoo>=1,<\n")
    assert render_error(error) == (
        "error: invalid requirement: expected comma (within version specifier), "
        "semicolon (after version specifier) or end\n"
        "  --> r.txt:2\n"
        "    foo>=1,<\n"
        "           ^\n"
    )


def test_unclosed_env_var_is_an_error() -> None:
    error = fail("--index-url https://${TOKEN@example.com\n")
    assert "invalid environment variable reference `${TOKEN@example.com`" == error.message
    assert error.column == len("--index-url https://")


def test_error_after_expansion_points_at_the_written_line_and_hides_values() -> None:
    error = fail("foo @ https://${TOKEN}/x ; python_version >\n", environ={"TOKEN": "s3cret-long-value"})
    assert error.line == "foo @ https://${TOKEN}/x ; python_version >"
    assert "s3cret" not in error.message
    assert error.column == len(error.line)


def test_error_inside_an_expanded_value_points_at_the_reference() -> None:
    error = fail("${REQ}\n", environ={"REQ": "foo=="})
    assert error.line == "${REQ}"
    assert error.column == 0
    assert "expected semicolon" in error.message


# --- other options and warnings ------------------------------------------------------------


def test_pip_only_options_are_accepted_with_warnings() -> None:
    result = parse("--use-feature=fast-deps\nfoo --config-settings=a=b --global-option=x\n")
    assert names(result) == ["foo"]
    assert result.warnings == (
        "requirements.txt:1: `--use-feature=fast-deps` is ignored by puv",
        "requirements.txt:2: `--config-settings` is ignored by puv",
        "requirements.txt:2: `--global-option` is ignored by puv",
    )


def test_unknown_option_with_suggestion() -> None:
    error = fail("foo\n--extra-index https://example.com/x\n")
    assert error.message == "unknown option `--extra-index`"
    assert error.lineno == 2 and error.column == 0
    assert error.hints == ("did you mean `--extra-index-url`?",)


def test_unknown_short_option() -> None:
    error = fail("-x foo\n")
    assert error.message == "unknown option `-x`"


def test_flag_with_a_value_is_an_error() -> None:
    error = fail("--pre=yes\n")
    assert error.message == "option `--pre` takes no value"


def test_global_option_after_a_requirement_is_an_error() -> None:
    error = fail("foo --index-url https://example.com/simple\n")
    assert "`--index-url` must be on a line of its own" in error.message
    assert error.column == 4


def test_argument_after_an_option_is_an_error() -> None:
    error = fail("--pre foo\n")
    assert error.message == "unexpected argument `foo` after an option"
    assert error.column == 6


def test_unbalanced_quote_in_options() -> None:
    error = fail("-e './x\n")
    assert "cannot split options" in error.message


# --- malformed requirement lines ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment", "lineno", "column"),
    [
        ("ok\nfoo==\n", "invalid requirement: expected semicolon", 2, 3),
        ("foo>=1,<\n", "expected comma", 1, 7),
        ("foo>=1 extra stuff\n", "expected comma", 1, 7),
        ("  foo>=1 extra\n", "expected comma", 1, 9),
        ("foo[bar\n", "RIGHT_BRACKET", 1, 7),
        ("name @\n", "expected URL after @", 1, 6),
        ("foo; python_version >\n", "expected a marker variable", 1, 21),
        ("  foo===\n", "invalid requirement", 1, 5),
        ("-e https://example.com/x.tar.gz\n", "not a valid editable requirement", 1, 3),
        ("-e foo>=1\n", "not a valid editable requirement", 1, 6),
    ],
)
def test_malformed_lines(text: str, fragment: str, lineno: int, column: int) -> None:
    error = fail(text)
    assert fragment in error.message
    assert error.source == "r.txt"
    assert error.lineno == lineno
    assert error.column == column
    assert error.line == text.splitlines()[lineno - 1]


def test_constraints_must_be_named_and_not_editable() -> None:
    error = fail("-c c.txt\n", files={"c.txt": "./local\n"})
    assert error.message == "unnamed requirements are not allowed as constraints"
    assert error.source == "c.txt"
    error = fail("-c c.txt\n", files={"c.txt": "-e ./local\n"})
    assert error.message == "editable requirements are not allowed as constraints"


# --- speed -------------------------------------------------------------------------------------


def test_large_file_parses_quickly() -> None:
    lines = []
    for index in range(1000):
        lines.append(f"package-{index}=={index}.0.1 \\")
        lines.append(f"    --hash=sha256:{index:064x}")
        lines.append(f"    # via parent-{index}")
    text = "\n".join(lines) + "\n"
    parse(text)  # warm up imports
    start = time.perf_counter()
    result = parse(text)
    elapsed = time.perf_counter() - start
    assert len(result.requirements) == 1000
    assert result.requirements[-1].hashes == (f"sha256:{999:064x}",)
    assert elapsed < 0.5, f"1000 hashed requirements took {elapsed:.3f}s"
