"""Grad mode: whether ops record the graph, per thread (and per async task), as ``torch.no_grad``.

The engines ask :func:`recording` on every op; :class:`no_grad` turns it off for a block (or a
function, as a decorator). :mod:`micrograd.core` re-exports both. Imports only the standard library.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable

__all__ = ["no_grad", "is_grad_enabled", "recording"]

_recording: contextvars.ContextVar[bool | str] = contextvars.ContextVar("micrograd_grad_enabled", default=True)
_suspended: contextvars.ContextVar[tuple[bool | str, ...]] = contextvars.ContextVar("micrograd_no_grad", default=())

# What the engines ask on every op: are graphs being recorded here? False under no_grad; otherwise True,
# or, inside a scope (micrograd.graph.scope), the scope's path: a non-empty str, true too.
recording: Callable[[], bool | str] = _recording.get


def is_grad_enabled() -> bool:
    """True unless inside a :class:`no_grad` block (of this thread)."""
    return _recording.get() is not False


class no_grad(contextlib.ContextDecorator):  # noqa: N801  (a context manager, named as torch.no_grad)
    """Inside ``with no_grad():`` ops record no parents (as ``torch.no_grad``); also a decorator.

    Values and Tensors made inside are leaves that need no gradient: nothing is kept for a
    backward pass, so a forward pass costs less time and memory. The setting belongs to the
    thread (and async task) that entered the block: other threads go on recording. Blocks
    nest, and one ``no_grad()`` object can be entered again and again.
    """

    def __enter__(self) -> None:
        _suspended.set((*_suspended.get(), _recording.get()))
        _recording.set(False)

    def __exit__(self, *exc: object) -> None:
        *outer, previous = _suspended.get()
        _suspended.set(tuple(outer))
        _recording.set(previous)
