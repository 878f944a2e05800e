"""numpy's functions on Tensors: each one that has a Tensor op dispatches to it; any other raises TypeError.

``np.exp(t)``, ``np.maximum(a, b)``, ``np.matmul(a, b)``, ``np.sum(t, axis=0)`` and
``ndarray + t`` reach the Tensor ops through ``__array_ufunc__`` and ``__array_function__``
(NEP 13 and NEP 18). The ops say which numpy names they answer to, beside themselves
(``@numpy_ufunc``, ``@numpy_function``, which fill this module's tables); this module holds
the tables, the dispatch and the few numpy functions that are not ops (``np.shape``,
``np.reshape``'s signature). A numpy function with no Tensor op
(``np.arctan(t)``, ``np.asarray(t)``) raises a TypeError instead of returning an array cut off
from the graph.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["array_ufunc", "array_function", "numpy_ufunc", "numpy_function", "NUMPY_UFUNCS", "NUMPY_FUNCTIONS"]

Table = dict[Any, Any]

NUMPY_UFUNCS: dict[np.ufunc, Callable[..., Any]] = {}  # np.exp -> Tensor.exp, ...
NUMPY_FUNCTIONS: dict[Callable[..., Any], tuple[Callable[..., Any], frozenset[str]]] = {}  # np.sum -> (Tensor.sum, kw)


def numpy_ufunc(*ufuncs: np.ufunc) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let numpy's ``ufuncs`` applied to Tensors call the decorated op (``np.exp(t)`` -> ``t.exp()``)."""

    def register(op: Callable[..., Any]) -> Callable[..., Any]:
        for ufunc in ufuncs:
            NUMPY_UFUNCS[ufunc] = op
        return op

    return register


def numpy_function(func: Callable[..., Any], *keywords: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let numpy's ``func`` (with these keywords) applied to a Tensor call the decorated op (``np.sum``)."""

    def register(op: Callable[..., Any]) -> Callable[..., Any]:
        NUMPY_FUNCTIONS[func] = (op, frozenset(keywords))
        return op

    return register


def _np_reshape(a: Any, shape: Any = None, order: str = "C", **kw: Any) -> Any:
    if order != "C":
        raise TypeError("np.reshape on a Tensor supports only order='C'")
    return a.reshape(kw.get("newshape", shape))


def _np_transpose(a: Any, axes: Any = None) -> Any:
    return a.transpose() if axes is None else a.transpose(axes)


def _np_size(a: Any, axis: int | None = None) -> int:
    return a.data.size if axis is None else a.data.shape[axis]


_FUNCTIONS: dict[Callable[..., Any], tuple[Callable[..., Any], frozenset[str]]] = {
    np.reshape: (_np_reshape, frozenset({"shape", "newshape", "order"})),
    np.transpose: (_np_transpose, frozenset({"axes"})),
    np.shape: (lambda a: a.data.shape, frozenset()),
    np.ndim: (lambda a: a.data.ndim, frozenset()),
    np.size: (_np_size, frozenset({"axis"})),
}


def _supported(ufuncs: Table, functions: Table) -> str:
    names = {f.__name__ for f in ufuncs} | {f.__name__ for f in functions} | {f.__name__ for f in _FUNCTIONS}
    return (
        "Tensors support np."
        + ", np.".join(sorted(names))
        + "; apply anything else to t.data (an ndarray, outside the graph: no gradient)"
    )


def array_ufunc(
    ufuncs: Table,
    functions: Table,
    as_tensor: Callable[[Any], Any],
    ufunc: np.ufunc,
    method: str,
    inputs: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    """``ufunc(*inputs)`` with a Tensor among the inputs: the op ``ufuncs`` names for it, or TypeError."""
    op = ufuncs.get(ufunc)
    if op is None or method != "__call__":
        name = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        raise TypeError(f"{name} has no Tensor op: {_supported(ufuncs, functions)}")
    if kwargs:
        raise TypeError(f"np.{ufunc.__name__} on a Tensor takes no keyword arguments, got {', '.join(kwargs)}")
    first, *rest = inputs
    return op(as_tensor(first), *rest)


def array_function(
    ufuncs: Table,
    functions: Table,
    as_tensor: Callable[[Any], Any],
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    """numpy's ``func(*args, **kwargs)`` with a Tensor among the arguments: the Tensor op, or TypeError."""
    entry = functions.get(func) or _FUNCTIONS.get(func)
    module = getattr(func, "__module__", None) or "numpy"
    name = module.replace("numpy", "np", 1) + "." + getattr(func, "__name__", repr(func))
    if entry is None:
        raise TypeError(f"{name} has no Tensor op: {_supported(ufuncs, functions)}")
    op, allowed = entry
    unknown = sorted(set(kwargs) - allowed)
    if unknown:
        raise TypeError(f"{name} on a Tensor does not take {', '.join(unknown)}; it takes {sorted(allowed)}")
    first, *rest = args
    return op(as_tensor(first), *rest, **kwargs)
