"""Wiring the builder (:mod:`puv.domain.build`) into `pip install` / `pip compile`.

:class:`BuildSession` is the run's one builder front:

- the resolver's :class:`~puv.domain.resolver.build_context.BuildContext`
  (metadata of local projects and sdists);
- the install pipeline's ``build`` step (an item of a local source becomes an
  item of a built wheel in the cache);
- the filler of isolated build environments: puv's own resolver and
  installer (`pip install`'s engine, quietly, without builds of its own).

``--no-build`` / ``--only-binary`` forbid builds of local projects too, and
``--no-binary`` forbids installing a wheel file given by path or URL.

Remote sources (an sdist URL, a VCS URL) reach the builder through ``fetch``
(:class:`puv.cli.remote_sources.RemoteSources`): a function that brings the
source a requirement names to a local directory or archive, or a
:class:`~puv.cli.remote_sources.FetchedSource` that also says the pinned URL
(a git URL at its commit) and the ``direct_url.json`` to record (None: only
local sources can be built). What it returns is remembered by the
requirement's URL and the pinned one, so the install step builds the same tree.

Versions an index has only as a source distribution (or ``--no-binary``) are
downloaded into the cache (hash-checked, by content), their metadata read
from a static PKG-INFO or the backend, and built at install time; built
wheels are kept by the sdist's sha256, so the next install builds nothing.
"""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # ``typing`` stays off the start-up path; type checkers read True
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from puv.cli.remote_sources import FetchedSource
    from puv.context import Context
    from puv.domain.build.builder import Builder, BuildOptions
    from puv.domain.index.candidates import SelectionPolicy
    from puv.domain.installer.operation import InstallItem
    from puv.domain.python.interpreter import Interpreter
    from puv.primitives.metadata import CoreMetadata
    from puv.primitives.requirement_spec import RequirementSpec
    from puv.primitives.simple_api import DistFile


def add_build_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("build")
    group.add_argument(
        "--no-build-isolation", action="store_true",
        help="Build in the target environment, with the build requirements already installed there",
    )
    group.add_argument(
        "-C", "--config-settings", dest="config_settings", action="append", default=None, metavar="KEY=VALUE",
        help="Settings passed to the build backend (PEP 517 config_settings; repeatable)",
    )


def build_options(ctx: Context, args: argparse.Namespace) -> BuildOptions:
    """The build options of a command's arguments and settings."""
    from puv.domain.build.builder import BuildOptions
    from puv.errors import UsageError

    pairs: list[tuple[str, str]] = []
    for value in getattr(args, "config_settings", None) or ():
        key, sep, item = value.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"invalid --config-settings value `{value}`: expected KEY=VALUE",
                hints=["for example `-C editable_mode=compat`"],
            )
        pairs.append((key.strip(), item))
    return BuildOptions(
        isolation=not getattr(args, "no_build_isolation", False),
        config_settings=tuple(pairs),
        concurrency=ctx.settings.concurrent_builds,
        unpack_limits=ctx.unpack_limits(),
    )


def local_source(spec: RequirementSpec) -> Path | None:
    """The local path a direct requirement names (a path or a ``file:`` URL), else None."""
    from pathlib import Path

    if spec.path is not None:
        return Path(spec.path).expanduser().resolve()
    if spec.url is not None and spec.url.lower().startswith("file:"):
        return file_url_path(spec.url.partition("#")[0]).resolve()
    return None


def subdirectory_in(root: Path, subdirectory: str, *, where: str, requirement: str) -> Path:
    """``root/subdirectory`` (a URL's ``#subdirectory=``) when it is a directory inside
    ``root``; else an error naming it, ``where`` it was looked for and ``requirement``."""
    from pathlib import PurePosixPath

    from puv.errors import InputError

    path = root / subdirectory
    if ".." in PurePosixPath(subdirectory).parts or subdirectory.startswith("/") or not path.is_dir():
        raise InputError(
            f"the subdirectory `{subdirectory}` does not exist in {where}",
            hints=[f"check #subdirectory= in {requirement}"],
        )
    return path


def file_url_path(url: str) -> Path:
    """The local path of a ``file:`` URL (percent-decoded once)."""
    from pathlib import Path
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    return Path(url2pathname(urlsplit(url).path))


def check_wheel_policy(specs: Sequence[RequirementSpec], policy: SelectionPolicy) -> None:
    """``--no-binary NAME`` against wheel files given by path or URL."""
    from puv.domain.build.errors import BuildNotAllowed
    from puv.primitives.requirement_spec import is_wheel

    for spec in specs:
        location = spec.location
        name = spec.canonical_name
        if location is None or name is None or not is_wheel(location):
            continue
        if not policy.allows_wheel(name):
            raise BuildNotAllowed(
                f"`{name}` is given as a wheel (`{location}`), but `--no-binary` forbids wheels of `{name}`",
                hints=[f"drop `{name}` (or `:all:`) from --no-binary, or give the project's source instead"],
            )


class BuildSession:
    """See the module docstring. ``interpreter`` is called (once) for the target interpreter."""

    def __init__(
        self,
        ctx: Context,
        interpreter: Callable[[], Interpreter],
        options: BuildOptions,
        policy: SelectionPolicy,
        fetch: Callable[[RequirementSpec], Path | FetchedSource] | None = None,
    ) -> None:
        self.ctx = ctx
        self.options = options
        self.policy = policy
        self.fetch = fetch
        self._interpreter = interpreter
        self._builder: Builder | None = None
        self._fetched: dict[str, Path] = {}  # an index sdist's URL -> its local copy
        self._sources: dict[str, FetchedSource] = {}  # direct / pinned URL -> what ``fetch`` made

    # -- the builder, created on first use ----------------------------------------

    def builder(self) -> Builder:
        if self._builder is None:
            from puv.domain.build.builder import Builder

            target = self._interpreter()

            def base() -> Interpreter:
                if not target.is_venv:
                    return target
                from puv.domain.python.interpreter import query_interpreter

                return query_interpreter(target.base_executable, self._interpreter_cache())

            self._builder = Builder(
                cache=self.ctx.cache(),
                base=base,
                target_python=target.sys_executable,
                installer=self,
                options=self.options,
                reporter=_Reporter(self.ctx),
            )
        return self._builder

    def close(self) -> None:
        if self._builder is not None:
            self._builder.close()
        closer = getattr(self.fetch, "close", None)
        if callable(closer):
            closer()

    def _interpreter_cache(self) -> Path | None:
        return None if self.ctx.settings.no_cache else self.ctx.settings.cache_dir

    # -- policy --------------------------------------------------------------------

    def check_allowed(self, name: str | None, what: str) -> None:
        """Raise when ``--no-build`` / ``--only-binary`` forbid building ``what``."""
        from puv.domain.build.errors import BuildNotAllowed

        blocker = self.policy.sdist_blocker(name or "")
        if blocker is None:
            return
        shown = f"`{name}` ({what})" if name else f"`{what}`"
        if blocker == "no-build":
            raise BuildNotAllowed(
                f"Building source distributions is disabled, but {shown} needs a build",
                hints=[
                    f"{shown} is a project to build: drop `--no-build` to build it, or install a wheel of it"
                ],
            )
        raise BuildNotAllowed(
            f"`--only-binary` forbids building {shown}",
            hints=[f"drop `{name or ':all:'}` from --only-binary to build it, or install a wheel of it"],
        )

    # -- BuildContext (the resolver) -------------------------------------------------

    def source_of(self, spec: RequirementSpec) -> Path:
        """The local directory or archive to build for a direct requirement."""
        from puv.errors import BuildError

        from puv.domain.resolver.build_context import url_subdirectory

        source = local_source(spec)
        subdirectory = url_subdirectory(spec.url) if source is not None and spec.url else None
        if source is not None and subdirectory is not None and source.is_dir():
            return subdirectory_in(source, subdirectory, where=str(source), requirement=f"`{spec}`")
        if source is not None and subdirectory is None:
            if spec.url is not None and "#" in spec.url and source.is_file():
                # ``name @ file:///x.tar.gz#sha256=...``: the URL's hash holds for a local file too
                from puv.domain.sources.archives import check_local_archive

                check_local_archive(spec.url, spec.hashes)
            return source
        # Remote sources, and local archives with a #subdirectory= (unpacked like remote ones).
        if self.fetch is None:
            raise BuildError(
                f"`{spec}` needs a build from a remote source, and remote sources are not fetched here",
                hints=["download or check it out, and install it from the local directory or archive"],
            )
        from puv.cli.remote_sources import FetchedSource
        from puv.domain.resolver.build_context import direct_url

        key = direct_url(spec)
        known = self._sources.get(key)
        if known is not None:
            return known.path
        found = self.fetch(spec)
        fetched = found if isinstance(found, FetchedSource) else FetchedSource(found, key)
        self._sources[key] = self._sources[fetched.url] = fetched
        return fetched.path

    def resolved_url(self, spec: RequirementSpec) -> str:
        """The URL pinning exactly the source :meth:`direct_metadata` read (a git
        requirement at its commit); else the requirement's own URL."""
        from puv.domain.resolver.build_context import direct_url

        key = direct_url(spec)
        fetched = self._sources.get(key)
        return fetched.url if fetched is not None else key

    def direct_metadata(self, spec: RequirementSpec) -> CoreMetadata:
        source = self.source_of(spec)
        if not source.exists():
            from puv.errors import InputError

            raise InputError(
                f"Distribution not found at: {source.as_uri()}",
                source=spec.origin.source,
                lineno=spec.origin.lineno,
            )
        builder = self.builder()
        found = builder.static_metadata(source)
        if found is not None:
            return found
        from puv.domain.build.builder import project_name

        name = spec.name or project_name(source)
        label = f"{name} @ {source.as_uri()}" if name else source.as_uri()
        self.check_allowed(name, source.as_uri())
        return builder.metadata(source, label=label)

    def sdist_metadata(self, project: str, file: DistFile) -> CoreMetadata:
        """The metadata of an index's sdist: downloaded (hash-checked, cached by
        content), then its static PKG-INFO, else the backend's (cached in built-v1)."""
        from puv.primitives.filenames import try_parse_filename

        parsed = try_parse_filename(file.filename, project)
        label = f"{project}=={parsed.version}" if parsed is not None else f"{project} ({file.filename})"
        self.check_allowed(project, file.filename)
        source = self.index_sdist(project, file)
        builder = self.builder()
        metadata = builder.static_metadata(source)
        if metadata is None:
            metadata = builder.metadata(source, label=label)
        _check_identity(metadata, project, parsed.version if parsed is not None else None, file.filename)
        return metadata

    def index_sdist(self, project: str, file: DistFile, required: Sequence[tuple[str, str]] = ()) -> Path:
        """The local copy of an index's sdist (a ``file:`` URL in place; else downloaded
        into the cache once, checked against the index's and the requirement's hashes)."""
        url = file.url.partition("#")[0]
        known = self._fetched.get(url)
        if known is not None:
            if required:
                _check_hashes(known, required)
            return known
        from puv.domain.sources.archives import fetch_archive

        # The index's digests must all match (as a URL's #sha256=); of the
        # requirement's --hash values, one.
        fragment = "&".join(f"{alg}={digest}" for alg, digest in file.hashes if alg in ("sha256", "sha384", "sha512"))
        hashes = [f"{alg}:{digest}" for alg, digest in required]
        self.ctx.printer.debug(f"Fetching the source distribution {file.filename}")
        fetched = fetch_archive(
            f"{url}#{fragment}" if fragment else url, http=self.ctx.http(), cache=self.ctx.cache(), hashes=hashes
        )
        self._fetched[url] = fetched.path
        return fetched.path

    def project_metadata(self, directory: Path) -> CoreMetadata:
        """The metadata of the project in ``directory`` (compile's pyproject.toml / setup.py inputs)."""
        builder = self.builder()
        found = builder.static_metadata(directory)
        if found is not None:
            return found
        from puv.domain.build.builder import project_name

        self.check_allowed(project_name(directory), directory.as_uri())
        return builder.metadata(directory, label=directory.as_uri())

    # -- the install pipeline's build step -------------------------------------------

    def build(self, item: InstallItem) -> InstallItem:
        """``item`` (a local project or sdist) as an item of its built wheel."""
        from dataclasses import replace

        from puv.domain.build.cache import sha256_file
        from puv.errors import BuildError, InputError
        from puv.primitives.simple_api import DistFile

        file = item.prepare.file
        url = file.url
        direct_json: dict[str, object] | None = None
        fetched: FetchedSource | None = None
        if item.direct_url is None:
            # A source distribution from an index (or find-links): fetched and built by content.
            label = f"{item.desired.name}=={item.desired.version}"
            self.check_allowed(item.desired.name, file.filename)
            source = self.index_sdist(item.prepare.project, file, item.prepare.required_hashes)
        else:
            fetched = self._sources.get(item.direct_url)
            if fetched is None and not url.startswith("file:"):
                raise BuildError(
                    f"{item.desired.name}=={item.desired.version} needs a build from `{url}`, "
                    "which was not fetched during the resolution",
                )
            from puv.domain.resolver.build_context import url_subdirectory

            source = fetched.path if fetched is not None else file_url_path(url)
            subdirectory = url_subdirectory(item.direct_url) if fetched is None else None
            if subdirectory is not None and source.is_dir():
                source = subdirectory_in(source, subdirectory, where=str(source), requirement=f"`{item.direct_url}`")
            direct_json = fetched.direct_url if fetched is not None else None
            label = f"{item.desired.name} @ {item.direct_url}"
            self.check_allowed(item.desired.name, item.direct_url)
        direct_sha256 = None
        if item.direct_url is not None and not source.is_dir():
            direct_sha256 = sha256_file(source)
            required = item.prepare.required_hashes  # (remote archives were checked when fetched)
            if fetched is None and required and not any(alg == "sha256" and digest == direct_sha256 for alg, digest in required):
                raise InputError(
                    f"hash mismatch for `{source.name}`",
                    hints=[f"expected one of: {', '.join(f'{a}:{d}' for a, d in required)}; got sha256:{direct_sha256}"],
                )
        extra: tuple[tuple[str, bytes], ...] = ()
        if fetched is None and item.direct_url is not None and source.is_dir():
            # A local project: its key files' times, taken before the build, tell a
            # later install whether it must be built again (see site.cache_info_current).
            from puv.domain.installer.site import CACHE_INFO_FILE, encode_cache_info, project_timestamps

            extra = ((CACHE_INFO_FILE, encode_cache_info(project_timestamps(str(source)))),)
        wheel = self.builder().build_wheel(source, editable=item.desired.editable, label=label)
        self.ctx.printer.debug(
            f"{'Built' if wheel.built else 'Reused the cached build of'} {item.desired.name}: {wheel.filename}"
        )
        file = DistFile(filename=wheel.filename, url=wheel.path.as_uri(), hashes=(("sha256", wheel.sha256),))
        return replace(
            item,
            prepare=replace(item.prepare, file=file, required_hashes=()),
            direct_info="dir" if source.is_dir() else "archive",
            direct_sha256=direct_sha256,
            direct_json=direct_json,
            extra_dist_info=extra,
        )

    # -- RequirementsInstaller (build environments) -------------------------------------

    def install(self, requirements: Sequence[str], python: str) -> None:
        from puv.cli.commands.pip_install import InstallMode, install_into
        from puv.cli.inputs import RequirementInputs
        from puv.domain.python.interpreter import query_interpreter
        from puv.primitives.requirement_spec import parse_requirement_arg

        interpreter = query_interpreter(python, self._interpreter_cache())
        inputs = RequirementInputs(requirements=tuple(parse_requirement_arg(text) for text in requirements))
        self.ctx.printer.debug(f"Installing build requirements: {', '.join(requirements)}")
        install_into(self.ctx, interpreter, inputs, InstallMode(summary=False, changes=False, builds=False))


def _check_hashes(path: Path, required: Sequence[tuple[str, str]]) -> None:
    """One of the requirement's ``--hash`` values must match the file at ``path``."""
    import hashlib

    from puv.domain.index.download import HashMismatch

    actual: dict[str, str] = {}
    for algorithm, digest in required:
        if algorithm not in actual:
            try:
                hasher = hashlib.new(algorithm)
            except ValueError:
                continue
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    hasher.update(block)
            actual[algorithm] = hasher.hexdigest()
        if actual.get(algorithm) == digest.lower():
            return
    expected = ", ".join(f"{alg}:{digest}" for alg, digest in required)
    got = ", ".join(f"{alg}:{digest}" for alg, digest in actual.items())
    raise HashMismatch(
        f"hash mismatch for {path.name}: expected {expected}, got {got}",
        hints=["the requirement's --hash values do not match this file"],
    )


def _check_identity(metadata: CoreMetadata, project: str, version: object, filename: str) -> None:
    """An sdist's metadata must describe the file it came from (name and version)."""
    from packaging.utils import canonicalize_name

    from puv.errors import MetadataError

    if metadata.canonical_name != canonicalize_name(project):
        raise MetadataError(
            f"the metadata of {filename} names the package `{metadata.name}`, not `{project}`",
        )
    if version is not None and metadata.version != version:
        raise MetadataError(
            f"the metadata of {filename} has the version {metadata.version}, not {version}",
        )


class _Reporter:
    """Build progress as debug lines; the backend's output with ``-v``."""

    def __init__(self, ctx: Context) -> None:
        self.printer = ctx.printer

    def build_started(self, label: str) -> None:
        self.printer.debug(f"Building {label}")

    def build_finished(self, label: str, seconds: float) -> None:
        from puv.cli.common import format_elapsed

        self.printer.debug(f"Built {label} in {format_elapsed(seconds)}")

    def backend_output(self, label: str, line: str) -> None:
        self.printer.debug(f"[{label}] {line}")
