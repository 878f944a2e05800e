"""Saving files: devices and FIFOs are written to, symlinks followed, modes kept, nothing half-written (issue 11);
several files all or none, every error naming its file (issue 22)."""

from __future__ import annotations

import errno
import os
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from micrograd import Value, draw, save_steps, worksheet
from micrograd.cli.main import main
from micrograd.drawing import files
from micrograd.drawing.files import atomic_write, atomic_write_all

DEVICES = ("/dev/null", "/dev/full")  # the only devices these tests write to


@pytest.fixture
def devices() -> Iterator[None]:
    """Put /dev/null and /dev/full back if a broken save replaced them with regular files (as root it could)."""
    before = {d: os.stat(d) for d in DEVICES}
    yield
    for d, st in before.items():
        if not stat.S_ISCHR(os.lstat(d).st_mode):
            os.unlink(d)
            os.mknod(d, st.st_mode, st.st_rdev)
            os.chmod(d, stat.S_IMODE(st.st_mode))


def product() -> Value:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    f = x * y
    f.label = "f"
    return f


def names(d: Path) -> list[str]:
    return sorted(os.listdir(d))


# ---------------------------------------------------------------- devices and FIFOs: written to, never replaced


def test_dev_null_stays_a_character_device(devices) -> None:
    before = os.stat("/dev/null")
    assert atomic_write("/dev/null", b"picture") == Path("/dev/null")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert stat.S_IMODE(after.st_mode) == stat.S_IMODE(before.st_mode)


def test_dev_full_reports_no_space(devices) -> None:
    with pytest.raises(OSError, match="(?i)no space") as info:
        atomic_write("/dev/full", b"picture")
    assert info.value.filename == "/dev/full"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_fifo_reader_gets_the_bytes(tmp_path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    data = bytes(range(256)) * 4096  # 1 MiB: far more than a pipe holds, so writes must wait for the reader
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    atomic_write(fifo, data)
    reader.join(10)
    assert got == [data]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert names(tmp_path) == ["pipe"]


def test_fifo_reader_that_comes_late_still_gets_the_bytes(tmp_path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []

    def late_reader() -> None:
        time.sleep(0.2)
        got.append(fifo.read_bytes())

    reader = threading.Thread(target=late_reader, daemon=True)
    reader.start()
    atomic_write(fifo, b"picture")
    reader.join(10)
    assert got == [b"picture"] and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_fifo_without_reader_fails_quickly_and_clearly(tmp_path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(OSError, match="no reader") as info:
        atomic_write(fifo, b"picture")
    assert time.monotonic() - start < 5  # a clear error, never a hang
    assert info.value.filename == str(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and names(tmp_path) == ["pipe"]


def test_directory_is_a_clear_error(tmp_path) -> None:
    target = tmp_path / "pictures"
    target.mkdir()
    (tmp_path / "link").symlink_to("pictures")
    for path in (target, tmp_path / "link"):
        with pytest.raises(IsADirectoryError, match="directory") as info:
            atomic_write(path, b"picture")
        assert info.value.filename == str(path)  # the path the user gave, not a temp file's
    assert names(tmp_path) == ["link", "pictures"] and names(target) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_block_device_is_refused(tmp_path) -> None:
    disk = tmp_path / "disk"
    os.mknod(disk, stat.S_IFBLK | 0o600, os.makedev(7, 250))  # a node of our own (a loop device): never a real disk
    with pytest.raises(OSError, match="block device") as info:
        atomic_write(disk, b"picture")
    assert info.value.filename == str(disk)
    assert stat.S_ISBLK(os.lstat(disk).st_mode) and names(tmp_path) == ["disk"]


def test_socket_is_refused(tmp_path) -> None:
    path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        with pytest.raises(OSError, match="socket"):
            atomic_write(path, b"picture")
    assert stat.S_ISSOCK(os.lstat(path).st_mode) and names(tmp_path) == ["sock"]


# ---------------------------------------------------------------- symlinks: the file they name is saved


def test_symlink_is_written_through(tmp_path) -> None:
    (tmp_path / "real.svg").write_bytes(b"old")
    link = tmp_path / "link.svg"
    link.symlink_to("real.svg")
    assert atomic_write(link, b"new") == link
    assert link.is_symlink() and os.readlink(link) == "real.svg"
    assert (tmp_path / "real.svg").read_bytes() == b"new"
    assert names(tmp_path) == ["link.svg", "real.svg"]


def test_symlink_chain_into_another_directory(tmp_path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    real = tmp_path / "b" / "real.svg"
    real.write_bytes(b"old")
    (tmp_path / "a" / "one").symlink_to("../b/real.svg")
    (tmp_path / "two").symlink_to("a/one")
    atomic_write(tmp_path / "two", b"new")
    assert real.read_bytes() == b"new"
    assert (tmp_path / "two").is_symlink() and (tmp_path / "a" / "one").is_symlink()
    assert names(tmp_path / "a") == ["one"] and names(tmp_path / "b") == ["real.svg"]  # the temp file went too


def test_dangling_symlink_creates_its_target(tmp_path) -> None:
    link = tmp_path / "link.svg"
    link.symlink_to("made.svg")
    atomic_write(link, b"new")
    assert link.is_symlink() and (tmp_path / "made.svg").read_bytes() == b"new"
    assert names(tmp_path) == ["link.svg", "made.svg"]


def test_diagram_save_through_a_symlink(tmp_path) -> None:
    (tmp_path / "real.dot").write_text("old")
    (tmp_path / "f.dot").symlink_to("real.dot")
    d = draw(product())
    d.save(tmp_path / "f.dot")
    assert (tmp_path / "f.dot").is_symlink() and (tmp_path / "real.dot").read_text() == d.source


# ---------------------------------------------------------------- regular files: modes, names, failures


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755, 0o444])
def test_existing_file_keeps_its_mode(tmp_path, mode) -> None:
    target = tmp_path / "f.svg"
    target.write_bytes(b"old")
    target.chmod(mode)
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == mode


def test_new_file_gets_the_umask_mode(tmp_path) -> None:
    old = os.umask(0o077)
    try:
        atomic_write(tmp_path / "private.svg", b"new")
        os.umask(0o002)
        atomic_write(tmp_path / "shared.svg", b"new")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "private.svg").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "shared.svg").stat().st_mode) == 0o664


@pytest.mark.parametrize("length", [251, 255])
def test_long_file_name(tmp_path, length) -> None:
    target = tmp_path / ("a" * (length - 4) + ".svg")
    target.write_bytes(b"old")  # the name is legal here
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new" and names(tmp_path) == [target.name]


@pytest.mark.parametrize("failure", [OSError("disk on fire"), KeyboardInterrupt()])
def test_failure_mid_write_keeps_the_old_file(tmp_path, monkeypatch, failure) -> None:
    target = tmp_path / "f.svg"
    target.write_bytes(b"old")
    target.chmod(0o600)
    real_write = os.write

    def half_then_fail(fd: int, data: bytes) -> int:
        real_write(fd, bytes(data[: len(data) // 2]))
        raise failure

    with monkeypatch.context() as m:
        m.setattr(files.os, "write", half_then_fail)
        with pytest.raises(type(failure)):
            atomic_write(target, b"new picture, long enough to be cut in half")
    assert target.read_bytes() == b"old" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert names(tmp_path) == ["f.svg"]  # no temp file left


def test_interrupted_rename_keeps_the_old_file(tmp_path, monkeypatch) -> None:
    target = tmp_path / "f.svg"
    target.write_bytes(b"old")

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old" and names(tmp_path) == ["f.svg"]


def test_unwritable_directory_names_the_target(tmp_path, monkeypatch) -> None:
    real_open = os.open

    def read_only(path, flags, *args):
        if flags & os.O_CREAT:
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args)

    monkeypatch.setattr(files.os, "open", read_only)
    with pytest.raises(PermissionError) as info:
        atomic_write(tmp_path / "f.svg", b"new")
    assert info.value.filename == str(tmp_path / "f.svg") and str(tmp_path) in str(info.value)


# ---------------------------------------------------------------- the command line and the player


def test_cli_output_to_dev_null(devices, capsys) -> None:
    assert main(["draw", "x*y", "x=1", "y=2", "-o", "/dev/null", "--format", "dot"]) == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert "wrote /dev/null" in capsys.readouterr().out


def test_cli_output_to_dev_full_fails(devices, capsys) -> None:
    assert main(["draw", "x*y", "x=1", "y=2", "-o", "/dev/full", "--format", "dot"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("micrograd: error: ") and "No space left on device" in err and "/dev/full" in err
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_save_steps_with_a_lone_surrogate_in_a_label(tmp_path) -> None:
    x = Value(2.0, label="\ud800")
    f = x * x
    f.label = "f"
    draw(f).source.encode("utf-8")  # draw handles it: so must the player
    page = save_steps(f, tmp_path / "steps.html").read_text(encoding="utf-8")
    assert "\ud800" not in page and page.count('data-caption="') == 3


# ---------------------------------------------------------------- no room: the error names the file (issue 22)


def no_space(fd: int, data: bytes) -> int:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_no_space_on_a_regular_file_names_it(tmp_path, monkeypatch) -> None:
    target = tmp_path / "f.svg"
    target.write_bytes(b"old")
    with monkeypatch.context() as m:
        m.setattr(files.os, "write", no_space)
        with pytest.raises(OSError) as info:
            atomic_write(target, b"new")
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(target)
    assert "No space left on device" in str(info.value) and str(target) in str(info.value)
    assert target.read_bytes() == b"old" and names(tmp_path) == ["f.svg"]


def test_a_failed_rename_names_the_file_not_the_temp_file(tmp_path, monkeypatch) -> None:
    def cross_device(src: str, dst: str) -> None:
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), src, None, dst)

    monkeypatch.setattr(files.os, "replace", cross_device)
    with pytest.raises(OSError) as info:
        atomic_write(tmp_path / "f.svg", b"new")
    assert info.value.filename == str(tmp_path / "f.svg") and ".mg-" not in str(info.value)
    assert names(tmp_path) == []


# ---------------------------------------------------------------- several files: all or none (issue 22)


@pytest.fixture
def read_only(monkeypatch) -> Iterator[set[str]]:
    """Folders in which no file may be made, as for a user without write permission (these tests run as root,
    who may write anywhere): add a folder to the set the fixture gives."""
    closed: set[str] = set()
    real_open = os.open

    def guarded(path, flags, *args, **kw):
        if flags & os.O_CREAT and os.path.realpath(os.path.dirname(os.fspath(path))) in closed:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(files.os, "open", guarded)
    yield closed


def old_files(tmp_path: Path, *names_: str) -> list[Path]:
    paths = [tmp_path / n for n in names_]
    for p in paths:
        p.write_bytes(b"old " + p.name.encode())
    return paths


def untouched(*paths: Path) -> bool:
    return all(p.read_bytes() == b"old " + p.name.encode() for p in paths)


def test_all_files_are_written(tmp_path) -> None:
    a, b = old_files(tmp_path, "a.svg", "b.html")
    assert atomic_write_all({a: b"new a", b: b"new b", tmp_path / "c.png": b"new c"}) == [a, b, tmp_path / "c.png"]
    assert (a.read_bytes(), b.read_bytes(), (tmp_path / "c.png").read_bytes()) == (b"new a", b"new b", b"new c")
    assert names(tmp_path) == ["a.svg", "b.html", "c.png"]


def test_a_file_that_cannot_be_made_leaves_the_others_untouched(tmp_path, read_only) -> None:
    (a,) = old_files(tmp_path, "a.svg")
    (tmp_path / "ro").mkdir()
    read_only.add(str(tmp_path / "ro"))
    with pytest.raises(PermissionError) as info:
        atomic_write_all({a: b"new", tmp_path / "ro" / "b.html": b"new"})
    assert info.value.filename == str(tmp_path / "ro" / "b.html")
    assert untouched(a) and names(tmp_path) == ["a.svg", "ro"] and names(tmp_path / "ro") == []


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
def test_a_failure_writing_the_last_file_leaves_every_file_untouched(tmp_path, monkeypatch, failure) -> None:
    paths = old_files(tmp_path, "a.svg", "b.svg", "c.svg")
    real_write = os.write

    def last_fails(fd: int, data: bytes) -> int:
        if bytes(data).startswith(b"new c"):
            real_write(fd, bytes(data[:3]))
            raise failure
        return real_write(fd, data)

    with monkeypatch.context() as m:
        m.setattr(files.os, "write", last_fails)
        with pytest.raises(type(failure)) as info:
            atomic_write_all({p: b"new " + p.name[0].encode() for p in paths})
    if isinstance(failure, OSError):
        assert info.value.filename == str(paths[2])
    assert untouched(*paths) and names(tmp_path) == ["a.svg", "b.svg", "c.svg"]  # no temp file left


def test_a_directory_among_them_is_refused_before_anything_is_written(tmp_path, monkeypatch) -> None:
    (a,) = old_files(tmp_path, "a.svg")
    (tmp_path / "key.html").mkdir()
    monkeypatch.setattr(files.os, "open", lambda *a, **kw: pytest.fail("a file was opened"))
    with pytest.raises(IsADirectoryError):
        atomic_write_all({a: b"new", tmp_path / "key.html": b"new"})
    assert untouched(a)


def test_a_rename_failing_part_way_says_what_was_written(tmp_path, monkeypatch) -> None:
    paths = old_files(tmp_path, "a.svg", "b.svg", "c.svg")
    real_replace = os.replace

    def second_fails(src, dst) -> None:
        if str(dst).endswith("b.svg"):
            raise OSError(errno.EIO, os.strerror(errno.EIO), src, None, dst)
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", second_fails)
    with pytest.raises(OSError) as info:
        atomic_write_all({p: b"new" for p in paths})
    a, b, c = paths
    assert info.value.filename == str(b)
    assert f"written: {str(a)!r}; not written: {str(b)!r}, {str(c)!r}" in str(info.value)
    assert a.read_bytes() == b"new" and untouched(b, c) and names(tmp_path) == ["a.svg", "b.svg", "c.svg"]


def test_one_file_named_twice_is_refused(tmp_path) -> None:
    (a,) = old_files(tmp_path, "a.svg")
    (tmp_path / "link.svg").symlink_to("a.svg")
    with pytest.raises(ValueError, match="name the same file"):
        atomic_write_all({a: b"one", tmp_path / "link.svg": b"two"})
    assert untouched(a)


def test_a_device_is_written_after_staging_and_before_any_rename(tmp_path, devices) -> None:
    (a,) = old_files(tmp_path, "a.svg")
    with pytest.raises(OSError, match="No space") as info:
        atomic_write_all({a: b"new", "/dev/full": b"new"})
    assert info.value.filename == "/dev/full" and untouched(a) and names(tmp_path) == ["a.svg"]
    atomic_write_all({a: b"new", "/dev/null": b"new", Path("/dev/null"): b"again"})
    assert a.read_bytes() == b"new" and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_worksheet_save_with_a_directory_as_key_leaves_the_sheet(tmp_path) -> None:
    (sheet,) = old_files(tmp_path, "sheet.html")
    (tmp_path / "key.html").mkdir()
    with pytest.raises(IsADirectoryError):
        worksheet(product()).save(sheet, answers=tmp_path / "key.html")
    assert untouched(sheet) and names(tmp_path) == ["key.html", "sheet.html"]


def test_cli_worksheet_whose_key_cannot_be_written_leaves_the_sheet(tmp_path, monkeypatch, read_only, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (sheet,) = old_files(tmp_path, "sheet.html")
    (tmp_path / "ro").mkdir()
    read_only.add(str(tmp_path / "ro"))
    assert main(["worksheet", "x*y", "x=2", "y=3", "-o", "sheet.html", "--answers", "ro/key.html"]) == 2
    assert capsys.readouterr().err == "micrograd: error: cannot write 'ro/key.html': Permission denied " + (
        f"(making a temporary file in {str(tmp_path / 'ro')!r})\n"
    )
    assert untouched(sheet) and names(tmp_path) == ["ro", "sheet.html"] and names(tmp_path / "ro") == []


def test_cli_draw_whose_steps_cannot_be_written_leaves_the_picture(tmp_path, monkeypatch, read_only, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (out,) = old_files(tmp_path, "out.svg")
    (tmp_path / "ro").mkdir()
    read_only.add(str(tmp_path / "ro"))
    assert main(["draw", "x*y", "x=2", "y=3", "-o", "out.svg", "--steps", "ro/steps.html"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("micrograd: error: cannot write 'ro/steps.html': Permission denied") and err.count("\n") == 1
    assert untouched(out) and names(tmp_path) == ["out.svg", "ro"] and names(tmp_path / "ro") == []


def test_cli_draw_to_stdout_writes_nothing_there_when_steps_fail(tmp_path, monkeypatch, read_only, capfd) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ro").mkdir()
    read_only.add(str(tmp_path / "ro"))
    assert main(["draw", "x*y", "x=2", "y=3", "-o", "-", "--format", "dot", "--steps", "ro/steps.html"]) == 2
    out, err = capfd.readouterr()
    assert out == "" and "cannot write 'ro/steps.html'" in err
