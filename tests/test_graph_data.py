"""Graphs as data: the backward trace as a dict and JSON (with its schema), as NetworkX, and a picture's layout."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import svgtools
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd
from micrograd import Tensor, Value, backward_trace
from micrograd.graph.data import SCHEMA, from_number

DOCS = Path(__file__).resolve().parent.parent / "docs"

# an independent forward pass: each op as math computes it
FORWARD = {
    "+": lambda a, b: a + b,
    "*": lambda a, b: a * b,
    "-": lambda a, b: a - b,
    "tanh": math.tanh,
    "exp": math.exp,
    "ReLU": lambda a: max(a, 0.0),
}


@st.composite
def graphs(draw: Any) -> Value:
    """A random small scalar graph: inputs used more than once, constants, forks."""
    n = draw(st.integers(1, 4))
    nodes: list[Value] = [Value(draw(st.floats(-2, 2)), label=f"x{k}") for k in range(n)]
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(sorted(FORWARD)))
        a = draw(st.sampled_from(nodes))
        if op in ("tanh", "exp", "ReLU"):
            out = getattr(a, op.lower() if op != "ReLU" else "relu")()
        else:
            b = draw(st.one_of(st.sampled_from(nodes), st.floats(-2, 2).map(float)))
            out = {"+": a + b, "*": a * b, "-": a - b}[op]
        nodes.append(out)
    return nodes[-1]


def validate(data: dict[str, Any]) -> None:
    import jsonschema

    jsonschema.Draft202012Validator(SCHEMA).validate(data)


@settings(max_examples=60, deadline=None)
@given(graphs())
def test_a_random_graph_round_trips_through_json_and_its_numbers_add_up(f: Value) -> None:
    trace = backward_trace(f)
    data = trace.to_dict()
    assert json.loads(trace.to_json()) == data  # the round trip
    validate(data)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert data["output"] == data["nodes"][-1]["id"]
    for n in data["nodes"]:  # each value recomputed from its op and its parents' values
        if n["op"]:
            args = [from_number(nodes[p]["data"]) for p in n["parents"]]
            assert math.isclose(FORWARD[n["op"]](*args), from_number(n["data"]), rel_tol=1e-12, abs_tol=1e-300)
    sums: dict[str, float] = {}
    for w in data["wires"]:  # contribution = upstream × local; the upstream is the gradient of where it comes from
        upstream, local = from_number(w["upstream"]), from_number(w["local"])
        assert from_number(w["contribution"]) == pytest.approx(upstream * local, rel=1e-12, abs=1e-300)
        assert upstream == from_number(nodes[w["from"]]["grad"])
        assert nodes[w["from"]]["parents"][w["index"]] == w["to"]
        sums[w["to"]] = sums.get(w["to"], 0.0) + from_number(w["contribution"])
    for node_id, total in sums.items():  # a node's gradient is the sum of the contributions of the wires into it
        assert from_number(nodes[node_id]["grad"]) == pytest.approx(total, rel=1e-12, abs=1e-12)
    f.backward()  # and it is the gradient backward() leaves
    from micrograd.graph.data import node_ids

    for v, node_id in node_ids(f).items():
        if v.requires_grad:
            assert from_number(nodes[node_id]["grad"]) == v.grad


def test_the_lecture_example_as_data() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    f = c + a
    data = backward_trace(f).to_dict()
    assert [(n["id"], n["name"], n["op"], n["data"], n["parents"]) for n in data["nodes"]] == [
        ("v0", "a", "", 2.0, []),
        ("v1", "b", "", -3.0, []),
        ("v2", "c", "*", -6.0, ["v0", "v1"]),
        ("v3", "n1", "+", -4.0, ["v2", "v0"]),
    ]
    grads = {n["name"]: n["grad"] for n in data["nodes"]}
    assert grads == {"a": -3.0 + 1.0, "b": 2.0, "c": 1.0, "n1": 1.0}  # df/da = b + 1 (two uses), df/db = a
    into_a = [w for w in data["wires"] if w["to"] == "v0"]
    assert sorted(w["contribution"] for w in into_a) == [-3.0, 1.0]  # the fork: one contribution per use


def test_nan_and_inf_are_strings_and_the_json_is_strict() -> None:
    x = Value(0.0, label="x")
    f = x.log() * Value(-1.0, label="k") + (x - x) / x  # -inf · -1 = inf; 0/0 = nan
    data = backward_trace(f).to_dict()
    text = backward_trace(f).to_json()
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text, parse_constant=lambda c: pytest.fail(f"not strict JSON: {c}"))
    values = {n["name"]: n["data"] for n in data["nodes"]}
    assert values["n1"] == "-inf" and values["n2"] == "inf" and values[data["nodes"][-1]["name"]] == "nan"
    validate(data)
    assert math.isnan(from_number("nan")) and from_number("-inf") == -math.inf
    with pytest.raises(ValueError, match="'nan', 'inf', '-inf'"):
        from_number("NaN")


def test_a_tensor_graph_as_data_has_shapes_and_nested_lists() -> None:
    x = Tensor([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]], label="x")
    w = Tensor([[0.1], [0.2], [-0.3]], label="w")
    loss = (x @ w).tanh().sum()
    data = backward_trace(loss).to_dict()
    validate(data)
    assert json.loads(json.dumps(data)) == data
    assert data["engine"] == "tensor"
    nodes = {n["name"]: n for n in data["nodes"]}
    assert nodes["x"]["data"] == {"shape": [2, 3], "data": x.data.tolist()}
    assert all(w["local"] is None for w in data["wires"])  # a Jacobian: not written
    loss.backward()
    for name, t in (("x", x), ("w", w)):
        np.testing.assert_array_equal(from_number(nodes[name]["grad"]), t.grad)
        assert nodes[name]["grad"]["shape"] == list(t.grad.shape)
    total = sum(from_number(wire["contribution"]) for wire in data["wires"] if wire["to"] == nodes["w"]["id"])
    np.testing.assert_allclose(total, w.grad)


def test_scopes_labels_and_a_seed_are_kept() -> None:
    with micrograd.scope("layer0"):
        a = Value(1.5, label="a")
        f = (a * a).tanh()
    data = backward_trace(f, 2.0).to_dict(names={f: "y"})
    assert data["seed"] == 2.0
    assert [n["scope"] for n in data["nodes"]] == [None, "layer0", "layer0"]  # the leaf was made, not computed, inside
    assert data["nodes"][-1]["name"] == "y" and data["nodes"][-1]["label"] == ""
    assert data["nodes"][1]["parents"] == ["v0", "v0"]
    assert data["nodes"][0]["grad"] == pytest.approx(2.0 * (1 - math.tanh(2.25) ** 2) * 2 * 1.5)


def test_the_schema_in_the_docs_is_the_schema_the_code_holds_to() -> None:
    assert json.loads((DOCS / "trace.schema.json").read_text(encoding="utf-8")) == SCHEMA
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    bad = backward_trace(Value(1.0) * 2).to_dict()
    bad["nodes"][0]["data"] = "NaN"
    with pytest.raises(jsonschema.ValidationError):
        validate(bad)


def test_to_networkx_holds_the_graph_and_its_backward_pass() -> None:
    import networkx as nx

    x, y = Value(3.0, label="x"), Value(-1.0, label="y")
    f = x * x + x * y
    g = micrograd.to_networkx(f)
    assert isinstance(g, nx.DiGraph)
    data = backward_trace(f).to_dict()
    assert sorted(g.nodes) == sorted(n["id"] for n in data["nodes"])
    assert g.graph["output"] == data["output"] and g.graph["seed"] == 1.0
    square = next(n["id"] for n in data["nodes"] if n["parents"] == ["v0", "v0"])
    assert g.number_of_edges("v0", square) == 2  # x used twice: two edges, keyed by the argument
    assert list(nx.topological_sort(g))[-1] == data["output"]
    f.backward()
    assert g.nodes["v0"]["grad"] == x.grad == 2 * 3.0 + -1.0
    into_x = sum(d["contribution"] for _, _, d in g.out_edges("v0", data=True))
    assert into_x == x.grad
    for _, _, k, d in g.edges(keys=True, data=True):
        assert d["contribution"] == pytest.approx(d["upstream"] * d["local"])
        assert d["index"] == k


def test_to_networkx_without_networkx_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "networkx", None)
    with pytest.raises(ImportError, match="pip install networkx"):
        micrograd.to_networkx(Value(1.0) * 2)
    with pytest.raises(TypeError, match="a graph node or a BackwardTrace"):
        micrograd.to_networkx(3.0)


# ---------------------------------------------------------------- a picture's layout


def _texts_at(svg: str) -> dict[str, list[tuple[str, float, float]]]:
    """Each SVG group's texts with their positions in the viewBox's coordinates (the graph group's translate)."""
    top = svgtools.root(svg)
    graph = next(g for g in top.iter(f"{svgtools.SVG}g") if g.get("id") == "graph0")
    tx, ty = (float(n) for n in graph.get("transform", "").split("translate(")[1].rstrip(")").split())
    out: dict[str, list[tuple[str, float, float]]] = {}
    for g in graph.iter(f"{svgtools.SVG}g"):
        texts = [t for t in g.iter(f"{svgtools.SVG}text") if (t.text or "").strip()]
        out[g.get("id", "")] = [(t.text or "", float(t.get("x", 0)) + tx, float(t.get("y", 0)) + ty) for t in texts]
    return out


def _inside(x: float, y: float, box: dict[str, float], slack: float = 1.0) -> bool:
    return abs(x - box["x"]) <= box["width"] / 2 + slack and abs(y - box["y"]) <= box["height"] / 2 + slack


def _near(point: list[float], box: dict[str, float], slack: float = 3.0) -> bool:
    return _inside(point[0], point[1], box, slack)


def _check_layout(d: Any, f: Any, style: str) -> dict[str, Any]:
    layout = d.layout()
    assert json.loads(d.to_json()) == layout
    assert layout["schema"] == "micrograd.layout/1" and layout["style"] == style and layout["units"] == "pt"
    trace = backward_trace(f, f.grad).to_dict()
    names = {n["id"]: n["name"] for n in trace["nodes"]}
    shown = {n["id"] for n in trace["nodes"] if n["requires_grad"] or n["label"]}  # constants sit in their gates
    nodes = {n["id"]: n for n in layout["nodes"]}
    assert {n["node"] for n in layout["nodes"] if n["node"]} == shown  # every node drawn, by the trace's ids
    texts = _texts_at(d.svg())
    for n in layout["nodes"]:  # every text of an element lies inside the box the layout gives it
        assert n["id"] in texts, n["id"]
        for text, x, y in texts[n["id"]]:
            assert _inside(x, y, n), (n["id"], text, n)
            if n["fields"]:  # and inside one of its fields
                assert any(_inside(x, y, field, 0.5) for field in n["fields"]), (n["id"], text)
        if n["kind"] in ("leaf", "box"):  # a leaf's name, a record's first field: the trace's name of it
            assert texts[n["id"]][0][0] == names[n["node"]]
    for e in layout["edges"]:  # a wire runs from its tail's box to its head's
        assert len(e["points"]) % 3 == 1
        assert _near(e["points"][0], nodes[e["tail"]]), e
        assert _near(e["arrow"] or e["points"][-1], nodes[e["head"]]), e
        for x, y in e["points"]:
            assert 0 <= x <= layout["width"] and 0 <= y <= layout["height"]
    return layout


def test_a_circuit_s_layout_overlays_its_svg_by_the_trace_s_ids() -> None:
    x, y = Value(2.0, label="x"), Value(-3.0, label="y")
    f = (x * y + x).tanh() * 2
    f.backward()
    layout = _check_layout(micrograd.draw(f, style="circuit", rankdir="LR"), f, "circuit")
    trace = backward_trace(f).to_dict()
    drawn = {(n["wire"]["from"], n["wire"]["index"]) for n in layout["nodes"] if n["wire"]}
    assert drawn == {(w["from"], w["index"]) for w in trace["wires"]}  # each wire of the pass, its own record
    for n in layout["nodes"]:
        if n["wire"]:  # a wire's record carries the value of the trace's parent of that wire
            wire = next(w for w in trace["wires"] if (w["from"], w["index"]) == (n["wire"]["from"], n["wire"]["index"]))
            assert n["node"] == wire["to"]
            assert len(n["fields"]) == 2  # value above, gradient below
            assert n["fields"][0]["y"] < n["fields"][1]["y"]


def test_a_record_picture_of_tensors_and_a_top_to_bottom_one_lay_out_too() -> None:
    x = Tensor([[1.0, -2.0], [0.5, 3.0]], label="x")
    w = Tensor([[0.1], [-0.2]], label="w")
    f = (x @ w).relu().sum()
    f.backward()
    layout = _check_layout(micrograd.draw(f, style="record", rankdir="LR"), f, "record")
    ops = [n for n in layout["nodes"] if n["kind"] == "op"]
    assert {n["node"] for n in ops} == {n["id"] for n in backward_trace(f).to_dict()["nodes"] if n["op"]}
    a = Value(1.0, label="a")
    g = a * a + a
    g.backward()
    tall = _check_layout(micrograd.draw(g, style="circuit", rankdir="TB"), g, "circuit")
    assert tall["rankdir"] == "TB"
    leaf = next(n for n in tall["nodes"] if n["id"] == "v0")
    out = max(tall["nodes"], key=lambda n: n["y"])
    assert leaf["y"] < out["y"]  # top to bottom: the input above the output
