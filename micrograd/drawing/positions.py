"""A picture's layout as data, for people who draw their own: where Graphviz put every node and wire.

``draw(f).to_json()`` (:meth:`Diagram.to_json`) lays the picture out and returns, as JSON text
(:func:`layout_dict` the dict):

.. code-block:: text

    {"schema": "micrograd.layout/1", "style": "circuit", "rankdir": "LR", "units": "pt",
     "width": 536.0, "height": 97.0,
     "nodes": [{"id": "v0", "kind": "leaf", "node": "v0", "wire": null,
                "x": 39.7, "y": 32.3, "width": 20.1, "height": 18.0, "fields": []}, ...],
     "edges": [{"id": "e0", "tail": "v0", "head": "sv0",
                "points": [[59.8, 32.3], ...], "arrow": null}, ...]}

Coordinates are the SVG's (its ``viewBox``, in points: 1/72 inch): the origin at the top left,
``y`` downwards, Graphviz's margin of 4 points included, so they overlay :meth:`Diagram.svg`.
A node is its box: the centre ``x``, ``y`` and its ``width`` and ``height``; a record's
``fields`` are the boxes of its fields in the order Graphviz writes them (a circuit's wire:
value, then gradient). An edge is a cubic B-spline, Graphviz's: ``points`` are its control
points (1 + 3k of them), from ``tail`` to ``head``, and ``arrow`` the tip of its arrowhead, if it
has one.

Every element says what it draws, by the ids of the trace's dict
(:meth:`~micrograd.core.BackwardTrace.to_dict`, :mod:`micrograd.graph.data`): ``node`` is the id
of the graph node it shows (a leaf, a gate, a record, the op of a record, a value's stem, the
output's wire), and a wire's record also names the ``wire`` it carries, ``{"from", "index"}``
(the trace's wire from that gate back to its ``index``-th argument). Elements that stand for no
one node (a collapsed picture's boxes, the end of the output) have ``node`` null. ``kind`` is
what the picture's styling calls them: ``leaf``, ``gate``, ``wire``, ``box``, ``op``, ``end``,
``scope``, ... The layout is Graphviz's ``json0`` output, from either engine (system ``dot`` or
the WebAssembly build).
"""

from __future__ import annotations

import json
import re
from typing import Any

from .picture import Picture

__all__ = ["LAYOUT_SCHEMA_ID", "layout_dict", "from_graphviz"]

LAYOUT_SCHEMA_ID = "micrograd.layout/1"
PAD = 4.0  # points: Graphviz's margin around the drawing (its default ``pad``), inside the SVG's viewBox
POINTS_PER_INCH = 72.0
_WIRE = re.compile(r"w(v\d+)_(v\d+)_(\d+)")
_OWNED = re.compile(r"s?(v\d+)")  # a graph node, or the stem of a value used twice
_OP = re.compile(r"o(\d+)")  # the op of a record (record style): of the node v and that number


def layout_dict(picture: Picture, style: str, layout: bytes | str) -> dict[str, Any]:
    """The layout of ``picture`` (drawn in ``style``) from Graphviz's ``json0`` output ``layout``."""
    graph = json.loads(layout)
    return from_graphviz(picture, style, graph)


def from_graphviz(picture: Picture, style: str, graph: dict[str, Any]) -> dict[str, Any]:
    """The layout dict (the module's docstring) from Graphviz's ``json0`` layout ``graph`` of ``picture``."""
    x0, y0, x1, y1 = _floats(graph["bb"])
    top = y1 + PAD  # Graphviz's y runs upwards from the bottom; the SVG's downwards from the top

    def point(x: float, y: float) -> list[float]:
        return [_round(x - x0 + PAD), _round(top - y)]

    drawn = set(picture.ids.values())
    objects = graph.get("objects", [])
    nodes, names = [], {}
    for obj in objects:
        name = obj.get("name")
        names[obj.get("_gvid")] = name
        if "pos" not in obj or name not in picture.roles:  # a cluster, or an invisible helper node
            continue
        x, y = _floats(obj["pos"])
        fields = [_box(point, rect) for rect in obj.get("rects", "").split()]
        nodes.append(
            {
                "id": name,
                "kind": picture.roles[name].kind,
                "node": _owner(name, drawn, picture.edges),
                "wire": _wire(name, drawn),
                "x": point(x, y)[0],
                "y": point(x, y)[1],
                "width": _round(float(obj["width"]) * POINTS_PER_INCH),
                "height": _round(float(obj["height"]) * POINTS_PER_INCH),
                "fields": fields,
            }
        )
    edges = []
    for edge in graph.get("edges", []):
        eid = edge.get("id", "")
        if eid not in picture.roles or "pos" not in edge:  # invisible: the reading order's helpers
            continue
        points, arrow = _spline(edge["pos"], point)
        edges.append(
            {"id": eid, "tail": names[edge["tail"]], "head": names[edge["head"]], "points": points, "arrow": arrow}
        )
    return {
        "schema": LAYOUT_SCHEMA_ID,
        "style": style,
        "rankdir": picture.rankdir,
        "units": "pt",
        "width": _round(x1 - x0 + 2 * PAD),
        "height": _round(y1 - y0 + 2 * PAD),
        "nodes": nodes,
        "edges": edges,
    }


def _owner(name: str, drawn: set[str], edges: list[tuple[str, str]]) -> str | None:
    """The id of the graph node a DOT element shows, or None."""
    wire = _WIRE.fullmatch(name)
    if wire:
        return wire.group(1)
    owned, op = _OWNED.fullmatch(name), _OP.fullmatch(name)
    node = owned.group(1) if owned else f"v{op.group(1)}" if op else None
    if node in drawn:
        return node
    if name == "out":  # the output's wire: what its edge comes from shows the output
        tail = next((a for a, b in edges if b == "out"), None)
        return None if tail is None else _owner(tail, drawn, edges)
    return None


def _wire(name: str, drawn: set[str]) -> dict[str, Any] | None:
    """The trace's wire a wire's record carries: from the gate ``from`` back to its argument ``index``."""
    wire = _WIRE.fullmatch(name)
    if wire is None or wire.group(2) not in drawn:
        return None
    return {"from": wire.group(2), "index": int(wire.group(3))}


def _spline(pos: str, point: Any) -> tuple[list[list[float]], list[float] | None]:
    """Graphviz's ``pos`` of an edge, ``[e,x,y] [s,x,y] x,y x,y ...``: its control points and the arrow's tip."""
    points, arrow = [], None
    for part in pos.split(";")[0].split():  # several splines (concentrate=true): the first
        if part.startswith("e,"):
            arrow = point(*_floats(part[2:]))
        elif part.startswith("s,"):
            continue  # the start of an arrow at the tail: none of micrograd's edges has one
        else:
            points.append(point(*_floats(part)))
    return points, arrow


def _box(point: Any, rect: str) -> dict[str, float]:
    x0, y0, x1, y1 = _floats(rect)
    left, top = point(x0, y1)
    return {
        "x": _round(left + (x1 - x0) / 2),
        "y": _round(top + (y1 - y0) / 2),
        "width": _round(x1 - x0),
        "height": _round(y1 - y0),
    }


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(n) for n in text.split(","))


def _round(x: float) -> float:
    return round(x, 3)
