"""Configuration files: puv's own TOML files and pip's INI files.

puv's files
-----------
Layout follows uv's (``uv.toml`` / ``[tool.uv]``), with ``puv`` in place of
``uv``:

* ``puv.toml`` holds the settings at its top level;
* ``pyproject.toml`` holds them in its ``[tool.puv]`` table (a pyproject.toml
  without that table is not a configuration file);
* keys are kebab-case; settings that only the pip interface reads live in a
  ``[pip]`` sub-table (``[tool.puv.pip]`` in pyproject.toml), like uv's
  ``[tool.uv.pip]``. A key may sit in both places; for scalars the ``[pip]``
  value wins, lists are joined (``[pip]`` entries first).

Top-level keys (``TOP_LEVEL_KEYS``): ``cache-dir``, ``no-cache``, ``offline``,
``index-url``, ``extra-index-url``, ``find-links``, ``no-index``,
``index-strategy``, ``allow-insecure-host``, ``link-mode``,
``compile-bytecode``, ``concurrent-downloads``, ``concurrent-builds``,
``prerelease``, ``resolution``, ``exclude-newer``, ``no-build``.

``[pip]`` keys (``PIP_KEYS``): ``python``, ``system``, ``index-url``,
``extra-index-url``, ``find-links``, ``no-index``, ``index-strategy``,
``allow-insecure-host``, ``link-mode``, ``compile-bytecode``, ``prerelease``,
``resolution``, ``exclude-newer``, ``no-build``, ``no-binary``,
``only-binary``, ``python-version``, ``python-platform``, ``require-hashes``.

Discovery (like uv): from the working directory upward to the filesystem
root, the first directory that has a ``puv.toml`` or a ``pyproject.toml`` with a
``[tool.puv]`` table is the project; ``puv.toml`` wins over ``pyproject.toml``
in the same directory. The user file is ``$XDG_CONFIG_HOME/puv/puv.toml`` (else
``~/.config/puv/puv.toml``); it must use the ``puv.toml`` format. An explicit
``--config-file`` replaces both. An unknown key, a value of the wrong type and
invalid TOML are errors naming the file and the key. Relative paths
(``cache-dir``, non-URL ``find-links``) are relative to the file's directory.

pip's files
-----------
Only the index settings are taken: ``index-url``, ``extra-index-url``,
``find-links``, ``trusted-host``, ``cert`` and ``timeout`` (also spelled
``default-timeout``), from the ``[global]`` section and then the ``[install]``
section, which overrides it. Files are found where pip looks on Unix, in pip's
load order (later files override earlier ones): ``<dir>/pip/pip.conf`` for each
directory of ``$XDG_CONFIG_DIRS`` (default ``/etc/xdg``), ``/etc/pip.conf``;
``~/.pip/pip.conf`` (legacy), ``$XDG_CONFIG_HOME/pip/pip.conf``;
``$VIRTUAL_ENV/pip.conf``; finally ``$PIP_CONFIG_FILE``. As in pip,
``PIP_CONFIG_FILE=/dev/null`` turns all of pip's files off, and an existing
``PIP_CONFIG_FILE`` makes pip skip the user files. Values with several entries
are split on whitespace (newlines included). The files are INI; a small reader
here covers what pip's configparser-based reader accepts in practice (sections,
``key = value`` / ``key: value``, indented continuation lines, ``#``/``;``
comment lines) without importing configparser on the start-up path.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from types import MappingProxyType

from puv.errors import ConfigError
from puv.frozen import Frozen

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

PUV_TOML = "puv.toml"
PYPROJECT_TOML = "pyproject.toml"

INDEX_STRATEGIES = ("first-index", "unsafe-first-match", "unsafe-best-match")
LINK_MODES = ("clone", "copy", "hardlink", "symlink")
PRERELEASE_MODES = ("disallow", "allow", "if-necessary", "explicit", "if-necessary-or-explicit")
RESOLUTION_MODES = ("highest", "lowest", "lowest-direct")

# Settings fields whose values are tuples joined across layers (not replaced).
LIST_FIELDS = frozenset({"extra_index_urls", "find_links", "trusted_hosts", "no_binary", "only_binary"})

# Patterns stay text: ``re`` compiles (and caches) them on first use, so a run
# that never meets such a value pays nothing for them at start-up.
_URL_RE = r"^[A-Za-z][A-Za-z0-9+.-]*:"
_WINDOWS_DRIVE_RE = r"^[A-Za-z]:[\\/]"
_EXCLUDE_NEWER_RE = (
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?)?$"
)
_PYTHON_VERSION_RE = r"^\d+\.\d+(?:\.\d+)?$"


# ---------------------------------------------------------------- value checks


def is_url(value: str) -> bool:
    """True for ``scheme:...`` strings (but not Windows drive paths like ``C:\\x``)."""
    return bool(re.match(_URL_RE, value)) and not re.match(_WINDOWS_DRIVE_RE, value)


def resolve_path(value: str, base: Path, home: Path | None = None) -> Path:
    """A path from a setting: ``~`` and ``~/...`` start at ``home`` (the HOME of
    the environment puv was given; the process's when None), ``~user/...`` at
    that user's home, and a relative path is joined to ``base``."""
    if home is not None and (value == "~" or value.startswith("~/")):
        return home / value[2:]
    return base / Path(value).expanduser()


def absolute_location(value: str, base: Path, home: Path | None = None) -> str:
    """A find-links entry: URLs stay as they are, paths become absolute from ``base``."""
    if is_url(value):
        return value
    return str(resolve_path(value, base, home))


def check_exclude_newer(value: str) -> bool:
    """An RFC 3339 timestamp or a date (``2024-03-01``), as uv accepts."""
    return bool(re.match(_EXCLUDE_NEWER_RE, value))


def check_python_version(value: str) -> bool:
    """``3.12`` or ``3.12.1``."""
    return bool(re.match(_PYTHON_VERSION_RE, value))


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


class Key(Frozen):
    """One key of puv's files: its kebab-case name, the Settings field it sets,
    the expected kind (``str``, ``bool``, ``posint``, ``strlist``, ``path``,
    ``links``, ``choice``, ``date``, ``pyversion``) and the allowed values for
    ``choice``.

    A :class:`~puv.frozen.Frozen` value, not a ``@dataclass``: this module is imported
    by every command run, and ``dataclasses`` (which imports ``inspect``) would
    be a large share of start-up.
    """

    __slots__ = ("name", "field", "kind", "choices")

    name: str
    field: str
    kind: str
    choices: tuple[str, ...]

    def __init__(self, name: str, field: str, kind: str, choices: tuple[str, ...] = ()) -> None:
        init = object.__setattr__
        init(self, "name", name)
        init(self, "field", field)
        init(self, "kind", kind)
        init(self, "choices", choices)

_COMMON_KEYS = (
    Key("index-url", "index_url", "str"),
    Key("extra-index-url", "extra_index_urls", "strlist"),
    Key("find-links", "find_links", "links"),
    Key("no-index", "no_index", "bool"),
    Key("index-strategy", "index_strategy", "choice", INDEX_STRATEGIES),
    Key("allow-insecure-host", "trusted_hosts", "strlist"),
    Key("link-mode", "link_mode", "choice", LINK_MODES),
    Key("compile-bytecode", "compile_bytecode", "bool"),
    Key("prerelease", "prerelease", "choice", PRERELEASE_MODES),
    Key("resolution", "resolution", "choice", RESOLUTION_MODES),
    Key("exclude-newer", "exclude_newer", "date"),
    Key("no-build", "no_build", "bool"),
)

TOP_LEVEL_KEYS: Mapping[str, Key] = MappingProxyType(
    {
        k.name: k
        for k in (
            Key("cache-dir", "cache_dir", "path"),
            Key("no-cache", "no_cache", "bool"),
            Key("offline", "offline", "bool"),
            Key("concurrent-downloads", "concurrent_downloads", "posint"),
            Key("concurrent-builds", "concurrent_builds", "posint"),
            *_COMMON_KEYS,
        )
    }
)

PIP_KEYS: Mapping[str, Key] = MappingProxyType(
    {
        k.name: k
        for k in (
            Key("python", "python", "str"),
            Key("system", "system", "bool"),
            *_COMMON_KEYS,
            Key("no-binary", "no_binary", "strlist"),
            Key("only-binary", "only_binary", "strlist"),
            Key("python-version", "python_version", "pyversion"),
            Key("python-platform", "python_platform", "str"),
            Key("require-hashes", "require_hashes", "bool"),
        )
    }
)


# ---------------------------------------------------------------- layers


class ConfigLayer(Frozen):
    """Settings read from one source, keyed by ``Settings`` field name.

    ``files`` lists the files the values came from (several for pip's files,
    which pip merges into one layer). A :class:`~puv.frozen.Frozen` value for the same
    reason as :class:`Key`."""

    __slots__ = ("name", "files", "values")

    name: str
    files: tuple[Path, ...]
    values: Mapping[str, Any]

    def __init__(self, name: str, files: tuple[Path, ...], values: Mapping[str, Any]) -> None:
        init = object.__setattr__
        init(self, "name", name)
        init(self, "files", files)
        init(self, "values", values)

def _load_toml(path: Path, text: str) -> dict[str, Any]:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"invalid TOML in {path}: {error}",
            hints=["fix the syntax, or run with --no-config to ignore configuration files"],
        ) from None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"cannot read {path}: not valid UTF-8 ({error.reason})") from None
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror or error}") from None


def _unknown_key(name: str, shown: str, path: Path, valid: Mapping[str, Key], other: Mapping[str, Key], other_where: str) -> ConfigError:
    import difflib

    hints: list[str] = []
    if name in other:
        hints.append(f"`{name}` belongs {other_where}")
    else:
        close = difflib.get_close_matches(name, list(valid), n=1)
        if close:
            hints.append(f"did you mean `{close[0]}`?")
    names = sorted(valid) + (["pip (a table)"] if valid is TOP_LEVEL_KEYS else [])
    hints.append("valid keys here: " + ", ".join(names))
    return ConfigError(f"unknown key `{shown}` in {path}", hints=hints)


def _convert(key: Key, value: object, shown: str, path: Path, home: Path | None) -> Any:
    """Check one value against its key's kind and turn it into the Settings form."""

    def wrong(expected: str) -> ConfigError:
        return ConfigError(
            f"invalid type for `{shown}` in {path}: expected {expected}, got {_type_name(value)}"
        )

    def bad_value(expected: str) -> ConfigError:
        return ConfigError(f"invalid value {value!r} for `{shown}` in {path}: expected {expected}")

    base = path.parent
    kind = key.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise wrong("a boolean")
        return value
    if kind == "posint":
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong("an integer")
        if value <= 0:
            raise bad_value("a positive integer")
        return value
    if kind in ("strlist", "links"):
        if not isinstance(value, list):
            raise wrong("an array of strings")
        for item in value:
            if not isinstance(item, str):
                raise ConfigError(
                    f"invalid type for `{shown}` in {path}: expected an array of strings, "
                    f"got an array containing {_type_name(item)}"
                )
        if kind == "links":
            return tuple(absolute_location(item, base, home) for item in value)
        return tuple(value)
    if not isinstance(value, str):
        raise wrong("a string")
    if kind == "path":
        return resolve_path(value, base, home)
    if kind == "choice":
        if value not in key.choices:
            raise bad_value("one of " + ", ".join(key.choices))
        return value
    if kind == "date":
        if not check_exclude_newer(value):
            raise bad_value("a date (2024-03-01) or an RFC 3339 timestamp (2024-03-01T00:00:00Z)")
        return value
    if kind == "pyversion":
        if not check_python_version(value):
            raise bad_value("a version like 3.12 or 3.12.1")
        return value
    return value


def settings_from_table(
    table: Mapping[str, Any], path: Path, prefix: str = "", home: Path | None = None
) -> dict[str, Any]:
    """Validate the settings table of one puv file and convert it to Settings fields.

    ``prefix`` is how the table is addressed in the file (``tool.puv.`` in a
    pyproject.toml), used only in messages."""
    top: dict[str, Any] = {}
    pip: dict[str, Any] = {}
    for name, value in table.items():
        if name == "pip":
            if not isinstance(value, dict):
                raise ConfigError(
                    f"invalid type for `{prefix}pip` in {path}: expected a table, got {_type_name(value)}"
                )
            for pname, pvalue in value.items():
                shown = f"{prefix}pip.{pname}"
                pkey = PIP_KEYS.get(pname)
                if pkey is None:
                    raise _unknown_key(pname, shown, path, PIP_KEYS, TOP_LEVEL_KEYS, "at the top level, not in `[pip]`")
                pip[pkey.field] = _convert(pkey, pvalue, shown, path, home)
            continue
        key = TOP_LEVEL_KEYS.get(name)
        if key is None:
            raise _unknown_key(name, prefix + name, path, TOP_LEVEL_KEYS, PIP_KEYS, f"in the `[{prefix}pip]` table")
        top[key.field] = _convert(key, value, prefix + name, path, home)
    merged = dict(top)
    for fname, fvalue in pip.items():
        if fname in LIST_FIELDS and fname in merged:
            merged[fname] = _dedupe((*fvalue, *merged[fname]))
        else:
            merged[fname] = fvalue
    return merged


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def load_puv_file(path: Path, home: Path | None = None) -> ConfigLayer | None:
    """Read one puv configuration file (``puv.toml`` format, or ``[tool.puv]`` of
    a file named ``pyproject.toml``). None for a pyproject.toml without
    ``[tool.puv]``."""
    text = _read_text(path)
    if path.name == PYPROJECT_TOML:
        if "puv" not in text:  # cheap: no TOML parsing when it cannot have the table
            return None
        data = _load_toml(path, text)
        tool = data.get("tool")
        if not isinstance(tool, dict) or "puv" not in tool:
            return None
        table = tool["puv"]
        if not isinstance(table, dict):
            raise ConfigError(
                f"invalid type for `tool.puv` in {path}: expected a table, got {_type_name(table)}"
            )
        return ConfigLayer("project", (path,), MappingProxyType(settings_from_table(table, path, "tool.puv.", home)))
    data = _load_toml(path, text)
    return ConfigLayer("file", (path,), MappingProxyType(settings_from_table(data, path, "", home)))


def find_project_config(start: Path, home: Path | None = None) -> ConfigLayer | None:
    """The project layer: the nearest directory from ``start`` upward that has a
    ``puv.toml`` or a ``pyproject.toml`` with ``[tool.puv]``."""
    directory = start
    while True:
        candidate = directory / PUV_TOML
        if candidate.is_file():
            layer = load_puv_file(candidate, home)
            if layer is not None:
                return ConfigLayer("project", layer.files, layer.values)
        candidate = directory / PYPROJECT_TOML
        if candidate.is_file():
            layer = load_puv_file(candidate, home)
            if layer is not None:
                return layer
        parent = directory.parent
        if parent == directory:
            return None
        directory = parent


def home_dir(environ: Mapping[str, str]) -> Path:
    """``$HOME`` of ``environ``, else the process's home directory."""
    home = environ.get("HOME")
    return Path(home) if home else Path.home()


def config_home(environ: Mapping[str, str]) -> Path:
    """``$XDG_CONFIG_HOME`` when absolute (XDG base directory spec), else ``~/.config``."""
    xdg = environ.get("XDG_CONFIG_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg)
    return home_dir(environ) / ".config"


def user_config_path(environ: Mapping[str, str]) -> Path:
    """``$XDG_CONFIG_HOME/puv/puv.toml`` (else ``~/.config/puv/puv.toml``)."""
    return config_home(environ) / "puv" / PUV_TOML


def puv_layers(environ: Mapping[str, str], cwd: Path, config_file: Path | None) -> tuple[ConfigLayer, ...]:
    """puv's file layers, highest priority first: the ``config_file`` alone when
    given, else the project file and the user file (those that exist)."""
    home = home_dir(environ)
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(
                f"configuration file {config_file} does not exist",
                hints=["check --config-file / PUV_CONFIG_FILE"],
            )
        layer = load_puv_file(config_file, home)
        if layer is None:
            raise ConfigError(f"{config_file} has no [tool.puv] table")
        return (ConfigLayer("config-file", layer.files, layer.values),)
    layers: list[ConfigLayer] = []
    project = find_project_config(cwd, home)
    if project is not None:
        layers.append(project)
    user = user_config_path(environ)
    if user.is_file():
        layer = load_puv_file(user, home)
        if layer is not None and not (project is not None and project.files == layer.files):
            layers.append(ConfigLayer("user", layer.files, layer.values))
    return tuple(layers)


# ---------------------------------------------------------------- pip's files


def pip_config_paths(environ: Mapping[str, str], etc_dir: Path = Path("/etc")) -> tuple[Path, ...]:
    """pip's configuration file candidates on Unix, lowest priority first.

    Empty when ``PIP_CONFIG_FILE`` is ``os.devnull``. ``etc_dir`` stands for
    ``/etc`` (tests point it elsewhere)."""
    env_file = environ.get("PIP_CONFIG_FILE")
    if env_file is not None and env_file == os.devnull:
        return ()
    paths: list[Path] = []
    xdg_dirs = environ.get("XDG_CONFIG_DIRS") or str(etc_dir / "xdg")
    for directory in xdg_dirs.split(os.pathsep):
        if directory:
            paths.append(Path(directory) / "pip" / "pip.conf")
    paths.append(etc_dir / "pip.conf")
    if not (env_file and os.path.exists(env_file)):
        paths.append(home_dir(environ) / ".pip" / "pip.conf")
        paths.append(config_home(environ) / "pip" / "pip.conf")
    venv = environ.get("VIRTUAL_ENV")
    if venv:
        paths.append(Path(venv) / "pip.conf")
    if env_file:
        paths.append(Path(env_file))
    return tuple(paths)


_SECTION_RE = r"^\[(?P<name>[^\]]+)\]\s*$"
_OPTION_RE = r"^(?P<key>[^=:\s][^=:]*?)\s*[=:]\s*(?P<value>.*)$"


def parse_ini(text: str, path: Path) -> dict[str, dict[str, str]]:
    """Sections of an INI file as pip's (raw) configparser reads them.

    Keys are lower-cased; an indented line continues the previous value (joined
    with a newline); whole-line ``#`` and ``;`` comments and blank lines are
    skipped; a repeated key keeps its last value."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    last_key: str | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if raw[0] in " \t" and current is not None and last_key is not None:
            current[last_key] = (current[last_key] + "\n" + stripped).strip()
            continue
        match = re.match(_SECTION_RE, stripped)
        if match:
            current = sections.setdefault(match["name"].strip(), {})
            last_key = None
            continue
        match = re.match(_OPTION_RE, stripped)
        if match is None or current is None:
            what = "a line outside any [section]" if current is None else "a line that is not `key = value`"
            raise ConfigError(
                f"cannot parse pip configuration file {path}, line {lineno}: {what}",
                hints=[f"the line is: {stripped}", "set PIP_CONFIG_FILE=/dev/null to make pip and puv skip pip's files"],
            )
        last_key = match["key"].strip().lower()
        current[last_key] = match["value"].strip()
    return sections


def _pip_name(key: str) -> str:
    """pip's normalisation of a configuration key: lower case, ``_`` -> ``-``, no ``--``."""
    key = key.lower().replace("_", "-")
    return key[2:] if key.startswith("--") else key


def _pip_value(
    name: str, raw: str, path: Path, cwd: Path, home: Path
) -> tuple[str, Any] | None:
    """One pip option as a (Settings field, value) pair, or None if puv ignores it."""
    if name == "index-url":
        return ("index_url", raw) if raw else None
    if name == "extra-index-url":
        return "extra_index_urls", tuple(raw.split())
    if name == "find-links":
        return "find_links", tuple(absolute_location(v, cwd, home) for v in raw.split())
    if name == "trusted-host":
        return "trusted_hosts", tuple(raw.split())
    if name == "cert":
        return ("cert", str(resolve_path(raw, cwd, home))) if raw else None
    if name in ("timeout", "default-timeout"):
        try:
            seconds = float(raw)
        except ValueError:
            raise ConfigError(
                f"invalid value {raw!r} for `{name}` in pip configuration file {path}: expected a number of seconds"
            ) from None
        return "http_timeout", seconds
    return None


_PIP_SECTIONS = ("global", "install")

def load_pip_config(
    environ: Mapping[str, str], cwd: Path, etc_dir: Path = Path("/etc")
) -> ConfigLayer | None:
    """pip's index settings from its configuration files, as one layer.

    As in pip, every file's ``section.key`` entries are merged (later files win)
    and then ``[global]`` is applied before ``[install]``; so an ``[install]``
    value in a system file beats a ``[global]`` value in the user file. Relative
    ``find-links`` and ``cert`` paths are taken from ``cwd``, as pip does."""
    home = home_dir(environ)
    merged: dict[tuple[str, str], tuple[str, Path]] = {}
    read: list[Path] = []
    for path in pip_config_paths(environ, etc_dir):
        if not path.is_file():
            continue
        sections = parse_ini(_read_text(path), path)
        read.append(path)
        for section in _PIP_SECTIONS:
            for key, value in sections.get(section, {}).items():
                merged[(section, _pip_name(key))] = (value, path)
    if not read:
        return None
    values: dict[str, Any] = {}
    for section in _PIP_SECTIONS:
        for (sec, name), (raw, path) in merged.items():
            if sec != section:
                continue
            converted = _pip_value(name, raw, path, cwd, home)
            if converted is not None:
                values[converted[0]] = converted[1]
    return ConfigLayer("pip", tuple(read), MappingProxyType(values))
