"""`puv cache dir / clean / prune / info` against a real cache directory."""

from __future__ import annotations

from pathlib import Path

from puv.io.cache import Cache, write_atomic
from tests.support.cli import run_puv


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
