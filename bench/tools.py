"""The tools under comparison: where they come from, how they are called, how a run is timed.

pip, pip-tools and uv are installed at pinned versions into ``bench/.venv-tools``
(``python -m venv`` + ``pip install``, through this machine's pip and its
configured index); puv runs from the interpreter that runs the harness
(``python -m puv``). Every timed command gets the same clean environment
(:func:`tool_env`) and its own cache directory.
"""

from __future__ import annotations

import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.scenarios import EXCLUDE_NEWER, PYTHON_VERSION

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
REQUIREMENTS = Path(__file__).resolve().parents[2] / "shared" / "bench" / "requirements"
TOOLS_VENV = HERE / ".venv-tools"
WORK = HERE / ".work"

#: Pinned versions of what puv is compared with (and matplotlib, for the chart).
PINS: dict[str, str] = {
    "pip": "26.3",
    "pip-tools": "7.6.2",
    "uv": "0.13.9",
    "matplotlib": "3.11.2",
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- interpreters and the tools venv -----------------------------------------------------------


def find_base_python(version: str) -> Path:
    """A real (non-venv) CPython ``version``: pyenv's versions directory first, then PATH."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    for candidate in sorted((root / "versions").glob(f"{version}.*"), reverse=True):
        exe = candidate / "bin" / f"python{version}"
        if exe.is_file():
            return exe
    found = shutil.which(f"python{version}")
    if found:
        return Path(found)
    raise SystemExit(f"no CPython {version} found (looked in {root / 'versions'} and on PATH)")


def _venv_python_version(venv: Path) -> str | None:
    cfg = venv / "pyvenv.cfg"
    if not cfg.is_file() or not (venv / "bin" / "python").exists():
        return None
    for line in cfg.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            return value.strip()
    return None


_INSTALLED = (
    "import importlib.metadata as m, json, sys\n"
    "out = {}\n"
    "for name in sys.argv[1:]:\n"
    "    try: out[name] = m.version(name)\n"
    "    except m.PackageNotFoundError: out[name] = None\n"
    "print(json.dumps(out))\n"
)


def _installed(python: Path, names: list[str]) -> dict[str, str | None]:
    import json

    if not python.exists():
        return {name: None for name in names}
    proc = subprocess.run([str(python), "-c", _INSTALLED, *names], capture_output=True, text=True)
    if proc.returncode != 0:
        return {name: None for name in names}
    result: dict[str, str | None] = json.loads(proc.stdout)
    return result


def ensure_tools_venv(base: Path, python_version: str) -> Path:
    """Create or reuse ``bench/.venv-tools`` on ``base`` with :data:`PINS` installed; its python."""
    python = TOOLS_VENV / "bin" / "python"
    have = _venv_python_version(TOOLS_VENV)
    if have is not None and not have.startswith(python_version + "."):
        log(f"bench/.venv-tools runs Python {have}, not {python_version}: recreating it")
        shutil.rmtree(TOOLS_VENV)
        have = None
    if have is None:
        log(f"creating bench/.venv-tools with {base} ...")
        subprocess.run([str(base), "-m", "venv", "--clear", str(TOOLS_VENV)], check=True)
    wanted = dict(PINS)
    installed = _installed(python, list(wanted))
    missing = [f"{name}=={version}" for name, version in wanted.items() if installed.get(name) != version]
    if missing:
        log(f"installing {' '.join(missing)} into bench/.venv-tools ...")
        # The machine's own pip configuration (its index) is used on purpose for the install.
        env = {k: v for k, v in os.environ.items() if k != "PIP_REQUIRE_VIRTUALENV"}
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
             *(f"{n}=={v}" for n, v in wanted.items())],
            check=True,
            env=env,
        )
    return python


def ensure_pip_template(base: Path) -> Path:
    """A venv with the pinned pip, copied for every pip install run (copying is not timed)."""
    template = WORK / "pip-template"
    python = template / "bin" / "python"
    if _installed(python, ["pip"]).get("pip") != PINS["pip"]:
        log(f"creating the pip {PINS['pip']} template venv ...")
        shutil.rmtree(template, ignore_errors=True)
        subprocess.run([str(base), "-m", "venv", str(template)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", f"pip=={PINS['pip']}"],
            check=True,
        )
    return template


# --- commands --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Programs:
    """How to start each tool; :meth:`display` gives the same with short names for the report."""

    base_python: str
    uv: str
    pip: str  # the pip console script of the tools venv (only for --version)
    pip_compile: str
    puv: tuple[str, ...]

    @classmethod
    def display(cls) -> Programs:
        return cls("PY", "uv", "pip", "pip-compile", ("python", "-m", "puv"))


@dataclass(frozen=True)
class Paths:
    file: str  # the requirements input
    venv: str  # the target environment
    cache: str
    out: str  # compile output (deleted before each run)


#: pip's spelling of ``--exclude-newer`` (pip >= 26: ``--uploaded-prior-to``), same instant.
PIP_PRIOR_TO = f"{EXCLUDE_NEWER}T00:00:00Z"


def command(kind: str, tool: str, programs: Programs, paths: Paths) -> list[str]:
    """The timed command for one tool in one kind of scenario."""
    venv_python = f"{paths.venv}/bin/python"
    newer = ["--exclude-newer", EXCLUDE_NEWER]
    if kind in ("install", "noop"):
        if tool == "pip":
            return [venv_python, "-m", "pip", "install", "-r", paths.file, "--cache-dir", paths.cache,
                    "--uploaded-prior-to", PIP_PRIOR_TO]
        if tool == "uv":
            return [programs.uv, "pip", "install", "-r", paths.file, "--python", venv_python,
                    "--cache-dir", paths.cache, *newer]
        if tool == "puv":
            return [*programs.puv, "pip", "install", "-r", paths.file, "--python", venv_python,
                    "--cache-dir", paths.cache, *newer]
    if kind == "compile":
        if tool == "pip-tools":
            return [programs.pip_compile, paths.file, "-o", paths.out, "--cache-dir", paths.cache,
                    "--pip-args", f"--cache-dir {paths.cache}/pip --uploaded-prior-to {PIP_PRIOR_TO}"]
        if tool == "uv":
            return [programs.uv, "pip", "compile", paths.file, "--python-version", PYTHON_VERSION,
                    "-o", paths.out, "--cache-dir", paths.cache, "--no-header", *newer]
        if tool == "puv":
            return [*programs.puv, "pip", "compile", paths.file, "--python-version", PYTHON_VERSION,
                    "-o", paths.out, "--cache-dir", paths.cache, "--no-header", *newer]
    if kind == "venv":
        if tool == "pip":
            return [programs.base_python, "-m", "venv", "--without-pip", paths.venv]
        if tool == "uv":
            return [programs.uv, "venv", paths.venv, "--python", programs.base_python, "--cache-dir", paths.cache]
        if tool == "puv":
            return [*programs.puv, "venv", paths.venv, "--python", programs.base_python,
                    "--cache-dir", paths.cache]
    if kind == "version":
        if tool == "pip":
            return [programs.pip, "--version"]
        if tool == "uv":
            return [programs.uv, "--version"]
        if tool == "puv":
            return [*programs.puv, "--version"]
    raise ValueError(f"no {tool} command for {kind}")


def display_command(kind: str, tool: str) -> str:
    paths = Paths(file="FILE", venv="V", cache="C", out="OUT")
    return shlex.join(command(kind, tool, Programs.display(), paths))


# --- environment ---------------------------------------------------------------------------

_DROP_PREFIXES = ("PIP_", "UV_", "PUV_")
_DROP_NAMES = {"PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH", "PYTHONHOME"}


def tool_env(python_bin: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every timed command: no PIP_*/UV_*/PUV_* settings, no pip config files.

    (This machine's pip configuration adds local indexes and find-links; each tool must see
    the default index only. PYTHONDONTWRITEBYTECODE is set here but not on a user's machine.)
    ``python_bin`` (the base interpreter's directory) goes first on PATH.
    """
    source = dict(os.environ) if base is None else base
    env = {k: v for k, v in source.items() if not k.startswith(_DROP_PREFIXES) and k not in _DROP_NAMES}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["NO_COLOR"] = "1"
    # The base interpreter is found first on PATH (a user with that Python installed), and uv
    # must not try to download a managed Python instead (it would, for --python-version 3.12).
    env["PATH"] = os.pathsep.join([str(python_bin), env.get("PATH", "")])
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env


# --- timing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    ok: bool
    ms: float
    cpu_ms: float
    peak_kib: int
    error: str

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "ms": round(self.ms, 2), "cpu_ms": round(self.cpu_ms, 2),
                "peak_kib": self.peak_kib, "error": self.error}


def error_line(stderr: str, stdout: str = "") -> str:
    """The line that says what went wrong: the first ``error``-ish line, else the last line."""
    for text in (stderr, stdout):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        for line in lines:
            lowered = line.lower()
            if lowered.startswith(("error", "fatal", "traceback")) or " error:" in lowered:
                return line[:200]
        if lines:
            return lines[-1][:200]
    return ""


#: Started with ``python -I -S -c`` between the harness and each timed command: it forks, execs
#: the command, waits with ``os.wait4`` and writes wall time and rusage to the file ``argv[1]``.
#: Why a launcher: a child's ru_maxrss starts at the RSS it inherits when forked, so forking
#: from the (large) harness would put a floor of its size under every measurement; this small
#: process leaves a floor of a few MiB (measured at start: ``peak_floor_kib`` in the results).
LAUNCHER = r"""
import os, sys, time
stats, cmd = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
try:
    pid = os.fork()
except OSError as exc:
    sys.stderr.write(f"could not fork: {exc}\n"); sys.exit(126)
if pid == 0:
    try:
        os.execvp(cmd[0], cmd)
    except OSError as exc:
        sys.stderr.write(f"could not start {cmd[0]}: {exc}\n")
    os._exit(127)
_, status, ru = os.wait4(pid, 0)
elapsed = time.perf_counter() - start
with open(stats, "w") as handle:
    handle.write(f"{elapsed * 1000!r} {(ru.ru_utime + ru.ru_stime) * 1000!r} {ru.ru_maxrss}\n")
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def measure(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float, log_stem: Path) -> Measurement:
    """Run ``cmd`` once (through :data:`LAUNCHER`): wall time, CPU time and peak RSS of its process."""
    log_stem.parent.mkdir(parents=True, exist_ok=True)
    out_path = log_stem.with_suffix(".out")
    err_path = log_stem.with_suffix(".err")
    stats_path = log_stem.with_suffix(".stats")
    stats_path.unlink(missing_ok=True)
    timed_out = threading.Event()

    def kill(pid: int) -> None:
        timed_out.set()
        try:
            os.killpg(pid, signal.SIGKILL)  # the launcher's group: the launcher and the command it started
        except ProcessLookupError:
            pass

    launcher = [sys.executable, "-I", "-S", "-c", LAUNCHER, str(stats_path)]
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([*launcher, *cmd], env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, start_new_session=True)
        timer = threading.Timer(timeout, kill, (proc.pid,))
        timer.start()
        try:
            _, status, _usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        outer_ms = (time.perf_counter() - start) * 1000
    proc.returncode = os.waitstatus_to_exitcode(status)
    if timed_out.is_set():
        return Measurement(False, outer_ms, 0.0, 0, f"timed out after {timeout:.0f} s")
    try:
        ms_text, cpu_text, rss_text = stats_path.read_text().split()
        ms, cpu_ms, peak_kib = float(ms_text), float(cpu_text), int(rss_text)
    except (OSError, ValueError):
        why = error_line(err_path.read_text(errors="replace"))
        return Measurement(False, outer_ms, 0.0, 0, f"launcher failed: {why or proc.returncode}")
    if proc.returncode != 0:
        why = error_line(err_path.read_text(errors="replace"), out_path.read_text(errors="replace"))
        return Measurement(False, ms, cpu_ms, peak_kib, f"exit {proc.returncode}: {why}")
    return Measurement(True, ms, cpu_ms, peak_kib, "")


def run_setup(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float) -> str:
    """An untimed preparation step; the first error line, or "" when it worked."""
    try:
        proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"setup timed out after {timeout:.0f} s"
    if proc.returncode != 0:
        return f"exit {proc.returncode}: {error_line(proc.stderr, proc.stdout)}"
    return ""


# --- facts about the machine and the tools ---------------------------------------------------------


def _first_line(cmd: list[str], env: dict[str, str]) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"? ({exc})"
    text = (proc.stdout or proc.stderr).strip().splitlines()
    return text[0] if text else "?"


def tool_versions(programs: Programs, tools: tuple[str, ...], env: dict[str, str]) -> dict[str, str]:
    versions: dict[str, str] = {}
    if "pip" in tools:
        versions["pip"] = _first_line([programs.pip, "--version"], env).split(" from ")[0].removeprefix("pip ")
    if "pip-tools" in tools:
        versions["pip-tools"] = _first_line([programs.pip_compile, "--version"], env).rsplit(" ", 1)[-1]
    if "uv" in tools:
        versions["uv"] = _first_line([programs.uv, "--version"], env).removeprefix("uv ").split(" (")[0]
    if "puv" in tools:
        versions["puv"] = _first_line([*programs.puv, "--version"], env).removeprefix("puv ")
    return versions


def machine_facts() -> dict[str, str | int | None]:
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    cpu_model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu_count": os.cpu_count(), "cpu_model": cpu_model, "memory": memory,
            "platform": platform.platform(terse=True)}


def peak_floor_kib(env: dict[str, str], cwd: Path) -> int:
    """The ru_maxrss the launcher reports for a command that does nothing (``true``)."""
    true = shutil.which("true") or "/bin/true"
    result = measure([true], env, cwd, 60, WORK / "logs" / "floor")
    return result.peak_kib


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def git_describe() -> str:
    """The commit puv was measured at (read-only git commands)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "--no-optional-locks", "diff", "--quiet", "HEAD"], cwd=REPO,
                               capture_output=True, timeout=10).returncode
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return f"{head}{' + uncommitted changes' if dirty else ''}" if head else "?"
