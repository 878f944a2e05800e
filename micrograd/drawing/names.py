"""Stable names for the nodes of a graph, shared by the pictures, ``explain`` and the step player.

A name never looks like a number, so a reader cannot mistake an input for a constant:
labelled nodes go by their label, unlabelled inputs by a letter (``a``, ``b``, ...), other
unlabelled nodes by ``n1``, ``n2``, ... in topological order. Constants (numbers written
into an expression) are drawn inside their gates, so they need no name to be shown by.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import count
from typing import Any

from ..graph.order import reading_order  # not ..core: the trace's dict (graph/data.py) names nodes so
from .numbers import format_value

__all__ = ["node_names", "is_constant"]

_LETTERS = [c for c in "abcdghjkmnpqrstuvwxyz"]  # not e (Euler's), f (the output), i, l, o (read as 1, 0)


def is_constant(v: Any) -> bool:
    """A number the expression was written with: an unlabelled leaf that needs no gradient."""
    return v.is_leaf and not v.requires_grad and not v.label


def _letters() -> Any:
    for k in count(1):
        for c in _LETTERS:
            yield c if k == 1 else f"{c}{k}"


def node_names(
    root: Any,
    names: Mapping[Any, str] | None = None,
    order: list[Any] | None = None,
    hidden: Mapping[Any, Any] | None = None,
) -> dict[Any, str]:
    """A name for every node ``root`` depends on (``order``: its reading order, if the caller has it).

    ``names`` (node -> name) comes first, then labels; unlabelled inputs get letters,
    other nodes ``n1``, ``n2``, ... in the order the expression reads (parents first, in
    argument order: :func:`~micrograd.core.reading_order`), so the same graph always gets
    the same names; a constant is named by its value, in brackets. A name used twice gets
    a suffix ``#2``.

    ``hidden`` (an identity gate -> the node it passes through, :func:`~micrograd.drawing.notation.identity_gates`):
    those gates are no nodes of their own, so they take no name (and no number ``n1``) but go by
    the name of what they pass through; the output's name goes to what it passes through.
    """
    given = dict(names or {})
    hidden = hidden or {}
    nodes = reading_order(root) if order is None else order
    if root in hidden and hidden[root] not in given and (root in given or root.label):
        given[hidden[root]] = given.get(root, root.label)  # the output's name on the gate that shows it
    taken = {str(n) for n in given.values()} | {str(v.label) for v in nodes if v.label}
    letters = (c for c in _letters() if c not in taken)
    interior = (f"n{k}" for k in count(1))
    out: dict[Any, str] = {}
    seen: dict[str, int] = {}
    for v in nodes:
        if v in hidden:
            continue
        if v in given:
            name = str(given[v])
        elif v.label:
            name = str(v.label)
        elif is_constant(v):
            name = f"[{format_value(v.data)}]"
        elif v.is_leaf:
            name = next(letters)
        else:
            name = next(n for n in interior if n not in taken)
        if name in seen:
            seen[name] += 1
            name = f"{name}#{seen[name]}"
        else:
            seen[name] = 1
        out[v] = name
    for v in nodes:
        if v in hidden:
            out[v] = out[hidden[v]]
    return out
