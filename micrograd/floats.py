"""Float arithmetic as IEEE 754 and PyTorch define it, where Python's own would raise.

Python raises on ``1.0 / 0``, ``math.log(0)``, ``math.exp(1000)`` and ``0.0 ** -1``, and
gives a complex number for ``(-8.0) ** (1/3)``; IEEE 754 (and PyTorch, in float64) gives
``inf``, ``-inf``, ``inf``, ``inf`` and ``nan``. These functions give IEEE's answer, so the
scalar engine, the staged code (:func:`micrograd.staged`) and compiled replays
(:func:`micrograd.compile`) all compute the same bits. The local-gradient helpers
(:func:`one_minus_square`, :func:`sign`, :func:`gate_share`) are the engine's own rules'
arithmetic, stated once here.

Imports only the standard library.
"""

from __future__ import annotations

import math
from math import inf, nan, tanh
from typing import Any

__all__ = [
    "inf",
    "nan",
    "div",
    "power",
    "power_by_number",
    "exp",
    "log",
    "sqrt",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "maximum",
    "minimum",
    "sign",
    "one_minus_square",
    "gate_share",
    "logsumexp",
]


def _odd_integer(y: float) -> bool:
    return y.is_integer() and y % 2 == 1


def div(a: float, b: float) -> float:
    """``a / b``; ``x / 0`` is ±inf (the signs of x and of the zero), ``0 / 0`` is nan."""
    try:
        return a / b
    except ZeroDivisionError:
        return nan if a == 0 or a != a else math.copysign(inf, a) * math.copysign(1.0, b)


def power(x: float, y: float) -> float:
    """``x ** y``: ``0 ** -1`` is inf, an overflow ±inf, a negative base to a fractional power nan.

    Computed on Python floats: an int or a numpy scalar given (staged code called on one) is made one first.
    """
    if type(x) is not float or type(y) is not float:  # numpy's own ** would answer in its type, with warnings
        x, y = float(x), float(y)
    try:
        r = x**y
    except ZeroDivisionError:  # 0 ** negative: inf, with 0's sign for an odd integer power
        return math.copysign(inf, x) if _odd_integer(y) else inf
    except OverflowError:  # |result| too big; a negative base to a fractional power has none (nan)
        if x < 0 and not y.is_integer():
            return nan
        return -inf if x < 0 and _odd_integer(y) else inf
    return r if type(r) is float else nan  # a negative base to a fractional power: complex in Python


def power_by_number(x: float, n: float) -> float:
    """``x ** n`` for an exponent that is a number (a constant), as PyTorch computes ``t ** n``.

    PyTorch takes its own path for a Python number exponent: ``n = ½`` is ``sqrt(x)``, ``-½`` is
    ``1/sqrt(x)``, ``-1`` is ``1/x``, ``2`` is ``x·x``, ``3`` is ``x·x·x``, ``-2`` is ``1/(x·x)``, 0 and
    1 give 1 and x; other exponents :func:`power`. So ``(-0.0) ** 0.5`` is -0.0 (C's ``pow``: 0.0),
    ``(-inf) ** 0.5`` nan, and ``1e160 ** -2`` is 0.0 (``x·x`` overflows first), as in PyTorch.
    """
    if n == 0.5:
        return sqrt(x)
    if n == -0.5:
        return div(1.0, sqrt(x))
    if n == -1.0:
        return div(1.0, x)
    if n == 2.0:
        return x * x
    if n == 3.0:
        return x * x * x
    if n == -2.0:
        return div(1.0, x * x)
    if n == 1.0:
        return x
    return 1.0 if n == 0.0 else power(x, n)


def exp(x: float) -> float:
    """``e ** x``; inf where it overflows."""
    try:
        return math.exp(x)
    except OverflowError:
        return inf


def log(x: float) -> float:
    """Natural log: ``log(0)`` is -inf, ``log(x < 0)`` nan."""
    try:
        return math.log(x)
    except ValueError:
        return -inf if x == 0 else nan


def sqrt(x: float) -> float:
    """``√x``; nan below 0."""
    try:
        return math.sqrt(x)
    except ValueError:
        return nan


def sin(x: float) -> float:
    """``sin(x)``; nan at ±inf."""
    return math.sin(x) if math.isfinite(x) else nan


def cos(x: float) -> float:
    """``cos(x)``; nan at ±inf."""
    return math.cos(x) if math.isfinite(x) else nan


def sigmoid(x: float) -> float:
    """``1 / (1 + exp(-x))``, PyTorch's formula: 0 below about -709, where ``exp(-x)`` is inf."""
    return 1.0 / (1.0 + exp(-x))


def maximum(a: float, b: float) -> float:
    """The larger of ``a`` and ``b``, nan if either is (as ``torch.maximum``; Python's ``max`` is not)."""
    return a if a >= b else b if a < b else nan


def minimum(a: float, b: float) -> float:
    """The smaller of ``a`` and ``b``, nan if either is (as ``torch.minimum``)."""
    return a if a <= b else b if a > b else nan


def sign(x: Any) -> float:
    """1 above 0, -1 below, 0 at 0 and at nan: ∂|x|/∂x as PyTorch takes it."""
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def one_minus_square(y: Any) -> Any:
    """``1 - y²`` (∂tanh/∂x from y = tanh(x)), to the last bits for every y.

    ``1 - y·y`` loses digits as y nears ±1, the factored ``(1 - y)(1 + y)`` near 0 (and so does
    its own derivative, -2y); each is used where it is accurate. Works on Values too.
    """
    return 1.0 - y * y if -0.5 < y < 0.5 else (1.0 - y) * (1.0 + y)


def gate_share(upstream: Any, mine: Any, other: Any) -> Any:
    """What a max gate passes back to the side holding ``mine``: all of it if that side won, half
    on a tie, exactly 0 if it lost (selected, so an inf upstream stays out), all if either is nan."""
    if mine < other:
        return 0.0
    return upstream / 2 if mine == other else upstream


# ---------------------------------------------------------------- a rule's inputs: floats, or nodes (create_graph)
# Under ``backward(create_graph=True)`` a rule reads nodes where it reads numbers otherwise (the same rule
# builds the gradient's graph): these are the functions above on floats, and the node's own op on a node.


def plain(x: Any) -> float:
    """A rule's input as a number: itself, or a node's number where the rule builds a graph (create_graph)."""
    return x if type(x) is float else x._data


def power_any(a: Any, b: Any) -> Any:
    """:func:`power` on floats; ``a ** b`` on nodes."""
    if type(a) is not float or type(b) is not float:  # a rule building a graph (create_graph): Values
        return a**b
    return power(a, b)


def power_by_number_any(a: Any, n: Any) -> Any:
    """:func:`power_by_number` on floats (the exponent a constant: PyTorch's ``t ** n``); ``a ** n`` on nodes."""
    if type(a) is not float or type(n) is not float:  # a rule building a graph (create_graph): Values
        return a**n
    return power_by_number(a, n)


def log_any(a: Any) -> Any:
    """:func:`log` on a float; the node's ``log()`` on a node."""
    return log(a) if type(a) is float else a.log()


def sin_any(a: Any) -> Any:
    """:func:`sin` on a float; the node's ``sin()`` on a node."""
    return sin(a) if type(a) is float else a.sin()


def cos_any(a: Any) -> Any:
    """:func:`cos` on a float; the node's ``cos()`` on a node."""
    return cos(a) if type(a) is float else a.cos()


def exp_any(a: Any) -> Any:
    """:func:`exp` on a float; the node's ``exp()`` on a node."""
    return exp(a) if type(a) is float else a.exp()


def logsumexp(*xs: float) -> float:
    """``log(Σ exp(xᵢ))`` without overflow: the largest x is taken out first, ``m + log(Σ exp(xᵢ − m))``.

    As ``torch.logsumexp``: an infinite largest x is not taken out (the sum is then 0 or inf); a nan gives nan.
    """
    m = max(xs)
    shift = m if -inf < m < inf else 0.0
    total = 0.0
    for x in xs:
        total += exp(x - shift)
    return log(total) + shift
