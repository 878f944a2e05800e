"""Copies and pickles of graphs: any depth, shared nodes stay shared, and the copy backpropagates."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys

import numpy as np
import pytest

from micrograd import Tensor, Value, topological_order
from micrograd.nn import MLP, hinge, l2, make_moons

ROUND_TRIPS = {
    "deepcopy": copy.deepcopy,
    "pickle": lambda obj: pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)),
    "pickle protocol 2": lambda obj: pickle.loads(pickle.dumps(obj, protocol=2)),
}


def chain(leaf, n: int):
    """``x + x + ... + x``, n additions deep: d(root)/dx = n + 1."""
    y = leaf
    for _ in range(n):
        y = y + leaf
    return y


@pytest.mark.slow
@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
@pytest.mark.parametrize("make", [lambda: Value(1.0), lambda: Tensor(np.array(1.0))], ids=["Value", "Tensor"])
def test_a_million_node_chain_copies_and_backpropagates(make, how):
    x = make()
    root = chain(x, 1_000_000)
    twin = ROUND_TRIPS[how](root)
    twin.backward()
    leaf = twin.parents[1]
    assert leaf is not x and float(leaf.grad) == 1_000_001.0
    assert float(twin.data) == float(root.data) == 1_000_001.0
    assert x.grad in (0.0, None)  # the original is untouched


@pytest.mark.parametrize("how", ROUND_TRIPS)
def test_a_graph_deeper_than_the_recursion_limit(how):
    root = chain(Value(2.0), 3 * sys.getrecursionlimit())
    twin = ROUND_TRIPS[how](root)
    twin.backward()
    assert twin.parents[1].grad == 3 * sys.getrecursionlimit() + 1


@pytest.mark.parametrize("how", ROUND_TRIPS)
def test_shared_nodes_stay_shared(how):
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    d = c + a  # a is used twice, c once more below
    e = d * c
    e2, a2, c2 = ROUND_TRIPS[how]([e, a, c])
    assert len(topological_order(e2)) == len(topological_order(e))
    assert a2 in topological_order(e2) and c2 in topological_order(e2)  # the same objects, not copies of copies
    assert [v.label for v in topological_order(e2)] == [v.label for v in topological_order(e)]
    e.backward()
    e2.backward()
    assert (a2.grad, c2.grad) == (a.grad, c.grad)


@pytest.mark.parametrize("how", ROUND_TRIPS)
def test_the_readme_moons_loss_copies_and_gives_the_same_gradients(how):
    X, y = make_moons(100, noise=0.1, seed=1)  # as the README: a loss too deep for copy.deepcopy before
    model = MLP(2, [16, 16, 1])
    loss = hinge([model(list(x)) for x in X], 2 * y - 1) + 1e-4 * l2(model.parameters())
    twin_loss, twin_model = ROUND_TRIPS[how]([loss, model])
    loss.backward()
    twin_loss.backward()
    assert twin_loss.data == loss.data
    for p, q in zip(model.parameters(), twin_model.parameters(), strict=True):
        assert q is not p and q.grad == p.grad
    assert any(p.grad != 0.0 for p in model.parameters())


@pytest.mark.parametrize("how", ROUND_TRIPS)
def test_tensors_with_settings_copy(how):
    w = Tensor(np.arange(6.0).reshape(2, 3), label="W")
    out = (w[0, 1:] * w.T[1:, 0]).sum(axis=0).mean()
    twin = ROUND_TRIPS[how](out)
    out.backward()
    twin.backward()
    (w2,) = [v for v in topological_order(twin) if v.label == "W"]
    np.testing.assert_array_equal(w2.grad, w.grad)
    assert twin.op == out.op


def test_a_shallow_copy_joins_the_same_graph():
    a = Value(3.0)
    b = a * a
    b2 = copy.copy(b)
    assert b2 is not b and b2.parents == b.parents and b2.data == b.data
    b2.backward()
    assert a.grad == 6.0
    assert pickle.loads(pickle.dumps(chain(Value(1.0), 5000))).data == 5001.0  # and pickling still works after it


def test_a_network_unpickled_in_a_fresh_interpreter_backpropagates():
    """The neuron's rule (Σwx+b) is registered by micrograd.nn: unpickling imports it."""
    model = MLP(2, [3, 1])
    out = model([0.5, -1.0])
    blob = pickle.dumps(out)
    code = (
        "import pickle, sys\n"
        "out = pickle.loads(sys.stdin.buffer.read())\n"
        "out.backward()\n"
        "from micrograd import topological_order\n"
        "print(sum(abs(v.grad) for v in topological_order(out) if not v.parents))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], input=blob, capture_output=True, check=True, timeout=60)
    out.backward()
    expected = sum(abs(v.grad) for v in topological_order(out) if not v.parents)
    assert expected > 0 and float(done.stdout) == pytest.approx(expected, rel=1e-15)


def test_a_graph_whose_gradients_are_graphs_copies_and_pickles() -> None:
    """After backward(create_graph=True) x.grad is a graph that uses x itself: a copy must not loop."""
    x = Value(2.0)
    y = x * x * x
    y.backward(create_graph=True)
    for twin in (copy.deepcopy(y), pickle.loads(pickle.dumps(y))):
        (tx,) = {p for p in topological_order(twin) if not p.parents}
        assert tx is not x and tx.data == 2.0 and tx.grad.data == 12.0  # 3x²
        assert tx in topological_order(tx.grad)  # the copied gradient's graph uses the copied x
        tx.grad, g = 0.0, tx.grad
        g.backward()
        assert tx.grad == 12.0  # 6x: the copy differentiates again
