"""Neural nets as a teacher draws them: neurons in layers, weights as the connections between them.

A graph built by :mod:`micrograd.nn` holds one ``Σwx+b`` node per neuron (its weighted sum,
parents ``(w..., x..., b)``), usually followed by its activation. Here those are found in the
graph itself and laid out as columns, one per layer, each neuron named ``L1.N2`` and each
weight ``L1.N2.w0`` (layer 1, neuron 2, input 0):

- ``"collapsed"``: one box per neuron (its name and activation, its output and gradient);
  every weight is the edge from its input to its neuron, its value and gradient in the
  edge's tooltip, and with ``shade=True`` the edge darker the larger ``|dL/dw|`` (log scale);
- ``"expanded"``: each neuron a group holding its weights, its bias, its ``Σwx+b`` and its
  activation.

The network's inputs are the columns' first (``x0``, ``x1``, ...); what comes after the
network (a loss) is drawn as boxes too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .notation import gate_text
from .numbers import format_value
from .parts import Role, value_text

__all__ = ["Neuron", "Network", "find_network", "ACTIVATIONS"]

SUM = "Σwx+b"
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


def find_network(topo: list[Any], uses: dict[Any, list[tuple[Any, int]]]) -> Network | None:
    """The neurons of the graph in layers, or None if it has fewer than two ``Σwx+b`` nodes.

    A loss summed over several examples holds one copy of the model per example (the same
    weights, other inputs): each copy is an example of its own, numbered as the graph reads.
    """
    neurons = [_neuron(v, uses) for v in topo if v.op == SUM and len(v.parents) % 2 == 1]
    if len(neurons) < 2:
        return None
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


def build_network(b: Any, net: Network, expanded: bool) -> None:
    """Write the network ``net`` of builder ``b``'s graph as columns of neurons (see the module docstring).

    Several examples: each example's copy of the network is a group of its own (``example 2``),
    its inputs in the group's first column, the layers' headings over the first group only.
    """
    g, view, opts = b.g, b.view, b.opts
    p = opts.precision
    names = {**g.names, **net.names}
    drawn: dict[int, str] = {}  # id(node) -> the DOT id that stands for it

    def box(nid: str, node: Any, title: str, tooltip: str) -> None:
        """A node as its name over its value and its gradient, side by side (compact: columns of many)."""
        shown = b.grad_shown(node)
        grad = view.grads.get(node)
        text = "" if grad is None else view.text(grad, shown, p)
        role = Role(
            "box", tooltip, fields=("name", "data", "grad"), marked=node is view.marked, hidden=view.hides(shown)
        )
        across = b.horizontal  # left to right: the name above, value | gradient under it
        fields = [title, "{" + value_text(node, p) + "|" + (text or " ") + "}"] if across else None
        b.record(nid, role, fields or [title, value_text(node, p), text], margin="0.05,0.01", raw=bool(fields))

    if expanded:
        b.lines.insert(0, "newrank=true")  # ranks across the groups: each layer's weights, sums, outputs
    several = len(net.examples) > 1
    for k, layers in enumerate(net.examples):
        start = len(b.lines)
        _example(b, net, layers, k, names, box, drawn, expanded)
        if several:
            _group(b, start, f"example{k + 1}", f"example {k + 1}")
    _connections(b, net, names, drawn, expanded)
    _after(b, net, names, drawn, box)


def _group(b: Any, start: int, cid: str, label: str) -> None:
    """The DOT lines from ``start`` on as a group: a cluster with a grey outline and ``label`` on top."""
    style = f'fontname="Helvetica,Arial,sans-serif" fontsize={b.opts.font_size:g} color="#999999"'
    b.lines[start:] = [f'subgraph cluster_{cid} {{ label="{label}" {style}', *b.lines[start:], "}"]


def _example(
    b: Any,
    net: Network,
    layers: list[list[Neuron]],
    k: int,
    names: dict[Any, str],
    box: Any,
    drawn: dict[int, str],
    expanded: bool,
) -> None:
    """One example's copy of the network: its inputs as the first column, then a column per layer."""
    p = b.opts.precision
    first = layers[0][0]
    suffix = f"_e{k + 1}" if k else ""
    of = f" of example {k + 1}" if len(net.examples) > 1 else ""
    inputs = []
    for i in range(net.inputs):
        x = first.inputs[i] if i < len(first.inputs) else None
        if x is None:
            continue
        nid = f"x{i}{suffix}"
        box(nid, x, names.get(x, f"x{i}"), f"input {names.get(x, f'x{i}')}{of} = {value_text(x, p)}")
        inputs.append(nid)
        for n in layers[0]:  # every first-layer neuron's own copy of input i is this one
            if i < n.inputs_count:
                drawn[id(n.inputs[i])] = nid
    _column(b, "inputs", inputs, heading=k == 0)
    for layer in layers:
        column = []
        ranks: tuple[list[str], list[str]] = ([], [])
        for n in layer:
            bias, out = format_value(n.bias.data, p), value_text(n.out, p)
            tip = f"{n.name}{of}: {n.activation}(Σ w·x + b) with b = {bias}; output {out}"
            if expanded:
                for rank, ids in zip(ranks, _expanded(b, n, names, box), strict=True):
                    rank.extend(ids)
            else:
                box(n.nid, n.out, n.name, tip)
            drawn[id(n.out)] = n.nid
            column.append(n.nid)
        if not expanded:
            acts = sorted({n.activation for n in layer})
            _column(b, f"L{layer[0].layer} · {', '.join(acts)}", column, heading=k == 0)
        else:
            b.lines.extend("{rank=same; " + " ".join(ids) + "}" for ids in ranks if ids)


def _column(b: Any, title: str, nodes: list[str], heading: bool = True) -> None:
    """One layer as a column: a heading, then its nodes in order (invisible links keep dot from reordering)."""
    chain = list(nodes)
    if heading:
        head = f"head{len(b.nodes)}"
        b.node(head, Role("heading", title), label=title, shape="plaintext", fontsize=f"{b.opts.font_size * 0.9:g}")
        chain.insert(0, head)
    b.lines.append("{rank=same; " + " ".join(chain) + "}")
    b.lines.extend(f"{a} -> {c} [style=invis]" for a, c in zip(chain, chain[1:], strict=False))


def _expanded(b: Any, n: Neuron, names: dict[Any, str], box: Any) -> tuple[list[str], list[str]]:
    """One neuron as a group: its weights and bias in order (w0 on top), its weighted sum, its activation.

    Each input's wire runs into its weight's box (the weight sits on the connection, as in the
    collapsed view), so the wires from the previous column end at the group's edge, and the weights
    follow their inputs' order (w0 on top). The weights are one column; returns the DOT ids of
    the neuron's sum and its output: ranks shared with the layer's other neurons.
    """
    p = b.opts.precision
    nid = n.nid
    linear = n.out is n.total
    total = nid if linear else f"{nid}_sum"  # a linear neuron's sum is its output
    start = len(b.lines)
    params = [f"{nid}_w{i}" for i in range(len(n.weights))] + [f"{nid}_b"]
    for pid, w in zip(params, (*n.weights, n.bias), strict=True):
        box(pid, w, names[w], f"{names[w]} = {format_value(w.data, p)}")
    for pid, w in zip(params, (*n.weights, n.bias), strict=True):
        b.edge(pid, total, Role("edge", names[w], arrow=False))
    box(total, n.total, f"{n.name} {SUM}" if linear else SUM, f"{n.name}: Σ w·x + b")
    if not linear:
        box(nid, n.out, n.activation, f"{n.name}: {n.activation}")
        b.edge(total, nid, Role("edge", n.name, arrow=False))
    b.lines.append("{rank=same; " + " ".join(params) + "}")
    _group(b, start, nid, n.name)
    return [total], ([] if linear else [nid])


def _connections(b: Any, net: Network, names: dict[Any, str], drawn: dict[int, str], expanded: bool) -> None:
    """A neuron's inputs: an edge from each input (or neuron) to it, a weight per edge (expanded: into the
    weight's box). The tooltip tells this example's share of the weight's gradient, upstream × input."""
    p = b.opts.precision
    edges = []
    for layers in net.examples:
        for layer in layers:
            for n in layer:
                upstream = b.view.grads.get(n.total)
                for i, (w, x) in enumerate(zip(n.weights, n.inputs, strict=True)):
                    tail = drawn.get(id(x))
                    if tail is None:
                        continue
                    head = f"{n.nid}_w{i}" if expanded else n.nid
                    wire = b.view.wire(n.total, i) if b.grad_shown(w) else None
                    grad = None if wire is None else wire.contribution
                    share = n.example if len(net.examples) > 1 else None
                    tip = weight_text(names[w], w, grad, upstream if grad is not None else None, x, p, share)
                    edges.append((tail, head, tip, grad, (id(x), id(n.out))))
    levels = shades([abs(e[3]) if isinstance(e[3], (int, float)) else 0.0 for e in edges]) if b.opts.shade else []
    for k, (tail, head, tip, _, wire) in enumerate(edges):
        level = levels[k] if levels else None
        b.edge(tail, head, Role("edge", tip, hot=wire in b.view.hot, arrow=False, shade=level, faint=True))


def _after(b: Any, net: Network, names: dict[Any, str], drawn: dict[int, str], box: Any) -> None:
    """What the network's outputs go on to (a loss): boxes, and edges from what they are made of."""
    inside = {id(x) for x in net.owner} | set(drawn)
    p = b.opts.precision
    for v in b.g.shown:
        if id(v) in inside or v.is_leaf and id(v) in drawn:
            continue
        nid = b.ids[v]
        title = gate_text(v, p).replace("\n", " ") if not v.is_leaf else names[v]
        box(nid, v, f"{names[v]} {title}" if not v.is_leaf else title, b.node_tooltip(v))
        drawn[id(v)] = nid
        for q in v.parents:
            if id(q) in drawn:
                b.edge(drawn[id(q)], nid, Role("edge", b.node_tooltip(v)))
