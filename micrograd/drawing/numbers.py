"""One number formatter for every picture and every line of text: ``-12``, ``0.7311``, ``inf``, ``[1, 2.5]``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["format_number", "format_array", "format_value", "shape_text", "SMALL_ARRAY"]

SMALL_ARRAY = 6  # arrays with at most this many elements show their values; larger ones only their shape


def format_number(x: float, precision: int = 4) -> str:
    """A number as a person writes it: ``-12``, ``0.7311``, ``inf``, ``nan``, ``1.5e-05``."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.{precision}g}" if abs(x) >= 1e4 or abs(x) < 1e-3 else f"{x:.{precision}f}".rstrip("0").rstrip(".")


def format_array(a: Any, precision: int = 4) -> str:
    """A small array as nested lists, ``[[1, 2], [3, 4.5]]``; a 0-d one as a number; a large one as ""."""
    arr = np.asarray(a)
    if arr.ndim == 0:
        return format_number(float(arr), precision)
    if arr.size > SMALL_ARRAY:
        return ""

    def nest(x: np.ndarray) -> str:
        if x.ndim == 1:
            return "[" + ", ".join(format_number(float(e), precision) for e in x) + "]"
        return "[" + ", ".join(nest(row) for row in x) + "]"

    return nest(arr)


def format_value(x: Any, precision: int = 4) -> str:
    """A node's data or gradient: a number, a small array, "" for a large array or None."""
    if x is None:
        return ""
    return format_number(x, precision) if isinstance(x, (float, int)) else format_array(x, precision)


def shape_text(x: Any) -> str:
    """An array's shape as Python writes a tuple: ``(3,)``, ``(2, 3)``, ``()``."""
    shape = tuple(np.shape(x))
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
