"""Remote direct requirements brought to local disk for the build session.

:class:`RemoteSources` is the ``fetch`` of :class:`puv.cli.builds.BuildSession`:

- ``name @ git+https://host/repo.git@ref`` (and ``git+file://``, ``git+ssh://``):
  the ref is resolved to a commit and checked out once per commit in the cache
  (:func:`puv.domain.sources.git.fetch_git`). Checkouts in the cache are shared
  and immutable, and build backends write into the tree they build
  (``build/``, ``*.egg-info``), so the checkout is copied (file times kept, so
  the build cache key of the copy is the same in every run) into a temporary
  directory that lives for the run. The pin is ``git+URL@<commit>``; the
  installed distribution records PEP 610 ``vcs_info``.
- ``name @ https://host/path/name-1.0.tar.gz#sha256=...``: downloaded into the
  cache once, hash-checked (:func:`puv.domain.sources.archives.fetch_archive`);
  PEP 610 ``archive_info``. A ``#subdirectory=`` is unpacked (with the one safe
  extractor) and that directory built.

``hg+``, ``svn+`` and ``bzr+`` URLs are refused with an error that says so.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from puv.context import Context
    from puv.domain.sources.git import GitCheckout
    from puv.primitives.requirement_spec import RequirementSpec


@dataclass(frozen=True)
class FetchedSource:
    """A remote source on local disk: ``path`` (a project directory or an sdist),
    ``url`` the requirement pinned to exactly this source (a git URL at its commit),
    ``direct_url`` the PEP 610 ``direct_url.json`` content the installed distribution
    records (None: the builder's default for a directory or archive)."""

    path: Path
    url: str
    direct_url: dict[str, object] | None = None


class RemoteSources:
    """See the module docstring; :meth:`close` removes this run's copies of checkouts."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()
        self._temp: list[Path] = []

    def __call__(self, spec: RequirementSpec) -> FetchedSource:
        from puv.errors import InputError
        from puv.primitives.requirement_spec import is_vcs_url

        url = spec.url
        if url is None:
            raise InputError(f"`{spec}` names no URL to fetch")
        if is_vcs_url(url):
            return self._git(spec, url)
        return self._archive(spec, url)

    def close(self) -> None:
        import shutil

        with self._lock:
            temp, self._temp = self._temp, []
        for path in temp:
            shutil.rmtree(path, ignore_errors=True)

    # -- git -----------------------------------------------------------------------

    def _git(self, spec: RequirementSpec, url: str) -> FetchedSource:
        from puv.domain.sources.git import direct_url_for_git, fetch_git, parse_git_url
        from puv.errors import InputError

        parsed = parse_git_url(url)  # hg+, svn+, bzr+: "not supported"
        if spec.editable:
            raise InputError(
                f"`{parsed.display}` cannot be installed in editable mode",
                hints=["clone the repository and install the local directory with `-e PATH`"],
            )
        self.ctx.printer.debug(f"Fetching {parsed.display}")
        checkout = fetch_git(parsed, cache=self.ctx.cache(), offline=self.ctx.settings.offline)
        self.ctx.printer.debug(f"Using {parsed.display} at commit {checkout.commit}")
        return FetchedSource(self._copy(checkout), checkout.pinned_url, direct_url_for_git(checkout))

    def _copy(self, checkout: GitCheckout) -> Path:
        """A private copy of the checkout (the cache's one is shared): its project directory."""
        import shutil
        import tempfile

        staging = Path(tempfile.mkdtemp(prefix="git-build-", dir=self.ctx.cache().tmpdir()))
        with self._lock:
            self._temp.append(staging)
        root = staging / checkout.commit[:16]
        shutil.copytree(checkout.root, root, symlinks=True)  # copy2: file times kept
        return root if checkout.subdirectory is None else root / checkout.subdirectory

    # -- archives --------------------------------------------------------------------

    def _archive(self, spec: RequirementSpec, url: str) -> FetchedSource:
        from puv.domain.resolver.build_context import direct_url
        from puv.domain.sources.archives import direct_url_for_archive, fetch_archive

        self.ctx.printer.debug(f"Fetching {spec}")
        fetched = fetch_archive(url, http=self.ctx.http(), cache=self.ctx.cache(), hashes=spec.hashes)
        path = fetched.path
        if fetched.subdirectory is not None:
            path = self._subdirectory(path, fetched.subdirectory, url)
        return FetchedSource(path, direct_url(spec), direct_url_for_archive(fetched))

    def _subdirectory(self, archive: Path, subdirectory: str, url: str) -> Path:
        import tempfile

        from puv.cli.builds import subdirectory_in
        from puv.io.archive import unpack_sdist
        from puv.io.http import redact

        staging = Path(tempfile.mkdtemp(prefix="url-src-", dir=self.ctx.cache().tmpdir()))
        with self._lock:
            self._temp.append(staging)
        root = unpack_sdist(archive, staging / "src", limits=self.ctx.unpack_limits())
        return subdirectory_in(
            root, subdirectory, where=redact(url.partition("#")[0]), requirement="the requirement"
        )
