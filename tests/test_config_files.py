"""puv's TOML files, pip's INI files and pip's default index (puv.config_files, puv.default_index)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from puv import config_files as cf
from puv import default_index
from puv.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- puv files


def test_puv_toml_keys_become_settings_fields(tmp_path: Path) -> None:
    path = write(
        tmp_path / "puv.toml",
        'index-url = "https://example.com/simple"\n'
        'extra-index-url = ["https://example.com/a", "https://example.com/b"]\n'
        "no-cache = true\n"
        "concurrent-downloads = 8\n"
        'link-mode = "copy"\n'
        'exclude-newer = "2024-03-01T00:00:00Z"\n'
        "[pip]\n"
        'python = "3.12"\n'
        'only-binary = [":all:"]\n'
        'python-version = "3.11"\n'
        "require-hashes = true\n",
    )
    layer = cf.load_puv_file(path)
    assert layer is not None
    assert layer.files == (path,)
    assert dict(layer.values) == {
        "index_url": "https://example.com/simple",
        "extra_index_urls": ("https://example.com/a", "https://example.com/b"),
        "no_cache": True,
        "concurrent_downloads": 8,
        "link_mode": "copy",
        "exclude_newer": "2024-03-01T00:00:00Z",
        "python": "3.12",
        "only_binary": (":all:",),
        "python_version": "3.11",
        "require_hashes": True,
    }


def test_pip_table_overrides_top_level_and_joins_lists(tmp_path: Path) -> None:
    path = write(
        tmp_path / "puv.toml",
        'index-url = "https://example.com/top"\n'
        'extra-index-url = ["https://example.com/x"]\n'
        "[pip]\n"
        'index-url = "https://example.com/pip"\n'
        'extra-index-url = ["https://example.com/y"]\n',
    )
    layer = cf.load_puv_file(path)
    assert layer is not None
    assert layer.values["index_url"] == "https://example.com/pip"
    assert layer.values["extra_index_urls"] == ("https://example.com/y", "https://example.com/x")


def test_unknown_key_names_file_and_key_with_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path / "puv.toml", 'index-ur = "https://example.com/simple"\n')
    with pytest.raises(ConfigError) as info:
        cf.load_puv_file(path)
    assert info.value.message == f"unknown key `index-ur` in {path}"
    assert "did you mean `index-url`?" in info.value.hints
    assert any(h.startswith("valid keys here: ") and "cache-dir" in h for h in info.value.hints)


def test_unknown_key_in_pyproject_is_named_with_its_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool.puv]\nfoo = 1\n")
    with pytest.raises(ConfigError) as info:
        cf.load_puv_file(path)
    assert info.value.message == f"unknown key `tool.puv.foo` in {path}"


def test_pip_only_key_at_top_level_hints_at_the_pip_table(tmp_path: Path) -> None:
    path = write(tmp_path / "puv.toml", 'python = "3.12"\n')
    with pytest.raises(ConfigError) as info:
        cf.load_puv_file(path)
    assert "unknown key `python`" in info.value.message
    assert "`python` belongs in the `[pip]` table" in info.value.hints


def test_top_level_key_in_pip_table_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool.puv.pip]\ncache-dir = "x"\n')
    with pytest.raises(ConfigError) as info:
        cf.load_puv_file(path)
    assert info.value.message == f"unknown key `tool.puv.pip.cache-dir` in {path}"
    assert "`cache-dir` belongs at the top level, not in `[pip]`" in info.value.hints


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("index-url = 3", "invalid type for `index-url` in {p}: expected a string, got an integer"),
        ("no-cache = \"yes\"", "invalid type for `no-cache` in {p}: expected a boolean, got a string"),
        ("extra-index-url = \"https://example.com\"", "invalid type for `extra-index-url` in {p}: expected an array of strings, got a string"),
        ("find-links = [1]", "invalid type for `find-links` in {p}: expected an array of strings, got an array containing an integer"),
        ("concurrent-downloads = true", "invalid type for `concurrent-downloads` in {p}: expected an integer, got a boolean"),
        ("concurrent-downloads = 0", "invalid value 0 for `concurrent-downloads` in {p}: expected a positive integer"),
        ("link-mode = \"bogus\"", "invalid value 'bogus' for `link-mode` in {p}: expected one of clone, copy, hardlink, symlink"),
        ("pip = 1", "invalid type for `pip` in {p}: expected a table, got an integer"),
    ],
)
def test_wrong_type_or_value_names_file_key_and_types(tmp_path: Path, line: str, message: str) -> None:
    path = write(tmp_path / "puv.toml", line + "\n")
    with pytest.raises(ConfigError) as info:
        cf.load_puv_file(path)
    assert info.value.message == message.format(p=path)


def test_exclude_newer_and_python_version_are_checked(tmp_path: Path) -> None:
    path = write(tmp_path / "puv.toml", '[pip]\nexclude-newer = "last week"\n')
    with pytest.raises(ConfigError, match="exclude-newer"):
        cf.load_puv_file(path)
    path = write(tmp_path / "puv.toml", '[pip]\npython-version = "three"\n')
    with pytest.raises(ConfigError, match="python-version"):
        cf.load_puv_file(path)
    path = write(tmp_path / "puv.toml", 'exclude-newer = "2024-03-01"\n')
    layer = cf.load_puv_file(path)
    assert layer is not None and layer.values["exclude_newer"] == "2024-03-01"


def test_invalid_toml_names_file_and_parser_message(tmp_path: Path) -> None:
    path = write(tmp_path / "puv.toml", "index-url = \n")
    with pytest.raises(ConfigError) as info:
        cf.load_puv_file(path)
    assert info.value.message.startswith(f"invalid TOML in {path}: ")
    assert "line 1" in info.value.message


def test_relative_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / "conf" / "puv.toml",
        'cache-dir = "cache"\nfind-links = ["wheels", "https://example.com/links", "/abs/dir", "file:///x"]\n',
    )
    layer = cf.load_puv_file(path)
    assert layer is not None
    assert layer.values["cache_dir"] == tmp_path / "conf" / "cache"
    assert layer.values["find_links"] == (
        str(tmp_path / "conf" / "wheels"),
        "https://example.com/links",
        "/abs/dir",
        "file:///x",
    )


def test_pyproject_without_tool_puv_is_not_a_config_file(tmp_path: Path) -> None:
    assert cf.load_puv_file(write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")) is None
    assert cf.load_puv_file(write(tmp_path / "pyproject.toml", "[tool.puvx]\na = 1\n")) is None
    # Invalid TOML that cannot hold [tool.puv] is not even parsed.
    assert cf.load_puv_file(write(tmp_path / "pyproject.toml", "[[[ broken")) is None


def test_discovery_walks_up_and_skips_pyproject_without_table(tmp_path: Path) -> None:
    write(tmp_path / "puv.toml", 'index-url = "https://example.com/root"\n')
    write(tmp_path / "a" / "pyproject.toml", "[project]\nname = 'a'\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    layer = cf.find_project_config(deep)
    assert layer is not None
    assert layer.files == (tmp_path / "puv.toml",)
    assert layer.values["index_url"] == "https://example.com/root"


def test_nearest_directory_wins(tmp_path: Path) -> None:
    write(tmp_path / "puv.toml", 'index-url = "https://example.com/outer"\n')
    inner = write(tmp_path / "a" / "pyproject.toml", '[tool.puv]\nindex-url = "https://example.com/inner"\n')
    layer = cf.find_project_config(tmp_path / "a")
    assert layer is not None and layer.files == (inner,)


def test_puv_toml_wins_over_pyproject_in_same_directory(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.puv]\nindex-url = "https://example.com/pyproject"\n')
    toml = write(tmp_path / "puv.toml", 'index-url = "https://example.com/puv"\n')
    layer = cf.find_project_config(tmp_path)
    assert layer is not None
    assert layer.files == (toml,)
    assert layer.values["index_url"] == "https://example.com/puv"


def test_user_config_path_follows_xdg(tmp_path: Path) -> None:
    assert cf.user_config_path({"XDG_CONFIG_HOME": str(tmp_path / "x"), "HOME": "/nowhere"}) == (
        tmp_path / "x" / "puv" / "puv.toml"
    )
    assert cf.user_config_path({"HOME": str(tmp_path)}) == tmp_path / ".config" / "puv" / "puv.toml"
    # A relative XDG_CONFIG_HOME is ignored (XDG base directory spec).
    assert cf.user_config_path({"XDG_CONFIG_HOME": "rel", "HOME": str(tmp_path)}) == (
        tmp_path / ".config" / "puv" / "puv.toml"
    )


def test_explicit_config_file_may_be_a_pyproject(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool.puv]\noffline = true\n')
    layers = cf.puv_layers({"HOME": str(tmp_path)}, tmp_path, path)
    assert [dict(layer.values) for layer in layers] == [{"offline": True}]
    bare = write(tmp_path / "other" / "pyproject.toml", "[project]\nname = 'x'\n")
    with pytest.raises(ConfigError, match="has no \\[tool.puv\\] table"):
        cf.puv_layers({"HOME": str(tmp_path)}, tmp_path, bare)


# ---------------------------------------------------------------- pip's files


def pip_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "home" / ".config"),
        "XDG_CONFIG_DIRS": f"{tmp_path / 'xdg1'}{os.pathsep}{tmp_path / 'xdg2'}",
    }
    env.update(extra)
    return env


def test_pip_config_paths_in_pips_order(tmp_path: Path) -> None:
    env = pip_env(tmp_path, VIRTUAL_ENV=str(tmp_path / "venv"), PIP_CONFIG_FILE=str(tmp_path / "missing.conf"))
    etc = tmp_path / "etc"
    assert cf.pip_config_paths(env, etc) == (
        tmp_path / "xdg1" / "pip" / "pip.conf",
        tmp_path / "xdg2" / "pip" / "pip.conf",
        etc / "pip.conf",
        tmp_path / "home" / ".pip" / "pip.conf",
        tmp_path / "home" / ".config" / "pip" / "pip.conf",
        tmp_path / "venv" / "pip.conf",
        tmp_path / "missing.conf",
    )


def test_pip_config_default_xdg_dirs(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path)}
    assert cf.pip_config_paths(env, tmp_path / "etc")[:2] == (
        tmp_path / "etc" / "xdg" / "pip" / "pip.conf",
        tmp_path / "etc" / "pip.conf",
    )


def test_pip_config_file_devnull_disables_all_files(tmp_path: Path) -> None:
    write(tmp_path / "xdg1" / "pip" / "pip.conf", "[global]\nindex-url = https://example.com/x\n")
    env = pip_env(tmp_path, PIP_CONFIG_FILE=os.devnull)
    assert cf.pip_config_paths(env, tmp_path / "etc") == ()
    assert cf.load_pip_config(env, tmp_path, tmp_path / "etc") is None


def test_existing_pip_config_file_skips_user_files_and_wins(tmp_path: Path) -> None:
    write(tmp_path / "home" / ".config" / "pip" / "pip.conf", "[global]\ntimeout = 5\n")
    site = write(tmp_path / "xdg1" / "pip" / "pip.conf", "[global]\nindex-url = https://example.com/site\ncert = /c.pem\n")
    env_file = write(tmp_path / "env.conf", "[global]\nindex-url = https://example.com/env\n")
    layer = cf.load_pip_config(pip_env(tmp_path, PIP_CONFIG_FILE=str(env_file)), tmp_path, tmp_path / "etc")
    assert layer is not None
    assert layer.files == (site, env_file)
    assert dict(layer.values) == {"index_url": "https://example.com/env", "cert": "/c.pem"}


def test_later_pip_files_override_and_install_beats_global(tmp_path: Path) -> None:
    write(
        tmp_path / "etc" / "pip.conf",
        "[install]\ntrusted-host = sys.example.com\n[global]\nindex-url = https://example.com/sys\n",
    )
    write(
        tmp_path / "home" / ".config" / "pip" / "pip.conf",
        "[global]\n"
        "index-url = https://example.com/user\n"
        "trusted-host = user.example.com\n"
        "[download]\nindex-url = https://example.com/ignored\n",
    )
    layer = cf.load_pip_config(pip_env(tmp_path), tmp_path, tmp_path / "etc")
    assert layer is not None
    # index-url: the user file overrides the system file (same section).
    assert layer.values["index_url"] == "https://example.com/user"
    # [install] applies after [global], whatever file it is in (pip's rule).
    assert layer.values["trusted_hosts"] == ("sys.example.com",)


def test_pip_multi_values_names_and_relative_paths(tmp_path: Path) -> None:
    write(
        tmp_path / "home" / ".pip" / "pip.conf",
        "# pip's legacy user file\n"
        "[global]\n"
        "extra_index_url =\n"
        "    https://example.com/a\n"
        "    https://example.com/b https://example.com/c\n"
        "; a comment\n"
        "find-links: wheels file:///srv/wheels\n"
        "default-timeout = 7.5\n"
        "no-index = true\n",
    )
    layer = cf.load_pip_config(pip_env(tmp_path), tmp_path / "cwd", tmp_path / "etc")
    assert layer is not None
    assert dict(layer.values) == {
        "extra_index_urls": ("https://example.com/a", "https://example.com/b", "https://example.com/c"),
        "find_links": (str(tmp_path / "cwd" / "wheels"), "file:///srv/wheels"),
        "http_timeout": 7.5,
    }


def test_pip_config_bad_timeout_and_bad_line(tmp_path: Path) -> None:
    path = write(tmp_path / "etc" / "pip.conf", "[global]\ntimeout = soon\n")
    with pytest.raises(ConfigError) as info:
        cf.load_pip_config(pip_env(tmp_path), tmp_path, tmp_path / "etc")
    assert str(path) in info.value.message and "`timeout`" in info.value.message
    write(tmp_path / "etc" / "pip.conf", "index-url = https://example.com/x\n")
    with pytest.raises(ConfigError, match="line 1: a line outside any \\[section\\]"):
        cf.load_pip_config(pip_env(tmp_path), tmp_path, tmp_path / "etc")


def test_parse_ini_sections_and_continuations(tmp_path: Path) -> None:
    text = "[Global]\nKey = one\n  two\n\n[install]\nempty =\nx:y\n"
    assert cf.parse_ini(text, tmp_path / "f") == {
        "Global": {"key": "one\ntwo"},
        "install": {"empty": "", "x": "y"},
    }


# ---------------------------------------------------------------- default index


SYNTHETIC_INDEX_PY = '''
class PackageIndex:
    pass


PyPI = PackageIndex("https://example.com/", file_storage_domain="files.example.com")
TestPyPI = PackageIndex(
    "https://test.example.com/", file_storage_domain="test-files.example.com"
)
'''


def test_index_url_from_synthetic_source() -> None:
    assert default_index.index_url_from_source(SYNTHETIC_INDEX_PY) == "https://example.com/simple"
    old_style = 'PyPI = Index("https://example.com/")\n'
    assert default_index.index_url_from_source(old_style) == "https://example.com/simple"
    other_name = 'Main = PackageIndex(url="https://example.com/root/", file_storage_domain="x")\n'
    assert default_index.index_url_from_source(other_name) == "https://example.com/root/simple"
    assert default_index.index_url_from_source("nothing here\n") is None
    assert default_index.index_url_from_source('PyPI = PackageIndex("ftp://example.com/")\n') is None


def test_default_index_matches_the_installed_pip() -> None:
    import importlib.util

    spec = importlib.util.find_spec("pip")
    if spec is None or spec.origin is None:
        pytest.skip("pip is not installed in the test interpreter")
    source = Path(spec.origin).parent / "_internal" / "models" / "index.py"
    expected = default_index.index_url_from_source(source.read_text(encoding="utf-8"))
    assert expected is not None and expected.startswith("https://") and expected.endswith("/simple")
    assert default_index.pip_default_index_url() == expected


def test_default_index_looks_in_further_candidates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = write(tmp_path / "a" / "pip" / "_internal" / "models" / "index.py", "no index here\n").parents[2]
    good = write(tmp_path / "b" / "pip" / "_internal" / "models" / "index.py", SYNTHETIC_INDEX_PY).parents[2]
    monkeypatch.setattr(
        default_index, "candidate_pip_dirs", lambda extra=(): iter([tmp_path / "none" / "pip", broken, good])
    )
    assert default_index.pip_default_index_url() == "https://example.com/simple"
    monkeypatch.setattr(default_index, "candidate_pip_dirs", lambda extra=(): iter([broken]))
    assert default_index.pip_default_index_url() is None


def test_candidate_dirs_include_extra_site_dirs(tmp_path: Path) -> None:
    dirs = list(default_index.candidate_pip_dirs([tmp_path / "site"]))
    assert dirs[-1] == tmp_path / "site" / "pip"
