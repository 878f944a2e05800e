"""A worksheet and how it is made: :func:`worksheet` cuts numbered boxes from the backward trace of a graph.

What to leave out is chosen from the graph's numbers (``_Plan``), and each box is given how its
number is made (:mod:`micrograd.worksheet.boxes`). :class:`Worksheet` checks a learner's answers
and has its pictures and page drawn by :mod:`micrograd.drawing.sheet`, imported on first use.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from typing import Any

from ..core import Node, backward_trace, reading_order, topological_order
from ..engine import Value
from .answers import tolerance, wanted
from .boxes import Box, Given, Report, Step, _answer, judge

__all__ = ["worksheet", "Worksheet", "BLANKS"]

BLANKS = ("grads", "values", "both")


def _notation() -> Any:
    """The package's one notation (d for totals, ∂ for local derivatives, gates in glyphs), loaded on first use."""
    from ..drawing import notation

    return notation


# ---------------------------------------------------------------- making a worksheet


class Worksheet:
    """An exercise on the graph of ``root``: numbered boxes, their answers, a checker and its pictures.

    ``boxes`` in order of their numbers; :meth:`check` grades a learner's numbers; :meth:`picture`
    is the exercise, :meth:`key` the answer key (as pictures); :meth:`html` and :meth:`save`
    make the printable, interactive page (``answers=`` for the key's page). Shows inline in Jupyter.
    """

    def __init__(self, root: Node, boxes: list[Box], names: dict[Any, str], precision: int, **looks: Any) -> None:
        self.root, self.boxes, self.names, self.precision, self.looks = root, boxes, names, precision, looks

    def __repr__(self) -> str:
        from ..drawing.dot import terminal_text

        return f"<Worksheet of {terminal_text(self.names[self.root])}: {len(self.boxes)} boxes>"

    def answers(self) -> dict[int, float]:
        """The key: box number -> answer."""
        return {b.number: b.answer for b in self.boxes}

    def box(self, key: int | str) -> Box:
        """A box by its number, by what it holds (``"df/dx"``), or by a node's name (its gradient's box, else
        its value's)."""
        for b in self.boxes:
            if key in (b.number, b.name):
                return b
        for kind in ("grad", "value"):
            for b in self.boxes:
                if b.key[0] == kind and self.names.get(b.key[1]) == key:
                    return b
        known = ", ".join(str(b.number) for b in self.boxes)
        raise KeyError(f"no box {key!r} on this worksheet: boxes are {known} (or names such as {self.boxes[0].name!r})")

    def check(self, answers: Mapping[int | str, object]) -> Report:
        """Grade ``answers`` (box number, what a box holds, or a node's name -> a number or its text)."""
        if not isinstance(answers, Mapping):
            raise TypeError(
                f"check() takes a dict of answers (box number or name -> number), got {type(answers).__name__}"
            )
        given: dict[int, float] = {}
        places: dict[int, int | None] = {}
        for key, text in answers.items():
            answer = _answer(text)
            if answer is not None:
                number = self.box(key).number
                given[number], places[number] = answer.value, answer.place
        return Report([judge(b, given, places) for b in self.boxes])

    # -- pictures and pages (micrograd.drawing.sheet)

    def picture(self) -> Any:
        """The exercise as a Diagram: the circuit with the numbered boxes."""
        from ..drawing.sheet import exercise_diagram

        return exercise_diagram(self)

    def key(self) -> Any:
        """The answer key as a Diagram: every number shown, the boxes' numbers marked."""
        from ..drawing.sheet import key_diagram

        return key_diagram(self)

    def html(self, *, standalone: bool = False, key: bool = False) -> str:
        """The page: a printable exercise whose boxes take answers and check them (``key``: the answer key)."""
        from ..drawing.sheet import sheet_html

        return sheet_html(self, standalone=standalone, key=key)

    def save(self, path: Any, *, answers: Any = None) -> Any:
        """Write the exercise (.html, .svg, .png, .pdf) to ``path``, and the key to ``answers`` if given:
        both or neither (a key that cannot be written leaves an existing exercise file as it was)."""
        from ..drawing.sheet import save_sheet

        return save_sheet(self, path, answers)

    def _repr_html_(self) -> str:
        return self._repr_mimebundle_(include=("text/html",))["text/html"]

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """The page, and the blank sheet as a picture for notebooks that run no script (``drawing/still.py``)."""
        from ..drawing.sheet import sheet_shown

        return sheet_shown(self, include, exclude)


def worksheet(
    root: Node,
    blank: str | Iterable[Any] = "grads",
    *,
    count: int | None = None,
    seed: int | None = None,
    precision: int = 4,
    names: Mapping[Any, str] | None = None,
    **looks: Any,
) -> Worksheet:
    """An exercise from the graph of ``root``: chosen numbers left out as numbered boxes, with an answer key.

    ``blank``: ``"grads"`` (every gradient to find, the output's 1 given), ``"values"`` (every
    computed value: a forward pass), ``"both"``, or a list of what to leave out: nodes or their
    names (their gradient), or ``("value", node)``, ``("grad", node)``, ``("wire", consumer,
    index)``. ``count``: leave out only this many of them, chosen at random (``seed`` makes the
    choice reproducible). Other keywords (``width``, ``theme``, ``rankdir``, ``font_size``,
    ``engine``) are the pictures', as :func:`micrograd.draw`. The graph is not changed: the
    answers come from its backward trace.

    ``collapse``, ``expand``: the exercise on the collapsed picture (as ``draw(root, collapse=...)``):
    each scope a box whose numbers are given (the values that leave it, the gradients it sends
    back); the boxes are what the gates drawn as themselves make of them
    (:class:`CollapsedPlan`).
    """
    collapsing = looks.get("collapse") is not None and looks.get("collapse") is not False
    if collapsing or looks.get("expand") is not None or "within" in looks:
        _check_collapse(looks)
    if not collapsing:
        looks.pop("collapse", None)

    if not isinstance(root, Node):
        raise TypeError(f"worksheet() takes a graph node (a Value), got {type(root).__name__}")
    if not isinstance(root, Value):
        raise TypeError("worksheet() is for scalar graphs (Values); a Tensor's gradients are arrays")
    if not root.requires_grad:
        raise ValueError("worksheet(): this Value needs no gradient (a constant): there is nothing to backpropagate")
    from ..drawing.names import node_names
    from ..drawing.notation import identity_gates

    order = topological_order(root)
    hidden = identity_gates(order, root)  # left out, as in the pictures: no box for the +0 of sum()
    node_names_ = node_names(root, names, None, hidden)
    if collapsing:  # at the level drawn: each scope a box, its numbers given (CollapsedPlan, below)
        plan = collapsed_plan(root, order, node_names_, precision, hidden, looks)
    else:
        plan = _Plan(root, order, node_names_, precision, hidden)
    keys = plan.choose(blank)
    if count is not None:
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= len(keys):
            raise ValueError(
                f"count must be a whole number from 1 to {len(keys)} (the boxes to choose from), got {count!r}"
            )
        keys = sorted(random.Random(seed).sample(keys, count), key=keys.index)
    numbers = {key: n for n, key in enumerate(keys, start=1)}
    boxes = [plan.box(key, numbers) for key in keys]
    return Worksheet(root, boxes, node_names_, precision, **looks)


def _check_collapse(looks: Mapping[str, Any]) -> None:
    """``collapse=`` and ``expand=`` as :func:`micrograd.draw` takes them; ``within=`` refused."""
    if "within" in looks:
        raise ValueError(
            "worksheet() has no within=: a zoomed picture shows no numbers on the wires from outside the scope; "
            "make a worksheet of the scope's output (worksheet(node)), or of the whole graph with collapse= and "
            "expand= opening the scope"
        )
    from ..drawing.collapse import check_collapse

    check_collapse(looks.get("collapse"), looks.get("expand"))


class _Plan:
    """The graph's numbers and how each is made: what a worksheet's boxes are cut from."""

    def __init__(
        self, root: Value, order: list[Any], names: dict[Any, str], precision: int, hidden: Mapping[Any, Any]
    ) -> None:
        self.trace = backward_trace(root)
        self.hidden = hidden  # identity gates, left out: their users read from what they pass through
        self.root = hidden.get(root, root)  # the node that shows the output
        self.order = [v for v in order if v not in hidden]
        self.names, self.precision = names, precision
        self.uses: dict[Any, list[tuple[Any, int]]] = {v: [] for v in self.order}
        for v in self.order:
            for i, p in enumerate(v.parents):
                if p.requires_grad:
                    self.uses[hidden.get(p, p)].append((v, i))
        self.f = names[root]

    # -- which numbers

    def values(self) -> list[tuple[Any, ...]]:
        """The forward pass's computed values, parents first, in the order the expression reads."""
        return [("value", v) for v in reading_order(self.root) if v.parents and v not in self.hidden]

    def grads(self) -> list[tuple[Any, ...]]:
        """The backward pass's gradients, in the order they are found (the output's side first); a
        node used more than once has a box per use and one for the sum."""
        keys: list[tuple[Any, ...]] = []
        for v in reversed(self.order):
            if v is self.root or not v.requires_grad or self.trace.grad(v) is None:
                continue
            uses = self.uses[v]
            if len(uses) > 1:
                keys += [("wire", c, i) for c, i in uses]
            keys.append(("grad", v))
        return keys

    def choose(self, blank: str | Iterable[Any]) -> list[tuple[Any, ...]]:
        if isinstance(blank, str):
            if blank not in BLANKS:
                raise ValueError(
                    f"blank must be one of {', '.join(map(repr, BLANKS))} or a list of nodes, got {blank!r}"
                )
            keys = {"grads": self.grads, "values": self.values}.get(blank, lambda: self.values() + self.grads())()
        else:
            keys = [self._key(item) for item in blank]
        if not keys:
            raise ValueError("worksheet(): nothing to leave out: the graph has no computed values or gradients to find")
        if len(set(keys)) != len(keys):
            raise ValueError("worksheet(): a number is listed twice in blank")
        return keys

    def _key(self, item: Any) -> tuple[Any, ...]:
        by_name = {name: v for v, name in self.names.items()}
        if isinstance(item, str):
            if item not in by_name:
                raise ValueError(f"no node named {item!r}: the names are {', '.join(sorted(by_name))}")
            item = by_name[item]
        if isinstance(item, Node):
            item = ("grad", item)
        if not (isinstance(item, tuple) and item and item[0] in ("value", "grad", "wire")):
            raise ValueError(f"blank: {item!r} is not a node, a node's name or ('value'|'grad'|'wire', node, ...)")
        kind, *rest = item
        rest = [by_name.get(r, r) if isinstance(r, str) else r for r in rest]
        key = (kind, *rest)
        allowed = set(self.values()) | set(self.grads()) | {("grad", v) for v in self.order if self._has_grad(v)}
        if key not in allowed:
            raise ValueError(f"blank: {item!r} is not a number of this graph that can be left out")
        return key

    def _has_grad(self, v: Any) -> bool:
        return v is not self.root and v.requires_grad and self.trace.grad(v) is not None

    # -- how each number is made

    def box(self, key: tuple[Any, ...], numbers: dict[tuple[Any, ...], int]) -> Box:
        kind = key[0]
        if kind == "value":
            answer, name, step = key[1].data, self.names[key[1]], self._value_step(key[1], numbers)
        elif kind == "wire":
            c, i = key[1], key[2]
            answer = self._wire(c, i).contribution
            name = self._share_name(c, i)
            step = self._product_step(c, i, name, numbers)
        else:
            v = key[1]
            answer, name = self.trace.grad(v), self._grad_name(v)
            uses = self.uses[v]
            step = self._sum_step(v, numbers) if len(uses) > 1 else self._product_step(*uses[0], name, numbers)
        answer = float(answer)
        return Box(numbers[key], key, name, answer, self.tolerance(answer), step, wanted(answer, self.precision))

    def tolerance(self, answer: float) -> float:
        return tolerance(answer, self.precision)

    def _share_name(self, c: Any, i: int) -> str:
        """One use's share of a gradient: ``df/da along its use in n1`` (``... as input 2 of n1`` for ``a*a``)."""
        v = self.hidden.get(c.parents[i], c.parents[i])
        where = (
            f"as input {i + 1} of" if [self.hidden.get(p, p) for p in c.parents].count(v) > 1 else "along its use in"
        )
        return f"{_notation().total(self.f, self.names[v])} {where} {self.names[c]}"

    def _grad_name(self, v: Any) -> str:
        return _notation().total(self.f, self.names[v])

    def _wire(self, c: Any, i: int) -> Any:
        return next(w for w in self.trace.out_of(c) if w.index == i)

    def _given_grad(self, v: Any, numbers: dict[tuple[Any, ...], int]) -> Given:
        grad = float(self.trace.grad(v))
        return Given(self._grad_name(v), grad, numbers.get(("grad", v)), self.tolerance(grad))

    def _given_value(self, v: Any, numbers: dict[tuple[Any, ...], int]) -> Given:
        return Given(self.names[v], float(v.data), numbers.get(("value", v)), self.tolerance(float(v.data)))

    def _product_step(self, c: Any, i: int, name: str, numbers: dict[tuple[Any, ...], int]) -> Step:
        """A gradient along one wire: the gradient at the gate ``c`` times ∂c/∂(its input ``i``)."""
        wire = self._wire(c, i)
        upstream = self._given_grad(c, numbers) if c is not self.root else Given(self._grad_name(c), 1.0, None, 0.0)
        v, gate = self.names[c.parents[i]], self.names[c]
        local_ = self.written_local(c, i)
        partial = _notation().local(gate, v)
        how = (
            f"{name} = {upstream.name} · {partial}: the gradient at the output of {gate} times {gate}'s "
            f"local gradient; for {gate} = {self.expression(c)}, {partial} = {local_ or 'its derivative'}"
        )
        sign = f"{name} = {upstream.name} · {partial}" + (f", with {partial} = {local_}" if local_ else "")
        sign += ": the product of the two signs"
        return Step("product", (upstream,), how, sign, factor=float(wire.local))

    def _sum_step(self, v: Any, numbers: dict[tuple[Any, ...], int]) -> Step:
        """A node used more than once: the gradients coming back along its uses add up."""
        inputs = []
        for c, i in self.uses[v]:
            share = self._share_name(c, i)
            part = float(self._wire(c, i).contribution)
            inputs.append(Given(share, part, numbers.get(("wire", c, i)), self.tolerance(part)))
        n = len(inputs)
        how = (
            f"{self.names[v]} is used {n} times: {self._grad_name(v)} is the sum of the {n} gradients coming back to it"
        )
        sign = "add the gradients of the uses as they are, each with its own sign"
        return Step("sum", tuple(inputs), how, sign)

    def _value_step(self, v: Any, numbers: dict[tuple[Any, ...], int]) -> Step:
        inputs = tuple(self._given_value(self.hidden.get(p, p), numbers) for p in v.parents)
        how = f"{self.names[v]} = {self.expression(v)}: compute it from the values of its inputs"
        sign = f"{self.names[v]} = {self.expression(v)}"
        return Step("op", inputs, how, sign, op=v._op)

    # -- the math in words

    def name_of(self, v: Any) -> str:
        """A node as written in a formula: its name, or a constant's number."""
        from ..drawing.names import is_constant
        from ..drawing.numbers import format_number

        return _notation().minus(format_number(v.data)) if is_constant(v) else self.names[v]

    def expression(self, v: Any) -> str:
        """``x × y``, ``exp(x)``, ``max(a, b)``, ``x²``: the op of ``v`` written with its inputs' names."""
        return _notation().formula(v, self.names.__getitem__, self.precision)

    def written_local(self, c: Any, i: int) -> str:
        """∂c/∂(input i) as the engine's rule writes it, with the inputs' names filled in ("" if unknown)."""
        written = c._rules.written.get(c._op, ())
        if callable(written):  # an op of any number of inputs: its formulas for this number
            written = written(len(c.parents))
        if i >= len(written):
            return ""
        args = [self.name_of(p) for p in c.parents]
        first, second = args[0], args[1] if len(args) > 1 else ""
        return (
            _notation().minus_signs(written[i]).format(*args, a=first, x=first, b=second, y=second, out=self.names[c])
        )


# ---------------------------------------------------------------- a worksheet on a collapsed picture
#
# A worksheet on a collapsed picture: the numbers a learner works out at the level drawn.
#
# ``worksheet(root, collapse=...)`` draws the graph as :func:`micrograd.draw` does with ``collapse=``
# (each scope one box, :mod:`micrograd.drawing.collapse`). A box is a black box at that level:
# the learner cannot see inside it, so what it computes is given, both ways, as a gate's rule
# would be: the values that leave it, and the gradients it sends back along the wires that enter
# it (each the sum over its uses inside, the scope's own backward pass). What is asked is what the
# gates drawn as themselves make of those numbers, as on any circuit:
#
# - a value computed by a gate drawn as itself, from its inputs' values (``blank="values"``);
# - the gradient of each value on a wire: of a node drawn as itself, and of a value that leaves a
#   box into a gate (``df/dq · ∂q/∂v`` at that gate);
# - where a value goes to several places, each gate's share and their sum, the boxes' shares given.
#
# A value whose only gradient comes back through one box is given (it is what the box sends). A
# wire of many values (``16 values``, ``||grad||``) has no single number to ask.


class CollapsedPlan(_Plan):
    """The numbers of a collapsed picture (``collapsed``: its :class:`~micrograd.drawing.collapse.Collapsed`)
    a worksheet may leave out, and how each is made."""

    def __init__(self, root: Any, order: list[Any], names: dict[Any, str], precision: int, hidden: Any, collapsed: Any):
        super().__init__(root, order, names, precision, hidden)
        self.collapsed = collapsed
        self.drawn = {id(v) for v in collapsed.open}  # nodes drawn as themselves
        self.parts: dict[int, list[Any]] = {}  # id(value) -> the wires (bundles) it leaves its element along
        for bundle in collapsed.bundles:
            for v in bundle.values:
                self.parts.setdefault(id(v), []).append(bundle)

    # -- which numbers

    def values(self) -> list[tuple[Any, ...]]:
        """The values the gates drawn as themselves compute, in the order the expression reads."""
        return [
            ("value", v) for v in reading_order(self.root) if v.parents and v not in self.hidden and id(v) in self.drawn
        ]

    def grads(self) -> list[tuple[Any, ...]]:
        """The gradients on the picture's wires a learner can work out, the output's side first: a value's
        shares from the gates drawn as themselves and their sum where it goes to several places."""
        keys: list[tuple[Any, ...]] = []
        for v in reversed(self.order):
            if not self._has_grad(v):
                continue
            parts = self.parts[id(v)]
            if len(parts) > 1:
                keys += [("wire", bundle.head, bundle.index) for bundle in parts if self._into_gate(bundle)]
            keys.append(("grad", v))
        return keys

    def _has_grad(self, v: Any) -> bool:
        """Is ``v``'s gradient a number a learner works out here: drawn on its own wire (not in a wire of
        many values, nor summed with uses inside its own box), and made by a gate drawn as itself, or the
        sum of several shares."""
        if not super()._has_grad(v):
            return False
        parts = self.parts.get(id(v), [])
        if not parts or any(len(bundle.values) > 1 or self._unnumbered(bundle) for bundle in parts):
            return False
        if sum(1 for bundle in parts for u, _, _ in bundle.uses if u is v) != len(self.uses[v]):
            return False  # used inside its own box as well: the wires do not add up to its gradient
        return len(parts) > 1 or self._into_gate(parts[0])

    def _into_gate(self, bundle: Any) -> bool:
        return bundle.index is not None

    def _unnumbered(self, bundle: Any) -> bool:
        """A line without numbers: parameters into a box (light), a stub's line (zoomed in)."""
        tail = bundle.tail
        kind = getattr(tail, "kind", None)
        return kind == "from" or (kind == "parameters" and bundle.index is None)

    # -- how each number is made

    def _sum_step(self, v: Any, numbers: dict[tuple[Any, ...], int]) -> Step:
        """A value that goes to several places: the gradients coming back along its wires add up; what a box
        sends back is given (the sum over its uses inside), a gate's share is a box of its own."""
        inputs = []
        boxes = []
        for bundle in self.parts[id(v)]:
            if self._into_gate(bundle):
                c, i = bundle.head, bundle.index
                share = self._share_name(c, i)
                part = float(self._wire(c, i).contribution)
                inputs.append(Given(share, part, numbers.get(("wire", c, i)), self.tolerance(part)))
            else:
                sent = float(bundle.gradients(self._any_wire)[id(v)])
                boxes.append(bundle.head.path)
                name = f"{self._grad_name(v)} back through {bundle.head.path}"
                inputs.append(Given(name, sent, None, self.tolerance(sent)))
        n = len(inputs)
        given = f" ({', '.join(boxes)} sent back its share: given)" if boxes else ""
        how = (
            f"{self.names[v]} goes to {n} places: {self._grad_name(v)} is the sum of the {n} gradients coming "
            f"back to it{given}"
        )
        sign = "add the gradients of the uses as they are, each with its own sign"
        return Step("sum", tuple(inputs), how, sign)

    def _any_wire(self, c: Any, i: int) -> Any:
        return next((w for w in self.trace.out_of(c) if w.index == i), None)


def collapsed_plan(
    root: Any, order: list[Any], names: dict[Any, str], precision: int, hidden: Any, looks: dict[str, Any]
) -> _Plan:
    """The plan of a worksheet drawn collapsed (``looks``: ``collapse``, ``expand``, ``max_nodes``)."""
    from ..drawing.diagram import graph

    g = graph(root, looks.get("max_nodes", 1000), names, False, looks.get("collapse"), looks.get("expand"))
    return CollapsedPlan(root, order, names, precision, hidden, g.collapsed)
