"""Every way a number enters the scalar engine makes it a Python float, or refuses it, the same way.

``Value()``, ``.data =``, the arguments of staged code, the parameters a compiled replay reads
and gradcheck's inputs: a numpy scalar kept as it came would make ``power()`` nan and the
arithmetic float32; a string or a Decimal is refused with the same TypeError everywhere.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import micrograd
from micrograd import Value, floats, gradcheck, staged

NUMBERS = [
    3,
    True,
    np.bool_(True),
    np.int64(3),
    np.float32(0.1),
    np.float64(2.5),
    Fraction(1, 3),
]
NOT_NUMBERS = ["2.0", Decimal("1.5"), None, 1j, [1.0], Value(1.0)]


def same(a: float, b: float) -> bool:
    """The same float bit for bit (0.0 and -0.0 differ), any nan equal to any nan."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


# ---------------------------------------------------------------- Value() and .data =


@pytest.mark.parametrize("number", NUMBERS, ids=repr)
def test_value_and_data_make_every_real_number_a_python_float(number):
    made = Value(number)
    stored = Value(0.0)
    stored.data = number
    for v in (made, stored):
        assert type(v.data) is float and v.data == float(number)


def test_a_numpy_bool_is_a_number_as_true_is():
    assert Value(np.bool_(True)).data == Value(True).data == 1.0
    assert (Value(2.0) * np.bool_(False)).data == (Value(2.0) * False).data == 0.0


@pytest.mark.parametrize("bad", NOT_NUMBERS, ids=repr)
def test_data_refuses_what_value_refuses_and_keeps_its_number(bad):
    with pytest.raises(TypeError, match=r"Value\(\) takes a real number.*" + type(bad).__name__):
        Value(bad)
    v = Value(1.5)
    with pytest.raises(TypeError, match=r"Value\.data takes a real number.*" + type(bad).__name__):
        v.data = bad
    assert v.data == 1.5  # nothing half-done


def test_an_int_beyond_floats_range_is_infinite_both_ways():
    v = Value(0.0)
    v.data = -(10**400)
    assert Value(10**400).data == math.inf and v.data == -math.inf


def test_a_float32_stored_in_data_computes_in_float64():
    p = Value(1.0)
    p.data = np.float32(0.1)
    out = p * 3.0 + 1e-12
    assert type(out.data) is float
    assert out.data == float(np.float32(0.1)) * 3.0 + 1e-12  # float32 arithmetic would lose the 1e-12


def test_the_tutorial_update_keeps_data_a_float_with_a_numpy_learning_rate():
    p = Value(0.5)
    (p * p).backward()
    update = -np.float32(0.1) * p.grad
    p.data += update
    assert type(p.data) is float and p.data == float(0.5 + update)  # numpy's sum, then a float from there on


# ---------------------------------------------------------------- floats.power and staged code


@pytest.mark.parametrize("kind", [np.float64, np.float32, np.int64, int], ids=lambda t: t.__name__)
def test_power_of_numpy_scalars_is_the_power_of_their_floats(kind):
    for x, y in ((2, 3), (3, 2), (0, -1), (4, 0)):
        for got, expected in (
            (floats.power(kind(x), float(y)), floats.power(float(x), float(y))),
            (floats.power(float(x), kind(y)), floats.power(float(x), float(y))),
        ):
            assert type(got) is float and same(got, expected)


def test_staged_code_called_on_numpy_scalars_gives_what_it_gives_on_floats():
    code = staged(Value(2.0) ** 3.0)
    for number in (np.float64(2.0), np.float32(2.0), np.int64(2)):
        value, (grad,) = code(number)
        assert (value, (grad,)) == code(2.0) == (8.0, (12.0,))
        assert type(value) is float and type(grad) is float


def test_staged_code_refuses_what_value_refuses():
    x = Value(2.0, label="x")
    code = staged(x * x)
    with pytest.raises(TypeError, match=r"argument 'x' takes a real number.*Decimal"):
        code(Decimal("2"))
    with pytest.raises(TypeError, match=r"takes 1 arguments"):
        code(1.0, 2.0)


# ---------------------------------------------------------------- compiled replays


def fresh(w: float) -> tuple[float, float]:
    """(w - 2)² and its gradient from a graph built anew at ``w``."""
    v = Value(w)
    out = (v - 2.0) ** 2.0
    out.backward()
    return out.data, v.grad


def test_a_replay_after_a_numpy_update_gives_the_fresh_graphs_numbers():
    w = Value(0.5)
    step = micrograd.compile(lambda: (w - 2.0) ** 2.0, [w])
    w.data = w.data - np.float64(0.1) * 3.0
    w.grad = 0.0
    loss = step()
    assert (loss, w.grad) == fresh(w.data)
    assert not math.isnan(loss) and type(w.grad) is float


def test_a_replay_into_a_grad_of_none_does_what_backward_does():
    def parameters() -> list[Value]:
        w, u, unused = Value(0.5), Value(1.0), Value(3.0)
        for p in (w, u, unused):
            p.grad = None
        return [w, u, unused]

    def loss(w: Value, u: Value) -> Value:
        return w * -0.0 + u * u  # w's gradient is -0.0: None + (-0.0) must stay -0.0

    replayed = parameters()
    step = micrograd.compile(lambda: loss(*replayed[:2]), replayed)
    by_backward = parameters()
    loss(*by_backward[:2]).backward()
    assert step() == 1.0
    assert by_backward[2].grad is None and replayed[2].grad is None  # fn() does not use it
    for r, b in zip(replayed[:2], by_backward[:2], strict=True):
        assert same(r.grad, b.grad)
    assert math.copysign(1.0, replayed[0].grad) == -1.0


# ---------------------------------------------------------------- gradcheck's inputs


@pytest.mark.parametrize("bad", ["2.0", Decimal("1.5")], ids=repr)
def test_gradcheck_refuses_what_value_refuses(bad):
    with pytest.raises(TypeError, match=r"gradcheck \(input 1\) takes a real number.*" + type(bad).__name__):
        gradcheck(lambda x, y: x * y, [1.0, bad])


def test_gradcheck_takes_a_huge_int_as_value_does():
    v = Value(10**400)
    (v * 2.0).backward()
    result = gradcheck(lambda x: x * 2.0, [10**400])
    assert result.analytic == (v.grad,)  # checked at inf, where Value() puts it: no OverflowError


@pytest.mark.parametrize("number", NUMBERS, ids=repr)
def test_gradcheck_takes_every_number_value_takes(number):
    assert gradcheck(lambda x: x * x, [number])
