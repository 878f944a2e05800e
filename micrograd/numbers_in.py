"""Numbers into the scalar engine: which objects are real numbers, and each as the float a Value holds.

Every way a number enters (``Value(x)``, ``v.data = x``, the other side of ``2 * v``, a seed,
staged code's arguments, gradcheck's inputs) makes it a Python float, or refuses it with the
same TypeError: a numpy scalar kept as it came would make ``power()`` nan and the arithmetic
float32. An int beyond a float's range (``10**400``) rounds to ±inf, as IEEE 754 does.
Imports only the standard library (numpy's bool is recognised without importing numpy).
"""

from __future__ import annotations

import numbers
import sys

from .core import Node

__all__ = ["as_float"]

_INF = float("inf")

_PLAIN_NUMBERS = frozenset((float, int, bool))  # checked by type first: isinstance(x, numbers.Real) is slow


def _is_number(x: object) -> bool:
    return type(x) in _PLAIN_NUMBERS or isinstance(x, numbers.Real) or _is_numpy_bool(x)  # Real: Fraction, numpy


def _is_numpy_bool(x: object) -> bool:
    """A numpy bool (a number as ``True`` is, but not a ``numbers.Real``); numpy is not imported for it."""
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(x, numpy.bool_)


def as_float(data: object, what: str = "Value()") -> float:
    """``data`` as a float: any real number (an int beyond float's range is ±inf), else a TypeError."""
    if type(data) is float:
        return data
    if _is_number(data):
        try:
            return float(data)  # type: ignore[arg-type]
        except OverflowError:  # an int (or Fraction) beyond float's range: IEEE rounding gives ±inf
            return _INF if data > 0 else -_INF  # type: ignore[operator]
    raise TypeError(
        f"{what} takes a real number (int, float, bool or numpy scalar), got {type(data).__name__}: {data!r:.60}"
    )


def _new_data(data: object) -> float:
    """What ``v.data = data`` stores: a real number as a float; a Value or an array is a TypeError naming the fix."""
    if isinstance(data, Node) or (hasattr(data, "__array__") and not _is_number(data)):
        raise TypeError(
            f"Value.data takes a real number, got a {type(data).__name__}: to update a parameter write "
            "p.data -= lr * p.grad (the gradient is a number; lr * p is a Value, which would put a graph inside .data)"
        )
    return as_float(data, "Value.data")
