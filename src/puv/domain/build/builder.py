"""The builder: metadata and wheels of local projects and sdists, cached.

:class:`Builder` answers two questions about a local source (a project
directory or an sdist file):

- :meth:`Builder.metadata`: its core metadata, without a build when the
  files say it is static (:mod:`.static_metadata`), else from the cache, else
  through the backend's ``prepare_metadata_for_build_wheel`` (which falls back
  to building the wheel);
- :meth:`Builder.build_wheel`: a wheel (``editable=True``: PEP 660's
  ``build_editable``), from the cache when the source is unchanged
  (:mod:`.cache`), else built in an isolated environment
  (:mod:`.environment`) and stored.

At most ``BuildOptions.concurrency`` backends run at once (0: one per CPU).
One builder lives for one command run: :meth:`close` removes its build
environments and unpacked sdists. It holds no global state.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from puv.domain.build.environment import BuildEnvironment, RequirementsInstaller
from puv.domain.build.errors import BuildFailed, InvalidProject
from puv.domain.build.frontend import Frontend, config_settings_dict
from puv.domain.build.source import SourceTree, is_sdist, load_tree
from puv.domain.python.interpreter import Interpreter
from puv.errors import BuildError, PuvError
from puv.io.archive import DEFAULT_UNPACK_LIMITS, UnpackLimits
from puv.io.cache import Cache
from puv.primitives.metadata import CoreMetadata


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """``isolation``: build in a fresh environment (``--no-build-isolation`` turns it off);
    ``config_settings``: ``-C KEY=VALUE`` pairs; ``concurrency``: parallel builds (0: CPUs);
    ``unpack_limits``: the decompression-bomb limits for unpacking sdists."""

    isolation: bool = True
    config_settings: tuple[tuple[str, str], ...] = ()
    concurrency: int = 0
    unpack_limits: UnpackLimits = DEFAULT_UNPACK_LIMITS


@dataclass(frozen=True, slots=True)
class BuiltWheel:
    """A wheel in the cache built from a source; ``built`` is False when it was reused."""

    path: Path
    sha256: str
    built: bool

    @property
    def filename(self) -> str:
        return self.path.name


class BuildReporter(Protocol):
    """Told about builds as they happen (from worker threads)."""

    def build_started(self, label: str) -> None: ...

    def build_finished(self, label: str, seconds: float) -> None: ...

    def backend_output(self, label: str, line: str) -> None: ...


class Builder:
    """See the module docstring. ``base`` is called (once) for the interpreter
    isolated environments are created on; ``target_python`` runs the hooks
    without isolation; ``installer`` fills build environments."""

    def __init__(
        self,
        *,
        cache: Cache,
        base: Callable[[], Interpreter],
        target_python: str,
        installer: RequirementsInstaller,
        options: BuildOptions = BuildOptions(),
        reporter: BuildReporter | None = None,
    ) -> None:
        self.cache = cache
        self.options = options
        self.reporter = reporter
        self._base_factory = base
        self._base: Interpreter | None = None
        self._target_python = target_python
        self._installer = installer
        self._lock = threading.Lock()
        self._key_locks: dict[object, threading.Lock] = {}
        self._trees: dict[str, SourceTree] = {}
        self._envs: dict[tuple[str, bool], BuildEnvironment] = {}
        self._temp: list[Path] = []
        slots = options.concurrency if options.concurrency > 0 else (os.cpu_count() or 1)
        self._slots = threading.BoundedSemaphore(slots)
        self._config = config_settings_dict(options.config_settings)

    # -- public ----------------------------------------------------------------

    def static_metadata(self, source: Path) -> CoreMetadata | None:
        """The metadata of ``source`` when it can be read without a backend (else None)."""
        from puv.domain.build.static_metadata import from_pkg_info, from_pyproject

        source = _absolute(source)
        if source.is_dir():
            from puv.domain.build.source import read_pyproject

            pyproject = read_pyproject(source)
            if pyproject is None:
                return None
            return from_pyproject(pyproject, source=str(source / "pyproject.toml"))
        members = _sdist_members(source, ("PKG-INFO", "pyproject.toml"))
        pkg_info = members.get("PKG-INFO")
        if pkg_info is not None:
            found = from_pkg_info(pkg_info, source=f"{source.name}/PKG-INFO")
            if found is not None:
                return found
        text = members.get("pyproject.toml")
        if text is not None:
            from puv.domain.build.source import load_toml

            try:
                data = load_toml(text.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                return None
            return from_pyproject(data, source=f"{source.name}/pyproject.toml")
        return None

    def metadata(self, source: Path, *, label: str | None = None) -> CoreMetadata:
        """The core metadata of the project at ``source`` (a directory or an sdist)."""
        from puv.domain.build.cache import entry_dir
        from puv.io.cache import read_or_none, write_atomic
        from puv.primitives.metadata import parse_metadata

        source = _absolute(source)
        _check_source(source)
        found = self.static_metadata(source)
        if found is not None:
            return found
        label = label or str(source)
        name, key = self._key(source, editable=False)
        path = entry_dir(self.cache, name, key) / "METADATA"
        raw = read_or_none(path)
        if raw is not None:
            try:
                return parse_metadata(raw, source=str(path))
            except PuvError:
                pass
        with self._slots:
            started = self._started(label)
            tree = self._tree(source)
            env = self._environment(tree, editable=False, label=label)
            frontend = self._frontend(tree, env, label)
            out = self._tempdir("metadata-")
            dist_info = frontend.prepare_metadata(out, editable=False)
            try:
                raw = (dist_info / "METADATA").read_bytes()
            except OSError:
                raise BuildFailed(
                    f"Failed to build `{label}`",
                    output=frontend.output,
                    causes=[f"the build backend wrote no METADATA in `{dist_info.name}`"],
                ) from None
            self._finished(label, started)
        metadata = parse_metadata(raw, source=f"{label} (prepared metadata)")
        write_atomic(self.cache, path, raw)
        return metadata

    def build_wheel(self, source: Path, *, editable: bool = False, label: str | None = None) -> BuiltWheel:
        """A wheel of the project at ``source``, from the cache or built now."""
        from puv.domain.build.cache import cached_wheel, entry_dir, sha256_file, store_file

        source = _absolute(source)
        _check_source(source)
        if editable and not source.is_dir():
            raise InvalidProject(
                f"`{source}` cannot be installed in editable mode: it is not a directory",
                hints=["an editable install needs a project directory"],
            )
        label = label or str(source)
        name, key = self._key(source, editable=editable)
        entry = entry_dir(self.cache, name, key)
        with self._key_lock(("wheel", str(entry))):
            wheel = cached_wheel(entry)
            if wheel is not None:
                return BuiltWheel(wheel, sha256_file(wheel), built=False)
            with self._slots:
                started = self._started(label)
                tree = self._tree(source)
                env = self._environment(tree, editable=editable, label=label)
                frontend = self._frontend(tree, env, label)
                built = frontend.build(self._tempdir("wheel-"), editable=editable)
                _check_wheel_name(built.name, frontend, label)
                self._finished(label, started)
            stored = store_file(self.cache, built, entry, built.name)
        return BuiltWheel(stored, sha256_file(stored), built=True)

    def close(self) -> None:
        """Remove this run's build environments and unpacked sources."""
        import shutil

        with self._lock:
            temp, self._temp = self._temp, []
            self._envs.clear()
            self._trees.clear()
        for path in temp:
            shutil.rmtree(path, ignore_errors=True)

    # -- helpers ----------------------------------------------------------------

    def _started(self, label: str) -> float:
        if self.reporter is not None:
            self.reporter.build_started(label)
        return time.perf_counter()

    def _finished(self, label: str, started: float) -> None:
        if self.reporter is not None:
            self.reporter.build_finished(label, time.perf_counter() - started)

    def _key_lock(self, key: object) -> threading.Lock:
        with self._lock:
            lock = self._key_locks.get(key)
            if lock is None:
                lock = self._key_locks[key] = threading.Lock()
            return lock

    def _tempdir(self, prefix: str) -> Path:
        import tempfile

        path = Path(tempfile.mkdtemp(prefix=f"build-{prefix}", dir=self.cache.tmpdir()))
        with self._lock:
            self._temp.append(path)
        return path

    def _key(self, source: Path, *, editable: bool) -> tuple[str | None, str]:
        """(project name when known without a build, cache key) of ``source``."""
        from puv.domain.build.cache import config_suffix, directory_fingerprint, sha256_file

        suffix = config_suffix(self.options.config_settings)
        if not self.options.isolation:
            suffix += "-noiso"
        name = project_name(source)
        if source.is_dir():
            kind = "editable" if editable else "dir"
            return name, f"{kind}-{directory_fingerprint(source, editable=editable)}{suffix}"
        return name, f"sdist-{sha256_file(source)}{suffix}"

    def _tree(self, source: Path) -> SourceTree:
        """The source tree of ``source`` (an sdist is unpacked once per run)."""
        if source.is_dir():
            return load_tree(source)
        with self._key_lock(("tree", str(source))):
            with self._lock:
                known = self._trees.get(str(source))
            if known is not None:
                return known
            from puv.domain.build.source import unpack_sdist

            tree = load_tree(unpack_sdist(source, self._tempdir("src-"), limits=self.options.unpack_limits))
            with self._lock:
                self._trees[str(source)] = tree
            return tree

    def _is_unpacked(self, tree: SourceTree) -> bool:
        """Whether ``tree`` is an sdist this builder unpacked (not a user's directory)."""
        with self._lock:
            return any(known.path == tree.path for known in self._trees.values())

    def _base_interpreter(self) -> Interpreter:
        with self._lock:
            if self._base is None:
                self._base = self._base_factory()
            return self._base

    def _frontend(self, tree: SourceTree, env: BuildEnvironment, label: str) -> Frontend:
        reporter = self.reporter
        on_output = None if reporter is None else (lambda line: reporter.backend_output(label, line))

        environ = env.environ()
        if self._is_unpacked(tree):
            # An unpacked sdist is not part of any repository: a setup.py asking git for
            # its version must not find the one that happens to hold the cache directory.
            ceiling = str(tree.path.parent)
            inherited = environ.get("GIT_CEILING_DIRECTORIES") or os.environ.get("GIT_CEILING_DIRECTORIES")
            environ = {**environ, "GIT_CEILING_DIRECTORIES": f"{ceiling}{os.pathsep}{inherited}" if inherited else ceiling}
        return Frontend(
            tree,
            env.python,
            label=label,
            environ=environ,
            drop=env.dropped(),
            config_settings=self._config,
            on_output=on_output,
            isolated=self.options.isolation,
        )

    def _environment(self, tree: SourceTree, *, editable: bool, label: str) -> BuildEnvironment:
        """The build environment of ``tree``, created and filled once per run."""
        from puv.domain.build.environment import create_isolated, target_environment

        if not self.options.isolation:
            return target_environment(self._target_python)
        key = (str(tree.path), editable)
        with self._key_lock(("env", key)):
            with self._lock:
                known = self._envs.get(key)
            if known is not None:
                return known
            env = create_isolated(self._base_interpreter(), self._tempdir("env-") / "env")
            requires = list(dict.fromkeys(tree.build_system.requires))
            if requires:
                self._install(requires, env, label)
            extra = self._frontend(tree, env, label).get_requires(editable=editable)
            missing = [item for item in dict.fromkeys(extra) if item not in requires]
            if missing:
                self._install([*requires, *missing], env, label)
            with self._lock:
                self._envs[key] = env
            return env

    def _install(self, requirements: Sequence[str], env: BuildEnvironment, label: str) -> None:
        try:
            self._installer.install(requirements, env.python)
        except BuildError:
            raise
        except PuvError as error:
            raise BuildError(
                f"Failed to install the build requirements of `{label}`: {', '.join(requirements)}",
                causes=[error.message, *error.causes],
                hints=error.hints,
            ) from None


def project_name(source: Path) -> str | None:
    """The normalised name of the project at ``source`` when known without a build
    (``[project] name``, an sdist's file name), else None."""
    from packaging.utils import canonicalize_name

    if source.is_dir():
        from puv.domain.build.source import read_pyproject

        try:
            pyproject = read_pyproject(source)
        except InvalidProject:
            return None
        project = pyproject.get("project") if pyproject is not None else None
        if isinstance(project, dict) and isinstance(project.get("name"), str):
            return str(canonicalize_name(project["name"]))
        return None
    from puv.primitives.filenames import try_parse_filename

    parsed = try_parse_filename(source.name)
    return str(parsed.name) if parsed is not None else None


def _absolute(source: Path) -> Path:
    return Path(os.path.abspath(os.path.expanduser(os.fspath(source))))


def _check_source(source: Path) -> None:
    if source.is_dir():
        return
    if not source.exists():
        raise InvalidProject(f"`{source}` does not exist")
    if not is_sdist(source.name):
        raise InvalidProject(
            f"`{source}` is neither a project directory nor a source distribution (.tar.gz, .zip)",
        )


def _check_wheel_name(filename: str, frontend: Frontend, label: str) -> None:
    from puv.errors import InvalidFilename
    from puv.primitives.filenames import parse_wheel_filename

    try:
        parse_wheel_filename(filename)
    except InvalidFilename as error:
        raise BuildFailed(
            f"Failed to build `{label}`",
            output=frontend.output,
            causes=[f"the build backend wrote `{filename}`, which is not a valid wheel file name: {error.message}"],
        ) from None


def _sdist_members(archive: Path, names: Sequence[str]) -> dict[str, bytes]:
    """Files at the top of an sdist's project directory (``PKG-INFO``...), read without unpacking."""
    found: dict[str, bytes] = {}
    wanted = set(names)
    try:
        if archive.name.lower().endswith(".zip"):
            import zipfile

            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    parts = info.filename.split("/")
                    if len(parts) == 2 and parts[1] in wanted and parts[1] not in found:
                        found[parts[1]] = zf.read(info)
        else:
            import tarfile

            with tarfile.open(archive) as tf:
                for member in tf:
                    parts = member.name.split("/")
                    if len(parts) == 2 and parts[1] in wanted and member.isfile() and parts[1] not in found:
                        handle = tf.extractfile(member)
                        if handle is not None:
                            found[parts[1]] = handle.read()
                    if len(found) == len(wanted):
                        break
    except Exception as error:  # tarfile.TarError, zipfile.BadZipFile, OSError, EOFError
        raise InvalidProject(f"{archive.name} is not a valid source archive", causes=[str(error)]) from None
    return found
