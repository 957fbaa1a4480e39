"""Calling a build backend's hooks (PEP 517 / PEP 660) in a subprocess, output captured.

The hooks run in the build environment's interpreter through
``pyproject_hooks`` (imported only here, only when a build happens). Whatever
the backend prints (standard output and standard error, interleaved) is kept
in :attr:`Frontend.output`: a failure becomes a
:class:`~puv.domain.build.errors.BuildFailed` carrying it; a success shows it
only to a caller that asks (``-v``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from puv.domain.build.errors import BuildFailed
from puv.domain.build.source import SourceTree

ConfigSettings = Mapping[str, "str | list[str]"]


def config_settings_dict(pairs: Sequence[tuple[str, str]]) -> dict[str, str | list[str]] | None:
    """``-C KEY=VALUE`` pairs as PEP 517 ``config_settings`` (a repeated key becomes a list)."""
    if not pairs:
        return None
    found: dict[str, str | list[str]] = {}
    for key, value in pairs:
        previous = found.get(key)
        if previous is None:
            found[key] = value
        elif isinstance(previous, list):
            previous.append(value)
        else:
            found[key] = [previous, value]
    return found


class Frontend:
    """The hooks of one source tree, called with one interpreter.

    ``environ`` is laid over ``os.environ`` for the subprocess (``PATH`` with
    the build environment's scripts first, ``VIRTUAL_ENV``; ``drop`` lists
    variables to remove). ``label`` names the project in errors.
    """

    def __init__(
        self,
        tree: SourceTree,
        python: str,
        *,
        label: str,
        environ: Mapping[str, str] | None = None,
        drop: Sequence[str] = (),
        config_settings: ConfigSettings | None = None,
        on_output: Callable[[str], None] | None = None,
        isolated: bool = True,
    ) -> None:
        self.tree = tree
        self.isolated = isolated
        self.python = python
        self.label = label
        self.environ = dict(environ or {})
        self.drop = tuple(drop)
        self.config_settings = config_settings
        self.on_output = on_output
        self.output: list[str] = []

    # -- the runner pyproject_hooks calls ---------------------------------------

    def _run(self, cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None) -> None:
        import subprocess

        env = dict(os.environ)
        for name in self.drop:
            env.pop(name, None)
        env.update(self.environ)
        env.update(extra_environ or {})
        process = subprocess.run(
            list(cmd), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        lines = process.stdout.decode("utf-8", "replace").splitlines()
        self.output.extend(lines)
        if self.on_output is not None:
            for line in lines:
                self.on_output(line)
        if process.returncode != 0:
            raise subprocess.CalledProcessError(process.returncode, list(cmd))

    def _caller(self) -> Any:
        from pyproject_hooks import BuildBackendHookCaller

        system = self.tree.build_system
        return BuildBackendHookCaller(
            str(self.tree.path),
            system.backend,
            backend_path=list(system.backend_path) or None,
            runner=self._run,
            python_executable=self.python,
        )

    def _call(self, hook: str, call: Callable[[Any], Any]) -> Any:
        import subprocess
        import warnings

        from pyproject_hooks import BackendUnavailable, BuildBackendWarning, HookMissing

        backend = self.tree.build_system.backend
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", BuildBackendWarning)
                return call(self._caller())
        except subprocess.CalledProcessError as error:
            raise BuildFailed(
                f"Failed to build `{self.label}`",
                output=self.output,
                causes=[f"the build backend's `{hook}` hook failed (exit code {error.returncode})"],
                isolated=self.isolated,
            ) from None
        except BackendUnavailable as error:
            output = [*self.output, *error.traceback.splitlines()]
            requires = self.tree.build_system.requires
            hints: list[str] = []
            if self.isolated:
                hints.append(
                    "check `build-system.build-backend` and that `build-system.requires` lists the package "
                    "that provides it"
                )
            elif requires:
                # The target environment lacks the build requirements: say which (and
                # leave out the output's "imports X" hint, which says less).
                hints.append(
                    "--no-build-isolation builds in the target environment: install "
                    f"{', '.join(f'`{r}`' for r in requires)} there first, or build without --no-build-isolation"
                )
            raise BuildFailed(
                f"Failed to build `{self.label}`",
                output=output,
                causes=[f"the build backend `{backend}` could not be imported"],
                hints=hints,
                isolated=self.isolated,
                read_output=self.isolated or not requires,
            ) from None
        except HookMissing as error:
            if error.hook_name in ("build_editable", "prepare_metadata_for_build_editable"):
                raise BuildFailed(
                    f"`{self.label}` cannot be installed in editable mode",
                    causes=[f"the build backend `{backend}` does not support editable installs (PEP 660)"],
                    hints=["upgrade the build backend (setuptools>=64 supports PEP 660), or install without `-e`"],
                ) from None
            raise BuildFailed(
                f"Failed to build `{self.label}`",
                causes=[f"the build backend `{backend}` has no `{error.hook_name}` hook"],
            ) from None

    # -- hooks -----------------------------------------------------------------

    def get_requires(self, *, editable: bool) -> list[str]:
        """The backend's extra build requirements (``get_requires_for_build_wheel`` / ``_editable``)."""
        settings = self.config_settings
        if editable:
            hook = "get_requires_for_build_editable"
            found = self._call(hook, lambda c: c.get_requires_for_build_editable(config_settings=settings))
        else:
            hook = "get_requires_for_build_wheel"
            found = self._call(hook, lambda c: c.get_requires_for_build_wheel(config_settings=settings))
        if not isinstance(found, list) or not all(isinstance(item, str) for item in found):
            raise BuildFailed(
                f"Failed to build `{self.label}`",
                output=self.output,
                causes=[f"the `{hook}` hook returned {found!r}, not a list of requirement strings"],
            )
        return found

    def prepare_metadata(self, directory: Path, *, editable: bool) -> Path:
        """The ``.dist-info`` directory the backend writes into ``directory``.

        A backend without the hook builds the wheel and its metadata is taken
        from it (pyproject_hooks' fallback).
        """
        settings = self.config_settings
        if editable:
            name = self._call(
                "prepare_metadata_for_build_editable",
                lambda c: c.prepare_metadata_for_build_editable(str(directory), config_settings=settings),
            )
        else:
            name = self._call(
                "prepare_metadata_for_build_wheel",
                lambda c: c.prepare_metadata_for_build_wheel(str(directory), config_settings=settings),
            )
        return directory / str(name)

    def build(self, directory: Path, *, editable: bool) -> Path:
        """Build a wheel (``build_editable`` when ``editable``, PEP 660) into ``directory``."""
        settings = self.config_settings
        if editable:
            name = self._call("build_editable", lambda c: c.build_editable(str(directory), config_settings=settings))
        else:
            name = self._call("build_wheel", lambda c: c.build_wheel(str(directory), config_settings=settings))
        path = directory / str(name)
        if not path.is_file() or not path.name.endswith(".whl"):
            raise BuildFailed(
                f"Failed to build `{self.label}`",
                output=self.output,
                causes=[f"the build backend returned `{name}`, which is not a wheel it wrote"],
            )
        return path
