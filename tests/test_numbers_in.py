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

from micrograd import Value

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
