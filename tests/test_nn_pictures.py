"""Neural nets drawn neuron by neuron, read back from the SVG: the order of everything and where wires run.

A network view tells Graphviz every order it must keep (weights w0, w1, ..., b; neurons N1, N2, ...;
inputs x0, x1, ...; examples 1, 2, ...), and its DOT must suit the system Graphviz of common
distributions (2.4x) as well as the WebAssembly build. Each geometric check runs on both
laid-out pictures when a system ``dot`` is there (``/opt/gv/dot`` or on PATH).
"""

from __future__ import annotations

import random
import re
import subprocess
import warnings
from functools import cache
from typing import Any

import pytest
from layout_audit import Drawing
from svgtools import SVG, overlapping, root, size_px, smallest_text_px, system_dot, text_outside_boxes, texts_of

from micrograd import Value, draw
from micrograd.drawing import PictureTooLarge
from micrograd.drawing.numbers import format_value
from micrograd.drawing.render import render
from micrograd.gallery import mlp
from micrograd.nn import MLP

NAME = re.compile(r"L(\d+)\.N(\d+)")  # a neuron
PARAM = re.compile(r"L(\d+)\.N(\d+)\.(w\d+|b)")  # one of its weights, or its bias
INPUT = re.compile(r"x(\d+)")
Box = tuple[float, float, float, float]


def tutorial_loss() -> Value:
    """The tutorial video's MLP(3, [4, 4, 1]) and its squared-error loss summed over 4 examples."""
    state = random.getstate()
    random.seed(1)
    try:
        model = MLP(3, [4, 4, 1], activation="tanh")
    finally:
        random.setstate(state)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, [model(x) for x in xs], strict=True))
    assert isinstance(loss, Value)
    loss.backward()
    return loss


def _done(f: Value) -> Value:
    f.backward()
    return f


GRAPHS = {
    "mlp_2_16_16_1": lambda: _done(mlp()),
    "mlp_2_3_1": lambda: _done(mlp((2, 3, 1))),
    "tutorial_loss": tutorial_loss,
}
VIEWS = [  # every network picture the brief asks for: (graph, neurons)
    ("mlp_2_16_16_1", "collapsed"),
    ("mlp_2_3_1", "collapsed"),
    ("mlp_2_3_1", "expanded"),
    ("tutorial_loss", "collapsed"),
    ("tutorial_loss", "expanded"),
]


@cache
def _graph(name: str) -> Value:
    return GRAPHS[name]()


@cache
def _drawn(name: str, neurons: str, rankdir: str, engine: str, style: str = "record") -> tuple[str, Any]:
    """The SVG of one network view as laid out by ``engine`` (``wasm``, or ``system``: Graphviz's own
    SVG from the system dot, the DOT unchanged), and the picture (its edges by DOT id)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PictureTooLarge)  # the tutorial's loss is larger than 900 px: known
        d = draw(_graph(name), neurons=neurons, rankdir=rankdir, style=style)
        if engine == "wasm":
            return d.svg("wasm"), d.picture
    dot = system_dot()
    assert dot is not None
    run = subprocess.run([dot, "-Tsvg"], input=d.source.encode(), capture_output=True, timeout=120, check=False)
    assert run.returncode == 0 and not run.stderr, run.stderr.decode()
    return run.stdout.decode(), d.picture


ENGINES = ["wasm", pytest.param("system", marks=pytest.mark.skipif(system_dot() is None, reason="no system dot"))]


# ---------------------------------------------------------------- reading the picture


def _places(svg: str) -> list[tuple[str, float, float, Any]]:
    """Every text as (text, x, y, its node's <g> or None), in document order."""
    out = []
    for g in root(svg).iter(f"{SVG}g"):
        if g.get("class") == "node":
            for t in g.iter(f"{SVG}text"):
                out.append(((t.text or "").strip(), float(t.get("x", "0")), float(t.get("y", "0")), g))
    return out


def _outline(g: Any) -> Box:
    numbers = [float(n) for n in g.find(f"{SVG}polygon").get("points").replace(",", " ").split()]
    return min(numbers[0::2]), min(numbers[1::2]), max(numbers[0::2]), max(numbers[1::2])


def _clusters(svg: str) -> dict[str, Box]:
    """Each group's box by its DOT name (``cluster_example2``)."""
    return {g.find(f"{SVG}title").text: _outline(g) for g in root(svg).iter(f"{SVG}g") if g.get("class") == "cluster"}


def _inside(x: float, y: float, box: Box, margin: float = 0.0) -> bool:
    x0, y0, x1, y1 = box
    return x0 + margin < x < x1 - margin and y0 + margin < y < y1 - margin


def _group_of(x: float, y: float, groups: dict[str, Box]) -> str:
    """The group holding the point, or "" (no groups: the whole picture is one)."""
    holding = [k for k, b in groups.items() if _inside(x, y, b)]
    assert len(holding) <= 1
    return holding[0] if holding else ""


def _along(rankdir: str) -> int:
    """The coordinate an order runs along: y (index 2 of a place) left to right, x (index 1) top to bottom."""
    return 2 if rankdir == "LR" else 1


# ---------------------------------------------------------------- the system Graphviz takes every view


@pytest.mark.skipif(system_dot() is None, reason="no system Graphviz (dot) here: CI tests it where there is one")
@pytest.mark.parametrize("style", ["record", "circuit"])
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize(("name", "neurons"), VIEWS)
def test_the_system_graphviz_lays_out_every_network_view(name: str, neurons: str, rankdir: str, style: str) -> None:
    svg, _ = _drawn(name, neurons, rankdir, "system", style)  # exit status 0, nothing on stderr (asserted there)
    assert "<svg" in svg
    wasm, _ = _drawn(name, neurons, rankdir, "wasm", style)  # and the WebAssembly build lays out the same DOT
    assert len([t for t, *_ in _places(wasm) if NAME.fullmatch(t)]) == len(
        [t for t, *_ in _places(svg) if NAME.fullmatch(t)]
    )


# ---------------------------------------------------------------- order


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("name", ["mlp_2_3_1", "tutorial_loss"])
def test_an_expanded_neuron_lists_its_weights_in_order_and_the_bias_last(name: str, rankdir: str, engine: str) -> None:
    svg, _ = _drawn(name, "expanded", rankdir, engine)
    along = _along(rankdir)
    by_node: dict[int, list[tuple[str, float]]] = {}
    for text, *xy, g in _places(svg):
        if PARAM.fullmatch(text):
            by_node.setdefault(id(g), []).append((text.rsplit(".", 1)[1], (None, *xy)[along]))
    assert by_node
    for params in by_node.values():
        inputs = len(params) - 1
        assert [p for p, _ in params] == [f"w{i}" for i in range(inputs)] + ["b"]  # w0, w1, ..., b
        places = [at for _, at in params]
        assert all(a < b for a, b in zip(places, places[1:], strict=False)), params  # w0 on top (on the left)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize(("name", "neurons"), VIEWS)
def test_neurons_and_inputs_keep_their_order_in_every_layer_and_group(
    name: str, neurons: str, rankdir: str, engine: str
) -> None:
    svg, _ = _drawn(name, neurons, rankdir, engine)
    groups, along = _clusters(svg), _along(rankdir)
    columns: dict[tuple[str, str], list[tuple[int, float]]] = {}
    headings: dict[str, float] = {}
    for text, x, y, g in _places(svg):
        found = NAME.fullmatch(text) or INPUT.fullmatch(text)
        if g.find(f"{SVG}polygon") is None:  # a layer's heading (plain text)
            headings[text.split(" ")[0]] = (None, x, y)[along]
        elif found:
            layer = f"L{found.group(1)}" if text.startswith("L") else "inputs"
            index = int(found.group(2) if text.startswith("L") else found.group(1))
            columns.setdefault((_group_of(x, y, groups), layer), []).append((index, (None, x, y)[along]))
    assert len(columns) == max(len(groups), 1) * (1 + len({layer for _, layer in columns if layer != "inputs"}))
    for (group, layer), column in columns.items():
        assert [i for i, _ in sorted(column, key=lambda c: c[1])] == sorted(i for i, _ in column), (group, layer)
        first, last = min(at for _, at in column), max(at for _, at in column)
        if group == "" or (group == "cluster_example1" and (rankdir == "LR" or engine == "system")):
            assert headings[layer] < first, layer  # over its column (left of its row)
        elif group == "cluster_example1":  # top to bottom in a group, Graphviz 16 may put it at the row's end
            assert headings[layer] < first or headings[layer] > last, layer


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("neurons", ["collapsed", "expanded"])
def test_examples_are_groups_in_order_each_with_its_inputs_at_the_input_side(
    neurons: str, rankdir: str, engine: str
) -> None:
    svg, _ = _drawn("tutorial_loss", neurons, rankdir, engine)
    groups = _clusters(svg)
    assert sorted(groups) == [f"cluster_example{k}" for k in range(1, 5)]
    starts = [groups[f"cluster_example{k}"][1 if rankdir == "LR" else 0] for k in range(1, 5)]
    assert starts == sorted(starts)  # example 1 on top (on the left), then 2, 3, 4
    across = 0 if rankdir == "LR" else 1  # the direction the network runs
    for group, box in groups.items():
        inputs = [(x, y) for t, x, y, _ in _places(svg) if INPUT.fullmatch(t) and _inside(x, y, box)]
        neurons_at = [(x, y) for t, x, y, _ in _places(svg) if NAME.fullmatch(t) and _inside(x, y, box)]
        assert len(inputs) == 3 and len(neurons_at) == 4 + 4 + 1, group
        assert max(p[across] for p in inputs) < min(p[across] for p in neurons_at)  # one column before the network
    firsts = [min(x for t, x, y, _ in _places(svg) if t == "x0" and _inside(x, y, b)) for b in groups.values()]
    if rankdir == "LR":
        assert max(firsts) - min(firsts) < 1  # every example's inputs in one column


# ---------------------------------------------------------------- wires


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize(("name", "neurons"), VIEWS)
def test_no_wire_runs_through_another_neuron_or_another_examples_group(
    name: str, neurons: str, rankdir: str, engine: str
) -> None:
    """Sample every edge's curve: no point may lie inside a box other than its own two ends', nor inside
    a group that holds neither end (2 px in from each outline: a wire may touch one)."""
    svg, pic = _drawn(name, neurons, rankdir, engine)
    drawing, groups = Drawing(svg), _clusters(svg)
    nodes = [g for g in root(svg).iter(f"{SVG}g") if g.get("class") == "node" and g.find(f"{SVG}polygon") is not None]
    boxes = {g.get("id"): _outline(g) for g in nodes}  # every box (not the headings, nor invisible nodes)
    centre = {nid: ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for nid, b in boxes.items()}
    problems = []
    checked = 0
    for k, (tail, head) in enumerate(pic.edges):
        eid = f"e{k}"
        if eid not in drawing.paths:
            continue
        checked += 1
        own = {_group_of(*centre[tail], groups), _group_of(*centre[head], groups)}
        for x, y in drawing.paths[eid][1:-1]:
            problems += [
                f"{tail}->{head} through {nid}"
                for nid, b in boxes.items()
                if nid not in (tail, head) and _inside(x, y, b, 2)
            ]
            problems += [
                f"{tail}->{head} through {c}" for c, b in groups.items() if c not in own and _inside(x, y, b, 2)
            ]
    assert checked > 0
    assert not problems, sorted(set(problems))[:10]


# ---------------------------------------------------------------- size and paint


def test_the_expanded_2_3_1_fits_a_notebook_with_12_px_text_each_number_painted_as_what_it_is() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", PictureTooLarge)  # the gallery's picture must not need the warning
        d = draw(_graph("mlp_2_3_1"), neurons="expanded")
        svg = d.svg("wasm")
    assert d.fits and size_px(svg)[0] <= 900 and smallest_text_px(svg) >= 12
    assert not overlapping(svg) and not text_outside_boxes(render(d.source, "svg", "wasm").decode())
    weights = _graph("mlp_2_3_1").parents[:3]  # the linear output neuron's w0, w1, w2 (its sum is the output)
    values, grads = texts_of(svg, "data"), texts_of(svg, "grad")
    assert all(format_value(w.data, 4) in values and format_value(w.grad, 4) in grads for w in weights)
