"""A live circuit without a browser: set its inputs, read every value and gradient, nudge, check.

:class:`LiveCircuit` is what the notebook widget (:mod:`micrograd.live.widget`) shows, and what
tests and scripts drive directly::

    c = LiveCircuit.of_function(lambda x, y: x * y + x, x=-2.0, y=5.0)
    c.set(x=3.0)
    c.values["f"], c.grads["x"]          # as backward() gives them at x = 3, y = 5
    c.nudge(0.1)                         # one step of gradient ascent on the output
    c.check(1e-5)                        # each input's gradient beside (f(x+h) - f(x-h)) / 2h

A graph already built is recomputed through its staged code (:mod:`micrograd.live.code`: no
Python of the user's is run again); a function of named inputs is run again at each change,
and laid out again only when its graph's shape changes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..core import BackwardTrace, Node, topological_order
from ..drawing.collapse import home_scope
from ..drawing.derivation import Explanation, Step
from ..drawing.names import is_constant
from ..drawing.notation import formula
from ..drawing.numbers import format_number
from ..engine import Value
from ..numbers_in import as_float
from .code import Numbers, Shape, numbers_code, numbers_of_graph, signature
from .picture import LivePicture

__all__ = ["LiveCircuit", "Nudge", "Check", "default_range"]


@dataclass(frozen=True)
class Nudge:
    """One gradient step: each input moved by ``rate × gradient`` (ascent; descent moves against it),
    and the output before and after."""

    before: float
    after: float
    moved: dict[str, tuple[float, float]]  # input -> (old value, new value)
    rate: float

    def __str__(self) -> str:
        return f"{format_number(self.before)} → {format_number(self.after)}"


@dataclass(frozen=True)
class Check:
    """An input's gradient from the chain rule beside the numerical one, ``(f(x+h) − f(x−h)) / 2h``."""

    analytic: float
    numerical: float
    h: float

    @property
    def agree(self) -> bool:
        """Within what a central difference of step ``h`` can promise (its error is about h² and rounding/h)."""
        scale = max(1.0, abs(self.analytic), abs(self.numerical))
        return math.isclose(self.analytic, self.numerical, rel_tol=0.0, abs_tol=1e-4 * scale)


def default_range(x: float) -> tuple[float, float, float]:
    """A slider's range for an input now at ``x``: ``(low, high, step)``, ``x`` inside, from −5 to 5 at least
    (the lecture's numbers), wider for a larger ``x``; 200 steps across."""
    reach = 5.0 if abs(x) <= 4 else 10 ** math.ceil(math.log10(abs(x) * 1.25))
    if not math.isfinite(x):
        reach = 5.0
    return -reach, reach, reach / 100


class LiveCircuit:
    """A circuit whose inputs move: its picture laid out once, its numbers recomputed at each :meth:`set`.

    Make one with :meth:`of_graph` (a graph already built) or :meth:`of_function` (a function of
    named inputs). ``values`` and ``grads`` are dicts by the pictures' names, as ``backward()``
    would leave them at the current inputs.
    """

    def __init__(
        self,
        shape: Shape,
        numbers: Callable[[list[float]], Numbers],
        inputs: Mapping[str, float],
        draw: Mapping[str, Any],
        rebuild: Callable[[dict[str, float]], Value] | None = None,
    ) -> None:
        self._draw = dict(draw)
        self._rebuild = rebuild
        self.layouts = 0  # how many times the picture was laid out (once, unless the graph's shape changed)
        self._use(shape, numbers)
        self._inputs: dict[str, float] = dict(inputs)
        self.ranges: dict[str, tuple[float, float, float]] = {n: default_range(x) for n, x in self._inputs.items()}
        outside = _made_outside_scopes(shape)
        self.sliders: list[str] = [n for n in self._inputs if n in outside] or list(self._inputs)
        self.numbers = self._numbers(list(self._inputs.values()))

    # -- making one

    @classmethod
    def of_graph(cls, root: Value, **draw: Any) -> LiveCircuit:
        """The live circuit of ``root``'s graph: its inputs are the graph's leaves (constants aside), set by
        name; its numbers come from the graph's staged code."""
        shape = _shape(root, "live()")
        inputs = {shape.names[v]: v.data for v in shape.inputs}
        return cls(shape, numbers_code(shape), inputs, draw)

    @classmethod
    def of_function(cls, fn: Callable[..., Value], inputs: Mapping[str, float], **draw: Any) -> LiveCircuit:
        """The live circuit of ``fn`` called with a Value per named input (labelled by its name), run again
        at each change."""
        if not callable(fn):
            raise TypeError(f"live() takes a Value or a function of named inputs, got {type(fn).__name__}")
        if not inputs:
            raise TypeError("live(fn, ...) needs the inputs' starting values by name: live(fn, x=-2.0, y=5.0)")
        start = {str(n): as_float(x, f"live(): input {n!r}") for n, x in inputs.items()}

        def rebuild(values: dict[str, float]) -> Value:
            root = fn(**{n: Value(x, label=n) for n, x in values.items()})
            if not isinstance(root, Value):
                raise TypeError(f"live(): the function must return a micrograd Value, got {type(root).__name__}")
            if not root.label and root.parents:  # a node the function has just made: the lecture's f
                root.label = "f"
            return root

        root = rebuild(start)
        shape = _shape(root, "live(fn)")
        circuit = cls(shape, lambda _: numbers_of_graph(shape, root), start, draw, rebuild)
        return circuit

    def _use(self, shape: Shape, numbers: Callable[[list[float]], Numbers]) -> None:
        self.shape = shape
        self._numbers = numbers
        self.picture = LivePicture(shape.root, **self._draw)
        self._signature = signature(shape.root)
        self._into = _drawn_into(shape)
        self.layouts += 1

    # -- the inputs

    @property
    def inputs(self) -> dict[str, float]:
        """The inputs' current values, by name."""
        return dict(self._inputs)

    def set(self, **values: float) -> LiveCircuit:
        """Move inputs (by name) and recompute every number; returns the circuit."""
        new = dict(self._inputs)
        for name, x in values.items():
            if name not in new:
                raise ValueError(f"no input named {name!r}: the inputs are {', '.join(self._inputs)}")
            new[name] = as_float(x, f"input {name!r}")
        self.numbers = self._evaluate(new)
        self._inputs = new
        return self

    def set_range(self, name: str, low: float, high: float, step: float | None = None) -> None:
        """The range of ``name``'s slider (and its step: default 200 steps across)."""
        if name not in self._inputs:
            raise ValueError(f"no input named {name!r}: the inputs are {', '.join(self._inputs)}")
        low, high = as_float(low, "low"), as_float(high, "high")
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"a range needs finite low < high, got {low!r}, {high!r}")
        step = (high - low) / 200 if step is None else as_float(step, "step")
        if not 0 < step <= high - low:
            raise ValueError(f"step must be positive and at most high - low, got {step!r}")
        self.ranges[name] = (low, high, step)

    def set_sliders(self, names: Iterable[str]) -> None:
        """The inputs the page shows a slider for, by name, in the circuit's order of inputs."""
        if isinstance(names, str):
            raise TypeError(f"sliders takes a list of input names, got the string {names!r}: sliders=[{names!r}]")
        chosen = set(names)
        for name in chosen:
            if name not in self._inputs:
                raise ValueError(f"no input named {name!r}: the inputs are {', '.join(self._inputs)}")
        self.sliders = [n for n in self._inputs if n in chosen]

    def _evaluate(self, values: dict[str, float]) -> Numbers:
        """The numbers at ``values``: through the staged code, or by running the function again (and laying
        the picture out again if the graph it builds has another shape)."""
        if self._rebuild is None:
            return self._numbers(list(values.values()))
        root = self._rebuild(values)
        if signature(root) != self._signature:
            shape = _shape(root, "live(fn)")
            self._use(shape, lambda _: numbers_of_graph(shape, root))
        return numbers_of_graph(self.shape, root)

    def output_at(self, values: Mapping[str, float]) -> float:
        """The output at ``values`` (the other inputs as they are), changing nothing."""
        point = {**self._inputs, **values}
        if self._rebuild is None:
            return self._numbers(list(point.values())).values[self.shape.root]
        return self._rebuild(point).data

    # -- the numbers, by name

    @property
    def names(self) -> dict[Any, str]:
        return self.shape.names

    @property
    def output(self) -> float:
        return self.numbers.values[self.shape.root]

    @property
    def values(self) -> dict[str, float]:
        """Every node's value by name (the output's too)."""
        hidden = self.shape.hidden
        return {self.names[v]: x for v, x in self.numbers.values.items() if v not in hidden and not is_constant(v)}

    @property
    def grads(self) -> dict[str, float]:
        """d output / d node by name, for every node that needs a gradient: what ``backward()`` leaves in
        ``.grad`` (a leaf's is ``0.0 +`` its total, as backward adds it to a fresh 0.0)."""
        out = {}
        for v, g in self.numbers.grads.items():
            if v not in self.shape.hidden:
                out[self.names[v]] = 0.0 + g if v.is_leaf else g
        return out

    @property
    def input_grads(self) -> dict[str, float | None]:
        """Each input's gradient (None for an input that needs none)."""
        grads = self.grads
        return {n: grads.get(n) for n in self._inputs}

    # -- nudge and check

    def nudge(self, rate: float = 0.1, inputs: Iterable[str] | None = None, *, ascent: bool = True) -> Nudge:
        """One gradient step on ``inputs`` (default: every input that needs a gradient): each moves by
        ``rate × its gradient``, up the output (``ascent``) or down it; the output before and after."""
        rate = as_float(rate, "rate")
        if not math.isfinite(rate) or rate <= 0:
            raise ValueError(f"rate must be a positive number, got {rate!r}")
        grads = self.input_grads
        chosen = [n for n, g in grads.items() if g is not None] if inputs is None else list(inputs)
        for name in chosen:
            if name not in grads:
                raise ValueError(f"no input named {name!r}: the inputs are {', '.join(self._inputs)}")
        sign = 1.0 if ascent else -1.0
        before = self.output
        moved = {n: (self._inputs[n], self._inputs[n] + sign * rate * (grads[n] or 0.0)) for n in chosen}
        self.set(**{n: new for n, (_, new) in moved.items()})
        return Nudge(before, self.output, moved, rate)

    def check(self, h: float = 1e-5) -> dict[str, Check]:
        """Each input's gradient beside the numerical derivative ``(f(x+h) − f(x−h)) / 2h`` at the current inputs."""
        h = as_float(h, "h")
        if not math.isfinite(h) or h <= 0:
            raise ValueError(f"h must be a positive number, got {h!r}")
        out = {}
        for name, g in self.input_grads.items():
            if g is None:
                continue
            x = self._inputs[name]
            up, down = self.output_at({name: x + h}), self.output_at({name: x - h})
            out[name] = Check(g, (up - down) / (2 * h), h)
        return out

    # -- the chain rule, written out

    def explanation(self) -> Explanation:
        """Every line of the chain rule at the current inputs, in backward order (as :func:`micrograd.explain`)."""
        steps = [step for step, _ in self.steps()]
        return Explanation(self.shape.shown_root, steps, self.numbers.grads, self.names, self.picture.precision)

    def steps(self) -> list[tuple[Step, str]]:
        """The chain rule's lines as :class:`~micrograd.drawing.derivation.Step` records at the current numbers,
        each with the id of the picture's element whose gradient it gives (a wire, a fork's stem, the output)."""
        shape, numbers, ids = self.shape, self.numbers, self.picture.picture.ids
        out = [(Step("seed", shape.shown_root, 1.0), "out")]
        for v, wires in self._into.items():
            several = len(wires) > 1
            for c, i in wires:
                upstream, local, contribution = numbers.wire(c, i) or (math.nan, math.nan, math.nan)
                step = Step("edge", v, contribution, consumer=c, upstream=upstream, local=local, partial=several)
                out.append((step, f"w{ids[v]}_{ids[c]}_{i}"))
            if several:
                terms = tuple((numbers.wire(c, i) or (0.0, 0.0, math.nan))[2] for c, i in wires)
                out.append((Step("sum", v, numbers.grads[v], terms=terms), f"s{ids[v]}"))
        return out

    def formula(self, v: Any) -> str:
        """``n1 = w0 × x0 = -2``: a node's value, from its inputs (a leaf: its value alone)."""
        p = self.picture.precision
        value = format_number(self.numbers.values[v], p)
        if v.is_leaf:
            return f"{self.names[v]} = {value}"
        return f"{self.names[v]} = {formula(v, self.names.__getitem__, p)} = {value}"

    def __repr__(self) -> str:
        ins = ", ".join(f"{n}={format_number(x)}" for n, x in self._inputs.items())
        return f"<LiveCircuit {self.names[self.shape.shown_root]} = {format_number(self.output)} at {ins}>"


def _made_outside_scopes(shape: Shape) -> set[str]:
    """The inputs outside any scope, by name. They get the sliders unless told (if there are any): of a
    network's graph the x's, not the parameters (each used in one neuron's scope only: a collapsed picture
    draws it in that neuron's box, :func:`~micrograd.drawing.collapse.home_scope`)."""
    uses: dict[Any, list[tuple[Any, int]]] = {v: [] for v in shape.inputs}
    for consumer, index in shape.wires:
        parent = consumer.parents[index]
        if parent in uses:
            uses[parent].append((consumer, index))
    return {shape.names[v] for v in shape.inputs if home_scope(v, uses[v]) is None}


def _drawn_into(shape: Shape) -> dict[Any, list[tuple[Any, int]]]:
    """Each shown node, in the order a backward pass completes them -> the wires its gradient comes back
    along, as drawn (the lines of :func:`micrograd.explain`, in its order)."""
    trace = BackwardTrace(shape.root)
    into = {}
    for v in reversed(topological_order(shape.root)):
        if v not in shape.hidden:
            wires = shape.drawn_into(trace, v)
            if wires:
                into[v] = wires
    return into


def _shape(root: Any, what: str) -> Shape:
    if not isinstance(root, Value):
        kind = "a Tensor graph: live circuits are scalar" if isinstance(root, Node) else type(root).__name__
        raise TypeError(f"{what} takes a micrograd Value (or a function returning one), got {kind}")
    if not root.requires_grad:
        raise ValueError(f"{what}: this Value needs no gradient (a constant, or made under no_grad)")
    return Shape.of(root)
