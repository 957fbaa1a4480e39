"""Files as columns: cached pages, lazy files, and selection giving the same answers."""

from __future__ import annotations

import marshal
from datetime import datetime
from pathlib import Path

import pytest

from puv.domain.index.candidates import SelectionPolicy, Target, select_candidates
from puv.domain.index.client import SourcedFile, SourcedFiles
from puv.domain.index.pages import PageStore, _Entry, _page_from_bytes, _page_to_bytes
from puv.primitives.simple_api import DistFile, FileColumns, ProjectPage, parse_project_json

H = "a" * 64


def _files() -> tuple[DistFile, ...]:
    return (
        DistFile("demo-1.0.tar.gz", "https://x/demo-1.0.tar.gz", (("sha256", H),), None, False, None, None,
                 "2024-01-01T00:00:00Z", 10),
        DistFile("demo-1.0-py3-none-any.whl", "https://x/demo-1.0-py3-none-any.whl", (("sha256", H),), ">=3.8",
                 True, "broken", (), "2024-01-02T00:00:00.5Z", 20),
        DistFile("demo-2.0-py3-none-any.whl", "https://x/demo-2.0-py3-none-any.whl", (), ">=3.8", False, None,
                 None, "2024-06-01T12:00:00Z", None),
        DistFile("demo-2.0-1-py3-none-any.whl", "https://x/demo-2.0-1-py3-none-any.whl", (), ">=3.8", True,
                 None, None, None, None),
        DistFile("demo-3.0.zip", "https://x/demo-3.0.zip", (), ">=3.99", False, None, None,
                 "2024-06-02T00:00:00+00:00", None),
    )


def test_columns_behave_like_the_tuple_of_files() -> None:
    files = _files()
    columns = FileColumns.from_files(files)
    assert columns == files and files == columns
    assert len(columns) == 5 and columns[-1] == files[-1] and columns[1:3] == files[1:3]
    assert list(columns) == list(files)
    assert columns[0] is files[0]  # the given files themselves
    with pytest.raises(IndexError):
        columns[5]
    with pytest.raises(ValueError, match="different lengths"):
        FileColumns(["a"], [], [], [], [])


def test_cached_page_reads_back_equal_and_builds_files_lazily() -> None:
    page = ProjectPage("demo", "https://x/simple/demo/", _files(), ("1.0",), "1.1")
    back = _page_from_bytes(_page_to_bytes(page))
    assert isinstance(back.files, FileColumns)
    assert back.files.built(2) is None  # nothing built until asked for
    assert back == page
    assert back.files.built(2) == _files()[2]
    assert back.files.utc_times is False  # the zip's upload time has an offset


def test_damaged_or_old_entries_are_misses(tmp_path: Path) -> None:
    store = PageStore(None, None)  # type: ignore[arg-type]
    path = tmp_path / "demo.bin"
    page = _page_to_bytes(ProjectPage("demo", "https://x/simple/demo/", _files()))
    path.write_bytes(marshal.dumps((1, None, None, 1e18, ("demo", "u", (), None, None))))
    assert store._load(path) is None
    path.write_bytes(marshal.dumps((2, "etag", None, 1e18, page[: len(page) // 2])))
    entry = store._load(path)
    assert entry is not None and store._read(entry) is None  # the page part is cut off
    path.write_bytes(marshal.dumps((2, "etag", None, 1e18, page)))
    entry = store._load(path)
    assert isinstance(entry, _Entry) and store._read(entry) is not None


def test_json_page_gives_columns_with_the_same_files() -> None:
    body = (
        '{"meta": {"api-version": "1.1"}, "name": "demo", "files": ['
        '{"filename": "demo-1.0.tar.gz", "url": "../../f/demo-1.0.tar.gz#x", "hashes": {"sha256": "' + H + '"},'
        ' "yanked": "", "requires-python": " >=3.8 ", "upload-time": "2024-01-01T00:00:00Z", "size": 3},'
        '{"filename": "demo-1.0.exe", "url": "x", "hashes": {}}]}'
    )
    page = parse_project_json(body, "https://x/simple/demo/")
    assert page.skipped == ("demo-1.0.exe",)
    assert page.files == (
        DistFile("demo-1.0.tar.gz", "https://x/f/demo-1.0.tar.gz", (("sha256", H),), ">=3.8", True, None, None,
                 "2024-01-01T00:00:00Z", 3),
    )


@pytest.mark.parametrize("cutoff", [None, "2024-01-02T00:00:00Z", "2024-06-01T12:00:00Z", "2030-01-01T00:00:00Z"])
def test_selection_from_columns_equals_selection_from_files(cutoff: str | None) -> None:
    target = Target.for_python("3.12", "linux")
    when = datetime.fromisoformat(cutoff.replace("Z", "+00:00")) if cutoff else None
    policy = SelectionPolicy(exclude_newer=when)
    files = _files()
    cached = _page_from_bytes(_page_to_bytes(ProjectPage("demo", "u", files))).files
    plain = select_candidates("demo", files, target, policy)
    columns = select_candidates("demo", SourcedFiles([(cached, "", 0)]), target, policy)
    assert columns.versions == plain.versions
    assert dict(columns.incompatible) == dict(plain.incompatible)
    assert columns.missing_upload_time == plain.missing_upload_time
    for version in plain.versions:
        assert columns.get(version) == plain.get(version)


def test_selection_keeps_the_best_source_per_version() -> None:
    target = Target.for_python("3.12", "linux")
    first = (DistFile("demo-1.0-py3-none-any.whl", "https://a/demo-1.0-py3-none-any.whl"),)
    second = FileColumns.from_files(
        (DistFile("demo-1.0.tar.gz", "https://b/demo-1.0.tar.gz"), DistFile("demo-2.0.tar.gz", "https://b/demo-2.0.tar.gz"))
    )
    both = SourcedFiles([(first, "a", 1), (second, "b", 2)])
    assert len(both) == 3 and both[2] == SourcedFile(second[1], "b", 2) and both[-3].source == "a"
    found = select_candidates("demo", both, target)
    one = found.get(found.versions[-1])
    assert one is not None and one.source == "a" and one.all_files == first
    two = found.get(found.versions[0])
    assert two is not None and two.source == "b" and two.kind == "sdist"
    again = select_candidates("demo", list(both), target)  # the same files as SourcedFile values
    assert [again.get(v) for v in again.versions] == [found.get(v) for v in found.versions]
