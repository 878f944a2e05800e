"""Stepping through a collapsed picture (``draw_steps``/``explain`` with ``collapse=``), and micrograd.nn's
models built in scopes (``L1/N2``). Worksheets and comparisons collapsed: tests/test_collapsed_sheets.py."""

from __future__ import annotations

import random

import pytest
from gptlike import gpt_step
from svgtools import SVG, root
from test_collapse import _model, _twin, _wire

import micrograd
from micrograd import Value, draw, explain
from micrograd.core import topological_order
from micrograd.drawing.diagram import graph
from micrograd.drawing.neurons import find_network, scoped_network
from micrograd.drawing.numbers import format_number
from micrograd.drawing.steps import draw_steps
from micrograd.nn import MLP, Layer, Neuron


def _grads(svg: str) -> list[str]:
    """Every gradient number the frame shows (hidden ones are removed from the SVG)."""
    texts = root(svg).iter(f"{SVG}text")
    return [t.text or "" for t in texts if t.get("class") == "mg-grad" and (t.text or "").strip()]


def test_a_collapsed_player_has_a_frame_per_drawn_element_a_box_sending_its_gradients_back_at_once() -> None:
    f = _model()
    g = graph(f, 100, collapse=True)
    frames = draw_steps(f, collapse=True)
    assert len(frames) == 1 + g.collapsed.drawn  # the forward pass, then one step per box or node (x, y, +, 2 boxes)
    captions = [d.caption for d in frames]
    assert "dec (2 nodes)" in captions[2] and "enc (4 nodes): the gradients of its 2 inputs arrive" in captions[3]
    x_in, y_twin = _twin()
    before, after = frames[2].svg(), frames[3].svg()  # enc's step: what it sends back to x and y arrives
    assert format_number(x_in.grad) not in _grads(before) and format_number(y_twin.grad) not in _grads(before)
    assert _wire(after, "x → enc:")["grad"] == format_number(x_in.grad)
    assert _wire(after, "y → enc:")["grad"] == format_number(y_twin.grad)
    x = next(v for v in topological_order(f) if v.label == "x")
    assert format_number(x.grad) not in _grads(after)  # x's total comes at its own step, the last
    assert captions[-1].endswith(f"= {format_number(x.grad)}") and format_number(x.grad) in _grads(frames[-1].svg())


def test_the_last_collapsed_frame_shows_what_the_still_collapsed_picture_shows() -> None:
    f = _model()
    last, still = draw_steps(f, collapse=True)[-1].svg(), draw(f, collapse=True).svg()
    assert sorted(_grads(last)) == sorted(_grads(still))


def test_a_gpt_shaped_step_steps_position_by_position() -> None:
    loss, _ = gpt_step(positions=3, embd=4, heads=2, vocab=5, mlp=2)
    frames = draw_steps(loss, collapse=True)
    assert len(frames) == 1 + graph(loss, 100, collapse=True).collapsed.drawn
    positions = [d.caption for d in frames if ": pos" in d.caption]
    assert [c.split(": ")[1].split(" ")[0] for c in positions] == ["pos2", "pos1", "pos0"]  # the last first


def test_explain_collapsed_writes_a_box_line_per_entering_value_summing_to_its_gradient() -> None:
    f = _model()
    x_in, y_twin = _twin()
    ex = explain(f, collapse=True)
    boxes = [s for s in ex.steps if s.kind == "box"]
    assert [(ex.names[s.node], s.via) for s in boxes] == [("n4", "dec"), ("x", "enc"), ("y", "enc")]
    for s in boxes:
        assert s.value == pytest.approx(sum(s.terms))
    assert boxes[1].value == pytest.approx(x_in.grad) and boxes[2].value == pytest.approx(y_twin.grad)
    x = next(v for v in topological_order(f) if v.label == "x")
    (total,) = [s for s in ex.steps if s.kind == "sum"]
    assert total.node is x and total.value == pytest.approx(x.grad) and sum(total.terms) == pytest.approx(x.grad)
    assert ex.lines()[2].startswith("df/dx (via enc) = ")


def test_explain_collapsed_on_a_gpt_step_sums_to_the_parameters_gradients() -> None:
    loss, params = gpt_step(positions=2, embd=4, heads=2, vocab=5, mlp=2)
    ex = explain(loss, collapse=True)
    got: dict[int, float] = {}
    for s in ex.steps:
        if s.kind == "box" and s.node.label.startswith("wte["):
            got[id(s.node)] = got.get(id(s.node), 0.0) + s.value
    wte = {id(w): w for row in params["wte"] for w in row}
    assert got and all(got[k] == pytest.approx(wte[k].grad) for k in got)


def _mlp_loss() -> tuple[MLP, Value]:
    random.seed(1)
    model = MLP(2, [3, 2, 1], activation="tanh")
    loss = micrograd.sum((model([x, -x]) - t) ** 2 for x, t in ((0.5, 1.0), (-1.0, -1.0)))
    loss.backward()
    return model, loss


def test_nn_modules_run_in_scopes_named_as_the_pictures_name_neurons() -> None:
    model, loss = _mlp_loss()
    sums = [v for v in topological_order(loss) if v.op == "Σwx+b"]
    assert {v.scope for v in sums} == {"L1/N1", "L1/N2", "L1/N3", "L2/N1", "L2/N2", "L3/N1"}
    w = model.layers[1].neurons[1].w[0]
    assert w.scope is None  # nothing is written into a parameter: a collapsed picture boxes it by its use
    assert graph(loss, 100, collapse=2).collapsed.box_of[w].path == "L2/N2"
    assert Neuron(2)([1.0, 2.0]).scope == "N1" and Layer(2, 2)([1.0, 2.0])[1].scope == "L1/N2"

    g = graph(loss, 1000)
    sums = [v for v in g.topo if v.op == "Σwx+b"]
    structural, scoped = find_network(g.topo, g.uses), scoped_network(g, sums)
    assert structural is not None and scoped is not None
    for a, b in zip(structural.examples, scoped.examples, strict=True):  # the structure and the scopes agree
        assert [[(n.total, n.out, n.name) for n in layer] for layer in a] == [
            [(n.total, n.out, n.name) for n in layer] for layer in b
        ]
    for layer in scoped.layers:
        for n in layer:
            assert n.total.scope == n.name.replace(".", "/")


def test_a_picture_of_a_graph_does_not_change_when_its_model_is_called_again_elsewhere() -> None:
    model, loss = _mlp_loss()
    before = {id(p): graph(loss, 100, collapse=2).collapsed.box_of[p].path for p in model.parameters()}
    with micrograd.scope("elsewhere"):
        model([0.1, 0.2])  # a new graph, the same parameters
    after = graph(loss, 100, collapse=2).collapsed
    assert {id(p): after.box_of[p].path for p in model.parameters()} == before
    assert all(p.scope is None for p in model.parameters())


def test_the_neuron_view_reads_a_neurons_activation_from_its_scope() -> None:
    random.seed(2)
    model = MLP(2, [3, 1])  # the last layer linear; a tanh after the model is not its neuron's
    out = model([0.5, -1.0])
    assert isinstance(out, Value)
    squashed = out.tanh()
    g = graph(squashed, 1000)
    net = find_network(g.topo, g.uses, g)
    assert net is not None
    (last,) = net.layers[-1]
    assert last.name == "L2.N1" and last.activation == "linear" and last.out is out
    assert net.names.get(squashed) is None  # drawn after the network, as the loss is


def test_examples_in_scopes_of_their_own_are_the_network_views_groups() -> None:
    random.seed(3)
    model = MLP(2, [3, 1], activation="tanh")
    terms = []
    for k, x in enumerate((0.5, -1.0, 2.0)):
        with micrograd.scope(f"ex{k}"):
            terms.append(model([x, -x]) ** 2)
    loss = micrograd.sum(terms)
    g = graph(loss, 1000)
    net = find_network(g.topo, g.uses, g)
    assert net is not None and len(net.examples) == 3
    for k, layers in enumerate(net.examples):
        assert {n.total.scope.split("/")[0] for layer in layers for n in layer} == {f"ex{k}"}
        assert [[n.name for n in layer] for layer in layers] == [["L1.N1", "L1.N2", "L1.N3"], ["L2.N1"]]
    svg = draw(loss, neurons="expanded").svg()
    assert "example 3" in svg


def test_an_mlp_collapses_to_its_layers_and_to_its_neurons() -> None:
    model, loss = _mlp_loss()
    layers = graph(loss, 100, collapse=1).collapsed
    assert sorted(b.path for b in layers.boxes) == ["L1", "L2", "L3"]
    assert all(b.kind == "scope" for b in layers.boxes)  # the parameters are inside their boxes
    neurons = graph(loss, 100, collapse=2).collapsed
    assert sorted(b.path for b in neurons.boxes) == ["L1/N1", "L1/N2", "L1/N3", "L2/N1", "L2/N2", "L3/N1"]
    frames = draw_steps(loss, collapse=1)
    assert len(frames) == 1 + layers.drawn
    svg = draw(loss, collapse=1).svg()
    assert format_number(loss.data) in svg


def test_where_the_scopes_do_not_tell_the_network_its_structure_does() -> None:
    random.seed(4)
    first, second = Layer(2, 3), Layer(3, 2)  # called on their own: both are scope L1
    out = micrograd.sum(second(first([1.0, 2.0])))
    g = graph(out, 1000)
    sums = [v for v in g.topo if v.op == "Σwx+b"]
    assert {v.scope for v in sums} == {"L1/N1", "L1/N2", "L1/N3"} and scoped_network(g, sums) is None
    net = find_network(g.topo, g.uses, g)
    assert net is not None and [[n.name for n in layer] for layer in net.layers] == [
        ["L1.N1", "L1.N2", "L1.N3"],
        ["L2.N1", "L2.N2"],
    ]
