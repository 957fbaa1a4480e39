"""Reading installed distributions from a site-packages directory."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from puv.domain.installer.site import (
    InstalledDist,
    find_installed,
    list_installed,
    parse_direct_url,
    read_dist_info,
    site_dirs_of,
)
from tests.support.builders import build_wheel
from tests.test_wheel_install import fake_scheme, install, make_venv, needs_py312, unpack, venv_scheme


@needs_py312
def test_reads_pip_installed_dists(tmp_path: Path) -> None:
    venv = make_venv(tmp_path / "venv", with_pip=True)
    python = venv / "bin" / "python"
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    wheel = build_wheel(tmp_path / "dist", "Demo.Pkg", "1.0rc1")
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True, env=env)
    scheme = venv_scheme(venv)
    dists = list_installed(site_dirs_of(scheme))
    by_name = {d.canonical_name: d for d in dists}
    assert set(by_name) == {"demo-pkg", "pip"}
    demo = by_name["demo-pkg"]
    assert (demo.name, demo.version, demo.kind) == ("demo_pkg", "1.0rc1", "dist-info")
    assert demo.installer == "pip" and demo.requested
    assert demo.direct_url is not None and demo.direct_url.kind == "archive"
    assert demo.direct_url.url == wheel.resolve().as_uri()
    assert demo.direct_url.archive_hash is not None and demo.direct_url.archive_hash.startswith("sha256=")
    assert not demo.editable
    assert demo.metadata().name == "Demo.Pkg"
    assert demo.record_path == demo.path / "RECORD" and demo.record_path.exists()
    # pip itself came from ensurepip: recorded by pip, without a direct URL
    assert by_name["pip"].direct_url is None and by_name["pip"].installer == "pip"
    assert find_installed(site_dirs_of(scheme), "DEMO_pkg") == (demo,)


def test_reads_puv_installed_dist_and_not_requested(tmp_path: Path) -> None:
    scheme = fake_scheme(tmp_path / "env")
    install(unpack(build_wheel(tmp_path / "dist", "demo-pkg", "1.0"), tmp_path / "cache"), scheme, requested=False)
    [demo] = list_installed([scheme["purelib"], scheme["platlib"]])
    assert demo.installer == "puv" and not demo.requested and demo.direct_url is None


def test_direct_url_kinds() -> None:
    vcs = parse_direct_url('{"url": "https://example.invalid/r.git", "vcs_info": {"vcs": "git", "commit_id": "abc", "requested_revision": "main"}, "subdirectory": "pkg"}')
    assert vcs is not None and (vcs.kind, vcs.vcs, vcs.commit_id, vcs.requested_revision) == ("vcs", "git", "abc", "main")
    assert vcs.display() == "git+https://example.invalid/r.git@abc#subdirectory=pkg"
    local = parse_direct_url('{"url": "file:///src/p", "dir_info": {"editable": true}}')
    assert local is not None and local.kind == "dir" and local.editable
    archive = parse_direct_url('{"url": "file:///w.whl", "archive_info": {"hashes": {"sha256": "ff"}}}')
    assert archive is not None and archive.archive_hash == "sha256=ff"
    assert archive.to_dict() == {"url": "file:///w.whl", "archive_info": {"hashes": {"sha256": "ff"}}}
    assert parse_direct_url("not json") is None
    assert parse_direct_url('{"no": "url"}') is None
    assert parse_direct_url("[1]") is None


def test_broken_direct_url_does_not_break_listing(tmp_path: Path) -> None:
    info = tmp_path / "a-1.0.dist-info"
    info.mkdir()
    (info / "direct_url.json").write_text("{broken")
    (info / "INSTALLER").write_text("\n")
    dist = read_dist_info(info)
    assert dist is not None and dist.direct_url is None and dist.installer is None


def test_egg_info_variants_and_odd_names(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "good-2.0.dist-info").mkdir()
    (site / "nodash.dist-info").mkdir()  # no version: ignored
    (site / "old_thing-1.5-py3.12.egg-info").mkdir()
    (site / "devel.egg-info").mkdir()
    (site / "devel.egg-info" / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: devel\nVersion: 0.3\n")
    (site / "distutils_pkg-0.9-py3.12.egg-info").write_text("Metadata-Version: 1.0\nName: distutils-pkg\nVersion: 0.9\n")
    (site / "unrelated.txt").write_text("")
    (site / "pkg").mkdir()
    dists = list_installed([site, site])  # the same directory twice is read once
    assert [(d.canonical_name, d.version, d.kind) for d in dists] == [
        ("devel", "0.3", "egg-info"),
        ("distutils-pkg", "0.9", "egg-info"),
        ("good", "2.0", "dist-info"),
        ("old-thing", "1.5", "egg-info"),
    ]
    distutils = dists[1]
    assert distutils.record_path is None
    assert distutils.metadata().version.public == "0.9"
    assert list_installed([tmp_path / "missing"]) == ()


def test_values_are_frozen(tmp_path: Path) -> None:
    from dataclasses import FrozenInstanceError

    dist = InstalledDist("a", "1", tmp_path)
    with pytest.raises(FrozenInstanceError):
        dist.name = "b"  # type: ignore[misc]
    assert dist == InstalledDist("a", "1", tmp_path)
    assert hash(dist) == hash(InstalledDist("a", "1", tmp_path))


def test_listing_200_dists_is_cheap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    for i in range(200):
        info = site / f"pkg{i}-1.{i}.dist-info"
        info.mkdir()
        for name in ("METADATA", "RECORD", "WHEEL", "top_level.txt"):
            (info / name).write_text("x")
        (info / "INSTALLER").write_text("pip\n")
        if i % 10 == 0:
            (info / "REQUESTED").write_text("")
            (info / "direct_url.json").write_text('{"url": "file:///x", "archive_info": {}}')
        (site / f"pkg{i}").mkdir()
    opened: list[str] = []
    import builtins

    real_open = builtins.open

    def spy(file: object, *args: object, **kwargs: object) -> object:
        opened.append(str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", spy)
    start = time.perf_counter()
    dists = list_installed([site])
    elapsed = time.perf_counter() - start
    monkeypatch.undo()
    assert len(dists) == 200 and sum(d.requested for d in dists) == 20
    assert not any(path.endswith(("METADATA", "RECORD", "WHEEL")) for path in opened)
    assert len(opened) == 220  # INSTALLER x200, direct_url.json x20
    assert elapsed < 0.5  # ~5 ms on a quiet machine
