"""The elementwise functions of one Tensor: ``exp``, ``log``, ``tanh``, ``sin``, ``cos``, ``sigmoid``,
``relu``, ``abs``, ``sqrt``, ``reciprocal``, each beside its rule.

A function applied element by element has a diagonal Jacobian: its vector-Jacobian product is
the upstream gradient times the function's derivative at each element, ``G · f'(x)`` (written with
the output where that is cheaper: ``G · exp(x)`` is ``G · out``). Where PyTorch's formula *selects*
(relu, and tanh's two forms), the rule chooses on the numbers with ``out._select`` (``np.where`` on
arrays, ``where()`` on Tensors when ``backward(create_graph=True)`` runs the rules on Tensors).

They are the methods of :class:`Elementwise`, a base of ``Tensor`` kept in a module of its own, as
:mod:`~micrograd.tensor.shapes` and :mod:`~micrograd.tensor.reductions` are; each makes its output
as every tensor op does (``self._node(data, (self,), "name")``), and its rule is registered in the
same table (:data:`~micrograd.tensor.arrays.RULES`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

import numpy as np

from ..core import Node
from .arrays import RULES, _numbers, _quiet
from .numpy_api import numpy_ufunc

rule = RULES.rule


class Elementwise(Node):
    """The elementwise functions of a Tensor (a base class of :class:`~micrograd.tensor.Tensor`)."""

    __slots__ = ()

    data: np.ndarray
    _node: Callable[..., Self]  # the Tensor engine's maker of an op's output
    _select: Callable[..., Any]  # and its choice (np.where on arrays, where() on Tensors: create_graph)

    @numpy_ufunc(np.exp)
    def exp(self) -> Self:
        """``exp(x)``; overflows to inf."""
        with _quiet():
            return self._node(np.exp(self.data), (self,), "exp")

    @rule("exp")
    def _exp_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # d exp(x) = G·exp(x)
        return (upstream * out.data,)

    @numpy_ufunc(np.log)
    def log(self) -> Self:
        """Natural ``log(x)``: ``log(0) = -inf``, ``log(x < 0) = nan``."""
        with _quiet():
            return self._node(np.log(self.data), (self,), "log")

    @rule("log")
    def _log_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # d log(x) = G/x
        return (upstream / out.parents[0].data,)

    @numpy_ufunc(np.tanh)
    def tanh(self) -> Self:
        """``tanh(x)``."""
        return self._node(np.tanh(self.data), (self,), "tanh")

    @rule("tanh")
    def _tanh_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # d tanh(x) = G·(1 - y²)
        y = out.data
        # 1 - y·y loses digits as y nears ±1, the factored (1 - y)(1 + y) near 0
        return (upstream * out._select(np.abs(_numbers(y)) < 0.5, 1.0 - y * y, (1.0 - y) * (1.0 + y)),)

    @numpy_ufunc(np.sin)
    def sin(self) -> Self:
        """``sin(x)``; nan at ±inf."""
        with _quiet():
            return self._node(np.sin(self.data), (self,), "sin")

    @rule("sin")
    def _sin_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # d sin(x) = G·cos(x)
        return (upstream * np.cos(out.parents[0].data),)

    @numpy_ufunc(np.cos)
    def cos(self) -> Self:
        """``cos(x)``; nan at ±inf."""
        with _quiet():
            return self._node(np.cos(self.data), (self,), "cos")

    @rule("cos")
    def _cos_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # d cos(x) = -G·sin(x)
        return (-upstream * np.sin(out.parents[0].data),)

    def sigmoid(self) -> Self:
        """``σ(x) = 1/(1+exp(-x))``: 0 below about -709, where exp(-x) overflows to inf."""
        with _quiet():
            return self._node(1.0 / (1.0 + np.exp(-self.data)), (self,), "sigmoid")

    @rule("sigmoid")
    def _sigmoid_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # d σ(x) = G·σ(x)(1 - σ(x))
        return (upstream * (1.0 - out.data) * out.data,)

    def relu(self) -> Self:
        """``max(x, 0)``: x itself unless x < 0 (relu(-0.0) is -0.0, nan stays nan, as PyTorch)."""
        return self._node(np.where(self.data < 0, 0.0, self.data), (self,), "ReLU")

    @rule("ReLU")
    def _relu_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # d relu(x) = G where relu(x) > 0 (or nan), else 0
        return (out._select(_numbers(out.data) <= 0, 0.0, upstream),)

    @numpy_ufunc(np.absolute)
    def abs(self) -> Self:
        """``|x|``."""
        return self._node(np.abs(self.data), (self,), "abs")

    @rule("abs")
    def _abs_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # d|x| = G·sign(x): 0 at 0 and at nan (as PyTorch)
        x = _numbers(out.parents[0].data)
        return (upstream * (np.greater(x, 0) * 1.0 - np.less(x, 0)),)

    def __abs__(self) -> Self:
        return self.abs()

    @numpy_ufunc(np.sqrt)
    def sqrt(self) -> Self:
        """``√x``: ``sqrt(x < 0) = nan``."""
        with _quiet():
            return self._node(np.sqrt(self.data), (self,), "sqrt")

    @rule("sqrt")
    def _sqrt_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # d√x = G/(2√x) (inf at 0)
        return (upstream / (2.0 * out.data),)

    @numpy_ufunc(np.reciprocal)
    def reciprocal(self) -> Self:
        """``1/x`` elementwise: ``1/0 = inf``, ``1/(-0.0) = -inf``."""
        with _quiet():
            return self._node(1.0 / self.data, (self,), "1/x")

    @rule("1/x")
    def _reciprocal_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # d(1/x) = -G/x² = -G·(1/x)²
        return (-upstream * (out.data * out.data),)
