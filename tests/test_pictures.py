"""Pictures that tell the truth and fit a slide: each point of the renderer's design, read back from the SVG."""

from __future__ import annotations

import re

import pytest
from svgtools import SVG, boxes, misplaced, overlapping, root, size_px, smallest_text_px, texts, texts_of

import micrograd
from micrograd import Value, draw, draw_steps
from micrograd.cli.expr import build
from micrograd.drawing.theme import COLORBLIND, THEMES
from micrograd.gallery import fork_a_plus_a, fork_xy, gallery_diagrams, mlp, sigmoid_neuron


def done(f: Value) -> Value:
    f.backward()
    return f


def groups(svg: str, role: str) -> list:
    return [g for g in root(svg).iter(f"{SVG}g") if g.get("data-role") == role]


# ---------------------------------------------------------------- 1. forks drawn truthfully


@pytest.mark.parametrize("style", ["circuit", "record"])
def test_a_plus_a_each_wire_carries_its_contribution_the_node_the_sum(style: str) -> None:
    b = done(fork_a_plus_a())
    svg = draw(b, style=style, annotate=True).svg("wasm")
    grads = texts_of(svg, "grad")
    if style == "circuit":
        assert sorted(grads) == ["1", "1", "1", "2"]  # two branches of 1, the output's 1; the stem's total 2
        assert {"= 1", "+ 1"} <= set(texts_of(svg, "note"))  # the stem's sum written out: 2 = 1 + 1
    else:
        assert sorted(grads) == ["1", "1", "grad 1", "grad 2"]  # a's total 2 and b's 1 in the boxes; each wire 1


@pytest.mark.parametrize("style", ["circuit", "record"])
def test_x_squared_plus_3xy_shows_both_branches_and_their_sum(style: str) -> None:
    """The issue's example: x's branches carry 2.4691 and -0.000369, x itself 2.4688 (before: 2.4688 twice)."""
    f = done(fork_xy())
    grads = texts_of(draw(f, style=style).svg("wasm"), "grad")
    total = "2.4688" if style == "circuit" else "grad 2.4688"
    assert "2.4691" in grads and "-0.000369" in grads and total in grads
    assert grads.count("2.4688") + grads.count("grad 2.4688") == 1


def test_the_player_shows_a_fork_s_contributions_at_its_step() -> None:
    f = build("x**2 + 3*x*y", x=1.23456, y=-0.000123)
    f.label = "f"
    steps = draw_steps(f, engine="wasm")
    at_x = next(d for d in steps if d.caption.startswith("step") and "df/dx =" in d.caption)
    assert "x is used 2 times" in at_x.caption and "2.4688" in at_x.caption
    grads = texts_of(at_x.svg(), "grad")
    assert {"2.4691", "-0.000369", "2.4688"} <= set(grads)
    before = steps[steps.index(at_x) - 1]
    assert not {"2.4691", "-0.000369", "2.4688"} & set(texts_of(before.svg(), "grad"))  # not yet revealed


# ---------------------------------------------------------------- 2. constants inside gates


def test_constants_are_written_inside_their_gates_never_as_inputs() -> None:
    f = done(sigmoid_neuron())
    for style in ("circuit", "record"):
        svg = draw(f, style=style).svg("wasm")
        shown = texts(svg)
        assert "+1" in shown and "1/x" in shown
        assert not [t for t in texts_of(svg, "name") if re.fullmatch(r"[\d.+-]+", t)]  # nothing named by a number
    x = Value(3.0, label="x")
    square = done(x**2)
    svg = draw(square, style="circuit").svg("wasm")
    assert "x²" in texts(svg) and texts_of(svg, "name") == ["x"]  # no input wire "2" with a gradient 0
    steps = draw_steps(done(sigmoid_neuron()), engine="wasm")
    assert not any("d1" in d.caption.split(":", 1)[-1].split("=")[0] for d in steps)  # no frame for a constant


def test_unlabelled_inputs_are_named_so_they_cannot_be_read_as_numbers() -> None:
    x = Value(2.0)
    f = done((x * 2 + 1).relu())
    svg = draw(f, style="circuit").svg("wasm")
    assert texts_of(svg, "name") == ["a"] and {"×2", "+1", "ReLU"} <= set(texts(svg))
    assert texts_of(draw(f, style="circuit", names={x: "input"}).svg("wasm"), "name") == ["input"]
    c = Value(5.0, label="c", requires_grad=False)  # a leaf the user made and labelled stays a leaf
    g = done(x * c)
    assert {"a", "c"} <= set(texts_of(draw(g, style="circuit").svg("wasm"), "name"))


# ---------------------------------------------------------------- 3. no overlapping text; 4. fits


README_EXAMPLES = {
    "draw(f)": lambda: draw(done(sigmoid_neuron())),
    "draw(f, style='circuit')": lambda: draw(done(sigmoid_neuron()), style="circuit"),
    "draw(f, annotate=True)": lambda: draw(done(sigmoid_neuron()), annotate=True),
    "cli 2*(max(z,w)+x*y)": lambda: draw(done(build("2*(max(z,w)+x*y)", x=3, y=-4, z=2, w=-1)), style="circuit"),
    "tensors": lambda: draw(done((micrograd.Tensor([[1.0, 2.0]]) @ micrograd.Tensor([[3.0], [4.0]])).sum())),
}


def all_pictures() -> dict[str, object]:
    pictures = dict(gallery_diagrams())
    pictures.update({name: make() for name, make in README_EXAMPLES.items()})
    return pictures


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return {name: d.svg("wasm") for name, d in all_pictures().items()}  # type: ignore[attr-defined]


def test_the_gallery_covers_both_styles_annotations_themes_forks_and_networks(rendered) -> None:
    names = " ".join(rendered)
    for word in ("circuit", "record", "annotated", "colorblind", "dark", "fork", "mlp"):
        assert word in names


def test_no_two_texts_overlap_in_any_picture(rendered) -> None:
    for name, svg in rendered.items():
        assert boxes(svg), name
        assert overlapping(svg) == [], name


def test_every_value_and_gradient_sits_next_to_its_own_wire(rendered) -> None:
    for name, svg in rendered.items():
        assert misplaced(svg) == [], name


def test_the_overlap_check_catches_overlaps() -> None:
    """The check itself: two texts written on top of each other are found."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><text x="10" y="10" font-size="12">-0.3932</text>'
        '<text x="14" y="12" font-size="12">2</text><text x="200" y="10" font-size="12">apart</text></svg>'
    )
    assert [(a.text, b.text) for a, b in overlapping(svg)] == [("-0.3932", "2")]


def test_every_picture_fits_a_notebook_or_says_so_and_no_text_is_under_12_px(rendered) -> None:
    too_wide = []
    for name, svg in rendered.items():
        width, height = size_px(svg)
        assert smallest_text_px(svg) >= 12 - 0.01, name
        if width > 900:  # the gallery forces left to right: a picture that cannot fit so is marked
            assert root(svg).get("data-fits") == "false", name
            too_wide.append(name)
        assert width / height > 0.5 or name.startswith("mlp"), name  # not a tall strip: it fits a 16:9 slide too
    assert len(too_wide) <= 2, too_wide  # the mlp of 16 neurons a layer; the sigmoid neuron's records (949 px)


def test_the_annotated_neuron_is_readable_at_100_percent() -> None:
    """Every text, the notes too, is at least 12 px on screen, and the picture fits a notebook."""
    svg = draw(done(sigmoid_neuron()), style="circuit", annotate=True).svg("wasm")
    scale = float(root(svg).get("data-scale"))
    px = {t.get("class"): float(t.get("font-size")) * 4 / 3 * scale for t in root(svg).iter(f"{SVG}text")}
    assert px["mg-grad"] >= 12 and px["mg-value"] >= 12 and px["mg-note"] >= 12, px
    assert size_px(svg)[0] <= 900


def test_width_font_size_precision_and_direction_are_options() -> None:
    f = done(sigmoid_neuron())
    narrow = draw(f, width=500, style="circuit", rankdir="LR")  # too narrow for 12 px text: larger, and it says so
    assert not narrow.fits and "500 px" in narrow.size_message() and smallest_text_px(narrow.svg("wasm")) >= 12
    assert size_px(draw(f, width=800, rankdir="TB").svg("wasm"))[0] <= 800  # five input boxes in a row
    natural = size_px(draw(f, width=None).svg("wasm"))[0]
    assert natural > 900  # the record picture, left to right, at its natural size
    sizes = {t.get("font-size") for t in root(draw(f, style="circuit", font_size=9).svg("wasm")).iter(f"{SVG}text")}
    assert "9.00" in sizes
    assert "0.73" in " ".join(texts(draw(f, style="circuit", precision=2).svg("wasm")))
    assert draw(f, rankdir="TB", style="circuit").source.count("rankdir=TB") == 1


def test_auto_direction_keeps_left_to_right_unless_top_to_bottom_is_much_better() -> None:
    f = done(sigmoid_neuron())
    assert draw(f, style="circuit").decide("wasm") == "LR"  # the lecture's look, slightly scaled
    x = Value(0.3, label="x")
    y = x
    for _ in range(24):  # a long chain: left to right it would shrink to nothing
        y = y.tanh()
    y.label = "y"
    assert draw(done(y), style="circuit").decide("wasm") == "TB"


# ---------------------------------------------------------------- 5. neural nets


def test_a_2_16_16_1_mlp_reads_as_layers_of_named_neurons() -> None:
    out = done(mlp())
    svg = draw(out, shade=True).svg("wasm")
    names = texts_of(svg, "name")
    neurons = [n for n in names if re.fullmatch(r"L\d\.N\d+", n)]
    assert len(neurons) == 16 + 16 + 1 and "L1.N16" in neurons and "L3.N1" in neurons
    assert "L1 · ReLU" in texts(svg) and "L3 · linear" in texts(svg)
    assert set(names) == {*neurons, "x0", "x1"}  # neurons and the inputs: no weight drawn as a loose leaf
    titles = [t.text or "" for g in groups(svg, "edge") for t in g.iter(f"{SVG}title")]
    assert sum("L2.N5.w3" in t and "dL/dL2.N5.w3" in t for t in titles) == 1  # each weight is a connection
    columns: dict[str, set[float]] = {}
    for g in groups(svg, "box"):
        title = next(iter(g.iter(f"{SVG}text"))).text or ""
        if re.fullmatch(r"L\d\.N\d+", title):
            x = round(float(next(iter(g.iter(f"{SVG}text"))).get("x")), 0)
            columns.setdefault(title[:2], set()).add(x)
    assert all(len(xs) == 1 for xs in columns.values())  # each layer one column
    assert min(columns["L1"]) < min(columns["L2"]) < min(columns["L3"])  # in order, left to right
    widths = {p.get("stroke-width") for g in groups(svg, "edge") for p in g.iter(f"{SVG}path")}
    assert len(widths) > 10  # shaded by |gradient|: many different strokes
    assert size_px(svg)[0] <= 900 and overlapping(svg) == []


def test_a_network_can_be_expanded_or_drawn_gate_by_gate() -> None:
    out = done(mlp((2, 3, 1)))
    expanded = draw(out, neurons="expanded").svg("wasm")
    assert {"L1.N1.w0", "L1.N1.w1", "L1.N1.b", "L2.N1.w2"} <= set(texts_of(expanded, "name"))
    assert {"L1.N1", "L1.N2", "L1.N3", "L2.N1"} <= set(texts(expanded))  # each neuron a group
    gates = draw(out, neurons="off", style="circuit").svg("wasm")
    assert "Σwx+b\n0.5, -1.2" not in texts(gates) and "Σwx+b" in texts(gates)
    with pytest.raises(ValueError, match="neurons"):
        draw(out, neurons="some")


# ---------------------------------------------------------------- 6. tooltips and a summary


def test_every_wire_and_node_says_its_chain_rule_on_hover() -> None:
    svg = draw(done(sigmoid_neuron()), style="circuit").svg("wasm")
    tree = root(svg)
    drawn = [g for g in tree.iter(f"{SVG}g") if g.get("data-role")]
    assert drawn
    for g in drawn:
        title = g.find(f"{SVG}title")
        assert title is not None and title.text, g.get("id")
    wire_titles = [g.find(f"{SVG}title").text for g in groups(svg, "wire")]
    assert any("dx0 along this wire = df/dn1 · ∂n1/∂x0 = 0.1966 · 2 = 0.3932" in t for t in wire_titles)
    assert tree.find(f"{SVG}title").text == "f = 0.7311"
    desc = tree.find(f"{SVG}desc").text
    assert "f = 0.7311" in desc and "df/dx0 = 0.3932" in desc and tree.get("role") == "img"


# ---------------------------------------------------------------- 7. themes


@pytest.mark.parametrize("theme", list(THEMES.values()), ids=list(THEMES))
def test_themes_keep_values_and_gradients_apart_by_position_and_style(theme) -> None:
    svg = draw(done(sigmoid_neuron()), style="circuit", theme=theme.name).svg("wasm")
    tree = root(svg)
    values = [t for t in tree.iter(f"{SVG}text") if t.get("class") == "mg-value"]
    grads = [t for t in tree.iter(f"{SVG}text") if t.get("class") == "mg-grad"]
    assert {t.get("fill") for t in values} == {theme.value} and {t.get("fill") for t in grads} == {theme.gradient}
    assert all(t.get("font-style") == "italic" for t in grads) and not any(t.get("font-style") for t in values)
    assert misplaced(svg) == []  # values above their wire, gradients below
    assert tree.find(f"{SVG}rect").get("fill") == theme.background


def test_the_colorblind_theme_is_okabe_ito() -> None:
    assert (COLORBLIND.value, COLORBLIND.gradient) == ("#0072b2", "#c05500")  # the vermillion darkened to 4.5:1


# ---------------------------------------------------------------- 9. the player speaks in the picture's names


def test_captions_use_the_names_drawn_and_write_out_the_arithmetic() -> None:
    steps = draw_steps(sigmoid_neuron(), engine="wasm")
    at_x0 = next(d for d in steps if "df/dx0 =" in d.caption)
    assert at_x0.caption.endswith("df/dx0 = df/dn1 · ∂n1/∂x0 = 0.1966 · 2 = 0.3932")
    for d in steps[1:]:
        drawn = set(texts(d.svg()))
        for name in re.findall(r"d(\w+)/d", d.caption):
            assert name in drawn or f"{name} = 0.7311" in drawn, (name, d.caption)


def tutorial_loss() -> Value:
    """The tutorial video's MLP(3, [4, 4, 1]) and its squared-error loss summed over 4 examples."""
    import random

    from micrograd.nn import MLP

    random.seed(1)
    model = MLP(3, [4, 4, 1], activation="tanh")
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys, strict=True))
    return done(loss)


def clusters(svg: str) -> dict[str, tuple[float, float, float, float]]:
    """Each group's box (x0, y0, x1, y1), by its DOT name."""
    out = {}
    for g in root(svg).iter(f"{SVG}g"):
        if g.get("class") == "cluster":
            xy = [float(n) for n in g.find(f"{SVG}polygon").get("points").replace(",", " ").split()]
            out[g.find(f"{SVG}title").text] = (min(xy[0::2]), min(xy[1::2]), max(xy[0::2]), max(xy[1::2]))
    return out


def test_a_loss_over_four_examples_draws_each_example_as_a_group_wired_to_its_own_inputs() -> None:
    svg = draw(tutorial_loss()).svg("wasm")
    boxes_of = clusters(svg)
    assert sorted(boxes_of) == [f"cluster_example{k}" for k in range(1, 5)]
    names = texts_of(svg, "name")
    assert names.count("L1.N1") == 4 and "L1.N5" not in names  # 4 copies of a 4-neuron layer, not 16 neurons
    inputs = [g for g in groups(svg, "box") if (next(g.iter(f"{SVG}text")).text or "") in ("x0", "x1", "x2")]
    assert len(inputs) == 12  # each example's own three inputs
    for g in inputs:
        ex, ey = (float(t.get(a)) for t in [next(g.iter(f"{SVG}text"))] for a in ("x", "y"))
        own = [c for c, (x0, y0, x1, y1) in boxes_of.items() if x0 <= ex <= x1 and y0 <= ey <= y1]
        assert len(own) == 1  # every input inside one example's group
