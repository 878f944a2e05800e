"""What a PyTorch learner reaches for on a Tensor: ``max``, ``min``, ``norm``, ``softmax``, ``log_softmax``,
``dot`` and ``pow``, each beside its rule.

The rules, stated once (``G`` is the upstream gradient, put back along the reduced axes):

- ``max``/``min`` over an axis: ``G`` shared evenly among the elements equal to the result,
  ``(G / count) · [x == out]``, as ``torch.amax``/``torch.amin`` (and ``torch.max()`` without a
  dim). ``torch.max(dim)`` instead returns an index and sends all of ``G`` to it; here a tie
  splits, as the scalar gate ``max(a, b)`` does.
- ``norm`` (L2): ``x · G / ‖x‖``, and 0 where ``‖x‖ = 0`` (PyTorch's choice at the kink).
- ``softmax`` along an axis: ``y · (G − Σ G·y)``, with ``y`` the output.
- ``log_softmax``: ``G − exp(out) · Σ G``.

``softmax`` and ``log_softmax`` are *fused*: one node each, computed stably by subtracting the
maximum along the axis first (``exp`` never overflows), with the rule above instead of the
chain rule through ``exp``, ``sum`` and ``/``. ``dot`` is numpy's: a product of vectors, or
of matrices as ``@`` (so ``W.dot(X)`` and ``np.dot(W, X)`` build the same ``@`` node).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

import numpy as np

from ..core import Node
from .arrays import RULES, _axes, _axis_text, _expand, _numbers, _quiet
from .numpy_api import numpy_function

rule = RULES.rule


class Reductions(Node):
    """``max``, ``min``, ``norm``, ``softmax``, ``log_softmax``, ``dot``, ``pow`` (a base of ``Tensor``)."""

    __slots__ = ()

    data: np.ndarray
    _args: Any
    _node: Callable[..., Self]  # the Tensor engine's maker of an op's output
    _select: Callable[..., Any]  # and its choice (np.where on arrays, where() on Tensors: create_graph)
    maximum: Callable[..., Self]
    minimum: Callable[..., Self]
    __matmul__: Callable[..., Self]
    __mul__: Callable[..., Self]
    __pow__: Callable[..., Self]

    @numpy_function(np.amax, "axis", "keepdims")
    @numpy_function(np.max, "axis", "keepdims")
    def max(self, axis: Any = None, keepdims: bool = False) -> Self:
        """The largest element over ``axis`` (all by default); nan if one is nan. Ties share the gradient.

        Given a Tensor or an array instead of an axis, the elementwise ``maximum`` (as ``torch.max(a, b)``).
        """
        if isinstance(axis, (Node, np.ndarray)):
            return self.maximum(axis)
        return self._extreme(np.max, "amax", "max", axis, keepdims)

    @numpy_function(np.amin, "axis", "keepdims")
    @numpy_function(np.min, "axis", "keepdims")
    def min(self, axis: Any = None, keepdims: bool = False) -> Self:
        """The smallest element over ``axis`` (all by default); nan if one is nan. Ties share the gradient.

        Given a Tensor or an array instead of an axis, the elementwise ``minimum`` (as ``torch.min(a, b)``).
        """
        if isinstance(axis, (Node, np.ndarray)):
            return self.minimum(axis)
        return self._extreme(np.min, "amin", "min", axis, keepdims)

    def _extreme(self, pick: Callable[..., Any], op: str, shown: str, axis: Any, keepdims: bool) -> Self:
        axes = _axes(axis, self.data.ndim)
        if self.data.size == 0:
            raise ValueError(f"{shown}() of an empty Tensor (shape {self.data.shape}): there is no element to pick")
        data = pick(self.data, axis=axes, keepdims=bool(keepdims))
        return self._node(data, (self,), op, (axes, bool(keepdims)), _axis_text(shown, axes))

    @rule("amax")
    def _amax_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # (G / count) · [x == max], as torch.amax
        return (_shared(out, upstream),)

    @rule("amin")
    def _amin_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # (G / count) · [x == min], as torch.amin
        return (_shared(out, upstream),)

    def norm(self, p: Any = 2, axis: Any = None, keepdims: bool = False) -> Self:
        """The L2 norm ``√(Σ x²)`` over ``axis`` (all by default), as ``t.norm()`` and ``np.linalg.norm``."""
        if not (isinstance(p, (int, float, str)) and p in (2, "fro")):
            raise ValueError(f"norm: only the L2 norm (p=2) is an op here, got p={p!r:.40}")
        axes = _axes(axis, self.data.ndim)
        with _quiet():
            data = np.sqrt(np.sum(self.data * self.data, axis=axes, keepdims=bool(keepdims)))
        return self._node(data, (self,), "norm", (axes, bool(keepdims)), _axis_text("norm", axes))

    @rule("norm")
    def _norm_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # x · G/‖x‖, and 0 where ‖x‖ = 0 (as PyTorch)
        g, norm = _restored(out, upstream), _restored(out, out.data)
        return (out.parents[0].data * out._select(_numbers(norm) == 0, 0.0, g / norm),)

    def softmax(self, axis: int = -1) -> Self:
        """``exp(x) / Σ exp(x)`` along ``axis`` (the last by default), computed as ``exp(x − max)`` normalised."""
        (a,) = _one_axis(axis, self.data.ndim, "softmax")
        with _quiet():
            e = np.exp(self.data - np.max(self.data, axis=a, keepdims=True))
            data = e / np.sum(e, axis=a, keepdims=True)
        return self._node(data, (self,), "softmax", a, _axis_text("softmax", (a,)))

    @rule("softmax")
    def _softmax_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # y · (G − Σ G·y) along the axis
        y = out.data
        return (y * (upstream - (upstream * y).sum(axis=out._args, keepdims=True)),)

    def log_softmax(self, axis: int = -1) -> Self:
        """``x − log Σ exp(x)`` along ``axis`` (the last by default), computed as ``(x − max) − log Σ exp(x − max)``."""
        (a,) = _one_axis(axis, self.data.ndim, "log_softmax")
        with _quiet():
            shifted = self.data - np.max(self.data, axis=a, keepdims=True)
            data = shifted - np.log(np.sum(np.exp(shifted), axis=a, keepdims=True))
        return self._node(data, (self,), "log_softmax", a, _axis_text("log_softmax", (a,)))

    @rule("log_softmax")
    def _log_softmax_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # G − exp(out) · Σ G along the axis
        return (upstream - np.exp(out.data) * upstream.sum(axis=out._args, keepdims=True),)

    @numpy_function(np.dot)
    def dot(self, other: Any) -> Self:
        """numpy's ``dot``: vectors' inner product, matrices' product (``@``), a number's product (``*``)."""
        ndims = (self.data.ndim, np.ndim(_numbers(getattr(other, "data", other))))
        if 0 in ndims:
            return self * other
        if max(ndims) > 2:
            raise ValueError(f"dot: for more than 2 dimensions use @ (np.matmul); got {ndims[0]}-D and {ndims[1]}-D")
        return self @ other

    def pow(self, exponent: Any) -> Self:
        """``x ** exponent`` (as ``torch.pow``): a number, an array or a Tensor, which then gets a gradient too."""
        return self**exponent


def _restored(out: Any, g: Any) -> Any:
    """``g`` (shaped like ``out``) with the reduced axes put back, to broadcast against the input."""
    axes, keepdims = out._args
    return g if axes is None or keepdims else _expand(g, axes)


def _shared(out: Any, upstream: Any) -> Any:
    """What a max or min over axes sends back: ``G`` split evenly among the elements that equal the result."""
    x, picked = _numbers(out.parents[0].data), _numbers(_restored(out, out.data))
    chosen = x == picked  # (nan equals nothing: count 0, and G/0 · 0 is nan everywhere, as torch.amax)
    count = np.sum(chosen, axis=out._args[0], keepdims=True)
    with _quiet():
        return (_restored(out, upstream) / count) * chosen


def _one_axis(axis: Any, ndim: int, op: str) -> tuple[int]:
    """One axis (an int), checked, as a non-negative axis (softmax and log_softmax run along one)."""
    if isinstance(axis, tuple) or axis is None:
        raise TypeError(f"{op}: axis must be one int (the axis to normalise along), got {axis!r}")
    axes = _axes(axis, ndim)
    assert axes is not None
    return (axes[0],)
