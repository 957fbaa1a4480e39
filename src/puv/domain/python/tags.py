"""PEP 425 compatibility tags for a *target* interpreter, from its probed facts.

``packaging.tags.sys_tags()`` describes the interpreter that runs it (puv's
own). Here the same ordering is produced for another interpreter: the ABI
list and the platform list are built from the probe's raw facts (version,
debug / free-threaded build, ``sysconfig.get_platform()``, pointer size,
glibc or musl version, macOS version) and handed to ``packaging.tags``'
generators with explicit arguments.

The order matches ``packaging.tags`` for the same facts (``linux_<arch>``
first). Platform rules follow the manylinux specs (PEP 600 with the PEP 513/571/599
aliases) and musllinux (PEP 656). The result is a tuple of tag strings, most
preferred first; its index is the priority a wheel's tag gets.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

# Legacy manylinux names (PEP 513, 571, 599) and the glibc they stand for.
_LEGACY_MANYLINUX: tuple[tuple[tuple[int, int], str, frozenset[str]], ...] = (
    ((2, 17), "manylinux2014", frozenset({"x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x"})),
    ((2, 12), "manylinux2010", frozenset({"x86_64", "i686"})),
    ((2, 5), "manylinux1", frozenset({"x86_64", "i686"})),
)


def cpython_abis(version: Sequence[int], *, debug: bool, gil_disabled: bool) -> list[str]:
    """The CPython ABI tags of an interpreter, most specific first (``cp312``, ``cp313t``)."""
    base = f"cp{version[0]}{version[1]}"
    flags = ("d" if debug else "") + ("t" if gil_disabled else "")
    abis = [base + flags]
    if debug:
        # A debug build can load extensions built for the release ABI as well.
        abis.append(base + ("t" if gil_disabled else ""))
    return abis


def manylinux_platforms(arch: str, glibc: Sequence[int]) -> Iterator[str]:
    """``manylinux_2_X_<arch>`` from the running glibc down to the oldest policy, with aliases."""
    major, minor = glibc[0], glibc[1]
    floor = 4 if arch in {"x86_64", "i686"} else 16
    for glibc_minor in range(minor, floor, -1):
        yield f"manylinux_{major}_{glibc_minor}_{arch}"
        for (legacy_major, legacy_minor), name, arches in _LEGACY_MANYLINUX:
            if (major, glibc_minor) == (legacy_major, legacy_minor) and arch in arches:
                yield f"{name}_{arch}"


def musllinux_platforms(arch: str, musl: Sequence[int]) -> Iterator[str]:
    """``musllinux_1_X_<arch>`` from the running musl down to 1.0 (PEP 656)."""
    for musl_minor in range(musl[1], -1, -1):
        yield f"musllinux_{musl[0]}_{musl_minor}_{arch}"


def platforms(facts: dict[str, object]) -> list[str]:
    """The platform tags of the target interpreter, most specific first."""
    plat = str(facts.get("platform") or "")
    pointer_size = int(facts.get("pointer_size") or 64)  # type: ignore[call-overload]
    if plat.startswith("linux-"):
        arch = plat[len("linux-") :].replace("-", "_").replace(".", "_")
        if pointer_size == 32:
            arch = {"x86_64": "i686", "aarch64": "armv8l"}.get(arch, arch)
        # As in packaging.tags: a locally built ``linux_*`` wheel first, then
        # the portable policies from the newest libc down.
        arches = ["armv8l", "armv7l"] if arch == "armv8l" else [arch]
        result = [f"linux_{a}" for a in arches]
        glibc = facts.get("glibc")
        musl = facts.get("musl")
        for a in arches:
            if isinstance(glibc, list) and len(glibc) == 2:
                result.extend(manylinux_platforms(a, glibc))
            elif isinstance(musl, list) and len(musl) == 2:
                result.extend(musllinux_platforms(a, musl))
        return result
    if plat.startswith("macosx-"):
        from packaging.tags import mac_platforms

        mac_version = str(facts.get("mac_version") or "")
        arch = plat.rsplit("-", 1)[-1]
        parts = [int(p) for p in mac_version.split(".")[:2] if p.isdigit()]
        if len(parts) == 1:
            parts.append(0)
        version = (parts[0], parts[1]) if len(parts) == 2 else None
        return list(mac_platforms(version, arch))
    return [plat.replace("-", "_").replace(".", "_")]


def compute_tags(facts: dict[str, object]) -> tuple[str, ...]:
    """All tags of a CPython interpreter described by probe ``facts``, best first."""
    from packaging.tags import compatible_tags, cpython_tags

    info = facts["version_info"]
    assert isinstance(info, list)
    version = (int(info[0]), int(info[1]))
    abis = cpython_abis(version, debug=bool(facts.get("debug")), gil_disabled=bool(facts.get("gil_disabled")))
    plats = platforms(facts)
    seen: dict[str, None] = {}
    for tag in cpython_tags(version, abis, plats):
        seen.setdefault(str(tag), None)
    for tag in compatible_tags(version, f"cp{version[0]}{version[1]}", plats):
        seen.setdefault(str(tag), None)
    return tuple(seen)
