"""Hash specifications: ``--hash=sha256:<hex>`` options and ``#sha256=<hex>`` fragments.

Two spellings name the same thing, a digest of a distribution file:

* pip's ``--hash`` option (requirements files, the command line): ``algo:hex``.
  Only *strong* algorithms are accepted there: sha256, sha384 and sha512.
  md5 and sha1 are refused with an error, as pip does; a hash the user writes
  down is a security promise, and a weak one would be a false one.
* PEP 503 URL fragments and PEP 691 ``hashes`` dicts on index pages: ``algo=hex``
  and ``{"algo": "hex"}``. Here the weak algorithms (md5, sha1) and sha224 are
  *accepted and kept*: old indexes only publish md5, and the downloader may
  still check it to catch a corrupt transfer. A weak hash never satisfies
  ``--require-hashes``; use :func:`is_strong` / :func:`strongest`.
  Fragments naming something that is not a hash algorithm (``#egg=foo``) are
  not hashes and are ignored by the callers.

Hex digests are compared case-insensitively: every value is stored lowercase.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from puv.errors import InvalidHash

#: Algorithms allowed in ``--hash`` (pip and uv agree on these), strongest last.
STRONG_ALGORITHMS: tuple[str, ...] = ("sha256", "sha384", "sha512")

#: Every algorithm understood from index pages, with its hex digest length.
DIGEST_HEX_LENGTHS: dict[str, int] = {
    "md5": 32,
    "sha1": 40,
    "sha224": 56,
    "sha256": 64,
    "sha384": 96,
    "sha512": 128,
}

# Preference order when choosing among several digests of one file.
_RANK: dict[str, int] = {"md5": 0, "sha1": 1, "sha224": 2, "sha256": 3, "sha384": 4, "sha512": 5}

_HEX = frozenset("0123456789abcdef")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class HashDigest:
    """One digest of a file: an algorithm name and a lowercase hex digest."""

    algorithm: str
    hexdigest: str

    def __post_init__(self) -> None:
        # Normalise so that equality and hashing ignore case.
        if not self.algorithm.islower():
            object.__setattr__(self, "algorithm", self.algorithm.lower())
        if not self.hexdigest.islower() and not self.hexdigest.isdigit():
            object.__setattr__(self, "hexdigest", self.hexdigest.lower())

    @property
    def is_strong(self) -> bool:
        """True for sha256/sha384/sha512."""
        return self.algorithm in STRONG_ALGORITHMS

    def as_option(self) -> str:
        """The ``--hash`` spelling: ``sha256:abcd...``."""
        return f"{self.algorithm}:{self.hexdigest}"

    def as_fragment(self) -> str:
        """The URL fragment spelling: ``sha256=abcd...``."""
        return f"{self.algorithm}={self.hexdigest}"

    def __str__(self) -> str:
        return self.as_option()


def is_strong(algorithm: str) -> bool:
    """True when ``algorithm`` may be used for ``--hash`` / ``--require-hashes``."""
    return algorithm.lower() in STRONG_ALGORITHMS


def check_hex(algorithm: str, hexdigest: str) -> str | None:
    """Return a reason why ``hexdigest`` is not a valid ``algorithm`` digest, or None.

    ``algorithm`` must already be lowercase and one of :data:`DIGEST_HEX_LENGTHS`.
    """
    expected = DIGEST_HEX_LENGTHS[algorithm]
    if len(hexdigest) != expected:
        return f"a {algorithm} digest has {expected} hex digits, got {len(hexdigest)}"
    if not _HEX.issuperset(hexdigest.lower()):
        return "the digest is not hexadecimal"
    return None


def parse_hash_option(text: str) -> HashDigest:
    """Parse pip's ``--hash`` value ``<algorithm>:<hex>`` (strong algorithms only)."""
    value = text.strip()
    algorithm, sep, hexdigest = value.partition(":")
    if not sep:
        raise InvalidHash(
            f"invalid hash `{text}`: expected `<algorithm>:<hex digest>`",
            value=text,
            hints=("write it like `--hash=sha256:<64 hex digits>`",),
        )
    algorithm = algorithm.strip().lower()
    hexdigest = hexdigest.strip().lower()
    if algorithm not in STRONG_ALGORITHMS:
        if algorithm in DIGEST_HEX_LENGTHS:
            raise InvalidHash(
                f"hash algorithm `{algorithm}` is too weak for `--hash`",
                value=text,
                hints=("use sha256, sha384 or sha512 (e.g. `pip hash` or `sha256sum` output)",),
            )
        raise InvalidHash(
            f"unsupported hash algorithm `{algorithm}` in `{text}`",
            value=text,
            hints=("supported algorithms: " + ", ".join(STRONG_ALGORITHMS),),
        )
    problem = check_hex(algorithm, hexdigest)
    if problem is not None:
        raise InvalidHash(f"invalid hash `{text}`: {problem}", value=text)
    return HashDigest(algorithm, hexdigest)


def parse_hash_fragment(text: str) -> HashDigest | None:
    """Parse one ``<algorithm>=<hex>`` URL fragment (PEP 503).

    Returns None when the key is not a hash algorithm (``egg=...``,
    ``subdirectory=...``); raises :class:`InvalidHash` when it names one but
    the digest is malformed.
    """
    algorithm, sep, hexdigest = text.partition("=")
    if not sep:
        return None
    algorithm = algorithm.lower()
    if algorithm not in DIGEST_HEX_LENGTHS:
        return None
    return make_digest(algorithm, hexdigest, source=text)


def hash_pair(algorithm: str, hexdigest: str, *, source: str | None = None) -> tuple[str, str] | None:
    """Validate one index-page digest into a lowercase ``(algorithm, hex)`` pair.

    Returns None when ``algorithm`` is not one puv knows (PEP 691 allows any
    hashlib name, e.g. blake2b); raises :class:`InvalidHash` when it is known
    but the digest is malformed. Builds no :class:`HashDigest`, so scanning
    thousands of page entries stays cheap.
    """
    if algorithm == "sha256" and _SHA256_HEX.fullmatch(hexdigest) is not None:
        return "sha256", hexdigest
    algorithm = algorithm.lower()
    if algorithm not in DIGEST_HEX_LENGTHS:
        return None
    digest = make_digest(algorithm, hexdigest, source=source)
    return digest.algorithm, digest.hexdigest


def split_hash(text: str) -> tuple[str, str] | None:
    """``algo=hex`` (a PEP 503 fragment; ``algo:hex`` also accepted) to a pair, see :func:`hash_pair`."""
    if len(text) == 71 and text.startswith("sha256="):
        hexdigest = text[7:]
        if _SHA256_HEX.fullmatch(hexdigest) is not None:
            return "sha256", hexdigest
    key, sep, value = text.partition("=")
    if not sep:
        key, sep, value = text.partition(":")
        if not sep:
            return None
    return hash_pair(key, value, source=text)


def make_digest(algorithm: str, hexdigest: str, *, source: str | None = None) -> HashDigest:
    """Validate and build a digest of any page-accepted algorithm."""
    algorithm = algorithm.lower()
    if algorithm not in DIGEST_HEX_LENGTHS:
        raise InvalidHash(
            f"unsupported hash algorithm `{algorithm}`",
            value=source if source is not None else f"{algorithm}={hexdigest}",
        )
    hexdigest = hexdigest.lower()
    problem = check_hex(algorithm, hexdigest)
    if problem is not None:
        shown = source if source is not None else f"{algorithm}={hexdigest}"
        raise InvalidHash(f"invalid hash `{shown}`: {problem}", value=shown)
    return HashDigest(algorithm, hexdigest)


def strongest(digests: Iterable[HashDigest | tuple[str, str]]) -> HashDigest | None:
    """The strongest digest among ``digests`` (any algorithm), or None if empty."""
    best: HashDigest | None = None
    best_rank = -1
    for item in digests:
        digest = item if isinstance(item, HashDigest) else HashDigest(item[0], item[1])
        rank = _RANK.get(digest.algorithm, -1)
        if rank > best_rank:
            best, best_rank = digest, rank
    return best


def matches_any(
    expected: Iterable[HashDigest], actual: Iterable[HashDigest | tuple[str, str]]
) -> bool:
    """True if any digest in ``actual`` equals one in ``expected`` (same algorithm)."""
    wanted = {(d.algorithm, d.hexdigest) for d in expected}
    for item in actual:
        if isinstance(item, HashDigest):
            key = (item.algorithm, item.hexdigest)
        else:
            key = (item[0].lower(), item[1].lower())
        if key in wanted:
            return True
    return False
