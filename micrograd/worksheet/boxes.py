"""A worksheet's boxes and the checker: how each box's number is made, and the verdict on a learner's.

A :class:`Box` holds its answer and how near counts as right, and its :class:`Step`: the
numbers it is made from (:class:`Given`) and how (``product``, ``sum`` or ``op``).
:func:`judge` gives the :class:`Verdict` on one box from a learner's numbers, with a hint that
names the step without giving the number away; the page's checker (``sheet.js``) follows the
same steps. A :class:`Report` holds the verdicts of a whole sheet.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..engine import RULES, Value
from .answers import RTOL, near, place_of, read_answer, rounding, within

__all__ = ["Given", "Step", "Box", "Verdict", "Report", "judge", "parse_number"]

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
