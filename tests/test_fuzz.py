"""Fuzzing the input parsers: any input yields a result or puv's own error.

DESIGN.md: "Bad input is a first-class test subject". Every parser that reads
text or bytes from outside (requirements files, requirement arguments,
pyproject.toml, simple-API pages, core metadata, WHEEL and entry points,
distribution filenames, RECORD, hash specifications, zip directories) is
driven with Hypothesis, both with arbitrary text/bytes and with inputs built
from realistic fragments that are then mutated. The property is always the
same: the call returns a value or raises a :class:`~puv.errors.PuvError`
subclass, never any other exception. Parsers with a writer get a round-trip
property too.

Runs are bounded and deterministic (``derandomize=True``, no example
database) so the file belongs in the default suite: :data:`EXAMPLES` lists the
example budget of every property and :data:`TOTAL_EXAMPLES` their sum.

Every crash fuzzing found is kept as a fixed regression case (``@example`` or
a parametrized test naming the input).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import struct
import sys
import zipfile
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from unittest import mock

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from puv.errors import InputError, PuvError
from puv.primitives import simple_api
from puv.primitives.filenames import (
    classify,
    parse_filename,
    sdist_extension,
    try_parse_filename,
)
from puv.primitives.hashes import (
    DIGEST_HEX_LENGTHS,
    STRONG_ALGORITHMS,
    HashDigest,
    hash_pair,
    make_digest,
    parse_hash_fragment,
    parse_hash_option,
    split_hash,
)
from puv.primitives.metadata import parse_entry_points, parse_metadata, parse_wheel_info
from puv.primitives.pyproject_inputs import parse_pyproject
from puv.primitives.record import (
    RecordEntry,
    RecordHash,
    parse_record,
    parse_record_hash,
    record_hash,
    render_record,
)
from puv.primitives.requirement_spec import parse_requirement, parse_requirement_arg
from puv.primitives.requirements_txt import parse_requirements
from puv.primitives.zip_directory import (
    extract,
    find_directory,
    find_metadata_member,
    member_data_offset,
    parse_directory,
)

T = TypeVar("T")

#: Examples per property (the RELIABILITY doc quotes these and their total).
EXAMPLES: dict[str, int] = {
    "requirements_txt_arbitrary_text": 300,
    "requirements_txt_structured": 500,
    "requirements_txt_error_location": 400,
    "requirement_spec_arbitrary_text": 300,
    "requirement_spec_structured": 500,
    "pyproject_arbitrary_text": 200,
    "pyproject_structured": 400,
    "simple_api_html_arbitrary": 300,
    "simple_api_html_structured": 400,
    "simple_api_json_arbitrary": 300,
    "simple_api_json_structured": 400,
    "metadata_arbitrary": 300,
    "metadata_structured": 400,
    "wheel_info_structured": 300,
    "entry_points_structured": 300,
    "filenames_arbitrary": 300,
    "filenames_structured": 500,
    "record_arbitrary": 300,
    "record_structured": 400,
    "record_round_trip": 300,
    "record_hash_round_trip": 200,
    "hashes_arbitrary": 400,
    "hashes_round_trip": 300,
    "zip_random_tail": 300,
    "zip_mutated_archive": 400,
    "zip_structured_records": 400,
}
TOTAL_EXAMPLES = sum(EXAMPLES.values())


def fuzz(key: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Bounded, deterministic Hypothesis settings for the property ``key``."""
    return settings(
        max_examples=EXAMPLES[key],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


def outcome(call: Callable[[], T]) -> T | PuvError:
    """The value of ``call()`` or the PuvError it raised; anything else propagates."""
    try:
        result = call()
    except PuvError as error:
        assert str(error), "a PuvError must carry a message"
        event(f"error: {type(error).__name__}")
        return error
    event("result")
    return result


# --------------------------------------------------------------------------- shared pieces

BIG = "9" * 4400  # above CPython's int-from-str digit limit
NASTY = [
    "",
    " ",
    "\t",
    "\\",
    "\\\n",
    "\r",
    "\r\n",
    "\n",
    "\x00",
    "\ufeff",
    "é",
    "²",
    "١",
    "\u2028",
    "'",
    '"',
    "#",
    ";",
    "@",
    "[",
    "]",
    "%",
    "%zz",
    "&amp;",
    BIG,
]

NAMES = [
    "requests",
    "Flask",
    "zope.interface",
    "a",
    "A_b-c",
    "pkg1",
    "foo-bar",
    "-bad",
    "bad-",
    "na me",
    "é",
    "x" * 200,
    "",
]
OPERATORS = ["==", ">=", "<=", "!=", "~=", "===", ">", "<", "=", "=>", "==="]
VERSIONS = [
    "1.0",
    "2",
    "1.0.post1",
    "1!2.0",
    "1.0a1",
    "1.0.dev0",
    "1.0+local",
    "*",
    "1.*",
    "v1",
    "1..0",
    "²",
    "١",
    "1" + BIG,
    "",
]
MARKERS = [
    'python_version >= "3.8"',
    "sys_platform == 'win32'",
    "extra == 'test'",
    'platform_machine == "x86_64" and (python_version < "3" or os_name == "nt")',
    "os_name",
    'python_version >',
    '"a" in "b"',
    "implementation_name ~= '1'",
    "",
]
EXTRAS = ["[security]", "[a,b]", "[ a , b ]", "[]", "[", "[a b]", "[é]", "[-x]"]
LOCATIONS = [
    "https://example.invalid/pkg-1.0.tar.gz",
    "https://example.invalid/pkg-1.0-py3-none-any.whl#sha256=" + "a" * 64,
    "git+https://example.invalid/repo.git@v1#egg=pkg",
    "git+https://example.invalid/repo.git#egg=bad name",
    "hg+ssh://example.invalid/repo",
    "file:///tmp/pkg",
    "file://localhost/tmp/pkg",
    "file://[bad/pkg",
    "http://[bad/x.whl",
    "./local/dir",
    "../pkg-1.0-py3-none-any.whl",
    "pkg-1.0-py3-none-any.whl",
    "dist/demo-1" + BIG + "-py3-none-any.whl",
    "dist/demo-1.0-1x-py3-none-any.whl",
    "dist/%zz.whl",
    "dist/not-a-wheel.whl",
    "~/src/proj",
    "C:\\proj",
    "proj.tar.gz",
    "/abs/path",
]
HEX64 = "a" * 64
REQ_OPTIONS = [
    f"--hash=sha256:{HEX64}",
    f"--hash sha256:{HEX64.upper()}",
    "--hash=md5:" + "a" * 32,
    "--hash=sha256:xyz",
    "--hash",
    "--hash=",
    "--config-settings k=v",
    "--global-option=x",
]
LINE_OPTIONS = [
    "-r other.txt",
    "-rother.txt",
    "--requirement=sub/x.txt",
    "-r sub/x.txt",
    "-r ../other.txt",
    "-c constraints.txt",
    "--constraint constraints.txt",
    "-r requirements.txt",
    "-r missing.txt",
    "-r locked.txt",
    "-r file://[bad/x.txt",
    "-r file:///abs/x.txt",
    "-r file://elsewhere/x.txt",
    "-r ${DIR}/x.txt",
    "-r",
    "-e ./proj",
    "-e git+https://example.invalid/r.git#egg=r",
    "-e proj==1.0",
    "-e https://example.invalid/x.tar.gz",
    "-e",
    "-i https://example.invalid/simple",
    "--index-url=https://example.invalid/other",
    "--extra-index-url https://example.invalid/extra",
    "-f ./wheels",
    "--find-links=file://[bad",
    "--find-links https://[bad/",
    "--no-index",
    "--no-index=1",
    "--pre",
    "--only-binary :all:",
    "--only-binary=:none:",
    "--no-binary=a,b",
    "--no-binary -x",
    "--no-binary=bad name",
    "--prefer-binary",
    "--require-hashes",
    "--use-feature=fast-deps",
    "--trusted-host example.invalid",
    "--unknown",
    "--indx-url x",
    "-x",
    "'quoted",
    '"dq" "',
]
COMMENTS = [" # comment", "#", "  #sha256=abc", "# -r other.txt"]
ENV_REFS = [
    "${VAR}", "${DIR}", "${EMPTY}", "${SPACE}", "${HASH}", "${lower}", "${UNCLOSED", "${}", "${A B}"
]
ENVIRON: Mapping[str, str] = {
    "VAR": "value",
    "DIR": "sub",
    "EMPTY": "",
    "SPACE": "a b",
    "HASH": f"--hash=sha256:{HEX64}",
}


def pick(items: Sequence[T]) -> st.SearchStrategy[T]:
    return st.sampled_from(items)


def mostly(usual: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``usual`` three times in four, else ``rare``.

    (``st.one_of`` flattens nested ``one_of`` branches and weighs them all alike.)
    """
    return st.integers(0, 3).flatmap(lambda roll: rare if roll == 0 else usual)


fragment = st.one_of(
    pick(NAMES),
    pick(OPERATORS),
    pick(VERSIONS),
    pick(MARKERS),
    pick(EXTRAS),
    pick(LOCATIONS),
    pick(REQ_OPTIONS),
    pick(LINE_OPTIONS),
    pick(COMMENTS),
    pick(ENV_REFS),
    pick(NASTY),
    st.text(max_size=8),
)


@st.composite
def requirement_text(draw: st.DrawFn) -> str:
    """A requirement: realistic parts in a realistic order, some of them wrong."""
    shape = draw(st.sampled_from(["named", "url", "location", "soup"]))
    if shape == "soup":
        return "".join(draw(st.lists(fragment, max_size=8)))
    space = draw(pick(["", " ", "  ", "\t"]))
    text = draw(pick(NAMES)) if shape != "location" else draw(pick(LOCATIONS))
    if draw(st.booleans()):
        text += draw(pick(EXTRAS))
    if shape == "named":
        for _ in range(draw(st.integers(0, 2))):
            text += space + draw(pick(OPERATORS)) + space + draw(pick(VERSIONS))
            if draw(st.booleans()):
                text += ","
    elif shape == "url":
        text += space + "@" + space + draw(pick(LOCATIONS))
    if draw(st.booleans()):
        text += space + ";" + space + draw(pick(MARKERS))
    if draw(st.integers(0, 3)) == 0:
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(fragment) + text[at:]
    return text


@st.composite
def requirements_line(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["requirement", "option", "comment", "blank", "soup"]))
    if kind == "requirement":
        line = draw(requirement_text())
        for _ in range(draw(st.integers(0, 2))):
            line += " " + draw(pick(REQ_OPTIONS))
    elif kind == "option":
        line = draw(pick(LINE_OPTIONS))
    elif kind == "comment":
        line = draw(pick(COMMENTS)).lstrip()
    elif kind == "blank":
        line = draw(pick(["", " ", "\t", "\\"]))
    else:
        line = "".join(draw(st.lists(fragment, max_size=6)))
    if draw(st.integers(0, 4)) == 0:
        line += draw(pick(COMMENTS))
    if draw(st.integers(0, 5)) == 0:
        line += draw(pick(ENV_REFS))
    if draw(st.integers(0, 5)) == 0:
        line += " \\"  # continuation
    return line


@st.composite
def requirements_file(draw: st.DrawFn) -> str:
    lines = draw(st.lists(requirements_line(), max_size=8))
    newline = draw(pick(["\n", "\r\n"]))
    text = newline.join(lines)
    if draw(st.integers(0, 9)) == 0:
        text = "\ufeff" + text
    return text


INCLUDED_NAMES = ["other.txt", "sub/x.txt", "constraints.txt"]


@st.composite
def file_tree(draw: st.DrawFn) -> dict[str, str]:
    """The top file (``requirements.txt``) and some of the files it may include."""
    top = draw(requirements_file())
    files: dict[str, str] = {}
    for name in INCLUDED_NAMES:
        if draw(st.booleans()):
            files[name] = draw(requirements_file())
        if draw(st.booleans()):  # include it first thing, so errors inside it are reached
            option = "-c" if name.startswith("constraints") else "-r"
            top = f"{option} {name}\n{top}"
    files["requirements.txt"] = top
    return files


def reader(files: Mapping[str, str]) -> Callable[[str], str]:
    def read(path: str) -> str:
        key = os.path.normpath(path) if "://" not in path else path
        if key == "locked.txt":
            raise PermissionError(13, "Permission denied")
        if key not in files:
            raise FileNotFoundError(2, "No such file or directory")
        return files[key]

    return read


# --------------------------------------------------------------------------- requirements files


@fuzz("requirements_txt_arbitrary_text")
@given(
    text=st.text(),
    source=pick(["requirements.txt", "-", "dir/req.txt", "https://example.invalid/r.txt"]),
)
def test_requirements_txt_arbitrary_text(text: str, source: str) -> None:
    outcome(lambda: parse_requirements(text, source, read=reader({}), environ=ENVIRON))


@fuzz("requirements_txt_structured")
@given(
    files=file_tree(),
    source=pick(
        [
            "requirements.txt",
            "-",
            "https://example.invalid/dir/requirements.txt",
            "http://[bad/requirements.txt",
        ]
    ),
)
@example(
    files={"requirements.txt": "-r file://[bad/x.txt"}, source="requirements.txt"
)
@example(
    files={"requirements.txt": "--find-links https://[bad/\n-r other.txt"},
    source="http://[bad/requirements.txt",
)
def test_requirements_txt_structured(files: dict[str, str], source: str) -> None:
    tree = dict(files)
    tree[source] = tree.pop("requirements.txt")
    outcome(lambda: parse_requirements(tree[source], source, read=reader(tree), environ=ENVIRON))


def _physical_lines(text: str) -> list[str]:
    if text.startswith("\ufeff"):
        text = text[1:]
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


@fuzz("requirements_txt_error_location")
@given(files=file_tree())
@example(files={"requirements.txt": "${lower}"})
@example(files={"requirements.txt": "pkg \\\n --hash=md5:0"})
def test_requirements_txt_errors_name_source_line_and_text(files: dict[str, str]) -> None:
    result = outcome(
        lambda: parse_requirements(
            files["requirements.txt"], "requirements.txt", read=reader(files), environ=ENVIRON
        )
    )
    if not isinstance(result, PuvError):
        return
    assert isinstance(result, InputError), f"{type(result).__name__}: {result}"
    assert result.source in files, f"error names an unknown source {result.source!r}"
    event(f"error located in {result.source}")
    assert result.lineno is not None, f"no line number: {result}"
    lines = _physical_lines(files[result.source])
    assert 1 <= result.lineno <= len(lines), (result.lineno, len(lines))
    assert result.line == lines[result.lineno - 1], (result.line, lines[result.lineno - 1])
    if result.column is not None:
        assert 0 <= result.column <= len(result.line), (result.column, result.line)


# --------------------------------------------------------------------------- one requirement


def _exists(path: str) -> bool:
    return path in {"proj", "./proj", "local/dir"}


@fuzz("requirement_spec_arbitrary_text")
@given(text=st.text(), editable=st.booleans())
def test_requirement_spec_arbitrary_text(text: str, editable: bool) -> None:
    outcome(lambda: parse_requirement(text, editable=editable))
    outcome(lambda: parse_requirement_arg(text, editable=editable, exists=_exists))


@fuzz("requirement_spec_structured")
@given(
    text=requirement_text(),
    editable=st.booleans(),
    base_dir=pick(["", "sub", "/abs"]),
    with_exists=st.booleans(),
)
@example(
    text="demo @ dist/demo-1" + BIG + "-py3-none-any.whl",
    editable=False,
    base_dir="",
    with_exists=False,
)
@example(
    text="dist/demo-1" + BIG + "-py3-none-any.whl", editable=False, base_dir="", with_exists=False
)
def test_requirement_spec_structured(
    text: str, editable: bool, base_dir: str, with_exists: bool
) -> None:
    exists = _exists if with_exists else None
    result = outcome(
        lambda: parse_requirement(text, base_dir=base_dir, editable=editable, exists=exists)
    )
    if isinstance(result, InputError):
        assert result.line == text
        if result.column is not None:
            assert 0 <= result.column <= len(text), (result.column, text)
    outcome(lambda: parse_requirement_arg(text, editable=editable, exists=exists))


# --------------------------------------------------------------------------- pyproject.toml


def toml_value(value: object) -> str:
    """A TOML spelling of ``value`` (inline tables and arrays only)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


EXTRA_NAMES = ["test", "docs", "Test", "te_st", "all", "bad name", "", "dev"]
req_string = st.one_of(
    requirement_text(), pick(["demo[test]", "demo[all]; os_name == 'nt'", "Demo[docs,test]"])
)

wrong: st.SearchStrategy[object] = st.one_of(st.integers(-2, 2), st.booleans(), st.just(1.5), st.just({}), st.just([]))
GOOD_REQS = [
    "requests>=2",
    "a==1.0",
    "flask; python_version >= '3.8'",
    "pkg @ https://example.invalid/pkg-1.0.tar.gz",
    "demo[test]",
    "Demo[docs,test]; os_name == 'nt'",
]
req_list = st.one_of(
    st.lists(pick(GOOD_REQS), max_size=4),
    st.lists(st.one_of(pick(GOOD_REQS), req_string, wrong), max_size=4),
    wrong,
    req_string,
)
group_item = st.one_of(
    req_string,
    st.fixed_dictionaries({"include-group": st.one_of(pick(EXTRA_NAMES), wrong)}),
    st.just({"include-group": "dev", "other": 1}),
    wrong,
)
project_table = st.fixed_dictionaries(
    {},
    optional={
        "name": mostly(pick(["demo", "Demo", "bad name", ""]), wrong),
        "dependencies": req_list,
        "optional-dependencies": mostly(
            st.dictionaries(pick(EXTRA_NAMES), req_list, max_size=3), wrong
        ),
        "dynamic": mostly(
            st.lists(pick(["dependencies", "optional-dependencies", "version"]), max_size=2), wrong
        ),
    },
)
pyproject_data = st.fixed_dictionaries(
    {"project": mostly(project_table, wrong)},
    optional={
        "dependency-groups": mostly(
            st.dictionaries(
                pick(EXTRA_NAMES), mostly(st.lists(group_item, max_size=3), wrong), max_size=3
            ),
            wrong,
        ),
        "tool": st.just({"puv": {"x": 1}}),
    },
)


@fuzz("pyproject_arbitrary_text")
@given(text=st.text(), groups=st.lists(pick(EXTRA_NAMES), max_size=2))
@example(text="a = " + "[" * 5000, groups=[])
def test_pyproject_arbitrary_text(text: str, groups: list[str]) -> None:
    outcome(lambda: parse_pyproject(text, "pyproject.toml", groups=groups))


@fuzz("pyproject_structured")
@given(
    data=pyproject_data,
    extras=st.lists(pick(EXTRA_NAMES), max_size=2),
    all_extras=st.booleans(),
    groups=st.lists(pick(EXTRA_NAMES), max_size=2),
    cut=st.one_of(st.none(), st.none(), st.none(), st.integers(0, 400)),
    source=pick(["pyproject.toml", "sub/pyproject.toml"]),
)
def test_pyproject_structured(
    data: dict[str, object],
    extras: list[str],
    all_extras: bool,
    groups: list[str],
    cut: int | None,
    source: str,
) -> None:
    if data.get("project") == 1:
        del data["project"]  # no [project] table at all
    text = "\n".join(f"{json.dumps(key)} = {toml_value(value)}" for key, value in data.items())
    if cut is not None:
        text = text[:cut]
    result = outcome(
        lambda: parse_pyproject(text, source, extras=extras, all_extras=all_extras, groups=groups)
    )
    if isinstance(result, InputError):
        assert result.source == source


# --------------------------------------------------------------------------- simple API

PAGE_URL = "https://example.invalid/simple/demo/"

def simple_api_outcome(call: Callable[[], T]) -> T | PuvError | None:
    """:func:`outcome` for the simple-API parsers (kept as a name for the call sites)."""
    return outcome(call)


def _exercise_flat(page: object) -> None:
    if isinstance(page, simple_api.FlatPage):
        page.project_names()
        page.files_for("demo")


HTML_FILENAMES = [
    "demo-1.0.tar.gz",
    "demo-1.0-py3-none-any.whl",
    "Demo-2.0b1.zip",
    "python-dateutil-2.8.2.tar.gz",
    "demo-1" + BIG + "-py3-none-any.whl",
    "demo-1" + BIG + ".tar.gz",
    "demo-1.0-1x-py3-none-any.whl",
    "demo.whl",
    "demo-1.0.exe",
    "-1.0.tar.gz",
    "%zz.tar.gz",
    "demo-1.0%2B1.tar.gz",
    "",
]
HREF_PREFIXES = [
    "",
    "./",
    "../../files/",
    "/files/",
    "https://files.example.invalid/x/",
    "//files.example.invalid/",
    "//[bad/",
    "http://[bad/",
    "?q=1/",
    "javascript:",
    "./a/../",
]
FRAGMENTS = [
    "",
    "#sha256=" + HEX64,
    "#sha256=" + HEX64.upper(),
    "#md5=" + "b" * 32,
    "#sha256=xyz",
    "#sha256=",
    "#egg=demo",
    "#sha256=" + HEX64 + "&md5=zz",
    "#sha256:" + HEX64,
    "#=",
]
ATTR_VALUES = [
    "&gt;=3.8",
    ">=3.8",
    "&lt;4,&gt;=3",
    "&amp;&#x3e;&bogus;",
    "true",
    "TRUE",
    "sha256=" + HEX64,
    "sha256=bad",
    "md5=" + "c" * 32,
    "",
    "reason",
    "1.0",
    "2.0",
    "1.x",
    "x",
    "²",
    BIG,
]
ATTR_NAMES = [
    "data-requires-python",
    "data-yanked",
    "data-core-metadata",
    "data-dist-info-metadata",
    "DATA-YANKED",
    "rel",
    "href",
]


@st.composite
def html_attr(draw: st.DrawFn, name: str | None = None) -> str:
    key = name if name is not None else draw(pick(ATTR_NAMES))
    value = draw(st.one_of(pick(ATTR_VALUES), st.text(max_size=6)))
    quote = draw(pick(['"', "'", "", "none"]))
    if quote == "none":
        return key
    if quote == "" and (not value or any(c in value for c in " \t\n>\"'")):
        quote = '"'
    if quote and quote in value:
        value = value.replace(quote, "")
    return f"{key}{draw(pick(['=', ' = ']))}{quote}{value}{quote}"


@st.composite
def html_element(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["a", "a", "a", "base", "meta", "comment", "junk"]))
    if kind == "a":
        href = draw(pick(HREF_PREFIXES)) + draw(pick(HTML_FILENAMES)) + draw(pick(FRAGMENTS))
        quote = draw(pick(['"', "'"]))
        attrs = [f"href={quote}{href.replace(quote, '')}{quote}"]
        attrs += draw(st.lists(html_attr(), max_size=3))
        attrs = draw(st.permutations(attrs))
        tag = draw(pick(["a", "A"]))
        text = draw(st.one_of(pick(HTML_FILENAMES), pick(NAMES), st.text(max_size=5)))
        return f"<{tag} {' '.join(attrs)}>{text}</{tag}>"
    if kind == "base":
        return f"<base href=\"{draw(pick(HREF_PREFIXES))}\">"
    if kind == "meta":
        version = draw(pick(ATTR_VALUES))
        return f'<meta name="pypi:repository-version" content="{version}">'
    if kind == "comment":
        return draw(pick(["<!-- <a href='x-1.0.tar.gz'>x</a> -->", "<!--", "-->"]))
    return draw(
        st.one_of(pick(NASTY), st.text(max_size=10), pick(["<a", "<a href=", "<", ">", "</a>"]))
    )


@st.composite
def html_page(draw: st.DrawFn) -> str | bytes:
    body = "\n".join(draw(st.lists(html_element(), max_size=8)))
    text = f"<!DOCTYPE html><html><body>{body}</body></html>"
    if draw(st.booleans()):
        return text
    raw = text.encode("utf-8")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(max_size=4)) + raw[at:]
    return draw(pick([b"", b"\xef\xbb\xbf"])) + raw


def _parse_all_html(body: str | bytes) -> None:
    simple_api_outcome(lambda: simple_api.parse_project_html(body, PAGE_URL, "demo"))
    flat = simple_api_outcome(lambda: simple_api.parse_find_links_html(body, PAGE_URL))
    _exercise_flat(flat)
    simple_api_outcome(lambda: simple_api.parse_root_page(body, PAGE_URL, "text/html"))


@fuzz("simple_api_html_arbitrary")
@given(body=st.one_of(st.text(), st.binary()))
def test_simple_api_html_arbitrary(body: str | bytes) -> None:
    _parse_all_html(body)


@fuzz("simple_api_html_structured")
@given(body=html_page())
@example(body='<base href="//[bad/"><a href="demo-1.0.tar.gz">x</a>')
@example(body='<a href="//[bad/demo-1.0.tar.gz">x</a>')
@example(body='<meta name="pypi:repository-version" content="²">')
def test_simple_api_html_structured(body: str | bytes) -> None:
    _parse_all_html(body)


json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=8),
)
json_any = st.recursive(
    json_scalar,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)
json_hashes = st.one_of(
    st.fixed_dictionaries(
        {"sha256": st.one_of(pick([HEX64, HEX64.upper(), "xyz", ""]), json_scalar)}
    ),
    st.dictionaries(
        pick(["sha256", "md5", "blake2b", "SHA256", ""]),
        st.one_of(pick([HEX64, "b" * 32]), json_scalar),
        max_size=3,
    ),
    json_any,
)
json_file = st.fixed_dictionaries(
    {
        "filename": mostly(pick(HTML_FILENAMES), json_scalar),
        "url": mostly(
            st.builds(lambda p, f: p + f, pick(HREF_PREFIXES), pick(HTML_FILENAMES + ["x#frag"])),
            json_scalar,
        ),
        "hashes": mostly(st.just({"sha256": HEX64}), json_hashes),
    },
    optional={
        "requires-python": st.one_of(pick([">=3.8", " ", "", "bad"]), json_scalar),
        "yanked": json_scalar,
        "core-metadata": st.one_of(st.booleans(), json_hashes),
        "dist-info-metadata": st.one_of(st.booleans(), json_hashes),
        "size": json_scalar,
        "upload-time": json_scalar,
    },
)
json_project = st.fixed_dictionaries(
    {},
    optional={
        "meta": mostly(
            pick(["1.0", "1.1"]).map(lambda version: {"api-version": version}),
            st.one_of(
                st.fixed_dictionaries(
                    {
                        "api-version": st.one_of(
                            pick(["1.0", "1.1", "1.99", "2.0", " 1.0 ", "1.x", "²", BIG]),
                            json_scalar,
                        )
                    }
                ),
                json_any,
            ),
        ),
        "name": st.one_of(pick(["demo", "Demo", ""]), json_scalar),
        "files": mostly(st.lists(mostly(json_file, json_scalar), max_size=4), json_any),
        "versions": st.one_of(
            st.lists(st.one_of(pick(VERSIONS), json_scalar), max_size=3), json_any
        ),
        "projects": st.one_of(
            st.lists(
                st.one_of(
                    st.fixed_dictionaries({"name": st.one_of(pick(NAMES), json_scalar)}), json_any
                ),
                max_size=3,
            ),
            json_any,
        ),
    },
)


def _parse_all_json(body: str | bytes) -> None:
    simple_api_outcome(lambda: simple_api.parse_project_json(body, PAGE_URL, "demo"))
    simple_api_outcome(lambda: simple_api.parse_project_json(body, PAGE_URL))
    content_type = "application/vnd.pypi.simple.v1+json"
    simple_api_outcome(lambda: simple_api.parse_project_page(body, PAGE_URL, content_type, "demo"))
    simple_api_outcome(lambda: simple_api.parse_root_page(body, PAGE_URL, content_type))


@fuzz("simple_api_json_arbitrary")
@given(
    body=st.one_of(st.text(), st.binary(), json_any.map(json.dumps)),
    content_type=st.one_of(
        st.none(),
        pick(
            [
                "application/vnd.pypi.simple.v1+json",
                "application/vnd.pypi.simple.v2+json",
                "application/vnd.pypi.simple.latest+html",
                "text/html; charset=utf-8",
                "application/json",
                "",
            ]
        ),
        st.text(max_size=10),
    ),
)
@example(body="[" * 100_000, content_type=None)
def test_simple_api_json_arbitrary(body: str | bytes, content_type: str | None) -> None:
    _parse_all_json(body)
    simple_api_outcome(lambda: simple_api.parse_project_page(body, PAGE_URL, content_type, "demo"))
    simple_api_outcome(lambda: simple_api.parse_root_page(body, PAGE_URL, content_type))


@fuzz("simple_api_json_structured")
@given(data=json_project, as_bytes=st.booleans())
@example(data={"meta": {"api-version": "²"}, "files": []}, as_bytes=False)
@example(data={"meta": {"api-version": BIG}, "files": []}, as_bytes=True)
@example(
    data={
        "meta": {"api-version": "1.1"},
        "files": [{"filename": "demo-1.0.tar.gz", "url": "//[bad/x.tar.gz", "hashes": {}}],
    },
    as_bytes=False,
)
def test_simple_api_json_structured(data: dict[str, Any], as_bytes: bool) -> None:
    text = json.dumps(data)
    _parse_all_json(text.encode("utf-8") if as_bytes else text)


# --------------------------------------------------------------------------- core metadata

META_HEADERS = [
    "Metadata-Version",
    "Name",
    "Version",
    "Requires-Dist",
    "Requires-Python",
    "Provides-Extra",
    "Dynamic",
    "Project-URL",
    "Summary",
    "Classifier",
    "License",
    "X-Random",
    "name",
    "VERSION",
    " Name",
    "",
]
META_VALUES = [
    "2.1",
    "2.4",
    "3.0",
    "1.0",
    "²",
    "١",
    BIG,
    "x.y",
    "demo",
    "1.0",
    "1" + BIG,
    "not a version",
    ">=3.8",
    ">=3.8,<4",
    "bad spec",
    "requests>=2; extra == 'test'",
    "requests (>=2.0)",
    "bad req ===",
    "Homepage, https://example.invalid",
    "test",
]


@st.composite
def header_text(draw: st.DrawFn, names: list[str], values: list[str]) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(pick(["header", "header", "header", "continuation", "junk", "blank"]))
        if kind == "header":
            name = draw(st.one_of(pick(names), st.text(max_size=4)))
            value = draw(st.one_of(pick(values), st.text(max_size=6)))
            lines.append(f"{name}:{draw(pick([' ', '', '  ']))}{value}")
        elif kind == "continuation":
            value = draw(st.one_of(pick(values), st.text(max_size=6)))
            lines.append(draw(pick([" ", "\t"])) + value)
        elif kind == "junk":
            lines.append(draw(st.one_of(pick(NASTY), st.text(max_size=8))))
        else:
            lines.append("")
    return draw(pick(["\n", "\r\n"])).join(lines)


def as_bytes_maybe(draw: st.DrawFn, text: str) -> str | bytes:
    if draw(st.booleans()):
        return text
    raw = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(max_size=4)) + raw[at:]
    return raw


META_PREFIXES = [
    "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
    "Metadata-Version: 2.4\r\nName: Demo.Pkg\r\nVersion: 2.0rc1\r\nRequires-Python: >=3.8\r\n",
    "Name: demo\nVersion: 1!0.post1\nRequires-Dist: requests>=2; extra == 'test'\n",
    "",
]


@st.composite
def metadata_input(draw: st.DrawFn) -> str | bytes:
    """Mostly a valid head, then random headers, continuations, junk and maybe a body."""
    text = draw(pick(META_PREFIXES)) + draw(header_text(META_HEADERS, META_VALUES))
    if draw(st.booleans()):
        text += "\n\n" + draw(st.text(max_size=20))  # the description body
    return as_bytes_maybe(draw, text)


def _check_metadata(data: str | bytes) -> None:
    outcome(lambda: parse_metadata(data, source="demo-1.0.dist-info/METADATA"))
    outcome(lambda: parse_wheel_info(data))
    entry_points = outcome(lambda: parse_entry_points(data))
    if isinstance(entry_points, tuple):
        for entry_point in entry_points:
            outcome(entry_point.object_ref)


@fuzz("metadata_arbitrary")
@given(data=st.one_of(st.text(), st.binary()))
def test_metadata_arbitrary(data: str | bytes) -> None:
    _check_metadata(data)


@fuzz("metadata_structured")
@given(data=metadata_input())
@example(data="Metadata-Version: ²\nName: demo\nVersion: 1.0\n")
@example(data="Metadata-Version: 2.1\nName: demo\nVersion: 1" + BIG + "\n")
@example(data="Metadata-Version: " + BIG + "\nName: demo\nVersion: 1.0\n")
def test_metadata_structured(data: str | bytes) -> None:
    _check_metadata(data)


@st.composite
def wheel_input(draw: st.DrawFn) -> str | bytes:
    names = ["Wheel-Version", "Root-Is-Purelib", "Tag", "Build", "Generator", "wheel-version"]
    values = ["1.0", "1.9", "2.0", "1", "1.", ".1", "²", "1.²", BIG, "1." + BIG, "true"]
    values.append("py3-none-any")
    prefix = draw(
        pick(["Wheel-Version: 1.0\n", "Wheel-Version: 1.0\r\nRoot-Is-Purelib: true\r\n", ""])
    )
    return as_bytes_maybe(draw, prefix + draw(header_text(names, values)))


@fuzz("wheel_info_structured")
@given(data=wheel_input())
@example(data="Wheel-Version: ²")
@example(data="Wheel-Version: 1.²")
@example(data="Wheel-Version: " + BIG)
def test_wheel_info_structured(data: str | bytes) -> None:
    outcome(lambda: parse_wheel_info(data, source="demo.dist-info/WHEEL"))


@st.composite
def entry_points_input(draw: st.DrawFn) -> str | bytes:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(pick(["section", "entry", "entry", "continuation", "comment", "junk"]))
        if kind == "section":
            section = draw(pick(["[console_scripts]", "[gui_scripts]", "[ x ]", "[broken", "[]"]))
            lines.append(section)
        elif kind == "entry":
            name = draw(st.one_of(pick(["demo", "demo-cli", "", " x "]), st.text(max_size=4)))
            value = draw(
                st.one_of(
                    pick(
                        ["demo:main", "demo.cli:main [extra]", "demo", "demo:", ":x", "a b"]
                        + ["x:y [a,,b]"]
                    ),
                    st.text(max_size=8),
                )
            )
            lines.append(f"{name}{draw(pick(['=', ' = ', '']))}{value}")
        elif kind == "continuation":
            lines.append("  " + draw(st.text(max_size=6)))
        elif kind == "comment":
            lines.append(draw(pick(["# c", "; c", "   # c"])))
        else:
            lines.append(draw(st.one_of(pick(NASTY), st.text(max_size=6))))
    return as_bytes_maybe(draw, draw(pick(["\n", "\r\n"])).join(lines))


@fuzz("entry_points_structured")
@given(data=entry_points_input())
def test_entry_points_structured(data: str | bytes) -> None:
    result = outcome(lambda: parse_entry_points(data))
    if isinstance(result, tuple):
        for entry_point in result:
            outcome(entry_point.object_ref)


# --------------------------------------------------------------------------- filenames


def _check_filename(filename: str, project: str | None) -> None:
    strict = outcome(lambda: parse_filename(filename, project))
    lenient = try_parse_filename(filename, project)  # must never raise
    assert (lenient is None) == isinstance(strict, PuvError), (filename, project, strict)
    classify(filename)
    sdist_extension(filename)


@fuzz("filenames_arbitrary")
@given(filename=st.text(), project=st.one_of(st.none(), pick(NAMES)))
def test_filenames_arbitrary(filename: str, project: str | None) -> None:
    _check_filename(filename, project)
    _check_filename(filename + ".whl", project)
    _check_filename(filename + ".tar.gz", project)


@st.composite
def filename_parts(draw: st.DrawFn) -> str:
    parts = [
        draw(pick(NAMES + ["python-dateutil", "demo_pkg", "Demo.Pkg"])),
        draw(pick(VERSIONS + ["2.8.2", "1.0-1", "1.0.post1.dev2"])),
    ]
    extension = draw(
        pick([".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar", ".exe", ".WHL", ".TAR.GZ", ""])
    )
    if extension.lower() == ".whl" or draw(st.integers(0, 4)) == 0:
        if draw(st.booleans()):
            parts.append(draw(pick(["1", "1abc", "abc", "0", "", "1" + BIG])))
        parts += [
            draw(pick(["py3", "cp311", "py2.py3", "", "py3-none"])),
            draw(pick(["none", "abi3", "cp311", ""])),
            draw(pick(["any", "manylinux_2_17_x86_64.manylinux2014_x86_64", "win_amd64", ""])),
        ]
    if draw(st.integers(0, 4)) == 0:
        parts = draw(st.permutations(parts))
    if draw(st.integers(0, 4)) == 0 and parts:
        del parts[draw(st.integers(0, len(parts) - 1))]
    text = draw(pick(["-", "_", "--"])).join(parts) + extension
    if draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.one_of(pick(NASTY), st.text(max_size=2))) + text[at:]
    return text


@fuzz("filenames_structured")
@given(
    filename=filename_parts(),
    project=st.one_of(st.none(), pick(NAMES + ["python-dateutil", "demo-pkg"])),
)
@example(filename="demo-1" + BIG + "-py3-none-any.whl", project=None)
@example(filename="demo-1" + BIG + ".tar.gz", project=None)
@example(filename="demo-1" + BIG + ".tar.gz", project="demo")
def test_filenames_structured(filename: str, project: str | None) -> None:
    _check_filename(filename, project)


# --------------------------------------------------------------------------- RECORD

B64_SHA256 = base64.urlsafe_b64encode(hashlib.sha256(b"x").digest()).rstrip(b"=").decode()
RECORD_PATHS = [
    "demo/__init__.py",
    "demo-1.0.dist-info/RECORD",
    "a,b.py",
    'q"uote.py',
    "new\nline.py",
    " ",
    "é/ü.py",
    "../escape.py",
    "/abs.py",
]
RECORD_HASHES = [
    f"sha256={B64_SHA256}",
    "sha256=",
    "=abc",
    "md5=abc",
    "sha256=not b64!",
    "sha256==",
    "SHA256=a",
    "sha256=a===",
]
RECORD_SIZES = ["", "12", "0", "-1", "²", "١", BIG, "x", " 3 "]


@st.composite
def record_input(draw: st.DrawFn) -> str | bytes:
    rows: list[list[str]] = []
    for _ in range(draw(st.integers(0, 6))):
        row = [
            draw(st.one_of(pick(RECORD_PATHS), st.text(max_size=6))),
            draw(st.one_of(pick(RECORD_HASHES), st.text(max_size=6))),
            draw(st.one_of(pick(RECORD_SIZES), st.text(max_size=3))),
        ]
        extra_columns = draw(st.lists(st.text(max_size=2), max_size=1))
        rows.append(row[: draw(st.integers(0, 3))] + extra_columns)
    if draw(st.booleans()):
        out = io.StringIO()
        csv.writer(out, lineterminator=draw(pick(["\n", "\r\n"]))).writerows(rows)
        text = out.getvalue()
    else:
        text = "\n".join(",".join(row) for row in rows)
    return as_bytes_maybe(draw, text)


@fuzz("record_arbitrary")
@given(data=st.one_of(st.text(), st.binary()))
@example(data='a,"unterminated')
@example(data="a,," + "x" * 200_000)
def test_record_arbitrary(data: str | bytes) -> None:
    outcome(lambda: parse_record(data))


@fuzz("record_structured")
@given(data=record_input())
@example(data="demo.py,sha256=abc,²")
@example(data="demo.py,sha256=abc," + BIG)
def test_record_structured(data: str | bytes) -> None:
    outcome(lambda: parse_record(data))


record_path = st.text(min_size=1, max_size=12).filter(lambda p: p != "demo-1.0.dist-info/RECORD")
record_hash_value = st.builds(
    RecordHash,
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=8),
    st.text(alphabet="ABCXYZabcxyz0189-_", min_size=1, max_size=20),
)
record_entry = st.builds(
    RecordEntry,
    record_path,
    st.one_of(st.none(), record_hash_value),
    st.one_of(st.none(), st.integers(0, 2**63)),
)


@fuzz("record_round_trip")
@given(entries=st.lists(record_entry, max_size=6))
@example(entries=[RecordEntry("\r0"), RecordEntry("a\rb", RecordHash("sha256", "abc"), 3)])
def test_record_round_trip(entries: list[RecordEntry]) -> None:
    record = "demo-1.0.dist-info/RECORD"
    text = render_record(entries, record)
    expected = (*entries, RecordEntry(record))
    assert parse_record(text) == expected
    assert parse_record(text.encode("utf-8")) == expected


@fuzz("record_hash_round_trip")
@given(
    data=st.binary(max_size=64),
    algorithm=pick(["sha256", "sha384", "sha512", "sha3_256", "blake2b", "md5"]),
)
def test_record_hash_round_trip(data: bytes, algorithm: str) -> None:
    digest = record_hash(data, algorithm)
    parsed = parse_record_hash(str(digest))
    assert parsed == digest
    assert parsed.digest() == hashlib.new(algorithm, data).digest()
    assert parsed.to_hash_digest().hexdigest == hashlib.new(algorithm, data).hexdigest()


# --------------------------------------------------------------------------- hashes

hash_text = st.one_of(
    st.text(max_size=20),
    st.builds(
        lambda alg, sep, digest: alg + sep + digest,
        pick([*DIGEST_HEX_LENGTHS, "SHA256", "blake2b", "", "egg", "sha256 "]),
        pick([":", "=", "", "::", "=="]),
        st.one_of(
            pick(
                [HEX64, HEX64.upper(), "a" * 32, "a" * 40, "a" * 96, "a" * 128, "g" * 64, ""]
                + [" " + HEX64, "²" * 64]
            ),
            st.text(alphabet="0123456789abcdefABCDEFxyz", max_size=130),
        ),
    ),
)


@fuzz("hashes_arbitrary")
@given(text=hash_text, other=hash_text)
def test_hashes_arbitrary(text: str, other: str) -> None:
    outcome(lambda: parse_hash_option(text))
    outcome(lambda: parse_hash_fragment(text))
    outcome(lambda: split_hash(text))
    outcome(lambda: hash_pair(text, other))
    outcome(lambda: make_digest(text, other))


@fuzz("hashes_round_trip")
@given(
    algorithm=pick(sorted(DIGEST_HEX_LENGTHS)),
    data=st.binary(max_size=32),
    upper=st.booleans(),
)
def test_hashes_round_trip(algorithm: str, data: bytes, upper: bool) -> None:
    hexdigest = hashlib.new(algorithm, data).hexdigest()
    written = HashDigest(
        algorithm.upper() if upper else algorithm, hexdigest.upper() if upper else hexdigest
    )
    assert written == HashDigest(algorithm, hexdigest)
    assert parse_hash_fragment(written.as_fragment()) == written
    assert split_hash(written.as_fragment()) == (algorithm, hexdigest)
    assert split_hash(written.as_option()) == (algorithm, hexdigest)
    if algorithm in STRONG_ALGORITHMS:
        assert parse_hash_option(written.as_option()) == written
        assert parse_hash_option(str(written)) == written
    else:
        assert isinstance(outcome(lambda: parse_hash_option(written.as_option())), PuvError)


# --------------------------------------------------------------------------- zip directories


METADATA_BYTES = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"


def _wheel_zip(*, zip64: bool, comment: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    limit = 0 if zip64 else zipfile.ZIP_FILECOUNT_LIMIT
    with mock.patch.object(zipfile, "ZIP_FILECOUNT_LIMIT", limit):
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("demo/__init__.py", b"x = 1\n" * 20)
            archive.writestr("demo-1.0.dist-info/METADATA", METADATA_BYTES)
            archive.writestr("demo-1.0.dist-info/RECORD", b"")
            archive.writestr(zipfile.ZipInfo("demo/stored.txt"), b"stored")
            archive.comment = comment
    return buffer.getvalue()


SAMPLE_ZIPS = (
    _wheel_zip(zip64=False),
    _wheel_zip(zip64=True),
    _wheel_zip(zip64=False, comment=b"PK\x05\x06 in a comment"),
)


#: A zip64 end record cut after 12 bytes, its locator and the end record pointing at it.
TRUNCATED_ZIP64_TAIL = (
    b"PK\x06\x06"
    + bytes(8)
    + struct.pack("<4sLQL", b"PK\x06\x07", 0, 0, 1)
    + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
)
#: A central directory record flagged UTF-8 (0x800) whose name is not UTF-8.
NON_UTF8_NAME_DIRECTORY = (
    struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0x800, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0)
    + b"\xff\xfe"
)


def read_metadata_like_a_range_reader(blob: bytes, tail_size: int) -> bytes:
    """The sequence of calls the range-request METADATA reader makes."""
    tail_offset = max(0, len(blob) - tail_size)
    directory = find_directory(blob[tail_offset:], tail_offset)
    members = parse_directory(blob[directory.offset : directory.offset + directory.size])
    for member in members:
        local = blob[member.header_offset :]
        member_data_offset(local)
        extract(member, local)
    member = find_metadata_member(members, "demo")
    return extract(member, blob[member.header_offset :])


def test_sample_zips_are_readable() -> None:
    for blob in SAMPLE_ZIPS:
        assert read_metadata_like_a_range_reader(blob, 1 << 16).startswith(b"Metadata-Version")
    assert b"PK\x06\x06" in SAMPLE_ZIPS[1]


@fuzz("zip_random_tail")
@given(
    tail=st.binary(max_size=200),
    prefix=st.binary(max_size=40),
    tail_offset=st.integers(0, 2**40),
)
@example(tail=TRUNCATED_ZIP64_TAIL, prefix=b"", tail_offset=0)
def test_zip_random_tail(tail: bytes, prefix: bytes, tail_offset: int) -> None:
    data = prefix + tail
    directory = outcome(lambda: find_directory(data, tail_offset))
    outcome(lambda: parse_directory(data))
    outcome(lambda: member_data_offset(data))
    if not isinstance(directory, PuvError):
        rel = directory.offset - tail_offset
        if 0 <= rel <= len(data):
            outcome(lambda: parse_directory(data[rel : rel + directory.size]))


@fuzz("zip_mutated_archive")
@given(
    which=st.integers(0, len(SAMPLE_ZIPS) - 1),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=4),
    cut=st.one_of(st.none(), st.integers(0, 10**6)),
    tail_size=pick([22, 64, 200, 1 << 16]),
)
def test_zip_mutated_archive(
    which: int, flips: list[tuple[int, int]], cut: int | None, tail_size: int
) -> None:
    blob = bytearray(SAMPLE_ZIPS[which])
    for position, value in flips:
        # Bias mutations towards the directory and end records at the tail.
        blob[len(blob) - 1 - position % len(blob)] = value
    if cut is not None:
        del blob[cut % (len(blob) + 1) :]
    outcome(lambda: read_metadata_like_a_range_reader(bytes(blob), tail_size))


U32 = st.one_of(st.integers(0, 300), st.just(0xFFFFFFFF), st.integers(0, 0xFFFFFFFF))
U16 = st.one_of(st.integers(0, 40), st.just(0xFFFF), st.integers(0, 0xFFFF))


@st.composite
def central_entry(draw: st.DrawFn) -> bytes:
    """One central directory record, its lengths and zip64 extra fields fuzzed."""
    name = draw(
        st.one_of(
            pick(["demo-1.0.dist-info/METADATA", "demo/é.py", "a/b/c"]).map(str.encode),
            st.binary(max_size=12),
        )
    )
    extra = b""
    if draw(st.booleans()):
        values = draw(st.lists(st.integers(0, 2**64 - 1), max_size=3))
        body = b"".join(value.to_bytes(8, "little") for value in values)
        body += draw(st.binary(max_size=3))
        length = draw(st.one_of(st.just(len(body)), U16))
        extra = (1).to_bytes(2, "little") + length.to_bytes(2, "little") + body
    extra += draw(st.binary(max_size=6))
    comment = draw(st.binary(max_size=4))
    header = struct.pack(
        "<4s6H3L5H2L",
        b"PK\x01\x02",
        20,
        20,
        draw(pick(["0", "2048", "65535"]).map(int)),  # general purpose flags (0x800: UTF-8)
        draw(st.sampled_from([0, 8, 12, 99])),
        0,
        0,
        draw(U32),
        draw(U32),
        draw(U32),
        draw(st.one_of(st.just(len(name)), U16)),
        draw(st.one_of(st.just(len(extra)), U16)),
        draw(st.one_of(st.just(len(comment)), U16)),
        0,
        0,
        0,
        draw(U32),
    )
    return header + name + extra + comment


@st.composite
def zip_tail(draw: st.DrawFn) -> tuple[bytes, int]:
    """Central directory + optional zip64 end records + end record, then cut or padded."""
    directory = b"".join(draw(st.lists(central_entry(), max_size=3)))
    offset = draw(st.integers(0, 64))
    data = draw(st.binary(min_size=offset, max_size=offset)) + directory
    zip64 = draw(st.booleans())
    if zip64:
        eocd64_at = len(data)
        record = struct.pack(
            "<4sQ2H2L4Q",
            b"PK\x06\x06",
            44,
            45,
            45,
            0,
            0,
            draw(st.integers(0, 2**64 - 1)),
            draw(st.one_of(st.just(len(directory) and 1), st.integers(0, 2**64 - 1))),
            draw(st.one_of(st.just(len(directory)), st.integers(0, 2**64 - 1))),
            draw(st.one_of(st.just(offset), st.integers(0, 2**64 - 1))),
        )
        data += record[: draw(st.sampled_from([len(record), 4, 20, 40, 55]))]
        locator_target = draw(st.one_of(st.just(eocd64_at), st.integers(0, 2**64 - 1)))
        data += struct.pack("<4sLQL", b"PK\x06\x07", 0, locator_target, 1)
    comment = draw(st.binary(max_size=6))
    big = 0xFFFF if zip64 else draw(U16)
    data += struct.pack(
        "<4s4H2LH",
        b"PK\x05\x06",
        0,
        0,
        big,
        big,
        0xFFFFFFFF if zip64 else draw(st.one_of(st.just(len(directory)), U32)),
        0xFFFFFFFF if zip64 else draw(st.one_of(st.just(offset), U32)),
        draw(st.one_of(st.just(len(comment)), U16)),
    )
    data += comment
    start = draw(st.integers(0, len(data)))
    return data[start:], start


@fuzz("zip_structured_records")
@given(tail=zip_tail())
@example(tail=(TRUNCATED_ZIP64_TAIL, 0))
@example(tail=(NON_UTF8_NAME_DIRECTORY, 0))
def test_zip_structured_records(tail: tuple[bytes, int]) -> None:
    data, tail_offset = tail
    directory = outcome(lambda: find_directory(data, tail_offset))
    if isinstance(directory, PuvError):
        outcome(lambda: parse_directory(data))
        return
    rel = max(0, min(len(data), directory.offset - tail_offset))
    members = outcome(lambda: parse_directory(data[rel : rel + min(directory.size, len(data))]))
    if isinstance(members, list):
        outcome(lambda: find_metadata_member(members))
        for member in members:
            local = data[max(0, min(len(data), member.header_offset - tail_offset)) :]
            outcome(lambda: extract(member, local))


# --------------------------------------------------------------------------- known simple_api crashes


def _json_page(files: list[object], api_version: object = "1.0") -> str:
    return json.dumps({"meta": {"api-version": api_version}, "name": "demo", "files": files})


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda: simple_api.parse_project_html(
                '<base href="//[bad/"><a href="demo-1.0.tar.gz">x</a>', PAGE_URL, "demo"
            ),
            id="html-base-href-bad-ipv6",
        ),
        pytest.param(
            lambda: simple_api.parse_find_links_html(
                '<a href="//[bad/demo-1.0.tar.gz">x</a>', PAGE_URL
            ),
            id="html-anchor-href-bad-ipv6",
        ),
        pytest.param(
            lambda: simple_api.parse_project_json(
                _json_page(
                    [{"filename": "demo-1.0.tar.gz", "url": "//[bad/demo-1.0.tar.gz", "hashes": {}}]
                ),
                PAGE_URL,
                "demo",
            ),
            id="json-file-url-bad-ipv6",
        ),
        pytest.param(
            lambda: simple_api.parse_project_html(
                '<meta name="pypi:repository-version" content="²">', PAGE_URL, "demo"
            ),
            id="html-api-version-superscript",
        ),
        pytest.param(
            lambda: simple_api.parse_project_json(_json_page([], "²"), PAGE_URL, "demo"),
            id="json-api-version-superscript",
        ),
        pytest.param(
            lambda: simple_api.parse_root_page(_json_page([], BIG), PAGE_URL, None),
            id="json-api-version-4400-digits",
        ),
        pytest.param(
            lambda: simple_api.parse_project_json("[" * 100_000, PAGE_URL, "demo"),
            id="json-deeply-nested",
        ),
    ],
)
def test_simple_api_crashes_found_by_fuzzing_are_fixed(call: Callable[[], object]) -> None:
    """Inputs that once crashed the simple-API parsers: now a result or an IndexFormatError."""
    from puv.errors import IndexFormatError

    try:
        call()
    except IndexFormatError as error:
        assert error.url == PAGE_URL


def test_examples_budget() -> None:
    """Every budget in EXAMPLES belongs to exactly one property (the docs quote the total)."""
    import inspect

    source = inspect.getsource(sys.modules[__name__])
    for key in EXAMPLES:
        assert source.count(f'@fuzz("{key}")') == 1, key
    assert source.count("\n@fuzz(") == len(EXAMPLES)
    assert TOTAL_EXAMPLES == sum(EXAMPLES.values())
