"""Every object that displays carries a still picture (PNG) for the front ends that run nothing.

An untrusted notebook (JupyterLab, Notebook 7: one saved with its outputs and opened by someone
else) renders only the MIME types JupyterLab calls safe, the first of html, markdown, latex, png,
text that the bundle has, and HTML through a sanitizer that drops <style>, <script> and <svg>
(``packages/rendermime/src/registry.ts``'s ``preferredMimeType(bundle, 'ensure')``,
``factories.ts``, ``apputils/src/sanitizer.ts``). The browser tests show an executed notebook as
that front end would, and as nbconvert's HTML export does, and look at what is on the page.
"""

from __future__ import annotations

import base64
import io
import re
from typing import Any

import pytest
from PIL import Image

from micrograd import compare_backward, draw, draw_steps, worksheet
from micrograd.drawing.svg import captioned
from micrograd.gallery import add_mul, sigmoid_neuron, tanh_derivatives

PNG_IMG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def _px(svg: str) -> tuple[int, int]:
    found = re.search(r'<svg[^>]*?\bwidth="([\d.]+)px"[^>]*?\bheight="([\d.]+)px"', svg)
    assert found, "an SVG of the package has its size in px"
    return round(float(found.group(1))), round(float(found.group(2)))


def _png(data: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(data)))


def _shown() -> dict[str, tuple[Any, str]]:
    """Each kind of object that displays, and the SVG its still picture is of."""
    d = draw(sigmoid_neuron())
    steps = draw_steps(add_mul())
    ws = worksheet(sigmoid_neuron())
    c = compare_backward(mistake="set-not-accumulate")
    panels = tanh_derivatives()
    first = captioned(steps[0].svg(), steps[0].caption, steps[0].theme)
    return {
        "diagram": (d, d.svg()),
        "steps": (steps, first),
        "worksheet": (ws, ws.picture().svg()),
        "comparison": (c, c.svg()),
        "panels": (panels, panels.svg()),
    }


SHOWN = _shown()


@pytest.mark.parametrize("kind", sorted(SHOWN))
def test_every_displayed_object_carries_its_picture_as_a_png_at_its_own_size(kind: str) -> None:
    obj, svg = SHOWN[kind]
    data = obj._repr_mimebundle_()
    assert data["text/plain"].startswith("<") and "image/png" in data
    png = _png(data["image/png"])
    assert png.format == "PNG" and png.size == _px(svg)  # scale 1: the SVG's size, text of 12 px at least
    assert png.getextrema()[0][0] < 128  # something drawn (dark text), not a blank canvas


@pytest.mark.parametrize("kind", ["steps", "worksheet", "comparison"])
def test_the_html_carries_the_same_png_shown_where_its_style_is_not_applied(kind: str) -> None:
    obj, _ = SHOWN[kind]
    data = obj._repr_mimebundle_()
    page = data["text/html"]
    assert PNG_IMG.findall(page) == [data["image/png"]]
    assert obj._repr_html_() == page
    parts = re.match(r"<style>(.*?)</style>(<div .*?>)(.*)", page, re.S)
    assert parts is not None
    style, still, live = parts.groups()
    still_class = re.search(r'class="(mg-still-\w+)"', still)
    live_class = re.search(r'class="(mg-live-\w+)" hidden>', live)
    assert still_class and live_class  # the live part hidden unless the style shows it, the still shown unless hidden
    assert f".{still_class.group(1)}{{display:none}}" in style
    assert f".{live_class.group(1)}[hidden]{{display:block}}" in style
    assert "<svg" in live and "<svg" not in page[: page.index(live_class.group(0))]


def test_a_diagram_that_fits_shows_its_svg_and_no_html() -> None:
    d, svg = SHOWN["diagram"]
    data = d._repr_mimebundle_()
    assert data["image/svg+xml"] == svg and "text/html" not in data and d._repr_html_() is None


def test_a_diagram_too_large_to_fit_carries_its_png_in_the_html_too() -> None:
    wide = draw(sigmoid_neuron(), rankdir="LR", width=300)
    with pytest.warns(UserWarning):
        data = wide._repr_mimebundle_()
    assert not wide.fits and PNG_IMG.findall(data["text/html"]) == [data["image/png"]]
    assert _png(data["image/png"]).size == _px(wide.svg())


def test_a_png_excluded_is_not_made() -> None:
    d, _ = SHOWN["diagram"]
    assert "image/png" not in d._repr_mimebundle_(exclude={"image/png"})
    assert set(d._repr_mimebundle_(include={"image/png"})) == {"text/plain", "image/png"}
