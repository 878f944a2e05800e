"""The tutorial micrograd's API and its demo notebook's idioms run unchanged on this package."""

from __future__ import annotations

import random

import numpy as np

from micrograd.engine import Value
from micrograd.nn import MLP, Layer, Module, Neuron


def test_demo_notebook_idioms_train_a_moons_like_classifier():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = np.where(X[:, 0] + X[:, 1] > 0, 1, -1)  # numpy int labels in {-1, 1}, as the demo has
    random.seed(1337)
    model = MLP(2, [8, 8, 1])
    assert "MLP" in repr(model) and len(model.parameters()) == 2 * 8 + 8 + 8 * 8 + 8 + 8 + 1

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]  # numpy floats into Values
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores, strict=True)]  # numpy int * Value
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores, strict=True)]
        return total, sum(accuracy) / len(accuracy)

    first, _ = loss()
    for k in range(30):
        total, acc = loss()
        assert isinstance(total, Value) and type(total.data) is float
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 30) * p.grad
    final, acc = loss()
    assert final.data < first.data
    assert acc >= 0.9


def test_module_neuron_layer_api():
    n = Neuron(3, nonlin=False)
    assert len(n.parameters()) == 4
    out = n([1.0, 2.0, 3.0])
    expected = sum(w.data * x for w, x in zip(n.w, (1.0, 2.0, 3.0), strict=True)) + n.b.data
    assert abs(out.data - expected) < 1e-12
    out.backward()
    assert [w.grad for w in n.w] == [1.0, 2.0, 3.0] and n.b.grad == 1.0
    n.zero_grad()
    assert all(p.grad == 0 for p in n.parameters())
    layer = Layer(3, 2, nonlin=True)
    assert len(layer([1.0, 2.0, 3.0])) == 2 and isinstance(Layer(3, 1)([1, 2, 3]), Value)
    assert Module().parameters() == []


def test_fused_neuron_matches_gate_by_gate_sum():
    random.seed(3)
    n = Neuron(4, nonlin=False)  # linear, so no dead ReLU can make the comparison trivial
    xs = [Value(v) for v in (0.5, -1.0, 2.0, 0.25)]
    fused = n(xs)
    fused.backward()
    fused_grads = [x.grad for x in xs] + [w.grad for w in n.w]
    for v in xs + n.w:
        v.grad = 0.0
    gates = sum((w * x for w, x in zip(n.w, xs, strict=True)), n.b)
    gates.backward()
    assert gates.data == fused.data
    assert [x.grad for x in xs] + [w.grad for w in n.w] == fused_grads
    assert fused_grads[:4] == [w.data for w in n.w]
