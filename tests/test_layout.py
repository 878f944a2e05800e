"""The layout audit in the tests: every course formula, both styles, annotated and not, left to right
and top to bottom, read back from its SVG (``tests/layout_audit.py`` measures; run it as a script for
the whole report).

Reading order is the layout's first law: inputs in the order the formula reads, in one column at the
input side, and every gate's arguments in argument order (first on top, or on the left). Wires cross
only where that order forces them to: never in a tree; at a fork, about as often as counted below.
"""

from __future__ import annotations

import subprocess

import pytest
from layout_audit import CASES, audit, crossings
from layout_corpus import CORPUS
from svgtools import system_dot

import micrograd
from micrograd import Value

# The fewest crossings each formula with a fork can be drawn with, in reading order: counted by hand
# where the reason is short (a branch of a shared input that enters its gate below, or right of,
# another wire must cross it, and the wires of the inputs listed between), and reached by at least
# one of its pictures. Formulas not listed are trees: they need none.
FEWEST = {
    "chained_division": 1,  # a/b/c - a: a is read first and enters "-" second: it crosses the quotient's wire
    "mse_two_points": 1,  # the second residual's w crosses the first's b
    "square_difference": 1,  # (x - y)**2 + x*y: x's second branch crosses y's first
    "power_gate": 2,  # x**y - y**x: x's branch into y**x crosses both of y's branches
    "cs231n_staged": 1,  # σ(y) must reach x + σ(y) across x's other uses (or the denominator's wire)
    "logistic_regression_3": 5,  # w0, w1 feed three products each, b three sums below them
    "net_2_2_1_sigmoid": 7,  # x0's second branch crosses b, x1, q, c; x1's crosses q, c, d
    "tanh_net_2_2_1": 9,  # x1's second branch crosses w12, x2, b1, v2, w21; x2's crosses b1, v2, w21, w22
}
# Dot's crossing minimisation is a heuristic: a picture may have a crossing or two more than the
# fewest (cs231n's left to right has one); the audit script reports every count.
EXCESS = 2


@pytest.fixture(scope="module", params=sorted(CORPUS))
def reports(request: pytest.FixtureRequest) -> list:
    name = request.param
    return [audit(name, CORPUS[name](), *case) for case in CASES]


def test_inputs_are_drawn_in_reading_order_in_one_column(reports: list) -> None:
    for r in reports:
        assert not r.leaves_out_of_order and not r.leaves_off_column, r.line()


def test_text_is_12_px_or_more_inside_its_box_and_overlaps_no_other(reports: list) -> None:
    for r in reports:
        assert r.smallest_px >= 12 - 0.01 and not r.outside and not r.overlaps, r.line()


def test_every_gate_takes_its_arguments_in_order(reports: list) -> None:
    for r in reports:
        assert not r.arguments_out_of_order, r.line()


def test_wires_cross_only_where_the_reading_order_forces_them(reports: list) -> None:
    for r in reports:
        fewest = FEWEST.get(r.name, 0)
        assert r.crossings <= fewest + (EXCESS if fewest else 0), r.line()
        assert not r.through, r.line()
    assert min(r.crossings for r in reports) <= FEWEST.get(reports[0].name, 0)  # reached in some picture


def test_the_crossing_count_sees_a_crossing() -> None:
    x = [(0.0, 0.0), (10.0, 10.0)]
    assert crossings([x, [(0.0, 10.0), (10.0, 0.0)]]) == 1
    assert crossings([x, [(0.0, 0.0), (10.0, 0.0)]]) == 0  # lines that meet where they start do not cross
    assert crossings([x, [(20.0, 0.0), (30.0, 10.0)]]) == 0


def test_without_the_reading_order_the_lecture_neuron_comes_out_mirrored(monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit sees what the issue saw: Graphviz alone draws the sigmoid neuron w0, x0, x1, w1."""
    from micrograd.drawing import picture

    def edges_only(b: picture._Builder) -> None:  # the argument edges as written, nothing said of their order
        for _, _, tail, head, role, dot in b.arguments:
            b.edge(tail, head, role, **dot)

    monkeypatch.setattr(picture, "_reading_order", edges_only)
    r = audit("sigmoid_neuron", CORPUS["sigmoid_neuron"](), "circuit", "LR", False)
    assert r.leaves_out_of_order == ["inputs read w0, x0, x1, w2, w1"] and r.leaves_off_column == ["w2"]


@pytest.mark.parametrize(("rankdir", "gate"), [("LR", "↑−↓"), ("TB", "←−→")])
def test_a_gate_that_does_not_commute_points_at_its_operands(rankdir: str, gate: str) -> None:
    """``a − b``: the gate says which input is subtracted (the lower, or the right one), so a reader
    need not trust the order; with a constant, the gate writes it in its place instead."""
    from svgtools import texts_of

    a, b = Value(5.0, label="a"), Value(2.0, label="b")
    for style in ("circuit", "record"):
        svg = micrograd.draw(done(a - b), style=style, rankdir=rankdir).svg("wasm")
        assert gate in texts_of(svg, "text"), style
    gates = {t for f in (a / b, a**b) for t in texts_of(micrograd.draw(done(f), rankdir=rankdir).svg("wasm"), "text")}
    assert gates == {gate.replace("−", "÷"), gate.replace("−", "^")}
    assert "1−x" in texts_of(micrograd.draw(done(1 - a), style="circuit").svg("wasm"), "text")
    assert "↑+↓" not in " ".join(texts_of(micrograd.draw(done(a + b), style="circuit").svg("wasm"), "text"))


def done(f: Value) -> Value:
    f.backward()
    return f


def test_worksheets_the_player_and_comparisons_read_in_order_too() -> None:
    """Every picture made of a graph is laid out by the same builder: a worksheet, its key, the
    player's frames and a comparison's two pictures all keep the reading order."""
    from layout_audit import measure

    f = done(CORPUS["sigmoid_neuron"]())
    ws = micrograd.worksheet(f)
    frames = micrograd.draw_steps(f, style="circuit", rankdir="LR")
    pictures = {"worksheet": ws.picture(), "key": ws.key(), "first frame": frames[0], "last frame": frames[-1]}
    both = micrograd.compare_backward(CORPUS["sub_of_products"](), "set-not-accumulate", rankdir="LR")
    pictures |= {"correct": both.correct, "buggy": both.buggy}
    for name, d in pictures.items():
        root = f if name not in ("correct", "buggy") else both.graph.root
        r = measure(name, root, d)
        assert r.out_of_order == 0 and not r.leaves_off_column, r.line()


SYSTEM_DOT = system_dot()


@pytest.mark.skipif(SYSTEM_DOT is None, reason="no system Graphviz (dot) to check the DOT with")
def test_a_system_graphviz_lays_out_every_course_formula() -> None:
    """The DOT suits the Graphviz of common distributions (2.4x) too: no flat edges beside records, no warning."""
    assert SYSTEM_DOT is not None
    for name, build in CORPUS.items():
        for style, rankdir, annotate in CASES:
            source = micrograd.draw(done(build()), style=style, rankdir=rankdir, annotate=annotate).source
            run = subprocess.run([SYSTEM_DOT, "-Tsvg"], input=source.encode(), capture_output=True, timeout=60)
            assert run.returncode == 0 and not run.stderr, (name, style, rankdir, annotate, run.stderr[:300])
