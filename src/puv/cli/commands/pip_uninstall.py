"""`puv pip uninstall PACKAGE... / -r FILE`: remove installed packages, like `uv pip uninstall`.

Packages are named on the command line or in requirements files (``-r``);
only the name counts (a version specifier is ignored, as in pip and uv), and a
URL or path matches the package installed from it (PEP 610). Files come from
``RECORD`` (or a legacy ``installed-files.txt``); launchers, ``__pycache__``
entries and directories left empty go too (:mod:`puv.domain.installer.uninstall`).

Output, on stderr, as uv: ``Uninstalled N packages in Xms`` and one
`` - name==version`` line per package. A name that is not installed is a
warning (``Skipping NAME as it is not installed``); when nothing at all is to be
removed the command warns ``No packages to uninstall`` and still exits 0.
``--dry-run`` prints ``Would uninstall N packages`` and the same list, and
changes nothing.

While removing, the command holds the environment lock ``puv pip install`` and
``sync`` take (``<venv>/.lock``, see
:func:`puv.domain.installer.operation.environment_lock`; it says "Waiting for
another puv process" when it has to wait) and an exclusive lock on ``.puv.lock``
in the environment's first site-packages directory, so two puv processes never
change one environment at once. Ctrl-C is held back while a package is being
removed and acted on between packages: each is removed whole or left whole.

``-t/--target DIR`` / ``--prefix DIR`` remove packages installed there (by
``puv pip install --target/--prefix``), from their RECORD, with the lock
``DIR/.lock``; the interpreter's own environment is not touched.
"""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from collections.abc import Iterator
    from contextlib import AbstractContextManager
    from pathlib import Path

    from puv.context import Context
    from puv.domain.installer.site import InstalledDist
    from puv.primitives.requirement_spec import RequirementSpec

LOCK_NAME = ".puv.lock"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from puv.cli.commands.pip_freeze import add_environment_options

    parser.add_argument("packages", nargs="*", metavar="PACKAGE", help="The packages to remove")
    parser.add_argument(
        "-r", "--requirement", dest="requirements", action="append", default=None, metavar="FILE",
        help="Remove the packages named in this requirements file (repeatable)",
    )
    parser.add_argument("--dry-run", action="store_true", help="Show what would be removed, and remove nothing")
    parser.add_argument(
        "-y",
        "--yes",
        action="store_true",
        help="Do not ask for confirmation (puv never asks; accepted for pip compatibility)",
    )
    add_environment_options(parser, writing=True, destination="Uninstall packages from")


def environment_lock(site_dir: Path) -> AbstractContextManager[None]:
    """An exclusive ``flock`` on ``<site-packages>/.puv.lock`` for as long as the context lasts."""
    from contextlib import contextmanager

    @contextmanager
    def hold() -> Iterator[None]:
        import os

        try:
            fd = os.open(site_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError:
            yield  # an unwritable environment: the removal itself will report it
            return
        try:
            try:
                import fcntl
            except ImportError:  # pragma: no cover - not POSIX
                yield
                return
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    return hold()


def deferred_interrupts() -> AbstractContextManager[list[int]]:
    """Hold Ctrl-C back while one package is being removed: the list it yields gets
    the signal, and the caller raises KeyboardInterrupt between packages, so each
    package is removed whole or left whole (as `pip install` does)."""
    from contextlib import contextmanager

    @contextmanager
    def hold() -> Iterator[list[int]]:
        import signal
        import threading

        pending: list[int] = []
        if threading.current_thread() is not threading.main_thread():
            yield pending
            return
        previous = signal.signal(signal.SIGINT, lambda signum, frame: pending.append(signum))
        try:
            yield pending
        finally:
            signal.signal(signal.SIGINT, previous)

    return hold()


def _file_url(location: str, cwd: Path) -> str:
    import os
    from pathlib import Path

    if "://" in location or location.startswith("file:"):
        return location
    return Path(os.path.join(str(cwd), os.path.expanduser(location))).resolve().as_uri()


def _same_url(left: str, right: str) -> bool:
    def norm(url: str) -> str:
        url = url.split("#", 1)[0].rstrip("/")
        if url.startswith("file://localhost/"):
            url = "file:///" + url[len("file://localhost/") :]
        return url

    return norm(left) == norm(right)


def gather(args: argparse.Namespace, ctx: Context) -> list[RequirementSpec]:
    from puv.cli.inputs import context_reader
    from puv.primitives.requirement_spec import parse_requirement_arg
    from puv.primitives.requirements_txt import load_requirements

    specs = [parse_requirement_arg(arg) for arg in args.packages]
    read = context_reader(ctx)
    for source in args.requirements or ():
        parsed = load_requirements(source, read=read, environ=ctx.environ)
        for warning in parsed.warnings:
            ctx.printer.warn(warning)
        specs.extend(parsed.requirements)
    return specs


def run(args: argparse.Namespace, ctx: Context) -> int:
    import time

    from puv.cli.common import format_elapsed
    from puv.cli.environment import find_destination, site_dirs
    from puv.domain.installer.site import list_installed
    from puv.domain.installer.uninstall import uninstall
    from puv.errors import UsageError

    if not args.packages and not args.requirements:
        raise UsageError(
            "no packages to uninstall: name at least one PACKAGE (or `-r FILE`)",
            hints=["for example `puv pip uninstall requests`"],
        )
    started = time.perf_counter()
    specs = gather(args, ctx)
    destination = find_destination(
        ctx,
        python=args.python,
        system=bool(args.system),
        target=args.target,
        prefix=args.prefix,
        for_writing=True,
        break_system_packages=args.break_system_packages,
    )
    ctx.printer.debug(f"Using {destination.describe()}")
    interpreter = destination.interpreter
    sites = site_dirs(interpreter)

    def select(dists: tuple[InstalledDist, ...], *, warn: bool) -> list[InstalledDist]:
        chosen: dict[str, InstalledDist] = {}
        names: list[str] = []
        urls: list[str] = []
        for spec in specs:
            if spec.name is not None:
                if spec.canonical_name not in names:
                    names.append(spec.canonical_name or "")
            elif spec.location is not None:
                url = _file_url(spec.location, ctx.cwd)
                if url not in urls:
                    urls.append(url)
        for name in sorted(names):
            matches = [d for d in dists if d.canonical_name == name]
            if not matches and warn:
                ctx.printer.warn(f"Skipping {name} as it is not installed")
            for dist in matches:
                chosen.setdefault(str(dist.path), dist)
        for url in sorted(urls):
            matches = [d for d in dists if d.direct_url is not None and _same_url(d.direct_url.url, url)]
            if not matches and warn:
                ctx.printer.warn(f"Skipping {url} as it is not installed")
            for dist in matches:
                chosen.setdefault(str(dist.path), dist)
        return sorted(chosen.values(), key=lambda d: (d.canonical_name, d.version))

    if args.dry_run:
        selected = select(list_installed(sites), warn=False)
        if not selected:
            ctx.printer.status("Would make no changes")
            return 0
        count = len(selected)
        ctx.printer.status(f"Would uninstall {count} package{'' if count == 1 else 's'}")
        for dist in selected:
            ctx.printer.status(f" - {dist.canonical_name}=={dist.version}")
        return 0

    if destination.kind != "environment" and not sites[0].is_dir():
        # A --target / --prefix that does not exist holds nothing (and is not created).
        select((), warn=True)
        ctx.printer.warn("No packages to uninstall")
        return 0
    sites[0].mkdir(parents=True, exist_ok=True)
    from puv.domain.installer.operation import environment_lock as install_lock

    # The lock `pip install` / `pip sync` hold (``<venv>/.lock``), then our own.
    lock_dir, lock_is_venv = destination.lock_location
    with install_lock(
        lock_dir,
        lock_is_venv,
        on_wait=lambda: ctx.printer.status(f"Waiting for another puv process to finish with {destination.root}"),
    ), environment_lock(sites[0]):
        selected = select(list_installed(sites), warn=True)
        if not selected:
            ctx.printer.warn("No packages to uninstall")
            return 0
        with deferred_interrupts() as interrupted:
            for dist in selected:
                removal = uninstall(dist, interpreter.paths)
                ctx.printer.debug(
                    f"Uninstalled {dist.canonical_name} ({removal.count} files, {len(removal.directories)} directories)"
                )
                for path in removal.skipped:
                    ctx.printer.warn(f"Left `{path}` in place: it is outside the environment")
                if interrupted:
                    raise KeyboardInterrupt
    count = len(selected)
    ctx.printer.status(
        f"Uninstalled {count} package{'' if count == 1 else 's'} in {format_elapsed(time.perf_counter() - started)}"
    )
    for dist in selected:
        ctx.printer.status(f" - {dist.canonical_name}=={dist.version}")
    return 0
