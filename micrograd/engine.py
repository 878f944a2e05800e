"""The scalar engine: :class:`Value`, each op beside its local-gradient rule.

Each op is a method that computes its output and records its parents and the op's name.
Right under it stands the op's *rule*, registered by that name in the derivatives table
(:data:`RULES`): given the output node and the gradient that has arrived at it
(``upstream``), it returns what flows back to each parent::

    contribution = upstream × local          # local = ∂out/∂parent, stated once, in the rule

Each rule computes its contributions with PyTorch's formula for that op (``upstream / x``
for ``log``, not ``(1/x) × upstream``, which overflows first), so gradients match
PyTorch's float64 ones to the last bit wherever the arithmetic is the same. Where the local
gradient is a *choice* (relu, the losing side of max/min, ``x**0``), the rule selects:
a stopped wire carries exactly 0, even when the upstream gradient is inf or nan.

A rule is one shared function per op: nothing is allocated per node, and no node refers
to itself, so a dropped graph is freed at once by reference counting. The chain rule is
applied in one place, :func:`micrograd.core.chain_rule`.

Numeric edge cases follow IEEE 754 and PyTorch (float64): ``1/0 → inf``, ``log(0) → -inf``,
``log(-1) → nan``, ``exp(1000) → inf``, ``(-1)**0.5 → nan``, and an integer beyond a
float's range (``10**400``) rounds to ±inf; never a Python exception and never a complex
number. The engine imports only the standard library.

To add an op: a method that returns ``_unary(data, self, "name")`` (or ``_binary``), and
under it ``@rule("name")`` on a function ``(out, upstream) -> contribution per parent``;
then the expression grammar's table (:data:`micrograd.cli.expr.FUNCTIONS`) if the command
line should know it.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable
from types import MethodType
from typing import Any, ClassVar

from . import core, floats
from .core import _MANY, Code, Node, Rule, Rules, local_grads, no_grad, recording, topological_order
from .numbers_in import _is_number, _new_data, as_float

__all__ = ["Value", "RULES", "op", "rule", "no_grad", "local_grads", "topological_order"]

RULES = Rules()  # the scalar derivatives table: op name -> rule(out, upstream)


def op(
    name: str,
    local: Code = (),
    code: Code | None = None,
    number: tuple[int, Code] | None = None,
) -> Callable[[Rule], Rule]:
    """Register the rule of the scalar op ``name``: the decorator every op of this engine is defined with,
    and yours (README, "Writing your own op"). The rule, ``(out, upstream) -> (contribution per parent,)``, reads
    its inputs as ``out.parents[i].data`` (numbers; nodes under ``create_graph``); a node of the op is made
    as the tutorial makes one, ``Value(data, (x,), name)``. ``local``: ∂out/∂parent as text per parent,
    in ``{x}``, ``{y}`` (or ``{0}``, ``{1}``, ...) and ``{out}``, for worksheets' hints; ``code``: templates
    for staged code (see :class:`~micrograd.core.Rules`). A name defined again gets the new rule, with a
    warning; micrograd's own ops keep theirs. :class:`micrograd.Function` is the same contract as a class.
    """

    def register(fn: Rule) -> Rule:
        RULES.add(name, fn, local, code, number, stacklevel=3)  # a warning points at the decorated rule
        return fn

    return register


rule = op  # the name the ops below use

# ---------------------------------------------------------------- IEEE arithmetic where Python raises

_div, _exp, _sqrt, _sigmoid = floats.div, floats.exp, floats.sqrt, floats.sigmoid
# on floats, or on nodes where a rule builds a graph (create_graph):
_pow, _pow_by_number, _log = floats.power_any, floats.power_by_number_any, floats.log_any
_sin, _cos, _plain = floats.sin_any, floats.cos_any, floats.plain

# ---------------------------------------------------------------- numbers in, Values out

_object_new = object.__new__
_needs_grad = operator.attrgetter("requires_grad")


def _leaf(data: float, requires_grad: bool) -> Value:
    """A leaf built without ``__init__``'s checks (the hot path of ``2 * x``)."""
    v = _object_new(Value)
    v._data = data
    v.grad = 0.0
    v._p0 = v._p1 = v._mark = None  # no parents (see Node: the parents are kept in two slots)
    v._op = ""
    v.label = ""
    v.requires_grad = requires_grad
    return v


def _operand(x: object, op: str) -> Value:
    """The other side of an op: a Value as it is, a number as a constant (a leaf needing no gradient)."""
    if isinstance(x, Value):
        return x
    if _is_number(x):
        return _leaf(as_float(x), False)
    raise TypeError(f"unsupported operand for {op}: Value and {type(x).__name__} ({x!r:.60})")


def _unary(data: float, a: Value, op: str) -> Value:
    """The output of a one-input op; it records ``a`` only if a gradient is wanted (see :class:`no_grad`)."""
    if not (a.requires_grad and (r := recording())):
        return _leaf(data, False)
    v = _object_new(Value)  # built here, not by a helper: one call less on every op
    v._data = data
    v.grad = 0.0
    v._p0 = a
    v._p1 = v._mark = None
    v._op = op
    v.label = ""
    v.requires_grad = True
    if r is not True:  # inside a scope: recording() gave its path
        v._scope = r
    return v


def _binary(data: float, a: Value, b: Value, op: str) -> Value:
    """The output of a two-input op; it records ``(a, b)`` only if a gradient is wanted."""
    if not ((a.requires_grad or b.requires_grad) and (r := recording())):
        return _leaf(data, False)
    v = _object_new(Value)
    v._data = data
    v.grad = 0.0
    v._p0 = a
    v._p1 = b
    v._mark = None
    v._op = op
    v.label = ""
    v.requires_grad = True
    if r is not True:  # inside a scope: recording() gave its path
        v._scope = r
    return v


def _nary(data: float, parents: tuple[Value, ...], op: str) -> Value:
    """The output of an op of any number of inputs (e.g. a neuron's weighted sum)."""
    if not ((r := recording()) and any(map(_needs_grad, parents))):
        return _leaf(data, False)
    v = _object_new(Value)
    v._data = data
    v.grad = 0.0
    if len(parents) > 2:  # the parents as Node keeps more than two
        v._p0, v._p1, v._mark = parents, _MANY, None
    else:
        v.parents = parents
    v._op = op
    v.label = ""
    v.requires_grad = True
    if r is not True:  # inside a scope: recording() gave its path
        v._scope = r
    return v


# ---------------------------------------------------------------- Value


class Value(Node):
    """A scalar node of the computation graph: ``data``, ``grad`` and where it came from.

    ``Value(data, _children=(), _op='', label='', requires_grad=True)`` keeps the tutorial
    micrograd API (``_prev`` and ``_op`` name the parents and the op). The graph surface
    is :class:`micrograd.core.Node`'s: ``data``, ``grad``, ``parents``, ``op``, ``label``,
    ``requires_grad``.
    """

    # ``data`` is kept in the slot ``_data``: the ops and rules read and write it there, everyone else
    # through the property ``data``, which turns whatever is stored into a float (a numpy scalar kept as
    # it came would make a replay's power() nan and float32 arithmetic of the whole graph).
    __slots__ = ("_data", "grad", "_op", "label", "requires_grad", "_scope")  # and Node's: the parents, a mark
    # _scope: the path of the scopes an op made it in (micrograd.scope); unset outside any (nothing written)
    _state: ClassVar[tuple[str, ...]] = ("data", "grad", "parents", "_op", "label", "requires_grad", "scope")
    __array_ufunc__ = None  # numpy defers to us: np.float64(2) * v -> v.__rmul__

    _rules = RULES
    _no_grad_yet = 0.0
    _unit = 1.0

    def _set_data(self, data: float) -> None:
        self._data = data if type(data) is float else _new_data(data)

    data = property(
        operator.attrgetter("_data"),  # read as fast as a property can be; the engine reads the slot itself
        _set_data,
        doc="The number this node holds: a Python float, whatever real number is stored (a TypeError otherwise).",
    )

    def __init__(
        self,
        data: float,
        _children: Iterable[Value] = (),
        _op: str = "",
        label: str = "",
        requires_grad: bool = True,
    ) -> None:
        self._data = as_float(data)
        self.grad = 0.0
        self._p0 = self._p1 = self._mark = None
        self._op = _op
        self.label = label
        self.requires_grad = bool(requires_grad)
        if _children:  # a node made by hand (the tutorial's way): its op must have a rule
            parents = _checked_children(_children, _op)
            if (r := recording()) and any(map(_needs_grad, parents)):  # as every op: no parents under no_grad
                self.parents = parents
                if r is not True:  # and its scope, as every op's
                    self._scope = r
            else:
                self._op, self.requires_grad = "", False

    # -- arithmetic

    def __add__(self, other: Value | float) -> Value:
        """``a + b``."""
        if not isinstance(other, Value):
            other = _operand(other, "+")
        if not ((self.requires_grad or other.requires_grad) and (r := recording())):
            return _leaf(self._data + other._data, False)
        v = _object_new(Value)  # _binary(...) written out: the tutorial's two busiest ops save a call
        v._data = self._data + other._data
        v.grad = 0.0
        v._p0 = self
        v._p1 = other
        v._mark = None
        v._op = "+"
        v.label = ""
        v.requires_grad = True
        if r is not True:  # inside a scope: recording() gave its path
            v._scope = r
        return v

    @rule("+", local=("1", "1"), code=("{a} + {b}", "{up}", "{up}"))
    def _add_rule(out, upstream: float) -> tuple[float, float]:  # ∂(a+b)/∂a = 1, ∂(a+b)/∂b = 1
        return upstream, upstream

    def __radd__(self, other: float) -> Value:
        return _operand(other, "+") + self

    def __sub__(self, other: Value | float) -> Value:
        """``a - b``."""
        other = other if isinstance(other, Value) else _operand(other, "-")
        return _binary(self._data - other._data, self, other, "-")

    @rule("-", local=("1", "-1"), code=("{a} - {b}", "{up}", "-{up}"))
    def _sub_rule(out, upstream: float) -> tuple[float, float]:  # ∂(a-b)/∂a = 1, ∂(a-b)/∂b = -1
        return upstream, -upstream

    def __rsub__(self, other: float) -> Value:
        return _operand(other, "-") - self

    def __mul__(self, other: Value | float) -> Value:
        """``a * b``."""
        if not isinstance(other, Value):
            other = _operand(other, "*")
        if not ((self.requires_grad or other.requires_grad) and (r := recording())):
            return _leaf(self._data * other._data, False)
        v = _object_new(Value)  # _binary(...) written out: the tutorial's two busiest ops save a call
        v._data = self._data * other._data
        v.grad = 0.0
        v._p0 = self
        v._p1 = other
        v._mark = None
        v._op = "*"
        v.label = ""
        v.requires_grad = True
        if r is not True:  # inside a scope: recording() gave its path
            v._scope = r
        return v

    @rule("*", local=("{b}", "{a}"), code=("{a} * {b}", "{up} * {b}", "{up} * {a}"))
    def _mul_rule(out, upstream: float) -> tuple[float, float]:  # ∂(ab)/∂a = b, ∂(ab)/∂b = a
        return upstream * out._p1._data, upstream * out._p0._data

    def __rmul__(self, other: float) -> Value:
        return _operand(other, "*") * self

    def __truediv__(self, other: Value | float) -> Value:
        """``a / b``. Division by zero gives ±inf, or nan for 0/0.

        A number (a constant) over a Value that needs a gradient is ``(1/b)·a``, as PyTorch computes ``c / t``.
        """
        other = other if isinstance(other, Value) else _operand(other, "/")
        a, b = self._data, other._data
        number_over = other.requires_grad and not self.requires_grad
        return _binary(_div(1.0, b) * a if number_over else _div(a, b), self, other, "/")

    @rule(
        "/",
        local=("1/{b}", "-{a}/{b}²"),
        code=("div({a}, {b})", "div({up}, {b})", "-{up} * div({out}, {b})"),
        number=(0, ("div(1.0, {b}) * {a}", "div({up}, {b})", "-({up} * {a}) * (div(1.0, {b}) * div(1.0, {b}))")),
    )
    def _div_rule(out, upstream: float) -> tuple[float, float]:
        """∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = -a/b² = -(a/b)/b; for a number a, through 1/b as PyTorch: -(G·a)·(1/b)²."""
        a, b = out._p0, out._p1._data
        if not a.requires_grad:
            r = _div(1.0, b)
            return _div(upstream, b), -(upstream * a._data) * (r * r)
        return _div(upstream, b), -upstream * _div(out._data, b)

    def __rtruediv__(self, other: float) -> Value:
        return _operand(other, "/") / self

    def __pow__(self, other: Value | float) -> Value:
        """``x ** y``. A negative base to a fractional power is nan, never a complex number.

        With ``y`` a number, ``y`` is a constant: only ``x`` gets a gradient, and ``x ** y`` is computed
        as PyTorch computes ``t ** y`` (``x ** 0.5`` is ``sqrt(x)``: see ``floats.power_by_number``).
        """
        other = other if isinstance(other, Value) else _operand(other, "**")
        power = _pow if other.requires_grad else _pow_by_number  # as PyTorch: whether x needs a gradient or not
        return _binary(power(self._data, other._data), self, other, "**")

    @rule(
        "**",
        local=("{y}·{x}^({y}-1)", "{x}^{y}·log({x})"),
        code=(
            "power({x}, {y})",
            "0.0 if {y} == 0 else {up} * ({y} * power({x}, {y} - 1.0))",
            "{up} * (0.0 if {x} == 0 and {y} >= 0 else {out} * log({x}))",
        ),
        number=(
            1,
            ("power_by_number({x}, {y})", "0.0 if {y} == 0 else {up} * ({y} * power_by_number({x}, {y} - 1.0))", "0.0"),
        ),
    )
    def _pow_rule(out, upstream: float) -> tuple[float, float | None]:
        """∂(x**y)/∂x = y·x**(y-1), and none at all where y = 0 (x**0 is constant: the wire is stopped);
        ∂(x**y)/∂y = x**y·log(x), taken as 0 where x = 0 and y ≥ 0 (as PyTorch)."""
        x, y = out._p0, out._p1
        power = _pow if y.requires_grad else _pow_by_number
        dx = 0.0 if _plain(y._data) == 0 else upstream * (y._data * power(x._data, y._data - 1.0))
        if not y.requires_grad:
            return dx, None
        return dx, upstream * (0.0 if _plain(x._data) == 0 and _plain(y._data) >= 0 else out._data * _log(x._data))

    def __rpow__(self, other: float) -> Value:
        return _operand(other, "**") ** self

    def __neg__(self) -> Value:
        """``-a``."""
        return _unary(-self._data, self, "neg")

    @rule("neg", local=("-1",), code=("-{x}", "-{up}"))
    def _neg_rule(out, upstream: float) -> tuple[float]:  # ∂(-a)/∂a = -1
        return (-upstream,)

    def __pos__(self) -> Value:
        return self

    # -- functions

    def exp(self) -> Value:
        """``exp(x)``; overflows to inf."""
        return _unary(_exp(self._data), self, "exp")

    @rule("exp", local=("exp({x})",), code=("exp({x})", "{up} * {out}"))
    def _exp_rule(out, upstream: float) -> tuple[float]:  # ∂exp(x)/∂x = exp(x)
        return (upstream * out._data,)

    def log(self) -> Value:
        """Natural ``log(x)``: ``log(0) = -inf``, ``log(x < 0) = nan``."""
        return _unary(_log(self._data), self, "log")

    @rule("log", local=("1/{x}",), code=("log({x})", "div({up}, {x})"))
    def _log_rule(out, upstream: float) -> tuple[float]:  # ∂log(x)/∂x = 1/x
        return (_div(upstream, out._p0._data),)

    def tanh(self) -> Value:
        """``tanh(x)``."""
        return _unary(math.tanh(self._data), self, "tanh")

    @rule("tanh", local=("1 - tanh({x})²",), code=("tanh({x})", "{up} * one_minus_square({out})"))
    def _tanh_rule(out, upstream: float) -> tuple[float]:  # ∂tanh(x)/∂x = 1 - tanh(x)²
        return (upstream * floats.one_minus_square(out._data),)  # 1 - y², accurate near 0 and near ±1

    def sin(self) -> Value:
        """``sin(x)``; nan at ±inf."""
        return _unary(_sin(self._data), self, "sin")

    @rule("sin", local=("cos({x})",), code=("sin({x})", "{up} * cos({x})"))
    def _sin_rule(out, upstream: float) -> tuple[float]:  # ∂sin(x)/∂x = cos(x)
        return (upstream * _cos(out._p0._data),)

    def cos(self) -> Value:
        """``cos(x)``; nan at ±inf."""
        return _unary(_cos(self._data), self, "cos")

    @rule("cos", local=("-sin({x})",), code=("cos({x})", "{up} * -sin({x})"))
    def _cos_rule(out, upstream: float) -> tuple[float]:  # ∂cos(x)/∂x = -sin(x)
        return (upstream * -_sin(out._p0._data),)

    def sigmoid(self) -> Value:
        """``σ(x) = 1/(1+exp(-x))``: 0 for x below about -709, where exp(-x) overflows to inf."""
        return _unary(_sigmoid(self._data), self, "sigmoid")

    @rule("sigmoid", local=("σ({x})·(1 - σ({x}))",), code=("sigmoid({x})", "{up} * (1.0 - {out}) * {out}"))
    def _sigmoid_rule(out, upstream: float) -> tuple[float]:  # ∂σ(x)/∂x = σ(x)(1 - σ(x))
        return (upstream * (1.0 - out._data) * out._data,)

    def relu(self) -> Value:
        """``relu(x) = max(x, 0)``: x itself unless x < 0 (so relu(-0.0) is -0.0 and relu(nan) nan, as PyTorch)."""
        x = self._data
        return _unary(0.0 if x < 0 else x, self, "ReLU")

    @rule("ReLU", local=("1 where {x} > 0, else 0",), code=("max({x}, 0.0)", "0.0 if {out} <= 0 else {up}"))
    def _relu_rule(out, upstream: float) -> tuple[float]:
        """∂relu(x)/∂x = 1 where relu(x) > 0 (or nan), else 0: the gradient passes or is stopped."""
        return (0.0 if out._data <= 0 else upstream,)

    def abs(self) -> Value:
        """``|x|``."""
        return _unary(abs(self._data), self, "abs")

    @rule("abs", local=("sign({x})",), code=("abs({x})", "{up} * sign({x})"))
    def _abs_rule(out, upstream: float) -> tuple[float]:  # ∂|x|/∂x = sign(x): 0 at 0 and at nan (as PyTorch)
        return (upstream * floats.sign(out._p0._data),)

    def __abs__(self) -> Value:
        return self.abs()

    def sqrt(self) -> Value:
        """``√x``: ``sqrt(x < 0) = nan``."""
        return _unary(_sqrt(self._data), self, "sqrt")

    @rule("sqrt", local=("1/(2√{x})",), code=("sqrt({x})", "div({up}, 2.0 * {out})"))
    def _sqrt_rule(out, upstream: float) -> tuple[float]:  # ∂√x/∂x = 1/(2√x), inf at 0
        return (_div(upstream, 2.0 * out._data),)

    def reciprocal(self) -> Value:
        """``1/x``: ``1/0 = inf``, ``1/(-0.0) = -inf``."""
        return _unary(_div(1.0, self._data), self, "1/x")

    @rule("1/x", local=("-1/{x}²",), code=("div(1.0, {x})", "-{up} * ({out} * {out})"))
    def _reciprocal_rule(out, upstream: float) -> tuple[float]:  # ∂(1/x)/∂x = -1/x² = -(1/x)²
        return (-upstream * (out._data * out._data),)

    def max(self, other: Value | float) -> Value:
        """The gate ``max(a, b)``; nan if either side is nan, as ``torch.maximum``."""
        other = other if isinstance(other, Value) else _operand(other, "max")
        return _binary(floats.maximum(self._data, other._data), self, other, "max")

    @rule(
        "max",
        local=("1 if {a} > {b}, 0 if {a} < {b}, ½ on a tie", "1 if {b} > {a}, 0 if {b} < {a}, ½ on a tie"),
        code=("maximum({a}, {b})", "gate_share({up}, {a}, {b})", "gate_share({up}, {b}, {a})"),
    )
    def _max_rule(out, upstream: float) -> tuple[float, float]:
        """The larger input gets it all: ∂/∂a = 1 if a > b, 0 if a < b, ½ on a tie (and b the other way)."""
        a, b = _plain(out._p0._data), _plain(out._p1._data)
        return floats.gate_share(upstream, a, b), floats.gate_share(upstream, b, a)

    def min(self, other: Value | float) -> Value:
        """The gate ``min(a, b)``; nan if either side is nan, as ``torch.minimum``."""
        other = other if isinstance(other, Value) else _operand(other, "min")
        return _binary(floats.minimum(self._data, other._data), self, other, "min")

    @rule(
        "min",
        local=("1 if {a} < {b}, 0 if {a} > {b}, ½ on a tie", "1 if {b} < {a}, 0 if {b} > {a}, ½ on a tie"),
        code=("minimum({a}, {b})", "gate_share({up}, -{a}, -{b})", "gate_share({up}, -{b}, -{a})"),
    )
    def _min_rule(out, upstream: float) -> tuple[float, float]:
        """The smaller input gets it all: ∂/∂a = 1 if a < b, 0 if a > b, ½ on a tie (and b the other way)."""
        a, b = _plain(out._p0._data), _plain(out._p1._data)
        return floats.gate_share(upstream, -a, -b), floats.gate_share(upstream, -b, -a)  # min(a, b) = -max(-a, -b)

    # -- comparisons compare data (so builtin max()/sorted() work); they are not gates

    def __lt__(self, other: Value | float) -> bool:
        return self._data < _data_of(other)

    def __le__(self, other: Value | float) -> bool:
        return self._data <= _data_of(other)

    def __gt__(self, other: Value | float) -> bool:
        return self._data > _data_of(other)

    def __ge__(self, other: Value | float) -> bool:
        return self._data >= _data_of(other)

    __hash__ = object.__hash__  # identity: nodes are keys of sets and dicts

    # -- backward

    def backward(self, seed: float = 1.0, create_graph: bool = False, *, retain_graph: bool | None = None) -> None:
        """Backpropagate from this node: fill ``grad`` of every node it depends on.

        Sets ``self.grad`` to ``seed`` (dself/dself = 1), then applies the chain rule
        node by node in reverse topological order (:func:`micrograd.core.backward`). Leaf
        gradients accumulate across calls until zeroed; interior gradients are recomputed
        on every call. Iterative: graphs of any depth work.

        ``create_graph=True`` (as PyTorch): every ``grad`` becomes a Value, built by the same
        rules as operations on Values, so it can be backpropagated in turn:
        ``x.grad.backward()`` gives the second derivative. ``seed`` may then be a Value.

        ``retain_graph`` is accepted for PyTorch's sake and changes nothing: the graph is always
        kept (the rules read the nodes' data, never a buffer freed by a pass), so ``backward()``
        can be called again. A Value as ``seed`` gives its number.
        """
        if create_graph:
            core.backward(self, self._seed_node(seed), create_graph=True)
        else:
            core.backward(self, self._check_seed(seed))

    def _check_seed(self, seed: Any) -> float:
        if not self.requires_grad:
            raise RuntimeError(
                "this Value does not require a gradient (a constant, or made under no_grad): nothing to backpropagate"
            )
        if isinstance(seed, Value):  # (as torch's y.backward(gradient_tensor))
            return seed._data
        return 1.0 if seed is None else as_float(seed, "backward(seed)")

    def _hook_result(self, result: Any, grad: Any) -> Any:
        if isinstance(grad, Value):  # building a graph (create_graph): gradients are Values
            return (
                result if isinstance(result, Value) else Value(as_float(result, "a hook's result"), requires_grad=False)
            )
        return result._data if isinstance(result, Value) else as_float(result, "a hook's result")

    def _seed_node(self, seed: Any) -> Value:
        """The seed of a backward pass that builds a graph: a Value (a number becomes a constant)."""
        if isinstance(seed, Value):
            self._check_seed(seed._data)
            return seed
        return Value(self._check_seed(seed), requires_grad=False)

    def item(self) -> float:
        """The ``data`` as a Python float (as ``torch.Tensor.item``)."""
        return self._data

    def __float__(self) -> float:
        """``float(v)``: the ``data``, for a constant or under ``no_grad()``; a TypeError for a node that
        needs a gradient (``math.exp(x)`` calls this: its float would cut the graph without a word)."""
        if self.requires_grad and recording():
            raise GraphCutError(_cut_message(self))
        return self._data

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"``: the ``data`` formatted (``f"{loss}"`` is ``str(loss)``)."""
        return format(self._data, spec) if spec else str(self)

    @property
    def _backward(self) -> Callable[[], None]:
        """The chain rule at this one node (:meth:`micrograd.core.Node._backward`), for the tutorial's manual walk."""
        return MethodType(Node._backward, self)

    @_backward.setter
    def _backward(self, fn: object) -> None:
        raise AttributeError(
            "a Value's _backward is not assigned: micrograd keeps each op's derivative in one rule, found by the "
            "op's name. Define your op as a micrograd.Function (class Square(micrograd.Function) with "
            "forward(ctx, x) and backward(ctx, upstream); y = Square.apply(x)), or register a rule with "
            "@micrograd.op('square') def rule(out, upstream): return (upstream * 2 * out.parents[0].data,) "
            "and make its node with Value(x.data ** 2, (x,), 'square')"
        )

    def __repr__(self) -> str:
        """``Value(data=3.0, grad=0.0, op='+')``: the op that made it, as PyTorch shows ``grad_fn`` (a leaf: none)."""
        op = f", op={self._op!r}" if self._op else ""
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self._data}, grad={self.grad}{op}{label})"


def _checked_children(children: Iterable[Value], op: str) -> tuple[Value, ...]:
    """The parents of a node made by hand, ``Value(data, children, op)``: Values, of an op that has a rule."""
    parents = tuple(children)
    for p in parents:
        if not isinstance(p, Value):
            raise TypeError(f"Value(data, _children, _op): the children must be Values, got {type(p).__name__}")
    rule = RULES.get(op)
    if rule is None:
        raise ValueError(
            f"Value(data, _children, _op={op!r}): no op named {op!r} has a rule, so backward() would leave the "
            f"children's .grad at 0 without a word. Register its rule first: @micrograd.op({op or 'name'!r}) over "
            "def rule(out, upstream): return (contribution per child,), or define it as a micrograd.Function"
        )
    function = getattr(rule, "function", None)
    if function is not None:
        raise ValueError(f"{op!r} is a micrograd.Function: make its nodes with {function.__name__}.apply(...)")
    return parents


class GraphCutError(TypeError):
    """A plain number asked of a Value that needs a gradient (``math.exp(x)``): it would cut the graph."""


def _cut_message(v: Value) -> str:
    name = v.label or "x"
    return (
        f"a plain number was asked of a Value that needs a gradient ({v.label or 'data=' + repr(v._data)}): "
        f"math.exp({name}), float({name}) and other functions of numbers return a float, which cuts the graph "
        f"({name}.grad would silently miss this path). In a formula use the Value's own ops ({name}.exp(), "
        f"{name}.tanh(), {name}.log(), {name} ** 2, ...); for the number itself use {name}.item() or {name}.data. "
        "(Constants and Values under no_grad() give their number.)"
    )


def _data_of(x: object) -> float:
    if isinstance(x, Value):
        return x._data
    if _is_number(x):
        return x  # type: ignore[return-value]
    raise TypeError(f"cannot compare Value with {type(x).__name__}")
