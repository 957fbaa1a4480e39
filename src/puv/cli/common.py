"""Helpers shared by the resolving commands (`pip compile`, `pip install`, `pip sync`).

Durations and status lines in uv's format, the pins of an existing output file
as resolver preferences, atomic file writes, ``--upgrade-package`` names and
the environment a resolution targets. Imports stay inside the functions: this
module is on the start-up path of every one of those commands.
"""

from __future__ import annotations

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    from packaging.utils import NormalizedName
    from packaging.version import Version

    from puv.cli.inputs import Reader
    from puv.context import Context
    from puv.domain.index.candidates import Target
    from puv.settings import Settings

def format_elapsed(seconds: float) -> str:
    """uv's duration: ``145ms`` below a second, ``1.23s`` below a minute, ``2m 05s`` above."""
    total_ms = int(seconds * 1000)
    whole = total_ms // 1000
    if whole >= 60:
        return f"{whole // 60}m {whole % 60:02d}s"
    if whole > 0:
        return f"{whole}.{(int(seconds * 100)) % 100:02d}s"
    return f"{total_ms}ms"


def resolved_line(count: int, seconds: float) -> str:
    """``Resolved 3 packages in 12ms``."""
    return f"Resolved {count} package{'' if count == 1 else 's'} in {format_elapsed(seconds)}"


def read_preferences(
    text: str,
    source: str,
    *,
    read: Reader,
    environ: Mapping[str, str],
    upgrade: Collection[str] = (),
) -> dict[NormalizedName, Version]:
    """The ``name==version`` pins of an existing output file, minus ``upgrade`` names."""
    from packaging.version import InvalidVersion, Version

    from puv.primitives.requirements_txt import parse_requirements

    parsed = parse_requirements(text, source, read=read, environ=environ)
    found: dict[NormalizedName, Version] = {}
    for spec in parsed.requirements:
        name = spec.canonical_name
        if name is None or spec.is_direct or name in upgrade:
            continue
        specifiers = list(spec.specifier)
        if len(specifiers) != 1 or specifiers[0].operator not in ("==", "===") or specifiers[0].version.endswith(".*"):
            continue
        try:
            found.setdefault(name, Version(specifiers[0].version))
        except InvalidVersion:
            continue
    return found


def write_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in its directory and ``os.replace``."""
    import os
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)[:32]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        except FileNotFoundError:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask




def upgrade_names(values: list[str] | None) -> frozenset[NormalizedName]:
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    from puv.errors import UsageError

    names = set()
    for value in values or ():
        try:
            names.add(canonicalize_name(Requirement(value).name))
        except InvalidRequirement:
            raise UsageError(f"invalid --upgrade-package value `{value}`: expected a package name") from None
    return frozenset(names)


def resolve_target(settings: Settings, ctx: Context) -> Target:
    """The environment to resolve for (uv: the first Python found, venv or system)."""
    from puv.domain.index.candidates import Target
    from puv.domain.python.discovery import find_environment_python
    from puv.domain.python.request import parse_request
    from puv.errors import PythonNotFound

    version = settings.python_version
    python = settings.python
    if version is None and python:
        request = parse_request(python)
        if (
            request.kind == "version"
            and request.implementation is None
            and request.specifier is None
            and len(request.version) >= 2
        ):
            # As uv: `-p 3.12` means `--python-version 3.12`.
            version, python = python, None
    platform = settings.python_platform
    if version is not None and platform is not None:
        return Target.for_python(version, platform)

    cache_dir = None if settings.no_cache else settings.cache_dir
    request = parse_request(python if python else version)
    try:
        interpreter = find_environment_python(
            request, environ=ctx.environ, cwd=ctx.cwd, cache_dir=cache_dir, system=True, trace=ctx.printer.trace
        )
    except PythonNotFound:
        if python or version is None:
            raise
        interpreter = find_environment_python(
            parse_request(None), environ=ctx.environ, cwd=ctx.cwd, cache_dir=cache_dir, system=True,
            trace=ctx.printer.trace,
        )
    ctx.printer.debug(f"Using Python {interpreter.version} interpreter at {interpreter.executable}")
    if version is not None:
        return Target.for_python(version, platform, interpreter=interpreter)
    if platform is not None:
        major, minor, micro = interpreter.version_info[:3]
        return Target.for_python(f"{major}.{minor}.{micro}", platform, interpreter=interpreter)
    return Target.for_interpreter(interpreter)


def format_elapsed_fine(seconds: float) -> str:
    """As :func:`format_elapsed`, with hundredths below a millisecond (``0.42ms``), as uv."""
    if seconds < 0.001:
        return f"{seconds * 1000:.2f}ms"
    return format_elapsed(seconds)


def count_line(verb: str, count: int, seconds: float | None = None, *, fine: bool = False) -> str:
    """``Installed 3 packages in 12ms`` (``verb`` first; no time when ``seconds`` is None)."""
    text = f"{verb} {count} package{'' if count == 1 else 's'}"
    if seconds is None:
        return text
    return f"{text} in {format_elapsed_fine(seconds) if fine else format_elapsed(seconds)}"
