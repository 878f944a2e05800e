"""The numbers of a live circuit: every value, every wire's chain rule and every gradient, at new inputs.

A circuit's *shape* (:class:`Shape`: its nodes in reading order, its inputs, its wires in the
order the chain rule applies them, their names) is fixed once it is drawn; only its numbers
(:class:`Numbers`) change as the inputs move. They come from one of two places:

- a graph already built: its **staged code** (:mod:`micrograd.staging`), written with every
  number kept: each node's value, each wire's local derivative and contribution, each node's
  gradient (:func:`numbers_code`). No Python of the user's runs again and nothing is laid out.
- a function of named inputs, run again at each change: the numbers are read from its new
  graph's backward trace (:func:`numbers_of_graph`), the walk ``backward()`` is.

Either way a wire's ``upstream × local = contribution`` is the op's own rule, as
``backward()`` applies it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..core import BackwardTrace, reading_order, topological_order
from ..drawing.names import is_constant, node_names
from ..drawing.notation import identity_gates, wires_into
from ..staging import fill as fill_template
from ..staging import forward, identifier, literal, op_code

__all__ = ["Shape", "Numbers", "numbers_code", "numbers_of_graph", "signature"]

WireKey = tuple[int, int]  # (position of the consumer in reading order, argument index)


@dataclass(frozen=True)
class Shape:
    """What stays fixed while the inputs move: the graph's nodes and wires, and their names.

    ``order`` is the reading order (the pictures'); ``inputs`` the leaves a learner can set (every
    leaf but the constants written into the expression); ``wires`` the ``(consumer, index)`` of each
    wire of the backward pass, in the order the chain rule applies them; ``hidden`` the identity
    gates the pictures leave out (-> what they pass through); ``names`` every node's picture name.
    """

    root: Any
    order: tuple[Any, ...]
    inputs: tuple[Any, ...]
    wires: tuple[tuple[Any, int], ...]
    hidden: dict[Any, Any]
    names: dict[Any, str]

    @classmethod
    def of(cls, root: Any) -> Shape:
        order = tuple(reading_order(root))
        hidden = identity_gates(topological_order(root), root)
        names = node_names(root, None, list(order), hidden)
        inputs = tuple(v for v in order if v.is_leaf and not is_constant(v))
        trace = BackwardTrace(root)
        return cls(root, order, inputs, tuple((w.node, w.index) for w in trace.wires), hidden, names)

    @property
    def shown_root(self) -> Any:
        """The node that shows the output (what a hidden output gate passes through)."""
        return self.hidden.get(self.root, self.root)

    def position(self) -> dict[Any, int]:
        return {v: k for k, v in enumerate(self.order)}

    def drawn_into(self, trace: BackwardTrace, v: Any) -> list[tuple[Any, int]]:
        """The wires ``v``'s gradient comes back along, as drawn: ``(consumer, index)`` each."""
        return [(w.node, w.index) for w in wires_into(trace, v, self.hidden)]


@dataclass(frozen=True)
class Numbers:
    """A circuit's numbers at one point: ``values`` of every node, ``grads`` (d output / d node, seed 1)
    of every node a gradient reaches, and per wire ``(consumer, index)`` its ``(upstream, local,
    contribution)``. Keyed by the nodes of the :class:`Shape`."""

    values: dict[Any, float]
    grads: dict[Any, float]
    wires: dict[tuple[int, int], tuple[float, float, float]]  # (id(consumer), index) -> numbers

    def wire(self, consumer: Any, index: int) -> tuple[float, float, float] | None:
        return self.wires.get((id(consumer), index))


# ---------------------------------------------------------------- from staged code


LiveFunction = Callable[..., tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...], tuple[float, ...]]]


def numbers_source(shape: Shape, name: str = "numbers") -> str:
    """The staged code of ``shape``'s graph with every number kept (the source of :func:`numbers_code`).

    Forward, one line per op; backward, per wire its local derivative (the contribution's own
    code at an upstream of 1) and its contribution, then added into its parent's gradient, in the
    chain rule's order. Returns ``(values, gradients, locals, contributions)``.
    """
    taken: set[str] = {name}
    var: dict[Any, str] = {}
    for k, v in enumerate(shape.order):
        var[v] = literal(v.data) if is_constant(v) else identifier(f"v{k}", taken)
    grad = {v: identifier(f"g{k}", taken) for k, v in enumerate(shape.order) if v.requires_grad}
    body: list[str] = []
    for v in shape.order:
        if v.parents:
            body += forward(v, var[v], [var[p] for p in v.parents])
    body.append(f"{grad[shape.root]} = 1.0")
    started = {shape.root}
    locals_, contributions = [], []
    for j, (node, index) in enumerate(shape.wires):
        args = [var[p] for p in node.parents]
        template = op_code(node)[1 + index]
        body.append(f"l{j} = {fill_template(template, args, out=var[node], up='1.0')}")
        body.append(f"c{j} = {fill_template(template, args, out=var[node], up=grad[node])}")
        parent = node.parents[index]
        body.append(f"{grad[parent]} {'+=' if parent in started else '='} c{j}")
        started.add(parent)
        locals_.append(f"l{j}")
        contributions.append(f"c{j}")
    for v in shape.order:  # nodes no gradient reaches (a branch of no use to the output): None
        if v in grad and v not in started:
            body.append(f"{grad[v]} = None")
    arguments = [var[v] for v in shape.inputs]
    values = [var[v] for v in shape.order]
    grads = [grad[v] for v in shape.order if v in grad]
    returned = f"return {_tuple(values)}, {_tuple(grads)}, {_tuple(locals_)}, {_tuple(contributions)}"
    lines = "".join(f"    {line}\n" for line in [*body, returned])
    return f"from micrograd.floats import *\n\n\ndef {name}({', '.join(arguments)}):\n{lines}"


def _tuple(names: Sequence[str]) -> str:
    return f"({', '.join(names)}{',' if len(names) == 1 else ''})"


def numbers_code(shape: Shape) -> Callable[[Sequence[float]], Numbers]:
    """A function of the inputs' values (in ``shape.inputs`` order) giving the :class:`Numbers`."""
    namespace: dict[str, Any] = {}
    exec(compile(numbers_source(shape), "<live circuit>", "exec"), namespace)  # noqa: S102  (our own generated code)
    run: LiveFunction = namespace["numbers"]
    with_grad = [v for v in shape.order if v.requires_grad]
    keys = [(id(node), index) for node, index in shape.wires]

    def numbers(inputs: Sequence[float]) -> Numbers:
        values, grads, locals_, contributions = run(*inputs)
        gradients = {v: g for v, g in zip(with_grad, grads, strict=True) if g is not None}
        upstream = [gradients[node] for node, _ in shape.wires]
        wires = {k: (u, lo, c) for k, u, lo, c in zip(keys, upstream, locals_, contributions, strict=True)}
        return Numbers(dict(zip(shape.order, values, strict=True)), gradients, wires)

    return numbers


# ---------------------------------------------------------------- from a graph built again


def signature(root: Any) -> tuple[Any, ...]:
    """What a picture of ``root``'s graph depends on besides its numbers: each node's op, label, parents
    (by position), whether it needs a gradient, and a constant's value (drawn inside its gate)."""
    order = reading_order(root)
    position = {v: k for k, v in enumerate(order)}
    return tuple(
        (v._op, v.label, v.requires_grad, v.data if is_constant(v) else None, tuple(position[p] for p in v.parents))
        for v in order
    )


def numbers_of_graph(shape: Shape, root: Any) -> Numbers:
    """The :class:`Numbers` of ``root``'s graph, one of the same :func:`signature` as ``shape``'s, read
    from its backward trace and keyed by ``shape``'s nodes."""
    order = reading_order(root)
    same = dict(zip(order, shape.order, strict=True))
    trace = BackwardTrace(root)
    wires = {(id(same[w.node]), w.index): (w.upstream, w.local, w.contribution) for w in trace.wires}
    grads = {same[v]: g for v, g in trace.grads.items()}
    return Numbers({same[v]: v.data for v in order}, grads, wires)
