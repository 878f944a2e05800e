"""The notebook widget of a live circuit: an anywidget over :class:`~micrograd.live.circuit.LiveCircuit`.

The page (``widget.js``, a plain ES module) draws the sliders, the picture and the controls; it
sends what the learner does (``set``, ``nudge``, ``check``, ``range``) as messages, and the kernel
answers with one trait, ``state`` (:func:`~micrograd.live.page.page_state`): the numbers to write
into the picture by element id, each element's chain rule, the steps of the backward pass. The
picture's SVG (trait ``svg``) is sent again only when it is laid out again. The same methods serve
scripts and tests: ``set``, ``values``, ``grads``, ``nudge``, ``check``.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..drawing.raster import svg_to_png
from .circuit import Check, LiveCircuit, Nudge
from .page import page_state, picture_svg, still_svg

__all__ = ["LiveWidget"]

_HERE = Path(__file__).parent


class LiveWidget(anywidget.AnyWidget):
    """A live circuit in a notebook: a slider and a number field per input, the picture updating in place,
    the chain rule of whatever is clicked, the backward pass step by step, nudge and check."""

    _esm = (_HERE / "widget.js").read_text(encoding="utf-8")
    _css = (_HERE / "widget.css").read_text(encoding="utf-8")
    svg = traitlets.Unicode("").tag(sync=True)
    state = traitlets.Dict().tag(sync=True)
    timing = traitlets.Float(0.0).tag(sync=True)  # ms the kernel took for the last update (the page shows it)

    def __init__(self, circuit: LiveCircuit, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.circuit = circuit
        self.kernel_ms = 0.0  # the last update's time in the kernel: set, recompute, state ready
        self._nudged: Nudge | None = None
        self._h: float | None = None
        self._layouts = 0
        self._push()
        self.on_msg(self._on_message)

    # -- the Python API

    def set(self, **values: float) -> LiveWidget:
        """Move inputs by name (``w.set(x=3.0)``); the page follows."""
        started = time.perf_counter()
        self.circuit.set(**values)
        self._nudged = None
        self._push(started)
        return self

    @property
    def inputs(self) -> dict[str, float]:
        return self.circuit.inputs

    @property
    def values(self) -> dict[str, float]:
        """Every node's value by name, at the current inputs."""
        return self.circuit.values

    @property
    def grads(self) -> dict[str, float]:
        """d output / d node by name, as ``backward()`` gives them at the current inputs."""
        return self.circuit.grads

    @property
    def output(self) -> float:
        return self.circuit.output

    def nudge(self, rate: float = 0.1, inputs: Iterable[str] | None = None, *, ascent: bool = True) -> Nudge:
        """One gradient step on ``inputs`` (default all), up the output unless ``ascent=False``; before → after."""
        started = time.perf_counter()
        self._nudged = self.circuit.nudge(rate, inputs, ascent=ascent)
        self._push(started)
        return self._nudged

    def check(self, h: float = 1e-5) -> dict[str, Check]:
        """Each input's gradient beside ``(f(x+h) − f(x−h)) / 2h``; the page shows them from now on."""
        checks = self.circuit.check(h)
        self._h = h
        self._push()
        return checks

    def set_range(self, name: str, low: float, high: float, step: float | None = None) -> None:
        """The range of an input's slider."""
        self.circuit.set_range(name, low, high, step)
        self._push()

    # -- the page

    def _push(self, started: float | None = None) -> None:
        """Send the page its numbers (and the picture, when laid out again)."""
        started = time.perf_counter() if started is None else started
        checks = self.circuit.check(self._h) if self._h is not None else None
        state = page_state(self.circuit, nudged=self._nudged, checks=checks)
        if self.circuit.layouts != self._layouts:
            self._layouts = self.circuit.layouts
            self.svg = _inline(self.circuit.picture.svg)
        self.state = state  # (sent to the page now: its JSON is made here, and counts)
        self.kernel_ms = (time.perf_counter() - started) * 1000
        self.timing = round(self.kernel_ms, 2)

    def _on_message(self, _: Any, content: Any, buffers: Any) -> None:
        """What the page asks: ``{"set": {name: value}}``, ``{"nudge": {...}}``, ``{"check": h}``, ``{"range": ...}``.

        A request the circuit refuses (a value that is no number) leaves everything as it was; the page
        is sent its state again, so it shows the numbers the circuit has."""
        if not isinstance(content, dict):
            return
        started = time.perf_counter()
        try:
            if "set" in content:
                self.circuit.set(**content["set"])
                self._nudged = None
            elif "nudge" in content:
                ask = content["nudge"]
                self._nudged = self.circuit.nudge(
                    float(ask.get("rate", 0.1)), ask.get("inputs"), ascent=bool(ask.get("ascent", True))
                )
            elif "check" in content:
                self._h = None if content["check"] is None else float(content["check"])
            elif "range" in content:
                r = content["range"]
                self.circuit.set_range(r["name"], r["low"], r["high"])
        except (TypeError, ValueError, KeyError):
            pass
        self._push(started)

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The widget, and a still PNG of the circuit for the front ends that run no widget (a saved,
        untrusted or exported notebook)."""
        shown = super()._repr_mimebundle_(**kwargs)
        if shown is None:
            return None
        data, metadata = shown
        exclude = kwargs.get("exclude") or ()
        if "image/png" not in exclude:
            data["image/png"] = base64.b64encode(svg_to_png(still_svg(self.circuit), scale=1.0)).decode("ascii")
        return data, metadata

    def picture(self) -> str:
        """The picture as SVG text at the current numbers (hover texts: each element's chain rule)."""
        return picture_svg(self.circuit)

    def __repr__(self) -> str:
        return repr(self.circuit).replace("LiveCircuit", "live", 1)


def _inline(svg: str) -> str:
    """An SVG document as an element to inline in the page (no XML prologue)."""
    return svg[svg.index("<svg") :]
