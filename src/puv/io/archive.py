"""Safe unpacking of wheels (zip) into a directory.

Every member name is checked before anything is written: no absolute paths,
drive letters, backslash tricks or ``..`` components, and no duplicate names.
Unix permission bits are kept for the executable bit only (never setuid).
The caller unpacks into a staging directory and publishes it atomically.
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
