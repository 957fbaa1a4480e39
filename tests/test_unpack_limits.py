"""Decompression-bomb limits set by the user: ``PUV_MAX_UNPACK_SIZE`` and
``PUV_MAX_COMPRESSION_RATIO`` reach the unpacking of wheels and sdists, end to end.

A wheel (or sdist) over a limit set through the environment is refused with an
error naming the archive and the limit, and a hint naming the variable that raises
it; nothing is installed or cached. Raised, the same install succeeds. An invalid
value is an error naming the variable and the value, before any request is made.
(The limits themselves, per archive kind: tests/test_hostile_wheels.py and
tests/test_unpack_sdist.py.)
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.cli import Result, new_venv, run, run_puv
from tests.support.index_server import IndexServer

PYTHON = "/root/.pyenv/versions/3.12.1/bin/python3.12"
Factory = Callable[..., Path]

pytestmark = pytest.mark.skipif(not os.path.exists(PYTHON), reason=f"needs {PYTHON}")

NOISE = random.Random(7).randbytes(64 << 10)  # 64 KiB that deflate cannot shrink
ZEROS = b"\0" * (2 << 20)  # 2 MiB that deflate shrinks about 1000:1


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    return new_venv(tmp_path / "venv", PYTHON)


def install(venv: Path, server: IndexServer, project: str, env: dict[str, str]) -> Result:
    return run_puv(
        "pip", "install", project, "--index-url", server.url, "--cache-dir", str(venv.parent / "cache"),
        cwd=venv.parent, env={"VIRTUAL_ENV": str(venv), **env},
    )


def installed(venv: Path) -> set[str]:
    site = venv / "lib" / "python3.12" / "site-packages"
    return {p.name for p in site.glob("*.dist-info")}


def unpacked_entries(venv: Path) -> list[Path]:
    archives = venv.parent / "cache" / "archive-v1"
    return [p for p in archives.glob("*/*")] if archives.exists() else []


def test_unpack_size_limit_from_the_environment(
    venv: Path, index_server: IndexServer, wheel_factory: Factory
) -> None:
    index_server.publish(wheel_factory("big", "1.0", files={"big/__init__.py": "", "big/noise.bin": NOISE}))
    refused = install(venv, index_server, "big", {"PUV_MAX_UNPACK_SIZE": "32KiB"})
    assert refused.code == 1, refused
    assert re.search(
        r"^error: big-1\.0-py3-none-any\.whl would unpack to (\d+) bytes, more than the limit of 32768 bytes$",
        refused.stderr, re.M,
    ), refused
    size = re.search(r"would unpack to (\d+) bytes", refused.stderr)
    assert size is not None and int(size.group(1)) > 64 << 10
    assert f"hint: if you trust it, raise the limit: set PUV_MAX_UNPACK_SIZE to {size.group(1)} or more" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert installed(venv) == set() and unpacked_entries(venv) == []

    raised = install(venv, index_server, "big", {"PUV_MAX_UNPACK_SIZE": size.group(1)})
    assert raised.code == 0, raised
    assert installed(venv) == {"big-1.0.dist-info"}
    check = run([venv / "bin" / "python", "-c", "import big, pathlib; print(pathlib.Path(big.__file__).with_name('noise.bin').stat().st_size)"])
    assert check.stdout.strip() == str(64 << 10), check.stderr


def test_compression_ratio_limit_from_the_environment(
    venv: Path, index_server: IndexServer, wheel_factory: Factory
) -> None:
    index_server.publish(wheel_factory("zeros", "1.0", files={"zeros/__init__.py": "", "zeros/data.bin": ZEROS}))
    refused = install(venv, index_server, "zeros", {"PUV_MAX_COMPRESSION_RATIO": "100"})
    assert refused.code == 1, refused
    assert re.search(
        r"^error: zeros-1\.0-py3-none-any\.whl contains a member that expands (\d+):1, from \d+ to 2097152 bytes "
        r"\(at most 100:1 is allowed for members over 1048576 bytes\): 'zeros/data\.bin'$",
        refused.stderr, re.M,
    ), refused
    assert re.search(r"^hint: if you trust it, raise the limit: set PUV_MAX_COMPRESSION_RATIO to \d+ or more$", refused.stderr, re.M)
    assert installed(venv) == set() and unpacked_entries(venv) == []

    # The built-in default (2000:1) lets real deflate data through; so does a raised limit.
    assert install(venv, index_server, "zeros", {"PUV_MAX_COMPRESSION_RATIO": "5000"}).code == 0
    assert installed(venv) == {"zeros-1.0.dist-info"}


def test_sdist_limits_from_the_environment(
    venv: Path, index_server: IndexServer, sdist_factory: Factory
) -> None:
    """An sdist is unpacked (to build it) within the same limits."""
    index_server.publish(
        sdist_factory("srczeros", "1.0", backend="inline", files={"srczeros/__init__.py": "", "srczeros/data.bin": ZEROS})
    )
    refused = install(venv, index_server, "srczeros", {"PUV_MAX_COMPRESSION_RATIO": "100"})
    assert refused.code == 1, refused
    assert re.search(r"^error: srczeros-1\.0\.tar\.gz expands \d+:1, from \d+ to at least \d+ bytes", refused.stderr, re.M), refused
    assert "set PUV_MAX_COMPRESSION_RATIO to " in refused.stderr
    refused = install(venv, index_server, "srczeros", {"PUV_MAX_UNPACK_SIZE": "1MB"})
    assert refused.code == 1, refused
    assert re.search(r"^error: srczeros-1\.0\.tar\.gz would unpack to at least \d+ bytes, more than the limit of 1000000 bytes$", refused.stderr, re.M), refused
    assert "set PUV_MAX_UNPACK_SIZE to " in refused.stderr
    assert installed(venv) == set()

    raised = install(venv, index_server, "srczeros", {"PUV_MAX_UNPACK_SIZE": "3MiB"})
    assert raised.code == 0, raised
    assert installed(venv) == {"srczeros-1.0.dist-info"}


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PUV_MAX_UNPACK_SIZE", "8 gigs", "a positive size in bytes, such as 8589934592, 8GiB or 500MB"),
        ("PUV_MAX_UNPACK_SIZE", "0", "a positive size in bytes, such as 8589934592, 8GiB or 500MB"),
        ("PUV_MAX_COMPRESSION_RATIO", "2000:1", "a positive integer (2000 means 2000:1)"),
    ],
)
def test_invalid_limit_values_are_errors(
    venv: Path, index_server: IndexServer, wheel_factory: Factory, name: str, value: str, expected: str
) -> None:
    index_server.publish(wheel_factory("big", "1.0"))
    result = install(venv, index_server, "big", {name: value})
    assert result.code == 1, result
    assert result.stderr.startswith(
        f"error: invalid value {value!r} for environment variable {name}: expected {expected}\n"
    ), result
    assert f"hint: fix or unset {name}" in result.stderr
    assert index_server.requests == []
    assert installed(venv) == set()
