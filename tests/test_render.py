"""Rendering a resolution as requirements.txt text (``puv pip compile`` output)."""

from __future__ import annotations

import pytest
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from puv.domain.resolver.render import (
    HEADER,
    RenderOptions,
    header_command,
    parents,
    render_requirements_txt,
    source_sort_key,
)
from puv.domain.resolver.resolution import Resolution, ResolvedDist, Via
from puv.primitives.requirements_txt import parse_requirements
from puv.primitives.simple_api import DistFile

H1 = "a" * 64
H2 = "b" * 64
H3 = "c" * 64


def n(name: str) -> NormalizedName:
    return canonicalize_name(name)


def dist(name: str, version: str, *files: DistFile, **kwargs: object) -> ResolvedDist:
    return ResolvedDist(name=n(name), version=Version(version), file=files[0] if files else None, files=files, **kwargs)  # type: ignore[arg-type]


def wheel(name: str, version: str, digest: str, tag: str = "py3-none-any") -> DistFile:
    filename = f"{name.replace('-', '_')}-{version}-{tag}.whl"
    return DistFile(filename=filename, url=f"http://127.0.0.1/files/{filename}", hashes=(("sha256", digest),))


def universe() -> Resolution:
    """app-like graph: anyio <- httpx, certifi <- httpx and httpcore, httpx from the input file."""
    dists = {
        d.name: d
        for d in (
            dist("httpx", "0.27.0", wheel("httpx", "0.27.0", H1)),
            dist("httpcore", "1.0.5", wheel("httpcore", "1.0.5", H2)),
            dist("certifi", "2024.2.2", wheel("certifi", "2024.2.2", H3)),
            dist("anyio", "4.3.0"),
        )
    }
    via = {
        n("httpx"): (Via(source="-r requirements.in"),),
        n("httpcore"): (Via(parent=n("httpx")),),
        n("certifi"): (Via(parent=n("httpcore")), Via(parent=n("httpx"))),
        n("anyio"): (Via(parent=n("httpx")),),
    }
    return Resolution(dists=dists, via=via)


def test_split_annotations_and_header() -> None:
    text = render_requirements_txt(universe(), RenderOptions(command="puv pip compile requirements.in"))
    assert text == (
        f"{HEADER}\n"
        "#    puv pip compile requirements.in\n"
        "anyio==4.3.0\n"
        "    # via httpx\n"
        "certifi==2024.2.2\n"
        "    # via\n"
        "    #   httpcore\n"
        "    #   httpx\n"
        "httpcore==1.0.5\n"
        "    # via httpx\n"
        "httpx==0.27.0\n"
        "    # via -r requirements.in\n"
    )


def test_line_annotations_pad_to_24_columns() -> None:
    text = render_requirements_txt(universe(), RenderOptions(header=False, annotation_style="line"))
    assert text.splitlines() == [
        "anyio==4.3.0              # via httpx",
        "certifi==2024.2.2         # via httpcore, httpx",
        "httpcore==1.0.5           # via httpx",
        "httpx==0.27.0             # via -r requirements.in",
    ]


def test_line_style_puts_packages_before_inputs_and_split_style_after() -> None:
    resolution = Resolution(
        dists={n("b"): dist("b", "1.0"), n("a"): dist("a", "1.0")},
        via={n("b"): (Via(parent=n("a")), Via(source="-r req.in"), Via(source="-c c.txt"))},
    )
    split = render_requirements_txt(resolution, RenderOptions(header=False))
    assert split.splitlines()[1:] == ["b==1.0", "    # via", "    #   -c c.txt", "    #   -r req.in", "    #   a"]
    line = render_requirements_txt(resolution, RenderOptions(header=False, annotation_style="line"))
    assert line.splitlines()[1] == "b==1.0                    # via a, -c c.txt, -r req.in"


def test_sources_argument_replaces_recorded_ones() -> None:
    text = render_requirements_txt(
        universe(),
        RenderOptions(header=False),
        sources={n("httpx"): ["demo (pyproject.toml)", "-c constraints.txt"], n("anyio"): ["-c constraints.txt"]},
    )
    lines = text.splitlines()
    assert lines[:4] == ["anyio==4.3.0", "    # via", "    #   -c constraints.txt", "    #   httpx"]
    assert lines[-3:] == ["    # via", "    #   -c constraints.txt", "    #   demo (pyproject.toml)"]


def test_no_annotate_and_no_header() -> None:
    text = render_requirements_txt(universe(), RenderOptions(header=False, annotate=False))
    assert text == "anyio==4.3.0\ncertifi==2024.2.2\nhttpcore==1.0.5\nhttpx==0.27.0\n"


def test_generate_hashes_sorted_all_files() -> None:
    files = (
        wheel("pkg", "1.0", H3, "cp312-cp312-manylinux_2_28_x86_64"),
        wheel("pkg", "1.0", H1),
        DistFile(filename="pkg-1.0.tar.gz", url="http://x/pkg-1.0.tar.gz", hashes=(("sha256", H2),)),
        wheel("pkg", "1.0", H1, "py2.py3-none-any"),  # the same digest twice: once
    )
    resolution = Resolution(dists={n("pkg"): dist("pkg", "1.0", *files)}, via={n("pkg"): (Via(source="-r r.in"),)})
    text = render_requirements_txt(resolution, RenderOptions(header=False, generate_hashes=True))
    assert text == (
        "pkg==1.0 \\\n"
        f"    --hash=sha256:{H1} \\\n"
        f"    --hash=sha256:{H2} \\\n"
        f"    --hash=sha256:{H3}\n"
        "    # via -r r.in\n"
    )
    line = render_requirements_txt(
        resolution, RenderOptions(header=False, generate_hashes=True, annotation_style="line")
    )
    assert line.splitlines()[-1] == "    # via -r r.in"


def test_generated_hashes_round_trip_through_the_parser() -> None:
    resolution = Resolution(dists={n("pkg"): dist("pkg", "1.0", wheel("pkg", "1.0", H1), wheel("pkg", "1.0", H2, "cp312-none-any"))})
    text = render_requirements_txt(resolution, RenderOptions(command="puv pip compile r.in", generate_hashes=True))
    parsed = parse_requirements(text, "out.txt", read=lambda _: "", environ={})
    (spec,) = parsed.requirements
    assert spec.name == "pkg" and str(spec.specifier) == "==1.0"
    assert spec.hashes == (f"sha256:{H1}", f"sha256:{H2}")


def test_extras_stripped_by_default() -> None:
    resolution = Resolution(dists={n("black"): dist("black", "24.1.0", extras=frozenset({"d", "colorama"}))})
    assert render_requirements_txt(resolution, RenderOptions(header=False)) == "black==24.1.0\n"
    assert (
        render_requirements_txt(resolution, RenderOptions(header=False, strip_extras=False))
        == "black[colorama,d]==24.1.0\n"
    )


def test_direct_url_pin_is_redacted() -> None:
    resolution = Resolution(
        dists={n("pkg"): dist("pkg", "1.0", url="https://user:secret@example.invalid/pkg-1.0.tar.gz")}
    )
    text = render_requirements_txt(resolution, RenderOptions(header=False))
    assert text == "pkg @ https://****@example.invalid/pkg-1.0.tar.gz\n"
    assert "secret" not in text


def test_emit_index_url_redacts_credentials() -> None:
    text = render_requirements_txt(
        universe(),
        RenderOptions(
            header=True,
            command="puv pip compile r.in --emit-index-url",
            annotate=False,
            index_url="https://user:pw@index.invalid/simple",
            extra_index_urls=("https://extra.invalid/simple", "https://extra.invalid/simple"),
            find_links=("/srv/wheels",),
        ),
    )
    assert text.splitlines()[2:7] == [
        "--index-url https://****@index.invalid/simple",
        "--extra-index-url https://extra.invalid/simple",
        "--find-links /srv/wheels",
        "",
        "anyio==4.3.0",
    ]
    assert "pw" not in text


def test_output_is_deterministic_and_sorted_by_name() -> None:
    a = universe()
    reordered = Resolution(dists=dict(reversed(list(a.dists.items()))), via=dict(reversed(list(a.via.items()))))
    assert render_requirements_txt(a) == render_requirements_txt(reordered)
    assert render_requirements_txt(Resolution(dists={})) == f"{HEADER}\n#    puv pip compile\n"
    assert render_requirements_txt(Resolution(dists={}), RenderOptions(header=False)) == ""


def test_parents_fall_back_to_dependencies_and_skip_self() -> None:
    resolution = Resolution(
        dists={
            n("a"): dist("a", "1", dependencies=(n("b"), n("a"), n("missing"))),
            n("b"): dist("b", "1"),
        }
    )
    found = parents(resolution)
    assert found[n("b")] == ("a",)
    assert found[n("a")] == ()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["pip", "compile", "r.in", "-o", "r.txt"], "puv pip compile r.in -o r.txt"),
        (["pip", "compile", "r.in", "-U", "--upgrade", "-P", "x", "--upgrade-package=y", "-Pz"], "puv pip compile r.in"),
        (["pip", "compile", "-q", "-vv", "--verbose", "r.in"], "puv pip compile r.in"),
        (
            ["pip", "compile", "r.in", "--index-url", "https://u:p@h/simple", "-i", "x", "--extra-index-url=https://h2/"],
            "puv pip compile r.in",
        ),
        (["pip", "compile", "r.in", "-f", "./wheels", "--find-links=x", "-fdir"], "puv pip compile r.in"),
    ],
)
def test_header_command_drops_options_like_uv(argv: list[str], expected: str) -> None:
    assert header_command(argv) == expected


def test_header_command_keeps_emitted_index_urls_without_credentials() -> None:
    argv = ["pip", "compile", "r.in", "--index-url", "https://u:p@h/simple", "--extra-index-url=https://a:b@h2/x"]
    assert header_command(argv, emit_index_url=True) == (
        "puv pip compile r.in --index-url https://****@h/simple --extra-index-url=https://****@h2/x"
    )


def test_source_sort_key_orders_like_uv() -> None:
    labels = ["demo (pyproject.toml)", "-r b.in", "--override o.txt", "-c c.txt", "-r a.in"]
    assert sorted(labels, key=source_sort_key) == [
        "-c c.txt",
        "--override o.txt",
        "-r a.in",
        "-r b.in",
        "demo (pyproject.toml)",
    ]


def test_unknown_annotation_style_is_refused() -> None:
    with pytest.raises(ValueError, match="annotation style"):
        RenderOptions(annotation_style="fancy")
