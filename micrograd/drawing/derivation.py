"""The chain rule, written out: one line per wire of the backward pass.

``explain(f)`` reads the backward trace of ``f`` (:class:`micrograd.core.BackwardTrace`,
the walk ``backward()`` is, with gradients of its own) and, for every wire from a node ``c``
back to one of its inputs ``v``, writes

    df/dv = df/dc · ∂c/∂v = upstream · local = contribution

(d for a total derivative, ∂ for a gate's local one: :mod:`micrograd.drawing.notation`) with
node names from :func:`micrograd.drawing.names.node_names`, the names the diagrams show. An
input used by several nodes (or twice by one) gets one line per wire and then the sum:
``df/da = 2 + 2 = 4``. Identity gates (the ``+0`` of ``sum()``) are left out, as in the
pictures. No ``.grad`` is read or changed.

``explain(f, collapse=...)`` writes the lines of a collapsed picture (:mod:`.collapse`), one step
per element drawn (:mod:`.boxsteps`): a box writes one line per value on a wire entering it, its
gradient as the sum of what the box sends back (``df/dx (via enc) = 0.2 + 0.36 = 0.56``); a node
drawn as itself its wires and sum as above, a box's wire being one term.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core import BackwardTrace, topological_order
from ..engine import Value
from .dot import terminal_text
from .names import node_names
from .notation import DOT, MINUS, chain, identity_gates, total, wires_into
from .numbers import format_number

__all__ = ["explain", "Explanation", "Step"]


@dataclass(frozen=True)
class Step:
    """One line of the derivation.

    ``kind`` is ``"seed"`` (df/df = 1), ``"edge"`` (one wire: ``node`` is the input,
    ``consumer`` the node using it, ``value = upstream * local``), ``"sum"`` (``node``'s
    gradient as the sum of ``terms``, one per wire) or ``"box"`` (a collapsed picture: what the
    box ``via`` sends back to ``node``, the sum of ``terms``, its uses' contributions inside).
    """

    kind: str
    node: Value
    value: float
    consumer: Value | None = None
    upstream: float | None = None
    local: float | None = None
    terms: tuple[float, ...] = ()
    partial: bool = False  # an edge whose contribution is one term of a later sum
    via: str | None = None  # a box's step: the box (its scope's path)


class Explanation:
    """The derivation of every gradient of ``root``; ``str()`` is plain text, Jupyter shows Markdown.

    ``steps`` holds the lines as :class:`Step` records, ``grads`` the derivative of the root
    with respect to every node (keyed by node), ``names`` the node names.
    """

    def __init__(
        self, root: Value, steps: list[Step], grads: dict[Value, float], names: dict[Value, str], precision: int
    ) -> None:
        self.root = root
        self.steps = steps
        self.grads = grads
        self.names = names
        self.precision = precision

    def lines(self, unicode: bool = True) -> list[str]:
        """The derivation, one string per step: ``df/dv = df/dc · ∂c/∂v = 2 · (−4) = −8``.

        ``unicode=False``: the products and minus signs in ASCII (``*``, ``-``), for text that is
        parsed back; totals are ``d`` and local derivatives ``∂`` either way. Text safe for a terminal:
        a label's controls and bidi overrides are shown, not obeyed (:func:`~micrograd.drawing.dot.terminal_text`).
        """
        return [terminal_text(self._line(s, unicode)) for s in self.steps]

    def _num(self, x: float, wrap: bool, unicode: bool) -> str:
        text = format_number(x, self.precision)
        if unicode:
            text = text.replace("-", MINUS)
        return f"({text})" if wrap and x < 0 else text

    def _line(self, s: Step, unicode: bool) -> str:
        f = self.names[self.root]
        v = self.names[s.node]
        lhs = total(f, v)
        if s.kind == "seed":
            return f"{lhs} = 1"
        if s.kind == "box":
            assert s.via is not None
            if len(s.terms) == 1:
                return f"{lhs} (via {s.via}) = {self._num(s.value, False, unicode)}, sent back through {s.via}"
            terms = " + ".join(self._num(t, i > 0, unicode) for i, t in enumerate(s.terms))
            value = self._num(s.value, False, unicode)
            return f"{lhs} (via {s.via}) = {terms} = {value}, the sum over its {len(s.terms)} uses inside {s.via}"
        if s.kind == "sum":
            terms = " + ".join(self._num(t, i > 0, unicode) for i, t in enumerate(s.terms))
            return f"{lhs} = {terms} = {self._num(s.value, False, unicode)}"
        assert s.consumer is not None and s.upstream is not None and s.local is not None  # an edge
        c = self.names[s.consumer]
        if s.partial:
            lhs += f" (via {c})"
        rule = chain(f, c, v) if unicode else chain(f, c, v).replace(DOT, "*")
        times = f" {DOT} " if unicode else " * "
        product = f"{self._num(s.upstream, True, unicode)}{times}{self._num(s.local, True, unicode)}"
        return f"{lhs} = {rule} = {product} = {self._num(s.value, False, unicode)}"

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        return f"<Explanation of {terminal_text(self.names[self.root])}: {len(self.steps)} steps>"

    def _repr_markdown_(self) -> str:
        body = "\n".join(self.lines())
        fence = "`" * max(3, _longest_run(body, "`") + 1)
        f = terminal_text(self.names[self.root])
        return (
            f"The chain rule, in backward order ({f} = {self._num(self.root.data, False, True)}):\n\n"
            f"{fence}text\n{body}\n{fence}\n"
        )


def _longest_run(text: str, ch: str) -> int:
    best = run = 0
    for c in text:
        run = run + 1 if c == ch else 0
        best = max(best, run)
    return best


def explain(
    root: Value, *, precision: int = 4, identities: bool = False, collapse: Any = None, expand: Any = None
) -> Explanation:
    """The chain-rule derivation of every gradient of ``root``, in backward order.

    One line per wire from a node ``c`` back to its input ``v``:
    ``df/dv = df/dc · ∂c/∂v = upstream · local = contribution``: d for the total derivatives,
    ∂ for the gate's local one, which comes from the op's rule, the one ``backward()`` applies.
    An input reached along several wires gets a line per wire, marked ``(via c)``, then the sum.
    Constants (numbers in the expression: they need no gradient) get no line. Identity gates
    (the ``+0`` that ``sum()`` starts with, ``×1``, ``x¹``) are left out, as in the pictures,
    their users reading straight from their inputs; ``identities=True`` writes them too.

    The numbers are the derivatives of ``root`` with respect to each node (seed 1), read from
    the backward trace: what a single ``backward()`` leaves in ``.grad``. ``explain`` changes
    no ``.grad`` and needs no ``backward()`` first.

    ``collapse``, ``expand``: the lines of the collapsed picture ``draw(root, collapse=..., expand=...)``
    draws, in the steps of its player: a box's step writes, for each value on a wire entering it, the
    gradient it sends back, the sum of the contributions of that value's uses inside
    (``df/dx (via enc) = 0.2 + 0.36 = 0.56``); a node drawn as itself writes its wires as above (a box's
    wire one term of its sum); nodes inside boxes get no line.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain() takes a micrograd Value, got {type(root).__name__}: {root!r:.60}")
    if type(precision) is not int or not 1 <= precision <= 17:
        raise ValueError(f"precision must be an int from 1 to 17, got {precision!r}")
    if not root.requires_grad:
        raise ValueError("explain(): this Value needs no gradient (a constant, or made under no_grad)")
    trace = BackwardTrace(root)
    if collapse is not None and collapse is not False:
        return _collapsed(root, trace, precision, identities, collapse, expand)
    order = topological_order(root)
    hidden = {} if identities else identity_gates(order, root)
    shown = hidden.get(root, root)  # the node that shows the output (a hidden output gate's input)
    steps = [Step("seed", shown, 1.0)]
    for v in reversed(order):  # a node's gradient is complete once every user is done
        if v in hidden:  # the output too, when hidden: its input shows it
            continue
        wires = wires_into(trace, v, hidden)
        several = len(wires) > 1
        for w in wires:
            steps.append(
                Step("edge", v, w.contribution, consumer=w.node, upstream=w.upstream, local=w.local, partial=several)
            )
        if several:
            steps.append(Step("sum", v, trace.grads[v], terms=tuple(w.contribution for w in wires)))
    names = node_names(root, None, None, hidden)
    return Explanation(shown, steps, dict(trace.grads), names, precision)


def _collapsed(root: Value, trace: BackwardTrace, precision: int, identities: bool, collapse: Any, expand: Any) -> Any:
    """:func:`explain` of a collapsed picture: one step per element drawn, in the player's order."""
    from .boxsteps import arrivals, backward_elements
    from .collapse import Box
    from .diagram import graph

    g = graph(root, 10**9, None, identities, collapse, expand)  # max_nodes: a text has no size to keep to
    c = g.collapsed
    wires = {(id(w.node), w.index): w for w in trace.wires}
    wire = lambda cons, i: wires.get((id(cons), i))  # noqa: E731
    order = [v for v in reversed(topological_order(g.root)) if v in trace.grads and v not in g.hidden]
    steps = [Step("seed", g.root, 1.0)]
    for e in backward_elements(c, order, trace.grads):
        if isinstance(e, Box):
            via = f"the rest of {e.path}" if e.kind == "rest" else e.path
            for v, _, grad, uses in arrivals(c, e, wire):
                steps.append(Step("box", v, grad, terms=tuple(uses), via=via, partial=True))
            continue
        if e is g.root:
            continue
        terms: list[float] = []
        edges = []
        for bundle in c.bundles:
            if bundle.tail is not e:
                continue
            if isinstance(bundle.head, Box):
                grad = bundle.gradients(wire).get(id(e))
                terms += [] if grad is None else [grad]
            elif (w := wire(bundle.head, bundle.index)) is not None:
                terms.append(w.contribution)
                edges.append(w)
        for w in edges:
            partial = len(terms) > 1
            steps.append(
                Step("edge", e, w.contribution, consumer=w.node, upstream=w.upstream, local=w.local, partial=partial)
            )
        if len(terms) > 1:
            steps.append(Step("sum", e, trace.grads[e], terms=tuple(terms)))
    return Explanation(g.root, steps, dict(trace.grads), g.names, precision)
