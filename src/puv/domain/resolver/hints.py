"""Explanations and hints for a failed resolution.

:func:`no_solution_error` turns the solver's ``NoSolution`` into a
:class:`NoSolutionError`: the message uv prints ("No solution found when
resolving dependencies:"), the derivation in uv's words as its cause (from
``pubgrub.explain`` with a formatter that prints ``foo[bar]`` and ``Python``),
and hints found by walking the facts the proof rests on:

- a package that no index has (with the indexes that were asked, credentials
  redacted);
- pre-releases that exist in a requested range but were not allowed;
- versions whose Requires-Python excludes the target (which needs which);
- yanked versions (with the reason the index gave);
- versions with no usable file (no wheel for the platform, building disabled).

Pure apart from reading what the provider already learned (no new requests).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from packaging.ranges import VersionRange
from packaging.utils import NormalizedName
from packaging.version import Version

from puv.domain.index.candidates import Candidates
from puv.domain.resolver.packages import ROOT, Extra, Name, PackageKey, Python, display
from puv.domain.resolver.provider import PythonProvider
from puv.domain.resolver.pubgrub import (
    Derived,
    FromDependencyOf,
    Incompatibility,
    NoSolution,
    NoVersions,
    Unavailable,
    explain,
)
from puv.domain.resolver.pubgrub.report import spell_range
from puv.errors import ResolutionError
from puv.io.http import redact

MESSAGE = "No solution found when resolving dependencies:"
#: How many versions a hint lists before "...".
_LIST_LIMIT = 3


class NoSolutionError(ResolutionError):
    """No set of versions satisfies the requirements.

    ``explanation`` is the multi-line derivation (also the only entry of
    ``causes``); ``hints`` say what to try.
    """

    def __init__(self, explanation: str, hints: Sequence[str] = ()) -> None:
        super().__init__(MESSAGE, causes=(explanation,), hints=hints)
        self.explanation = explanation


class Formatter:
    """How packages and ranges read in an explanation (``pubgrub.PackageFormatter``)."""

    def __init__(self, provider: PythonProvider) -> None:
        self._provider = provider

    def name(self, package: PackageKey) -> str:
        return display(package)

    def versions(self, package: PackageKey) -> Sequence[Version] | None:
        if isinstance(package, Python):
            return [self._provider.target.python_version]
        if isinstance(package, (Name, Extra)):
            pin = self._provider.url_pins.get(package.name)
            if pin is not None:
                return [pin.version]
            known = self._provider.known_candidates(package.name)
            if known is not None:
                return known.all_versions()
        return None

    def specifiers(self, value: VersionRange) -> list[str]:
        return spell_range(value)

    def root_name(self) -> str:
        return "your requirements"

    def root_requires(self) -> str:
        return "you require"


def explanation_text(failure: NoSolution, provider: PythonProvider) -> str:
    """The derivation of ``failure`` in uv's words."""
    text = explain(failure.incompatibility, root=ROOT, formatter=Formatter(provider))
    python = provider.target.python_version
    for phrase in (f"only Python=={python} is available", f"there is no version of Python=={python}"):
        text = text.replace(phrase, f"the current Python version is {python}")
    return text


def no_solution_error(failure: NoSolution, provider: PythonProvider) -> NoSolutionError:
    """The user-facing error for a failed resolution."""
    return NoSolutionError(explanation_text(failure, provider), failure_hints(failure.incompatibility, provider))


def _externals(top: Incompatibility[PackageKey]) -> Iterator[Incompatibility[PackageKey]]:
    seen: set[int] = set()
    stack = [top]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        cause = node.cause
        if isinstance(cause, Derived):
            stack.append(cause.cause2)
            stack.append(cause.cause1)
        else:
            yield node


def _subject(name: str, versions: Sequence[Version], singular: str, plural: str) -> str:
    """```a==1.0` requires`` / ```a` 1.0, 1.1 require`` / ```a` requires``."""
    if len(versions) == 1:
        return f"`{name}=={versions[0]}` {singular}"
    if versions:
        return f"`{name}` {_listed(versions)} {plural}"
    return f"`{name}` {singular}"


def _listed(versions: Sequence[Version]) -> str:
    shown = ", ".join(str(v) for v in versions[:_LIST_LIMIT])
    return shown + (", ..." if len(versions) > _LIST_LIMIT else "")


def failure_hints(top: Incompatibility[PackageKey], provider: PythonProvider) -> list[str]:
    """Hints for the facts a failure rests on, in the order they appear, without repeats."""
    hints: dict[str, None] = {}
    python = provider.target.python_version
    for node in _externals(top):
        cause = node.cause
        if isinstance(cause, NoVersions) and isinstance(cause.package, (Name, Extra)):
            for hint in _range_hints(cause.package.name, cause.range, provider):
                hints.setdefault(hint, None)
        elif isinstance(cause, Unavailable) and isinstance(cause.package, (Name, Extra)):
            for hint in _range_hints(cause.package.name, cause.range, provider):
                hints.setdefault(hint, None)
        elif isinstance(cause, FromDependencyOf) and isinstance(cause.dependee, Python):
            depender = cause.depender
            if isinstance(depender, (Name, Extra)):
                known = provider.known_candidates(depender.name)
                versions = (
                    [v for v in known.all_versions() if cause.depender_range.contains(v)]
                    if known is not None
                    else []
                )
                needed = " or ".join(spell_range(cause.dependee_range))
                hints.setdefault(
                    f"{_subject(depender.name, versions, 'requires', 'require')} Python {needed}, "
                    f"but the target Python version is {python}",
                    None,
                )
    return list(hints)


def _range_hints(name: NormalizedName, wanted: VersionRange, provider: PythonProvider) -> list[str]:
    if name in provider.url_pins:
        return []
    candidates = provider.known_candidates(name)
    if candidates is None:
        return []
    if not candidates.versions and not candidates.incompatible:
        return [_not_found(name, provider, candidates)]
    found: list[str] = []
    in_range = [v for v in candidates.all_versions() if wanted.contains(v)]
    usable = [v for v in in_range if candidates.get(v) is not None]
    mode = provider.prerelease_mode(name)
    pre = [v for v in usable if v.is_prerelease]
    if pre and mode == "disallow" and not [v for v in usable if not v.is_prerelease]:
        flag = "--prerelease=allow"
        found.append(
            f"pre-releases of `{name}` exist in the requested range ({_listed(pre)}), but "
            f"pre-releases were not allowed (try: `{flag}`)"
        )
    yanked = [v for v in usable if _yanked(candidates, v) and not provider.yank_allowed(name, v)]
    for version in yanked[:_LIST_LIMIT]:
        reason = candidates.candidates[version].yanked_reason
        suffix = f" (reason: {reason})" if reason else ""
        found.append(
            f"`{name}=={version}` was yanked{suffix}; pin it with `{name}=={version}` to use it anyway"
        )
    by_message: dict[tuple[str, tuple[str, str]], list[Version]] = {}
    no_binary = False
    for version in in_range:
        incompatible = candidates.reason(version)
        if incompatible is None:
            continue
        if incompatible.kind == "requires-python":
            message = (
                f"Python {incompatible.requires_python}, but the target Python version "
                f"is {provider.target.python_version}"
            )
            verbs = ("requires", "require")
        elif incompatible.kind in ("no-build", "only-binary") and not (
            incompatible.wheel_platforms and incompatible.wheel_platforms != ("any",)
        ):
            flag = "--no-build" if incompatible.kind == "no-build" else f"`{name}` (or `:all:`) from --only-binary"
            message = f"to be built from its source distribution (drop {flag} to build it)"
            verbs = ("needs", "need")
        elif incompatible.kind == "no-binary":
            no_binary = True  # one hint for the package, whichever versions it hits
            continue
        elif incompatible.wheel_platforms and incompatible.wheel_platforms != ("any",):
            message = f"wheels only for: {', '.join(incompatible.wheel_platforms)}"
            verbs = ("has", "have")
        else:
            continue
        by_message.setdefault((message, verbs), []).append(version)
    for (message, verbs), versions in by_message.items():
        found.append(f"{_subject(name, versions, *verbs)} {message}")
    if no_binary:
        found.append(
            f"`{name}` has only wheels, which --no-binary forbids: drop `{name}` (or `:all:`) "
            "from --no-binary to use them"
        )
    return found


def _yanked(candidates: Candidates, version: Version) -> bool:
    candidate = candidates.get(version)
    return candidate is not None and candidate.yanked


def _not_found(name: NormalizedName, provider: PythonProvider, candidates: Candidates) -> str:
    try:
        missing = provider.index.indexes_without(name)
    except Exception:  # noqa: BLE001 - a hint must never fail the report
        missing = []
    if missing:
        asked = ", ".join(redact(url) for url in missing)
        return f"`{name}` was not found in the package index (asked: {asked})"
    sources = provider.index.sources
    if not sources.indexes and not sources.find_links:
        return f"`{name}` was not found: no index or --find-links location was given"
    if not sources.indexes:
        return f"`{name}` was not found in the --find-links locations (no index is used: --no-index)"
    return f"`{name}` was not found in the package index or the --find-links locations"
