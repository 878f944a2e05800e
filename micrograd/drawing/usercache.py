"""The user's cache of compiled code: a folder only its owner can write, files only its owner wrote.

What is kept here is native code (wasmtime's compiled Graphviz), and loading it runs it. So a
file is loaded only if no other user could have written it, and nothing here follows a link:

- the folder is made with mode 0700. A folder that is a link, or is not the user's, or that
  group or others may write (someone made it first in a shared ``$XDG_CACHE_HOME``) is not used
  at all: nothing is read from it or written to it, and the caller compiles in memory;
- the folder is opened once (``O_NOFOLLOW``) and checked through that descriptor, and its files
  are opened relative to it: the folder checked is the folder used, whatever is renamed meanwhile;
- a file is opened with ``O_NOFOLLOW`` and read only if it is a regular file, the user's, and
  writable by no one else;
- a file is written as a new temporary file (``O_CREAT | O_EXCL | O_NOFOLLOW``, mode 0600)
  renamed over the name: a link planted at the name is replaced, never followed.

Each file starts with a tag and the SHA-256 of its payload. That digest catches corruption (a
write cut short, a bad disk); it is no defence against an attacker, who can recompute it. Other
users are kept out by the ownership and mode checks above. Whoever can write into a folder that
is the user's and 0700 is the user already (or root), and a key kept in that folder would not
stop them.

POSIX only: where a file's owner and mode cannot be checked (Windows), nothing is cached.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from pathlib import Path

__all__ = ["SUPPORTED", "load", "store"]

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
SUPPORTED = (
    hasattr(os, "geteuid")
    and hasattr(os, "O_NOFOLLOW")
    and hasattr(os, "O_DIRECTORY")
    and {os.open, os.rename, os.unlink} <= os.supports_dir_fd  # os.replace is os.rename on POSIX
)


def load(path: Path, tag: bytes) -> bytes | None:
    """The payload stored at ``path`` under ``tag``; None if absent, corrupt, or anyone else could have written it."""
    folder = _open_folder(path.parent, create=False)
    if folder is None:
        return None
    try:
        blob = _read(folder, path.name)
    finally:
        os.close(folder)
    start = len(tag) + 32
    if blob is None or len(blob) < start or blob[: len(tag)] != tag:
        return None
    if hashlib.sha256(blob[start:]).digest() != blob[len(tag) : start]:  # corrupt (see the module's docstring)
        return None
    return blob[start:]


def store(path: Path, tag: bytes, payload: bytes) -> None:
    """Keep ``payload`` at ``path`` under ``tag``, readable and writable by the user alone; failing is no error."""
    folder = _open_folder(path.parent, create=True)
    if folder is None:
        return
    try:
        _replace(folder, path.name, tag + hashlib.sha256(payload).digest() + payload)
    except OSError:
        pass  # an unwritable cache only means compiling again
    finally:
        os.close(folder)


def _private(st: os.stat_result) -> bool:
    """The user's, and writable by no one else (neither group nor others)."""
    return st.st_uid == os.geteuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _open_folder(folder: Path, create: bool) -> int | None:
    """A descriptor of ``folder`` (made 0700 if ``create``), or None if it is missing, a link, or not private."""
    if not SUPPORTED:
        return None
    try:
        if create:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | _CLOEXEC)
    except OSError:
        return None
    if _private(os.fstat(fd)):
        return fd
    os.close(fd)
    return None


def _read(folder: int, name: str) -> bytes | None:
    """The bytes of ``name`` in ``folder`` if it is a private regular file (not a link, a FIFO, a device)."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC, dir_fd=folder)
    except OSError:
        return None
    with open(fd, "rb") as file:
        st = os.fstat(fd)
        if not (stat.S_ISREG(st.st_mode) and _private(st)):
            return None
        try:
            return file.read()
        except OSError:
            return None


def _replace(folder: int, name: str, data: bytes) -> None:
    """Write ``data`` to a new private file in ``folder`` and rename it to ``name`` (replacing, never following)."""
    tmp = f".{name}.{os.urandom(4).hex()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC, 0o600, dir_fd=folder)
    try:
        with open(fd, "wb") as file:
            file.write(data)
        os.rename(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)  # on POSIX: replaces whatever is at name
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=folder)
        raise
