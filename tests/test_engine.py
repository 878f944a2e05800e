"""The scalar engine: worked examples, every op against central differences, conventions."""

from __future__ import annotations

import gc
import math
import sys
import tracemalloc

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from micrograd import Value, gradcheck, no_grad
from micrograd.engine import RULES, local_grads, topological_order

# ---------------------------------------------------------------- worked examples (exact)


def test_lecture_add_mul():
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    f = (x + y) * z
    f.backward()
    assert f.data == -12.0
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)


def test_lecture_max_gate():
    x, y, z, w = Value(3.0), Value(-4.0), Value(2.0), Value(-1.0)
    f = 2 * (z.max(w) + x * y)
    f.backward()
    assert f.data == -20.0
    assert (x.grad, y.grad, z.grad, w.grad) == (-8.0, 6.0, 2.0, 0.0)


def _sigmoid_inputs():
    return [Value(v) for v in (2.0, -1.0, -3.0, -2.0, -3.0)]


def test_lecture_sigmoid_neuron():
    w0, x0, w1, x1, w2 = inputs = _sigmoid_inputs()
    f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    f.backward()
    assert round(f.data, 2) == 0.73
    got = [round(v.grad, 2) for v in inputs]
    assert got == [-0.20, 0.39, -0.39, -0.59, 0.20]

    w0s, x0s, w1s, x1s, w2s = same = _sigmoid_inputs()
    g = (w0s * x0s + w1s * x1s + w2s).sigmoid()
    g.backward()
    assert g.data == pytest.approx(f.data, rel=1e-15)
    for a, b in zip(inputs, same, strict=True):
        assert b.grad == pytest.approx(a.grad, rel=1e-12)


def test_square_exp_square_chain():
    x = Value(0.5)
    y = ((x**2).exp()) ** 2
    y.backward()
    assert x.grad == 3.297442541400256
    h = 1e-6
    numeric = (math.exp((0.5 + h) ** 2) ** 2 - math.exp((0.5 - h) ** 2) ** 2) / (2 * h)
    assert x.grad == pytest.approx(numeric, abs=1e-6)


def test_reuse_a_plus_a():
    a = Value(1.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0


# ---------------------------------------------------------------- the tutorial micrograd's own tests


def test_tutorial_sanity_check():
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    # values worked out by hand: z = -10, q = 40, h = 100, y = 100 + 40 - 160 = -20
    assert y.data == -20.0
    # dy/dx = dh/dx + (1 + x) dq/dx + q, dq/dx = z + 3x (relu(z) is dead), dh/dx = 2z * 3
    assert x.grad == pytest.approx(2 * -10 * 3 + (1 - 4) * (-10 + 3 * -4) + 40)


def test_tutorial_more_ops():
    def f(a, b):
        c = a + b
        d = a * b + b**3
        c += c + 1
        c += 1 + c + (-a)
        d += d * 2 + (b + a).relu()
        d += 3 * d + (b - a).relu()
        e = c - d
        ff = e**2
        g = ff / 2.0
        g += 10.0 / ff
        return g

    assert gradcheck(f, [-4.0, 2.0])
    a, b = Value(-4.0), Value(2.0)
    g = f(a, b)
    g.backward()
    assert g.data == pytest.approx(24.70408163265306, rel=1e-12)  # the tutorial's reference value
    assert a.grad == pytest.approx(138.83381924198252, rel=1e-12)
    assert b.grad == pytest.approx(645.5772594752186, rel=1e-12)


# ---------------------------------------------------------------- every op against central differences

finite = st.floats(-3, 3, allow_nan=False, allow_infinity=False)
positive = st.floats(0.1, 4, allow_nan=False)
away_from_zero = st.one_of(st.floats(-3, -0.1), st.floats(0.1, 3))

UNARY = {
    "neg": (lambda x: -x, finite),
    "exp": (lambda x: x.exp(), finite),
    "log": (lambda x: x.log(), positive),
    "tanh": (lambda x: x.tanh(), finite),
    "sin": (lambda x: x.sin(), finite),
    "cos": (lambda x: x.cos(), finite),
    "sigmoid": (lambda x: x.sigmoid(), finite),
    "relu": (lambda x: x.relu(), away_from_zero),
    "abs": (lambda x: x.abs(), away_from_zero),
    "sqrt": (lambda x: x.sqrt(), positive),
    "reciprocal": (lambda x: x.reciprocal(), away_from_zero),
    "pow_const": (lambda x: x**3, finite),
    "pow_frac": (lambda x: x**0.5, positive),
    "rpow": (lambda x: 2.0**x, finite),
    "radd": (lambda x: 2 + x, finite),
    "rsub": (lambda x: 1 - x, finite),
    "rmul": (lambda x: 2 * x, finite),
    "rdiv": (lambda x: 2 / x, away_from_zero),
    "div_const": (lambda x: x / 4, finite),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_op_gradcheck(name):
    fn, strategy = UNARY[name]

    @settings(max_examples=30, deadline=None)
    @given(strategy)
    def check(x):
        result = gradcheck(fn, [x])
        assert result, str(result)

    check()


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "max": lambda a, b: a.max(b),
    "min": lambda a, b: a.min(b),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=40, deadline=None)
@given(a=finite, b=finite)
def test_binary_op_gradcheck(name, a, b):
    if name == "div":
        assume(abs(b) > 0.1)
    if name == "pow":
        a = abs(a) + 0.1  # a real-valued power needs a positive base
    if name in ("max", "min"):
        assume(abs(a - b) > 1e-3)  # away from the kink
    result = gradcheck(BINARY[name], [a, b])
    assert result, str(result)


@settings(max_examples=40, deadline=None)
@given(st.lists(finite, min_size=3, max_size=3))
def test_composite_expression_gradcheck(xs):
    assume(abs(xs[0]) > 1e-3)  # |a| has a kink at 0

    def f(a, b, c):
        return ((a * b).tanh() + (c * c + 1).log() - (b - c).sigmoid() * a.exp()) / (1 + a.abs())

    result = gradcheck(f, xs)
    assert result, str(result)


def test_gradcheck_reports_a_wrong_gradient():
    @RULES.rule("wrong square")
    def wrong(out, upstream):  # wrong on purpose: the true local is 2x
        return (1.0 * upstream,)

    def f(x):
        return Value(x.data * x.data, (x,), "wrong square")  # a hand-made node: its op names its rule

    try:
        result = gradcheck(f, [3.0])
    finally:
        del RULES["wrong square"]
    assert not result
    assert result.worst == 0
    assert "MISMATCH" in str(result)
    assert result.analytic[0] == 1.0 and result.numeric[0] == pytest.approx(6.0)


# ---------------------------------------------------------------- conventions at edge points


INF, NAN = math.inf, math.nan
# (f, x, f(x), df/dx at x): the IEEE value and the gradient PyTorch gives (float64), the derivative's own formula
EDGE_POINTS = [
    (lambda x: x / 0, 1.0, INF, INF),  # d(x/0)/dx = 1/0
    (lambda x: x / 0, -1.0, -INF, INF),
    (lambda x: x / Value(-0.0), 1.0, -INF, -INF),  # 1/(-0.0)
    (lambda x: x / 0, 0.0, NAN, INF),
    (lambda x: x.reciprocal(), 0.0, INF, -INF),  # -1/x², x² = +0
    (lambda x: x.reciprocal(), -0.0, -INF, -INF),
    (lambda x: x.log(), 0.0, -INF, INF),  # 1/x
    (lambda x: x.log(), -1.0, NAN, -1.0),  # 1/x is defined where log is not: PyTorch's answer
    (lambda x: x.exp(), 1000.0, INF, INF),  # exp(x)
    (lambda x: x.exp(), -1000.0, 0.0, 0.0),
    (lambda x: x**0.5, -1.0, NAN, NAN),  # 0.5/sqrt(x)
    (lambda x: x**-1, 0.0, INF, -INF),  # -1/x²
    (lambda x: x**1000, 10.0, INF, INF),  # 1000·x**999
    (lambda x: x.sqrt(), -1.0, NAN, NAN),
    (lambda x: x.sigmoid(), -1000.0, 0.0, 0.0),  # σ(1 - σ)
    (lambda x: x.sigmoid(), 1000.0, 1.0, 0.0),
    (lambda x: x.max(1), NAN, NAN, 1.0),  # a nan wins the gate, and takes the gradient
    (lambda x: x.max(NAN), 1.0, NAN, 1.0),  # PyTorch's maximum sends it to the first input then
    (lambda x: x.min(1), NAN, NAN, 1.0),
    (lambda x: x.min(NAN), 1.0, NAN, 1.0),
    (lambda x: x.relu(), NAN, NAN, 1.0),  # relu passes the gradient at nan (its mask is not x <= 0)
]
EDGE_IDS = [f"case{k}" for k in range(len(EDGE_POINTS))]


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("f, x, value, gradient", EDGE_POINTS, ids=EDGE_IDS)
def test_ieee_results_never_exceptions(f, x, value, gradient):
    v = Value(x)
    out = f(v)
    assert type(out.data) is float
    assert _same(out.data, value), out.data
    out.backward()  # the backward pass must not raise either, and gives PyTorch's gradient
    assert type(v.grad) is float and _same(v.grad, gradient), v.grad


@pytest.mark.torch
@pytest.mark.parametrize("f, x, value, gradient", EDGE_POINTS, ids=EDGE_IDS)
def test_the_edge_points_value_and_gradient_are_pytorchs(f, x, value, gradient):
    """The table above against PyTorch itself (float64): the same op on a tensor, the same backward()."""
    torch = pytest.importorskip("torch", reason="compares with PyTorch: pip install -e '.[test,torch]'")

    class Tensor0d:  # the Value methods the table calls, on a 0-d torch tensor
        def __init__(self, t):
            self.t = t

        def __truediv__(self, other):
            return self.t / (other.data if isinstance(other, Value) else float(other))

        def __pow__(self, n):
            return self.t**n

        def reciprocal(self):
            return self.t.reciprocal()

        def log(self):
            return self.t.log()

        def exp(self):
            return self.t.exp()

        def sqrt(self):
            return self.t.sqrt()

        def sigmoid(self):
            return self.t.sigmoid()

        def relu(self):
            return self.t.relu()

        def max(self, other):
            return torch.maximum(self.t, torch.tensor(float(other), dtype=torch.float64))

        def min(self, other):
            return torch.minimum(self.t, torch.tensor(float(other), dtype=torch.float64))

    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = f(Tensor0d(t))
    out.backward()
    assert _same(out.item(), value) and _same(t.grad.item(), gradient)


def _grad_at(fn, x):
    v = Value(x)
    fn(v).backward()
    return v.grad


def test_non_differentiable_points():
    assert _grad_at(lambda v: v.relu(), 0.0) == 0.0
    assert _grad_at(lambda v: v.abs(), 0.0) == 0.0
    assert _grad_at(lambda v: v.sqrt(), 0.0) == math.inf
    assert _grad_at(lambda v: v**0, 0.0) == 0.0
    assert _grad_at(lambda v: v**0, 5.0) == 0.0
    assert _grad_at(lambda v: v**0.5, 0.0) == math.inf
    assert _grad_at(lambda v: v.log(), 0.0) == math.inf
    assert _grad_at(lambda v: v.reciprocal(), 0.0) == -math.inf
    assert _grad_at(lambda v: v.abs(), -2.0) == -1.0


def test_max_min_ties_split_the_gradient():
    for gate in ("max", "min"):
        a, b = Value(2.0), Value(2.0)
        getattr(a, gate)(b).backward()
        assert (a.grad, b.grad) == (0.5, 0.5)
    a = Value(3.0)
    a.max(3).backward()
    assert a.grad == 0.5


def test_pow_with_value_exponent():
    x, y = Value(2.0), Value(3.0)
    f = x**y
    f.backward()
    assert f.data == 8.0
    assert x.grad == 12.0  # y x^(y-1)
    assert y.grad == pytest.approx(8 * math.log(2))  # x^y log x
    x0, y0 = Value(0.0), Value(2.0)
    (x0**y0).backward()
    assert y0.grad == 0.0  # where x = 0 the exponent's gradient is 0, not nan


def test_pow_by_number_gives_the_base_only_a_gradient():
    x = Value(-1.0)
    f = x**2
    f.backward()
    assert x.grad == -2.0
    assert f.op == "**"
    exponent = f.parents[1]
    assert exponent.data == 2.0 and not exponent.requires_grad  # a constant: marked, not differentiated
    assert exponent.grad == 0.0  # (log(-1) would be nan)


@given(st.floats(allow_nan=False, width=64), st.sampled_from([0.5, -0.5, -1.0, 2.0, 3.0, -2.0, 0.0, 1.0, 1.7]))
def test_a_power_by_a_number_does_not_depend_on_whether_the_base_needs_a_gradient(x, n):
    # PyTorch's t ** n takes the same path with or without requires_grad (x**3 is x·x·x, not C's pow)
    free, constant = Value(x) ** n, Value(x, requires_grad=False) ** n
    assert free.data == constant.data or (math.isnan(free.data) and math.isnan(constant.data))
    if n == 3.0 and math.isfinite(x):
        assert constant.data == x * x * x


def test_comparisons_compare_data_and_builtin_max_works():
    a, b = Value(1.0), Value(2.0)
    assert a < b and a <= b and b > a and b >= a and a < 1.5 and not a > 1
    assert max([a, b]) is b and min(a, b) is a
    assert sorted([b, a]) == [a, b]
    with pytest.raises(TypeError):
        a < "x"  # noqa: B015


# ---------------------------------------------------------------- backward semantics


def test_leaf_grads_accumulate_interior_grads_recompute():
    x = Value(3.0)
    y = x * x
    z = y + 1
    z.backward()
    assert x.grad == 6.0 and y.grad == 1.0
    z.backward()
    assert x.grad == 12.0  # leaves accumulate
    assert y.grad == 1.0  # interior recomputed, not doubled
    x.grad = 0.0
    z.backward(seed=2.0)
    assert x.grad == 12.0 and y.grad == 2.0


def test_backward_on_a_leaf_accumulates_the_seed():
    x = Value(3.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_backward_seed_must_be_a_number():
    with pytest.raises(TypeError, match=r"backward\(seed\) takes a real number"):
        (Value(1) * 2).backward("1")


def test_no_grad_records_no_parents_and_nests():
    x = Value(2.0)
    with no_grad():
        y = x * 3 + 1
        with no_grad():
            pass
        z = y.exp()
    assert y.data == 7.0 and y.parents == () and z.parents == ()
    assert not y.requires_grad and not z.requires_grad  # as in PyTorch: made under no_grad, no gradient
    w = x * 3  # restored
    assert w.parents[0] is x and w.requires_grad
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        z.backward()
    assert x.grad == 0.0


def test_no_grad_restores_after_an_exception():
    with pytest.raises(RuntimeError):
        with no_grad():
            raise RuntimeError("boom")
    assert (Value(1) + 1).parents


def test_local_grads_are_the_rules_backward_uses():
    x, y = Value(3.0), Value(-2.0)
    p = x * y
    assert local_grads(p) == (-2.0, 3.0)
    assert local_grads(x) == ()


def test_topological_order_puts_parents_first():
    a = Value(1.0)
    b = a * 2
    c = a + b  # c's parents (a, b) with a also a parent of b
    d = c * b
    order = topological_order(d)
    index = {id(v): i for i, v in enumerate(order)}
    assert order[-1] is d
    for v in order:
        for p in v.parents:
            assert index[id(p)] < index[id(v)]
    assert len(order) == len({id(v) for v in order})


# ---------------------------------------------------------------- deep and wide graphs


@pytest.mark.slow
def test_deep_chain_of_a_million_nodes():
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0  # each step: one op node and one constant
    y.backward()
    assert x.grad == 1.0
    assert y.data == 1_000_001.0
    del y  # dropping a deep chain must not overflow the C stack either


def test_sum_over_100000_values():
    xs = [Value(float(i)) for i in range(100_000)]
    total = sum(xs)
    total.backward()
    assert total.data == sum(range(100_000))
    assert all(x.grad == 1.0 for x in xs)
    assert sys.getrecursionlimit() <= 100_000  # nothing raised the recursion limit for us


# ---------------------------------------------------------------- memory: no cycles, bytes per node


def _graph(n: int) -> Value:
    xs = [Value(float(i % 7) / 7) for i in range(8)]
    acc = xs[0]
    for i in range(n // 2):
        acc = acc * xs[i % 8] + xs[(i + 3) % 8]
    return acc


def test_dropped_graph_leaves_no_cycles():
    gc.collect()
    gc.disable()
    try:
        root = _graph(10_000)
        root.backward()
        del root
        found = gc.collect()
    finally:
        gc.enable()
    assert found == 0


@pytest.mark.slow
def test_at_most_300_bytes_per_node():
    n = 200_000
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root = _graph(n)
    root.backward()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    nodes = len(topological_order(root))
    assert nodes >= n
    per_node = (after - before) / nodes
    assert per_node <= 300, per_node


# ---------------------------------------------------------------- bad input and numbers


@pytest.mark.parametrize("bad", ["abc", None, [1], 1 + 2j, object(), np.array([1.0, 2.0])])
def test_value_rejects_non_numbers(bad):
    with pytest.raises(TypeError, match=r"Value.*" + type(bad).__name__):
        Value(bad)


@pytest.mark.parametrize("bad", ["a", None, [1], 1j])
def test_ops_reject_non_numbers(bad):
    x = Value(1.0)
    for op in (
        lambda: x + bad,
        lambda: bad + x,
        lambda: x * bad,
        lambda: x - bad,
        lambda: x / bad,
        lambda: x**bad,
        lambda: x.max(bad),
    ):
        with pytest.raises(TypeError):
            op()


def test_ints_bools_and_numpy_scalars_become_floats():
    for given_ in (3, True, np.int64(3), np.float32(2.5), np.float64(2.0)):
        v = Value(given_)
        assert type(v.data) is float and v.data == float(given_)
        assert type(v.grad) is float
    x = Value(3.0)
    for result, expected in (
        (np.float64(2) * x, 6.0),
        (-np.int64(1) * x, -3.0),
        (np.int64(2) + x, 5.0),
        (np.float64(1) - x, -2.0),
        (np.float64(6) / x, 2.0),
    ):
        assert isinstance(result, Value) and result.data == expected
        assert type(result.data) is float


def test_label_is_settable_and_shown():
    v = Value(2.0, label="x")
    v.label = "f"
    assert v.label == "f" and "f" in repr(v)


def test_tutorial_constructor_signature():
    a, b = Value(1.0), Value(2.0)
    c = Value(3.0, (a, b), "+")
    assert c._prev == (a, b) and c._op == "+"  # the tutorial's names, kept as aliases
    assert c.parents == (a, b) and c.op == "+"
    assert "data=3.0" in repr(c)
