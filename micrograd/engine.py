"""The scalar autograd engine: :class:`Value`, :func:`no_grad` and the derivatives table.

Each op computes its output and records a *local-gradient rule*: a function, shared by
every node of that op, that reads a node's parents and returns ∂out/∂parent for each
parent, in the order of ``_prev``. The chain rule is applied in exactly one place,
:meth:`Value.backward`::

    parent.grad += local * node.grad        # downstream += local × upstream

Rules never hold on to the node they belong to, so a graph has no reference cycles and
is freed by reference counting the moment it is dropped. The renderer and ``explain``
call the very same rules (:func:`local_grads`) to annotate each wire.

Numeric edge cases follow IEEE 754 and PyTorch (float64): ``1/0 → inf``,
``log(0) → -inf``, ``log(-1) → nan``, ``exp(1000) → inf``, ``(-1)**0.5 → nan``;
never a Python exception and never a complex number.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .draw import Diagram

__all__ = [
    "Value",
    "no_grad",
    "is_grad_enabled",
    "local_grads",
    "topological_order",
    "weighted_sum",
]

Rule = Callable[["Value"], tuple]

# ---------------------------------------------------------------- IEEE arithmetic


def _ieee(ufunc: np.ufunc, *args: float) -> float:
    """What IEEE 754 says ``ufunc(*args)`` is, where Python's float math would raise."""
    with np.errstate(all="ignore"):
        return float(ufunc(*(np.float64(a) for a in args)))


def _div(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:
        return _ieee(np.divide, a, b)


def _pow(a: float, b: float) -> float:
    try:
        r = a**b
    except (ZeroDivisionError, OverflowError):
        return _ieee(np.power, a, b)
    return r if type(r) is float else math.nan  # a negative base to a fractional power is complex in Python


def _exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        return math.inf


def _log(a: float) -> float:
    try:
        return math.log(a)
    except ValueError:
        return _ieee(np.log, a)


def _sqrt(a: float) -> float:
    try:
        return math.sqrt(a)
    except ValueError:
        return math.nan


def _sigmoid(a: float) -> float:
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = _exp(a)  # a < 0 (or nan): exp cannot overflow here
    return e / (1.0 + e)


# ---------------------------------------------------------------- no_grad

_grad_enabled = True


def is_grad_enabled() -> bool:
    """True unless inside a :func:`no_grad` block."""
    return _grad_enabled


@contextmanager
def no_grad() -> Iterator[None]:
    """Context manager inside which ops record no parents (as ``torch.no_grad``).

    Values made inside are leaves: nothing is kept for a backward pass, so a forward
    pass costs less time and memory. Nests, and restores the previous state on exit.
    """
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


# ---------------------------------------------------------------- the derivatives table
# One local-gradient rule per op: rule(node) -> (∂node/∂parent for parent in node._prev).
# A rule reads the node and its parents; it allocates no closure per node.

_ONE_ONE = (1.0, 1.0)


def _add_rule(v: Value) -> tuple:  # ∂(a+b)/∂a = 1, ∂(a+b)/∂b = 1
    return _ONE_ONE


def _sub_rule(v: Value) -> tuple:  # ∂(a-b)/∂a = 1, ∂(a-b)/∂b = -1
    return (1.0, -1.0)


def _mul_rule(v: Value) -> tuple:  # ∂(ab)/∂a = b, ∂(ab)/∂b = a
    a, b = v._prev
    return (b.data, a.data)


def _div_rule(v: Value) -> tuple:  # ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = -a/b² = -(a/b)/b
    b = v._prev[1].data
    return (_div(1.0, b), -_div(v.data, b))


def _neg_rule(v: Value) -> tuple:  # ∂(-a)/∂a = -1
    return (-1.0,)


def _pow_base_local(x: float, y: float) -> float:
    """∂(x**y)/∂x = y·x**(y-1); exactly 0 where y = 0 (x**0 is constant)."""
    return 0.0 if y == 0 else y * _pow(x, y - 1.0)


def _pow_const_rule(v: Value) -> tuple:  # x ** c, c a number: only x gets a gradient
    x, c = v._prev
    return (_pow_base_local(x.data, c.data),)


def _pow_rule(v: Value) -> tuple:  # x ** y: ∂/∂x = y·x**(y-1), ∂/∂y = x**y·log(x) (0 where x = 0)
    x, y = v._prev
    dy = 0.0 if x.data == 0 else v.data * _log(x.data)
    return (_pow_base_local(x.data, y.data), dy)


def _exp_rule(v: Value) -> tuple:  # ∂exp(x)/∂x = exp(x)
    return (v.data,)


def _log_rule(v: Value) -> tuple:  # ∂log(x)/∂x = 1/x
    return (_div(1.0, v._prev[0].data),)


def _tanh_rule(v: Value) -> tuple:  # ∂tanh(x)/∂x = 1 - tanh(x)²
    return (1.0 - v.data * v.data,)


def _sigmoid_rule(v: Value) -> tuple:  # ∂σ(x)/∂x = σ(x)(1 - σ(x))
    return (v.data * (1.0 - v.data),)


def _relu_rule(v: Value) -> tuple:  # ∂relu(x)/∂x = 1 if x > 0 else 0 (0 at 0)
    return (1.0 if v._prev[0].data > 0 else 0.0,)


def _abs_rule(v: Value) -> tuple:  # ∂|x|/∂x = sign(x) (0 at 0)
    x = v._prev[0].data
    return (1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else math.nan,)


def _sqrt_rule(v: Value) -> tuple:  # ∂√x/∂x = 1/(2√x) (inf at 0)
    return (_div(0.5, v.data),)


def _reciprocal_rule(v: Value) -> tuple:  # ∂(1/x)/∂x = -1/x² = -(1/x)²
    return (-(v.data * v.data),)


def _max_rule(v: Value) -> tuple:  # the larger side gets it all; a tie splits it half and half
    a, b = v._prev[0].data, v._prev[1].data
    if a > b:
        return (1.0, 0.0)
    if a < b:
        return (0.0, 1.0)
    return (0.5, 0.5) if a == b else _ONE_ONE  # nan: both, as torch.maximum


def _min_rule(v: Value) -> tuple:  # the smaller side gets it all; a tie splits it half and half
    a, b = v._prev[0].data, v._prev[1].data
    if a < b:
        return (1.0, 0.0)
    if a > b:
        return (0.0, 1.0)
    return (0.5, 0.5) if a == b else _ONE_ONE


def _weighted_sum_rule(v: Value) -> tuple:  # ∂(Σ wᵢxᵢ + b)/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂b = 1
    prev = v._prev
    n = len(prev) // 2
    return tuple(p.data for p in prev[n : 2 * n]) + tuple(p.data for p in prev[:n]) + (1.0,)


# ---------------------------------------------------------------- Value


_PLAIN_NUMBERS = frozenset((float, int, bool))  # checked by type first: isinstance(x, numbers.Real) is slow


def _is_number(x: object) -> bool:
    return type(x) in _PLAIN_NUMBERS or isinstance(x, numbers.Real)  # numbers.Real: Fraction, numpy scalars


def _as_float(data: object) -> float:
    if type(data) is float:
        return data
    if _is_number(data):
        return float(data)
    raise TypeError(
        f"Value() takes a real number (int, float, bool or numpy scalar), "
        f"got {type(data).__name__}: {data!r:.60}"
    )


class Value:
    """A scalar node of the computation graph: ``data``, ``grad`` and where it came from.

    ``Value(data, _children=(), _op='', label='')`` keeps the tutorial micrograd API:
    ``_prev`` holds the parents (a tuple, in argument order, repeated where an input is
    used twice), ``_op`` the name of the op that made the node. ``label`` names the node
    in pictures and explanations.
    """

    __slots__ = ("data", "grad", "_prev", "_op", "_rule", "label")
    __array_ufunc__ = None  # numpy defers to us: np.float64(2) * v -> v.__rmul__

    def __init__(self, data: float, _children: Iterable[Value] = (), _op: str = "", label: str = "") -> None:
        self.data = _as_float(data)
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        self._rule: Rule | None = None
        self.label = label

    # -- construction of op outputs (the one place that honours no_grad)

    @staticmethod
    def _make(data: float, parents: tuple, op: str, rule: Rule) -> Value:
        out = Value.__new__(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        if _grad_enabled:
            out._prev, out._op, out._rule = parents, op, rule
        else:
            out._prev, out._op, out._rule = (), "", None
        return out

    # -- arithmetic

    def __add__(self, other: Value | float) -> Value:
        """``a + b``; ∂/∂a = 1, ∂/∂b = 1."""
        other = other if isinstance(other, Value) else _const(other, "+")
        return Value._make(self.data + other.data, (self, other), "+", _add_rule)

    def __radd__(self, other: float) -> Value:
        return _const(other, "+") + self

    def __sub__(self, other: Value | float) -> Value:
        """``a - b``; ∂/∂a = 1, ∂/∂b = -1."""
        other = other if isinstance(other, Value) else _const(other, "-")
        return Value._make(self.data - other.data, (self, other), "-", _sub_rule)

    def __rsub__(self, other: float) -> Value:
        return _const(other, "-") - self

    def __mul__(self, other: Value | float) -> Value:
        """``a * b``; ∂/∂a = b, ∂/∂b = a."""
        other = other if isinstance(other, Value) else _const(other, "*")
        return Value._make(self.data * other.data, (self, other), "*", _mul_rule)

    def __rmul__(self, other: float) -> Value:
        return _const(other, "*") * self

    def __truediv__(self, other: Value | float) -> Value:
        """``a / b``; ∂/∂a = 1/b, ∂/∂b = -a/b². Division by zero gives ±inf or nan."""
        other = other if isinstance(other, Value) else _const(other, "/")
        return Value._make(_div(self.data, other.data), (self, other), "/", _div_rule)

    def __rtruediv__(self, other: float) -> Value:
        return _const(other, "/") / self

    def __pow__(self, other: Value | float) -> Value:
        """``x ** y``; ∂/∂x = y·x**(y-1) (0 where y = 0), ∂/∂y = x**y·log(x) (0 where x = 0).

        With ``y`` a plain number only ``x`` gets a gradient (the op shows as ``**y``);
        with ``y`` a Value both do (op ``**``). A negative base to a fractional power is
        nan, never a complex number.
        """
        if isinstance(other, Value):
            return Value._make(_pow(self.data, other.data), (self, other), "**", _pow_rule)
        c = _const(other, "**")
        return Value._make(_pow(self.data, c.data), (self, c), f"**{_fmt(c.data)}", _pow_const_rule)

    def __rpow__(self, other: float) -> Value:
        return _const(other, "**") ** self

    def __neg__(self) -> Value:
        """``-a``; ∂/∂a = -1."""
        return Value._make(-self.data, (self,), "neg", _neg_rule)

    def __pos__(self) -> Value:
        return self

    # -- functions

    def exp(self) -> Value:
        """``exp(x)``; ∂/∂x = exp(x). Overflows to inf."""
        return Value._make(_exp(self.data), (self,), "exp", _exp_rule)

    def log(self) -> Value:
        """Natural ``log(x)``; ∂/∂x = 1/x. ``log(0) = -inf``, ``log(x < 0) = nan``."""
        return Value._make(_log(self.data), (self,), "log", _log_rule)

    def tanh(self) -> Value:
        """``tanh(x)``; ∂/∂x = 1 - tanh(x)²."""
        return Value._make(math.tanh(self.data), (self,), "tanh", _tanh_rule)

    def sigmoid(self) -> Value:
        """``σ(x) = 1/(1+exp(-x))``, computed stably; ∂/∂x = σ(x)(1 - σ(x))."""
        return Value._make(_sigmoid(self.data), (self,), "sigmoid", _sigmoid_rule)

    def relu(self) -> Value:
        """``relu(x) = max(0, x)``; ∂/∂x = 1 for x > 0, else 0 (0 at 0)."""
        x = self.data
        return Value._make(0.0 if x <= 0 else x, (self,), "ReLU", _relu_rule)

    def abs(self) -> Value:
        """``|x|``; ∂/∂x = sign(x), 0 at 0."""
        return Value._make(abs(self.data), (self,), "abs", _abs_rule)

    def __abs__(self) -> Value:
        return self.abs()

    def sqrt(self) -> Value:
        """``√x``; ∂/∂x = 1/(2√x) (inf at 0). ``sqrt(x < 0) = nan``."""
        return Value._make(_sqrt(self.data), (self,), "sqrt", _sqrt_rule)

    def reciprocal(self) -> Value:
        """``1/x``; ∂/∂x = -1/x². ``1/0 = inf``, ``1/(-0.0) = -inf``."""
        return Value._make(_div(1.0, self.data), (self,), "1/x", _reciprocal_rule)

    def max(self, other: Value | float) -> Value:
        """The gate ``max(a, b)``: the larger input gets the whole gradient, a tie half each.

        ∂/∂a = 1 if a > b, 0 if a < b, ½ if a = b (and the other way round for b).
        nan if either side is nan, as ``torch.maximum``.
        """
        other = other if isinstance(other, Value) else _const(other, "max")
        a, b = self.data, other.data
        data = a if a >= b else b if a < b else math.nan
        return Value._make(data, (self, other), "max", _max_rule)

    def min(self, other: Value | float) -> Value:
        """The gate ``min(a, b)``: the smaller input gets the whole gradient, a tie half each.

        ∂/∂a = 1 if a < b, 0 if a > b, ½ if a = b (and the other way round for b).
        nan if either side is nan, as ``torch.minimum``.
        """
        other = other if isinstance(other, Value) else _const(other, "min")
        a, b = self.data, other.data
        data = a if a <= b else b if a > b else math.nan
        return Value._make(data, (self, other), "min", _min_rule)

    # -- comparisons compare data (so builtin max()/sorted() work); they are not gates

    def __lt__(self, other: Value | float) -> bool:
        return self.data < _data_of(other)

    def __le__(self, other: Value | float) -> bool:
        return self.data <= _data_of(other)

    def __gt__(self, other: Value | float) -> bool:
        return self.data > _data_of(other)

    def __ge__(self, other: Value | float) -> bool:
        return self.data >= _data_of(other)

    __hash__ = object.__hash__  # identity: nodes are keys of sets and dicts

    # -- backward

    def backward(self, seed: float = 1.0) -> None:
        """Backpropagate from this node: fill ``grad`` of every node it depends on.

        Seeds ``self.grad`` with ``seed`` (∂self/∂self = 1), then, for each node in
        reverse topological order and each of its parents, applies the chain rule
        ``parent.grad += local × node.grad``. Leaf gradients accumulate across calls
        until zeroed; interior gradients are recomputed on every call. Iterative: graphs
        of any depth work.
        """
        seed = _as_float(seed)
        topo = topological_order(self)
        for v in topo:
            if v._rule is not None:
                v.grad = 0.0
        if self._rule is None:
            self.grad += seed  # a leaf: accumulates like every leaf
        else:
            self.grad = seed
        for v in reversed(topo):
            rule = v._rule
            if rule is None:
                continue
            upstream = v.grad
            for parent, local in zip(v._prev, rule(v)):
                parent.grad += local * upstream

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 for this node and every node it depends on."""
        for v in topological_order(self):
            v.grad = 0.0

    def draw(self, **kw: object) -> Diagram:
        """This node's graph as a picture: shortcut for :func:`micrograd.draw` (same keywords)."""
        from .draw import draw

        return draw(self, **kw)

    def item(self) -> float:
        """The ``data`` as a Python float (as ``torch.Tensor.item``)."""
        return self.data

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{label})"


def _fmt(x: float) -> str:
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def _const(x: object, op: str) -> Value:
    """A number on the other side of an op becomes a leaf Value; anything else is an error."""
    if _is_number(x):
        c = Value.__new__(Value)  # a leaf, built without __init__'s checks: this is the hot path of `2 * x`
        c.data, c.grad, c._prev, c._op, c._rule, c.label = float(x), 0.0, (), "", None, ""
        return c
    raise TypeError(f"unsupported operand for {op}: Value and {type(x).__name__} ({x!r:.60})")


def _data_of(x: object) -> float:
    if isinstance(x, Value):
        return x.data
    if _is_number(x):
        return x  # type: ignore[return-value]
    raise TypeError(f"cannot compare Value with {type(x).__name__}")


def weighted_sum(weights: list[Value], inputs: list[Value | float], bias: Value | None = None) -> Value:
    """One node ``Σ wᵢ·xᵢ + b`` with parents ``(w..., x..., b)`` (a neuron's pre-activation).

    ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂b = 1. Gives the same numbers as the gate-by-gate
    ``sum(w*x for ...) + b`` with one node instead of 2n, so training is faster; the
    picture shows one ``Σwx+b`` gate.
    """
    if len(weights) != len(inputs):
        raise ValueError(f"weighted_sum: {len(weights)} weights but {len(inputs)} inputs")
    xs = [x if isinstance(x, Value) else _const(x, "weighted_sum") for x in inputs]
    b = bias if bias is not None else Value(0.0)
    total = b.data
    for w, x in zip(weights, xs):
        total += w.data * x.data
    return Value._make(total, (*weights, *xs, b), "Σwx+b", _weighted_sum_rule)


def local_grads(node: Value) -> tuple[float, ...]:
    """∂node/∂parent for each parent in ``node._prev`` (empty for a leaf).

    The very rule :meth:`Value.backward` uses, for pictures and explanations.
    """
    return () if node._rule is None else tuple(node._rule(node))


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, parents before children, ``root`` last.

    Iterative depth-first search, so a chain a million nodes deep is fine. Works on any
    node type with a ``_prev`` tuple (the tensor engine shares it).
    """
    topo: list = []
    visited: set = set()
    stack: list = [root]
    push, pop, visit, emit = stack.append, stack.pop, visited.add, topo.append
    done = _DONE
    while stack:
        v = pop()
        if v is done:
            emit(pop())
        elif v not in visited:
            visit(v)
            push(v)
            push(done)
            for p in v._prev:
                if p not in visited:
                    push(p)
    return topo


_DONE = object()  # stack marker: the node below it has had all its parents emitted
