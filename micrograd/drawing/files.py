"""Writing files: everything the package saves (pictures, players, the demo's folder) goes through here.

A save never leaves a half-written file: it writes a temporary file beside the target and
renames it over the target in one step. Several files saved together (a worksheet and its
key, a picture and its player) are all staged first and renamed only once every one of them
is written, so a failure changes none of them. Symlinks are followed (the file they name is
saved); a character device (``/dev/null``) or a FIFO is written to as a stream instead.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

__all__ = ["atomic_write", "atomic_write_all"]

FIFO_WAIT = 1.0  # seconds a FIFO may take to get a reader before the save fails (never hangs)
StrPath = str | os.PathLike[str]
P = TypeVar("P", bound=StrPath)  # any kind of path (a Mapping is invariant in its keys)


def atomic_write(path: StrPath, data: bytes) -> Path:
    """Write ``data`` to ``path`` all at once: a temp file beside the real file, then ``os.replace``.

    A failure leaves an existing file untouched and no temp file behind. The file keeps its
    mode (a new one gets the umask's); a symlink stays a symlink and its target gets ``data``.
    Character devices and FIFOs are written to directly; directories, block devices and
    sockets are refused. Every error is an ``OSError`` that names ``path``.
    """
    return atomic_write_all({path: data})[0]


def atomic_write_all(files: Mapping[P, bytes]) -> list[Path]:
    """Write every ``{path: data}`` of ``files``, or none: each as :func:`atomic_write` does, all together.

    Every file is first written to a temp file beside its target (same directory: the rename is
    atomic); only when all are written are they renamed over their targets. If any fails to be
    written, or the save is interrupted (Ctrl-C), every temp file is removed and no target is
    touched. Devices and FIFOs, which cannot be staged, are written to after the rest is staged and
    before any rename. A rename failing part way (rare: the files were written, the directory
    changed) is an ``OSError`` naming the file, that says which files were written and which not.
    Two paths naming one file are a ValueError. Returns the paths, in order.
    """
    paths = [Path(p) for p in files]
    datas = list(files.values())
    kinds = [_kind(path) for path in paths]  # every refusal before anything is written
    _no_file_twice(paths, kinds)
    staged: list[tuple[Path, Path, Path]] = []  # (path, temp file, target), in order
    try:
        for path, data, (stream, old) in zip(paths, datas, kinds, strict=True):
            if not stream:
                target = Path(os.path.realpath(path))
                staged.append((path, _stage(path, target, data, old), target))
        for path, data, (stream, old) in zip(paths, datas, kinds, strict=True):
            if stream:
                assert old is not None
                _write_through(path, old, data)
        _rename_all(paths, staged)
    finally:
        for _, tmp, _ in staged:  # those not renamed: all of them after a failure before the renames
            _remove(tmp)
    return paths


def _kind(path: Path) -> tuple[bool, os.stat_result | None]:
    """Is ``path`` written as a stream (a device or FIFO)? And its stat (None: a new file). Refuses the rest."""
    try:
        st: os.stat_result | None = os.stat(path)  # follows symlinks; a dangling one is a new file
    except FileNotFoundError:
        return False, None
    except OSError as e:
        raise OSError(e.errno, e.strerror, str(path)) from e
    assert st is not None
    if stat.S_ISREG(st.st_mode):
        return False, st
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory, not a file", str(path))
    if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        kind = "a block device (a disk)" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a file"
        raise OSError(errno.EINVAL, f"is {kind}: refusing to write to it", str(path))
    return True, st


def _no_file_twice(paths: list[Path], kinds: list[tuple[bool, os.stat_result | None]]) -> None:
    seen: dict[str, Path] = {}
    for path, (stream, _) in zip(paths, kinds, strict=True):
        if stream:
            continue  # /dev/null may take two outputs
        real = os.path.realpath(path)
        if real in seen:
            raise ValueError(f"{str(seen[real])!r} and {str(path)!r} name the same file: give each output its own")
        seen[real] = path


def _stage(path: Path, target: Path, data: bytes, old: os.stat_result | None) -> Path:
    """A temp file beside ``target`` holding ``data`` (with ``old``'s mode and owner); errors name ``path``."""
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
    except BaseException as exc:
        _remove(tmp)
        if isinstance(exc, OSError):  # ENOSPC, EDQUOT, EIO: said of the user's file, not of the temp file
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise
    return tmp


def _rename_all(paths: list[Path], staged: list[tuple[Path, Path, Path]]) -> None:
    """Rename each staged temp file over its target, in order, taking each off ``staged`` once done."""
    done: list[Path] = [p for p in paths if p not in {s[0] for s in staged}]  # streams, already written
    while staged:
        path, tmp, target = staged[0]
        try:
            os.replace(tmp, target)
        except OSError as e:
            reason = e.strerror or str(e)
            if done:
                rest = ", ".join(repr(str(p)) for p, _, _ in staged)
                reason += f" (written: {', '.join(repr(str(p)) for p in done)}; not written: {rest})"
            raise OSError(e.errno, reason, str(path)) from e
        staged.pop(0)
        done.append(path)


def _remove(tmp: Path) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def _write_through(path: Path, st: os.stat_result, data: bytes) -> None:
    """Write ``data`` into the character device or FIFO at ``path``."""
    if stat.S_ISFIFO(st.st_mode):
        fd = _open_fifo(path)
    else:  # no O_CREAT, no O_TRUNC: a device is written to, never made or cut
        try:
            fd = os.open(path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError as e:
            raise OSError(e.errno, e.strerror, str(path)) from e
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
