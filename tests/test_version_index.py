"""Bisection over sorted versions (puv.domain.resolver.version_index) agrees with ``contains``.

Seeded random ranges (specifier sets and the set algebra the solver does on
them) over versions with pre-, post-, dev- and local parts: the versions found
by bisection are exactly those ``VersionRange.contains`` admits.
"""

from __future__ import annotations

import random

import pytest
from packaging.ranges import VersionRange
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from puv.domain.resolver import version_index
from puv.domain.resolver.pubgrub import normalize_range

_SUFFIXES = ("", ".0", "a1", "b2", "rc1", ".post1", ".dev0", ".post0.dev1", "a1.dev0", "+local", "+cpu.1")
VERSIONS = sorted({Version(f"{a}.{b}{s}") for a in range(4) for b in range(4) for s in _SUFFIXES} | {Version("1!0.5")})


def _specifier(rng: random.Random) -> str:
    parts: list[str] = []
    for _ in range(rng.randint(0, 3)):
        version = rng.choice(VERSIONS)
        operator = rng.choice(("==", "!=", ">=", "<=", ">", "<", "~=", "==*", "!=*"))
        if operator.endswith("*"):
            parts.append(f"{operator[:-1]}{'.'.join(version.base_version.split('.')[:2])}.*")
        elif operator == "~=":
            parts.append(f"~={version.base_version}")
        elif operator in ("==", "!="):
            parts.append(f"{operator}{version}")
        else:
            parts.append(f"{operator}{version.public}")
    return ",".join(parts)


def _random_range(rng: random.Random) -> VersionRange:
    value = normalize_range(SpecifierSet(_specifier(rng)).to_range())
    for _ in range(rng.randint(0, 3)):
        other = normalize_range(SpecifierSet(_specifier(rng)).to_range())
        point = VersionRange.singleton(rng.choice(VERSIONS))
        span = VersionRange.from_bounds(rng.choice(VERSIONS), rng.choice(VERSIONS), include_upper=False)
        value = rng.choice((value & other, value | other, value - other, ~value, value | point, value - span))
        value = normalize_range(value)
    return value


@pytest.mark.parametrize("seed", range(40))
def test_bisection_matches_contains(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        value = _random_range(rng)
        expected = [v for v in VERSIONS if value.contains(v)]
        runs = version_index.runs(VERSIONS, value)
        assert version_index.select(VERSIONS, value) == expected, value
        assert version_index.count(VERSIONS, value) == len(expected)
        assert all(start < stop for start, stop in runs)
        assert all(a[1] <= b[0] for a, b in zip(runs, runs[1:])), runs  # ascending, disjoint


def test_ranges_with_literals_or_a_policy_are_scanned() -> None:
    # ``===`` admits a string and ``prereleases=False`` drops pre-releases: bisection
    # on the bounds alone would be wrong, so these take the ``contains`` path.
    literal = SpecifierSet("===1.0").to_range()
    assert version_index.select([Version("0.9"), Version("1.0"), Version("1.1")], literal) == [Version("1.0")]
    finals = SpecifierSet(">=1.0", prereleases=False).to_range()
    versions = [Version("1.0"), Version("1.1a1"), Version("1.1")]
    assert version_index.select(versions, finals) == [Version("1.0"), Version("1.1")]


def test_empty_inputs() -> None:
    assert version_index.runs([], SpecifierSet(">=1").to_range()) == []
    assert version_index.count(VERSIONS, VersionRange.empty()) == 0
    assert version_index.select(VERSIONS, normalize_range(SpecifierSet("").to_range())) == VERSIONS
