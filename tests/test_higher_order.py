"""Higher-order derivatives: backward(create_graph=True), grad, hessian, hvp; every op differentiated twice."""

from __future__ import annotations

import math
import random
import re

import numpy as np
import pytest

import micrograd
from micrograd import Value, grad, hessian, hvp, topological_order


def second(f, x0: float) -> float:
    """d²f/dx² at x0 by backpropagating twice."""
    x = Value(x0)
    y = f(x)
    (g,) = grad(y, x, create_graph=True)
    if not g.requires_grad:  # the first derivative is a constant (relu' = 1): the second is 0
        return 0.0
    (gg,) = grad(g, x, allow_unused=True)
    return 0.0 if gg is None else gg


def first(f, x0: float) -> float:
    x = Value(x0)
    f(x).backward()
    return x.grad


# ---------------------------------------------------------------- the worked examples


def test_x_cubed_at_2_is_exactly_12():
    x = Value(2.0)
    (x**3).backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 12.0
    g, x.grad = x.grad, 0.0
    g.backward()
    assert x.grad == 12.0


def test_tanh_twice_at_a_half():
    t = math.tanh(0.5)
    assert second(lambda x: x.tanh(), 0.5) == pytest.approx(-2 * t * (1 - t * t), rel=1e-15, abs=0)


def test_the_sigmoid_neuron_twice_with_respect_to_w0():
    x0, x1, w0, w1, b = (Value(v) for v in (2.0, 0.0, -3.0, 1.0, 6.8813735870195432))
    o = (x0 * w0 + x1 * w1 + b).sigmoid()
    (g,) = grad(o, w0, create_graph=True)
    (gg,) = grad(g, w0)
    s = o.data
    assert gg == pytest.approx(s * (1 - s) * (1 - 2 * s) * x0.data**2, rel=1e-13)  # σ'' · x0²


# ---------------------------------------------------------------- every op, against central differences of the first


OPS = {
    "+": lambda x: x + x * 0.5,
    "-": lambda x: 3.0 - x * x,
    "*": lambda x: x * x * x,
    "/": lambda x: 2.0 / x + x / 3.0,
    "** (base)": lambda x: x**2.5,
    "** (exponent)": lambda x: 2.0**x,
    "** (both)": lambda x: x**x,
    "neg": lambda x: -(x * x),
    "exp": lambda x: (x * 0.7).exp(),
    "log": lambda x: x.log(),
    "tanh": lambda x: x.tanh(),
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: (x * x).relu() * x,
    "abs": lambda x: abs(x * x - 4) * x,
    "sqrt": lambda x: x.sqrt(),
    "reciprocal": lambda x: x.reciprocal(),
    "max": lambda x: (x * x).max(x + 1.0),
    "min": lambda x: (x * x).min(x + 1.0),
}


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("x0", [0.37, 1.3, 2.6])
def test_every_op_twice_against_central_differences_of_the_first_derivative(name, x0):
    f, h = OPS[name], 1e-5
    numeric = (first(f, x0 + h) - first(f, x0 - h)) / (2 * h)
    assert second(f, x0) == pytest.approx(numeric, rel=1e-6, abs=1e-6)


def test_the_derivative_is_itself_differentiable_again():
    x = Value(0.8)
    g = x.sin() * x
    for _ in range(3):  # d/dx three more times: sin'' ... of x sin x
        (g,) = grad(g, x, create_graph=True)
    s, c = math.sin(0.8), math.cos(0.8)
    assert g.data == pytest.approx(-3 * s - 0.8 * c, rel=1e-14)  # (x sin x)''' = -3 sin x - x cos x


@pytest.mark.parametrize(
    ("f", "x0", "expected"),
    [
        (lambda x: x.relu(), 1.5, 0.0),  # relu'' = 0
        (lambda x: x.relu(), -1.5, 0.0),
        (lambda x: abs(x), -2.0, 0.0),  # abs'' = 0
        (lambda x: x.max(1.0), 1.0, 0.0),  # a tie: its first derivative is ½, its second 0
        (lambda x: x.sqrt(), 0.0, -math.inf),  # d/dx 1/(2√x) at 0, as PyTorch
    ],
)
def test_second_derivatives_at_the_kinks(f, x0, expected):
    assert second(f, x0) == expected


# ---------------------------------------------------------------- the functional API


def test_grad_leaves_dot_grad_alone_and_sums_outputs():
    x, y = Value(2.0), Value(3.0)
    a, b = x * y, x + y
    gx, gy = grad([a, b], [x, y])
    assert (gx, gy) == (4.0, 3.0) and x.grad == y.grad == 0.0
    assert grad([a, b], [x, y], seed=[2.0, -1.0]) == (5.0, 3.0)


def test_grad_of_an_unused_input():
    x, y = Value(2.0), Value(3.0)
    with pytest.raises(RuntimeError, match="input 1 .* is not used"):
        grad(x * x, [x, y])
    assert grad(x * x, [x, y], allow_unused=True) == (4.0, None)
    with pytest.raises(TypeError, match="inputs must be Values"):
        grad(x * x, [2.0])


def test_create_graph_gradients_are_values_even_where_a_wire_is_stopped():
    x = Value(-1.0)
    x.relu().backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 0.0


def test_create_graph_leaves_accumulate_as_values():
    x = Value(2.0)
    (x * x).backward(create_graph=True)
    (x * x).backward(create_graph=True)
    assert x.grad.data == 8.0
    g, x.grad = x.grad, 0.0
    g.backward()
    assert x.grad == 4.0


def test_first_order_backward_still_writes_floats():
    x = Value(2.0)
    (x * x).backward()
    assert type(x.grad) is float


def _numeric_hessian(f, point, h=1e-4):
    n = len(point)

    def at(i, j, di, dj):
        p = list(point)
        p[i] += di
        p[j] += dj
        return f(*(Value(v) for v in p)).data

    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            H[i, j] = (at(i, j, h, h) - at(i, j, h, -h) - at(i, j, -h, h) + at(i, j, -h, -h)) / (4 * h * h)
    return H


def test_hessian_against_finite_differences_and_symmetric():
    def loss(w, b):
        return ((w * 1.5 + b).tanh() - 0.3) ** 2 + ((w * -0.7 + b).tanh() + 0.2) ** 2

    H = hessian(loss, np.array([0.4, -0.1]))
    assert isinstance(H, np.ndarray) and H.shape == (2, 2)
    np.testing.assert_allclose(H, _numeric_hessian(loss, [0.4, -0.1]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H, H.T, rtol=1e-12)
    assert isinstance(hessian(loss, [0.4, -0.1]), list)


def test_hvp_is_the_hessian_times_v():
    def f(x, y, z):
        return x * y * z + (x * z).sin() + y.exp()

    point, v = [0.3, -0.8, 1.1], [0.5, -2.0, 0.25]
    np.testing.assert_allclose(hvp(f, point, v), np.array(hessian(f, point)) @ v, rtol=1e-12)
    with pytest.raises(ValueError, match="v has 2 elements"):
        hvp(f, point, [1.0, 2.0])


def test_random_graphs_second_derivatives_against_central_differences():
    rng = random.Random(5)
    unary = [lambda v: v.tanh(), lambda v: v.sin(), lambda v: v.sigmoid(), lambda v: (v * 0.3).exp(), lambda v: v * v]
    for _ in range(40):
        ops = [(rng.choice(unary), rng.random() < 0.5) for _ in range(rng.randint(1, 5))]

        def f(x, ops=ops):
            y = x
            for op, fork in ops:
                y = op(y) + (y * 0.5 if fork else 0.0)
            return y

        x0, h = rng.uniform(-1.5, 1.5), 1e-5
        numeric = (first(f, x0 + h) - first(f, x0 - h)) / (2 * h)
        assert second(f, x0) == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def test_the_gradient_graph_reuses_the_forward_graph():
    x = Value(0.5, label="x")
    t = x.tanh()
    t.backward(create_graph=True)
    assert t in topological_order(x.grad)  # d tanh/dx = 1 - t²: built on the forward node t
    assert micrograd.explain(x.grad)  # and reads like any graph


# ---------------------------------------------------------------- drawing a gradient's graph


def test_draw_a_gradient_with_its_forward_graph_light(tmp_path):
    from micrograd.drawing.comparison import Panels
    from micrograd.gallery import tanh_derivatives

    x = Value(0.5, label="x")
    t = x.tanh()
    t.label = "t"
    (d1,) = grad(t, x, create_graph=True)
    svg = micrograd.draw(d1, style="circuit", forward=t).svg()
    light = re.findall(r'<g id="(v\d+)"[^>]*data-role="(?:leaf|gate)"[^>]*opacity="0.4"', svg)
    full = re.findall(r'<g id="(v\d+)"[^>]*data-role="gate"(?![^>]*opacity)', svg)
    assert len(light) == 2 and len(full) == 2  # x and tanh light; t×t and 1−u in full (the seed's ×1 hidden)
    assert "opacity" not in micrograd.draw(d1, style="circuit").svg()  # without forward=, all in full
    panels = tanh_derivatives()
    assert isinstance(panels, Panels) and len(panels.diagrams) == 2
    for suffix in ("svg", "png", "dot"):
        assert panels.save(tmp_path / f"p.{suffix}").stat().st_size > 0


# ---------------------------------------------------------------- Tensors


def _tensor_loss(w):
    """A small loss through every kind of op the Tensor rules differentiate twice."""
    from micrograd import Tensor

    X = Tensor(np.array([[0.5, -1.0], [1.5, 0.3], [-0.7, 0.8]]), requires_grad=False)
    W, b = w[:4].reshape(2, 2), w[4:]
    h = (X @ W + b).tanh()  # matmul, broadcasting
    z = h.sigmoid() * h.T.sum(axis=0).reshape(3, 1) + (h * 2.0).exp() / (1.0 + h * h)
    z = z.maximum(h.relu() - 0.1) + abs(h).sqrt() * 0.1 + (h + 2.0).log() - h.sin() * h.cos()
    return (z**2).mean() + (w**3).sum() * 0.01


def _tensor_hessian(point):
    from micrograd import Tensor

    w = Tensor(point)
    (g,) = grad(_tensor_loss(w), w, create_graph=True)
    return np.array([grad(g[i], w)[0] for i in range(len(point))])


POINT = np.array([0.3, -0.2, 0.5, 0.1, 0.05, -0.3])


def test_tensor_hessian_against_central_differences_of_the_gradient():
    from micrograd import Tensor

    def gradient(p):
        w = Tensor(p)
        _tensor_loss(w).backward()
        return w.grad

    h = 1e-6
    numeric = np.array([(gradient(POINT + h * e) - gradient(POINT - h * e)) / (2 * h) for e in np.eye(len(POINT))])
    H = _tensor_hessian(POINT)
    np.testing.assert_allclose(H, numeric, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-12)


@pytest.mark.torch
def test_tensor_hessian_against_pytorch():
    torch = pytest.importorskip("torch", reason="compares with PyTorch: pip install -e '.[test,torch]'")
    X = torch.tensor([[0.5, -1.0], [1.5, 0.3], [-0.7, 0.8]], dtype=torch.float64)

    def loss(w):
        W, b = w[:4].reshape(2, 2), w[4:]
        h = torch.tanh(X @ W + b)
        z = torch.sigmoid(h) * h.T.sum(dim=0).reshape(3, 1) + torch.exp(h * 2.0) / (1.0 + h * h)
        z = torch.maximum(z, torch.relu(h) - 0.1) + torch.sqrt(torch.abs(h)) * 0.1 + torch.log(h + 2.0)
        z = z - torch.sin(h) * torch.cos(h)
        return (z**2).mean() + (w**3).sum() * 0.01

    theirs = torch.autograd.functional.hessian(loss, torch.tensor(POINT, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(_tensor_hessian(POINT), theirs, rtol=1e-12, atol=1e-14)


def test_tensor_create_graph_gradients_are_tensors_even_through_indexing():
    from micrograd import Tensor

    x = Tensor(np.array([1.0, 2.0]))
    (x * x).sum().backward(create_graph=True)
    assert isinstance(x.grad, Tensor) and x.grad.requires_grad
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])
    y = Tensor(np.array([1.0, 2.0, 3.0]))
    (g,) = grad(y[0] * y[1] * y[np.array([2, 2])].sum(), y, create_graph=True)  # an index array picks y2 twice
    np.testing.assert_array_equal(g.data, [2 * 2 * 3.0, 2 * 1 * 3.0, 2 * 1 * 2.0])  # f = 2·y0·y1·y2
    (h,) = grad(g[2], y)
    np.testing.assert_array_equal(h.data, [4.0, 2.0, 0.0])
