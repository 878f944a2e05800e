"""micrograd.nn: activations, losses, SGD, data sets, and that training actually learns."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from micrograd import Value, gradcheck, no_grad
from micrograd.nn import (
    MLP,
    SGD,
    Layer,
    Neuron,
    bce_with_logits,
    binary_cross_entropy_with_logits,
    hinge,
    l2,
    make_blobs,
    make_moons,
    mse,
    softmax_cross_entropy,
)

floats = st.floats(-5.0, 5.0, allow_nan=False)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# ---------------------------------------------------------------- activations


@pytest.mark.parametrize(
    ("activation", "f"),
    [
        ("relu", lambda s: max(s, 0.0)),
        ("tanh", math.tanh),
        ("sigmoid", _sigmoid),
        ("linear", lambda s: s),
    ],
)
def test_neuron_activation_is_applied_to_the_weighted_sum(activation, f):
    random.seed(0)
    n = Neuron(3, activation=activation)
    n.b.data = 0.3
    x = [0.5, -1.5, 2.0]
    s = sum(w.data * xi for w, xi in zip(n.w, x, strict=True)) + 0.3
    assert n(x).data == pytest.approx(f(s), rel=1e-12, abs=1e-15)
    assert n.nonlin == (activation != "linear")


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_neuron_gradients_match_central_differences(activation):
    random.seed(1)
    n = Neuron(3, activation=activation)
    n.b.data = 0.1

    def f(x0, x1, x2):
        return n([x0, x1, x2])

    result = gradcheck(f, [0.7, -0.4, 1.3])
    assert result, str(result)


def test_nonlin_still_chooses_relu_or_linear_and_activation_wins():
    assert Neuron(2).activation == "relu" and repr(Neuron(2)) == "ReLUNeuron(2)"
    assert Neuron(2, nonlin=False).activation == "linear" and repr(Neuron(2, nonlin=False)) == "LinearNeuron(2)"
    assert Neuron(2, nonlin=False, activation="tanh").activation == "tanh"
    assert repr(Neuron(4, activation="Sigmoid")) == "SigmoidNeuron(4)"
    layer = Layer(3, 2, activation="tanh")
    assert [n.activation for n in layer.neurons] == ["tanh", "tanh"]
    assert [n.activation for n in Layer(3, 2, nonlin=False).neurons] == ["linear", "linear"]


def test_mlp_hidden_and_output_activations():
    m = MLP(2, [4, 3, 1])
    assert [layer.neurons[0].activation for layer in m.layers] == ["relu", "relu", "linear"]
    m = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid")
    assert [layer.neurons[0].activation for layer in m.layers] == ["tanh", "sigmoid"]
    assert 0.0 < m([0.3, -0.2]).data < 1.0
    chain = MLP(1, [1, 1])  # one-neuron layers feed a single Value on
    assert isinstance(chain([2.0]), Value)


def test_mlp_output_is_the_layers_composed():
    random.seed(2)
    m = MLP(2, [3, 2], activation="tanh")
    x = [0.25, -0.75]
    hidden = [math.tanh(sum(w.data * xi for w, xi in zip(n.w, x, strict=True)) + n.b.data) for n in m.layers[0].neurons]
    out = [sum(w.data * h for w, h in zip(n.w, hidden, strict=True)) + n.b.data for n in m.layers[1].neurons]
    assert [o.data for o in m(x)] == pytest.approx(out, rel=1e-12)


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: Neuron(2)([1.0, 2.0, 3.0]), ValueError, "expects 2 inputs, got 3"),
        (lambda: Neuron(2)(Value(1.0)), TypeError, "list of 2 inputs"),
        (lambda: Neuron(0), ValueError, "nin"),
        (lambda: Neuron(2.5), ValueError, "nin"),
        (lambda: Neuron(2, activation="softplus"), ValueError, "unknown activation 'softplus'"),
        (lambda: Layer(2, 0), ValueError, "nout"),
        (lambda: Layer(2, 2, activation="gelu"), ValueError, "unknown activation"),
        (lambda: MLP(2, []), ValueError, "nouts"),
        (lambda: MLP(2, 3), ValueError, "nouts"),
        (lambda: MLP(2, [4, -1]), ValueError, "layer size"),
        (lambda: MLP(2, [4, 1], activation="swish"), ValueError, "unknown activation"),
        (lambda: MLP(2, [4, 1])([1.0]), ValueError, "expects 2 inputs, got 1"),
    ],
)
def test_bad_model_input_gets_a_clear_error(make, error, words):
    with pytest.raises(error, match=words):
        make()


# ---------------------------------------------------------------- losses against numpy


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(floats, floats), min_size=1, max_size=6))
def test_mse_matches_numpy(pairs):
    p, t = np.array(pairs).T
    assert mse([Value(v) for v in p], t).data == pytest.approx(np.mean((p - t) ** 2), rel=1e-9, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(floats, st.sampled_from([-1, 1])), min_size=1, max_size=6))
def test_hinge_matches_numpy(pairs):
    s, y = np.array(pairs).T
    expected = np.mean(np.maximum(0.0, 1.0 - y * s))
    assert hinge([Value(v) for v in s], y.astype(int)).data == pytest.approx(expected, rel=1e-9, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-12, 12), st.floats(0, 1)), min_size=1, max_size=6))
def test_bce_with_logits_matches_the_textbook_formula(pairs):
    z, t = np.array(pairs).T  # |z| <= 12: the textbook form still has ~10 good digits there
    p = 1.0 / (1.0 + np.exp(-z))
    expected = np.mean(-(t * np.log(p) + (1 - t) * np.log(1 - p)))
    assert bce_with_logits([Value(v) for v in z], t).data == pytest.approx(expected, rel=1e-9, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-20, 20), min_size=1, max_size=5), st.data())
def test_softmax_cross_entropy_matches_numpy(z, data):
    k = data.draw(st.integers(0, len(z) - 1))
    z = np.array(z)
    expected = -np.log(np.exp(z[k]) / np.sum(np.exp(z)))
    assert softmax_cross_entropy([Value(v) for v in z], k).data == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_softmax_cross_entropy_of_a_batch_is_the_mean():
    rows, targets = [[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]], [0, 2]
    each = [softmax_cross_entropy([Value(v) for v in r], t).data for r, t in zip(rows, targets, strict=True)]
    batch = softmax_cross_entropy([[Value(v) for v in r] for r in rows], targets)
    assert batch.data == pytest.approx(sum(each) / 2, rel=1e-12)


def test_l2_is_the_sum_of_squares_with_gradient_2p():
    ps = [Value(v) for v in (0.5, -2.0, 3.0)]
    r = l2(ps)
    r.backward()
    assert r.data == 0.25 + 4.0 + 9.0
    assert [p.grad for p in ps] == [1.0, -4.0, 6.0]


# ---------------------------------------------------------------- losses against central differences


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(floats, floats), min_size=1, max_size=4))
def test_mse_gradcheck(pairs):
    t = [b for _, b in pairs]
    result = gradcheck(lambda *p: mse(list(p), t), [a for a, _ in pairs])
    assert result, str(result)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(floats, st.sampled_from([-1, 1])), min_size=1, max_size=4))
def test_hinge_gradcheck_away_from_the_kink(pairs):
    assume(all(abs(1 - y * s) > 1e-3 for s, y in pairs))
    y = [b for _, b in pairs]
    result = gradcheck(lambda *s: hinge(list(s), y), [a for a, _ in pairs])
    assert result, str(result)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(-10, 10), st.floats(0, 1)), min_size=1, max_size=4))
def test_bce_with_logits_gradcheck(pairs):
    t = [b for _, b in pairs]
    result = gradcheck(lambda *z: bce_with_logits(list(z), t), [a for a, _ in pairs])
    assert result, str(result)


@settings(max_examples=30, deadline=None)
@given(st.lists(floats, min_size=1, max_size=5), st.data())
def test_softmax_cross_entropy_gradcheck(z, data):
    k = data.draw(st.integers(0, len(z) - 1))
    result = gradcheck(lambda *zs: softmax_cross_entropy(list(zs), k), z)
    assert result, str(result)


@pytest.mark.parametrize("t", [0.0, 0.3, 1.0])
def test_bce_gradient_is_sigmoid_minus_target_even_at_zero(t):
    for z0 in (0.0, 0.8, -2.5):
        z = Value(z0)
        bce_with_logits(z, t).backward()
        assert z.grad == pytest.approx(_sigmoid(z0) - t, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("z0", "t"), [(1000.0, 0.0), (1000.0, 1.0), (-1000.0, 0.0), (-1000.0, 1.0), (1e300, 0.5)])
def test_bce_with_huge_logits_is_finite(z0, t):
    z = Value(z0)
    loss = binary_cross_entropy_with_logits([z], [t])
    loss.backward()
    assert math.isfinite(loss.data) and math.isfinite(z.grad)
    assert loss.data == pytest.approx(max(z0, 0.0) - z0 * t, rel=1e-12, abs=1e-12)
    assert z.grad == pytest.approx((1.0 if z0 > 0 else 0.0) - t, abs=1e-12)


def test_softmax_cross_entropy_with_huge_logits_is_finite():
    zs = [Value(1000.0), Value(-1000.0), Value(999.0)]
    loss = softmax_cross_entropy(zs, 2)
    loss.backward()
    assert loss.data == pytest.approx(math.log1p(math.exp(-1.0)) + 1.0, rel=1e-12)
    s = 1.0 / (1.0 + math.exp(-1.0))  # softmax of the 1000 logit against the 999 one
    assert [z.grad for z in zs] == pytest.approx([s, 0.0, (1.0 - s) - 1.0], abs=1e-12)


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: hinge([Value(1.0)], [0]), ValueError, "labels must be -1 or 1"),
        (lambda: hinge([Value(1.0), Value(2.0)], [1]), ValueError, "2 predictions but 1 targets"),
        (lambda: mse([], []), ValueError, "empty"),
        (lambda: mse("ab", [1.0]), TypeError, "predictions"),
        (lambda: mse([Value(1.0)], ["x"]), TypeError, "targets must be numbers"),
        (lambda: bce_with_logits([Value(0.0)], [2.0]), ValueError, r"targets must be in \[0, 1\]"),
        (lambda: softmax_cross_entropy([Value(0.0), Value(1.0)], 2), ValueError, "out of range"),
        (lambda: softmax_cross_entropy([Value(0.0)], 0.5), TypeError, "class index"),
        (lambda: softmax_cross_entropy([[Value(0.0)]], [0, 0]), ValueError, "1 rows of logits but 2 targets"),
        (lambda: l2([]), TypeError, "non-empty list of Values"),
    ],
)
def test_bad_loss_input_gets_a_clear_error(make, error, words):
    with pytest.raises(error, match=words):
        make()


# ---------------------------------------------------------------- SGD


def test_sgd_plain_step_by_hand():
    p, q = Value(1.0), Value(-2.0)
    opt = SGD([p, q], lr=0.1)
    p.grad, q.grad = 0.5, -4.0
    opt.step()
    assert (p.data, q.data) == (1.0 - 0.1 * 0.5, -2.0 + 0.1 * 4.0)
    opt.zero_grad()
    assert (p.grad, q.grad) == (0.0, 0.0)


def test_sgd_momentum_by_hand():
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9)
    p.grad = 0.5
    opt.step()  # v = 0.5, p = 1 - 0.05
    assert p.data == pytest.approx(0.95, rel=1e-15)
    opt.step()  # v = 0.9·0.5 + 0.5 = 0.95, p = 0.95 - 0.095
    assert p.data == pytest.approx(0.855, rel=1e-15)
    p.grad = -1.0
    opt.step()  # v = 0.9·0.95 - 1 = -0.145, p = 0.855 + 0.0145
    assert p.data == pytest.approx(0.8695, rel=1e-14)
    assert opt.velocity == pytest.approx([-0.145])


def test_sgd_lr_can_be_scheduled_but_must_stay_valid():
    p = Value(0.0)
    opt = SGD(iter([p]), lr=1.0)
    opt.lr = 0.5
    p.grad = 2.0
    opt.step()
    assert p.data == -1.0
    with pytest.raises(ValueError, match="lr must be"):
        opt.lr = 0.0


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: SGD([Value(1.0)], lr=0), ValueError, "lr must be a finite number > 0"),
        (lambda: SGD([Value(1.0)], lr=-0.1), ValueError, "lr must be"),
        (lambda: SGD([Value(1.0)], lr=math.nan), ValueError, "lr must be"),
        (lambda: SGD([Value(1.0)], lr="0.1"), ValueError, "lr must be"),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=1.0), ValueError, "momentum"),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=-0.5), ValueError, "momentum"),
        (lambda: SGD([], lr=0.1), ValueError, "empty"),
        (lambda: SGD([1.0], lr=0.1), TypeError, "Values"),
        (lambda: SGD(Value(1.0), lr=0.1), TypeError, "list of Values"),
    ],
)
def test_bad_sgd_input_gets_a_clear_error(make, error, words):
    with pytest.raises(error, match=words):
        make()


# ---------------------------------------------------------------- data sets


def test_make_moons_is_seeded_shaped_and_balanced():
    X, y = make_moons(101, noise=0.1, seed=7)
    X2, y2 = make_moons(101, noise=0.1, seed=7)
    X3, _ = make_moons(101, noise=0.1, seed=8)
    assert X.shape == (101, 2) and y.shape == (101,) and X.dtype == np.float64
    assert np.array_equal(X, X2) and np.array_equal(y, y2) and not np.array_equal(X, X3)
    assert set(y.tolist()) == {0, 1} and (y == 0).sum() == 51 and (y == 1).sum() == 50


def test_make_moons_without_noise_lies_on_the_two_half_circles():
    X, y = make_moons(60, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0) and np.all(upper[:, 1] >= -1e-12)
    assert np.allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0) and np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_make_blobs_is_seeded_and_points_gather_around_their_center():
    centers = [[-3.0, 0.0], [3.0, 1.0], [0.0, 5.0]]
    X, y = make_blobs(300, centers=centers, std=0.2, seed=3)
    X2, y2 = make_blobs(300, centers=centers, std=0.2, seed=3)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert X.shape == (300, 2) and sorted(np.bincount(y).tolist()) == [100, 100, 100]
    for k, c in enumerate(centers):
        assert np.allclose(X[y == k].mean(axis=0), c, atol=0.1)
    Xr, yr = make_blobs(10, centers=4, dim=3, seed=0)
    assert Xr.shape == (10, 3) and np.bincount(yr).tolist() == [3, 3, 2, 2]


@pytest.mark.parametrize(
    "make",
    [
        lambda: make_moons(0),
        lambda: make_moons(10, noise=-1),
        lambda: make_moons(2.5),
        lambda: make_blobs(10, centers=0),
        lambda: make_blobs(10, std=math.inf),
        lambda: make_blobs(10, centers=[[1.0], [1.0, 2.0]]),
        lambda: make_blobs(10, centers=2, box=(1, 1)),
    ],
)
def test_bad_dataset_arguments_get_a_clear_error(make):
    with pytest.raises(ValueError, match="make_(moons|blobs)"):
        make()


# ---------------------------------------------------------------- training learns


def test_training_a_tiny_mlp_on_moons_decreases_the_loss_and_fits():
    X, y = make_moons(40, noise=0.1, seed=0)
    labels = 2 * y - 1
    random.seed(1337)
    model = MLP(2, [8, 8, 1])
    opt = SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(60):
        scores = [model(list(x)) for x in X]
        loss = hinge(scores, labels) + 1e-4 * l2(model.parameters())
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.data)
    assert losses[-1] < 0.5 * losses[0]
    with no_grad():
        accuracy = np.mean([(model(list(x)).data > 0) == (t > 0) for x, t in zip(X, labels, strict=True)])
    assert accuracy >= 0.9


def test_softmax_classifier_learns_three_blobs():
    X, y = make_blobs(45, centers=[[-2.0, 0.0], [2.0, 0.0], [0.0, 3.0]], std=0.5, seed=1)
    random.seed(0)
    model = MLP(2, [3])  # multinomial logistic regression: three linear outputs
    opt = SGD(model.parameters(), lr=0.5)
    first = None
    for _ in range(40):
        loss = softmax_cross_entropy([model(list(x)) for x in X], y)
        first = loss.data if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.data < 0.5 * first
    with no_grad():
        predicted = [int(np.argmax([o.data for o in model(list(x))])) for x in X]
    assert np.mean(np.array(predicted) == y) >= 0.95


def test_logistic_regression_with_bce_separates_two_blobs():
    X, y = make_blobs(60, centers=[[-2.0, -1.0], [2.0, 1.0]], std=0.7, seed=2)
    random.seed(0)
    neuron = Neuron(2, activation="linear")
    opt = SGD(neuron.parameters(), lr=0.5)
    for _ in range(50):
        loss = bce_with_logits([neuron(list(x)) for x in X], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with no_grad():
        accuracy = np.mean([(neuron(list(x)).data > 0) == (t == 1) for x, t in zip(X, y, strict=True)])
    assert accuracy >= 0.95 and loss.data < 0.2
