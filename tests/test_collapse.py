"""Collapsed pictures (``draw(root, collapse=..., expand=...)``): each scope one box, the wires that cross its
outline bundled, their numbers the backward pass's own."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest
from gptlike import gpt_step
from svgtools import SVG, role_elements, root

import micrograd
from micrograd import Value, draw, scope
from micrograd.core import topological_order
from micrograd.drawing.collapse import collapse_graph, matches
from micrograd.drawing.diagram import graph
from micrograd.drawing.errors import GraphTooLarge
from micrograd.drawing.numbers import format_number
from micrograd.gallery import fork_xy, lecture_circuits


def _box_titles(svg: str) -> list[str]:
    """The first line of every box: its scope's path (or a parameter matrix's stem)."""
    return sorted(texts[0][1] for _, texts in role_elements(svg, "scope"))


def _wire(svg: str, start: str) -> dict[str, str]:
    """The numbers of the one wire whose tooltip starts with ``start``: {"value": ..., "grad": ...}."""
    found = [dict(texts) for tip, texts in role_elements(svg, "wire") if tip.startswith(start)]
    assert len(found) == 1, (start, [tip for tip, _ in role_elements(svg, "wire")])
    return found[0]


def _model() -> Value:
    """Two top-level scopes with scopes inside; ``x`` used inside ``enc`` twice and outside once."""
    x, y = Value(0.7, label="x"), Value(-1.3, label="y")
    with scope("enc"):
        with scope("mix"):
            h = x * y + x  # x used twice in here
        with scope("act"):
            a = h.tanh()
        e = a * 2.0
    with scope("dec"):
        with scope("out"):
            d = (e * e).exp()
    f = d + x
    f.label = "f"
    f.backward()
    return f


def _twin() -> tuple[Value, Value]:
    """The same function as :func:`_model` with the ``x`` used inside ``enc`` a leaf of its own: its gradient
    is what ``x`` gets back through the box ``enc`` (independent truth for the bundled wire)."""
    x, x_in, y = Value(0.7), Value(0.7), Value(-1.3)
    h = x_in * y + x_in
    d = ((h.tanh() * 2.0) ** 2).exp()
    (d + x).backward()
    return x_in, y


# ---------------------------------------------------------------- which boxes


def test_collapse_true_draws_each_top_level_scope_as_one_box() -> None:
    f = _model()
    svg = draw(f, collapse=True).svg()
    assert _box_titles(svg) == ["dec", "enc"]
    counts = {texts[0][1]: texts[1][1] for _, texts in role_elements(svg, "scope")}
    inside = {"enc": 0, "dec": 0}
    for v in topological_order(f):
        if v.scope and not (v.is_leaf and not v.requires_grad):
            inside[v.scope.split("/")[0]] += 1
    assert counts == {k: f"{n} nodes" for k, n in inside.items()}


def test_a_depth_boxes_the_scopes_that_deep_and_opens_the_shallower() -> None:
    f = _model()
    svg = draw(f, collapse=2).svg()
    assert _box_titles(svg) == ["dec/out", "enc/act", "enc/mix"]
    gates = [texts[0][1] for _, texts in role_elements(svg, "gate")]
    assert "×2" in gates  # e = a * 2, directly in enc: drawn as itself


def test_names_box_the_scopes_they_name() -> None:
    f = _model()
    assert _box_titles(draw(f, collapse="act").svg()) == ["enc/act"]
    assert _box_titles(draw(f, collapse=["m*", "dec"]).svg()) == ["dec", "enc/mix"]
    assert _box_titles(draw(f, collapse="enc/*").svg()) == ["enc/act", "enc/mix"]


def test_expand_opens_a_scope_its_children_and_the_rest_of_its_ancestors_stay_boxes() -> None:
    f = _model()
    g = graph(f, 1000, collapse=True, expand="mix")
    c = g.collapsed
    assert sorted((b.path, b.kind) for b in c.boxes) == [
        ("dec", "scope"),
        ("enc", "rest"),
        ("enc/act", "scope"),
    ]
    opened = {v.scope for v in c.open if v.scope}
    assert opened == {"enc/mix"}
    assert len([v for v in c.open if v.scope]) == 2  # x * y and + x
    svg = draw(f, collapse=True, expand="mix").svg()
    assert _box_titles(svg) == ["dec", "enc (the rest)", "enc/act"]


def test_patterns_match_the_end_of_a_path_name_by_name() -> None:
    assert matches("head*", "pos3/layer0/attn/head2")
    assert matches("attn/head2", "pos3/layer0/attn/head2")
    assert matches("pos3/layer0/attn/head2", "pos3/layer0/attn/head2")
    assert not matches("head*", "pos3/layer0/attn/head2/softmax")
    assert not matches("pos3", "pos3/layer0")
    assert not matches("a/pos3/layer0", "pos3/layer0")


def test_parameters_labelled_stem_index_are_gathered_by_stem() -> None:
    w = [[Value(0.1 * (i + j + 1), label=f"w[{i}][{j}]") for j in range(3)] for i in range(2)]
    b = Value(0.5, label="b[0]")  # a stem of one: drawn as itself
    x = [Value(1.0 + j, label=f"x{j}") for j in range(3)]
    with scope("layer"):
        out = micrograd.sum(wi * xi for row in w for wi, xi in zip(row, x, strict=True)) + b
    out.backward()
    svg = draw(out, collapse=True).svg()
    boxes = {texts[0][1]: dict(texts[1:]) for _, texts in role_elements(svg, "scope")}
    assert set(boxes) == {"w", "layer"}
    assert boxes["w"]["note"] == "6 values"
    norm = math.sqrt(sum(v.grad**2 for row in w for v in row))
    assert boxes["w"]["grad"] == f"||grad|| {format_number(norm)}"
    assert "b[0]" in [texts[0][1] for _, texts in role_elements(svg, "leaf")]


# ---------------------------------------------------------------- the numbers on the wires


def test_a_wire_into_a_box_carries_the_gradient_its_value_gets_back_through_the_box() -> None:
    f = _model()
    x, y = (v for v in topological_order(f) if v.label in ("x", "y"))
    x_in, y_twin = _twin()
    svg = draw(f, collapse=True).svg()
    into_enc = _wire(svg, "x → enc:")  # a branch of x's fork: its uses inside enc, summed
    assert into_enc["grad"] == format_number(x_in.grad)
    assert x_in.grad != x.grad  # x's other use, outside, is not in it
    stem = [dict(texts) for tip, texts in role_elements(svg, "wire") if tip.startswith("x = ")]
    assert stem == [{"value": format_number(x.data), "grad": format_number(x.grad)}]  # the sum of its branches
    y_wire = _wire(svg, "y → enc:")
    assert y_wire == {"value": format_number(y.data), "grad": format_number(y.grad)}
    assert y_wire["grad"] == format_number(y_twin.grad)


def test_a_wire_out_of_a_box_carries_its_output_and_the_gradient_it_gets_back() -> None:
    f = _model()
    e = next(v for v in topological_order(f) if v.scope == "enc" and v.op == "*")
    svg = draw(f, collapse=True).svg()
    wire = _wire(svg, "enc → dec:")
    assert wire == {"value": format_number(e.data), "grad": format_number(e.grad)}
    (enc,) = [texts for _, texts in role_elements(svg, "scope") if texts[0][1] == "enc"]
    assert dict(enc[1:]) == {"note": enc[1][1], "value": format_number(e.data), "grad": format_number(e.grad)}


def test_a_wire_of_many_values_says_how_many_and_the_size_of_their_gradients() -> None:
    xs = [Value(0.3 * k - 0.5, label=f"x{k}") for k in range(5)]
    with scope("a"):
        hs = [(x * 1.5).tanh() for x in xs]
    with scope("b"):
        out = micrograd.sum(h * h for h in hs)
    out.backward()
    svg = draw(out, collapse=True).svg()
    wire = _wire(svg, "a → b:")
    assert wire["value"] == "5 values"
    assert wire["grad"] == f"||grad|| {format_number(math.sqrt(sum(h.grad**2 for h in hs)))}"
    tip = next(tip for tip, _ in role_elements(svg, "wire") if tip.startswith("a → b:"))
    assert all(format_number(h.data) in tip for h in hs)


def test_a_node_used_twice_by_a_box_is_one_wire_whose_gradient_is_the_sum() -> None:
    x = Value(1.5, label="x")
    with scope("sq"):
        y = x * x
    y.backward()
    svg = draw(y, collapse=True).svg()
    assert _wire(svg, "x → sq:") == {"value": "1.5", "grad": format_number(x.grad)}
    assert x.grad == 3.0


def _table_rows(svg: str) -> list[list[tuple[str, str, float]]]:
    """The parameters table's rows below its title, top to bottom, as drawn: each (class, text, x) left to right."""
    (g,) = [g for g in root(svg).iter(f"{SVG}g") if g.get("data-role") == "scope" and "parameters," in _tip(g)]
    cells = [
        (float(t.get("y", 0)), float(t.get("x", 0)), (t.get("class") or "")[3:], t.text or "")
        for t in g.iter(f"{SVG}text")
    ]
    cells.sort()
    rows: list[list[tuple[str, str, float]]] = []
    last = None
    for y, x, kind, text in cells[1:]:  # below the title
        if last is None or abs(y - last) > 1:
            rows.append([])
        rows[-1].append((kind, text, x))
        last = y
    return rows


def _tip(g: ET.Element) -> str:
    title = g.find(f"{SVG}title")
    return (title.text or "") if title is not None else ""


def _table(svg: str) -> dict[str, tuple[str, str]]:
    """The parameters table's rows: stem -> (how many values, ||grad||), read row by row as drawn."""
    rows = _table_rows(svg)
    assert all([kind for kind, _, _ in row] == ["name", "note", "grad"] for row in rows)
    return {row[0][1]: (row[1][1], row[2][1]) for row in rows}


def test_a_gpt_shaped_step_collapses_to_its_positions_and_one_table_of_its_parameters() -> None:
    loss, params = gpt_step(positions=2, embd=8, heads=2, vocab=5, mlp=2)
    g = graph(loss, 200, collapse=True)
    c = g.collapsed
    assert len(topological_order(loss)) > 1000
    assert [b.path for b in c.boxes] == ["parameters", "pos0", "pos1"]
    svg = draw(loss, collapse=True, max_nodes=200).svg()
    table = _table(svg)
    assert list(table)[:2] == ["wte", "wpe"] and list(table)[-1] == "lm_head"  # in the order the model uses them
    used = {id(v) for v in topological_order(loss)}  # wte: the rows of the tokens read
    for stem, matrix in params.items():
        ws = [w for row in matrix for w in row if id(w) in used]
        norm = math.sqrt(sum(w.grad**2 for w in ws))
        assert table[stem] == (f"{len(ws)} values", f"||grad|| {format_number(norm)}")
    fork = _wire(svg, "parameters → pos0, pos1:")  # one stem into both positions, not a wire per matrix
    every = [w for matrix in params.values() for row in matrix for w in row if id(w) in used]
    assert fork == {
        "value": f"{len(every)} values",
        "grad": f"||grad|| {format_number(math.sqrt(sum(w.grad**2 for w in every)))}",
    }
    keys = _wire(svg, "pos0 → pos1:")  # pos1 reads pos0's keys and values
    assert keys["value"] == "16 values"  # 8 keys and 8 values


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_the_parameters_table_is_aligned_in_columns(rankdir: str) -> None:
    loss, params = gpt_step(positions=2, embd=8, heads=2, vocab=5, mlp=2)
    rows = _table_rows(draw(loss, collapse=True, max_nodes=200, rankdir=rankdir).svg())
    assert len(rows) == len(params) and all(len(row) == 3 for row in rows)
    for column in range(3):  # centred texts: one column's cells are one width, at one x
        xs = [row[column][2] for row in rows]
        assert max(xs) - min(xs) < 0.5, (column, xs)


def test_a_scope_entered_twice_draws_though_its_box_is_wired_in_a_loop() -> None:
    x = Value(0.4, label="x")
    with scope("f"):
        a = x * 3.0
    b = a.tanh()
    with scope("f"):
        c = b * a
    c.backward()
    svg = draw(c, collapse=True).svg()
    assert _box_titles(svg) == ["f"]


# ---------------------------------------------------------------- max_nodes


def _chains(scopes: int, length: int) -> Value:
    """``scopes`` scopes, each a chain of ``length`` gates."""
    x = Value(0.1, label="x")
    outs = []
    for k in range(scopes):
        with scope(f"part{k}"):
            v = x
            for _ in range(length):
                v = v * 0.999 + 0.001
            outs.append(v)
    return micrograd.sum(outs)


def test_max_nodes_counts_what_a_collapsed_picture_draws() -> None:
    f = _chains(10, 250)
    assert len(topological_order(f)) > 5000
    d = draw(f, collapse=True, max_nodes=1000)
    assert _box_titles(d.svg()) == [f"part{k}" for k in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)]
    with pytest.raises(GraphTooLarge, match=r"max_nodes=1000.*collapse=True.*part0, part1"):
        draw(f, max_nodes=1000)
    with pytest.raises(GraphTooLarge, match="still draws 12 boxes and nodes, more than max_nodes=5"):
        draw(f, collapse=True, max_nodes=5)


def test_a_large_graph_without_scopes_is_told_about_scopes() -> None:
    x = Value(0.1, label="x")
    v = x
    for _ in range(1200):
        v = v * 0.999
    with pytest.raises(GraphTooLarge, match=r"micrograd\.scope"):
        draw(v)


# ---------------------------------------------------------------- bad options


def test_a_pattern_that_names_no_scope_is_a_value_error_naming_it_and_some_scopes() -> None:
    f = _model()
    with pytest.raises(ValueError, match=r"collapse='attn' names no scope.*dec, enc, dec/out"):
        draw(f, collapse="attn")
    with pytest.raises(ValueError, match=r"expand='enc/nothing' names no scope"):
        draw(f, collapse=True, expand=["mix", "enc/nothing"])


@pytest.mark.parametrize(
    ("collapse", "expand", "error", "message"),
    [
        (1.5, None, TypeError, "collapse= takes True, a depth"),
        ([1, 2], None, TypeError, "collapse= takes"),
        (True, 3, TypeError, "expand= takes a scope's name"),
        (0, None, ValueError, "a depth is an int from 1"),
        (None, "enc", ValueError, "give collapse= too"),
        ("enc//mix", None, ValueError, "not a scope's path"),
    ],
)
def test_bad_options_say_what_is_wrong(collapse: object, expand: object, error: type, message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        draw(_model(), collapse=collapse, expand=expand)  # type: ignore[arg-type]


# ---------------------------------------------------------------- nothing else changes


def test_collapse_none_or_false_draws_as_before() -> None:
    for f in [*lecture_circuits().values(), fork_xy(), _model()]:
        plain = draw(f, style="circuit").source
        assert draw(f, style="circuit", collapse=None).source == plain
        assert draw(f, style="circuit", collapse=False).source == plain


def test_the_grouping_has_each_drawn_node_once() -> None:
    f = _model()
    g = graph(f, 1000)
    c = collapse_graph(g, True)
    boxed = [v for b in c.boxes for v in b.nodes]
    assert len(boxed) + len(c.open) == len(g.shown)
    assert {id(v) for v in boxed} | {id(v) for v in c.open} == {id(v) for v in g.shown}


def test_an_open_scope_is_a_labelled_group_around_what_it_holds() -> None:
    f = _model()
    svg = draw(f, collapse=True, expand="mix").svg()
    groups = {tip: [t for _, t in texts] for tip, texts in role_elements(svg, "heading")}
    assert groups == {"scope enc, open": ["enc"], "scope enc/mix, open": ["enc/mix"]}
    assert not role_elements(draw(f, collapse=True).svg(), "heading")  # nothing open: no group
