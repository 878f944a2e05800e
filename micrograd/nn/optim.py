"""Stochastic gradient descent, with optional momentum, over a list of Values."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

from ..engine import Value

__all__ = ["SGD"]


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
        if isinstance(params, Value) or not isinstance(params, Iterable):
            raise TypeError(f"SGD: params must be a list of Values (e.g. model.parameters()), got {params!r:.60}")
        self.params = list(params)
        if not self.params:
            raise ValueError("SGD: params is empty (nothing to optimize)")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"SGD: params must all be Values, got {type(p).__name__}")
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
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"SGD: lr must be a finite number > 0, got {lr!r}")
        self._lr = float(lr)

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
