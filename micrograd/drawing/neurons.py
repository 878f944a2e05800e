"""Neural nets as a teacher draws them: neurons in layers, weights as the connections between them.

A graph built by :mod:`micrograd.nn` holds one ``Σwx+b`` node per neuron (its weighted sum,
parents ``(w..., x..., b)``), usually followed by its activation, each neuron's nodes in its scope
(``L1/N2``: layer 1, neuron 2). The neurons are read from those scopes, as a collapsed picture boxes
them (:func:`~.collapse.collapse_graph` at the neurons' depth); a graph without them (an old pickle,
a hand-built ``Σwx+b``) has its neurons found from its structure. They are laid out as columns, one
per layer, each neuron named ``L1.N2`` and each weight ``L1.N2.w0`` (layer 1, neuron 2, input 0):

- ``"collapsed"``: one box per neuron (its name and activation, its output and gradient);
  every weight is the edge from its input to its neuron, its value and gradient in the
  edge's tooltip, and with ``shade=True`` the edge darker the larger ``|dL/dw|`` (log scale);
- ``"expanded"``: each neuron one box holding its weights and bias in order (``w0, w1, ..., b``),
  its ``Σwx+b`` and its activation; each input's wire enters its weight.

The network's inputs are the columns' first (``x0``, ``x1``, ...); what comes after the
network (a loss) is drawn as boxes too.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from .collapse import collapse_graph
from .dot import record_field
from .notation import gate_text
from .numbers import format_value
from .parts import Role, value_text

__all__ = ["Neuron", "Network", "find_network", "ACTIVATIONS"]

SUM = "Σwx+b"
NEURON_SCOPE = re.compile(r"^(?:(?P<outer>.*?)/)??(?:L(?P<layer>\d+)/)?N(?P<index>\d+)$")  # [outer/][L1/]N2
ACTIVATIONS = {"ReLU": "ReLU", "tanh": "tanh", "sigmoid": "σ"}  # as the gates write them


@dataclass
class Neuron:
    """One neuron of the graph: its weighted sum, its output (the activation, or the sum if linear).

    A loss over several examples runs the model once per example: ``example`` says which copy
    of the neuron this is (0 for the first example), and copies share their weights and bias.
    """

    total: Any
    out: Any
    activation: str
    layer: int = 0
    index: int = 0
    example: int = 0

    @property
    def weights(self) -> tuple[Any, ...]:
        return self.total.parents[: self.inputs_count]

    @property
    def inputs(self) -> tuple[Any, ...]:
        return self.total.parents[self.inputs_count : 2 * self.inputs_count]

    @property
    def bias(self) -> Any:
        return self.total.parents[-1]

    @property
    def inputs_count(self) -> int:
        return len(self.total.parents) // 2

    @property
    def unit(self) -> tuple[int, ...]:
        """Which neuron of the model this is, whatever the example: its parameters."""
        return (id(self.bias), *map(id, self.weights))

    @property
    def name(self) -> str:
        return f"L{self.layer}.N{self.index}"

    @property
    def nid(self) -> str:
        """Its DOT id: ``N2_1`` (layer 2, neuron 1), ``N2_1_e3`` for example 3's copy."""
        return f"N{self.layer}_{self.index}" + (f"_e{self.example + 1}" if self.example else "")


@dataclass
class Network:
    """The neurons of a graph by layer (one list of layers per example), and what names they give its nodes."""

    examples: list[list[list[Neuron]]]
    inputs: int  # how many inputs the first layer takes
    names: dict[Any, str] = field(default_factory=dict)
    owner: dict[Any, Neuron] = field(default_factory=dict)  # weight, bias, sum, output -> its neuron

    @property
    def layers(self) -> list[list[Neuron]]:
        """The first example's layers: the model itself."""
        return self.examples[0]

    def input_position(self, node: Any) -> int | None:
        """Which of the network's inputs ``node`` is (the first layer's inputs, by position)."""
        for layers in self.examples:
            for neuron in layers[0]:
                for i, x in enumerate(neuron.inputs):
                    if x is node:
                        return i
        return None


def find_network(topo: list[Any], uses: dict[Any, list[tuple[Any, int]]], graph: Any = None) -> Network | None:
    """The neurons of the graph in layers, or None if it has fewer than two ``Σwx+b`` nodes.

    A loss summed over several examples holds one copy of the model per example (the same
    weights, other inputs): each copy is an example of its own, numbered as the graph reads.
    With ``graph`` (the picture's :class:`~.picture.Graph`) whose neurons were built in their scopes
    (:mod:`micrograd.nn`), they are read from the scopes (:func:`scoped_network`); otherwise found
    from the structure: each ``Σwx+b`` a neuron, its layer one more than its inputs' neurons'.
    """
    sums = [v for v in topo if v.op == SUM and len(v.parents) % 2 == 1]
    if len(sums) < 2:
        return None
    net = scoped_network(graph, sums) if graph is not None else None
    return net if net is not None else _structural(sums, uses)


def _structural(sums: list[Any], uses: dict[Any, list[tuple[Any, int]]]) -> Network:
    """The network found from the structure alone: for a graph built without scopes."""
    neurons = [_neuron(v, uses) for v in sums]
    by_output = {n.out: n for n in neurons}
    for n in neurons:  # parents come first in topo: a neuron's inputs' neurons already have their layer
        n.layer = 1 + max((by_output[x].layer for x in n.inputs if x in by_output), default=0)
    examples = []
    for k, group in enumerate(_examples(neurons, by_output)):
        depth = max(n.layer for n in group)
        layers = [[n for n in group if n.layer == j] for j in range(1, depth + 1)]
        layers = [layer for layer in layers if layer]
        for j, layer in enumerate(layers):
            for n in layer:
                n.example = k
            _order(layer, layers[j + 1] if j + 1 < len(layers) else [])
        examples.append(layers)
    _same_numbers(examples)
    net = Network(examples, inputs=max(n.inputs_count for n in examples[0][0]))
    _name(net)
    return net


def scoped_network(g: Any, sums: list[Any]) -> Network | None:
    """The network as its scopes tell it: the boxes of :func:`~.collapse.collapse_graph` at the depth of
    the neuron scopes (``[outer/][L{k}/]N{j}``), each box one neuron of the model (layer ``k``, number
    ``j``), each ``Σwx+b`` in it one example's copy; the copies of a neuron in one scope are numbered in
    reading order, those in other outer scopes (``ex0/L1/N1``, ``ex1/L1/N1``) in the order the outer
    scopes are read.

    None when the scopes do not tell the whole network: a ``Σwx+b`` outside a neuron scope, neuron scopes
    at several depths, a box holding more than its neurons' nodes, or a neuron reading one that is not
    in the layer before it (two Layers called on their own are both ``L1``): then the structure does.
    """
    found = [NEURON_SCOPE.match(v.scope) if v.scope else None for v in sums]
    depths = {v.scope.count("/") for v in sums if v.scope}
    if not all(found) or len(depths) != 1:
        return None
    collapsed = collapse_graph(g, depths.pop() + 1)
    owner = {id(v): collapsed.box_of.get(v) for v in sums}
    copies: dict[tuple[str, int], int] = {}  # (outer scope, copy in its scope) -> the example
    seen: dict[int, int] = {}  # id(box) -> copies met so far
    neurons = []
    for v, m in zip(sums, found, strict=True):
        box = owner[id(v)]
        if box is None or m is None:
            return None
        n = _neuron(v, g.uses)
        if n.out is not v and collapsed.box_of.get(n.out) is not box:
            n = Neuron(v, v, "linear")  # its activation in another scope: not its own
        copy = seen[id(box)] = seen.get(id(box), -1) + 1
        n.layer, n.index = int(m["layer"] or 1), int(m["index"])
        n.example = copies.setdefault((m["outer"] or "", copy), len(copies))
        neurons.append(n)
    own = {id(x) for n in neurons for x in (n.total, n.out, n.bias, *n.weights, *n.inputs)}
    boxes = {id(box): box for box in owner.values() if box is not None}
    if any(id(x) not in own for box in boxes.values() for x in box.nodes):  # a node of its own: not nn's neuron
        return None
    by_output = {n.out: n for n in neurons}
    for n in neurons:
        for x in n.inputs:
            feeder = by_output.get(x)
            if feeder is not None and (feeder.layer != n.layer - 1 or feeder.example != n.example):
                return None
    examples = []
    for k in range(len(copies)):
        group = [n for n in neurons if n.example == k]
        layers = [
            sorted((n for n in group if n.layer == j), key=lambda n: n.index)
            for j in range(1, 1 + max(n.layer for n in group))
        ]
        examples.append([layer for layer in layers if layer])
    net = Network(examples, inputs=max(n.inputs_count for n in examples[0][0]))
    _name(net)
    return net


def _examples(neurons: list[Neuron], by_output: dict[Any, Neuron]) -> list[list[Neuron]]:
    """The neurons by example: one group unless some neuron of the model is there more than once.

    A first-layer neuron belongs to the example of its inputs; a later one to that of the
    neurons it reads.
    """
    if len({n.unit for n in neurons}) == len(neurons):
        return [neurons]
    example: dict[int, int] = {}
    inputs: dict[tuple[int, ...], int] = {}
    for n in neurons:  # in topo order: the neurons a neuron reads come first
        feeders = [by_output[x] for x in n.inputs if x in by_output]
        key = example[id(feeders[0])] if feeders else inputs.setdefault(tuple(map(id, n.inputs)), len(inputs))
        example[id(n)] = key
    groups: list[list[Neuron]] = [[] for _ in range(max(example.values()) + 1)]
    for n in neurons:
        groups[example[id(n)]].append(n)
    return groups


def _same_numbers(examples: list[list[list[Neuron]]]) -> None:
    """Every example's copy of a neuron gets the first example's number (L1.N3 is L1.N3 in each)."""
    number = {n.unit: n.index for layer in examples[0] for n in layer}
    for layers in examples[1:]:
        for layer in layers:
            for n in layer:
                n.index = number.get(n.unit, n.index)
            layer.sort(key=lambda n: n.index)


def _neuron(total: Any, uses: dict[Any, list[tuple[Any, int]]]) -> Neuron:
    consumers = uses.get(total, [])
    if len(consumers) == 1:
        act = consumers[0][0]
        if act.op in ACTIVATIONS and len(act.parents) == 1:
            return Neuron(total, act, ACTIVATIONS[act.op])
    return Neuron(total, total, "linear")


def _order(layer: list[Neuron], following: list[Neuron]) -> None:
    """Number a layer's neurons as the next layer reads them (its first neuron's inputs, in order)."""
    reader = following[0].inputs if following else ()
    place = {id(x): k for k, x in enumerate(reader)}
    layer.sort(key=lambda n: place.get(id(n.out), len(place)))
    for k, n in enumerate(layer, start=1):
        n.index = k


def _name(net: Network) -> None:
    several = len(net.examples) > 1
    for layers in net.examples:
        for layer in layers:
            for n in layer:
                for i, w in enumerate(n.weights):
                    net.names.setdefault(w, f"{n.name}.w{i}")
                    net.owner[w] = n
                net.names.setdefault(n.bias, f"{n.name}.b")
                net.owner[n.bias] = n
                name = f"{n.name} of example {n.example + 1}" if several else n.name
                net.names[n.total] = f"{name} {SUM}" if n.out is not n.total else name
                net.names[n.out] = name
                net.owner[n.total] = net.owner[n.out] = n
        for n in layers[0]:
            for i, x in enumerate(n.inputs):
                if not x.label:
                    net.names.setdefault(x, f"x{i}")


def shades(grads: list[float]) -> list[float]:
    """0 to 1 for each gradient: how large ``|g|`` is among them, on a log scale (0 for a zero)."""
    logs = [math.log10(abs(g)) if g and math.isfinite(g) else None for g in grads]
    present = [x for x in logs if x is not None]
    if not present:
        return [0.0] * len(grads)
    lo, hi = min(present), max(present)
    span = hi - lo or 1.0
    return [0.0 if x is None else (x - lo) / span if hi > lo else 1.0 for x in logs]


def weight_text(name: str, w: Any, grad: Any, upstream: Any, x: Any, precision: int, example: int | None = None) -> str:
    """A connection's tooltip: the weight, and its gradient along this connection as upstream × input
    (of one example, when a loss runs the network on several: the weight's gradient is their sum)."""
    text = f"{name} = {format_value(w.data, precision)}"
    if grad is not None:
        what = f"dL/d{name}" if example is None else f"example {example + 1}'s share of dL/d{name}"
        text += f"; {what} = {format_value(grad, precision)}"
        if upstream is not None:
            text += f" = {format_value(upstream, precision)} × input {format_value(x.data, precision)}"
    return text


# ---------------------------------------------------------------- the picture

# Which side of a box a wire enters, and which it leaves, in each direction of the picture.
_IN_SIDE = {"LR": "w", "RL": "e", "TB": "n", "BT": "s"}
_OUT_SIDE = {"LR": "e", "RL": "w", "TB": "s", "BT": "n"}
BLANK = "\u2007"  # an empty field's text (a figure space, as in picture.BLANK): every field has one


def build_network(b: Any, net: Network, expanded: bool) -> None:
    """Write the network ``net`` of builder ``b``'s graph as columns of neurons (see the module docstring).

    Several examples: each example's copy of the network is a group of its own (``example 2``),
    its inputs in the group's first column, the layers' headings over the first group only.
    The order of everything is told to Graphviz, never left to it: each column hangs from an
    invisible node (:func:`_column`), an expanded neuron is one record whose fields are its
    weights in order, and what follows the network takes its arguments in order (``ordering=in``).
    """
    names = {**b.g.names, **net.names}
    if len(net.examples) > 1:  # see _column; and one rank for every example's inputs (ranks across groups)
        b.lines += ["remincross=false", "newrank=true"]
    drawn: dict[int, str] = {}  # id(node) -> the DOT id that stands for it
    several = len(net.examples) > 1
    for k, layers in enumerate(net.examples):
        start = len(b.lines)
        _example(b, net, layers, k, names, drawn, expanded)
        if several:
            _group(b, start, f"example{k + 1}", f"example {k + 1}")
    if several:
        b.lines.append("{rank=same; " + " ".join(f"x0_e{k + 1}" if k else "x0" for k in range(len(net.examples))) + "}")
    _connections(b, net, names, drawn, expanded)
    _after(b, net, names, drawn)


def _group(b: Any, start: int, cid: str, label: str) -> None:
    """The DOT lines from ``start`` on as a group: a cluster with a grey outline and ``label`` on top."""
    style = f'fontname="Helvetica" fontsize={b.opts.font_size:g} color="#999999"'
    b.lines[start:] = [f'subgraph cluster_{cid} {{ label="{label}" {style}', *b.lines[start:], "}"]


def _box(b: Any, nid: str, node: Any, title: str, tooltip: str) -> None:
    """A node as its name over its value and its gradient, side by side (compact: columns of many)."""
    p = b.opts.precision
    shown = b.grad_shown(node)
    grad = b.view.grads.get(node)
    text = "" if grad is None else b.view.text(grad, shown, p)
    role = Role(
        "box", tooltip, fields=("name", "data", "grad"), marked=node is b.view.marked, hidden=b.view.hides(shown)
    )
    if b.horizontal:  # left to right: the name above, value | gradient under it
        fields = [title, "{" + record_field(value_text(node, p)) + "|" + record_field(text or BLANK) + "}"]
        b.record(nid, role, fields, margin="0.05,0.01", raw=True)
    else:
        b.record(nid, role, [title, value_text(node, p), text], margin="0.05,0.01")


def _example(
    b: Any,
    net: Network,
    layers: list[list[Neuron]],
    k: int,
    names: dict[Any, str],
    drawn: dict[int, str],
    expanded: bool,
) -> None:
    """One example's copy of the network: its inputs as the first column, then a column per layer."""
    p = b.opts.precision
    first = layers[0][0]
    suffix = f"_e{k + 1}" if k else ""
    of = f" of example {k + 1}" if len(net.examples) > 1 else ""
    inputs = []
    for i in range(min(net.inputs, len(first.inputs))):
        x, nid = first.inputs[i], f"x{i}{suffix}"
        _box(b, nid, x, names.get(x, f"x{i}"), f"input {names.get(x, f'x{i}')}{of} = {value_text(x, p)}")
        inputs.append(nid)
        for n in layers[0]:  # every first-layer neuron's own copy of input i is this one
            if i < n.inputs_count:
                drawn[id(n.inputs[i])] = nid
    grouped = len(net.examples) > 1
    previous = _column(b, "inputs", inputs, heading=k == 0, after=first.nid, grouped=grouped)
    for layer in layers:
        for n in layer:
            bias, out = format_value(n.bias.data, p), value_text(n.out, p)
            tip = f"{n.name}{of}: {n.activation}(Σ w·x + b) with b = {bias}; output {out}"
            if expanded:
                _neuron_record(b, n, names, tip)
            else:
                _box(b, n.nid, n.out, n.name, tip)
            drawn[id(n.out)] = n.nid
        acts = ", ".join(sorted({n.activation for n in layer}))
        column = [n.nid for n in layer]
        previous = _column(b, f"L{layer[0].layer} · {acts}", column, heading=k == 0, before=previous, grouped=grouped)


def _column(
    b: Any,
    title: str,
    nodes: list[str],
    heading: bool = True,
    before: str | None = None,
    after: str | None = None,
    grouped: bool = False,
) -> str:
    """One column (a layer, or the inputs) in order: its heading, then ``nodes``, first on top (left to right).

    The column hangs from an invisible node in the column ``before`` it (``ordering=out``, its
    edges written in order), or the first column into one in the column ``after`` it
    (``ordering=in``): a column of its own would widen the picture by a rank. No flat edges (an
    edge inside one rank): Graphviz 2.4x refuses them beside records. Returns the column's first node.

    In a group (``grouped``: a cluster) of a picture drawn across, the order is told backwards: Graphviz
    turns the order over for left to right pictures at the top level only (``GD_flip`` of the root
    graph, not of a cluster), so inside a cluster the last told comes out on top.
    """
    chain = list(nodes)
    if heading:
        head = f"head{len(b.nodes)}"
        b.node(head, Role("heading", title), label=title, shape="plaintext", fontsize=f"{b.opts.font_size * 0.9:g}")
        chain.insert(0, head)
    hub = f"order_{chain[0]}"
    invisible = "style=invis weight=0"
    told = chain[::-1] if grouped and b.horizontal else chain
    if before is not None:
        b.lines.append(f"{hub} [shape=point style=invis width=0 height=0 ordering=out]")
        b.lines.extend(f"{hub} -> {nid} [{invisible}]" for nid in told)
    else:
        b.lines.append(f"{hub} [shape=point style=invis width=0 height=0 ordering=in]")
        b.lines.extend(f"{nid} -> {hub} [{invisible}]" for nid in told)
    b.lines.append(f"{{rank=same; {hub} {before if before is not None else after}}}")
    b.lines.append("{rank=same; " + " ".join(chain) + "}")
    return chain[0]


def _neuron_record(b: Any, n: Neuron, names: dict[Any, str], tooltip: str) -> None:
    """One neuron as one record: its name, then its weights and bias in order (``w0`` first), its
    weighted sum and its activation, each a name over its value and gradient.

    A record's fields keep their order exactly (Graphviz cannot reorder them), and each weight's
    name is a port its input's wire enters; the wire to the next layer leaves from the activation.
    Left to right: the name on top, the weights one column under it, then the sum and the activation;
    top to bottom: the name at the left, the weights one row, the sum and the activation under it.
    """
    p, view = b.opts.precision, b.view
    kinds: list[str] = ["name"]

    def part(node: Any, title: str, port: str | None = None) -> tuple[str, str, str]:
        """``node`` as three escaped fields: its title (a port), its value, its gradient."""
        grad = view.grads.get(node)
        text = "" if grad is None else view.text(grad, b.grad_shown(node), p)
        kinds.extend(("name", "data", "grad"))
        head = (f"<{port}> " if port else "") + record_field(title)
        return head, record_field(value_text(node, p)), record_field(text or BLANK)

    params = [part(w, names[w], f"p{i}") for i, w in enumerate(n.weights)] + [part(n.bias, names[n.bias], "pb")]
    linear = n.out is n.total
    stages = [part(n.total, SUM, "out" if linear else None)] + ([] if linear else [part(n.out, n.activation, "out")])
    # each level of braces turns a record's fields a quarter turn: left to right, the top level runs down
    if b.horizontal:
        weights = "{" + "|".join("{{" + f"{t}|{{{v}|{g}}}" + "}}" for t, v, g in params) + "}"
        rest = ["{" + f"{t}|{{{v}|{g}}}" + "}" for t, v, g in stages]
    else:
        weights = "{" + "|".join("{" + f"{t}|{{{v}|{g}}}" + "}" for t, v, g in params) + "}"
        rest = ["{" + f"{t}|{v}|{g}" + "}" for t, v, g in stages]
    label = record_field(n.name) + "|{" + "|".join([weights, *rest]) + "}"
    shown = b.grad_shown(n.out)
    marked = view.marked in (n.out, n.total, n.bias, *n.weights)
    role = Role("box", tooltip, fields=tuple(kinds), marked=marked, hidden=view.hides(shown), nested=True)
    b.nodes.append(n.nid)
    b.roles[n.nid] = role
    b.lines.append(f'{n.nid} [id="{n.nid}" shape=record margin="0.05,0.01" label="{label}"]')


def _connections(b: Any, net: Network, names: dict[Any, str], drawn: dict[int, str], expanded: bool) -> None:
    """A neuron's inputs: an edge from each input (or neuron) to it, a weight per edge (expanded: into the
    weight's field). The tooltip tells this example's share of the weight's gradient, upstream × input."""
    p = b.opts.precision
    into, out_of = _IN_SIDE[b.opts.rankdir], _OUT_SIDE[b.opts.rankdir]
    edges = []
    for layers in net.examples:
        for layer in layers:
            for n in layer:
                upstream = b.view.grads.get(n.total)
                for i, (w, x) in enumerate(zip(n.weights, n.inputs, strict=True)):
                    tail = drawn.get(id(x))
                    if tail is None:
                        continue
                    ports = {"headport": f"p{i}:{into}"} if expanded else {}
                    if expanded and x in net.owner:  # from another neuron's record: out of its activation
                        ports["tailport"] = f"out:{out_of}"
                    wire = b.view.wire(n.total, i) if b.grad_shown(w) else None
                    grad = None if wire is None else wire.contribution
                    share = n.example if len(net.examples) > 1 else None
                    tip = weight_text(names[w], w, grad, upstream if grad is not None else None, x, p, share)
                    edges.append((tail, n.nid, tip, grad, (id(x), id(n.out)), ports))
    levels = shades([abs(e[3]) if isinstance(e[3], (int, float)) else 0.0 for e in edges]) if b.opts.shade else []
    for k, (tail, head, tip, _, wire, ports) in enumerate(edges):
        level = levels[k] if levels else None
        b.edge(tail, head, Role("edge", tip, hot=wire in b.view.hot, arrow=False, shade=level, faint=True), **ports)


def _after(b: Any, net: Network, names: dict[Any, str], drawn: dict[int, str]) -> None:
    """What the network's outputs go on to (a loss): boxes, and edges from what they are made of, into
    each box in argument order (``ordering=in``: the first example's term on top)."""
    inside = {id(x) for x in net.owner} | set(drawn)
    p = b.opts.precision
    out_of = _OUT_SIDE[b.opts.rankdir]
    for v in b.g.shown:
        if id(v) in inside or v.is_leaf and id(v) in drawn:
            continue
        nid = b.ids[v]
        title = gate_text(v, p).replace("\n", " ") if not v.is_leaf else names[v]
        _box(b, nid, v, f"{names[v]} {title}" if not v.is_leaf else title, b.node_tooltip(v))
        drawn[id(v)] = nid
        parents = [b.g.hidden.get(q, q) for q in v.parents]  # through a hidden identity gate (sum()'s +0)
        tails = [q for q in parents if id(q) in drawn]
        for q in tails:
            ports = {"tailport": f"out:{out_of}"} if q in net.owner and b.roles[drawn[id(q)]].nested else {}
            b.edge(drawn[id(q)], nid, Role("edge", b.node_tooltip(v)), **ports)
        if len(tails) > 1:
            b.lines.append(f"{nid} [ordering=in]")
