"""micrograd.live end to end: JupyterLab in headless Chromium runs a cell, a learner moves an input.

A JupyterLab server is started on a free port with a token, in a folder of its own (:mod:`labserver`:
nothing of the user's is read or written), a notebook with one cell opened
and run; the widget is driven as a learner drives it and the numbers are read from the page.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from labserver import jupyterlab
from labserver import wait as _wait

from micrograd.drawing.numbers import format_number

pytest.importorskip("anywidget", reason="anywidget not installed (pip install -e '.[test]')")
pytest.importorskip("jupyterlab", reason="jupyterlab not installed (pip install -e '.[test]')")

pytestmark = pytest.mark.slow

CELL = "import micrograd\nfrom micrograd.gallery import sigmoid_neuron\nw = micrograd.live(sigmoid_neuron())\nw"
SHOTS = os.environ.get("MICROGRAD_SCREENSHOTS")  # a folder: the test leaves its screenshots there


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A JupyterLab server of its own: (URL of a notebook by name, its folder)."""
    home = tmp_path_factory.mktemp("lab")
    with jupyterlab(home) as url:
        yield url, home


def _notebook(folder: Path, name: str, source: str) -> str:
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / name)
    return name


def _run_first_cell(browser: Any, url: str) -> Any:
    """Open the notebook, wait for its kernel, run its cell; the widget's output line."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.set_window_size(1280, 1100)
    browser.get(url)
    idle = ".jp-Notebook-ExecutionIndicator[data-status='idle']"
    _wait("the kernel", lambda: browser.find_element(By.CSS_SELECTOR, idle), 120)

    shown = ".mg-live .mg-live-output[data-value]"

    def run() -> Any:  # the editor may take no keys until JupyterLab has finished laying it out: again, then
        editor = browser.find_element(By.CSS_SELECTOR, ".jp-Cell .jp-InputArea-editor")
        if not browser.find_elements(By.CSS_SELECTOR, ".jp-Cell .jp-OutputArea-output"):
            ActionChains(browser).click(editor).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
        return _wait("the widget", lambda: browser.find_element(By.CSS_SELECTOR, shown), 20)

    return _wait("the cell to run and show the widget", run, 120)


def _output(browser: Any) -> str:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.CSS_SELECTOR, ".mg-live-output").get_attribute("data-value")


def _grads(browser: Any) -> dict[str, str]:
    from selenium.webdriver.common.by import By

    rows = browser.find_elements(By.CSS_SELECTOR, ".mg-live-input")
    return {r.get_attribute("data-name"): r.find_element(By.CLASS_NAME, "mg-grad").text.split(" = ")[-1] for r in rows}


def _shot(browser: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(SHOTS) / name))


def _backward_at(**values: float) -> tuple[str, dict[str, str]]:
    """The output and each input's gradient of the sigmoid neuron (the lecture's, as the gallery builds it)
    at ``values``, as a graph built afresh there and ``backward()`` give them."""
    from micrograd import Value

    start = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0} | values
    v = {n: Value(x, label=n) for n, x in start.items()}
    out = 1 / (1 + (-(v["w0"] * v["x0"] + v["w1"] * v["x1"] + v["w2"])).exp())
    out.backward()
    return format_number(out.data), {n: format_number(x.grad) for n, x in v.items()}


def test_live_in_jupyterlab_moves_nudges_and_checks(lab: tuple[str, Path], browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, home = lab
    widget = _run_first_cell(browser, url.format(_notebook(home, "live.ipynb", CELL)))
    start_value, start_grads = _backward_at()
    assert _output(browser) == start_value
    assert _grads(browser) == start_grads
    _shot(browser, "live_start.png")

    # move x1 with its slider, as a learner drags it
    slider = browser.find_element(By.CSS_SELECTOR, ".mg-live-input[data-name='x1'] .mg-slider")
    browser.execute_script(
        "arguments[0].value = '-1.5'; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", slider
    )
    value, grads = _backward_at(x1=-1.5)
    assert value != start_value
    _wait("the new numbers", lambda: _output(browser) == value, 30)
    assert _grads(browser) == grads
    picture = browser.find_element(By.CSS_SELECTOR, ".mg-live-picture").get_attribute("innerHTML")
    assert f"f = {value}" in picture  # the output's wire in the picture itself, updated in place
    roundtrip = float(widget.find_element(By.XPATH, "..").get_attribute("data-roundtrip-ms") or "nan")
    kernel = browser.find_element(By.CLASS_NAME, "mg-timing").text
    print(f"round trip in the browser: {roundtrip} ms; {kernel}")
    _shot(browser, "live_moved.png")

    # click a wire: its chain rule with numbers
    wire = browser.find_element(By.CSS_SELECTOR, ".mg-live-picture g[id='wv6_v7_1'] text.mg-grad")
    wire.click()
    rule = browser.find_element(By.CLASS_NAME, "mg-live-rule").text
    assert "df/dx1 = df/dn2 · ∂n2/∂x1 = " in rule and rule.endswith(grads["x1"].replace("-", "−"))

    # the backward pass step by step, with keys that stay in the widget
    root = browser.find_element(By.CSS_SELECTOR, ".mg-live")
    cells = len(browser.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell"))
    root.send_keys(Keys.HOME)
    assert root.get_attribute("data-step") == "0"
    assert browser.find_element(By.CLASS_NAME, "mg-live-rule").text == "df/df = 1"
    root.send_keys(Keys.ARROW_RIGHT)
    assert root.get_attribute("data-step") == "1"
    root.send_keys("b", "a", "d", "d")  # a notebook's command-mode shortcuts: cells below, above, delete
    assert len(browser.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")) == cells  # none reached it
    _shot(browser, "live_step.png")
    root.send_keys(Keys.END)
    assert root.get_attribute("data-step") == "-1"

    # nudge: one step of gradient ascent raises the output
    before = float(_output(browser))
    browser.find_element(By.CLASS_NAME, "mg-nudge").click()
    _wait("the nudge", lambda: "nudged" in browser.find_element(By.CLASS_NAME, "mg-live-output").text, 30)
    after = float(_output(browser))
    assert after > before
    _shot(browser, "live_nudged.png")

    # check: the numerical derivative beside each gradient, and it agrees
    browser.find_element(By.CLASS_NAME, "mg-check").click()
    _wait("the check", lambda: all(e.text for e in browser.find_elements(By.CLASS_NAME, "mg-numerical")), 30)
    for row in browser.find_elements(By.CSS_SELECTOR, ".mg-live-input"):
        analytic = float(row.find_element(By.CLASS_NAME, "mg-grad").text.split(" = ")[-1])
        numerical = float(row.find_element(By.CLASS_NAME, "mg-numerical").text.split()[-1])
        assert numerical == pytest.approx(analytic, rel=1e-3, abs=1e-4)
        assert "mg-disagree" not in row.find_element(By.CLASS_NAME, "mg-numerical").get_attribute("class")
    _shot(browser, "live_checked.png")
