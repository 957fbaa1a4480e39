"""Carry out an install plan: prepare the wheels, then link them in, in parallel.

The decisions are made before this module runs (:mod:`.plan` is pure); here
they are acted on, and what happened comes back as a value (:class:`Outcome`)
for the CLI to report:

1. :func:`prepare` brings every wheel to install into the cache (download,
   hash check, unzip: :func:`puv.domain.prepare.prepare_wheels`).
2. :func:`apply` removes the distributions nobody wants any more (``--exact``,
   ``pip sync``), then installs every wheel on a thread pool sharing one
   :class:`~puv.io.fs.Linker`.

Replacing a distribution (an upgrade, a downgrade, a reinstall) happens per
package, new files first: the new wheel is installed over the old one (each
file it replaces is moved aside and only dropped when the whole wheel is in,
see :func:`~.wheel_install.install_wheel`), and only then are the old
version's remaining files and its ``.dist-info`` removed. A failure while
installing leaves the old version in place; the package is never absent.

Ctrl-C: installs that have started run to their end (each is atomic), those
not started never start, so every package is either fully installed or
untouched. A failing package does not stop the others; failures are collected
in :attr:`Outcome.failures`.

:func:`environment_lock` serialises puv processes writing to one environment
(``fcntl.flock`` on ``<venv>/.lock``; a system environment's lock lives in
the temporary directory, named after its prefix, as uv does).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from puv.domain.installer.plan import Desired
from puv.domain.installer.site import InstalledDist
from puv.errors import InstallError, PuvError

if TYPE_CHECKING:
    from puv.domain.installer.uninstall import Removal
    from puv.domain.installer.wheel_install import InstalledWheel
    from puv.domain.prepare import PrepareItem, ProgressReporter
    from puv.io.archive import UnpackLimits
    from puv.io.cache import Cache
    from puv.io.fs import Linker
    from puv.io.http import HttpClient


@dataclass(frozen=True, slots=True)
class InstallItem:
    """One wheel to install: the pin, the file to prepare, how to record it.

    ``direct_url`` is the PEP 610 URL (no fragment) of a direct reference;
    ``replaces`` the installed distribution it takes the place of (a
    different version, or the same one for a reinstall). A wheel built from a
    local source records ``direct_info`` ``"dir"`` (a project directory:
    ``dir_info``, editable when ``desired.editable``) or ``"archive"`` with the
    source archive's ``direct_sha256``; one built from a remote source records
    ``direct_json`` as it is (``vcs_info`` of a git checkout, ``archive_info``
    of a downloaded archive). ``extra_dist_info`` are more ``(name, content)``
    files for the ``.dist-info`` (a local project's ``puv_cache.json``, see
    :func:`.site.cache_info_current`).
    """

    desired: Desired
    prepare: PrepareItem
    requested: bool = False
    direct_url: str | None = None
    replaces: InstalledDist | None = None
    direct_info: str = "archive"
    direct_sha256: str | None = None
    direct_json: Mapping[str, object] | None = None
    extra_dist_info: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True, slots=True)
class Change:
    """One line of the report: `` + name==1.0`` (``+``, ``-`` or ``~``)."""

    kind: str
    name: str
    version: str

    def line(self) -> str:
        return f" {self.kind} {self.name}=={self.version}"


@dataclass(frozen=True, slots=True)
class Failure:
    """A package that could not be installed or removed, and why."""

    name: str
    error: PuvError


@dataclass(frozen=True, slots=True)
class Prepared:
    """The wheels of an install, unpacked in the cache (same order as the items)."""

    items: tuple[InstallItem, ...]
    unpacked: tuple[Any, ...]  # Unpacked (puv.domain.index.download)
    downloaded: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Outcome:
    """What :func:`apply` did."""

    installed: tuple[InstalledWheel, ...] = ()
    removed: tuple[Removal, ...] = ()
    changes: tuple[Change, ...] = ()
    failures: tuple[Failure, ...] = ()
    install_seconds: float = 0.0
    uninstall_seconds: float = 0.0
    compiled: bool = True
    uninstalled_count: int = 0


@dataclass(frozen=True, slots=True)
class Environment:
    """Where wheels go: the scheme paths and the interpreter for shebangs."""

    paths: Any  # an InstallPaths (purelib, platlib, scripts, data, include, headers)
    python: str


def sort_changes(changes: Sequence[Change]) -> tuple[Change, ...]:
    """By canonical name; for one name, removals before additions (uv's order)."""
    from packaging.utils import canonicalize_name

    order = {"-": 0, "~": 1, "+": 2}
    return tuple(sorted(changes, key=lambda c: (canonicalize_name(c.name), order.get(c.kind, 3), c.version)))


# --------------------------------------------------------------------------- prepare


def cached(cache: Cache, item: InstallItem) -> Any:
    """The item's wheel as already unpacked in the cache (an ``Unpacked``), or None."""
    from puv.domain.index.download import Unpacked, archive_dir, is_complete

    file = item.prepare.file
    digest = next((d.lower() for alg, d in file.hashes if alg == "sha256"), None)
    if digest is None:
        return None
    required = item.prepare.required_hashes
    if required and not any(alg == "sha256" and d.lower() == digest for alg, d in required):
        return None
    path = archive_dir(cache, item.prepare.project, digest)
    if not is_complete(path):
        return None
    return Unpacked(item.prepare.project, file.filename, digest, path, downloaded=False)


def prepare(
    items: Sequence[InstallItem],
    *,
    http: Callable[[], HttpClient],
    cache: Cache,
    workers: int,
    reporter: ProgressReporter | None = None,
    build: Callable[[InstallItem], InstallItem] | None = None,
    limits: UnpackLimits | None = None,
) -> Prepared:
    """Every item's wheel unpacked in the cache; ``http`` is called only if something is missing.

    ``limits``: the decompression-bomb limits for unpacking (None: the defaults).

    Items whose file is not a wheel (local projects, sdists) are first turned
    into items of a built wheel by ``build`` (in parallel; the builder bounds
    how many builds run at once); without it they are an error.
    """
    import time

    from puv.errors import BuildError

    started = time.perf_counter()
    sources = [i for i, item in enumerate(items) if not item.prepare.file.filename.lower().endswith(".whl")]
    if sources and build is not None:
        from puv.io.http import parallel_map

        builder = build
        built = parallel_map(lambda i: builder(items[i]), sources, len(sources))
        replaced = list(items)
        for index, item in zip(sources, built):
            replaced[index] = item
        items = replaced
    for item in items:
        if not item.prepare.file.filename.lower().endswith(".whl"):
            raise BuildError(
                f"{item.desired.name}=={item.desired.version} is available only as a source distribution "
                f"(`{item.prepare.file.filename}`), and nothing is built here (a build environment's requirements)",
                hints=[
                    "pick a version with a wheel for this Python and platform",
                    "or use `--only-binary :all:` to consider only wheels",
                ],
            )
    found = [cached(cache, item) for item in items]
    missing = [item.prepare for item, entry in zip(items, found) if entry is None]
    if missing:
        from puv.domain.prepare import prepare_wheels
        from puv.io.archive import DEFAULT_UNPACK_LIMITS

        fetched = iter(
            prepare_wheels(
                missing,
                http=http(),
                cache=cache,
                workers=workers,
                reporter=reporter,
                limits=limits or DEFAULT_UNPACK_LIMITS,
            )
        )
        found = [entry if entry is not None else next(fetched) for entry in found]
    unpacked = tuple(entry for entry in found if entry is not None)
    downloaded = sum(1 for u in unpacked if u.downloaded)
    return Prepared(tuple(items), unpacked, downloaded, time.perf_counter() - started)


# --------------------------------------------------------------------------- apply


def direct_url_json(url: str, sha256: str, *, info: str = "archive", editable: bool = False) -> dict[str, Any]:
    """PEP 610 ``direct_url.json`` for a wheel installed from ``url`` (an archive
    with ``sha256``, or ``info="dir"``: a local project directory, maybe editable).
    A ``#subdirectory=`` of ``url`` becomes the ``subdirectory`` key."""
    url, _, subdirectory = url.partition("#subdirectory=")
    data: dict[str, Any] = {"url": url}
    if info == "dir":
        data["dir_info"] = {"editable": True} if editable else {}
    else:
        data["archive_info"] = {"hash": f"sha256={sha256}", "hashes": {"sha256": sha256}}
    if subdirectory:
        data["subdirectory"] = subdirectory
    return data


def item_direct_url(item: InstallItem, sha256: str) -> dict[str, Any] | None:
    """The ``direct_url.json`` an item records (None: installed from an index)."""
    if not item.direct_url:
        return None
    if item.direct_json is not None:
        return dict(item.direct_json)
    return direct_url_json(
        item.direct_url, item.direct_sha256 or sha256, info=item.direct_info, editable=item.desired.editable
    )


def _record_rows(data: bytes | None) -> list[str]:
    import csv

    if data is None:
        return []
    text = data.decode("utf-8", "surrogateescape")
    return [row[0] for row in csv.reader(text.splitlines()) if row and row[0]]


def _remove_leftovers(old: InstalledDist, old_record: bytes | None, new: InstalledDist, env: Environment) -> None:
    """Remove what the replaced ``old`` distribution had and the new one does not."""
    from puv.domain.installer.uninstall import uninstall

    new_base = str(new.path.parent)
    kept = {os.path.normpath(os.path.join(new_base, rel)) for rel in _record_rows(new.read_bytes("RECORD"))}
    old_base = str(old.path.parent)
    if os.path.normpath(old.path) == os.path.normpath(new.path):
        # The same .dist-info (a reinstall): it was replaced whole; remove the files
        # only the old RECORD listed.
        for rel in _record_rows(old_record):
            path = os.path.normpath(os.path.join(old_base, rel))
            if path in kept or not path.startswith(old_base):
                continue
            try:
                os.unlink(path)
            except OSError:
                pass
        return
    if not old.path.is_dir():
        return
    # Narrow the old RECORD to the files the new version does not own, and drop
    # its entry points (their launchers are in RECORD; the new version's launchers
    # of the same name must stay), then uninstall it as usual.
    from puv.io.fs import write_new_file

    rows = [rel for rel in _record_rows(old_record) if os.path.normpath(os.path.join(old_base, rel)) not in kept]
    if old.kind == "dist-info":
        import csv
        import io

        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows((rel, "", "") for rel in rows)
        record = old.path / "RECORD"
        try:
            os.unlink(record)
        except FileNotFoundError:
            pass
        write_new_file(str(record), out.getvalue().encode("utf-8", "surrogateescape"))
        try:
            os.unlink(old.path / "entry_points.txt")
        except FileNotFoundError:
            pass
        uninstall(old, env.paths)


def _install_one(item: InstallItem, unpacked: Any, env: Environment, linker: Linker) -> tuple[InstalledWheel, float]:
    """Install one wheel (replacing ``item.replaces``); the wheel and the seconds spent removing."""
    import time

    from puv.domain.installer.uninstall import uninstall
    from puv.domain.installer.wheel_install import install_wheel

    old = item.replaces
    old_record: bytes | None = None
    removing = 0.0
    if old is not None:
        if old.kind != "dist-info":
            # A legacy egg-info: no RECORD to compare with; remove it first.
            started = time.perf_counter()
            uninstall(old, env.paths)
            removing = time.perf_counter() - started
            old = None
        else:
            old_record = old.read_bytes("RECORD")
    result = install_wheel(
        unpacked.path,
        dist_name=item.desired.name,
        version=item.desired.version,
        interpreter_paths=env.paths,
        python_executable=env.python,
        filename=unpacked.filename,
        requested=item.requested,
        direct_url=item_direct_url(item, unpacked.sha256),
        linker=linker,
        extra_files=item.extra_dist_info,
    )
    if old is not None:
        started = time.perf_counter()
        _remove_leftovers(old, old_record, result.dist, env)
        removing += time.perf_counter() - started
    return result, removing


def _as_puv_error(name: str, error: BaseException) -> PuvError:
    if isinstance(error, PuvError):
        return error
    if isinstance(error, OSError):
        return InstallError(
            f"failed to install {name}",
            causes=[f"{error.strerror or error}: {error.filename}" if error.filename else str(error)],
        )
    return InstallError(f"failed to install {name}", causes=[f"{type(error).__name__}: {error}"])


def _run_parallel(
    jobs: Sequence[Callable[[], Any]],
    workers: int,
) -> list[tuple[Any, BaseException | None]]:
    """Run every job on a pool; (result, error) per job. Ctrl-C: running jobs
    finish, queued ones are cancelled, then KeyboardInterrupt propagates."""
    from concurrent.futures import ThreadPoolExecutor

    if not jobs:
        return []
    if len(jobs) == 1 or workers <= 1:
        results: list[tuple[Any, BaseException | None]] = []
        for job in jobs:
            try:
                results.append((job(), None))
            except Exception as error:  # collected per package
                results.append((None, error))
        return results
    pool = ThreadPoolExecutor(max_workers=min(workers, len(jobs)), thread_name_prefix="puv-install")
    try:
        futures = [pool.submit(job) for job in jobs]
        out: list[tuple[Any, BaseException | None]] = []
        for future in futures:
            failed = future.exception()
            out.append((None, failed) if failed is not None else (future.result(), None))
        return out
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)


def apply(
    prepared: Prepared,
    *,
    remove: Sequence[InstalledDist],
    env: Environment,
    linker: Linker,
    workers: int = 8,
    compile_bytecode: bool = False,
) -> Outcome:
    """Remove ``remove``, then install every prepared wheel; see the module docstring."""
    import time

    from puv.domain.installer.uninstall import uninstall

    changes: list[Change] = []
    failures: list[Failure] = []
    removed: list[Removal] = []

    started = time.perf_counter()
    def remover(dist: InstalledDist) -> Callable[[], Removal]:
        return lambda: uninstall(dist, env.paths)

    def installer(item: InstallItem, unpacked: Any) -> Callable[[], tuple[InstalledWheel, float]]:
        return lambda: _install_one(item, unpacked, env, linker)

    results = _run_parallel([remover(dist) for dist in remove], workers)
    for dist, (removal, error) in zip(remove, results):
        if error is not None:
            failures.append(Failure(dist.name, _as_puv_error(dist.name, error)))
        else:
            removed.append(removal)
            changes.append(Change("-", dist.canonical_name, dist.version))
    uninstall_seconds = time.perf_counter() - started

    started = time.perf_counter()
    pairs = list(zip(prepared.items, prepared.unpacked))
    results = _run_parallel([installer(item, unpacked) for item, unpacked in pairs], workers)
    installed: list[InstalledWheel] = []
    replaced = 0
    removing = 0.0
    for (item, _), (answer, error) in zip(pairs, results):
        name = item.desired.canonical_name
        if error is not None:
            failures.append(Failure(name, _as_puv_error(f"{name}=={item.desired.version}", error)))
            continue
        wheel, seconds = answer
        removing += seconds
        installed.append(wheel)
        old = item.replaces
        if old is not None and _same(old.version, item.desired.version) and item.desired.reinstall:
            changes.append(Change("~", name, item.desired.version))
        else:
            if old is not None:
                changes.append(Change("-", name, old.version))
            changes.append(Change("+", name, item.desired.version))
        if old is not None:
            replaced += 1
    install_seconds = time.perf_counter() - started
    uninstall_seconds += removing

    compiled = True
    if compile_bytecode and installed:
        compiled = compile_installed(installed, env)
    return Outcome(
        installed=tuple(installed),
        removed=tuple(removed),
        changes=sort_changes(changes),
        failures=tuple(failures),
        install_seconds=install_seconds,
        uninstall_seconds=uninstall_seconds,
        compiled=compiled,
        uninstalled_count=len(removed) + replaced,
    )


def _same(a: str, b: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def compile_installed(installed: Sequence[InstalledWheel], env: Environment, *, jobs: int = 0) -> bool:
    """Byte-compile the ``.py`` files the wheels installed into site-packages (in parallel)."""
    from puv.domain.installer.wheel_install import compile_bytecode

    files: list[str] = []
    for wheel in installed:
        base = str(wheel.dist.path.parent)
        for rel in _record_rows(wheel.dist.read_bytes("RECORD")):
            if rel.endswith(".py"):
                path = os.path.normpath(os.path.join(base, rel))
                if path.startswith(base + os.sep):
                    files.append(path)
    return compile_bytecode(files, env.python, jobs=jobs)


# --------------------------------------------------------------------------- locking


def lock_path(prefix: str, is_venv: bool) -> str:
    """``<venv>/.lock``; for another environment, a file in the temp directory named after it."""
    if is_venv:
        return os.path.join(prefix, ".lock")
    import hashlib
    import tempfile

    digest = hashlib.sha256(os.path.realpath(prefix).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"puv-env-{digest}.lock")


@contextmanager
def environment_lock(prefix: str, is_venv: bool, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold an exclusive lock on the environment for the block (waiting for another holder)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    path = lock_path(prefix, is_venv)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError:
        yield  # a read-only environment: the install will fail on its own terms
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


# --------------------------------------------------------------------------- checks


class _Check:
    """Mutable state of one :func:`satisfied` walk (never shared; a plain class:
    generating a dataclass costs start-up time on the no-op install path)."""

    __slots__ = ("by_name", "markers", "constraints", "overrides", "recursive", "seen", "metadata")

    def __init__(
        self,
        *,
        by_name: Mapping[str, InstalledDist],
        markers: Mapping[str, str],
        constraints: Mapping[str, Sequence[Any]],
        overrides: Mapping[str, Sequence[Any]],
        recursive: bool = True,
    ) -> None:
        self.by_name = by_name
        self.markers = markers
        self.constraints = constraints
        self.overrides = overrides
        self.recursive = recursive
        self.seen: set[tuple[str, str]] = set()
        self.metadata: dict[str, Any] = {}


def satisfied(
    requirements: Sequence[Any],
    installed: Sequence[InstalledDist],
    markers: Mapping[str, str],
    *,
    constraints: Sequence[Any] = (),
    overrides: Sequence[Any] = (),
    direct_url_of: Callable[[Any], str | None] | None = None,
    recursive: bool = True,
) -> frozenset[str] | None:
    """The names of the distributions checked when ``installed`` already satisfies
    every requirement (RequirementSpec values) and, unless ``recursive`` is
    False, the installed dependencies (``Requires-Dist`` with markers for
    ``markers``); None otherwise.

    Reads only local files: no resolver, no index, no network stack.
    """
    from packaging.utils import canonicalize_name

    def by_canonical(specs: Sequence[Any]) -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = {}
        for spec in specs:
            name = getattr(spec, "canonical_name", None)
            if name is None:
                name = canonicalize_name(spec.name)
            found.setdefault(str(name), []).append(spec)
        return found

    check = _Check(
        by_name={dist.canonical_name: dist for dist in installed},
        markers=markers,
        constraints=by_canonical(constraints),
        overrides=by_canonical(overrides),
        recursive=recursive,
    )
    for spec in requirements:
        if not _check_root(check, spec, direct_url_of):
            return None
    return frozenset(name for name, _ in check.seen)


def _marker_holds(marker: Any, markers: Mapping[str, str], extra: str = "") -> bool:
    if marker is None:
        return True
    return bool(marker.evaluate({**markers, "extra": extra}))


def _check_root(check: _Check, spec: Any, direct_url_of: Callable[[Any], str | None] | None) -> bool:
    if spec.editable:
        return False
    if not _marker_holds(spec.marker, check.markers):
        return True
    name = spec.canonical_name
    if name is None:
        return False
    if spec.is_direct:
        dist = check.by_name.get(name)
        location = spec.url or ""
        if location.lower().startswith("git+"):
            if dist is None or dist.direct_url is None or not _same_git_source(location, dist.direct_url):
                return False
            return _check_dist(check, name, spec.extras, check_version=None)
        wanted = direct_url_of(spec) if direct_url_of is not None else None
        if wanted is None or dist is None or dist.direct_url is None or dist.direct_url.display() != wanted:
            return False
        if dist.direct_url.kind == "dir" and not local_project_current(dist):
            return False
        return _check_dist(check, name, spec.extras, check_version=None)
    if name in check.overrides:
        return all(_check_requirement(check, override.canonical_name, override.specifier, spec.extras | override.extras) for override in check.overrides[name] if _marker_holds(override.marker, check.markers))
    return _check_requirement(check, name, spec.specifier, spec.extras)


def local_project_current(dist: InstalledDist) -> bool:
    """Whether a distribution installed from a project directory is still what the
    directory would build (its ``puv_cache.json``, see :mod:`.site`)."""
    from puv.domain.installer.site import CACHE_INFO_FILE, cache_info_current

    direct = dist.direct_url
    if direct is None or direct.kind != "dir":
        return True
    return cache_info_current(dist.read_bytes(CACHE_INFO_FILE), direct.url, direct.subdirectory)


def _git_parts(url: str) -> tuple[str, str | None, str | None]:
    """(repository without credentials, revision, subdirectory) of a ``git+`` URL."""
    from urllib.parse import unquote, urlsplit, urlunsplit

    rest, _, fragment = url.strip()[4:].partition("#")
    subdirectory = None
    for item in fragment.split("&") if fragment else ():
        key, _, value = item.partition("=")
        if key.strip().lower() == "subdirectory":
            subdirectory = unquote(value.strip()) or None
    parts = urlsplit(rest)
    path, revision = parts.path, None
    if "@" in path:
        path, revision = path.rsplit("@", 1)
        revision = unquote(revision)
    return urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[-1], path, parts.query, "")), revision, subdirectory


def _same_git_source(url: str, direct: Any) -> bool:
    """Whether a distribution installed from git (PEP 610 ``vcs_info``) meets a ``git+``
    requirement: same repository and subdirectory, and the commit the requirement
    names or else the same requested revision. As in uv, a branch is not fetched
    again to see whether it moved (``--upgrade`` / ``--reinstall`` do that)."""
    if getattr(direct, "kind", None) != "vcs" or getattr(direct, "vcs", None) != "git":
        return False
    try:
        repository, revision, subdirectory = _git_parts(url)
        installed, _, _ = _git_parts("git+" + direct.url)
    except ValueError:
        return False
    if installed != repository or direct.subdirectory != subdirectory:
        return False
    commit = direct.commit_id or ""
    if revision is not None and len(revision) in (40, 64) and revision.lower() == commit.lower():
        return True
    return bool(direct.requested_revision == revision)


def _check_requirement(check: _Check, name: str, specifier: Any, extras: frozenset[str]) -> bool:
    return _check_dist(check, name, extras, check_version=specifier)


def _check_dist(check: _Check, name: str, extras: frozenset[str] | Any, *, check_version: Any) -> bool:
    dist = check.by_name.get(name)
    if dist is None:
        return False
    from packaging.version import InvalidVersion, Version

    try:
        version = Version(dist.version)
    except InvalidVersion:
        return False
    if check_version is not None and not check_version.contains(version, prereleases=True):
        return False
    for constraint in check.constraints.get(name, ()):
        if _marker_holds(constraint.marker, check.markers) and not constraint.specifier.contains(version, prereleases=True):
            return False
    wanted_extras = ["", *sorted(str(e) for e in extras)]
    todo = [extra for extra in wanted_extras if (name, extra) not in check.seen]
    if not todo:
        return True
    for extra in todo:
        check.seen.add((name, extra))
    if not check.recursive:
        return True
    metadata = check.metadata.get(name)
    if metadata is None:
        try:
            metadata = check.metadata[name] = dist.metadata()
        except PuvError:
            return False
    from packaging.utils import canonicalize_name

    provided = {canonicalize_name(e) for e in metadata.provides_extra}
    for extra in todo:
        if extra and canonicalize_name(extra) not in provided:
            continue  # an unknown extra adds nothing (a warning in a resolution)
        for requirement in metadata.requires_dist:
            if requirement.marker is not None:
                if not _marker_holds(requirement.marker, check.markers, extra):
                    continue
                if extra and _marker_holds(requirement.marker, check.markers, ""):
                    continue  # not specific to this extra: checked with the base
            elif extra:
                continue
            dep = canonicalize_name(requirement.name)
            dep_extras = frozenset(canonicalize_name(e) for e in requirement.extras)
            if requirement.url:
                if dep not in check.by_name:
                    return False
                if not _check_dist(check, dep, dep_extras, check_version=None):
                    return False
                continue
            overrides = check.overrides.get(dep)
            if overrides:
                for override in overrides:
                    if _marker_holds(override.marker, check.markers) and not _check_requirement(
                        check, dep, override.specifier, dep_extras | override.extras
                    ):
                        return False
                continue
            if not _check_requirement(check, dep, requirement.specifier, dep_extras):
                return False
    return True
