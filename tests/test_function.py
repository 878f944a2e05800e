"""Your own ops: micrograd.Function (DeZero's and PyTorch's shape) and micrograd.op (the lighter form).

The truth is independent of the engine: DeZero's worked example (square → exp → square at 0.5),
the closed forms of its first and second derivatives, and central differences.
"""

from __future__ import annotations

import linecache
import math
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from function_ops import Exp, MulSin, Pow, Square
from svgtools import texts

import micrograd
from micrograd import Function, Value, no_grad
from micrograd.engine import RULES
from micrograd.function import FunctionValue

X0 = 0.5
DEZERO_GRAD = 3.297442541400256  # the book's answer for dy/dx at 0.5


def f(x: float) -> float:  # the closed form: y = exp(x²)² = exp(2x²)
    return math.exp(2 * x * x)


def df(x: float) -> float:  # dy/dx = 4x·exp(2x²)
    return 4 * x * math.exp(2 * x * x)


def d2f(x: float) -> float:  # d²y/dx² = (4 + 16x²)·exp(2x²)
    return (4 + 16 * x * x) * math.exp(2 * x * x)


def central(g, x: float, eps: float = 1e-5) -> float:  # type: ignore[no-untyped-def]
    return (g(x + eps) - g(x - eps)) / (2 * eps)


def dezero(x0: float = X0) -> tuple[Value, Value, Value, Value]:
    """DeZero's step 7 graph, with the user's Functions: x → A (square) → a → B (exp) → b → C (square) → y."""
    x = Value(x0, label="x")
    a = Square.apply(x)
    b = Exp.apply(a)
    y = Square.apply(b)
    a.label, b.label, y.label = "a", "b", "y"
    return x, a, b, y


# ---------------------------------------------------------------- DeZero's example, every way


def test_dezero_by_the_manual_walk_node_by_node() -> None:
    x, a, b, y = dezero()
    y.grad = 1.0  # DeZero's step 7: the seed, then each node's _backward in reverse order
    y._backward()
    b._backward()
    a._backward()
    assert x.grad == DEZERO_GRAD
    assert x.grad == pytest.approx(df(X0), rel=1e-15) and x.grad == pytest.approx(central(f, X0), rel=1e-9)


def test_dezero_by_calling_each_functions_backward_as_step_6_does() -> None:
    x, a, b, y = dezero()
    y.grad = 1.0
    b.grad = y.creator.backward(y.grad)  # C = y.creator: the Function call that made y (its ctx)
    a.grad = b.creator.backward(b.grad)
    x.grad = a.creator.backward(a.grad)
    assert x.grad == DEZERO_GRAD
    assert isinstance(y.creator, Square) and isinstance(b.creator, Exp)


def test_dezero_by_backward() -> None:
    x, a, b, y = dezero()
    assert type(y.data) is float and y.data == pytest.approx(f(X0), rel=1e-15)
    y.backward()
    assert x.grad == DEZERO_GRAD
    assert (y.op, b.op, a.op) == ("Square", "Exp", "Square") and y.parents == (b,)


def test_dezero_through_the_other_calls_dezero_and_pytorch_use() -> None:
    x = Value(X0)
    y = Square()(Exp()(Square()(x)))  # DeZero: an instance, called
    y.backward()
    assert x.grad == DEZERO_GRAD
    square = Square()  # one instance called twice keeps a context per call
    x = Value(X0)
    y = square(Exp.apply(square(x)))
    y.backward()
    assert x.grad == DEZERO_GRAD


def test_dezero_second_derivative_under_create_graph() -> None:
    x, _, _, y = dezero()
    y.backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value) and first.data == pytest.approx(df(X0), rel=1e-15)
    x.grad = 0.0
    first.backward()
    assert x.grad == pytest.approx(d2f(X0), rel=1e-14)  # 13.19, not the 9.89 of a cut graph
    assert x.grad == pytest.approx(central(df, X0), rel=1e-8)


def test_dezero_second_and_third_derivatives_by_grad_of_grad() -> None:
    x = Value(X0)
    y = Square.apply(Exp.apply(Square.apply(x)))
    (g1,) = micrograd.grad(y, x, create_graph=True)
    (g2,) = micrograd.grad(g1, x, create_graph=True)
    (g3,) = micrograd.grad(g2, x)
    assert g2.data == pytest.approx(d2f(X0), rel=1e-14)
    assert g3 == pytest.approx(central(d2f, X0), rel=1e-7)  # (48x + 64x³)·exp(2x²)
    assert micrograd.hessian(lambda v: Square.apply(Exp.apply(Square.apply(v))), [X0])[0][0] == pytest.approx(
        d2f(X0), rel=1e-14
    )


def test_dezero_passes_gradcheck_as_a_function_and_each_op_on_its_own() -> None:
    result = micrograd.gradcheck(lambda v: Square.apply(Exp.apply(Square.apply(v))), [X0])
    assert result and result.analytic[0] == DEZERO_GRAD
    for op in (Square, Exp, MulSin, Pow):
        if op is Pow:
            continue  # a Function with a setting: gradcheck of a call of it
        assert micrograd.gradcheck(op), op.__name__
    assert micrograd.gradcheck(lambda v: Pow(2.5)(v), [1.3])


def test_gradcheck_of_a_function_class_finds_a_wrong_backward_at_random_inputs() -> None:
    class WrongCube(Function):
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            ctx.save_for_backward(x)
            return x**3

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            (x,) = ctx.saved
            return upstream * 3 * x  # wrong on purpose: 3x², not 3x

    try:
        result = micrograd.gradcheck(WrongCube)
        assert not result and "MISMATCH" in str(result)
        assert result.inputs is not None and len(result.inputs) == 1  # where it failed
    finally:
        del RULES["WrongCube"]


def test_gradcheck_of_a_function_class_skips_kinks_and_points_outside_the_domain() -> None:
    class Relu(Function, name="my relu"):
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            ctx.save_for_backward(x)
            return max(x, 0.0)

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            (x,) = ctx.saved
            return upstream if x > 0 else 0.0

    class Log(Function, name="my log"):
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            ctx.save_for_backward(x)
            return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            (x,) = ctx.saved
            return upstream / x

    try:
        assert micrograd.gradcheck(Relu)  # 0 is a kink: its one-sided differences disagree, so it is not judged
        assert micrograd.gradcheck(Log)  # log is nan below 0 and -inf at 0: only where it is finite
        with pytest.raises(TypeError, match="inputs"):
            micrograd.gradcheck(Log, [1.0, 2.0])  # forward takes one input
    finally:
        del RULES["my relu"], RULES["my log"]


# ---------------------------------------------------------------- a Function's node is a gate like any other


def test_pictures_show_the_gates_by_the_functions_names() -> None:
    *_, y = dezero()
    svg = micrograd.draw(y).svg()
    assert texts(svg).count("Square") == 2 and texts(svg).count("Exp") == 1
    two = MulSin.apply(Value(2.0, label="x"), Value(0.5, label="y"))
    assert "x·sin(y)" in texts(micrograd.draw(two).svg())


def test_the_trace_explain_and_the_player_read_the_functions_rule() -> None:
    x, a, b, y = dezero()
    trace = micrograd.backward_trace(y)
    assert trace.grad(x) == DEZERO_GRAD and x.grad == 0.0  # no .grad written
    assert [w.local for w in trace.out_of(y)] == [pytest.approx(2 * b.data, rel=1e-15)]  # ∂y/∂b = 2b
    assert [w.local for w in trace.out_of(b)] == [b.data]  # ∂b/∂a = exp(a) = b
    text = str(micrograd.explain(y))
    assert "dy/da = dy/db · ∂b/∂a = 2.5681 · 1.284 = 3.2974" in text  # Exp's local: exp(a) = b
    steps = micrograd.draw_steps(y)
    assert len(steps) == 5 and "Square" in texts(steps[-1].svg())


def test_a_worksheet_hints_with_the_functions_local_formula() -> None:
    x, a, b, y = dezero()
    ws = micrograd.worksheet(y)
    box = ws.box("x")
    assert "2·x" in box.step.how  # Square's local=("2·{x}",), with the input's name filled in
    assert "exp(a)" in ws.box("a").step.how
    report = ws.check({box.number: 1.0})
    assert not report[box.number].right
    values = micrograd.worksheet(y, "values")
    b_box = next(bx for bx in values.boxes if bx.key == ("value", b))
    assert b_box.step.redo([a.data]) == b.data  # the checker redoes a Function's step with its forward


def test_compare_backward_runs_on_functions() -> None:
    *_, y = dezero()
    comparison = micrograd.compare_backward(y, "set-not-accumulate")
    assert "Square" in texts(comparison.svg())


# ---------------------------------------------------------------- staged code and compile


def test_a_function_with_code_stages_and_compiles_bit_for_bit() -> None:
    x, _, _, y = dezero()
    code = micrograd.staged(y)
    value, (dx,) = code()
    assert value == y.data and dx == DEZERO_GRAD
    w = Value(0.3)
    step = micrograd.compile(lambda: Square.apply(Exp.apply(Square.apply(w))), [w], check=True)
    loss = step()
    assert loss == pytest.approx(f(0.3), rel=1e-15) and w.grad == pytest.approx(df(0.3), rel=1e-15)


def test_a_function_without_code_is_refused_by_staged_with_what_to_do() -> None:
    from micrograd.staging import NotStageable

    with pytest.raises(NotStageable, match=r"'x·sin\(y\)' has no code.*code="):
        micrograd.staged(MulSin.apply(Value(1.0), Value(2.0)))


# ---------------------------------------------------------------- copies and pickles


def test_a_functions_node_pickles_and_copies_and_still_backpropagates() -> None:
    *_, y = dezero()
    twin = pickle.loads(pickle.dumps(y))
    assert type(twin) is FunctionValue and twin.op == "Square" and isinstance(twin.creator, Square)
    twin.backward()
    (leaf,) = [v for v in micrograd.topological_order(twin) if not v.parents]
    assert leaf.grad == DEZERO_GRAD
    import copy

    again = copy.deepcopy(y)
    again.backward()
    assert [v for v in micrograd.topological_order(again) if not v.parents][0].grad == DEZERO_GRAD


def test_a_pickle_finds_the_op_again_by_its_module_in_a_new_process(tmp_path: Path) -> None:
    *_, y = dezero()
    path = tmp_path / "graph.pickle"
    path.write_bytes(pickle.dumps(y))
    code = (
        "import pickle, sys; import micrograd; "
        f"y = pickle.loads(open({str(path)!r}, 'rb').read()); "
        "assert 'Square' in micrograd.engine.RULES; y.backward(); "
        "print([v for v in micrograd.topological_order(y) if not v.parents][0].grad)"
    )
    tests = str(Path(__file__).parent)
    env_path = [str(Path(micrograd.__file__).parent.parent), tests]
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": ":".join(env_path), "PATH": "/usr/bin:/bin"},
    )
    assert float(out.stdout) == DEZERO_GRAD


# ---------------------------------------------------------------- the contract's edges


def test_two_inputs_constants_and_none() -> None:
    x, y = Value(2.0), Value(0.5)
    z = MulSin.apply(x, y)
    z.backward()
    assert (x.grad, y.grad) == (pytest.approx(math.sin(0.5)), pytest.approx(2.0 * math.cos(0.5)))
    c = Value(3.0)
    MulSin.apply(c, 0.5).backward()  # a number is a constant: it gets no gradient, the Value does
    assert c.grad == pytest.approx(math.sin(0.5))
    assert not MulSin.apply(1.0, 2.0).requires_grad  # only constants: a constant
    with no_grad():
        assert MulSin.apply(x, y).parents == ()

    class FirstOnly(Function):
        def forward(ctx, a, b):  # type: ignore[no-untyped-def]
            return a * b

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            return upstream * 2.0, None  # None: no contribution (as PyTorch), so 0

    try:
        a, b = Value(1.0), Value(2.0)
        FirstOnly.apply(a, b).backward()
        assert (a.grad, b.grad) == (2.0, 0.0)
    finally:
        del RULES["FirstOnly"]


def test_a_setting_given_to_the_function_works_to_second_order() -> None:
    x = Value(1.5)
    y = Pow(3)(x)
    y.backward(create_graph=True)
    g = x.grad
    assert g.data == pytest.approx(3 * 1.5**2)
    x.grad = 0.0
    g.backward()
    assert x.grad == pytest.approx(6 * 1.5)


def test_bad_functions_say_what_is_wrong() -> None:
    class Two(Function):
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            return 2 * x

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            return upstream, upstream  # two contributions for one input

    class GivesValue(Function):
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            return Value(x)

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            return upstream

    try:
        with pytest.raises(ValueError, match="2 contribution.*1 input"):
            Two.apply(Value(1.0)).backward()
        with pytest.raises(TypeError, match="forward returned a Value"):
            GivesValue.apply(Value(1.0))
        with pytest.raises(TypeError, match="inputs"):
            Two.apply()
        with pytest.raises(ValueError, match="Square.apply"):
            Value(1.0, (Value(1.0),), "Square")  # a Function's node made by hand has no ctx
    finally:
        del RULES["Two"], RULES["GivesValue"]


def test_higher_order_refuses_what_would_cut_the_graph() -> None:
    class PlainNumber(Function):
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            return 3.0 * x

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            return 3.0  # a number: right at an upstream of 1 (first order, y itself), no graph to differentiate

    class Intermediate(Function):
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            ctx.e = math.exp(x)  # a number made on the way: not an input, not the output
            return ctx.e * ctx.e

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            return upstream * 2.0 * ctx.e * ctx.e

    class MathExp(Function):  # DeZero's early Exp: math.exp of the input, in backward
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            ctx.save_for_backward(x)
            return math.exp(x)

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            (x,) = ctx.saved
            return upstream * math.exp(x)

    try:
        for op, message in (
            (PlainNumber, "plain number"),
            (Intermediate, "ctx.e is a number forward computed"),
            (MathExp, "micrograd.function's exp"),
        ):
            x = Value(0.5)
            y = op.apply(x)
            y.backward()  # first order: fine
            assert x.grad == pytest.approx(central(lambda t, op=op: _plain(op, t), 0.5), rel=1e-8)
            with pytest.raises(TypeError, match=message):
                y.backward(create_graph=True)
    finally:
        del RULES["PlainNumber"], RULES["Intermediate"], RULES["MathExp"]


def _plain(op: type[Function], t: float) -> float:
    with no_grad():
        return op.apply(Value(t)).data


def test_functions_for_a_backward_work_on_numbers_and_values() -> None:
    from micrograd import function as fn

    for name in ("exp", "log", "tanh", "sigmoid", "sqrt", "sin", "cos"):
        number = getattr(fn, name)(0.7)
        v = getattr(fn, name)(Value(0.7))
        assert type(number) is float and isinstance(v, Value) and v.data == number
    assert fn.log(0.0) == -math.inf and math.isnan(fn.sqrt(-1.0))  # IEEE, as the engine


# ---------------------------------------------------------------- micrograd.op: the lighter form, and redefinition


def test_op_registers_a_rule_by_name_for_nodes_made_by_hand() -> None:
    @micrograd.op("softplus", local=("σ({x})",), code=("log(1.0 + exp({x}))", "{up} * sigmoid({x})"))
    def softplus_rule(out, upstream):  # type: ignore[no-untyped-def]
        (x,) = out.parents
        return (upstream * micrograd.function.sigmoid(x.data),)  # x.data: a number, or a node under create_graph

    try:
        x = Value(0.3, label="x")
        y = Value(math.log1p(math.exp(x.data)), (x,), "softplus")
        y.backward()
        sigma = 1 / (1 + math.exp(-0.3))
        assert x.grad == pytest.approx(sigma, rel=1e-15)
        x.grad = 0.0
        y.backward(create_graph=True)
        g = x.grad
        x.grad = 0.0
        g.backward()
        assert x.grad == pytest.approx(sigma * (1 - sigma), rel=1e-14)
        assert "σ(x)" in micrograd.worksheet(y).box("x").step.how
        assert micrograd.staged(y)()[1] == (pytest.approx(sigma, rel=1e-15),)
        assert micrograd.op is micrograd.engine.rule  # the decorator the engine's own ops use
    finally:
        del RULES["softplus"]


def test_defining_an_op_again_replaces_it_with_a_warning() -> None:
    def define(k: float) -> type[Function]:
        class Scale(Function):
            def forward(ctx, x):  # type: ignore[no-untyped-def]
                return k * x

            def backward(ctx, upstream):  # type: ignore[no-untyped-def]
                return k * upstream

        return Scale

    try:
        define(2.0)
        with pytest.warns(UserWarning, match="'Scale' defined again") as record:
            Scale = define(3.0)  # a notebook cell run again: no crash
        assert record[0].filename == __file__  # the warning points at the user's code: the class statement
        assert linecache.getline(record[0].filename, record[0].lineno).strip().startswith("class Scale(")
        x = Value(1.0)
        Scale.apply(x).backward()
        assert x.grad == 3.0
        with pytest.warns(UserWarning, match="'Scale' defined again"):
            micrograd.op("Scale")(lambda out, upstream: (upstream,))
    finally:
        del RULES["Scale"]


def test_micrograds_own_ops_cannot_be_replaced() -> None:
    with pytest.raises(ValueError, match="one of micrograd's own ops"):

        class ReLU(Function):  # the name of Value.relu's op
            def forward(ctx, x):  # type: ignore[no-untyped-def]
                return max(x, 0.0)

            def backward(ctx, upstream):  # type: ignore[no-untyped-def]
                return upstream

    with pytest.raises(ValueError, match="one of micrograd's own ops"):
        micrograd.op("exp")(lambda out, upstream: (upstream,))
    x = Value(-1.0)
    x.relu().backward()
    assert x.grad == 0.0  # the engine's own rule still


def test_warnings_are_not_raised_by_the_examples() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dezero()[3].backward()
