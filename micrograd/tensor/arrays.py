"""What the tensor engine's ops and rules are written with: their table, broadcasting undone, axes, indexes.

- the derivatives table, :data:`RULES`, where every tensor op registers its rule;
- broadcasting undone: :func:`unbroadcast`, every vector-Jacobian product's last step;
- the rules' arithmetic that works on arrays and on Tensors alike (``backward(create_graph=True)``
  runs the rules on Tensors): ``_numbers``, ``_expand``, ``_spread``, ``_power``,
  ``_power_by_number``, ``_mT``;
- an op's settings checked and shown: ``_axes``, ``_axis_text``, ``_index_text``.

A Tensor is recognised here as a graph :class:`~micrograd.core.Node` (:func:`_is_tensor`: the
scalar engine's Values never reach these functions), so this module needs nothing from
:mod:`micrograd.tensor.engine`, which builds on it.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import numpy as np

from ..core import Node, Rules

__all__ = ["RULES", "unbroadcast"]

RULES = Rules()  # the tensor derivatives table: op name -> rule(out, upstream)


def _is_tensor(x: Any) -> bool:
    """A Tensor, not an array: what a rule computes with when it builds a graph (a Value never comes here)."""
    return isinstance(x, Node)


class _Quiet:
    """numpy's IEEE results (inf, nan) without RuntimeWarnings: ``with _quiet():``, as ``np.errstate(all="ignore")``.

    numpy 2 keeps its error settings in a context variable; setting it to settings made once costs
    a fifth of what ``np.errstate`` costs to enter (it makes them anew each time: 0.8 us, more than
    an op on a small array). With an older numpy, ``np.errstate`` itself.
    """

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _error_state.set(_IGNORE_ALL)

    def __exit__(self, *exc: object) -> None:
        _error_state.reset(self._token)


def _errstate_quiet() -> AbstractContextManager[Any]:
    return np.errstate(all="ignore")


def _fast_quiet_works() -> bool:
    """Whether :class:`_Quiet` does what ``np.errstate(all="ignore")`` does, on this numpy (it uses numpy's
    private names: checked once at import, so a numpy that changed them gets ``np.errstate`` instead)."""
    try:
        with _Quiet():
            inside = np.geterr()
        return set(inside.values()) == {"ignore"} and np.geterr() != inside
    except Exception:  # noqa: BLE001 (any failure of a private name: fall back)
        return False


try:  # numpy >= 2: its error settings live in a context variable
    from numpy._core._ufunc_config import _extobj_contextvar as _error_state  # type: ignore[attr-defined]
    from numpy._core._ufunc_config import _make_extobj  # type: ignore[attr-defined]

    _IGNORE_ALL = _make_extobj(all="ignore")
except (ImportError, AttributeError, TypeError):  # numpy 1.x, or a numpy whose private names moved
    _IGNORE_ALL = None
_quiet: Callable[[], AbstractContextManager[Any]] = (
    _Quiet if _IGNORE_ALL is not None and _fast_quiet_works() else _errstate_quiet
)


def _ndarray(x: Any) -> np.ndarray:
    """A float64 ndarray (numpy returns scalars from 0-d arithmetic; gradients stay arrays)."""
    return x if type(x) is np.ndarray else np.asarray(x, dtype=np.float64)


# ---------------------------------------------------------------- broadcasting, undone


def unbroadcast(upstream: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``upstream`` over the axes broadcasting added or stretched, back to ``shape``.

    An input of shape ``(3,)`` added to a ``(4, 3)`` batch was used 4 times, once per
    row: its gradient is the sum of the 4 rows of the upstream gradient.
    """
    if upstream.shape == shape:
        return upstream
    extra = upstream.ndim - len(shape)
    if extra:
        upstream = upstream.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and upstream.shape[i] != 1)
    if stretched:
        upstream = upstream.sum(axis=stretched, keepdims=True)
    return upstream if _is_tensor(upstream) else _ndarray(upstream)


# ---------------------------------------------------------------- what the rules are written with
#
# A rule reads ``out.data`` and its parents' ``.data``: arrays, or in ``backward(create_graph=True)``
# the Tensors themselves (:meth:`micrograd.core.Rules.on_nodes`). So a rule is written with what
# works on both: arithmetic, ``reshape``, ``sum``, numpy functions that reach a Tensor op, and
# these helpers; a choice (relu, max, x**0) is made on the numbers (:func:`_numbers`) by :func:`_where`.


def _numbers(x: Any) -> Any:
    """The numbers of an array or a Tensor (to decide with, never to differentiate)."""
    return x.data if _is_tensor(x) else x


def _expand(g: Any, axes: tuple[int, ...]) -> Any:
    """``g`` with a length-1 axis put back at each of ``axes`` (as ``np.expand_dims``)."""
    shape = list(g.shape)
    for a in sorted(axes):
        shape.insert(a, 1)
    return g.reshape(tuple(shape))


def _spread(g: Any, shape: tuple[int, ...]) -> Any:
    """``g`` broadcast to ``shape`` (a Tensor: by adding zeros of that shape)."""
    return g + np.zeros(shape) if _is_tensor(g) else np.broadcast_to(g, shape)


def _power(x: np.ndarray, y: np.ndarray | float) -> np.ndarray:
    """``x ** y`` as C's ``pow`` (and PyTorch) defines it at -0.0 and -inf.

    numpy's power gives ``(-0.0)**0.5 = -0.0`` and ``(-inf)**0.5 = nan``; C gives +0.0 and
    +inf: the sign of a zero or infinite base shows only when ``y`` is an odd integer.
    """
    if _is_tensor(x) or _is_tensor(y):  # in a rule building a graph: the op itself
        return x**y
    if isinstance(y, float):  # a number (``x ** n``'s rule: n - 1): its parity decided once (8 -> 4.4 us)
        signed = (x == 0) | (x == -np.inf)
        return np.power(np.where(signed, np.abs(x), x) if y % 2.0 != 1.0 and signed.any() else x, y)
    keeps_sign = np.mod(y, 2.0) == 1.0
    return np.power(np.where(((x == 0) | (x == -np.inf)) & ~keeps_sign, np.abs(x), x), y)


def _is_number(t: Any, beside: Any) -> bool:
    """``t`` a constant of one number beside a node ``beside`` that needs a gradient (``x ** 0.5``, ``2 / x``):
    where PyTorch takes a path of its own for a Python number."""
    return beside.requires_grad and not t.requires_grad and np.ndim(_numbers(t.data)) == 0


def _power_by_number(x: Any, n: float) -> Any:
    """``x ** n`` for a number ``n``, as PyTorch computes ``t ** n`` (see :func:`micrograd.floats.power_by_number`):
    ``sqrt`` for ½, ``1/sqrt`` for -½, ``1/x`` for -1, ``x·x``, ``x·x·x`` and ``1/(x·x)`` for 2, 3 and -2."""
    if n in (0.5, -0.5):
        root = np.sqrt(x)  # (-0.0 stays -0.0, -inf is nan)
        return root if n > 0 else 1.0 / root
    if n in (2.0, 3.0, -2.0):
        square = x * x
        return square if n == 2.0 else square * x if n == 3.0 else 1.0 / square
    if n == -1.0:
        return 1.0 / x
    if n in (0.0, 1.0):
        return np.ones_like(_numbers(x)) if n == 0.0 else x * 1.0  # (a new array: nodes never share memory)
    return _power(x, n)


def _mT(x: Any) -> Any:
    """The last two axes swapped (a matrix transposed, a batch of them each)."""
    if _is_tensor(x):
        axes = list(range(x.ndim))
        axes[-1], axes[-2] = axes[-2], axes[-1]
        return x.transpose(tuple(axes))
    return x.swapaxes(-1, -2)


def _axes(axis: Any, ndim: int) -> tuple[int, ...] | None:
    """``axis`` (None, an int or a tuple of ints) as sorted non-negative axes, checked."""
    if axis is None:
        return None
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, without the checks below (2.3 -> 0.2 us)
        return (axis % ndim,)
    items = axis if isinstance(axis, tuple) else (axis,)
    for a in items:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral):
            raise TypeError(f"axis must be None, an int or a tuple of ints, got {axis!r}")
        if not -ndim <= int(a) < ndim:
            raise ValueError(f"axis {a} is out of bounds for a Tensor of {ndim} dimensions")
    axes = sorted(int(a) % ndim for a in items)
    if len(set(axes)) != len(axes):
        raise ValueError(f"repeated axis in {axis!r}")
    return tuple(axes)


def _axis_text(op: str, axes: tuple[int, ...] | None) -> str:
    if axes is None:
        return op
    return f"{op}({axes[0]})" if len(axes) == 1 else f"{op}{axes}"


_BASIC_INDEX = (int, np.integer, slice, type(None), type(Ellipsis))


def _index_text(index: tuple[Any, ...]) -> str:
    def one(i: Any) -> str:
        if isinstance(i, slice):
            text = ":".join("" if p is None else str(p) for p in (i.start, i.stop, i.step))
            return text[:-1] if text.endswith(":") and i.step is None else text
        if i is None or i is Ellipsis:
            return "None" if i is None else "..."
        return str(i) if isinstance(i, (int, np.integer)) else "idx"  # an index array

    return "[" + ", ".join(one(i) for i in index) + "]"
