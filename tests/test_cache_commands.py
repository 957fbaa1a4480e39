"""`puv cache dir / clean / prune / info` against a real cache directory."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from puv.domain.sources.archives import fetch_archive
from puv.io.cache import Cache, write_atomic
from puv.io.http import HttpClient, HttpOptions
from tests.support.cli import popen_puv, run_puv
from tests.support.index_server import IndexServer


def _fill(root: Path) -> Cache:
    cache = Cache(root)
    cache.ensure()
    write_atomic(cache, root / "simple-v1" / "abc" / "flask.bin", b"x" * 100)
    write_atomic(cache, root / "simple-v1" / "abc" / "django.bin", b"y" * 50)
    write_atomic(cache, root / "metadata-v1" / "flask" / "aa", b"m" * 10)
    archive = root / "archive-v1" / "flask" / "deadbeef"
    archive.mkdir(parents=True)
    (archive / "flask.py").write_text("x = 1\n")
    (archive / ".puv-complete").write_text("")
    half = root / "archive-v1" / "django" / "cafe"
    half.mkdir(parents=True)
    (half / "django.py").write_text("partial\n")
    (root / "tmp" / "leftover").write_text("junk")
    (root / "simple-v0").mkdir()
    (root / "simple-v0" / "old.bin").write_text("old")
    return cache


def test_cache_dir_follows_option_env_and_default(tmp_path: Path, isolated_env: Path) -> None:
    assert run_puv("cache", "dir").stdout.strip() == str(isolated_env / ".cache" / "puv")
    assert run_puv("cache", "dir", "--cache-dir", str(tmp_path / "c")).stdout.strip() == str(tmp_path / "c")
    result = run_puv("cache", "dir", env={"PUV_CACHE_DIR": str(tmp_path / "e")})
    assert result.stdout.strip() == str(tmp_path / "e")


def test_cache_info_counts_buckets(tmp_path: Path) -> None:
    _fill(tmp_path / "c")
    result = run_puv("cache", "info", "--cache-dir", str(tmp_path / "c"))
    assert result.code == 0, result
    line = next(x for x in result.stdout.splitlines() if x.strip().startswith("simple-v1"))
    assert "2 entries" not in line  # one index directory holds both pages
    assert "1 entries" in line and "2 files" in line


def test_cache_clean_package_removes_only_that_package(tmp_path: Path) -> None:
    root = tmp_path / "c"
    _fill(root)
    result = run_puv("cache", "clean", "Flask", "--cache-dir", str(root))
    assert result.code == 0, result
    assert "Removed 4 files for flask" in result.stderr
    assert not (root / "simple-v1" / "abc" / "flask.bin").exists()
    assert not (root / "archive-v1" / "flask").exists()
    assert (root / "simple-v1" / "abc" / "django.bin").exists()


def test_cache_clean_counts_one_file_as_one_file(tmp_path: Path) -> None:
    root = tmp_path / "c"
    cache = Cache(root)
    cache.ensure()
    write_atomic(cache, root / "simple-v1" / "abc" / "flask.bin", b"x" * 100)
    result = run_puv("cache", "clean", "flask", "--cache-dir", str(root))
    assert result.code == 0, result
    assert "Removed 1 file for flask (100B)" in result.stderr


def test_cache_clean_unknown_package_says_so(tmp_path: Path) -> None:
    _fill(tmp_path / "c")
    result = run_puv("cache", "clean", "numpy", "--cache-dir", str(tmp_path / "c"))
    assert result.code == 0
    assert "No cache entries found for numpy" in result.stderr


def test_cache_clean_rejects_invalid_name(tmp_path: Path) -> None:
    result = run_puv("cache", "clean", "not a name!", "--cache-dir", str(tmp_path / "c"))
    assert result.code == 2
    assert "invalid package name `not a name!`" in result.stderr


def test_cache_clean_all_removes_everything(tmp_path: Path) -> None:
    root = tmp_path / "c"
    _fill(root)
    result = run_puv("cache", "clean", "--cache-dir", str(root))
    assert result.code == 0, result
    assert f"Clearing cache at: {root}" in result.stderr
    assert "Removed" in result.stderr
    assert not root.exists()


def test_cache_prune_removes_staging_old_buckets_and_incomplete_archives(tmp_path: Path) -> None:
    root = tmp_path / "c"
    _fill(root)
    result = run_puv("cache", "prune", "--cache-dir", str(root))
    assert result.code == 0, result
    assert not (root / "tmp").exists()
    assert not (root / "simple-v0").exists()
    assert not (root / "archive-v1" / "django" / "cafe").exists()
    assert (root / "archive-v1" / "flask" / "deadbeef" / "flask.py").exists()
    assert (root / "simple-v1" / "abc" / "flask.bin").exists()
    assert (root / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_cache_commands_on_missing_cache(tmp_path: Path) -> None:
    root = tmp_path / "absent"
    assert "No cache found" in run_puv("cache", "clean", "--cache-dir", str(root)).stderr
    assert "No cache found" in run_puv("cache", "prune", "--cache-dir", str(root)).stderr
    assert "does not exist yet" in run_puv("cache", "info", "--cache-dir", str(root)).stdout
    assert not root.exists()


def _fetch_urls(index_server: IndexServer, cache: Cache, files: list[Path]) -> dict[str, Path]:
    """Fetch ``files`` from the fixture server the way a direct URL requirement does;
    returns each file name's ``url-v1/<url-key>`` directory."""
    for path in files:
        index_server.publish(path, project="whatever")
    found: dict[str, Path] = {}
    with HttpClient(HttpOptions(backoff=0.01, timeout=5, retries=0)) as http:
        for path in files:
            fetched = fetch_archive(index_server.file_url(path.name), http=http, cache=cache)
            assert fetched.downloaded
            found[path.name] = fetched.path.parent.parent
    return found


def test_cache_clean_package_removes_its_direct_url_archives(
    tmp_path: Path,
    index_server: IndexServer,
    wheel_factory: Callable[..., Path],
    sdist_factory: Callable[..., Path],
) -> None:
    root = tmp_path / "c"
    cache = _fill(root)
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    sdist = sdist_factory("flask", "1.0")
    files = [
        wheel_factory("flask", "2.0"),
        shutil.copy(sdist, legacy / "Flask-1.0.zip"),  # a legacy name: normalized before comparing
        wheel_factory("flask-login", "0.6"),  # starts with `flask`, another project
        shutil.copy(sdist, legacy / "main.zip"),  # names no project: cannot be tied to one
    ]
    keys = _fetch_urls(index_server, cache, [Path(f) for f in files])
    assert all((key / "latest.json").is_file() for key in keys.values())
    result = run_puv("cache", "clean", "Flask", "--cache-dir", str(root))
    assert result.code == 0, result
    assert "Removed 8 files for flask" in result.stderr  # 4 as before + 2 archives and their latest.json
    assert not keys["flask-2.0-py3-none-any.whl"].exists()
    assert not keys["Flask-1.0.zip"].exists()
    assert (keys["flask_login-0.6-py3-none-any.whl"] / "latest.json").is_file()
    assert len(list(keys["flask_login-0.6-py3-none-any.whl"].glob("*/flask_login-0.6-py3-none-any.whl"))) == 1
    assert len(list(keys["main.zip"].glob("*/main.zip"))) == 1
    again = run_puv("cache", "clean", "flask-login", "--cache-dir", str(root))
    assert "Removed 2 files for flask-login" in again.stderr
    assert sorted(p.name for p in (root / "url-v1").iterdir()) == [keys["main.zip"].name]


def test_cache_clean_keeps_other_contents_of_a_shared_url_directory(tmp_path: Path) -> None:
    # One URL that served a file of another project too (the server's content changed):
    # only flask's content goes, and latest.json with it when it points at that content.
    root = tmp_path / "c"
    cache = Cache(root)
    cache.ensure()
    key = root / "url-v1" / "0123456789abcdef"
    write_atomic(cache, key / ("a" * 64) / "flask-1.0.tar.gz", b"f" * 30)
    write_atomic(cache, key / ("b" * 64) / "django-1.0.tar.gz", b"d" * 20)
    write_atomic(cache, key / "latest.json", json.dumps({"sha256": "a" * 64, "filename": "flask-1.0.tar.gz"}).encode())
    result = run_puv("cache", "clean", "flask", "--cache-dir", str(root))
    assert result.code == 0, result
    assert "Removed 2 files for flask" in result.stderr
    assert sorted(p.name for p in key.iterdir()) == ["b" * 64]
    assert (key / ("b" * 64) / "django-1.0.tar.gz").read_bytes() == b"d" * 20


def test_cache_clean_removes_the_directories_it_empties(tmp_path: Path) -> None:
    root = tmp_path / "c"
    cache = _fill(root)
    write_atomic(cache, root / "simple-v1" / "def" / "flask.bin", b"z" * 10)
    result = run_puv("cache", "clean", "flask", "django", "--cache-dir", str(root))
    assert result.code == 0, result
    assert list((root / "simple-v1").iterdir()) == []
    assert (root / "simple-v1").is_dir()
    info = run_puv("cache", "info", "--cache-dir", str(root))
    line = next(x for x in info.stdout.splitlines() if x.strip().startswith("simple-v1"))
    assert "0 entries" in line and "0 files" in line, info.stdout


def test_cache_clean_of_url_entries_waits_for_running_processes(
    tmp_path: Path, index_server: IndexServer, wheel_factory: Callable[..., Path]
) -> None:
    root = tmp_path / "c"
    cache = Cache(root)
    cache.ensure()
    keys = _fetch_urls(index_server, cache, [wheel_factory("flask", "2.0")])
    entry = keys["flask-2.0-py3-none-any.whl"]
    with cache.shared():  # as a running install holds it
        proc = popen_puv("cache", "clean", "flask", "--cache-dir", str(root))
        time.sleep(1.0)
        assert proc.poll() is None
        assert (entry / "latest.json").is_file()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Removed 2 files for flask" in err
    assert not entry.exists()
