"""`puv pip sync` end to end: the environment ends up holding exactly the given pins."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.support.cli import Result, run_puv
from tests.support.index_server import IndexServer
from tests.test_install_cli import dists, install, masked, pytestmark, universe, venv  # noqa: F401

__all__ = ["pytestmark", "universe", "venv"]


def sync(venv: Path, server: IndexServer, *args: str, **kwargs: object) -> Result:
    return run_puv(
        "pip", "sync", *args, "--index-url", server.url, cwd=venv.parent, env={"VIRTUAL_ENV": str(venv)}, **kwargs  # type: ignore[arg-type]
    )


def test_sync_leaves_exactly_the_pins(venv: Path, universe: IndexServer) -> None:
    assert install(venv, universe, "app", "solo").code == 0
    (venv.parent / "requirements.txt").write_text("lib==1.0\nutil==1.1\n")
    result = sync(venv, universe, "requirements.txt")
    assert result.code == 0, result
    assert masked(result.stderr) == (
        "Resolved 2 packages in [TIME]\n"
        "Prepared 1 package in [TIME]\n"
        "Uninstalled 3 packages in [TIME]\n"
        "Installed 1 package in [TIME]\n"
        " - app==1.0\n"
        " - lib==2.0\n"
        " + lib==1.0\n"
        " - solo==1.0\n"
    )
    assert dists(venv) == {"lib-1.0", "util-1.1"}
    assert not (venv / "bin" / "app").exists()

    universe.clear_log()
    again = sync(venv, universe, "requirements.txt")
    assert again.code == 0, again
    assert masked(again.stderr) == "Checked 2 packages in [TIME]\n"
    assert universe.count() == 0


def test_sync_adds_no_dependencies(venv: Path, universe: IndexServer) -> None:
    (venv.parent / "requirements.txt").write_text("app==1.0\n")
    result = sync(venv, universe, "requirements.txt")
    assert result.code == 0, result
    assert dists(venv) == {"app-1.0"}


def test_sync_dry_run_and_reinstall(venv: Path, universe: IndexServer) -> None:
    assert install(venv, universe, "solo").code == 0
    (venv.parent / "requirements.txt").write_text("util==1.0\n")
    dry = sync(venv, universe, "requirements.txt", "--dry-run")
    assert dry.code == 0, dry
    assert masked(dry.stderr) == (
        "Resolved 1 package in [TIME]\n"
        "Would download 1 package\n"
        "Would uninstall 1 package\n"
        "Would install 1 package\n"
        " - solo==1.0\n"
        " + util==1.0\n"
    )
    assert dists(venv) == {"solo-1.0"}
    assert sync(venv, universe, "requirements.txt").code == 0
    again = sync(venv, universe, "requirements.txt", "--reinstall")
    assert again.code == 0, again
    assert again.stderr.endswith(" ~ util==1.0\n"), again


def test_sync_removes_seed_packages_unless_listed(venv: Path, universe: IndexServer, wheel_factory: object) -> None:
    universe.publish(wheel_factory("pip", "23.0"))  # type: ignore[operator]
    (venv.parent / "requirements.txt").write_text("pip==23.0\nsolo==1.0\n")
    assert sync(venv, universe, "requirements.txt").code == 0
    assert dists(venv) == {"pip-23.0", "solo-1.0"}
    (venv.parent / "requirements.txt").write_text("solo==1.0\n")
    result = sync(venv, universe, "requirements.txt")
    assert result.code == 0, result
    assert dists(venv) == {"solo-1.0"}


def test_sync_empty_requirements(venv: Path, universe: IndexServer) -> None:
    assert install(venv, universe, "solo").code == 0
    (venv.parent / "empty.txt").write_text("# nothing\n")
    refused = sync(venv, universe, "empty.txt")
    assert refused.code == 1, refused
    assert "No requirements found in `empty.txt`" in refused.stderr
    assert "--allow-empty-requirements" in refused.stderr
    cleared = sync(venv, universe, "empty.txt", "--allow-empty-requirements")
    assert cleared.code == 0, cleared
    assert dists(venv) == set()


def test_sync_require_hashes(venv: Path, universe: IndexServer, dists_dir: Path) -> None:
    digest = hashlib.sha256((dists_dir / "solo-1.0-py3-none-any.whl").read_bytes()).hexdigest()
    (venv.parent / "requirements.txt").write_text("solo==1.0\n")
    missing = sync(venv, universe, "requirements.txt", "--require-hashes")
    assert missing.code == 1 and "`solo==1.0`" in missing.stderr, missing
    (venv.parent / "requirements.txt").write_text(f"solo==1.0 --hash=sha256:{digest}\n")
    good = sync(venv, universe, "requirements.txt", "--require-hashes")
    assert good.code == 0, good
    assert dists(venv) == {"solo-1.0"}


def test_sync_needs_a_file(venv: Path, universe: IndexServer) -> None:
    result = sync(venv, universe)
    assert result.code == 2, result
