"""The reductions, shape ops and indexing of :class:`~micrograd.tensor.Tensor`, each beside its rule.

These ops add up or move elements without computing new ones, so their vector-Jacobian
products move the upstream gradient back: a sum spreads it over what was summed, a mean
spreads ``G/n``, a reshape or a transpose undoes itself on ``G``, indexing scatters ``G``
back where the elements came from. They are the methods of
:class:`ShapeOps`, a base of ``Tensor`` kept in a module of its own; each makes its output
as every tensor op does (``_node(data, (self,), "name", settings, shown)``, reached through
the Tensor as ``self._node``), and its rule is registered in the same table (:data:`RULES`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, Self

import numpy as np

from ..core import Node
from .arrays import _BASIC_INDEX, RULES, _axes, _axis_text, _expand, _index_text, _numbers, _quiet, _spread
from .numpy_api import numpy_function

rule = RULES.rule


class ShapeOps(Node):
    """The reductions, shape ops and indexing of a Tensor (a base class of :class:`~micrograd.tensor.Tensor`)."""

    __slots__ = ()

    data: np.ndarray
    _args: Any  # an op's settings (an axis, a shape, an index)
    _node: Callable[..., Self]  # the Tensor engine's maker of an op's output

    @numpy_function(np.sum, "axis", "keepdims")
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Self:
        """Sum over ``axis`` (all by default)."""
        axes = _axes(axis, self.data.ndim)
        with _quiet():
            data = self.data.sum(axis=axes, keepdims=bool(keepdims))
        return self._node(data, (self,), "sum", (axes, bool(keepdims)), _axis_text("sum", axes))

    @rule("sum")
    def _sum_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # every summed element gets G: broadcast back
        axes, keepdims = out._args
        g = upstream if axes is None or keepdims else _expand(upstream, axes)
        return (_spread(g, out.parents[0].data.shape),)

    @numpy_function(np.mean, "axis", "keepdims")
    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Self:
        """Mean over ``axis`` (all by default)."""
        axes = _axes(axis, self.data.ndim)
        n = self.data.size if axes is None else math.prod(self.data.shape[a] for a in axes)
        with _quiet():
            data = self.data.sum(axis=axes, keepdims=bool(keepdims)) / n  # 0/0 = nan for an empty mean
        return self._node(data, (self,), "mean", (axes, bool(keepdims), n), _axis_text("mean", axes))

    @rule("mean")
    def _mean_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # every averaged element gets G/n
        axes, keepdims, n = out._args
        g = upstream if axes is None or keepdims else _expand(upstream, axes)
        return (_spread(g / n, out.parents[0].data.shape),)

    def reshape(self, *shape: Any) -> Self:
        """The same elements in a new shape (``t.reshape(2, 3)`` or ``t.reshape((2, 3))``; one ``-1`` allowed)."""
        new = shape[0] if len(shape) == 1 else shape
        return self._node(self.data.reshape(new).copy(), (self,), "reshape")

    @rule("reshape")
    def _reshape_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # a relabelling: reshape G back
        return (upstream.reshape(out.parents[0].data.shape),)

    def transpose(self, *axes: Any) -> Self:
        """Axes permuted (reversed by default, as numpy)."""
        given = (axes[0] if len(axes) == 1 else axes) or None
        if given is None:
            perm = tuple(range(self.data.ndim - 1, -1, -1))
            return self._node(self.data.transpose().copy(), (self,), "transpose", perm, "T")
        data = self.data.transpose(given).copy()  # numpy checks it is a permutation of the axes
        perm = tuple(int(a) % self.data.ndim for a in given)
        return self._node(data, (self,), "transpose", perm, f"transpose{perm}")

    @rule("transpose")
    def _transpose_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # permute G back (inverse permutation)
        return (upstream.transpose(_inverse(out._args)),)

    @property
    def T(self) -> Self:
        """All axes reversed (``x.T`` of a matrix is its transpose)."""
        return self.transpose()

    def __getitem__(self, index: Any) -> Self:
        """``t[index]`` as numpy indexes (a copy)."""
        items = index if isinstance(index, tuple) else (index,)
        if any(isinstance(i, ShapeOps) for i in items):  # (ShapeOps: a Tensor)
            raise TypeError("a Tensor cannot index a Tensor: index with ints, slices, None, ... or t.data")
        basic = all(isinstance(i, _BASIC_INDEX) and not isinstance(i, bool) for i in items)
        data = np.array(self.data[index], dtype=np.float64)  # a copy: nodes never share memory
        return self._node(data, (self,), "getitem", (index, basic), _index_text(items))

    @rule("getitem")
    def _getitem_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # G scattered back where the elements came from
        index, basic = out._args
        if isinstance(upstream, ShapeOps):  # a Tensor: building a graph, the scatter as an op of its own
            return (_scatter(upstream, index, basic, _numbers(out.parents[0].data).shape),)
        dx = np.zeros_like(out.parents[0].data)
        if basic:
            dx[index] = upstream  # basic indexing picks each element at most once
        else:
            np.add.at(dx, index, upstream)  # an index array may pick an element twice: add, never overwrite
        return (dx,)


@functools.lru_cache(maxsize=256)
def _inverse(perm: tuple[int, ...]) -> tuple[int, ...]:
    """The permutation that undoes ``perm`` (a transpose's axes), made once per permutation."""
    return tuple(sorted(range(len(perm)), key=perm.__getitem__))


def _scatter(upstream: ShapeOps, index: Any, basic: bool, shape: tuple[int, ...]) -> ShapeOps:
    """Zeros of ``shape`` with ``upstream`` added where ``index`` took its elements: indexing's gradient, as an op."""
    data = np.zeros(shape)
    if basic:
        data[index] = upstream.data
    else:
        np.add.at(data, index, upstream.data)
    return upstream._node(data, (upstream,), "scatter", (index, basic))


@rule("scatter")
def _scatter_rule(out: ShapeOps, upstream: Any) -> tuple[Any]:  # the elements back from where they were put
    index, _ = out._args
    return (upstream[index] if isinstance(upstream, ShapeOps) else np.array(upstream[index], dtype=np.float64),)
