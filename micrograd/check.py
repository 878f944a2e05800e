"""``gradcheck``: compare the gradients of ``backward()`` with central differences, for both engines.

One numerical gradient (:func:`numerical_grad`), one agreement rule (:func:`agreement`)
and one result type (:class:`GradcheckResult`) serve scalar ``Value`` functions and array
``Tensor`` functions alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .core import Node, no_grad
from .engine import Value, as_float
from .function import Function, arity

__all__ = ["gradcheck", "GradcheckResult", "numerical_grad", "agreement"]


@dataclass(frozen=True)
class GradcheckResult:
    """What :func:`gradcheck` found; truthy when every gradient agrees.

    ``analytic`` and ``numeric`` hold one gradient per input (a float for a scalar input,
    an array for an array input); ``worst`` is the index of the input with the largest
    mismatch, ``element`` the index of that element within it (``()`` for a scalar), and
    ``error`` that mismatch.
    """

    ok: bool
    analytic: tuple[Any, ...]
    numeric: tuple[Any, ...]
    worst: int | None
    element: tuple[int, ...] | None
    error: float
    atol: float
    rtol: float
    inputs: tuple[float, ...] | None = None  # the point checked, when gradcheck chose it (a Function's)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.worst is None or self.element is None:
            return "gradcheck: no inputs"
        i, j = self.worst, self.element
        where = f"input {i}" + (f" element {j}" if j else "") + (f" at {self.inputs}" if self.inputs else "")
        verdict = "ok" if self.ok else "MISMATCH"
        return (
            f"gradcheck {verdict}: worst at {where}: backward {float(np.asarray(self.analytic[i])[j])!r}, "
            f"central difference {float(np.asarray(self.numeric[i])[j])!r}, |diff| {self.error:.3g} "
            f"(atol {self.atol:g}, rtol {self.rtol:g})"
        )


def agreement(analytic: Any, numeric: Any, atol: float, rtol: float) -> tuple[np.ndarray, np.ndarray]:
    """Element by element: does backward agree with central differences, and by how much not.

    Finite pairs agree when ``|analytic - numeric| <= atol + rtol·|numeric|`` (the error is
    that difference); infinities must match exactly and nan matches nan (error 0, else inf).
    """
    a, n = np.asarray(analytic, dtype=float), np.asarray(numeric, dtype=float)
    finite = np.isfinite(a) & np.isfinite(n)
    same_special = (a == n) | (np.isnan(a) & np.isnan(n))
    with np.errstate(all="ignore"):
        err = np.where(finite, np.abs(a - n), np.where(same_special, 0.0, np.inf))
        good = np.where(finite, err <= atol + rtol * np.abs(n), same_special)
    return good, err


def _data(out: Any) -> Any:
    return out.data if isinstance(out, Node) else out


def numerical_grad(
    f: Callable[..., Any], xs: Sequence[np.ndarray], make: Callable[[np.ndarray], Any], weights: Any, eps: float = 1e-6
) -> list[np.ndarray]:
    """Central differences of ``L = Σ weights · f(*inputs)``, element by element of each input.

    ``make`` turns an array into the input ``f`` takes (a Value or a Tensor).
    """
    grads = []
    with no_grad(), np.errstate(all="ignore"):
        for i, x in enumerate(xs):
            grad = np.zeros_like(x)
            for j in np.ndindex(x.shape):
                hi, lo = x.copy(), x.copy()
                hi[j] += eps
                lo[j] -= eps
                f_hi = _data(f(*[make(hi if k == i else xk) for k, xk in enumerate(xs)]))
                f_lo = _data(f(*[make(lo if k == i else xk) for k, xk in enumerate(xs)]))
                grad[j] = np.sum(weights * (np.asarray(f_hi) - np.asarray(f_lo))) / (2 * eps)
            grads.append(grad)
    return grads


def _is_array_input(x: object) -> bool:
    return (isinstance(x, Node) and not isinstance(x, Value)) or isinstance(x, np.ndarray)


def gradcheck(
    f: Callable[..., Any] | type[Function],
    inputs: Sequence[Any] | None = None,
    *,
    seed: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> GradcheckResult:
    """Check ``backward()`` of ``f(*inputs)`` against central differences, element by element.

    ``inputs`` are numbers or Values (``f`` then gets Values), or arrays or Tensors (``f``
    gets Tensors); only their data is read, they are not modified. When ``f`` returns more
    than one element, the check is of the vector-Jacobian product with ``seed`` (default:
    fixed random weights of the output's shape), i.e. of the gradient of
    ``L = Σ seed · f``. A gradient passes when ``|backward - numeric| <= atol + rtol·|numeric|``;
    infinities must match exactly and nan matches nan. Returns a :class:`GradcheckResult`,
    truthy when all pass, whose ``str`` names the worst element.

    ``f`` may be a :class:`micrograd.Function` (its ``apply``); without ``inputs`` it is checked
    at random points and at edges (0, ±1, ±1e-4, ±10), each point where it is finite and
    smooth (where its one-sided differences agree: not at a kink such as relu's 0), and the
    result is the worst point's (its ``inputs`` say which).

    Raises TypeError if ``f`` is not callable, ValueError unless ``eps`` > 0 and ``atol``,
    ``rtol`` >= 0 (all finite).
    """
    if isinstance(f, type) and issubclass(f, Function):
        if inputs is None:
            return _check_function(f, seed=seed, eps=eps, atol=atol, rtol=rtol)
        if arity(f) not in (None, len(inputs)):
            raise TypeError(f"gradcheck: {f.__name__}.forward takes {arity(f)} inputs, got {len(inputs)}")
        f = f.apply
    if inputs is None:
        raise TypeError("gradcheck(f, inputs): give the inputs (numbers, Values, arrays or Tensors)")
    _check_settings(f, eps, atol, rtol)
    if any(_is_array_input(x) for x in inputs):
        from .tensor import Tensor

        node_type: type[Node] = Tensor
        xs = [np.array(_data(x), dtype=np.float64) for x in inputs]
    else:
        node_type = Value
        xs = [np.array(as_float(_data(x), f"gradcheck (input {i})")) for i, x in enumerate(inputs)]
    leaves = [_leaf(node_type, x) for x in xs]
    out: Any = f(*leaves)
    if not isinstance(out, node_type):
        raise TypeError(f"gradcheck: f must return a {node_type.__name__}, got {type(out).__name__}")
    weights = _weights(out, seed)
    out.backward(weights if node_type is not Value else float(weights))
    analytic: tuple[Any, ...] = tuple(_gradient(leaf, x) for leaf, x in zip(leaves, xs, strict=True))
    numeric: tuple[Any, ...] = tuple(numerical_grad(f, xs, lambda a: _leaf(node_type, a), weights, eps))
    if node_type is Value:  # scalars: plain floats
        analytic, numeric = tuple(float(g) for g in analytic), tuple(float(g) for g in numeric)
    worst, element, worst_err, ok = None, None, -1.0, True
    for i, (a, n) in enumerate(zip(analytic, numeric, strict=True)):
        if np.size(a) == 0:
            continue
        good, err = agreement(a, n, atol, rtol)
        ok = ok and bool(good.all())
        j = np.unravel_index(int(np.argmax(err)), err.shape)
        if err[j] > worst_err:
            worst, element, worst_err = i, tuple(int(k) for k in j), float(err[j])
    return GradcheckResult(ok, analytic, numeric, worst, element, max(worst_err, 0.0), atol, rtol)


# ---------------------------------------------------------------- a Function, at points of gradcheck's choosing

EDGES = (0.0, 1.0, -1.0, 1e-4, -1e-4, 10.0, -10.0)
RANDOM_POINTS = 8


def _check_function(cls: type[Function], **settings: Any) -> GradcheckResult:
    """gradcheck of ``cls.apply`` at random points and edges where it is finite and smooth: the worst point's result."""
    n = arity(cls)
    if n is None:
        raise TypeError(f"gradcheck: {cls.__name__}.forward takes any number of inputs: give gradcheck the inputs")
    rng = np.random.default_rng(0)
    points = [tuple(float(x) for x in rng.uniform(-2.0, 2.0, n)) for _ in range(RANDOM_POINTS)]
    points += [(e,) * n for e in EDGES]
    judged = [p for p in points if _smooth_at(cls, p, settings["eps"], settings["atol"], settings["rtol"])]
    if not judged:
        raise ValueError(f"gradcheck: {cls.__name__} is finite and smooth at none of the points tried: give the inputs")
    results = [gradcheck(cls.apply, point, **settings) for point in judged]
    worst = next((k for k, r in enumerate(results) if not r), None)
    if worst is None:
        worst = max(range(len(results)), key=lambda k: results[k].error)
    return replace(results[worst], inputs=judged[worst])


def _smooth_at(cls: type[Function], point: tuple[float, ...], eps: float, atol: float, rtol: float) -> bool:
    """Is ``cls`` finite around ``point`` and are its one-sided differences the same there, along every input?"""

    def at(*xs: float) -> float:
        with no_grad():
            return cls.apply(*[Value(x) for x in xs]).data

    centre = at(*point)
    for i in range(len(point)):
        hi = at(*[x + eps if k == i else x for k, x in enumerate(point)])
        lo = at(*[x - eps if k == i else x for k, x in enumerate(point)])
        if not all(map(math.isfinite, (centre, hi, lo))):
            return False
        good, _ = agreement((hi - centre) / eps, (centre - lo) / eps, atol, rtol)
        if not good.all():
            return False
    return True


def _check_settings(f: object, eps: object, atol: object, rtol: object) -> None:
    if not callable(f):
        raise TypeError(f"gradcheck: f must be a function of the inputs, got {type(f).__name__}: {f!r:.60}")
    for name, value, low in (("eps", eps, "> 0"), ("atol", atol, ">= 0"), ("rtol", rtol, ">= 0")):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
            raise TypeError(f"gradcheck: {name} must be a number, got {type(value).__name__}: {value!r:.60}")
        positive = value > 0 if low == "> 0" else value >= 0
        if not (math.isfinite(value) and positive):
            raise ValueError(f"gradcheck: {name} must be a finite number {low}, got {value!r}")


def _leaf(node_type: type[Node], x: np.ndarray) -> Any:
    return Value(float(x)) if node_type is Value else node_type(x)  # type: ignore[call-arg]


def _gradient(leaf: Any, x: np.ndarray) -> Any:
    return np.zeros_like(x) if leaf.grad is None else leaf.grad


def _weights(out: Any, seed: Any) -> np.ndarray:
    """The vector of the vector-Jacobian product checked: given, ones for one element, else fixed random."""
    if seed is not None:
        return np.array(seed, dtype=np.float64)
    shape = np.shape(out.data)
    if int(np.prod(shape)) == 1:
        return np.ones(shape)
    return np.random.default_rng(0).standard_normal(shape)
