"""Drawing answers quickly: a deadline on every render (Graphviz stopped, not waited for), Ctrl-C at
once, a conservative size check, and the WebAssembly Graphviz compiled once and cached."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from micrograd import Value, draw, draw_steps
from micrograd.drawing import GraphTooLarge, RenderTimeout, wasm
from micrograd.drawing import diagram as D
from micrograd.drawing import render as R
from micrograd.gallery import sigmoid_neuron

TERMS = 400
FORMULA = "+".join(["x*y"] * TERMS)  # 801 nodes; Graphviz takes half a minute to lay it out
POSIX = pytest.mark.skipif(os.name != "posix", reason="signals and shell scripts: POSIX")
SYSTEM_DOT = shutil.which("dot") or ("/opt/gv/dot" if os.access("/opt/gv/dot", os.X_OK) else None)


def products(terms: int) -> Value:
    """x*y + x*y + ... (``terms`` products): x and y feed a long chain, so their wires cross many ranks."""
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    f = x * y
    for _ in range(terms - 1):
        f = f + x * y
    f.backward()
    return f


def cli(*args: str, cwd: Path, **kw) -> subprocess.Popen:
    """``python -m micrograd ...``, Ctrl-C acting on it as in a terminal (whatever this process ignores)."""
    restore = (lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)) if os.name == "posix" else None
    return subprocess.Popen(
        [sys.executable, "-m", "micrograd", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=restore,
        **kw,
    )


# ---------------------------------------------------------------- the deadline, in Python


def test_a_slow_layout_is_stopped_at_the_timeout() -> None:
    d = draw(products(TERMS), style="record", max_nodes=100_000)  # the size check lifted: only the deadline is left
    start = time.perf_counter()
    with pytest.raises(RenderTimeout) as err:
        d.svg("wasm", timeout=0.5)
    assert time.perf_counter() - start < 2.0
    message = str(err.value)
    assert isinstance(err.value, RuntimeError) and err.value.nodes == 2 * TERMS + 1 and err.value.timeout == 0.5
    advices = (f"{2 * TERMS + 1} nodes", "timeout=0.5 s", "subexpression", "raise the limit", 'neurons="collapsed"')
    for advice in advices:
        assert advice in message
    assert "<svg" in draw(sigmoid_neuron()).svg("wasm")  # the stopped Graphviz is replaced: the next one works


def test_timeout_is_draws_own_and_checked() -> None:
    d = draw(products(TERMS), style="record", max_nodes=100_000, timeout=0.3)
    start = time.perf_counter()
    with pytest.raises(RenderTimeout, match="timeout=0.3 s"):
        d.svg("wasm")  # the diagram's timeout, given to draw()
    assert time.perf_counter() - start < 2.0
    for bad in (-1, float("nan"), float("inf"), "10", True):
        with pytest.raises(ValueError, match="timeout must be"):
            draw(Value(1.0), timeout=bad)
        with pytest.raises(ValueError, match="timeout must be"):
            draw(Value(1.0)).svg(timeout=bad)


def test_one_budget_for_both_directions(monkeypatch: pytest.MonkeyPatch) -> None:
    """rankdir="auto" may lay out twice: both share the timeout, and a direction too slow is not chosen."""
    real = D.render
    budgets: list[float | None] = []

    def slow(source: str, format: str, engine: str | None, *, timeout: float | None) -> bytes:
        budgets.append(timeout)
        time.sleep(0.3)
        if len(budgets) > 1:  # top to bottom: as if Graphviz took too long
            raise RenderTimeout(timeout or 0.0)
        return real(source, format, engine, timeout=timeout)

    f = Value(0.5, label="x")
    for _ in range(30):
        f = f.tanh()  # a long chain: left to right it must shrink, so top to bottom is tried
    monkeypatch.setattr(D, "render", slow)
    d = draw(f, style="circuit", timeout=5.0)
    assert "<svg" in d.svg("wasm") and d.rankdir == "LR"
    first, second = budgets
    assert first is not None and second is not None
    assert 4.5 < first <= 5.0 and second <= first - 0.3  # one budget, less what the first took
    assert second <= max(D.ALTERNATIVE_MIN, D.ALTERNATIVE * 0.5)  # another direction may not take much longer


def test_the_steps_share_one_budget(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = D.render

    def slow(source: str, format: str, engine: str | None, *, timeout: float | None) -> bytes:
        if timeout is not None and timeout < 0.1:
            time.sleep(timeout)
            raise RenderTimeout(timeout)
        time.sleep(0.1)
        return real(source, format, engine, timeout=timeout)

    frames = draw_steps(sigmoid_neuron(), rankdir="LR")  # 14 frames: 1.4 s at 0.1 s a frame
    monkeypatch.setattr(D, "render", slow)
    start = time.perf_counter()
    with pytest.raises(RenderTimeout, match="timeout=0.5 s"):
        frames.save(tmp_path / "steps.html", timeout=0.5)
    assert time.perf_counter() - start < 1.0
    assert list(tmp_path.iterdir()) == []


# One budget from the call's start (issue 22, item 7). MARGIN: the seconds a call may return after its
# timeout. Measured here (2 cores shared with other jobs) calls stopped at 2 s returned after 2.00-2.01 s (the
# WebAssembly layout traps within microseconds; a thread waiting for the lock gives up at once); 0.5 s leaves
# room for a loaded machine's scheduling and for finishing an SVG laid out just in time, and is still far
# below what the bug cost (a wait for the lock, then a full timeout for the layout: 3.3-3.8 s for 2).
MARGIN = 0.5


def test_waiting_for_another_threads_layout_counts_against_the_timeout() -> None:
    d = draw(products(TERMS), style="record", max_nodes=100_000)  # half a minute to lay out
    graphviz = wasm.graphviz()
    release = threading.Timer(1.5, graphviz._lock.release)  # another thread's layout, for 1.5 s
    graphviz._lock.acquire()
    release.start()
    start = time.perf_counter()
    with pytest.raises(RenderTimeout, match="timeout=2 s"):
        d.svg("wasm", timeout=2)
    took = time.perf_counter() - start
    release.join()
    assert 1.9 < took < 2 + MARGIN  # not 1.5 s of waiting and then 2 s of layout


def test_a_layout_stopped_before_its_worker_runs_stops_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A layout left a sliver of its budget (after a long wait for the lock) is stopped before its worker thread
    has begun: the stop must hold (it was lost, and the layout ran on, the caller waiting 5 s for it)."""
    source = draw(products(TERMS), style="record", max_nodes=100_000, rankdir="LR").source
    real = wasm._lay_out

    def late(*args: Any) -> None:  # a worker thread the machine schedules late
        time.sleep(0.3)
        real(*args)

    monkeypatch.setattr(wasm, "_lay_out", late)
    start = time.perf_counter()
    with pytest.raises(RenderTimeout):
        wasm.graphviz().svg(source, timeout=0.1)
    assert time.perf_counter() - start < 1.0


def test_loading_graphviz_counts_against_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    source = draw(products(TERMS), style="record", max_nodes=100_000, rankdir="LR").source
    real = wasm.graphviz

    def slow_to_load() -> wasm.Graphviz:
        time.sleep(1.5)  # compiling the module the first time, or another thread compiling it
        return real()

    monkeypatch.setattr(wasm, "graphviz", slow_to_load)
    start = time.perf_counter()
    with pytest.raises(RenderTimeout, match="timeout=2 s"):
        R.render(source, "svg", "wasm", timeout=2)
    assert time.perf_counter() - start < 2 + MARGIN


def test_four_threads_each_return_by_their_timeout() -> None:
    """Four threads draw at once with timeout=2, queueing for the one Graphviz: each that waited is stopped
    within its 2 s, however long it waited.

    The first lays out a picture Graphviz takes 1-2 s over; the other three a picture of half a minute. Before,
    the one that got Graphviz next was given a full 2 s after its wait, and returned after ~3 s."""
    quick = draw(products(140), style="record", max_nodes=100_000, rankdir="LR", width=None)
    slow = [draw(products(TERMS), style="record", max_nodes=100_000) for _ in range(3)]
    graphviz = wasm.graphviz()  # loaded: the threads wait for each other's layout, not for the compiler
    outcomes: dict[object, tuple[str, float]] = {}

    def draw_it(key: object, d: D.Diagram) -> None:
        start = time.perf_counter()
        try:
            d.svg("wasm", timeout=2)
            outcomes[key] = ("svg", time.perf_counter() - start)
        except RenderTimeout:
            outcomes[key] = ("timeout", time.perf_counter() - start)

    threads = [threading.Thread(target=draw_it, args=("quick", quick))]
    threads[0].start()
    started = time.monotonic()
    while not graphviz._lock.locked():  # the first is laying out: the others queue behind it
        assert time.monotonic() < started + 10
        time.sleep(0.001)
    threads += [threading.Thread(target=draw_it, args=(k, d)) for k, d in enumerate(slow)]
    for t in threads[1:]:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes["quick"][0] in ("svg", "timeout"), outcomes  # (its SVG finished after Graphviz: not timed)
    for k in range(3):
        kind, took = outcomes[k]
        assert kind == "timeout" and took < 2 + MARGIN, outcomes


@POSIX
def test_system_dot_is_killed_at_the_timeout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    dot = tmp_path / "dot"
    dot.write_text(f'#!/bin/sh\necho $$ > "{pid_file}"\nexec sleep 30\n')  # a dot that never finishes
    dot.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    start = time.perf_counter()
    with pytest.raises(RenderTimeout, match="timeout=0.5 s"):
        draw(sigmoid_neuron()).svg("dot", timeout=0.5)
    assert time.perf_counter() - start < 3.0
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):  # killed and reaped: no such process any more
        os.kill(pid, 0)


# ---------------------------------------------------------------- the size check, conservative


def test_a_picture_that_would_lay_out_for_seconds_is_refused_at_once() -> None:
    f = products(97)  # 195 nodes, ~9,700 laid out: 4 s left to right, 7 s top to bottom, as records
    start = time.perf_counter()
    with pytest.raises(GraphTooLarge, match="subexpression") as err:
        draw(f, style="record")
    assert time.perf_counter() - start < 1.0
    assert isinstance(err.value, ValueError) and "max_nodes" in str(err.value)


# ---------------------------------------------------------------- the command line


def test_the_command_line_stops_graphviz_at_its_timeout(tmp_path: Path) -> None:
    start = time.perf_counter()
    proc = cli("draw", FORMULA, "x=1", "y=2", "-o", "f.svg", "--max-nodes", "100000", "--timeout", "2", cwd=tmp_path)
    out, err = proc.communicate(timeout=60)
    assert time.perf_counter() - start < 2 + 5  # the deadline, and a Python start-up to spare
    assert proc.returncode == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("micrograd: error: Graphviz did not finish"), err
    for advice in (f"{2 * TERMS + 1} nodes", "--timeout 2 s", "subexpression", "--timeout 60"):
        assert advice in err
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_refuses_the_long_formula_at_once(tmp_path: Path) -> None:
    start = time.perf_counter()
    proc = cli("draw", FORMULA, "x=1", "y=2", "-o", "f.svg", cwd=tmp_path)
    out, err = proc.communicate(timeout=60)
    assert time.perf_counter() - start < 5
    assert proc.returncode == 2 and err.count("\n") == 1
    assert "subexpression" in err and "--max-nodes N" in err
    assert list(tmp_path.iterdir()) == []


@POSIX
def test_ctrl_c_stops_a_render_at_once(tmp_path: Path) -> None:
    proc = cli("draw", FORMULA, "x=1", "y=2", "-o", "f.svg", "--max-nodes", "100000", "--timeout", "600", cwd=tmp_path)
    time.sleep(2.5)  # started, and deep in Graphviz (it would take a minute or more)
    assert proc.poll() is None
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert time.perf_counter() - sent < 2.0
    assert proc.returncode == 130
    assert err == "micrograd: interrupted\n" and out == ""
    assert list(tmp_path.iterdir()) == []


@POSIX
def test_sigterm_stops_a_render_as_ctrl_c_does(tmp_path: Path) -> None:
    proc = cli("draw", FORMULA, "x=1", "y=2", "-o", "f.svg", "--max-nodes", "100000", "--timeout", "600", cwd=tmp_path)
    time.sleep(2.5)  # started, and deep in Graphviz (it would take a minute or more)
    assert proc.poll() is None
    sent = time.perf_counter()
    proc.send_signal(signal.SIGTERM)  # what `kill`, a closed terminal's session or a CI runner's cancel sends
    out, err = proc.communicate(timeout=30)
    assert time.perf_counter() - sent < 2.0
    assert proc.returncode == 128 + signal.SIGTERM  # 143, as a shell reports a command ended by SIGTERM
    assert err == "micrograd: terminated\n" and out == ""
    assert list(tmp_path.iterdir()) == []


SLOW_SAVE = """
import os, sys, time
from micrograd.cli.main import main
from micrograd.drawing import files

def slow(fd, data):  # half the file, then a long wait: a large save caught in the middle
    os.write(fd, bytes(data[: len(data) // 2]))
    time.sleep(120)

files._write_all = slow
sys.exit(main(sys.argv[1:]))
"""


@POSIX
def test_sigterm_during_a_save_leaves_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "f.dot").write_text("old")
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_SAVE, "draw", "x*y", "x=1", "y=2", "-o", "f.dot", "--steps", "s.html"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        waited = time.monotonic() + 60
        while not list(tmp_path.glob(".mg-*.tmp")):  # the save has begun
            assert proc.poll() is None and time.monotonic() < waited
            time.sleep(0.02)
        sent = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert [p.name for p in tmp_path.iterdir()] == ["f.dot"] and (tmp_path / "f.dot").read_text() == "old"
    assert time.perf_counter() - sent < 2.0
    assert proc.returncode == 143 and err == "micrograd: terminated\n" and out == ""


def children(pid: int, name: str) -> list[int]:
    """The processes called ``name`` whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue  # ended meanwhile
        if stat and stat[stat.index("(") + 1 : stat.rindex(")")] == name:
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Is ``pid`` a process still running (not gone, not a zombie waiting to be reaped)?"""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@POSIX
@pytest.mark.skipif(SYSTEM_DOT is None, reason="no system Graphviz (dot) to stop")
def test_sigterm_stops_the_system_dot(tmp_path: Path) -> None:
    assert SYSTEM_DOT is not None
    bin_dir, work = tmp_path / "bin", tmp_path / "work"
    bin_dir.mkdir()
    work.mkdir()
    (bin_dir / "dot").symlink_to(SYSTEM_DOT)  # on PATH in the command's environment only
    env = os.environ | {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    args = ("draw", FORMULA, "x=1", "y=2", "-o", "f.svg", "--max-nodes", "100000", "--timeout", "600")
    proc = cli(*args, cwd=work, env=env)
    dots: list[int] = []
    try:
        waited = time.monotonic() + 60
        while not dots:  # the command has started dot
            assert proc.poll() is None and time.monotonic() < waited
            time.sleep(0.05)
            dots = children(proc.pid, "dot")
        time.sleep(0.5)  # deep in the layout (it takes minutes)
        sent = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        assert not running(dots[0])  # killed and reaped, not left running as an orphan
        assert time.perf_counter() - sent < 2.0
        assert proc.returncode == 143 and err == "micrograd: terminated\n" and out == ""
        assert list(work.iterdir()) == []
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in dots:
            if running(pid):
                os.kill(pid, signal.SIGKILL)  # the orphan the old code left


# ---------------------------------------------------------------- the compiled WebAssembly module, cached


def test_the_compiled_module_is_cached_and_a_bad_cache_is_recovered_from(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import wasmtime

    def renders(compiling: bool = True) -> bool:
        with monkeypatch.context() as m:
            if not compiling:
                m.setattr(wasmtime.Module, "__init__", lambda *a, **kw: pytest.fail("compiled: the cache was not used"))
            return "<svg" in wasm.Graphviz(code).svg("digraph { a -> b }").decode()

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    code = wasm._wasm_bytes()
    assert renders()  # compiled, and cached
    (cached,) = (tmp_path / "micrograd").iterdir()
    assert cached == wasm.cache_file(code) and cached.suffix == ".cwasm"
    assert renders(compiling=False)  # a second Graphviz (a second process) loads it: no compiling

    good = cached.read_bytes()
    for bad in (good[: len(good) // 2], good[:5000] + bytes(100) + good[5100:]):  # cut short; bytes changed
        cached.write_bytes(bad)
        assert renders()  # compiled again ...
        assert renders(compiling=False)  # ... and the cache mended

    monkeypatch.setenv("XDG_CACHE_HOME", str(cached))  # a file where the cache folder would be: unwritable
    assert renders()
