"""Backward, step by step: frames, highlights, the HTML player (also in a real headless browser)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from svgtools import SVG, root, texts

from micrograd import Value, draw_steps, save_steps
from micrograd.core import topological_order
from micrograd.drawing.numbers import format_number
from micrograd.drawing.theme import LECTURE
from micrograd.gallery import add_mul, sigmoid_neuron


def grads_shown(svg: str) -> list[str]:
    """The gradients a record-style frame shows (a box's grad field with a number)."""
    return [t for t in texts(svg) if t.startswith("grad ") and t.strip("grad \u2007")]


def hot_wires(svg: str) -> int:
    """How many wires a frame highlights (edges drawn in the highlight colour)."""
    return sum(
        1
        for g in root(svg).iter(f"{SVG}g")
        if g.get("data-role") == "edge" and any(e.get("stroke") == LECTURE.highlight for e in g.iter(f"{SVG}path"))
    )


def test_no_backward_needed_and_one_frame_per_gradient() -> None:
    f = sigmoid_neuron()
    steps = draw_steps(f, engine="wasm", style="record")
    nodes = topological_order(f)
    assert all(v.grad == 0 for v in nodes)  # draw_steps wrote no gradient
    constants = [v for v in nodes if not v.requires_grad]
    assert len(nodes) == 15 and [c.data for c in constants] == [1.0, 1.0]  # 1 + exp(...), 1 / (...)
    assert len(steps) == 1 + 13  # the forward pass, then one frame per gradient: none for the constants
    for k, frame in enumerate(steps):
        assert len(grads_shown(frame.svg())) == k  # frame k shows exactly k gradients


def test_frames_follow_backward_order() -> None:
    f = add_mul()  # f = (x + y) z
    steps = draw_steps(f, engine="wasm", style="record")
    f.backward()  # after the frames, to compare: they showed what backward computes
    order = list(reversed(topological_order(f)))
    assert [v.label for v in order][:2] == ["f", "z"] or [v.label for v in order][:2] == ["f", "q"]
    assert steps[0].caption.startswith("forward pass: f = -12")
    assert steps[1].caption == "step 1 of 5: the seed, df/df = 1"
    for k, v in enumerate(order, start=1):
        assert f"df/d{v.label} = " in steps[k].caption
        shown = texts(steps[k].svg())
        i = shown.index(v.label)
        assert shown[i + 2] == f"grad {format_number(v.grad)}"


def test_wires_just_used_are_highlighted() -> None:
    x = Value(3.0, label="x")
    f = x * x + x  # x feeds two gates, the mul twice
    f.label = "f"
    steps = draw_steps(f, engine="wasm", style="record")
    frame = next(s for s in steps if "df/dx =" in s.caption)
    assert hot_wires(frame.svg()) == 6  # x -> mul (twice), x -> add: each through its own wire record
    assert "grad 7" in texts(frame.svg())  # d(x² + x)/dx = 2x + 1
    assert hot_wires(steps[1].svg()) == 0  # the seed used no wire
    circuit = draw_steps(f, style="circuit", engine="wasm")
    assert hot_wires(circuit[1].svg()) == 2  # the output wire: into and out of its record
    at_x = next(s for s in circuit if "df/dx =" in s.caption)
    assert hot_wires(at_x.svg()) == 7  # the stem into its junction, and the three branches (in and out)


def test_draw_steps_leaves_gradients_as_they_are() -> None:
    f = add_mul()
    f.backward()
    x = f.parents[0].parents[0]
    draw_steps(f, engine="wasm")
    assert x.grad == -4.0  # not accumulated twice
    f.backward()
    assert x.grad == -8.0  # a second backward() accumulates, as it always does


def test_steps_reject_unknown_keywords_and_big_graphs() -> None:
    with pytest.raises(TypeError, match="colour"):
        draw_steps(add_mul(), colour="red")
    big = sum(Value(float(i)) for i in range(200))
    with pytest.raises(ValueError, match="max_nodes=100"):
        draw_steps(big)


def test_save_steps_writes_one_self_contained_page(tmp_path: Path) -> None:
    path = save_steps(sigmoid_neuron(), tmp_path / "steps.html", engine="wasm")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count('class="mg-frame"') == 14 and page.count("<svg") == 14
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"\b(src|href)\s*=\s*[\"']?(https?:|//)", page)  # nothing fetched
    assert "<link" not in page and "@import" not in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # frames' SVG ids made unique
    assert os.listdir(tmp_path) == ["steps.html"]


def test_steps_display_inline_in_jupyter() -> None:
    steps = draw_steps(add_mul(), engine="wasm", style="record")
    fragment = steps._repr_html_()
    assert "<html" not in fragment and 'class="mg-player"' in fragment and "<script>" in fragment
    assert fragment.count('class="mg-frame"') == 6


# ---------------------------------------------------------------- a real browser


@pytest.mark.slow
def test_player_steps_through_backward_in_a_browser(browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    path = save_steps(sigmoid_neuron(), tmp_path / "steps.html", engine="wasm", style="record")
    browser.get(path.as_uri())

    def shown() -> tuple[str, str, list[str]]:
        player = browser.find_element(By.CLASS_NAME, "mg-player")
        visible = [f for f in browser.find_elements(By.CLASS_NAME, "mg-frame") if f.is_displayed()]
        assert len(visible) == 1
        words = [t.text.replace("\u2007", "").strip() for t in visible[0].find_elements(By.TAG_NAME, "text")]
        grads = [w for w in words if w.startswith("grad ")]  # a blank gradient reads "grad"
        caption = browser.find_element(By.CLASS_NAME, "mg-caption").text
        return player.get_attribute("data-frame"), caption, grads

    frame, caption, grads = shown()
    assert frame == "0" and caption.startswith("forward pass: f = 0.7311") and grads == []

    browser.find_element(By.CLASS_NAME, "mg-next").click()
    frame, caption, grads = shown()
    assert frame == "1" and caption == "step 1 of 13: the seed, df/df = 1" and grads == ["grad 1"]

    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT)
    frame, caption, grads = shown()
    assert frame == "2" and caption.startswith("step 2 of 13") and len(grads) == 2

    body.send_keys(Keys.END)
    frame, caption, grads = shown()
    assert frame == "13" and len(grads) == 13
    assert {"grad -0.1966", "grad 0.3932", "grad -0.3932", "grad -0.5898", "grad 0.1966"} <= set(grads)

    body.send_keys(Keys.ARROW_LEFT)
    assert shown()[0] == "12"
    browser.find_element(By.CLASS_NAME, "mg-prev").click()
    assert shown()[0] == "11"
    slider = browser.find_element(By.CLASS_NAME, "mg-slider")
    assert slider.get_attribute("value") == "11" and slider.get_attribute("max") == "13"
    browser.execute_script("arguments[0].value = '0'; arguments[0].dispatchEvent(new Event('input'));", slider)
    assert shown()[0] == "0"
