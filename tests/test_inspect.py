"""The environment inspection helpers: names, the dependency graph, diagnostics, trees."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from puv.domain.installer.inspect import (
    TreeOptions,
    build_graph,
    diagnostics,
    display_name,
    editable_location,
    file_url_to_path,
    load_packages,
    render_tree,
    wheel_tags,
)
from puv.domain.installer.site import list_installed

MARKERS = {
    "implementation_name": "cpython",
    "implementation_version": "3.12.1",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "platform_release": "6.0",
    "platform_system": "Linux",
    "platform_version": "#1",
    "python_full_version": "3.12.1",
    "python_version": "3.12",
    "sys_platform": "linux",
}
TAGS = ("cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-linux_x86_64", "cp312-none-any", "py3-none-any")


def write_dist(
    site: Path,
    name: str,
    version: str,
    *,
    requires: Iterable[str] = (),
    extras: Mapping[str, Iterable[str]] | None = None,
    requires_python: str | None = None,
    tag: str | None = "py3-none-any",
    direct_url: Mapping[str, object] | None = None,
    files: Mapping[str, str] | None = None,
    summary: str | None = None,
    metadata_name: str | None = None,
    headers: Iterable[str] = (),
) -> Path:
    """Write an installed ``.dist-info`` by hand (METADATA, WHEEL, RECORD, INSTALLER)."""
    stem = f"{name.replace('-', '_')}-{version}"
    info = site / f"{stem}.dist-info"
    info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.3", f"Name: {metadata_name or name}", f"Version: {version}"]
    if summary:
        lines.append(f"Summary: {summary}")
    lines.extend(headers)
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines.extend(f"Requires-Dist: {r}" for r in requires)
    for extra, reqs in (extras or {}).items():
        lines.append(f"Provides-Extra: {extra}")
        for req in reqs:
            marker = f'extra == "{extra}"'
            lines.append(f"Requires-Dist: {req} ; {marker}" if ";" not in req else f"Requires-Dist: {req} and {marker}")
    (info / "METADATA").write_text("\n".join(lines) + "\n\n")
    if tag is not None:
        (info / "WHEEL").write_text(f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: {tag}\n")
    (info / "INSTALLER").write_text("pip\n")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))
    record = []
    for rel, text in (files or {}).items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        record.append(f"{rel},,")
    for member in sorted(p.name for p in info.iterdir()):
        record.append(f"{info.name}/{member},,")
    record.append(f"{info.name}/RECORD,,")
    (info / "RECORD").write_text("\n".join(record) + "\n")
    return info


def graph_of(site: Path, *, follow_extras: bool = True):  # type: ignore[no-untyped-def]
    return build_graph(load_packages(list_installed([site])), MARKERS, follow_extras=follow_extras)


def test_display_name_comes_from_metadata(tmp_path: Path) -> None:
    write_dist(tmp_path, "flask", "3.0", metadata_name="Flask")
    [dist] = list_installed([tmp_path])
    assert dist.name == "flask" and display_name(dist) == "Flask"


def test_editable_location_and_file_urls(tmp_path: Path) -> None:
    write_dist(tmp_path, "proj", "0.1", direct_url={"url": "file:///src/my%20proj", "dir_info": {"editable": True}})
    write_dist(tmp_path, "arch", "1.0", direct_url={"url": "file:///w/arch.whl", "archive_info": {}})
    proj, arch = sorted(list_installed([tmp_path]), key=lambda d: d.name, reverse=True)
    assert editable_location(proj) == "/src/my proj"
    assert editable_location(arch) is None
    assert file_url_to_path("https://example.invalid/x") is None


def test_graph_evaluates_markers_and_follows_extras(tmp_path: Path) -> None:
    write_dist(tmp_path, "app", "1.0", requires=["lib[speed]>=1", "winonly; sys_platform == 'win32'", "old; python_version < '3'"])
    write_dist(tmp_path, "lib", "1.2", extras={"speed": ["fast"], "other": ["never"]})
    write_dist(tmp_path, "fast", "2.0", extras={"turbo": ["turbo"]}, requires=["helper"])
    write_dist(tmp_path, "helper", "1.0")
    graph = graph_of(tmp_path)
    app = graph.get("app")
    lib = graph.get("lib")
    assert app is not None and lib is not None
    assert [str(r) for r in graph.requires(app)] == ["lib[speed]>=1"]
    assert [r.name for r in graph.requires(lib)] == ["fast"]
    assert graph.extras["lib"] == {"speed"}
    assert [p.name for p in graph.required_by(lib)] == ["app"]
    plain = graph_of(tmp_path, follow_extras=False)
    assert plain.requires(plain.get("lib")) == []  # type: ignore[arg-type]


def test_diagnostics_missing_incompatible_python_platform(tmp_path: Path) -> None:
    write_dist(tmp_path, "app", "1.0", requires=["lib>=2", "absent", "fine"])
    write_dist(tmp_path, "lib", "1.5")
    write_dist(tmp_path, "fine", "1.0rc1", requires=["lib<2"])
    write_dist(tmp_path, "future", "1.0", requires_python=">=3.13")
    write_dist(tmp_path, "native", "1.0", tag="cp312-cp312-win_amd64")
    write_dist(tmp_path, "multi", "1.0", tag="cp312-cp312-macosx_11_0_arm64.manylinux_2_17_x86_64")
    write_dist(tmp_path, "notag", "1.0", tag=None)
    messages = [d.message for d in diagnostics(graph_of(tmp_path), MARKERS, TAGS)]
    assert messages == [
        "The package `app` requires `lib>=2`, but `1.5` is installed",
        "The package `app` requires `absent`, but it's not installed",
        "The package `future` requires Python >=3.13, but `3.12.1` is installed",
        "The package `native` was built for a different platform",
    ]


def test_diagnostics_follow_activated_extras(tmp_path: Path) -> None:
    write_dist(tmp_path, "app", "1.0", requires=["lib[x]"])
    write_dist(tmp_path, "lib", "1.0", extras={"x": ["needed>=1"], "y": ["unneeded"]})
    [diagnostic] = diagnostics(graph_of(tmp_path), MARKERS, TAGS)
    assert diagnostic.message == "The package `lib` requires `needed>=1; extra == \"x\"`, but it's not installed"


def test_diagnostics_broken_metadata_and_duplicates(tmp_path: Path) -> None:
    write_dist(tmp_path, "ok", "1.0")
    broken = write_dist(tmp_path, "broken", "1.0")
    (broken / "METADATA").unlink()
    second = tmp_path / "other"
    write_dist(tmp_path, "dup", "1.0")
    write_dist(second, "dup", "2.0")
    packages = load_packages(list_installed([tmp_path, second]))
    found = diagnostics(build_graph(packages, MARKERS), MARKERS, TAGS)
    assert [d.kind for d in found] == ["incomplete", "duplicate"]
    assert "unable to read `METADATA`" in found[0].message
    assert found[1].message.startswith("The package `dup` has multiple installed distributions:\n  - ")


def test_wheel_tags_expand_compressed_sets(tmp_path: Path) -> None:
    write_dist(tmp_path, "x", "1.0", tag="py2.py3-none-any")
    [dist] = list_installed([tmp_path])
    assert wheel_tags(dist) == ("py2-none-any", "py3-none-any")


def tree_env(site: Path) -> None:
    write_dist(site, "app", "1.0", requires=["lib>=1", "util", "lib2[extra]"])
    write_dist(site, "lib", "1.0", requires=["util<2"])
    write_dist(site, "lib2", "0.5", extras={"extra": ["plug"]})
    write_dist(site, "plug", "3.0")
    write_dist(site, "util", "1.1")
    write_dist(site, "solo", "2.0")
    write_dist(site, "cyc-a", "1.0", requires=["cyc-b"])
    write_dist(site, "cyc-b", "1.0", requires=["cyc-a"])


def test_tree_default(tmp_path: Path) -> None:
    tree_env(tmp_path)
    assert render_tree(graph_of(tmp_path)) == [
        "app v1.0",
        "├── lib v1.0",
        "│   └── util v1.1",
        "├── lib2 v0.5",
        "│   └── plug v3.0",
        "└── util v1.1",
        "cyc-a v1.0",
        "└── cyc-b v1.0",
        "    └── cyc-a v1.0 (*)",
        "solo v2.0",
    ]


def test_tree_depth_prune_package_and_specifiers(tmp_path: Path) -> None:
    tree_env(tmp_path)
    graph = graph_of(tmp_path)
    assert render_tree(graph, TreeOptions(depth=0)) == ["app v1.0", "cyc-a v1.0", "solo v2.0"]
    assert render_tree(graph, TreeOptions(depth=1, packages=["app"])) == [
        "app v1.0",
        "├── lib v1.0",
        "├── lib2 v0.5",
        "└── util v1.1",
    ]
    assert render_tree(graph, TreeOptions(prune=["lib", "cyc-a"])) == [
        "app v1.0",
        "├── lib2 v0.5",
        "│   └── plug v3.0",
        "└── util v1.1",
        "cyc-b v1.0",
        "solo v2.0",
    ]
    assert render_tree(graph, TreeOptions(packages=["lib"], show_version_specifiers=True)) == [
        "lib v1.0",
        "└── util v1.1 [required: <2]",
    ]


def test_tree_invert(tmp_path: Path) -> None:
    tree_env(tmp_path)
    lines = render_tree(graph_of(tmp_path), TreeOptions(invert=True, packages=["util"], show_version_specifiers=True))
    assert lines == [
        "util v1.1",
        "├── app v1.0 [requires: util *]",
        "└── lib v1.0 [requires: util <2]",
        "    └── app v1.0 [requires: lib >=1]",
    ]


def test_tree_dedupe_marks_and_no_dedupe(tmp_path: Path) -> None:
    write_dist(tmp_path, "top", "1.0", requires=["a", "b"])
    write_dist(tmp_path, "a", "1.0", requires=["shared"])
    write_dist(tmp_path, "b", "1.0", requires=["shared"])
    write_dist(tmp_path, "shared", "1.0", requires=["leaf"])
    write_dist(tmp_path, "leaf", "1.0")
    graph = graph_of(tmp_path)
    assert render_tree(graph) == [
        "top v1.0",
        "├── a v1.0",
        "│   └── shared v1.0",
        "│       └── leaf v1.0",
        "└── b v1.0",
        "    └── shared v1.0 (*)",
    ]
    assert render_tree(graph, TreeOptions(no_dedupe=True))[-2:] == ["    └── shared v1.0", "        └── leaf v1.0"]


def test_tree_unsatisfied_requirement_draws_no_edge(tmp_path: Path) -> None:
    write_dist(tmp_path, "app", "1.0", requires=["lib>=2"])
    write_dist(tmp_path, "lib", "1.0")
    assert render_tree(graph_of(tmp_path)) == ["app v1.0", "lib v1.0"]


def test_tree_pure_cycle_and_latest(tmp_path: Path) -> None:
    from packaging.version import Version

    write_dist(tmp_path, "x", "1.0", requires=["y"])
    write_dist(tmp_path, "y", "1.0", requires=["x"])
    lines = render_tree(graph_of(tmp_path), TreeOptions(latest={"y": Version("2.0"), "x": Version("0.5")}))
    assert lines == ["x v1.0", "└── y v1.0 (latest: v2.0)", "    └── x v1.0 (*)"]
