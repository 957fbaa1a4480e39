"""Link modes: clone, hardlink, copy, symlink; fallbacks; never writing through an existing path."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from puv.io import fs
from puv.io.fs import LinkError, Linker


def _source(tmp_path: Path, count: int = 3, *, executable: bool = False) -> list[tuple[str, str]]:
    src = tmp_path / "cache"
    dst = tmp_path / "env"
    src.mkdir(parents=True)
    dst.mkdir()
    pairs = []
    for i in range(count):
        path = src / f"f{i}.py"
        path.write_bytes(f"x = {i}\n".encode() * 100)
        if executable:
            path.chmod(0o755)
        pairs.append((str(path), str(dst / f"f{i}.py")))
    return pairs


@pytest.mark.parametrize("mode", ["hardlink", "copy", "symlink", "clone"])
def test_every_mode_places_the_content(tmp_path: Path, mode: str) -> None:
    pairs = _source(tmp_path, executable=True)
    linker = Linker(mode)
    progress = [0]
    linker.link_all(pairs, progress=progress)
    assert progress == [len(pairs)]
    for src, dst in pairs:
        assert Path(dst).read_bytes() == Path(src).read_bytes()
        assert os.stat(dst).st_mode & 0o777 == 0o755
        same_inode = os.stat(dst).st_ino == os.stat(src).st_ino
        if mode == "hardlink":
            assert same_inode
        elif mode == "copy":
            assert not same_inode and not os.path.islink(dst)
        elif mode == "symlink":
            assert os.path.islink(dst) and os.readlink(dst) == src
        else:
            assert linker.mode in ("clone", "hardlink")
            assert same_inode == (linker.mode == "hardlink")


def test_unknown_mode() -> None:
    with pytest.raises(LinkError, match="unknown link mode `fast`"):
        Linker("fast")


def test_clone_unsupported_falls_back_to_hardlink_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def no_clone(src: str, dst: str) -> None:
        calls.append(src)
        raise OSError(errno.EOPNOTSUPP, "Operation not supported")

    monkeypatch.setitem(fs._OPS, "clone", no_clone)
    warnings: list[str] = []
    linker = Linker("clone", warnings.append)
    pairs = _source(tmp_path, 5)
    linker.link_all(pairs)
    assert len(calls) == 1  # the failed call is paid once
    assert linker.mode == "hardlink" and linker.requested_mode == "clone"
    assert len(warnings) == 1 and "falling back to hard links" in warnings[0]
    assert all(os.stat(d).st_ino == os.stat(s).st_ino for s, d in pairs)
    linker.link_all(_source(tmp_path / "again", 2))
    assert len(warnings) == 1


def test_cross_device_hardlink_falls_back_to_copy_with_one_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def exdev(src: str, dst: str) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setitem(fs._OPS, "hardlink", exdev)
    warnings: list[str] = []
    linker = Linker("hardlink", warnings.append)
    pairs = _source(tmp_path, 4)
    linker.link_all(pairs)
    assert linker.mode == "copy"
    assert len(warnings) == 1 and "different filesystems" in warnings[0]
    assert all(Path(d).read_bytes() == Path(s).read_bytes() for s, d in pairs)


def test_clone_then_hardlink_both_fail_ends_in_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(code: int):  # type: ignore[no-untyped-def]
        def op(src: str, dst: str) -> None:
            raise OSError(code, os.strerror(code))

        return op

    monkeypatch.setitem(fs._OPS, "clone", fail(errno.EOPNOTSUPP))
    monkeypatch.setitem(fs._OPS, "hardlink", fail(errno.EXDEV))
    warnings: list[str] = []
    linker = Linker("clone", warnings.append)
    linker.link_all(_source(tmp_path))
    assert linker.mode == "copy" and len(warnings) == 2


def test_copy_and_symlink_have_no_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def eio(src: str, dst: str) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setitem(fs._OPS, "copy", eio)
    linker = Linker("copy")
    pairs = _source(tmp_path)
    progress = [-1]
    with pytest.raises(LinkError, match="failed to copy"):
        linker.link_all(pairs, progress=progress)
    assert progress == [0]


def test_missing_source_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    pairs = _source(tmp_path)
    os.unlink(pairs[1][0])
    linker = Linker("hardlink")
    progress = [0]
    with pytest.raises(LinkError):
        linker.link_all(pairs, progress=progress)
    assert progress == [1] and linker.mode == "hardlink"


@pytest.mark.parametrize("mode", ["hardlink", "copy", "symlink", "clone"])
def test_existing_destination_is_displaced_not_written_through(tmp_path: Path, mode: str) -> None:
    pairs = _source(tmp_path, 1)
    src, dst = pairs[0]
    other = tmp_path / "other-cache-file"
    other.write_text("cache content of another wheel\n")
    os.link(other, dst)  # the destination is a hard link into the cache
    displaced: list[tuple[str, str]] = []
    Linker(mode).link_all(pairs, displaced)
    assert other.read_text() == "cache content of another wheel\n"
    assert Path(dst).read_bytes() == Path(src).read_bytes()
    assert len(displaced) == 1 and displaced[0][0] == dst
    fs.restore_displaced(displaced)
    assert os.stat(dst).st_ino == os.stat(other).st_ino


def test_existing_destination_without_backup_list_is_replaced(tmp_path: Path) -> None:
    pairs = _source(tmp_path, 1)
    Path(pairs[0][1]).write_text("old")
    Linker("copy").link_all(pairs)
    assert Path(pairs[0][1]).read_bytes() == Path(pairs[0][0]).read_bytes()
    assert sorted(os.listdir(tmp_path / "env")) == ["f0.py"]


def test_drop_displaced_removes_backups(tmp_path: Path) -> None:
    pairs = _source(tmp_path, 2)
    for _, dst in pairs:
        Path(dst).write_text("old")
    displaced: list[tuple[str, str]] = []
    Linker("hardlink").link_all(pairs, displaced)
    assert len(os.listdir(tmp_path / "env")) == 4
    fs.drop_displaced(displaced)
    assert sorted(os.listdir(tmp_path / "env")) == ["f0.py", "f1.py"]


def test_copy_file_refuses_an_existing_destination(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("a")
    (tmp_path / "b").write_text("b")
    with pytest.raises(FileExistsError):
        fs.copy_file(str(tmp_path / "a"), str(tmp_path / "b"))
    assert (tmp_path / "b").read_text() == "b"


def test_copy_file_large_and_empty(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(os.urandom(3 << 20))
    fs.copy_file(str(big), str(tmp_path / "big2"))
    assert (tmp_path / "big2").read_bytes() == big.read_bytes()
    (tmp_path / "empty").write_bytes(b"")
    fs.copy_file(str(tmp_path / "empty"), str(tmp_path / "empty2"))
    assert (tmp_path / "empty2").read_bytes() == b""


def test_write_new_file_modes(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        fs.write_new_file(str(tmp_path / "plain"), b"x")
        fs.write_new_file(str(tmp_path / "exe"), b"#!/bin/sh\n", executable=True)
    finally:
        os.umask(umask)
    assert os.stat(tmp_path / "plain").st_mode & 0o777 == 0o644
    assert os.stat(tmp_path / "exe").st_mode & 0o777 == 0o755
    with pytest.raises(FileExistsError):
        fs.write_new_file(str(tmp_path / "plain"), b"y")


def test_interrupt_records_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.link
    count = {"n": 0}

    def link(src: str, dst: str) -> None:
        count["n"] += 1
        if count["n"] == 3:
            raise KeyboardInterrupt
        real(src, dst)

    monkeypatch.setitem(fs._OPS, "hardlink", link)
    linker = Linker("hardlink")
    pairs = _source(tmp_path, 5)
    progress = [0]
    with pytest.raises(KeyboardInterrupt):
        linker.link_all(pairs, progress=progress)
    assert progress == [2]
    assert sorted(os.listdir(tmp_path / "env")) == ["f0.py", "f1.py"]


def test_a_shared_linker_falls_back_once_across_wheels_and_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    calls = []

    def exdev(src: str, dst: str) -> None:
        calls.append(src)
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setitem(fs._OPS, "hardlink", exdev)
    warnings: list[str] = []
    linker = Linker("hardlink", warnings.append)
    batches = [_source(tmp_path / f"wheel{i}", 20) for i in range(8)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(linker.link_all, batches))
    assert len(warnings) == 1 and linker.mode == "copy"
    assert len(calls) <= 4  # at most one failed link per thread that raced the switch
    assert all(Path(d).read_bytes() == Path(s).read_bytes() for batch in batches for s, d in batch)
