"""A notebook saved with its outputs, opened in a real JupyterLab: untrusted, every circuit is a picture.

A teacher runs a notebook and hands it out; a learner opens it. JupyterLab trusts a notebook only
if it is signed with the learner's own secret (``jupyter trust``, :mod:`nbformat.sign`), so a
notebook from someone else is *untrusted*: its outputs are rendered by the safe renderers only
(HTML through a sanitizer, PNG, text), and no script runs. The test runs a small notebook of every
kind of display in a fresh kernel (nbclient), saves it, and opens it in a JupyterLab server of its
own (:mod:`labserver`, whose signatures are its own) in headless Chromium, unsigned and signed;
then it reads what the page shows. Screenshots: ``/tmp/mg-lab-untrusted.png``, ``/tmp/mg-lab-trusted.png``.
"""

from __future__ import annotations

import base64
import copy
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from labserver import jupyterlab, notary, wait
from PIL import Image

pytest.importorskip("anywidget", reason="anywidget not installed (pip install -e '.[test]')")
pytest.importorskip("jupyterlab", reason="jupyterlab not installed (pip install -e '.[test]')")
nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = pytest.mark.slow

CELLS = {
    "setup": "import micrograd\n"
    "from micrograd import compare_backward, draw, draw_steps, worksheet\n"
    "from micrograd.gallery import add_mul, sigmoid_neuron\n"
    "from micrograd.nn import MLP",
    "circuit": "draw(sigmoid_neuron())",
    "player": "draw_steps(add_mul())",
    "worksheet": "worksheet(sigmoid_neuron())",
    "comparison": 'compare_backward(mistake="set-not-accumulate")',
    "live": "micrograd.live(sigmoid_neuron())",
    "collapsed": "model = MLP(2, [3, 1])\n"
    "data = [(1.0, -2.0, 1.0), (0.5, 1.0, -1.0)]\n"
    "loss = sum((model([x0, x1]) - y) ** 2 for x0, x1, y in data)\n"
    "loss.backward()\n"
    "draw(loss, collapse=True)",
}
SHOWN = [k for k in CELLS if k != "setup"]  # each cell but the first shows one output


@pytest.fixture(scope="module")
def executed() -> Any:
    """The notebook run in a fresh kernel and its outputs kept (the widget's state too): what a teacher hands out."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS.values()])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbclient.NotebookClient(nb, timeout=180, kernel_name="python3").execute()
    return nb


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, executed: Any) -> Iterator[tuple[str, Any]]:
    """A JupyterLab of its own serving the notebook twice: ``untrusted.ipynb`` as saved, ``trusted.ipynb``
    signed with the server's secret. (A signature is of the content: the trusted copy differs by its title.)"""
    home = tmp_path_factory.mktemp("lab")
    signed = copy.deepcopy(executed)
    signed.metadata["title"] = "the same notebook, trusted"
    notary(home).sign(signed)
    nbformat.write(executed, home / "untrusted.ipynb")
    nbformat.write(signed, home / "trusted.ipynb")
    assert not notary(home).check_signature(nbformat.read(home / "untrusted.ipynb", as_version=4))
    assert notary(home).check_signature(nbformat.read(home / "trusted.ipynb", as_version=4))
    with jupyterlab(home) as url:
        yield url, executed


# what each output of the notebook open in front shows: its renderer, trusted or not, the pictures seen
# (an <img> decoded and shown: natural and shown width; an <svg> shown: its width), the inputs seen, the text
READ = """
var panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
return Array.from(panel.querySelectorAll('.jp-OutputArea-output')).map(function(o){
  var seen = function(e){ var r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  return {
    mime: o.getAttribute('data-mime-type') || (o.querySelector('.mg-live') ? 'widget' : null),
    trusted: o.classList.contains('jp-mod-trusted'),
    imgs: Array.from(o.querySelectorAll('img')).filter(seen).map(function(i){
      return [i.complete ? i.naturalWidth : 0, i.getBoundingClientRect().width];}),
    svgs: Array.from(o.querySelectorAll('svg')).filter(seen).map(function(s){
      return s.getBoundingClientRect().width;}),
    inputs: Array.from(o.querySelectorAll('input')).filter(seen).map(function(i){ return i.className; }),
    text: o.innerText};});
"""


def _open(browser: Any, url: str, name: str) -> list[dict[str, Any]]:
    """Open a notebook (alone: the workspace, which remembers the notebooks open before, reset), wait until it is
    in front, each output shown and each picture in it loaded; what each output shows."""
    browser.set_window_size(1280, 6000)  # every output on the screen (and in the screenshot) at once
    browser.get(url.format(name).replace("?token=", "?reset&token="))

    def ready() -> list[dict[str, Any]] | None:
        if not browser.title.startswith(name):
            return None
        shown = browser.execute_script(READ)
        pictures = [p for o in shown for p in o["imgs"]]
        return shown if len(shown) == len(SHOWN) and all(natural > 0 for natural, _ in pictures) else None

    return wait("the notebook's outputs", ready, 120)


def _png_width(output: Any) -> int:
    return Image.open(io.BytesIO(base64.b64decode(output.data["image/png"]))).size[0]


def _svg_numbers(output: Any) -> set[str]:
    """The numbers written in an output's pictures (what a sanitizer would leave as run-on text)."""
    svgs = output.data.get("image/svg+xml", "") + output.data.get("text/html", "")
    return {t.strip() for t in re.findall(r"<text[^>]*>([^<]*\d[^<]*)</text>", svgs) if len(t.strip()) >= 3}


def _outputs(nb: Any) -> list[Any]:
    return [o for c in nb.cells for o in c.outputs if o.output_type in ("display_data", "execute_result")]


def test_a_saved_notebook_opened_untrusted_shows_every_circuit_as_a_picture(lab: tuple[str, Any], browser) -> None:
    url, nb = lab
    saved = _outputs(nb)
    assert len(saved) == len(SHOWN) and all("image/png" in o.data for o in saved)
    shown = _open(browser, url, "untrusted.ipynb")
    browser.save_screenshot("/tmp/mg-lab-untrusted.png")
    for kind, output, page in zip(SHOWN, saved, shown, strict=True):
        assert not page["trusted"], kind  # rendered as untrusted: by the safe renderers, nothing run
        assert page["mime"] in ("image/png", "text/html"), (kind, page["mime"])  # not text/plain: "<Diagram ...>"
        assert page["svgs"] == [], kind  # (the sanitizer drops <svg>, and JupyterLab shows no SVG untrusted)
        ((natural, width),) = page["imgs"]  # one picture: the still, decoded, at its own size (or the area's)
        assert natural == _png_width(output) >= 300 and width >= min(natural, 800), (kind, natural, width)
        run_on = [n for n in _svg_numbers(output) if n in page["text"]]
        assert not run_on, (kind, page["text"][:300])  # no picture's numbers left as text
        assert "<Diagram" not in page["text"] and "<live" not in page["text"], kind
        assert page["inputs"] == [], (kind, page["inputs"])  # no control that can do nothing


def test_the_same_notebook_trusted_shows_its_interactive_parts(lab: tuple[str, Any], browser) -> None:
    from selenium.webdriver.common.by import By

    url, nb = lab
    _open(browser, url, "trusted.ipynb")
    front = ".jp-NotebookPanel:not(.lm-mod-hidden) "
    live = wait("the widget", lambda: browser.find_elements(By.CSS_SELECTOR, front + ".mg-live .mg-slider"), 60)
    shown = dict(zip(SHOWN, browser.execute_script(READ), strict=True))
    browser.save_screenshot("/tmp/mg-lab-trusted.png")
    for kind in ("circuit", "collapsed"):  # the SVG itself, as JupyterLab shows a trusted one (an <img>)
        assert shown[kind]["mime"] == "image/svg+xml" and shown[kind]["trusted"], kind
        ((natural, width),) = shown[kind]["imgs"]
        assert natural >= 300 and width >= min(natural, 800)
    for kind in ("player", "worksheet", "comparison"):  # the page's own HTML: its SVG shown, its still hidden
        assert shown[kind]["mime"] == "text/html" and shown[kind]["trusted"], kind
        assert shown[kind]["imgs"] == [] and max(shown[kind]["svgs"]) >= 200, kind
    assert shown["player"]["inputs"] == ["mg-slider"]  # the player's slider
    sheet = _outputs(nb)[SHOWN.index("worksheet")].data["text/html"]
    boxes = len(re.findall(r'<rect [^>]*class="mg-answer-box"', sheet))
    assert boxes >= 10 and shown["worksheet"]["inputs"] == ["mg-answer-input"] * boxes  # each box takes answers
    assert shown["live"]["mime"] == "widget" and len(live) == 5  # the widget, restored from the notebook: 5 sliders
    # the player's script runs: its next button steps it
    player = browser.find_element(By.CSS_SELECTOR, front + ".mg-player")
    assert player.get_attribute("data-frame") == "0"
    player.find_element(By.CLASS_NAME, "mg-next").click()
    assert player.get_attribute("data-frame") == "1"
