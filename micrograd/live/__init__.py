"""Live circuits in a notebook: move an input, watch every value and gradient change in place.

``micrograd.live(f)`` for a graph already built: its numbers are recomputed through the graph's
staged code (no Python of yours runs again, nothing is laid out again). ``micrograd.live(fn,
x=-2.0, y=5.0)`` for a function of named inputs: run again at each change, laid out again only
when the graph it builds changes shape. In a notebook it is a widget (anywidget: JupyterLab,
Notebook 7, VS Code, Colab); the same object has a Python API: ``set``, ``values``, ``grads``,
``nudge``, ``check``.

- :mod:`.code`: the shape of a circuit and its numbers (staged code with every number kept);
- :mod:`.circuit`: :class:`LiveCircuit`, the model (no browser needed);
- :mod:`.picture`: the picture laid out once, and which element shows which number;
- :mod:`.page`: what the page shows, as JSON; :mod:`.widget` and ``widget.js``: the widget.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .circuit import Check, LiveCircuit, Nudge

if TYPE_CHECKING:
    from .widget import LiveWidget

__all__ = ["live", "LiveCircuit", "Nudge", "Check", "INSTALL"]

INSTALL = "pip install 'micrograd-visual[notebooks]'  (or: pip install anywidget)"


def live(
    f: Any,
    /,
    *,
    rankdir: str = "auto",
    precision: int = 4,
    theme: str = "lecture",
    width: float | None = 900,
    ranges: dict[str, tuple[float, float]] | None = None,
    sliders: Iterable[str] | None = None,
    **inputs: float,
) -> LiveWidget:
    """A live circuit in a notebook: a slider and a number field per input, every value and gradient of
    the picture updated in place as they move.

    ``live(f)``: ``f`` a Value, its graph already built; each leaf but the constants is an input (by its
    label, or its picture name ``a``, ``b``, ...). ``live(fn, x=-2.0, y=5.0)``: ``fn`` a function taking
    the inputs by name (each a Value labelled by its name) and returning a Value.

    ``ranges``: an input's slider range, ``{"x": (-3, 3)}`` (default: −5 to 5, wider for larger values).
    ``sliders``: the inputs that get a slider, by name (default: every input; of a network's graph, the
    inputs made outside its modules, the x's, not the weights: ``sliders=["x0", "x1", "a"]`` adds weight
    ``a``). Every input can be set from Python, slider or not.
    ``rankdir``, ``precision``, ``theme``, ``width``: as :func:`micrograd.draw`.

    Click a wire or a node for its chain rule with numbers; ◀ ▶ (or ← →) step through the backward pass;
    *nudge* takes one gradient step on the chosen inputs; *check* shows each input's numerical
    derivative ``(f(x+h) − f(x−h)) / 2h`` beside its gradient. From Python: ``w.set(x=3.0)``,
    ``w.values``, ``w.grads`` (dicts by name, as ``backward()`` gives them), ``w.nudge(rate)``,
    ``w.check(h)``. Needs ``anywidget``: ImportError naming the command that installs it.
    """
    circuit = circuit_of(f, inputs, rankdir=rankdir, precision=precision, theme=theme, width=width)
    for name, bounds in (ranges or {}).items():
        circuit.set_range(name, *bounds)
    if sliders is not None:
        circuit.set_sliders(sliders)
    try:
        from .widget import LiveWidget
    except ImportError as e:
        if e.name not in ("anywidget", "ipywidgets", "traitlets"):
            raise
        raise ImportError(f"micrograd.live() needs anywidget ({e.name} is not installed): {INSTALL}") from e
    return LiveWidget(circuit)


def circuit_of(f: Any, inputs: dict[str, float], **draw: Any) -> LiveCircuit:
    """The :class:`LiveCircuit` :func:`live` shows (no widget, no anywidget needed)."""
    from ..engine import Value

    if isinstance(f, Value):
        if inputs:
            names = ", ".join(inputs)
            raise TypeError(
                f"live(f) of a graph already built takes no inputs ({names}): set them with w.set(...), "
                f"or pass a function: live(fn, x=...)"
            )
        return LiveCircuit.of_graph(f, **draw)
    if isinstance(f, Callable):  # type: ignore[arg-type]
        return LiveCircuit.of_function(f, inputs, **draw)
    raise TypeError(f"live() takes a Value or a function of named inputs, got {type(f).__name__}: {f!r:.60}")


class _Callable(types.ModuleType):
    """This package, callable as :func:`live`: ``micrograd.live(f)`` works even once a submodule has been
    imported (which makes the attribute ``micrograd.live`` this package, not the function)."""

    def __call__(self, f: Any, /, **kwargs: Any) -> LiveWidget:
        return live(f, **kwargs)


sys.modules[__name__].__class__ = _Callable
