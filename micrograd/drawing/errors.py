"""Why a picture cannot be made as asked, when the reason is the user's to act on.

Each error's message says what to do. They subclass :class:`DrawingError`, so a program
(the command line) can tell them from a bug in the package, and also ``ValueError`` or
``RuntimeError`` as before, so code that caught those keeps working.
"""

from __future__ import annotations

__all__ = ["DrawingError", "GraphTooLarge", "RenderTimeout", "RendererMissing", "RendererLimit", "PictureTooLarge"]


class DrawingError(Exception):
    """A picture that cannot be made as asked, for a reason the user can act on (the message says how)."""


class GraphTooLarge(DrawingError, ValueError):
    """The graph has more nodes than ``max_nodes``, or Graphviz would have to lay out far more than that."""


class RendererMissing(DrawingError, RuntimeError):
    """What this format needs is not installed (Graphviz, resvg for PNG, svglib for PDF): the message says how."""


class RendererLimit(DrawingError, RuntimeError):
    """The WebAssembly Graphviz stopped on this graph (its call stack is too small for it)."""


class RenderTimeout(DrawingError, RuntimeError):
    """Graphviz did not finish laying out within ``timeout`` seconds, and was stopped.

    ``nodes``: how many graph nodes the picture is of, when known.
    """

    def __init__(self, timeout: float, nodes: int | None = None) -> None:
        self.timeout = timeout
        self.nodes = nodes
        what = f"this picture of {nodes} nodes" if nodes is not None else "this picture"
        super().__init__(
            f"Graphviz did not finish laying out {what} within timeout={timeout:g} s, and was stopped. "
            f"Draw a subexpression (draw(some_inner_node)), raise the limit (timeout=60, or timeout=None "
            f'for none), or, for a neural network, draw its neurons collapsed (neurons="collapsed").'
        )


class PictureTooLarge(UserWarning):
    """A picture that cannot fit its width (or a slide) with text of 12 px: it is shown larger, not shrunk."""
