"""A live circuit's picture: laid out once, its numbers written in place as the inputs move.

Graphviz sizes every wire to the numbers it carries. A live picture is laid out with room for
a wide number (:func:`room`: ``-0.0000`` at precision 4, a little more) in place of each one (:class:`_Room`, a
:class:`~micrograd.drawing.picture.View` whose numbers are all such boxes), and every number is
written to fit that room (:func:`fitted`: as everywhere else when it fits, else with fewer digits:
``148.41``, ``1.3e21``), so that new numbers fit where the old ones were: updating the picture is
writing texts into elements found by their ``id`` (:meth:`LivePicture.texts`), on the page or here
(:meth:`LivePicture.svg_with`, the still).

Each element that holds numbers is known by its ``id`` as :mod:`micrograd.drawing.picture` writes
the circuit style: ``w<v>_<c>_<i>`` the wire from node ``v`` into argument ``i`` of gate ``c``
(a fork's branch carries only its contribution), ``s<v>`` a fork's stem (the value and the total
gradient), ``out`` the output's wire (``f = value`` and ``1``).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from ..core import BackwardTrace
from ..drawing.diagram import Diagram, directions, graph, picture
from ..drawing.layout import _em
from ..drawing.numbers import format_number
from ..drawing.picture import Graph, Options, Picture, View
from ..drawing.svg import NS
from ..drawing.theme import Theme
from .code import Numbers

__all__ = ["LivePicture", "GradKey", "room", "fitted"]

GradKey = tuple[Any, ...]  # ("node", v): v's total gradient; ("wire", consumer, index): one wire's contribution
_S = f"{{{NS}}}"


# the narrowest way to write every float is at most this wide (a digit's width each, the minus and the
# exponent's sign narrower: Helvetica's widths, as Graphviz measures): 5e-324, -1e+308 written -1e308
_NARROWEST_FOR_ALL = "-0e-000"


def room(precision: int) -> str:
    """The text a live picture is laid out with in place of each number: the wider of ``-0.0000`` (at precision
    4: a number below 1 with its decimals and a sign) and ``-0e-000`` (room for every float in some form,
    ``-5e-324`` too: :func:`fitted` writes each to fit)."""
    return max(f"-0.{'0' * precision}", _NARROWEST_FOR_ALL, key=_em)


def fitted(x: float | None, precision: int) -> str:
    """``x`` written to fit :func:`room`: as :func:`~micrograd.drawing.numbers.format_number` writes it when that
    fits (``0.7311``, ``-12``); else with fewer decimals (``148.41``, ``-12.346``, ``13360``); else in powers
    of ten with as many digits as fit (``1.23e7``, ``-1.2e-5``). A power of ten is written without the exponent's
    ``+`` and leading zeros (``1.5e-5``), fitting or not, so that all read alike."""
    if x is None:
        return ""
    width = _em(room(precision))
    text = _short_exponent(format_number(x, precision))
    if _em(text) <= width or not math.isfinite(x):
        return text
    if abs(x) >= 1:
        for decimals in range(precision - 1, -1, -1):
            shorter = f"{x:.{decimals}f}"
            shorter = shorter.rstrip("0").rstrip(".") if decimals else shorter
            if _em(shorter) <= width:
                return shorter
    for digits in range(max(precision - 1, 0), -1, -1):
        mantissa, exponent = f"{x:.{digits}e}".split("e")
        shorter = _short_exponent(f"{mantissa.rstrip('0').rstrip('.') if '.' in mantissa else mantissa}e{exponent}")
        if _em(shorter) <= width:
            return shorter
    raise AssertionError(f"{x!r} fits no room of {room(precision)!r}")  # the room is as wide as -5e-324


def _short_exponent(text: str) -> str:
    """``1.5e-05`` -> ``1.5e-5``, ``7.7e+23`` -> ``7.7e23``: every power of ten in a live picture written alike,
    in as little room as it can be."""
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"


class _Room(View):
    """The view a live picture is laid out with: every number a box as wide as ``room``, where a number is."""

    def __init__(self, trace: BackwardTrace, room: str) -> None:
        super().__init__(trace, lambda v: True)
        self.room = room

    def blank(self, *key: Any) -> str | None:
        kind = key[0]
        if kind == "value" or (kind == "grad" and key[1] in self.grads) or (kind == "wire" and self.wire(*key[1:])):
            return self.room
        return None


@dataclass(frozen=True)
class Element:
    """One element of the picture that holds numbers: the node whose value it shows (with ``prefix``,
    ``f = ``, on the output), and the gradient it shows."""

    value: Any
    grad: GradKey | None
    prefix: str = ""


class LivePicture:
    """The picture of a circuit laid out once (:attr:`svg`), and what each element of it shows."""

    def __init__(
        self,
        root: Any,
        *,
        rankdir: str = "auto",
        precision: int = 4,
        theme: str | Theme = "lecture",
        width: float | None = 900,
        max_nodes: int = 1000,
        engine: str | None = None,
    ) -> None:
        self.precision = precision
        self.graph: Graph = graph(root, max_nodes)
        self.room = room(precision)
        view = _Room(BackwardTrace(root), self.room)
        options = [Options("circuit", d, precision, show_names=None, neurons="off") for d in directions(rankdir, width)]
        pictures = [picture(self.graph, view, o, max_nodes) for o in options]
        self.diagram = Diagram(pictures, style="circuit", engine=engine, theme=theme, width=width)
        self.svg: str = self.diagram.svg()  # laid out now: the direction is chosen
        self.picture: Picture = self.diagram.picture
        self.elements = self._elements(view)
        self.nodes: dict[str, Any] = {nid: v for v, nid in self.picture.ids.items()}
        self.edges: dict[str, str] = self._edges()

    def _elements(self, view: View) -> dict[str, Element]:
        """Every element holding numbers, by id: as :func:`micrograd.drawing.picture._circuit` draws them."""
        g, ids = self.graph, self.picture.ids
        found: dict[str, Element] = {}
        for v in g.shown:
            if v is g.root:
                found["out"] = Element(v, ("node", v) if v in view.grads else None, prefix=f"{g.names[v]} = ")
            uses = g.uses[v]
            if len(uses) == 1:
                c, i = uses[0]
                found[f"w{ids[v]}_{ids[c]}_{i}"] = Element(v, ("wire", c, i) if view.wire(c, i) else None)
            elif len(uses) > 1:
                found[f"s{ids[v]}"] = Element(v, ("node", v) if v in view.grads else None)
                for c, i in uses:
                    found[f"w{ids[v]}_{ids[c]}_{i}"] = Element(None, ("wire", c, i) if view.wire(c, i) else None)
        return found

    def _edges(self) -> dict[str, str]:
        """Each edge ``e<k>`` -> the element holding numbers it leads into or out of (a click on a line)."""
        out = {}
        for k, (tail, head) in enumerate(self.picture.edges):
            for end in (head, tail):
                if end in self.elements:
                    out[f"e{k}"] = end
                    break
        return out

    def grad_of(self, key: GradKey, numbers: Numbers) -> float | None:
        if key[0] == "node":
            return numbers.grads.get(key[1])
        wire = numbers.wire(key[1], key[2])
        return None if wire is None else wire[2]

    def texts(self, numbers: Numbers) -> dict[str, list[str | None]]:
        """For each element holding numbers: ``[value text, gradient text]`` (None: it shows none), each number
        :func:`fitted` to the room laid out for it."""
        p = self.precision
        out: dict[str, list[str | None]] = {}
        for eid, e in self.elements.items():
            value = None if e.value is None else e.prefix + fitted(numbers.values[e.value], p)
            grad = None if e.grad is None else fitted(self.grad_of(e.grad, numbers), p)
            out[eid] = [value, grad]
        return out

    def svg_with(self, texts: dict[str, list[str | None]], titles: dict[str, str] | None = None) -> str:
        """The picture's SVG with ``texts`` written in (and each element's hover text from ``titles``)."""
        root = ET.fromstring(self.svg.encode("utf-8"))
        for g in root.iter(f"{_S}g"):
            eid = g.get("id", "")
            if eid in texts:
                value, grad = texts[eid]
                for t in g.iter(f"{_S}text"):
                    kind = t.get("class")
                    if kind == "mg-value" and value is not None:
                        t.text = value
                    elif kind == "mg-grad" and grad is not None:
                        t.text = grad
            title = g.find(f"{_S}title")
            if titles is not None and title is not None and eid in titles:
                title.text = titles[eid]
        return ET.tostring(root, encoding="unicode")
