"""Writing files: everything the package saves (pictures, players, the demo's folder) goes through here.

A save never leaves a half-written file: it writes a temporary file beside the target and
renames it over the target in one step. Symlinks are followed (the file they name is
saved); a character device (``/dev/null``) or a FIFO is written to as a stream instead.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from pathlib import Path

__all__ = ["atomic_write"]

FIFO_WAIT = 1.0  # seconds a FIFO may take to get a reader before the save fails (never hangs)


def atomic_write(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` all at once: a temp file beside the real file, then ``os.replace``.

    A failure leaves an existing file untouched and no temp file behind. The file keeps its
    mode (a new one gets the umask's); a symlink stays a symlink and its target gets ``data``.
    Character devices and FIFOs are written to directly; directories, block devices and
    sockets are refused. Every error is an ``OSError`` that names ``path``.
    """
    path = Path(path)
    try:
        st: os.stat_result | None = os.stat(path)  # follows symlinks; a dangling one is a new file
    except FileNotFoundError:
        st = None
    if st is None or stat.S_ISREG(st.st_mode):
        _replace(path, Path(os.path.realpath(path)), data, st)
    else:
        _write_through(path, st, data)
    return path


def _replace(path: Path, target: Path, data: bytes, old: os.stat_result | None) -> None:
    """Write a temp file beside ``target`` (keeping ``old``'s mode and owner) and rename it over ``target``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = target.parent / f".mg-{os.urandom(4).hex()}.tmp"  # short: fits beside a 255-byte name
        try:
            fd = os.open(tmp, flags, 0o666)  # the kernel applies the umask, as to any new file
            break
        except FileExistsError:
            continue
        except OSError as e:
            where = f"{e.strerror} (making a temporary file in {str(target.parent)!r})"
            raise OSError(e.errno, where, str(path)) from e
    else:
        raise FileExistsError(errno.EEXIST, f"no free temporary name in {str(target.parent)!r}", str(path))
    try:
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        if old is not None:
            if hasattr(os, "chown"):
                try:
                    os.chown(tmp, old.st_uid, old.st_gid)
                except OSError:
                    pass  # only root may give a file away: then the new file is the writer's
            os.chmod(tmp, stat.S_IMODE(old.st_mode))  # after chown, which clears set-id bits
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _write_through(path: Path, st: os.stat_result, data: bytes) -> None:
    """Write ``data`` into a character device or FIFO at ``path``; refuse any other non-regular file."""
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory, not a file", str(path))
    if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        kind = "a block device (a disk)" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a file"
        raise OSError(errno.EINVAL, f"is {kind}: refusing to write to it", str(path))
    if stat.S_ISFIFO(mode):
        fd = _open_fifo(path)
    else:  # no O_CREAT, no O_TRUNC: a device is written to, never made or cut
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        _write_all(fd, data)
    except OSError as e:
        raise OSError(e.errno, e.strerror, str(path)) from e  # ENOSPC (/dev/full), EPIPE (the reader left)
    finally:
        os.close(fd)


def _open_fifo(path: Path) -> int:
    """Open a FIFO for writing, waiting up to ``FIFO_WAIT`` seconds for a reader (a plain open would hang)."""
    flags = os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    deadline = time.monotonic() + FIFO_WAIT
    pause = 0.001
    while True:
        try:
            fd = os.open(path, flags)
        except OSError as e:
            if e.errno != errno.ENXIO:  # ENXIO: nobody has it open for reading
                raise
        else:
            os.set_blocking(fd, True)  # a reader is there: writes wait for it to drain the pipe
            return fd
        if time.monotonic() >= deadline:
            raise OSError(errno.ENXIO, f"no reader: nothing read the FIFO within {FIFO_WAIT:g} s", str(path))
        time.sleep(pause)
        pause = min(2 * pause, 0.05)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
