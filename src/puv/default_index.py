"""pip's built-in default index, found without importing pip.

DESIGN.md ("Compatibility surface"): when no setting names an index, puv uses
the one pip would use. pip keeps its default in ``pip/_internal/models/index.py``
as an assignment of the form ``PyPI = PackageIndex("<url>", ...)`` (older pips
called the class ``Index``); the simple-API URL is that URL joined with
``simple``, exactly as pip computes ``simple_url``. This module reads that file
as text, so no registry host is written in puv's sources.

pip is looked for in this interpreter's import path first (``find_spec`` does
not import the package), then in the site-packages of this interpreter's prefix
and base prefix and next to its base executable, then in any directories the
caller adds.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

_INDEX_FILE = Path("_internal") / "models" / "index.py"

# The main index object: `PyPI = PackageIndex("https://.../", ...)`.
_MAIN_INDEX_RE = re.compile(
    r"""^PyPI\s*=\s*[A-Za-z_][A-Za-z0-9_]*\(\s*(?:url\s*=\s*)?["']([^"']+)["']""",
    re.MULTILINE,
)
# Any index object, for a file whose main object has another name.
_ANY_INDEX_RE = re.compile(
    r"""^[A-Za-z_][A-Za-z0-9_]*\s*=\s*(?:Package)?Index\(\s*(?:url\s*=\s*)?["']([^"']+)["']""",
    re.MULTILINE,
)


def index_url_from_source(text: str) -> str | None:
    """The default simple-API URL from the text of pip's ``models/index.py``."""
    match = _MAIN_INDEX_RE.search(text) or _ANY_INDEX_RE.search(text)
    if match is None:
        return None
    base = match.group(1)
    if not base.startswith(("https://", "http://")):
        return None
    from urllib.parse import urljoin

    return urljoin(base if base.endswith("/") else base + "/", "simple")


def _spec_pip_dir() -> Path | None:
    import importlib.util

    try:
        spec = importlib.util.find_spec("pip")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    return Path(spec.origin).parent


def _version_dirs(prefix: Path) -> Iterator[Path]:
    """Site-packages style directories under ``prefix`` where pip may live."""
    this = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    lib = prefix / "lib"
    yield lib / this / "site-packages"
    yield prefix / "local" / "lib" / this / "dist-packages"
    yield lib / "python3" / "dist-packages"
    try:
        others = sorted(lib.glob("python3*/site-packages"), reverse=True)
    except OSError:
        others = []
    yield from others


def candidate_pip_dirs(extra_site_dirs: Iterable[Path] = ()) -> Iterator[Path]:
    """Directories that may be an installed ``pip`` package, best first."""
    found = _spec_pip_dir()
    if found is not None:
        yield found
    prefixes: list[Path] = [Path(sys.prefix), Path(sys.base_prefix)]
    base_executable = getattr(sys, "_base_executable", None) or sys.executable
    if base_executable:
        try:
            prefixes.append(Path(base_executable).resolve().parent.parent)
        except OSError:
            pass
    seen: set[Path] = set()
    for prefix in prefixes:
        for site in _version_dirs(prefix):
            if site not in seen:
                seen.add(site)
                yield site / "pip"
    for site in extra_site_dirs:
        yield Path(site) / "pip"


def pip_default_index_url(extra_site_dirs: Sequence[Path] = ()) -> str | None:
    """The simple-API URL of pip's built-in default index, or None if no
    readable pip installation is found. ``extra_site_dirs`` are further
    site-packages directories to look in (e.g. a target environment's)."""
    for pip_dir in candidate_pip_dirs(extra_site_dirs):
        source = pip_dir / _INDEX_FILE
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        url = index_url_from_source(text)
        if url is not None:
            return url
    return None
