"""Pictures of computation graphs, and the chain rule written out; everything here reads the backward trace.

- :mod:`~micrograd.drawing.numbers`: one number formatter for every picture and text;
- :mod:`~micrograd.drawing.names`: stable node names shared by pictures, ``explain`` and the player;
- :mod:`~micrograd.drawing.dot`: DOT text and escaping (labels are data);
- :mod:`~micrograd.drawing.render`: Graphviz back ends (system ``dot`` or WebAssembly), within a deadline;
- :mod:`~micrograd.drawing.wasm`: the WebAssembly Graphviz, compiled once (cached) and stoppable;
- :mod:`~micrograd.drawing.errors`: what a user can act on (too large, too slow, nothing to render with);
- :mod:`~micrograd.drawing.diagram`: ``draw`` and the :class:`Diagram` object;
- :mod:`~micrograd.drawing.steps`: the backward pass frame by frame, and the HTML player;
- :mod:`~micrograd.drawing.derivation`: ``explain``, the chain-rule derivation, one line per wire;
- :mod:`~micrograd.drawing.comparison`: ``compare_backward``, the correct backward pass beside a buggy one.
"""

from __future__ import annotations

from .comparison import Comparison, compare_backward
from .derivation import Explanation, explain
from .diagram import Diagram, draw
from .errors import DrawingError, GraphTooLarge, PictureTooLarge, RendererLimit, RendererMissing, RenderTimeout
from .steps import Steps, draw_steps, save_steps

__all__ = [
    "Diagram",
    "draw",
    "Explanation",
    "explain",
    "Steps",
    "draw_steps",
    "save_steps",
    "Comparison",
    "compare_backward",
    "DrawingError",
    "GraphTooLarge",
    "RenderTimeout",
    "RendererMissing",
    "RendererLimit",
    "PictureTooLarge",
]
