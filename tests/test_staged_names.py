"""Names in staged code are the names Python reads: it normalises identifiers (NFKC) when it compiles.

``ｘ`` and ``x`` are one variable to Python, ``ﬁ`` is ``fi`` and ``ｅｘｐ`` is the helper ``exp``:
labels that Python would take for one name must not meet in the code (they would give wrong
numbers, a SyntaxError or a call of a float), and the function's own name is checked before
it goes into the source. The command line binds ``ｘ=3`` to the formula's ``ｘ``.
"""

from __future__ import annotations

import os
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd import Value, staged
from micrograd.cli import main
from micrograd.cli.expr import ExprError, build
from micrograd.core import reading_order


def backward_numbers(f: Value) -> tuple[float, tuple[float, ...]]:
    """``f``'s value and its inputs' gradients by backward(), in the order staged code returns them."""
    f.backward()
    inputs = [v for v in reading_order(f) if not v.parents and v.requires_grad]
    return f.data, tuple(0.0 + v.grad for v in inputs)


def test_a_label_that_normalises_to_another_is_another_variable():
    x = Value(2.0, label="x")
    q = x * x
    q.label = "\uff58"  # ｘ, which Python reads as x
    f = q + x
    assert staged(f)() == backward_numbers(f) == (6.0, (5.0,))


@pytest.mark.parametrize(("first", "second"), [("x", "\U0001d431"), ("fi", "\ufb01"), ("\u212b", "\u00c5")])
def test_two_inputs_python_reads_as_one_name_stay_two_arguments(first, second):
    x, y = Value(2.0, label=first), Value(3.0, label=second)
    f = x * y + x
    code = staged(f)
    assert len(set(code.arguments)) == 2
    assert code() == backward_numbers(f) == (8.0, (4.0, 2.0))


@pytest.mark.parametrize(
    ("label", "op"),
    [
        ("\uff45\uff58\uff50", lambda v: v.exp()),  # ｅｘｐ: exp(x)
        ("\uff4d\uff41\uff58", lambda v: v.relu()),  # ｍａｘ: relu is max(x, 0.0)
        ("\uff44\uff49\uff56", lambda v: 1.0 / v),  # ｄｉｖ: div(1.0, x)
        ("\uff50\uff4f\uff57\uff45\uff52", lambda v: v**1.5),  # ｐｏｗｅｒ
    ],
)
def test_a_label_that_normalises_to_a_helper_does_not_hide_it(label, op):
    x = Value(0.5, label=label)
    f = op(x)
    assert staged(f)() == backward_numbers(f)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=4), min_size=4, max_size=4))
def test_staged_code_of_any_labels_runs_and_gives_backwards_numbers(labels):
    a, b, c = (Value(v, label=s) for v, s in zip((1.5, -2.0, 0.25), labels, strict=False))
    q = a * b
    q.label = labels[3]
    f = (q + c).tanh() * a
    code = staged(f)
    assert all(unicodedata.normalize("NFKC", n) == n and n.isidentifier() for n in code.arguments)
    assert code() == backward_numbers(f)


@pytest.mark.parametrize(
    "name",
    ["x(): pass\nimport os\nos.environ['MICROGRAD_STAGED_NAME_RAN'] = '1'\ndef y", "two words", "", "1st", "None", 3],
)
def test_the_functions_name_must_be_an_identifier(name):
    with pytest.raises(ValueError, match="name must be a Python identifier"):
        staged(Value(2.0) * Value(3.0), name=name)
    assert "MICROGRAD_STAGED_NAME_RAN" not in os.environ  # nothing ran


@pytest.mark.parametrize("name", ["div", "\uff45\uff58\uff50", "max"])
def test_the_functions_name_must_not_hide_a_name_the_code_uses(name):
    with pytest.raises(ValueError, match="name the staged code uses"):
        staged(Value(2.0) * Value(3.0), name=name)


def test_a_function_name_python_normalises_is_the_name_it_defines():
    x = Value(2.0, label="x")
    code = staged(x * x, name="\uff46")  # ｆ, defined by Python as f
    assert code.name == "f" and code() == (4.0, (4.0,))


# ---------------------------------------------------------------- the command line's name=value bindings


def test_the_command_line_binds_a_name_as_the_formula_reads_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["draw", "\uff58*2", "\uff58=3"]) == 0
    rows = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines() if line.strip()}
    assert rows["f"] == ["6"] and rows["x"] == ["3", "2"]  # the formula's ｘ is x, bound to 3
    assert main(["draw", "x*2", "\uff58=3", "x=2"]) == 2
    assert "given twice" in capsys.readouterr().err


def test_build_takes_names_as_the_formula_reads_them():
    assert build("\uff58*2", **{"\uff58": 3.0}).data == 6.0
    with pytest.raises(ExprError, match="given twice"):
        build("x*2", **{"x": 1.0, "\uff58": 3.0})
