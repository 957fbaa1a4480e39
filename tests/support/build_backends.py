"""Local projects with a small in-tree PEP 517 / PEP 660 backend, for build tests.

``make_project(path, name, version, ...)`` writes a project whose
``pyproject.toml`` points at ``puv_inline_backend`` (``backend-path = ["."]``,
no build requirements), so it builds offline. The backend:

- reads ``[project]`` (``dependencies`` may be ``dynamic``: then they come
  from ``[tool.inline-backend] dependencies``);
- appends one line per hook call to ``[tool.inline-backend] log`` (when set):
  ``<hook> <config_settings as JSON>``;
- ``build_wheel`` packs the project's package into a py3-none-any wheel;
  ``build_editable`` writes a ``.pth`` file pointing at the project directory
  (PEP 660), so edits to the sources are seen without reinstalling;
- with ``[tool.inline-backend] fail = "message"``, prints some output and fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

BACKEND_MODULE = "puv_inline_backend"

BACKEND_SOURCE = '''\
"""Minimal in-tree PEP 517 / PEP 660 backend used by puv's build tests."""
import base64, csv, hashlib, io, json, os, re, sys, zipfile

try:
    import tomllib
except ImportError:  # pragma: no cover
    tomllib = None


def _config():
    with open("pyproject.toml", "rb") as fh:
        data = tomllib.load(fh)
    return data["project"], data.get("tool", {}).get("inline-backend", {})


def _log(hook, config_settings):
    project, tool = _config()
    path = tool.get("log")
    if path:
        with open(path, "a") as fh:
            fh.write(hook + " " + json.dumps(config_settings or {}, sort_keys=True) + "\\n")
    fail = tool.get("fail")
    if fail and hook.startswith("build"):
        print("running build_ext")
        print("gcc -c module.c -o module.o")
        print("module.c:1:10: fatal error: missing_header.h: No such file or directory", file=sys.stderr)
        raise RuntimeError(fail)


def _metadata():
    project, tool = _config()
    name, version = project["name"], project["version"]
    deps = project.get("dependencies")
    if deps is None:
        deps = tool.get("dependencies", [])
    lines = ["Metadata-Version: 2.1", "Name: " + name, "Version: " + version]
    if project.get("requires-python"):
        lines.append("Requires-Python: " + project["requires-python"])
    lines += ["Requires-Dist: " + dep for dep in deps]
    for extra, reqs in project.get("optional-dependencies", {}).items():
        lines.append("Provides-Extra: " + extra)
        for req in reqs:
            marker = 'extra == "%s"' % extra
            if ";" in req:
                req, _, own = req.partition(";")
                marker = "(%s) and %s" % (own.strip(), marker)
            lines.append("Requires-Dist: %s; %s" % (req.strip(), marker))
    stem = re.sub(r"[-_.]+", "_", name).lower() + "-" + version
    return ("\\n".join(lines) + "\\n").encode(), stem, re.sub(r"[-_.]+", "_", name).lower()


def get_requires_for_build_wheel(config_settings=None):
    return []


get_requires_for_build_editable = get_requires_for_build_wheel


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _log("prepare_metadata_for_build_wheel", config_settings)
    data, stem, _ = _metadata()
    dist_info = os.path.join(metadata_directory, stem + ".dist-info")
    os.makedirs(dist_info, exist_ok=True)
    with open(os.path.join(dist_info, "METADATA"), "wb") as fh:
        fh.write(data)
    return stem + ".dist-info"


def _hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _write(wheel_directory, members, stem):
    data, _, _ = _metadata()
    dist_info = stem + ".dist-info"
    members[dist_info + "/METADATA"] = data
    members[dist_info + "/WHEEL"] = (
        b"Wheel-Version: 1.0\\nGenerator: puv-inline-backend\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\\n")
    for rel, content in members.items():
        writer.writerow([rel, _hash(content), len(content)])
    writer.writerow([dist_info + "/RECORD", "", ""])
    members[dist_info + "/RECORD"] = out.getvalue().encode()
    filename = stem + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, content in members.items():
            zf.writestr(rel, content)
    return filename


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _log("build_wheel", config_settings)
    _, stem, package = _metadata()
    members = {}
    for root, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            rel = os.path.join(root, name).replace(os.sep, "/")
            with open(rel, "rb") as fh:
                members[rel] = fh.read()
    return _write(wheel_directory, members, stem)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    _log("build_editable", config_settings)
    _, stem, package = _metadata()
    members = {"__editable__." + package + ".pth": (os.path.abspath(".") + "\\n").encode()}
    return _write(wheel_directory, members, stem)
'''


def _toml_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def make_project(
    path: Path,
    name: str,
    version: str,
    *,
    dependencies: Sequence[str] = (),
    dynamic_dependencies: bool = False,
    extras: Mapping[str, Sequence[str]] | None = None,
    requires_python: str | None = None,
    log: Path | None = None,
    fail: str | None = None,
    module_source: str | None = None,
) -> Path:
    """Write a project at ``path`` (created) built by the inline backend; see the module docstring."""
    path.mkdir(parents=True, exist_ok=True)
    package = name.replace("-", "_").replace(".", "_").lower()
    lines = [
        "[build-system]",
        "requires = []",
        f'build-backend = "{BACKEND_MODULE}"',
        'backend-path = ["."]',
        "",
        "[project]",
        f'name = "{name}"',
        f'version = "{version}"',
    ]
    if requires_python:
        lines.append(f'requires-python = "{requires_python}"')
    if dynamic_dependencies:
        lines.append('dynamic = ["dependencies"]')
    else:
        lines.append(f"dependencies = {_toml_list(dependencies)}")
    if extras:
        lines += ["", "[project.optional-dependencies]"]
        lines += [f"{extra} = {_toml_list(reqs)}" for extra, reqs in extras.items()]
    lines += ["", "[tool.inline-backend]"]
    if dynamic_dependencies:
        lines.append(f"dependencies = {_toml_list(dependencies)}")
    if log is not None:
        lines.append(f"log = {json.dumps(str(log))}")
    if fail is not None:
        lines.append(f"fail = {json.dumps(fail)}")
    (path / "pyproject.toml").write_text("\n".join(lines) + "\n")
    (path / f"{BACKEND_MODULE}.py").write_text(BACKEND_SOURCE)
    (path / package).mkdir(exist_ok=True)
    source = module_source if module_source is not None else f'VALUE = "{name} {version}"\n'
    (path / package / "__init__.py").write_text(source)
    return path


def build_log(path: Path) -> list[str]:
    """The hooks the backend recorded (``[]`` when none ran)."""
    try:
        return path.read_text().splitlines()
    except FileNotFoundError:
        return []
