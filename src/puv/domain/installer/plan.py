"""The install plan: what is wanted vs what is installed (pure: no IO).

Given the pins the resolver chose (:class:`Desired`: name, version, optional
direct URL, a ``reinstall`` flag) and the distributions already installed
(anything with ``name``, ``version`` and ``direct_url`` attributes, such as
:class:`~puv.domain.installer.site.InstalledDist`), :func:`make_plan` decides:

``install``
    pins not installed, or installed at another version or from another source
    (the old distribution is in ``remove``);
``reinstall``
    pins installed at the same version that must be installed again
    (``--reinstall`` / ``--reinstall-package``): ``(installed, desired)`` pairs;
``remove``
    installed distributions to uninstall first: replaced versions and, with
    ``exact=True`` (``pip sync``), every installed distribution not wanted
    (bar ``keep_unmanaged`` names such as pip itself when asked);
``keep``
    installed distributions that satisfy their pin.

Names compare in PEP 503 normal form, versions as PEP 440 versions (``1.0`` equals
``1.0.0``; an invalid version compares as text). A pin without a URL is not
satisfied by a distribution installed from a direct URL (PEP 610) — as uv, the
requirement asks for the index's file. More than one installed distribution of
one name (a broken environment) keeps the first that matches and removes the rest.
Every list is sorted by canonical name.
"""

from __future__ import annotations

from puv.frozen import Frozen
from puv.primitives.names import canonical_name as _canonical

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any, Protocol

    class InstalledLike(Protocol):
        @property
        def name(self) -> str: ...

        @property
        def version(self) -> str: ...

        @property
        def direct_url(self) -> Any: ...




class Desired(Frozen):
    """One pin of the resolution: ``name==version`` (from ``url`` when a direct reference)."""

    __slots__ = ("name", "version", "url", "reinstall", "editable")

    name: str
    version: str
    url: str | None
    reinstall: bool
    editable: bool

    def __init__(
        self,
        name: str,
        version: str,
        url: str | None = None,
        reinstall: bool = False,
        editable: bool = False,
    ) -> None:
        init = object.__setattr__
        init(self, "name", name)
        init(self, "version", version)
        init(self, "url", url)
        init(self, "reinstall", reinstall)
        init(self, "editable", editable)

    @property
    def canonical_name(self) -> str:
        return _canonical(self.name)


class Plan(Frozen):
    """The value :func:`make_plan` returns (see the module docstring)."""

    __slots__ = ("install", "reinstall", "remove", "keep")

    install: tuple[Desired, ...]
    reinstall: tuple[tuple[Any, Desired], ...]
    remove: tuple[Any, ...]
    keep: tuple[Any, ...]

    def __init__(
        self,
        install: tuple[Desired, ...] = (),
        reinstall: tuple[tuple[Any, Desired], ...] = (),
        remove: tuple[Any, ...] = (),
        keep: tuple[Any, ...] = (),
    ) -> None:
        init = object.__setattr__
        init(self, "install", install)
        init(self, "reinstall", reinstall)
        init(self, "remove", remove)
        init(self, "keep", keep)

    @property
    def is_noop(self) -> bool:
        return not (self.install or self.reinstall or self.remove)

    def to_uninstall(self) -> tuple[Any, ...]:
        """Every installed distribution to remove before installing (removals and reinstalls)."""
        both = [*self.remove, *(installed for installed, _ in self.reinstall)]
        return tuple(sorted(both, key=lambda dist: (_canonical(dist.name), str(dist.version))))

    def to_install(self) -> tuple[Desired, ...]:
        """Every pin to install (new, changed and reinstalled)."""
        both = [*self.install, *(desired for _, desired in self.reinstall)]
        return tuple(sorted(both, key=lambda pin: pin.canonical_name))


def _same_version(a: str, b: str) -> bool:
    if a == b:
        return True
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return False


def _url_of(installed: Any) -> str | None:
    direct = getattr(installed, "direct_url", None)
    if direct is None:
        return None
    if isinstance(direct, dict):
        url = direct.get("url")
        subdirectory = direct.get("subdirectory")
        if isinstance(url, str) and isinstance(subdirectory, str) and subdirectory:
            return f"{url}#subdirectory={subdirectory}"
        return url if isinstance(url, str) else None
    # ``git+URL@<commit>[#subdirectory=...]`` for VCS, ``URL[#subdirectory=...]``
    # otherwise: what a resolved direct pin looks like.
    display = getattr(direct, "display", None)
    if callable(display):
        text = display()
        return text if isinstance(text, str) else None
    url = getattr(direct, "url", None)
    return url if isinstance(url, str) else None


def _editable(installed: Any) -> bool:
    direct = getattr(installed, "direct_url", None)
    if direct is None:
        return False
    if isinstance(direct, dict):
        info = direct.get("dir_info")
        return isinstance(info, dict) and bool(info.get("editable"))
    return bool(getattr(direct, "editable", False))


def satisfies(installed: Any, desired: Desired) -> bool:
    """Whether an installed distribution is what the pin asks for."""
    if not _same_version(str(installed.version), desired.version):
        return False
    url = _url_of(installed)
    if desired.url is None:
        return url is None
    if url != desired.url:
        return False
    return _editable(installed) == desired.editable


def make_plan(
    desired: Iterable[Desired],
    installed: Iterable[Any],
    *,
    reinstall_all: bool = False,
    exact: bool = False,
    keep_unmanaged: Sequence[str] = (),
) -> Plan:
    """Compare the pins with what is installed; see the module docstring."""
    wanted: dict[str, Desired] = {}
    for item in desired:
        wanted[item.canonical_name] = item
    by_name: dict[str, list[Any]] = {}
    for dist in installed:
        by_name.setdefault(_canonical(dist.name), []).append(dist)
    protected = {_canonical(name) for name in keep_unmanaged}

    install: list[Desired] = []
    reinstall: list[tuple[Any, Desired]] = []
    remove: list[Any] = []
    keep: list[Any] = []
    for key in sorted(set(wanted) | set(by_name)):
        pin = wanted.get(key)
        present = by_name.get(key, [])
        if pin is None:
            if exact and key not in protected:
                remove.extend(present)
            else:
                keep.extend(present)
            continue
        match = next((dist for dist in present if satisfies(dist, pin)), None)
        others = [dist for dist in present if dist is not match]
        remove.extend(others)
        if match is None:
            install.append(pin)
        elif pin.reinstall or reinstall_all:
            reinstall.append((match, pin))
        else:
            keep.append(match)
    return Plan(tuple(install), tuple(reinstall), tuple(remove), tuple(keep))
