"""Build errors: what failed, the backend's output (last lines) and hints read from it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from puv.errors import BuildError

#: How many lines of a backend's output an error shows.
OUTPUT_TAIL = 50

_HEADER_RE = re.compile(r"fatal error: ([\w./+-]+\.h(?:pp)?): No such file or directory")
_COMPILER_RE = re.compile(
    r"(?:command '([\w./+-]*(?:gcc|cc|clang|g\+\+|c\+\+))' failed|"
    r"unable to execute '([\w./+-]*(?:gcc|cc|clang|g\+\+|c\+\+))'|"
    r"([\w./+-]*(?:gcc|clang|g\+\+|c\+\+)): (?:command )?not found|"
    r"error: Microsoft Visual C\+\+)"
)
_MISSING_MODULE_RE = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")
_HEADER_PACKAGES = {
    "Python.h": "the Python development headers (python3-dev / python3-devel)",
    "ffi.h": "libffi development files (libffi-dev / libffi-devel)",
    "openssl/ssl.h": "OpenSSL development files (libssl-dev / openssl-devel)",
    "zlib.h": "zlib development files (zlib1g-dev / zlib-devel)",
    "pg_config.h": "PostgreSQL development files (libpq-dev / postgresql-devel)",
    "mysql.h": "MySQL development files (libmysqlclient-dev)",
    "libxml/xmlversion.h": "libxml2 development files (libxml2-dev / libxml2-devel)",
}


class BuildFailed(BuildError):
    """A build backend's hook failed; ``output`` holds what it printed (every line).

    Hints read from the output (:func:`output_hints`) follow ``hints`` unless
    ``read_output`` is False; ``isolated`` says whether the build ran in its own
    environment (False: ``--no-build-isolation``, the target environment)."""

    def __init__(
        self,
        message: str,
        *,
        output: Sequence[str] = (),
        hints: Sequence[str] = (),
        causes: Sequence[str] = (),
        isolated: bool = True,
        read_output: bool = True,
    ) -> None:
        self.output = tuple(output)
        all_causes = list(causes)
        tail = self.output[-OUTPUT_TAIL:]
        if tail:
            skipped = len(self.output) - len(tail)
            head = f"the build backend's output (last {len(tail)} of {len(self.output)} lines):" if skipped else (
                "the build backend's output:"
            )
            all_causes.append(head + "\n" + "\n".join(line.rstrip() or " " for line in tail))
        super().__init__(
            message,
            hints=[*hints, *(output_hints(self.output, isolated=isolated) if read_output else ())],
            causes=all_causes,
        )


class BuildNotAllowed(BuildError):
    """A build that ``--no-build`` / ``--only-binary`` forbids."""


class InvalidProject(BuildError):
    """A source tree that cannot be built as it is (no pyproject.toml or setup.py, bad TOML)."""


def output_hints(lines: Sequence[str], *, isolated: bool = True) -> list[str]:
    """Hints for a failed build, from what the backend printed."""
    hints: list[str] = []
    text = "\n".join(lines)
    for header in dict.fromkeys(_HEADER_RE.findall(text)):
        package = _HEADER_PACKAGES.get(header)
        provider = package or "the development package that provides it"
        hints.append(f"the C header file `{header}` is missing: install {provider}")
    if _COMPILER_RE.search(text):
        hints.append("a C compiler is needed to build this package: install one (e.g. gcc, build-essential)")
    for module in dict.fromkeys(_MISSING_MODULE_RE.findall(text)):
        top = module.split(".")[0]
        if top != module:
            # Python imported `top` and found no `module` in it: the package is there.
            hints.append(
                f"`{top}` is installed but has no module `{module}`: check the module's name, "
                f"or the version of `{top}` the build requires"
            )
        elif isolated:
            hints.append(
                f"the build imports `{top}`, which is not among its build requirements: "
                "ask the project to add it to [build-system] requires, or install it in the target "
                "environment and use `--no-build-isolation`"
            )
        else:
            hints.append(
                f"the build imports `{top}`, which the target environment does not have: "
                "--no-build-isolation builds there, so install the package that provides it there first, "
                "or build without --no-build-isolation"
            )
    return hints
