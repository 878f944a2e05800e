"""Both engines against PyTorch (float64) at the edges: selection, overflow order, signed zeros, nan.

The cases the hardening issue reproduced, each checked in both engines against the number
PyTorch gives (written down here, so these run without torch), then the random-graph
comparison with PyTorch itself (:mod:`parity`), which needs the ``torch`` test extra.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

from micrograd import Tensor, Value

INF, NAN = math.inf, math.nan
ENGINES = {"Value": Value, "Tensor": Tensor}


def leaf(engine: str, x: float):
    return ENGINES[engine](x)


def number(x) -> float:
    return float(x.data) if isinstance(x, Value) else float(np.asarray(x.data if isinstance(x, Tensor) else x))


def grad(x) -> float:
    return float(x.grad) if isinstance(x, Value) else float(np.asarray(x.grad))


def same_float(a: float, b: float) -> bool:
    """Equal, nan to nan, and zeros of the same sign."""
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))


both = pytest.mark.parametrize("engine", ENGINES)


# ---------------------------------------------------------------- 1. a stopped wire carries exactly 0


@both
def test_relu_stops_an_infinite_gradient(engine):
    x = leaf(engine, -1.0)
    x.relu().sqrt().backward()  # sqrt'(0) = inf arrives at relu, whose wire to x is stopped
    assert same_float(grad(x), 0.0)


def gate(name: str, a, b):
    """``max(a, b)`` or ``min(a, b)``: ``a.max(b)`` for Values, ``a.maximum(b)`` for Tensors."""
    return getattr(a, name if isinstance(a, Value) else {"max": "maximum", "min": "minimum"}[name])(b)


@both
@pytest.mark.parametrize(("name", "loser"), [("max", -1.0), ("min", 1.0)])
def test_the_losing_side_of_a_gate_gets_exactly_zero(engine, name, loser):
    x, w = leaf(engine, 0.0), leaf(engine, loser)  # the CLI's "log(max(x,w))" x=0 w=-1
    gate(name, x, w).log().backward()  # log'(0) = inf arrives at the gate
    assert grad(x) == INF and same_float(grad(w), 0.0)


@both
def test_a_zeroth_power_passes_nothing_back_to_its_base(engine):
    x = leaf(engine, 3.0)
    ((x**0.0) * leaf(engine, INF)).backward()  # an inf upstream reaches x**0, which is constant in x
    assert same_float(grad(x), 0.0)


# ---------------------------------------------------------------- 2. PyTorch's formulas: no early overflow


@both
def test_log_gradient_is_upstream_over_x(engine):
    x = leaf(engine, 1e-310)
    (x.log() * 1e-10).backward()  # 1e-10 / 1e-310 ≈ 1e300 (PyTorch's answer); (1/1e-310) × 1e-10 overflowed to inf
    assert grad(x) == 1e-10 / 1e-310


@both
def test_dividing_by_a_subnormal(engine):
    a, b = leaf(engine, 1.0), leaf(engine, 1e-310)
    (a / b * 1e-10).backward()
    assert grad(a) == 1e-10 / 1e-310


@both
def test_tanh_gradient_stays_accurate_as_tanh_nears_one(engine):
    """1 - y² for the y the forward pass gave, to a few last bits (PyTorch rounds it once, with a
    fused multiply-add); the textbook 1 - y·y is off by up to 4e-9 of itself for y near ±1."""
    for x_value in np.linspace(0.1, 18.0, 300):
        x = leaf(engine, float(x_value))
        y = x.tanh()
        y.backward()
        exact = float(1 - Fraction(number(y)) ** 2)
        assert abs(grad(x) - exact) <= 4 * math.ulp(exact), x_value


# ---------------------------------------------------------------- 3. signed zeros and nan


@both
def test_relu_of_negative_zero_is_negative_zero(engine):
    assert same_float(number(leaf(engine, -0.0).relu()), -0.0)
    assert number(leaf(engine, -0.0).relu().reciprocal()) == -INF  # the sign shows in 1/relu(x)


@both
def test_relu_passes_the_gradient_at_nan(engine):
    x = leaf(engine, NAN)
    x.relu().backward()
    assert grad(x) == 1.0


@both
def test_abs_gradient_at_nan_is_zero(engine):
    x = leaf(engine, NAN)
    abs(x).backward()
    assert same_float(grad(x), 0.0)


@both
def test_powers_of_negative_zero_and_infinity_follow_c(engine):
    """To a power that is a node needing a gradient, PyTorch's pow(t, s) is C's pow."""
    assert same_float(number(leaf(engine, -0.0) ** leaf(engine, 0.5)), 0.0)
    assert number(leaf(engine, -INF) ** leaf(engine, 0.5)) == INF
    assert same_float(number(leaf(engine, -0.0) ** 3.0), -0.0)
    assert math.isnan(number(leaf(engine, -1e300) ** 1.875))  # overflowing, but a fractional power of a negative


# PyTorch's numbers for t ** n, n a Python number (sqrt for 0.5, rsqrt for -0.5, 1/(x·x) for -2, ...):
# (x, n, x ** n, d(x ** n)/dx), from torch 2.13 in float64
NUMBER_POWERS = [
    (-0.0, 0.5, -0.0, -INF),
    (-INF, 0.5, NAN, NAN),
    (-0.0, -0.5, -INF, -INF),
    (-INF, -0.5, NAN, -0.0),
    (1e160, -2.0, 0.0, -0.0),
    (1e160, -1.0, 1e-160, -0.0),  # the gradient -1·x**-2 through 1/(x·x): 0, not -1e-320
    (-0.0, 1.5, 0.0, -0.0),  # the gradient 1.5·x**0.5 is 1.5·sqrt(-0.0)
    (-INF, 1.5, INF, NAN),
    (3.0, -0.5, 0.5773502691896258, -0.09622504486493763),  # 1/sqrt(3), not pow(3, -0.5) = ...257
]


@both
@pytest.mark.parametrize(("x", "n", "value", "gradient"), NUMBER_POWERS)
def test_a_power_that_is_a_number_is_pytorchs(engine, x, n, value, gradient):
    base = ENGINES[engine](x)
    out = base**n
    out.backward()
    assert same_float(number(out), value)
    assert same_float(grad(base), gradient) or (engine == "Value" and same_float(grad(base), 0.0 + gradient))


# c / t in PyTorch is t.reciprocal() * c: (c, x, c / x, d(c / x)/dx), from torch 2.13 in float64
NUMBER_OVER = [
    (0.0, 5e-324, NAN, NAN),  # 1/5e-324 is inf, and inf·0 nan
    (1e-160, 1e-310, INF, -INF),  # 1/1e-310 overflows
    (2.0, 3.0, 0.6666666666666666, -0.2222222222222222),
]


@both
@pytest.mark.parametrize(("c", "x", "value", "gradient"), NUMBER_OVER)
def test_a_number_over_a_node_is_pytorchs(engine, c, x, value, gradient):
    below = ENGINES[engine](x)
    out = c / below
    out.backward()
    assert same_float(number(out), value) and same_float(grad(below), gradient)


@both
def test_exponent_gradient_at_zero_base(engine):
    """∂(x**y)/∂y = x**y·log(x) is taken as 0 at x = 0 for y ≥ 0 only; for y < 0 it is inf·-inf."""
    for y_value, expected in ((2.0, 0.0), (0.0, 0.0), (-1.0, -INF)):
        x, y = leaf(engine, 0.0), leaf(engine, y_value)
        (x**y).backward()
        assert same_float(grad(y), expected), y_value


def test_max_and_min_of_tied_signed_zeros_return_the_first_input():
    assert same_float(Value(-0.0).max(0.0).data, -0.0) and same_float(Value(0.0).max(-0.0).data, 0.0)
    assert same_float(number(Tensor(-0.0).maximum(0.0)), -0.0) and same_float(number(Tensor(0.0).minimum(-0.0)), 0.0)


# ---------------------------------------------------------------- 5. no warnings, big integers


def test_tensor_arithmetic_emits_no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (Tensor([1e308]) + Tensor([1e308])).data[0] == INF
        assert math.isnan((Tensor([INF]) - Tensor([INF])).data[0])
        assert Tensor([1e308, 1e308]).sum().item() == INF
        assert Tensor([-1e308]).maximum(Tensor([NAN])).data[0] != 0  # nan, quietly


def test_integers_beyond_a_float_round_to_infinity():
    assert Value(10**400).data == INF and Value(-(10**400)).data == -INF
    assert (Value(2.0) * 10**400).data == INF
    assert Tensor(2**64).item() == 2.0**64
    np.testing.assert_array_equal(Tensor([1, 10**400, -(10**400)]).data, [1.0, INF, -INF])
    with pytest.raises(TypeError, match="real numbers"):
        Tensor(["1"])


# ---------------------------------------------------------------- 4. the random graphs, against PyTorch itself


@pytest.mark.torch
@pytest.mark.slow
def test_both_engines_agree_with_pytorch_on_20000_random_graphs():
    torch = pytest.importorskip(
        "torch", reason="compares with PyTorch: install the optional extra, pip install -e '.[test,torch]'"
    )
    from parity import parity

    report = parity(20000, seed=1, torch=torch)
    print(report)
    assert not report.mismatches, str(report)
    # it really compared (seed 1: 220,188 values, 121,538 wires, 76,460 leaf gradients in 25,851 whole runs)
    assert report.values > 200_000 and report.wires > 100_000 and report.whole > 25_000 and report.leaves > 70_000


@pytest.mark.torch
@pytest.mark.slow
def test_second_derivatives_agree_with_pytorchs_double_backward_on_5000_random_graphs():
    torch = pytest.importorskip(
        "torch", reason="compares with PyTorch: install the optional extra, pip install -e '.[test,torch]'"
    )
    from parity import second_order_parity, second_order_summary

    report = second_order_parity(5000, seed=1, torch=torch)
    print(second_order_summary(report))
    assert not report.mismatches, "\n".join([second_order_summary(report), *report.mismatches[:10]])
    assert report.values > 20_000 and report.wires > 50_000  # it really compared
