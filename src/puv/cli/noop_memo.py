"""Remembered no-op installs: answer "nothing to do" again without re-deciding it.

``puv pip install -r requirements.txt`` run again in an environment that already
satisfies it spends nearly all its time importing the requirement parser
(``packaging``: markers, specifiers, tags) before finding there is nothing to
do. When that check succeeds, the install command records it in the cache
(``noop-v1/``): the exact command line, working directory and relevant
environment variables (the key), how many packages were checked, and the
state of every file the answer depended on — the requirement files, the
configuration files puv and pip would read (present or absent), the
interpreter, the ``.venv`` directories discovery could find, and the
environment's site-packages with each installed distribution's metadata
directory.

The next run with the same key, before any parsing, stats those paths; if
every one is exactly as recorded (modification time in nanoseconds, size,
inode — or still absent), the answer cannot have changed and it is printed
again. Anything else — one package installed or removed, a requirement file
touched, a new ``puv.toml`` — is a miss, and the command runs in full (and
records again). Only plain index requirements in a virtual environment or a
``--target`` / ``--prefix`` directory are recorded (no paths, URLs, editables,
hashes, upgrades or reinstalls); see :func:`puv.cli.commands.pip_install`.

This module is on the start-up path of every install: stdlib only, no
``pathlib``, nothing compiled at import.
"""

from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable, Mapping, Sequence
    from typing import TextIO

FORMAT = "puv-noop-v1"
BUCKET = "noop-v1"
COMMANDS = (("pip", "install"), ("pip", "sync"))

#: Environment variables besides ``PUV_*`` / ``PIP_*`` that can change which
#: environment, configuration or cache a run uses.
_ENVIRONMENT = (
    "VIRTUAL_ENV", "CONDA_PREFIX", "PATH", "HOME", "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS", "XDG_CACHE_HOME",
    "PYENV_ROOT", "PYENV_VERSION",
)
_SEPARATOR = "\x1f"
_ABSENT = "-"


def key_text(
    words: Sequence[str], rest: Sequence[str], environ: Mapping[str, str], cwd: str, version: str
) -> str | None:
    """The memo's key; None when this command line cannot have a memo."""
    if tuple(words) not in COMMANDS:
        return None
    variables = sorted(
        (name, value)
        for name, value in environ.items()
        if name.startswith(("PUV_", "PIP_")) or name in _ENVIRONMENT
    )
    parts = [FORMAT, version, cwd, *words, "--", *rest, "--", *(f"{n}={v}" for n, v in variables)]
    text = _SEPARATOR.join(parts)
    if "\n" in text or "\r" in text:
        return None
    return text


def memo_dir(rest: Sequence[str], environ: Mapping[str, str], cwd: str) -> str | None:
    """Where the memo of this command line lives, known before settings are loaded:
    ``--cache-dir``, else ``PUV_CACHE_DIR``, else the default cache. None when the
    run uses no cache (``--no-cache``, ``PUV_NO_CACHE``, ``PIP_NO_CACHE_DIR``)."""
    if "--no-cache" in rest or "-n" in rest:
        return None
    if any(environ.get(name) for name in ("PUV_NO_CACHE", "PIP_NO_CACHE_DIR")):
        return None
    cache: str | None = None
    for i, token in enumerate(rest):
        if token == "--cache-dir" and i + 1 < len(rest):
            cache = rest[i + 1]
        elif token.startswith("--cache-dir="):
            cache = token.split("=", 1)[1]
    if cache is None:
        cache = environ.get("PUV_CACHE_DIR") or None
    if cache is not None:
        home = environ.get("HOME") or os.path.expanduser("~")
        if cache == "~" or cache.startswith("~/"):
            cache = home + cache[1:]
        cache = os.path.join(cwd, cache)
    else:
        xdg = environ.get("XDG_CACHE_HOME")
        if xdg and os.path.isabs(xdg):
            cache = os.path.join(xdg, "puv")
        else:
            home = environ.get("HOME") or os.path.expanduser("~")
            cache = os.path.join(home, ".cache", "puv")
    return os.path.join(os.path.normpath(cache), BUCKET)


def memo_path(directory: str, key: str) -> str:
    import zlib

    # The name only spreads the entries; the key inside is compared in full.
    return os.path.join(directory, f"{zlib.crc32(key.encode('utf-8', 'surrogateescape')):08x}")


def signature(path: str) -> str:
    """What a path looks like now: ``mtime_ns:size:inode``, or ``-`` when absent."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return _ABSENT
    return f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}"


def replay(
    words: Sequence[str],
    rest: Sequence[str],
    environ: Mapping[str, str],
    cwd: str,
    version: str,
    err: TextIO | None = None,
) -> int | None:
    """Print the recorded answer and return 0 when a memo for this exact command
    is still valid; None (run the command) otherwise."""
    started = time.perf_counter()
    key = key_text(words, rest, environ, cwd, version)
    if key is None:
        return None
    directory = memo_dir(rest, environ, cwd)
    if directory is None:
        return None
    try:
        with open(memo_path(directory, key), encoding="utf-8", errors="surrogateescape") as handle:
            lines = handle.read().split("\n")
    except (OSError, ValueError):
        return None
    if len(lines) < 3 or lines[0] != FORMAT or lines[1] != key or not lines[-1] == "":
        return None
    try:
        count = int(lines[2])
    except ValueError:
        return None
    for line in lines[3:-1]:
        recorded, _, path = line.partition("\t")
        if not path or signature(path) != recorded:
            return None
    if not _quiet(rest):
        from puv.cli.common import format_elapsed_fine

        noun = "package" if count == 1 else "packages"
        (err or sys.stderr).write(f"Checked {count} {noun} in {format_elapsed_fine(time.perf_counter() - started)}\n")
    return 0


def _quiet(rest: Sequence[str]) -> bool:
    return any(token in ("-q", "--quiet") or (token.startswith("-q") and set(token[1:]) == {"q"}) for token in rest)


def record(directory: str, key: str, count: int, watched: Iterable[str]) -> bool:
    """Write the memo (atomically); False when a path cannot be recorded or the
    write fails — a memo is only ever a shortcut, never required."""
    lines = [FORMAT, key, str(count)]
    seen: set[str] = set()
    for path in watched:
        path = os.path.abspath(path)
        if path in seen:
            continue
        if "\n" in path or "\r" in path or "\t" in path:
            return False
        seen.add(path)
        lines.append(f"{signature(path)}\t{path}")
    text = "\n".join(lines) + "\n"
    target = memo_path(directory, key)
    temporary = f"{target}.{os.getpid()}.tmp"
    try:
        os.makedirs(directory, exist_ok=True)
        with open(temporary, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(text)
        os.replace(temporary, target)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return False
    return True


def forget(directory: str, key: str) -> None:
    """Remove the memo of ``key`` (a run that did something makes it stale anyway)."""
    try:
        os.unlink(memo_path(directory, key))
    except OSError:
        pass


def environment_paths(site_dirs: Iterable[str]) -> list[str]:
    """The site-packages directories and every distribution metadata directory in
    them: installing or removing anything changes one of these."""
    paths: list[str] = []
    for site in site_dirs:
        paths.append(site)
        try:
            entries = os.scandir(site)
        except OSError:
            continue
        with entries:
            for entry in entries:
                if entry.name.endswith((".dist-info", ".egg-info", ".egg-link", ".pth")):
                    paths.append(entry.path)
    return paths


def discovery_paths(cwd: str) -> list[str]:
    """``.venv/pyvenv.cfg``, ``puv.toml`` and ``pyproject.toml`` in the working
    directory and each parent: creating one of them can change the environment
    or the configuration a run uses."""
    paths: list[str] = []
    directory = os.path.abspath(cwd)
    while True:
        paths.append(os.path.join(directory, ".venv", "pyvenv.cfg"))
        paths.append(os.path.join(directory, "puv.toml"))
        paths.append(os.path.join(directory, "pyproject.toml"))
        parent = os.path.dirname(directory)
        if parent == directory:
            return paths
        directory = parent
