"""Explain a failed resolution in English, the way uv does.

:func:`explain` walks the derivation graph of the incompatibility carried by
``NoSolution`` and writes one sentence per derived incompatibility, following
the error-reporting algorithm of the PubGrub documentation: a linear chain
reads as "Because ..., we can conclude that ... And because ..., we can
conclude that ..."; conclusions that are needed again later get a line number
"(1)" and are referred to as "we know from (1) that ...".

Before writing, two simplifications make the text read like the user's world:

- version sets are collapsed against the versions that exist (supplied by
  the formatter): ``foo==1.0 | foo==1.1 | foo==1.2`` becomes ``foo<=1.2`` or
  "all versions of foo" (the ranges of dependencies are left as written);
- a "no versions" fact about versions that do not exist at all (typically
  local-version leftovers of an ``==`` pin) is folded into its sibling cause.

How package keys and ranges print is decided by a :class:`PackageFormatter`
(the layer above may print extras as ``foo[bar]``, or the root as "your
project"). This module is pure: it returns a string.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from packaging.ranges import VersionRange
from packaging.version import Version

from puv.domain.resolver.pubgrub.incompatibility import (
    Cause,
    Derived,
    FromDependencyOf,
    Incompatibility,
    NoVersions,
    RootCause,
    Unavailable,
)
from puv.domain.resolver.pubgrub.term import FULL_RANGE, Term

P = TypeVar("P", bound=Hashable)
P_contra = TypeVar("P_contra", bound=Hashable, contravariant=True)


class PackageFormatter(Protocol[P_contra]):
    """Decides how packages and ranges read in an explanation."""

    def name(self, package: P_contra) -> str:
        """The display name of a package key (e.g. ``foo[bar]``)."""
        ...

    def versions(self, package: P_contra) -> Sequence[Version] | None:
        """Every version that exists for the package, or ``None`` if unknown."""
        ...

    def specifiers(self, value: VersionRange) -> list[str]:
        """The range as alternatives of specifier text (``[""]`` for any version)."""
        ...

    def root_name(self) -> str:
        """What the root is called as a subject ("your requirements")."""
        ...

    def root_requires(self) -> str:
        """How the root's dependencies are introduced ("you require")."""
        ...


def _identity_name(package: object) -> str:
    return str(package)


@dataclass(frozen=True, slots=True)
class DefaultFormatter(Generic[P]):
    """A formatter driven by data: a naming function and known versions."""

    known_versions: Mapping[P, Sequence[Version]] = field(default_factory=dict)
    namer: Callable[[P], str] = _identity_name
    root_subject: str = "your requirements"
    root_verb: str = "you require"

    def name(self, package: P) -> str:
        """See :meth:`PackageFormatter.name`."""
        return self.namer(package)

    def versions(self, package: P) -> Sequence[Version] | None:
        """See :meth:`PackageFormatter.versions`."""
        return self.known_versions.get(package)

    def specifiers(self, value: VersionRange) -> list[str]:
        """See :meth:`PackageFormatter.specifiers`."""
        return spell_range(value)

    def root_name(self) -> str:
        """See :meth:`PackageFormatter.root_name`."""
        return self.root_subject

    def root_requires(self) -> str:
        """See :meth:`PackageFormatter.root_requires`."""
        return self.root_verb


# -- spelling ranges -----------------------------------------------------------


def _lower_order(spec: str) -> int:
    return 0 if spec[:1] in (">", "=", "~") else 1


def _intervals(value: VersionRange) -> list[tuple[Any, bool, Any, bool]]:
    """The (lower, inclusive, upper, inclusive) intervals of a range.

    ``VersionRange`` has no public accessor for its intervals; this reads the
    canonical bounds it keeps (packaging 26.4). Bound versions may be
    ``Version``, a boundary object with a ``.version`` attribute, or ``None``.
    """
    bounds = getattr(value, "_bounds", ())
    return [(lo.version, lo.inclusive, hi.version, hi.inclusive) for lo, hi in bounds]


def _plain(point: Any) -> Version:
    if isinstance(point, Version):
        return point
    inner: Version = point.version
    return inner


def single_version(value: VersionRange) -> Version | None:
    """The one version a range pins (``==V``, with or without locals), if it does."""
    intervals = _intervals(value)
    if len(intervals) != 1:
        return None
    lower, lower_inclusive, upper, upper_inclusive = intervals[0]
    if not isinstance(lower, Version) or not lower_inclusive or upper is None:
        return None
    if isinstance(upper, Version):
        return lower if upper_inclusive and upper == lower else None
    return lower if upper_inclusive and _plain(upper) == lower else None


def _spell_interval(lower: Any, lower_inclusive: bool, upper: Any, upper_inclusive: bool) -> str:
    if isinstance(lower, Version) and lower_inclusive and upper is not None:
        if _plain(upper) == lower and upper_inclusive:
            return f"=={lower}"
    parts: list[str] = []
    if lower is not None:
        if isinstance(lower, Version):
            parts.append(f"{'>=' if lower_inclusive else '>'}{lower}")
        else:
            parts.append(f">{_plain(lower)}")
    if upper is not None:
        if isinstance(upper, Version):
            if upper_inclusive:
                parts.append(f"<={upper}")
            else:
                text = str(upper)
                if upper.dev == 0 and upper.pre is None and upper.post is None:
                    text = text[: -len(".dev0")]
                parts.append(f"<{text}")
        else:
            parts.append(f"<={_plain(upper)}")
    return ",".join(parts)


def spell_range(value: VersionRange) -> list[str]:
    """Spell a range as specifier alternatives: ``[">=1.0,<2.0"]``, ``["<1", ">=2"]``.

    ``[""]`` means every version; ``[]`` means no version.
    """
    if value.is_empty:
        return []
    spec = value.to_specifier_set()
    if spec is not None:
        pieces = sorted(str(spec).split(","), key=_lower_order) if str(spec) else [""]
        return [",".join(pieces)]
    return [_spell_interval(*interval) for interval in _intervals(value)]


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    start = -1
    for position, flag in enumerate(flags):
        if flag and start < 0:
            start = position
        elif not flag and start >= 0:
            runs.append((start, position - 1))
            start = -1
    if start >= 0:
        runs.append((start, len(flags) - 1))
    return runs


def _join(parts: Sequence[str], word: str = "and") -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {word} {parts[-1]}"


# -- the reporter --------------------------------------------------------------


class _Reporter(Generic[P]):
    """Writes the lines for one derivation graph (private; see :func:`explain`)."""

    def __init__(self, root: P, formatter: PackageFormatter[P]) -> None:
        self.root = root
        self.fmt = formatter
        self.lines: list[tuple[str, int | None]] = []
        self.numbers: dict[int, int] = {}
        self.parents: dict[int, int] = {}
        self.next_number = 1
        self._collapsed: dict[int, Incompatibility[P]] = {}

    # phrases ----------------------------------------------------------------

    def _known(self, package: P) -> list[Version] | None:
        known = self.fmt.versions(package)
        return None if known is None else sorted(set(known))

    def compat(self, package: P, value: VersionRange) -> tuple[str, bool]:
        """A set of versions of ``package`` as a subject; second item: plural."""
        if package == self.root:
            return self.fmt.root_name(), True
        name = self.fmt.name(package)
        known = self._known(package)
        if known:
            runs = _runs([value.contains(v) for v in known])
            if runs:
                last = len(known) - 1
                pieces: list[str] = []
                for start, stop in runs:
                    if start == stop:
                        pieces.append(f"{name}=={known[start]}")
                    elif start == 0 and stop == last:
                        return f"all versions of {name}", True
                    elif start == 0:
                        pieces.append(f"{name}<={known[stop]}")
                    elif stop == last:
                        pieces.append(f"{name}>={known[start]}")
                    else:
                        pieces.append(f"{name}>={known[start]},<={known[stop]}")
                return _join(pieces), len(pieces) > 1
        spelled = self.fmt.specifiers(value)
        if spelled == [""]:
            return f"all versions of {name}", True
        if not spelled:
            return f"{name} ∅", False
        return _join([f"{name}{s}" for s in spelled]), len(spelled) > 1

    def dependency(self, package: P, value: VersionRange) -> str:
        """A requirement on ``package`` as written ("bar>=2", "bar")."""
        if package == self.root:
            return self.fmt.root_name()
        name = self.fmt.name(package)
        spelled = self.fmt.specifiers(value)
        if not spelled:
            return f"{name} ∅"
        return _join([f"{name}{s}" for s in spelled], "or")

    def available(self, package: P, missing: VersionRange) -> str:
        """Text for "no version of ``package`` in ``missing``"."""
        name = self.fmt.name(package)
        if missing == FULL_RANGE or self.fmt.specifiers(missing) == [""]:
            return f"there are no versions of {name}"
        known = self._known(package)
        if not known or single_version(missing) is not None:
            return f"there is no version of {self.dependency(package, missing)}"
        runs = _runs([not missing.contains(v) for v in known])
        if not runs:
            return f"there is no version of {self.dependency(package, missing)}"
        last = len(known) - 1
        pieces: list[str] = []
        for start, stop in runs:
            if start == stop:
                pieces.append(f"{name}=={known[start]}")
            elif start == 0 and stop == last:
                above = VersionRange.from_bounds(known[last], None, include_lower=False)
                if missing.is_disjoint(above):
                    pieces.append(f"{name}>={known[start]}")
                else:
                    pieces.append(f"{name}<={known[stop]}")
            elif start == 0:
                pieces.append(f"{name}<={known[stop]}")
            elif stop == last:
                pieces.append(f"{name}>={known[start]}")
            else:
                pieces.append(f"{name}>={known[start]},<={known[stop]}")
        verb = "is" if len(pieces) == 1 else "are"
        return f"only {_join(pieces)} {verb} available"

    def depends(self, depender: P, depender_range: VersionRange, targets: list[str]) -> str:
        if depender == self.root:
            return f"{self.fmt.root_requires()} {_join(targets)}"
        subject, plural = self.compat(depender, depender_range)
        return f"{subject} {'depend' if plural else 'depends'} on {_join(targets)}"

    def external(self, cause: Cause[P]) -> str:
        if isinstance(cause, FromDependencyOf):
            target = self.dependency(cause.dependee, cause.dependee_range)
            return self.depends(cause.depender, cause.depender_range, [target])
        if isinstance(cause, NoVersions):
            return self.available(cause.package, cause.range)
        if isinstance(cause, Unavailable):
            if cause.package == self.root:
                return f"{self.fmt.root_name()} cannot be used ({cause.reason})"
            subject, plural = self.compat(cause.package, cause.range)
            return f"{subject} {_plural_predicate(cause.reason) if plural else cause.reason}"
        if isinstance(cause, RootCause):
            return f"we are solving dependencies of {self.fmt.root_name()}"
        raise TypeError(f"not an external cause: {cause!r}")

    def both_external(self, first: Cause[P], second: Cause[P]) -> str:
        if (
            isinstance(first, FromDependencyOf)
            and isinstance(second, FromDependencyOf)
            and first.depender == second.depender
        ):
            targets = [
                self.dependency(first.dependee, first.dependee_range),
                self.dependency(second.dependee, second.dependee_range),
            ]
            return self.depends(first.depender, first.depender_range, targets)
        return f"{self.external(first)} and {self.external(second)}"

    def terms(self, incompatibility: Incompatibility[P]) -> str:
        root = self.root
        items = sorted(
            incompatibility.terms.items(),
            key=lambda item: (item[0] != root, self.fmt.name(item[0]) if item[0] != root else ""),
        )
        if not items:
            return f"{self.fmt.root_name()} are unsatisfiable"
        if len(items) == 1:
            package, term = items[0]
            if package == root:
                return f"{self.fmt.root_name()} are unsatisfiable"
            subject, _ = self.compat(package, term.range)
            return f"{subject} {'cannot' if term.positive else 'must'} be used"
        if len(items) == 2 and items[0][1].positive != items[1][1].positive:
            (pos_package, pos_term), (neg_package, neg_term) = (
                items if items[0][1].positive else (items[1], items[0])
            )
            target = self.dependency(neg_package, neg_term.range)
            return self.depends(pos_package, pos_term.range, [target])
        parts = [self._term(package, term) for package, term in items]
        return f"{_join(parts)} are incompatible"

    def _term(self, package: P, term: Term) -> str:
        if term.positive:
            return self.compat(package, term.range)[0]
        pinned = single_version(term.range)
        if pinned is not None:
            return f"{self.fmt.name(package)}!={pinned}"
        return self.compat(package, ~term.range)[0]

    # tree preparation -----------------------------------------------------------

    def _phantom(self, cause: Cause[P]) -> NoVersions[P] | None:
        """A NoVersions cause covering only versions that do not exist."""
        if not isinstance(cause, NoVersions) or cause.package == self.root:
            return None
        known = self._known(cause.package)
        if known is None or any(cause.range.contains(v) for v in known):
            return None
        return cause

    def _fold(
        self, node: Incompatibility[P], missing: NoVersions[P]
    ) -> Incompatibility[P] | None:
        """``node`` widened by versions that do not exist, when that reads the same."""
        package, extra = missing.package, missing.range
        cause = node.cause
        term = node.terms.get(package)
        if term is None or not term.positive:
            return None
        terms = dict(node.terms)
        terms[package] = Term(True, term.range | extra)
        widened: Cause[P]
        if isinstance(cause, FromDependencyOf):
            if cause.depender != package:
                return None
            widened = FromDependencyOf(
                package, cause.depender_range | extra, cause.dependee, cause.dependee_range
            )
        elif isinstance(cause, NoVersions):
            widened = NoVersions(package, cause.range | extra)
        elif isinstance(cause, Unavailable):
            widened = Unavailable(package, cause.range | extra, cause.reason)
        elif isinstance(cause, Derived):
            widened = cause
        else:
            return None
        return Incompatibility(terms, widened)

    def collapse(self, node: Incompatibility[P]) -> Incompatibility[P]:
        """Fold phantom "no versions" facts into their siblings (memoised)."""
        done = self._collapsed.get(id(node))
        if done is not None:
            return done
        result = node
        cause = node.cause
        if isinstance(cause, Derived):
            first = self.collapse(cause.cause1)
            second = self.collapse(cause.cause2)
            folded: Incompatibility[P] | None = None
            for this, other in ((first, second), (second, first)):
                missing = self._phantom(other.cause)
                if missing is not None and not isinstance(this.cause, NoVersions):
                    folded = self._fold(this, missing)
                    if folded is not None:
                        break
            if folded is not None:
                result = folded
            elif first is not cause.cause1 or second is not cause.cause2:
                result = Incompatibility(node.terms, Derived(first, second))
        self._collapsed[id(node)] = result
        return result

    def count_parents(self, top: Incompatibility[P]) -> None:
        seen: set[int] = set()
        stack = [top]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            cause = node.cause
            if isinstance(cause, Derived):
                for child in (cause.cause1, cause.cause2):
                    if isinstance(child.cause, Derived):
                        self.parents[id(child)] = self.parents.get(id(child), 0) + 1
                        stack.append(child)

    # writing -------------------------------------------------------------------

    def write(self, text: str) -> None:
        self.lines.append((text, None))

    def number_last(self, node: Incompatibility[P]) -> int:
        """Give the last line a number (if it has none) and bind it to ``node``."""
        text, number = self.lines[-1]
        if number is None:
            number = self.next_number
            self.next_number += 1
            self.lines[-1] = (text, number)
        self.numbers[id(node)] = number
        return number

    def build(self, node: Incompatibility[P]) -> None:
        cause = node.cause
        assert isinstance(cause, Derived)
        first, second = cause.cause1, cause.cause2
        conclusion = self.terms(node)
        first_derived = isinstance(first.cause, Derived)
        second_derived = isinstance(second.cause, Derived)
        if first_derived and second_derived:
            n1, n2 = self.numbers.get(id(first)), self.numbers.get(id(second))
            if n1 is not None and n2 is not None:
                self.write(
                    f"Because we know from ({n1}) that {self.terms(first)} and we know from "
                    f"({n2}) that {self.terms(second)}, we can conclude that {conclusion}."
                )
            elif n1 is not None or n2 is not None:
                known, fresh = (first, second) if n1 is not None else (second, first)
                self.build(fresh)
                self.write(
                    f"And because we know from ({self.numbers[id(known)]}) that "
                    f"{self.terms(known)}, we can conclude that {conclusion}."
                )
            else:
                self.build(first)
                number = self.number_last(first)
                self.lines.append(("", None))
                self.build(second)
                self.write(
                    f"And because we know from ({number}) that {self.terms(first)}, "
                    f"we can conclude that {conclusion}."
                )
        elif first_derived or second_derived:
            derived, external = (first, second) if first_derived else (second, first)
            known_number = self.numbers.get(id(derived))
            inner = derived.cause
            assert isinstance(inner, Derived)
            if known_number is not None:
                self.write(
                    f"Because we know from ({known_number}) that {self.terms(derived)} and "
                    f"{self.external(external.cause)}, we can conclude that {conclusion}."
                )
            else:
                prior: tuple[Incompatibility[P], Incompatibility[P]] | None = None
                a, b = inner.cause1, inner.cause2
                if self.parents.get(id(derived), 0) < 2:
                    if isinstance(a.cause, Derived) and not isinstance(b.cause, Derived):
                        prior = (a, b)
                    elif isinstance(b.cause, Derived) and not isinstance(a.cause, Derived):
                        prior = (b, a)
                if prior is not None and id(prior[0]) not in self.numbers:
                    self.build(prior[0])
                    self.write(
                        f"And because {self.both_external(prior[1].cause, external.cause)}, "
                        f"we can conclude that {conclusion}."
                    )
                else:
                    self.build(derived)
                    self.write(
                        f"And because {self.external(external.cause)}, "
                        f"we can conclude that {conclusion}."
                    )
        else:
            self.write(
                f"Because {self.both_external(first.cause, second.cause)}, "
                f"we can conclude that {conclusion}."
            )
        if self.parents.get(id(node), 0) >= 2 and id(node) not in self.numbers:
            self.number_last(node)

    def render(self, top: Incompatibility[P]) -> str:
        top = self.collapse(top)
        if not isinstance(top.cause, Derived):
            return f"Because {self.external(top.cause)}, we can conclude that {self.terms(top)}."
        self.count_parents(top)
        self.build(top)
        return "\n".join(
            text if number is None else f"{text} ({number})" for text, number in self.lines
        )


def explain(
    incompatibility: Incompatibility[P],
    *,
    root: P,
    formatter: PackageFormatter[P] | None = None,
) -> str:
    """The English explanation of why ``incompatibility`` (from NoSolution) holds."""
    chosen: PackageFormatter[P] = formatter if formatter is not None else DefaultFormatter()
    return _Reporter(root, chosen).render(incompatibility)


# A reason is written for one version ("has invalid metadata"); several versions take
# the plural verb ("all versions of foo have invalid metadata").
_PLURAL_VERBS = {"has": "have", "is": "are", "was": "were", "requires": "require", "needs": "need",
                 "depends": "depend", "does": "do"}


def _plural_predicate(reason: str) -> str:
    verb, space, rest = reason.partition(" ")
    plural = _PLURAL_VERBS.get(verb)
    return f"{plural}{space}{rest}" if plural is not None else reason
