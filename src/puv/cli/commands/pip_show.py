"""`puv pip show PACKAGE...`: facts about installed packages, in pip's format.

For each package found, in the order asked: ``Name``, ``Version``,
``Summary``, ``Home-page``, ``Author``, ``Author-email``, ``License`` (and
``License-Expression`` when the metadata has one), ``Location`` (the
site-packages directory), ``Editable project location`` for an editable
install, ``Requires`` (the names its requirements give, markers evaluated for
the environment, no extras) and ``Required-by`` (the installed packages that
require it); packages are separated by ``---``. ``-f`` / ``--files`` adds the
files of ``RECORD`` (or ``installed-files.txt``), indented under ``Files:``.

A name that is not installed is reported in one warning (``Package(s) not
found: ...``); the exit status is 1 when none of the names is installed. uv
prints only Name, Version, Location, Requires and Required-by; puv prints pip's
fuller set.
"""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from puv.context import Context
    from puv.domain.installer.inspect import DependencyGraph, Package


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from puv.cli.commands.pip_freeze import add_environment_options, add_strict_option

    parser.add_argument("packages", nargs="*", metavar="PACKAGE", help="The packages to show")
    parser.add_argument("-f", "--files", action="store_true", help="List the installed files of each package")
    add_strict_option(parser)
    add_environment_options(parser, destination="Show packages in")


def home_page(package: Package) -> str:
    """``Home-page``, else the ``Project-URL`` labelled Homepage (as pip does)."""
    metadata = package.metadata
    if metadata is None:
        return ""
    if metadata.home_page:
        return metadata.home_page
    for label, url in metadata.project_urls:
        if label.casefold().replace("-", "").replace("_", "").strip() == "homepage":
            return url
    return ""


def files_of(package: Package) -> list[str] | None:
    """The installed files as pip lists them (None when there is no record)."""
    import csv
    import os

    dist = package.dist
    if dist.kind == "dist-info":
        data = dist.read_bytes("RECORD")
        if data is None:
            return None
        rows = csv.reader(data.decode("utf-8", "surrogateescape").splitlines())
        return [os.path.normpath(row[0]) for row in rows if row and row[0]]
    if not dist.path.is_dir():
        return None
    data = dist.read_bytes("installed-files.txt")
    if data is None:
        return None
    site = dist.site_packages
    out = []
    for line in data.decode("utf-8", "surrogateescape").splitlines():
        line = line.strip()
        if line:
            out.append(os.path.relpath(os.path.normpath(os.path.join(dist.path, line)), site))
    return out


def describe(package: Package, graph: DependencyGraph, *, files: bool) -> list[str]:
    from puv.domain.installer.inspect import editable_location, sort_key

    metadata = package.metadata

    def field(name: str) -> str:
        value = getattr(metadata, name, None) if metadata is not None else None
        return str(value) if value else ""

    requires = sorted({req.name for req in graph.requires(package)}, key=sort_key)
    required_by = sorted((other.name for other in graph.required_by(package)), key=sort_key)
    lines = [
        f"Name: {package.name}",
        f"Version: {package.version_text}",
        f"Summary: {field('summary')}",
        f"Home-page: {home_page(package)}",
        f"Author: {field('author')}",
        f"Author-email: {field('author_email')}",
        f"License: {field('license')}",
    ]
    if metadata is not None and metadata.license_expression:
        lines.append(f"License-Expression: {metadata.license_expression}")
    lines.append(f"Location: {package.dist.site_packages}")
    location = editable_location(package.dist)
    if location is not None:
        lines.append(f"Editable project location: {location}")
    lines.append(f"Requires: {', '.join(requires)}")
    lines.append(f"Required-by: {', '.join(required_by)}")
    if files:
        lines.append("Files:")
        listed = files_of(package)
        if listed is None:
            lines.append("Cannot locate RECORD or installed-files.txt")
        else:
            lines.extend(f"  {path}" for path in listed)
    return lines


def run(args: argparse.Namespace, ctx: Context) -> int:
    from packaging.utils import canonicalize_name

    from puv.cli.commands.pip_freeze import find_interpreter, installed, warn_strict
    from puv.domain.installer.inspect import build_graph, load_packages

    if not args.packages:
        ctx.printer.warn("Please provide a package name or names.")
        return 1
    interpreter = find_interpreter(args, ctx)
    dists = installed(interpreter)
    packages = load_packages(dists)
    graph = build_graph(packages, interpreter.markers, follow_extras=False)

    wanted: list[str] = []
    missing: list[str] = []
    for name in args.packages:
        canonical: str = canonicalize_name(name)
        if canonical in wanted:
            continue
        if canonical in graph.by_name:
            wanted.append(canonical)
        elif name not in missing:
            missing.append(name)
    if missing:
        ctx.printer.warn(f"Package(s) not found: {', '.join(sorted(missing))}")
    if not wanted:
        return 1
    blocks = []
    for found in wanted:
        for package in graph.by_name[found]:
            blocks.append("\n".join(describe(package, graph, files=args.files)))
    ctx.printer.stdout("\n---\n".join(blocks) + "\n")
    if args.strict:
        warn_strict(ctx, interpreter, dists)
    return 0
