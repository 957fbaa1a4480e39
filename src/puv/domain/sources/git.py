"""Git requirements (pip's VCS URL form), fetched into the cache with the ``git`` executable.

Accepted: ``git+https://host/repo.git@ref#subdirectory=sub&egg=name``, ``git+http://``,
``git+ssh://``, ``git+git://`` and ``git+file://``. ``ref`` is a branch, a tag, a full
ref name (``refs/pull/1/head``) or a commit (full or abbreviated); without one the
repository's default branch (``HEAD``) is used. ``hg+``, ``svn+`` and ``bzr+`` URLs are
refused with an :class:`InputError` that says so. Credentials in a URL are used for
fetching but never shown: every message goes through :func:`puv.io.http.redact`, git's
own output is scrubbed, and the URL recorded for ``direct_url.json`` (PEP 610) drops them.

Layout under the cache root::

    git-v1/db/<repo-key>/                   a bare repository every fetch goes into
    git-v1/checkouts/<repo-key>/<commit>/   a clean checkout of one commit (immutable)
    git-v1/locks/<repo-key>.lock            serialises fetches into one database

``<repo-key>`` hashes the repository URL without credentials, so the same repository
named with different credentials shares one database. Fetched refs are kept under
``refs/puv/<remote ref>`` (and commits under ``refs/puv/commits/<sha>``) so ``--offline``
can resolve a branch or tag to the commit seen last.

Cost of a fetch:

- a full commit sha whose checkout exists: no git command at all;
- a full commit sha in the database but not checked out: a local clone + checkout;
- a branch, tag or ``HEAD``: one ``git ls-remote`` (a branch moves, so it is resolved on
  every run), then a ``git fetch`` only when that commit is not in the database yet;
- an abbreviated sha: resolved from existing checkouts or the database when possible,
  else ``ls-remote`` and, failing that, a fetch of every branch and tag.

A checkout is made in the cache's ``tmp/`` and published with one ``rename``, so a
reader sees a complete checkout or none. ``GIT_TERMINAL_PROMPT=0`` keeps git from
waiting for a password; git's stdin is closed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit, urlunsplit

from puv.errors import InputError, PuvError
from puv.io.cache import Cache, url_key
from puv.io.http import redact

if TYPE_CHECKING:  # pragma: no cover
    import subprocess

BUCKET = "git-v1"
SUPPORTED_TRANSPORTS = ("https", "http", "ssh", "git", "file")

_FULL_SHA_RE = re.compile(r"^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$", re.ASCII)
_SHORT_SHA_RE = re.compile(r"^[0-9a-fA-F]{7,39}$", re.ASCII)
_USERINFO_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/\s@'\"]+@")
_ENV_USERINFO_RE = re.compile(r"^(?:\$\{[A-Za-z0-9_]+\})(?::\$\{[A-Za-z0-9_]+\})?$")
# Variables that would point git at another repository than the one we name.
_GIT_LOCATION_VARIABLES = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES",
    "GIT_PREFIX",
)


class GitError(PuvError):
    """A git repository could not be fetched or a revision not found in it."""


@dataclass(frozen=True)
class GitUrl:
    """A parsed ``git+`` requirement URL.

    ``repository`` is the URL git fetches from (scheme without ``git+``, credentials
    kept: it is never shown, and left out of ``repr``); ``revision`` is the text after
    ``@`` (percent-decoded) or None for the default branch.
    """

    repository: str = field(repr=False)
    revision: str | None
    subdirectory: str | None = None
    egg: str | None = None

    @property
    def public_repository(self) -> str:
        """The repository URL without credentials (PEP 610 keeps a bare ``git`` user and
        ``${VAR}`` placeholders, which are not secrets)."""
        return public_url(self.repository)

    @property
    def display(self) -> str:
        """``git+<redacted repository>[@revision]`` for messages."""
        text = "git+" + redact(self.repository)
        return text if self.revision is None else f"{text}@{self.revision}"

    @property
    def key(self) -> str:
        """The cache key of the repository (credentials, case of scheme and host,
        a trailing ``/`` and ``.git`` do not matter)."""
        parts = urlsplit(self.repository)
        host = parts.netloc.rsplit("@", 1)[-1].lower()
        path = parts.path.rstrip("/")
        if path.endswith(".git"):
            path = path[:-4]
        return url_key(urlunsplit((parts.scheme.lower(), host, path, parts.query, "")))


@dataclass(frozen=True)
class GitCheckout:
    """A clean checkout of one commit in the cache.

    ``path`` is the project directory (``root`` with the subdirectory applied); ``url``
    is the repository URL without credentials (as ``direct_url.json`` records it);
    ``commit`` is the full sha; ``requested_revision`` what the requirement asked for.
    """

    path: Path
    root: Path
    commit: str
    requested_revision: str | None
    url: str
    subdirectory: str | None = None

    @property
    def pinned_url(self) -> str:
        """``git+URL@<commit>[#subdirectory=...]``: this exact source, for lock output."""
        text = f"git+{self.url}@{self.commit}"
        return text if self.subdirectory is None else f"{text}#subdirectory={self.subdirectory}"


def public_url(url: str) -> str:
    """``url`` without credentials, except PEP 610's allowed ``git@`` / ``${VAR}`` forms."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, host = parts.netloc.rsplit("@", 1)
    if userinfo == "git" or _ENV_USERINFO_RE.match(userinfo):
        return url
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def scrub(text: str, secrets: Sequence[str] = ()) -> str:
    """``text`` with every URL's userinfo (and each of ``secrets``) replaced by ``****``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, redact(secret))
    return _USERINFO_RE.sub(r"\1****@", text)


def _unsupported_vcs(vcs: str, shown: str) -> InputError:
    return InputError(
        f"{vcs} requirements are not supported: {shown}",
        hints=[
            "puv fetches git repositories only (git+https://, git+ssh://, git+file://); "
            "use a git mirror of the project, or the URL of a source archive or wheel "
            "(name @ https://host/path/name-1.0.tar.gz)"
        ],
    )


def parse_git_url(url: str) -> GitUrl:
    """Parse a ``git+`` requirement URL; :class:`InputError` for anything else."""
    text = url.strip()
    shown = scrub(text, [text])
    scheme = text.partition(":")[0].lower()
    vcs, plus, transport = scheme.partition("+")
    if not plus or vcs not in ("git", "hg", "svn", "bzr"):
        raise InputError(
            f"`{shown}` is not a VCS URL",
            hints=["a git requirement looks like git+https://host/repo.git@ref"],
        )
    if vcs != "git":
        raise _unsupported_vcs(vcs, shown)
    rest = text[len(vcs) + 1 :]
    rest, _, fragment = rest.partition("#")
    egg, subdirectory = _parse_fragment(fragment, shown)
    if transport not in SUPPORTED_TRANSPORTS or "://" not in rest:
        hints = [f"supported forms: {', '.join('git+' + t + '://' for t in SUPPORTED_TRANSPORTS)}"]
        if "@" in transport:
            hints.insert(0, "write an scp-style address as git+ssh://git@host/owner/repo.git")
        raise InputError(f"unsupported git URL `{shown}`", hints=hints)
    parts = urlsplit(rest)
    if transport != "file" and not parts.hostname:
        raise InputError(f"the git URL `{shown}` names no host")
    path = parts.path
    revision: str | None = None
    if "@" in path:
        path, revision = path.rsplit("@", 1)
        revision = unquote(revision)
        if not revision.strip():
            raise InputError(
                f"the git URL `{shown}` has an empty revision after `@`",
                hints=["name a branch, tag or commit after `@`, or leave out `@` for the default branch"],
            )
        if revision.startswith("-") or any(c in revision for c in "\x00\n\r\t "):
            raise InputError(f"invalid git revision `{revision}` in `{shown}`")
    if not path.strip("/"):
        raise InputError(f"the git URL `{shown}` names no repository path")
    repository = urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
    return GitUrl(repository=repository, revision=revision, subdirectory=subdirectory, egg=egg)


def _parse_fragment(fragment: str, shown: str) -> tuple[str | None, str | None]:
    egg: str | None = None
    subdirectory: str | None = None
    for item in fragment.split("&") if fragment else ():
        key, _, value = item.partition("=")
        key = key.strip().lower()
        value = unquote(value.strip())
        if key == "egg":
            egg = value or None
        elif key == "subdirectory":
            subdirectory = _check_subdirectory(value, shown)
        elif key in ("sha256", "sha384", "sha512", "sha1", "md5"):
            raise InputError(
                f"a hash cannot be checked for a git requirement: `{shown}`",
                hints=["pin the commit instead (git+URL@<full commit sha>)"],
            )
    return egg, subdirectory


def _check_subdirectory(value: str, shown: str) -> str:
    path = PurePosixPath(value)
    if (
        not value
        or "\\" in value
        or "\x00" in value
        or path.is_absolute()
        or (len(value) > 1 and value[1] == ":")
        or ".." in path.parts
    ):
        raise InputError(
            f"invalid subdirectory `{value}` in `{shown}`",
            hints=["#subdirectory= takes a relative path inside the repository"],
        )
    cleaned = "/".join(part for part in path.parts if part != ".")
    if not cleaned:
        raise InputError(f"invalid subdirectory `{value}` in `{shown}`")
    return cleaned


def find_git(executable: str | None = None) -> str:
    """The git executable to run (``executable`` if given, else ``git`` on PATH)."""
    import shutil

    found = shutil.which(executable or "git")
    if found is None:
        raise GitError(
            "git is needed for git+ requirements but was not found"
            + (f" at {executable}" if executable else " on PATH"),
            hints=[
                "install git and make sure it is on PATH, or use the URL of a source "
                "archive or wheel instead of a git URL"
            ],
        )
    return found


@dataclass(frozen=True)
class _Git:
    """Runs git with a quiet, non-interactive environment and scrubbed messages."""

    executable: str
    what: str
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def run(
        self, args: Sequence[str], *, cwd: Path | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        import subprocess

        env = dict(os.environ)
        for name in _GIT_LOCATION_VARIABLES:
            env.pop(name, None)
        env["GIT_TERMINAL_PROMPT"] = "0"
        env["GCM_INTERACTIVE"] = "never"
        command = [self.executable, "-c", "gc.auto=0", "-c", "advice.detachedHead=false", *args]
        try:
            completed = subprocess.run(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                check=False,
            )
        except OSError as error:
            raise GitError(
                f"cannot run git ({self.executable}) for {self.what}", causes=[str(error)]
            ) from None
        if check and completed.returncode != 0:
            raise self.failure(args, completed)
        return completed

    def failure(
        self, args: Sequence[str], completed: subprocess.CompletedProcess[str], message: str | None = None
    ) -> GitError:
        lines = [scrub(line, self.secrets) for line in completed.stderr.splitlines() if line.strip()]
        hints: list[str] = []
        joined = "\n".join(lines).lower()
        if any(
            words in joined
            for words in ("could not read username", "authentication failed", "terminal prompts disabled")
        ):
            hints.append(
                "the repository needs credentials: put them in the URL, or configure a git "
                "credential helper or an SSH key (puv never prompts for a password)"
            )
        elif "could not resolve host" in joined or "unable to access" in joined:
            hints.append("check the URL and your network connection")
        elif "does not appear to be a git repository" in joined or "not found" in joined:
            hints.append("check the repository URL")
        return GitError(
            message or f"`git {args[0]}` failed for {self.what} (exit status {completed.returncode})",
            causes=lines[-10:],
            hints=hints,
        )


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def fetch_git(
    url: str | GitUrl, *, cache: Cache, offline: bool = False, git: str | None = None
) -> GitCheckout:
    """Make sure a checkout of the commit ``url`` names is in the cache; return it.

    ``url`` is a ``git+`` requirement URL (or its parsed form). With ``offline`` no git
    network command runs: a branch or tag resolves to the commit fetched last, and a
    commit must already be in the cache (:class:`GitError` otherwise). ``git`` is the
    executable to use (default: ``git`` on PATH).
    """
    spec = url if isinstance(url, GitUrl) else parse_git_url(url)
    bucket = cache.bucket(BUCKET)
    key = spec.key
    db = bucket / "db" / key
    checkouts = bucket / "checkouts" / key
    revision = spec.revision
    # The fast paths: an immutable commit that is already checked out costs nothing.
    if revision is not None and _FULL_SHA_RE.match(revision):
        commit = revision.lower()
        if (checkouts / commit).is_dir():
            return _result(spec, checkouts / commit, commit)
    elif revision is not None and _SHORT_SHA_RE.match(revision):
        found = _checkout_by_prefix(checkouts, revision.lower())
        if found is not None:
            return _result(spec, found, found.name)
    runner = _Git(find_git(git), spec.display, (spec.repository,))
    with _locked(bucket / "locks" / f"{key}.lock"):
        _ensure_db(runner, db, cache)
        if revision is not None and _FULL_SHA_RE.match(revision):
            commit = revision.lower()
            if not _has_commit(runner, db, commit):
                if offline:
                    raise _offline_error(spec)
                _fetch_commit(runner, spec, db, commit)
        elif offline:
            commit = _resolve_offline(runner, spec, db)
        else:
            commit = _resolve_online(runner, spec, db)
        root = _checkout(runner, spec, db, checkouts, commit, cache, offline=offline)
    return _result(spec, root, commit)


def _result(spec: GitUrl, root: Path, commit: str) -> GitCheckout:
    path = root if spec.subdirectory is None else root / spec.subdirectory
    if spec.subdirectory is not None and not path.is_dir():
        raise GitError(
            f"the subdirectory `{spec.subdirectory}` does not exist in {spec.display} "
            f"(commit {commit})",
            hints=["check #subdirectory= in the requirement"],
        )
    return GitCheckout(
        path=path,
        root=root,
        commit=commit,
        requested_revision=spec.revision,
        url=spec.public_repository,
        subdirectory=spec.subdirectory,
    )


def direct_url_for_git(checkout: GitCheckout) -> dict[str, object]:
    """The PEP 610 ``direct_url.json`` content for a distribution built from ``checkout``."""
    vcs_info: dict[str, object] = {"vcs": "git", "commit_id": checkout.commit}
    if checkout.requested_revision is not None:
        vcs_info["requested_revision"] = checkout.requested_revision
    data: dict[str, object] = {"url": checkout.url, "vcs_info": vcs_info}
    if checkout.subdirectory is not None:
        data["subdirectory"] = checkout.subdirectory
    return data


def _checkout_by_prefix(checkouts: Path, prefix: str) -> Path | None:
    try:
        names = [name for name in os.listdir(checkouts) if name.startswith(prefix)]
    except OSError:
        return None
    return checkouts / names[0] if len(names) == 1 else None


def _offline_error(spec: GitUrl) -> GitError:
    return GitError(
        f"{spec.display} is not in the cache and network access is disabled (--offline)",
        hints=["run once without --offline to fetch it"],
    )


def _ensure_db(runner: _Git, db: Path, cache: Cache) -> None:
    """Create the bare database once (made in tmp/, then renamed into place)."""
    if (db / "HEAD").exists():
        return
    import shutil
    import tempfile

    staging = Path(tempfile.mkdtemp(dir=cache.tmpdir(), prefix="git-db-"))
    try:
        runner.run(["init", "--bare", "--quiet", str(staging)])
        db.parent.mkdir(parents=True, exist_ok=True)
        if db.exists():  # a leftover without HEAD: not a repository
            shutil.rmtree(db, ignore_errors=True)
        os.rename(staging, db)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _has_commit(runner: _Git, db: Path, commit: str) -> bool:
    completed = runner.run(["cat-file", "-e", f"{commit}^{{commit}}"], cwd=db, check=False)
    return completed.returncode == 0


def _rev_parse(runner: _Git, db: Path, rev: str) -> str | None:
    completed = runner.run(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], cwd=db, check=False
    )
    value = completed.stdout.strip()
    return value.lower() if completed.returncode == 0 and _FULL_SHA_RE.match(value) else None


def _fetch(runner: _Git, spec: GitUrl, db: Path, refspecs: Sequence[str], *, check: bool = True) -> bool:
    completed = runner.run(
        ["fetch", "--force", "--tags", "--quiet", "--", spec.repository, *refspecs], cwd=db, check=False
    )
    if completed.returncode != 0 and check:
        raise runner.failure(["fetch"], completed, f"cannot fetch {spec.display}")
    return completed.returncode == 0


_ALL_REFSPECS = ("+HEAD:refs/puv/HEAD", "+refs/heads/*:refs/puv/refs/heads/*")


def _fetch_commit(runner: _Git, spec: GitUrl, db: Path, commit: str) -> None:
    """Fetch one commit by its sha; servers that refuse that get a fetch of every branch."""
    local = f"refs/puv/commits/{commit}"
    if _fetch(runner, spec, db, [f"+{commit}:{local}"], check=False) and _has_commit(runner, db, commit):
        return
    _fetch(runner, spec, db, _ALL_REFSPECS)
    if not _has_commit(runner, db, commit):
        raise GitError(
            f"commit {commit} was not found in {redact(spec.repository)}",
            hints=["check the commit sha; a commit only reachable from an unfetched ref cannot be found"],
        )
    runner.run(["update-ref", local, commit], cwd=db)


def _ls_remote(runner: _Git, spec: GitUrl) -> dict[str, str]:
    revision = spec.revision
    patterns = ["HEAD"] if revision is None else [revision, f"{revision}^{{}}"]
    completed = runner.run(["ls-remote", "--", spec.repository, *patterns], check=False)
    if completed.returncode != 0:
        raise runner.failure(["ls-remote"], completed, f"cannot read the refs of {redact(spec.repository)}")
    refs: dict[str, str] = {}
    for line in completed.stdout.splitlines():
        sha, _, name = line.partition("\t")
        if _FULL_SHA_RE.match(sha) and name:
            refs[name.strip()] = sha.lower()
    return refs


def _candidate_refs(revision: str | None) -> list[str]:
    """Full ref names a revision may mean, in pip's order (a branch before a tag)."""
    if revision is None:
        return ["HEAD"]
    names = [f"refs/heads/{revision}", f"refs/tags/{revision}"]
    if revision.startswith("refs/") or revision == "HEAD":
        names.append(revision)
    return names


def _resolve_online(runner: _Git, spec: GitUrl, db: Path) -> str:
    revision = spec.revision
    if revision is not None and _SHORT_SHA_RE.match(revision):
        known = _rev_parse(runner, db, revision)
        if known is not None and known.startswith(revision.lower()):
            return known
    refs = _ls_remote(runner, spec)
    for name in _candidate_refs(revision):
        commit = refs.get(f"{name}^{{}}") or refs.get(name)
        if commit is None:
            continue
        local = f"refs/puv/{name}"
        if _has_commit(runner, db, commit):
            runner.run(["update-ref", local, commit], cwd=db)
            return commit
        _fetch(runner, spec, db, [f"+{name}:{local}"])
        if _has_commit(runner, db, commit):
            return commit
        fetched = _rev_parse(runner, db, local)  # the ref moved since ls-remote
        if fetched is None:
            raise GitError(f"cannot fetch {spec.display}: the fetched ref {name} has no commit")
        return fetched
    if revision is None:
        raise GitError(
            f"{redact(spec.repository)} has no default branch (HEAD)",
            hints=["name a branch, tag or commit after `@` in the URL"],
        )
    if re.match(r"^[0-9a-fA-F]{4,39}$", revision):
        _fetch(runner, spec, db, _ALL_REFSPECS)
        commit = _rev_parse(runner, db, revision)
        if commit is not None and commit.startswith(revision.lower()):
            return commit
    raise GitError(
        f"the git revision `{revision}` was not found in {redact(spec.repository)}",
        hints=["check that a branch, tag or commit of that name exists in the repository"],
    )


def _resolve_offline(runner: _Git, spec: GitUrl, db: Path) -> str:
    revision = spec.revision
    names = [f"refs/puv/{name}" for name in _candidate_refs(revision)]
    if revision is not None:
        names.append(f"refs/tags/{revision}")
        if _SHORT_SHA_RE.match(revision) or re.match(r"^[0-9a-fA-F]{4,6}$", revision):
            names.append(revision)
    for name in names:
        commit = _rev_parse(runner, db, name)
        if commit is not None:
            return commit
    raise _offline_error(spec)


def _checkout(
    runner: _Git, spec: GitUrl, db: Path, checkouts: Path, commit: str, cache: Cache, *, offline: bool
) -> Path:
    """The checkout directory of ``commit``, created atomically when missing."""
    import shutil
    import tempfile

    target = checkouts / commit
    if target.is_dir():
        return target
    staging = Path(tempfile.mkdtemp(dir=cache.tmpdir(), prefix="git-checkout-"))
    try:
        runner.run(["clone", "--local", "--no-checkout", "--quiet", "--", str(db), str(staging)])
        runner.run(["checkout", "--quiet", "--detach", commit, "--"], cwd=staging)
        runner.run(["remote", "set-url", "origin", spec.public_repository], cwd=staging)
        if (staging / ".gitmodules").exists():
            if offline:
                raise GitError(
                    f"{spec.display} has submodules, which cannot be fetched with --offline",
                    hints=["run once without --offline"],
                )
            runner.run(
                [
                    "-c",
                    f"remote.origin.url={spec.repository}",
                    "submodule",
                    "update",
                    "--init",
                    "--recursive",
                    "--quiet",
                ],
                cwd=staging,
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(staging, target)
        except OSError:
            if not target.is_dir():  # another process published the same commit first
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target
