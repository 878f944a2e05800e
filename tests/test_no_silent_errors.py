"""No silent wrong answers (issue 20, item 4): each of these failed on the code before.

An op with no rule, ``out._backward = ...``, a Value or an array stored into ``.data``, and
``math.exp(x)`` on a node that needs a gradient: each is an error where it happens, naming the
fix; what users rely on (``loss.data``, printing a loss, numbers of constants) keeps working.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from micrograd import Value, no_grad
from micrograd.engine import RULES, rule

X0 = 0.5
DEZERO_GRAD = 3.297442541400256  # DeZero's square -> exp -> square at 0.5


def test_a_node_whose_op_has_no_rule_is_an_error_where_it_is_made() -> None:
    x = Value(3.0)
    with pytest.raises(ValueError, match=r"no op named 'square' has a rule.*micrograd.op\('square'\).*Function"):
        Value(x.data**2, (x,), "square")  # before: made, and backward() left x.grad at 0.0
    with pytest.raises(ValueError, match="no op named '' has a rule"):
        Value(5.0, (x, x))  # children and no op at all
    with pytest.raises(TypeError, match="children must be Values"):
        Value(5.0, (3.0,), "+")


def test_a_node_made_by_hand_under_no_grad_records_no_parents() -> None:
    x = Value(3.0)
    with no_grad():
        y = Value(6.0, (x, x), "+")
    assert y.parents == () and not y.requires_grad  # as every op under no_grad
    assert Value(6.0, (x, x), "+").parents == (x, x)


def test_assigning_backward_says_how_to_define_an_op() -> None:
    x = Value(2.0)
    out = x * x
    with pytest.raises(AttributeError, match=r"micrograd\.Function.*@micrograd\.op"):
        out._backward = lambda: None  # the video's closure; before: "attribute '_backward' is read-only"
    x2 = Value(2.0)
    y = x2 * x2
    y.grad = 1.0
    y._backward()  # the manual walk still works
    assert x2.grad == 4.0


@pytest.mark.parametrize("bad", [Value(0.5), np.array([0.5]), np.array(0.5)], ids=["Value", "array", "0-d array"])
def test_data_takes_only_real_numbers_and_names_the_fix(bad: object) -> None:
    p = Value(1.0)
    with pytest.raises(TypeError, match=r"p\.data -= lr \* p\.grad"):
        p.data = bad  # type: ignore[assignment]
    assert p.data == 1.0
    p.data = np.float64(0.25)  # a numpy scalar is a number
    assert type(p.data) is float and p.data == 0.25


def test_the_training_step_mistake_is_caught() -> None:
    p = Value(1.0)
    loss = p * p
    loss.backward()
    with pytest.raises(TypeError, match=r"p\.data -= lr \* p\.grad"):
        p.data -= 0.1 * p  # type: ignore[assignment]
    p.data -= 0.1 * p.grad
    assert p.data == pytest.approx(0.8)


@pytest.mark.parametrize("fn", [math.exp, math.tanh, math.log, math.sin, math.sqrt, float], ids=lambda f: f.__name__)
def test_math_functions_on_a_node_that_needs_a_gradient_refuse_with_the_fix(fn) -> None:  # type: ignore[no-untyped-def]
    x = Value(0.5, label="x")
    with pytest.raises(TypeError, match=r"cuts the graph.*x\.exp\(\).*x\.item\(\) or x\.data"):
        fn(x) * x  # before: a float, and x.grad 2.718 instead of 5.437
    assert x.exp().data * 1.0 == math.exp(0.5)


def test_math_exp_times_x_is_not_silently_wrong() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError):
        y = math.exp(x) * x
    y = x.exp() * x
    y.backward()
    assert x.grad == pytest.approx(2 * math.e)  # d(x·eˣ)/dx = (1 + x)eˣ = 5.437 at 1


def test_numbers_of_values_still_work_where_nothing_is_cut() -> None:
    loss = Value(0.5) * Value(3.0)
    assert loss.data == 1.5 and loss.item() == 1.5
    assert "1.5" in repr(loss) and "1.5" in str(loss) and f"{loss:.3f}" == "1.500"
    c = Value(2.0, requires_grad=False)
    assert float(c) == 2.0 and math.exp(c) == math.exp(2.0)  # a constant: its number
    with no_grad():
        assert float(loss) == 1.5 and math.exp(Value(0.0)) == 1.0  # nothing is recorded: nothing to cut
    assert np.array([loss.data, c.data]).tolist() == [1.5, 2.0]


def test_a_rule_written_with_math_exp_is_refused_under_create_graph_not_wrong() -> None:
    """The issue's case: a rule with math.exp of its input gave 9.89 for the second derivative, not 13.19."""

    @rule("exp by math")
    def exp_rule(out, upstream):  # type: ignore[no-untyped-def]
        return (upstream * math.exp(out.parents[0].data),)

    try:
        x = Value(X0)
        a = x * x
        b = Value(math.exp(a.data), (a,), "exp by math")
        y = b * b
        y.backward()
        assert x.grad == DEZERO_GRAD  # first order: numbers
        with pytest.raises(TypeError, match="cuts the graph"):
            y.backward(create_graph=True)
    finally:
        del RULES["exp by math"]
