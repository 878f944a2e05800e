"""Stable names for the nodes of a graph, shared by the pictures, ``explain`` and the step player."""

from __future__ import annotations

from typing import Any

from ..core import topological_order
from .numbers import format_number

__all__ = ["node_names"]


def node_names(root: Any, order: list[Any] | None = None) -> dict[Any, str]:
    """A name for every node ``root`` depends on (``order``: its topological order, if known).

    A labelled node is named by its label; an unlabelled scalar leaf (a constant) by its
    number; any other node ``n1``, ``n2``, … in topological order (parents first), so
    the same graph always gets the same names. Repeated labels get a suffix ``#2``.
    """
    names: dict[Any, str] = {}
    seen: dict[str, int] = {}
    counter = 0
    for v in topological_order(root) if order is None else order:
        if v.label:
            name = str(v.label)
        elif v.is_leaf and isinstance(v.data, float):
            name = format_number(v.data)
        else:
            counter += 1
            name = f"n{counter}"
        if name in seen and (v.label or not v.is_leaf):
            seen[name] += 1
            name = f"{name}#{seen[name]}"
        else:
            seen.setdefault(name, 1)
        names[v] = name
    return names
