"""What a picture is made of, shared by every builder (circuits and records in :mod:`.picture`, neural
nets in :mod:`.neurons`): the :class:`Role` of each DOT element, and a node's value as text (its gate's
text is :func:`.notation.gate_text`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .numbers import format_value, shape_text

__all__ = ["Role", "value_text", "BLANK"]

BLANK = "\u2007"  # a figure space: keeps a hidden number's width, so frames of the player keep their layout


@dataclass
class Role:
    """What a DOT node or edge is, for the SVG styling: its ``kind`` and what to say about it.

    ``fields`` names each text of a record in order (``value``, ``grad``, ``note``, ``name``,
    ``data``, ``op``, ``blank``).
    """

    kind: str  # leaf, gate, wire, box, op, edge, end, heading, scope (a collapsed picture's box)
    tooltip: str = ""
    fields: tuple[str, ...] = ()
    hot: bool = False
    marked: bool = False
    junction: bool = False
    arrow: bool = True
    hidden: bool = False  # its gradient laid out, not shown yet: frames of the player keep one size
    shade: float | None = None  # 0 to 1: how much gradient flows along an edge (drawn darker and thicker)
    faint: bool = False  # one of many connections (a neural net's): drawn light
    answers: bool = False  # holds numbered answer boxes ``[n]`` of a worksheet in place of numbers
    flagged: bool = False  # its gradient differs from the correct one (compare_backward): marked
    nested: bool = False  # a record of nested fields: ``fields`` in the order Graphviz writes them, not by place


def _is_scalar(v: Any) -> bool:
    return isinstance(v.data, (float, int))


def value_text(v: Any, precision: int) -> str:
    """A node's value as written on its wire: the number, or a tensor's shape and small values."""
    data = format_value(v.data, precision)
    if not _is_scalar(v) and len(v.data.shape) > 0:
        return shape_text(v.data) + (" " + data if data else "")
    return data
