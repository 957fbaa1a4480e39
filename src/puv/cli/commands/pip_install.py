"""`puv pip install PACKAGE... [-r FILE]`: install packages into an environment, like `uv pip install`.

The target is the environment :func:`puv.cli.environment.target_interpreter`
finds (``--python``, ``VIRTUAL_ENV``, ``.venv``; a system Python only with
``--system``, and never an externally managed one without
``--break-system-packages``). The path of one install:

1. inputs: requirement arguments (names, ``name @ URL``, wheel paths and
   URLs, extras), ``-r`` files, ``-c`` constraints, ``--override`` files;
2. fast path: when the installed distributions already satisfy every
   requirement (and, recursively, their own installed dependencies), answer
   ``Checked N packages in 0.42ms`` without resolving (no index, no network
   stack imported);
3. resolve, with the installed versions as preferences (an install changes as
   little as possible; ``-U`` / ``-P`` lift that);
4. plan (pure): what to install, replace, reinstall, remove (``--exact``);
   ``--dry-run`` prints it and stops;
5. prepare (download, hash check, unzip into the cache, in parallel), then
   install (in parallel, one shared linker), then report uv's lines on
   standard error: ``Resolved``, ``Prepared``, ``Uninstalled``, ``Installed``
   and `` + name==1.0`` / `` - name==1.0`` / `` ~ name==1.0`` lines.

Local projects (``.``, ``./path``, ``path/to/file.tar.gz``, ``-e .``), git
requirements (``name @ git+URL@ref``), sdist URLs and versions the index has
only as sdists are built by :mod:`puv.cli.builds` (PEP 517 / PEP 660, isolated
build environments, built wheels cached; remote sources fetched by
:mod:`puv.cli.remote_sources`); ``--no-build-isolation`` and ``-C KEY=VALUE``
shape those builds.

``--target DIR`` / ``--prefix DIR`` install into a directory other than the
interpreter's environment (see :mod:`puv.cli.environment`): what is already
there counts as installed (the fast path works the same), the interpreter
found as usual (a system one is fine without ``--system``) decides markers,
tags and the scripts' shebangs, and the lock is ``DIR/.lock``.
"""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from collections.abc import Sequence

    from packaging.utils import NormalizedName

    from puv.cli.environment import Destination
    from puv.cli.inputs import RequirementInputs
    from puv.context import Context
    from puv.domain.installer.operation import Change, Outcome
    from puv.domain.installer.site import InstalledDist
    from puv.domain.python.interpreter import Interpreter
    from puv.cli.builds import BuildSession
    from puv.domain.build.builder import BuildOptions
    from puv.domain.resolver.resolution import Resolution
    from puv.io.fs import Linker
    from puv.primitives.requirement_spec import RequirementSpec
    from puv.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "packages", nargs="*", metavar="PACKAGE",
        help="Packages to install: names with versions and extras, `name @ URL`, wheel files or URLs",
    )
    group = parser.add_argument_group("inputs")
    group.add_argument(
        "-r", "--requirement", dest="requirements", action="append", default=None, metavar="FILE",
        help="Install the requirements in this file (repeatable)",
    )
    group.add_argument(
        "-e", "--editable", dest="editables", action="append", default=None, metavar="PATH",
        help="Install this local project in editable mode (PEP 660)",
    )
    group.add_argument(
        "-c", "--constraint", dest="constraints", action="append", default=None, metavar="FILE",
        help="Constrain versions with this file (repeatable)",
    )
    group.add_argument(
        "--override", dest="overrides", action="append", default=None, metavar="FILE",
        help="Override the versions dependencies ask for with this file (repeatable)",
    )
    group.add_argument("--no-deps", action="store_true", help="Install only the given packages, not their dependencies")
    add_install_options(parser, upgrade=True)
    add_target_options(parser)
    add_resolution_options(parser)
    from puv.cli.builds import add_build_options
    from puv.cli.options import add_index_options

    add_build_options(parser)
    add_index_options(parser)


def add_install_options(parser: argparse.ArgumentParser, *, upgrade: bool) -> None:
    """Options shared with `pip sync` (``upgrade``: also -U/-P and --exact)."""
    group = parser.add_argument_group("installation")
    if upgrade:
        group.add_argument("-U", "--upgrade", action="store_true", help="Allow every package to be upgraded")
        group.add_argument(
            "-P", "--upgrade-package", dest="upgrade_packages", action="append", default=None, metavar="NAME",
            help="Allow this package to be upgraded (repeatable)",
        )
        group.add_argument(
            "--exact", action="store_true", help="Also remove installed packages the requirements do not need"
        )
    group.add_argument("--reinstall", "--force-reinstall", action="store_true", help="Reinstall every package")
    group.add_argument(
        "--reinstall-package", dest="reinstall_packages", action="append", default=None, metavar="NAME",
        help="Reinstall this package (repeatable)",
    )
    group.add_argument("--dry-run", action="store_true", help="Print what would change, and change nothing")
    group.add_argument(
        "--link-mode", choices=("clone", "hardlink", "copy", "symlink"), default=None,
        help="How files get from the cache into the environment [env: PUV_LINK_MODE]",
    )
    group.add_argument(
        "--compile-bytecode", "--compile", dest="compile_bytecode", action="store_const", const=True, default=None,
        help="Compile the installed Python files to bytecode [env: PUV_COMPILE_BYTECODE]",
    )
    group.add_argument(
        "--require-hashes", dest="require_hashes", action="store_const", const=True, default=None,
        help="Require a --hash for every requirement, each pinned with ==",
    )
    group.add_argument(
        "--no-verify-hashes", action="store_true",
        help="Ignore the --hash values of the requirements (unless --require-hashes)",
    )


def add_target_options(parser: argparse.ArgumentParser) -> None:
    target = parser.add_argument_group("target")
    target.add_argument(
        "-p", "--python", default=None, metavar="PYTHON",
        help="The interpreter whose environment to change [env: PUV_PYTHON]",
    )
    target.add_argument(
        "--system", action="store_const", const=True, default=None,
        help="Install into the system Python [env: PUV_SYSTEM_PYTHON]",
    )
    target.add_argument(
        "--break-system-packages", action="store_true",
        help="Install into a Python marked externally managed (PEP 668) anyway",
    )
    from puv.cli.options import add_destination_options

    add_destination_options(target, verb="Install packages into")


def add_resolution_options(parser: argparse.ArgumentParser) -> None:
    resolution = parser.add_argument_group("resolution")
    resolution.add_argument(
        "--prerelease",
        choices=("disallow", "allow", "if-necessary", "explicit", "if-necessary-or-explicit"),
        default=None,
        help="When to accept pre-releases [env: PUV_PRERELEASE]",
    )
    resolution.add_argument(
        "--pre", dest="prerelease", action="store_const", const="allow", help="Accept pre-releases (--prerelease allow)"
    )
    resolution.add_argument(
        "--resolution", choices=("highest", "lowest", "lowest-direct"), default=None,
        help="Which versions to prefer [env: PUV_RESOLUTION]",
    )
    resolution.add_argument(
        "--exclude-newer", default=None, metavar="DATE",
        help="Ignore files uploaded after this date or time [env: PUV_EXCLUDE_NEWER]",
    )
    resolution.add_argument(
        "--no-binary", action="append", default=None, metavar="NAMES",
        help="Do not use wheels of these packages (`:all:`, `:none:`; repeatable)",
    )
    resolution.add_argument(
        "--only-binary", action="append", default=None, metavar="NAMES",
        help="Use only wheels of these packages (`:all:`, `:none:`; repeatable)",
    )
    resolution.add_argument(
        "--no-build", action="store_const", const=True, default=None, help="Never build a source distribution"
    )


# --------------------------------------------------------------------------- the shared engine


class InstallMode:
    """How an install behaves (install, sync and `venv --seed` differ only here)."""

    __slots__ = (
        "upgrade", "reinstall", "reinstall_packages", "no_deps", "exact", "dry_run", "sync",
        "require_hashes", "verify_hashes", "refresh", "summary", "changes", "builds", "build_options",
    )

    def __init__(
        self,
        *,
        upgrade: bool | frozenset[NormalizedName] = False,
        reinstall: bool = False,
        reinstall_packages: frozenset[NormalizedName] = frozenset(),
        no_deps: bool = False,
        exact: bool = False,
        dry_run: bool = False,
        sync: bool = False,
        require_hashes: bool = False,
        verify_hashes: bool = True,
        refresh: bool | frozenset[str] = False,
        summary: bool = True,
        changes: bool = True,
        builds: bool = True,
        build_options: BuildOptions | None = None,
    ) -> None:
        self.upgrade = upgrade
        self.reinstall = reinstall
        self.reinstall_packages = reinstall_packages
        self.no_deps = no_deps
        self.exact = exact
        self.dry_run = dry_run
        self.sync = sync
        self.require_hashes = require_hashes
        self.verify_hashes = verify_hashes
        self.refresh = refresh
        self.summary = summary
        self.changes = changes  # the ` + name==1.0` lines
        self.builds = builds  # local projects may be built (not inside a build environment)
        self.build_options = build_options  # None: the defaults


def reinstall_names(values: Sequence[str] | None) -> frozenset[NormalizedName]:
    from puv.cli.common import upgrade_names

    try:
        return upgrade_names(list(values or ()))
    except Exception:
        from puv.errors import UsageError

        raise UsageError("invalid --reinstall-package value: expected a package name") from None


def check_require_hashes(specs: Sequence[RequirementSpec]) -> None:
    """In ``--require-hashes`` mode every requirement is pinned (``==`` or a URL) and hashed."""
    from puv.errors import InputError

    for spec in specs:
        if spec.editable:
            raise InputError(
                f"In `--require-hashes` mode, editable requirements are not allowed: `{spec}`",
                source=spec.origin.source, lineno=spec.origin.lineno,
            )
        pinned = spec.is_direct or any(
            item.operator in ("==", "===") and not item.version.endswith(".*") for item in spec.specifier
        )
        if not pinned:
            raise InputError(
                f"In `--require-hashes` mode, all requirements must have their versions pinned with `==`, "
                f"but found: `{spec}`",
                source=spec.origin.source, lineno=spec.origin.lineno,
                hints=["pin it (`name==1.0`) with its hashes: `puv pip compile --generate-hashes` writes such a file"],
            )
        if not spec.hashes and not (spec.url and "sha256=" in spec.url):
            raise InputError(
                f"In `--require-hashes` mode, all requirements must have a hash, but none were provided for: `{spec}`",
                source=spec.origin.source, lineno=spec.origin.lineno,
                hints=["add `--hash=sha256:<digest>` to the requirement (`puv pip compile --generate-hashes`)"],
            )


def _hashes_of(specs: Sequence[RequirementSpec]) -> dict[str, tuple[tuple[str, str], ...]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for spec in specs:
        name = spec.canonical_name
        if name is None or not spec.hashes:
            continue
        for value in spec.hashes:
            algorithm, _, digest = value.partition(":")
            found.setdefault(str(name), []).append((algorithm.lower(), digest.lower()))
    return {name: tuple(dict.fromkeys(values)) for name, values in found.items()}


def spec_direct_url(spec: RequirementSpec) -> str | None:
    """The URL a direct requirement installs from (see ``build_context.direct_url``)."""
    if spec.url is None and spec.path is None:
        return None
    from puv.domain.resolver.build_context import direct_url

    return direct_url(spec)


def change_line(ctx: Context, change: Change) -> str:
    style = ctx.printer.style
    color = {"+": "green", "-": "red", "~": "yellow"}.get(change.kind, "bold")
    return f" {style(change.kind, 'bold', color)} {style(change.name, 'bold')}{style('==' + change.version, 'dim')}"


def install_into(
    ctx: Context,
    where: Interpreter | Destination,
    inputs: RequirementInputs,
    mode: InstallMode,
) -> int:
    """Make the environment of an interpreter (or a ``--target`` / ``--prefix``
    destination) satisfy ``inputs``; returns the exit code."""
    import time

    from puv.cli.common import count_line
    from puv.cli.environment import Destination, site_dirs
    from puv.domain.installer.site import list_installed

    destination = where if isinstance(where, Destination) else Destination.of(where)
    interpreter = destination.interpreter
    printer = ctx.printer
    requirements = inputs.requirements
    if mode.require_hashes:
        check_require_hashes(requirements)

    lock = None
    if not mode.dry_run:
        from puv.domain.installer.operation import environment_lock

        lock_dir, lock_is_venv = destination.lock_location
        lock = environment_lock(
            lock_dir,
            lock_is_venv,
            on_wait=lambda: printer.status(f"Waiting for another puv process to finish with {destination.root}"),
        )
        lock.__enter__()
    try:
        started = time.perf_counter()
        installed = list_installed(site_dirs(interpreter))

        # ---- the fast path: nothing to do, decided from local files only
        if mode.upgrade is False and not mode.reinstall and not mode.reinstall_packages:
            checked = _already_satisfied(interpreter, inputs, installed, mode)
            if checked is not None:
                if mode.summary:
                    printer.status(count_line("Checked", checked, time.perf_counter() - started, fine=True))
                    if mode.dry_run:
                        printer.status("Would make no changes")
                    else:
                        remember_noop(ctx, destination, inputs, mode, checked)
                return 0

        session = _build_session(ctx, interpreter, inputs, mode)
        try:
            resolution = _resolve(ctx, interpreter, inputs, installed, mode, session)
            return _apply(ctx, interpreter, inputs, installed, resolution, mode, session)
        finally:
            if session is not None:
                session.close()
    finally:
        if lock is not None:
            lock.__exit__(None, None, None)


def remember_noop(
    ctx: Context, destination: Destination, inputs: RequirementInputs, mode: InstallMode, checked: int
) -> bool:
    """Record this no-op for :mod:`puv.cli.noop_memo` when the answer depends on
    nothing but files it can watch: plain index requirements (no paths, URLs,
    editables or hashes), local requirement files, a virtual environment or a
    ``--target`` / ``--prefix`` directory, the cache the next run will look in."""
    import os

    from puv.cli import noop_memo
    from puv.config_files import pip_config_paths, user_config_path
    from puv.cli.environment import site_dirs

    settings = ctx.settings
    if ctx.command_line is None or settings.no_cache or settings.verbosity > 0 or mode.upgrade is not False:
        return False
    if mode.reinstall or mode.reinstall_packages or mode.require_hashes or inputs.warnings:
        return False
    interpreter = destination.interpreter
    if destination.kind == "environment" and not interpreter.is_venv:
        return False
    for spec in (*inputs.requirements, *inputs.constraints, *inputs.overrides):
        if spec.url is not None or spec.path is not None or spec.editable or spec.hashes or spec.name is None:
            return False
    if any("://" in file for file in inputs.files):
        return False
    words, rest = ctx.command_line
    cwd = str(ctx.cwd)
    from puv import __version__

    key = noop_memo.key_text(words, rest, ctx.environ, cwd, __version__)
    directory = noop_memo.memo_dir(rest, ctx.environ, cwd)
    if key is None or directory is None or settings.cache_dir is None:
        return False
    if os.path.normpath(directory) != os.path.normpath(os.path.join(str(settings.cache_dir), noop_memo.BUCKET)):
        return False  # the cache comes from a configuration file: the next run could not find the memo
    watched = [
        *(os.path.join(cwd, file) for file in inputs.files),
        *(str(path) for path in settings.config_files),
        str(user_config_path(ctx.environ)),
        *(str(path) for path in pip_config_paths(ctx.environ)),
        *noop_memo.discovery_paths(cwd),
        interpreter.sys_executable,
        os.path.join(interpreter.prefix, "pyvenv.cfg"),
        *noop_memo.environment_paths(str(path) for path in site_dirs(interpreter)),
    ]
    return noop_memo.record(directory, key, checked, watched)


def _already_satisfied(
    interpreter: Interpreter,
    inputs: RequirementInputs,
    installed: Sequence[InstalledDist],
    mode: InstallMode,
) -> int | None:
    from puv.domain.installer.operation import satisfied

    markers = dict(interpreter.markers)
    if mode.sync or mode.no_deps:
        # Only the requirements themselves (no dependencies are installed).
        wanted: set[str] = set()
        for spec in inputs.requirements:
            if spec.marker is not None and not spec.marker.evaluate({**markers, "extra": ""}):
                continue
            if spec.canonical_name is None:
                return None
            if satisfied([spec], installed, markers, constraints=inputs.constraints, direct_url_of=spec_direct_url, recursive=False) is None:
                return None
            wanted.add(spec.canonical_name)
        if mode.sync and {dist.canonical_name for dist in installed} != wanted:
            return None
        return len(wanted)
    names = satisfied(
        inputs.requirements,
        installed,
        markers,
        constraints=inputs.constraints,
        overrides=inputs.overrides,
        direct_url_of=spec_direct_url,
    )
    if names is None:
        return None
    if mode.exact and {dist.canonical_name for dist in installed} - names:
        return None
    return len(names)


def _build_session(
    ctx: Context, interpreter: Interpreter, inputs: RequirementInputs, mode: InstallMode
) -> BuildSession | None:
    """The run's builder front, for local projects (None inside a build environment)."""
    if not mode.builds:
        return None
    from puv.cli.builds import BuildSession
    from puv.cli.inputs import selection_policy
    from puv.domain.build.builder import BuildOptions

    from puv.cli.remote_sources import RemoteSources

    options = mode.build_options or BuildOptions(
        concurrency=ctx.settings.concurrent_builds, unpack_limits=ctx.unpack_limits()
    )
    return BuildSession(
        ctx, lambda: interpreter, options, selection_policy(ctx.settings, inputs.options), fetch=RemoteSources(ctx)
    )


def _resolve(
    ctx: Context,
    interpreter: Interpreter,
    inputs: RequirementInputs,
    installed: Sequence[InstalledDist],
    mode: InstallMode,
    session: BuildSession | None = None,
) -> Resolution:
    import time

    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    from puv.cli.common import resolved_line
    from puv.cli.inputs import selection_policy
    from puv.domain.index.candidates import Target
    from puv.domain.resolver.resolve import ResolveOptions, resolve

    settings = ctx.settings
    preferences: dict[NormalizedName, Version] = {}
    for dist in installed:
        if dist.direct_url is not None:
            continue
        try:
            preferences[canonicalize_name(dist.name)] = Version(dist.version)
        except InvalidVersion:
            continue
    refresh = mode.refresh
    if mode.upgrade is True or refresh is True:
        refresh = True
    elif mode.upgrade:
        refresh = frozenset(refresh or ()) | mode.upgrade
    index = ctx.index(refresh=refresh)
    started = time.perf_counter()
    policy = selection_policy(settings, inputs.options)
    from puv.cli.builds import check_wheel_policy

    check_wheel_policy(inputs.requirements, policy)
    resolution = resolve(
        inputs.requirements,
        index=index,
        target=Target.for_interpreter(interpreter),
        policy=policy,
        options=ResolveOptions(
            resolution=settings.resolution,
            prerelease=settings.prerelease,
            no_deps=mode.no_deps or mode.sync,
            max_workers=settings.concurrent_downloads,
        ),
        constraints=inputs.constraints,
        overrides=inputs.overrides,
        preferences=preferences,
        upgrade=mode.upgrade,
        build=session,
    )
    if mode.summary:
        ctx.printer.status(resolved_line(len(resolution), time.perf_counter() - started))
    for pin in resolution.sorted():
        if pin.yanked_reason is not None or (pin.file is not None and pin.file.yanked):
            reason = pin.yanked_reason or (pin.file.yanked_reason if pin.file is not None else None)
            detail = f' (reason: "{reason}")' if reason else ""
            ctx.printer.warn(f"`{pin.name}=={pin.version}` is yanked{detail}")
    return resolution


def _apply(
    ctx: Context,
    interpreter: Interpreter,
    inputs: RequirementInputs,
    installed: Sequence[InstalledDist],
    resolution: Resolution,
    mode: InstallMode,
    session: BuildSession | None = None,
) -> int:
    import time

    from puv.cli.common import count_line
    from puv.domain.installer.operation import (
        Change,
        Environment,
        InstallItem,
        apply,
        cached,
        prepare,
        sort_changes,
    )
    from puv.domain.installer.plan import Desired, make_plan
    from puv.domain.prepare import PrepareItem
    from puv.errors import InputError, PuvError

    started = time.perf_counter()
    settings = ctx.settings
    printer = ctx.printer
    hashes = _hashes_of(inputs.requirements) if (mode.verify_hashes or mode.require_hashes) else {}
    root_text = {str(spec.canonical_name): str(spec) for spec in inputs.requirements if spec.canonical_name}
    if mode.require_hashes:
        for dist in resolution.sorted():
            if dist.url is None and str(dist.name) not in hashes:
                raise InputError(
                    f"In `--require-hashes` mode, all requirements must be pinned upfront with `==`, "
                    f"but found: `{dist.name}`",
                    hints=[f"`{dist.name}` is a dependency; add `{dist.name}=={dist.version}` with its --hash to the requirements"],
                )

    from puv.domain.resolver.build_context import bare_url

    editables = {spec_direct_url(spec) for spec in inputs.requirements if spec.editable}
    installed_by_name: dict[str, InstalledDist] = {}
    for present in installed:
        installed_by_name.setdefault(present.canonical_name, present)
    desired: list[Desired] = []
    for dist in resolution.sorted():
        url = bare_url(dist.url) if dist.url else None
        desired.append(
            Desired(
                str(dist.name),
                str(dist.version),
                url=url,
                reinstall=mode.reinstall or dist.name in mode.reinstall_packages
                or _changed_project(installed_by_name.get(str(dist.name)), url),
                editable=dist.editable or (url is not None and url in editables),
            )
        )
    plan = make_plan(desired, installed, reinstall_all=mode.reinstall, exact=mode.exact or mode.sync)

    replaced: dict[str, InstalledDist] = {}
    for old in plan.remove:
        replaced.setdefault(old.canonical_name, old)
    items: list[InstallItem] = []
    extraneous = [dist for dist in plan.remove if dist.canonical_name not in resolution.dists]
    reinstalled = {pin.canonical_name: old for old, pin in plan.reinstall}
    for pin in plan.to_install():
        name = pin.canonical_name
        dist = resolution.dists[name]  # type: ignore[index]
        if dist.file is None:
            raise PuvError(f"no installable file for {dist.name}=={dist.version}")
        items.append(
            InstallItem(
                desired=pin,
                prepare=PrepareItem(
                    project=str(dist.name),
                    file=dist.file,
                    required_hashes=hashes.get(name, ()),
                    requirement=root_text.get(name),
                ),
                requested=dist.requested,
                direct_url=pin.url,
                replaces=reinstalled.get(name) or replaced.get(name),
            )
        )
    # Versions being replaced are removed inside the per-package install; the
    # rest of plan.remove is extraneous (or a duplicate of one name).
    extra_duplicates = [
        dist for dist in plan.remove
        if dist.canonical_name in resolution.dists and replaced.get(dist.canonical_name) is not dist
    ]
    extraneous.extend(extra_duplicates)
    kept_by_name = {dist.canonical_name for dist in plan.keep}
    for dist in plan.remove:
        # A second installed copy of a kept name: also extraneous.
        if dist.canonical_name in kept_by_name and dist not in extraneous:
            extraneous.append(dist)
    if not items and not extraneous:
        if mode.summary:
            printer.status(count_line("Checked", len(resolution), time.perf_counter() - started, fine=True))
            if mode.dry_run:
                printer.status("Would make no changes")
        return 0

    if mode.dry_run:
        changes: list[Change] = [Change("-", dist.canonical_name, dist.version) for dist in extraneous]
        for item in items:
            old = item.replaces
            if old is not None and item.desired.reinstall and old.version == item.desired.version:
                changes.append(Change("~", item.desired.canonical_name, item.desired.version))
                continue
            if old is not None:
                changes.append(Change("-", item.desired.canonical_name, old.version))
            changes.append(Change("+", item.desired.canonical_name, item.desired.version))
        uninstalls = len(extraneous) + sum(1 for item in items if item.replaces is not None)
        cache = ctx.cache()
        downloads = sum(1 for item in items if cached(cache, item) is None)
        if downloads:
            printer.status("Would download " + _packages(downloads))
        if uninstalls:
            printer.status("Would uninstall " + _packages(uninstalls))
        if items:
            printer.status("Would install " + _packages(len(items)))
        for change in sort_changes(changes):
            printer.status(change_line(ctx, change))
        return 0

    from puv.cli.progress import DownloadProgress, wants_progress

    reporter = None
    if mode.summary and wants_progress(printer.err, settings.verbosity):
        reporter = DownloadProgress(printer.err, color=printer.color)
    prepared = prepare(
        items,
        http=ctx.http,
        cache=ctx.cache(),
        workers=settings.concurrent_downloads,
        reporter=reporter,
        build=session.build if session is not None else None,
        limits=ctx.unpack_limits(),
    )
    if prepared.downloaded and mode.summary:
        printer.status(count_line("Prepared", prepared.downloaded, prepared.seconds))

    linker = make_linker(ctx)
    outcome = apply(
        prepared,
        remove=extraneous,
        env=Environment(interpreter.paths, interpreter.sys_executable),
        linker=linker,
        workers=_install_workers(),
        compile_bytecode=settings.compile_bytecode,
    )
    report(ctx, outcome, mode)
    if outcome.failures:
        for failure in outcome.failures[1:]:
            printer.error(failure.error)
        raise outcome.failures[0].error
    return 0


def _changed_project(present: InstalledDist | None, url: str | None) -> bool:
    """Whether ``present`` came from the project directory at ``url`` and that
    project's pyproject.toml / setup.py / setup.cfg changed since (rebuild it)."""
    if present is None or url is None or present.direct_url is None:
        return False
    if present.direct_url.kind != "dir" or present.direct_url.display() != url:
        return False  # another source: the plan replaces it anyway
    from puv.domain.installer.operation import local_project_current

    return not local_project_current(present)


def _packages(count: int) -> str:
    return f"{count} package{'' if count == 1 else 's'}"


def _install_workers() -> int:
    import os

    return min(32, (os.cpu_count() or 1) * 4)


def make_linker(ctx: Context) -> Linker:
    """The run's one Linker: ``--link-mode``, else clone where the filesystem can
    (silently falling back to hard links), copying across filesystems with one warning."""
    from puv.io.fs import Linker

    requested = ctx.settings.link_mode
    printer = ctx.printer

    def warn(message: str) -> None:
        if requested is None and message.startswith("failed to clone"):
            return  # the default tries clone quietly
        printer.warn(message)

    return Linker(requested or "clone", warn)


def report(ctx: Context, outcome: Outcome, mode: InstallMode) -> None:
    from puv.cli.common import count_line

    printer = ctx.printer
    if mode.summary:
        if outcome.uninstalled_count:
            printer.status(count_line("Uninstalled", outcome.uninstalled_count, outcome.uninstall_seconds))
        if outcome.installed:
            printer.status(count_line("Installed", len(outcome.installed), outcome.install_seconds))
    if mode.changes:
        for change in outcome.changes:
            printer.status(change_line(ctx, change))
    if not outcome.compiled:
        printer.warn("some files failed to compile to bytecode (as pip, they were installed anyway)")


def environment_for(ctx: Context, args: argparse.Namespace, *, dry_run: bool) -> Destination:
    """The environment (or ``--target`` / ``--prefix`` directory, created unless
    ``dry_run``) that install and sync change."""
    from puv.cli.environment import find_destination

    destination = find_destination(
        ctx,
        python=ctx.settings.python,
        system=bool(ctx.settings.system),
        target=args.target,
        prefix=args.prefix,
        for_writing=not dry_run,
        break_system_packages=args.break_system_packages,
        create=not dry_run,
    )
    ctx.printer.debug(f"Using {destination.describe()}")
    return destination


def gather(ctx: Context, *, sources: Sequence[str], packages: Sequence[str], editables: Sequence[str],
           constraints: Sequence[str], overrides: Sequence[str]) -> RequirementInputs:
    """Read the inputs and fold the files' index options into ``ctx.settings``."""
    from puv.cli.inputs import InputRequest, apply_index_options, context_reader, gather_inputs
    from puv.config_files import home_dir

    inputs = gather_inputs(
        InputRequest(
            sources=tuple(sources),
            packages=tuple(packages),
            editables=tuple(editables),
            constraints=tuple(constraints),
            overrides=tuple(overrides),
        ),
        read=context_reader(ctx),
        environ=ctx.environ,
        cwd=ctx.cwd,
    )
    for warning in inputs.warnings:
        ctx.printer.warn(warning)
    ctx.settings = apply_index_options(ctx.settings, inputs.options, ctx.cwd, home_dir(ctx.environ))
    return inputs


def _build_options(ctx: Context, args: argparse.Namespace) -> BuildOptions | None:
    """The build options of the arguments; None (the defaults, see :func:`_build_session`)
    when neither ``-C`` nor ``--no-build-isolation`` is given, which keeps the
    builder's modules off the no-op path."""
    if not getattr(args, "config_settings", None) and not getattr(args, "no_build_isolation", False):
        return None
    from puv.cli.builds import build_options

    return build_options(ctx, args)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from puv.cli.options import refresh_of
    from puv.errors import UsageError

    if not args.packages and not args.requirements and not args.editables:
        raise UsageError(
            "no packages to install: name at least one PACKAGE or `-r FILE`",
            hints=["for example `puv pip install flask` or `puv pip install -r requirements.txt`"],
        )
    inputs = gather(
        ctx,
        sources=args.requirements or (),
        packages=args.packages,
        editables=args.editables or (),
        constraints=args.constraints or (),
        overrides=args.overrides or (),
    )
    settings: Settings = ctx.settings
    from puv.cli.common import upgrade_names

    named = upgrade_names(args.upgrade_packages)
    mode = InstallMode(
        upgrade=True if args.upgrade else (named or False),
        reinstall=args.reinstall,
        reinstall_packages=reinstall_names(args.reinstall_packages),
        no_deps=args.no_deps,
        exact=args.exact,
        dry_run=args.dry_run,
        require_hashes=settings.require_hashes or inputs.options.require_hashes,
        verify_hashes=not args.no_verify_hashes,
        refresh=refresh_of(args),
        build_options=_build_options(ctx, args),
    )
    destination = environment_for(ctx, args, dry_run=args.dry_run)
    return install_into(ctx, destination, inputs, mode)
