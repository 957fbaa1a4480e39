"""`puv venv`: real environments for CPython 3.8-3.13, activation, options, refusals."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from puv.domain.venv.create import create_venv
from puv.errors import VenvError
from tests.support.cli import run, run_puv

REAL_HOME = Path(os.path.expanduser("~"))  # captured at import, before the isolation fixture
PYENV_ROOT = Path(os.environ.get("PYENV_ROOT") or REAL_HOME / ".pyenv")
VERSIONS = ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]


def real_python(version: str) -> Path:
    for candidate in sorted((PYENV_ROOT / "versions").glob(f"{version}.*"), reverse=True):
        exe = candidate / "bin" / f"python{version}"
        if exe.is_file():
            return exe
    pytest.skip(f"CPython {version} is not installed under {PYENV_ROOT / 'versions'}")


def puv_env(**extra: str) -> dict[str, str]:
    return {"PYENV_ROOT": str(PYENV_ROOT), **extra}


@pytest.mark.slow
@pytest.mark.parametrize("version", VERSIONS)
def test_venv_works_with_ensurepip_and_pip(version: str, tmp_path: Path) -> None:
    real_python(version)
    result = run_puv("venv", "env", "--python", version, cwd=tmp_path, env=puv_env())
    assert result.code == 0, result
    assert f"interpreter at: {PYENV_ROOT}/versions/{version}." in result.stderr
    assert "Creating virtual environment at: env\n" in result.stderr
    assert "Activate with: source env/bin/activate\n" in result.stderr
    venv = tmp_path / "env"
    python = venv / "bin" / "python"
    check = run(
        [
            python,
            "-c",
            "import sys, site, sysconfig; assert sys.prefix != sys.base_prefix, sys.prefix;"
            "print(sys.prefix); print(sysconfig.get_paths()['purelib']);"
            "print(sys.version_info[:2]); print(any(p.endswith('site-packages') and p.startswith(sys.prefix) for p in sys.path))",
        ],
        cwd=tmp_path,
    )
    assert check.returncode == 0, check.stderr
    prefix, purelib, ver, on_path = check.stdout.splitlines()
    assert Path(prefix) == venv
    assert Path(purelib) == venv / "lib" / f"python{version}" / "site-packages"
    assert ver == str(tuple(int(p) for p in version.split(".")))
    assert on_path == "True"
    for name in ("python3", f"python{version}"):
        assert run([venv / "bin" / name, "-c", "import sys; print(sys.prefix)"]).stdout.strip() == str(venv)

    ensure = run([python, "-m", "ensurepip", "--default-pip"], cwd=tmp_path, timeout=300)
    assert ensure.returncode == 0, ensure.stderr
    pip = run([python, "-m", "pip", "--version"], cwd=tmp_path, env={**os.environ, "PIP_CONFIG_FILE": os.devnull})
    assert pip.returncode == 0, pip.stderr
    assert str(venv / "lib" / f"python{version}" / "site-packages") in pip.stdout
    assert (venv / "bin" / "pip").exists()


def test_layout_and_pyvenv_cfg(tmp_path: Path) -> None:
    base = real_python("3.12")
    result = run_puv("venv", "--python", str(base), "--prompt", "my env", cwd=tmp_path, env=puv_env())
    assert result.code == 0, result
    venv = tmp_path / ".venv"
    cfg = dict(
        line.split(" = ", 1) for line in (venv / "pyvenv.cfg").read_text().splitlines()
    )
    assert cfg["home"] == str(base.parent)
    assert cfg["implementation"] == "CPython"
    assert cfg["version_info"].startswith("3.12.")
    assert cfg["include-system-site-packages"] == "false"
    assert cfg["prompt"] == "my env"
    assert "puv" in cfg
    assert os.readlink(venv / "bin" / "python") == str(base)
    assert os.readlink(venv / "bin" / "python3") == "python"
    assert os.readlink(venv / "bin" / "python3.12") == "python"
    assert (venv / "lib" / "python3.12" / "site-packages").is_dir()
    assert (venv / ".gitignore").read_text().splitlines()[-1] == "*"
    for script in ("activate", "activate.fish", "activate.csh", "activate.nu", "activate.ps1", "activate_this.py"):
        text = (venv / "bin" / script).read_text()
        assert "__PUV_" not in text, script
        assert "my env" in text, script
    assert "Creating virtual environment at: .venv" in result.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".venv.")]  # no temp leftovers


def test_bash_activate_and_deactivate(tmp_path: Path) -> None:
    base = real_python("3.11")
    assert run_puv("venv", "--python", str(base), cwd=tmp_path, env=puv_env()).code == 0
    script = (
        "source .venv/bin/activate && echo \"$VIRTUAL_ENV\" && command -v python && echo \"$PS1\"\n"
        "deactivate && echo \"after:${VIRTUAL_ENV:-unset}\" && type deactivate >/dev/null 2>&1 || echo gone"
    )
    out = run(["bash", "-c", script], cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "PS1": "$ "})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == str(tmp_path / ".venv")
    assert lines[1] == str(tmp_path / ".venv" / "bin" / "python")
    assert lines[2].startswith("(.venv) ")  # bash -c drops PS1's value; the prefix is what matters
    assert lines[3] == "after:unset"
    assert lines[4] == "gone"


def test_relocatable_activation_finds_itself(tmp_path: Path) -> None:
    base = real_python("3.12")
    assert run_puv("venv", "first", "--python", str(base), "--relocatable", cwd=tmp_path, env=puv_env()).code == 0
    assert "relocatable = true" in (tmp_path / "first" / "pyvenv.cfg").read_text()
    (tmp_path / "first").rename(tmp_path / "moved")
    out = run(["bash", "-c", "source moved/bin/activate && echo \"$VIRTUAL_ENV\""], cwd=tmp_path)
    assert out.stdout.strip() == str(tmp_path / "moved")
    assert str(tmp_path / "first") not in (tmp_path / "moved" / "bin" / "activate").read_text()


def test_activate_this(tmp_path: Path) -> None:
    base = real_python("3.10")
    assert run_puv("venv", "--python", str(base), cwd=tmp_path, env=puv_env()).code == 0
    code = (
        "import sys; p = '.venv/bin/activate_this.py'; exec(open(p).read(), {'__file__': p});"
        "print(sys.prefix); print(sys.path[0])"
    )
    out = run([base, "-c", code], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    prefix, first = out.stdout.splitlines()
    assert prefix == str(tmp_path / ".venv")
    assert first == str(tmp_path / ".venv" / "lib" / "python3.10" / "site-packages")


def test_system_site_packages(tmp_path: Path) -> None:
    base = real_python("3.12")
    for name, flag in (("isolated", []), ("shared", ["--system-site-packages"])):
        assert run_puv("venv", name, "--python", str(base), *flag, cwd=tmp_path, env=puv_env()).code == 0
    code = "import sys, site; print(any(p.startswith(sys.base_prefix) and p.endswith('site-packages') for p in sys.path))"
    assert run([tmp_path / "isolated" / "bin" / "python", "-c", code]).stdout.strip() == "False"
    assert run([tmp_path / "shared" / "bin" / "python", "-c", code]).stdout.strip() == "True"
    assert "include-system-site-packages = true" in (tmp_path / "shared" / "pyvenv.cfg").read_text()


def test_existing_environment_needs_clear_or_allow_existing(tmp_path: Path) -> None:
    base = real_python("3.12")
    assert run_puv("venv", "--python", str(base), cwd=tmp_path, env=puv_env()).code == 0
    marker = tmp_path / ".venv" / "lib" / "python3.12" / "site-packages" / "marker.txt"
    marker.write_text("x")

    again = run_puv("venv", "--python", str(base), cwd=tmp_path, env=puv_env())
    assert again.code == 1
    assert "error: A virtual environment already exists at" in again.stderr
    assert "--clear" in again.stderr
    assert marker.exists()

    kept = run_puv("venv", "--python", str(base), "--allow-existing", cwd=tmp_path, env=puv_env())
    assert kept.code == 0, kept
    assert marker.exists()

    cleared = run_puv("venv", "--python", str(base), "--clear", cwd=tmp_path, env=puv_env())
    assert cleared.code == 0, cleared
    assert not marker.exists()
    assert (tmp_path / ".venv" / "bin" / "python").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".venv"]


def test_refuses_a_directory_that_is_not_a_venv(tmp_path: Path) -> None:
    base = real_python("3.12")
    project = tmp_path / "project"
    project.mkdir()
    (project / "important.txt").write_text("keep me")
    for flags in ([], ["--clear"]):
        result = run_puv("venv", "project", "--python", str(base), *flags, cwd=tmp_path, env=puv_env())
        assert result.code == 1, result
        assert "not a virtual environment" in result.stderr
        assert sorted(p.name for p in project.iterdir()) == ["important.txt"]
    (tmp_path / "afile").write_text("")
    result = run_puv("venv", "afile", "--python", str(base), cwd=tmp_path, env=puv_env())
    assert result.code == 1
    assert "not a directory" in result.stderr


def test_empty_directory_is_used(tmp_path: Path) -> None:
    base = real_python("3.12")
    (tmp_path / "empty").mkdir()
    result = run_puv("venv", "empty", "--python", str(base), cwd=tmp_path, env=puv_env())
    assert result.code == 0, result
    assert (tmp_path / "empty" / "pyvenv.cfg").is_file()


def test_python_not_found(tmp_path: Path) -> None:
    result = run_puv(
        "venv", "--python", "3.99", cwd=tmp_path, env=puv_env(PATH="/nonexistent", PYENV_ROOT=str(tmp_path / "nopyenv"))
    )
    assert result.code == 1
    assert "error: No interpreter found for Python 3.99 in search path or pyenv" in result.stderr
    assert "hint:" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_invalid_request_is_a_usage_error(tmp_path: Path) -> None:
    result = run_puv("venv", "--python", ">=3.x", cwd=tmp_path, env=puv_env())
    assert result.code == 2
    assert "invalid Python request `>=3.x`" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_venv_path_as_python_uses_its_base(tmp_path: Path) -> None:
    base = real_python("3.12")
    assert run_puv("venv", "first", "--python", str(base), cwd=tmp_path, env=puv_env()).code == 0
    result = run_puv("venv", "second", "--python", "./first", cwd=tmp_path, env=puv_env())
    assert result.code == 0, result
    assert f"interpreter at: {base}" in result.stderr
    assert os.readlink(tmp_path / "second" / "bin" / "python") == str(base)


def test_failure_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from puv.domain.python.interpreter import query_interpreter
    from puv.domain.venv import create

    base = query_interpreter(real_python("3.12"), tmp_path / "cache")

    def broken(path: str, text: str, mode: int = 0o644) -> None:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(create, "_write", broken)
    with pytest.raises(VenvError) as info:
        create_venv(tmp_path / "a" / "b" / "env", base)
    assert "Permission denied" in info.value.causes[0]
    assert not (tmp_path / "a").exists()  # nor the parents it made
    (tmp_path / "empty").mkdir()
    with pytest.raises(VenvError):
        create_venv(tmp_path / "empty", base)
    assert list((tmp_path / "empty").iterdir()) == []


def test_clear_failure_keeps_the_old_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from puv.domain.python.interpreter import query_interpreter
    from puv.domain.venv import create

    base = query_interpreter(real_python("3.12"), tmp_path / "cache")
    create_venv(tmp_path / "env", base)
    (tmp_path / "env" / "keep").write_text("old")
    monkeypatch.setattr(create, "_write", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "No space left")))
    with pytest.raises(VenvError):
        create_venv(tmp_path / "env", base, clear=True)
    assert (tmp_path / "env" / "keep").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["env"]


def test_interrupt_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C in the middle of writing the environment removes what was written."""
    from puv.domain.python.interpreter import query_interpreter
    from puv.domain.venv import create

    base = query_interpreter(real_python("3.12"), tmp_path / "cache")
    create_venv(tmp_path / "env", base)
    (tmp_path / "env" / "keep").write_text("old")
    calls = []

    def interrupted(*args: object, **kwargs: object) -> None:
        calls.append(args)
        if len(calls) % 3 == 0:
            raise KeyboardInterrupt

    monkeypatch.setattr(create, "_write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        create_venv(tmp_path / "fresh", base)
    with pytest.raises(KeyboardInterrupt):
        create_venv(tmp_path / "env", base, clear=True)
    assert (tmp_path / "env" / "keep").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["env"]


def test_activation_hint_follows_shell(tmp_path: Path) -> None:
    base = real_python("3.12")
    result = run_puv("venv", "e", "--python", str(base), cwd=tmp_path, env=puv_env(SHELL="/usr/bin/fish"))
    assert "Activate with: source e/bin/activate.fish" in result.stderr


def test_activation_hint_for_a_name_that_starts_with_a_dash() -> None:
    from puv.cli.commands.venv import activation_hint

    assert activation_hint("-weird", {"SHELL": "/bin/bash"}) == "source ./-weird/bin/activate"
    assert activation_hint("env", {"SHELL": "/bin/bash"}) == "source env/bin/activate"


def test_vv_traces_the_interpreter_search(tmp_path: Path) -> None:
    base = real_python("3.12")
    traced = run_puv("-vv", "venv", "e", "--python", "3.12", cwd=tmp_path, env=puv_env())
    assert traced.code == 0, traced
    assert "TRACE Selected " in traced.stderr and "CPython 3.12" in traced.stderr
    quiet = run_puv("venv", "f", "--python", str(base), cwd=tmp_path, env=puv_env())
    assert quiet.code == 0 and "TRACE" not in quiet.stderr
