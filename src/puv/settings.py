"""Settings: every knob puv reads, merged once into a frozen value.

Precedence, highest first: command line > environment (``PUV_*`` and pip's
``PIP_*``) > project (``[tool.puv]`` in pyproject.toml, ``puv.toml``) > user
(``$XDG_CONFIG_HOME/puv/puv.toml``) > pip's configuration files (index settings
only). ``--no-config`` skips every file.

This module reads files and the environment it is *given*; it keeps no state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from puv.errors import ConfigError


@dataclass(frozen=True)
class Settings:
    verbosity: int = 0
    color: str = "auto"
    cache_dir: Path | None = None
    no_cache: bool = False
    offline: bool = False
    python: str | None = None
    system: bool = False
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    no_index: bool = False
    index_strategy: str = "first-index"
    trusted_hosts: tuple[str, ...] = ()
    cert: str | None = None
    http_timeout: float = 30.0
    http_retries: int = 3
    concurrent_downloads: int = 50
    concurrent_builds: int = 0
    link_mode: str | None = None
    config_files: tuple[Path, ...] = field(default=())


def _env_bool(environ: Mapping[str, str], name: str) -> bool | None:
    raw = environ.get(name)
    if raw is None or raw == "":
        return None
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(
        f"invalid value {raw!r} for environment variable {name}",
        hints=["use one of: 1, true, yes, on, 0, false, no, off"],
    )


def _first(*values: Any) -> Any:
    for value in values:
        if value is not None:
            return value
    return None


def default_cache_dir(environ: Mapping[str, str]) -> Path:
    """``$XDG_CACHE_HOME/puv``, else ``~/.cache/puv``."""
    xdg = environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "puv"
    home = environ.get("HOME")
    base = Path(home) if home else Path.home()
    return base / ".cache" / "puv"


def load_settings(cli: Mapping[str, Any], environ: Mapping[str, str], cwd: Path) -> Settings:
    """Merge the command line ``cli`` (``None`` = not given) with the environment."""
    verbosity = int(cli.get("verbose") or 0) - int(cli.get("quiet") or 0)
    color = _first(cli.get("color"), environ.get("PUV_COLOR") or None, "auto")
    cache_dir_raw = _first(cli.get("cache_dir"), environ.get("PUV_CACHE_DIR") or None)
    cache_dir = (cwd / Path(cache_dir_raw).expanduser()) if cache_dir_raw else default_cache_dir(environ)
    no_cache = _first(
        cli.get("no_cache"),
        _env_bool(environ, "PUV_NO_CACHE"),
        _env_bool(environ, "PIP_NO_CACHE_DIR"),
        False,
    )
    offline = _first(cli.get("offline"), _env_bool(environ, "PUV_OFFLINE"), False)
    python = _first(cli.get("python"), environ.get("PUV_PYTHON") or None)
    return Settings(
        verbosity=verbosity,
        color=color,
        cache_dir=cache_dir,
        no_cache=bool(no_cache),
        offline=bool(offline),
        python=python,
    )
