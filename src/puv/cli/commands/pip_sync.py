"""`puv pip sync FILE...`: make an environment hold exactly the given requirements, like `uv pip sync`.

The files are meant to be complete and pinned (the output of `puv pip
compile`): each requirement is resolved on its own (no dependencies are
added), what is missing or at another version is installed, and every other
installed distribution is removed — pip and setuptools too, as in uv, unless
the files list them. An empty set of requirements is an error unless
``--allow-empty-requirements`` (which then empties the environment).

Output and options otherwise match `puv pip install` (``--dry-run``,
``--reinstall``, ``--link-mode``, ``--compile-bytecode``, ``--require-hashes``,
index options, ``--python`` / ``--system`` / ``--break-system-packages``,
``-t/--target`` / ``--prefix`` (the directory then holds exactly the files'
packages), and
the build options ``-C/--config-settings`` and ``--no-build-isolation`` for
local projects, URL and git sources and sdists).
"""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from puv.context import Context


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from puv.cli.builds import add_build_options
    from puv.cli.commands.pip_install import add_install_options, add_resolution_options, add_target_options
    from puv.cli.options import add_index_options

    parser.add_argument(
        "src_files", nargs="+", metavar="SRC_FILE",
        help="Requirements files (requirements.txt, `-` for stdin) listing every package to keep",
    )
    group = parser.add_argument_group("inputs")
    group.add_argument(
        "-c", "--constraint", dest="constraints", action="append", default=None, metavar="FILE",
        help="Constrain versions with this file (repeatable)",
    )
    group.add_argument(
        "--allow-empty-requirements", action="store_true",
        help="Accept requirements files with no requirements (and empty the environment)",
    )
    add_install_options(parser, upgrade=False)
    add_target_options(parser)
    add_resolution_options(parser)
    add_build_options(parser)
    add_index_options(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from puv.cli.builds import build_options
    from puv.cli.commands.pip_install import (
        InstallMode,
        environment_for,
        gather,
        install_into,
        reinstall_names,
    )
    from puv.cli.options import refresh_of
    from puv.errors import InputError

    inputs = gather(
        ctx, sources=args.src_files, packages=(), editables=(), constraints=args.constraints or (), overrides=()
    )
    if not inputs.requirements and not args.allow_empty_requirements:
        raise InputError(
            "No requirements found in " + ", ".join(f"`{source}`" for source in args.src_files),
            hints=["use `--allow-empty-requirements` to sync an empty environment"],
        )
    mode = InstallMode(
        reinstall=args.reinstall,
        reinstall_packages=reinstall_names(args.reinstall_packages),
        no_deps=True,
        exact=True,
        sync=True,
        dry_run=args.dry_run,
        require_hashes=ctx.settings.require_hashes or inputs.options.require_hashes,
        verify_hashes=not args.no_verify_hashes,
        refresh=refresh_of(args),
        build_options=build_options(ctx, args),
    )
    destination = environment_for(ctx, args, dry_run=args.dry_run)
    return install_into(ctx, destination, inputs, mode)
