"""Scripts: entry-point launchers and ``#!python`` rewriting (binary distribution format).

Console and GUI entry points (``[console_scripts]`` / ``[gui_scripts]`` in
``entry_points.txt``, see the entry points specification) become small
launcher scripts in the environment's scripts directory. Their text is the one
pip writes (its vendored distlib ``ScriptMaker`` template), so an environment
made by puv matches one made by pip byte for byte::

    #!/path/to/venv/bin/python
    # -*- coding: utf-8 -*-
    import re
    import sys
    from module import attr
    if __name__ == '__main__':
        sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
        sys.exit(attr())

Shebang rules (POSIX, as distlib and ``installer``): ``#!<python>`` when the
path has no space and the line fits the kernel's limit (127 bytes on Linux,
512 on macOS); otherwise the ``/bin/sh`` trick: a shell line that ``exec``\\ s the
quoted interpreter, which Python itself reads as a string literal.

Scripts shipped in ``{name}-{version}.data/scripts/`` whose first line starts
with ``#!python`` get that line replaced by the target interpreter's shebang
(pip: ``fix_script``). GUI scripts are the same on POSIX.
"""

from __future__ import annotations

import sys

from puv.errors import InstallError
from puv.primitives.metadata import EntryPoint

SCRIPT_GROUPS = ("console_scripts", "gui_scripts")

LAUNCHER_TEMPLATE = """\
# -*- coding: utf-8 -*-
import re
import sys
from {module} import {import_name}
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit({func}())
"""


class InvalidEntryPoint(InstallError):
    """A console/GUI entry point cannot become a launcher script."""


def _max_shebang_length(platform: str) -> int:
    return 512 if platform == "darwin" else 127


def build_shebang(executable: str, post_interp: str = "", *, platform: str | None = None) -> bytes:
    """The shebang (ending in ``\\n``) that runs ``executable``, as distlib builds it."""
    platform = sys.platform if platform is None else platform
    exe = executable
    if " " in exe and not exe.startswith('"'):
        exe = f'"{exe}"'
    raw = exe.encode("utf-8")
    post = post_interp.encode("utf-8")
    if b" " not in raw and len(raw) + len(post) + 3 <= _max_shebang_length(platform):
        return b"#!" + raw + post + b"\n"
    return b"#!/bin/sh\n'''exec' " + raw + post + b' "$0" "$@"\n' + b"' '''\n"


def launcher_script(entry_point: EntryPoint, executable: str, *, platform: str | None = None) -> bytes:
    """The launcher text for a console or GUI entry point (``module:attr``)."""
    check_script_name(entry_point.name)
    from puv.errors import MetadataError

    try:
        ref = entry_point.object_ref()
    except MetadataError as error:
        raise InvalidEntryPoint(
            f"invalid entry point `{entry_point.name} = {entry_point.value}`",
            causes=[str(error)],
        ) from None
    if ref.attr is None:
        raise InvalidEntryPoint(
            f"invalid script entry point `{entry_point.name} = {entry_point.value}`: "
            "a callable suffix (`module:function`) is required",
            hints=["see the entry points specification: scripts need `module:function`"],
        )
    body = LAUNCHER_TEMPLATE.format(
        module=ref.module, import_name=ref.attr.split(".")[0], func=ref.attr
    )
    return build_shebang(executable, platform=platform) + body.encode("utf-8")


def check_script_name(name: str) -> str:
    """Refuse a script name that is not a plain file name (it would escape the scripts dir)."""
    if not name or "/" in name or "\\" in name or name in (".", "..") or "\x00" in name:
        raise InvalidEntryPoint(
            f"invalid script name `{name}`",
            hints=["script names must be plain file names"],
        )
    return name


def script_entry_points(entry_points: tuple[EntryPoint, ...]) -> tuple[EntryPoint, ...]:
    """The console and GUI entry points, console first, the last definition of a name winning."""
    chosen: dict[str, EntryPoint] = {}
    for group in SCRIPT_GROUPS:
        for ep in entry_points:
            if ep.group == group:
                chosen[ep.name] = ep
    return tuple(chosen.values())


def rewrite_python_shebang(data: bytes, executable: str, *, platform: str | None = None) -> bytes | None:
    """``data`` with a leading ``#!python...`` line replaced; None when it has none (pip's rule)."""
    if not data.startswith(b"#!python"):
        return None
    end = data.find(b"\n")
    rest = b"" if end < 0 else data[end + 1:]
    return build_shebang(executable, platform=platform) + rest
