"""Graphs as data: a backward pass as a plain dict (JSON); as a NetworkX graph: :mod:`micrograd.graph.networks`.

``backward_trace(f).to_dict()`` is the whole pass, every number in it, in types JSON has:

.. code-block:: text

    {"schema": "micrograd.trace/1",
     "engine": "scalar" | "tensor",
     "output": "v4",                      # the id of the node the pass starts from
     "seed": 1.0,                         # the gradient it starts with
     "nodes": [{"id": "v0", "name": "a", "label": "a", "op": "", "data": 2.0, "grad": -3.0,
                "scope": null, "parents": [], "is_leaf": true, "requires_grad": true}, ...],
     "wires": [{"from": "v4", "to": "v2", "index": 0,
                "upstream": 1.0, "local": -3.0, "contribution": -3.0}, ...]}

- ``nodes``: every node the output depends on, in the order the expression reads (parents
  first, in argument order); ``id`` is ``v`` and that position, the same id the pictures give
  the node (:meth:`Diagram.to_json`); ``name`` is the pictures' name (the label, else ``a``,
  ``b``, ... for inputs, ``n1``, ``n2``, ... for the rest, ``[2]`` for a constant); ``op`` is the
  op's name (``""`` for a leaf); ``parents`` their ids in argument order (an input used twice
  is listed twice); ``grad`` d(output)/d(node) × seed, null where no gradient arrives (a constant).
- ``wires``: every wire of the backward pass, in the order the chain rule applies them: from
  the node whose rule runs to its ``index``-th parent, ``contribution = upstream × local``
  (``local`` is ∂node/∂parent; null on Tensors, where it is a Jacobian). A node's ``grad`` is
  the sum of the contributions of the wires ``to`` it.

Numbers are JSON numbers, except the three JSON has none for: ``"nan"``, ``"inf"``, ``"-inf"``
(strings). A Tensor's data, gradient or contribution is ``{"shape": [2, 3], "data": [[...], [...]]}``,
the numbers nested as numpy's ``tolist()`` writes them. The JSON Schema is :data:`SCHEMA`
(``python -m micrograd.graph.data`` prints it).

The names come from :mod:`micrograd.drawing.names` (imported when a dict is made: the one place
the core's data reads the pictures' naming, so both give a node the same name; that module needs
only the walks of :mod:`micrograd.graph.order` and the number formatter, no import goes round).
This module imports nothing of the core: :meth:`BackwardTrace.to_dict` imports it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from .order import reading_order

__all__ = ["SCHEMA", "SCHEMA_ID", "trace_dict", "trace_json", "node_ids", "number", "from_number"]

SCHEMA_ID = "micrograd.trace/1"
_SPECIAL = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def node_ids(root: Any) -> dict[Any, str]:
    """The id of every node ``root`` depends on: ``v`` and its place in reading order (the pictures' DOT ids)."""
    return {v: f"v{k}" for k, v in enumerate(reading_order(root))}


def _float(x: float) -> float | str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def _nested(x: Any) -> Any:
    if isinstance(x, list):
        return [_nested(e) for e in x]
    return _float(float(x))


def number(x: Any) -> Any:
    """A node's number as JSON has it: a float (``"nan"``, ``"inf"``, ``"-inf"`` as strings), an
    array as ``{"shape": [...], "data": nested lists}``, None as None."""
    if x is None:
        return None
    if isinstance(x, (bool, int, float)):
        return _float(float(x))
    shape = getattr(x, "shape", None)
    if shape is None:
        raise TypeError(f"cannot write a {type(x).__name__} as a number: {x!r:.60}")
    return {"shape": [int(n) for n in shape], "data": _nested(x.tolist())}


def from_number(x: Any) -> Any:
    """The inverse of :func:`number`: a float, or a numpy array for ``{"shape", "data"}``."""
    if x is None:
        return None
    if isinstance(x, str):
        if x not in _SPECIAL:
            raise ValueError(f"a number in a trace is a JSON number or 'nan', 'inf', '-inf', got {x!r:.60}")
        return _SPECIAL[x]
    if isinstance(x, dict):
        import numpy as np

        data = _decoded(x["data"])
        return np.array(data, dtype=float).reshape(x["shape"])
    return float(x)


def _decoded(x: Any) -> Any:
    if isinstance(x, list):
        return [_decoded(e) for e in x]
    return from_number(x)


def trace_dict(trace: Any, names: Mapping[Any, str] | None = None) -> dict[str, Any]:
    """The backward pass ``trace`` (a :class:`~micrograd.core.BackwardTrace`) as a dict of JSON's types.

    The schema: the module's docstring, :data:`SCHEMA`.

    ``names``: node -> name, over labels and the automatic names (as ``draw(names=...)``).
    """
    from ..drawing.names import node_names

    root = trace.root
    order = reading_order(root)
    ids = {v: f"v{k}" for k, v in enumerate(order)}
    shown = node_names(root, names, order)
    nodes = [
        {
            "id": ids[v],
            "name": shown[v],
            "label": str(v.label),
            "op": v.op,
            "data": number(v.data),
            "grad": number(trace.grad(v)),
            "scope": v.scope,
            "parents": [ids[p] for p in v.parents],
            "is_leaf": v.is_leaf,
            "requires_grad": bool(v.requires_grad),
        }
        for v in order
    ]
    wires = [
        {
            "from": ids[w.node],
            "to": ids[w.parent],
            "index": w.index,
            "upstream": number(w.upstream),
            "local": number(w.local),
            "contribution": number(w.contribution),
        }
        for w in trace.wires
    ]
    return {
        "schema": SCHEMA_ID,
        "engine": "scalar" if root._unit is not None else "tensor",
        "output": ids[root],
        "seed": number(trace.seed),
        "nodes": nodes,
        "wires": wires,
    }


def trace_json(trace: Any, names: Mapping[Any, str] | None = None, indent: int | None = None) -> str:
    """:func:`trace_dict` as JSON text (strict JSON: no ``NaN`` or ``Infinity``; ``json.loads`` gives the dict back)."""
    return json.dumps(trace_dict(trace, names), indent=indent, ensure_ascii=False, allow_nan=False)


_NUMBER: dict[str, Any] = {
    "description": "a float (nan, inf, -inf as strings), or an array: its shape and nested data",
    "oneOf": [
        {"type": "number"},
        {"enum": ["nan", "inf", "-inf"]},
        {
            "type": "object",
            "required": ["shape", "data"],
            "additionalProperties": False,
            "properties": {
                "shape": {"type": "array", "items": {"type": "integer", "minimum": 0}},
                "data": {"$ref": "#/$defs/nested"},
            },
        },
    ],
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "micrograd backward trace",
    "description": "A backward pass: every node with its value and gradient, every wire with upstream × local "
    "= contribution (micrograd.backward_trace(f).to_dict()).",
    "type": "object",
    "required": ["schema", "engine", "output", "seed", "nodes", "wires"],
    "additionalProperties": False,
    "properties": {
        "schema": {"const": SCHEMA_ID},
        "engine": {"enum": ["scalar", "tensor"]},
        "output": {"$ref": "#/$defs/id", "description": "the node the backward pass starts from"},
        "seed": {"$ref": "#/$defs/number", "description": "the output's own gradient (1 by default)"},
        "nodes": {
            "type": "array",
            "description": "every node the output depends on, in reading order (parents first)",
            "items": {
                "type": "object",
                "required": [
                    "id",
                    "name",
                    "label",
                    "op",
                    "data",
                    "grad",
                    "scope",
                    "parents",
                    "is_leaf",
                    "requires_grad",
                ],
                "additionalProperties": False,
                "properties": {
                    "id": {"$ref": "#/$defs/id"},
                    "name": {"type": "string", "description": "as the pictures name it"},
                    "label": {"type": "string", "description": "the user's label ('' if none)"},
                    "op": {"type": "string", "description": "the op that made it ('' for a leaf)"},
                    "data": {"$ref": "#/$defs/number"},
                    "grad": {"$ref": "#/$defs/maybe", "description": "d(output)/d(node) × seed; null: none arrives"},
                    "scope": {"type": ["string", "null"], "description": "micrograd.scope's path, or null"},
                    "parents": {"type": "array", "items": {"$ref": "#/$defs/id"}},
                    "is_leaf": {"type": "boolean"},
                    "requires_grad": {"type": "boolean"},
                },
            },
        },
        "wires": {
            "type": "array",
            "description": "the chain rule's wires in the order it applies them: gradient flows from -> to",
            "items": {
                "type": "object",
                "required": ["from", "to", "index", "upstream", "local", "contribution"],
                "additionalProperties": False,
                "properties": {
                    "from": {"$ref": "#/$defs/id", "description": "the node whose rule runs"},
                    "to": {"$ref": "#/$defs/id", "description": "its parent number index"},
                    "index": {"type": "integer", "minimum": 0},
                    "upstream": {"$ref": "#/$defs/number", "description": "d(output)/d(from)"},
                    "local": {"$ref": "#/$defs/maybe", "description": "∂from/∂to (null on Tensors)"},
                    "contribution": {"$ref": "#/$defs/number", "description": "upstream × local"},
                },
            },
        },
    },
    "$defs": {
        "id": {"type": "string", "pattern": "^v[0-9]+$"},
        "number": _NUMBER,
        "maybe": {"oneOf": [{"type": "null"}, {"$ref": "#/$defs/number"}]},
        "nested": {
            "oneOf": [
                {"type": "number"},
                {"enum": ["nan", "inf", "-inf"]},
                {"type": "array", "items": {"$ref": "#/$defs/nested"}},
            ]
        },
    },
}

if __name__ == "__main__":  # python -m micrograd.graph.data: the JSON Schema
    print(json.dumps(SCHEMA, indent=2, ensure_ascii=False))
