"""Scopes: the part of a model that built a node (``layer0/attn/head2/softmax``), per thread.

``with scope("rmsnorm"):`` (or ``@scope("softmax")``, ``@scope`` named after the function)
tags every node an op records inside it with the path of the open scopes; ``node.scope``
reads it back. Pictures of large graphs group nodes by it.

What it costs: nothing per node while no scope is open. The open path rides on the value
the engines already ask on every op (:func:`~micrograd.graph.grad_mode.recording`): it is
``True`` while recording outside any scope, the path (a non-empty ``str``, so still true)
inside one, ``False`` under ``no_grad``. An op asks once, as before, and writes the answer
into its node's ``_scope`` slot only when it is not ``True``. Like ``no_grad``, a scope belongs to
the thread (and async task) that opened it. Imports only the standard library.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Any, TypeVar, overload

from .grad_mode import _recording

__all__ = ["scope", "Scope", "current_scope"]

F = TypeVar("F", bound=Callable[..., Any])

_path: contextvars.ContextVar[str | None] = contextvars.ContextVar("micrograd_scope", default=None)


def current_scope() -> str | None:
    """The path of the scopes open in this thread (``"layer0/attn"``), or None outside any."""
    return _path.get()


def _checked(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"scope() takes a name (a str), got {type(name).__name__}: {name!r:.60}")
    if not name or "/" in name:
        raise ValueError(f"scope() takes a non-empty name without '/' (a path's separator), got {name!r:.60}")
    return name


class Scope:
    """One scope: a context manager, and a decorator that opens it around every call.

    Made by :func:`scope`. Entering it again (nested, or in another thread) is fine: what is
    open lives in the thread's context, not in this object.
    """

    __slots__ = ("name",)

    def __init__(self, name: str | None = None) -> None:
        self.name = None if name is None else _checked(name)

    def __repr__(self) -> str:
        return f"scope({self.name!r})"

    def __enter__(self) -> str:
        if self.name is None:
            raise ValueError("scope() used in a with statement needs a name: with micrograd.scope('attn'): ...")
        outer = _path.get()
        path = self.name if outer is None else f"{outer}/{self.name}"
        _path.set(path)
        if _recording.get() is not False:  # under no_grad nothing is recorded: it stays off
            _recording.set(path)
        return path

    def __exit__(self, *exc: object) -> None:
        path = _path.get()
        if path is None:
            return
        outer = path.rpartition("/")[0] or None
        _path.set(outer)
        if _recording.get() is not False:
            _recording.set(outer or True)

    def __call__(self, fn: F) -> F:
        if not callable(fn):
            raise TypeError(f"@scope decorates a function, got {type(fn).__name__}")
        opened = Scope(self.name if self.name is not None else _checked(getattr(fn, "__name__", None)))

        @functools.wraps(fn)
        def scoped(*args: Any, **kwargs: Any) -> Any:
            with opened:
                return fn(*args, **kwargs)

        return scoped  # type: ignore[return-value]


@overload
def scope(name: str | None = None) -> Scope: ...
@overload
def scope(name: F) -> F: ...
def scope(name: Any = None) -> Any:
    """Tag the nodes built inside with ``name``: ``with scope("attn"):``, ``@scope("softmax")`` or ``@scope``.

    Scopes nest: inside ``scope("layer0")`` and ``scope("attn")`` a node's ``scope`` is
    ``"layer0/attn"``. As a decorator without a name (``@scope`` or ``@scope()``) the scope is
    named after the function. A name is a non-empty ``str`` without ``/``. Only nodes that
    ops record are tagged (not constants, nor anything made under ``no_grad``); a scope is
    closed when its block ends, by an exception too.
    """
    if callable(name) and not isinstance(name, str):
        return Scope()(name)
    return Scope(name)
