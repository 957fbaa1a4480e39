"""Uninstalling: everything from RECORD (scripts, data, headers, __pycache__), nothing outside."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from puv.domain.installer.site import InstalledDist, list_installed, read_dist_info, read_egg_info
from puv.domain.installer.uninstall import UninstallError, uninstall
from tests.support.builders import build_wheel
from tests.test_wheel_install import PY312, fake_scheme, install, make_venv, needs_py312, rich_wheel, unpack, venv_scheme


def files_and_dirs(root: Path) -> set[str]:
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            out.add(os.path.relpath(os.path.join(dirpath, name), root))
    return out


@needs_py312
def test_uninstall_restores_the_environment(tmp_path: Path) -> None:
    venv = make_venv(tmp_path / "venv")
    python = venv / "bin" / "python"
    scheme = venv_scheme(venv)
    before = files_and_dirs(venv)
    install(unpack(rich_wheel(tmp_path / "dist"), tmp_path / "cache"), scheme, python=str(python), requested=True)
    # use it, so Python writes __pycache__ next to the modules
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.run(
        [str(python), "-c", "import demo_pkg.cli, demo_pkg.sub, demo_pure, extra_mod"], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stderr
    subprocess.run([str(venv / "bin" / "demo")], check=True, capture_output=True, env=env)
    site = Path(scheme.purelib)  # type: ignore[attr-defined]
    assert (site / "demo_pkg" / "__pycache__").is_dir()

    [dist] = list_installed([site])
    removal = uninstall(dist, scheme)
    left = files_and_dirs(venv) - before
    # pip leaves the (empty) shared headers directory as well; everything else is gone
    assert left <= {"include/site", "include/site/python3.12"}, left
    assert removal.count == len(removal.files) and removal.count >= 20
    assert str(venv / "bin" / "demo") in removal.files
    assert str(site / "demo_pkg" / "__pycache__") in removal.directories
    assert removal.skipped == ()
    assert list_installed([site]) == ()


def test_uninstall_skips_paths_outside_the_environment(tmp_path: Path) -> None:
    scheme = fake_scheme(tmp_path / "env")
    install(unpack(build_wheel(tmp_path / "dist", "demo-pkg", "1.0"), tmp_path / "cache"), scheme)
    victim = tmp_path / "outside.txt"
    victim.write_text("keep me")
    site = Path(scheme["purelib"])
    info = site / "demo_pkg-1.0.dist-info"
    with open(info / "RECORD", "a") as record:
        record.write("../../../../outside.txt,,\n")
        record.write(f"{victim},,\n")
        record.write("demo_pkg/already_gone.py,,\n")
    [dist] = list_installed([site])
    removal = uninstall(dist, scheme)
    assert victim.read_text() == "keep me"
    assert removal.skipped == (str(victim),)
    assert not (site / "demo_pkg").exists() and not info.exists()


def test_uninstall_keeps_shared_directories_and_other_dists(tmp_path: Path) -> None:
    scheme = fake_scheme(tmp_path / "env")
    ns_a = build_wheel(tmp_path / "dist", "ns-a", "1.0", files={"ns/a/__init__.py": "A = 1\n"})
    ns_b = build_wheel(tmp_path / "dist", "ns-b", "1.0", files={"ns/b/__init__.py": "B = 1\n"})
    for wheel, name in ((ns_a, "ns-a"), (ns_b, "ns-b")):
        install(unpack(wheel, tmp_path / "cache" / name), scheme, dist_name=name)
    site = Path(scheme["purelib"])
    dist_a = next(d for d in list_installed([site]) if d.canonical_name == "ns-a")
    uninstall(dist_a, scheme)
    assert not (site / "ns" / "a").exists()
    assert (site / "ns" / "b" / "__init__.py").exists()
    assert [d.canonical_name for d in list_installed([site])] == ["ns-b"]


def test_pycache_of_removed_modules_only(tmp_path: Path) -> None:
    scheme = fake_scheme(tmp_path / "env")
    install(unpack(build_wheel(tmp_path / "dist", "demo-pkg", "1.0", files={"demo_pkg/__init__.py": "", "demo_pkg/mod.py": ""}), tmp_path / "cache"), scheme)
    site = Path(scheme["purelib"])
    cache = site / "demo_pkg" / "__pycache__"
    cache.mkdir()
    for name in ("mod.cpython-312.pyc", "mod.cpython-311.opt-1.pyc", "__init__.cpython-312.pyc"):
        (cache / name).write_bytes(b"pyc")
    (site / "demo_pkg" / "user_file.txt").write_text("not ours")
    [dist] = list_installed([site])
    removal = uninstall(dist, scheme)
    assert sorted(os.listdir(site / "demo_pkg")) == ["user_file.txt"]
    assert str(cache / "mod.cpython-311.opt-1.pyc") in removal.files


def test_missing_record_is_an_error(tmp_path: Path) -> None:
    scheme = fake_scheme(tmp_path / "env")
    install(unpack(build_wheel(tmp_path / "dist", "demo-pkg", "1.0"), tmp_path / "cache"), scheme)
    site = Path(scheme["purelib"])
    (site / "demo_pkg-1.0.dist-info" / "RECORD").unlink()
    [dist] = list_installed([site])
    with pytest.raises(UninstallError, match="RECORD is missing"):
        uninstall(dist, scheme)
    assert (site / "demo_pkg" / "__init__.py").exists()


def test_legacy_egg_info_with_installed_files(tmp_path: Path) -> None:
    scheme = fake_scheme(tmp_path / "env")
    site = Path(scheme["purelib"])
    (site / "legacy").mkdir()
    (site / "legacy" / "__init__.py").write_text("")
    (tmp_path / "env" / "bin" / "legacy-tool").write_text("#!/bin/sh\n")
    egg = site / "legacy-2.0-py3.12.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: legacy\nVersion: 2.0\n")
    (egg / "installed-files.txt").write_text(
        "../legacy/__init__.py\n../../../../bin/legacy-tool\nPKG-INFO\ninstalled-files.txt\n"
    )
    dist = read_egg_info(egg)
    assert dist is not None and (dist.name, dist.version, dist.kind) == ("legacy", "2.0", "egg-info")
    removal = uninstall(dist, scheme)
    assert not (site / "legacy").exists() and not egg.exists()
    assert not (tmp_path / "env" / "bin" / "legacy-tool").exists()
    assert removal.count == 4


def test_distutils_egg_info_file_cannot_be_uninstalled(tmp_path: Path) -> None:
    scheme = fake_scheme(tmp_path / "env")
    egg = Path(scheme["purelib"]) / "old-1.0-py3.12.egg-info"
    egg.write_text("Metadata-Version: 1.0\nName: old\nVersion: 1.0\n")
    dist = read_egg_info(egg)
    assert dist is not None
    with pytest.raises(UninstallError, match="distutils"):
        uninstall(dist, scheme)


def test_unrecorded_launchers_from_entry_points_are_removed(tmp_path: Path) -> None:
    scheme = fake_scheme(tmp_path / "env")
    wheel = build_wheel(tmp_path / "dist", "demo-pkg", "1.0", entry_points={"console_scripts": {"demo": "demo_pkg:main"}})
    install(unpack(wheel, tmp_path / "cache"), scheme)
    site = Path(scheme["purelib"])
    record = site / "demo_pkg-1.0.dist-info" / "RECORD"
    record.write_text("".join(line + "\n" for line in record.read_text().splitlines() if "bin/demo" not in line))
    dist = read_dist_info(site / "demo_pkg-1.0.dist-info")
    assert isinstance(dist, InstalledDist)
    uninstall(dist, scheme)
    assert not (tmp_path / "env" / "bin" / "demo").exists()


@pytest.mark.skipif(not PY312.exists(), reason="CPython 3.12.1 from pyenv is not installed")
def test_uninstall_a_pip_installed_dist(tmp_path: Path) -> None:
    venv = make_venv(tmp_path / "venv", with_pip=True)
    python = venv / "bin" / "python"
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    wheel = rich_wheel(tmp_path / "dist")
    subprocess.run([str(python), "-m", "pip", "--version"], check=True, capture_output=True, env=env)
    before = files_and_dirs(venv)
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True, env=env)
    scheme = venv_scheme(venv)
    dist = next(d for d in list_installed([scheme.purelib]) if d.canonical_name == "demo-pkg")  # type: ignore[attr-defined]
    uninstall(dist, scheme)
    assert files_and_dirs(venv) - before <= {"include/site", "include/site/python3.12"}
