"""`puv pip install` end to end: a subprocess installing from the local fixture index
into a real virtual environment (CPython 3.12 from pyenv)."""

from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import builders
from tests.support.cli import Result, new_venv, run, run_puv
from tests.support.index_server import IndexServer

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"
WheelFactory = Callable[..., Path]

pytestmark = pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}")

TIME = r"\d+(\.\d\d)?(ms|s)"


@pytest.fixture
def universe(index_server: IndexServer, wheel_factory: WheelFactory) -> IndexServer:
    """app 1.0 -> lib>=1, util (console script `app`); lib 1.0 / 2.0 -> util; util 1.0 / 1.1;
    solo 1.0 (extra `fast` -> util)."""
    index_server.publish_all(
        [
            wheel_factory(
                "app", "1.0", requires_dist=["lib>=1", "util"],
                files={"app/__init__.py": "def main():\n    print('hello from app')\n"},
                entry_points={"console_scripts": {"app": "app:main"}},
            ),
            wheel_factory("lib", "1.0", requires_dist=["util"]),
            wheel_factory("lib", "2.0", requires_dist=["util"]),
            wheel_factory("util", "1.0"),
            wheel_factory("util", "1.1"),
            wheel_factory("solo", "1.0", extras={"fast": ["util"]}),
        ]
    )
    return index_server


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    return new_venv(tmp_path / "venv", PYTHON)


def site(venv: Path) -> Path:
    return venv / "lib" / "python3.12" / "site-packages"


def dists(venv: Path) -> set[str]:
    return {p.name[: -len(".dist-info")] for p in site(venv).iterdir() if p.name.endswith(".dist-info")}


def install(venv: Path, server: IndexServer, *args: str, **kwargs: object) -> Result:
    env = {"VIRTUAL_ENV": str(venv), **kwargs.pop("env", {})}  # type: ignore[dict-item]
    return run_puv("pip", "install", *args, "--index-url", server.url, cwd=venv.parent, env=env, **kwargs)  # type: ignore[arg-type]


def masked(stderr: str) -> str:
    return re.sub(r" in " + TIME + "$", " in [TIME]", stderr, flags=re.M)


def test_install_a_small_universe(venv: Path, universe: IndexServer) -> None:
    result = install(venv, universe, "app")
    assert result.code == 0, result
    assert masked(result.stderr) == (
        "Resolved 3 packages in [TIME]\n"
        "Prepared 3 packages in [TIME]\n"
        "Installed 3 packages in [TIME]\n"
        " + app==1.0\n"
        " + lib==2.0\n"
        " + util==1.1\n"
    )
    assert result.stdout == ""
    assert dists(venv) == {"app-1.0", "lib-2.0", "util-1.1"}
    python = venv / "bin" / "python"
    imported = run([python, "-c", "import app, lib, util; print(lib.__version__, util.__version__)"])
    assert imported.stdout == "2.0 1.1\n", imported
    script = run([venv / "bin" / "app"])
    assert script.stdout == "hello from app\n", script
    info = site(venv) / "app-1.0.dist-info"
    assert (info / "INSTALLER").read_text() == "puv\n"
    assert (info / "REQUESTED").exists()
    assert not (site(venv) / "lib-2.0.dist-info" / "REQUESTED").exists()
    assert not (info / "direct_url.json").exists()


def test_second_install_is_checked_without_the_network(venv: Path, universe: IndexServer) -> None:
    assert install(venv, universe, "app").code == 0
    universe.clear_log()
    again = install(venv, universe, "app", "lib>=2", "solo", "--dry-run")
    assert "Would install 1 package" in again.stderr, again  # solo is missing: not the fast path
    universe.clear_log()
    result = install(venv, universe, "app", "lib>=2")
    assert result.code == 0, result
    assert re.fullmatch(r"Checked 3 packages in \d+\.?\d*m?s\n", result.stderr), result
    assert universe.count() == 0


def test_fast_path_does_not_import_the_network_stack(venv: Path, universe: IndexServer, tmp_path: Path) -> None:
    assert install(venv, universe, "app").code == 0
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "puv", "pip", "install", "app", "--index-url", universe.url],
        capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "VIRTUAL_ENV": str(venv)}, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Checked 3 packages" in proc.stderr
    modules = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    for heavy in ("ssl", "urllib3", "http.client", "zipfile", "puv.io.http", "puv.domain.resolver.resolve"):
        assert heavy not in modules, f"the no-op install imports {heavy}"


def test_fast_path_sees_a_missing_dependency(venv: Path, universe: IndexServer) -> None:
    assert install(venv, universe, "app").code == 0
    (site(venv) / "util-1.1.dist-info").rename(site(venv) / "util-1.1.dist-info.gone")
    result = install(venv, universe, "app")
    assert result.code == 0, result
    assert "Resolved" in result.stderr and " + util==1.1" in result.stderr, result


def test_upgrade_package_and_upgrade(venv: Path, universe: IndexServer, wheel_factory: WheelFactory) -> None:
    assert install(venv, universe, "app").code == 0
    universe.publish(wheel_factory("util", "1.2"))
    universe.publish(wheel_factory("lib", "3.0", requires_dist=["util"]))
    kept = install(venv, universe, "app", "--refresh")
    assert kept.code == 0 and "Checked 3 packages" in kept.stderr, kept

    one = install(venv, universe, "app", "-P", "util")
    assert one.code == 0, one
    assert masked(one.stderr).endswith(
        "Uninstalled 1 package in [TIME]\nInstalled 1 package in [TIME]\n - util==1.1\n + util==1.2\n"
    ), one
    assert dists(venv) == {"app-1.0", "lib-2.0", "util-1.2"}

    everything = install(venv, universe, "app", "--upgrade")
    assert everything.code == 0, everything
    assert " - lib==2.0\n + lib==3.0\n" in everything.stderr
    assert dists(venv) == {"app-1.0", "lib-3.0", "util-1.2"}
    assert run([venv / "bin" / "python", "-c", "import lib; print(lib.__version__)"]).stdout == "3.0\n"


def test_installed_versions_are_preferred(venv: Path, universe: IndexServer) -> None:
    assert install(venv, universe, "lib==1.0").code == 0
    result = install(venv, universe, "app")
    assert result.code == 0, result
    assert dists(venv) == {"app-1.0", "lib-1.0", "util-1.1"}  # lib stays at 1.0
    assert masked(result.stderr).endswith("Installed 1 package in [TIME]\n + app==1.0\n"), result


def test_downgrade_replaces_files(venv: Path, universe: IndexServer, wheel_factory: WheelFactory) -> None:
    universe.publish(wheel_factory("tool", "1.0", files={"tool/__init__.py": "", "tool/old.py": ""}))
    universe.publish(wheel_factory("tool", "2.0", files={"tool/__init__.py": "", "tool/new.py": ""}))
    assert install(venv, universe, "tool").code == 0
    assert (site(venv) / "tool" / "new.py").exists()
    result = install(venv, universe, "tool==1.0")
    assert result.code == 0, result
    assert " - tool==2.0\n + tool==1.0\n" in result.stderr
    assert sorted(p.name for p in (site(venv) / "tool").iterdir()) == ["__init__.py", "old.py"]
    assert dists(venv) == {"tool-1.0"}


def test_reinstall_shows_tilde(venv: Path, universe: IndexServer) -> None:
    assert install(venv, universe, "app").code == 0
    module = site(venv) / "util" / "__init__.py"
    module.unlink()  # (not written in place: it is a hard link into the cache)
    module.write_text("broken = True\n")
    one = install(venv, universe, "app", "--reinstall-package", "util")
    assert one.code == 0, one
    assert masked(one.stderr).endswith(
        "Uninstalled 1 package in [TIME]\nInstalled 1 package in [TIME]\n ~ util==1.1\n"
    ), one
    assert "__version__" in (site(venv) / "util" / "__init__.py").read_text()
    everything = install(venv, universe, "app", "--reinstall")
    assert everything.code == 0, everything
    assert everything.stderr.endswith(" ~ app==1.0\n ~ lib==2.0\n ~ util==1.1\n"), everything
    assert run([venv / "bin" / "app"]).stdout == "hello from app\n"


def test_dry_run_changes_nothing(venv: Path, universe: IndexServer) -> None:
    before = sorted(p.name for p in site(venv).iterdir())
    result = install(venv, universe, "app", "--dry-run")
    assert result.code == 0, result
    assert masked(result.stderr) == (
        "Resolved 3 packages in [TIME]\n"
        "Would download 3 packages\n"
        "Would install 3 packages\n"
        " + app==1.0\n"
        " + lib==2.0\n"
        " + util==1.1\n"
    )
    assert sorted(p.name for p in site(venv).iterdir()) == before
    assert not (venv / ".lock").exists()
    assert universe.count("*.whl") == 0  # metadata only: no wheel was downloaded


def test_exact_removes_what_is_not_required(venv: Path, universe: IndexServer) -> None:
    assert install(venv, universe, "app", "solo").code == 0
    result = install(venv, universe, "solo", "--exact")
    assert result.code == 0, result
    assert masked(result.stderr).endswith(
        "Uninstalled 3 packages in [TIME]\n - app==1.0\n - lib==2.0\n - util==1.1\n"
    ), result
    assert dists(venv) == {"solo-1.0"}
    assert not (venv / "bin" / "app").exists()


def test_extras_no_deps_and_markers(venv: Path, universe: IndexServer) -> None:
    result = install(venv, universe, "solo[fast]", "lib; python_version < '3'")
    assert result.code == 0, result
    assert dists(venv) == {"solo-1.0", "util-1.1"}
    checked = install(venv, universe, "solo[fast]")
    assert "Checked 2 packages" in checked.stderr, checked

    other = venv.parent / "other"
    assert run_puv("venv", str(other), "--python", PYTHON).code == 0
    bare = install(other, universe, "app", "--no-deps")
    assert bare.code == 0, bare
    assert dists(other) == {"app-1.0"}


def test_requirements_constraints_and_overrides(venv: Path, universe: IndexServer) -> None:
    (venv.parent / "req.txt").write_text("app\n")
    (venv.parent / "c.txt").write_text("util==1.0\n")
    (venv.parent / "o.txt").write_text("lib==1.0\n")
    result = install(venv, universe, "-r", "req.txt", "-c", "c.txt", "--override", "o.txt")
    assert result.code == 0, result
    assert dists(venv) == {"app-1.0", "lib-1.0", "util-1.0"}
    again = install(venv, universe, "-r", "req.txt", "-c", "c.txt", "--override", "o.txt")
    assert "Checked 3 packages" in again.stderr, again


def test_local_wheel_url_and_name_at_url(venv: Path, universe: IndexServer, dists_dir: Path) -> None:
    wheel = dists_dir / "solo-1.0-py3-none-any.whl"
    local = install(venv, universe, str(wheel))
    assert local.code == 0, local
    direct = json.loads((site(venv) / "solo-1.0.dist-info" / "direct_url.json").read_text())
    assert direct["url"] == wheel.resolve().as_uri()
    assert direct["archive_info"]["hash"].startswith("sha256=")
    assert (site(venv) / "solo-1.0.dist-info" / "REQUESTED").exists()
    again = install(venv, universe, str(wheel))
    assert "Checked 1 package" in again.stderr, again

    url = universe.file_url("lib-1.0-py3-none-any.whl")
    by_url = install(venv, universe, f"lib @ {url}")
    assert by_url.code == 0, by_url
    assert " + lib==1.0" in by_url.stderr and " + util==1.1" in by_url.stderr
    assert json.loads((site(venv) / "lib-1.0.dist-info" / "direct_url.json").read_text())["url"] == url
    universe.clear_log()
    assert "Checked 2 packages" in install(venv, universe, f"lib @ {url}").stderr
    assert universe.count() == 0

    # As uv, a version requirement is satisfied by the same version installed from a URL.
    assert "Checked 2 packages" in install(venv, universe, "lib==1.0").stderr


def test_require_hashes(venv: Path, universe: IndexServer, dists_dir: Path) -> None:
    import hashlib

    digest = hashlib.sha256((dists_dir / "util-1.1-py3-none-any.whl").read_bytes()).hexdigest()
    req = venv.parent / "req.txt"
    req.write_text("util==1.1\n")
    missing = install(venv, universe, "-r", "req.txt", "--require-hashes")
    assert missing.code == 1, missing
    assert "all requirements must have a hash, but none were provided for: `util==1.1`" in missing.stderr

    req.write_text("lib==2.0 --hash=sha256:" + "0" * 64 + "\n")
    unpinned_dep = install(venv, universe, "-r", "req.txt", "--require-hashes")
    assert unpinned_dep.code == 1, unpinned_dep
    assert "must be pinned upfront with `==`, but found: `util`" in unpinned_dep.stderr

    req.write_text(f"util==1.1 --hash=sha256:{'0' * 64}\n")
    wrong = install(venv, universe, "-r", "req.txt", "--require-hashes")
    assert wrong.code == 1, wrong
    assert "util-1.1-py3-none-any.whl" in wrong.stderr and "0" * 64 in wrong.stderr and digest in wrong.stderr, wrong
    assert dists(venv) == set()

    req.write_text(f"util==1.1 --hash=sha256:{digest}\n")
    good = install(venv, universe, "-r", "req.txt", "--require-hashes")
    assert good.code == 0, good
    assert dists(venv) == {"util-1.1"}


def test_hashes_are_checked_without_require_hashes(venv: Path, universe: IndexServer) -> None:
    (venv.parent / "req.txt").write_text(f"solo==1.0 --hash=sha256:{'1' * 64}\n")
    wrong = install(venv, universe, "-r", "req.txt")
    assert wrong.code == 1 and "hash mismatch" in wrong.stderr, wrong
    skipped = install(venv, universe, "-r", "req.txt", "--no-verify-hashes")
    assert skipped.code == 0, skipped
    assert dists(venv) == {"solo-1.0"}


def test_bad_wheel_fails_and_leaves_nothing_half_installed(venv: Path, universe: IndexServer, dists_dir: Path) -> None:
    bad_record = (
        "broken/__init__.py,sha256=AAAA,999\n"
        "broken-1.0.dist-info/METADATA,,\n"
        "broken-1.0.dist-info/WHEEL,,\n"
        "broken-1.0.dist-info/RECORD,,\n"
    )
    path = builders.write_wheel(
        dists_dir / "broken-1.0-py3-none-any.whl",
        {
            "broken/__init__.py": "x = 1\n",
            "broken-1.0.dist-info/METADATA": builders.core_metadata("broken", "1.0"),
            "broken-1.0.dist-info/WHEEL": builders.wheel_file("py3-none-any"),
        },
        record=bad_record,
    )
    universe.publish(path)
    result = install(venv, universe, "broken", "solo")
    assert result.code == 1, result
    assert "error: broken-1.0-py3-none-any.whl: `broken/__init__.py` has 6 bytes, but RECORD says 999" in result.stderr
    assert " + solo==1.0" in result.stderr  # the other package went in
    assert dists(venv) == {"solo-1.0"}
    assert not (site(venv) / "broken").exists()
    assert not [p for p in site(venv).iterdir() if ".puv" in p.name]


def test_unsatisfiable_and_unknown_names(venv: Path, universe: IndexServer) -> None:
    impossible = install(venv, universe, "app", "lib<1")
    assert impossible.code == 1, impossible
    assert impossible.stderr.startswith("error: No solution found when resolving dependencies:"), impossible
    typo = install(venv, universe, "ap")
    assert typo.code == 1, typo
    assert "hint: `ap` was not found in the package index" in typo.stderr, typo
    assert dists(venv) == set()


def test_link_modes_and_compile_bytecode(venv: Path, universe: IndexServer) -> None:
    copied = install(venv, universe, "solo", "--link-mode", "copy", "--compile-bytecode")
    assert copied.code == 0, copied
    module = site(venv) / "solo" / "__init__.py"
    assert module.stat().st_nlink == 1
    assert list((site(venv) / "solo" / "__pycache__").glob("__init__.cpython-312.pyc"))
    linked = install(venv, universe, "util", env={"PUV_LINK_MODE": "hardlink"})
    assert linked.code == 0, linked
    assert (site(venv) / "util" / "__init__.py").stat().st_nlink > 1
    assert "warning" not in linked.stderr


def test_quiet_silences(venv: Path, universe: IndexServer) -> None:
    result = install(venv, universe, "app", "-q")
    assert result.code == 0 and result.stderr == "" and result.stdout == "", result


def test_usage_errors(venv: Path, universe: IndexServer) -> None:
    nothing = install(venv, universe)
    assert nothing.code == 2 and "no packages to install" in nothing.stderr, nothing
    both = install(venv, universe, "solo", "--target", "x", "--prefix", "y")
    assert both.code == 2 and "not allowed with argument -t/--target" in both.stderr, both
    assert not (venv.parent / "x").exists() and not (venv.parent / "y").exists()


def test_second_process_waits_for_the_environment_lock(venv: Path, universe: IndexServer) -> None:
    fd = os.open(venv / ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "puv", "pip", "install", "solo", "--index-url", universe.url],
            cwd=venv.parent, env={**os.environ, "VIRTUAL_ENV": str(venv)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        time.sleep(1.0)
        assert proc.poll() is None
        assert dists(venv) == set()
    finally:
        os.close(fd)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert stderr.startswith(f"Waiting for another puv process to finish with {venv}\n"), stderr
    assert dists(venv) == {"solo-1.0"}


def test_externally_managed_python_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from puv.cli.environment import ExternallyManaged, externally_managed_message, target_interpreter
    from puv.cli.printer import Printer
    from puv.context import Context
    from puv.domain.python import discovery
    from puv.domain.python.interpreter import Interpreter, query_interpreter
    from puv.settings import Settings

    stdlib = tmp_path / "stdlib"
    stdlib.mkdir()
    data = query_interpreter(PYTHON, None).to_json()
    data.update(stdlib=str(stdlib), is_venv=False)
    fake = Interpreter.from_json(data)
    assert externally_managed_message(fake) is None
    (stdlib / "EXTERNALLY-MANAGED").write_text("[externally-managed]\nError=Use the distro's packages.\n")
    assert externally_managed_message(fake) == "Use the distro's packages."

    monkeypatch.setattr(discovery, "find_environment_python", lambda *a, **k: fake)
    ctx = Context(Settings(), Printer(), {}, tmp_path)
    with pytest.raises(ExternallyManaged) as refused:
        target_interpreter(ctx, system=True, for_writing=True)
    assert "externally managed" in refused.value.message and "--break-system-packages" in " ".join(refused.value.hints)
    assert target_interpreter(ctx, system=True, for_writing=True, break_system_packages=True) is fake
    assert target_interpreter(ctx, system=True, for_writing=False) is fake


def test_venv_seed_installs_a_working_pip(tmp_path: Path, index_server: IndexServer) -> None:
    bundled = sorted(Path(PYTHON).parent.parent.glob("lib/python3.12/ensurepip/_bundled/pip-*.whl"))
    if not bundled:
        pytest.skip("no bundled pip wheel")
    index_server.publish(bundled[-1])
    version = bundled[-1].name.split("-")[1]
    result = run_puv("venv", str(tmp_path / "seeded"), "--python", PYTHON, "--seed", "--index-url", index_server.url, cwd=tmp_path)
    assert result.code == 0, result
    assert "Creating virtual environment with seed packages at:" in result.stderr
    assert f" + pip=={version}\n" in result.stderr
    pip = run([tmp_path / "seeded" / "bin" / "python", "-m", "pip", "--version"])
    assert pip.returncode == 0 and pip.stdout.startswith(f"pip {version} from {tmp_path / 'seeded'}"), pip


# --------------------------------------------------------------------------- units


def _site_with(tmp_path: Path, *dists: tuple[str, str, list[str], list[str]]) -> Path:
    """A fake site-packages: (name, version, requires_dist, provides_extra) per distribution."""
    site_dir = tmp_path / "site"
    for name, version, requires, extras in dists:
        info = site_dir / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        lines = ["Metadata-Version: 2.3", f"Name: {name}", f"Version: {version}"]
        lines += [f"Provides-Extra: {extra}" for extra in extras]
        lines += [f"Requires-Dist: {req}" for req in requires]
        (info / "METADATA").write_text("\n".join(lines) + "\n")
    return site_dir


def test_satisfied_walks_installed_dependencies(tmp_path: Path) -> None:
    from puv.domain.installer.operation import satisfied
    from puv.domain.installer.site import list_installed
    from puv.primitives.requirement_spec import parse_requirement_arg

    markers = {"python_version": "3.12", "sys_platform": "linux", "platform_system": "Linux"}
    site_dir = _site_with(
        tmp_path,
        ("a", "1.0", ["b>=1", "c; sys_platform == 'win32'", "d; extra == 'x'"], ["x"]),
        ("b", "1.5", [], []),
    )
    installed = list_installed([site_dir])

    def check(*args: str, **kwargs: object) -> frozenset[str] | None:
        return satisfied([parse_requirement_arg(a) for a in args], installed, markers, **kwargs)  # type: ignore[arg-type]

    assert check("a") == {"a", "b"}
    assert check("a>=1", "b<2") == {"a", "b"}
    assert check("a[x]") is None  # d is missing
    assert check("a==2") is None
    assert check("z; python_version < '3'") == frozenset()
    assert check("a", constraints=[parse_requirement_arg("b<1.5")]) is None
    assert check("a", recursive=False) == {"a"}
    (site_dir / "b-1.5.dist-info").rename(site_dir / "gone")
    assert satisfied([parse_requirement_arg("a")], list_installed([site_dir]), markers) is None


def test_changes_sort_by_name_removals_first() -> None:
    from puv.domain.installer.operation import Change, sort_changes

    changes = [Change("+", "b", "2"), Change("-", "b", "1"), Change("~", "a", "1"), Change("+", "C", "1")]
    assert [c.line() for c in sort_changes(changes)] == [" ~ a==1", " - b==1", " + b==2", " + C==1"]
