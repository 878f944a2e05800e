"""Tensor autograd: every op against central differences, under broadcasting, matmul and slicing."""

from __future__ import annotations

import gc
import warnings
import weakref

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd
from micrograd import Tensor, Value, gradcheck, no_grad
from micrograd.tensor import RULES, unbroadcast

FAST = settings(max_examples=25, deadline=None)
seeds = st.integers(0, 2**32 - 1)
small_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=3)


def away_from_zero(rng: np.random.Generator, shape: tuple[int, ...], low: float = 0.2, high: float = 2.0):
    """Random values with |x| in [low, high]: far from the kinks of relu/abs and the pole of 1/x."""
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


def assert_gradcheck(f, inputs, **kw):
    result = gradcheck(f, [np.asarray(x) for x in inputs], **kw)  # arrays (even 0-d): f gets Tensors
    assert result, str(result)
    for x, g in zip(inputs, result.analytic, strict=True):
        assert g.shape == np.shape(x)  # every gradient has its input's shape
    return result


# ---------------------------------------------------------------- elementwise ops


UNARY = {
    "exp": (lambda x: x.exp(), np.exp, False),
    "log": (lambda x: x.log(), np.log, True),
    "tanh": (lambda x: x.tanh(), np.tanh, False),
    "sin": (lambda x: x.sin(), np.sin, False),
    "cos": (lambda x: np.cos(x), np.cos, False),  # numpy's function reaches the op
    "sigmoid": (lambda x: x.sigmoid(), lambda a: 1 / (1 + np.exp(-a)), False),
    "relu": (lambda x: x.relu(), lambda a: np.maximum(a, 0), False),
    "abs": (lambda x: abs(x), np.abs, False),
    "sqrt": (lambda x: x.sqrt(), np.sqrt, True),
    "neg": (lambda x: -x, np.negative, False),
    "reciprocal": (lambda x: np.reciprocal(x), np.reciprocal, False),  # numpy's function reaches the op
    "square": (lambda x: x**2, np.square, False),
    "cube root": (lambda x: x ** (1 / 3), np.cbrt, True),
}


@pytest.mark.parametrize("name", UNARY)
@FAST
@given(shape=small_shapes, seed=seeds)
def test_unary_op_values_and_gradients(name, shape, seed):
    op, reference, positive_only = UNARY[name]
    rng = np.random.default_rng(seed)
    x = away_from_zero(rng, shape)
    if positive_only:
        x = np.abs(x)
    out = op(Tensor(x))
    assert out.shape == shape
    np.testing.assert_allclose(out.data, reference(x), rtol=1e-12)
    assert_gradcheck(op, [x])


BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: abs(a) ** b,
    "maximum": lambda a, b: a.maximum(b),
    "minimum": lambda a, b: a.minimum(b),
}


@pytest.mark.parametrize("name", BINARY)
@FAST
@given(shapes=pairs, seed=seeds)
def test_binary_op_gradients_under_broadcasting(name, shapes, seed):
    (sa, sb), result_shape = shapes
    rng = np.random.default_rng(seed)
    a, b = away_from_zero(rng, sa), away_from_zero(rng, sb)
    f = BINARY[name]
    out = f(Tensor(a), Tensor(b))
    assert out.shape == result_shape
    assert_gradcheck(f, [a, b])


@FAST
@given(shapes=pairs, seed=seeds)
def test_numbers_and_arrays_on_either_side_are_constants(shapes, seed):
    (sa, sb), _ = shapes
    rng = np.random.default_rng(seed)
    a, c = away_from_zero(rng, sa), away_from_zero(rng, sb)
    assert_gradcheck(lambda t: (2.0 - t) * c + c / t - 3 * t**2 + 1.5**t, [a])
    assert_gradcheck(lambda t: c - t + (c + t) * 0.5, [a])


def test_broadcasting_sums_the_gradient_it_does_not_average_it():
    x = Tensor(np.arange(12.0).reshape(4, 3))
    bias = Tensor([0.5, -1.0, 2.0])
    ((x + bias) * 1.0).sum().backward()
    np.testing.assert_array_equal(bias.grad, [4.0, 4.0, 4.0])  # used once per row of the batch
    np.testing.assert_array_equal(x.grad, np.ones((4, 3)))
    col = Tensor(np.ones((4, 1)))
    (x * col).sum().backward()
    np.testing.assert_array_equal(col.grad, x.data.sum(axis=1, keepdims=True))


def test_unbroadcast_sums_leading_and_stretched_axes():
    g = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(unbroadcast(g, (3, 4)), g.sum(axis=0))
    np.testing.assert_array_equal(unbroadcast(g, (3, 1)), g.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(unbroadcast(g, ()), g.sum())
    assert unbroadcast(g, (2, 3, 4)) is g


def test_composite_expression_with_a_reused_input():
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(5, 3)), rng.normal(size=(3,))
    assert_gradcheck(lambda x, w: ((x * w).tanh() + x.sigmoid() * x - (x / 3).exp()).mean(axis=0) * w, [x, w])


# ---------------------------------------------------------------- matmul


MATMUL_SHAPES = [
    ((3,), (3,)),  # inner product: a 0-d result
    ((3,), (3, 2)),  # a vector on the left is a row
    ((2, 3), (3,)),  # a vector on the right is a column
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),  # a batch times one matrix: dB sums over the batch
    ((2, 3), (5, 3, 4)),
    ((3,), (5, 3, 2)),
    ((5, 2, 3), (3,)),
    ((2, 1, 2, 3), (4, 3, 2)),  # batch axes broadcast against each other
]


@pytest.mark.parametrize(("sa", "sb"), MATMUL_SHAPES, ids=str)
def test_matmul_gradients_match_central_differences(sa, sb):
    rng = np.random.default_rng(len(sa) * 10 + len(sb))
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    out = Tensor(a) @ Tensor(b)
    np.testing.assert_allclose(out.data, a @ b, rtol=1e-12)
    assert_gradcheck(lambda a, b: a @ b, [a, b])


@FAST
@given(
    batch=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3),
    mkn=st.tuples(*[st.integers(1, 4)] * 3),
    seed=seeds,
)
def test_batched_matmul_with_broadcast_batches(batch, mkn, seed):
    (ba, bb), _ = batch
    m, k, n = mkn
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(*ba, m, k)), rng.normal(size=(*bb, k, n))
    assert_gradcheck(lambda a, b: a @ b, [a, b])


def test_matmul_gradient_is_the_other_factor_transposed():
    rng = np.random.default_rng(1)
    A, B, G = Tensor(rng.normal(size=(2, 3))), Tensor(rng.normal(size=(3, 4))), rng.normal(size=(2, 4))
    (A @ B).backward(G)
    np.testing.assert_allclose(A.grad, G @ B.data.T, rtol=1e-12)
    np.testing.assert_allclose(B.grad, A.data.T @ G, rtol=1e-12)


def test_matmul_refuses_0d_operands():
    with pytest.raises(ValueError, match="at least 1 dimension"):
        Tensor(2.0) @ Tensor([1.0, 2.0])


# ---------------------------------------------------------------- reductions, shapes, slicing


@st.composite
def shape_and_axis(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
    ndim = len(shape)
    axis = draw(
        st.none()
        | st.integers(-ndim, ndim - 1)
        | st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim).map(tuple)
    )
    return shape, axis


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@FAST
@given(sa=shape_and_axis(), keepdims=st.booleans(), seed=seeds)
def test_reductions_with_axis_and_keepdims(reduction, sa, keepdims, seed):
    shape, axis = sa
    x = np.random.default_rng(seed).normal(size=shape)
    out = getattr(Tensor(x), reduction)(axis=axis, keepdims=keepdims)
    expected = getattr(np, reduction)(x, axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert_gradcheck(lambda t: getattr(t, reduction)(axis=axis, keepdims=keepdims), [x])


def test_mean_gradient_is_one_over_n():
    x = Tensor(np.ones((4, 5)))
    x.mean(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, np.full((4, 5), 1 / 5))


def test_bad_axis_is_a_clear_error():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="out of bounds"):
        x.sum(axis=2)
    with pytest.raises(ValueError, match="repeated axis"):
        x.sum(axis=(1, -1))
    with pytest.raises(TypeError, match="axis"):
        x.mean(axis=1.5)


@FAST
@given(seed=seeds)
def test_reshape_and_transpose(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, 3, 4))
    perm = tuple(rng.permutation(3))
    assert Tensor(x).reshape(4, -1).shape == (4, 6)
    np.testing.assert_array_equal(Tensor(x).transpose(perm).data, x.transpose(perm))
    np.testing.assert_array_equal(Tensor(x).T.data, x.T)
    assert_gradcheck(lambda t: t.reshape((6, 4)) * np.arange(24.0).reshape(6, 4), [x])
    assert_gradcheck(lambda t: t.transpose(perm) * np.arange(24.0).reshape(x.transpose(perm).shape), [x])
    assert_gradcheck(lambda t: t.T @ np.ones(2), [x])
    assert_gradcheck(lambda t: t.transpose(-1, 0, 1) * np.arange(24.0).reshape(4, 2, 3), [x])


INDICES = [
    0,
    -1,
    slice(1, None),
    (slice(None), 2),
    (Ellipsis, 1),
    (None, 0, slice(None, None, -1)),
    (1, slice(0, 3, 2), None),
    np.array([0, 0, 2]),  # an index array picking a row twice: the gradient adds up
    (np.array([1, 1]), np.array([3, 3])),
    np.array([[True, False, True, False], [False] * 4, [True] * 4]),
]


@pytest.mark.parametrize("index", INDICES, ids=repr)
def test_slicing_scatters_the_gradient_back(index):
    x = np.random.default_rng(2).normal(size=(3, 4))
    out = Tensor(x)[index]
    np.testing.assert_array_equal(out.data, x[index])
    assert_gradcheck(lambda t: t[index] * 2.0, [x])


def test_repeated_index_accumulates_and_basic_slice_zero_fills():
    x = Tensor(np.arange(4.0))
    x[np.array([1, 1, 3])].sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 2.0, 0.0, 1.0])
    y = Tensor(np.arange(6.0).reshape(2, 3))
    y[:, 1:].sum().backward()
    np.testing.assert_array_equal(y.grad, [[0, 1, 1], [0, 1, 1]])


def test_slice_output_does_not_share_memory():
    x = Tensor(np.arange(4.0))
    s = x[1:3]
    s.data[0] = 100.0
    assert x.data[1] == 1.0
    with pytest.raises(TypeError, match="cannot index"):
        x[Tensor([0.0])]


# ---------------------------------------------------------------- numpy interop


NUMPY_UFUNCS = [np.add, np.subtract, np.multiply, np.divide, np.power, np.matmul, np.maximum, np.minimum]
NUMPY_UFUNCS += [np.negative, np.positive, np.exp, np.log, np.tanh, np.sin, np.cos, np.absolute, np.sqrt, np.reciprocal]


@pytest.mark.parametrize("ufunc", NUMPY_UFUNCS, ids=lambda u: u.__name__)
def test_each_numpy_ufunc_computes_numpys_values_and_their_gradients(ufunc):
    """``ufunc(Tensor, ...)`` gives what ``ufunc`` gives on the arrays (numpy itself is the truth), and its
    gradients are those of central differences: a ufunc sent to another op (np.exp to tanh, np.maximum to
    minimum) fails on the values, one whose op has a wrong rule on the gradients."""
    a = np.array([[1.5, 0.25], [0.75, 2.0]])  # positive (log, sqrt, a power), no ties with b, a differs from b
    b = np.array([[0.5, 1.25], [1.75, 1.0]])  # each of maximum/minimum picks from both sides
    inputs = [a, b][: ufunc.nin]
    out = ufunc(*(Tensor(x) for x in inputs))
    assert isinstance(out, Tensor) and (out.parents or ufunc is np.positive), "the result must stay in the graph"
    np.testing.assert_allclose(out.data, ufunc(*inputs), rtol=1e-14)
    assert_gradcheck(lambda *ts: ufunc(*ts), inputs)
    if ufunc.nin == 2:  # an array on either side of a Tensor reaches the op too
        np.testing.assert_allclose(ufunc(a, Tensor(b)).data, ufunc(a, b), rtol=1e-14)
        np.testing.assert_allclose(ufunc(Tensor(a), b).data, ufunc(a, b), rtol=1e-14)


COMPARISONS = [np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal]


@pytest.mark.parametrize("ufunc", COMPARISONS, ids=lambda u: u.__name__)
def test_each_numpy_comparison_gives_numpys_mask(ufunc):
    """A comparison reaches the Tensor from either side and gives numpy's boolean mask (no gradient)."""
    a, b = np.array([[1.5, 0.25], [0.75, 2.0]]), np.array([[0.5, 0.25], [1.75, 2.0]])  # <, =, > all occur
    for got in (ufunc(Tensor(a), Tensor(b)), ufunc(a, Tensor(b)), ufunc(Tensor(a), b)):
        assert isinstance(got, np.ndarray) and got.dtype == bool
        np.testing.assert_array_equal(got, ufunc(a, b))


def test_every_numpy_ufunc_with_a_tensor_op_is_checked_above():
    from micrograd.tensor.numpy_api import NUMPY_UFUNCS as registered

    assert set(registered) == set(NUMPY_UFUNCS) | set(COMPARISONS)


def test_numpy_ufuncs_keep_the_graph_through_a_composite():
    a, b = Tensor([[1.0, -2.0], [3.0, 0.5]]), Tensor([0.5, 4.0])
    for out in [2.0 * a, np.float64(2.0) * a, np.ones(2) + a, np.ones((2, 2)) @ a, np.ones(2) / b]:
        assert isinstance(out, Tensor) and out.parents, type(out)
    np.sum(np.matmul(a, b) * np.exp(b)).backward()
    e = np.exp(b.data)  # L = Σᵢ (a@b)ᵢ·exp(bᵢ): dL/daᵢⱼ = exp(bᵢ)·bⱼ, dL/dbₖ = Σᵢ aᵢₖ·exp(bᵢ) + (a@b)ₖ·exp(bₖ)
    np.testing.assert_allclose(a.grad, np.outer(e, b.data), rtol=1e-14)
    np.testing.assert_allclose(b.grad, a.data.T @ e + (a.data @ b.data) * e, rtol=1e-14)


def test_numpy_functions_dispatch_to_tensor_ops():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    s = np.sum(x, axis=0)
    assert isinstance(s, Tensor) and s.shape == (3,)
    m = np.mean(x, axis=1, keepdims=True)
    assert isinstance(m, Tensor) and m.shape == (2, 1)
    assert np.reshape(x, (3, 2)).shape == (3, 2)
    assert np.transpose(x).shape == (3, 2)
    assert np.shape(x) == (2, 3) and np.ndim(x) == 2 and np.size(x) == 6
    np.testing.assert_array_equal(s.data, np.sum(x.data, axis=0))  # np.sum is a sum, np.mean a mean
    np.testing.assert_array_equal(m.data, np.mean(x.data, axis=1, keepdims=True))
    np.testing.assert_array_equal(np.reshape(x, (3, 2)).data, np.reshape(x.data, (3, 2)))
    np.testing.assert_array_equal(np.transpose(x).data, x.data.T)
    (np.sum(np.reshape(x, (3, 2))) + np.mean(np.transpose(x))).backward()
    np.testing.assert_allclose(x.grad, np.full((2, 3), 1 + 1 / 6))


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda t: np.arctan(t), "np.arctan"),
        (lambda t: np.concatenate([t, t]), "np.concatenate"),
        (lambda t: np.add.reduce(t), "np.add.reduce"),
        (lambda t: np.linalg.norm(t), "np.linalg.norm"),
        (lambda t: np.add(t, 1.0, out=np.empty(3)), "out"),
        (lambda t: np.sum(t, dtype=np.float32), "dtype"),
        (lambda t: np.asarray(t), "t.data"),
        (lambda t: np.array([t, t]), "ndarray"),
    ],
    ids=["arctan", "concatenate", "reduce", "norm", "out=", "dtype=", "asarray", "array"],
)
def test_numpy_without_a_tensor_op_is_a_type_error_never_a_detached_array(call, name):
    with pytest.raises(TypeError, match=name.replace(".", r"\.")):
        call(Tensor([1.0, 2.0, 3.0]))


# ---------------------------------------------------------------- backward, seeds, accumulation, no_grad


def test_backward_on_a_non_scalar_needs_a_seed_like_pytorch():
    x = Tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    (x * 3).backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad, [3.0, 30.0])
    with pytest.raises(ValueError, match="shape"):
        (x * 3).backward(np.ones(3))
    y = Tensor([[2.0]])
    (y * y).backward()  # one element: the seed is implicit whatever the shape
    np.testing.assert_array_equal(y.grad, [[4.0]])


def test_grad_is_none_until_backward_then_leaves_accumulate_and_interior_is_recomputed():
    x = Tensor([1.0, 2.0])
    y = x * x
    z = y.sum()
    assert x.grad is None and y.grad is None
    z.backward()
    z.backward()
    np.testing.assert_array_equal(x.grad, 2 * 2 * x.data)  # leaf: accumulated over two calls
    np.testing.assert_array_equal(y.grad, [1.0, 1.0])  # interior: recomputed
    x.grad = None
    z.backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data)
    z.zero_grad()
    assert x.grad is None and y.grad is None


def test_a_leaf_grad_is_its_own_array():
    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    (a + b).sum().backward()
    a.grad[0] = 99.0
    assert b.grad[0] == 1.0


def test_the_trace_carries_what_backward_accumulates():
    rng = np.random.default_rng(3)
    a, b, g = Tensor(rng.normal(size=(2, 3))), Tensor(rng.normal(size=(3,))), rng.normal(size=(2, 3))
    c = a * b
    trace = micrograd.backward_trace(c, g)
    assert a.grad is None and b.grad is None  # the trace writes no .grad
    (da,), (db,) = trace.into(a), trace.into(b)
    assert da.local is None  # a tensor's local derivative is a Jacobian: not a number
    c.backward(g)
    np.testing.assert_array_equal(da.contribution, a.grad)
    np.testing.assert_array_equal(db.contribution, b.grad)
    np.testing.assert_array_equal(trace.grad(b), b.grad)
    assert micrograd.backward_trace(a, g).wires == []


def test_no_grad_records_no_graph():
    x = Tensor([1.0, 2.0])
    with no_grad():
        y = (x * 2).exp().sum()
    assert y.parents == () and y.op == ""
    assert micrograd.is_grad_enabled()
    assert (x * 2).parents


def test_a_deep_chain_backpropagates_iteratively():
    x = Tensor(np.full(3, 0.5))
    y = x
    for _ in range(20_000):
        y = y * 1.0 + 0.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones(3))


# ---------------------------------------------------------------- IEEE conventions, as the scalar engine


def test_ieee_results_and_conventions_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = Tensor([0.0, -1.0, 4.0])
        np.testing.assert_array_equal(x.log().data, [-np.inf, np.nan, np.log(4.0)])
        np.testing.assert_array_equal((1.0 / x).data, [np.inf, -1.0, 0.25])
        np.testing.assert_array_equal(x.sqrt().data, [0.0, np.nan, 2.0])
        np.testing.assert_array_equal((x**0.5).data, [0.0, np.nan, 2.0])  # never complex
        np.testing.assert_array_equal(Tensor([1000.0]).exp().data, [np.inf])
        np.testing.assert_array_equal(Tensor([-1000.0, 1000.0]).sigmoid().data, [0.0, 1.0])
        for f, expected in [
            (lambda t: t.relu(), 0.0),  # relu'(0) = 0
            (lambda t: t.abs(), 0.0),  # abs'(0) = 0
            (lambda t: t.sqrt(), np.inf),  # sqrt'(0) = inf
            (lambda t: t**2, 0.0),
            (lambda t: t**0, 0.0),
        ]:
            z = Tensor([0.0])
            f(z).sum().backward()
            assert z.grad[0] == expected
        (Tensor([0.0, 2.0]) ** (t := Tensor([2.0, 3.0]))).sum().backward()  # d/dy of x**y at x = 0 is 0, not nan
        np.testing.assert_allclose(t.grad, [0.0, 8 * np.log(2.0)])


def test_scalar_engine_conventions_agree_elementwise():
    xs = [-2.0, -0.0, 0.0, 0.5, 3.0]
    ops = [lambda v: v.relu(), lambda v: v.abs(), lambda v: v.tanh(), lambda v: v.sigmoid(), lambda v: v * v]
    for op in ops:
        t = Tensor(xs)
        op(t).sum().backward()
        for x, g in zip(xs, t.grad, strict=True):
            v = Value(x)
            op(v).backward()
            assert v.grad == pytest.approx(g, abs=1e-15)


def test_maximum_and_minimum_split_ties_half_and_half():
    a, b = Tensor([1.0, 2.0, 3.0]), Tensor([1.0, 5.0, 0.0])
    a.maximum(b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad, [0.5, 1.0, 0.0])
    c, d = Tensor([2.0]), Tensor([[2.0], [1.0]])
    c.minimum(d).sum().backward()
    np.testing.assert_array_equal(c.grad, [0.5])
    np.testing.assert_array_equal(d.grad, [[0.5], [1.0]])
    n = Tensor([np.nan]).maximum(Tensor([1.0]))
    assert np.isnan(n.data[0])


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "bad",
    ["abc", [1.0, "a"], np.array([object()], dtype=object), 1 + 2j, [[1.0, 2.0], [3.0]], Value(1.0), None],
    ids=["str", "mixed list", "object array", "complex", "ragged", "Value", "None"],
)
def test_bad_data_is_a_type_error(bad):
    with pytest.raises(TypeError, match="Tensor"):
        Tensor(bad)


def test_bad_operands_are_type_errors():
    x = Tensor([1.0, 2.0])
    with pytest.raises(TypeError):
        x + "abc"
    with pytest.raises(TypeError, match="detach"):
        Tensor(x)
    with pytest.raises(TypeError):
        x * Value(2.0)


def test_data_is_a_float64_copy():
    src = np.array([1, 2, 3])
    t = Tensor(src)
    assert t.dtype == np.float64
    src[0] = 7
    assert t.data[0] == 1.0
    assert Tensor(True).data.dtype == np.float64
    assert Tensor(3).item() == 3.0


# ---------------------------------------------------------------- memory: no reference cycles


def test_a_dropped_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    gc.disable()
    try:
        w, b = Tensor(np.ones((3, 2))), Tensor(np.zeros(2))
        x = Tensor(np.ones((4, 3)))
        loss = ((x @ w + b).relu()[1:].tanh() ** 2).mean(axis=0).sum()
        loss.backward()
        refs = [weakref.ref(v) for v in micrograd.engine.topological_order(loss)]
        del loss
        alive = [r() for r in refs if r() is not None]
        assert all(any(v is leaf for leaf in (w, b, x)) for v in alive), [v.op for v in alive]  # (== is elementwise)
        assert len(alive) == 3
    finally:
        gc.enable()


def test_garbage_collector_finds_nothing_of_a_graph():
    gc.collect()
    x = Tensor(np.ones((2, 2)))
    y = (x @ x.T).exp().sum()
    y.backward()
    del y
    assert gc.collect() == 0


# ---------------------------------------------------------------- gradcheck itself, and pictures


def test_gradcheck_catches_a_wrong_rule():
    @RULES.rule("bad double")
    def wrong(out, upstream):  # the right rule is 2G
        return (upstream,)

    def double_with_wrong_rule(t):
        return Tensor(t.data * 2, (t,), "bad double")  # a hand-made node: its op names its rule

    try:
        result = gradcheck(double_with_wrong_rule, [np.ones((2, 2))])
    finally:
        del RULES["bad double"]
    assert not result
    assert "MISMATCH" in str(result)
    assert result.worst == 0 and len(result.element) == 2


def test_micrograd_gradcheck_routes_tensors():
    result = micrograd.gradcheck(lambda a, b: (a @ b).sum(), [np.ones((2, 3)), np.ones(3)])
    assert result and result.analytic[1].shape == (3,)


def test_draw_shows_shapes_and_small_values():
    A = Tensor([[1.0, 2.0], [3.0, 4.0]], label="A")
    B = Tensor(np.ones((2, 4)), label="B")
    L = (A @ B).sum()
    L.backward()
    src = micrograd.draw(L).source
    assert "shape (2, 2)" in src and "shape (2, 4)" in src
    assert "data [[1, 2],\\n[3, 4]]" in src  # 4 elements: shown, one row a line
    assert "data [[1, 1, 1, 1]" not in src  # 8 elements: shape only
    assert "grad [[4, 4],\\n[4, 4]]" in src  # dA = G Bᵀ with G = ones
    assert 'label="@"' in src
