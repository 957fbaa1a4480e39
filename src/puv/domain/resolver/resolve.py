"""Resolve requirements for one target environment: the entry point of the resolver.

``resolve()`` wires the Python provider (``provider.py``) to the PubGrub solver
and turns the solver's answer into a :class:`~puv.domain.resolver.resolution.Resolution`
(pins, files, and the edges behind ``# via`` lines), or a failure into a
:class:`~puv.domain.resolver.hints.NoSolutionError` with uv-style explanation
and hints. Prefetch threads live only for the duration of one call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import MappingProxyType

from packaging.utils import NormalizedName
from packaging.version import Version

from puv.domain.index.candidates import SelectionPolicy, Target
from puv.domain.index.client import IndexClient
from puv.domain.resolver.build_context import BuildContext
from puv.domain.resolver.hints import NoSolutionError, no_solution_error
from puv.domain.resolver.packages import ROOT, Extra, Name, PackageKey
from puv.domain.resolver.provider import ROOT_VERSION, PythonProvider, ResolveOptions
from puv.domain.resolver.pubgrub import NoSolution, solve
from puv.domain.resolver.resolution import Resolution, ResolvedDist, Via
from puv.primitives.requirement_spec import RequirementSpec

__all__ = ["NoSolutionError", "ResolveOptions", "resolve"]

_NO_PREFERENCES: Mapping[NormalizedName, Version] = MappingProxyType({})


def resolve(
    requirements: Sequence[RequirementSpec],
    *,
    index: IndexClient,
    target: Target,
    policy: SelectionPolicy,
    options: ResolveOptions = ResolveOptions(),
    constraints: Sequence[RequirementSpec] = (),
    overrides: Sequence[RequirementSpec] = (),
    preferences: Mapping[NormalizedName, Version] = _NO_PREFERENCES,
    upgrade: bool | frozenset[NormalizedName] = False,
    build: BuildContext | None = None,
) -> Resolution:
    """Pin every distribution needed by ``requirements`` for ``target``.

    ``constraints`` (``-c``) restrict packages that something else requires;
    ``overrides`` replace every requirement on their package; ``preferences``
    (installed or previously pinned versions) are chosen first when allowed,
    except for the names in ``upgrade`` (or all of them when it is True).
    Raises :class:`NoSolutionError` (a ``ResolutionError``) when the
    requirements cannot be satisfied, ``BuildError`` when a requirement needs a
    build (direct requirements on projects to build get their metadata from
    ``build``; without one they fail), and the index client's errors (``NetworkError``...) as they come.
    """
    executor = ThreadPoolExecutor(max_workers=options.max_workers, thread_name_prefix="puv-prefetch")
    interrupted = False
    try:
        provider = PythonProvider(
            requirements,
            index=index,
            target=target,
            policy=policy,
            options=options,
            constraints=constraints,
            overrides=overrides,
            preferences=preferences,
            upgrade=upgrade,
            executor=executor,
            build=build,
        )
        if provider.root_conflicts:
            conflict = provider.root_conflicts[0]
            raise NoSolutionError(
                f"Because you require {conflict.phrase()}, we can conclude that your "
                "requirements are unsatisfiable."
            )
        try:
            solution = solve(provider, ROOT, ROOT_VERSION)
        except NoSolution as failure:
            _raise_unbuilt(provider, None)
            raise no_solution_error(failure, provider) from None
        _raise_unbuilt(provider, solution.versions)
        return build_resolution(provider, solution.versions)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        # Ctrl-C: prefetches still in flight are abandoned, not awaited (see parallel_map).
        executor.shutdown(wait=not interrupted, cancel_futures=True)


def _raise_unbuilt(provider: PythonProvider, versions: Mapping[PackageKey, Version] | None) -> None:
    """Raise the BuildError of a skipped version if the answer may depend on it.

    Versions whose metadata needs a build are skipped during the search. The
    answer stands when, for every package with such versions, the chosen version
    is one that would have been tried before all of them (so they never
    mattered); otherwise, or when there is no answer, building was needed.
    """
    for name, skipped in provider.unbuilt.items():
        chosen = None if versions is None else versions.get(Name(name))
        for version, error in skipped.items():
            if chosen is None or not provider.preferred_over(name, chosen, version):
                raise error


def build_resolution(provider: PythonProvider, versions: Mapping[PackageKey, Version]) -> Resolution:
    """The :class:`Resolution` value for the solver's chosen versions."""
    extras: dict[NormalizedName, set[str]] = {}
    for key in versions:
        if isinstance(key, Extra):
            extras.setdefault(key.name, set()).add(key.extra)

    # Edges: who depends on whom (parent names), from the chosen versions only.
    dependencies: dict[NormalizedName, set[NormalizedName]] = {}
    via: dict[NormalizedName, dict[Via, None]] = {}
    for key, version in versions.items():
        if not isinstance(key, (Name, Extra)):
            continue
        parent = key.name
        deps = provider.dependencies_of.get((key, version), {})
        for dependee in deps:
            if isinstance(dependee, (Name, Extra)) and dependee.name != parent:
                dependencies.setdefault(parent, set()).add(dependee.name)
                via.setdefault(dependee.name, {})[Via(parent=parent)] = None
    for name, specs in provider.root_specs.items():
        for spec in specs:
            via.setdefault(name, {})[Via(source=spec.origin.source)] = None
    for name, specs in provider.constraint_specs.items():
        for spec in specs:
            via.setdefault(name, {})[Via(source=f"-c {spec.origin.source}")] = None
    for name, specs in provider.override_specs.items():
        for spec in specs:
            via.setdefault(name, {})[Via(source=f"--override {spec.origin.source}")] = None

    dists: dict[NormalizedName, ResolvedDist] = {}
    for key, version in versions.items():
        if not isinstance(key, Name):
            continue
        name = key.name
        pin = provider.url_pins.get(name)
        if pin is not None:
            dist = ResolvedDist(
                name=name,
                version=version,
                file=pin.file,
                files=(pin.file,),
                url=pin.url,
                extras=frozenset(extras.get(name, ())),
                requested=name in provider.direct,
                dependencies=tuple(sorted(dependencies.get(name, ()))),
                editable=any(spec.editable for spec in provider.root_specs.get(name, ())),
            )
        else:
            candidate = provider.candidates(name).get(version)
            assert candidate is not None, f"{name}=={version} was chosen without a usable file"
            dist = ResolvedDist(
                name=name,
                version=version,
                file=candidate.best,
                files=candidate.all_files,
                index=candidate.source or None,
                extras=frozenset(extras.get(name, ())),
                requested=name in provider.direct,
                yanked_reason=(candidate.yanked_reason or "") if candidate.yanked else None,
                dependencies=tuple(sorted(dependencies.get(name, ()))),
            )
        dists[name] = dist
    edges = {
        name: tuple(sorted(found, key=lambda v: (v.parent is None, v.parent or "", v.source or "")))
        for name, found in via.items()
        if name in dists
    }
    return Resolution(dists=dists, via=edges)

