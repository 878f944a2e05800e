"""Scopes (``micrograd.scope``): the part of a model that built a node, per thread."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
import threading

import numpy as np
import pytest

import micrograd
from micrograd import Function, Tensor, Value, is_grad_enabled, no_grad, scope
from micrograd.core import topological_order
from micrograd.graph.scope import current_scope
from micrograd.nn import MLP, weighted_sum


def _scopes(root) -> dict[str, str | None]:
    return {n.label: n.scope for n in topological_order(root) if n.label}


def test_nodes_built_inside_carry_the_path_of_the_open_scopes() -> None:
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    with scope("layer0"):
        with scope("attn"):
            with scope("head2"):
                with scope("softmax"):
                    e = (a * b).exp()
                    e.label = "e"
            q = e + a
            q.label = "q"
        r = q.tanh()
        r.label = "r"
    out = r - b
    out.label = "out"
    assert _scopes(out) == {
        "a": None,
        "b": None,
        "e": "layer0/attn/head2/softmax",
        "q": "layer0/attn",
        "r": "layer0",
        "out": None,
    }
    assert current_scope() is None


def test_every_op_path_is_tagged_and_gradients_are_the_same_as_outside() -> None:
    def f(x: Value, y: Value) -> Value:  # the inline + and *, _unary, _binary, _nary (sum of many)
        return (x * y + x).relu() + (x - y) / y + x.max(y) + x**2 + sum([x, y, x * 3.0])

    x0, y0 = Value(1.5), Value(-0.5)
    plain = f(x0, y0)
    plain.backward()
    x1, y1 = Value(1.5), Value(-0.5)
    with scope("f"):
        scoped = f(x1, y1)
    scoped.backward()
    interior = [n for n in topological_order(scoped) if n.parents]
    assert interior and all(n.scope == "f" for n in interior)
    assert all(n.scope is None for n in topological_order(scoped) if not n.parents)  # leaves and constants: untagged
    assert (scoped.data, x1.grad, y1.grad) == (plain.data, x0.grad, y0.grad)
    assert all(n.scope is None for n in topological_order(plain))


def test_decorator_is_named_after_the_function_by_default() -> None:
    @scope
    def softmax(x: Value) -> Value:
        return x.exp() / (x.exp() + 1)

    @scope()
    def rmsnorm(x: Value) -> Value:
        return softmax(x * x)

    @scope("mlp")
    def block(x: Value) -> Value:
        return rmsnorm(x) + 1

    out = block(Value(0.3))
    assert (softmax.__name__, rmsnorm.__name__, block.__name__) == ("softmax", "rmsnorm", "block")
    assert out.scope == "mlp"
    assert out.parents[0].scope == "mlp/rmsnorm/softmax"
    assert {n.scope for n in topological_order(out) if n.parents} == {"mlp", "mlp/rmsnorm", "mlp/rmsnorm/softmax"}


def test_an_exception_closes_the_scope() -> None:
    with pytest.raises(ZeroDivisionError), scope("outer"), scope("inner"):
        raise ZeroDivisionError
    assert current_scope() is None
    assert (Value(1.0) * Value(2.0)).scope is None
    assert is_grad_enabled() is True


@pytest.mark.parametrize(("name", "error"), [("", ValueError), ("a/b", ValueError), (3, TypeError), (b"x", TypeError)])
def test_bad_names_are_refused(name: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="scope"):
        scope(name)  # type: ignore[call-overload]


def test_a_with_block_needs_a_name() -> None:
    with pytest.raises(ValueError, match="needs a name"), scope():
        pass
    assert current_scope() is None


def test_one_scope_object_can_be_entered_again_and_nested_in_itself() -> None:
    attn = scope("attn")
    with attn, attn:
        assert current_scope() == "attn/attn"
    with attn:
        assert (Value(1.0) + Value(1.0)).scope == "attn"
    assert current_scope() is None


def test_no_grad_inside_and_outside_a_scope() -> None:
    a = Value(2.0)
    with scope("s"):
        with no_grad():
            assert is_grad_enabled() is False
            constant = a * a
            with scope("t"):
                assert current_scope() == "s/t"
                also_constant = a + a
                assert is_grad_enabled() is False
            assert is_grad_enabled() is False
        assert is_grad_enabled() is True
        recorded = a * a
    with no_grad(), scope("u"):
        off = a * a
    assert is_grad_enabled() is True
    assert (constant.scope, also_constant.scope, off.scope) == (None, None, None)
    assert not constant.parents and not off.parents
    assert recorded.scope == "s" and recorded.parents == (a, a)
    assert (a * a).scope is None


def test_scopes_belong_to_the_thread_that_opened_them() -> None:
    barrier = threading.Barrier(3)
    seen: dict[str, list] = {}

    def work(name: str | None) -> None:
        a = Value(1.0)
        out = []
        if name is None:
            barrier.wait()
            for _ in range(2000):
                out.append((a * a).scope)
        else:
            with scope(name):
                barrier.wait()
                for _ in range(2000):
                    out.append((a * a).scope)
        seen[str(name)] = out

    threads = [threading.Thread(target=work, args=(n,)) for n in ("one", "two", None)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(seen["one"]) == {"one"}
    assert set(seen["two"]) == {"two"}
    assert set(seen["None"]) == {None}


def test_tensor_nodes_are_tagged() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3))
    w = Tensor(np.ones((3, 2)))
    with scope("linear"):
        h = x @ w
        with scope("act"):
            y = h.relu().sum()
    z = y * 2
    assert (h.scope, y.scope, y.parents[0].scope, z.scope, x.scope) == (
        "linear",
        "linear/act",
        "linear/act",
        None,
        None,
    )
    z.backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 4.0))


class Cube(Function):
    @staticmethod
    def forward(ctx, x):  # noqa: ANN001, ANN205
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, upstream):  # noqa: ANN001, ANN205
        (x,) = ctx.saved_tensors
        return (3 * x**2 * upstream,)


def test_function_nodes_are_tagged() -> None:
    x = Value(2.0)
    with scope("cube"):
        inside = Cube.apply(x)
    outside = Cube.apply(x)
    assert (inside.scope, outside.scope) == ("cube", None)
    inside.backward()
    assert x.grad == 12.0
    with scope("arrays"):
        t = Cube.apply(Tensor(np.array([1.0, 2.0])))
    assert t.scope == "arrays"


def test_nn_nodes_are_tagged() -> None:
    model = MLP(2, [3, 1])
    with scope("mlp"):
        out = model([Value(0.5), Value(-1.0)])
        with scope("sum"):
            s = weighted_sum(model.parameters()[:2], [Value(1.0), 2.0])
    assert {n.op for n in topological_order(out)} >= {"Σwx+b"}
    inside = {"mlp/L1/N1", "mlp/L1/N2", "mlp/L1/N3", "mlp/L2/N1"}  # the nn's own scopes, in the user's
    assert {n.scope for n in topological_order(out) if n.parents} == inside
    assert s.scope == "mlp/sum"
    assert {p.scope for p in model.parameters()} == {None}  # leaves: a picture places them by their uses


def test_copies_and_pickles_keep_the_scope() -> None:
    a = Value(2.0, label="a")
    with scope("layer0"), scope("mlp"):
        out = (a * a).tanh()
    out.label = "out"
    for twin in (copy.deepcopy(out), pickle.loads(pickle.dumps(out)), copy.copy(out)):
        assert twin.scope == "layer0/mlp" and twin.parents[0].scope == "layer0/mlp"
        assert twin.data == out.data
    with scope("t"):
        t = Tensor([1.0, 2.0]) * 3.0
    assert pickle.loads(pickle.dumps(t)).scope == "t"
    with scope("f"):
        f = Cube.apply(Value(1.0))
    assert pickle.loads(pickle.dumps(f)).scope == "f"
    assert pickle.loads(pickle.dumps(a * a)).scope is None


def test_detach_drops_the_scope() -> None:
    with scope("s"):
        out = Value(2.0) * Value(3.0)
    assert out.detach().scope is None


def test_scope_is_exported() -> None:
    assert micrograd.scope is scope
    assert "scope" in micrograd.__all__


def test_a_scoped_graph_reads_as_the_same_graph() -> None:
    def f() -> Value:
        a, b = Value(1.0, label="a"), Value(-2.0, label="b")
        out = (a * b + a).tanh()
        out.label = "out"
        return out

    plain = f()
    with scope("s"):
        scoped = f()
    assert micrograd.draw(scoped).source == micrograd.draw(plain).source
    assert str(micrograd.staged(scoped)) == str(micrograd.staged(plain))
    assert micrograd.gradcheck(lambda x: (x * x).tanh(), [Value(0.3)])
    with scope("check"):
        assert micrograd.gradcheck(lambda x: (x * x).tanh(), [Value(0.3)])


def test_a_node_made_inside_a_scope_is_a_value_of_the_same_size() -> None:
    a = Value(2.0)
    with scope("s"):
        inside = a * a
    outside = a * a
    assert type(inside) is Value  # one class: the ops' attribute caches see one type, inside a scope or not
    assert sys.getsizeof(inside) == sys.getsizeof(outside)
    assert repr(inside) == repr(outside)
    leaf = type(inside)(3.0)  # the class called (detach, functional's leaves) makes a plain leaf, in no scope
    assert type(leaf) is Value and leaf.scope is None


def test_a_pickle_loads_its_scopes_in_a_fresh_process() -> None:
    with scope("layer0"), scope("attn"):
        out = Value(2.0) * Value(3.0)
    code = (
        "import pickle, sys; out = pickle.loads(sys.stdin.buffer.read()); out.backward();"
        "print(out.scope, out.parents[0].scope, out.parents[0].grad)"
    )
    run = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(out), capture_output=True, check=True)
    assert run.stdout.decode().split() == ["layer0/attn", "None", "3.0"]


def test_a_scope_can_be_set_by_hand_and_is_checked() -> None:
    a = Value(1.0)
    a.scope = "layer0/embedding"
    assert a.scope == "layer0/embedding"
    a.scope = None
    assert a.scope is None
    for bad in ("", "a//b", "/a", 3):
        with pytest.raises(ValueError, match="scope"):
            a.scope = bad  # type: ignore[assignment]


def test_a_node_made_by_hand_is_tagged_as_an_op_output() -> None:
    a, b = Value(2.0), Value(3.0)
    with scope("tutorial"):
        by_hand = Value(5.0, (a, b), "+")
        leaf = Value(1.0)
    assert (by_hand.scope, leaf.scope, Value(5.0, (a, b), "+").scope) == ("tutorial", None, None)
    by_hand.backward()
    assert (a.grad, b.grad) == (1.0, 1.0)
