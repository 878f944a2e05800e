"""``gradcheck``: compare the gradients of :meth:`Value.backward` with central differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .engine import Value, no_grad
from .tensor import Tensor, agreement
from .tensor import gradcheck as tensor_gradcheck

__all__ = ["gradcheck", "GradcheckResult", "numerical_grad"]


@dataclass(frozen=True)
class GradcheckResult:
    """What :func:`gradcheck` found; truthy when every gradient agrees.

    ``analytic`` and ``numeric`` list one gradient per input; ``worst`` is the index of
    the input with the largest mismatch and ``error`` that mismatch (absolute).
    """

    ok: bool
    analytic: tuple[float, ...]
    numeric: tuple[float, ...]
    worst: int | None
    error: float
    atol: float
    rtol: float

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.worst is None:
            return "gradcheck: no inputs"
        i = self.worst
        verdict = "ok" if self.ok else "MISMATCH"
        return (
            f"gradcheck {verdict}: worst at input {i}: backward {self.analytic[i]!r}, "
            f"central difference {self.numeric[i]!r}, |diff| {self.error:.3g} "
            f"(atol {self.atol:g}, rtol {self.rtol:g})"
        )


def numerical_grad(f: Callable[..., Value], xs: Sequence[float], eps: float = 1e-6) -> list[float]:
    """Central differences ``(f(x + eps) - f(x - eps)) / 2eps`` for each input of ``f``."""
    grads = []
    with no_grad():
        for i in range(len(xs)):
            hi = [Value(x + eps if j == i else x) for j, x in enumerate(xs)]
            lo = [Value(x - eps if j == i else x) for j, x in enumerate(xs)]
            grads.append((_data(f(*hi)) - _data(f(*lo))) / (2 * eps))
    return grads


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Value | float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> GradcheckResult:
    """Check ``backward()`` of ``f(*inputs)`` against central differences.

    ``inputs`` are numbers or Values (only their ``data`` is read; they are not
    modified). A gradient passes when ``|backward - numeric| <= atol + rtol·|numeric|``;
    infinities must match exactly and nan matches nan. Returns a
    :class:`GradcheckResult`, truthy when all pass, whose ``str`` names the worst input.

    With a :class:`~micrograd.tensor.Tensor` or a numpy array among ``inputs``, ``f`` gets
    Tensors and the check is :func:`micrograd.tensor.gradcheck` (element by element).
    """
    if any(isinstance(x, Tensor) or isinstance(x, np.ndarray) and x.ndim > 0 for x in inputs):
        return tensor_gradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol)  # type: ignore[return-value,arg-type]
    xs = [x.data if isinstance(x, Value) else float(x) for x in inputs]
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    out.backward()
    analytic = tuple(v.grad for v in leaves)
    numeric = tuple(numerical_grad(f, xs, eps))
    if not xs:
        return GradcheckResult(True, (), (), None, 0.0, atol, rtol)
    good, err = agreement(np.array(analytic), np.array(numeric), atol, rtol)
    worst = int(np.argmax(err))
    ok, worst_err = bool(good.all()), float(err[worst])
    return GradcheckResult(ok, analytic, numeric, worst, max(worst_err, 0.0), atol, rtol)


def _data(v: Value | float) -> float:
    return v.data if isinstance(v, Value) else float(v)
