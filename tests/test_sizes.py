"""Sizes for a room (issue 18): no text under 12 px at the defaults, boxes hold their text, slides.

Text sizes are read back from the SVG as shown: font-size × (width in px / viewBox width)
(tests/svgtools.py); text boxes are measured with the font the PNG is drawn with.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from PIL import Image
from svgtools import root, size_px, smallest_text_px, text_outside_boxes, text_px

from micrograd import Value, draw, draw_steps, worksheet
from micrograd.cli.main import main
from micrograd.drawing import PictureTooLarge
from micrograd.drawing.render import render
from micrograd.gallery import sigmoid_neuron
from micrograd.nn import Neuron, bce_with_logits
from micrograd.tensor import Tensor


def done(f):
    f.backward()
    return f


def logistic_regression() -> Value:
    model = Neuron(2, activation="linear")
    for p, v in zip(model.parameters(), (0.5, -0.3, 0.1), strict=True):
        p.data = v
    points = [([1.0, 2.0], 1.0), ([-1.0, 0.5], 0.0), ([0.3, -1.2], 1.0)]
    loss = bce_with_logits([model([Value(a), Value(b)]) for (a, b), _ in points], [t for _, t in points])
    return done(loss)


def sigmoid_chain(n: int = 8) -> Value:
    y = Value(0.5, label="x")
    for _ in range(n):
        y = y.sigmoid()
    return done(y)


def tensor_record() -> Tensor:
    """The issue's example: (X @ W + b).relu().mean() with W 2×3 (its gradient left its box: "rad [[")."""
    X = Tensor(np.array([[1.0, -2.0], [0.5, 3.0]]), label="X")
    W = Tensor(np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]), label="W")
    b = Tensor(np.array([0.01, -0.02, 0.03]), label="b")
    return done((X @ W + b).relu().mean())


CORPUS = {
    "sigmoid neuron annotated": lambda: draw(done(sigmoid_neuron()), style="circuit", annotate=True),
    "logistic regression annotated": lambda: draw(logistic_regression(), style="circuit", annotate=True),
    "8-sigmoid chain": lambda: draw(sigmoid_chain(), style="circuit"),
    "8-sigmoid chain, records": lambda: draw(sigmoid_chain()),
    "sigmoid worksheet": lambda: worksheet(sigmoid_neuron()).picture(),
    "sigmoid worksheet key": lambda: worksheet(sigmoid_neuron()).key(),
    "Tensor record": lambda: draw(tensor_record()),
    "Tensor record, left to right": lambda: draw(tensor_record(), rankdir="LR"),
    "fork, records annotated": lambda: draw(done(Value(2.0, label="a") * Value(2.0, label="a2") + 1), annotate=True),
}


@pytest.fixture(scope="module")
def corpus() -> dict[str, tuple[object, str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PictureTooLarge)
        drawn = {name: make() for name, make in CORPUS.items()}
        return {name: (d, d.svg("wasm")) for name, d in drawn.items()}  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", CORPUS)
def test_no_text_is_under_12_px_at_the_defaults(corpus, name: str) -> None:
    d, svg = corpus[name]
    assert smallest_text_px(svg) >= 12 - 0.01, sorted(text_px(svg), key=lambda t: t[2])[:3]
    width, _ = size_px(svg)
    assert width <= 900 or (not d.fits and root(svg).get("data-fits") == "false"), name  # fits, or says so


@pytest.mark.parametrize("name", CORPUS)
def test_every_text_stays_inside_its_box_and_the_image(corpus, name: str) -> None:
    d, svg = corpus[name]
    assert text_outside_boxes(render(d.source, "svg", "wasm").decode()) == []  # as laid out: every outline
    assert text_outside_boxes(svg) == []  # as finished: gates, boxes, and the image


def test_the_outside_check_catches_a_text_past_its_box() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="400px" height="100px" viewBox="0 0 300 75">'
        '<g class="node"><polygon points="100,10 150,10 150,40 100,40 100,10"/>'
        '<text x="125" y="30" text-anchor="middle" font-size="12">grad [[0.0833, 0.0833]]</text></g>'
        '<g class="node"><polygon points="200,10 290,10 290,40 200,40 200,10"/>'
        '<text x="245" y="30" text-anchor="middle" font-size="12">fits</text></g>'
        '<text x="280" y="70" font-size="12">past the edge</text></svg>'
    )
    problems = text_outside_boxes(svg)
    assert len(problems) == 2 and "0.0833" in problems[0] and "leaves its box" in problems[0]
    assert "past the edge" in problems[1] and "leaves the image" in problems[1]
    assert smallest_text_px(svg) == pytest.approx(12 * 400 / 300)


def test_a_tensor_record_writes_a_matrix_one_row_a_line() -> None:
    svg = draw(tensor_record()).svg("wasm")
    grads = [t for kind, t, _ in text_px(svg) if kind == "grad"]
    assert "[0.5, 0.5, -0.3333]]" in grads and any(t.startswith("grad [[0.0833") for t in grads)
    datas = [t for kind, t, _ in text_px(svg) if kind == "data"]
    assert "[0.4, 0.5, -0.6]]" in datas  # the second row, in the value colour too


# ---------------------------------------------------------------- too large: say so, don't shrink


def test_a_picture_that_cannot_fit_keeps_12_px_text_and_says_so() -> None:
    f = done(sigmoid_neuron())
    d = draw(f, style="circuit", annotate=True, rankdir="LR", width=500)
    with pytest.warns(PictureTooLarge, match="500 px"):
        svg = d.svg("wasm")
    assert not d.fits and smallest_text_px(svg) == pytest.approx(12, abs=0.05) and size_px(svg)[0] > 500
    message = d.size_message()
    assert "\n" not in message and "draw(node)" in message and "width=None" in message
    page = d._repr_html_()
    assert page is not None and "overflow:auto" in page and "max-width:none" in page and "500 px" in page
    fitting = draw(f, style="circuit")
    assert fitting.fits and fitting.size_message() == "" and fitting._repr_html_() is None


def test_natural_size_always_fits() -> None:
    d = draw(logistic_regression(), style="circuit", annotate=True, width=None)
    assert d.fits and float(root(d.svg("wasm")).get("data-scale")) == 1 and smallest_text_px(d.svg("wasm")) >= 12


def test_auto_direction_never_picks_text_under_12_px_when_another_direction_fits() -> None:
    f = done(sigmoid_neuron())  # records: left to right is 949 px at 12 px text, top to bottom fits
    assert not draw(f, rankdir="LR").fits and draw(f, rankdir="TB").fits
    assert draw(f).decide("wasm") == "TB"
    assert draw(f, style="circuit", annotate=True).decide("wasm") == "LR"  # the lecture's look when it fits


def test_fit_16_9_prefers_a_landscape_shape() -> None:
    chain = sigmoid_chain(16)  # 16 σ gates: 1,675 px wide at 12 px text
    assert draw(chain, style="circuit").decide("wasm") == "TB"  # a notebook scrolls down
    slide = draw(chain, style="circuit", fit="16:9")
    assert slide.decide("wasm") == "LR"
    width, height = size_px(slide.svg("wasm"))
    assert width > height and smallest_text_px(slide.svg("wasm")) >= 12 - 0.01
    neuron = draw(done(sigmoid_neuron()), style="circuit", annotate=True, fit="16:9")
    width, height = size_px(neuron.svg("wasm"))
    assert neuron.fits and width <= 900 and height <= 900 * 9 / 16
    with pytest.raises(ValueError, match="fit must be"):
        draw(chain, fit="4:3")


# ---------------------------------------------------------------- GIF, PNG, worksheets, the command line


def test_the_gif_is_as_wide_as_a_slide_with_12_px_text() -> None:
    steps = draw_steps(sigmoid_neuron())
    frame = Image.open(io.BytesIO(steps.gif()))
    assert frame.width >= 1000 and frame.n_frames == len(steps)
    small = Image.open(io.BytesIO(steps.gif(scale=1.0)))
    assert small.width == round(size_px(steps[0].svg())[0])  # scale 1: the SVG's own px, text >= 12 px
    assert smallest_text_px(steps[0].svg()) >= 12 - 0.01


def test_worksheet_boxes_are_numbered_in_the_type_size_on_a_dark_tab() -> None:
    ws = worksheet(sigmoid_neuron())
    svg = ws.picture().svg("wasm")
    numbers = [px for kind, _, px in text_px(svg) if kind == "answer"]
    assert len(numbers) == 12 and min(numbers) >= 12
    answer = next(t for t in root(svg).iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "mg-answer")
    assert answer.get("font-weight") == "bold" and answer.get("fill") == "#ffffff"
    assert svg.count('class="mg-answer-tab"') == 12 and svg.count("data-pad=") == 12


def test_the_worksheet_page_uses_the_output_width_and_prints_landscape_when_wide() -> None:
    narrow = worksheet(sigmoid_neuron()).html()  # top to bottom: 616 px, a portrait page
    assert "max-width: 100%" in narrow and "size: landscape" not in narrow
    assert "max-width: 190mm" not in narrow.split("@media print")[0]  # on screen: the output area's width
    wide = worksheet(sigmoid_neuron(), rankdir="LR", width=None).html()
    assert "size: landscape" in wide


def test_cli_png_and_gif_for_a_slide_with_scale_and_fit(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    formula = ["draw", "2*(max(z,w)+x*y)", "x=3", "y=-4", "z=2", "w=-1"]
    assert main([*formula, "-o", "f.png"]) == 0
    assert Image.open(tmp_path / "f.png").width >= 1280  # a slide's width by default
    assert main([*formula, "-o", "f.gif"]) == 0
    assert Image.open(tmp_path / "f.gif").width >= 1280
    assert main([*formula, "-o", "one.png", "--scale", "1", "--width", "0"]) == 0
    assert main([*formula, "-o", "one.svg", "--width", "0"]) == 0
    svg_width = size_px((tmp_path / "one.svg").read_text())[0]
    assert abs(Image.open(tmp_path / "one.png").width - svg_width) <= 1
    chain = ["draw", "sigmoid(" * 16 + "x" + ")" * 16, "x=0.5"]
    assert main([*chain, "-o", "tall.svg"]) == 0 and main([*chain, "-o", "wide.svg", "--fit", "16:9"]) == 0
    tall, wide = size_px((tmp_path / "tall.svg").read_text()), size_px((tmp_path / "wide.svg").read_text())
    assert tall[0] < tall[1] and wide[0] > wide[1]
    capsys.readouterr()
    assert main([*formula, "-o", "narrow.svg", "--width", "150", "--rankdir", "LR"]) == 0
    err = capsys.readouterr().err
    assert len([line for line in err.splitlines() if line.startswith("note: ")]) == 1 and "--width 0" in err
    assert main([*formula, "-o", "f.png", "--scale", "0"]) != 0 and "scale" in capsys.readouterr().err
