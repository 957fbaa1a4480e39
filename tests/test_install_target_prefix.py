"""`--target DIR` and `--prefix DIR`: install, sync, uninstall, freeze/list/show against a
directory instead of the interpreter's environment (real processes, the local fixture
index, CPython 3.12 from pyenv)."""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.cli import Result, new_venv, run, run_puv
from tests.support.index_server import IndexServer

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"
WheelFactory = Callable[..., Path]

pytestmark = pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}")


@pytest.fixture
def universe(index_server: IndexServer, wheel_factory: WheelFactory) -> IndexServer:
    """app 1.0 -> lib, util (console script `app`, a `#!python` data script `app-tool`,
    a header and a data file); lib 1.0 -> util; util 1.0 / 1.1."""
    index_server.publish_all(
        [
            wheel_factory(
                "app", "1.0", requires_dist=["lib", "util"],
                files={"app/__init__.py": "import lib, util\ndef main():\n    print('hello from app', util.__version__)\n"},
                entry_points={"console_scripts": {"app": "app:main"}},
                data_files={
                    "scripts/app-tool": "#!python\nimport app\napp.main()\n",
                    "headers/app.h": "#define APP 1\n",
                    "data/share/app/readme.txt": "read me\n",
                },
            ),
            wheel_factory("lib", "1.0", requires_dist=["util"]),
            wheel_factory("util", "1.0"),
            wheel_factory("util", "1.1"),
        ]
    )
    return index_server


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    return new_venv(tmp_path / "venv", PYTHON)


def venv_site(venv: Path) -> Path:
    return venv / "lib" / "python3.12" / "site-packages"


def venv_shebangs(venv: Path) -> set[str]:
    """The venv's interpreter, as discovery names it (``python`` or ``python3``)."""
    return {f"#!{venv / 'bin' / name}" for name in ("python", "python3", "python3.12")}


def dist_infos(directory: Path) -> set[str]:
    if not directory.is_dir():
        return set()
    return {p.name[: -len(".dist-info")] for p in directory.iterdir() if p.name.endswith(".dist-info")}


def puv(venv: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return run_puv(*args, cwd=venv.parent, env={"VIRTUAL_ENV": str(venv), **(env or {})})


def install(venv: Path, server: IndexServer, *args: str) -> Result:
    return puv(venv, "pip", "install", *args, "--index-url", server.url)


def with_path(directory: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(directory)}


def record_rows(dist_info: Path) -> set[str]:
    return {line.split(",", 1)[0] for line in (dist_info / "RECORD").read_text().splitlines() if line}


# --------------------------------------------------------------------------- --target


def test_target_install_is_importable_and_runs(venv: Path, universe: IndexServer, tmp_path: Path) -> None:
    target = tmp_path / "out" / "target"  # missing: created
    result = install(venv, universe, "app", "--target", str(target))
    assert result.code == 0, result
    assert " + app==1.0\n + lib==1.0\n + util==1.1\n" in result.stderr, result
    assert dist_infos(target) == {"app-1.0", "lib-1.0", "util-1.1"}
    assert dist_infos(venv_site(venv)) == set()  # the venv only lends its interpreter
    assert not (venv / "bin" / "app").exists()

    imported = run([PYTHON, "-c", "import app, lib, util; print(app.__file__, util.__version__)"], env=with_path(target))
    assert imported.returncode == 0, imported
    assert imported.stdout == f"{target / 'app' / '__init__.py'} 1.1\n"

    launcher = target / "bin" / "app"
    assert launcher.read_text().splitlines()[0] in venv_shebangs(venv)
    script = run([launcher], env=with_path(target))
    assert script.stdout == "hello from app 1.1\n", script
    tool = target / "bin" / "app-tool"
    assert tool.read_text().splitlines()[0] in venv_shebangs(venv)
    assert run([tool], env=with_path(target)).stdout == "hello from app 1.1\n"

    assert (target / "include" / "app" / "app.h").read_text() == "#define APP 1\n"
    assert (target / "share" / "app" / "readme.txt").read_text() == "read me\n"
    rows = record_rows(target / "app-1.0.dist-info")
    assert {"app/__init__.py", "bin/app", "bin/app-tool", "include/app/app.h", "share/app/readme.txt"} <= rows
    for row in rows:
        assert (target / row).exists(), row  # every RECORD path is right relative to the target


def test_second_target_install_is_a_no_op(venv: Path, universe: IndexServer, tmp_path: Path) -> None:
    target = tmp_path / "target"
    assert install(venv, universe, "app", "--target", str(target)).code == 0
    universe.clear_log()
    again = install(venv, universe, "app", "--target", str(target))
    assert again.code == 0, again
    assert re.fullmatch(r"Checked 3 packages in \d+\.?\d*m?s\n", again.stderr), again
    assert universe.count() == 0
    # What the venv has does not count for the target, and the other way round.
    into_venv = install(venv, universe, "util")
    assert into_venv.code == 0 and " + util==1.1" in into_venv.stderr, into_venv


def test_target_upgrade_replaces_within_the_target(venv: Path, universe: IndexServer, tmp_path: Path) -> None:
    target = tmp_path / "target"
    assert install(venv, universe, "util==1.0", "--target", str(target)).code == 0
    result = install(venv, universe, "util==1.1", "--target", str(target))
    assert result.code == 0, result
    assert " - util==1.0\n + util==1.1\n" in result.stderr, result
    assert dist_infos(target) == {"util-1.1"}


def test_target_with_a_system_interpreter_needs_no_system_flag(universe: IndexServer, tmp_path: Path) -> None:
    """No virtual environment anywhere: a plain install refuses, `--target` uses the
    interpreter found on PATH, and that interpreter's site-packages is untouched."""
    work = tmp_path / "work"
    work.mkdir()
    env = {"PATH": f"{Path(PYTHON).parent}{os.pathsep}/usr/bin{os.pathsep}/bin"}
    system_site = Path(PYTHON).parent.parent / "lib" / "python3.12" / "site-packages"
    before = sorted(p.name for p in system_site.iterdir())

    refused = run_puv("pip", "install", "util", "--index-url", universe.url, cwd=work, env=env)
    assert refused.code != 0 and "--system" in refused.stderr, refused

    target = work / "t"
    result = run_puv("pip", "install", "app", "--target", "t", "--index-url", universe.url, cwd=work, env=env)
    assert result.code == 0, result
    assert dist_infos(target) == {"app-1.0", "lib-1.0", "util-1.1"}
    shebang = (target / "bin" / "app").read_text().splitlines()[0]
    assert shebang.startswith(f"#!{Path(PYTHON).parent}/python"), shebang
    assert run([target / "bin" / "app"], env=with_path(target)).stdout == "hello from app 1.1\n"
    assert sorted(p.name for p in system_site.iterdir()) == before

    frozen = run_puv("pip", "freeze", "--target", "t", cwd=work, env=env)
    assert frozen.code == 0 and frozen.stdout == "app==1.0\nlib==1.0\nutil==1.1\n", frozen


def test_uninstall_from_target(venv: Path, universe: IndexServer, tmp_path: Path) -> None:
    target = tmp_path / "target"
    assert install(venv, universe, "app", "--target", str(target)).code == 0
    assert install(venv, universe, "util").code == 0  # the same name in the venv stays
    result = puv(venv, "pip", "uninstall", "app", "util", "--target", str(target))
    assert result.code == 0, result
    assert result.stderr.endswith(" - app==1.0\n - util==1.1\n"), result
    assert dist_infos(target) == {"lib-1.0"}
    for gone in ("app", "bin/app", "bin/app-tool", "include/app", "share/app"):
        assert not (target / gone).exists(), gone
    assert (target / "lib" / "__init__.py").exists()
    assert dist_infos(venv_site(venv)) == {"util-1.1"}

    frozen = puv(venv, "pip", "freeze", "-t", str(target))
    assert frozen.code == 0 and frozen.stdout == "lib==1.0\n", frozen
    listed = puv(venv, "pip", "list", "--target", str(target), "--format", "freeze")
    assert listed.code == 0 and listed.stdout == "lib==1.0\n", listed
    shown = puv(venv, "pip", "show", "lib", "--target", str(target))
    assert shown.code == 0 and f"Location: {target}\n" in shown.stdout, shown
    assert puv(venv, "pip", "freeze").stdout == "util==1.1\n"


def test_uninstall_from_a_missing_target_creates_nothing(venv: Path, tmp_path: Path) -> None:
    target = tmp_path / "nowhere"
    result = puv(venv, "pip", "uninstall", "app", "--target", str(target))
    assert result.code == 0, result
    assert "Skipping app as it is not installed" in result.stderr
    assert "No packages to uninstall" in result.stderr
    assert not target.exists()


def test_sync_target_holds_exactly_the_file(venv: Path, universe: IndexServer, tmp_path: Path) -> None:
    target = tmp_path / "target"
    assert install(venv, universe, "app", "--target", str(target)).code == 0
    pins = tmp_path / "pins.txt"
    pins.write_text("util==1.0\n")
    result = puv(venv, "pip", "sync", str(pins), "--target", str(target), "--index-url", universe.url)
    assert result.code == 0, result
    assert dist_infos(target) == {"util-1.0"}
    assert not (target / "bin" / "app").exists() and not (target / "app").exists()
    again = puv(venv, "pip", "sync", str(pins), "--target", str(target), "--index-url", universe.url)
    assert again.code == 0 and again.stderr.startswith("Checked 1 package"), again


def test_target_dry_run_creates_nothing(venv: Path, universe: IndexServer, tmp_path: Path) -> None:
    target = tmp_path / "target"
    result = install(venv, universe, "app", "--target", str(target), "--dry-run")
    assert result.code == 0, result
    assert "Would install 3 packages" in result.stderr
    assert not target.exists()


def test_target_lock_is_in_the_directory(venv: Path, universe: IndexServer, tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    fd = os.open(target / ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "puv", "pip", "install", "util", "--target", str(target), "--index-url", universe.url],
            cwd=tmp_path, env={**os.environ, "VIRTUAL_ENV": str(venv)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        time.sleep(1.0)
        assert proc.poll() is None
        assert dist_infos(target) == set()
        # The venv's own lock is not the one taken: an install there goes ahead.
        assert install(venv, universe, "lib").code == 0
    finally:
        os.close(fd)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert stderr.startswith(f"Waiting for another puv process to finish with {target}\n"), stderr
    assert dist_infos(target) == {"util-1.1"}


# --------------------------------------------------------------------------- --prefix


def test_prefix_install_uses_the_rebased_scheme(venv: Path, universe: IndexServer, tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    result = install(venv, universe, "app", "--prefix", str(prefix))
    assert result.code == 0, result
    site = prefix / "lib" / "python3.12" / "site-packages"
    assert dist_infos(site) == {"app-1.0", "lib-1.0", "util-1.1"}
    assert dist_infos(venv_site(venv)) == set()

    imported = run([PYTHON, "-c", "import app, util; print(app.__file__, util.__version__)"], env=with_path(site))
    assert imported.stdout == f"{site / 'app' / '__init__.py'} 1.1\n", imported
    launcher = prefix / "bin" / "app"
    assert launcher.read_text().splitlines()[0] in venv_shebangs(venv)
    assert run([launcher], env=with_path(site)).stdout == "hello from app 1.1\n"
    assert (prefix / "include" / "site" / "python3.12" / "app" / "app.h").exists()
    assert (prefix / "share" / "app" / "readme.txt").exists()
    rows = record_rows(site / "app-1.0.dist-info")
    assert {"../../../bin/app", "../../../bin/app-tool", "../../../share/app/readme.txt"} <= rows
    for row in rows:
        assert (site / row).exists(), row

    universe.clear_log()
    again = install(venv, universe, "app", "--prefix", str(prefix))
    assert again.code == 0 and again.stderr.startswith("Checked 3 packages"), again
    assert universe.count() == 0

    listed = puv(venv, "pip", "list", "--prefix", str(prefix), "--format", "freeze")
    assert listed.stdout == "app==1.0\nlib==1.0\nutil==1.1\n", listed
    removed = puv(venv, "pip", "uninstall", "app", "--prefix", str(prefix))
    assert removed.code == 0, removed
    assert dist_infos(site) == {"lib-1.0", "util-1.1"}
    assert not launcher.exists() and not (prefix / "share" / "app").exists()


# --------------------------------------------------------------------------- errors


def test_target_and_prefix_together_are_a_usage_error(venv: Path, universe: IndexServer, tmp_path: Path) -> None:
    for command in (
        ("pip", "install", "util", "--index-url", universe.url),
        ("pip", "sync", "reqs.txt"),
        ("pip", "uninstall", "util"),
        ("pip", "freeze"),
        ("pip", "list"),
        ("pip", "show", "util"),
    ):
        result = puv(venv, *command, "--target", "a", "--prefix", "b")
        assert result.code == 2, (command, result)
        assert "--prefix" in result.stderr and "--target" in result.stderr, result
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_target_that_is_a_file_is_refused(venv: Path, universe: IndexServer, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory\n")
    result = install(venv, universe, "util", "--target", str(blocker))
    assert result.code == 2, result
    assert f"`{blocker}` exists and is not a directory" in result.stderr, result
    assert blocker.read_text() == "not a directory\n"


def test_tree_and_check_have_no_target_option(venv: Path) -> None:
    for command in ("tree", "check"):
        result = puv(venv, "pip", command, "--target", "x")
        assert result.code == 2 and "unrecognized arguments: --target" in result.stderr, result


def test_externally_managed_interpreter_may_fill_a_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from puv.cli.environment import ExternallyManaged, find_destination
    from puv.cli.printer import Printer
    from puv.context import Context
    from puv.domain.python import discovery
    from puv.domain.python.interpreter import Interpreter, query_interpreter
    from puv.settings import Settings

    stdlib = tmp_path / "stdlib"
    stdlib.mkdir()
    (stdlib / "EXTERNALLY-MANAGED").write_text("[externally-managed]\nError=Use the distro's packages.\n")
    data = query_interpreter(PYTHON, None).to_json()
    data.update(stdlib=str(stdlib), is_venv=False)
    fake = Interpreter.from_json(data)
    seen: list[bool] = []

    def find(*args: object, system: bool = False, **kwargs: object) -> Interpreter:
        seen.append(system)
        return fake

    monkeypatch.setattr(discovery, "find_environment_python", find)
    ctx = Context(Settings(), Printer(), {}, tmp_path)
    with pytest.raises(ExternallyManaged):
        find_destination(ctx, for_writing=True)
    assert seen == [False]
    target = find_destination(ctx, target="t", for_writing=True, create=True)
    assert seen == [False, True]  # a system interpreter is fine for a target
    assert target.kind == "target" and target.root == str(tmp_path / "t") and (tmp_path / "t").is_dir()
    assert target.interpreter.paths.purelib == str(tmp_path / "t")
    assert target.interpreter.paths.scripts == str(tmp_path / "t" / "bin")
    assert target.lock_location == (str(tmp_path / "t"), True)
    prefix = find_destination(ctx, prefix="p", for_writing=True)
    assert prefix.interpreter.paths.purelib == str(tmp_path / "p" / "lib" / "python3.12" / "site-packages")
    assert prefix.interpreter.markers == fake.markers and prefix.interpreter.tags == fake.tags
    assert not (tmp_path / "p").exists()  # created only when asked
