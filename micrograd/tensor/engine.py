"""The tensor engine: :class:`Tensor`, the scalar engine one level up, each op beside its rule.

A Tensor holds ``data`` (a float64 ndarray) and, once a backward pass reaches it, ``grad``
(an array of the same shape; None before). As for :class:`~micrograd.engine.Value`, each
op is a method that records its parents and its name, and right under it stands its rule,
registered by that name in the derivatives table (:data:`RULES`). For arrays a rule is a
vector-Jacobian product: given the output and the gradient arriving at it (``upstream``,
shaped like the output), it returns what flows back to each parent (shaped like that
parent), or None for a parent that needs no gradient (nothing is computed for it)::

    rule(out, upstream) -> (contribution for each parent)

The chain rule is applied in one place, :func:`micrograd.core.chain_rule`. The rules rely on:

- **Broadcasting is undone by summing.** An input broadcast along an axis was used once
  per position along it, so its gradient is the *sum* of the upstream gradient over that
  axis (:func:`unbroadcast`), never the mean.
- **The Jacobian of a matrix product is the other factor.** For ``C = A @ B``,
  ``dL/dA = G @ Bᵀ`` and ``dL/dB = Aᵀ @ G`` where ``G = dL/dC``.

Numbers and arrays on either side of an op become constants (leaves that need no
gradient), as in the scalar engine; an op's settings (an axis, a shape, an index) are its
arguments (``_args``), not parents. Numeric edge cases follow IEEE 754 and the scalar
engine, computed under ``np.errstate(all="ignore")``: no warnings. ``@numpy_ufunc(np.exp)``
on an op lets numpy's function of that name reach it (:mod:`micrograd.tensor.numpy_api`).

Here: the class, its arithmetic (``+ - * / **``, matmul, elementwise max and min), ``where``,
backward. Elsewhere: ``exp``, ``log``, ``relu`` and the other functions of one Tensor
(:mod:`~micrograd.tensor.elementwise`); sums, shape ops and indexing (:mod:`~micrograd.tensor.shapes`);
max, min, norm, softmax, dot (:mod:`~micrograd.tensor.reductions`); float, bool, comparisons
(:mod:`~micrograd.tensor.numbers`); the helpers (:mod:`~micrograd.tensor.arrays`).
To add an op: a method returning ``_node(data, (self,), "name")`` (``self._node`` in a base class),
under it ``@rule("name")`` on its vector-Jacobian product, ``@numpy_ufunc(...)`` if numpy has it.
"""

from __future__ import annotations

import numbers
import operator
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

import numpy as np

from ..core import _MANY, chain_rule, interior_order, recording, topological_order
from ..core import backward as core_backward
from ..engine import as_float
from ..graph.hooks import _hooked, apply_hooks, hooks_exist
from . import numpy_api
from .arrays import RULES, _expand, _is_number, _mT, _ndarray, _numbers, _power, _power_by_number, _quiet, unbroadcast
from .elementwise import Elementwise
from .numbers import AsNumbers
from .numpy_api import NUMPY_FUNCTIONS, NUMPY_UFUNCS, numpy_function, numpy_ufunc
from .reductions import Reductions
from .shapes import ShapeOps, _scatter  # noqa: F401  (_scatter: indexing's gradient as an op, tests reach it here)

__all__ = [
    "Tensor",
    "RULES",
    "rule",
    "unbroadcast",
    "where",
    "NUMPY_UFUNCS",
    "NUMPY_FUNCTIONS",
    "numpy_ufunc",
    "numpy_function",
]

rule = RULES.rule  # (the table is micrograd.tensor.arrays.RULES)

ArrayLike = Any  # numbers, nested lists of numbers, ndarrays

# ---------------------------------------------------------------- numbers and arrays in, Tensors out


def _as_data(data: Any, what: str = "Tensor()") -> np.ndarray:
    """``data`` as a new float64 ndarray, or a TypeError naming what was wrong."""
    if isinstance(data, Tensor):
        raise TypeError(f"{what} got a Tensor: use it directly, t.detach() for a copy without its graph, or t.data")
    try:
        arr = np.array(data)
    except (ValueError, TypeError) as e:
        raise TypeError(f"{what} takes real numbers or (nested lists of) arrays of them, got {data!r:.60}: {e}") from e
    if arr.dtype.kind == "O" and all(map(_is_real, arr.flat)):  # ints too big for int64 (2**64), Fractions
        return np.array([as_float(x, what) for x in arr.flat], dtype=np.float64).reshape(arr.shape)
    if arr.dtype.kind not in "biuf":
        kind = type(data).__name__ if arr.dtype.kind == "O" and arr.ndim == 0 else f"dtype {arr.dtype}"
        raise TypeError(f"{what} takes real numbers (bool, int or float), got {kind}: {data!r:.60}")
    return arr.astype(np.float64, copy=False)


def _is_real(x: object) -> bool:
    return isinstance(x, numbers.Real)


def _tensor(x: Any) -> Tensor:
    """A Tensor as it is; numbers, lists and arrays as constants (leaves that need no gradient)."""
    if isinstance(x, Tensor):
        return x
    if type(x) is float:  # the common constant (``x + 1e-5``), without Tensor()'s checks: 0.8 -> 0.4 us
        return _node(np.array(x), (), "")
    return Tensor(x, requires_grad=False)


_object_new = object.__new__
_needs_grad = operator.attrgetter("requires_grad")


def _node(data: Any, parents: tuple[Tensor, ...], op: str, args: Any = None, shown: str = "") -> Tensor:
    """An op's output; it records its parents only if one of them needs a gradient (see :class:`no_grad`).

    ``args`` are the op's settings its rule needs (an axis, an index); ``shown`` the op's
    name as pictures show it, when the settings belong in it (``sum(0)``).
    """
    out = _object_new(Tensor)
    out.data = data if type(data) is np.ndarray else _ndarray(data)
    out.grad = None
    out.label = ""
    out._mark = None
    n = len(parents)
    if n == 1:
        needed = parents[0].requires_grad
    else:
        needed = (parents[0].requires_grad or parents[1].requires_grad) if n == 2 else any(map(_needs_grad, parents))
    if needed and (r := recording()):
        out._scope = None if r is True else r  # the scope's path (see micrograd.scope)
        # the parent slots set directly (what the ``parents`` setter does, without the call)
        out._p0, out._p1 = (parents[0], parents[1] if n == 2 else None) if n <= 2 else (parents, _MANY)
        out._op, out._args, out._shown, out.requires_grad = op, args, shown or op, True
    else:
        out._p0 = out._p1 = out._scope = None
        out._op, out._args, out._shown, out.requires_grad = "", None, "", False
    return out


def _where(mask: np.ndarray, a: Any, b: Any) -> Any:
    """``a`` where ``mask`` is true, else ``b``: a selection (the other side's inf or nan stays out)."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return where(mask, a, b)
    return np.where(mask, a, b)


def _gate_share(upstream: np.ndarray, mine: np.ndarray, other: np.ndarray) -> np.ndarray:
    """What a max gate passes back to the side holding ``mine`` (numbers): G where it won, G/2 on a
    tie, exactly 0 where it lost (selected: an inf upstream stays out), G where either is nan."""
    return _where(mine < other, 0.0, _where(mine == other, upstream / 2, upstream))


# ---------------------------------------------------------------- Tensor


class Tensor(Elementwise, ShapeOps, Reductions, AsNumbers):
    """A node of an array computation graph: ``data``, ``grad`` and where it came from.

    ``Tensor(data, _children=(), _op='', label='', requires_grad=True)`` mirrors
    :class:`~micrograd.engine.Value`: ``data`` is a float64 ndarray (copied from numbers,
    lists or arrays); ``grad`` is None until a backward pass reaches the node, then an array
    of the same shape; leaf gradients accumulate across backward passes until reset
    (``t.grad = None`` or :meth:`zero_grad`). ``requires_grad=False`` makes a constant (an
    input batch, say): backward computes nothing for it.
    """

    __slots__ = ("data", "grad", "_op", "_args", "_shown", "label", "requires_grad", "_scope", "__weakref__")  # +Node's
    _state = ("data", "grad", "parents", "_op", "_args", "_shown", "label", "requires_grad", "_scope")

    _rules = RULES
    _no_grad_yet = None
    _node = staticmethod(_node)  # how the ops of ShapeOps, a base class in a module of its own, make their outputs
    _select = staticmethod(_where)  # and how their rules choose (np.where on arrays, where() on Tensors)

    def __init__(
        self,
        data: ArrayLike,
        _children: Sequence[Tensor] = (),
        _op: str = "",
        label: str = "",
        requires_grad: bool = True,
    ) -> None:
        self.data = _as_data(data)
        self.grad: np.ndarray | None = None
        self.parents = tuple(_children)
        self._op = _op
        self._args: Any = None
        self._shown = _op
        self.label = label
        self.requires_grad = bool(requires_grad)
        self._scope: str | None = None

    @property
    def op(self) -> str:
        """The op's name as pictures show it (with its settings: ``sum(0)``, ``[0, :2]``)."""
        return self._shown

    # -- array facts

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.data.dtype

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d Tensor")
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d Tensor")
        return (self[i] for i in range(len(self.data)))

    __hash__ = object.__hash__  # identity: nodes are keys of sets and dicts (== is elementwise, as PyTorch's)

    # -- arithmetic (numbers, lists and arrays on either side become constants)

    @numpy_ufunc(np.add)
    def __add__(self, other: ArrayLike) -> Tensor:
        """``a + b`` with broadcasting."""
        other = _tensor(other)
        with _quiet():
            return _node(self.data + other.data, (self, other), "+")

    @rule("+")
    def _add_rule(out, upstream: np.ndarray) -> tuple[np.ndarray | None, ...]:  # d(a+b): G, G (summed back)
        a, b = out.parents
        return (
            unbroadcast(upstream, a.data.shape) if a.requires_grad else None,
            unbroadcast(upstream, b.data.shape) if b.requires_grad else None,
        )

    def __radd__(self, other: ArrayLike) -> Tensor:
        return _tensor(other) + self

    @numpy_ufunc(np.subtract)
    def __sub__(self, other: ArrayLike) -> Tensor:
        """``a - b`` with broadcasting."""
        other = _tensor(other)
        with _quiet():
            return _node(self.data - other.data, (self, other), "-")

    @rule("-")
    def _sub_rule(out, upstream: np.ndarray) -> tuple[np.ndarray | None, ...]:  # d(a-b): G, -G
        a, b = out.parents
        return (
            unbroadcast(upstream, a.data.shape) if a.requires_grad else None,
            unbroadcast(-upstream, b.data.shape) if b.requires_grad else None,
        )

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return _tensor(other) - self

    @numpy_ufunc(np.multiply)
    def __mul__(self, other: ArrayLike) -> Tensor:
        """``a * b`` elementwise, with broadcasting."""
        other = _tensor(other)
        with _quiet():
            return _node(self.data * other.data, (self, other), "*")

    @rule("*")
    def _mul_rule(out, upstream: np.ndarray) -> tuple[np.ndarray | None, ...]:  # d(a*b): G·b, G·a
        a, b = out.parents
        return (
            unbroadcast(upstream * b.data, a.data.shape) if a.requires_grad else None,
            unbroadcast(upstream * a.data, b.data.shape) if b.requires_grad else None,
        )

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return _tensor(other) * self

    @numpy_ufunc(np.divide)
    def __truediv__(self, other: ArrayLike) -> Tensor:
        """``a / b`` elementwise, with broadcasting: ``1/0 = inf``; ``(1/b)·a`` for a number a (PyTorch's ``c / t``)."""
        other = _tensor(other)
        with _quiet():
            data = 1.0 / other.data * self.data if _is_number(self, other) else self.data / other.data
            return _node(data, (self, other), "/")

    @rule("/")
    def _div_rule(out, upstream: np.ndarray) -> tuple[np.ndarray | None, ...]:  # d(a/b): G/b, -G·a/b² = -G·(a/b)/b
        a, b = out.parents
        r = 1.0 / b.data if _is_number(a, b) else None  # a number a: through r = 1/b, as PyTorch's c / t: -(G·a)·r²
        db = -upstream * (out.data / b.data) if r is None else -(upstream * a.data) * (r * r)
        return (
            unbroadcast(upstream / b.data, a.data.shape) if a.requires_grad else None,
            unbroadcast(db, b.data.shape) if b.requires_grad else None,
        )

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return _tensor(other) / self

    @numpy_ufunc(np.power)
    def __pow__(self, other: ArrayLike) -> Tensor:
        """``x ** y`` elementwise; a negative base to a fractional power is nan.

        With ``y`` a number or an array, ``y`` is a constant: only ``x`` gets a gradient. To a number, as
        PyTorch's ``t ** y`` (``x ** 0.5`` is ``sqrt(x)``: ``_power_by_number``)."""
        other = _tensor(other)
        with _quiet():
            y = other.data
            data = _power_by_number(self.data, float(y)) if _is_number(other, self) else _power(self.data, y)
            return _node(data, (self, other), "**")

    @rule("**")
    def _pow_rule(out, upstream: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """For x: G·y·x**(y-1), and exactly 0 where y = 0 (x**0 is constant: the wire is stopped);
        for y: G·x**y·log(x), with x**y·log(x) taken as 0 where x = 0 and y ≥ 0 (as PyTorch)."""
        (x, y), (xd, yd) = out.parents, (out.parents[0].data, out.parents[1].data)
        xn, yn = _numbers(xd), _numbers(yd)
        dx = dy = None
        if x.requires_grad:
            power = _power_by_number(xd, float(yn) - 1.0) if _is_number(y, x) else _power(xd, yd - 1.0)
            dx = unbroadcast(_where(yn == 0, 0.0, upstream * (yd * power)), xn.shape)
        if y.requires_grad:
            dy = unbroadcast(upstream * _where((xn == 0) & (yn >= 0), 0.0, out.data * np.log(xd)), yn.shape)
        return dx, dy

    def __rpow__(self, other: ArrayLike) -> Tensor:
        return _tensor(other) ** self

    @numpy_ufunc(np.matmul)
    def __matmul__(self, other: ArrayLike) -> Tensor:
        """The matrix product ``a @ b`` as ``np.matmul`` defines it (1-D operands, batches broadcast)."""
        other = _tensor(other)
        if self.data.ndim == 0 or other.data.ndim == 0:
            raise ValueError(
                f"matmul: operands must have at least 1 dimension, got shapes {self.shape} and {other.shape}"
            )
        with _quiet():
            return _node(self.data @ other.data, (self, other), "@")

    @rule("@")
    def _matmul_rule(out, upstream: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """C = A @ B: dA = G @ Bᵀ, dB = Aᵀ @ G (the Jacobian of a matrix product is the other factor)."""
        x, y = out._p0, out._p1
        a, b = x.data, y.data
        if a.ndim > 1 and b.ndim > 1:  # matrices (or batches of them)
            return (
                unbroadcast(upstream @ _mT(b), a.shape) if x.requires_grad else None,
                unbroadcast(_mT(a) @ upstream, b.shape) if y.requires_grad else None,
            )
        # numpy's 1-D cases: a vector on the left is a row (1, k), on the right a column (k, 1);
        # the dimension numpy then drops from the result is put back into G.
        a2 = a.reshape((1, -1)) if a.ndim == 1 else a
        b2 = b.reshape((-1, 1)) if b.ndim == 1 else b
        g = _expand(upstream, (upstream.ndim,)) if b.ndim == 1 else upstream
        g = _expand(g, (g.ndim - 1,)) if a.ndim == 1 else g
        da = unbroadcast(g @ _mT(b2), a2.shape).reshape(a.shape) if x.requires_grad else None
        db = unbroadcast(_mT(a2) @ g, b2.shape).reshape(b.shape) if y.requires_grad else None
        return da, db

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return _tensor(other) @ self

    @numpy_ufunc(np.negative)
    def __neg__(self) -> Tensor:
        """``-a``."""
        return _node(-self.data, (self,), "neg")

    @rule("neg")
    def _neg_rule(out, upstream: np.ndarray) -> tuple[np.ndarray]:  # d(-a): -G
        return (-upstream,)

    @numpy_ufunc(np.positive)
    def __pos__(self) -> Tensor:
        return self

    @numpy_ufunc(np.maximum)
    def maximum(self, other: ArrayLike) -> Tensor:
        """Elementwise ``max(a, b)`` with broadcasting; nan if either is nan (as ``torch.maximum``)."""
        other = _tensor(other)
        a, b = self.data, other.data
        return _node(np.where((a >= b) | np.isnan(a), a, b), (self, other), "max")  # a on a tie (-0.0 vs 0.0)

    @rule("max")
    def _maximum_rule(out, upstream: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """The larger side gets G, the smaller 0, a tie G/2 each."""
        (a, b), (x, y) = out.parents, (_numbers(out.parents[0].data), _numbers(out.parents[1].data))
        return (
            unbroadcast(_gate_share(upstream, x, y), x.shape) if a.requires_grad else None,
            unbroadcast(_gate_share(upstream, y, x), y.shape) if b.requires_grad else None,
        )

    @numpy_ufunc(np.minimum)
    def minimum(self, other: ArrayLike) -> Tensor:
        """Elementwise ``min(a, b)`` with broadcasting; nan if either is nan (as ``torch.minimum``)."""
        other = _tensor(other)
        a, b = self.data, other.data
        return _node(np.where((a <= b) | np.isnan(a), a, b), (self, other), "min")  # a on a tie (-0.0 vs 0.0)

    @rule("min")
    def _minimum_rule(out, upstream: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """The smaller side gets G, the larger 0, a tie G/2 each: min(a, b) = -max(-a, -b)."""
        (a, b), (x, y) = out.parents, (_numbers(out.parents[0].data), _numbers(out.parents[1].data))
        return (
            unbroadcast(_gate_share(upstream, -x, -y), x.shape) if a.requires_grad else None,
            unbroadcast(_gate_share(upstream, -y, -x), y.shape) if b.requires_grad else None,
        )

    # -- backward

    def backward(
        self, seed: ArrayLike | None = None, create_graph: bool = False, *, retain_graph: bool | None = None
    ) -> None:
        """Backpropagate from this node: fill ``grad`` of every node it depends on.

        Seeds ``self.grad`` with ``seed`` (ones for a one-element Tensor; any other shape needs a seed
        of its own shape, numbers or a Tensor: the "vector" of the vector-Jacobian product), then
        applies the chain rule node by node in reverse topological order (:func:`micrograd.core.chain_rule`).
        Leaf gradients accumulate across calls; interior ones are recomputed every call.

        ``create_graph=True`` (as PyTorch): every ``grad`` becomes a Tensor built by the same rules
        as Tensor ops, so it can be backpropagated in turn (not through indexing). ``retain_graph``
        changes nothing: the graph is always kept.
        """
        if create_graph:
            core_backward(self, self._seed_node(seed), create_graph=True)
            return
        grads = {self: self._check_seed(seed)}  # summed here, then stored: gradient arrays are never changed in place
        hooked = hooks_exist()  # then each gradient passes through its node's hooks (register_hook), if any
        nodes = reversed(interior_order(self))
        with _quiet():
            deque(chain_rule(_hooked(nodes, grads) if hooked else nodes, RULES, grads, record=False), maxlen=0)
        for node, grad in grads.items():
            if node._p0 is not None:  # interior (it has parents): recomputed
                node.grad = _ndarray(grad)
                continue
            grad = apply_hooks(node, grad) if hooked else grad
            if node.grad is None:  # a leaf's first gradient: its own array, which the user may change
                node.grad = np.array(grad, dtype=np.float64)
            else:  # leaves accumulate
                node.grad = node.grad + grad

    def _check_seed(self, seed: ArrayLike | None) -> np.ndarray:
        if not self.requires_grad:
            raise RuntimeError(
                "this Tensor does not require a gradient (a constant, or made under no_grad): nothing to backpropagate"
            )
        if seed is None:
            if self.data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            return np.ones_like(self.data)
        return self._same_shape(seed, "backward(seed): seed")

    def _same_shape(self, grad: ArrayLike, what: str) -> np.ndarray:
        """``grad`` (numbers, or a Tensor's) as an array of this Tensor's shape, or a ValueError."""
        grad = _as_data(grad.data if isinstance(grad, Tensor) else grad, what)
        if grad.shape != self.data.shape:
            raise ValueError(f"{what} has shape {grad.shape}, the Tensor has shape {self.shape}")
        return grad

    def _hook_result(self, result: Any, grad: Any) -> Any:
        if isinstance(grad, Tensor) and isinstance(result, Tensor):  # building a graph (create_graph)
            return result
        array = self._same_shape(result, "a hook's result")
        return Tensor(array, requires_grad=False) if isinstance(grad, Tensor) else array

    def _seed_node(self, seed: Any) -> Tensor:
        """The seed of a backward pass that builds a graph: a Tensor (numbers become a constant)."""
        if isinstance(seed, Tensor):
            self._check_seed(seed.data)
            return seed
        return Tensor(self._check_seed(seed), requires_grad=False)

    def _quiet(self) -> AbstractContextManager[Any]:
        return _quiet()

    def zero_grad(self) -> None:
        """Reset ``grad`` to None for this node and every node it depends on."""
        for v in topological_order(self):
            v.grad = None

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", prefix="Tensor(")
        label = f", label={self.label!r}" if self.label else ""
        grad = "" if self.grad is None else ", grad=" + np.array2string(self.grad, precision=4, separator=", ")
        op = f", op={self._shown!r}" if self._op else ""  # the op that made it (PyTorch's grad_fn); none for a leaf
        return f"Tensor({body}{grad}{op}{label})"

    # -- numpy interop: numpy's functions on Tensors are the Tensor ops, or a TypeError

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return numpy_api.array_ufunc(NUMPY_UFUNCS, NUMPY_FUNCTIONS, _tensor, ufunc, method, inputs, kwargs)

    def __array_function__(
        self, func: Callable[..., Any], types: tuple[type, ...], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        return numpy_api.array_function(NUMPY_UFUNCS, NUMPY_FUNCTIONS, _tensor, func, args, kwargs)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError(
            "a Tensor does not convert to an ndarray implicitly (that would cut it off from the graph): "
            "use t.data, or t.numpy() for a copy"
        )


def where(condition: ArrayLike, a: ArrayLike, b: ArrayLike) -> Tensor:
    """``a`` where ``condition`` is true, else ``b``, with broadcasting (as ``torch.where``).

    ``condition`` is numbers (an array of bools): a choice, not differentiated. The gradient
    goes to the side chosen, element by element, and exactly 0 to the other.
    """
    mask = np.asarray(_numbers(condition), dtype=bool)
    a, b = _tensor(a), _tensor(b)
    return _node(np.where(mask, a.data, b.data), (a, b), "where", mask)


@rule("where")
def _where_rule(out: Tensor, upstream: np.ndarray) -> tuple[np.ndarray | None, ...]:  # G to the side chosen
    a, b = out.parents
    mask = out._args
    return (
        unbroadcast(_where(mask, upstream, 0.0), _numbers(a.data).shape) if a.requires_grad else None,
        unbroadcast(_where(mask, 0.0, upstream), _numbers(b.data).shape) if b.requires_grad else None,
    )
