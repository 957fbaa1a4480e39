"""Settings: every knob puv reads, merged once into a frozen value.

Precedence, highest first (DESIGN.md, "Compatibility surface"):

1. the command line (the parsed namespace; ``None`` means "not given");
2. the environment: ``PUV_*`` variables, then pip's ``PIP_INDEX_URL``,
   ``PIP_EXTRA_INDEX_URL``, ``PIP_TRUSTED_HOST``, ``PIP_CERT``,
   ``PIP_NO_CACHE_DIR`` and ``PIP_FIND_LINKS`` (a ``PUV_*`` variable beats the
   ``PIP_*`` one for the same setting);
3. the project file (``puv.toml`` or ``[tool.puv]`` in pyproject.toml);
4. the user file (``$XDG_CONFIG_HOME/puv/puv.toml``);
5. pip's configuration files (index settings only);

and ``SSL_CERT_FILE`` as the last fallback for ``cert`` (an explicit
certificate setting beats it, as in pip; a path that does not exist is
ignored). See :mod:`puv.config_files` for the files' layout and discovery.

Scalars take the value of the highest layer that sets one. Lists
(``extra_index_urls``, ``find_links``, ``trusted_hosts``, ``no_binary``,
``only_binary``) are joined across the layers, highest first, duplicates
dropped, as uv does; the command line replaces the environment variable for
the same list (it is the variable's fallback role in uv's CLI), and within
pip's files a later file replaces an earlier one (pip's rule).

``--no-config`` / ``PUV_NO_CONFIG`` skips discovery of puv's files and all of
pip's files; the environment still applies. ``--config-file`` /
``PUV_CONFIG_FILE`` replaces project and user discovery with one file, and (as
in uv) is read even with ``--no-config``.

Command-line keys are the ``Settings`` field names (``index_url``,
``extra_index_urls``, ``find_links``, ...); ``extra_index_url`` and
``trusted_host`` are accepted as aliases. List options should use
``action="append"`` with ``default=None``.

Environment variables (empty means unset; booleans accept 1/0, true/false,
yes/no, on/off):

``PUV_CACHE_DIR``, ``PUV_NO_CACHE``, ``PUV_OFFLINE``, ``PUV_NO_CONFIG``,
``PUV_CONFIG_FILE``, ``PUV_PYTHON``, ``PUV_SYSTEM_PYTHON``, ``PUV_INDEX_URL``,
``PUV_EXTRA_INDEX_URL`` (space-separated), ``PUV_FIND_LINKS``
(comma-separated, like uv), ``PUV_INDEX_STRATEGY``, ``PUV_LINK_MODE``,
``PUV_CONCURRENT_DOWNLOADS``, ``PUV_CONCURRENT_BUILDS``, ``PUV_HTTP_TIMEOUT``
(seconds), ``PUV_HTTP_RETRIES``, ``PUV_PRERELEASE``, ``PUV_RESOLUTION``,
``PUV_EXCLUDE_NEWER``, ``PUV_COMPILE_BYTECODE``, ``PUV_COLOR``,
``PUV_MAX_UNPACK_SIZE`` (bytes, or a number with a unit: ``500MB``, ``16GiB``)
and ``PUV_MAX_COMPRESSION_RATIO`` (the decompression-bomb limits of
:class:`puv.io.archive.UnpackLimits`; unset: its defaults); pip's
``PIP_EXTRA_INDEX_URL``, ``PIP_TRUSTED_HOST`` and ``PIP_FIND_LINKS`` are
whitespace-separated.

``PIP_NO_CACHE_DIR`` follows pip (since pip 19): *any* valid boolean value,
``false``/``off``/``0`` included, turns the cache off. pip keeps this because
Dockerfiles widely set ``PIP_NO_CACHE_DIR=off`` meaning "no cache"; puv
behaves the same so those files keep their meaning. An invalid value is an
error, as in pip.

Bad values are :class:`~puv.errors.ConfigError` naming the variable or the
file and key. This module reads only the files and the environment it is
*given*; it keeps no state. Nothing heavy is imported on this path: TOML is
parsed only when a puv file exists, and pip's INI files are read with a small
reader instead of configparser.
"""

from __future__ import annotations

import os
from pathlib import Path

from puv.errors import ConfigError
from puv.frozen import Frozen

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any, ClassVar, TypeVar

    _T = TypeVar("_T")

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})

# Choice values; kept in step with puv.config_files (imported lazily there).
_INDEX_STRATEGIES = ("first-index", "unsafe-first-match", "unsafe-best-match")
_LINK_MODES = ("clone", "copy", "hardlink", "symlink")
_PRERELEASE_MODES = ("disallow", "allow", "if-necessary", "explicit", "if-necessary-or-explicit")
_RESOLUTION_MODES = ("highest", "lowest", "lowest-direct")
_LIST_FIELDS = ("extra_index_urls", "find_links", "trusted_hosts", "no_binary", "only_binary")
_CLI_ALIASES = {"extra_index_url": "extra_index_urls", "trusted_host": "trusted_hosts"}


class Settings(Frozen):
    """The merged settings of one run.

    ``index_url`` None means "the default index" (see :func:`resolve_index_url`).
    ``link_mode`` None means "hardlink, falling back to copy". ``concurrent_builds``
    0 means "one per CPU". ``config_files`` lists the files that were read:
    puv's (highest priority first), then pip's in pip's load order.

    A frozen value (:class:`puv.frozen.Frozen`, kept off ``dataclasses`` for start-up time) with the behaviour of a frozen ``@dataclass``
    (keyword or positional construction, field-wise ``==`` and hash, the same
    repr, :class:`dataclasses.FrozenInstanceError` on assignment): every
    command loads settings, and importing ``dataclasses`` (which imports
    ``inspect``) plus generating this class's methods cost more start-up time
    than the rest of ``puv cache dir``'s own code. Add a field in three places:
    ``FIELDS``, ``__init__`` and the annotations.
    """

    FIELDS: ClassVar[tuple[str, ...]] = (
        "verbosity",
        "color",
        "cache_dir",
        "no_cache",
        "offline",
        "python",
        "system",
        "index_url",
        "extra_index_urls",
        "find_links",
        "no_index",
        "index_strategy",
        "trusted_hosts",
        "cert",
        "http_timeout",
        "http_retries",
        "concurrent_downloads",
        "concurrent_builds",
        "link_mode",
        "prerelease",
        "resolution",
        "exclude_newer",
        "python_version",
        "python_platform",
        "no_build",
        "no_binary",
        "only_binary",
        "compile_bytecode",
        "require_hashes",
        "max_unpack_size",
        "max_compression_ratio",
        "config_files",
    )
    __slots__ = FIELDS

    verbosity: int
    color: str
    cache_dir: Path | None
    no_cache: bool
    offline: bool
    python: str | None
    system: bool
    index_url: str | None
    extra_index_urls: tuple[str, ...]
    find_links: tuple[str, ...]
    no_index: bool
    index_strategy: str
    trusted_hosts: tuple[str, ...]
    cert: str | None
    http_timeout: float
    http_retries: int
    concurrent_downloads: int
    concurrent_builds: int
    link_mode: str | None
    prerelease: str
    resolution: str
    exclude_newer: str | None
    python_version: str | None
    python_platform: str | None
    no_build: bool
    no_binary: tuple[str, ...]
    only_binary: tuple[str, ...]
    compile_bytecode: bool
    require_hashes: bool
    max_unpack_size: int | None
    max_compression_ratio: int | None
    config_files: tuple[Path, ...]

    def __init__(
        self,
        verbosity: int = 0,
        color: str = "auto",
        cache_dir: Path | None = None,
        no_cache: bool = False,
        offline: bool = False,
        python: str | None = None,
        system: bool = False,
        index_url: str | None = None,
        extra_index_urls: tuple[str, ...] = (),
        find_links: tuple[str, ...] = (),
        no_index: bool = False,
        index_strategy: str = "first-index",
        trusted_hosts: tuple[str, ...] = (),
        cert: str | None = None,
        http_timeout: float = 30.0,
        http_retries: int = 3,
        concurrent_downloads: int = 50,
        concurrent_builds: int = 0,
        link_mode: str | None = None,
        prerelease: str = "if-necessary-or-explicit",
        resolution: str = "highest",
        exclude_newer: str | None = None,
        python_version: str | None = None,
        python_platform: str | None = None,
        no_build: bool = False,
        no_binary: tuple[str, ...] = (),
        only_binary: tuple[str, ...] = (),
        compile_bytecode: bool = False,
        require_hashes: bool = False,
        max_unpack_size: int | None = None,
        max_compression_ratio: int | None = None,
        config_files: tuple[Path, ...] = (),
    ) -> None:
        init = object.__setattr__
        init(self, "verbosity", verbosity)
        init(self, "color", color)
        init(self, "cache_dir", cache_dir)
        init(self, "no_cache", no_cache)
        init(self, "offline", offline)
        init(self, "python", python)
        init(self, "system", system)
        init(self, "index_url", index_url)
        init(self, "extra_index_urls", extra_index_urls)
        init(self, "find_links", find_links)
        init(self, "no_index", no_index)
        init(self, "index_strategy", index_strategy)
        init(self, "trusted_hosts", trusted_hosts)
        init(self, "cert", cert)
        init(self, "http_timeout", http_timeout)
        init(self, "http_retries", http_retries)
        init(self, "concurrent_downloads", concurrent_downloads)
        init(self, "concurrent_builds", concurrent_builds)
        init(self, "link_mode", link_mode)
        init(self, "prerelease", prerelease)
        init(self, "resolution", resolution)
        init(self, "exclude_newer", exclude_newer)
        init(self, "python_version", python_version)
        init(self, "python_platform", python_platform)
        init(self, "no_build", no_build)
        init(self, "no_binary", no_binary)
        init(self, "only_binary", only_binary)
        init(self, "compile_bytecode", compile_bytecode)
        init(self, "require_hashes", require_hashes)
        init(self, "max_unpack_size", max_unpack_size)
        init(self, "max_compression_ratio", max_compression_ratio)
        init(self, "config_files", config_files)

# ---------------------------------------------------------------- environment


def _env(environ: Mapping[str, str], name: str) -> str | None:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    return raw


def _env_error(name: str, raw: str, expected: str) -> ConfigError:
    return ConfigError(
        f"invalid value {raw!r} for environment variable {name}: expected {expected}",
        hints=[f"fix or unset {name}"],
    )


def _env_bool(environ: Mapping[str, str], name: str) -> bool | None:
    raw = _env(environ, name)
    if raw is None:
        return None
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _env_error(name, raw, "one of 1, true, yes, on, 0, false, no, off")


def _env_parsed(
    environ: Mapping[str, str], name: str, parse: Callable[[str], _T], expected: str
) -> _T | None:
    raw = _env(environ, name)
    if raw is None:
        return None
    try:
        return parse(raw.strip())
    except ValueError:
        raise _env_error(name, raw, expected) from None


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError(text)
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise ValueError(text)
    return value


#: Size units: decimal (kB = 1000) and binary (KiB = 1024), case-insensitive.
_SIZE_UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4}
_SIZE_UNITS.update({"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40})


def _byte_size(text: str) -> int:
    """A positive number of bytes: ``8589934592``, ``8GiB``, ``500 MB``, ``1.5GiB``."""
    number = text.rstrip("BbIiKkMmGgTt").rstrip()
    unit = text[len(number) :].strip().lower()
    if unit not in _SIZE_UNITS:
        raise ValueError(text)
    whole, dot, fraction = number.partition(".")
    if not whole.isdigit() or (dot and not fraction.isdigit()) or not whole.isascii() or not fraction.isascii():
        raise ValueError(text)
    scale = _SIZE_UNITS[unit]
    value = int(whole) * scale + (int(fraction) * scale // 10 ** len(fraction) if fraction else 0)
    if value <= 0:
        raise ValueError(text)
    return value


def _choice(choices: tuple[str, ...]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in choices:
            raise ValueError(text)
        return text

    return parse


def _pip_no_cache_dir(environ: Mapping[str, str]) -> bool | None:
    """pip's PIP_NO_CACHE_DIR: any valid boolean disables the cache."""
    raw = _env(environ, "PIP_NO_CACHE_DIR")
    if raw is None:
        return None
    if raw.strip().lower() in _TRUE | _FALSE:
        return True
    raise _env_error("PIP_NO_CACHE_DIR", raw, "a boolean (any boolean value turns pip's cache off)")


def _env_layer(environ: Mapping[str, str], cwd: Path) -> dict[str, Any]:
    from puv import config_files as cf

    home = cf.home_dir(environ)
    values: dict[str, Any] = {}

    def put(name: str, value: Any) -> None:
        if value is not None and name not in values:
            values[name] = value

    put("color", _env_parsed(environ, "PUV_COLOR", _choice(("auto", "always", "never")), "auto, always or never"))
    cache_dir = _env(environ, "PUV_CACHE_DIR")
    if cache_dir is not None:
        put("cache_dir", cf.resolve_path(cache_dir, cwd, home))
    put("no_cache", _env_bool(environ, "PUV_NO_CACHE"))
    put("no_cache", _pip_no_cache_dir(environ))
    put("offline", _env_bool(environ, "PUV_OFFLINE"))
    put("python", _env(environ, "PUV_PYTHON"))
    put("system", _env_bool(environ, "PUV_SYSTEM_PYTHON"))

    put("index_url", _env(environ, "PUV_INDEX_URL"))
    put("index_url", _env(environ, "PIP_INDEX_URL"))
    for name in ("PUV_EXTRA_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        raw = _env(environ, name)
        if raw is not None:
            put("extra_index_urls", tuple(raw.split()))
    raw = _env(environ, "PUV_FIND_LINKS")
    if raw is not None:
        put("find_links", tuple(cf.absolute_location(v.strip(), cwd, home) for v in raw.split(",") if v.strip()))
    raw = _env(environ, "PIP_FIND_LINKS")
    if raw is not None:
        put("find_links", tuple(cf.absolute_location(v, cwd, home) for v in raw.split()))
    raw = _env(environ, "PIP_TRUSTED_HOST")
    if raw is not None:
        put("trusted_hosts", tuple(raw.split()))
    raw = _env(environ, "PIP_CERT")
    if raw is not None:
        put("cert", str(cf.resolve_path(raw.strip(), cwd, home)))

    put(
        "index_strategy",
        _env_parsed(environ, "PUV_INDEX_STRATEGY", _choice(_INDEX_STRATEGIES), "one of " + ", ".join(_INDEX_STRATEGIES)),
    )
    put("link_mode", _env_parsed(environ, "PUV_LINK_MODE", _choice(_LINK_MODES), "one of " + ", ".join(_LINK_MODES)))
    put(
        "concurrent_downloads",
        _env_parsed(environ, "PUV_CONCURRENT_DOWNLOADS", _positive_int, "a positive integer"),
    )
    put("concurrent_builds", _env_parsed(environ, "PUV_CONCURRENT_BUILDS", _positive_int, "a positive integer"))
    put("http_timeout", _env_parsed(environ, "PUV_HTTP_TIMEOUT", _positive_float, "a positive number of seconds"))
    put("http_retries", _env_parsed(environ, "PUV_HTTP_RETRIES", _non_negative_int, "a non-negative integer"))
    put(
        "prerelease",
        _env_parsed(environ, "PUV_PRERELEASE", _choice(_PRERELEASE_MODES), "one of " + ", ".join(_PRERELEASE_MODES)),
    )
    put(
        "resolution",
        _env_parsed(environ, "PUV_RESOLUTION", _choice(_RESOLUTION_MODES), "one of " + ", ".join(_RESOLUTION_MODES)),
    )
    raw = _env(environ, "PUV_EXCLUDE_NEWER")
    if raw is not None:
        if not cf.check_exclude_newer(raw.strip()):
            raise _env_error("PUV_EXCLUDE_NEWER", raw, "a date (2024-03-01) or an RFC 3339 timestamp")
        put("exclude_newer", raw.strip())
    put("compile_bytecode", _env_bool(environ, "PUV_COMPILE_BYTECODE"))
    put(
        "max_unpack_size",
        _env_parsed(
            environ, "PUV_MAX_UNPACK_SIZE", _byte_size, "a positive size in bytes, such as 8589934592, 8GiB or 500MB"
        ),
    )
    put(
        "max_compression_ratio",
        _env_parsed(environ, "PUV_MAX_COMPRESSION_RATIO", _positive_int, "a positive integer (2000 means 2000:1)"),
    )
    return values


# ---------------------------------------------------------------- command line

_SETTINGS_FIELDS = frozenset(Settings.FIELDS) - {"verbosity", "config_files"}


def _cli_layer(cli: Mapping[str, Any], cwd: Path, home: Path) -> dict[str, Any]:
    from puv import config_files as cf

    values: dict[str, Any] = {}
    for key, value in cli.items():
        name = _CLI_ALIASES.get(key, key)
        if value is None or name not in _SETTINGS_FIELDS:
            continue
        if name in _LIST_FIELDS:
            items = [value] if isinstance(value, str) else list(value)
            if name == "find_links":
                items = [cf.absolute_location(str(v), cwd, home) for v in items]
            values[name] = tuple(dict.fromkeys(str(v) for v in items))
        elif name == "cache_dir":
            values[name] = cf.resolve_path(str(value), cwd, home)
        elif name == "cert":
            values[name] = str(cf.resolve_path(str(value), cwd, home))
        else:
            values[name] = value
    return values


# ---------------------------------------------------------------- merging


def default_cache_dir(environ: Mapping[str, str]) -> Path:
    """``$XDG_CACHE_HOME/puv``, else ``~/.cache/puv``."""
    xdg = environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "puv"
    home = environ.get("HOME")
    base = Path(home) if home else Path.home()
    return base / ".cache" / "puv"


def _merge(layers: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Scalars from the highest layer that has them; lists joined, highest first."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for name, value in layer.items():
            if name in _LIST_FIELDS:
                merged[name] = tuple(dict.fromkeys((*merged.get(name, ()), *value)))
            elif name not in merged:
                merged[name] = value
    return merged


def load_settings(
    cli: Mapping[str, Any],
    environ: Mapping[str, str],
    cwd: Path,
    *,
    etc_dir: Path = Path("/etc"),
) -> Settings:
    """Merge the command line ``cli`` (``None`` = not given), the environment and
    the configuration files into one :class:`Settings` (precedence in the module
    docstring). ``etc_dir`` stands for ``/etc`` when looking for pip's
    system-wide file (tests point it elsewhere)."""
    from puv import config_files as cf

    home = cf.home_dir(environ)
    env_values = _env_layer(environ, cwd)
    cli_values = _cli_layer(cli, cwd, home)
    top = {**env_values, **cli_values}

    no_config = bool(cli.get("no_config")) or bool(_env_bool(environ, "PUV_NO_CONFIG"))
    config_file_raw = cli.get("config_file") or _env(environ, "PUV_CONFIG_FILE")
    config_file = cf.resolve_path(str(config_file_raw), cwd, home) if config_file_raw else None

    file_layers: list[cf.ConfigLayer] = []
    if config_file is not None or not no_config:
        file_layers.extend(cf.puv_layers(environ, cwd, config_file))
    if not no_config:
        pip_layer = cf.load_pip_config(environ, cwd, etc_dir)
        if pip_layer is not None:
            file_layers.append(pip_layer)

    merged = _merge([top, *(layer.values for layer in file_layers)])
    if "index_strategy" not in merged and _pip_names_extra_indexes(environ, file_layers):
        # Extra indexes named in pip's own configuration keep pip's meaning: pip
        # looks at every index and takes the best version (uv's first-index rule
        # would silently change what an existing pip setup installs).
        merged["index_strategy"] = "unsafe-best-match"
    if "cert" not in merged:
        ssl_cert_file = _env(environ, "SSL_CERT_FILE")
        if ssl_cert_file is not None and os.path.exists(ssl_cert_file):
            merged["cert"] = ssl_cert_file
    if merged.get("cache_dir") is None:
        merged["cache_dir"] = default_cache_dir(environ)

    files = tuple(path for layer in file_layers for path in layer.files)
    verbosity = int(cli.get("verbose") or 0) - int(cli.get("quiet") or 0)
    return Settings(verbosity=verbosity, config_files=files, **merged)


def _pip_names_extra_indexes(environ: Mapping[str, str], layers: list[Any]) -> bool:
    """Whether extra indexes come from pip's configuration (its files or PIP_EXTRA_INDEX_URL)."""
    if _env(environ, "PIP_EXTRA_INDEX_URL") and not _env(environ, "PUV_EXTRA_INDEX_URL"):
        return True
    return any(layer.name == "pip" and layer.values.get("extra_index_urls") for layer in layers)


def resolve_index_url(settings: Settings) -> str:
    """The index URL to use: the configured one, else pip's built-in default.

    Only commands that talk to an index call this (and not with ``no_index``),
    so finding pip's default costs nothing elsewhere."""
    if settings.index_url:
        return settings.index_url
    from puv.default_index import pip_default_index_url

    url = pip_default_index_url()
    if url is None:
        raise ConfigError(
            "no package index is configured and pip's default index could not be found",
            hints=[
                "set --index-url / PUV_INDEX_URL (or index-url in puv.toml)",
                "or install pip, whose built-in default index puv uses",
            ],
        )
    return url
