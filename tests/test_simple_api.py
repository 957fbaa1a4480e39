"""Simple repository API pages: PEP 503 HTML, PEP 691/700 JSON, root and find-links pages."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from puv.errors import IndexFormatError
from puv.primitives.simple_api import (
    ACCEPT,
    DistFile,
    page_format,
    parse_find_links_html,
    parse_project_html,
    parse_project_json,
    parse_project_page,
    parse_root_html,
    parse_root_json,
    parse_root_page,
)

PAGE = "https://example.com/simple/foo/"
H1 = "1" * 64
H2 = "2" * 64
H3 = "3" * 64


def html_page(*anchors: str, head: str = "") -> bytes:
    body = "\n".join(anchors)
    return (
        f"<!DOCTYPE html>\n<html><head>{head}<title>Links for foo</title></head>"
        f"<body><h1>Links for foo</h1>\n{body}\n</body></html>"
    ).encode()


# --------------------------------------------------------------------------- HTML


def test_html_basic_absolute_and_hash() -> None:
    page = parse_project_html(
        html_page(f'<a href="https://example.com/files/foo-1.0.tar.gz#sha256={H1}">foo-1.0.tar.gz</a>'),
        PAGE,
        "Foo",
    )
    assert page.name == "foo"
    assert page.url == PAGE
    assert page.versions is None
    assert page.files == (
        DistFile("foo-1.0.tar.gz", "https://example.com/files/foo-1.0.tar.gz", (("sha256", H1),)),
    )
    assert page.files[0].kind == "sdist"


def test_html_relative_urls() -> None:
    page = parse_project_html(
        html_page(
            '<a href="../../packages/foo-1.0-py3-none-any.whl">w</a>',
            '<a href="foo-1.1.tar.gz">s</a>',
            '<a href="./sub/foo-1.2.zip">z</a>',
            '<a href="/root/foo-1.3.tar.gz">r</a>',
            '<a href="//cdn.example.com/x/foo-1.4.tar.gz">n</a>',
            '<a href="../foo-1.5.tar.gz?x=1">q</a>',
        ),
        PAGE,
        "foo",
    )
    assert [f.url for f in page.files] == [
        "https://example.com/packages/foo-1.0-py3-none-any.whl",
        "https://example.com/simple/foo/foo-1.1.tar.gz",
        "https://example.com/simple/foo/sub/foo-1.2.zip",
        "https://example.com/root/foo-1.3.tar.gz",
        "https://cdn.example.com/x/foo-1.4.tar.gz",
        "https://example.com/simple/foo-1.5.tar.gz?x=1",
    ]
    assert page.files[-1].filename == "foo-1.5.tar.gz"


def test_html_relative_resolution_matches_urljoin() -> None:
    from urllib.parse import urljoin

    hrefs = [
        "a.tar.gz", "./a.tar.gz", "../a.tar.gz", "../../../../../a.tar.gz", "x/../a.tar.gz",
        "./x/./y/a.tar.gz", "/a.tar.gz", "http://other.example.com/a.tar.gz", "file:///tmp/a.tar.gz",
        "a%20b-1.0.tar.gz", "x//y/a.tar.gz",
    ]
    for base in (PAGE, "https://example.com/simple/foo", "https://example.com/s/foo/?page=2"):
        page = parse_find_links_html(html_page(*(f'<a href="{h}">x</a>' for h in hrefs)), base)
        assert [f.url for f in page.files] == [urljoin(base, h) for h in hrefs], base


def test_html_base_href() -> None:
    page = parse_project_html(
        html_page(
            '<a href="foo-1.0.tar.gz">x</a>',
            head='<base href="https://mirror.example.com/pkgs/"><base href="https://ignored.example.com/">',
        ),
        PAGE,
        "foo",
    )
    assert page.files[0].url == "https://mirror.example.com/pkgs/foo-1.0.tar.gz"


def test_html_relative_base_href() -> None:
    page = parse_project_html(html_page('<BASE HREF="../../files/"><a href="foo-1.0.tar.gz">x</a>'), PAGE, "foo")
    assert page.files[0].url == "https://example.com/files/foo-1.0.tar.gz"


def test_html_requires_python_entities_and_raw() -> None:
    page = parse_project_html(
        html_page(
            '<a href="foo-1.0.tar.gz" data-requires-python="&gt;=3.8, &lt;4">x</a>',
            '<a href="foo-1.1.tar.gz" data-requires-python=">=3.9">x</a>',
            '<a href="foo-1.2.tar.gz" data-requires-python="&gt;=3.7,&#33;=3.8.*">x</a>',
            '<a href="foo-1.3.tar.gz" data-requires-python="">x</a>',
        ),
        PAGE,
        "foo",
    )
    assert [f.requires_python for f in page.files] == [">=3.8, <4", ">=3.9", ">=3.7,!=3.8.*", None]


def test_html_entities_in_href() -> None:
    page = parse_project_html(
        html_page(f'<a href="https://example.com/dl?a=1&amp;f=foo-1.0.tar.gz#sha256={H1}">x</a>'),
        PAGE,
        "foo",
    )
    # The filename comes from the path, which is "dl" here: not a distribution.
    assert page.files == ()
    assert page.skipped == ("dl",)


def test_html_quoting_styles_and_case() -> None:
    page = parse_project_html(
        html_page(
            f"<A HREF='foo-1.0.tar.gz#SHA256={H1.upper()}' DATA-REQUIRES-PYTHON='>=3.8'>x</A>",
            f"<a href=foo-1.1.tar.gz#sha256={H2} data-yanked>x</a>",
            '<a\n  data-requires-python = "&gt;3"\n  href = "foo-1.2.tar.gz" >x</a>',
            '<a href="foo-1.3.tar.gz"/>',
        ),
        PAGE,
        "foo",
    )
    files = page.files
    assert [f.filename for f in files] == ["foo-1.0.tar.gz", "foo-1.1.tar.gz", "foo-1.2.tar.gz", "foo-1.3.tar.gz"]
    assert files[0].hashes == (("sha256", H1),)
    assert files[0].requires_python == ">=3.8"
    assert files[1].hashes == (("sha256", H2),) and files[1].yanked
    assert files[2].requires_python == ">3"


def test_html_gt_inside_quoted_attribute_does_not_end_tag() -> None:
    page = parse_project_html(
        html_page('<a data-requires-python=">=3.8" href="foo-1.0.tar.gz" data-yanked="bad > worse">x</a>'),
        PAGE,
        "foo",
    )
    assert page.files[0].filename == "foo-1.0.tar.gz"
    assert page.files[0].yanked_reason == "bad > worse"


def test_html_yanked() -> None:
    page = parse_project_html(
        html_page(
            '<a href="foo-1.0.tar.gz" data-yanked="">x</a>',
            '<a href="foo-1.1.tar.gz" data-yanked="broken &amp; insecure">x</a>',
            '<a href="foo-1.2.tar.gz" data-yanked>x</a>',
            '<a href="foo-1.3.tar.gz">x</a>',
        ),
        PAGE,
        "foo",
    )
    assert [(f.yanked, f.yanked_reason) for f in page.files] == [
        (True, None),
        (True, "broken & insecure"),
        (True, None),
        (False, None),
    ]


def test_html_core_metadata_both_spellings() -> None:
    page = parse_project_html(
        html_page(
            '<a href="foo-1.0-py3-none-any.whl" data-dist-info-metadata="true">x</a>',
            f'<a href="foo-1.1-py3-none-any.whl" data-core-metadata="sha256={H1}">x</a>',
            f'<a href="foo-1.2-py3-none-any.whl" data-core-metadata="sha256={H1}" '
            f'data-dist-info-metadata="sha256={H2}">x</a>',
            f'<a href="foo-1.3-py3-none-any.whl" data-dist-info-metadata="sha256={H2}">x</a>',
            '<a href="foo-1.4-py3-none-any.whl">x</a>',
            '<a href="foo-1.5-py3-none-any.whl" data-core-metadata="false">x</a>',
        ),
        PAGE,
        "foo",
    )
    f = page.files
    assert f[0].core_metadata == () and f[0].has_core_metadata
    assert f[1].core_metadata == (("sha256", H1),)
    assert f[2].core_metadata == (("sha256", H1),)  # PEP 714: the new name wins
    assert f[3].core_metadata == (("sha256", H2),)
    assert f[4].core_metadata is None and not f[4].has_core_metadata
    assert f[5].core_metadata is None
    assert f[1].metadata_url == "https://example.com/simple/foo/foo-1.1-py3-none-any.whl.metadata"


def test_html_fragment_variants() -> None:
    page = parse_project_html(
        html_page(
            '<a href="foo-1.0.tar.gz#md5=' + "a" * 32 + '">x</a>',
            '<a href="foo-1.1.tar.gz#egg=foo">x</a>',
            f'<a href="foo-1.2.tar.gz#egg=foo&sha256={H1}">x</a>',
            '<a href="foo-1.3.tar.gz#">x</a>',
        ),
        PAGE,
        "foo",
    )
    assert [f.hashes for f in page.files] == [(("md5", "a" * 32),), (), (("sha256", H1),), ()]
    assert all("#" not in f.url for f in page.files)


@pytest.mark.parametrize(
    "href",
    ["foo-1.0.tar.gz#sha256=abc", "foo-1.0.tar.gz#sha256=" + "z" * 64, "foo-1.0.tar.gz#md5=" + "0" * 64],
)
def test_html_invalid_hash_fragment(href: str) -> None:
    with pytest.raises(IndexFormatError) as info:
        parse_project_html(html_page(f'<a href="{href}">x</a>'), PAGE, "foo")
    assert info.value.url == PAGE
    assert PAGE in info.value.message
    assert "foo-1.0.tar.gz" in info.value.message


def test_html_invalid_metadata_hash() -> None:
    with pytest.raises(IndexFormatError):
        parse_project_html(html_page('<a href="foo-1.0.tar.gz" data-core-metadata="sha256=12">x</a>'), PAGE, "foo")


def test_html_unknown_files_are_skipped() -> None:
    page = parse_project_html(
        html_page(
            '<a href="foo-1.0.win32.exe">x</a>',
            '<a href="foo-1.0-py2.7.egg">x</a>',
            '<a href="foo-1.0.tar.gz">x</a>',
            '<a href="../">up</a>',
            "<a name='anchor-without-href'>x</a>",
        ),
        PAGE,
        "foo",
    )
    assert [f.filename for f in page.files] == ["foo-1.0.tar.gz"]
    assert page.skipped[:2] == ("foo-1.0.win32.exe", "foo-1.0-py2.7.egg")
    assert len(page.skipped) == 3


def test_html_comments_and_other_tags_ignored() -> None:
    page = parse_project_html(
        html_page(
            '<!-- <a href="foo-0.1.tar.gz">old</a> -->',
            '<abbr href="foo-0.2.tar.gz">no</abbr>',
            '<area href="foo-0.3.tar.gz">',
            '<a href="foo-1.0.tar.gz">x</a>',
        ),
        PAGE,
        "foo",
    )
    assert [f.filename for f in page.files] == ["foo-1.0.tar.gz"]


def test_html_percent_encoded_filename() -> None:
    page = parse_project_html(html_page('<a href="foo-1.0%2Blocal.tar.gz">x</a>'), PAGE, "foo")
    assert page.files[0].filename == "foo-1.0+local.tar.gz"
    assert page.files[0].url.endswith("foo-1.0%2Blocal.tar.gz")


def test_html_repository_version_meta() -> None:
    head = '<meta name="pypi:repository-version" content="1.1">'
    page = parse_project_html(html_page('<a href="foo-1.0.tar.gz">x</a>', head=head), PAGE, "foo")
    assert page.api_version == "1.1"
    with pytest.raises(IndexFormatError, match="version 2.0"):
        parse_project_html(
            html_page(head='<meta name="pypi:repository-version" content="2.0">'), PAGE, "foo"
        )


@pytest.mark.parametrize("body", [b"", b"   \n", b"just some text", b'{"meta": {}}'])
def test_html_malformed(body: bytes) -> None:
    with pytest.raises(IndexFormatError) as info:
        parse_project_html(body, PAGE, "foo")
    assert info.value.url == PAGE


def test_html_empty_project_is_fine() -> None:
    page = parse_project_html(html_page(), PAGE, "foo")
    assert page.files == () and page.skipped == ()


def test_html_duplicate_attribute_first_wins() -> None:
    page = parse_project_html(html_page('<a href="foo-1.0.tar.gz" href="foo-2.0.tar.gz">x</a>'), PAGE, "foo")
    assert page.files[0].filename == "foo-1.0.tar.gz"


def test_html_non_utf8_bytes_are_malformed_unless_the_charset_says_so() -> None:
    body = b'<html><a href="foo-1.0.tar.gz">\xff</a></html>'
    with pytest.raises(IndexFormatError) as info:
        parse_project_html(body, PAGE, "foo")
    assert info.value.url == PAGE
    assert f"the page at {PAGE} is malformed: it is not valid utf-8 text (byte 0xff at offset 31)" in info.value.message
    assert info.value.hints
    # Declared by the server: read in that charset (as pip does).
    page = parse_project_page(body, PAGE, "text/html; charset=ISO-8859-1", "foo")
    assert [f.filename for f in page.files] == ["foo-1.0.tar.gz"]
    # An unknown charset name falls back to UTF-8; a byte order mark means UTF-8.
    good = html_page('<a href="foo-1.0.tar.gz">é</a>')
    assert len(parse_project_page(good, PAGE, 'text/html; charset="x-made-up"', "foo").files) == 1
    assert len(parse_project_page(b"\xef\xbb\xbf" + good, PAGE, "text/html; charset=latin-1", "foo").files) == 1


@pytest.mark.parametrize(
    ("body", "content_type", "fragment"),
    [
        # The fault server's garbage: a start of HTML, then binary bytes, cut off.
        (b'<html><a href="\x00\xff{"broken": [ \xfe unterminated', None, "not valid utf-8 text"),
        (html_page('<a href="foo-1.0.tar.gz">x</a>') + b"\x00\x01\x02", None, "binary data (a NUL character at offset "),
        (b'<html><a href="\x00{"broken"', "text/html; charset=latin-1", "binary data (a NUL character at offset 15)"),
        (b'<html><body><a href="foo-1.0.tar.gz">x</a><a href="foo-2.0.tar', None, "ends inside a tag"),
        (b'<html><body><a href="foo-1.0.tar.gz">x</a><A\n', None, "ends inside a tag"),
    ],
    ids=["garbage", "nul-bytes", "nul-latin1", "cut-off-anchor", "cut-off-tag-name"],
)
def test_html_binary_or_cut_off_page_is_malformed(body: bytes, content_type: str | None, fragment: str) -> None:
    for call in (
        lambda: parse_project_page(body, PAGE, content_type or "text/html", "foo"),
        lambda: parse_find_links_html(body, PAGE),
        lambda: parse_root_page(body, PAGE, content_type or "text/html"),
    ):
        with pytest.raises(IndexFormatError) as info:
            call()
        assert info.value.url == PAGE
        assert f"the page at {PAGE} is malformed: " in info.value.message
        assert fragment in info.value.message, info.value.message
        assert info.value.hints


def test_html_lenient_cases_stay_valid() -> None:
    """Not malformed: no links at all, tabs and form feeds, `<` in text, a comment
    left open only inside a comment, an unclosed element (`</html>` missing)."""
    assert parse_project_html(b"<html><body></body></html>", PAGE, "foo").files == ()
    assert parse_project_html(b"<p>No files yet</p>", PAGE, "foo").files == ()
    page = parse_project_html(
        b'<html>\t\x0c\r\n<!-- <a href="foo-0.1.tar.gz" --><p>1 < 2</p><a href="foo-1.0.tar.gz">x</a>',
        PAGE,
        "foo",
    )
    assert [f.filename for f in page.files] == ["foo-1.0.tar.gz"]


# --------------------------------------------------------------------------- JSON


def json_page(files: list[dict[str, Any]], **extra: Any) -> bytes:
    data: dict[str, Any] = {"meta": {"api-version": "1.0"}, "name": "foo", "files": files}
    data.update(extra)
    return json.dumps(data).encode()


def test_json_1_0_basic() -> None:
    page = parse_project_json(
        json_page(
            [
                {
                    "filename": "foo-1.0-py3-none-any.whl",
                    "url": "https://example.com/files/foo-1.0-py3-none-any.whl",
                    "hashes": {"sha256": H1.upper(), "blake2b_256": "ab"},
                    "requires-python": ">=3.8",
                    "dist-info-metadata": {"sha256": H2},
                    "gpg-sig": False,
                    "yanked": "bad release",
                },
                {"filename": "foo-1.0.tar.gz", "url": "../../files/foo-1.0.tar.gz", "hashes": {}},
            ]
        ),
        PAGE,
    )
    assert page.name == "foo"
    assert page.api_version == "1.0"
    assert page.versions is None
    whl, sdist = page.files
    assert whl.hashes == (("sha256", H1),)
    assert whl.requires_python == ">=3.8"
    assert whl.core_metadata == (("sha256", H2),)
    assert (whl.yanked, whl.yanked_reason) == (True, "bad release")
    assert sdist.url == "https://example.com/files/foo-1.0.tar.gz"
    assert sdist.hashes == ()
    assert sdist.core_metadata is None
    assert (sdist.yanked, sdist.yanked_reason) == (False, None)


def test_json_1_1_versions_size_upload_time() -> None:
    page = parse_project_json(
        json.dumps(
            {
                "meta": {"api-version": "1.1"},
                "name": "Foo",
                "versions": ["1.0", "2.0"],
                "files": [
                    {
                        "filename": "foo-1.0.tar.gz",
                        "url": "https://example.com/f/foo-1.0.tar.gz#sha256=" + H1,
                        "hashes": {"sha256": H1},
                        "size": 1234,
                        "upload-time": "2024-01-02T03:04:05.678901Z",
                        "core-metadata": True,
                        "yanked": True,
                    }
                ],
            }
        ),
        PAGE,
    )
    assert page.name == "foo"
    assert page.versions == ("1.0", "2.0")
    file = page.files[0]
    assert file.size == 1234
    assert file.upload_time == "2024-01-02T03:04:05.678901Z"
    assert file.core_metadata == ()
    assert file.url == "https://example.com/f/foo-1.0.tar.gz"
    assert (file.yanked, file.yanked_reason) == (True, None)


def test_json_core_metadata_precedence() -> None:
    page = parse_project_json(
        json_page(
            [
                {"filename": "foo-1.0.tar.gz", "url": "a/foo-1.0.tar.gz", "hashes": {},
                 "core-metadata": False, "dist-info-metadata": True},
                {"filename": "foo-1.1.tar.gz", "url": "a/foo-1.1.tar.gz", "hashes": {},
                 "core-metadata": {"sha256": H1}, "dist-info-metadata": {"sha256": H2}},
                {"filename": "foo-1.2.tar.gz", "url": "a/foo-1.2.tar.gz", "hashes": {},
                 "dist-info-metadata": True},
            ]
        ),
        PAGE,
    )
    assert [f.core_metadata for f in page.files] == [None, (("sha256", H1),), ()]


def test_json_empty_yanked_string_means_yanked_without_reason() -> None:
    page = parse_project_json(
        json_page([{"filename": "foo-1.0.tar.gz", "url": "x/foo-1.0.tar.gz", "hashes": {}, "yanked": ""}]), PAGE
    )
    assert (page.files[0].yanked, page.files[0].yanked_reason) == (True, None)


def test_json_unknown_files_skipped() -> None:
    page = parse_project_json(
        json_page([{"filename": "foo-1.0.exe", "url": "foo-1.0.exe", "hashes": {}}]), PAGE
    )
    assert page.files == () and page.skipped == ("foo-1.0.exe",)


def test_json_newer_minor_is_read() -> None:
    page = parse_project_json(
        json.dumps({"meta": {"api-version": "1.4"}, "name": "foo", "files": []}), PAGE
    )
    assert page.api_version == "1.4"


GOOD_FILE = {"filename": "foo-1.0.tar.gz", "url": "foo-1.0.tar.gz", "hashes": {}}


@pytest.mark.parametrize(
    "data",
    [
        "not json",
        "[1, 2]",
        json.dumps({"name": "foo", "files": []}),
        json.dumps({"meta": {}, "name": "foo", "files": []}),
        json.dumps({"meta": {"api-version": "2.0"}, "name": "foo", "files": []}),
        json.dumps({"meta": {"api-version": "one"}, "name": "foo", "files": []}),
        json.dumps({"meta": {"api-version": 1}, "name": "foo", "files": []}),
        json.dumps({"meta": {"api-version": "1.0"}, "name": "foo"}),
        json.dumps({"meta": {"api-version": "1.0"}, "name": "foo", "files": {}}),
        json.dumps({"meta": {"api-version": "1.0"}, "name": "foo", "files": [1]}),
        json.dumps({"meta": {"api-version": "1.0"}, "name": "foo", "files": [{"url": "x", "hashes": {}}]}),
        json.dumps({"meta": {"api-version": "1.0"}, "name": "foo", "files": [{"filename": "foo-1.0.tar.gz", "hashes": {}}]}),
        json.dumps({"meta": {"api-version": "1.0"}, "name": "foo", "files": [{"filename": "foo-1.0.tar.gz", "url": "x"}]}),
        json.dumps({"meta": {"api-version": "1.0"}, "name": "foo", "files": [{**GOOD_FILE, "hashes": []}]}),
        json.dumps({"meta": {"api-version": "1.0"}, "name": "foo", "files": [{**GOOD_FILE, "hashes": {"sha256": "xyz"}}]}),
        json.dumps({"meta": {"api-version": "1.0"}, "name": "foo", "files": [{**GOOD_FILE, "yanked": 3}]}),
        json.dumps({"meta": {"api-version": "1.0"}, "name": "foo", "files": [{**GOOD_FILE, "size": "big"}]}),
        json.dumps({"meta": {"api-version": "1.0"}, "name": "foo", "files": [{**GOOD_FILE, "size": -1}]}),
        json.dumps({"meta": {"api-version": "1.0"}, "name": "foo", "files": [{**GOOD_FILE, "upload-time": 5}]}),
        json.dumps({"meta": {"api-version": "1.0"}, "name": "foo", "files": [{**GOOD_FILE, "requires-python": 3}]}),
        json.dumps({"meta": {"api-version": "1.0"}, "name": "foo", "files": [{**GOOD_FILE, "core-metadata": "yes"}]}),
        json.dumps({"meta": {"api-version": "1.1"}, "name": "foo", "versions": [1], "files": []}),
    ],
)
def test_json_malformed(data: str) -> None:
    with pytest.raises(IndexFormatError) as info:
        parse_project_json(data, PAGE, "foo")
    assert info.value.url == PAGE
    assert PAGE in info.value.message


def test_json_major_version_hint() -> None:
    with pytest.raises(IndexFormatError) as info:
        parse_project_json(json.dumps({"meta": {"api-version": "2.0"}, "name": "foo", "files": []}), PAGE)
    assert info.value.hints


def test_json_name_falls_back_to_project() -> None:
    page = parse_project_json(json.dumps({"meta": {"api-version": "1.0"}, "files": []}), PAGE, "Foo.Bar")
    assert page.name == "foo-bar"


# --------------------------------------------------------------------------- dispatch / root / flat


@pytest.mark.parametrize(
    "content_type,expected",
    [
        ("application/vnd.pypi.simple.v1+json", "json"),
        ("application/vnd.pypi.simple.v1+html; charset=utf-8", "html"),
        ("application/vnd.pypi.simple.latest+json", "json"),
        ("text/html; charset=utf-8", "html"),
        ("application/json", "json"),
        (None, "html"),
        ("", "html"),
    ],
)
def test_page_format(content_type: str | None, expected: str) -> None:
    assert page_format(content_type, b"<html>", PAGE) == expected


def test_page_format_sniffs_json() -> None:
    assert page_format(None, b'  {"meta": 1}', PAGE) == "json"
    assert page_format("text/plain", '{"meta": 1}', PAGE) == "json"


def test_page_format_rejects_v2() -> None:
    with pytest.raises(IndexFormatError, match="v2"):
        page_format("application/vnd.pypi.simple.v2+json", b"{}", PAGE)


def test_parse_project_page_dispatch() -> None:
    html = parse_project_page(html_page('<a href="foo-1.0.tar.gz">x</a>'), PAGE, "text/html", "foo")
    js = parse_project_page(json_page([GOOD_FILE]), PAGE, "application/vnd.pypi.simple.v1+json", "foo")
    assert html.files[0].filename == js.files[0].filename == "foo-1.0.tar.gz"
    assert "application/vnd.pypi.simple.v1+json" in ACCEPT


def test_root_html() -> None:
    body = (
        '<html><head><meta name="pypi:repository-version" content="1.0"></head><body>'
        '<a href="/simple/foo/">foo</a>\n<a href="/simple/bar-baz/">Bar_Baz</a>'
        '<a href="/simple/amp/"> a&amp;b </a><a href="/x/"></a></body></html>'
    )
    root = parse_root_html(body, "https://example.com/simple/")
    assert root.projects == ("foo", "Bar_Baz", "a&b")
    assert root.api_version == "1.0"
    assert parse_root_page(body.encode(), "https://example.com/simple/", "text/html").projects == root.projects


def test_root_json() -> None:
    body = json.dumps(
        {"meta": {"api-version": "1.0"}, "projects": [{"name": "foo"}, {"name": "Bar_Baz"}]}
    )
    root = parse_root_json(body, "https://example.com/simple/")
    assert root.projects == ("foo", "Bar_Baz")
    assert parse_root_page(body, "https://example.com/simple/", "application/vnd.pypi.simple.v1+json") == root
    with pytest.raises(IndexFormatError):
        parse_root_json(json.dumps({"meta": {"api-version": "1.0"}, "projects": [{}]}), PAGE)
    with pytest.raises(IndexFormatError):
        parse_root_json(json.dumps({"meta": {"api-version": "1.0"}}), PAGE)


def test_find_links_page() -> None:
    body = html_page(
        '<a href="pkgs/foo-1.0-py3-none-any.whl">foo</a>',
        '<a href="pkgs/foo-bar-2.0.tar.gz">foo-bar</a>',
        '<a href="pkgs/foo-1.1.tar.gz">foo</a>',
        '<a href="pkgs/readme.txt">readme</a>',
        '<a href="https://example.com/other/Baz-3.0.zip">baz</a>',
    )
    flat = parse_find_links_html(body, "file:///srv/links/index.html")
    assert flat.files[0].url == "file:///srv/links/pkgs/foo-1.0-py3-none-any.whl"
    assert flat.skipped == ("readme.txt",)
    assert [f.filename for _, f in flat.files_for("foo")] == ["foo-1.0-py3-none-any.whl", "foo-1.1.tar.gz"]
    assert [str(p.version) for p, _ in flat.files_for("foo-bar")] == ["2.0"]
    assert flat.project_names() == ("foo", "foo-bar", "baz")


# --------------------------------------------------------------------------- speed sanity


def _big_html(count: int) -> bytes:
    rows = []
    for i in range(count):
        name = f"foo-1.{i}.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
        rows.append(
            f'<a href="https://example.com/packages/ab/cd/{i:060d}/{name}#sha256={i:064x}" '
            f'data-requires-python="&gt;=3.9" data-dist-info-metadata="sha256={i:064x}" '
            f'data-core-metadata="sha256={i:064x}">{name}</a><br />'
        )
    return html_page(*rows)


def test_speed_sanity_10000_files() -> None:
    body = _big_html(10_000)
    start = time.perf_counter()
    page = parse_project_html(body, PAGE, "foo")
    html_ms = (time.perf_counter() - start) * 1000
    assert len(page.files) == 10_000
    files = [
        {
            "filename": f.filename,
            "url": f.url,
            "hashes": dict(f.hashes),
            "requires-python": f.requires_python,
            "core-metadata": dict(f.core_metadata or ()),
            "size": 1000,
            "upload-time": "2024-01-01T00:00:00Z",
            "yanked": False,
        }
        for f in page.files
    ]
    body_json = json.dumps({"meta": {"api-version": "1.1"}, "name": "foo", "versions": [], "files": files})
    start = time.perf_counter()
    page_json = parse_project_json(body_json.encode(), PAGE)
    json_ms = (time.perf_counter() - start) * 1000
    assert page_json.files[5] == DistFile(
        page.files[5].filename, page.files[5].url, page.files[5].hashes, ">=3.9", False, None,
        page.files[5].core_metadata, "2024-01-01T00:00:00Z", 1000,
    )
    print(f"\n10,000-file page: HTML {html_ms:.1f} ms, JSON {json_ms:.1f} ms")


def test_html_base_href_after_anchor_still_applies() -> None:
    page = parse_project_html(
        b'<html><body><a href="foo-1.0.tar.gz">x</a><base href="https://mirror.example.com/p/"></body></html>',
        PAGE,
        "foo",
    )
    assert page.files[0].url == "https://mirror.example.com/p/foo-1.0.tar.gz"


def test_html_base_without_href_is_ignored() -> None:
    page = parse_project_html(b'<html><base target="_blank"><a href="foo-1.0.tar.gz">x</a></html>', PAGE, "foo")
    assert page.files[0].url == PAGE + "foo-1.0.tar.gz"


def test_html_first_base_with_href_wins() -> None:
    page = parse_project_html(
        b'<html><base target="x"><base href="/files/"><base href="/other/"><a href="foo-1.0.tar.gz">x</a></html>',
        PAGE,
        "foo",
    )
    assert page.files[0].url == "https://example.com/files/foo-1.0.tar.gz"
