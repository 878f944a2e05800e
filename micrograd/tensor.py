"""Autograd on numpy arrays: :class:`Tensor`, the same engine as :class:`~micrograd.engine.Value`, one level up.

A Tensor holds ``data`` (a float64 ndarray), ``grad`` (None until a backward pass
reaches it), its parents ``_prev`` and the name ``_op`` of the op that made it. Each op
computes its output and records a *local-gradient rule*, a function shared by every node
of that op. For arrays the rule is a vector-Jacobian product: given the node and the
gradient flowing into it (``upstream``, shaped like the node), it returns the gradient
for each parent (``downstream``, shaped like that parent)::

    rule(node, upstream) -> (downstream for parent in node._prev)

The chain rule is applied in one place, :meth:`Tensor.backward`, in the reverse of
:func:`micrograd.engine.topological_order` (the scalar engine's, shared)::

    parent.grad += downstream               # downstream = upstream · ∂node/∂parent

Two facts every rule below relies on:

- **Broadcasting is undone by summing.** An input broadcast along an axis was used once
  per position along it, so its gradient is the *sum* of the upstream gradient over that
  axis (:func:`unbroadcast`), never the mean.
- **The Jacobian of a matrix product is the other factor.** For ``C = A @ B``,
  ``dL/dA = G @ Bᵀ`` and ``dL/dB = Aᵀ @ G`` where ``G = dL/dC``.

Rules never hold on to their output node, so graphs have no reference cycles and a dropped
graph is freed by reference counting at once. Numeric edge cases follow IEEE 754 and the
scalar engine (``1/0 → inf``, ``log(0) → -inf``, ``relu'(0) = abs'(0) = 0``,
``sqrt'(0) = inf``, ties of maximum/minimum split the gradient half and half), computed
under ``np.errstate(all="ignore")``: no warnings.

numpy functions and ufuncs applied to Tensors (``np.exp(t)``, ``np.matmul(a, b)``,
``np.sum(t, axis=0)``, ``ndarray + t``) dispatch to the Tensor ops through
``__array_ufunc__`` and ``__array_function__``; one with no Tensor op raises TypeError
rather than returning an array cut off from the graph.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .engine import is_grad_enabled, no_grad, topological_order
from .naming import format_number

__all__ = [  # `abs` and `sum` are here too, as micrograd.tensor.abs/sum, but not star-exported over the builtins
    "Tensor",
    "TensorGradcheckResult",
    "add",
    "divide",
    "exp",
    "gradcheck",
    "log",
    "matmul",
    "maximum",
    "mean",
    "minimum",
    "multiply",
    "negative",
    "numerical_grad",
    "power",
    "relu",
    "reshape",
    "sigmoid",
    "sqrt",
    "subtract",
    "tanh",
    "transpose",
    "unbroadcast",
    "vjp",
]

Rule = Callable[["Tensor", np.ndarray], tuple]
ArrayLike = Any  # numbers, nested lists of numbers, ndarrays


def _ieee() -> np.errstate:
    """numpy's IEEE results (inf, nan) without RuntimeWarnings."""
    return np.errstate(all="ignore")


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
    return _ndarray(upstream)


# ---------------------------------------------------------------- the derivatives table (vector-Jacobian products)
# rule(node, upstream) -> (downstream for each parent in node._prev). G is the upstream gradient.


def _add_rule(v: Tensor, g: np.ndarray) -> tuple:  # d(a+b): G, G
    a, b = v._prev
    return (unbroadcast(g, a.data.shape), unbroadcast(g, b.data.shape))


def _sub_rule(v: Tensor, g: np.ndarray) -> tuple:  # d(a-b): G, -G
    a, b = v._prev
    return (unbroadcast(g, a.data.shape), unbroadcast(-g, b.data.shape))


def _mul_rule(v: Tensor, g: np.ndarray) -> tuple:  # d(a*b): G*b, G*a
    a, b = v._prev
    return (unbroadcast(g * b.data, a.data.shape), unbroadcast(g * a.data, b.data.shape))


def _div_rule(v: Tensor, g: np.ndarray) -> tuple:  # d(a/b): G/b, -G*a/b² = -G*(a/b)/b
    a, b = v._prev
    return (unbroadcast(g / b.data, a.data.shape), unbroadcast(-g * v.data / b.data, b.data.shape))


def _neg_rule(v: Tensor, g: np.ndarray) -> tuple:  # d(-a): -G
    return (-g,)


def _pow_base_local(x: np.ndarray, y: np.ndarray | float) -> np.ndarray:
    """∂(x**y)/∂x = y·x**(y-1), exactly 0 where y = 0 (x**0 is constant)."""
    return np.where(y == 0, 0.0, y * np.power(x, np.subtract(y, 1.0)))


def _pow_const_rule(v: Tensor, g: np.ndarray) -> tuple:  # x ** c, c not a Tensor: G·c·x**(c-1)
    x = v._prev[0].data
    return (unbroadcast(g * _pow_base_local(x, v._args), x.shape),)


def _pow_rule(v: Tensor, g: np.ndarray) -> tuple:  # x ** y: G·y·x**(y-1), G·x**y·log(x) (0 where x = 0)
    x, y = v._prev[0].data, v._prev[1].data
    dy = np.where(x == 0, 0.0, v.data * np.log(x))
    return (unbroadcast(g * _pow_base_local(x, y), x.shape), unbroadcast(g * dy, y.shape))


def _exp_rule(v: Tensor, g: np.ndarray) -> tuple:  # d exp(x) = G·exp(x)
    return (g * v.data,)


def _log_rule(v: Tensor, g: np.ndarray) -> tuple:  # d log(x) = G/x
    return (g / v._prev[0].data,)


def _tanh_rule(v: Tensor, g: np.ndarray) -> tuple:  # d tanh(x) = G·(1 - tanh²(x))
    return (g * (1.0 - v.data * v.data),)


def _sigmoid_rule(v: Tensor, g: np.ndarray) -> tuple:  # d σ(x) = G·σ(x)(1 - σ(x))
    return (g * v.data * (1.0 - v.data),)


def _relu_rule(v: Tensor, g: np.ndarray) -> tuple:  # d relu(x) = G where x > 0, else 0 (0 at 0)
    return (g * (v._prev[0].data > 0),)


def _abs_rule(v: Tensor, g: np.ndarray) -> tuple:  # d|x| = G·sign(x) (0 at 0)
    return (g * np.sign(v._prev[0].data),)


def _sqrt_rule(v: Tensor, g: np.ndarray) -> tuple:  # d√x = G/(2√x) (inf at 0)
    return (g * (0.5 / v.data),)


def _gate_share(a: np.ndarray, b: np.ndarray, wins: np.ndarray, loses: np.ndarray) -> np.ndarray:
    """1 where a wins, 0 where it loses, ½ on a tie, 1 where either is nan (as torch)."""
    return np.where(wins, 1.0, np.where(loses, 0.0, np.where(a == b, 0.5, 1.0)))


def _maximum_rule(v: Tensor, g: np.ndarray) -> tuple:  # the larger side gets G, a tie G/2 each
    a, b = v._prev[0].data, v._prev[1].data
    return (
        unbroadcast(g * _gate_share(a, b, a > b, a < b), a.shape),
        unbroadcast(g * _gate_share(b, a, b > a, b < a), b.shape),
    )


def _minimum_rule(v: Tensor, g: np.ndarray) -> tuple:  # the smaller side gets G, a tie G/2 each
    a, b = v._prev[0].data, v._prev[1].data
    return (
        unbroadcast(g * _gate_share(a, b, a < b, a > b), a.shape),
        unbroadcast(g * _gate_share(b, a, b < a, b > a), b.shape),
    )


def _mT(x: np.ndarray) -> np.ndarray:
    return np.swapaxes(x, -1, -2)


def _matmul_rule(v: Tensor, g: np.ndarray) -> tuple:  # C = A @ B: dA = G @ Bᵀ, dB = Aᵀ @ G
    a, b = v._prev[0].data, v._prev[1].data
    # numpy's 1-D cases: a vector on the left is a row (1, k), on the right a column (k, 1);
    # the dimension numpy then drops from the result is put back into G.
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    if b.ndim == 1:
        g = g[..., None]
    if a.ndim == 1:
        g = np.expand_dims(g, -2)
    da = unbroadcast(g @ _mT(b2), a2.shape).reshape(a.shape)  # batch axes broadcast like any other
    db = unbroadcast(_mT(a2) @ g, b2.shape).reshape(b.shape)
    return (da, db)


def _sum_rule(v: Tensor, g: np.ndarray) -> tuple:  # every summed element gets G: broadcast back
    x = v._prev[0].data
    axes, keepdims = v._args
    if axes is not None and not keepdims:
        g = np.expand_dims(g, axes)
    return (np.broadcast_to(g, x.shape),)


def _mean_rule(v: Tensor, g: np.ndarray) -> tuple:  # every averaged element gets G/n
    x = v._prev[0].data
    axes, keepdims, n = v._args
    if axes is not None and not keepdims:
        g = np.expand_dims(g, axes)
    return (np.broadcast_to(g / n, x.shape),)


def _reshape_rule(v: Tensor, g: np.ndarray) -> tuple:  # reshape is a relabelling: reshape G back
    return (g.reshape(v._prev[0].data.shape),)


def _transpose_rule(v: Tensor, g: np.ndarray) -> tuple:  # permute G back with the inverse permutation
    return (g.transpose(np.argsort(v._args)),)


def _getitem_rule(v: Tensor, g: np.ndarray) -> tuple:  # G scattered back into zeros where the slice came from
    x = v._prev[0].data
    index, basic = v._args
    dx = np.zeros_like(x)
    if basic:
        dx[index] = g  # basic indexing picks each element at most once
    else:
        np.add.at(dx, index, g)  # an index array may pick an element twice: add, never overwrite
    return (dx,)


# ---------------------------------------------------------------- Tensor


def _as_data(data: Any, what: str = "Tensor()") -> np.ndarray:
    """``data`` as a new float64 ndarray, or a TypeError naming what was wrong."""
    if isinstance(data, Tensor):
        raise TypeError(f"{what} got a Tensor: use it directly, or t.detach() for a copy without its graph")
    try:
        arr = np.array(data)
    except (ValueError, TypeError) as e:
        raise TypeError(f"{what} takes real numbers or (nested lists of) arrays of them, got {data!r:.60}: {e}") from e
    if arr.dtype.kind not in "biuf":
        kind = type(data).__name__ if arr.dtype.kind == "O" and arr.ndim == 0 else f"dtype {arr.dtype}"
        raise TypeError(f"{what} takes real numbers (bool, int or float), got {kind}: {data!r:.60}")
    return arr.astype(np.float64, copy=False)


class Tensor:
    """A node of an array computation graph: ``data``, ``grad`` and where it came from.

    ``Tensor(data, _children=(), _op='', label='')`` mirrors :class:`~micrograd.engine.Value`:
    ``data`` is a float64 ndarray (copied from numbers, lists or arrays), ``grad`` is None
    until a backward pass reaches the node, then an array of the same shape; leaf
    gradients accumulate across backward passes until reset (``t.grad = None`` or
    :meth:`zero_grad`). ``label`` names the node in pictures.
    """

    __slots__ = ("data", "grad", "_prev", "_op", "_rule", "_args", "label", "__weakref__")

    def __init__(self, data: ArrayLike, _children: Sequence[Tensor] = (), _op: str = "", label: str = "") -> None:
        self.data = _as_data(data)
        self.grad: np.ndarray | None = None
        self._prev = tuple(_children)
        self._op = _op
        self._rule: Rule | None = None
        self._args: Any = None
        self.label = label

    # -- construction of op outputs (the one place that honours no_grad)

    @staticmethod
    def _make(data: Any, parents: tuple, op: str, rule: Rule, args: Any = None) -> Tensor:
        out = Tensor.__new__(Tensor)
        out.data = _ndarray(data)
        out.grad = None
        out.label = ""
        if is_grad_enabled():
            out._prev, out._op, out._rule, out._args = parents, op, rule, args
        else:
            out._prev, out._op, out._rule, out._args = (), "", None, None
        return out

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
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d Tensor")
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d Tensor")
        return (self[i] for i in range(len(self.data)))

    def item(self) -> float:
        """The single element as a Python float (as ``torch.Tensor.item``)."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a Tensor with one element, this one has shape {self.data.shape}")
        return float(self.data.reshape(()))

    def numpy(self) -> np.ndarray:
        """A copy of ``data``, outside the graph."""
        return self.data.copy()

    def detach(self) -> Tensor:
        """A new leaf with a copy of ``data``: the graph (and gradient) stops here."""
        return Tensor(self.data)

    # -- arithmetic (numbers, lists and arrays on either side become constant leaves)

    def __add__(self, other: ArrayLike) -> Tensor:
        return add(self, other)

    def __radd__(self, other: ArrayLike) -> Tensor:
        return add(other, self)

    def __sub__(self, other: ArrayLike) -> Tensor:
        return subtract(self, other)

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return subtract(other, self)

    def __mul__(self, other: ArrayLike) -> Tensor:
        return multiply(self, other)

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return multiply(other, self)

    def __truediv__(self, other: ArrayLike) -> Tensor:
        return divide(self, other)

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return divide(other, self)

    def __pow__(self, other: ArrayLike) -> Tensor:
        return power(self, other)

    def __rpow__(self, other: ArrayLike) -> Tensor:
        return power(other, self)

    def __matmul__(self, other: ArrayLike) -> Tensor:
        return matmul(self, other)

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return matmul(other, self)

    def __neg__(self) -> Tensor:
        return negative(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return abs(self)

    __hash__ = object.__hash__  # identity: nodes are keys of sets and dicts (no elementwise ==)

    # -- elementwise functions

    def exp(self) -> Tensor:
        """``exp(x)``; d/dx = exp(x)."""
        return exp(self)

    def log(self) -> Tensor:
        """``log(x)``; d/dx = 1/x."""
        return log(self)

    def tanh(self) -> Tensor:
        """``tanh(x)``; d/dx = 1 - tanh²(x)."""
        return tanh(self)

    def sigmoid(self) -> Tensor:
        """``σ(x)``; d/dx = σ(x)(1 - σ(x))."""
        return sigmoid(self)

    def relu(self) -> Tensor:
        """``max(x, 0)``; d/dx = 1 where x > 0, else 0."""
        return relu(self)

    def abs(self) -> Tensor:
        """``|x|``; d/dx = sign(x)."""
        return abs(self)

    def sqrt(self) -> Tensor:
        """``√x``; d/dx = 1/(2√x)."""
        return sqrt(self)

    def maximum(self, other: ArrayLike) -> Tensor:
        """Elementwise ``max(a, b)``: the larger side gets the gradient, a tie half each."""
        return maximum(self, other)

    def minimum(self, other: ArrayLike) -> Tensor:
        """Elementwise ``min(a, b)``: the smaller side gets the gradient, a tie half each."""
        return minimum(self, other)

    # -- reductions and shapes

    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all by default); d/dxᵢ = 1 for every summed element."""
        return sum(self, axis, keepdims)

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (all by default); d/dxᵢ = 1/n for the n averaged elements."""
        return mean(self, axis, keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in a new shape (``t.reshape(2, 3)`` or ``t.reshape((2, 3))``)."""
        return reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes: Any) -> Tensor:
        """Axes permuted (reversed by default, as numpy)."""
        return transpose(self, (axes[0] if len(axes) == 1 else axes) or None)

    @property
    def T(self) -> Tensor:
        """All axes reversed (``x.T`` of a matrix is its transpose)."""
        return transpose(self)

    def __getitem__(self, index: Any) -> Tensor:
        """``t[index]`` as numpy indexes; the gradient goes back to the picked elements."""
        return _getitem(self, index)

    # -- backward

    def backward(self, seed: ArrayLike | None = None) -> None:
        """Backpropagate from this node: fill ``grad`` of every node it depends on.

        Seeds ``self.grad`` with ``seed`` (ones for a one-element Tensor; any other shape
        needs an explicit seed of its own shape, the "vector" of the vector-Jacobian
        product), then, for each node in reverse topological order, asks its rule for the
        gradient of each parent and adds it: ``parent.grad += downstream``. Leaf
        gradients accumulate across calls; interior ones are recomputed every call.
        """
        if seed is None:
            if self.data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            seed = np.ones_like(self.data)
        else:
            seed = _as_data(seed, "backward(seed)")
            if seed.shape != self.data.shape:
                raise ValueError(f"backward(seed): seed has shape {seed.shape}, the Tensor has shape {self.shape}")
        topo = topological_order(self)
        for v in topo:
            if v._rule is not None:
                v.grad = None
        _accumulate(self, seed)
        with _ieee():
            for v in reversed(topo):
                rule, upstream = v._rule, v.grad
                if rule is None or upstream is None:
                    continue
                for parent, downstream in zip(v._prev, rule(v, upstream)):
                    _accumulate(parent, downstream)

    def zero_grad(self) -> None:
        """Reset ``grad`` to None for this node and every node it depends on."""
        for v in topological_order(self):
            v.grad = None

    def draw(self, **kw: Any) -> Any:
        """This node's graph as a picture: shortcut for :func:`micrograd.draw` (same keywords)."""
        from .draw import draw

        return draw(self, **kw)

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", prefix="Tensor(")
        label = f", label={self.label!r}" if self.label else ""
        grad = "" if self.grad is None else ", grad=" + np.array2string(self.grad, precision=4, separator=", ")
        return f"Tensor({body}{grad}{label})"

    # -- numpy interop: numpy's functions on Tensors are the Tensor ops, or a TypeError

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Tensor:
        op = _UFUNCS.get(ufunc)
        if op is None or method != "__call__":
            name = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
            raise TypeError(f"{name} has no Tensor op: {_SUPPORTED_HINT}")
        if kwargs:
            raise TypeError(f"np.{ufunc.__name__} on a Tensor takes no keyword arguments, got {', '.join(kwargs)}")
        return op(*inputs)

    def __array_function__(self, func: Callable, types: tuple, args: tuple, kwargs: dict) -> Any:
        entry = _FUNCTIONS.get(func)
        module = getattr(func, "__module__", None) or "numpy"
        name = module.replace("numpy", "np", 1) + "." + getattr(func, "__name__", repr(func))
        if entry is None:
            raise TypeError(f"{name} has no Tensor op: {_SUPPORTED_HINT}")
        op, allowed = entry
        unknown = sorted(set(kwargs) - allowed)
        if unknown:
            raise TypeError(f"{name} on a Tensor does not take {', '.join(unknown)}; it takes {sorted(allowed)}")
        return op(*args, **kwargs)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError(
            "a Tensor does not convert to an ndarray implicitly (that would cut it off from the graph): "
            "use t.data, or t.numpy() for a copy"
        )


def _accumulate(node: Tensor, downstream: Any) -> None:
    """``node.grad += downstream``, out of place (gradient arrays are shared, never mutated)."""
    downstream = _ndarray(downstream)
    if node.grad is None:
        node.grad = downstream.copy() if node._rule is None else downstream  # a leaf's grad is the user's to modify
    else:
        node.grad = _ndarray(node.grad + downstream)


def _tensor(x: Any) -> Tensor:
    """A Tensor as it is; numbers, lists and arrays as constant leaves."""
    return x if isinstance(x, Tensor) else Tensor(x)


# ---------------------------------------------------------------- the ops (functional forms; methods call these)


def add(a: ArrayLike, b: ArrayLike) -> Tensor:
    """``a + b`` with broadcasting; ∂/∂a = ∂/∂b = 1 (summed over broadcast axes)."""
    a, b = _tensor(a), _tensor(b)
    return Tensor._make(a.data + b.data, (a, b), "+", _add_rule)


def subtract(a: ArrayLike, b: ArrayLike) -> Tensor:
    """``a - b`` with broadcasting; ∂/∂a = 1, ∂/∂b = -1."""
    a, b = _tensor(a), _tensor(b)
    return Tensor._make(a.data - b.data, (a, b), "-", _sub_rule)


def multiply(a: ArrayLike, b: ArrayLike) -> Tensor:
    """``a * b`` elementwise with broadcasting; ∂/∂a = b, ∂/∂b = a."""
    a, b = _tensor(a), _tensor(b)
    with _ieee():
        return Tensor._make(a.data * b.data, (a, b), "*", _mul_rule)


def divide(a: ArrayLike, b: ArrayLike) -> Tensor:
    """``a / b`` elementwise with broadcasting; ∂/∂a = 1/b, ∂/∂b = -a/b². ``1/0 = inf``."""
    a, b = _tensor(a), _tensor(b)
    with _ieee():
        return Tensor._make(a.data / b.data, (a, b), "/", _div_rule)


def negative(a: ArrayLike) -> Tensor:
    """``-a``; ∂/∂a = -1."""
    a = _tensor(a)
    return Tensor._make(-a.data, (a,), "neg", _neg_rule)


def power(x: ArrayLike, y: ArrayLike) -> Tensor:
    """``x ** y`` elementwise; ∂/∂x = y·x**(y-1) (0 where y = 0), ∂/∂y = x**y·log(x) (0 where x = 0).

    With ``y`` not a Tensor (a number or an array) only ``x`` gets a gradient and the op
    shows as ``**2``. A negative base to a fractional power is nan.
    """
    x = _tensor(x)
    if isinstance(y, Tensor):
        with _ieee():
            return Tensor._make(np.power(x.data, y.data), (x, y), "**", _pow_rule)
    c = _as_data(y, "the exponent of **")
    op = f"**{format_number(float(c))}" if c.ndim == 0 else "**c"
    with _ieee():
        return Tensor._make(np.power(x.data, c), (x,), op, _pow_const_rule, c)


def exp(x: ArrayLike) -> Tensor:
    """``exp(x)``; ∂/∂x = exp(x). Overflows to inf."""
    x = _tensor(x)
    with _ieee():
        return Tensor._make(np.exp(x.data), (x,), "exp", _exp_rule)


def log(x: ArrayLike) -> Tensor:
    """Natural ``log(x)``; ∂/∂x = 1/x. ``log(0) = -inf``, ``log(x < 0) = nan``."""
    x = _tensor(x)
    with _ieee():
        return Tensor._make(np.log(x.data), (x,), "log", _log_rule)


def tanh(x: ArrayLike) -> Tensor:
    """``tanh(x)``; ∂/∂x = 1 - tanh²(x)."""
    x = _tensor(x)
    return Tensor._make(np.tanh(x.data), (x,), "tanh", _tanh_rule)


def sigmoid(x: ArrayLike) -> Tensor:
    """``σ(x) = 1/(1+exp(-x))``, computed without overflow; ∂/∂x = σ(x)(1 - σ(x))."""
    x = _tensor(x)
    with _ieee():
        e = np.exp(-np.abs(x.data))  # in (0, 1]: never overflows
        data = np.where(x.data >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return Tensor._make(data, (x,), "sigmoid", _sigmoid_rule)


def relu(x: ArrayLike) -> Tensor:
    """``max(x, 0)``; ∂/∂x = 1 where x > 0, else 0 (0 at 0). nan stays nan."""
    x = _tensor(x)
    return Tensor._make(np.where(x.data <= 0, 0.0, x.data), (x,), "ReLU", _relu_rule)


def abs(x: ArrayLike) -> Tensor:
    """``|x|``; ∂/∂x = sign(x), 0 at 0."""
    x = _tensor(x)
    return Tensor._make(np.abs(x.data), (x,), "abs", _abs_rule)


def sqrt(x: ArrayLike) -> Tensor:
    """``√x``; ∂/∂x = 1/(2√x) (inf at 0). ``sqrt(x < 0) = nan``."""
    x = _tensor(x)
    with _ieee():
        return Tensor._make(np.sqrt(x.data), (x,), "sqrt", _sqrt_rule)


def maximum(a: ArrayLike, b: ArrayLike) -> Tensor:
    """Elementwise ``max(a, b)`` with broadcasting, nan if either is nan (as ``torch.maximum``).

    ∂/∂a = 1 where a > b, 0 where a < b, ½ where a = b (and the other way round for b).
    """
    a, b = _tensor(a), _tensor(b)
    return Tensor._make(np.maximum(a.data, b.data), (a, b), "max", _maximum_rule)


def minimum(a: ArrayLike, b: ArrayLike) -> Tensor:
    """Elementwise ``min(a, b)`` with broadcasting, nan if either is nan (as ``torch.minimum``).

    ∂/∂a = 1 where a < b, 0 where a > b, ½ where a = b (and the other way round for b).
    """
    a, b = _tensor(a), _tensor(b)
    return Tensor._make(np.minimum(a.data, b.data), (a, b), "min", _minimum_rule)


def matmul(a: ArrayLike, b: ArrayLike) -> Tensor:
    """The matrix product ``a @ b`` as ``np.matmul`` defines it (1-D operands, batches broadcast).

    For ``C = A @ B`` and upstream gradient ``G = dL/dC``: ``dL/dA = G @ Bᵀ`` and
    ``dL/dB = Aᵀ @ G`` — the Jacobian of a matrix product is the other factor, transposed.
    """
    a, b = _tensor(a), _tensor(b)
    if a.data.ndim == 0 or b.data.ndim == 0:
        raise ValueError(f"matmul: operands must have at least 1 dimension, got shapes {a.shape} and {b.shape}")
    with _ieee():
        return Tensor._make(a.data @ b.data, (a, b), "@", _matmul_rule)


def _axes(axis: Any, ndim: int) -> tuple[int, ...] | None:
    """``axis`` (None, an int or a tuple of ints) as sorted non-negative axes, checked."""
    if axis is None:
        return None
    items = axis if isinstance(axis, tuple) else (axis,)
    for a in items:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral):
            raise TypeError(f"axis must be None, an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of bounds for a Tensor of {ndim} dimensions")
    axes = sorted(int(a) % ndim for a in items)
    if len(set(axes)) != len(axes):
        raise ValueError(f"repeated axis in {axis!r}")
    return tuple(axes)


def _axis_text(op: str, axes: tuple[int, ...] | None) -> str:
    if axes is None:
        return op
    return f"{op}({axes[0]})" if len(axes) == 1 else f"{op}{axes}"


def sum(x: ArrayLike, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
    """Sum over ``axis`` (None: all); ∂/∂xᵢ = 1 for every summed element, so G is broadcast back."""
    x = _tensor(x)
    axes = _axes(axis, x.data.ndim)
    keepdims = bool(keepdims)
    data = x.data.sum(axis=axes, keepdims=keepdims)
    return Tensor._make(data, (x,), _axis_text("sum", axes), _sum_rule, (axes, keepdims))


def mean(x: ArrayLike, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis`` (None: all); ∂/∂xᵢ = 1/n for each of the n averaged elements."""
    x = _tensor(x)
    axes = _axes(axis, x.data.ndim)
    keepdims = bool(keepdims)
    n = x.data.size if axes is None else math.prod(x.data.shape[a] for a in axes)
    with _ieee():
        data = x.data.sum(axis=axes, keepdims=keepdims) / n  # 0/0 = nan for an empty mean
    return Tensor._make(data, (x,), _axis_text("mean", axes), _mean_rule, (axes, keepdims, n))


def reshape(x: ArrayLike, shape: int | tuple[int, ...]) -> Tensor:
    """The same elements in shape ``shape`` (one ``-1`` allowed); the gradient is reshaped back."""
    x = _tensor(x)
    return Tensor._make(x.data.reshape(shape).copy(), (x,), "reshape", _reshape_rule)


def transpose(x: ArrayLike, axes: Sequence[int] | None = None) -> Tensor:
    """Axes permuted by ``axes`` (None: reversed); the gradient is permuted back."""
    x = _tensor(x)
    perm = tuple(range(x.data.ndim))[::-1] if axes is None else tuple(axes)
    data = x.data.transpose(perm).copy()  # numpy checks perm is a permutation of the axes
    perm = tuple(int(a) % x.data.ndim for a in perm)
    return Tensor._make(data, (x,), "T" if axes is None else f"transpose{perm}", _transpose_rule, perm)


_BASIC_INDEX = (int, np.integer, slice, type(None), type(Ellipsis))


def _index_text(index: tuple) -> str:
    def one(i: Any) -> str:
        if isinstance(i, slice):
            text = ":".join("" if p is None else str(p) for p in (i.start, i.stop, i.step))
            return text[:-1] if text.endswith(":") and i.step is None else text
        if i is None or i is Ellipsis:
            return "None" if i is None else "..."
        return str(i) if isinstance(i, (int, np.integer)) else "idx"  # an index array

    return "[" + ", ".join(one(i) for i in index) + "]"


def _getitem(x: Tensor, index: Any) -> Tensor:
    items = index if isinstance(index, tuple) else (index,)
    if any(isinstance(i, Tensor) for i in items):
        raise TypeError("a Tensor cannot index a Tensor: index with ints, slices, None, ... or t.data")
    basic = all(isinstance(i, _BASIC_INDEX) and not isinstance(i, bool) for i in items)
    data = np.array(x.data[index], dtype=np.float64)  # a copy: nodes never share memory
    return Tensor._make(data, (x,), _index_text(items), _getitem_rule, (index, basic))


def vjp(node: Tensor, upstream: ArrayLike) -> tuple[np.ndarray, ...]:
    """The gradient each parent of ``node`` gets for ``upstream`` = dL/dnode (empty for a leaf).

    The very rule :meth:`Tensor.backward` applies, for pictures and explanations.
    """
    if node._rule is None:
        return ()
    with _ieee():
        return tuple(_ndarray(d) for d in node._rule(node, _as_data(upstream, "vjp(upstream)")))


# ---------------------------------------------------------------- numpy dispatch tables

_UFUNCS: dict[np.ufunc, Callable[..., Tensor]] = {
    np.add: add,
    np.subtract: subtract,
    np.multiply: multiply,
    np.divide: divide,
    np.power: power,
    np.negative: negative,
    np.positive: lambda x: _tensor(x),
    np.exp: exp,
    np.log: log,
    np.tanh: tanh,
    np.sqrt: sqrt,
    np.absolute: abs,
    np.maximum: maximum,
    np.minimum: minimum,
    np.matmul: matmul,
}


def _np_reshape(a: Any, shape: Any = None, order: str = "C", **kw: Any) -> Tensor:
    if order != "C":
        raise TypeError("np.reshape on a Tensor supports only order='C'")
    shape = kw.get("newshape", shape)
    return reshape(a, shape)


def _np_transpose(a: Any, axes: Any = None) -> Tensor:
    return transpose(a, axes)


def _np_size(a: Any, axis: int | None = None) -> int:
    return a.data.size if axis is None else a.data.shape[axis]


_FUNCTIONS: dict[Callable, tuple[Callable, frozenset[str]]] = {
    np.sum: (sum, frozenset({"axis", "keepdims"})),
    np.mean: (mean, frozenset({"axis", "keepdims"})),
    np.reshape: (_np_reshape, frozenset({"shape", "newshape", "order"})),
    np.transpose: (_np_transpose, frozenset({"axes"})),
    np.shape: (lambda a: a.data.shape, frozenset()),
    np.ndim: (lambda a: a.data.ndim, frozenset()),
    np.size: (_np_size, frozenset({"axis"})),
}

_SUPPORTED_HINT = (
    "Tensors support np." + ", np.".join(sorted({f.__name__ for f in _UFUNCS} | {f.__name__ for f in _FUNCTIONS}))
    + "; apply anything else to t.data (an ndarray, outside the graph: no gradient)"
)


# ---------------------------------------------------------------- gradcheck


@dataclass(frozen=True)
class TensorGradcheckResult:
    """What :func:`gradcheck` found; truthy when every gradient element agrees.

    ``analytic`` and ``numeric`` hold one gradient array per input; ``worst`` is
    ``(input index, element index)`` of the largest mismatch and ``error`` that mismatch.
    """

    ok: bool
    analytic: tuple[np.ndarray, ...]
    numeric: tuple[np.ndarray, ...]
    worst: tuple[int, tuple[int, ...]] | None
    error: float
    atol: float
    rtol: float

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.worst is None:
            return "gradcheck: no input elements"
        i, j = self.worst
        verdict = "ok" if self.ok else "MISMATCH"
        return (
            f"gradcheck {verdict}: worst at input {i} element {j}: backward {float(self.analytic[i][j])!r}, "
            f"central difference {float(self.numeric[i][j])!r}, |diff| {self.error:.3g} "
            f"(atol {self.atol:g}, rtol {self.rtol:g})"
        )


def agreement(analytic: np.ndarray, numeric: np.ndarray, atol: float, rtol: float) -> tuple[np.ndarray, np.ndarray]:
    """Element by element: does backward agree with central differences, and by how much not.

    Finite pairs agree when ``|analytic - numeric| <= atol + rtol·|numeric|`` (the error is
    that difference); infinities must match exactly and nan matches nan (error 0, else inf).
    The one rule of both gradchecks, scalar and tensor.
    """
    a, n = np.asarray(analytic, dtype=float), np.asarray(numeric, dtype=float)
    finite = np.isfinite(a) & np.isfinite(n)
    same_special = (a == n) | (np.isnan(a) & np.isnan(n))
    with _ieee():
        err = np.where(finite, np.abs(a - n), np.where(same_special, 0.0, np.inf))
        good = np.where(finite, err <= atol + rtol * np.abs(n), same_special)
    return good, err


def _weights(out: Tensor, seed: ArrayLike | None) -> np.ndarray:
    """The vector of the vector-Jacobian product checked: given, ones for one element, else fixed random."""
    if seed is not None:
        return _as_data(seed, "gradcheck(seed)")
    if out.data.size == 1:
        return np.ones_like(out.data)
    return np.random.default_rng(0).standard_normal(out.data.shape)


def numerical_grad(
    f: Callable[..., Tensor], xs: Sequence[np.ndarray], weights: np.ndarray, eps: float = 1e-6
) -> list[np.ndarray]:
    """Central differences of ``L = Σ weights · f(*xs)``, element by element of each input."""
    grads = []
    with no_grad(), _ieee():
        for i, x in enumerate(xs):
            grad = np.zeros_like(x)
            for j in np.ndindex(x.shape):
                hi, lo = x.copy(), x.copy()
                hi[j] += eps
                lo[j] -= eps
                f_hi = f(*[Tensor(hi if k == i else xk) for k, xk in enumerate(xs)])
                f_lo = f(*[Tensor(lo if k == i else xk) for k, xk in enumerate(xs)])
                grad[j] = np.sum(weights * (f_hi.data - f_lo.data)) / (2 * eps)
            grads.append(grad)
    return grads


def gradcheck(
    f: Callable[..., Tensor],
    inputs: Sequence[ArrayLike],
    *,
    seed: ArrayLike | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> TensorGradcheckResult:
    """Check :meth:`Tensor.backward` of ``f(*inputs)`` against central differences, element by element.

    ``inputs`` are arrays (or Tensors: only their ``data`` is read). ``f`` returns a
    Tensor; when it has more than one element, the check is of the vector-Jacobian
    product with ``seed`` (default: fixed random weights of the output's shape), i.e. of
    the gradient of ``L = Σ seed · f``. An element passes when
    ``|backward - numeric| <= atol + rtol·|numeric|``; infinities must match exactly and
    nan matches nan. Returns a :class:`TensorGradcheckResult`, truthy when all pass.
    """
    xs = [_as_data(x.data if isinstance(x, Tensor) else x, "gradcheck input") for x in inputs]
    leaves = [Tensor(x) for x in xs]
    out = f(*leaves)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: f must return a Tensor, got {type(out).__name__}")
    weights = _weights(out, seed)
    out.backward(weights)
    analytic = tuple(np.zeros_like(x) if t.grad is None else t.grad for x, t in zip(xs, leaves))
    numeric = tuple(numerical_grad(f, xs, weights, eps))
    worst, worst_err, ok = None, -1.0, True
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        if a.size == 0:
            continue
        good, err = agreement(a, n, atol, rtol)
        ok = ok and bool(good.all())
        j = np.unravel_index(int(np.argmax(err)), err.shape)
        if err[j] > worst_err:
            worst, worst_err = (i, tuple(int(k) for k in j)), float(err[j])
    return TensorGradcheckResult(ok, analytic, numeric, worst, max(worst_err, 0.0), atol, rtol)
