"""The install plan (pure): install / reinstall / remove / keep."""

from __future__ import annotations

from pathlib import Path

import pytest

from puv.domain.installer.plan import Desired, Plan, make_plan, satisfies
from puv.domain.installer.site import InstalledDist, parse_direct_url


def dist(name: str, version: str, url: str | None = None, editable: bool = False) -> InstalledDist:
    direct = None
    if url is not None:
        info = '"dir_info": {"editable": true}' if editable else '"archive_info": {}'
        direct = parse_direct_url(f'{{"url": "{url}", {info}}}')
    return InstalledDist(name, version, Path(f"/site/{name}-{version}.dist-info"), direct_url=direct)


def names(items: tuple[object, ...]) -> list[str]:
    out = []
    for item in items:
        if isinstance(item, tuple):
            item = item[1]
        out.append(f"{item.name}=={item.version}")  # type: ignore[attr-defined]
    return out


def test_empty() -> None:
    plan = make_plan([], [])
    assert plan == Plan() and plan.is_noop


def test_new_changed_kept_and_extraneous() -> None:
    installed = [dist("keepme", "1.0"), dist("Upgrade_Me", "1.0"), dist("extra", "3.0")]
    desired = [Desired("upgrade-me", "2.0"), Desired("KeepMe", "1.0.0"), Desired("new", "0.1")]
    plan = make_plan(desired, installed)
    assert names(plan.install) == ["new==0.1", "upgrade-me==2.0"]
    assert names(plan.remove) == ["Upgrade_Me==1.0"]
    assert names(plan.keep) == ["extra==3.0", "keepme==1.0"]  # install keeps what it does not manage
    assert plan.reinstall == ()
    assert not plan.is_noop


def test_exact_removes_extraneous_except_protected() -> None:
    installed = [dist("pip", "24.0"), dist("extra", "3.0"), dist("a", "1")]
    plan = make_plan([Desired("a", "1")], installed, exact=True, keep_unmanaged=["pip"])
    assert names(plan.remove) == ["extra==3.0"]
    assert names(plan.keep) == ["a==1", "pip==24.0"]


def test_everything_satisfied_is_a_noop() -> None:
    plan = make_plan([Desired("a", "1.0"), Desired("b", "2")], [dist("b", "2"), dist("a", "1")])
    assert plan.is_noop and names(plan.keep) == ["a==1", "b==2"]


def test_reinstall_flags() -> None:
    installed = [dist("a", "1"), dist("b", "1")]
    plan = make_plan([Desired("a", "1", reinstall=True), Desired("b", "1")], installed)
    assert names(plan.reinstall) == ["a==1"]
    assert plan.reinstall[0][0] is installed[0]
    assert names(plan.keep) == ["b==1"]
    assert names(plan.to_uninstall()) == ["a==1"]
    assert names(plan.to_install()) == ["a==1"]
    everything = make_plan([Desired("a", "1"), Desired("b", "1"), Desired("c", "1")], installed, reinstall_all=True)
    assert names(everything.reinstall) == ["a==1", "b==1"]
    assert names(everything.install) == ["c==1"]  # not installed: a plain install


def test_reinstall_of_a_different_version_is_an_upgrade() -> None:
    plan = make_plan([Desired("a", "2", reinstall=True)], [dist("a", "1")])
    assert names(plan.install) == ["a==2"] and names(plan.remove) == ["a==1"] and plan.reinstall == ()


def test_direct_urls() -> None:
    from_url = dist("a", "1", url="file:///w/a-1-py3-none-any.whl")
    # the index's pin is not satisfied by a URL install
    plan = make_plan([Desired("a", "1")], [from_url])
    assert names(plan.install) == ["a==1"] and names(plan.remove) == ["a==1"]
    # the same URL is satisfied, another URL is not
    assert make_plan([Desired("a", "1", url="file:///w/a-1-py3-none-any.whl")], [from_url]).is_noop
    other = make_plan([Desired("a", "1", url="file:///elsewhere/a.whl")], [from_url])
    assert names(other.install) == ["a==1"]
    # an index install does not satisfy a URL pin
    assert not satisfies(dist("a", "1"), Desired("a", "1", url="file:///w/a.whl"))
    # editable must match
    editable = dist("a", "1", url="file:///src/a", editable=True)
    assert satisfies(editable, Desired("a", "1", url="file:///src/a", editable=True))
    assert not satisfies(editable, Desired("a", "1", url="file:///src/a"))


def test_duplicates_keep_one_and_remove_the_rest() -> None:
    installed = [dist("a", "1"), dist("A", "2"), dist("a", "3")]
    plan = make_plan([Desired("a", "2")], installed)
    assert names(plan.keep) == ["A==2"]
    assert names(plan.remove) == ["a==1", "a==3"]
    none_match = make_plan([Desired("a", "9")], installed)
    assert names(none_match.install) == ["a==9"]
    assert len(none_match.remove) == 3


@pytest.mark.parametrize(
    ("installed", "wanted", "same"),
    [("1.0", "1", True), ("1.0.post0", "1.0.post0", True), ("1.0rc1", "1.0c1", True), ("weird-ver", "weird-ver", True), ("weird", "1.0", False)],
)
def test_version_comparison(installed: str, wanted: str, same: bool) -> None:
    assert satisfies(dist("a", installed), Desired("a", wanted)) is same


def test_sorted_by_canonical_name_and_accepts_duck_types() -> None:
    class Fake:
        def __init__(self, name: str, version: str) -> None:
            self.name, self.version, self.direct_url = name, version, None

    plan = make_plan([Desired("Zeta", "1"), Desired("alpha", "1"), Desired("Mid_Dle", "1")], [Fake("mid.dle", "1")])
    assert names(plan.install) == ["alpha==1", "Zeta==1"]
    assert [d.name for d in plan.keep] == ["mid.dle"]
