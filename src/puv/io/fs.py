"""Putting cached files into an environment: the link modes.

A wheel is unpacked once into the cache; an install places each of its files
into site-packages with one of four modes:

``clone``
    a copy-on-write copy (``FICLONE`` ioctl, Linux: Btrfs, XFS, bcachefs, ...):
    as fast as a hard link, independent of the cache afterwards;
``hardlink``
    ``os.link``: one directory entry, no data written (the default);
``copy``
    a full copy (``copy_file_range``/``sendfile`` in the kernel where possible);
``symlink``
    ``os.symlink`` to the cache file (the environment breaks if the cache is cleaned).

Fallbacks: ``clone`` falls back to ``hardlink`` when the filesystem cannot
clone, and ``hardlink`` falls back to ``copy`` when the cache and the target are
on different filesystems (``EXDEV``) or the filesystem refuses links; each
fallback is reported once per :class:`Linker` through ``on_fallback_warning``
and then applies to every following file, so the failed call is paid once.

A destination is always created new (``O_EXCL`` / ``link`` / ``symlink``), never
opened for writing in place: an existing file there may be a hard link into
the cache, and truncating it would corrupt the cache. An existing destination
is first moved aside (``displace``) so a failed install can put it back.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Sequence

from puv.errors import InstallError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal

    LinkMode = Literal["clone", "hardlink", "copy", "symlink"]

LINK_MODES: tuple[str, ...] = ("clone", "hardlink", "copy", "symlink")
DEFAULT_LINK_MODE = "hardlink"

#: ``_IOW(0x94, 9, int)`` from ``linux/fs.h``.
FICLONE = 0x40049409

#: errno values meaning "this filesystem (pair) cannot clone": fall back to hardlink.
_CLONE_UNSUPPORTED = frozenset(
    {errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOTTY, errno.EINVAL, errno.EXDEV, errno.ENOSYS, errno.EBADF, errno.EPERM}
)
#: errno values meaning "no hard link here": fall back to copy.
_LINK_UNSUPPORTED = frozenset(
    {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EACCES}
)

#: Suffix of a file moved aside while its replacement is installed.
DISPLACED_SUFFIX = ".puv-old"


class LinkError(InstallError):
    """A file could not be placed into the environment."""


def check_link_mode(mode: str) -> str:
    if mode not in LINK_MODES:
        raise LinkError(
            f"unknown link mode `{mode}`",
            hints=[f"use one of: {', '.join(LINK_MODES)}"],
        )
    return mode


# --------------------------------------------------------------------------- single-file operations


def _copy_data(src_fd: int, dst_fd: int, size: int) -> None:
    """Copy ``size`` bytes between descriptors in the kernel where possible."""
    copy_range = getattr(os, "copy_file_range", None)
    offset = 0
    if copy_range is not None:
        try:
            while offset < size:
                done = copy_range(src_fd, dst_fd, size - offset)
                if done == 0:
                    break
                offset += done
            if offset >= size:
                return
        except OSError as error:
            if error.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EBADF):
                raise
            os.lseek(src_fd, offset, os.SEEK_SET)
            os.lseek(dst_fd, offset, os.SEEK_SET)
    while True:
        chunk = os.read(src_fd, 1 << 20)
        if not chunk:
            return
        view = memoryview(chunk)
        while view:
            view = view[os.write(dst_fd, view):]


def copy_file(src: str, dst: str) -> None:
    """Copy ``src`` to a new file ``dst`` (``FileExistsError`` if it exists), keeping the mode bits."""
    src_fd = os.open(src, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(src_fd)
        dst_fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), st.st_mode & 0o777)
        try:
            _copy_data(src_fd, dst_fd, st.st_size)
            os.fchmod(dst_fd, st.st_mode & 0o777)
        except BaseException:
            os.close(dst_fd)
            os.unlink(dst)
            raise
        os.close(dst_fd)
    finally:
        os.close(src_fd)


def clone_file(src: str, dst: str) -> None:
    """Reflink ``src`` to a new file ``dst``; ``OSError`` (``EOPNOTSUPP``...) when the filesystem can't."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        raise OSError(errno.EOPNOTSUPP, "cloning is not supported on this platform") from None
    if not hasattr(fcntl, "ioctl") or not os.uname().sysname == "Linux":
        raise OSError(errno.EOPNOTSUPP, "cloning is only supported on Linux")
    src_fd = os.open(src, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(src_fd)
        dst_fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), st.st_mode & 0o777)
        try:
            fcntl.ioctl(dst_fd, FICLONE, src_fd)
            os.fchmod(dst_fd, st.st_mode & 0o777)
        except BaseException:
            os.close(dst_fd)
            os.unlink(dst)
            raise
        os.close(dst_fd)
    finally:
        os.close(src_fd)


def symlink_file(src: str, dst: str) -> None:
    os.symlink(os.path.abspath(src), dst)


def write_new_file(path: str, data: bytes, *, executable: bool = False) -> None:
    """Create ``path`` (which must not exist) with ``data``; mode 0o666/0o777 less the umask."""
    fd = os.open(
        path,
        os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
        0o777 if executable else 0o666,
    )
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except BaseException:
        os.close(fd)
        os.unlink(path)
        raise
    os.close(fd)


def displace(path: str, displaced: list[tuple[str, str]] | None) -> None:
    """Move an existing ``path`` out of the way.

    With a ``displaced`` list the file is renamed to a sibling backup (recorded
    as ``(path, backup)``) so it can be restored; without one it is unlinked.
    """
    if displaced is None:
        os.unlink(path)
        return
    backup = f"{path}{DISPLACED_SUFFIX}-{os.getpid()}-{id(displaced):x}-{len(displaced)}"
    os.replace(path, backup)
    displaced.append((path, backup))


def restore_displaced(displaced: Sequence[tuple[str, str]]) -> None:
    """Put displaced files back (newest first); the new file at each path is removed."""
    for path, backup in reversed(displaced):
        try:
            os.replace(backup, path)
        except OSError:
            pass


def drop_displaced(displaced: Sequence[tuple[str, str]]) -> None:
    """Delete the backups of displaced files (the install succeeded)."""
    import shutil

    for _, backup in displaced:
        try:
            if os.path.isdir(backup) and not os.path.islink(backup):
                shutil.rmtree(backup, ignore_errors=True)
            else:
                os.unlink(backup)
        except OSError:
            pass


_OPS: dict[str, Callable[[str, str], None]] = {
    "clone": clone_file,
    "hardlink": os.link,
    "copy": copy_file,
    "symlink": symlink_file,
}


# --------------------------------------------------------------------------- the linker


class Linker:
    """Places files with a link mode, falling back (and warning once) when the mode fails.

    Share one Linker across every wheel of an install run (threads included):
    it carries the effective mode after a fallback — so the failing call is
    paid once per run, not per file or per wheel — and which warnings were given.
    Mode changes only move forward (clone -> hardlink -> copy).
    """

    __slots__ = ("requested_mode", "mode", "_on_warning", "_warned")

    def __init__(
        self,
        mode: str = DEFAULT_LINK_MODE,
        on_fallback_warning: Callable[[str], None] | None = None,
    ) -> None:
        self.requested_mode = check_link_mode(mode)
        self.mode = mode
        self._on_warning = on_fallback_warning
        self._warned: set[str] = set()

    def _warn(self, key: str, message: str) -> None:
        if key in self._warned:
            return
        self._warned.add(key)
        if self._on_warning is not None:
            self._on_warning(message)

    def _fall_back(self, error: OSError, failed_mode: str) -> bool:
        """Switch to the next mode for ``error``; False when there is none."""
        code = error.errno
        if self.mode != failed_mode:
            return True  # another thread already fell back: retry with the current mode
        if self.mode == "clone" and code in _CLONE_UNSUPPORTED:
            self.mode = "hardlink"
            self._warn(
                "clone",
                "failed to clone files (the filesystem does not support reflinks); "
                "falling back to hard links",
            )
            return True
        if self.mode == "hardlink" and code in _LINK_UNSUPPORTED:
            self.mode = "copy"
            if code == errno.EXDEV:
                self._warn(
                    "hardlink",
                    "failed to hard link files: the cache and the target directory are on "
                    "different filesystems; falling back to a full copy "
                    "(set the cache directory on the same filesystem, or use --link-mode=copy "
                    "to silence this warning)",
                )
            else:
                self._warn(
                    "hardlink",
                    f"failed to hard link files ({os.strerror(code or 0)}); falling back to a full copy",
                )
            return True
        return False

    def link(self, src: str, dst: str, displaced: list[tuple[str, str]] | None = None) -> None:
        """Place one file (replacing an existing ``dst``)."""
        self.link_all(((src, dst),), displaced)

    def link_all(
        self,
        pairs: Sequence[tuple[str, str]],
        displaced: list[tuple[str, str]] | None = None,
        progress: list[int] | None = None,
    ) -> None:
        """Place every ``(source, destination)`` pair; the parent directories must exist.

        An existing destination is displaced (see :func:`displace`). When the
        call ends — normally or by any exception — ``progress[0]`` (if given)
        is the number of pairs fully placed, for the caller's rollback.
        """
        start = 0
        total = len(pairs)
        index = 0
        try:
            while start < total:
                mode = self.mode
                op = _OPS[mode]
                index = start
                try:
                    for index in range(start, total):
                        src, dst = pairs[index]
                        try:
                            op(src, dst)
                        except FileExistsError:
                            displace(dst, displaced)
                            op(src, dst)
                    index = total
                    return
                except OSError as error:
                    if isinstance(error, (FileNotFoundError, FileExistsError)) or not self._fall_back(error, mode):
                        src, dst = pairs[index]
                        raise LinkError(
                            f"failed to {mode} `{src}` to `{dst}`",
                            causes=[error.strerror or str(error)],
                        ) from error
                    start = index
        finally:
            if progress is not None:
                progress[0] = index
