"""Safe unpacking of wheels (zip) and source archives (tar, zip) into a directory.

Every member name is checked before anything is written: no absolute paths,
drive letters, backslash tricks or ``..`` components, and no duplicate names.
Unix permission bits are kept for the executable bit only (never setuid).
The caller unpacks into a staging directory and publishes it atomically.

Source archives (:func:`unpack_sdist`) get the same name checks plus checks of
tar member types and links (see there); their read/write/execute bits are kept,
setuid, setgid and sticky bits never. Members are checked by our own filter, not
tarfile's extraction filters (which older 3.10 patch releases lack), and written
by our own code (exclusive creates, never through a link).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from puv.errors import PuvError


class UnsafeArchive(PuvError):
    """An archive member would land outside the target, or the archive is malformed."""


def check_member_name(name: str, archive: str) -> str:
    """Return ``name`` if it is a safe relative path inside the archive, else raise."""
    if not name or "\x00" in name:
        raise UnsafeArchive(f"{archive} contains a member with an empty or NUL-containing name")
    if "\\" in name:
        raise UnsafeArchive(f"{archive} contains a member with a backslash in its path: {name!r}")
    path = PurePosixPath(name)
    if path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchive(f"{archive} contains a member with an absolute path: {name!r}")
    if ".." in path.parts:
        raise UnsafeArchive(f"{archive} contains a member that escapes the target: {name!r}")
    return name


def unpack_wheel(archive_path: Path, dest: Path, *, label: str | None = None) -> int:
    """Unpack the wheel at ``archive_path`` into ``dest`` (created); returns the member count."""
    import zipfile

    label = label or archive_path.name
    try:
        archive = zipfile.ZipFile(archive_path)
    except (zipfile.BadZipFile, OSError) as error:
        raise UnsafeArchive(f"{label} is not a valid wheel (zip) file", causes=[str(error)]) from None
    with archive:
        infos = archive.infolist()
        seen: set[str] = set()
        for info in infos:
            check_member_name(info.filename, label)
            key = info.filename.rstrip("/")
            if key in seen:
                raise UnsafeArchive(f"{label} contains the member {key!r} twice")
            seen.add(key)
            mode = info.external_attr >> 16
            if mode and (mode & 0o170000) == 0o120000:
                raise UnsafeArchive(f"{label} contains a symbolic link: {info.filename!r}")
        dest.mkdir(parents=True, exist_ok=True)
        made: set[str] = set()
        for info in infos:
            target = dest / info.filename
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            parent = os.path.dirname(info.filename)
            if parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(parent)
            try:
                with archive.open(info) as source, open(target, "wb") as sink:
                    while chunk := source.read(1 << 20):
                        sink.write(chunk)
            except zipfile.BadZipFile as error:
                raise UnsafeArchive(f"{label} is corrupt: {info.filename}", causes=[str(error)]) from None
            mode = (info.external_attr >> 16) & 0o777
            if mode & 0o111:
                os.chmod(target, 0o755)
    return len(infos)


# ------------------------------------------------------------------- source archives

SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz", ".tar", ".zip")
"""Source archive formats :func:`unpack_sdist` reads (the stdlib's tarfile and zipfile)."""

_MEMBER_FILE = "file"
_MEMBER_DIR = "dir"
_MEMBER_SYMLINK = "symlink"
_MEMBER_HARDLINK = "hardlink"


def unpack_sdist(archive_path: Path, dest: Path, *, label: str | None = None) -> Path:
    """Unpack a source archive (``.tar.gz``, ``.tgz``, ``.tar.bz2``, ``.tar.xz``, ``.tar``,
    ``.zip``) into ``dest`` (created) and return the project root inside it.

    Every member is checked before anything is written (:class:`UnsafeArchive` otherwise):
    no absolute paths, drive letters, backslashes or ``..`` components; no duplicate names;
    no device files or FIFOs; symbolic links only to places inside the archive and never
    through another link; hard links only to regular files earlier in the archive; no
    member below a symbolic link. Permission bits keep read/write/execute only: setuid,
    setgid and sticky bits are dropped. Files are created exclusively and never through a
    link, so nothing can land outside ``dest``.

    The project root is ``dest/<top>`` when every member lies in one top-level directory
    (the sdist convention, PEP 625 ``{name}-{version}/``), else ``dest`` itself.
    """
    label = label or archive_path.name
    lowered = archive_path.name.lower()
    if lowered.endswith(".zip"):
        return _unpack_zip_sdist(archive_path, dest, label)
    if lowered.endswith(".whl"):
        raise UnsafeArchive(f"{label} is a wheel, not a source archive")
    return _unpack_tar_sdist(archive_path, dest, label)


def _normalize_member(name: str, label: str) -> str:
    """``name`` checked (see :func:`check_member_name`) with ``./`` parts and slashes folded;
    ``""`` for the archive root itself."""
    check_member_name(name, label)
    return "/".join(part for part in PurePosixPath(name).parts if part != ".")


def _link_escapes(member: str, linkname: str, symlinks: set[str]) -> bool:
    """True when the symlink ``member`` -> ``linkname`` points outside the archive root,
    or its target goes through another symbolic link of the archive (whose own target
    could move the walk anywhere)."""
    if not linkname or "\x00" in linkname or "\\" in linkname:
        return True
    if linkname.startswith("/") or (len(linkname) > 1 and linkname[1] == ":"):
        return True
    stack = member.split("/")[:-1]
    for part in linkname.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not stack:
                return True
            stack.pop()
            continue
        stack.append(part)
        if "/".join(stack) in symlinks:
            return True
    return False


def _plan_members(
    entries: list[tuple[str, str, str]], label: str
) -> list[tuple[str, str, str]]:
    """Check ``(raw name, kind, linkname)`` entries; return them normalised, root dropped."""
    kinds: dict[str, str] = {}
    symlinks = {
        _normalize_member(name, label) for name, kind, _ in entries if kind == _MEMBER_SYMLINK
    }
    planned: list[tuple[str, str, str]] = []
    for raw, kind, linkname in entries:
        name = _normalize_member(raw, label)
        if not name:
            if kind == _MEMBER_DIR:
                continue
            raise UnsafeArchive(f"{label} contains a member that is not a file: {raw!r}")
        previous = kinds.get(name)
        if previous is not None and not (previous == kind == _MEMBER_DIR):
            raise UnsafeArchive(f"{label} contains the member {name!r} twice")
        parts = name.split("/")
        for depth in range(1, len(parts)):
            prefix = "/".join(parts[:depth])
            if prefix in symlinks:
                raise UnsafeArchive(
                    f"{label} contains a member below a symbolic link: {raw!r} (through {prefix!r})"
                )
            if kinds.get(prefix, _MEMBER_DIR) != _MEMBER_DIR:
                raise UnsafeArchive(f"{label} contains a member below a file: {raw!r}")
        if kind == _MEMBER_SYMLINK and _link_escapes(name, linkname, symlinks):
            raise UnsafeArchive(
                f"{label} contains a symbolic link that points outside the archive: "
                f"{raw!r} -> {linkname!r}"
            )
        if kind == _MEMBER_HARDLINK:
            try:
                target = _normalize_member(linkname, label)
            except UnsafeArchive:
                target = ""
            if kinds.get(target) != _MEMBER_FILE:
                raise UnsafeArchive(
                    f"{label} contains a hard link to something that is not a regular file "
                    f"of the archive: {raw!r} -> {linkname!r}"
                )
            linkname = target
        kinds[name] = kind
        planned.append((name, kind, linkname))
    if not planned:
        raise UnsafeArchive(f"{label} is empty")
    return planned


def _project_root(dest: Path, planned: list[tuple[str, str, str]]) -> Path:
    tops = {name.split("/", 1)[0] for name, _, _ in planned}
    if len(tops) == 1:
        (top,) = tops
        if (dest / top).is_dir() and not (dest / top).is_symlink():
            return dest / top
    return dest


def _safe_mode(mode: int, *, directory: bool) -> int:
    """Permission bits without setuid/setgid/sticky; always readable and writable by the owner."""
    return (mode & 0o777) | (0o700 if directory else 0o600)


def _create_file(target: Path) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    return os.open(target, flags, 0o600)


def _unpack_tar_sdist(archive_path: Path, dest: Path, label: str) -> Path:
    import shutil
    import tarfile

    try:
        archive = tarfile.open(archive_path, "r:*")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise UnsafeArchive(
            f"{label} is not a valid source archive (tar)", causes=[str(error)]
        ) from None
    with archive:
        try:
            members = archive.getmembers()
        except (tarfile.TarError, OSError, EOFError) as error:
            raise UnsafeArchive(f"{label} is corrupt", causes=[str(error)]) from None
        entries: list[tuple[str, str, str]] = []
        for member in members:
            if member.isdir():
                kind = _MEMBER_DIR
            elif member.issym():
                kind = _MEMBER_SYMLINK
            elif member.islnk():
                kind = _MEMBER_HARDLINK
            elif member.isreg():
                kind = _MEMBER_FILE
            elif member.ischr() or member.isblk():
                raise UnsafeArchive(f"{label} contains a device file: {member.name!r}")
            elif member.isfifo():
                raise UnsafeArchive(f"{label} contains a FIFO: {member.name!r}")
            else:
                raise UnsafeArchive(
                    f"{label} contains a member of an unsupported type: {member.name!r}"
                )
            entries.append((member.name, kind, member.linkname))
        planned = _plan_members(entries, label)
        dest.mkdir(parents=True, exist_ok=True)
        dir_modes: list[tuple[Path, int]] = []
        for member, (name, kind, linkname) in zip(
            (m for m in members if _normalize_member(m.name, label)), planned
        ):
            target = dest / name
            if kind == _MEMBER_DIR:
                target.mkdir(parents=True, exist_ok=True)
                dir_modes.append((target, _safe_mode(member.mode, directory=True)))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if kind == _MEMBER_SYMLINK:
                os.symlink(linkname, target)
                continue
            if kind == _MEMBER_HARDLINK:
                source_path = dest / linkname
                fd = _create_file(target)
                with open(source_path, "rb") as source, os.fdopen(fd, "wb") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
                os.chmod(target, _safe_mode(os.stat(source_path).st_mode, directory=False))
                continue
            fd = _create_file(target)
            try:
                stream = archive.extractfile(member)
                with os.fdopen(fd, "wb") as sink:
                    if stream is not None:
                        with stream:
                            shutil.copyfileobj(stream, sink, 1 << 20)
            except (tarfile.TarError, EOFError, _zlib_error()) as error:
                raise UnsafeArchive(f"{label} is corrupt: {member.name}", causes=[str(error)]) from None
            os.chmod(target, _safe_mode(member.mode, directory=False))
        for path, mode in reversed(dir_modes):
            os.chmod(path, mode)
    return _project_root(dest, planned)


def _zlib_error() -> type[Exception]:
    import zlib

    return zlib.error


def _unpack_zip_sdist(archive_path: Path, dest: Path, label: str) -> Path:
    import shutil
    import zipfile

    try:
        archive = zipfile.ZipFile(archive_path)
    except (zipfile.BadZipFile, OSError) as error:
        raise UnsafeArchive(f"{label} is not a valid source archive (zip)", causes=[str(error)]) from None
    with archive:
        infos = archive.infolist()
        entries: list[tuple[str, str, str]] = []
        for info in infos:
            file_type = (info.external_attr >> 16) & 0o170000
            if file_type == 0o120000:
                raise UnsafeArchive(f"{label} contains a symbolic link: {info.filename!r}")
            if file_type and file_type not in (0o100000, 0o040000):
                raise UnsafeArchive(f"{label} contains a special file: {info.filename!r}")
            entries.append((info.filename, _MEMBER_DIR if info.is_dir() else _MEMBER_FILE, ""))
        planned = _plan_members(entries, label)
        dest.mkdir(parents=True, exist_ok=True)
        for info, (name, kind, _) in zip(
            (i for i in infos if _normalize_member(i.filename, label)), planned
        ):
            target = dest / name
            if kind == _MEMBER_DIR:
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = _create_file(target)
            try:
                with archive.open(info) as source, os.fdopen(fd, "wb") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
            except (zipfile.BadZipFile, _zlib_error()) as error:
                raise UnsafeArchive(f"{label} is corrupt: {info.filename}", causes=[str(error)]) from None
            mode = (info.external_attr >> 16) & 0o777
            if mode & 0o111:
                os.chmod(target, 0o755)
    return _project_root(dest, planned)
