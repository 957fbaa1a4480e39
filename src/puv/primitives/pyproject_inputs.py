"""Requirements declared in a ``pyproject.toml``, parsed without IO.

Reads the ``[project]`` table of PEP 621 (``dependencies`` and the
``optional-dependencies`` selected with ``--extra`` / ``--all-extras``) and the
``[dependency-groups]`` table of PEP 735 (``--group``, with
``{include-group = "..."}`` entries expanded and include cycles reported).
Extra and group names compare normalised (PEP 685 / PEP 735). An extra or a
group that names the project itself (``name[extra]``, the common
``all = ["name[a,b]"]`` pattern) is expanded in place, as uv does.

Dependencies listed under ``project.dynamic`` cannot be read without building
the project (PEP 517), which is a later step: they are an error here.

Every requirement keeps its origin (the file and, when the string can be found
in the text, its line) so errors and ``# via`` annotations can point at it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from packaging.markers import Marker
from packaging.utils import InvalidName, NormalizedName, canonicalize_name

from puv.errors import InputError
from puv.primitives.requirement_spec import Origin, RequirementSpec, parse_pep508

_TOML_POSITION_RE = re.compile(r"\(at line (\d+), column (\d+)\)")

Selected = tuple[tuple[str, tuple[RequirementSpec, ...]], ...]
"""``((extra or group name, its requirements), ...)`` in the order asked for."""


@dataclass(frozen=True)
class PyprojectInputs:
    """What a pyproject.toml asks to install, for the extras and groups selected."""

    source: str
    name: str | None
    dependencies: tuple[RequirementSpec, ...]
    extras: Selected = ()
    groups: Selected = ()
    available_extras: tuple[str, ...] = ()
    available_groups: tuple[str, ...] = ()

    @property
    def requirements(self) -> tuple[RequirementSpec, ...]:
        """Dependencies, then the selected extras, then the groups, without duplicates."""
        found: dict[RequirementSpec, None] = dict.fromkeys(self.dependencies)
        for _, specs in (*self.extras, *self.groups):
            found.update(dict.fromkeys(specs))
        return tuple(found)


def parse_pyproject(
    text: str,
    source: str,
    *,
    extras: Sequence[str] = (),
    all_extras: bool = False,
    groups: Sequence[str] = (),
) -> PyprojectInputs:
    """Parse ``text`` (the content of ``source``) and select extras and groups."""
    return _Reader(text, source).read(extras, all_extras, groups)


def _load_toml(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    return tomllib.loads(text)


@dataclass(frozen=True)
class _Reader:
    text: str
    source: str

    def fail(
        self,
        message: str,
        *,
        needle: str | None = None,
        hints: Sequence[str] = (),
    ) -> NoReturn:
        lineno, line, column = self._locate(needle) if needle else (None, None, None)
        raise InputError(
            message, source=self.source, lineno=lineno, line=line, column=column, hints=hints
        )

    def _locate(self, needle: str) -> tuple[int | None, str | None, int | None]:
        """Find ``needle`` in the text: (line number, line, column) or Nones."""
        at = self.text.find(needle)
        if at < 0:
            return None, None, None
        start = self.text.rfind("\n", 0, at) + 1
        end = self.text.find("\n", at)
        line = self.text[start : end if end >= 0 else len(self.text)].rstrip("\r")
        return self.text.count("\n", 0, at) + 1, line, at - start

    def read(
        self, extras: Sequence[str], all_extras: bool, groups: Sequence[str]
    ) -> PyprojectInputs:
        try:
            data = _load_toml(self.text)
        except ValueError as error:  # tomllib.TOMLDecodeError is a ValueError
            self._toml_error(str(error))
        except RecursionError:  # tomllib recurses once per nested array or inline table
            self.fail("invalid TOML: arrays or tables are nested too deeply")
        project = data.get("project")
        if project is not None and not isinstance(project, dict):
            self.fail("`project` must be a table", needle="project")
        group_table = data.get("dependency-groups", {})
        if not isinstance(group_table, dict):
            self.fail("`dependency-groups` must be a table", needle="dependency-groups")
        if project is None and not groups:
            self.fail(
                f"`{self.source}` has no [project] table, so it declares no dependencies",
                hints=[
                    "a project without [project] metadata must be built to learn its "
                    "dependencies: install the directory instead (`puv pip install .`)"
                ],
            )
        project = project or {}
        name = project.get("name")
        if name is not None and not isinstance(name, str):
            self.fail("`project.name` must be a string", needle="name")
        dynamic = project.get("dynamic", [])
        if not isinstance(dynamic, list):
            self.fail("`project.dynamic` must be an array", needle="dynamic")
        if "dependencies" in dynamic:
            self._dynamic("dependencies")
        base_dir = os.path.dirname(self.source)
        dependencies = self._specs(
            project.get("dependencies", []), "project.dependencies", base_dir
        )
        optional = self._optional(project.get("optional-dependencies", {}), base_dir)
        if (extras or all_extras) and "optional-dependencies" in dynamic:
            self._dynamic("optional-dependencies")
        chosen_extras = self._choose_extras(optional, extras, all_extras)
        canonical = canonicalize_name(name) if name else None
        expander = _SelfReferences(canonical, dependencies, optional)
        selected_extras = tuple(
            (extra, expander.expand(optional[extra][1], (extra,))) for extra in chosen_extras
        )
        group_specs = _Groups(self, group_table, base_dir).select(groups)
        selected_groups = tuple(
            (group, expander.expand(specs, ())) for group, specs in group_specs
        )
        return PyprojectInputs(
            source=self.source,
            name=name,
            dependencies=dependencies,
            extras=selected_extras,
            groups=selected_groups,
            available_extras=tuple(written for written, _ in optional.values()),
            available_groups=tuple(str(key) for key in group_table),
        )

    def _toml_error(self, message: str) -> NoReturn:
        match = _TOML_POSITION_RE.search(message)
        text = message if match is None else message[: match.start()].rstrip()
        lineno = line = column = None
        if match is not None:
            lineno, column = int(match.group(1)), int(match.group(2)) - 1
            lines = self.text.splitlines()
            line = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
        raise InputError(
            f"invalid TOML: {text}",
            source=self.source,
            lineno=lineno,
            line=line,
            column=column,
        )

    def _dynamic(self, field_name: str) -> NoReturn:
        self.fail(
            f"the {field_name} of `{self.source}` are dynamic (`project.dynamic` lists "
            f"`{field_name}`), so only building the project can tell what they are",
            needle="dynamic",
            hints=[
                "building projects to read their metadata is not supported by puv yet; "
                "list the dependencies statically in [project] or install the directory"
            ],
        )

    def _specs(self, items: object, where: str, base_dir: str) -> tuple[RequirementSpec, ...]:
        if not isinstance(items, list):
            self.fail(f"`{where}` must be an array of strings", needle=where.rsplit(".", 1)[-1])
        return tuple(self.spec(item, where, base_dir) for item in items)

    def spec(self, item: object, where: str, base_dir: str) -> RequirementSpec:
        if not isinstance(item, str):
            self.fail(f"`{where}` must contain only strings, found {item!r}")
        lineno, line, column = self._locate_string(item)
        try:
            return parse_pep508(item, origin=Origin(self.source, lineno), base_dir=base_dir)
        except InputError as error:
            message = f"{error.message} (in `{where}`)"
            if line is None or column is None:
                raise InputError(
                    message, source=self.source, line=item, column=error.column
                ) from None
            raise InputError(
                message,
                source=self.source,
                lineno=lineno,
                line=line,
                column=column + (error.column or 0),
            ) from None

    def _locate_string(self, value: str) -> tuple[int | None, str | None, int | None]:
        for quote in ('"', "'"):
            lineno, line, column = self._locate(f"{quote}{value}{quote}")
            if lineno is not None and column is not None:
                return lineno, line, column + 1
        return None, None, None

    def _optional(
        self, table: object, base_dir: str
    ) -> dict[NormalizedName, tuple[str, tuple[RequirementSpec, ...]]]:
        if not isinstance(table, dict):
            self.fail(
                "`project.optional-dependencies` must be a table", needle="optional-dependencies"
            )
        found: dict[NormalizedName, tuple[str, tuple[RequirementSpec, ...]]] = {}
        for written, items in table.items():
            key = self.name_of(written, "extra")
            if key in found:
                self.fail(
                    f"extras `{found[key][0]}` and `{written}` have the same normalised "
                    f"name `{key}`",
                    needle=written,
                )
            where = f"project.optional-dependencies.{written}"
            found[key] = (written, self._specs(items, where, base_dir))
        return found

    def name_of(self, written: str, kind: str) -> NormalizedName:
        try:
            return canonicalize_name(written, validate=True)
        except InvalidName:
            self.fail(f"invalid {kind} name `{written}`", needle=written)

    def _choose_extras(
        self,
        optional: Mapping[NormalizedName, tuple[str, tuple[RequirementSpec, ...]]],
        extras: Sequence[str],
        all_extras: bool,
    ) -> tuple[NormalizedName, ...]:
        if all_extras:
            return tuple(optional)
        chosen: dict[NormalizedName, None] = {}
        for extra in extras:
            key = canonicalize_name(extra)
            if key not in optional:
                available = ", ".join(f"`{written}`" for written, _ in optional.values())
                self.fail(
                    f"extra `{extra}` is not defined in `{self.source}`",
                    hints=[
                        f"available extras: {available}"
                        if available
                        else "the project defines no extras (project.optional-dependencies)"
                    ],
                )
            chosen.setdefault(key, None)
        return tuple(chosen)


@dataclass(frozen=True)
class _Groups:
    """PEP 735 dependency groups: lookup by normalised name, include expansion."""

    reader: _Reader
    table: Mapping[str, object]
    base_dir: str

    def select(self, requested: Sequence[str]) -> tuple[tuple[str, tuple[RequirementSpec, ...]], ...]:
        if not requested:
            return ()
        by_key: dict[NormalizedName, str] = {}
        for written in self.table:
            key = self.reader.name_of(written, "dependency group")
            if key in by_key:
                self.reader.fail(
                    f"dependency groups `{by_key[key]}` and `{written}` have the same "
                    f"normalised name `{key}`",
                    needle=written,
                )
            by_key[key] = written
        chosen: dict[str, tuple[RequirementSpec, ...]] = {}
        for group in requested:
            looked_up = by_key.get(canonicalize_name(group))
            if looked_up is None:
                available = ", ".join(f"`{name}`" for name in self.table)
                self.reader.fail(
                    f"dependency group `{group}` is not defined in `{self.reader.source}`",
                    hints=[
                        f"available groups: {available}"
                        if available
                        else "the file has no [dependency-groups] table"
                    ],
                )
            written = looked_up
            if written not in chosen:
                found: dict[RequirementSpec, None] = {}
                self._expand(written, by_key, (), found)
                chosen[written] = tuple(found)
        return tuple(chosen.items())

    def _expand(
        self,
        written: str,
        by_key: Mapping[NormalizedName, str],
        path: tuple[str, ...],
        found: dict[RequirementSpec, None],
    ) -> None:
        if written in path:
            chain = " -> ".join([*path[path.index(written) :], written])
            self.reader.fail(
                f"dependency groups include each other in a cycle: {chain}",
                needle="include-group",
            )
        items = self.table[written]
        where = f"dependency-groups.{written}"
        if not isinstance(items, list):
            self.reader.fail(f"`{where}` must be an array", needle=written)
        for item in items:
            if isinstance(item, str):
                found.setdefault(self.reader.spec(item, where, self.base_dir), None)
                continue
            if not isinstance(item, dict) or set(item) != {"include-group"}:
                self.reader.fail(
                    f"`{where}` entries must be requirement strings or "
                    f"{{include-group = \"...\"}} tables, found {item!r}",
                    needle=written,
                )
            target = item["include-group"]
            if not isinstance(target, str):
                self.reader.fail(f"`include-group` in `{where}` must be a string")
            included = by_key.get(canonicalize_name(target))
            if included is None:
                self.reader.fail(
                    f"`{where}` includes the group `{target}`, which is not defined",
                    needle=target,
                    hints=["available groups: " + ", ".join(f"`{n}`" for n in self.table)],
                )
            self._expand(included, by_key, (*path, written), found)


@dataclass(frozen=True)
class _SelfReferences:
    """Expand ``project-name[extra]`` entries into that extra's requirements."""

    project: NormalizedName | None
    dependencies: tuple[RequirementSpec, ...]
    optional: Mapping[NormalizedName, tuple[str, tuple[RequirementSpec, ...]]]

    def expand(
        self, specs: tuple[RequirementSpec, ...], seen: tuple[str, ...]
    ) -> tuple[RequirementSpec, ...]:
        if self.project is None:
            return specs
        out: dict[RequirementSpec, None] = {}
        for spec in specs:
            if spec.canonical_name != self.project or spec.is_direct or len(spec.specifier):
                out.setdefault(spec, None)
                continue
            inner: list[RequirementSpec] = [] if seen else list(self.dependencies)
            for extra in sorted(spec.extras):
                if extra in seen or extra not in self.optional:
                    continue
                inner.extend(self.expand(self.optional[extra][1], (*seen, extra)))
            for item in inner:
                out.setdefault(_and_marker(item, spec.marker), None)
        return tuple(out)


def _and_marker(spec: RequirementSpec, marker: Marker | None) -> RequirementSpec:
    if marker is None:
        return spec
    from dataclasses import replace

    if spec.marker is None:
        return replace(spec, marker=marker)
    return replace(spec, marker=Marker(f"({spec.marker}) and ({marker})"))
