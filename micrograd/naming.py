"""Stable names for the nodes of a graph, shared by the renderer and ``explain``."""

from __future__ import annotations

from typing import Any

from .engine import topological_order

__all__ = ["node_names", "format_number"]


def format_number(x: float, precision: int = 4) -> str:
    """A number as a person writes it: ``-12``, ``0.7311``, ``inf``, ``nan``."""
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.{precision}g}" if abs(x) >= 1e4 or abs(x) < 1e-3 else f"{x:.{precision}f}".rstrip("0").rstrip(".")


def node_names(root: Any) -> dict[Any, str]:
    """A name for every node ``root`` depends on.

    A labelled node is named by its label; an unlabelled leaf (a constant) by its
    number; any other node ``n1``, ``n2``, … in topological order (parents first), so
    the same graph always gets the same names. Repeated labels get a suffix ``#2``.
    """
    names: dict[Any, str] = {}
    seen: dict[str, int] = {}
    counter = 0
    for v in topological_order(root):
        if v.label:
            name = str(v.label)
        elif not v._prev and isinstance(v.data, float):
            name = format_number(v.data)
        else:
            counter += 1
            name = f"n{counter}"
        if name in seen and (v.label or v._prev):
            seen[name] += 1
            name = f"{name}#{seen[name]}"
        else:
            seen.setdefault(name, 1)
        names[v] = name
    return names
