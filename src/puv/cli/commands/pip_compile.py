"""`puv pip compile SRC...`: resolve requirements into a pinned requirements.txt, like `uv pip compile`.

Inputs are requirements files, ``pyproject.toml`` (``--extra``,
``--all-extras``, ``--group``) and ``-`` for standard input, with ``-c``
constraints and ``--override`` files (see :mod:`puv.cli.inputs`). The
requirements are resolved for one target: the first Python found (a virtual
environment, else the system's), or ``--python-version`` /
``--python-platform``. The result goes to standard output and, with ``-o``, to
that file (written atomically, only after a successful resolution; ``-q``
silences standard output when a file is written, as in uv). With ``-o``, the
pins already in the file are kept as preferences unless ``--upgrade`` /
``--upgrade-package`` says otherwise. ``--dry-run`` resolves and prints but
writes nothing.

The status line ``Resolved N packages in 12ms`` goes to standard error.
"""

from __future__ import annotations

import argparse

# Shared with `pip install` / `pip sync` (re-exported here for callers of this module).
from puv.cli.common import read_preferences as read_preferences
from puv.cli.common import resolve_target as _target
from puv.cli.common import resolved_line as resolved_line
from puv.cli.common import upgrade_names as _upgrade_names
from puv.cli.common import write_atomic as write_atomic

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from packaging.utils import NormalizedName
    from packaging.version import Version

    from puv.cli.builds import BuildSession
    from puv.context import Context
    from puv.domain.python.interpreter import Interpreter
    from puv.domain.resolver.resolution import Resolution
    from puv.primitives.requirement_spec import RequirementSpec

CUSTOM_COMPILE_COMMAND_ENV = "PUV_CUSTOM_COMPILE_COMMAND"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from puv.cli.builds import add_build_options
    from puv.cli.commands.pip_install import add_resolution_options
    from puv.cli.options import add_index_options

    parser.add_argument(
        "src_files",
        nargs="*",
        metavar="SRC_FILE",
        help="Requirements files (requirements.in, requirements.txt), pyproject.toml, or `-` for stdin",
    )
    group = parser.add_argument_group("inputs")
    group.add_argument(
        "-c", "--constraint", dest="constraints", action="append", default=None, metavar="FILE",
        help="Constrain versions with this file (repeatable)",
    )
    group.add_argument(
        "--override", dest="overrides", action="append", default=None, metavar="FILE",
        help="Override the versions dependencies ask for with this file (repeatable)",
    )
    group.add_argument(
        "--extra", dest="extras", action="append", default=None, metavar="EXTRA",
        help="Include this optional dependency group of pyproject.toml (repeatable)",
    )
    group.add_argument("--all-extras", action="store_true", help="Include every extra of pyproject.toml")
    group.add_argument(
        "--group", dest="groups", action="append", default=None, metavar="[PATH:]GROUP",
        help="Include this PEP 735 dependency group (repeatable; default file: ./pyproject.toml)",
    )
    group.add_argument("--no-deps", action="store_true", help="Resolve only the given requirements, not their dependencies")

    output = parser.add_argument_group("output")
    output.add_argument("-o", "--output-file", default=None, metavar="FILE", help="Write the result to this file too")
    output.add_argument("--dry-run", action="store_true", help="Resolve and print, but write no file")
    output.add_argument("-U", "--upgrade", action="store_true", help="Ignore the pins in the output file")
    output.add_argument(
        "-P", "--upgrade-package", dest="upgrade_packages", action="append", default=None, metavar="NAME",
        help="Ignore the output file's pin of this package (repeatable)",
    )
    output.add_argument("--generate-hashes", action="store_true", help="Add --hash lines for every usable file")
    output.add_argument("--no-annotate", action="store_true", help="Leave out the `# via` comments")
    output.add_argument(
        "--annotation-style", choices=("split", "line"), default="split",
        help="`# via` comments on lines of their own (split, the default) or after the pin (line)",
    )
    output.add_argument("--no-header", action="store_true", help="Leave out the header comment")
    output.add_argument(
        "--custom-compile-command", default=None, metavar="COMMAND",
        help=f"The command shown in the header [env: {CUSTOM_COMPILE_COMMAND_ENV}]",
    )
    output.add_argument(
        "--no-strip-extras", dest="strip_extras", action="store_false", default=True,
        help="Keep the extras of each pin (`name[extra]==1.0`)",
    )
    output.add_argument("--strip-extras", dest="strip_extras", action="store_true", help=argparse.SUPPRESS)
    output.add_argument("--emit-index-url", action="store_true", help="Write --index-url / --extra-index-url lines")
    output.add_argument("--emit-find-links", action="store_true", help="Write --find-links lines")

    target = parser.add_argument_group("target")
    target.add_argument(
        "-p", "--python", default=None, metavar="PYTHON",
        help="The interpreter to resolve for (a version alone means --python-version) [env: PUV_PYTHON]",
    )
    target.add_argument(
        "--python-version", default=None, metavar="VERSION", help="Resolve for this Python version (3.12, 3.12.1)"
    )
    target.add_argument(
        "--python-platform", default=None, metavar="PLATFORM",
        help="Resolve for this platform (linux, macos, windows, x86_64-manylinux_2_28, ...)",
    )

    add_resolution_options(parser)
    add_build_options(parser)
    add_index_options(parser)


# --------------------------------------------------------------------------- the command


def run(args: argparse.Namespace, ctx: Context) -> int:
    import os

    from puv.cli.inputs import selection_policy
    from puv.errors import UsageError

    if not args.src_files and not args.groups:
        raise UsageError(
            "no requirements to compile: name at least one SRC_FILE (or `--group`)",
            hints=["for example `puv pip compile requirements.in -o requirements.txt`"],
        )
    output_file: str | None = args.output_file
    if output_file is not None and os.path.basename(output_file).lower() == "pyproject.toml":
        raise UsageError("`pyproject.toml` is not a supported output format for `puv pip compile`")

    from puv.cli.builds import BuildSession, build_options
    from puv.cli.remote_sources import RemoteSources

    session = BuildSession(
        ctx,
        lambda: _build_interpreter(ctx),
        build_options(ctx, args),
        selection_policy(ctx.settings),
        fetch=RemoteSources(ctx),
    )
    try:
        return _compile(args, ctx, session, output_file)
    finally:
        session.close()


def _unnamed(resolution: Resolution, session: BuildSession) -> Callable[[RequirementSpec], NormalizedName | None]:
    """The name of the pin a requirement written without a name (``./proj``) resolved to."""
    by_url = {dist.url: dist.name for dist in resolution.dists.values() if dist.url is not None}

    def name_of(spec: RequirementSpec) -> NormalizedName | None:
        return by_url.get(session.resolved_url(spec)) if spec.is_direct else None

    return name_of


def _written_paths(
    requirements: Sequence[RequirementSpec], name_of: Callable[[RequirementSpec], NormalizedName | None]
) -> dict[str, str]:
    """Pin name -> how the input wrote its local path (``./proj``; as uv, also for
    ``name @ ./proj``)."""
    written: dict[str, str] = {}
    for spec in requirements:
        name = spec.canonical_name or name_of(spec)
        if spec.written is None or name is None:
            continue
        written.setdefault(name, spec.written)
    return written


def _build_interpreter(ctx: Context) -> Interpreter:
    """The interpreter builds run on in `pip compile` (the first one found, as for the target)."""
    from puv.domain.python.discovery import find_environment_python
    from puv.domain.python.request import parse_request

    settings = ctx.settings
    cache_dir = None if settings.no_cache else settings.cache_dir
    return find_environment_python(
        parse_request(settings.python or settings.python_version),
        environ=ctx.environ, cwd=ctx.cwd, cache_dir=cache_dir, system=True, trace=ctx.printer.trace,
    )


def _compile(args: argparse.Namespace, ctx: Context, session: BuildSession, output_file: str | None) -> int:
    import os
    import sys
    import time

    from puv.cli.inputs import (
        InputRequest,
        apply_index_options,
        context_reader,
        gather_inputs,
        selection_policy,
    )
    from puv.cli.options import refresh_of
    from puv.domain.resolver.render import RenderOptions, header_command, render_requirements_txt
    from puv.errors import InputError

    read = context_reader(ctx)
    inputs = gather_inputs(
        InputRequest(
            sources=tuple(args.src_files),
            constraints=tuple(args.constraints or ()),
            overrides=tuple(args.overrides or ()),
            extras=tuple(args.extras or ()),
            all_extras=args.all_extras,
            groups=tuple(args.groups or ()),
        ),
        read=read,
        environ=ctx.environ,
        cwd=ctx.cwd,
        project_metadata=session.project_metadata,
    )
    for warning in inputs.warnings:
        ctx.printer.warn(warning)

    # Index options written in the requirements files join the configured ones.
    from puv.config_files import home_dir

    settings = apply_index_options(ctx.settings, inputs.options, ctx.cwd, home_dir(ctx.environ))
    ctx.settings = settings

    target = _target(settings, ctx)
    policy = selection_policy(settings, inputs.options)
    session.policy = policy
    from puv.cli.builds import check_wheel_policy

    check_wheel_policy(inputs.requirements, policy)

    upgrade_names = _upgrade_names(args.upgrade_packages)
    upgrade: bool | frozenset[NormalizedName] = True if args.upgrade else (upgrade_names or False)
    preferences: dict[NormalizedName, Version] = {}
    if output_file is not None and not args.upgrade:
        path = output_file if os.path.isabs(output_file) else os.path.join(str(ctx.cwd), output_file)
        if os.path.exists(path):
            try:
                existing = read(output_file)
            except OSError as error:
                raise InputError(
                    f"cannot read the output file `{output_file}`: {error.strerror or error}", source=output_file
                ) from None
            preferences = read_preferences(
                existing, output_file, read=read, environ=ctx.environ, upgrade=upgrade_names
            )

    from puv.domain.resolver.resolve import ResolveOptions, resolve

    # As in uv, upgrading a package revalidates its cached pages.
    refresh = refresh_of(args)
    if upgrade is True or refresh is True:
        refresh = True
    elif upgrade:
        refresh = frozenset(refresh or ()) | upgrade
    index = ctx.index(refresh=refresh)
    started = time.perf_counter()
    resolution = resolve(
        inputs.requirements,
        index=index,
        target=target,
        policy=policy,
        options=ResolveOptions(
            resolution=settings.resolution,
            prerelease=settings.prerelease,
            no_deps=args.no_deps,
            max_workers=settings.concurrent_downloads,
        ),
        constraints=inputs.constraints,
        overrides=inputs.overrides,
        preferences=preferences,
        upgrade=upgrade,
        build=session,
    )
    ctx.printer.status(resolved_line(len(resolution), time.perf_counter() - started))
    for dist in resolution.sorted():
        yanked = dist.yanked_reason is not None or (dist.file is not None and dist.file.yanked)
        if yanked:
            reason = dist.yanked_reason or (dist.file.yanked_reason if dist.file is not None else None)
            detail = f' (reason: "{reason}")' if reason else ""
            ctx.printer.warn(f"`{dist.name}=={dist.version}` is yanked{detail}")

    custom = args.custom_compile_command or ctx.environ.get(CUSTOM_COMPILE_COMMAND_ENV) or None
    command = custom or header_command(
        sys.argv[1:], emit_index_url=args.emit_index_url, emit_find_links=args.emit_find_links
    )
    index_url = None
    if args.emit_index_url and not settings.no_index:
        from puv.settings import resolve_index_url

        index_url = resolve_index_url(settings)
    text = render_requirements_txt(
        resolution,
        RenderOptions(
            header=not args.no_header,
            command=command,
            annotate=not args.no_annotate,
            annotation_style=args.annotation_style,
            generate_hashes=args.generate_hashes,
            strip_extras=args.strip_extras,
            index_url=index_url,
            extra_index_urls=settings.extra_index_urls if args.emit_index_url and not settings.no_index else (),
            find_links=settings.find_links if args.emit_find_links else (),
            written_paths=_written_paths(inputs.requirements, _unnamed(resolution, session)),
        ),
        sources=inputs.annotations(target.markers, name_of=_unnamed(resolution, session)),
    )

    if output_file is None or args.dry_run or ctx.settings.verbosity >= 0:
        ctx.printer.stdout(text)
    if output_file is not None:
        if args.dry_run:
            ctx.printer.status(f"Would write {output_file} (dry run)")
        else:
            path = output_file if os.path.isabs(output_file) else os.path.join(str(ctx.cwd), output_file)
            try:
                write_atomic(path, text)
            except OSError as error:
                from puv.errors import PuvError

                raise PuvError(f"cannot write `{output_file}`: {error.strerror or error}") from None
    return 0
