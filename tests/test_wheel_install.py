"""Installing an unpacked wheel: pip parity, scripts, validation, link modes, atomicity."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from puv.domain.installer import wheel_install
from puv.domain.installer.site import list_installed
from puv.domain.installer.wheel_install import (
    InvalidWheel,
    RecordMismatch,
    WheelPathEscape,
    install_wheel,
)
from puv.errors import InstallError
from puv.io import fs
from puv.io.archive import unpack_wheel
from tests.support.builders import build_wheel, core_metadata, wheel_file, write_wheel

PY312 = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions" / "3.12.1" / "bin" / "python3.12"
needs_py312 = pytest.mark.skipif(not PY312.exists(), reason="CPython 3.12.1 from pyenv is not installed")


# --------------------------------------------------------------------------- helpers


def unpack(wheel: Path, dest: Path) -> Path:
    """Unpack like the downloader: members plus the completion marker."""
    unpack_wheel(wheel, dest)
    (dest / ".puv-complete").write_text(wheel.name + "\n")
    return dest


def fake_scheme(root: Path) -> dict[str, str]:
    """An install scheme laid out like a venv, without an interpreter."""
    site = root / "lib" / "python3.12" / "site-packages"
    site.mkdir(parents=True)
    (root / "bin").mkdir()
    return {
        "purelib": str(site),
        "platlib": str(site),
        "scripts": str(root / "bin"),
        "data": str(root),
        "include": str(root / "include" / "python3.12"),
        "headers": str(root / "include" / "site" / "python3.12"),
    }


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root``: file contents, None for directories."""
    out: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            out[os.path.relpath(os.path.join(dirpath, name), root)] = None
        for name in filenames:
            path = os.path.join(dirpath, name)
            out[os.path.relpath(path, root)] = Path(path).read_bytes() if not os.path.islink(path) else b"->"
    return out


def rich_wheel(dest: Path, name: str = "demo-pkg", version: str = "1.0", **kwargs: object) -> Path:
    """A wheel using every part of the format: packages, .pth, data, scripts, headers, entry points."""
    files = {
        "demo_pkg/__init__.py": "from demo_pkg.cli import main\n__version__ = '1.0'\n",
        "demo_pkg/cli.py": "import sys\n\ndef main():\n    print('demo says hi', sys.argv[1:])\n    return 0\n\nclass App:\n    @staticmethod\n    def run():\n        print('app run')\n",
        "demo_pkg/sub/__init__.py": "",
        "demo_pkg/sub/data.bin": bytes(range(256)),
        "demo_pkg/ünïcode.txt": "snowman ☃\n",
        "demo_extra/extra_mod.py": "VALUE = 42\n",
        "demo.pth": "demo_extra\n",
    }
    data_files = {
        "scripts/raw-script": "#!python\nimport demo_pkg\nprint('raw', demo_pkg.__version__)\n",
        "scripts/plain.sh": "#!/bin/sh\necho plain\n",
        "scripts/demo": "#!python\n# a setuptools wrapper for the `demo` entry point: skipped\n",
        "data/share/demo-pkg/readme.txt": "shared data\n",
        "headers/demo.h": "#define DEMO 1\n",
        "purelib/demo_pure.py": "PURE = True\n",
        "platlib/demo_plat.py": "PLAT = True\n",
    }
    entry_points = {
        "console_scripts": {"demo": "demo_pkg:main", "demo-app": "demo_pkg.cli:App.run"},
        "gui_scripts": {"demo-gui": "demo_pkg.cli:main"},
        "other.group": {"ignored": "demo_pkg:main"},
    }
    return build_wheel(dest, name, version, files=files, data_files=data_files, entry_points=entry_points, **kwargs)  # type: ignore[arg-type]


def make_venv(path: Path, *, with_pip: bool = False) -> Path:
    cmd = [str(PY312), "-m", "venv", str(path)]
    if not with_pip:
        cmd.insert(3, "--without-pip")
    subprocess.run(cmd, check=True, capture_output=True)
    return path


def venv_scheme(venv: Path) -> object:
    from puv.domain.python.interpreter import query_interpreter

    return query_interpreter(str(venv / "bin" / "python"), None).paths


def install(unpacked: Path, scheme: object, python: str = "/venv/bin/python", **kwargs: object) -> wheel_install.InstalledWheel:
    options: dict[str, object] = {"dist_name": "demo-pkg", "version": "1.0", "python_executable": python}
    options.update(kwargs)
    return install_wheel(unpacked, interpreter_paths=scheme, **options)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- pip parity


def snapshot(venv: Path) -> dict[str, tuple[bytes, bool]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(venv):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                continue
            out[os.path.relpath(path, venv)] = (Path(path).read_bytes(), bool(os.stat(path).st_mode & 0o111))
    return out


@needs_py312
def test_install_matches_pip_byte_for_byte(tmp_path: Path) -> None:
    wheel = rich_wheel(tmp_path / "dist")
    venv = make_venv(tmp_path / "venv", with_pip=True)
    python = venv / "bin" / "python"
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run([str(python), "-m", "pip", "--version"], check=True, capture_output=True, env=env)
    baseline = snapshot(venv)

    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--no-compile", str(wheel)],
        check=True, capture_output=True, env=env,
    )
    by_pip = {k: v for k, v in snapshot(venv).items() if k not in baseline}
    site = Path(venv_scheme(venv).purelib)  # type: ignore[attr-defined]
    info = site / "demo_pkg-1.0.dist-info"
    pip_direct_url = json.loads((info / "direct_url.json").read_text())
    pip_record = (info / "RECORD").read_text()
    subprocess.run([str(python), "-m", "pip", "uninstall", "-y", "demo-pkg"], check=True, capture_output=True, env=env)
    assert {k for k in snapshot(venv) if k not in baseline} == set()

    result = install(
        unpack(wheel, tmp_path / "cache" / "demo-pkg"),
        venv_scheme(venv),
        python=str(python),
        requested=True,
        direct_url=pip_direct_url,
        filename=wheel.name,
    )
    by_puv = {k: v for k, v in snapshot(venv).items() if k not in baseline}

    assert sorted(by_puv) == sorted(by_pip)
    differing = [
        path for path in by_pip
        if by_pip[path] != by_puv[path] and not path.endswith(("/INSTALLER", "/RECORD"))
    ]
    assert differing == []
    assert by_puv[str((info / "INSTALLER").relative_to(venv))][0] == b"puv\n"
    assert "include/site/python3.12/demo-pkg/demo.h" in by_puv
    # the same paths in RECORD; same hashes for every file but INSTALLER
    ours = {row.split(",")[0]: row for row in (info / "RECORD").read_text().splitlines()}
    theirs = {row.split(",")[0]: row for row in pip_record.splitlines()}
    # pip keeps a row for the setuptools wrapper it skipped (a file it never wrote); puv does not
    del theirs["demo_pkg-1.0.data/scripts/demo"]
    assert set(ours) == set(theirs)
    assert {p for p in ours if ours[p] != theirs[p]} == {"demo_pkg-1.0.dist-info/INSTALLER"}
    assert result.dist.requested and result.dist.installer == "puv"
    assert result.dist.direct_url is not None and result.dist.direct_url.url.startswith("file://")


@needs_py312
def test_installed_package_imports_and_scripts_run(tmp_path: Path) -> None:
    venv = make_venv(tmp_path / "venv")
    python = venv / "bin" / "python"
    install(unpack(rich_wheel(tmp_path / "dist"), tmp_path / "cache"), venv_scheme(venv), python=str(python))

    check = "import demo_pkg, demo_pure, demo_plat, extra_mod; print(demo_pkg.__version__, extra_mod.VALUE)"
    proc = subprocess.run([str(python), "-c", check], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "1.0 42"  # extra_mod comes through demo.pth
    proc = subprocess.run([str(venv / "bin" / "demo"), "x"], capture_output=True, text=True)
    assert (proc.returncode, proc.stdout) == (0, "demo says hi ['x']\n"), proc.stderr
    proc = subprocess.run([str(venv / "bin" / "demo-app")], capture_output=True, text=True)
    assert proc.stdout == "app run\n", proc.stderr
    proc = subprocess.run([str(venv / "bin" / "raw-script")], capture_output=True, text=True)
    assert proc.stdout == "raw 1.0\n", proc.stderr
    proc = subprocess.run([str(venv / "bin" / "plain.sh")], capture_output=True, text=True)
    assert proc.stdout == "plain\n"
    assert (venv / "bin" / "demo").read_bytes().startswith(f"#!{python}\n".encode())
    assert os.stat(venv / "bin" / "demo").st_mode & 0o111
    assert not (venv / "bin" / "ignored").exists()


# --------------------------------------------------------------------------- what goes where


def test_layout_record_and_generated_files(tmp_path: Path) -> None:
    scheme = fake_scheme(tmp_path / "env")
    unpacked = unpack(rich_wheel(tmp_path / "dist"), tmp_path / "cache")
    result = install(unpacked, scheme, python="/env/bin/python", requested=False, installer="puv-test")
    site = Path(scheme["purelib"])
    info = site / "demo_pkg-1.0.dist-info"
    assert (info / "INSTALLER").read_bytes() == b"puv-test\n"
    assert not (info / "REQUESTED").exists()
    assert not (info / "direct_url.json").exists()
    assert not (site / ".puv-complete").exists()
    assert (tmp_path / "env" / "share" / "demo-pkg" / "readme.txt").read_text() == "shared data\n"
    assert (tmp_path / "env" / "include" / "site" / "python3.12" / "demo-pkg" / "demo.h").exists()
    assert (site / "demo_pure.py").exists() and (site / "demo_plat.py").exists()
    # the setuptools wrapper in .data/scripts was replaced by the launcher
    assert b"sys.exit(main())" in (tmp_path / "env" / "bin" / "demo").read_bytes()
    assert (tmp_path / "env" / "bin" / "raw-script").read_bytes().startswith(b"#!/env/bin/python\n")

    from puv.primitives.record import parse_record, record_hash

    rows = {row.path: row for row in parse_record((info / "RECORD").read_bytes())}
    assert rows["demo_pkg-1.0.dist-info/RECORD"].hash is None
    assert "../../../bin/demo" in rows and "../../../share/demo-pkg/readme.txt" in rows
    assert "../../../include/site/python3.12/demo-pkg/demo.h" in rows
    # every row's hash and size match the installed file
    for path, row in rows.items():
        target = os.path.normpath(os.path.join(site, path))
        assert os.path.isfile(target), path
        if row.hash is not None:
            data = Path(target).read_bytes()
            assert row.hash == record_hash(data) and row.size == len(data), path
    installed_files = {
        os.path.relpath(os.path.join(d, f), site) for d, _, fs_ in os.walk(tmp_path / "env") for f in fs_
    }
    assert {os.path.normpath(p) for p in rows} == installed_files
    assert result.files == len(rows)
    assert list_installed([site])[0].name == "demo_pkg"


def test_root_is_purelib_false_goes_to_platlib(tmp_path: Path) -> None:
    scheme = fake_scheme(tmp_path / "env")
    plat = tmp_path / "env" / "lib64" / "site-packages"
    plat.mkdir(parents=True)
    scheme["platlib"] = str(plat)
    wheel = build_wheel(tmp_path / "dist", "demo-pkg", "1.0", purelib=False, tag="cp312-cp312-linux_x86_64")
    install(unpack(wheel, tmp_path / "cache"), scheme)
    assert (plat / "demo_pkg" / "__init__.py").exists()
    assert (plat / "demo_pkg-1.0.dist-info" / "RECORD").exists()
    assert not any(Path(scheme["purelib"]).iterdir())


def test_direct_url_and_requested(tmp_path: Path) -> None:
    scheme = fake_scheme(tmp_path / "env")
    wheel = build_wheel(tmp_path / "dist", "demo-pkg", "1.0")
    url = {"url": "file:///somewhere/demo_pkg-1.0-py3-none-any.whl", "archive_info": {"hash": "sha256=ab"}}
    result = install(unpack(wheel, tmp_path / "cache"), scheme, requested=True, direct_url=url)
    info = Path(scheme["purelib"]) / "demo_pkg-1.0.dist-info"
    assert (info / "REQUESTED").read_bytes() == b""
    assert json.loads((info / "direct_url.json").read_text()) == url
    assert (info / "direct_url.json").read_text() == json.dumps(url, sort_keys=True)
    assert result.dist.direct_url is not None and result.dist.direct_url.archive_hash == "sha256=ab"


def test_wheel_shipped_installer_and_requested_are_not_copied(tmp_path: Path) -> None:
    scheme = fake_scheme(tmp_path / "env")
    wheel = build_wheel(
        tmp_path / "dist", "demo-pkg", "1.0",
        extra_dist_info={"INSTALLER": "other\n", "REQUESTED": "", "licenses/LICENSE": "MIT\n"},
    )
    install(unpack(wheel, tmp_path / "cache"), scheme, requested=False)
    info = Path(scheme["purelib"]) / "demo_pkg-1.0.dist-info"
    assert (info / "INSTALLER").read_text() == "puv\n"
    assert not (info / "REQUESTED").exists()
    assert (info / "licenses" / "LICENSE").read_text() == "MIT\n"


def test_long_interpreter_path_uses_sh_trick(tmp_path: Path) -> None:
    scheme = fake_scheme(tmp_path / "env")
    python = "/" + "x" * 130 + "/bin/python"
    install(unpack(rich_wheel(tmp_path / "dist"), tmp_path / "cache"), scheme, python=python)
    launcher = (tmp_path / "env" / "bin" / "demo").read_bytes()
    assert launcher.startswith(b"#!/bin/sh\n'''exec' " + python.encode() + b' "$0" "$@"\n' + b"' '''\n")


@pytest.mark.skipif(not PY312.exists(), reason="CPython 3.12.1 from pyenv is not installed")
def test_interpreter_path_with_space_runs(tmp_path: Path) -> None:
    venv = make_venv(tmp_path / "with space" / "venv")
    python = venv / "bin" / "python"
    install(unpack(rich_wheel(tmp_path / "dist"), tmp_path / "cache"), venv_scheme(venv), python=str(python))
    launcher = (venv / "bin" / "demo").read_bytes()
    assert launcher.startswith(b"#!/bin/sh\n'''exec' \"" + str(python).encode() + b'" "$0" "$@"\n')
    proc = subprocess.run([str(venv / "bin" / "demo")], capture_output=True, text=True)
    assert proc.stdout == "demo says hi []\n", proc.stderr
    proc = subprocess.run([str(venv / "bin" / "raw-script")], capture_output=True, text=True)
    assert proc.stdout == "raw 1.0\n", proc.stderr


# --------------------------------------------------------------------------- validation: nothing written


def _members(**extra: str | bytes) -> dict[str, str | bytes]:
    members: dict[str, str | bytes] = {
        "demo_pkg/__init__.py": "x = 1\n",
        "demo_pkg-1.0.dist-info/METADATA": core_metadata("demo-pkg", "1.0"),
        "demo_pkg-1.0.dist-info/WHEEL": wheel_file("py3-none-any"),
    }
    members.update(extra)
    return members


def _record(rows: list[tuple[str, bytes | None]]) -> str:
    from puv.primitives.record import RecordEntry, entry_for, render_record

    entries = [entry_for(path, data) if data is not None else RecordEntry(path) for path, data in rows]
    return render_record(entries, "demo_pkg-1.0.dist-info/RECORD")


BAD_WHEELS = {
    "no-dist-info": ({"demo_pkg/__init__.py": "x\n"}, None, "no .dist-info"),
    "two-dist-infos": (
        _members(**{"other-1.0.dist-info/METADATA": "Name: other\n"}),
        "auto",
        "more than one .dist-info",
    ),
    "name-mismatch": (
        {k.replace("demo_pkg-1.0.dist-info", "other_pkg-1.0.dist-info"): v for k, v in _members().items()},
        "auto",
        "does not match the distribution name",
    ),
    "version-mismatch": (
        {k.replace("demo_pkg-1.0.dist-info", "demo_pkg-2.0.dist-info"): v for k, v in _members().items()},
        "auto",
        "does not match the version",
    ),
    "no-wheel-file": (
        {k: v for k, v in _members().items() if not k.endswith("WHEEL")},
        "auto",
        "WHEEL",
    ),
    "wheel-version-2": (_members(**{"demo_pkg-1.0.dist-info/WHEEL": "Wheel-Version: 2.0\nRoot-Is-Purelib: true\n"}), "auto", "Wheel-Version 2.0"),
    "no-record": (_members(), None, "no demo_pkg-1.0.dist-info/RECORD"),
    "record-bad-csv-columns": (_members(), "demo_pkg/__init__.py,a,b,c\n", "columns"),
    "file-not-in-record": (_members(), _record([("demo_pkg-1.0.dist-info/METADATA", None)]), "not listed in RECORD"),
    "record-size-mismatch": (
        _members(),
        _record([
            ("demo_pkg/__init__.py", b"x = 12\n"),
            ("demo_pkg-1.0.dist-info/METADATA", None),
            ("demo_pkg-1.0.dist-info/WHEEL", None),
        ]),
        "has 6 bytes, but RECORD says 7",
    ),
    "record-lists-missing-file": (
        _members(),
        _record([
            ("demo_pkg/__init__.py", b"x = 1\n"),
            ("demo_pkg/gone.py", b"y\n"),
            ("demo_pkg-1.0.dist-info/METADATA", None),
            ("demo_pkg-1.0.dist-info/WHEEL", None),
        ]),
        "RECORD lists `demo_pkg/gone.py`",
    ),
    "record-path-escape": (
        _members(),
        _record([
            ("demo_pkg/__init__.py", b"x = 1\n"),
            ("../../../etc/evil", b"y\n"),
            ("demo_pkg-1.0.dist-info/METADATA", None),
            ("demo_pkg-1.0.dist-info/WHEEL", None),
        ]),
        "escapes the install directory",
    ),
    "record-absolute-path": (
        _members(),
        _record([
            ("/etc/evil", b"y\n"),
            ("demo_pkg/__init__.py", b"x = 1\n"),
            ("demo_pkg-1.0.dist-info/METADATA", None),
            ("demo_pkg-1.0.dist-info/WHEEL", None),
        ]),
        "escapes the install directory",
    ),
    "unknown-data-key": (_members(**{"demo_pkg-1.0.data/bogus/x.txt": "x"}), "auto", "unexpected file"),
    "entry-point-without-callable": (
        _members(**{"demo_pkg-1.0.dist-info/entry_points.txt": "[console_scripts]\ndemo = demo_pkg\n"}),
        "auto",
        "callable suffix",
    ),
    "entry-point-bad-name": (
        _members(**{"demo_pkg-1.0.dist-info/entry_points.txt": "[console_scripts]\n../evil = demo_pkg:main\n"}),
        "auto",
        "invalid script name",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_WHEELS))
def test_invalid_wheel_raises_before_writing(tmp_path: Path, case: str) -> None:
    members, record, message = BAD_WHEELS[case]
    wheel = write_wheel(
        tmp_path / "dist" / "demo_pkg-1.0-py3-none-any.whl",
        members,
        record=record,  # type: ignore[arg-type]
    )
    scheme = fake_scheme(tmp_path / "env")
    before = tree(tmp_path / "env")
    with pytest.raises(InvalidWheel) as caught:
        install(unpack(wheel, tmp_path / "cache"), scheme, filename=wheel.name)
    assert message in str(caught.value)
    assert isinstance(caught.value, InstallError)
    assert tree(tmp_path / "env") == before


def test_hash_mismatch_with_same_size_needs_verify_hash(tmp_path: Path) -> None:
    record = _record([
        ("demo_pkg/__init__.py", b"x = 2\n"),
        ("demo_pkg-1.0.dist-info/METADATA", None),
        ("demo_pkg-1.0.dist-info/WHEEL", None),
    ])
    wheel = write_wheel(tmp_path / "dist" / "demo_pkg-1.0-py3-none-any.whl", _members(), record=record)
    unpacked = unpack(wheel, tmp_path / "cache")
    scheme = fake_scheme(tmp_path / "env")
    before = tree(tmp_path / "env")
    with pytest.raises(RecordMismatch, match="hash mismatch"):
        install(unpacked, scheme, verify="hash")
    assert tree(tmp_path / "env") == before
    install(unpacked, scheme)  # the default checks sizes only


def test_verify_presence_skips_the_size_check(tmp_path: Path) -> None:
    members, record, _ = BAD_WHEELS["record-size-mismatch"]
    wheel = write_wheel(tmp_path / "dist" / "demo_pkg-1.0-py3-none-any.whl", members, record=record)  # type: ignore[arg-type]
    unpacked = unpack(wheel, tmp_path / "cache")
    scheme = fake_scheme(tmp_path / "env")
    with pytest.raises(RecordMismatch):
        install(unpacked, scheme, verify="size")
    install(unpacked, scheme, verify="presence")
    assert (Path(scheme["purelib"]) / "demo_pkg" / "__init__.py").exists()
    with pytest.raises(InstallError, match="unknown verification level"):
        install(unpacked, scheme, verify="paranoid")


def test_path_escape_error_type(tmp_path: Path) -> None:
    members, record, _ = BAD_WHEELS["record-path-escape"]
    wheel = write_wheel(tmp_path / "dist" / "demo_pkg-1.0-py3-none-any.whl", members, record=record)  # type: ignore[arg-type]
    with pytest.raises(WheelPathEscape):
        install(unpack(wheel, tmp_path / "cache"), fake_scheme(tmp_path / "env"))


def test_unknown_link_mode(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path / "dist", "demo-pkg", "1.0")
    with pytest.raises(InstallError, match="unknown link mode"):
        install(unpack(wheel, tmp_path / "cache"), fake_scheme(tmp_path / "env"), link_mode="teleport")


# --------------------------------------------------------------------------- link modes


@pytest.mark.parametrize("mode", ["hardlink", "copy", "symlink", "clone"])
def test_link_modes_produce_working_installs(tmp_path: Path, mode: str) -> None:
    scheme = fake_scheme(tmp_path / "env")
    unpacked = unpack(rich_wheel(tmp_path / "dist"), tmp_path / "cache")
    warnings: list[str] = []
    result = install(unpacked, scheme, python=sys.executable, link_mode=mode, on_fallback_warning=warnings.append)
    site = Path(scheme["purelib"])
    installed = site / "demo_pkg" / "cli.py"
    cached = unpacked / "demo_pkg" / "cli.py"
    assert installed.read_bytes() == cached.read_bytes()
    if mode == "hardlink":
        assert os.stat(installed).st_ino == os.stat(cached).st_ino
    elif mode == "copy":
        assert os.stat(installed).st_ino != os.stat(cached).st_ino
    elif mode == "symlink":
        assert installed.is_symlink() and os.readlink(installed) == str(cached)
    else:  # clone: a separate inode where reflinks work, else a hard link (warned once)
        assert result.link_mode in ("clone", "hardlink")
        assert len(warnings) == (result.link_mode != "clone")
    # the dist-info is a real directory in every mode, and the package imports
    assert (site / "demo_pkg-1.0.dist-info").is_dir()
    proc = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(site)!r}); import demo_pkg, demo_pure; print(demo_pkg.__version__)"],
        capture_output=True, text=True,
    )
    assert proc.stdout == "1.0\n", proc.stderr
    proc = subprocess.run([str(tmp_path / "env" / "bin" / "plain.sh")], capture_output=True, text=True)
    assert proc.stdout == "plain\n"


def test_cross_device_hardlink_falls_back_to_copy_with_one_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_link(src: str, dst: str) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setitem(fs._OPS, "hardlink", no_link)
    scheme = fake_scheme(tmp_path / "env")
    warnings: list[str] = []
    result = install(unpack(rich_wheel(tmp_path / "dist"), tmp_path / "cache"), scheme, on_fallback_warning=warnings.append)
    assert result.link_mode == "copy"
    assert len(warnings) == 1 and "different filesystems" in warnings[0]
    assert (Path(scheme["purelib"]) / "demo_pkg" / "cli.py").exists()


def test_one_linker_shared_by_several_wheels_warns_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_link(src: str, dst: str) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setitem(fs._OPS, "hardlink", no_link)
    scheme = fake_scheme(tmp_path / "env")
    warnings: list[str] = []
    linker = fs.Linker("hardlink", warnings.append)
    for name in ("one", "two", "three"):
        wheel = build_wheel(tmp_path / "dist", name, "1.0")
        result = install_wheel(
            unpack(wheel, tmp_path / "cache" / name), dist_name=name, version="1.0",
            interpreter_paths=scheme, python_executable="/p", linker=linker,
        )
        assert result.link_mode == "copy"
    assert len(warnings) == 1
    assert len(list_installed([scheme["purelib"]])) == 3


def test_reinstall_over_existing_files_keeps_the_cache_intact(tmp_path: Path) -> None:
    scheme = fake_scheme(tmp_path / "env")
    unpacked = unpack(rich_wheel(tmp_path / "dist"), tmp_path / "cache")
    digest_before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in unpacked.rglob("*") if p.is_file()}
    install(unpacked, scheme)
    # a second install on top (no uninstall in between), in copy mode: nothing writes through links
    install(unpacked, scheme, link_mode="copy", python="/other/python")
    digest_after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in unpacked.rglob("*") if p.is_file()}
    assert digest_after == digest_before
    site = Path(scheme["purelib"])
    assert os.stat(site / "demo_pkg" / "cli.py").st_ino != os.stat(unpacked / "demo_pkg" / "cli.py").st_ino
    assert (tmp_path / "env" / "bin" / "demo").read_bytes().startswith(b"#!/other/python\n")
    leftovers = [p for p in (tmp_path / "env").rglob("*") if "puv" in p.name and p.name != "INSTALLER"]
    assert leftovers == []
    assert len(list_installed([site])) == 1


# --------------------------------------------------------------------------- atomicity


def _fail_after(n: int, error: BaseException) -> object:
    calls = {"count": 0}
    real = os.link

    def op(src: str, dst: str) -> None:
        calls["count"] += 1
        if calls["count"] > n:
            raise error
        real(src, dst)

    return op


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt(), OSError(errno.ENOSPC, "No space left on device")])
def test_interrupted_linking_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    scheme = fake_scheme(tmp_path / "env")
    site = Path(scheme["purelib"])
    # a file from an earlier install sits where the wheel puts one: it must come back
    (site / "demo_pkg").mkdir()
    (site / "demo_pkg" / "cli.py").write_text("old\n")
    before = tree(tmp_path / "env")
    unpacked = unpack(rich_wheel(tmp_path / "dist"), tmp_path / "cache")
    monkeypatch.setitem(fs._OPS, "hardlink", _fail_after(5, error))
    with pytest.raises((type(error), InstallError)):
        install(unpacked, scheme)
    assert tree(tmp_path / "env") == before


@pytest.mark.parametrize("stage", ["launchers", "record", "rename"])
def test_interruption_late_in_the_install_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    scheme = fake_scheme(tmp_path / "env")
    (tmp_path / "env" / "bin" / "demo").write_text("old launcher\n")
    before = tree(tmp_path / "env")
    unpacked = unpack(rich_wheel(tmp_path / "dist"), tmp_path / "cache")

    def boom(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    if stage == "launchers":
        calls = {"n": 0}
        real_write = fs.write_new_file

        def write(path: str, data: bytes, *, executable: bool = False) -> None:
            calls["n"] += 1
            if calls["n"] == 3:
                raise KeyboardInterrupt
            real_write(path, data, executable=executable)

        monkeypatch.setattr(fs, "write_new_file", write)
    elif stage == "record":
        monkeypatch.setattr(wheel_install, "_render_record", boom)
    else:
        monkeypatch.setattr(os, "rename", boom)
    with pytest.raises(KeyboardInterrupt):
        install(unpacked, scheme)
    assert tree(tmp_path / "env") == before
    assert list_installed([scheme["purelib"]]) == ()


def test_leftovers_of_a_killed_install_are_overwritten(tmp_path: Path) -> None:
    """A process killed mid-way leaves files but no .dist-info: the next install just works."""
    scheme = fake_scheme(tmp_path / "env")
    site = Path(scheme["purelib"])
    (site / "demo_pkg").mkdir()
    (site / "demo_pkg" / "cli.py").write_text("half\n")
    (tmp_path / "env" / "bin" / "demo").write_text("half\n")
    assert list_installed([site]) == ()
    unpacked = unpack(rich_wheel(tmp_path / "dist"), tmp_path / "cache")
    install(unpacked, scheme)
    assert (site / "demo_pkg" / "cli.py").read_bytes() == (unpacked / "demo_pkg" / "cli.py").read_bytes()
    assert b"sys.exit(main())" in (tmp_path / "env" / "bin" / "demo").read_bytes()
    assert [p.name for p in site.iterdir() if "puv-old" in p.name] == []


# --------------------------------------------------------------------------- speed


def test_two_thousand_files_install_quickly(tmp_path: Path) -> None:
    import time

    files = {f"big_pkg/mod{i // 100}/file{i}.py": f"X = {i}\n" for i in range(2000)}
    wheel = build_wheel(tmp_path / "dist", "big-pkg", "1.0", files=files)
    unpacked = unpack(wheel, tmp_path / "cache")
    scheme = fake_scheme(tmp_path / "env")
    start = time.perf_counter()
    result = install_wheel(
        unpacked, dist_name="big-pkg", version="1.0", interpreter_paths=scheme, python_executable="/p"
    )
    elapsed = time.perf_counter() - start
    assert result.linked == 2002
    assert elapsed < 2.0  # typically ~50 ms; generous for a loaded CI machine


@needs_py312
def test_compile_bytecode_with_the_target_interpreter(tmp_path: Path) -> None:
    scheme = fake_scheme(tmp_path / "env")
    install(unpack(rich_wheel(tmp_path / "dist"), tmp_path / "cache"), scheme)
    site = Path(scheme["purelib"])
    assert wheel_install.compile_bytecode([site / "demo_pkg", site / "demo_pure.py"], str(PY312))
    assert (site / "demo_pkg" / "__pycache__" / "cli.cpython-312.pyc").exists()
    assert (site / "__pycache__" / "demo_pure.cpython-312.pyc").exists()
    (site / "broken.py").write_text("def (:\n")
    assert not wheel_install.compile_bytecode([site / "broken.py"], str(PY312))
    assert wheel_install.compile_bytecode([], str(PY312))


def test_make_dirs_tolerates_a_parallel_install_creating_the_same_parents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two wheels installed at once may both create `share/x/...`: neither may fail."""
    import os as _os

    from puv.domain.installer import wheel_install

    target = tmp_path / "share" / "deep" / "dir"
    real_mkdir = _os.mkdir
    raced = []

    def racing_mkdir(path: str, *args: object) -> None:
        # The first attempt on a parent finds it missing; meanwhile "another wheel" makes it.
        if path == str(tmp_path / "share") and not raced:
            raced.append(path)
            real_mkdir(path)
            raise FileExistsError(path)
        real_mkdir(path)

    monkeypatch.setattr(wheel_install.os, "mkdir", racing_mkdir)
    created = wheel_install._make_dirs([str(target)])
    assert target.is_dir()
    assert str(tmp_path / "share") not in created
    assert str(target) in created
