"""unpack_sdist: source archives (tar in every compression, zip) unpacked safely.

Hostile archives (``..``, absolute paths, links out of the target, device files,
duplicates, setuid bits) are refused before anything lands outside the target.
"""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from puv.io.archive import UnpackLimits, UnsafeArchive, unpack_sdist

_MTIME = 1704067200


def _member(name: str, *, kind: bytes = tarfile.REGTYPE, data: bytes = b"", mode: int = 0o644, link: str = "") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.mtime = _MTIME
    info.linkname = link
    if kind == tarfile.REGTYPE:
        info.size = len(data)
    return info, data


def _tar(path: Path, members: Iterable[tuple[tarfile.TarInfo, bytes]], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode, format=tarfile.PAX_FORMAT) as archive:  # type: ignore[call-overload]
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


def _project(prefix: str = "pkg-1.0/") -> list[tuple[tarfile.TarInfo, bytes]]:
    return [
        _member(prefix.rstrip("/"), kind=tarfile.DIRTYPE, mode=0o755),
        _member(f"{prefix}pyproject.toml", data=b"[project]\nname = 'pkg'\n"),
        _member(f"{prefix}src/pkg/__init__.py", data=b"X = 1\n"),
        _member(f"{prefix}bin/tool", data=b"#!/bin/sh\n", mode=0o755),
    ]


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize(
    ("suffix", "mode"),
    [(".tar.gz", "w:gz"), (".tgz", "w:gz"), (".tar.bz2", "w:bz2"), (".tar.xz", "w:xz"), (".tar", "w:")],
)
def test_tar_formats_unpack_to_the_single_top_level_directory(tmp_path: Path, suffix: str, mode: str) -> None:
    archive = _tar(tmp_path / f"pkg-1.0{suffix}", _project(), mode)
    root = unpack_sdist(archive, tmp_path / "out")
    assert root == tmp_path / "out" / "pkg-1.0"
    assert (root / "src" / "pkg" / "__init__.py").read_bytes() == b"X = 1\n"
    assert os.access(root / "bin" / "tool", os.X_OK)
    assert not os.access(root / "pyproject.toml", os.X_OK)


def test_zip_sdist(tmp_path: Path) -> None:
    path = tmp_path / "pkg-1.0.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("pkg-1.0/", b"")
        archive.writestr("pkg-1.0/setup.py", b"print('hi')\n")
        info = zipfile.ZipInfo("pkg-1.0/run.sh")
        info.external_attr = (stat.S_IFREG | 0o755) << 16
        archive.writestr(info, b"#!/bin/sh\n")
    root = unpack_sdist(path, tmp_path / "out")
    assert root == tmp_path / "out" / "pkg-1.0"
    assert (root / "setup.py").read_text() == "print('hi')\n"
    assert os.access(root / "run.sh", os.X_OK)


def test_no_single_top_level_directory_returns_dest(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "flat.tar.gz", [_member("setup.py", data=b""), _member("pkg/__init__.py", data=b"")])
    assert unpack_sdist(archive, tmp_path / "out") == tmp_path / "out"
    single_file = _tar(tmp_path / "one.tar.gz", [_member("setup.py", data=b"")])
    assert unpack_sdist(single_file, tmp_path / "out2") == tmp_path / "out2"


def test_dot_slash_prefixes_and_implicit_directories(tmp_path: Path) -> None:
    archive = _tar(
        tmp_path / "dots.tar.gz",
        [_member(".", kind=tarfile.DIRTYPE, mode=0o755), _member("./pkg-1.0/setup.py", data=b"s")],
    )
    root = unpack_sdist(archive, tmp_path / "out")
    assert root == tmp_path / "out" / "pkg-1.0" and (root / "setup.py").read_bytes() == b"s"


def test_links_inside_the_archive_are_kept(tmp_path: Path) -> None:
    members = [
        *_project(),
        _member("pkg-1.0/README", kind=tarfile.SYMTYPE, link="src/pkg/__init__.py"),
        _member("pkg-1.0/src/pkg/up", kind=tarfile.SYMTYPE, link="../../pyproject.toml"),
        _member("pkg-1.0/copy.py", kind=tarfile.LNKTYPE, link="pkg-1.0/src/pkg/__init__.py"),
    ]
    root = unpack_sdist(_tar(tmp_path / "links.tar.gz", members), tmp_path / "out")
    assert os.readlink(root / "README") == "src/pkg/__init__.py"
    assert (root / "README").read_bytes() == b"X = 1\n"
    assert (root / "src" / "pkg" / "up").read_text().startswith("[project]")
    assert (root / "copy.py").read_bytes() == b"X = 1\n"


def test_setuid_setgid_and_sticky_bits_are_stripped(tmp_path: Path) -> None:
    members = [
        _member("pkg-1.0", kind=tarfile.DIRTYPE, mode=0o1777),
        _member("pkg-1.0/suid", data=b"x", mode=0o6755),
        _member("pkg-1.0/unreadable", data=b"y", mode=0o000),
    ]
    root = unpack_sdist(_tar(tmp_path / "modes.tar.gz", members), tmp_path / "out")
    suid = (root / "suid").stat().st_mode
    assert not suid & (stat.S_ISUID | stat.S_ISGID) and suid & 0o111
    assert not root.stat().st_mode & stat.S_ISVTX
    assert (root / "unreadable").read_bytes() == b"y"


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        pytest.param([_member("pkg-1.0/../../evil.txt", data=b"x")], "escapes the target", id="dotdot"),
        pytest.param([_member("/tmp/evil.txt", data=b"x")], "absolute path", id="absolute"),
        pytest.param([_member("C:/evil.txt", data=b"x")], "absolute path", id="drive-letter"),
        pytest.param([_member("pkg-1.0\\..\\evil.txt", data=b"x")], "backslash", id="backslash"),
        pytest.param(
            [_member("pkg-1.0/link", kind=tarfile.SYMTYPE, link="../../outside")],
            "points outside",
            id="symlink-relative-escape",
        ),
        pytest.param(
            [_member("pkg-1.0/link", kind=tarfile.SYMTYPE, link="/etc/passwd")],
            "points outside",
            id="symlink-absolute",
        ),
        pytest.param(
            [
                _member("pkg-1.0/here", kind=tarfile.SYMTYPE, link="."),
                _member("pkg-1.0/link", kind=tarfile.SYMTYPE, link="here/../../x"),
            ],
            "points outside",
            id="symlink-through-symlink",
        ),
        pytest.param(
            [
                _member("pkg-1.0/dir", kind=tarfile.SYMTYPE, link="."),
                _member("pkg-1.0/dir/file", data=b"x"),
            ],
            "below a symbolic link",
            id="file-through-symlink",
        ),
        pytest.param(
            [_member("pkg-1.0/hard", kind=tarfile.LNKTYPE, link="/etc/passwd")],
            "hard link",
            id="hardlink-absolute",
        ),
        pytest.param(
            [_member("pkg-1.0/hard", kind=tarfile.LNKTYPE, link="../outside")],
            "hard link",
            id="hardlink-escape",
        ),
        pytest.param(
            [
                _member("pkg-1.0/ln", kind=tarfile.SYMTYPE, link="x"),
                _member("pkg-1.0/hard", kind=tarfile.LNKTYPE, link="pkg-1.0/ln"),
            ],
            "hard link",
            id="hardlink-to-symlink",
        ),
        pytest.param([_member("pkg-1.0/dev", kind=tarfile.CHRTYPE)], "device file", id="char-device"),
        pytest.param([_member("pkg-1.0/blk", kind=tarfile.BLKTYPE)], "device file", id="block-device"),
        pytest.param([_member("pkg-1.0/fifo", kind=tarfile.FIFOTYPE)], "FIFO", id="fifo"),
        pytest.param(
            [_member("pkg-1.0/a.py", data=b"1"), _member("pkg-1.0/a.py", data=b"2")], "twice", id="duplicate"
        ),
        pytest.param(
            [_member("pkg-1.0/a", data=b"1"), _member("./pkg-1.0/a/", kind=tarfile.DIRTYPE)],
            "twice",
            id="duplicate-file-and-dir",
        ),
        pytest.param(
            [_member("pkg-1.0/a", data=b"1"), _member("pkg-1.0/a/b", data=b"2")], "below a file", id="below-file"
        ),
    ],
)
def test_hostile_tarballs_are_refused_before_anything_is_written(
    tmp_path: Path, members: list[tuple[tarfile.TarInfo, bytes]], expected: str
) -> None:
    # A harmless member first: even it must not be written when a later one is bad.
    archive = _tar(tmp_path / "evil-1.0.tar.gz", [_member("pkg-1.0/ok.txt", data=b"ok"), *members])
    workdir = tmp_path / "work"
    dest = workdir / "deep" / "dest"
    workdir.mkdir()
    before = _tree(tmp_path)
    with pytest.raises(UnsafeArchive) as info:
        unpack_sdist(archive, dest)
    assert expected in info.value.message
    assert "evil-1.0.tar.gz" in info.value.message
    assert _tree(tmp_path) == before
    assert not Path("/tmp/evil.txt").exists() or Path("/tmp/evil.txt").stat().st_mtime < _MTIME


def test_hostile_zip_members_are_refused(tmp_path: Path) -> None:
    for name, expected in (("../evil", "escapes"), ("/abs", "absolute")):
        path = tmp_path / "evil.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("pkg/ok", b"ok")
            archive.writestr(name, b"x")
        with pytest.raises(UnsafeArchive) as info:
            unpack_sdist(path, tmp_path / "out")
        assert expected in info.value.message
        assert not (tmp_path / "out").exists()
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info_link = zipfile.ZipInfo("pkg/link")
        info_link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info_link, b"/etc/passwd")
    with pytest.raises(UnsafeArchive, match="symbolic link"):
        unpack_sdist(path, tmp_path / "out")


def test_corrupt_and_empty_archives(tmp_path: Path) -> None:
    bad = tmp_path / "bad-1.0.tar.gz"
    bad.write_bytes(b"this is not a tarball")
    with pytest.raises(UnsafeArchive, match="bad-1.0.tar.gz is not a valid source archive"):
        unpack_sdist(bad, tmp_path / "out")
    empty = _tar(tmp_path / "empty-1.0.tar.gz", [])
    with pytest.raises(UnsafeArchive, match="empty"):
        unpack_sdist(empty, tmp_path / "out")
    good = _tar(tmp_path / "t-1.0.tar.gz", _project())
    truncated = tmp_path / "trunc-1.0.tar.gz"
    truncated.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(UnsafeArchive):
        unpack_sdist(truncated, tmp_path / "out3")


# --------------------------------------------------------------------------- decompression bombs

ZEROS = b"\0" * (3 << 20)  # 3 MiB of zeros: gzip packs them about 1000:1


def _tar_header_only(path: Path, size: int) -> Path:
    """A gzipped tar whose one header declares ``size`` bytes of data, and then ends:
    reading past the header (to a next one) would be an error, not a limit."""
    import gzip

    info = tarfile.TarInfo("pkg-1.0/huge.bin")
    info.size = size
    info.mtime = _MTIME
    path.write_bytes(gzip.compress(info.tobuf(tarfile.PAX_FORMAT) + b"\0" * 4096))
    return path


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


SDIST_BOMBS = [
    pytest.param(
        lambda d: _tar(d / "bomb-1.0.tar.gz", [_member("pkg-1.0/zeros.bin", data=ZEROS)]),
        UnpackLimits(max_ratio=100),
        ("bomb-1.0.tar.gz expands", "at most 100:1 is allowed"),
        "PUV_MAX_COMPRESSION_RATIO",
        id="tar-ratio",
    ),
    pytest.param(
        lambda d: _tar(d / "bomb-1.0.tar.gz", [_member(f"pkg-1.0/f{i}", data=b"x" * 600) for i in range(2)]),
        UnpackLimits(max_total_size=1000),
        ("bomb-1.0.tar.gz would unpack to at least 1200 bytes, more than the limit of 1000 bytes",),
        "PUV_MAX_UNPACK_SIZE",
        id="tar-total",
    ),
    pytest.param(
        lambda d: _tar(
            d / "bomb-1.0.tar.gz",
            [
                _member("pkg-1.0/f", data=b"x" * 600),
                *(_member(f"pkg-1.0/h{i}", kind=tarfile.LNKTYPE, link="pkg-1.0/f") for i in range(2)),
            ],
        ),
        UnpackLimits(max_total_size=1500),
        ("bomb-1.0.tar.gz would unpack to 1800 bytes, more than the limit of 1500 bytes",),
        "PUV_MAX_UNPACK_SIZE",
        id="tar-hardlink-copies",
    ),
    pytest.param(
        lambda d: _tar_header_only(d / "bomb-1.0.tar.gz", 1 << 40),
        UnpackLimits(),
        ("bomb-1.0.tar.gz would unpack to at least 1099511627776 bytes, more than the limit of 8589934592 bytes",),
        "PUV_MAX_UNPACK_SIZE",
        id="tar-declared-1tib-default-limit",
    ),
    pytest.param(
        lambda d: _zip(d / "bomb-1.0.zip", {"pkg-1.0/ok.py": b"x", "pkg-1.0/zeros.bin": ZEROS}),
        UnpackLimits(max_ratio=100),
        ("bomb-1.0.zip contains a member that expands", "at most 100:1", "'pkg-1.0/zeros.bin'"),
        "PUV_MAX_COMPRESSION_RATIO",
        id="zip-ratio",
    ),
    pytest.param(
        lambda d: _zip(d / "bomb-1.0.zip", {f"pkg-1.0/f{i}": b"x" * 600 for i in range(2)}),
        UnpackLimits(max_total_size=1000),
        ("bomb-1.0.zip would unpack to 1200 bytes, more than the limit of 1000 bytes",),
        "PUV_MAX_UNPACK_SIZE",
        id="zip-total",
    ),
]


@pytest.mark.parametrize(("build", "limits", "fragments", "variable"), SDIST_BOMBS)
def test_sdist_decompression_bombs_are_refused(
    tmp_path: Path,
    build: Callable[[Path], Path],
    limits: UnpackLimits,
    fragments: tuple[str, ...],
    variable: str,
) -> None:
    """Over a limit: refused before anything is written, the hint names the variable that
    raises it. Within higher limits the same archive unpacks (except the 1 TiB header,
    which has no data behind it)."""
    (tmp_path / "dist").mkdir()
    archive = build(tmp_path / "dist")
    dest = tmp_path / "out"
    with pytest.raises(UnsafeArchive) as info:
        unpack_sdist(archive, dest, limits=limits)
    for fragment in fragments:
        assert fragment in info.value.message, info.value.message
    assert any(hint.startswith(f"if you trust it, raise the limit: set {variable} to ") for hint in info.value.hints)
    assert not dest.exists()
    if limits != UnpackLimits():
        root = unpack_sdist(archive, tmp_path / "again", limits=UnpackLimits())
        assert root == tmp_path / "again" / "pkg-1.0"
        assert sum(p.stat().st_size for p in root.iterdir()) > 1000
