"""`puv pip index versions` against the local fixture index."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.support.cli import run_puv
from tests.support.index_server import IndexServer


def _versions(server: IndexServer, *args: str) -> tuple[int, str, str]:
    result = run_puv("pip", "index", "versions", *args, "--index-url", server.url, "--python-version", "3.12")
    return result.code, result.stdout, result.stderr


def test_lists_usable_versions_newest_first(index_server: IndexServer, wheel_factory: Callable[..., Path]) -> None:
    for version in ("1.0", "1.10", "1.2", "2.0b1"):
        index_server.publish(wheel_factory("demo", version))
    index_server.publish(wheel_factory("demo", "0.9"), yanked="broken")
    index_server.publish(wheel_factory("demo", "3.0", requires_python=">=3.13"))
    index_server.publish(wheel_factory("demo", "4.0", tag="cp312-cp312-win_amd64"))
    code, out, err = _versions(index_server, "Demo")
    assert code == 0, err
    assert out == "demo (1.10)\nAvailable versions: 1.10, 1.2, 1.0\n"
    code, out, _ = _versions(index_server, "demo", "--pre")
    assert out.splitlines()[1] == "Available versions: 2.0b1, 1.10, 1.2, 1.0"
    code, out, _ = _versions(index_server, "demo", "--python-platform", "windows")
    assert out.splitlines()[0] == "demo (4.0)"


def test_unknown_project_is_an_error_naming_the_index(index_server: IndexServer) -> None:
    code, out, err = _versions(index_server, "nothing-here")
    assert code == 1 and out == ""
    assert "no versions of `nothing-here` were found" in err
    assert f"looked in: {index_server.url}" in err


def test_credentials_in_the_index_url_are_not_printed(index_server: IndexServer) -> None:
    index_server.require_auth("/simple/*", "alice", "s3cret")
    result = run_puv(
        "pip", "index", "versions", "nothing-here", "--index-url",
        index_server.auth_url("alice", "s3cret"), "--python-version", "3.12",
    )
    assert result.code == 1
    assert "s3cret" not in result.stderr and "****@" in result.stderr


def test_invalid_name_is_a_usage_error(index_server: IndexServer) -> None:
    code, _, err = _versions(index_server, "not a name")
    assert code == 2 and "invalid package name `not a name`" in err


def test_file_index_tree_and_find_links_without_an_index(
    tmp_path: Path, wheel_factory: Callable[..., Path]
) -> None:
    from tests.support.simple_pages import write_static_index

    wheels = [wheel_factory("local-thing", v) for v in ("1.0", "1.1")]
    for with_metadata in (True, False):
        simple = write_static_index(tmp_path / f"tree-{with_metadata}", wheels, metadata=with_metadata)
        result = run_puv(
            "pip", "index", "versions", "local-thing", "--index-url", simple.as_uri(), "--python-version", "3.12"
        )
        assert result.code == 0, result
        assert result.stdout == "local-thing (1.1)\nAvailable versions: 1.1, 1.0\n"
    links = run_puv(
        "pip", "index", "versions", "local-thing", "--no-index", "--find-links", str(wheels[0].parent),
        "--python-version", "3.12",
    )
    assert links.stdout == "local-thing (1.1)\nAvailable versions: 1.1, 1.0\n", links
    nothing = run_puv("pip", "index", "versions", "local-thing", "--no-index", "--python-version", "3.12")
    assert nothing.code == 1 and "(no index or find-links configured)" in nothing.stderr


def test_only_binary_hiding_every_version_is_named(
    tmp_path: Path,
    index_server: IndexServer, sdist_factory: Callable[..., Path], wheel_factory: Callable[..., Path]
) -> None:
    for version in ("1.0", "1.1", "1.2", "1.3"):
        index_server.publish(sdist_factory("demo", version))
    index_server.publish(sdist_factory("solo", "2.0"))
    index_server.publish(wheel_factory("solo", "3.0", tag="cp312-cp312-win_amd64"))
    index_server.publish(sdist_factory("solo", "3.0"))
    index_server.publish(sdist_factory("early", "1.0rc1"))

    code, out, err = _versions(index_server, "demo")
    assert code == 0 and out.startswith("demo (1.3)"), err

    code, out, err = _versions(index_server, "demo", "--only-binary", ":all:")
    assert code == 1 and out == ""
    assert (
        "`demo` 1.3, 1.2, 1.1, ... have only source distributions, which --only-binary forbids: "
        "drop `:all:` from --only-binary to list them"
    ) in err
    assert "only versions with a file for" in err  # the target hint stays

    code, _, err = _versions(index_server, "Demo", "--only-binary", "DEMO")
    assert code == 1 and "drop `demo` from --only-binary to list them" in err and ":all:" not in err

    code, _, err = _versions(index_server, "solo", "--only-binary", "solo")
    assert code == 1
    assert "`solo==2.0` has only a source distribution, which --only-binary forbids: drop `solo` from --only-binary to list it" in err
    assert (
        "`solo==3.0` has no wheel for the target, and --only-binary forbids its source distribution: "
        "drop `solo` from --only-binary to list it"
    ) in err

    # With building disabled too, dropping --only-binary would not list them: no hint.
    config = tmp_path / "puv.toml"
    config.write_text("no-build = true\n")
    code, _, err = _versions(index_server, "demo", "--only-binary", ":all:", "--config-file", str(config))
    assert code == 1 and "only versions with a file for" in err and "--only-binary" not in err

    # A hidden pre-release is not listed without --pre anyway: no --only-binary hint then.
    code, _, err = _versions(index_server, "early", "--only-binary", ":all:")
    assert code == 1 and "--only-binary" not in err and "add --pre" in err
    code, _, err = _versions(index_server, "early", "--only-binary", ":all:", "--pre")
    assert code == 1 and "`early==1.0rc1` has only a source distribution" in err


def test_no_only_binary_hint_when_it_hid_nothing(index_server: IndexServer, wheel_factory: Callable[..., Path]) -> None:
    index_server.publish(wheel_factory("winonly", "1.0", tag="cp312-cp312-win_amd64"))
    code, _, err = _versions(index_server, "winonly", "--only-binary", ":all:")
    assert code == 1 and "no versions of `winonly` were found" in err
    assert "--only-binary" not in err
