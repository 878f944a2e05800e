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
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from micrograd import compare_backward, draw, draw_steps, worksheet
from micrograd.drawing.svg import captioned
from micrograd.gallery import add_mul, sigmoid_neuron, tanh_derivatives

PNG_IMG = re.compile(r'<img [^>]*?\bsrc="data:image/png;base64,([A-Za-z0-9+/=]+)"')


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
    live_class = re.search(r'class="(mg-live-\w+)" hidden="hidden">', live)
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


# ---------------------------------------------------------------- a saved notebook in a real browser

CELLS = [
    "from micrograd import compare_backward, draw, draw_steps, worksheet\n"
    "from micrograd.gallery import add_mul, sigmoid_neuron",
    "draw(sigmoid_neuron())",
    "draw_steps(add_mul())",
    "worksheet(sigmoid_neuron())",
    'compare_backward(mistake="set-not-accumulate")',
]


@pytest.fixture(scope="module")
def executed() -> Any:
    """A small notebook of every kind of display, run in a fresh kernel: what a teacher hands out."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    return nb


def _displays(nb: Any) -> list[dict[str, Any]]:
    return [o for c in nb.cells for o in c.outputs if o.output_type in ("display_data", "execute_result")]


@pytest.mark.slow
def test_every_display_output_of_an_executed_notebook_has_a_png(executed: Any) -> None:
    shown = _displays(executed)
    assert len(shown) == 4
    for output in shown:
        assert _png(output.data["image/png"]).size[0] >= 300, output.data["text/plain"]


# JupyterLab's renderers by rank (rendermime/src/factories.ts), and which are safe: an untrusted output shows
# the first safe MIME type its bundle has (registry.ts, preferredMimeType(bundle, "ensure"))
SAFE_FIRST = ["text/html", "text/markdown", "text/latex", "image/bmp", "image/png", "image/jpeg", "text/plain"]


def _sanitized(page: str) -> str:
    """HTML as JupyterLab's sanitizer (sanitize-html with Google Caja's lists) leaves it, for what our pages hold:
    <script> and <style> gone with their text, other tags not allowed (<svg> and its parts) gone but their text
    kept, img's data kept, the attributes class, hidden and style (checked properties) kept, but an attribute
    with no value dropped (sanitize-html's ``allowedEmptyAttributes``: only ``alt``), so a bare ``hidden`` is
    gone (as a real JupyterLab shows: tests/test_untrusted_lab.py)."""
    import bleach
    from bleach.css_sanitizer import CSSSanitizer

    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    tags = {"a", "b", "br", "button", "code", "div", "figure", "figcaption", "h1", "h3", "i", "img", "input", "p"}
    tags |= {"span", "table", "tbody", "td", "th", "thead", "tr"}
    allowed = {"*": ["class", "hidden", "id", "style", "title"], "img": ["src", "alt", "width", "height"]}

    def attributes(tag: str, name: str, value: str) -> bool:
        return name in allowed["*"] + allowed.get(tag, []) and (value != "" or name == "alt")

    css = CSSSanitizer(["display", "font-family", "font-size", "height", "margin", "max-width", "overflow"])
    cleaner = bleach.Cleaner(tags, attributes, protocols={"data", "http", "https"}, strip=True, css_sanitizer=css)
    return cleaner.clean(page)


def _untrusted_page(nb: Any) -> str:
    areas = []
    for output in _displays(nb):
        mime = next(m for m in SAFE_FIRST if m in output.data)
        data = output.data[mime]
        if mime == "text/html":
            shown = _sanitized(data)
        elif mime == "image/png":
            shown = f'<img src="data:image/png;base64,{data}">'
        else:
            shown = f"<pre>{data}</pre>"
        areas.append(f'<div class="output" data-mime="{mime}">{shown}</div>')
    return '<!DOCTYPE html><html><body style="width:1000px">' + "\n".join(areas) + "</body></html>"


def _svg_numbers(output: dict[str, Any]) -> set[str]:
    """The numbers written in an output's pictures (what a sanitizer would leave as run-on text)."""
    svgs = output.data.get("image/svg+xml", "") + output.data.get("text/html", "")
    return {t.strip() for t in re.findall(r"<text[^>]*>([^<]*\d[^<]*)</text>", svgs) if len(t.strip()) >= 3}


@pytest.mark.slow
def test_an_untrusted_notebook_shows_every_picture_as_a_picture(executed: Any, browser, tmp_path: Path) -> None:
    path = tmp_path / "untrusted.html"
    path.write_text(_untrusted_page(executed), encoding="utf-8")
    browser.set_window_size(1100, 3600)
    browser.get(path.as_uri())
    areas = browser.execute_script(
        """return Array.from(document.querySelectorAll('.output')).map(function(o){
          var shown = Array.from(o.querySelectorAll('img')).filter(function(i){return i.offsetWidth > 0;});
          return [o.getAttribute('data-mime'), shown.map(function(i){return [i.naturalWidth, i.offsetWidth];}),
                  o.innerText];});"""
    )
    browser.save_screenshot(str(Path("/tmp") / "mg-untrusted.png"))
    assert len(areas) == 4
    for output, (mime, images, text) in zip(_displays(executed), areas, strict=True):
        assert len(images) == 1, (mime, text[:200])  # one picture shown, decoded, at its own width
        assert images[0][0] == _png(output.data["image/png"]).size[0] >= 300 and images[0][1] >= 300
        assert not [n for n in _svg_numbers(output) if n in text], text[:300]  # no picture as run-on text


def _nbconvert_page(nb: Any, tmp_path: Path) -> Path:
    exporter = pytest.importorskip("nbconvert").HTMLExporter()
    page, _ = exporter.from_notebook_node(nb)
    path = tmp_path / "exported.html"
    path.write_text(page, encoding="utf-8")
    return path


@pytest.mark.slow
def test_nbconvert_s_html_of_a_saved_notebook_shows_every_picture(executed: Any, browser, tmp_path: Path) -> None:
    path = _nbconvert_page(executed, tmp_path)
    stills = [base64.b64decode(b) for b in PNG_IMG.findall(path.read_text(encoding="utf-8"))]
    assert len(stills) == 3  # the HTML outputs (player, worksheet, comparison) each carry their still, as PNG data
    browser.set_window_size(1200, 3600)
    browser.get(path.as_uri())
    areas = browser.execute_script(
        """return Array.from(document.querySelectorAll('.jp-OutputArea-output')).map(function(o){
          var svgs = Array.from(o.querySelectorAll('svg')).filter(function(s){
            var r = s.getBoundingClientRect(); return r.width > 0 && r.height > 0;});
          var imgs = Array.from(o.querySelectorAll('img')).filter(function(i){
            return i.offsetWidth > 0 && i.naturalWidth > 0;});
          var stills = Array.from(o.querySelectorAll('img[src^="data:image/png"]'));
          return [o.getAttribute('data-mime-type'), svgs.length + imgs.length,
                  stills.map(function(i){return [i.complete, i.naturalWidth, i.offsetWidth];})];});"""
    )
    browser.save_screenshot("/tmp/mg-nbconvert.png")
    assert [a[0] for a in areas] == ["image/svg+xml", "text/html", "text/html", "text/html"]
    for mime, pictures, stills in areas:
        assert pictures >= 1  # the picture shows (the SVG; the live page: nbconvert applies its style, runs its script)
        if mime == "text/html":
            ((complete, natural, shown),) = stills  # the still is there, decoded, and hidden by the page's style
            assert complete and natural >= 300 and shown == 0


@pytest.mark.slow
def test_the_saved_player_s_keys_step_it_and_stay_in_it(executed: Any, browser, tmp_path: Path) -> None:
    """JupyterLab's shortcuts listen for keys on the document (← collapses a section): the player's keys must step
    the player and go no further, the slider's too; a click on the slider leaves the focus on the player."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(_nbconvert_page(executed, tmp_path).as_uri())
    browser.execute_script(
        "window.seen = []; document.addEventListener('keydown', function(e){ window.seen.push(e.key); });"
    )
    player = browser.find_element(By.CLASS_NAME, "mg-player")
    slider = player.find_element(By.CLASS_NAME, "mg-slider")

    def frame() -> int:
        return int(player.get_attribute("data-frame") or -1)

    def press(*keys: str) -> None:
        ActionChains(browser).send_keys(*keys).perform()  # to whatever has the focus, as a user's keys go

    player.find_element(By.CLASS_NAME, "mg-caption").click()  # the player takes the focus
    assert frame() == 0
    press(Keys.ARROW_RIGHT)
    press(Keys.ARROW_RIGHT)
    assert frame() == 2
    press(Keys.ARROW_LEFT)
    assert frame() == 1
    press(Keys.END)
    assert frame() == 5

    ActionChains(browser).move_to_element_with_offset(slider, slider.size["width"] // 2 - 2, 0).click().perform()
    assert frame() == 5 and browser.execute_script("return document.activeElement") == player  # no change: 5 still
    press(Keys.HOME)
    ActionChains(browser).move_to_element_with_offset(slider, slider.size["width"] // 4, 0).click().perform()
    assert frame() in (3, 4) and browser.execute_script("return document.activeElement") == player
    clicked = frame()
    press(Keys.ARROW_LEFT)
    assert frame() == clicked - 1  # one step, not two (the slider's own and the player's)
    browser.execute_script("arguments[0].focus();", slider)  # keys on the slider itself (Tab reaches it)
    press(Keys.ARROW_LEFT)
    assert frame() == clicked - 2
    for key in ("ArrowLeft", "ArrowRight", "ArrowRight"):  # events dispatched as the test does
        browser.execute_script(
            "arguments[0].dispatchEvent(new KeyboardEvent('keydown', {key: arguments[1], bubbles: true}));", slider, key
        )
    assert frame() == clicked - 1
    browser.save_screenshot("/tmp/mg-player-keys.png")
    assert browser.execute_script("return window.seen") == []  # none reached the document


@pytest.mark.slow
def test_an_inline_worksheet_takes_the_output_area_s_width(executed: Any, browser, tmp_path: Path) -> None:
    """Not a printed page's 718 px: the output area's width, the picture at its own size (text of 12 px at least)."""
    browser.set_window_size(1300, 1200)
    browser.get(_nbconvert_page(executed, tmp_path).as_uri())
    area, sheet, picture, smallest = browser.execute_script(
        """var sheet = document.querySelector('.mg-sheet'), svg = sheet.querySelector('.mg-picture svg');
        var sizes = Array.from(svg.querySelectorAll('text')).map(function(t){
          return parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a;});
        return [sheet.closest('.jp-OutputArea-output').clientWidth, sheet.getBoundingClientRect().width,
                svg.getBoundingClientRect().width, Math.min.apply(null, sizes)];"""
    )
    assert area > 1000 and sheet >= area - 40  # the sheet spans the output area (less its padding)
    width = float(re.search(r'width="([\d.]+)px"', _displays(executed)[2].data["text/html"]).group(1))  # type: ignore[union-attr]
    assert picture == pytest.approx(width, abs=1) and smallest >= 12 - 0.05
