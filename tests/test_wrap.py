"""A chain too long for a slide wraps into rows (``fit="16:9"``): cut only between nodes, every number
drawn once and whole, the cut wires marked, the text still 12 px or more."""

from __future__ import annotations

import re

import pytest
from svgtools import SVG, box, root, smallest_text_px, texts_of

from micrograd import Value, draw
from micrograd.drawing.svg import MIN_TEXT_PX


def chain(n: int, op: str = "tanh") -> Value:
    y = Value(0.5, label="x")
    for _ in range(n):
        y = getattr(y, op)()
    y.label = "y"
    y.backward()
    return y


def rows(svg: str) -> list:
    return [e for e in root(svg) if e.tag == f"{SVG}svg"]


@pytest.fixture(scope="module")
def long_chain() -> str:
    return draw(chain(40), style="circuit", fit="16:9", max_nodes=1000).svg("wasm")


def test_a_long_chain_wraps_into_rows_that_fit_a_slide_with_12_px_text(long_chain: str) -> None:
    r = root(long_chain)
    width, height = (float(r.get(k, "0").removesuffix("px")) for k in ("width", "height"))
    assert int(r.get("data-rows", "0")) == len(rows(long_chain)) >= 3
    assert width <= 900 and height <= 900 * 9 / 16 and r.get("data-fits") is None
    assert smallest_text_px(long_chain) >= MIN_TEXT_PX - 0.01


def test_every_number_is_drawn_once_and_whole_inside_its_row(long_chain: str) -> None:
    y = chain(40)
    values = texts_of(long_chain, "value")
    assert len(values) == 40 + 1  # a wire per tanh, and the output's
    assert values[-1].startswith("y = ") and values[0] == "0.5"
    for row in rows(long_chain):
        a, _, w, _ = (float(n) for n in row.get("viewBox", "").split())
        shift = float(re.search(r"translate\(([-\d.]+)", row[0].get("transform", "")).group(1))
        for t in row.iter(f"{SVG}text"):
            if (t.text or "").strip():
                b = box(t)
                assert a - 0.5 <= b.x0 + shift and b.x1 + shift <= a + w + 0.5, b  # not cut by the row's edge
    ids = [e.get("id") for e in root(long_chain).iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    assert y.data == pytest.approx(float(values[-1].removeprefix("y = ")), abs=1e-3)


def test_a_cut_wire_ends_and_goes_on_in_a_mark(long_chain: str) -> None:
    marks = texts_of(long_chain, "mark")
    assert set(marks) == {"…"} and len(marks) == 2 * (len(rows(long_chain)) - 1)


def test_a_notebook_picture_does_not_wrap() -> None:
    svg = draw(chain(40), style="circuit", max_nodes=1000).svg("wasm")
    assert not rows(svg) and not texts_of(svg, "mark")
