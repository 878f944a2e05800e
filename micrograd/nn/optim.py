"""Optimizers over a list of Values: stochastic gradient descent (with optional momentum) and Adam (Tensors too)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..core import Node
from ..engine import Value

__all__ = ["SGD", "Adam"]


class SGD:
    """``SGD(params, lr, momentum=0.0)``: ``step()`` moves each parameter against its gradient.

    With momentum μ, each parameter keeps a velocity ``v`` (PyTorch's convention)::

        v ← μ·v + grad
        p ← p - lr·v

    With μ = 0 this is plain ``p ← p - lr·grad``. ``lr`` may be changed between steps
    (a learning-rate schedule); ``zero_grad()`` sets every parameter's gradient to 0.
    """

    _lr: float
    momentum: float
    velocity: list[float]

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        self.params = _checked_params(params, "SGD")
        self.lr = lr
        if not isinstance(momentum, numbers.Real) or not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.velocity = [0.0] * len(self.params)

    @property
    def lr(self) -> float:
        """The learning rate: a finite number > 0."""
        return self._lr

    @lr.setter
    def lr(self, lr: float) -> None:
        self._lr = _checked_lr(lr, "SGD")

    def step(self) -> None:
        """One update of every parameter from its current ``grad``."""
        lr, mu = self._lr, self.momentum
        if mu == 0.0:
            for p in self.params:
                p.data -= lr * p.grad
            return
        velocity = self.velocity
        for i, p in enumerate(self.params):
            v = mu * velocity[i] + p.grad
            velocity[i] = v
            p.data -= lr * v

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on every parameter (call before each ``backward()``)."""
        for p in self.params:
            p.grad = 0.0

    def __repr__(self) -> str:
        return f"SGD({len(self.params)} params, lr={self._lr:g}, momentum={self.momentum:g})"


class Adam:
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)``: Adam (Kingma & Ba, 2015), PyTorch's names.

    Each parameter keeps two running averages, of its gradient ``m`` and of its square ``v``;
    ``step()`` (the t-th call) moves the parameter by their bias-corrected ratio::

        m ← β₁·m + (1 − β₁)·grad              m̂ = m / (1 − β₁ᵗ)
        v ← β₂·v + (1 − β₂)·grad²             v̂ = v / (1 − β₂ᵗ)
        p ← p − lr · m̂ / (√v̂ + ε)

    (the paper's Algorithm 1, as microgpt writes it; PyTorch computes the same with its
    corrections grouped otherwise, equal up to rounding). ``lr`` may be changed between
    steps (a schedule); ``zero_grad()`` sets every parameter's gradient to 0.

    The parameters may be Tensors (:class:`~micrograd.tensor.Tensor`): the same maths, element by
    element, on their arrays; one no backward pass reached (``grad`` None) is left as it is, as PyTorch
    leaves it, and ``zero_grad()`` sets a Tensor's gradient to None.
    """

    _lr: float
    betas: tuple[float, float]
    eps: float
    t: int
    m: list[Any]  # floats, or arrays for Tensors
    v: list[Any]
    _scalars: bool  # every parameter a Value

    def __init__(
        self, params: Iterable[Node], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8
    ) -> None:
        self.params = _checked_params(params, "Adam", tensors=True)
        self.lr = lr
        if not (isinstance(betas, tuple) and len(betas) == 2 and all(_in_unit_interval(b) for b in betas)):
            raise ValueError(f"Adam: betas must be a pair of numbers in [0, 1), got {betas!r:.60}")
        self.betas = (float(betas[0]), float(betas[1]))
        if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not (math.isfinite(eps) and eps >= 0):
            raise ValueError(f"Adam: eps must be a finite number >= 0, got {eps!r}")
        self.eps = float(eps)
        self.t = 0  # the number of steps taken: the bias corrections' exponent
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)
        self._scalars = all(type(p) is Value for p in self.params)  # floats in .grad and behind .data
        self._flat: tuple[list[tuple[int, ...]], Any, Any, list[tuple[int, int]]] | None = None  # (_all_at_once)

    @property
    def lr(self) -> float:
        """The learning rate: a finite number > 0."""
        return self._lr

    @lr.setter
    def lr(self, lr: float) -> None:
        self._lr = _checked_lr(lr, "Adam")

    def step(self) -> None:
        """One update of every parameter from its current ``grad``."""
        self.t += 1
        lr, eps, (beta1, beta2) = self._lr, self.eps, self.betas
        correction1, correction2 = 1 - beta1**self.t, 1 - beta2**self.t
        m, v = self.m, self.v
        if self._scalars:  # Values: the same update, their numbers read and written in the slot behind .data
            rest1, rest2 = 1 - beta1, 1 - beta2
            for i, p in enumerate(self.params):
                grad = p.grad
                if grad is None:  # (set so by hand)
                    continue
                m_i = m[i] = beta1 * m[i] + rest1 * grad
                v_i = v[i] = beta2 * v[i] + rest2 * grad**2
                p._data -= lr * (m_i / correction1) / ((v_i / correction2) ** 0.5 + eps)
            return
        if self._all_at_once(lr, eps, correction1, correction2):
            return
        for i, p in enumerate(self.params):
            grad = p.grad
            if grad is None:  # a Tensor no backward pass reached
                continue
            m_i = beta1 * m[i] + (1 - beta1) * grad
            v_i = beta2 * v[i] + (1 - beta2) * grad**2
            _keep(m, i, m_i)
            _keep(v, i, v_i)
            m_hat = m_i / correction1
            v_hat = v_i / correction2
            p.data -= lr * m_hat / (v_hat**0.5 + eps)

    def _all_at_once(self, lr: float, eps: float, correction1: float, correction2: float) -> bool:
        """Tensors that all have a gradient: the same update on all their elements at once, one flat array.

        Element by element it is the same arithmetic as one parameter at a time (the same bits), in
        a few numpy calls instead of a dozen per parameter. ``m`` and ``v`` become views of the flat
        running averages. False (nothing done) if a parameter is a Value or has no gradient.
        """
        grads = [p.grad for p in self.params]
        if not all(type(g) is np.ndarray and g.shape == p.data.shape for g, p in zip(grads, self.params)):  # noqa: B905
            return False
        shapes = [g.shape for g in grads]
        if self._flat is None or self._flat[0] != shapes:
            self._flatten(shapes)
        assert self._flat is not None
        _, m, v, spans = self._flat
        (beta1, beta2), g = self.betas, np.concatenate([g.ravel() for g in grads])
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * g**2
        update = lr * (m / correction1) / ((v / correction2) ** 0.5 + eps)
        for p, (start, stop) in zip(self.params, spans):  # noqa: B905
            p.data -= update[start:stop].reshape(p.data.shape)
        return True

    def _flatten(self, shapes: list[tuple[int, ...]]) -> None:
        """The running averages as flat arrays, ``m[i]`` and ``v[i]`` views of them (with what they held)."""
        stops = np.cumsum([math.prod(shape) for shape in shapes]).tolist()
        spans = list(zip([0, *stops[:-1]], stops))  # noqa: B905
        flat_m, flat_v = np.zeros(stops[-1]), np.zeros(stops[-1])
        for i, ((start, stop), shape) in enumerate(zip(spans, shapes)):  # noqa: B905
            for flat, averages in ((flat_m, self.m), (flat_v, self.v)):
                view = flat[start:stop].reshape(shape)
                view[...] = averages[i]
                averages[i] = view
        self._flat = (shapes, flat_m, flat_v, spans)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on every parameter (None on a Tensor; call before each ``backward()``)."""
        for p in self.params:
            p.grad = p._no_grad_yet

    def __repr__(self) -> str:
        return f"Adam({len(self.params)} params, lr={self._lr:g}, betas={self.betas}, eps={self.eps:g})"


def _keep(averages: list[Any], i: int, new: Any) -> None:
    """``averages[i] = new``, written into the array there if it has that shape (a view of the flat averages)."""
    old = averages[i]
    if type(old) is np.ndarray and type(new) is np.ndarray and old.shape == new.shape:
        old[...] = new
    else:
        averages[i] = new


def _checked_params(params: Iterable[Any], who: str, tensors: bool = False) -> list[Any]:
    """The parameters an optimizer updates: a non-empty list of Values (or of Tensors too), or a clear error."""
    kind, what = (Node, "Values or Tensors") if tensors else (Value, "Values")
    if isinstance(params, Node) or not isinstance(params, Iterable):
        raise TypeError(f"{who}: params must be a list of {what} (e.g. model.parameters()), got {params!r:.60}")
    params = list(params)
    if not params:
        raise ValueError(f"{who}: params is empty (nothing to optimize)")
    for p in params:
        if not isinstance(p, kind):
            raise TypeError(f"{who}: params must all be {what}, got {type(p).__name__}")
    return params


def _checked_lr(lr: float, who: str) -> float:
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"{who}: lr must be a finite number > 0, got {lr!r}")
    return float(lr)


def _in_unit_interval(x: float) -> bool:
    return not isinstance(x, bool) and isinstance(x, numbers.Real) and 0.0 <= x < 1.0
