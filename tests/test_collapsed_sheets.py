"""Worksheets and comparisons on collapsed pictures (``worksheet(root, collapse=...)``,
``compare_backward(f, mistake, collapse=...)``): a box's numbers given, the gates drawn as themselves
asked; a mistake inside a scope marked on its box's wires."""

from __future__ import annotations

import copy
import math
import re

import pytest
from svgtools import SVG, role_elements, root, texts
from test_collapse import _model, _twin, _wire

from micrograd import Value, scope, worksheet
from micrograd.core import topological_order
from micrograd.drawing.comparison import compare_backward
from micrograd.drawing.numbers import format_number


def _neuron() -> Value:
    """The lecture's neuron with σ in a scope: o = σ(x1·w1 + x2·w2 + b)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    with scope("sigmoid"):
        o = 1 / (1 + (-n).exp())
    o.label = "o"
    return o


def _by_label(f: Value) -> dict[str, Value]:
    return {v.label: v for v in topological_order(f) if v.label}


def _flagged(svg: str) -> list[str]:
    """The gradients drawn marked (bold on a marker): those that differ from the correct pass."""
    return [t.text or "" for t in root(svg).iter(f"{SVG}text") if "mg-flagged" in (t.get("class") or "")]


def _grad_on(svg: str, start: str) -> str:
    """The gradient on the one wire whose tooltip starts with ``start``, marked or not."""
    wire = _wire(svg, start)
    return wire.get("grad", wire.get("grad mg-flagged", ""))


def _tells(text: str, x: float) -> bool:
    """Does ``text`` hold the number ``x`` as the pictures write it (a whole number, not a digit of another)?"""
    return re.search(rf"(?<![\d.]){re.escape(format_number(x))}(?![\d.])", text) is not None


# ---------------------------------------------------------------- worksheets


def test_a_neurons_collapsed_sheet_asks_what_the_gates_make_of_what_the_sigmoid_box_sends_back() -> None:
    o = _neuron()
    ws = worksheet(o, collapse=True)
    assert all(v.grad == 0.0 for v in topological_order(o))  # making it changed nothing
    twin = copy.deepcopy(o)
    twin.backward()
    truth = _by_label(twin)
    # the box's gradient df/dn (what σ sends back) is given; every gradient of a gate drawn as itself is asked
    names = [b.name for b in ws.boxes]
    assert names == ["do/dn3", "do/dn1", "do/dx1", "do/dw1", "do/dn2", "do/dx2", "do/dw2", "do/db"]
    for name in ("x1", "w1", "x2", "w2", "b"):
        assert ws.box(name).answer == truth[name].grad
    first = ws.box(1).step  # n3 = n1 + n2 feeds n: its gradient is do/dn (given, from the box) times 1
    assert first.inputs[0].name == "do/dn" and first.inputs[0].box is None
    assert first.inputs[0].value == truth["n"].grad == pytest.approx(o.data * (1 - o.data))

    sheet, key = ws.picture().svg(), ws.key().svg()
    assert sorted(map(int, re.findall(r'class="mg-answer-box" data-box="(\d+)"', sheet))) == list(range(1, 9))
    assert _wire(sheet, "n → sigmoid")["grad"] == format_number(truth["n"].grad)  # the box's number, given
    for tag in ("title", "desc"):  # no hover text or description tells an answer
        for content in re.findall(rf"<{tag}>(.*?)</{tag}>", sheet, re.S):
            assert not [b.number for b in ws.boxes if _tells(content, b.answer)], content
    assert {format_number(b.answer) for b in ws.boxes} <= set(texts(key))


def test_a_value_used_by_a_box_and_a_gate_sums_the_boxs_given_share_and_the_gates_asked_one() -> None:
    f = _model()  # x goes into the box enc and into the output's + gate
    x_in, _ = _twin()  # x's own leaf inside enc: what enc sends back, independently
    ws = worksheet(f, collapse=True)
    x = _by_label(f)["x"]
    assert [b.key[0] for b in ws.boxes] == ["grad", "wire", "grad"]  # dec's output, x's share at f, x's total
    total = ws.box("x")
    assert total.step.kind == "sum" and total.answer == pytest.approx(x.grad)
    through, share = total.step.inputs
    assert through.name == "df/dx back through enc" and through.box is None
    assert through.value == pytest.approx(x_in.grad) and share.box == 2 and share.value == 1.0
    assert ws.box(1).answer == 1.0 and ws.box(1).step.inputs[0].name == "df/df"

    sheet = ws.picture().svg()
    assert _wire(sheet, "x → enc")["grad"] == format_number(x_in.grad)  # given
    dec = [texts for tip, texts in role_elements(sheet, "scope") if tip.startswith("scope dec")]
    assert [kind for kind, _ in dec[0]] == ["name", "note", "value"]  # its gradient is box 1, on its wire only
    assert len(re.findall(r'class="mg-answer-box" data-box="(\d+)"', sheet)) == 3


def test_check_grades_a_collapsed_sheet_against_backward() -> None:
    f = _model()  # its backward() done once: x.grad is the truth
    ws = worksheet(f, collapse=True)
    x = _by_label(f)["x"]
    right = ws.check({1: 1.0, 2: "1", "x": format_number(x.grad, 6)})
    assert right and right.score == (3, 3)
    wrong = ws.check({1: 1.0, 2: 1.0, "x": -x.grad})
    assert wrong.score == (2, 3) and "sign" in wrong["df/dx"].hint
    one_share = ws.check({1: 1.0, 2: 1.0, "x": 1.0})  # forgot what enc sent back
    assert "one use's share" in one_share["df/dx"].hint


def test_a_collapsed_forward_sheet_asks_the_values_of_the_gates_drawn_as_themselves() -> None:
    o = _neuron()
    ws = worksheet(o, "values", collapse=True)
    by = _by_label(o)
    assert [b.answer for b in ws.boxes] == [-6.0, 0.0, -6.0, by["n"].data]  # not σ's: the box gives o
    assert ws.check({b.number: b.answer for b in ws.boxes})
    grads = re.findall(r'class="mg-grad"[^>]*>([^<]*)<', ws.picture().svg())
    assert set(grads) == {"1"}  # the output's 1 (on its wire and in its box): no gradient tells a value


def test_expand_opens_a_scope_and_its_gates_are_asked() -> None:
    f = _model()  # its backward() done once: each .grad is the truth
    truth = {id(v): v for v in topological_order(f)}
    boxed, opened = worksheet(f, collapse=True), worksheet(f, collapse=True, expand="dec/out")
    assert len(opened.boxes) > len(boxed.boxes)
    for b in opened.boxes:  # every gradient asked is backward()'s, inside dec too
        if b.key[0] == "grad":
            assert b.answer == pytest.approx(truth[id(b.key[1])].grad)
            assert opened.check({b.number: truth[id(b.key[1])].grad})[b.number].right
    assert any(b.key[1].scope == "dec/out" for b in opened.boxes)
    assert opened.picture().svg().count('class="mg-answer-box"') == len(opened.boxes)


def test_collapsed_worksheets_refuse_within_and_expand_alone() -> None:
    f = _model()
    with pytest.raises(ValueError, match="within"):
        worksheet(f, collapse=True, within="enc")
    with pytest.raises(ValueError, match="give collapse= too"):
        worksheet(f, expand="enc")
    with pytest.raises(TypeError, match="collapse="):
        worksheet(f, collapse=2.5)


# ---------------------------------------------------------------- comparisons


def _fork_inside() -> Value:
    """f = 3·(x·x) with x·x in a scope: the fork of x is inside the box; df/dx = 6x, but grad = keeps 3x."""
    x = Value(1.5, label="x")
    with scope("square"):
        y = x * x
    f = y * 3.0
    f.label = "f"
    return f


def test_a_mistake_inside_a_scope_shows_on_the_boxs_wire() -> None:
    f = _fork_inside()
    cmp = compare_backward(f, "set-not-accumulate", collapse=True)
    x = 1.5
    assert cmp.differences == [("x", 6 * x, 3 * x), ("x back through square", 6 * x, 3 * x)]
    right, wrong = cmp.svgs()
    assert _grad_on(right, "x → square") == format_number(6 * x) and not _flagged(right)
    assert _grad_on(wrong, "x → square") == format_number(3 * x)
    assert _flagged(wrong) == [format_number(3 * x)]  # the one wire: x's only gradient comes through the box
    assert "df/dx back through square = 4.5 instead of 9" in cmp.marked()


def test_a_second_backward_doubles_what_each_box_sends_back_to_the_inputs() -> None:
    f = _model()
    x_in, y_in = _twin()
    cmp = compare_backward(f, "second-backward", collapse=True)
    through = {d.name.split()[0]: d for d in cmp.differences if d.name.endswith(" back through enc")}
    assert through["x"].correct == pytest.approx(x_in.grad) and through["x"].buggy == pytest.approx(2 * x_in.grad)
    assert through["y"].buggy == pytest.approx(2 * y_in.grad)
    wrong = cmp.svgs()[1]
    assert _grad_on(wrong, "y → enc") == format_number(2 * y_in.grad)
    assert format_number(2 * y_in.grad) in _flagged(wrong)


def test_a_collapsed_comparison_draws_both_passes_collapsed_the_same_way() -> None:
    f = _model()
    cmp = compare_backward(f, "set-not-accumulate", collapse=True)
    right, wrong = cmp.svgs()
    boxes = [sorted(t[0][1] for _, t in role_elements(svg, "scope")) for svg in (right, wrong)]
    assert boxes[0] == boxes[1] == ["dec", "enc"]
    # the buggy pass keeps x's last contribution: the stem's total is the one written last, not a sum
    x = float(_grad_on(wrong, "x = 0.7, used by 2 parts"))
    assert x == pytest.approx(cmp.passes.buggy.grads[_by_label(cmp.passes.root)["x"]], abs=1e-4)
    assert not math.isclose(x, float(_grad_on(right, "x = 0.7, used by 2 parts")))
    with pytest.raises(ValueError, match="give collapse= too"):
        compare_backward(f, expand="enc")
