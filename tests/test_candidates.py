"""Candidate selection for a target environment (puv.domain.index.candidates)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from packaging.tags import Tag
from packaging.version import Version

from puv.domain.index.candidates import (
    Candidates,
    SelectionPolicy,
    Target,
    parse_exclude_newer,
    parse_upload_time,
    select_candidates,
)
from puv.domain.index.client import SourcedFile
from puv.domain.python.interpreter import InstallPaths, Interpreter
from puv.errors import PuvError, UsageError
from puv.primitives.requirements_txt import FormatControl
from puv.primitives.simple_api import DistFile

PY312_LINUX = Target.for_python("3.12", "x86_64-manylinux_2_28")


def f(
    filename: str,
    *,
    requires_python: str | None = None,
    yanked: bool = False,
    reason: str | None = None,
    uploaded: str | None = None,
) -> DistFile:
    return DistFile(
        filename=filename,
        url=f"http://127.0.0.1/files/{filename}",
        hashes=(("sha256", "0" * 64),),
        requires_python=requires_python,
        yanked=yanked,
        yanked_reason=reason,
        upload_time=uploaded,
    )


def select(files: list[DistFile] | list[SourcedFile], target: Target = PY312_LINUX, **policy: object) -> Candidates:
    return select_candidates("demo", files, target, SelectionPolicy(**policy))  # type: ignore[arg-type]


V = Version


# ------------------------------------------------------------------ tags


def test_best_tag_priority_wins_over_pure_python_wheel() -> None:
    files = [
        f("demo-1.0-py3-none-any.whl"),
        f("demo-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
        f("demo-1.0.tar.gz"),
    ]
    result = select(files)
    cand = result.get(V("1.0"))
    assert cand is not None and cand.kind == "wheel"
    assert cand.best.filename.startswith("demo-1.0-cp312-cp312-manylinux")
    assert len(cand.all_files) == 3


def test_pure_wheel_used_when_it_is_the_only_compatible_one() -> None:
    files = [f("demo-1.0-cp312-cp312-win_amd64.whl"), f("demo-1.0-py3-none-any.whl")]
    cand = select(files).get(V("1.0"))
    assert cand is not None and cand.best.filename == "demo-1.0-py3-none-any.whl"


def test_newer_manylinux_preferred_to_older() -> None:
    files = [
        f("demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"),
        f("demo-1.0-cp312-cp312-manylinux_2_28_x86_64.whl"),
    ]
    cand = select(files).get(V("1.0"))
    assert cand is not None and "manylinux_2_28" in cand.best.filename


def test_platform_wheels_for_another_platform_are_unusable() -> None:
    files = [
        f("demo-2.0-cp312-cp312-win_amd64.whl"),
        f("demo-2.0-cp312-cp312-macosx_11_0_arm64.whl"),
        f("demo-2.0-cp312-cp312-manylinux_2_34_x86_64.whl"),  # newer glibc than the target
        f("demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"),
    ]
    result = select(files)
    assert result.versions == (V("1.0"),)
    why = result.reason(V("2.0"))
    assert why is not None and why.kind == "no-matching-wheel"
    assert "no wheel for the target platform (cp312-cp312-linux_x86_64)" in why.message
    assert "no source distribution" in why.message
    assert why.wheel_platforms == ("macosx_11_0_arm64", "manylinux_2_34_x86_64", "win_amd64")


def test_abi3_wheel_used_by_a_newer_python() -> None:
    files = [f("demo-1.0-cp38-abi3-manylinux_2_17_x86_64.whl"), f("demo-1.0.tar.gz")]
    cand = select(files).get(V("1.0"))
    assert cand is not None and cand.kind == "wheel" and "abi3" in cand.best.filename
    # ... but not by an older one.
    old = Target.for_python("3.7", "x86_64-manylinux_2_28")
    cand = select(files, old).get(V("1.0"))
    assert cand is not None and cand.kind == "sdist"


def test_cpython_specific_abi_beats_abi3() -> None:
    files = [
        f("demo-1.0-cp38-abi3-manylinux_2_17_x86_64.whl"),
        f("demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"),
    ]
    cand = select(files).get(V("1.0"))
    assert cand is not None and "cp312-cp312" in cand.best.filename


def test_wrong_python_wheel_falls_back_to_sdist() -> None:
    files = [f("demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"), f("demo-1.0.tar.gz")]
    cand = select(files).get(V("1.0"))
    assert cand is not None and cand.kind == "sdist" and cand.best.filename == "demo-1.0.tar.gz"


def test_higher_build_tag_breaks_ties() -> None:
    files = [f("demo-1.0-1-py3-none-any.whl"), f("demo-1.0-2-py3-none-any.whl"), f("demo-1.0-py3-none-any.whl")]
    cand = select(files).get(V("1.0"))
    assert cand is not None and cand.best.filename == "demo-1.0-2-py3-none-any.whl"


def test_tar_gz_preferred_among_sdists() -> None:
    files = [f("demo-1.0.zip"), f("demo-1.0.tar.gz")]
    cand = select(files).get(V("1.0"))
    assert cand is not None and cand.best.filename == "demo-1.0.tar.gz"


def test_priority_lookup_by_tag_objects() -> None:
    assert PY312_LINUX.priority([Tag("py3", "none", "any")]) is not None
    assert PY312_LINUX.priority([Tag("cp312", "cp312", "win_amd64")]) is None
    assert PY312_LINUX.tag_priorities[Tag("cp312", "cp312", "linux_x86_64")] == 0


# ------------------------------------------------------------------ requires-python


def test_requires_python_excludes_a_version_with_the_reason() -> None:
    files = [
        f("demo-2.0-py3-none-any.whl", requires_python=">=3.13"),
        f("demo-2.0.tar.gz", requires_python=">=3.13"),
        f("demo-1.0-py3-none-any.whl", requires_python=">=3.8"),
    ]
    result = select(files)
    assert result.versions == (V("1.0"),)
    why = result.reason(V("2.0"))
    assert why is not None and why.kind == "requires-python"
    assert why.message == "requires Python >=3.13"
    assert why.requires_python == ">=3.13"
    assert result.get(V("1.0")).requires_python == ">=3.8"  # type: ignore[union-attr]


def test_requires_python_is_per_file() -> None:
    files = [
        f("demo-1.0-py3-none-any.whl", requires_python=">=3.13"),
        f("demo-1.0.tar.gz", requires_python=">=3.8"),
    ]
    cand = select(files).get(V("1.0"))
    assert cand is not None and cand.kind == "sdist"


def test_invalid_requires_python_makes_the_file_unusable_not_an_error() -> None:
    files = [f("demo-1.0-py3-none-any.whl", requires_python=">=three"), f("demo-0.9.tar.gz")]
    result = select(files)
    assert result.versions == (V("0.9"),)
    why = result.reason(V("1.0"))
    assert why is not None and why.kind == "invalid-requires-python"
    assert ">=three" in why.message


def test_prerelease_interpreter_matches_requires_python() -> None:
    target = Target(python_version=V("3.13.0rc1"), tags=("py3-none-any",))
    files = [f("demo-1.0-py3-none-any.whl", requires_python=">=3.8")]
    assert select(files, target).versions == (V("1.0"),)


# ------------------------------------------------------------------ yanked


def test_yanked_files_are_kept_and_marked() -> None:
    files = [
        f("demo-1.1-py3-none-any.whl", yanked=True, reason="broken"),
        f("demo-1.0-py3-none-any.whl"),
    ]
    result = select(files)
    assert result.versions == (V("1.1"), V("1.0"))
    cand = result.get(V("1.1"))
    assert cand is not None and cand.yanked and cand.yanked_reason == "broken"
    assert not result.get(V("1.0")).yanked  # type: ignore[union-attr]


def test_non_yanked_file_preferred_within_a_version() -> None:
    files = [
        f("demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", yanked=True),
        f("demo-1.0-py3-none-any.whl"),
    ]
    cand = select(files).get(V("1.0"))
    assert cand is not None and cand.best.filename == "demo-1.0-py3-none-any.whl" and not cand.yanked


# ------------------------------------------------------------------ exclude-newer


def test_parse_exclude_newer_date_includes_the_whole_day() -> None:
    assert parse_exclude_newer("2024-03-01") == datetime(2024, 3, 2, tzinfo=timezone.utc)
    assert parse_exclude_newer("2024-12-31") == datetime(2025, 1, 1, tzinfo=timezone.utc)
    local = timezone(timedelta(hours=2))
    assert parse_exclude_newer("2024-03-01", tz=local) == datetime(2024, 3, 2, tzinfo=local)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01T12:30:00Z", datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc)),
        ("2024-03-01T12:30:00+02:00", datetime(2024, 3, 1, 10, 30, tzinfo=timezone.utc)),
        ("2024-03-01t12:30:00.5z", datetime(2024, 3, 1, 12, 30, 0, 500000, tzinfo=timezone.utc)),
        ("2024-03-01 12:30:00.123456789-05:00", datetime(2024, 3, 1, 17, 30, 0, 123456, tzinfo=timezone.utc)),
        ("2024-03-01T12:30", datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc)),
    ],
)
def test_parse_exclude_newer_timestamps(text: str, expected: datetime) -> None:
    assert parse_exclude_newer(text) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "2024-13-01", "2024-02-30", "2024/03/01", "2024-03-01T25:00:00Z"])
def test_parse_exclude_newer_rejects_bad_values(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_exclude_newer(text)
    assert f"`{text}`" in info.value.message
    assert info.value.hints
    assert isinstance(info.value, PuvError) and info.value.code == 2


def test_parse_upload_time() -> None:
    assert parse_upload_time("2023-05-01T10:00:00.123456Z") == datetime(
        2023, 5, 1, 10, 0, 0, 123456, tzinfo=timezone.utc
    )
    assert parse_upload_time("2023-05-01T10:00:00") == datetime(2023, 5, 1, 10, tzinfo=timezone.utc)
    assert parse_upload_time("garbage") is None


def test_exclude_newer_drops_files_uploaded_at_or_after_the_cutoff() -> None:
    files = [
        f("demo-3.0-py3-none-any.whl", uploaded="2024-03-02T00:00:00Z"),  # exactly the cutoff
        f("demo-2.0-py3-none-any.whl", uploaded="2024-03-01T23:59:59.999Z"),
        f("demo-1.0-py3-none-any.whl", uploaded="2020-01-01T00:00:00Z"),
    ]
    result = select(files, exclude_newer=parse_exclude_newer("2024-03-01"))
    assert result.versions == (V("2.0"), V("1.0"))
    why = result.reason(V("3.0"))
    assert why is not None and why.kind == "exclude-newer"
    assert "--exclude-newer" in why.message
    assert select(files).versions == (V("3.0"), V("2.0"), V("1.0"))


def test_exclude_newer_per_file_and_all_files_for_hashes() -> None:
    files = [
        f("demo-1.0-py3-none-any.whl", uploaded="2020-01-01T00:00:00Z"),
        f("demo-1.0.tar.gz", uploaded="2025-01-01T00:00:00Z"),
    ]
    cand = select(files, exclude_newer=parse_exclude_newer("2024-01-01T00:00:00Z")).get(V("1.0"))
    assert cand is not None
    assert [x.filename for x in cand.all_files] == ["demo-1.0-py3-none-any.whl"]


def test_exclude_newer_keeps_files_without_upload_time_and_lists_them() -> None:
    files = [f("demo-1.0-py3-none-any.whl"), f("demo-0.9-py3-none-any.whl", uploaded="not a time")]
    result = select(files, exclude_newer=parse_exclude_newer("2024-01-01"))
    assert result.versions == (V("1.0"), V("0.9"))
    assert result.missing_upload_time == ("demo-1.0-py3-none-any.whl", "demo-0.9-py3-none-any.whl")
    assert select(files).missing_upload_time == ()


def test_naive_exclude_newer_is_refused() -> None:
    with pytest.raises(ValueError):
        SelectionPolicy(exclude_newer=datetime(2024, 1, 1))


# ------------------------------------------------------------------ binary / build rules


MIXED = [f("demo-1.0-py3-none-any.whl"), f("demo-1.0.tar.gz")]
SDIST_ONLY = [f("demo-1.0.tar.gz")]
WHEEL_ONLY = [f("demo-1.0-py3-none-any.whl")]
OTHER_PLATFORM_AND_SDIST = [f("demo-1.0-cp312-cp312-win_amd64.whl"), f("demo-1.0.tar.gz")]


def test_no_binary_all_uses_the_sdist() -> None:
    cand = select(MIXED, format_control=FormatControl().with_no_binary(":all:")).get(V("1.0"))
    assert cand is not None and cand.kind == "sdist"


def test_no_binary_for_another_project_changes_nothing() -> None:
    cand = select(MIXED, format_control=FormatControl().with_no_binary("other")).get(V("1.0"))
    assert cand is not None and cand.kind == "wheel"


def test_no_binary_with_only_wheels() -> None:
    result = select(WHEEL_ONLY, format_control=FormatControl().with_no_binary("demo"))
    assert result.versions == ()
    why = result.reason(V("1.0"))
    assert why is not None and why.kind == "no-binary" and "--no-binary" in why.message


def test_only_binary_with_only_an_sdist() -> None:
    result = select(SDIST_ONLY, format_control=FormatControl().with_only_binary(":all:"))
    why = result.reason(V("1.0"))
    assert why is not None and why.kind == "only-binary"
    assert why.message == "only a source distribution and --only-binary"


def test_only_binary_with_a_wheel_for_another_platform() -> None:
    result = select(OTHER_PLATFORM_AND_SDIST, format_control=FormatControl().with_only_binary("demo"))
    why = result.reason(V("1.0"))
    assert why is not None and why.kind == "only-binary"
    assert "no wheel for the target platform" in why.message


def test_only_binary_still_uses_wheels() -> None:
    cand = select(MIXED, format_control=FormatControl().with_only_binary(":all:")).get(V("1.0"))
    assert cand is not None and cand.kind == "wheel"


def test_no_build_with_only_an_sdist() -> None:
    result = select(SDIST_ONLY, no_build=True)
    why = result.reason(V("1.0"))
    assert why is not None and why.kind == "no-build"
    assert why.message == "only a source distribution and building is disabled"


def test_no_build_with_a_wheel_for_another_platform() -> None:
    result = select(OTHER_PLATFORM_AND_SDIST, no_build=frozenset({"Demo"}))
    why = result.reason(V("1.0"))
    assert why is not None and why.kind == "no-build"
    assert why.message == "no wheel for the target platform (cp312-cp312-linux_x86_64) and building is disabled"


def test_no_build_package_set() -> None:
    assert select(SDIST_ONLY, no_build=frozenset({"other"})).versions == (V("1.0"),)
    assert select(SDIST_ONLY, no_build=frozenset({":all:"})).versions == ()
    cand = select(MIXED, no_build=True).get(V("1.0"))
    assert cand is not None and cand.kind == "wheel"


# ------------------------------------------------------------------ sources


def test_best_source_per_version() -> None:
    files = [
        SourcedFile(f("demo-2.0-py3-none-any.whl"), "http://127.0.0.1/extra/", 1),
        SourcedFile(f("demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"), "http://127.0.0.1/extra/", 1),
        SourcedFile(f("demo-1.0-py3-none-any.whl"), "http://127.0.0.1/main/", 2),
        SourcedFile(f("demo-1.0.tar.gz"), "http://127.0.0.1/main/", 2),
        SourcedFile(f("demo-3.0-py3-none-any.whl"), "http://127.0.0.1/main/", 2),
    ]
    result = select(files)
    assert result.versions == (V("3.0"), V("2.0"), V("1.0"))
    one = result.get(V("1.0"))
    assert one is not None and one.source == "http://127.0.0.1/extra/"
    assert [x.filename for x in one.all_files] == ["demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"]
    three = result.get(V("3.0"))
    assert three is not None and three.source == "http://127.0.0.1/main/"


def test_find_links_win_over_indexes_and_merge_together() -> None:
    files = [
        SourcedFile(f("demo-1.0-py3-none-any.whl"), "http://127.0.0.1/simple/", 1),
        SourcedFile(f("demo-1.0.tar.gz"), "/wheels", 0),
        SourcedFile(f("demo-1.0.zip"), "/more-wheels", 0),
    ]
    cand = select(files).get(V("1.0"))
    assert cand is not None and cand.kind == "sdist" and cand.source == "/wheels"
    assert {x.filename for x in cand.all_files} == {"demo-1.0.tar.gz", "demo-1.0.zip"}


def test_priority_decided_by_version_equality_not_spelling() -> None:
    files = [
        SourcedFile(f("demo-1.0.0-py3-none-any.whl"), "b", 2),
        SourcedFile(f("demo-1.0.tar.gz"), "a", 1),
    ]
    result = select(files)
    assert len(result.versions) == 1
    assert result.get(V("1")).source == "a"  # type: ignore[union-attr]


# ------------------------------------------------------------------ filenames


def test_invalid_and_foreign_filenames_are_skipped() -> None:
    files = [
        f("demo-1.0-py3-none-any.whl"),
        f("demo-notaversion.tar.gz"),
        f("demo-1.0-py3-none.whl"),
        f("other-2.0-py3-none-any.whl"),
        f("demo_plugin-3.0.tar.gz"),
        f("Demo-1.1.tar.gz"),
    ]
    result = select(files)
    assert result.versions == (V("1.1"), V("1.0"))
    assert result.skipped == 4
    assert result.project == "demo"


def test_dashed_project_names() -> None:
    files = [f("python-dateutil-2.8.2.tar.gz"), f("python_dateutil-2.9.0-py2.py3-none-any.whl")]
    result = select_candidates("Python.Dateutil", files, PY312_LINUX)
    assert result.versions == (V("2.9.0"), V("2.8.2"))


def test_result_helpers() -> None:
    files = [f("demo-2.0-py3-none-any.whl", requires_python=">=4"), f("demo-1.0-py3-none-any.whl")]
    result = select(files)
    assert len(result) == 1
    assert [c.version for c in result] == [V("1.0")]
    assert V("1.0") in result and V("2.0") not in result
    assert result.all_versions() == (V("2.0"), V("1.0"))
    assert result.reason(V("1.0")) is None


# ------------------------------------------------------------------ targets


@pytest.mark.parametrize("minor", [8, 9, 10, 11, 12, 13])
def test_for_python_linux(minor: int) -> None:
    target = Target.for_python(f"3.{minor}", "linux")
    cp = f"cp3{minor}"
    assert target.python_version == V(f"3.{minor}.0")
    assert target.tags[0] == f"{cp}-{cp}-linux_x86_64"
    tags = set(target.tags)
    assert f"{cp}-{cp}-manylinux_2_28_x86_64" in tags
    assert f"{cp}-{cp}-manylinux_2_17_x86_64" in tags
    assert f"{cp}-{cp}-manylinux2014_x86_64" in tags
    assert f"{cp}-{cp}-manylinux1_x86_64" in tags
    assert f"{cp}-abi3-manylinux_2_17_x86_64" in tags
    assert "cp32-abi3-manylinux_2_17_x86_64" in tags
    assert "py3-none-any" in tags and target.tags[-1].endswith("-none-any")
    assert f"{cp}-{cp}-manylinux_2_29_x86_64" not in tags
    assert f"{cp}-{cp}-manylinux_2_17_aarch64" not in tags
    assert f"{cp}-{cp}-win_amd64" not in tags
    assert f"cp3{minor + 1}-cp3{minor + 1}-manylinux_2_17_x86_64" not in tags
    assert target.markers is not None
    assert target.markers["python_version"] == f"3.{minor}"
    assert target.markers["sys_platform"] == "linux"


def test_for_python_patch_version_and_free_threading() -> None:
    target = Target.for_python("3.13.1t", "linux")
    assert target.python_version == V("3.13.1")
    assert target.tags[0] == "cp313-cp313t-linux_x86_64"
    assert "cp313-abi3-manylinux_2_17_x86_64" not in target.tags
    assert target.markers["python_full_version"] == "3.13.1"  # type: ignore[index]


@pytest.mark.parametrize(
    ("platform", "present", "absent"),
    [
        (
            "x86_64-unknown-linux-gnu",
            ["cp312-cp312-manylinux_2_28_x86_64", "cp312-abi3-manylinux2010_x86_64"],
            ["cp312-cp312-manylinux_2_31_x86_64", "cp312-cp312-musllinux_1_2_x86_64"],
        ),
        (
            "x86_64-manylinux_2_17",
            ["cp312-cp312-manylinux2014_x86_64", "cp312-cp312-manylinux_2_5_x86_64"],
            ["cp312-cp312-manylinux_2_18_x86_64", "cp312-cp312-manylinux_2_28_x86_64"],
        ),
        (
            "aarch64-manylinux2014",
            ["cp312-cp312-manylinux2014_aarch64", "cp312-cp312-linux_aarch64"],
            ["cp312-cp312-manylinux_2_28_aarch64", "cp312-cp312-manylinux2014_x86_64"],
        ),
        (
            "aarch64-unknown-linux-gnu",
            ["cp312-cp312-manylinux_2_28_aarch64", "cp312-cp312-manylinux_2_17_aarch64"],
            ["cp312-cp312-manylinux_2_16_aarch64", "cp312-cp312-manylinux2010_aarch64"],
        ),
        (
            "x86_64-unknown-linux-musl",
            ["cp312-cp312-musllinux_1_2_x86_64", "cp312-cp312-musllinux_1_0_x86_64"],
            ["cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-musllinux_1_3_x86_64"],
        ),
        (
            "macos",
            ["cp312-cp312-macosx_12_0_arm64", "cp312-cp312-macosx_11_0_arm64", "cp312-cp312-macosx_11_0_universal2"],
            ["cp312-cp312-macosx_13_0_arm64", "cp312-cp312-macosx_12_0_x86_64"],
        ),
        (
            "x86_64-apple-darwin",
            ["cp312-cp312-macosx_12_0_x86_64", "cp312-cp312-macosx_10_9_x86_64", "cp312-cp312-macosx_10_9_universal2"],
            ["cp312-cp312-macosx_11_0_arm64", "cp312-cp312-macosx_13_0_x86_64"],
        ),
        ("windows", ["cp312-cp312-win_amd64", "cp312-abi3-win_amd64", "py3-none-win_amd64"], ["cp312-cp312-win32"]),
        ("x86_64-pc-windows-msvc", ["cp312-cp312-win_amd64"], ["cp312-cp312-win_arm64"]),
        ("i686-pc-windows-msvc", ["cp312-cp312-win32"], ["cp312-cp312-win_amd64"]),
        ("aarch64-pc-windows-msvc", ["cp312-cp312-win_arm64"], ["cp312-cp312-win_amd64"]),
    ],
)
def test_for_python_platforms(platform: str, present: list[str], absent: list[str]) -> None:
    target = Target.for_python("3.12", platform)
    tags = set(target.tags)
    for tag in present:
        assert tag in tags, tag
    for tag in absent:
        assert tag not in tags, tag
    assert "py3-none-any" in tags
    assert target.platform == platform


def test_for_python_markers_per_platform() -> None:
    assert Target.for_python("3.12", "windows").markers["sys_platform"] == "win32"  # type: ignore[index]
    assert Target.for_python("3.12", "windows").markers["platform_machine"] == "AMD64"  # type: ignore[index]
    mac = Target.for_python("3.12", "macos").markers
    assert mac is not None and mac["sys_platform"] == "darwin" and mac["platform_machine"] == "arm64"


def test_for_python_macos_version_override() -> None:
    target = Target.for_python("3.12", "aarch64-apple-darwin", macos_version=(14, 0))
    assert target.tags[0] == "cp312-cp312-macosx_14_0_arm64"


@pytest.mark.parametrize("value", ["3", "2.7", "3.x", "python3.12", ""])
def test_for_python_rejects_bad_versions(value: str) -> None:
    with pytest.raises(UsageError) as info:
        Target.for_python(value, "linux")
    assert f"`{value}`" in info.value.message


@pytest.mark.parametrize("value", ["beos", "sparc-unknown-linux-gnu", "x86_64-unknown-freebsd", "x86_64-manylinux_3_0", "s390x-apple-darwin"])
def test_for_python_rejects_bad_platforms(value: str) -> None:
    with pytest.raises(UsageError) as info:
        Target.for_python("3.12", value)
    assert f"`{value}`" in info.value.message and info.value.hints


def _interpreter(version: str, tags: tuple[str, ...]) -> Interpreter:
    parts = version.split(".")
    return Interpreter(
        executable="/x/bin/python",
        sys_executable="/x/bin/python",
        base_executable="/x/bin/python",
        prefix="/x",
        base_prefix="/x",
        version=version,
        version_info=(int(parts[0]), int(parts[1]), int(parts[2]), "final", 0),
        implementation="cpython",
        markers={"sys_platform": "linux", "python_version": f"{parts[0]}.{parts[1]}"},
        tags=tags,
        paths=InstallPaths("/p", "/p", "/s", "/d", "/i", "/h"),
    )


def test_for_interpreter_and_python_version_on_its_platform() -> None:
    from puv.domain.python.tags import compute_tags

    tags = compute_tags(
        {"version_info": [3, 11, 4, "final", 0], "platform": "linux-x86_64", "glibc": [2, 35], "pointer_size": 64}
    )
    interp = _interpreter("3.11.4", tags)
    target = Target.for_interpreter(interp)
    assert target.python_version == V("3.11.4")
    assert target.tags == tags
    assert target.markers is not None and target.markers["sys_platform"] == "linux"

    other = Target.for_python("3.9", interpreter=interp)
    assert other.tags[0] == "cp39-cp39-linux_x86_64"
    assert "cp39-cp39-manylinux_2_35_x86_64" in other.tags
    assert not any(t.startswith("cp311-cp311") for t in other.tags)
    assert other.markers["python_version"] == "3.9"  # type: ignore[index]

    with pytest.raises(UsageError):
        Target.for_python("3.9")


def test_real_interpreter_target_matches_its_own_wheels() -> None:
    from packaging.tags import sys_tags

    target = Target(python_version=V("3.11.7"), tags=tuple(str(t) for t in sys_tags()))
    own = next(iter(sys_tags()))
    files = [f(f"demo-1.0-{own}.whl"), f("demo-1.0-py3-none-any.whl")]
    cand = select(files, target).get(V("1.0"))
    assert cand is not None and cand.best.filename == f"demo-1.0-{own}.whl"


# ------------------------------------------------------------------ speed


def test_five_thousand_files_are_fast() -> None:
    files: list[DistFile] = []
    plats = [
        "manylinux_2_17_x86_64.manylinux2014_x86_64",
        "manylinux_2_17_aarch64.manylinux2014_aarch64",
        "musllinux_1_1_x86_64",
        "macosx_11_0_arm64",
        "macosx_10_9_x86_64",
        "win_amd64",
        "win32",
    ]
    for i in range(100):
        version = f"1.{i // 10}.{i % 10}"
        files.append(f(f"demo-{version}.tar.gz", requires_python=">=3.8", uploaded="2023-01-01T00:00:00Z"))
        for minor in range(8, 15):
            for plat in plats:
                files.append(
                    f(
                        f"demo-{version}-cp3{minor}-cp3{minor}-{plat}.whl",
                        requires_python=">=3.8",
                        uploaded="2023-01-01T00:00:00.123456Z",
                    )
                )
    assert len(files) >= 5000
    policy = SelectionPolicy(exclude_newer=parse_exclude_newer("2024-01-01"))
    select_candidates("demo", files, PY312_LINUX, policy)  # warm up
    start = time.perf_counter()
    result = select_candidates("demo", files, PY312_LINUX, policy)
    elapsed = time.perf_counter() - start
    assert len(result.versions) == 100
    assert all(c.kind == "wheel" and "cp312-cp312-manylinux" in c.best.filename for c in result)
    assert elapsed < 0.5, f"{elapsed * 1000:.1f} ms"
