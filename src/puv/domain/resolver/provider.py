"""The PubGrub provider for Python packages: versions from the index, dependencies from metadata.

The solver (``pubgrub``) is pure; this module answers its questions with the
index client, for one target environment:

- ``choose_version(package, allowed)``: the version of a distribution to try,
  following uv's rules: the resolution strategy (``highest``, ``lowest``,
  ``lowest-direct``), preferences (installed or previously pinned versions,
  unless upgraded), the pre-release mode, yanked files (PEP 592: only when
  pinned with ``==``/``===`` by a requirement or constraint of the user) and the
  usable files (``select_candidates``: tags, requires-python, build rules).
  Versions no file of which can be used are only tried once nothing usable is
  left in the range, so that the explanation of a failure can say why.
- ``get_dependencies(package, version)``: the PEP 508 requirements of the
  version's core metadata whose markers hold for the target (``extra`` set for
  the virtual ``name[extra]`` packages), after overrides and constraints. A
  Requires-Python that excludes the target becomes a dependency on the virtual
  ``Python`` package, whose only version is the target's.

Pre-release modes (uv's current meanings; ``if-necessary-or-explicit`` is the
older spelling of ``if-necessary``):

- ``disallow``: never a pre-release;
- ``allow``: pre-releases compete with final releases;
- ``if-necessary``: final releases first; pre-releases only when no final
  release in the allowed range can be used;
- ``explicit``: like ``if-necessary`` for packages that a user requirement,
  constraint or override names with a pre-release specifier, ``disallow``
  for the others.

Speed: the provider implements the solver's ``Prefetcher`` protocol. Whenever
the allowed range of undecided packages changes, the page and the metadata of
the version ``choose_version`` would pick are fetched in a thread pool; when
the solver keeps rejecting versions of one package, the metadata of the next
candidates is fetched in parallel batches that grow as the rejections go on:
the next versions in the allowed range, and the versions below the chosen one
in the whole list (where the walk goes once a dependent's range moves on, as
boto3 and botocore do in step), with the dependencies of those versions
followed too. The index client memoizes
every page and metadata file, so the solver thread just waits for an
in-flight result and nothing is fetched twice.

Failing fast: when a prefetched page shows no usable version in the range the
solver asked for (a project gone from the index, an exact pin of a version
that does not exist), the provider reports the package (``updated_hints``) and
the solver decides it next, deriving the failure while the other requirements
are still being fetched. A batch of more pages than prefetch threads (a long
requirements file) fetches every page before any metadata, so such a page
arrives after one round of page fetches wherever the requirement is listed.

Each package's versions are kept sorted (``_VersionTable``), so "which versions
does this range allow" is a few bisections (``version_index``) rather than a
``contains`` call per version, and only as many as needed are walked. The
provider also implements ``VersionSpans``: what the solver learns about one
version is stated up to the next version on the index (down to the previous
one for the ``lowest`` strategies), so the facts about the hundreds of
botocore versions rejected one by one merge into a single interval instead of
a union of single versions that every range operation would walk.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from itertools import chain, islice
from typing import Generic, TypeVar
from urllib.parse import unquote, urlsplit

from packaging.markers import Marker, default_environment
from packaging.ranges import VersionRange
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from puv.domain.index.candidates import Candidates, SelectionPolicy, Target, select_candidates
from puv.domain.index.client import IndexClient
from puv.domain.resolver import version_index
from puv.domain.resolver.build_context import BuildContext
from puv.domain.resolver.packages import PYTHON, Extra, Name, PackageKey, Python, Root
from puv.domain.resolver.pubgrub import (
    Dependencies,
    PackageHint,
    UnavailableDependencies,
    normalize_range,
)
from puv.domain.resolver.pubgrub.report import single_version
from puv.errors import BuildError, MetadataError, UsageError
from puv.primitives.metadata import CoreMetadata
from puv.primitives.requirement_spec import RequirementSpec, is_vcs_url, is_wheel
from puv.primitives.simple_api import DistFile

T = TypeVar("T")

RESOLUTION_STRATEGIES = ("highest", "lowest", "lowest-direct")
PRERELEASE_MODES = ("disallow", "allow", "if-necessary", "explicit", "if-necessary-or-explicit")

#: The version of the virtual root package.
ROOT_VERSION = Version("0")
#: How many different versions ``choose_version`` may answer for one package
#: (each new answer means the previous one was rejected; the same answer again
#: is a package decided anew after a backjump) before the next candidates'
#: metadata is fetched in a batch.
BACKTRACK_PREFETCH_AFTER = 2
#: How many candidate versions one backtracking batch fetches at first; the
#: batch doubles every ``BACKTRACK_BATCH`` further rejections (up to the
#: number of prefetch workers), so a long walk down a package's versions keeps
#: a growing window of metadata in flight.
BACKTRACK_BATCH = 8

_FULL = normalize_range(SpecifierSet("").to_range())


@dataclass(frozen=True, slots=True)
class ResolveOptions:
    """How to choose among the versions that satisfy the requirements.

    ``resolution``: ``highest`` (default), ``lowest`` (every package) or
    ``lowest-direct`` (lowest for the user's direct requirements, highest for
    the rest). ``prerelease``: see the module docstring. ``no_deps``: resolve the
    user's requirements only. ``max_workers``: prefetch threads.
    """

    resolution: str = "highest"
    prerelease: str = "if-necessary-or-explicit"
    no_deps: bool = False
    max_workers: int = 50

    def __post_init__(self) -> None:
        if self.resolution not in RESOLUTION_STRATEGIES:
            raise UsageError(
                f"invalid resolution strategy `{self.resolution}`",
                hints=[f"use one of: {', '.join(RESOLUTION_STRATEGIES)}"],
            )
        if self.prerelease not in PRERELEASE_MODES:
            raise UsageError(
                f"invalid pre-release mode `{self.prerelease}`",
                hints=[f"use one of: {', '.join(PRERELEASE_MODES)}"],
            )
        if self.max_workers < 1:
            raise UsageError("the number of prefetch workers must be at least 1")


@dataclass(frozen=True, slots=True)
class UrlPin:
    """A distribution given as ``name @ URL`` (a wheel): its file and version."""

    name: NormalizedName
    version: Version
    file: DistFile
    url: str
    metadata: CoreMetadata | None = None  # a project to build: its metadata (from the BuildContext)


@dataclass(frozen=True, slots=True)
class _Req:
    """One requirement, reduced to what the solver needs."""

    name: NormalizedName
    extras: frozenset[NormalizedName]
    range: VersionRange
    #: the requirement as written, or its specifier to spell only when a message needs it
    spelling: str | SpecifierSet

    @property
    def text(self) -> str:
        """The requirement as written, for messages (``name>=1,<2``)."""
        spelling = self.spelling
        return spelling if isinstance(spelling, str) else _written(self.name, spelling)


@dataclass(frozen=True, slots=True)
class Conflict:
    """Requirements on one package that no version satisfies together."""

    package: PackageKey
    written: tuple[str, ...]

    def phrase(self) -> str:
        """``a==1.0 and a==2.0``."""
        parts = list(dict.fromkeys(self.written))
        return ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else "".join(parts)


class _Memo(Generic[T]):
    """Compute each keyed value once; concurrent askers wait for the first computation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: dict[object, Future[T]] = {}
        self._done: dict[object, T] = {}  # computed values: read without the lock

    def get(self, key: object, compute: Callable[[], T]) -> T:
        done = self._done
        if key in done:
            return done[key]
        with self._lock:
            future = self._futures.get(key)
            owner = future is None
            if future is None:
                future = self._futures[key] = Future()
        if owner:
            try:
                value = compute()
            except BaseException as error:  # handed to every asker
                future.set_exception(error)
            else:
                done[key] = value
                future.set_result(value)
        return future.result()

    def peek(self, key: object) -> T | None:
        """The value if it is already computed (and did not fail), without waiting."""
        done = self._done
        if key in done:
            return done[key]
        with self._lock:
            future = self._futures.get(key)
        if future is None or not future.done() or future.exception() is not None:
            return None
        return future.result()


class _VersionTable:
    """One package's versions, sorted oldest first, for range queries by bisection.

    ``usable`` are the versions with a usable file, with per position whether a
    yank rules it out (not pinned exactly by the user) and whether it is a
    pre-release; ``known`` are all versions seen, usable or not.
    """

    __slots__ = ("candidates", "known", "prerelease", "skipped", "usable")

    def __init__(
        self,
        candidates: Candidates,
        usable: tuple[Version, ...],
        skipped: tuple[bool, ...],
        prerelease: tuple[bool, ...],
        known: tuple[Version, ...],
    ) -> None:
        self.candidates = candidates
        self.usable = usable
        self.skipped = skipped
        self.prerelease = prerelease
        self.known = known

    @classmethod
    def of(cls, candidates: Candidates, pins: set[Version]) -> _VersionTable:
        usable = tuple(sorted(candidates.versions))
        table = candidates.candidates
        skipped = tuple(table[v].yanked and v not in pins for v in usable)
        prerelease = tuple(v.is_prerelease for v in usable)
        return cls(candidates, usable, skipped, prerelease, tuple(sorted(candidates.all_versions())))

    def position(self, version: Version) -> int | None:
        """Where ``version`` is in ``usable`` (None when it is not usable)."""
        at = bisect_left(self.usable, version)
        return at if at < len(self.usable) and self.usable[at] == version else None

    def walk(self, found: Sequence[version_index.Run], lowest: bool, prerelease: bool | None) -> Iterator[Version]:
        """The usable versions of the runs ``found``, newest first (oldest first when ``lowest``),
        without the ruled-out yanks; only pre-releases (True), only final releases (False) or both (None)."""
        usable, skipped, pre = self.usable, self.skipped, self.prerelease
        spans = (range(a, b) for a, b in found) if lowest else (range(b - 1, a - 1, -1) for a, b in reversed(found))
        for span in spans:
            for i in span:
                if not skipped[i] and (prerelease is None or pre[i] == prerelease):
                    yield usable[i]


def spec_range(specifier: SpecifierSet) -> VersionRange:
    """A specifier set as a solver range (default pre-release policy)."""
    return normalize_range(specifier.to_range())


def names_prerelease(specifier: SpecifierSet) -> bool:
    """Whether a specifier names a pre-release (``>=1.0a1``, ``==2.0b1``; not ``!=``)."""
    for item in specifier:
        if item.operator == "!=":
            continue
        text = item.version
        if text.endswith(".*"):
            text = text[:-2]
        try:
            if Version(text).is_prerelease:
                return True
        except ValueError:
            continue
    return False


def exact_pins(specifier: SpecifierSet) -> set[Version]:
    """The versions a specifier pins with ``==V`` (no wildcard) or ``===V``."""
    pinned: set[Version] = set()
    for item in specifier:
        if item.operator in ("==", "===") and not item.version.endswith(".*"):
            try:
                pinned.add(Version(item.version))
            except ValueError:
                continue
    return pinned


def url_pin(spec: RequirementSpec, build: BuildContext | None = None) -> UrlPin:
    """The pin of a ``name @ wheel-URL`` / wheel path requirement; other direct
    requirements get their metadata from ``build`` (BuildError without one)."""
    from puv.primitives.filenames import try_parse_filename

    location = spec.location or ""
    name = spec.canonical_name
    if build is not None and (spec.editable or not is_wheel(location) or is_vcs_url(location)):
        return source_pin(spec, build)
    if spec.editable or name is None or not is_wheel(location) or is_vcs_url(location):
        what = "an editable requirement" if spec.editable else f"`{spec}`"
        raise BuildError(
            f"{what} needs a build, which this version of puv cannot do yet (not available yet)",
            hints=["use a wheel: `name @ https://.../name-1.0-py3-none-any.whl`, or a version from the index"],
        )
    if spec.url is not None:
        url = spec.url
    else:
        from pathlib import Path

        url = Path(location).expanduser().resolve().as_uri()
    bare, _, fragment = url.partition("#")
    filename = unquote(urlsplit(bare).path.rsplit("/", 1)[-1])
    hashes: list[tuple[str, str]] = []
    for part in fragment.split("&"):
        algorithm, sep, digest = part.partition("=")
        if sep and algorithm.lower() in ("sha256", "sha384", "sha512"):
            hashes.append((algorithm.lower(), digest.lower()))
    for item in spec.hashes:
        algorithm, _, digest = item.partition(":")
        hashes.append((algorithm, digest))
    parsed = try_parse_filename(filename, name)
    if parsed is None:
        raise BuildError(f"`{filename}` is not a valid wheel file name for `{name}`")
    return UrlPin(name, parsed.version, DistFile(filename=filename, url=bare, hashes=tuple(hashes)), url)


def source_pin(spec: RequirementSpec, build: BuildContext) -> UrlPin:
    """The pin of a direct requirement on a project to build, with its metadata from ``build``."""
    from puv.domain.resolver.build_context import direct_url

    metadata = build.direct_metadata(spec)
    name = metadata.canonical_name
    if spec.canonical_name is not None and spec.canonical_name != name:
        raise BuildError(
            f"the requirement `{spec}` names `{spec.canonical_name}`, but the project there is `{name}`",
            hints=[f"write `{name} @ {spec.location}`"],
        )
    url = build.resolved_url(spec)  # a git requirement: pinned to the commit it resolved to
    filename = unquote(urlsplit(direct_url(spec)).path.rstrip("/").rsplit("/", 1)[-1])
    return UrlPin(name, metadata.version, DistFile(filename=filename, url=url), url, metadata)


class PythonProvider:
    """Answers the PubGrub solver's questions about Python distributions (see module docstring)."""

    def __init__(
        self,
        requirements: Sequence[RequirementSpec],
        *,
        index: IndexClient,
        target: Target,
        policy: SelectionPolicy,
        options: ResolveOptions,
        constraints: Sequence[RequirementSpec] = (),
        overrides: Sequence[RequirementSpec] = (),
        preferences: Mapping[NormalizedName, Version] | None = None,
        upgrade: bool | frozenset[NormalizedName] = False,
        executor: Executor | None = None,
        build: BuildContext | None = None,
    ) -> None:
        self.index = index
        self.target = target
        self.policy = policy
        self.options = options
        self._executor = executor
        env: dict[str, str] = (
            dict(target.markers)
            if target.markers is not None
            else {key: str(value) for key, value in default_environment().items()}
        )
        self._env = env
        self._marker_cache: dict[tuple[str, str], bool] = {}
        self._requirements: dict[tuple[object, ...], _Req] = {}
        self._python_fit: dict[tuple[tuple[str, str], ...], bool] = {}
        self._candidates_memo: _Memo[Candidates] = _Memo()
        self._lock = threading.Lock()
        #: name -> how many different answers ``choose_version`` gave (the last one below)
        self._asked: dict[NormalizedName, int] = {}
        self._chosen: dict[NormalizedName, Version] = {}
        #: name -> the versions a backtracking batch has fetched (solver thread only)
        self._batched: dict[NormalizedName, set[Version]] = {}
        #: name -> (its eligible versions in the whole range, in the order tried; their positions)
        self._whole_order: dict[NormalizedName, tuple[list[Version], dict[Version, int]]] = {}
        #: name -> its versions sorted for bisection (see ``_VersionTable``)
        self._tables: dict[NormalizedName, _VersionTable] = {}
        self._speculated: set[tuple[NormalizedName, frozenset[NormalizedName]]] = set()
        #: packages whose page showed no usable version in range (see ``updated_hints``)
        self._no_candidates: list[PackageKey] = []
        #: (name, version, extras) whose metadata ``prefetch`` had fetched (solver thread only)
        self._followed: set[tuple[NormalizedName, Version, frozenset[NormalizedName]]] = set()
        #: Index sdists: their metadata comes from ``build`` (a download, then
        #: PKG-INFO or the backend), once per file.
        self._build = build
        self._sdist_memo: _Memo[CoreMetadata] = _Memo()
        #: Versions whose metadata needs a source distribution built that could
        #: not be built (no ``build``, or the build failed): skipped during the
        #: search, judged by ``resolve()``.
        self.unbuilt: dict[NormalizedName, dict[Version, BuildError]] = {}
        #: (key, version) -> the dependency mapping handed to the solver
        self.dependencies_of: dict[tuple[PackageKey, Version], Mapping[PackageKey, VersionRange]] = {}

        # Preferences (installed / locked versions), minus the upgraded names.
        prefs = {canonicalize_name(k): v for k, v in (preferences or {}).items()}
        if upgrade is True:
            prefs = {}
        elif upgrade:
            dropped = {canonicalize_name(n) for n in upgrade}
            prefs = {k: v for k, v in prefs.items() if k not in dropped}
        self._preferences = prefs

        # Constraints: restrict a package only when something requires it.
        self.constraints: dict[NormalizedName, VersionRange] = {}
        self.constraint_specs: dict[NormalizedName, list[RequirementSpec]] = {}
        self._pins: dict[NormalizedName, set[Version]] = {}
        self._explicit: set[NormalizedName] = set()
        for spec in constraints:
            name = spec.canonical_name
            if name is None or not self._marker_holds(spec.marker, ""):
                continue
            wanted = spec_range(spec.specifier)
            previous = self.constraints.get(name)
            self.constraints[name] = wanted if previous is None else previous & wanted
            self.constraint_specs.setdefault(name, []).append(spec)
            self._pins.setdefault(name, set()).update(exact_pins(spec.specifier))
            if names_prerelease(spec.specifier):
                self._explicit.add(name)

        # Overrides: replace every requirement on the package.
        self.overrides: dict[NormalizedName, list[_Req]] = {}
        self.override_specs: dict[NormalizedName, list[RequirementSpec]] = {}
        for spec in overrides:
            name = spec.canonical_name
            if name is None:
                continue
            bucket = self.overrides.setdefault(name, [])
            if self._marker_holds(spec.marker, ""):
                self.override_specs.setdefault(name, []).append(spec)
                bucket.append(_Req(name, spec.extras, spec_range(spec.specifier), _written(name, spec.specifier)))
                self._pins.setdefault(name, set()).update(exact_pins(spec.specifier))
                if names_prerelease(spec.specifier):
                    self._explicit.add(name)

        # The user's requirements.
        self.url_pins: dict[NormalizedName, UrlPin] = {}
        self.root_specs: dict[NormalizedName, list[RequirementSpec]] = {}
        root_reqs: list[_Req] = []
        for spec in requirements:
            if not self._marker_holds(spec.marker, ""):
                continue
            name = spec.canonical_name
            if spec.is_direct or name is None:
                pin = url_pin(spec, build)
                name = pin.name
                known = self.url_pins.get(name)
                if known is not None and known.version != pin.version:
                    raise UsageError(
                        f"`{name}` is requested from two different URLs: {known.url} and {pin.url}"
                    )
                self.url_pins[name] = pin
                wanted = VersionRange.singleton(pin.version)
                written = f"{name} @ {pin.url}"
            else:
                wanted = spec_range(spec.specifier)
                written = _written(name, spec.specifier)
                self._pins.setdefault(name, set()).update(exact_pins(spec.specifier))
                if names_prerelease(spec.specifier):
                    self._explicit.add(name)
            self.root_specs.setdefault(name, []).append(spec)
            root_reqs.append(_Req(name, spec.extras, wanted, written))
        self.direct: frozenset[NormalizedName] = frozenset(self.root_specs)
        self.root_dependencies, self.root_conflicts = self._edges(root_reqs)

    # -- helpers -------------------------------------------------------------------

    def _marker_holds(self, marker: Marker | None, extra: str) -> bool:
        if marker is None:
            return True
        key = (str(marker), extra)
        cached = self._marker_cache.get(key)
        if cached is None:
            env = dict(self._env)
            env["extra"] = extra
            cached = self._marker_cache[key] = marker.evaluate(env)
        return cached

    def _requirement(self, requirement: Requirement) -> _Req:
        """``requirement`` reduced for the solver, memoised: consecutive versions of a
        package repeat the same requirements, and turning a specifier into a range
        costs far more than the key (made of the parts as written, since ``str()``
        of a requirement parses its versions again)."""
        key = (
            requirement.name,
            requirement.url,
            tuple(sorted(requirement.extras)),
            tuple(sorted((item.operator, item.version) for item in requirement.specifier)),
        )
        found = self._requirements.get(key)
        if found is None:
            found = self._requirements[key] = _from_requirement(requirement)
        return found

    def _python_fits(self, requires_python: SpecifierSet) -> bool:
        """Whether the target Python satisfies a Requires-Python (memoised by its parts)."""
        key = tuple(sorted((item.operator, item.version) for item in requires_python))
        fits = self._python_fit.get(key)
        if fits is None:
            fits = self._python_fit[key] = requires_python.contains(self.target.python_version, prereleases=True)
        return fits

    def _edges(self, requirements: Iterable[_Req]) -> tuple[dict[PackageKey, VersionRange], list[Conflict]]:
        """Dependencies on names and extras, after overrides and constraints.

        Several requirements on one package are intersected; the second item
        lists the packages whose requirements exclude each other.
        """
        out: dict[PackageKey, VersionRange] = {}
        written: dict[PackageKey, list[_Req]] = {}
        for requirement in requirements:
            replaced = self.overrides.get(requirement.name)
            for item in (requirement,) if replaced is None else replaced:
                wanted = item.range
                constraint = self.constraints.get(item.name)
                if constraint is not None:
                    wanted = wanted & constraint
                keys: list[PackageKey] = [Name(item.name)]
                keys.extend(Extra(item.name, extra) for extra in sorted(item.extras))
                for key in keys:
                    previous = out.get(key)
                    out[key] = wanted if previous is None else previous & wanted
                    written.setdefault(key, []).append(item)
        conflicts = [
            Conflict(
                key,
                tuple(item.text for item in written[key])
                + tuple(_written(key.name, c.specifier) for c in self.constraint_specs.get(key.name, ())),
            )
            for key, value in out.items()
            if value.is_empty and isinstance(key, Name)
        ]
        return out, conflicts

    def candidates(self, name: NormalizedName) -> Candidates:
        """The usable versions of a project (page fetched once; thread-safe)."""
        return self._candidates_memo.get(
            name, lambda: select_candidates(name, self.index.files(name), self.target, self.policy)
        )

    def known_candidates(self, name: NormalizedName) -> Candidates | None:
        """The candidates of ``name`` if they were already computed (never blocks)."""
        return self._candidates_memo.peek(name)

    def prerelease_mode(self, name: NormalizedName) -> str:
        """``allow``, ``disallow`` or ``if-necessary`` for this package."""
        mode = self.options.prerelease
        if mode == "if-necessary-or-explicit":
            return "if-necessary"
        if mode == "explicit":
            return "if-necessary" if name in self._explicit else "disallow"
        return mode

    def yank_allowed(self, name: NormalizedName, version: Version) -> bool:
        """A yanked version may be used when the user pinned it exactly."""
        pins = self._pins.get(name)
        return pins is not None and version in pins

    def preferred_over(self, name: NormalizedName, version: Version, other: Version) -> bool:
        """Whether ``version`` would be tried before ``other`` (strategy and preferences)."""
        preferred = self._preferences.get(name)
        if preferred is not None and (version == preferred or other == preferred):
            return version == preferred and other != preferred
        return version < other if self._lowest(name) else version > other

    def _lowest(self, name: NormalizedName) -> bool:
        strategy = self.options.resolution
        return strategy == "lowest" or (strategy == "lowest-direct" and name in self.direct)

    def _table(self, name: NormalizedName, candidates: Candidates) -> _VersionTable:
        """The sorted version lists of ``name`` (built once per package)."""
        table = self._tables.get(name)
        if table is None or table.candidates is not candidates:
            table = self._tables[name] = _VersionTable.of(candidates, self._pins.get(name, set()))
        return table

    def eligible(
        self, name: NormalizedName, candidates: Candidates, allowed: VersionRange, limit: int | None = None
    ) -> list[Version]:
        """The usable versions in ``allowed``, in the order they should be tried (the first ``limit``)."""
        ordered = self._ordered(name, self._table(name, candidates), allowed)
        return list(ordered if limit is None else islice(ordered, limit))

    def _ordered(self, name: NormalizedName, table: _VersionTable, allowed: VersionRange) -> Iterator[Version]:
        """The usable versions in ``allowed`` in try order, found lazily by bisection."""
        mode = self.prerelease_mode(name)
        lowest = self._lowest(name)
        found = version_index.runs(table.usable, allowed)
        if mode == "allow":
            base = table.walk(found, lowest, None)
        elif mode == "disallow":
            base = table.walk(found, lowest, False)
        else:  # if-necessary: pre-releases only when no final release is left
            base = table.walk(found, lowest, False)
            first = next(base, None)
            base = chain((first,), base) if first is not None else table.walk(found, lowest, True)
        preferred = self._preferences.get(name)
        if preferred is None or not allowed.contains(preferred):
            return base
        position = table.position(preferred)
        if position is None or table.skipped[position]:
            return base
        if table.prerelease[position]:
            if mode == "disallow":
                return base
            if mode != "allow" and next(table.walk(found, lowest, False), None) is not None:
                return base
        return chain((preferred,), (v for v in base if v != preferred))

    def _fallback(self, name: NormalizedName, candidates: Candidates, allowed: VersionRange) -> Version | None:
        """An unusable version in range (incompatible or yanked), to explain why it cannot be used."""
        mode = self.prerelease_mode(name)
        found: list[Version] = []
        for version in version_index.select(self._table(name, candidates).known, allowed):
            if version.is_prerelease and mode == "disallow":
                continue
            candidate = candidates.get(version)
            if candidate is None or candidate.yanked:
                found.append(version)
        if not found:
            return None
        stable = [v for v in found if not v.is_prerelease]
        pool = stable or found
        return pool[0] if self._lowest(name) else pool[-1]

    def unusable_reason(self, name: NormalizedName, version: Version) -> tuple[str, str | None] | None:
        """Why ``name==version`` cannot be used: (reason phrase, requires-python spec), or None."""
        if name in self.url_pins:
            return None
        candidates = self.candidates(name)
        candidate = candidates.get(version)
        if candidate is not None:
            if candidate.yanked and not self.yank_allowed(name, version):
                why = f" (reason: {candidate.yanked_reason})" if candidate.yanked_reason else ""
                return f"was yanked{why}", None
            return None
        incompatible = candidates.reason(version)
        if incompatible is None:
            return "is not available", None
        if incompatible.kind == "requires-python" and incompatible.requires_python:
            return incompatible.message, incompatible.requires_python
        return reason_phrase(incompatible.message), None

    # -- Provider ----------------------------------------------------------------------

    def choose_version(self, package: PackageKey, allowed: VersionRange) -> Version | None:
        if isinstance(package, Python):
            version = self.target.python_version
            return version if allowed.contains(version) else None
        if isinstance(package, Root):
            return ROOT_VERSION if allowed.contains(ROOT_VERSION) else None
        name = package.name
        pin = self.url_pins.get(name)
        if pin is not None:
            return pin.version if allowed.contains(pin.version) else None
        candidates = self.candidates(name)
        asked = self._asked.get(name, 0) + 1
        batching = asked > BACKTRACK_PREFETCH_AFTER and self._executor is not None
        ordered = self.eligible(name, candidates, allowed, 1 + self._window(asked) if batching else 1)
        if not ordered:
            return self._fallback(name, candidates, allowed)
        if self._chosen.get(name) == ordered[0]:
            return ordered[0]  # the same answer again (decided anew after a backjump): no rejection
        self._chosen[name] = ordered[0]
        self._asked[name] = asked
        if batching:
            self._prefetch_backtracking(name, candidates, ordered, asked)
        return ordered[0]

    def get_dependencies(self, package: PackageKey, version: Version) -> Dependencies[PackageKey]:
        if isinstance(package, Root):
            deps: Mapping[PackageKey, VersionRange] = self.root_dependencies
        elif isinstance(package, Python):
            deps = {}
        else:
            answer = self._dependencies(package, version)
            if isinstance(answer, UnavailableDependencies):
                return answer
            deps = answer
        self.dependencies_of[(package, version)] = deps
        return deps

    def _dependencies(
        self, package: Name | Extra, version: Version
    ) -> Mapping[PackageKey, VersionRange] | UnavailableDependencies:
        name = package.name
        base: dict[PackageKey, VersionRange] = {}
        if isinstance(package, Extra):
            base[Name(name)] = VersionRange.singleton(version)
        unusable = self.unusable_reason(name, version)
        if unusable is not None:
            if isinstance(package, Extra):
                return base  # the base package explains it
            reason, python_spec = unusable
            if python_spec is not None:
                try:
                    return {PYTHON: spec_range(SpecifierSet(python_spec))}
                except ValueError:
                    pass
            return UnavailableDependencies(reason)
        if self.options.no_deps:
            return base
        try:
            metadata = self.metadata(name, version)
        except MetadataError as error:
            return UnavailableDependencies(f"has invalid metadata ({error.message})")
        except BuildError as error:
            # Skip it, as an unusable version: the search may well reject it for
            # other reasons (older sdist-only releases met while backtracking).
            # ``resolve()`` raises this error if the answer could depend on it.
            self.unbuilt.setdefault(name, {}).setdefault(version, error)
            if isinstance(package, Extra):
                return base
            if self._build is not None:
                return UnavailableDependencies("has a source distribution that could not be built")
            return UnavailableDependencies("needs a source distribution built, which puv cannot do yet")
        requires_python = metadata.requires_python
        if requires_python is not None and not self._python_fits(requires_python):
            if isinstance(package, Extra):
                return base
            return {PYTHON: spec_range(requires_python)}
        if isinstance(package, Extra):
            extra = package.extra
            wanted = [
                r
                for r in metadata.requires_dist
                if r.marker is not None
                and self._marker_holds(r.marker, extra)
                and not self._marker_holds(r.marker, "")
            ]
        else:
            wanted = [r for r in metadata.requires_dist if self._marker_holds(r.marker, "")]
        edges, conflicts = self._edges(self._requirement(r) for r in wanted)
        if conflicts:
            return UnavailableDependencies(f"depends on {conflicts[0].phrase()}")
        if not edges:
            return base
        for key, value in base.items():
            previous = edges.get(key)
            edges[key] = value if previous is None else previous & value
        return edges

    def file_for(self, name: NormalizedName, version: Version) -> DistFile:
        """The file whose metadata describes ``name==version``."""
        pin = self.url_pins.get(name)
        if pin is not None:
            return pin.file
        candidate = self.candidates(name).get(version)
        if candidate is None:
            raise LookupError(f"{name}=={version} has no usable file")
        return candidate.best

    def metadata(self, name: NormalizedName, version: Version) -> CoreMetadata:
        """The core metadata of ``name==version`` (fetched once)."""
        pin = self.url_pins.get(name)
        if pin is not None and pin.metadata is not None:
            return pin.metadata
        file = self.file_for(name, version)
        build = self._build
        if build is not None and file.kind == "sdist":
            return self._sdist_memo.get(file.url, lambda: build.sdist_metadata(name, file))
        return self.index.metadata(name, file)

    # -- PriorityHints ---------------------------------------------------------------

    def hint(self, package: PackageKey, allowed: VersionRange) -> PackageHint:
        if isinstance(package, (Python, Root)):
            return PackageHint(exact=True, candidates=1)
        name = package.name
        if name in self.url_pins:
            return PackageHint(exact=True, candidates=1)
        exact = single_version(allowed) is not None
        known = self._candidates_memo.peek(name)
        if known is None:
            return PackageHint(exact=exact)
        return PackageHint(exact=exact, candidates=version_index.count(self._table(name, known).usable, allowed))

    # -- HintUpdates -------------------------------------------------------------------

    def updated_hints(self) -> Sequence[PackageKey]:
        """Packages whose page, fetched in a thread since the last call, shows no usable
        version in the range they were prefetched with: their hint changed (no candidate),
        and the solver decides them next, so a missing project fails the resolution as
        soon as its page arrives."""
        if not self._no_candidates:
            return ()
        with self._lock:
            found, self._no_candidates = self._no_candidates, []
        return found

    def _note_page(
        self, package: PackageKey, name: NormalizedName, candidates: Candidates, allowed: VersionRange
    ) -> None:
        """Report ``package`` to the solver (``updated_hints``) when ``allowed`` holds no usable version."""
        if version_index.count(self._table(name, candidates).usable, allowed) == 0:
            with self._lock:
                self._no_candidates.append(package)

    # -- VersionSpans ------------------------------------------------------------------

    def span(self, package: PackageKey, version: Version) -> VersionRange:
        """``version`` up to the next version seen on the index (from the one below for the
        ``lowest`` strategies): the solver's facts about neighbouring versions then merge
        into one interval. No version the provider may choose lies inside (those are all
        seen), and the gap lies on the side the search leaves behind.
        """
        if not isinstance(package, (Name, Extra)) or package.name in self.url_pins:
            return VersionRange.singleton(version)
        name = package.name
        known = self._candidates_memo.peek(name)
        if known is None:
            return VersionRange.singleton(version)
        versions = self._table(name, known).known
        at = bisect_left(versions, version)
        if at == len(versions) or versions[at] != version:
            return VersionRange.singleton(version)
        if self._lowest(name):
            below = versions[at - 1] if at else None
            return VersionRange.from_bounds(below, version, include_lower=False)
        above = versions[at + 1] if at + 1 < len(versions) else None
        return VersionRange.from_bounds(version, above, include_upper=False)

    # -- Prefetcher --------------------------------------------------------------------

    def prefetch(self, packages: Sequence[tuple[PackageKey, VersionRange]]) -> None:
        executor = self._executor
        if executor is None:
            return
        unknown: list[tuple[PackageKey, NormalizedName, VersionRange, frozenset[NormalizedName]]] = []
        for package, allowed in packages:
            if not isinstance(package, (Name, Extra)) or package.name in self.url_pins:
                continue
            name = package.name
            if self._asked.get(name, 0) > BACKTRACK_PREFETCH_AFTER:
                continue  # the backtracking batches of ``choose_version`` look further ahead
            extras = frozenset((package.extra,)) if isinstance(package, Extra) else frozenset()
            known = self._candidates_memo.peek(name)
            if known is None:  # the page first, in a thread
                unknown.append((package, name, allowed, extras))
                continue
            if self.options.no_deps:
                continue
            # The page is known: pick the version here (bisection is cheap) and
            # hand a thread only what was not followed before.
            ordered = self.eligible(name, known, allowed, 1)
            if not ordered or (name, ordered[0], extras) in self._followed:
                continue
            self._followed.add((name, ordered[0], extras))
            executor.submit(self._fetch_quietly, name, known, ordered[0], extras)
        if len(unknown) > self.options.max_workers:
            # More pages than threads (a long requirements file): every page before any
            # metadata, so that a project missing from the index, wherever it is listed,
            # is known (``updated_hints``) after one round of page fetches.
            for package, name, allowed, _ in unknown:
                executor.submit(self._fetch_page, package, name, allowed)
            for _, name, allowed, extras in unknown:
                executor.submit(self._prefetch_one, name, allowed, extras, None)
        else:
            for package, name, allowed, extras in unknown:
                executor.submit(self._prefetch_one, name, allowed, extras, package)

    def _fetch_page(self, package: PackageKey, name: NormalizedName, allowed: VersionRange) -> None:
        try:
            self._note_page(package, name, self.candidates(name), allowed)
        except Exception:  # the solver thread meets the same error and reports it
            return

    def _prefetch_one(
        self,
        name: NormalizedName,
        allowed: VersionRange,
        extras: frozenset[NormalizedName] = frozenset(),
        package: PackageKey | None = None,
    ) -> None:
        """The page of ``name``, then the metadata of the version likely chosen in ``allowed``
        (``package``: the key to report when nothing fits, see ``updated_hints``)."""
        try:
            candidates = self.candidates(name)
            if package is not None:
                self._note_page(package, name, candidates, allowed)
            if self.options.no_deps:
                return
            ordered = self.eligible(name, candidates, allowed, 1)
            if ordered:
                # An exact pin is the version the solver will ask about: its sdist is
                # worth building ahead (in parallel with other builds, up to the build
                # session's limit); other versions are only guesses, too dear to build.
                exact = single_version(allowed) is not None
                self._fetch_quietly(name, candidates, ordered[0], extras, build_sdist=exact)
        except Exception:  # the solver thread meets the same error and reports it
            return

    def _prefetch_backtracking(
        self, name: NormalizedName, candidates: Candidates, ordered: Sequence[Version], asked: int
    ) -> None:
        """The solver keeps rejecting versions of ``name``: fetch far ahead of it.

        ``ordered`` is what it may still try in the allowed range, best first. The
        window grows with the rejections; besides the rest of ``ordered`` it covers
        the versions after the chosen one in the whole range, which the solver
        reaches once another package's choice moves the allowed range on.
        """
        size = self._window(asked)
        window = list(ordered[1 : 1 + size])
        whole = self._whole_order.get(name)
        if whole is None:
            versions = self.eligible(name, candidates, _FULL)
            whole = self._whole_order[name] = (versions, {v: i for i, v in enumerate(versions)})
        position = whole[1].get(ordered[0])
        if position is not None:
            window.extend(whole[0][position + 1 : position + 1 + size])
        self._prefetch_batch(name, candidates, window)

    def _window(self, asked: int) -> int:
        """How many versions a backtracking batch fetches after ``asked`` questions about a package."""
        doublings = min(3, (asked - BACKTRACK_PREFETCH_AFTER - 1) // BACKTRACK_BATCH)
        return min(BACKTRACK_BATCH << doublings, max(BACKTRACK_BATCH, self.options.max_workers))

    def _prefetch_batch(self, name: NormalizedName, candidates: Candidates, versions: Sequence[Version]) -> None:
        executor = self._executor
        assert executor is not None
        if self.options.no_deps:
            return
        batched = self._batched.get(name)
        if batched is None:
            batched = self._batched[name] = set()
        for version in versions:
            if version in batched:
                continue
            batched.add(version)
            try:
                # Following their dependencies too finds the names that only
                # older versions need (and fetches their pages) ahead of the walk.
                executor.submit(self._fetch_quietly, name, candidates, version, frozenset())
            except RuntimeError:  # shut down: the resolution is over
                return

    def _fetch_quietly(
        self,
        name: NormalizedName,
        candidates: Candidates,
        version: Version,
        extras: frozenset[NormalizedName] | None = None,
        *,
        build_sdist: bool = False,
    ) -> None:
        candidate = candidates.get(version)
        if candidate is None:
            return
        if candidate.kind != "wheel" and not (build_sdist and self._build is not None):
            return
        try:
            if candidate.kind == "wheel":
                metadata = self.index.metadata(name, candidate.best)
            else:  # memoised: the solver's own ask later gets this build's answer
                metadata = self.metadata(name, version)
        except Exception:  # reported when the solver asks for it
            return
        if extras is not None:
            self._speculate(metadata, extras)

    def _speculate(self, metadata: CoreMetadata, extras: frozenset[NormalizedName]) -> None:
        """Prefetch the dependencies of a version the solver will likely pick, before it asks.

        The solver discovers a dependency only once it decides its dependent;
        following the newest versions ahead of it overlaps the page and
        metadata fetches of a whole dependency tree. Each (name, extras) is
        followed once; a wrong guess costs a request, never an answer.
        """
        executor = self._executor
        if executor is None:
            return
        wanted: list[tuple[NormalizedName, VersionRange, frozenset[NormalizedName]]] = []
        for requirement in metadata.requires_dist:
            marker = requirement.marker
            if marker is not None and not (
                self._marker_holds(marker, "") or any(self._marker_holds(marker, e) for e in extras)
            ):
                continue
            item = self._requirement(requirement)
            if item.name in self.url_pins:
                continue
            replaced = self.overrides.get(item.name)
            wanted_range = item.range if replaced is None else _FULL
            constraint = self.constraints.get(item.name)
            if constraint is not None:
                wanted_range = wanted_range & constraint
            wanted.append((item.name, wanted_range, item.extras))
        with self._lock:
            fresh = [w for w in wanted if (w[0], w[2]) not in self._speculated]
            self._speculated.update((w[0], w[2]) for w in fresh)
        for name, allowed, sub_extras in fresh:
            try:
                executor.submit(self._prefetch_one, name, allowed, sub_extras, Name(name))
            except RuntimeError:  # shut down: the resolution is over
                return


def _from_requirement(requirement: Requirement) -> _Req:
    name = canonicalize_name(requirement.name)
    extras = frozenset(canonicalize_name(e) for e in requirement.extras)
    if requirement.url:
        # A dependency given by URL: resolve it by name from the index (uv
        # requires the user to name such URLs; the version range stays open).
        return _Req(name, extras, _FULL, f"{name} @ {requirement.url}")
    return _Req(name, extras, spec_range(requirement.specifier), requirement.specifier)


def _written(name: str, specifier: SpecifierSet) -> str:
    """``name>=1,<2`` as an explanation prints a requirement (lower bounds first)."""
    parts = sorted(str(specifier).split(","), key=lambda p: 0 if p[:1] in (">", "=", "~") else 1)
    return name + ",".join(p for p in parts if p)


def reason_phrase(message: str) -> str:
    """An ``Incompatible`` message as a predicate after ``name==version``."""
    if message.startswith(("no ", "only ")):
        return f"has {message}"
    if message.startswith("uploaded"):
        return f"was {message}"
    if message.startswith(("has ", "requires ", "is ", "was ")):
        return message
    return f"is unusable ({message})"
