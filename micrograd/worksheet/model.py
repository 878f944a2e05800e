"""A worksheet and how it is made: the boxes cut from the backward trace of a graph (see :mod:`micrograd.worksheet`)."""

from __future__ import annotations

import math
import operator
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core import Node, backward_trace, reading_order, topological_order
from ..engine import RULES, Value
from .answers import RTOL, near, place_of, read_answer, rounding, tolerance, wanted, within

__all__ = ["worksheet", "Worksheet", "Box", "Step", "Given", "Report", "Verdict", "BLANKS"]

BLANKS = ("grads", "values", "both")

# the forward op of each scalar op name, for hints that recompute a step from a learner's inputs
FORWARD: dict[str, Callable[..., Value]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "neg": operator.neg,
    "max": Value.max,
    "min": Value.min,
    "ReLU": Value.relu,
    "1/x": Value.reciprocal,
    **{name: getattr(Value, name) for name in ("exp", "log", "tanh", "sin", "cos", "sigmoid", "abs", "sqrt")},
}


def _function_of(op: str) -> Callable[..., Value] | None:
    """The forward of a :class:`micrograd.Function`'s op (one made without settings), to redo its step."""
    function = getattr(RULES.get(op), "function", None)
    if function is None or function.__init__ is not object.__init__:
        return None
    return function.apply


@dataclass(frozen=True)
class Given:
    """One number a step is made from: its ``name``, its ``value``, and its box if it is one."""

    name: str
    value: float
    box: int | None = None
    tolerance: float = 0.0  # how near a learner's number for it counts as right


@dataclass(frozen=True)
class Step:
    """How a box's number is made, in data the Python checker and the page's checker both read.

    ``kind``: ``"product"`` (the one input times ``factor``, the local gradient), ``"sum"`` (the
    inputs added) or ``"op"`` (``op`` applied to the inputs). ``how`` says the step in words,
    ``sign`` what decides the sign.
    """

    kind: str
    inputs: tuple[Given, ...]
    how: str
    sign: str
    factor: float = 1.0
    op: str = ""

    def redo(self, numbers: list[float]) -> float | None:
        """The step done with these input numbers (None: an op this checker cannot redo)."""
        if self.kind == "product":
            return numbers[0] * self.factor
        if self.kind == "sum":
            return math.fsum(numbers)
        forward = FORWARD.get(self.op) or _function_of(self.op)
        if forward is None:
            return None
        return forward(*(Value(x, requires_grad=False) for x in numbers)).data


@dataclass(frozen=True)
class Box:
    """A numbered box: what goes in it (``name``), the ``answer``, how near counts as right, and how it is made.

    ``wanted``: the precision that ``tolerance`` asks for, in words (``"4 decimals"``).
    """

    number: int
    key: tuple[Any, ...]  # ("grad", node), ("value", node) or ("wire", consumer, index)
    name: str
    answer: float
    tolerance: float
    step: Step
    wanted: str = ""

    def spec(self) -> dict[str, Any]:
        """The box as JSON data (what the interactive page checks with)."""
        return {
            "number": self.number,
            "name": self.name,
            "answer": _json_number(self.answer),
            "tolerance": self.tolerance,
            "wanted": self.wanted,
            "kind": self.step.kind,
            "factor": _json_number(self.step.factor),
            "op": self.step.op,
            "how": self.step.how,
            "sign": self.step.sign,
            "inputs": [
                {"name": g.name, "value": _json_number(g.value), "box": g.box, "tolerance": g.tolerance}
                for g in self.step.inputs
            ],
        }


@dataclass(frozen=True)
class Verdict:
    """What the checker says of one box: ``status`` is ``"right"``, ``"wrong"``, ``"missing"`` or ``"imprecise"``
    (the answer rounded to the digits given, but fewer digits than the box asks for)."""

    box: Box
    given: float | None
    status: str
    hint: str = ""

    @property
    def right(self) -> bool:
        return self.status == "right"

    def __repr__(self) -> str:  # not the box's fields: they hold the answer
        given = "" if self.given is None else f", given={self.given!r}"
        hint = f", hint={self.hint!r}" if self.hint else ""
        return f"Verdict(box={self.box.number}, {self.box.name!r}{given}, {self.status!r}{hint})"


@dataclass
class Report:
    """The checker's verdicts, box by box; truthy when every box is right."""

    verdicts: list[Verdict] = field(default_factory=list)

    def __bool__(self) -> bool:
        return all(v.right for v in self.verdicts)

    @property
    def score(self) -> tuple[int, int]:
        """(right, boxes)."""
        return sum(v.right for v in self.verdicts), len(self.verdicts)

    def __getitem__(self, key: int | str) -> Verdict:
        for v in self.verdicts:
            if key in (v.box.number, v.box.name):
                return v
        raise KeyError(key)

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """Box, what it holds, the given number, the verdict, the hint: as text (a label's controls and bidi
        overrides shown, not obeyed: safe for a terminal)."""
        from ..drawing.dot import terminal_text

        return [
            (str(v.box.number), terminal_text(v.box.name), "" if v.given is None else _text(v.given), v.status)
            + (terminal_text(v.hint),)
            for v in self.verdicts
        ]

    def __str__(self) -> str:
        right, total = self.score
        head = f"{right} of {total} right (right: within {RTOL:g} of the answer, or the same to the digits shown)"
        return "\n".join(
            [head, *("  [{}] {}: {} {}{}".format(*r[:4], f" - {r[4]}" if r[4] else "") for r in self.rows())]
        )

    def __repr__(self) -> str:  # the table: the verdicts' boxes hold the answers
        return str(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """IPython's plain text (a notebook stores it beside the HTML): the table, not the fields, which hold
        the answers."""
        p.text(str(self))

    def _repr_html_(self) -> str:
        import html

        right, total = self.score
        cells = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in self.rows())
        return (
            f"<p><b>{right} of {total} right</b></p><table><tr><th>box</th><th>holds</th><th>yours</th>"
            f"<th>verdict</th><th>hint</th></tr>{cells}</table>"
        )


def judge(box: Box, given: Mapping[int, float], places: Mapping[int, int | None] | None = None) -> Verdict:
    """The verdict on ``box`` given the learner's numbers (box number -> number).

    ``places``: box number -> the place of the last digit the learner wrote (``5.44``: -2; None:
    exact; :mod:`micrograd.worksheet.answers`); a number without one has its shortest repr's. A number right
    to the digits given, but with fewer digits than the box asks for, is ``"imprecise"``; in the
    hints a number stands for any it may have been rounded from. The page's checker
    (``micrograd/drawing/sheet.js``) follows the same steps.
    """
    mine = given.get(box.number)
    if mine is None:
        return Verdict(box, None, "missing", f"fill in {box.name}")
    if near(mine, box.answer, box.tolerance):
        return Verdict(box, mine, "right")
    spread = _rounding(box.number, mine, places)
    if spread > box.tolerance and near(mine, box.answer, spread):
        return Verdict(box, mine, "imprecise", f"right to the digits you gave: give {box.wanted}")
    return Verdict(box, mine, "wrong", _hint(box, mine, given, places or {}))


def _rounding(number: int | None, mine: float, places: Mapping[int, int | None] | None) -> float:
    """How far from ``mine`` the number the learner rounded may have been
    (:func:`~micrograd.worksheet.answers.rounding`)."""
    if number is None:
        return 0.0
    return rounding(mine, places[number] if places is not None and number in places else place_of(mine))


def _hint(box: Box, mine: float, given: Mapping[int, float], places: Mapping[int, int | None]) -> str:
    step = box.step
    earlier = _earlier_mistake(box, mine, given, places)
    if earlier:
        return earlier
    slack = max(box.tolerance, _rounding(box.number, mine, places))  # the learner's number, to its digits
    if box.answer != 0 and near(mine, -box.answer, slack):
        return f"check the sign: {step.sign}"
    if step.kind == "product":
        upstream = step.inputs[0]
        if step.factor != 1 and near(mine, upstream.value, slack):
            return f"{upstream.name} came back unchanged: multiply it by the local gradient. {step.how}"
        if upstream.value != 1 and near(mine, step.factor, slack):
            return f"that is the local gradient alone: multiply it by {upstream.name}. {step.how}"
    if step.kind == "sum" and any(near(mine, g.value, slack) for g in step.inputs):
        return f"that is one use's share only. {step.how}"
    return step.how


def _earlier_mistake(box: Box, mine: float, given: Mapping[int, float], places: Mapping[int, int | None]) -> str:
    """If the learner's own inputs to this step explain their number, the mistake was made earlier.

    Their input is taken as written and as any number it may have been rounded from (the learner may
    have carried more digits than they wrote), their answer to its own digits.
    """
    step = box.step
    slack = max(box.tolerance, _rounding(box.number, mine, places))
    for k, g in enumerate(step.inputs):
        theirs = given.get(g.box) if g.box is not None else None
        if theirs is None or near(theirs, g.value, g.tolerance):
            continue
        spread = _rounding(g.box, theirs, places)
        redone = [
            step.redo([x if j == k else h.value for j, h in enumerate(step.inputs)])
            for x in (theirs - spread, theirs, theirs + spread)
        ]
        if None not in redone and within(mine, redone, slack):  # type: ignore[arg-type]
            return (
                f"your {g.name} was {_text(theirs)}; with that, your {box.name} would be right: check {g.name} "
                f"(box {g.box})"
            )
    return ""


def _text(x: float) -> str:
    from ..drawing.numbers import format_number

    return format_number(x, 6)


def _notation() -> Any:
    """The package's one notation (d for totals, ∂ for local derivatives, gates in glyphs), loaded on first use."""
    from ..drawing import notation

    return notation


def _json_number(x: float) -> float | str:
    return x if math.isfinite(x) else ("nan" if math.isnan(x) else ("inf" if x > 0 else "-inf"))


def parse_number(text: object) -> float | None:
    """A learner's answer as a float: a number, or text such as ``-8``, ``0,5``, ``1e-3``, ``１``, ``1/3``,
    ``2*e**2``, ``inf`` (the grammar of :mod:`micrograd.worksheet.answers`); None if empty."""
    answer = _answer(text)
    return None if answer is None else answer.value


def _answer(text: object) -> Any:
    """An :class:`~micrograd.worksheet.answers.Answer` (the number and the place of its last digit), or None if
    empty."""
    from .answers import Answer

    if text is None:
        return None
    if isinstance(text, bool):
        raise TypeError(f"an answer must be a number, got {text!r}")
    if isinstance(text, (int, float)):
        return Answer(float(text), place_of(float(text)))
    if not isinstance(text, str):
        raise TypeError(f"an answer must be a number or its text, got {type(text).__name__}: {text!r:.40}")
    return read_answer(text)


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
        return self.html()


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
    """
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
        if i >= len(written):
            return ""
        args = [self.name_of(p) for p in c.parents]
        first, second = args[0], args[1] if len(args) > 1 else ""
        return (
            _notation().minus_signs(written[i]).format(*args, a=first, x=first, b=second, y=second, out=self.names[c])
        )
