"""Why a picture cannot be made as asked, when the reason is the user's to act on.

Each error's message says what to do. They subclass :class:`DrawingError`, so a program
(the command line) can tell them from a bug in the package, and also ``ValueError`` or
``RuntimeError`` as before, so code that caught those keeps working.
"""

from __future__ import annotations

import sys

__all__ = [
    "DrawingError",
    "GraphTooLarge",
    "RenderTimeout",
    "RendererMissing",
    "RendererLimit",
    "PictureTooLarge",
    "user_stacklevel",
]


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


# frames a warning is not about: the package's own, and a notebook's display machinery around a cell's code
NOT_THE_USERS = ("micrograd", "IPython", "ipykernel", "traitlets", "ipywidgets", "decorator")


def user_stacklevel() -> int:
    """The ``stacklevel`` at which a warning raised by the caller points at the user's code: the first frame
    outside micrograd and outside IPython's display machinery (a notebook showing a picture calls
    ``_repr_*_`` from there; the cell's own code is further out)."""
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and str(frame.f_globals.get("__name__", "")).split(".")[0] in NOT_THE_USERS:
        frame = frame.f_back
        level += 1
    return level
