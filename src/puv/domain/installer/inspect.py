"""Looking at an installed environment: names, the dependency graph, problems, trees.

The read-only pip commands (``freeze``, ``list``, ``show``, ``tree``,
``check``) share these helpers. They take the :class:`InstalledDist` values of
:func:`puv.domain.installer.site.list_installed` and the interpreter's PEP 508
marker environment and tags; they print nothing.

* :func:`display_name` reads the project name as ``METADATA`` spells it (what
  pip prints), without parsing the rest of the file.
* :func:`load_packages` parses each distribution's metadata once.
* :func:`build_graph` evaluates every ``Requires-Dist`` marker (PEP 508) for
  the environment. With ``follow_extras`` the extras that installed packages
  ask for (``b[x]``) are activated, transitively, so ``extra == "x"``
  requirements of ``b`` count as well.
* :func:`diagnostics` finds what ``pip check`` reports: missing and
  incompatible dependencies, an unsupported Python (``Requires-Python``),
  wheels built for another platform (``WHEEL`` tags, PEP 425), unreadable
  metadata and duplicate installations.
* :func:`render_tree` draws the graph as ``uv pip tree`` does.
"""

from __future__ import annotations

import os

from puv.domain.installer.site import InstalledDist

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping, Sequence

    from packaging.requirements import Requirement
    from packaging.version import Version

    from puv.primitives.metadata import CoreMetadata


# --------------------------------------------------------------------------- names


def _first_header(data: bytes, wanted: bytes) -> str | None:
    """The value of the first header ``wanted`` (lowercase, with the colon) before the body."""
    for line in data.splitlines():
        if not line.strip():
            return None
        if line[:1] in (b" ", b"\t"):
            continue
        if line.lower().startswith(wanted):
            return line[len(wanted) :].strip().decode("utf-8", "replace") or None
    return None


def display_name(dist: InstalledDist) -> str:
    """The project name as its metadata spells it (``Flask``), else the directory's."""
    try:
        data = dist.metadata_bytes()
    except OSError:
        data = None
    if data:
        name = _first_header(data[:16384], b"name:")
        if name:
            return name
    return dist.name


def editable_location(dist: InstalledDist) -> str | None:
    """The project directory of a PEP 610 editable install (None when not editable or not a file URL)."""
    if dist.direct_url is None or not dist.direct_url.editable:
        return None
    return file_url_to_path(dist.direct_url.url)


def file_url_to_path(url: str) -> str | None:
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    path = unquote(parts.path)
    if parts.netloc and parts.netloc != "localhost":
        path = f"//{parts.netloc}{path}"
    return os.path.normpath(path)


def sort_key(name: str) -> str:
    """pip's order for listings: the name lowercased."""
    return name.lower()


# --------------------------------------------------------------------------- packages


class Package:
    """One installed distribution with its parsed metadata (None when unreadable)."""

    __slots__ = ("dist", "name", "canonical_name", "version", "metadata", "error")

    def __init__(self, dist: InstalledDist, metadata: CoreMetadata | None, error: str | None = None) -> None:
        from packaging.version import InvalidVersion, Version

        self.dist = dist
        self.metadata = metadata
        self.error = error
        self.name = metadata.name if metadata is not None else dist.name
        self.canonical_name: str = dist.canonical_name
        version: Version | None
        if metadata is not None:
            version = metadata.version
        else:
            try:
                version = Version(dist.version)
            except InvalidVersion:
                version = None
        self.version: Version | None = version

    @property
    def version_text(self) -> str:
        return str(self.version) if self.version is not None else self.dist.version

    @property
    def requires_dist(self) -> tuple[Requirement, ...]:
        return self.metadata.requires_dist if self.metadata is not None else ()

    def __repr__(self) -> str:
        return f"Package({self.name!r}, {self.version_text!r})"


def load_packages(dists: Iterable[InstalledDist]) -> list[Package]:
    """Parse the metadata of every distribution (a broken one gets ``error`` set)."""
    from puv.errors import PuvError

    packages = []
    for dist in dists:
        try:
            packages.append(Package(dist, dist.metadata()))
        except (PuvError, OSError, ValueError) as error:
            packages.append(Package(dist, None, str(error)))
    return packages


# --------------------------------------------------------------------------- graph


class Edge:
    """``parent`` requires ``child`` through ``requirement`` (both installed)."""

    __slots__ = ("parent", "child", "requirement")

    def __init__(self, parent: Package, child: Package, requirement: Requirement) -> None:
        self.parent = parent
        self.child = child
        self.requirement = requirement


class DependencyGraph:
    """The installed packages and the requirements that are active in the environment.

    ``requirements[name]`` holds every active requirement of the package called
    ``name`` (canonical), whether or not what it names is installed;
    ``extras[name]`` the extras activated for it.
    """

    __slots__ = ("packages", "by_name", "requirements", "extras")

    def __init__(
        self,
        packages: Sequence[Package],
        requirements: dict[str, list[Requirement]],
        extras: dict[str, set[str]],
    ) -> None:
        self.packages = list(packages)
        self.by_name: dict[str, list[Package]] = {}
        for package in packages:
            self.by_name.setdefault(package.canonical_name, []).append(package)
        self.requirements = requirements
        self.extras = extras

    def get(self, name: str) -> Package | None:
        """The installed package called ``name`` (the first one when duplicated)."""
        from packaging.utils import canonicalize_name

        found = self.by_name.get(canonicalize_name(name))
        return found[0] if found else None

    def requires(self, package: Package) -> list[Requirement]:
        return self.requirements.get(package.canonical_name, [])

    def edges(self, *, satisfied_only: bool = False) -> list[Edge]:
        """Every requirement between installed packages (optionally only those the installed version meets)."""
        from packaging.utils import canonicalize_name

        edges = []
        for package in self.packages:
            for requirement in self.requires(package):
                for child in self.by_name.get(canonicalize_name(requirement.name), ()):
                    if satisfied_only and not satisfies(child, requirement):
                        continue
                    edges.append(Edge(package, child, requirement))
        return edges

    def required_by(self, package: Package) -> list[Package]:
        """The installed packages that require ``package`` (each once)."""
        from packaging.utils import canonicalize_name

        found: dict[str, Package] = {}
        for other in self.packages:
            if other.canonical_name == package.canonical_name:
                continue
            for requirement in self.requires(other):
                if canonicalize_name(requirement.name) == package.canonical_name:
                    found.setdefault(other.canonical_name, other)
                    break
        return list(found.values())


def satisfies(package: Package, requirement: Requirement) -> bool:
    """Does the installed version meet the requirement's specifier? (A URL accepts any.)"""
    if requirement.url or not requirement.specifier:
        return True
    if package.version is None:
        return False
    return requirement.specifier.contains(package.version, prereleases=True)


def build_graph(
    packages: Sequence[Package],
    markers: Mapping[str, str],
    *,
    follow_extras: bool = True,
) -> DependencyGraph:
    """Evaluate each package's requirements for ``markers`` (and the extras others activate)."""
    from packaging.markers import UndefinedComparison, UndefinedEnvironmentName
    from packaging.utils import canonicalize_name

    environment = dict(markers)
    by_name: dict[str, list[Package]] = {}
    for package in packages:
        by_name.setdefault(package.canonical_name, []).append(package)

    cache: dict[tuple[str, str], bool] = {}

    def applies(requirement: Requirement, extra: str) -> bool:
        marker = requirement.marker
        if marker is None:
            return True
        key = (str(marker), extra)
        hit = cache.get(key)
        if hit is None:
            environment["extra"] = extra
            try:
                hit = bool(marker.evaluate(environment))
            except (UndefinedComparison, UndefinedEnvironmentName, ValueError):
                hit = False
            cache[key] = hit
        return hit

    extras: dict[str, set[str]] = {name: set() for name in by_name}
    requirements: dict[str, list[Requirement]] = {}
    changed = True
    while changed:
        changed = False
        for name, group in by_name.items():
            active: list[Requirement] = []
            wanted = ("", *sorted(extras[name]))
            for package in group:
                for requirement in package.requires_dist:
                    if not any(applies(requirement, extra) for extra in wanted):
                        continue
                    active.append(requirement)
                    if not follow_extras or not requirement.extras:
                        continue
                    child = canonicalize_name(requirement.name)
                    if child in extras:
                        new = {canonicalize_name(e) for e in requirement.extras} - extras[child]
                        if new:
                            extras[child] |= new
                            changed = True
            requirements[name] = active
    return DependencyGraph(packages, requirements, extras)


# --------------------------------------------------------------------------- diagnostics


class Diagnostic:
    """One problem of the environment, as ``uv pip check`` words it."""

    __slots__ = ("package", "kind", "message")

    def __init__(self, package: str, kind: str, message: str) -> None:
        self.package = package
        self.kind = kind  # duplicate, incomplete, python, platform, missing, incompatible
        self.message = message

    def __repr__(self) -> str:
        return f"Diagnostic({self.kind!r}, {self.message!r})"


def wheel_tags(dist: InstalledDist) -> tuple[str, ...] | None:
    """The expanded ``Tag`` values of the distribution's ``WHEEL`` file (None without one)."""
    if dist.kind != "dist-info":
        return None
    data = dist.read_bytes("WHEEL")
    if data is None:
        return None
    tags: list[str] = []
    for line in data.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if not sep or key.strip().lower() != "tag":
            continue
        parts = value.strip().split("-")
        if len(parts) != 3:
            continue
        for interpreter in parts[0].split("."):
            for abi in parts[1].split("."):
                for platform in parts[2].split("."):
                    tags.append(f"{interpreter}-{abi}-{platform}")
    return tuple(tags) if tags else None


def diagnostics(
    graph: DependencyGraph,
    markers: Mapping[str, str],
    tags: Collection[str] | None = None,
) -> list[Diagnostic]:
    """Every problem of the environment, package by package (sorted by name)."""
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    python_text = markers.get("python_full_version", "")
    try:
        python: Version | None = Version(python_text)
    except InvalidVersion:
        python = None
    supported = frozenset(tags) if tags is not None else None

    found: list[Diagnostic] = []
    for name in sorted(graph.by_name):
        group = graph.by_name[name]
        if len(group) > 1:
            paths = "".join(f"\n  - {p}" for p in sorted(str(pkg.dist.path) for pkg in group))
            found.append(
                Diagnostic(name, "duplicate", f"The package `{name}` has multiple installed distributions:{paths}")
            )
            continue
        package = group[0]
        if package.metadata is None:
            found.append(
                Diagnostic(
                    name,
                    "incomplete",
                    f"The package `{name}` is broken or incomplete (unable to read `METADATA`). "
                    f"Consider recreating the virtualenv, or removing the package directory at: {package.dist.path}.",
                )
            )
            continue
        requires_python = package.metadata.requires_python
        if requires_python is not None and python is not None and not requires_python.contains(python, prereleases=True):
            found.append(
                Diagnostic(
                    name,
                    "python",
                    f"The package `{name}` requires Python {requires_python}, but `{python_text}` is installed",
                )
            )
        if supported is not None:
            built_for = wheel_tags(package.dist)
            if built_for is not None and not any(tag in supported for tag in built_for):
                found.append(Diagnostic(name, "platform", f"The package `{name}` was built for a different platform"))
        for requirement in graph.requires(package):
            installed = graph.by_name.get(canonicalize_name(requirement.name), [])
            if not installed:
                found.append(
                    Diagnostic(name, "missing", f"The package `{name}` requires `{requirement}`, but it's not installed")
                )
            elif len(installed) == 1 and not satisfies(installed[0], requirement):
                found.append(
                    Diagnostic(
                        name,
                        "incompatible",
                        f"The package `{name}` requires `{requirement}`, but `{installed[0].version_text}` is installed",
                    )
                )
    return found


# --------------------------------------------------------------------------- tree


class TreeOptions:
    __slots__ = ("depth", "prune", "packages", "invert", "show_version_specifiers", "no_dedupe", "latest")

    def __init__(
        self,
        *,
        depth: int = 255,
        prune: Collection[str] = (),
        packages: Collection[str] = (),
        invert: bool = False,
        show_version_specifiers: bool = False,
        no_dedupe: bool = False,
        latest: Mapping[str, Version] | None = None,
    ) -> None:
        from packaging.utils import canonicalize_name

        self.depth = depth
        self.prune = frozenset(canonicalize_name(n) for n in prune)
        self.packages = frozenset(canonicalize_name(n) for n in packages)
        self.invert = invert
        self.show_version_specifiers = show_version_specifiers
        self.no_dedupe = no_dedupe
        self.latest = dict(latest or {})


def _node_key(package: Package) -> tuple[str, str]:
    return (package.canonical_name, package.version_text)


def render_tree(graph: DependencyGraph, options: TreeOptions | None = None) -> list[str]:
    """The lines of ``uv pip tree``: each root, then its dependencies drawn below it.

    Nodes are the installed packages (minus ``prune``); an edge is a requirement
    the installed version satisfies. ``invert`` reverses the edges; ``packages``
    keeps only what is reachable from those packages. Roots are the nodes
    nothing points at; a cycle with no way in is entered at its first package
    by name. A package shown once is not expanded again (``(*)`` marks it when
    it has dependencies) unless ``no_dedupe``, which still stops at a cycle.
    """
    options = options or TreeOptions()
    nodes = [p for p in graph.packages if p.canonical_name not in options.prune]
    ids = {id(p) for p in nodes}
    children: dict[int, list[tuple[Package, Edge]]] = {id(p): [] for p in nodes}
    for edge in graph.edges(satisfied_only=True):
        if id(edge.parent) not in ids or id(edge.child) not in ids:
            continue
        if options.invert:
            children[id(edge.child)].append((edge.parent, edge))
        else:
            children[id(edge.parent)].append((edge.child, edge))
    for entries in children.values():
        entries.sort(key=lambda item: _node_key(item[0]))

    if options.packages:
        reachable = {id(p) for p in nodes if p.canonical_name in options.packages}
        stack = [p for p in nodes if id(p) in reachable]
        while stack:
            current = stack.pop()
            for child, _ in children[id(current)]:
                if id(child) not in reachable:
                    reachable.add(id(child))
                    stack.append(child)
        nodes = [p for p in nodes if id(p) in reachable]
        ids = reachable

    incoming: set[int] = set()
    for package in nodes:
        for child, _ in children[id(package)]:
            if child is not package:
                incoming.add(id(child))
    ordered = sorted(nodes, key=_node_key)
    roots = [p for p in ordered if id(p) not in incoming]
    # Cycles nothing else leads into: enter each at its first package.
    covered: set[int] = set()

    def cover(start: Package) -> None:
        stack = [start]
        while stack:
            current = stack.pop()
            if id(current) in covered:
                continue
            covered.add(id(current))
            stack.extend(child for child, _ in children[id(current)])

    for root in roots:
        cover(root)
    for package in ordered:
        if id(package) not in covered:
            roots.append(package)
            cover(package)
    roots.sort(key=_node_key)

    lines: list[str] = []
    visited: dict[int, bool] = {}  # node -> has dependencies
    path: list[int] = []

    def label(package: Package, via: Edge | None) -> str:
        line = f"{package.canonical_name} v{package.version_text}"
        if options.show_version_specifiers and via is not None:
            requirement = via.requirement
            spec = str(requirement.specifier) if requirement.specifier else (f"@ {requirement.url}" if requirement.url else "*")
            if options.invert:
                line += f" [requires: {via.child.canonical_name} {spec}]"
            else:
                line += f" [required: {spec}]"
        return line

    def visit(package: Package, via: Edge | None) -> list[str]:
        if len(path) > options.depth:
            return []
        line = label(package, via)
        key = id(package)
        if key in visited and (not options.no_dedupe or key in path):
            return [f"{line} (*)" if visited[key] else line]
        latest = options.latest.get(package.canonical_name)
        if latest is not None and package.version is not None and latest > package.version:
            line += f" (latest: v{latest})"
        deps = children[key]
        visited[key] = bool(deps)
        out = [line]
        path.append(key)
        for index, (child, edge) in enumerate(deps):
            last = index == len(deps) - 1
            first_prefix, rest_prefix = ("└── ", "    ") if last else ("├── ", "│   ")
            for number, text in enumerate(visit(child, edge)):
                out.append((first_prefix if number == 0 else rest_prefix) + text)
        path.pop()
        return out

    for root in roots:
        path.clear()
        lines.extend(visit(root, None))
    return lines
