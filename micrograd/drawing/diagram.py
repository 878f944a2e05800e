"""Draw a computation graph: every value and every gradient on the node it belongs to.

``draw(root)`` builds DOT text (as a ``graphviz.Digraph``) and returns a :class:`Diagram`,
which renders to SVG (:mod:`micrograd.drawing.render`), saves, and shows inline in Jupyter.

Two styles:

* ``"record"`` — the tutorial's boxes ``label | data | grad``, each op a small ellipse.
* ``"circuit"`` — the lecture's circuit: gates as nodes, each wire carries its value above
  (green) and its gradient below (red).

Every gradient a picture shows comes from the backward trace
(:class:`micrograd.core.BackwardTrace`), never from ``.grad`` directly: so drawing changes
no gradient, and with ``annotate=True`` each wire's ``upstream × local = contribution``
agrees with the numbers on the nodes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

import graphviz

from ..core import BackwardTrace, Node, Wire, topological_order
from .dot import attrs, record_field
from .names import node_names
from .numbers import format_number, format_value, shape_text
from .render import ENGINES, atomic_write, render, resolve_engine

__all__ = ["Diagram", "draw", "Graph", "View", "STYLES", "FORMATS", "GREEN", "RED", "HIGHLIGHT", "has_grad"]

STYLES = ("record", "circuit")
RANKDIRS = ("LR", "RL", "TB", "BT")
FORMATS = ("svg", "png", "pdf", "dot")
GREEN, RED, HIGHLIGHT, REVEALED = "#1a7f37", "#c62828", "#e67700", "#fff3bf"


def _is_scalar(v: Any) -> bool:
    return isinstance(v.data, (float, int))


def has_grad(root: Any) -> bool:
    """True once a backward pass has reached ``root``: its grad is set (tensors) or non-zero (Values)."""
    g = root.grad
    if g is None:
        return False
    return bool(g != 0) if _is_scalar(root) else True


def gradients(root: Any, seed: Any = None) -> BackwardTrace | None:
    """The backward trace a picture of ``root`` shows (seed: ``root``'s own gradient, default 1).

    None when ``root`` needs no gradient, or is an array with no gradient to start from.
    """
    if not root.requires_grad or (seed is None and not _is_scalar(root) and root.data.size != 1):
        return None
    return BackwardTrace(root, seed)


# ---------------------------------------------------------------- the graph, bounded


def check_root(root: Any, what: str = "draw()") -> None:
    if not isinstance(root, Node):
        raise TypeError(
            f"{what} takes a graph node (a micrograd Value or Tensor), got {type(root).__name__}: {root!r:.60}"
        )


def count_nodes(root: Any, limit: int) -> int:
    """Number of nodes ``root`` depends on (itself included); ValueError as soon as it exceeds ``limit``.

    Stops at the first node past the limit, so a graph of millions of nodes is refused at once.
    """
    seen = {root}
    stack = [root]
    while stack:
        for p in stack.pop().parents:
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


LAYOUT_PER_NODE = 10  # layout budget: dot takes seconds at ~10,000 virtual nodes, minutes at ~100,000


class Graph:
    """The nodes of one picture: order, DOT ids, names, consumers; refused at once if too big."""

    def __init__(self, root: Any, max_nodes: int) -> None:
        count_nodes(root, max_nodes)
        self.root = root
        self.topo = topological_order(root)
        self.ids = {v: f"v{i}" for i, v in enumerate(self.topo)}
        self.names = node_names(root, self.topo)
        self.consumers: dict[Any, list[Any]] = {v: [] for v in self.topo}
        for v in self.topo:
            for p in v.parents:
                self.consumers[p].append(v)
        self.layout_size = _layout_size(self.topo)
        if self.layout_size > LAYOUT_PER_NODE * max_nodes:
            raise ValueError(
                f"the graph has {len(self.topo)} nodes, but its wires cross so many ranks that Graphviz would lay "
                f"out about {self.layout_size} (more than {LAYOUT_PER_NODE} x max_nodes={max_nodes}): an input "
                f"feeding a long chain, like x+x+...+x. Draw a subexpression instead, or raise max_nodes."
            )


def _layout_size(topo: list[Any]) -> int:
    """Nodes plus the ranks every wire crosses: roughly the nodes dot lays out.

    dot puts a virtual node on every rank a long wire passes, so one input feeding a long
    chain (``x + x + ... + x``) costs as much as a graph quadratically larger. Ranks are
    estimated as dot's would be: an op one past its deepest parent, a leaf just before its
    earliest consumer.
    """
    rank: dict[Any, int] = {}
    for v in topo:
        rank[v] = 1 + max((rank[p] for p in v.parents), default=-1)
    earliest: dict[Any, int] = {}  # leaf -> the rank of its earliest consumer
    for v in topo:
        for p in v.parents:
            if p.is_leaf:
                earliest[p] = min(earliest.get(p, rank[v]), rank[v])
    for leaf, r in earliest.items():
        rank[leaf] = r - 1
    size = len(topo)
    for v in topo:
        size += sum(rank[v] - rank[p] - 1 for p in v.parents)
    return size


# ---------------------------------------------------------------- what one picture shows


class View:
    """What one picture shows: the trace it reads, which gradients, which wires highlighted, which node marked."""

    def __init__(
        self,
        trace: BackwardTrace | None,
        shown: Callable[[Any], bool],
        hot_wires: AbstractSet[tuple[int, int]] = frozenset(),
        marked: Any = None,
        pad: bool = False,
    ) -> None:
        self.trace, self.shown, self.hot_wires, self.marked, self.pad = trace, shown, hot_wires, marked, pad
        self.grads: dict[Any, Any] = {} if trace is None else trace.grads

    def grad(self, v: Any, precision: int) -> str:
        """The gradient text, or blank when not shown; ``pad`` keeps its width (figure spaces)."""
        text = format_value(self.grads.get(v), precision)
        if self.shown(v):
            return text
        return "\u2007" * len(text) if self.pad else ""

    def wire(self, node: Any, index: int) -> Wire | None:
        """The trace's wire from ``node`` back to ``node.parents[index]`` (None for a constant)."""
        if self.trace is None:
            return None
        return next((w for w in self.trace.out_of(node) if w.index == index), None)

    def hot(self, p: Any, c: Any) -> bool:
        return (id(p), id(c)) in self.hot_wires


def _annotation(wire: Wire | None, shown: bool, precision: int) -> str | None:
    """``local = ∂out/∂in`` and, when gradients are shown, ``upstream × local = contribution``."""
    if wire is None or wire.local is None:
        return None
    fmt = format_number
    text = f"local {fmt(wire.local, precision)}"
    if shown:
        text += (
            f"\n{fmt(wire.upstream, precision)} × {fmt(wire.local, precision)} = {fmt(wire.contribution, precision)}"
        )
    return text


# ---------------------------------------------------------------- DOT building

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


def _data_text(v: Any, precision: int) -> str:
    return format_value(v.data, precision)


def _marked(v: Any, view: View) -> dict[str, str]:
    return {"style": "filled", "fillcolor": REVEALED} if v is view.marked else {}


def _record_lines(g: Graph, view: View, precision: int, annotate: bool) -> list[str]:
    """The tutorial's picture: a box ``name | data | grad`` per value, an ellipse per op."""
    lines: list[str] = []
    for v in g.topo:
        vid = g.ids[v]
        fields = [g.names[v]]
        if not _is_scalar(v):
            fields.append(f"shape {shape_text(v.data)}")
        data = _data_text(v, precision)
        if data:
            fields.append(f"data {data}")
        grad = view.grad(v, precision)
        fields.append(f"grad {grad}" if grad else "grad")
        label = "{" + "|".join(record_field(f) for f in fields) + "}"
        fill = ' style=filled fillcolor="' + REVEALED + '"' if v is view.marked else ""
        lines.append(f'{vid} [shape=record label="{label}"{fill}]')
        if v.parents:
            oid = "o" + vid[1:]
            lines.append(f"{oid} {attrs(label=v.op or '?', shape='ellipse', margin='0.05,0.02')}")
            lines.append(f"{oid} -> {vid}")
            for i, p in enumerate(v.parents):
                edge: dict[str, object] = {}
                note = _annotation(view.wire(v, i), view.shown(v), precision) if annotate else None
                if note is not None:
                    edge.update(label=note, fontcolor=RED)
                if view.hot(p, v):
                    edge.update(color=HIGHLIGHT, penwidth=2.5)
                lines.append(f"{g.ids[p]} -> {oid}" + (" " + attrs(**edge) if edge else ""))
    return lines


def _wire_label(v: Any, g: Graph, precision: int) -> str:
    """The value written above a wire: the number (and the name, if the user gave one)."""
    data = _data_text(v, precision)
    if not _is_scalar(v) and len(v.data.shape) > 0:
        data = shape_text(v.data) + (" " + data if data else "")
    if v.parents and v.label:
        return f"{g.names[v]} = {data}"
    return data


def _circuit_lines(g: Graph, view: View, precision: int, annotate: bool) -> list[str]:
    """The lecture's picture: gates as nodes, values above each wire, gradients below."""
    lines: list[str] = []
    for v in g.topo:
        vid = g.ids[v]
        if v.parents:
            op = v.op or "?"
            shape = "circle" if len(op) <= 3 else "ellipse"
            lines.append(f"{vid} {attrs(label=op, shape=shape, margin='0.02', **_marked(v, view))}")
        else:
            lines.append(f"{vid} {attrs(label=g.names[v], shape='plaintext', **_marked(v, view))}")
    for c in g.topo:
        for i, p in enumerate(c.parents):
            above = _wire_label(p, g, precision)
            note = _annotation(view.wire(c, i), view.shown(c), precision) if annotate else None
            if note is not None:  # beside the wire, so it never covers it
                above += "\n" + note
            edge: dict[str, object] = {"label": above, "taillabel": view.grad(p, precision)}
            if view.hot(p, c):
                edge.update(color=HIGHLIGHT, penwidth=2.5)
            lines.append(f"{g.ids[p]} -> {g.ids[c]} {attrs(**edge)}")
    root = g.root
    lines.append("out [shape=point width=0.02]")
    edge = {"label": _wire_label(root, g, precision), "taillabel": view.grad(root, precision)}
    if root is view.marked:
        edge.update(color=HIGHLIGHT, penwidth=2.5)
    lines.append(f"{g.ids[root]} -> out {attrs(**edge)}")
    return lines


def build(g: Graph, view: View, *, style: str, rankdir: str, precision: int, annotate: bool) -> graphviz.Digraph:
    """The DOT of one picture, as a ``graphviz.Digraph``."""
    body = _header(rankdir, style, g.layout_size)
    body += (_record_lines if style == "record" else _circuit_lines)(g, view, precision, annotate)
    dg = graphviz.Digraph(name="micrograd")
    dg.body.extend("\t" + line + "\n" for line in body)
    return dg


# ---------------------------------------------------------------- Diagram


class Diagram:
    """A drawn graph: ``.source`` (DOT text), ``.digraph``, ``.svg()``, ``.save(path)``; shows inline in Jupyter."""

    def __init__(
        self, digraph: graphviz.Digraph, *, nodes: int, style: str, engine: str | None = None, caption: str = ""
    ) -> None:
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
        resolved = resolve_engine(engine if engine is not None else self.engine)
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


def check_options(style: str, rankdir: str, max_nodes: int, precision: int, engine: str | None = None) -> None:
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if type(max_nodes) is not int or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
    if type(precision) is not int or not 1 <= precision <= 17:
        raise ValueError(f"precision must be an int from 1 to 17, got {precision!r}")
    if engine is not None and engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES} or None (automatic), got {engine!r}")


def diagram(
    g: Graph,
    view: View,
    *,
    style: str,
    rankdir: str,
    precision: int,
    annotate: bool,
    engine: str | None,
    caption: str = "",
) -> Diagram:
    dg = build(g, view, style=style, rankdir=rankdir, precision=precision, annotate=annotate)
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
    pass has run (``root.grad`` set); a gradient not shown is blank, never 0. The gradients
    shown are those of the backward pass from ``root``, seeded with ``root.grad`` (1 after
    ``root.backward()``), read from :class:`~micrograd.core.BackwardTrace`: drawing changes
    no ``.grad``. ``annotate=True`` writes on each wire the local gradient ∂out/∂in and
    ``upstream × local = contribution`` (scalar Values only). ``max_nodes``: beyond it a
    ValueError at once (draw a subexpression or raise the limit). ``engine``: ``"dot"``,
    ``"wasm"`` or None (system dot if on PATH, else WebAssembly). Tensor nodes show their
    shape, and their values when they have at most 6 elements.
    """
    check_root(root)
    check_options(style, rankdir, max_nodes, precision, engine)
    g = Graph(root, max_nodes)
    started = has_grad(root)
    show = started if show_grad is None else bool(show_grad)
    trace = gradients(root, root.grad if started else None) if show or annotate else None
    view = View(trace, lambda v: show)
    return diagram(g, view, style=style, rankdir=rankdir, precision=precision, annotate=annotate, engine=engine)
