"""What one picture shows: the DOT text Graphviz lays out, and what each element of it is.

Graphviz only places things; :mod:`micrograd.drawing.svg` then styles its SVG, reading the
:class:`Role` of every node and edge (by its DOT ``id``). So the DOT uses nothing but what
both Graphviz builds understand (records, plain shapes), and both draw the same picture.

Circuit style, the lecture's: inputs by name, gates as circles, and every *wire* a small
two-field record, the forward value above and the gradient below; its outline is dropped
and the rule between the fields is the wire itself, so numbers sit on their own wire and
Graphviz (which never overlaps nodes) keeps them clear of everything else. An output used
more than once first runs along a *stem* carrying its total gradient, then splits at a dot
into one *branch* per use, each carrying its own contribution: gradients add at a fork.
Gates are written in glyphs, constants inside them (``+1``, ``×−1``, ``x²``, ``1/x``:
:mod:`~micrograd.drawing.notation`).

Record style, the tutorial's: a box ``name | data | grad`` per value, an ellipse per op;
wires out of a box used more than once carry their contributions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from ..core import BackwardTrace, Wire
from .dot import attrs, record_field
from .layout import _CORNERS, _SIDES, BIG_GRAPH, NEAR, _balanced, _layout_size, ordered_gate
from .names import is_constant, node_names
from .neurons import build_network, find_network
from .notation import DOT, chain, formula, gate_text, identity_gates, local, total, wires_into
from .numbers import format_number, format_value, shape_text
from .parts import BLANK, Role, _is_scalar, value_text

__all__ = ["Role", "Picture", "Options", "View", "Graph", "build", "gate_text", "BLANK"]


@dataclass
class Picture:
    """The DOT text of a picture and the role of each element in it."""

    source: str
    roles: dict[str, Role]
    title: str
    desc: str
    rankdir: str
    nodes: int
    layout_size: int
    ids: dict[Any, str] = field(default_factory=dict)  # graph node -> its DOT id (gates and leaves drawn)
    edges: list[tuple[str, str]] = field(default_factory=list)  # edge ``e{k}``: (tail id, head id)
    drawn: tuple[int, int] | None = None  # collapsed: how many boxes and nodes it draws


@dataclass(frozen=True)
class Options:
    """How to draw: ``style`` (circuit or record), ``rankdir``, ``precision``, ``annotate``,
    ``font_size`` (points), ``show_names`` (interior nodes' names on their gates; None: when
    annotating, and always for labelled nodes), ``neurons`` (a neural net's view: ``"collapsed"``,
    ``"expanded"`` or ``"off"``) and ``shade`` (its connections darker the larger their gradient)."""

    style: str = "circuit"
    rankdir: str = "LR"
    precision: int = 4
    annotate: bool = False
    font_size: float = 12.0
    show_names: bool | None = None
    neurons: str = "off"
    shade: bool = False


class View:
    """What one picture shows of the backward pass: its trace, which gradients, what is highlighted.

    ``faint`` holds nodes drawn light, with the wires leaving them (the forward graph under a
    gradient built by ``backward(create_graph=True)``). ``blanks`` (a worksheet) numbers the
    answers to leave out: keys ``("value", node)``, ``("grad", node)`` and ``("wire", consumer,
    index)`` (one branch of a fork); each is drawn as a box ``[n]``, and no tooltip or
    description tells the numbers. ``flagged`` holds nodes (and ``(consumer, index)`` branches)
    whose gradient is marked as differing from the correct one.
    """

    def __init__(
        self,
        trace: BackwardTrace | None,
        shown: Callable[[Any], bool],
        hot: AbstractSet[Any] = frozenset(),
        marked: Any = None,
        pad: bool = False,
        blanks: Mapping[tuple[Any, ...], int] | None = None,
        flagged: AbstractSet[Any] = frozenset(),
        faint: AbstractSet[Any] = frozenset(),
    ) -> None:
        self.trace, self.shown, self.hot, self.marked, self.pad = trace, shown, hot, marked, pad
        self.blanks: Mapping[tuple[Any, ...], int] = blanks or {}
        self.flagged = flagged
        self.faint = faint  # nodes drawn light: the forward graph a gradient's graph reuses
        self.grads: dict[Any, Any] = {} if trace is None else trace.grads
        self.wires: dict[tuple[int, int], Wire] = {}
        if trace is not None:
            self.wires = {(id(w.node), w.index): w for w in trace.wires}

    def blank(self, *key: Any) -> str | None:
        """The answer box drawn in place of the number at ``key`` (``"grad", node`` ...), or None."""
        n = self.blanks.get(key)
        return None if n is None else f"{BLANK * 3}[{n}]{BLANK * 3}"  # room for a handwritten number

    def wire(self, consumer: Any, index: int) -> Wire | None:
        """The trace's wire from ``consumer`` back to its ``index``-th parent (None: no gradient flows)."""
        return self.wires.get((id(consumer), index))

    def text(self, x: Any, shown: bool, precision: int) -> str:
        """A gradient (or note) as text: when shown, or laid out to be hidden later (``pad``); else empty."""
        text = x if isinstance(x, str) else format_value(x, precision)
        return text if shown or self.pad else ""

    def hides(self, shown: bool) -> bool:
        """Is a gradient laid out but hidden (a frame before its step)?"""
        return self.pad and not shown


class Graph:
    """The nodes of one picture: order, names, and who uses each node (consumer and argument index).

    Identity gates (``+0`` of ``sum()``, ``×1``, ``x¹``: :func:`~micrograd.drawing.notation.identity_gates`)
    are ``hidden`` unless ``identities``: they are not ``shown``, and their consumers use what they
    pass through (``uses``), which also goes by their name. ``root`` is the node that shows the
    output (what a hidden output gate passes through); ``output`` is the node itself.
    """

    def __init__(
        self, root: Any, topo: list[Any], names: dict[Any, str] | None = None, identities: bool = False
    ) -> None:
        self.output = root
        self.hidden: dict[Any, Any] = {} if identities else identity_gates(topo, root)
        self.root = self.hidden.get(root, root)
        self.topo = topo
        self.names = node_names(root, names, topo, self.hidden)  # topo: the reading order (diagram.graph)
        self.uses: dict[Any, list[tuple[Any, int]]] = {v: [] for v in topo}
        for v in topo:
            if v not in self.hidden:
                for i, p in enumerate(v.parents):
                    self.uses[self.hidden.get(p, p)].append((v, i))
        self.shown = [v for v in topo if not is_constant(v) and v not in self.hidden]
        self.collapsed: Any = None  # drawn collapsed: what is drawn as boxes (collapse.Collapsed)

    def into(self, trace: BackwardTrace, v: Any) -> list[Wire]:
        """The wires ``v``'s gradient comes back along, as drawn (through hidden gates)."""
        return wires_into(trace, v, self.hidden)


# ---------------------------------------------------------------- building


class _Builder:
    def __init__(self, g: Graph, view: View, opts: Options) -> None:
        self.g, self.view, self.opts = g, view, opts
        self.lines: list[str] = []
        self.roles: dict[str, Role] = {}
        self.nodes: list[str] = []
        self.edges: list[tuple[str, str]] = []
        self.horizontal = opts.rankdir in ("LR", "RL")  # wires run across the page
        # a value and its gradient of one line each (across the page), or padded to one width (down
        # it): the rule is the middle; a note hangs under the gradient: the corners
        self.out_port, self.in_port = (_CORNERS if opts.annotate else _SIDES)[opts.rankdir]
        self.ids = {v: f"v{k}" for k, v in enumerate(g.topo)}
        self.arguments: list[tuple[Any, int, str, str, Role, dict[str, object]]] = []
        self.taken = set(g.names.values())  # the names a gate's placeholder must not be
        self.gates: dict[Any, str] = {}

    def node(self, nid: str, role: Role, **dot: object) -> None:
        self.nodes.append(nid)
        self.roles[nid] = role
        self.lines.append(f"{nid} {attrs(id=nid, **dot)}")

    def record(
        self,
        nid: str,
        role: Role,
        fields: list[str],
        flip: bool = False,
        raw: bool = False,
        port: str | None = None,
        **dot: object,
    ) -> None:
        """A record node: its fields stacked across the wire (``flip``: along it, as a value box).

        ``raw``: a field that is already record syntax (``{a|b}``, nested fields) is left as it is
        after the first, which is escaped as text. ``port``: the first field's name, for edges to attach to.
        """
        label = "|".join(f if raw and k > 0 else record_field(f if f else BLANK) for k, f in enumerate(fields))
        label = f"<{port}> {label}" if port else label
        label = "{" + label + "}" if flip else label
        self.nodes.append(nid)
        self.roles[nid] = role
        self.lines.append(
            f'{nid} [id="{nid}" shape=record label="{label}"' + (" " + attrs(**dot)[1:-1] if dot else "") + "]"
        )

    def argument(self, c: Any, i: int, tail: str, role: Role, head: str | None = None, **dot: object) -> None:
        """The edge that brings argument ``i`` into gate ``c`` (into ``head``, its op node in records).

        Written after every other edge, gate by gate in argument order (:func:`_reading_order`):
        Graphviz keeps a node's in-edges in the order they are written (``ordering=in``).
        """
        self.arguments.append((c, i, tail, head or self.ids[c], role, dot))

    def edge(self, a: str, b: str, role: Role, **dot: object) -> None:
        eid = f"e{len(self.edges)}"
        self.edges.append((a, b))
        self.roles[eid] = role
        if not role.arrow:
            dot["arrowhead"] = "none"
        self.lines.append(f"{a} -> {b} {attrs(id=eid, **dot)}")

    # -- the chain-rule texts

    def name(self, v: Any) -> str:
        return self.g.names[v]

    def gate(self, v: Any) -> str:
        """``v``'s gate in glyphs; its placeholder (the ``x`` of ``x²``) names no other node in this picture.

        Written once per gate (its label and every wire's hover text read it)."""
        text = self.gates.get(v)
        if text is None:
            text = self.gates[v] = ordered_gate(v, self.opts.rankdir) or self._glyphs(v)
        return text

    def _glyphs(self, v: Any) -> str:
        inputs = [p for p in v.parents if not is_constant(p)]
        own = {self.name(inputs[0])} if len(inputs) == 1 else set()  # x² on the node named x reads right
        return gate_text(v, self.opts.precision, self.taken - own)

    def grad_shown(self, v: Any) -> bool:
        return self.view.shown(v) and self.view.grads.get(v) is not None

    def value_of(self, v: Any) -> str:
        """``v``'s value as written on its wire, or its answer box."""
        return self.view.blank("value", v) or value_text(v, self.opts.precision)

    def secret(self) -> bool:
        """A worksheet: no tooltip may tell a number the learner is to find."""
        return bool(self.view.blanks)

    def contribution(self, c: Any, i: int) -> Wire | None:
        return self.view.wire(c, i)

    def wire_note(self, w: Wire | None, shown: bool) -> str:
        """On a wire: ``= upstream · ∂c/∂v`` with their numbers (the contribution's arithmetic), or the local
        derivative ``∂c/∂v = L`` alone before backward."""
        if not self.opts.annotate or w is None or w.local is None:
            return ""
        p = self.opts.precision
        partial = local(self.name(w.node), self.name(w.parent))
        if self.view.trace is None or not (shown or self.view.pad):  # no gradients to show: the local one alone
            return f"{partial}\n= {format_number(w.local, p)}"
        # a column, narrow: the upstream gradient, times the local one, named under its number
        text = f"= {format_number(w.upstream, p)}\n{DOT} {format_number(w.local, p)}\n{partial}"
        return self.view.text(text, shown, p)

    def sum_note(self, v: Any, shown: bool) -> str:
        """On a stem: the gradient as the sum of its wires' contributions, ``= 1 + 1``."""
        if not self.opts.annotate or self.view.trace is None:
            return ""
        terms = [w.contribution for w in self.g.into(self.view.trace, v)]
        if len(terms) < 2 or not all(isinstance(t, (float, int)) for t in terms):
            return ""
        p = self.opts.precision
        text = "\n".join(("= " if k == 0 else "+ ") + format_number(t, p) for k, t in enumerate(terms))
        return self.view.text(text, shown, p)

    def wire_tooltip(self, v: Any, c: Any, i: int, w: Wire | None) -> str:
        """A wire's hover text: where it goes, its value, and its gradient as ``df/dc · ∂c/∂v`` with the numbers."""
        p = self.opts.precision
        head = f"{self.name(v)} → {self.name(c)} ({self.gate(c).splitlines()[0]})"
        if self.secret():
            return head
        head += f": value {value_text(v, p)}"
        if w is None or not self.grad_shown(v):
            return head
        f = self.name(self.g.root)
        if w.local is None:
            return f"{head}; gradient along this wire {format_value(w.contribution, p)}"
        return (
            f"{head}; {total(f, self.name(v))} along this wire = {chain(f, self.name(c), self.name(v))}"
            f" = {format_number(w.upstream, p)} {DOT} {format_number(w.local, p)} = {format_number(w.contribution, p)}"
        )

    def node_tooltip(self, v: Any) -> str:
        """A node's hover text: ``n1 = a × b = 6; df/dn1 = -4``."""
        p = self.opts.precision
        name, f = self.name(v), self.name(self.g.root)
        if self.secret():
            return name
        text = f"{name} = {value_text(v, p)}"
        if not v.is_leaf:
            text = f"{name} = {formula(v, self.name, p)} = {value_text(v, p)}"
        grad = self.view.grads.get(v)
        if grad is not None and self.grad_shown(v):
            uses = len(self.g.into(self.view.trace, v)) if self.view.trace is not None else 0
            how = f" (the sum over its {uses} wires)" if uses > 1 else ""
            text += f"; {total(f, name)} = {format_value(grad, p)}{how}"
        elif not v.requires_grad:
            text += " (needs no gradient)"
        return text


def build(g: Graph, view: View, opts: Options, body: Callable[[_Builder], None] | None = None) -> Picture:
    """The DOT text and roles of one picture of ``g`` as ``view`` sees it (``body``: what writes its nodes
    and wires, if not a circuit, records or a network: a collapsed picture's, :mod:`.boxes`)."""
    b = _Builder(g, view, opts)
    network = find_network(g.topo, g.uses, g) if opts.neurons != "off" and body is None else None
    if body is not None:
        body(b)
    elif network is not None:
        build_network(b, network, expanded=opts.neurons == "expanded")
    else:
        (_circuit if opts.style == "circuit" else _records)(b)
    if view.faint:
        _fade(b, {b.ids[v] for v in view.faint if v in b.ids})
    fs = opts.font_size
    head = [
        f"rankdir={opts.rankdir}",
        "bgcolor=transparent",
        # "Helvetica" alone: Graphviz measures it with Helvetica's widths (a list of fonts, with Times': 10%
        # narrower, so text left its box); the SVG names the full list again (svg.FONT_FAMILY)
        f'node [fontname="Helvetica" fontsize={fs:g}]',
        f'edge [fontname="Helvetica" fontsize={fs:g} arrowsize=0.6]',
    ]
    if network is not None:
        # room for the many connections between layers (expanded: fewer, each into its weight's field)
        head += ["nodesep=0.06", "ranksep=0.9" if opts.neurons == "expanded" else "ranksep=1.6"]
    elif opts.style == "circuit":
        head += ["nodesep=0.12", "ranksep=0.05"]
    else:
        head += ["nodesep=0.15", "ranksep=0.15"]
    size = _layout_size(b.edges, b.nodes)
    if size > BIG_GRAPH:
        head.append(f"nslimit={BIG_GRAPH / size:.3g}")
    source = "digraph micrograd {\n" + "".join(f"\t{line}\n" for line in head + b.lines) + "}\n"
    ids = {v: nid for v, nid in b.ids.items() if nid in b.roles}
    title, summary = _title(g, view, opts), _summary(g, view, opts)
    return Picture(source, b.roles, title, summary, opts.rankdir, len(g.topo), size, ids, b.edges)


def _fade(b: _Builder, faint: set[str]) -> None:
    """Draw light the nodes in ``faint`` (DOT ids), their wires and stems, and the edges leaving those."""

    def owner(nid: str) -> str:  # a wire "wv3_v5_0" or a stem "sv3" belongs to node "v3"
        return nid[1:].split("_")[0] if nid[:2] in ("wv", "sv") else nid

    tails = {f"e{k}": a for k, (a, _) in enumerate(b.edges)}
    for nid, role in b.roles.items():
        if owner(tails.get(nid, nid)) in faint:
            role.faint = True


# ---------------------------------------------------------------- circuit style


def _gate(b: _Builder, nid: str, role: Role, label: str) -> None:
    """A gate: a circle holds one or two characters; a longer symbol (``exp``, ``Σwx+b``) gets an ellipse."""
    small = len(label) <= 2
    b.node(
        nid,
        role,
        label=label,
        shape="circle" if small else "ellipse",
        width="0.36",
        height="0.36",
        margin="0.02",
        fixedsize="true" if small else None,
    )


def _circuit(b: _Builder) -> None:
    g = b.g
    for v in g.shown:
        _node(b, v)
    for v in g.shown:
        uses = g.uses[v]
        if v is g.root:
            _output_wire(b, v)
        if len(uses) == 1:
            c, i = uses[0]
            _wire(b, v, c, i, b.ids[v], b.value_of(v))
        elif len(uses) > 1:
            _fork(b, v, uses)
    _reading_order(b)


def _node(b: _Builder, v: Any) -> None:
    """An input by its name, or a gate in glyphs (its name under them when labelled, or annotating)."""
    nid, g, mark = b.ids[v], b.g, v is b.view.marked
    if v.is_leaf:
        b.node(nid, Role("leaf", b.node_tooltip(v), marked=mark), label=g.names[v], shape="plaintext", margin="0.02")
        return
    op = b.gate(v)
    names = b.opts.show_names if b.opts.show_names is not None else b.opts.annotate
    show_name = v is not g.root and (names or bool(v.label))
    label = op + ("\n" + g.names[v] if show_name else "")
    fields = ("op",) * (op.count("\n") + 1) + (("name",) if show_name else ())
    _gate(b, nid, Role("gate", b.node_tooltip(v), fields=fields, marked=mark), label)


def _wire_record(
    b: _Builder,
    wid: str,
    value: str,
    grad: str,
    note: str,
    tooltip: str,
    hot: bool,
    junction: bool = False,
    hidden: bool = False,
    flagged: bool = False,
) -> None:
    """A wire as a record: the value above the rule, the gradient below it (and the note under that).

    The wires attach to the ends of the rule (:data:`_SIDES`, or with a note the corners of the
    value's field, :data:`_CORNERS`), so a note makes the record no taller on the value's side.
    """
    if not b.horizontal and not note:
        value, grad = _balanced(value, grad)
    fields = [value, grad, note] if note else [value, grad]
    role = Role(
        "wire",
        tooltip,
        fields=("value", "grad", "note") if note else ("value", "grad"),
        hot=hot,
        junction=junction,
        hidden=hidden,
        answers=any(f"{BLANK}[" in f for f in (value, grad)),  # a worksheet's box (View.blank)
        flagged=flagged,
    )
    margin = "0.03,0.01" if b.horizontal else "0.07,0.02"  # beside a vertical wire: room on either side
    b.record(wid, role, fields, port="v", margin=margin, width="0", height="0")


def _wire(b: _Builder, v: Any, c: Any, i: int, start: str, value: str) -> None:
    """One wire from ``start`` (``v`` or its stem) into argument ``i`` of gate ``c``: value above, gradient below."""
    w = b.contribution(c, i)
    shown = b.grad_shown(v)
    branch = start.startswith("s")  # from a fork's stem: this wire carries one use's contribution
    key = ("wire", c, i) if branch else ("grad", v)
    grad = "" if w is None else b.view.blank(*key) or b.view.text(w.contribution, shown, b.opts.precision)
    note = b.wire_note(w, shown)
    hot = (id(v), id(c)) in b.view.hot
    tip = b.wire_tooltip(v, c, i, w)
    wid = f"w{b.ids[v]}_{b.ids[c]}_{i}"
    flagged = ((c, i) if branch else v) in b.view.flagged
    _wire_record(b, wid, value, grad, note, tip, hot, hidden=b.view.hides(shown), flagged=flagged)
    b.edge(
        start,
        wid,
        Role("edge", tip, hot=hot, arrow=False),
        headport=b.in_port,
        tailport=b.out_port if branch else None,  # from a stem: from its junction
        weight=NEAR if v.is_leaf and not branch else None,  # an input's numbers sit by its name, first
        minlen=4 if branch else None,
    )
    b.argument(c, i, wid, Role("edge", tip, hot=hot), tailport=b.out_port, weight=NEAR)


def _fork(b: _Builder, v: Any, uses: list[tuple[Any, int]]) -> None:
    """A value used more than once: a stem with its total, then a branch per use with its contribution."""
    p = b.opts.precision
    shown = b.grad_shown(v)
    total = b.view.text(b.view.grads.get(v), shown, p) if b.view.grads.get(v) is not None else ""
    total = b.view.blank("grad", v) or total
    note = b.sum_note(v, shown)
    sid = f"s{b.ids[v]}"
    hot = any((id(v), id(c)) in b.view.hot for c, _ in uses)
    tip = b.node_tooltip(v)
    hidden, flagged = b.view.hides(shown), v in b.view.flagged
    _wire_record(b, sid, b.value_of(v), total, note, tip, hot, junction=True, hidden=hidden, flagged=flagged)
    b.edge(b.ids[v], sid, Role("edge", tip, hot=hot, arrow=False), headport=b.in_port, weight=NEAR)
    for c, i in uses:
        _wire(b, v, c, i, sid, "")


def _output_wire(b: _Builder, root: Any, tail: str | None = None) -> None:
    p = b.opts.precision
    shown = b.grad_shown(root)
    grad = b.view.text(b.view.grads.get(root), shown, p) if b.view.grads.get(root) is not None else ""
    hot = root is b.view.marked
    tip = b.node_tooltip(root)
    value = f"{b.g.names[root]} = {b.value_of(root)}"
    _wire_record(b, "out", value, grad, "", tip, hot, hidden=b.view.hides(shown), flagged=root in b.view.flagged)
    b.edge(tail or b.ids[root], "out", Role("edge", tip, hot=hot, arrow=False), headport=b.in_port)
    b.node("end", Role("end", tip), shape="point", width="0.03")
    b.edge("out", "end", Role("edge", tip, hot=hot), tailport=b.out_port)


def _reading_order(b: _Builder, inputs: list[str] | None = None) -> None:
    """Tell Graphviz the order the formula reads: inputs in one column, each gate's arguments in order.

    The inputs hang, in reading order, from an invisible node before them (``ordering=out``), in
    one rank of their own at the input side; every gate takes its arguments in argument order
    (``ordering=in`` on it, the edges into it written in that order). First is on top in a left
    to right picture, on the left in a top to bottom one. No flat edges: Graphviz 2.4x refuses
    them beside records. ``inputs``: the DOT ids of that column, if not the inputs drawn.
    """
    if inputs is None:
        inputs = [b.ids[v] for v in b.g.shown if v.is_leaf and b.ids[v] in b.roles]
    if len(inputs) > 1:
        b.lines.append('inputs [id="inputs" shape=point style=invis width=0 height=0 ordering=out]')
        b.lines.extend(f"inputs -> {nid} [style=invis weight=0]" for nid in inputs)
        b.lines.append("{rank=source; inputs}")
        b.lines.append("{rank=same; " + " ".join(inputs) + "}")
    position = {v: k for k, v in enumerate(b.g.topo)}
    heads: dict[str, None] = {}
    for _, _, tail, head, role, dot in sorted(b.arguments, key=lambda a: (position[a[0]], a[1])):
        heads[head] = None
        b.edge(tail, head, role, **dot)
    b.lines.extend(f"{head} [ordering=in]" for head in heads)


# ---------------------------------------------------------------- record style


def _records(b: _Builder) -> None:
    g, view, opts = b.g, b.view, b.opts
    p = opts.precision
    for v in g.shown:
        nid = b.ids[v]
        fields = [g.names[v]]
        roles = ["name"]
        if not _is_scalar(v):
            fields.append(f"shape {shape_text(v.data)}")
            roles.append("data")
        data = format_value(v.data, p)
        if data:
            fields.append(_rows(f"data {data}"))
            roles += ["data"] * (fields[-1].count("\n") + 1)
        grad = view.grads.get(v)
        shown = b.grad_shown(v)
        text = "" if grad is None else view.text(grad, shown, p)
        fields.append(_rows(f"grad {text}") if text else "grad")
        roles += ["grad"] * (fields[-1].count("\n") + 1)
        role = Role(
            "box",
            b.node_tooltip(v),
            fields=tuple(roles),
            marked=v is view.marked,
            hidden=view.hides(shown),
            flagged=v in view.flagged,
        )
        b.record(nid, role, fields, margin="0.06,0.02")
        if not v.is_leaf:
            oid = "o" + nid[1:]
            op = b.gate(v)
            _gate(b, oid, Role("op", b.node_tooltip(v), fields=("op",) * (op.count("\n") + 1)), op)
            b.edge(oid, nid, Role("edge", b.node_tooltip(v)))
    for v in g.shown:
        uses = g.uses[v]
        for c, i in uses:
            w = b.contribution(c, i)
            oid = "o" + b.ids[c][1:]
            hot = (id(v), id(c)) in view.hot
            tip = b.wire_tooltip(v, c, i, w)
            note = b.wire_note(w, b.grad_shown(v))
            if len(uses) > 1 or note:
                shown = b.grad_shown(v)
                grad = "" if w is None else view.text(w.contribution, shown, p)
                wid = f"w{b.ids[v]}_{b.ids[c]}_{i}"
                _wire_record(b, wid, "", grad, note, tip, hot, hidden=view.hides(shown), flagged=(c, i) in view.flagged)
                b.edge(b.ids[v], wid, Role("edge", tip, hot=hot, arrow=False), headport=b.in_port)
                b.argument(c, i, wid, Role("edge", tip, hot=hot), head=oid, tailport=b.out_port)
            else:
                b.argument(c, i, b.ids[v], Role("edge", tip, hot=hot), head=oid)
    _reading_order(b)


def _rows(text: str) -> str:
    """A matrix written one row a line (``data [[1, 2],`` / ``[3, 4]]``): a record as narrow as a row."""
    return text.replace("], [", "],\n[")


def _title(g: Graph, view: View, opts: Options) -> str:
    if view.blanks:
        return f"Exercise: the computation graph of {g.names[g.root]}"
    return f"{g.names[g.root]} = {value_text(g.root, opts.precision)}"


def _summary(g: Graph, view: View, opts: Options) -> str:
    """A text summary of the picture, for screen readers (the SVG's ``<desc>``)."""
    p = opts.precision
    if view.blanks:
        return f"An exercise on a computation graph of {len(g.shown)} nodes: {len(view.blanks)} numbered boxes to fill."
    root = g.names[g.root]
    inputs = [v for v in g.shown if v.is_leaf]
    gates = [v for v in g.shown if not v.is_leaf]
    parts = [f"A computation graph of {len(gates)} gates computing {root} = {value_text(g.root, p)}"]
    if inputs:
        parts.append("from " + ", ".join(f"{g.names[v]} = {value_text(v, p)}" for v in inputs))
    text = " ".join(parts) + "."
    shown = [v for v in inputs if view.shown(v) and view.grads.get(v) is not None]
    if shown:
        text += " Gradients: " + ", ".join(
            f"{total(root, g.names[v])} = {format_value(view.grads[v], p)}" for v in shown
        )
        text += "."
    return text
