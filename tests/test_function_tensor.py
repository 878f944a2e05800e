"""micrograd.Function on Tensors: the same class, arrays in and out, as ``torch.autograd.Function``.

The truth is independent of the engine: central differences (``gradcheck``), the closed forms
(d(x²) = 2x, a bias's gradient is the upstream summed over the rows it was added to), and
PyTorch's own ``torch.autograd.Function`` written the same way, first and second order.
"""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from function_ops import AddBias, Square
from svgtools import texts

import micrograd
from micrograd import Function, Tensor, Value, backward_trace, no_grad
from micrograd.engine import RULES
from micrograd.tensor import RULES as TENSOR_RULES

RNG = np.random.default_rng(20)
X = RNG.uniform(-2.0, 2.0, (2, 3))
B = RNG.uniform(-2.0, 2.0, 3)
W = RNG.standard_normal((2, 3))  # the "vector" of the vector-Jacobian products checked


def needs_torch():  # type: ignore[no-untyped-def]
    return pytest.importorskip("torch", reason="compares with PyTorch: install the optional extra (torch)")


def torch_ops(torch):  # type: ignore[no-untyped-def]
    """The same two ops as PyTorch's Functions: forward on tensors, backward with torch arithmetic."""

    class TorchSquare(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            (x,) = ctx.saved_tensors
            return 2.0 * x * upstream

    class TorchAddBias(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, b):  # type: ignore[no-untyped-def]
            return x + b

        @staticmethod
        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            return upstream, upstream  # b's of shape (2, 3): PyTorch sums it back to (3,) itself

    return TorchSquare, TorchAddBias


def t64(torch, data):  # type: ignore[no-untyped-def]
    return torch.tensor(np.asarray(data, dtype=np.float64), requires_grad=True)


# ---------------------------------------------------------------- one class, both engines


def in_a_fresh_interpreter(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new Python process that sees this micrograd and the tests' helpers (and nothing imported)."""
    tests = str(Path(__file__).parent)
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": ":".join([str(Path(micrograd.__file__).parent.parent), tests]), "PATH": "/usr/bin:/bin"},
    )


def test_the_same_function_makes_a_value_of_numbers_and_a_tensor_of_arrays() -> None:
    v = Square.apply(Value(1.5))
    t = Square.apply(Tensor(X, label="x"))
    assert type(v) is not Tensor and v.data == 2.25 and v.op == "Square"
    assert type(t) is Tensor and t.op == "Square" and t.shape == (2, 3)
    assert np.array_equal(t.data, X * X)
    assert TENSOR_RULES["Square"].function is Square and RULES["Square"].function is Square  # one name, two tables
    assert type(Square.apply(X)) is Tensor and not Square.apply(X).requires_grad  # an array alone: a constant
    assert type(Square()(Tensor(X))) is Tensor  # DeZero's call


def test_square_backward_is_2x_times_upstream_and_agrees_with_central_differences() -> None:
    x = Tensor(X)
    Square.apply(x).backward(W)
    assert np.array_equal(x.grad, 2.0 * X * W)  # the closed form, bit for bit (the rule's own arithmetic)
    result = micrograd.gradcheck(Square, [X])  # a Function class, given arrays: checked on Tensors
    assert result and result.analytic[0].shape == (2, 3)
    assert result.error < 1e-8


def test_a_broadcast_inputs_contribution_is_summed_back_to_its_shape() -> None:
    x, b = Tensor(X), Tensor(B)
    y = AddBias.apply(x, b)  # backward returns upstream, of shape (2, 3), for b of shape (3,)
    assert np.array_equal(y.data, X + B)
    y.backward(W)
    assert x.grad.shape == (2, 3) and np.array_equal(x.grad, W)
    assert b.grad.shape == (3,) and np.allclose(b.grad, W.sum(axis=0), rtol=0, atol=1e-15)  # summed over the rows
    assert micrograd.gradcheck(AddBias, [X, B])
    b_row = Tensor(B.reshape(1, 3))  # a length-1 axis stretched: summed with its axis kept
    AddBias.apply(x, b_row).backward(W)
    assert b_row.grad.shape == (1, 3) and np.allclose(b_row.grad, W.sum(axis=0, keepdims=True), atol=1e-15)


def test_gradcheck_on_arrays_finds_a_wrong_backward() -> None:
    class MeanBias(Function):  # wrong on purpose: averages b's gradient over the rows instead of summing
        def forward(ctx, x, b):  # type: ignore[no-untyped-def]
            return x + b

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            return upstream, upstream.mean(axis=0)

    try:
        result = micrograd.gradcheck(MeanBias, [X, B])
        assert not result and result.worst == 1 and "MISMATCH" in str(result)
    finally:
        del RULES["MeanBias"], TENSOR_RULES["MeanBias"]


# ---------------------------------------------------------------- against PyTorch's Function


def test_first_derivatives_match_pytorchs_function() -> None:
    torch = needs_torch()
    TorchSquare, TorchAddBias = torch_ops(torch)
    x, b = Tensor(X), Tensor(B)
    loss = (Square.apply(AddBias.apply(x, b)) * W).sum()
    loss.backward()
    tx, tb = t64(torch, X), t64(torch, B)
    tloss = (TorchSquare.apply(TorchAddBias.apply(tx, tb)) * torch.tensor(W)).sum()
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-15)
    assert np.allclose(x.grad, tx.grad.numpy(), rtol=1e-15, atol=0)
    assert tb.grad.shape == (3,) and np.allclose(b.grad, tb.grad.numpy(), rtol=1e-14, atol=1e-15)


def test_second_derivatives_of_square_on_a_tensor_match_pytorch_and_central_differences() -> None:
    torch = needs_torch()
    TorchSquare, _ = torch_ops(torch)
    x = Tensor(X)
    (Square.apply(x) * W).sum().backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Tensor) and np.array_equal(first.data, 2.0 * X * W)
    x.grad = None
    (first * first).sum().backward()  # d/dx Σ (2xw)² = 8xw²
    tx = t64(torch, X)
    (tfirst,) = torch.autograd.grad((TorchSquare.apply(tx) * torch.tensor(W)).sum(), tx, create_graph=True)
    (tsecond,) = torch.autograd.grad((tfirst * tfirst).sum(), tx)
    assert np.allclose(x.grad, tsecond.numpy(), rtol=1e-15, atol=0)
    assert np.allclose(x.grad, 8.0 * X * W * W, rtol=1e-15, atol=0)

    def gradient_norm(at: np.ndarray) -> float:  # Σ (dL/dx)², dL/dx by a first-order backward
        t = Tensor(at)
        (Square.apply(t) * W).sum().backward()
        return float((t.grad * t.grad).sum())

    assert np.allclose(x.grad, central_differences(gradient_norm, X), rtol=1e-6, atol=1e-8)


def central_differences(f, at: np.ndarray, eps: float = 1e-6) -> np.ndarray:  # type: ignore[no-untyped-def]
    grad = np.zeros_like(at)
    for j in np.ndindex(at.shape):
        hi, lo = at.copy(), at.copy()
        hi[j] += eps
        lo[j] -= eps
        grad[j] = (f(hi) - f(lo)) / (2 * eps)
    return grad


def test_a_hessian_vector_product_through_both_ops_matches_pytorch() -> None:
    torch = needs_torch()
    TorchSquare, TorchAddBias = torch_ops(torch)
    v = RNG.standard_normal(3)
    x, b = Tensor(X), Tensor(B)
    (gb,) = micrograd.grad((Square.apply(AddBias.apply(x, b)) * W).sum(), b, create_graph=True)
    hx, hb = micrograd.grad((gb * v).sum(), [x, b])  # d/d(x, b) of (dL/db · v)
    tx, tb = t64(torch, X), t64(torch, B)
    tloss = (TorchSquare.apply(TorchAddBias.apply(tx, tb)) * torch.tensor(W)).sum()
    (tgb,) = torch.autograd.grad(tloss, tb, create_graph=True)
    thx, thb = torch.autograd.grad((tgb * torch.tensor(v)).sum(), [tx, tb])
    assert np.allclose(hx, thx.numpy(), rtol=1e-14, atol=1e-15)
    assert np.allclose(hb, thb.numpy(), rtol=1e-14, atol=1e-15)
    assert np.allclose(hb, 2.0 * (W * v).sum(axis=0), rtol=1e-14, atol=1e-15)  # d²L/db² = 2·Σ_rows w, times v


# ---------------------------------------------------------------- a gate like any other: trace, pictures, pickles


def test_the_backward_trace_reads_the_functions_rule_without_writing_grad() -> None:
    x, b = Tensor(X, label="x"), Tensor(B, label="b")
    h = AddBias.apply(x, b)
    y = Square.apply(h)
    trace = backward_trace(y, W)
    assert x.grad is None and b.grad is None  # nothing written
    (wire,) = trace.out_of(y)
    assert wire.parent is h and np.array_equal(wire.contribution, 2.0 * h.data * W)
    into_b = trace.into(b)
    assert len(into_b) == 1 and into_b[0].contribution.shape == (3,)  # the wire carries the summed-back gradient
    y.backward(W)
    assert np.array_equal(trace.grad(b), b.grad) and np.array_equal(trace.grad(x), x.grad)


def test_a_picture_shows_the_gates_by_the_functions_names() -> None:
    x, b = Tensor(X, label="x"), Tensor(B, label="b")
    y = Square.apply(AddBias.apply(x, b))
    y.label = "y"
    loss = y.sum()
    loss.backward()
    diagram = micrograd.draw(loss)
    words = texts(diagram.svg())
    assert "Square" in words and "AddBias" in words
    assert "shape (3,)" in diagram.source and "shape (2, 3)" in diagram.source


def test_a_functions_tensor_pickles_and_copies_and_still_backpropagates() -> None:
    x = Tensor(X)
    y = Square.apply(AddBias.apply(x, B)).sum()
    expected = 2.0 * (X + B)  # d/dx Σ (x + b)² = 2(x + b)
    for twin in (pickle.loads(pickle.dumps(y)), copy.deepcopy(y)):
        (leaf,) = [t for t in micrograd.topological_order(twin) if t.is_leaf and t.requires_grad]
        twin.backward()
        assert np.allclose(leaf.grad, expected, rtol=1e-15, atol=0)
        assert isinstance(twin.parents[0]._args, Square)  # the call's ctx, kept on the node


def test_a_pickle_finds_the_tensor_op_again_by_name_in_a_new_process(tmp_path: Path) -> None:
    x, b = Tensor(X), Tensor(B)
    y = (Square.apply(AddBias.apply(x, b)) * W).sum()
    path = tmp_path / "graph.pickle"
    path.write_bytes(pickle.dumps(y))
    y.backward()
    code = (  # the Functions are defined before the tensor engine loads: the pickle's ctx registers their rules
        "import pickle, sys, numpy as np, micrograd, function_ops; "
        "assert 'micrograd.tensor.engine' not in sys.modules; "
        f"y = pickle.loads(open({str(path)!r}, 'rb').read()); "
        "assert micrograd.tensor.RULES['Square'].function is function_ops.Square; y.backward(); "
        "b, x = sorted((t for t in micrograd.topological_order(y) if t.is_leaf and t.requires_grad), key=np.ndim); "
        "print(np.concatenate([x.grad.ravel(), b.grad]).tolist())"
    )
    out = in_a_fresh_interpreter(code)
    grads = [float(g) for g in out.stdout.strip().strip("[]").split(",")]  # repr: the floats' own digits
    assert grads == np.concatenate([x.grad.ravel(), b.grad]).tolist()


def test_defining_functions_and_calling_them_on_values_loads_no_numpy() -> None:
    code = (
        "import sys, micrograd, function_ops; from function_ops import Square; "
        "x = micrograd.Value(2.0); Square.apply(x).backward(); assert x.grad == 4.0; "
        "print('numpy' in sys.modules, 'micrograd.tensor' in sys.modules)"
    )
    out = in_a_fresh_interpreter(code)
    assert out.stdout.split() == ["False", "False"]


# ---------------------------------------------------------------- the contract's edges


def test_constants_none_and_no_grad() -> None:
    x = Tensor(X)
    y = AddBias.apply(x, B)  # an array among the inputs: a constant, no gradient for it
    y.backward(W)
    assert np.array_equal(x.grad, W) and y.parents[1].grad is None

    class FirstOnly(Function):
        def forward(ctx, a, b):  # type: ignore[no-untyped-def]
            return a * b

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            return upstream * 2.0, None  # None: no contribution (as PyTorch), so zeros of b's shape

    try:
        a, b = Tensor(X), Tensor(B)
        FirstOnly.apply(a, b).backward(W)
        assert np.array_equal(a.grad, 2.0 * W) and np.array_equal(b.grad, np.zeros(3))
        with no_grad():
            assert FirstOnly.apply(a, b).parents == ()
    finally:
        del RULES["FirstOnly"], TENSOR_RULES["FirstOnly"]


def test_forward_and_backward_cannot_change_the_engines_arrays() -> None:
    class InPlace(Function):
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            x *= 2.0  # would change the input Tensor's data
            return x

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            return upstream

    class UpstreamInPlace(Function):
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            return 2.0 * x

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            upstream *= 2.0  # would change the output's gradient
            return upstream

    try:
        x = Tensor(X)
        with pytest.raises(ValueError, match="read-only"):
            InPlace.apply(x)
        assert np.array_equal(x.data, X)
        y = UpstreamInPlace.apply(x)
        with pytest.raises(ValueError, match="read-only"):
            y.backward(W)
    finally:
        del RULES["InPlace"], RULES["UpstreamInPlace"], TENSOR_RULES["InPlace"], TENSOR_RULES["UpstreamInPlace"]


def test_bad_functions_on_tensors_say_what_is_wrong() -> None:
    class Two(Function):
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            return 2.0 * x

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            return upstream, upstream  # two contributions for one input

    class WrongShape(Function):
        def forward(ctx, x, b):  # type: ignore[no-untyped-def]
            return x + b

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            return upstream, upstream.T  # (3, 2) for b of shape (3,): not a shape b was broadcast to

    class GivesTensor(Function):
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            return Tensor(x)

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            return upstream

    try:
        with pytest.raises(ValueError, match="2 contribution.*1 input"):
            Two.apply(Tensor(X)).backward(W)
        with pytest.raises(ValueError, match=r"shape \(3, 2\) for input 1 of shape \(3,\)"):
            WrongShape.apply(Tensor(X), Tensor(B)).backward(W)
        with pytest.raises(TypeError, match="forward returned a Tensor"):
            GivesTensor.apply(Tensor(X))
        with pytest.raises(TypeError, match="Values and Tensors together"):
            AddBias.apply(Tensor(X), Value(1.0))
        hand_made = Tensor(X * X, (Tensor(X),), "Square")  # a Function's node made by hand has no ctx
        with pytest.raises(ValueError, match=r"Square.apply"):
            hand_made.backward(W)
    finally:
        for name in ("Two", "WrongShape", "GivesTensor"):
            del RULES[name], TENSOR_RULES[name]


def test_a_name_of_the_tensor_engines_own_ops_is_refused_on_tensors() -> None:
    class Sum(Function, name="sum"):  # free among the scalar ops, the name of Tensor.sum's op
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            return np.sum(x)

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            return upstream

    try:
        assert Sum.apply(Value(2.0)).data == 2.0
        with pytest.raises(ValueError, match="one of micrograd's own ops"):
            Sum.apply(Tensor(X))
        x = Value(2.0)
        Sum.apply(x).backward(create_graph=True)  # on Values it stays the scalar table's, to any order
        assert x.grad.data == 1.0
        t = Tensor(X)
        t.sum().backward()
        assert np.array_equal(t.grad, np.ones((2, 3)))  # the engine's own rule still
    finally:
        del RULES["sum"]


def test_higher_order_on_tensors_refuses_what_would_cut_the_graph() -> None:
    class PlainArray(Function):
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            return 3.0 * x

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            return np.full(upstream.shape, 3.0)  # right at an upstream of ones, no graph to differentiate

    class Intermediate(Function):
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            ctx.e = np.exp(x)  # an array made on the way: not an input, not the output
            return ctx.e * ctx.e

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            return upstream * 2.0 * ctx.e * ctx.e

    class AsArray(Function):
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            ctx.save_for_backward(x)
            return np.exp(x)

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            (x,) = ctx.saved
            return upstream * np.exp(np.asarray(x))  # an array of a Tensor: refused by the engine

    try:
        for op, error, message in (
            (PlainArray, TypeError, "plain array for input 0"),
            (Intermediate, TypeError, "ctx.e is a number forward computed"),
            (AsArray, TypeError, "under create_graph=True.*does not convert to an ndarray"),
        ):
            x = Tensor(X)
            y = op.apply(x).sum()
            y.backward()  # first order: fine, and right
            assert micrograd.gradcheck(lambda t, op=op: op.apply(t).sum(), [X])
            with pytest.raises(error, match=message):
                y.backward(create_graph=True)
    finally:
        for name in ("PlainArray", "Intermediate", "AsArray"):
            del RULES[name], TENSOR_RULES[name]


def test_a_backward_written_with_numpys_functions_builds_the_graph_of_the_gradient() -> None:
    class Sin(Function):  # written as one would for PyTorch: np.cos for torch.cos
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            ctx.save_for_backward(x)
            return np.sin(x)

        def backward(ctx, upstream):  # type: ignore[no-untyped-def]
            (x,) = ctx.saved
            return upstream * np.cos(x)  # np.cos of a Tensor is the Tensor op

    try:
        x = Tensor(X)
        (g,) = micrograd.grad(Sin.apply(x).sum(), x, create_graph=True)
        (h,) = micrograd.grad(g.sum(), x)
        assert np.allclose(g.data, np.cos(X), rtol=1e-15, atol=0)
        assert np.allclose(h, -np.sin(X), rtol=1e-15, atol=0)
    finally:
        del RULES["Sin"], TENSOR_RULES["Sin"]


def test_functions_for_a_backward_work_on_arrays_and_tensors() -> None:
    from micrograd import function as fn

    for name in ("exp", "log", "tanh", "sigmoid", "sqrt", "sin", "cos"):
        array = getattr(fn, name)(np.abs(X))
        t = getattr(fn, name)(Tensor(np.abs(X)))
        assert type(array) is np.ndarray and isinstance(t, Tensor) and np.array_equal(t.data, array)
        assert np.array_equal(array, getattr(Tensor(np.abs(X)), name)().data)  # the Tensor op's numbers
