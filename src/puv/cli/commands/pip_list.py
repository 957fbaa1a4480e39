"""`puv pip list`: the installed packages as a table, like `uv pip list` (and pip's format).

``--format columns`` (the default) prints ``Package`` and ``Version`` columns
with a dashed line under the headers, widths fitted to the content (plus an
``Editable project location`` column when an editable install is listed);
``--format freeze`` prints ``name==version``; ``--format json`` prints a list of
``{"name", "version"}`` objects (with ``editable_project_location`` for
editables). Names are spelled as the metadata spells them, sorted
case-insensitively, as pip does.

``--outdated`` asks the configured indexes for the newest version of each
package that fits the interpreter (its Python version and its wheel tags;
pre-releases only with ``--pre``, yanked files never) and lists only the
packages with a newer one, adding ``Latest`` and ``Type`` (``wheel`` /
``sdist``) columns, or ``latest_version`` / ``latest_filetype`` in JSON.
"""

from __future__ import annotations

from puv.cli.commands.pip_freeze import ENVIRONMENT_DEFAULTS, QUICK_ENVIRONMENT
from puv.cli.commands.pip_freeze import QUICK_EXCLUSIVE as _ENVIRONMENT_EXCLUSIVE
from puv.cli.quick_args import INDEX_DEFAULTS

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping, Sequence

    from puv.cli.quick_args import Exclusive, OptionTable

    from packaging.version import Version

    from puv.context import Context
    from puv.domain.installer.site import InstalledDist
    from puv.domain.python.interpreter import Interpreter


# Plain command lines (no --outdated, no index options) are read without argparse
# (see puv.cli.quick_args); tests/test_quick_args.py checks these against the parser.
QUICK_OPTIONS: OptionTable = {
    **QUICK_ENVIRONMENT,
    "--format": ("format", "value", ("columns", "freeze", "json")),
    "-e": ("editable", "flag", ()),
    "--editable": ("editable", "flag", ()),
    "--exclude-editable": ("editable", "false", ()),
    "--exclude": ("exclude", "append", ()),
    "--strict": ("strict", "flag", ()),
}
QUICK_DEFAULTS: Mapping[str, object] = {
    "format": "columns",
    "editable": None,
    "exclude": None,
    "outdated": False,
    "pre": False,
    "strict": False,
    **ENVIRONMENT_DEFAULTS,
    **INDEX_DEFAULTS,
}
QUICK_POSITIONAL = None
QUICK_EXCLUSIVE: Exclusive = (*_ENVIRONMENT_EXCLUSIVE, (("-e", "--editable"), ("--exclude-editable",)))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from puv.cli.commands.pip_freeze import add_environment_options, add_strict_option
    from puv.cli.options import add_index_options

    parser.add_argument(
        "--format", choices=("columns", "freeze", "json"), default="columns",
        help="The output format (default: columns)",
    )
    editable = parser.add_mutually_exclusive_group()
    editable.add_argument(
        "-e", "--editable", dest="editable", action="store_const", const=True, default=None,
        help="List only editable installs",
    )
    editable.add_argument(
        "--exclude-editable", dest="editable", action="store_const", const=False, help="Leave out editable installs"
    )
    parser.add_argument(
        "--exclude", action="append", default=None, metavar="PACKAGE", help="Leave out this package (repeatable)"
    )
    parser.add_argument(
        "-o", "--outdated", action="store_true", help="List only packages with a newer version on the index"
    )
    parser.add_argument("--pre", action="store_true", help="With --outdated: consider pre-release versions too")
    add_strict_option(parser)
    add_environment_options(parser, destination="List packages in")
    add_index_options(parser)


def tabulate(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """pip's table: left-aligned columns one space apart, a dashed rule, trailing spaces trimmed."""
    widths = [len(h) for h in headers]
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))

    def line(cells: Sequence[str]) -> str:
        return " ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()

    return [line(headers), " ".join("-" * width for width in widths), *(line(row) for row in rows)]


class Latest:
    """The newest usable release of one project on the index."""

    __slots__ = ("version", "kind")

    def __init__(self, version: Version, kind: str) -> None:
        self.version = version
        self.kind = kind


def find_latest(
    ctx: Context, args: argparse.Namespace, interpreter: Interpreter, names: Sequence[str], *, pre: bool
) -> dict[str, Latest]:
    """The newest usable release of each project (canonical names), fetched in parallel."""
    from concurrent.futures import ThreadPoolExecutor

    from puv.cli.inputs import selection_policy
    from puv.cli.options import refresh_of
    from puv.domain.index.candidates import Target, select_candidates

    if not names:
        return {}
    target = Target.for_interpreter(interpreter)
    policy = selection_policy(ctx.settings)
    index = ctx.index(refresh=refresh_of(args))

    def latest(name: str) -> tuple[str, Latest | None]:
        candidates = select_candidates(name, index.files(name), target, policy)
        for version in candidates.versions:  # newest first
            candidate = candidates.candidates[version]
            if candidate.yanked or (version.is_prerelease and not pre):
                continue
            return name, Latest(version, candidate.kind)
        return name, None

    workers = max(1, min(len(names), ctx.settings.concurrent_downloads or 8))
    found: dict[str, Latest] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for name, result in pool.map(latest, names):
            if result is not None:
                found[name] = result
    return found


def run(args: argparse.Namespace, ctx: Context) -> int:
    from puv.cli.commands.pip_freeze import excluded_names, find_interpreter, installed, warn_strict
    from puv.domain.installer.inspect import display_name, editable_location, sort_key
    from puv.errors import UsageError

    if args.outdated and args.format == "freeze":
        raise UsageError("`--outdated` cannot be used with `--format freeze`")

    interpreter = find_interpreter(args, ctx)
    dists = installed(interpreter)
    exclude = excluded_names(args.exclude)
    chosen: list[tuple[str, InstalledDist]] = []
    for dist in dists:
        if args.editable is not None and dist.editable != args.editable:
            continue
        if exclude and dist.canonical_name in exclude:
            continue
        chosen.append((display_name(dist), dist))
    chosen.sort(key=lambda item: (sort_key(item[0]), item[1].version))

    latest: dict[str, Latest] = {}
    if args.outdated:
        from packaging.version import InvalidVersion, Version

        latest = find_latest(ctx, args, interpreter, sorted({d.canonical_name for _, d in chosen}), pre=args.pre)

        def newer(dist: InstalledDist) -> bool:
            found = latest.get(dist.canonical_name)
            if found is None:
                return False
            try:
                return found.version > Version(dist.version)
            except InvalidVersion:
                return True

        chosen = [(name, dist) for name, dist in chosen if newer(dist)]

    if args.format == "json":
        import json

        entries = []
        for name, dist in chosen:
            entry: dict[str, str] = {"name": name, "version": dist.version}
            found = latest.get(dist.canonical_name)
            if args.outdated and found is not None:
                entry["latest_version"] = str(found.version)
                entry["latest_filetype"] = found.kind
            location = editable_location(dist)
            if location is not None:
                entry["editable_project_location"] = location
            entries.append(entry)
        ctx.printer.stdout(json.dumps(entries) + "\n")
    elif args.format == "freeze":
        if chosen:
            ctx.printer.stdout("".join(f"{name}=={dist.version}\n" for name, dist in chosen))
    elif chosen:
        headers = ["Package", "Version"]
        rows: list[list[str]] = [[name, dist.version] for name, dist in chosen]
        if args.outdated:
            headers += ["Latest", "Type"]
            for row, (_, dist) in zip(rows, chosen):
                found = latest[dist.canonical_name]
                row += [str(found.version), found.kind]
        if any(dist.editable for _, dist in chosen):
            headers.append("Editable project location")
            for row, (_, dist) in zip(rows, chosen):
                row.append(editable_location(dist) or "")
        ctx.printer.stdout("\n".join(tabulate(headers, rows)) + "\n")
    if args.strict:
        warn_strict(ctx, interpreter, dists)
    return 0
