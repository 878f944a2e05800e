"""The graph ``root`` depends on, and its backward pass, as a NetworkX graph: ``micrograd.to_networkx(f)``.

networkx is optional: it is imported when called (``pip install networkx``). The attributes are
those of the trace's dict (:mod:`micrograd.graph.data`), its numbers back as floats and arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core import BackwardTrace, Node, backward_trace
from .data import from_number, trace_dict

__all__ = ["to_networkx"]


def to_networkx(root_or_trace: Any, names: Mapping[Any, str] | None = None) -> Any:
    """The graph ``root`` depends on as a ``networkx.MultiDiGraph`` (a ``DiGraph``), with its backward pass.

    Nodes are keyed by their ids, with the attributes of :func:`trace_dict`'s nodes (``name``,
    ``label``, ``op``, ``data``, ``grad``, ...: numbers as numbers, arrays as numpy arrays); an edge
    runs from each parent to the node that uses it (the way values flow), keyed by the argument's
    ``index`` (an input used twice is two edges), with ``upstream``, ``local`` and ``contribution``
    of the wire that carries gradient back along it (None on an edge into a constant). The graph's
    attributes: ``schema``, ``engine``, ``output``, ``seed``. Takes a node (its backward pass seeded
    with 1; no ``.grad`` is written) or a :class:`~micrograd.core.BackwardTrace` (another seed).
    """
    if isinstance(root_or_trace, BackwardTrace):
        trace = root_or_trace
    elif isinstance(root_or_trace, Node):
        trace = backward_trace(root_or_trace)
    else:
        raise TypeError(f"to_networkx() takes a graph node or a BackwardTrace, got {type(root_or_trace).__name__}")
    try:
        import networkx as nx
    except ImportError:
        raise ImportError("micrograd.to_networkx needs networkx: pip install networkx") from None
    data = trace_dict(trace, names)
    graph = nx.MultiDiGraph(schema=data["schema"], engine=data["engine"], output=data["output"])
    graph.graph["seed"] = from_number(data["seed"])
    for node in data["nodes"]:
        attributes = {k: v for k, v in node.items() if k not in ("id", "parents")}
        attributes["data"], attributes["grad"] = from_number(node["data"]), from_number(node["grad"])
        graph.add_node(node["id"], **attributes)
    wires = {(w["from"], w["index"]): w for w in data["wires"]}
    for node in data["nodes"]:
        for index, parent in enumerate(node["parents"]):
            wire = wires.get((node["id"], index), {})
            numbers = {k: from_number(wire.get(k)) for k in ("upstream", "local", "contribution")}
            graph.add_edge(parent, node["id"], key=index, index=index, **numbers)
    return graph
