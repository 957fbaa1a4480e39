"""Settings: the five layers, their precedence, and bad values (puv.settings)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest

from puv import default_index
from puv.errors import ConfigError
from puv.settings import Settings, default_cache_dir, load_settings, resolve_index_url


class World:
    """A project directory, a home directory, a fake /etc and an environment."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.project = root / "project"
        self.etc = root / "etc"
        self.project.mkdir(parents=True)
        self.home.mkdir()
        self.env: dict[str, str] = {
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "XDG_CONFIG_DIRS": str(root / "xdg"),
            "PIP_CONFIG_FILE": os.devnull,
        }

    def write(self, path: Path, text: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def project_file(self, text: str) -> Path:
        return self.write(self.project / "puv.toml", text)

    def user_file(self, text: str) -> Path:
        return self.write(self.home / ".config" / "puv" / "puv.toml", text)

    def pip_file(self, text: str) -> Path:
        path = self.write(self.root / "pip.conf", text)
        self.env["PIP_CONFIG_FILE"] = str(path)
        return path

    def load(self, **cli: Any) -> Settings:
        return load_settings(cli, self.env, self.project, etc_dir=self.etc)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def test_defaults(world: World) -> None:
    settings = world.load()
    assert settings == Settings(cache_dir=world.home / ".cache" / "puv")
    assert settings.config_files == ()
    assert settings.index_url is None
    assert settings.prerelease == "if-necessary-or-explicit"
    assert settings.resolution == "highest"


def test_settings_are_frozen(world: World) -> None:
    settings = world.load()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.offline = True  # type: ignore[misc]


def test_verbosity_and_color(world: World) -> None:
    assert world.load(verbose=2, quiet=0).verbosity == 2
    assert world.load(verbose=0, quiet=1).verbosity == -1
    world.env["PUV_COLOR"] = "never"
    assert world.load().color == "never"
    assert world.load(color="always").color == "always"


# ---------------------------------------------------------------- precedence, one boundary each


def test_cli_beats_environment(world: World) -> None:
    world.env["PUV_INDEX_URL"] = "https://example.com/env"
    world.env["PUV_OFFLINE"] = "false"
    settings = world.load(index_url="https://example.com/cli", offline=True)
    assert settings.index_url == "https://example.com/cli"
    assert settings.offline is True


def test_environment_beats_project(world: World) -> None:
    world.project_file('index-url = "https://example.com/project"\nconcurrent-downloads = 4\n')
    world.env["PUV_INDEX_URL"] = "https://example.com/env"
    world.env["PUV_CONCURRENT_DOWNLOADS"] = "9"
    settings = world.load()
    assert settings.index_url == "https://example.com/env"
    assert settings.concurrent_downloads == 9


def test_project_beats_user(world: World) -> None:
    project = world.project_file('index-url = "https://example.com/project"\n')
    user = world.user_file('index-url = "https://example.com/user"\noffline = true\n')
    settings = world.load()
    assert settings.index_url == "https://example.com/project"
    assert settings.offline is True  # only the user file sets it
    assert settings.config_files == (project, user)


def test_user_beats_pip(world: World) -> None:
    user = world.user_file('index-url = "https://example.com/user"\n')
    pip = world.pip_file("[global]\nindex-url = https://example.com/pip\ntimeout = 12\n")
    settings = world.load()
    assert settings.index_url == "https://example.com/user"
    assert settings.http_timeout == 12.0
    assert settings.config_files == (user, pip)


def test_pip_files_beat_defaults(world: World) -> None:
    world.write(world.etc / "pip.conf", "[global]\nindex-url = https://example.com/etc\n")
    world.env["PIP_CONFIG_FILE"] = str(world.root / "absent.conf")
    settings = world.load()
    assert settings.index_url == "https://example.com/etc"
    assert settings.config_files == (world.etc / "pip.conf",)


def test_puv_variable_beats_pip_variable(world: World) -> None:
    world.env.update(
        PUV_INDEX_URL="https://example.com/puv",
        PIP_INDEX_URL="https://example.com/pip",
        PUV_EXTRA_INDEX_URL="https://example.com/x1",
        PIP_EXTRA_INDEX_URL="https://example.com/y1",
    )
    settings = world.load()
    assert settings.index_url == "https://example.com/puv"
    assert settings.extra_index_urls == ("https://example.com/x1",)


def test_pip_variables(world: World) -> None:
    world.env.update(
        PIP_INDEX_URL="https://example.com/pip",
        PIP_EXTRA_INDEX_URL="https://example.com/a\n https://example.com/b",
        PIP_TRUSTED_HOST="example.com  127.0.0.1:8080",
        PIP_CERT="certs/ca.pem",
        PIP_FIND_LINKS="wheels https://example.com/links",
    )
    settings = world.load()
    assert settings.index_url == "https://example.com/pip"
    assert settings.extra_index_urls == ("https://example.com/a", "https://example.com/b")
    assert settings.trusted_hosts == ("example.com", "127.0.0.1:8080")
    assert settings.cert == str(world.project / "certs" / "ca.pem")
    assert settings.find_links == (str(world.project / "wheels"), "https://example.com/links")


def test_lists_join_across_layers_highest_first(world: World) -> None:
    world.project_file('extra-index-url = ["https://example.com/project", "https://example.com/shared"]\n')
    world.user_file('extra-index-url = ["https://example.com/user", "https://example.com/shared"]\n')
    world.pip_file("[global]\nextra-index-url = https://example.com/pip\n")
    world.env["PUV_EXTRA_INDEX_URL"] = "https://example.com/env"
    assert world.load().extra_index_urls == (
        "https://example.com/env",
        "https://example.com/project",
        "https://example.com/shared",
        "https://example.com/user",
        "https://example.com/pip",
    )
    # The command line replaces the variable, and still joins the files.
    assert world.load(extra_index_urls=["https://example.com/cli"]).extra_index_urls[:2] == (
        "https://example.com/cli",
        "https://example.com/project",
    )


def test_cli_list_aliases_and_find_links_paths(world: World) -> None:
    settings = world.load(extra_index_url=["https://example.com/a"], find_links=["wheels"], trusted_host=["h"])
    assert settings.extra_index_urls == ("https://example.com/a",)
    assert settings.find_links == (str(world.project / "wheels"),)
    assert settings.trusted_hosts == ("h",)


def test_pip_table_settings_reach_settings(world: World) -> None:
    world.write(
        world.project / "pyproject.toml",
        "[tool.puv]\n"
        'resolution = "lowest"\n'
        "[tool.puv.pip]\n"
        'python = "3.11"\nsystem = true\nno-binary = ["foo"]\npython-platform = "linux"\n'
        "compile-bytecode = true\nno-build = true\n",
    )
    settings = world.load()
    assert settings.resolution == "lowest"
    assert settings.python == "3.11"
    assert settings.system is True
    assert settings.no_binary == ("foo",)
    assert settings.python_platform == "linux"
    assert settings.compile_bytecode is True
    assert settings.no_build is True


# ---------------------------------------------------------------- --no-config, --config-file


def test_no_config_ignores_files_but_not_environment(world: World) -> None:
    world.project_file('index-url = "https://example.com/project"\nno-index = true\n')
    world.user_file("offline = true\n")
    world.pip_file("[global]\nextra-index-url = https://example.com/pip\n")
    world.env["PUV_CONCURRENT_BUILDS"] = "3"
    for settings in (world.load(no_config=True), load_settings({}, {**world.env, "PUV_NO_CONFIG": "1"}, world.project)):
        assert settings.index_url is None
        assert settings.no_index is False
        assert settings.offline is False
        assert settings.extra_index_urls == ()
        assert settings.concurrent_builds == 3
        assert settings.config_files == ()


def test_config_file_replaces_project_and_user(world: World) -> None:
    world.project_file('index-url = "https://example.com/project"\n')
    world.user_file("offline = true\n")
    chosen = world.write(world.root / "elsewhere" / "custom.toml", 'link-mode = "symlink"\ncache-dir = "c"\n')
    settings = world.load(config_file=str(chosen))
    assert settings.index_url is None
    assert settings.offline is False
    assert settings.link_mode == "symlink"
    assert settings.cache_dir == world.root / "elsewhere" / "c"
    assert settings.config_files == (chosen,)


def test_config_file_from_environment_is_relative_to_cwd(world: World) -> None:
    chosen = world.write(world.project / "conf" / "puv.toml", "no-cache = true\n")
    world.env["PUV_CONFIG_FILE"] = "conf/puv.toml"
    settings = world.load()
    assert settings.no_cache is True
    assert settings.config_files == (chosen,)


def test_config_file_is_read_even_with_no_config(world: World) -> None:
    chosen = world.write(world.root / "c.toml", "offline = true\n")
    world.pip_file("[global]\nindex-url = https://example.com/pip\n")
    settings = world.load(config_file=str(chosen), no_config=True)
    assert settings.offline is True
    assert settings.index_url is None


def test_missing_config_file_is_an_error(world: World) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        world.load(config_file="nope.toml")


def test_file_errors_surface_through_load_settings(world: World) -> None:
    path = world.user_file("bogus-key = 1\n")
    with pytest.raises(ConfigError) as info:
        world.load()
    assert info.value.message == f"unknown key `bogus-key` in {path}"


# ---------------------------------------------------------------- paths


def test_cache_dir_paths(world: World) -> None:
    assert world.load(cache_dir="rel").cache_dir == world.project / "rel"
    world.env["PUV_CACHE_DIR"] = "~/c"
    assert world.load().cache_dir == world.home / "c"
    world.env.pop("PUV_CACHE_DIR")
    world.project_file('cache-dir = "../cache-from-file"\n')
    assert world.load().cache_dir == world.project / ".." / "cache-from-file"


def test_relative_find_links_from_project_file_and_environment(world: World) -> None:
    world.project_file('find-links = ["wheels"]\n')
    sub = world.project / "sub"
    sub.mkdir()
    world.env["PUV_FIND_LINKS"] = "local, https://example.com/links"
    settings = load_settings({}, world.env, sub, etc_dir=world.etc)
    assert settings.find_links == (
        str(sub / "local"),
        "https://example.com/links",
        str(world.project / "wheels"),
    )


def test_default_cache_dir_without_xdg(tmp_path: Path) -> None:
    assert default_cache_dir({"HOME": str(tmp_path)}) == tmp_path / ".cache" / "puv"


# ---------------------------------------------------------------- environment values


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PUV_CONCURRENT_DOWNLOADS", "abc"),
        ("PUV_CONCURRENT_DOWNLOADS", "0"),
        ("PUV_CONCURRENT_BUILDS", "-2"),
        ("PUV_LINK_MODE", "bogus"),
        ("PUV_INDEX_STRATEGY", "best"),
        ("PUV_HTTP_TIMEOUT", "soon"),
        ("PUV_HTTP_TIMEOUT", "-1"),
        ("PUV_HTTP_RETRIES", "x"),
        ("PUV_OFFLINE", "maybe"),
        ("PUV_NO_CACHE", "2"),
        ("PUV_SYSTEM_PYTHON", "sure"),
        ("PUV_PRERELEASE", "always"),
        ("PUV_RESOLUTION", "newest"),
        ("PUV_EXCLUDE_NEWER", "yesterday"),
        ("PUV_COMPILE_BYTECODE", "please"),
        ("PUV_NO_CONFIG", "nah"),
        ("PUV_COLOR", "rainbow"),
        ("PIP_NO_CACHE_DIR", "whatever"),
        ("PUV_MAX_UNPACK_SIZE", "lots"),
        ("PUV_MAX_UNPACK_SIZE", "8 gigs"),
        ("PUV_MAX_UNPACK_SIZE", "0"),
        ("PUV_MAX_UNPACK_SIZE", "-5GiB"),
        ("PUV_MAX_UNPACK_SIZE", "1e9"),
        ("PUV_MAX_UNPACK_SIZE", "GiB"),
        ("PUV_MAX_UNPACK_SIZE", "1.GiB"),
        ("PUV_MAX_COMPRESSION_RATIO", "2000:1"),
        ("PUV_MAX_COMPRESSION_RATIO", "0"),
        ("PUV_MAX_COMPRESSION_RATIO", "high"),
    ],
)
def test_bad_environment_values_name_the_variable(world: World, name: str, value: str) -> None:
    world.env[name] = value
    with pytest.raises(ConfigError) as info:
        world.load()
    assert info.value.message.startswith(f"invalid value {value!r} for environment variable {name}: expected ")


def test_environment_values_are_parsed(world: World) -> None:
    world.env.update(
        PUV_NO_CACHE="yes",
        PUV_OFFLINE="1",
        PUV_PYTHON="3.12",
        PUV_SYSTEM_PYTHON="true",
        PUV_INDEX_STRATEGY="unsafe-best-match",
        PUV_LINK_MODE="copy",
        PUV_CONCURRENT_DOWNLOADS="7",
        PUV_CONCURRENT_BUILDS="2",
        PUV_HTTP_TIMEOUT="2.5",
        PUV_HTTP_RETRIES="0",
        PUV_PRERELEASE="allow",
        PUV_RESOLUTION="lowest-direct",
        PUV_EXCLUDE_NEWER="2024-01-02T03:04:05Z",
        PUV_COMPILE_BYTECODE="on",
    )
    s = world.load()
    assert (s.no_cache, s.offline, s.python, s.system) == (True, True, "3.12", True)
    assert (s.index_strategy, s.link_mode, s.concurrent_downloads, s.concurrent_builds) == (
        "unsafe-best-match",
        "copy",
        7,
        2,
    )
    assert (s.http_timeout, s.http_retries, s.prerelease, s.resolution) == (2.5, 0, "allow", "lowest-direct")
    assert (s.exclude_newer, s.compile_bytecode) == ("2024-01-02T03:04:05Z", True)


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ("1048576", 1 << 20),
        ("8GiB", 8 << 30),
        ("8gib", 8 << 30),
        ("500MB", 500_000_000),
        ("500 mb", 500_000_000),
        ("64KiB", 65536),
        ("2kB", 2000),
        ("1.5GiB", 3 << 29),
        ("1TiB", 1 << 40),
        ("100B", 100),
    ],
)
def test_unpack_limits_from_the_environment(world: World, value: str, size: int) -> None:
    assert world.load().max_unpack_size is None  # unset: the built-in default applies
    world.env.update(PUV_MAX_UNPACK_SIZE=value, PUV_MAX_COMPRESSION_RATIO="5000")
    settings = world.load()
    assert (settings.max_unpack_size, settings.max_compression_ratio) == (size, 5000)


def test_empty_variables_count_as_unset(world: World) -> None:
    world.env.update(PUV_INDEX_URL="", PUV_CONCURRENT_DOWNLOADS="", PUV_OFFLINE=" ")
    settings = world.load()
    assert settings.index_url is None
    assert settings.concurrent_downloads == 50
    assert settings.offline is False


@pytest.mark.parametrize("value", ["1", "true", "yes", "false", "off", "0"])
def test_pip_no_cache_dir_any_boolean_disables_cache(world: World, value: str) -> None:
    world.env["PIP_NO_CACHE_DIR"] = value
    assert world.load().no_cache is True


def test_puv_no_cache_beats_pip_no_cache_dir(world: World) -> None:
    world.env.update(PIP_NO_CACHE_DIR="off", PUV_NO_CACHE="false")
    assert world.load().no_cache is False


def test_ssl_cert_file_is_the_last_fallback(world: World) -> None:
    bundle = world.write(world.root / "bundle.pem", "")
    world.env["SSL_CERT_FILE"] = str(bundle)
    assert world.load().cert == str(bundle)
    world.pip_file("[global]\ncert = /from/pip.pem\n")
    assert world.load().cert == "/from/pip.pem"
    world.env["PIP_CERT"] = "/from/env.pem"
    assert world.load().cert == "/from/env.pem"
    assert world.load(cert="/from/cli.pem").cert == "/from/cli.pem"


def test_missing_ssl_cert_file_is_ignored(world: World) -> None:
    world.env["SSL_CERT_FILE"] = str(world.root / "missing.pem")
    assert world.load().cert is None


# ---------------------------------------------------------------- the default index


def test_resolve_index_url_prefers_the_configured_index(world: World) -> None:
    world.env["PUV_INDEX_URL"] = "https://example.com/simple"
    assert resolve_index_url(world.load()) == "https://example.com/simple"


def test_resolve_index_url_falls_back_to_pips_default(world: World) -> None:
    expected = default_index.pip_default_index_url()
    if expected is None:
        pytest.skip("no pip installation to read the default index from")
    assert resolve_index_url(world.load()) == expected


def test_resolve_index_url_without_pip_is_an_error(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(default_index, "pip_default_index_url", lambda extra_site_dirs=(): None)
    with pytest.raises(ConfigError) as info:
        resolve_index_url(world.load())
    assert any("--index-url / PUV_INDEX_URL" in hint for hint in info.value.hints)


def test_extra_indexes_from_pip_configuration_keep_pips_merging(world: World) -> None:
    """pip merges every index; an existing pip setup must not change meaning under puv."""
    world.pip_file("[global]\nextra-index-url = https://example.com/pip-extra\n")
    assert world.load().index_strategy == "unsafe-best-match"
    # An explicit strategy anywhere wins.
    assert world.load(index_strategy="first-index").index_strategy == "first-index"
    world.env["PUV_INDEX_STRATEGY"] = "unsafe-first-match"
    assert world.load().index_strategy == "unsafe-first-match"


def test_pip_extra_index_variable_keeps_pips_merging(world: World) -> None:
    world.env["PIP_EXTRA_INDEX_URL"] = "https://example.com/a"
    assert world.load().index_strategy == "unsafe-best-match"
    world.env["PUV_EXTRA_INDEX_URL"] = "https://example.com/b"
    assert world.load().index_strategy == "first-index"


def test_puv_extra_indexes_use_first_index(world: World) -> None:
    world.project_file('extra-index-url = ["https://example.com/project"]\n')
    assert world.load().index_strategy == "first-index"
    assert world.load(extra_index_urls=["https://example.com/cli"]).index_strategy == "first-index"
