"""The requirement inputs of a command, gathered into one frozen value.

Shared by ``pip compile`` (and later ``pip install`` / ``pip sync``):

* source files: requirements files (``.in``, ``.txt``, any name), a
  ``pyproject.toml`` (PEP 621 dependencies, ``--extra`` / ``--all-extras``,
  PEP 735 ``--group``), ``-`` for standard input, or an ``http(s)://`` URL
  (read through the run's HTTP client);
* requirement arguments (``flask>=2``, ``./project``) and ``-e`` editables;
* ``-c`` constraint files and ``--override`` files;
* the index options written in requirements files (``--index-url``,
  ``--extra-index-url``, ``--find-links``, ``--no-index``, ``--trusted-host``,
  ``--pre``, ``--no-binary`` / ``--only-binary``), which uv honours in
  ``pip compile`` / ``pip install``: :func:`apply_index_options` folds them
  into the settings below the command line (a command-line ``--index-url``
  wins over a file's; a file's extra indexes and find-links are added after
  the configured ones; ``--no-index`` anywhere turns the indexes off).

As in uv, a missing local file is ``File not found: `path```; two different
``--index-url`` values across the inputs are an error; ``--extra`` without a
``pyproject.toml`` is an error, and so is an extra that no project defines.

``--group`` takes ``GROUP`` or ``PATH:GROUP``; without a path it reads the
``pyproject.toml`` given as a source, else the one in the working directory.
A project given only for its groups contributes only those groups.

:meth:`RequirementInputs.annotations` gives the ``# via`` labels of ``pip
compile`` (``-r requirements.in``, ``-c constraints.txt``, ``--override
overrides.txt``, ``project (pyproject.toml)``), computed from the inputs as uv
does: every input requirement whose marker applies to the target.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from packaging.utils import NormalizedName

from puv.errors import InputError
from puv.frozen import Frozen
from puv.primitives.requirement_spec import COMMAND_LINE, RequirementSpec
from puv.primitives.requirements_txt import STDIN, FormatControl, IndexOptions

if TYPE_CHECKING:
    from packaging.markers import Marker

    from puv.context import Context
    from puv.domain.index.candidates import SelectionPolicy
    from puv.primitives.metadata import CoreMetadata
    from puv.settings import Settings

Reader = Callable[[str], str]
#: The core metadata of the project in a directory, through its build backend.
ProjectMetadata = Callable[[Path], "CoreMetadata"]
Kind = Literal["requirement", "constraint", "override"]

PYPROJECT = "pyproject.toml"


class InputRequest(Frozen):
    """What the user named on the command line.

    ``sources`` are files (compile's positional arguments, install's ``-r``);
    ``packages`` are requirement arguments; ``editables`` are ``-e`` values.
    (The values of this module are :class:`~puv.frozen.Frozen`: they are on
    the start-up path of `pip install`.)
    """

    __slots__ = ("sources", "packages", "editables", "constraints", "overrides", "extras", "all_extras", "groups")

    sources: tuple[str, ...]
    packages: tuple[str, ...]
    editables: tuple[str, ...]
    constraints: tuple[str, ...]
    overrides: tuple[str, ...]
    extras: tuple[str, ...]
    all_extras: bool
    groups: tuple[str, ...]

    def __init__(
        self,
        sources: tuple[str, ...] = (),
        packages: tuple[str, ...] = (),
        editables: tuple[str, ...] = (),
        constraints: tuple[str, ...] = (),
        overrides: tuple[str, ...] = (),
        extras: tuple[str, ...] = (),
        all_extras: bool = False,
        groups: tuple[str, ...] = (),
    ) -> None:
        init = object.__setattr__
        init(self, "sources", sources)
        init(self, "packages", packages)
        init(self, "editables", editables)
        init(self, "constraints", constraints)
        init(self, "overrides", overrides)
        init(self, "extras", extras)
        init(self, "all_extras", all_extras)
        init(self, "groups", groups)


class RequirementInputs(Frozen):
    """Every requirement, constraint and override, with the options the files set.

    ``files`` lists every file read, in order. ``projects`` maps a
    ``pyproject.toml`` path (as given) to its project name (``""`` when it has
    none). ``warnings`` are ready-to-print lines for options puv ignores.
    """

    __slots__ = (
        "requirements", "constraints", "overrides", "options", "files", "projects", "warnings", "sourced",
    )

    requirements: tuple[RequirementSpec, ...]
    constraints: tuple[RequirementSpec, ...]
    overrides: tuple[RequirementSpec, ...]
    options: IndexOptions
    files: tuple[str, ...]
    projects: tuple[tuple[str, str], ...]
    warnings: tuple[str, ...]
    # Every input as read, before duplicates across files were merged (for annotations).
    sourced: tuple[tuple[Kind, RequirementSpec], ...]

    def __init__(
        self,
        requirements: tuple[RequirementSpec, ...] = (),
        constraints: tuple[RequirementSpec, ...] = (),
        overrides: tuple[RequirementSpec, ...] = (),
        options: IndexOptions = IndexOptions(),
        files: tuple[str, ...] = (),
        projects: tuple[tuple[str, str], ...] = (),
        warnings: tuple[str, ...] = (),
        sourced: tuple[tuple[Kind, RequirementSpec], ...] = (),
    ) -> None:
        init = object.__setattr__
        init(self, "requirements", requirements)
        init(self, "constraints", constraints)
        init(self, "overrides", overrides)
        init(self, "options", options)
        init(self, "files", files)
        init(self, "projects", projects)
        init(self, "warnings", warnings)
        init(self, "sourced", sourced)

    def label(self, kind: Kind, source: str) -> str | None:
        """The ``# via`` label of an input written in ``source`` (None: not annotated)."""
        if source == COMMAND_LINE:
            return None
        if kind == "constraint":
            return f"-c {source}"
        if kind == "override":
            return f"--override {source}"
        projects = dict(self.projects)
        if source in projects:
            name = projects[source]
            return f"{name} ({source})" if name else source
        return f"-r {source}"

    def annotations(
        self,
        markers: Mapping[str, str] | None = None,
        name_of: Callable[[RequirementSpec], NormalizedName | None] | None = None,
    ) -> dict[NormalizedName, tuple[str, ...]]:
        """Input labels per normalised name, for the requirements whose marker
        holds in ``markers`` (all of them when None); ``name_of`` names the
        requirements written without a name (``./proj``, ``-e ./proj``)."""
        environment = None if markers is None else {**markers, "extra": ""}
        found: dict[NormalizedName, dict[str, None]] = {}
        sourced = self.sourced or (
            *(("requirement", spec) for spec in self.requirements),
            *(("constraint", spec) for spec in self.constraints),
            *(("override", spec) for spec in self.overrides),
        )
        for kind, spec in sourced:
            name = spec.canonical_name
            if name is None and name_of is not None:
                name = name_of(spec)
            if name is None:
                continue
            if environment is not None and spec.marker is not None and not spec.marker.evaluate(environment):
                continue
            label = self.label(kind, spec.origin.source)
            if label is not None:
                found.setdefault(name, {})[label] = None
        return {name: tuple(labels) for name, labels in found.items()}


# --------------------------------------------------------------------------- reading


def file_reader(
    cwd: Path,
    *,
    stdin: Callable[[], str],
    fetch: Callable[[str], str] | None = None,
) -> Reader:
    """A reader of input files: ``-`` from ``stdin`` (read once), URLs through
    ``fetch``, paths relative to ``cwd``. Failures are ``OSError``."""
    from puv.primitives.requirement_spec import looks_like_url

    read_stdin: list[str] = []

    def read(source: str) -> str:
        if source == STDIN:
            if not read_stdin:
                read_stdin.append(stdin())
            return read_stdin[0]
        if looks_like_url(source) and not source.lower().startswith("file:"):
            if fetch is None:
                raise OSError(f"cannot fetch `{source}`: no network access here")
            return fetch(source)
        if source.lower().startswith("file:"):
            from urllib.parse import unquote, urlsplit

            source = unquote(urlsplit(source).path)
        path = Path(os.path.expanduser(source))
        return (path if path.is_absolute() else cwd / path).read_text(encoding="utf-8")

    return read


def context_reader(ctx: Context) -> Reader:
    """The reader a command uses: its working directory, ``sys.stdin``, and the
    run's HTTP client for URLs (created only when a URL is read)."""
    import sys

    def fetch(url: str) -> str:
        from puv.io.http import redact

        response = ctx.http().get(url)
        if not 200 <= response.status < 300:
            raise OSError(f"HTTP status {response.status} for {redact(url)}")
        return response.body.decode("utf-8-sig")

    return file_reader(ctx.cwd, stdin=sys.stdin.read, fetch=fetch)


# --------------------------------------------------------------------------- gathering


class _Gather:
    """Mutable state of one :func:`gather_inputs` call (never shared)."""

    def __init__(
        self, *, read: Reader, environ: Mapping[str, str], cwd: Path, project_metadata: ProjectMetadata | None = None
    ) -> None:
        self.read = read
        self.environ = environ
        self.cwd = cwd
        self.requirements: dict[RequirementSpec, None] = {}
        self.constraints: dict[RequirementSpec, None] = {}
        self.overrides: dict[RequirementSpec, None] = {}
        self.files: dict[str, None] = {}
        self.projects: dict[str, str] = {}
        self.warnings: list[str] = []
        self.sourced: list[tuple[Kind, RequirementSpec]] = []
        self.options = IndexOptions()
        self.index_url_from = ""
        self.project_metadata = project_metadata

    def exists(self, source: str) -> bool:
        path = Path(os.path.expanduser(source))
        return (path if path.is_absolute() else self.cwd / path).exists()

    def check_exists(self, source: str) -> None:
        from puv.primitives.requirement_spec import looks_like_url

        if source == STDIN or looks_like_url(source) or self.exists(source):
            return
        hints: list[str] = []
        directory, name = os.path.split(source)
        try:
            import difflib

            base = self.cwd / directory if directory else self.cwd
            candidates = sorted(entry.name for entry in base.iterdir() if entry.is_file())
            close = difflib.get_close_matches(name, candidates, n=1)
            if close:
                hints.append(f"did you mean `{os.path.join(directory, close[0])}`?")
        except OSError:
            pass
        raise InputError(f"File not found: `{source}`", source=source, hints=hints)

    def requirements_file(self, source: str, kind: Kind) -> None:
        from puv.primitives.requirements_txt import load_requirements

        self.check_exists(source)
        parsed = load_requirements(source, read=self.read, environ=self.environ)
        self.files.update(dict.fromkeys(parsed.files))
        self.warnings.extend(parsed.warnings)
        self.merge_options(parsed.options, source)
        if kind == "requirement":
            self.add_requirements(parsed.requirements)
        elif kind == "override":
            self.overrides.update(dict.fromkeys(parsed.requirements))
            self.sourced.extend(("override", spec) for spec in parsed.requirements)
        else:
            for spec in parsed.requirements:
                self.constraint(spec)
        for spec in parsed.constraints:
            self.constraint(spec)

    def add_requirements(self, specs: Iterable[RequirementSpec]) -> None:
        for spec in specs:
            self.requirements.setdefault(spec, None)
            self.sourced.append(("requirement", spec))

    def constraint(self, spec: RequirementSpec) -> None:
        if spec.editable or spec.name is None:
            what = "editable" if spec.editable else "unnamed"
            raise InputError(
                f"{what} requirements are not allowed as constraints: `{spec}`",
                source=spec.origin.source,
                lineno=spec.origin.lineno,
                hints=["a constraints file pins versions of named packages (`name==1.0`, `name @ URL`)"],
            )
        self.constraints.setdefault(spec, None)
        self.sourced.append(("constraint", spec))

    def merge_options(self, options: IndexOptions, source: str) -> None:
        current = self.options
        index_url = current.index_url
        if options.index_url is not None:
            if index_url is not None and index_url.rstrip("/") != options.index_url.rstrip("/"):
                from puv.io.http import redact

                raise InputError(
                    f"Multiple index URLs specified: `{redact(index_url)}` (in `{self.index_url_from}`) "
                    f"vs. `{redact(options.index_url)}` (in `{source}`)",
                    source=source,
                    hints=["use --extra-index-url for additional indexes"],
                )
            if index_url is None:
                index_url, self.index_url_from = options.index_url, source
        control = current.format_control
        if options.format_control.no_binary:
            control = control.with_no_binary(",".join(sorted(options.format_control.no_binary)))
        if options.format_control.only_binary:
            control = control.with_only_binary(",".join(sorted(options.format_control.only_binary)))
        self.options = IndexOptions(
            index_url=index_url,
            extra_index_urls=_union(current.extra_index_urls, options.extra_index_urls),
            find_links=_union(current.find_links, options.find_links),
            no_index=current.no_index or options.no_index,
            trusted_hosts=_union(current.trusted_hosts, options.trusted_hosts),
            pre=current.pre or options.pre,
            format_control=control,
            prefer_binary=current.prefer_binary or options.prefer_binary,
            require_hashes=current.require_hashes or options.require_hashes,
        )

    def pyprojects(
        self,
        sources: Sequence[str],
        extras: Sequence[str],
        all_extras: bool,
        groups: Sequence[str],
    ) -> None:
        from packaging.utils import canonicalize_name

        from puv.primitives.pyproject_inputs import parse_pyproject

        wanted_groups: dict[str, list[str]] = {}
        for value in groups:
            path, group = _split_group(value, sources)
            wanted_groups.setdefault(path, []).append(group)

        available: set[NormalizedName] = set()
        used: set[NormalizedName] = set()
        for source in dict.fromkeys([*sources, *wanted_groups]):
            self.check_exists(source)
            try:
                text = self.read(source)
            except OSError as error:
                raise InputError(f"cannot read `{source}`: {error.strerror or error}", source=source) from None
            self.files.setdefault(source, None)
            if source in sources and self.project_metadata is not None and _needs_build(text, bool(extras) or all_extras):
                found, chosen_names = self.built_project(source, extras, all_extras)
                available |= found
                used |= chosen_names
                continue
            declared = parse_pyproject(text, source)
            defined = {canonicalize_name(extra) for extra in declared.available_extras}
            available |= defined
            chosen = [extra for extra in extras if canonicalize_name(extra) in defined] if source in sources else []
            used |= {canonicalize_name(extra) for extra in chosen}
            parsed = parse_pyproject(
                text,
                source,
                extras=chosen,
                all_extras=all_extras and source in sources,
                groups=wanted_groups.get(source, ()),
            )
            self.projects[source] = parsed.name or ""
            if source in sources:
                self.add_requirements(parsed.requirements)
            else:
                for _, specs in parsed.groups:
                    self.add_requirements(specs)
        missing = sorted({canonicalize_name(extra) for extra in extras} - used)
        if missing:
            s = "" if len(missing) == 1 else "s"
            hint = (
                "available extras: " + ", ".join(f"`{name}`" for name in sorted(available))
                if available
                else "no project among the inputs defines extras (project.optional-dependencies)"
            )
            raise InputError(f"Requested extra{s} not found: {', '.join(missing)}", hints=[hint])

    def built_project(
        self, source: str, extras: Sequence[str], all_extras: bool
    ) -> tuple[set[NormalizedName], set[NormalizedName]]:
        """Add the requirements of the project ``source`` (pyproject.toml, setup.py,
        setup.cfg) names, from its backend's metadata; (extras defined, extras used)."""
        from packaging.utils import canonicalize_name

        assert self.project_metadata is not None
        path = Path(os.path.expanduser(source))
        directory = (path if path.is_absolute() else self.cwd / path).parent
        metadata = self.project_metadata(directory)
        defined = set(metadata.provides_extra)
        chosen = defined if all_extras else {canonicalize_name(e) for e in extras} & defined
        self.projects[source] = metadata.name
        self.add_requirements(requirements_from_metadata(metadata, chosen, source))
        return defined, chosen

    def result(self) -> RequirementInputs:
        return RequirementInputs(
            requirements=tuple(self.requirements),
            constraints=tuple(self.constraints),
            overrides=tuple(self.overrides),
            options=self.options,
            files=tuple(self.files),
            projects=tuple(self.projects.items()),
            warnings=tuple(self.warnings),
            sourced=tuple(self.sourced),
        )


def _union(first: Iterable[str], second: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*first, *second]))


def _needs_build(text: str, extras: bool) -> bool:
    """Whether a pyproject.toml's requirements are known only to its build backend."""
    from puv.primitives.pyproject_inputs import _load_toml

    try:
        data = _load_toml(text)
    except ValueError:
        return False  # parse_pyproject reports it, with its position
    project = data.get("project")
    if not isinstance(project, dict):
        return "build-system" in data
    dynamic = project.get("dynamic", [])
    if not isinstance(dynamic, list):
        return False
    return "dependencies" in dynamic or (extras and "optional-dependencies" in dynamic)


def requirements_from_metadata(
    metadata: CoreMetadata, extras: Iterable[NormalizedName], source: str
) -> list[RequirementSpec]:
    """A project's Requires-Dist as input requirements: the base ones and those of
    ``extras`` (their ``extra == ...`` marker clauses settled; the project's own
    extras it names, ``all = ["proj[a,b]"]``, expanded)."""
    import copy

    from packaging.utils import canonicalize_name

    from puv.primitives.requirement_spec import Origin, parse_pep508

    chosen = set(extras)
    own = metadata.canonical_name
    while True:  # self-references add extras until nothing changes
        added = set()
        for requirement in metadata.requires_dist:
            if canonicalize_name(requirement.name) != own:
                continue
            if requirement.marker is None or _settle_extras(requirement.marker, chosen) is not False:
                added |= {canonicalize_name(e) for e in requirement.extras} - chosen
        if not added:
            break
        chosen |= added
    origin = Origin(source)
    found: list[RequirementSpec] = []
    for requirement in metadata.requires_dist:
        if canonicalize_name(requirement.name) == own:
            continue
        marker_text: str | None = None
        if requirement.marker is not None:
            settled = _settle_extras(requirement.marker, chosen)
            if settled is False:
                continue
            marker_text = None if settled is True else settled
        requirement = copy.copy(requirement)  # the metadata's own stays as it was
        requirement.marker = None
        text = str(requirement) + (f" ; {marker_text}" if marker_text else "")
        requirement = type(requirement)(text)
        found.append(parse_pep508(str(requirement), origin=origin))
    return found


def _settle_extras(marker: Marker, extras: set[NormalizedName]) -> bool | str:
    """``marker`` with its ``extra`` comparisons decided for ``extras``: True, False or the rest."""
    from packaging.utils import canonicalize_name

    def leaf(item: tuple[object, object, object]) -> bool | str:
        lhs, op, rhs = item
        if getattr(lhs, "value", None) == "extra" and type(lhs).__name__ == "Variable":
            value = str(getattr(rhs, "value", ""))
        elif getattr(rhs, "value", None) == "extra" and type(rhs).__name__ == "Variable":
            value = str(getattr(lhs, "value", ""))
        else:
            return " ".join(str(part.serialize()) for part in item)  # type: ignore[attr-defined]
        hit = canonicalize_name(value) in extras
        operator = str(getattr(op, "value", ""))
        return hit if operator == "==" else (not hit) if operator == "!=" else False

    def expression(items: list[object]) -> bool | str:
        groups: list[list[object]] = [[]]
        for item in items:
            if item == "or":
                groups.append([])
            elif item != "and":
                groups[-1].append(item)
        alternatives: list[str] = []
        for group in groups:
            parts: list[str] = []
            failed = False
            for item in group:
                value = expression(item) if isinstance(item, list) else leaf(item)  # type: ignore[arg-type]
                if value is False:
                    failed = True
                    break
                if value is not True:
                    parts.append(f"({value})" if " or " in value else value)
            if failed:
                continue
            if not parts:
                return True
            alternatives.append(" and ".join(parts))
        if not alternatives:
            return False
        return " or ".join(alternatives)

    return expression(list(marker._markers))


def _is_pyproject(source: str) -> bool:
    return os.path.basename(source.replace("\\", "/")) == PYPROJECT


def _split_group(value: str, sources: Sequence[str]) -> tuple[str, str]:
    """``[PATH:]GROUP`` -> (pyproject path, group)."""
    path, sep, group = value.rpartition(":")
    if sep and path:
        if not _is_pyproject(path):
            path = os.path.join(path, PYPROJECT)
        return path, group
    given = [source for source in sources if _is_pyproject(source)]
    return (given[0] if given else PYPROJECT), value


def gather_inputs(
    request: InputRequest,
    *,
    read: Reader,
    environ: Mapping[str, str],
    cwd: Path,
    project_metadata: ProjectMetadata | None = None,
) -> RequirementInputs:
    """Read every input of ``request`` with ``read`` (see :func:`file_reader`).

    ``project_metadata`` (the build backend's answer) lets a ``pyproject.toml``
    with dynamic dependencies, a ``setup.py`` and a ``setup.cfg`` be inputs;
    without it they are errors. Errors are :class:`InputError` naming the file
    (and line) at fault.
    """
    from puv.primitives.requirement_spec import parse_requirement_arg

    gather = _Gather(read=read, environ=environ, cwd=cwd, project_metadata=project_metadata)
    pyprojects = [source for source in request.sources if _is_pyproject(source)]
    projects = pyprojects + [
        source for source in request.sources
        if project_metadata is not None and os.path.basename(source.replace("\\", "/")) in ("setup.py", "setup.cfg")
    ]
    if (request.extras or request.all_extras) and not projects:
        raise InputError(
            "Requesting extras requires a `pyproject.toml` file",
            hints=["name the project's pyproject.toml as an input: `puv pip compile pyproject.toml --extra NAME`"],
        )
    for source in request.sources:
        name = os.path.basename(source.replace("\\", "/"))
        if name in ("setup.py", "setup.cfg") and project_metadata is not None:
            gather.check_exists(source)
            gather.files.setdefault(source, None)
            continue
        if name in ("setup.py", "setup.cfg"):
            raise InputError(
                f"reading requirements from `{source}` is not supported yet",
                source=source,
                hints=["list the dependencies in a requirements file or in pyproject.toml [project]"],
            )
        if name.startswith("pylock.") and name.endswith(".toml"):
            raise InputError(f"`{source}` (pylock.toml) is not a supported input format", source=source)
    gather.add_requirements(parse_requirement_arg(arg, exists=gather.exists) for arg in request.packages)
    gather.add_requirements(parse_requirement_arg(arg, editable=True) for arg in request.editables)
    setup_sources = [
        source for source in request.sources
        if project_metadata is not None and os.path.basename(source.replace("\\", "/")) in ("setup.py", "setup.cfg")
    ]
    for source in request.sources:
        if source in setup_sources:
            gather.built_project(source, request.extras, request.all_extras)
        elif not _is_pyproject(source):
            gather.requirements_file(source, "requirement")
    if pyprojects or request.groups:
        gather.pyprojects(pyprojects, request.extras, request.all_extras, request.groups)
    for source in request.constraints:
        gather.requirements_file(source, "constraint")
    for source in request.overrides:
        gather.requirements_file(source, "override")
    return gather.result()


# --------------------------------------------------------------------------- settings


def apply_index_options(settings: Settings, options: IndexOptions, cwd: Path, home: Path | None = None) -> Settings:
    """``settings`` with the index options of requirements files folded in (see
    the module docstring). Relative find-links paths become absolute from ``cwd``."""
    from puv.config_files import absolute_location
    from puv.settings import Settings

    values = {name: getattr(settings, name) for name in Settings.FIELDS}
    if settings.index_url is None and options.index_url is not None:
        values["index_url"] = options.index_url
    values["extra_index_urls"] = _union(settings.extra_index_urls, options.extra_index_urls)
    values["find_links"] = _union(
        settings.find_links, (absolute_location(location, cwd, home) for location in options.find_links)
    )
    values["no_index"] = settings.no_index or options.no_index
    values["trusted_hosts"] = _union(settings.trusted_hosts, options.trusted_hosts)
    if options.pre and settings.prerelease == "if-necessary-or-explicit":
        values["prerelease"] = "allow"
    return Settings(**values)


def format_control(settings: Settings, options: IndexOptions = IndexOptions()) -> FormatControl:
    """The ``--no-binary`` / ``--only-binary`` sets: the files' first, then the settings'."""
    from puv.errors import UsageError

    control = options.format_control
    try:
        for value in settings.no_binary:
            control = control.with_no_binary(value)
        for value in settings.only_binary:
            control = control.with_only_binary(value)
    except ValueError as error:
        raise UsageError(f"invalid --no-binary / --only-binary value: {error}") from None
    return control


def selection_policy(settings: Settings, options: IndexOptions = IndexOptions()) -> SelectionPolicy:
    """Which files may be used: binary/source controls, ``--no-build``, ``--exclude-newer``."""
    from puv.domain.index.candidates import SelectionPolicy, parse_exclude_newer

    exclude_newer = None
    if settings.exclude_newer:
        from datetime import datetime

        # uv reads a plain date in the local time zone.
        local = datetime.now().astimezone().tzinfo
        exclude_newer = parse_exclude_newer(settings.exclude_newer, tz=local) if local else parse_exclude_newer(
            settings.exclude_newer
        )
    return SelectionPolicy(
        format_control=format_control(settings, options),
        no_build=settings.no_build,
        exclude_newer=exclude_newer,
    )
