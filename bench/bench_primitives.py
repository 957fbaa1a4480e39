"""Micro-benchmark of the pure primitives: simple-API pages and core metadata.

Run: ``python bench/bench_primitives.py [--files N] [--repeat R]``.
Prints the best of R runs for each case; no network, no files.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from puv.primitives.filenames import try_parse_filename  # noqa: E402
from puv.primitives.metadata import parse_metadata  # noqa: E402
from puv.primitives.simple_api import parse_project_html, parse_project_json  # noqa: E402

PAGE = "https://example.com/simple/bench/"


def _wheel(i: int) -> str:
    return f"bench-1.{i}.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"


def big_html(count: int, relative: bool = False) -> bytes:
    prefix = "../../packages" if relative else "https://example.com/packages"
    rows = [
        f'<a href="{prefix}/ab/cd/{i:060d}/{_wheel(i)}#sha256={i:064x}" '
        f'data-requires-python="&gt;=3.9" data-dist-info-metadata="sha256={i:064x}" '
        f'data-core-metadata="sha256={i:064x}">{_wheel(i)}</a><br />'
        for i in range(count)
    ]
    return (
        '<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.1">'
        "</head><body>\n" + "\n".join(rows) + "\n</body></html>"
    ).encode()


def big_json(count: int) -> bytes:
    files = [
        {
            "filename": _wheel(i),
            "url": f"https://example.com/packages/ab/cd/{i:060d}/{_wheel(i)}",
            "hashes": {"sha256": f"{i:064x}"},
            "requires-python": ">=3.9",
            "core-metadata": {"sha256": f"{i:064x}"},
            "dist-info-metadata": {"sha256": f"{i:064x}"},
            "size": 12345678,
            "upload-time": "2024-01-01T00:00:00.000000Z",
            "yanked": False,
        }
        for i in range(count)
    ]
    page = {
        "meta": {"api-version": "1.1"},
        "name": "bench",
        "versions": [f"1.{i}.0" for i in range(count)],
        "files": files,
    }
    return json.dumps(page).encode()


def metadata_files(count: int) -> list[bytes]:
    return [
        (
            f"Metadata-Version: 2.1\nName: pkg{i}\nVersion: 1.{i}.0\nSummary: package {i}\n"
            "Home-page: https://example.com\nAuthor: Someone\nLicense: MIT\n"
            "Requires-Python: >=3.8\n"
            + "".join(f'Requires-Dist: dep{j}<3,>=1.{j}; python_version >= "3.8"\n' for j in range(4))
            + 'Requires-Dist: extra-dep[socks]>=2; extra == "test"\n'
            + "Provides-Extra: test\n"
            + "".join(f"Classifier: Programming Language :: Python :: 3.{k}\n" for k in range(8, 13))
            + "Description-Content-Type: text/markdown\n\n"
            + "Long description line.\n" * 300
        ).encode()
        for i in range(count)
    ]


def best(func: Callable[[], object], repeat: int) -> float:
    result = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        result = min(result, time.perf_counter() - start)
    return result * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000, help="files per page")
    parser.add_argument("--metadata", type=int, default=1_000, help="METADATA files")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n = args.files

    html = big_html(n)
    html_rel = big_html(n, relative=True)
    body = big_json(n)
    metas = metadata_files(args.metadata)
    names = [_wheel(i) for i in range(n)]

    rows = [
        (f"HTML page, {n} files ({len(html) / 1e6:.1f} MB), absolute URLs",
         best(lambda: parse_project_html(html, PAGE, "bench"), args.repeat)),
        (f"HTML page, {n} files, relative URLs",
         best(lambda: parse_project_html(html_rel, PAGE, "bench"), args.repeat)),
        (f"JSON page, {n} files ({len(body) / 1e6:.1f} MB), API 1.1",
         best(lambda: parse_project_json(body, PAGE), args.repeat)),
        ("  of which json.loads alone", best(lambda: json.loads(body), args.repeat)),
        (f"{n} wheel filenames (try_parse_filename)",
         best(lambda: [try_parse_filename(x, "bench") for x in names], args.repeat)),
        (f"{args.metadata} METADATA files (5 Requires-Dist each)",
         best(lambda: [parse_metadata(m) for m in metas], args.repeat)),
    ]
    width = max(len(label) for label, _ in rows)
    for label, ms in rows:
        print(f"{label:<{width}}  {ms:8.1f} ms")


if __name__ == "__main__":
    main()
