"""git+ requirements: URL parsing, fetching into the cache, resolution of refs, caching by
commit, offline use, and messages that never show credentials.

Repositories are made in the test's temporary directory and fetched over ``file://``.
Every git command puv runs goes through a wrapper script that logs it, so a test can
say exactly which git commands (and how many network ones) a fetch cost.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from puv.domain.sources.git import (
    GitCheckout,
    GitError,
    direct_url_for_git,
    fetch_git,
    parse_git_url,
    public_url,
)
from puv.errors import InputError, PuvError
from puv.io.cache import Cache

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}
_NETWORK = ("ls-remote", "fetch", "submodule")


def _all_text(error: PuvError) -> str:
    return "\n".join([error.message, *error.causes, *error.hints])


@dataclass
class Repo:
    path: Path

    @property
    def url(self) -> str:
        return "git+" + self.path.as_uri()

    def git(self, *args: str) -> str:
        env = {**os.environ, **_GIT_ENV}
        done = subprocess.run(
            ["git", *args], cwd=self.path, env=env, check=True, capture_output=True, text=True
        )
        return done.stdout.strip()

    def commit(self, files: dict[str, str], message: str) -> str:
        for name, text in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")


@dataclass
class GitLog:
    """A ``git`` wrapper that appends each invocation (and GIT_TERMINAL_PROMPT) to a log."""

    executable: Path
    log: Path

    def calls(self) -> list[str]:
        if not self.log.exists():
            return []
        return [line for line in self.log.read_text().splitlines() if line]

    def network_calls(self) -> list[str]:
        return [c for c in self.calls() if any(f" {word} " in f" {c} " for word in _NETWORK)]

    def clear(self) -> None:
        if self.log.exists():
            self.log.unlink()


@pytest.fixture
def git_log(tmp_path: Path) -> GitLog:
    real = shutil.which("git")
    assert real is not None
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "git-calls.log"
    script = bindir / "git"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s %s\\n" "prompt=$GIT_TERMINAL_PROMPT" "$*" >> "{log}"\n'
        f'exec "{real}" "$@"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return GitLog(script, log)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """main: c1 (tag v1.0, annotated) -> c2 (tag v2, lightweight); branch dev: c3 adds sub/."""
    path = tmp_path / "upstream" / "proj.git"
    path.mkdir(parents=True)
    repo = Repo(path)
    repo.git("init", "-q", "-b", "main")
    repo.commit({"pyproject.toml": "# v1\n", "VERSION": "1\n"}, "one")
    repo.git("tag", "-a", "v1.0", "-m", "release 1.0")
    repo.commit({"VERSION": "2\n"}, "two")
    repo.git("tag", "v2")
    repo.git("checkout", "-q", "-b", "dev")
    repo.commit({"VERSION": "3\n", "sub/pkg/pyproject.toml": "# sub\n"}, "three")
    repo.git("checkout", "-q", "main")
    return repo


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    cache = Cache(tmp_path / "cache")
    cache.ensure()
    return cache


def _fetch(url: str, cache: Cache, git_log: GitLog, *, offline: bool = False) -> GitCheckout:
    return fetch_git(url, cache=cache, offline=offline, git=str(git_log.executable))


def _version(checkout: GitCheckout) -> str:
    return (checkout.root / "VERSION").read_text().strip()


# ----------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("url", "repository", "revision", "subdirectory", "egg"),
    [
        ("git+https://host.test/org/repo.git", "https://host.test/org/repo.git", None, None, None),
        (
            "git+https://host.test/org/repo.git@v1.0#subdirectory=pkg/sub&egg=name",
            "https://host.test/org/repo.git",
            "v1.0",
            "pkg/sub",
            "name",
        ),
        ("git+ssh://git@host.test/org/repo.git@main", "ssh://git@host.test/org/repo.git", "main", None, None),
        ("git+http://host.test:8080/repo@feature%2Fx", "http://host.test:8080/repo", "feature/x", None, None),
        ("git+file:///srv/repos/proj@" + "a" * 40, "file:///srv/repos/proj", "a" * 40, None, None),
        ("git+git://host.test/repo.git@refs/pull/1/head", "git://host.test/repo.git", "refs/pull/1/head", None, None),
        ("git+https://u:p@host.test/repo.git@v1", "https://u:p@host.test/repo.git", "v1", None, None),
    ],
)
def test_parse_git_url(
    url: str, repository: str, revision: str | None, subdirectory: str | None, egg: str | None
) -> None:
    spec = parse_git_url(url)
    assert (spec.repository, spec.revision, spec.subdirectory, spec.egg) == (repository, revision, subdirectory, egg)


def test_repr_and_display_hide_credentials() -> None:
    spec = parse_git_url("git+https://alice:s3cret@host.test/repo.git@v1")
    assert "s3cret" not in repr(spec)
    assert "s3cret" not in spec.display and "alice" not in spec.display
    assert spec.public_repository == "https://host.test/repo.git"


def test_public_url_keeps_only_non_secret_userinfo() -> None:
    assert public_url("ssh://git@host.test/repo.git") == "ssh://git@host.test/repo.git"
    assert public_url("https://${TOKEN}@host.test/repo.git") == "https://${TOKEN}@host.test/repo.git"
    assert public_url("https://user:pw@host.test/repo.git") == "https://host.test/repo.git"
    assert public_url("https://token@host.test/repo.git") == "https://host.test/repo.git"


def test_same_repository_shares_one_key_whatever_the_credentials() -> None:
    keys = {
        parse_git_url(url).key
        for url in (
            "git+https://host.test/org/repo.git@v1",
            "git+https://a:b@HOST.test/org/repo@main",
            "git+HTTPS://host.test/org/repo.git/",
        )
    }
    assert len(keys) == 1


@pytest.mark.parametrize("vcs", ["hg", "svn", "bzr"])
def test_other_vcs_are_refused_naming_the_url_and_suggesting_alternatives(vcs: str) -> None:
    url = f"{vcs}+https://bob:hunter2@host.test/repo@tip"
    with pytest.raises(InputError) as info:
        parse_git_url(url)
    text = _all_text(info.value)
    assert f"{vcs} requirements are not supported" in info.value.message
    assert "host.test/repo@tip" in info.value.message
    assert "hunter2" not in text and "bob" not in text
    assert "git" in " ".join(info.value.hints) and "archive" in " ".join(info.value.hints)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://host.test/repo.git", "is not a VCS URL"),
        ("git+ftp://host.test/repo.git", "unsupported git URL"),
        ("git+git@host.test:org/repo.git", "unsupported git URL"),
        ("git+https://host.test/repo.git@", "empty revision"),
        ("git+https://host.test/repo.git@--upload-pack=x", "invalid git revision"),
        ("git+https:///repo.git", "names no host"),
        ("git+https://host.test/repo.git#subdirectory=../up", "invalid subdirectory"),
        ("git+https://host.test/repo.git#subdirectory=/abs", "invalid subdirectory"),
        ("git+https://host.test/repo.git#sha256=" + "0" * 64, "hash cannot be checked"),
    ],
)
def test_bad_git_urls_are_input_errors(url: str, expected: str) -> None:
    with pytest.raises(InputError) as info:
        parse_git_url(url)
    assert expected in info.value.message


# ---------------------------------------------------------------------------- fetching


def test_fetch_default_branch_tag_branch_and_commits(repo: Repo, cache: Cache, git_log: GitLog) -> None:
    main = repo.git("rev-parse", "main")
    first = repo.git("rev-parse", "v1.0^{commit}")
    dev = repo.git("rev-parse", "dev")

    head = _fetch(repo.url, cache, git_log)
    assert head.commit == main and _version(head) == "2" and head.requested_revision is None

    annotated = _fetch(f"{repo.url}@v1.0", cache, git_log)
    assert annotated.commit == first and _version(annotated) == "1"
    assert annotated.requested_revision == "v1.0"

    assert _fetch(f"{repo.url}@v2", cache, git_log).commit == main
    branch = _fetch(f"{repo.url}@dev", cache, git_log)
    assert branch.commit == dev and _version(branch) == "3"

    full = _fetch(f"{repo.url}@{first}", cache, git_log)
    assert full.commit == first and full.path == annotated.path

    short = _fetch(f"{repo.url}@{dev[:10]}", cache, git_log)
    assert short.commit == dev and short.requested_revision == dev[:10]
    # Every git command ran without terminal prompts.
    assert git_log.calls() and all(call.startswith("prompt=0 ") for call in git_log.calls())


def test_checkout_layout_is_per_commit_and_leaves_no_staging(repo: Repo, cache: Cache, git_log: GitLog) -> None:
    checkout = _fetch(f"{repo.url}@v1.0", cache, git_log)
    key = parse_git_url(repo.url).key
    assert checkout.root == cache.root / "git-v1" / "checkouts" / key / checkout.commit
    assert (cache.root / "git-v1" / "db" / key / "HEAD").is_file()
    assert list((cache.root / "tmp").iterdir()) == []
    # A real clone with tags, so version-from-git build backends work in it.
    described = subprocess.run(
        ["git", "describe", "--tags"], cwd=checkout.root, capture_output=True, text=True, check=True
    )
    assert described.stdout.strip() == "v1.0"
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=checkout.root, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""
    origin = subprocess.run(
        ["git", "remote", "get-url", "origin"], cwd=checkout.root, capture_output=True, text=True, check=True
    )
    assert origin.stdout.strip() == repo.path.as_uri()


def test_full_commit_is_fetched_into_an_empty_cache_and_then_costs_nothing(
    repo: Repo, cache: Cache, git_log: GitLog
) -> None:
    first = repo.git("rev-parse", "v1.0^{commit}")
    _fetch(f"{repo.url}@{first}", cache, git_log)
    assert not any("ls-remote" in call for call in git_log.calls())
    git_log.clear()
    again = _fetch(f"{repo.url}@{first}", cache, git_log)
    assert again.commit == first
    assert git_log.calls() == []


def test_second_fetch_of_a_tag_is_one_ls_remote_and_no_fetch(repo: Repo, cache: Cache, git_log: GitLog) -> None:
    first = _fetch(f"{repo.url}@v1.0", cache, git_log)
    git_log.clear()
    second = _fetch(f"{repo.url}@v1.0", cache, git_log)
    assert second == first
    assert [c for c in git_log.network_calls()] == [c for c in git_log.calls() if "ls-remote" in c]
    assert len(git_log.network_calls()) == 1
    assert not any(" clone " in c or " checkout " in c for c in git_log.calls())


def test_abbreviated_commit_already_checked_out_costs_nothing(repo: Repo, cache: Cache, git_log: GitLog) -> None:
    dev = repo.git("rev-parse", "dev")
    _fetch(f"{repo.url}@dev", cache, git_log)
    git_log.clear()
    assert _fetch(f"{repo.url}@{dev[:8]}", cache, git_log).commit == dev
    assert git_log.calls() == []


def test_a_commit_known_to_the_database_is_checked_out_without_network(
    repo: Repo, cache: Cache, git_log: GitLog
) -> None:
    _fetch(f"{repo.url}@dev", cache, git_log)  # the database now holds dev's history
    older = repo.git("rev-parse", "v1.0^{commit}")
    git_log.clear()
    assert _fetch(f"{repo.url}@{older}", cache, git_log).commit == older
    assert git_log.network_calls() == []


def test_moving_branch_is_resolved_again_and_offline_uses_the_last_resolution(
    repo: Repo, cache: Cache, git_log: GitLog
) -> None:
    before = _fetch(f"{repo.url}@main", cache, git_log)
    moved = repo.commit({"VERSION": "4\n"}, "four")
    after = _fetch(f"{repo.url}@main", cache, git_log)
    assert after.commit == moved != before.commit and _version(after) == "4"
    repo.commit({"VERSION": "5\n"}, "five")
    git_log.clear()
    offline = _fetch(f"{repo.url}@main", cache, git_log, offline=True)
    assert offline.commit == moved
    assert git_log.network_calls() == []
    # The default branch and a tag resolve offline too, once seen online.
    _fetch(repo.url, cache, git_log)
    _fetch(f"{repo.url}@v1.0", cache, git_log)
    git_log.clear()
    assert _fetch(repo.url, cache, git_log, offline=True).commit == repo.git("rev-parse", "main")
    assert _fetch(f"{repo.url}@v1.0", cache, git_log, offline=True).commit == repo.git("rev-parse", "v1.0^{commit}")
    assert git_log.network_calls() == []


def test_offline_without_a_cached_copy_is_a_clear_error(repo: Repo, cache: Cache, git_log: GitLog) -> None:
    with pytest.raises(GitError) as info:
        _fetch(f"{repo.url}@main", cache, git_log, offline=True)
    assert "--offline" in info.value.message and "@main" in info.value.message
    with pytest.raises(GitError):
        _fetch(f"{repo.url}@{'b' * 40}", cache, git_log, offline=True)
    assert git_log.network_calls() == []


def test_subdirectory(repo: Repo, cache: Cache, git_log: GitLog) -> None:
    checkout = _fetch(f"{repo.url}@dev#subdirectory=sub/pkg&egg=pkg", cache, git_log)
    assert checkout.path == checkout.root / "sub" / "pkg"
    assert (checkout.path / "pyproject.toml").read_text() == "# sub\n"
    assert checkout.subdirectory == "sub/pkg"
    with pytest.raises(GitError) as info:
        _fetch(f"{repo.url}@main#subdirectory=sub/pkg", cache, git_log)
    assert "sub/pkg" in info.value.message and repo.git("rev-parse", "main") in info.value.message


def test_unknown_ref_names_the_ref(repo: Repo, cache: Cache, git_log: GitLog) -> None:
    with pytest.raises(GitError) as info:
        _fetch(f"{repo.url}@no-such-branch", cache, git_log)
    assert "`no-such-branch`" in info.value.message and str(repo.path) in info.value.message
    with pytest.raises(GitError) as info:
        _fetch(f"{repo.url}@deadbeef12", cache, git_log)
    assert "`deadbeef12`" in info.value.message
    with pytest.raises(GitError) as info:
        _fetch(f"{repo.url}@{'c' * 40}", cache, git_log)
    assert "c" * 40 in info.value.message
    assert list((cache.root / "tmp").iterdir()) == []


def test_missing_repository_is_a_clear_error(tmp_path: Path, cache: Cache, git_log: GitLog) -> None:
    url = "git+" + (tmp_path / "nowhere").as_uri() + "@main"
    with pytest.raises(GitError) as info:
        _fetch(url, cache, git_log)
    assert str(tmp_path / "nowhere") in info.value.message
    assert info.value.causes  # git's own explanation


def test_credentials_never_appear_in_errors(cache: Cache, git_log: GitLog) -> None:
    # Port 1 on the loopback refuses connections at once: git fails, quoting the URL.
    for url in (
        "git+http://alice:s3cret-pw@127.0.0.1:1/repo.git@main",
        "git+http://alice:s3cret-pw@127.0.0.1:1/repo.git",
        "git+http://tok3n-s3cret@127.0.0.1:1/repo.git@" + "d" * 40,
    ):
        with pytest.raises(GitError) as info:
            _fetch(url, cache, git_log)
        text = _all_text(info.value)
        assert "s3cret" not in text and "alice" not in text
        assert "127.0.0.1:1/repo.git" in text


def test_missing_git_executable(tmp_path: Path, cache: Cache) -> None:
    with pytest.raises(GitError) as info:
        fetch_git("git+file:///srv/repo@main", cache=cache, git=str(tmp_path / "no-git-here"))
    assert "git" in info.value.message and info.value.hints


def test_direct_url_and_pinned_url(repo: Repo, cache: Cache, git_log: GitLog) -> None:
    checkout = _fetch(f"{repo.url}@dev#subdirectory=sub/pkg", cache, git_log)
    data = direct_url_for_git(checkout)
    assert data == {
        "url": repo.path.as_uri(),
        "vcs_info": {"vcs": "git", "commit_id": checkout.commit, "requested_revision": "dev"},
        "subdirectory": "sub/pkg",
    }
    json.dumps(data)
    assert checkout.pinned_url == f"{repo.url}@{checkout.commit}#subdirectory=sub/pkg"
    head = _fetch(repo.url, cache, git_log)
    assert direct_url_for_git(head) == {"url": repo.path.as_uri(), "vcs_info": {"vcs": "git", "commit_id": head.commit}}


def test_direct_url_drops_credentials() -> None:
    checkout = GitCheckout(
        path=Path("/x"),
        root=Path("/x"),
        commit="e" * 40,
        requested_revision=None,
        url=parse_git_url("git+https://u:pw@host.test/r.git").public_repository,
    )
    assert direct_url_for_git(checkout)["url"] == "https://host.test/r.git"


def test_abbreviated_commit_in_an_empty_cache_fetches_every_branch(
    repo: Repo, cache: Cache, git_log: GitLog
) -> None:
    dev = repo.git("rev-parse", "dev")
    checkout = _fetch(f"{repo.url}@{dev[:7]}", cache, git_log)
    assert checkout.commit == dev and _version(checkout) == "3"
    assert any(" fetch " in call for call in git_log.calls())


def test_concurrent_fetches_of_one_commit_share_one_checkout(repo: Repo, cache: Cache, git_log: GitLog) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: _fetch(f"{repo.url}@v2", cache, git_log), range(4)))
    assert len({r.root for r in results}) == 1 and _version(results[0]) == "2"
    assert list((cache.root / "tmp").iterdir()) == []


def test_submodules_are_checked_out(
    repo: Repo, tmp_path: Path, cache: Cache, git_log: GitLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # git refuses file:// submodules unless told otherwise (a safe default for real use).
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "protocol.file.allow")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "always")
    inner = Repo(tmp_path / "upstream" / "inner")
    inner.path.mkdir(parents=True)
    inner.git("init", "-q", "-b", "main")
    inner.commit({"lib.txt": "inner\n"}, "inner")
    repo.git("submodule", "add", "-q", inner.path.as_uri(), "vendor/inner")
    repo.git("commit", "-q", "-m", "add submodule")
    checkout = _fetch(f"{repo.url}@main", cache, git_log)
    assert (checkout.root / "vendor" / "inner" / "lib.txt").read_text() == "inner\n"
    # Offline, a commit in the database but not checked out cannot get its submodules.
    shutil.rmtree(cache.root / "git-v1" / "checkouts")
    with pytest.raises(GitError) as info:
        _fetch(f"{repo.url}@main", cache, git_log, offline=True)
    assert "has submodules" in info.value.message and "--offline" in info.value.message
    assert list((cache.root / "tmp").iterdir()) == []
