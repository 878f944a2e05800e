"""micrograd.live without a browser: the circuit's numbers at new inputs are backward()'s, the picture is laid
out once and its numbers written in place, nudge climbs, check agrees (and says where it does not)."""

from __future__ import annotations

import base64
import io
import math
import random
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from svgtools import SVG, Box, box, text_outside_boxes, texts_of

import micrograd
from micrograd import Value, explain
from micrograd.drawing.numbers import format_number
from micrograd.drawing.render import render
from micrograd.live import LiveCircuit
from micrograd.live.code import Shape, numbers_code, numbers_of_graph
from micrograd.live.picture import LivePicture, fitted, room

LECTURE = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}


def neuron(w0: Value, x0: Value, w1: Value, x1: Value, w2: Value) -> Value:
    """The lecture's sigmoid neuron, gate by gate."""
    return 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())


def fork(x: Value, y: Value) -> Value:
    """x used three times (a fork), and a max gate: every kind of wire."""
    return x * x + (x * y).tanh() + x.max(y)


def built(fn: Callable[..., Value], values: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    leaves = {n: Value(x, label=n) for n, x in values.items()}
    out = fn(**leaves)
    out.label = "f"
    return out, leaves


def backward_at(fn: Callable[..., Value], values: dict[str, float]) -> tuple[float, dict[str, float]]:
    """The output and the inputs' .grad of ``fn``'s graph built afresh at ``values``: the truth."""
    out, leaves = built(fn, values)
    out.backward()
    return out.data, {n: v.grad for n, v in leaves.items()}


CASES = [(neuron, LECTURE), (fork, {"x": 0.7, "y": -1.3})]


@pytest.mark.parametrize("fn, start", CASES)
def test_a_graph_s_numbers_at_new_inputs_are_backward_s(fn: Callable[..., Value], start: dict[str, float]) -> None:
    out, _ = built(fn, start)
    circuit = LiveCircuit.of_graph(out)
    rng = random.Random(19)
    for _ in range(20):
        point = {n: rng.uniform(-3, 3) for n in start}
        circuit.set(**point)
        value, grads = backward_at(fn, point)
        assert circuit.output == value and circuit.values["f"] == value
        assert circuit.input_grads == grads  # bit for bit: the rules' own code, as backward() applies them
    assert circuit.layouts == 1  # laid out once: only the numbers change


@pytest.mark.parametrize("fn, start", CASES)
def test_a_function_s_numbers_are_backward_s_too(fn: Callable[..., Value], start: dict[str, float]) -> None:
    widget = micrograd.live(fn, **start)
    for point in ({n: x + 0.5 for n, x in start.items()}, {n: -x for n, x in start.items()}):
        widget.set(**point)
        value, grads = backward_at(fn, point)
        assert widget.output == value
        assert {n: widget.grads[n] for n in start} == grads
    assert widget.circuit.layouts == 1


def test_the_staged_numbers_are_the_trace_s_bit_for_bit() -> None:
    out, _ = built(fork, {"x": 0.7, "y": -1.3})
    shape = Shape.of(out)
    staged = numbers_code(shape)([v.data for v in shape.inputs])
    traced = numbers_of_graph(shape, out)
    assert staged.values == traced.values
    assert staged.grads == traced.grads
    assert staged.wires == traced.wires  # each wire's upstream, local and contribution


def test_the_chain_rule_lines_are_explain_s() -> None:
    out, _ = built(fork, {"x": 0.7, "y": -1.3})
    circuit = LiveCircuit.of_graph(out)
    assert circuit.explanation().lines() == explain(out).lines()


def test_the_picture_shows_the_new_numbers_in_place() -> None:
    out, _ = built(neuron, LECTURE)
    widget = micrograd.live(out)
    svg_before = widget.circuit.picture.svg
    widget.set(x1=-1.5, w0=0.25)
    value, grads = backward_at(neuron, {**LECTURE, "x1": -1.5, "w0": 0.25})
    svg = widget.picture()
    assert f"f = {format_number(value)}" in texts_of(svg, "value")
    shown_grads = texts_of(svg, "grad")
    for name, g in grads.items():
        assert format_number(g) in shown_grads, name
    assert widget.circuit.picture.svg is svg_before  # no new layout
    # every element holding a number in the picture is written: none keeps its laid-out placeholder
    assert widget.circuit.picture.room in widget.circuit.picture.svg and widget.circuit.picture.room not in svg


def test_every_number_element_of_the_picture_is_known() -> None:
    """The element ids the live picture writes to are exactly the wires, stems and output Graphviz drew."""
    out, _ = built(fork, {"x": 0.7, "y": -1.3})
    picture = LiveCircuit.of_graph(out).picture
    drawn = {eid for eid, role in picture.picture.roles.items() if role.kind == "wire"}
    assert set(picture.elements) == drawn


def test_a_function_is_laid_out_again_only_when_its_graph_changes_shape() -> None:
    def branchy(x: Value, y: Value) -> Value:
        return x * y if x.data > 0 else x + y

    widget = micrograd.live(branchy, x=1.0, y=2.0)
    widget.set(x=2.0)
    assert widget.circuit.layouts == 1
    widget.set(x=-1.0)
    assert widget.circuit.layouts == 2 and widget.grads["y"] == 1.0
    assert "+" in widget.circuit.picture.svg and "×" not in widget.circuit.picture.svg


def test_nudge_climbs_the_output_and_descent_goes_down() -> None:
    out, _ = built(neuron, LECTURE)
    widget = micrograd.live(out)
    grads = widget.circuit.input_grads
    step = widget.nudge(0.5)
    assert step.after > step.before
    for name, (old, new) in step.moved.items():
        assert new == old + 0.5 * grads[name]
    only = widget.nudge(0.5, ["w0"], ascent=False)
    assert only.after < only.before and set(only.moved) == {"w0"}


def test_check_agrees_and_shows_a_kink() -> None:
    widget = micrograd.live(lambda x, y: x.relu() * y + x * y, x=1.0, y=2.0)
    checks = widget.check(1e-5)
    assert all(c.agree for c in checks.values())
    assert checks["x"].numerical == pytest.approx(widget.grads["x"], rel=1e-6)
    widget.set(x=0.0)  # relu's kink: its gradient there is 0, the central difference sees half a slope
    kink = widget.check(1e-3)["x"]
    assert kink.analytic == 2.0 and kink.numerical == pytest.approx(3.0) and not kink.agree
    state = widget.state
    row = next(r for r in state["inputs"] if r["name"] == "x")
    assert row["numerical"] == "3" and row["agree"] is False


def test_the_page_s_messages_move_it() -> None:
    widget = micrograd.live(neuron, **LECTURE)
    widget._on_message(None, {"set": {"x1": -1.5}}, [])
    value, grads = backward_at(neuron, {**LECTURE, "x1": -1.5})
    assert widget.state["output"] == {"name": "f", "value": format_number(value)}
    assert {r["name"]: r["grad"] for r in widget.state["inputs"]} == {n: format_number(g) for n, g in grads.items()}
    widget._on_message(None, {"nudge": {"rate": 0.2, "inputs": ["x1"], "ascent": True}}, [])
    assert float(widget.state["nudge"]["after"]) > float(widget.state["nudge"]["before"])
    widget._on_message(None, {"set": {"x1": "not a number"}}, [])  # refused: nothing changes
    assert widget.inputs["x1"] != "not a number"
    rules = widget.state["rules"]
    assert rules["out"].startswith("f = ") and "df/df = 1" in rules["out"]
    steps = widget.state["steps"]
    assert [s["line"] for s in steps] == explain(built(neuron, widget.inputs)[0]).lines()


def test_the_widget_carries_a_still_png() -> None:
    widget = micrograd.live(neuron, **LECTURE)
    data, _ = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    image = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
    assert image.width >= 600 and image.height >= 150


def test_kernel_time_of_an_update() -> None:
    """The kernel's share of moving a slider (set, recompute, the page's state): well under 30 ms."""
    widget = micrograd.live(neuron, **LECTURE)
    times = []
    for k in range(20):
        widget._on_message(None, {"set": {"x1": -2.0 + 0.1 * k}}, [])
        times.append(widget.kernel_ms)
    assert sorted(times)[len(times) // 2] < 30


def test_bad_input_is_named() -> None:
    out, _ = built(neuron, LECTURE)
    widget = micrograd.live(out)
    with pytest.raises(ValueError, match="no input named 'z'"):
        widget.set(z=1.0)
    with pytest.raises(TypeError):
        widget.set(x1="two")
    with pytest.raises(ValueError, match="rate"):
        widget.nudge(-1.0)
    with pytest.raises(ValueError, match="h must be"):
        widget.check(0.0)
    with pytest.raises(TypeError, match="takes no inputs"):
        micrograd.live(out, x=1.0)
    with pytest.raises(TypeError, match="Value or a function"):
        micrograd.live(3.0)
    with pytest.raises(TypeError, match="must return a micrograd Value"):
        micrograd.live(lambda x: 2.0, x=1.0)
    with pytest.raises(ValueError, match="low < high"):
        widget.set_range("x1", 1.0, -1.0)


def test_without_anywidget_live_names_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "anywidget", None)
    monkeypatch.delitem(sys.modules, "micrograd.live.widget", raising=False)
    with pytest.raises(ImportError, match=r"pip install 'micrograd-visual\[notebooks\]'"):
        micrograd.live(neuron, **LECTURE)


def test_micrograd_live_is_the_function_even_after_its_package_is_imported() -> None:
    import micrograd.live.code  # noqa: F401  (makes the attribute micrograd.live the package)

    assert callable(micrograd.live)
    assert math.isclose(micrograd.live(neuron, **LECTURE).output, 0.7310585786300049)


def test_a_fork_s_stem_says_its_sum_and_each_branch_its_share() -> None:
    widget = micrograd.live(lambda x, y: x * y + x, x=2.0, y=3.0)
    circuit = widget.circuit
    x = next(v for v in circuit.shape.inputs if v.label == "x")
    stem = f"s{circuit.picture.picture.ids[x]}"
    rules = widget.state["rules"]
    lines = rules[stem].splitlines()
    assert lines[0] == "x = 2" and lines[-1] == "df/dx = 1 + 3 = 4"  # the terms in the chain rule's order
    texts = widget.state["texts"]
    assert texts[stem] == ["2", "4"]  # the stem: x's value and its total gradient
    branches = sorted(g for eid, (_, g) in texts.items() if eid.startswith(f"w{stem[1:]}_"))
    assert branches == ["1", "3"]  # each branch: its own contribution


def test_ranges_are_settable() -> None:
    widget = micrograd.live(neuron, ranges={"x1": (-3, 1)}, **LECTURE)
    row = next(r for r in widget.state["inputs"] if r["name"] == "x1")
    assert (row["low"], row["high"], row["step"]) == (-3.0, 1.0, 0.02)
    widget.set(x1=4.0)  # beyond it: the slider reaches the value
    row = next(r for r in widget.state["inputs"] if r["name"] == "x1")
    assert row["high"] == 4.0 and row["value"] == 4.0


# ---------------------------------------------------------------- numbers wider than the room laid out for one


def wide(x: Value, y: Value) -> Value:
    """Numbers of every size: thousands, millions, powers of ten both ways, as the inputs move."""
    return (x * y).exp() * y - x**3


def _width(text: str, italic: bool = False) -> float:
    """A text's width at 12 px, measured with the font the pictures are drawn with (not the package's own table)."""
    t = ET.Element(f"{SVG}text", {"font-size": "12"} | ({"font-style": "italic"} if italic else {}))
    t.text = text
    b: Box = box(t)
    return b.x1 - b.x0


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True), st.integers(1, 8))  # draw() takes 1 to 17
def test_every_number_fits_the_room_laid_out_for_one_and_reads_as_itself(x: float, precision: int) -> None:
    text = fitted(x, precision)
    for italic in (False, True):  # values upright, gradients italic
        assert _width(text, italic) <= _width(room(precision), italic) + 0.01, (x, text)
    if math.isnan(x):
        assert text == "nan"
        return
    mantissa, _, exponent = text.partition("e")
    last = int(exponent or 0) - len(mantissa.partition(".")[2])  # the place of the last digit written
    error = abs(Decimal(text) - Decimal(x)) if math.isfinite(x) else Decimal(0 if float(text) == x else 1)
    assert error <= Decimal(10) ** last / 2, text  # rounded to the digits written
    usual = format_number(x, precision).replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")
    assert text == usual or _width(usual) > _width(room(precision))  # as everywhere else, where that fits


def test_a_number_too_wide_for_its_room_is_written_with_fewer_digits() -> None:
    assert [fitted(x, 4) for x in (0.7311, -0.1966, -12, 148.4132, -12.3456, 13360.5, 12345678.0, -1.234e-5)] == [
        "0.7311",
        "-0.1966",
        "-12",
        "148.41",
        "-12.346",
        "13360",
        "1.23e7",
        "-1.2e-5",
    ]


def _laid_out_with(picture: LivePicture, texts: dict[str, list[str | None]]) -> str:
    """The picture as Graphviz lays it out (each wire a record, with its outline), ``texts`` written in its fields."""
    laid = ET.fromstring(render(picture.diagram.source, "svg", "wasm"))
    for g in laid.iter(f"{SVG}g"):
        if g.get("id") in texts:
            fields = list(g.iter(f"{SVG}text"))
            assert len(fields) == 2, g.get("id")  # the value's field, the gradient's
            for field, text in zip(fields, texts[g.get("id", "")], strict=True):
                if text is not None:
                    field.text = text
    return ET.tostring(laid, encoding="unicode")


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("fn, start", [(wide, {"x": 2.0, "y": 1.5}), (neuron, LECTURE)])
def test_new_numbers_stay_inside_their_wires(fn: Callable[..., Value], start: dict[str, float], rankdir: str) -> None:
    """Graphviz laid each wire out around the room for a number: whatever the inputs, what is written fits it."""
    circuit = LiveCircuit.of_function(fn, start, rankdir=rankdir)
    rng = random.Random(4)
    points = [{n: rng.uniform(-9, 9) for n in start} for _ in range(6)]
    points += [{n: 1234.5678 * (-1) ** k for k, n in enumerate(start)}, {n: -0.0123 for n in start}]
    seen = set()
    for point in points:
        circuit.set(**point)
        texts = circuit.picture.texts(circuit.numbers)
        seen |= {t for pair in texts.values() for t in pair if t}
        assert text_outside_boxes(_laid_out_with(circuit.picture, texts)) == [], point
    assert max(len(t) for t in seen) >= len(room(4))  # (numbers as wide as the room were written)
    assert circuit.layouts == 1


# ---------------------------------------------------------------- which inputs get a slider


def test_a_network_s_inputs_get_sliders_and_its_weights_are_set_from_python() -> None:
    from micrograd.nn import MLP

    model = MLP(2, [3, 1])
    x = [Value(0.5, label="x0"), Value(-1.5, label="x1")]
    widget = micrograd.live(model(x))
    assert len(widget.inputs) == 2 + len(model.parameters())  # every leaf is an input of the circuit
    assert [r["name"] for r in widget.state["inputs"]] == ["x0", "x1"] and widget.state["fixed"] == 13
    names = widget.circuit.names
    weight = model.layers[0].neurons[0].w[0]  # a weight: no slider, settable by name from Python
    widget.set(**{names[weight]: 2.0})
    weight.data = 2.0
    assert widget.output == model(x).data  # the network run afresh with that weight

    chosen = micrograd.live(model(x), sliders=["x1", names[weight]])
    assert [r["name"] for r in chosen.state["inputs"]] == [names[weight], "x1"]  # in the circuit's order
    assert micrograd.live(neuron, **LECTURE).circuit.sliders == list(LECTURE)  # no network: every input
    with pytest.raises(ValueError, match="no input named 'w9'"):
        micrograd.live(model(x), sliders=["w9"])
    with pytest.raises(TypeError, match="list of input names"):
        micrograd.live(model(x), sliders="x0")
