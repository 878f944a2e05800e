"""Staged code (micrograd.staged) and compiled replays (micrograd.compile): the same bits as backward()."""

from __future__ import annotations

import math
import random
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from parity import EDGES, _scalar_binary, program, run, run_scalar

import micrograd
from micrograd import Value
from micrograd.engine import RULES
from micrograd.gallery import fork_xy, sigmoid_neuron
from micrograd.nn import MLP, hinge, l2, make_moons, weighted_sum
from micrograd.replay import ReplayMismatch
from micrograd.staging import NotStageable, fill, op_code, staged


def same(a: float, b: float) -> bool:
    """The same float bit for bit (0.0 and -0.0 differ), any nan equal to any nan."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def leaves_of(root: Value) -> list[Value]:
    return [v for v in micrograd.core.reading_order(root) if not v.parents and (v.requires_grad or v.label)]


# ---------------------------------------------------------------- each op's code is its rule, bit for bit

UNARY_OPS = {
    "neg": Value.__neg__,
    "exp": Value.exp,
    "log": Value.log,
    "tanh": Value.tanh,
    "sin": Value.sin,
    "cos": Value.cos,
    "sigmoid": Value.sigmoid,
    "ReLU": Value.relu,
    "abs": Value.abs,
    "sqrt": Value.sqrt,
    "1/x": Value.reciprocal,
}
BINARY_OPS = {
    "+": Value.__add__,
    "-": Value.__sub__,
    "*": Value.__mul__,
    "/": Value.__truediv__,
    "**": Value.__pow__,
    "max": Value.max,
    "min": Value.min,
}
UPSTREAMS = (1.0, -2.5, 0.0, -0.0, math.inf, math.nan, 1e300)


def _run_code(node: Value, upstream: float) -> tuple[float, list[float]]:
    """The op's code evaluated on the node's own numbers: its output, and each parent's contribution."""
    names = [f"p{k}" for k in range(len(node.parents))]
    scope = {**{n: p.data for n, p in zip(names, node.parents, strict=True)}, "out": node.data, "up": upstream}
    scope.update({name: getattr(micrograd.floats, name) for name in micrograd.floats.__all__})
    templates = op_code(node)
    value = eval(fill(templates[0], names), scope)  # noqa: S307  (our templates)
    contributions = [eval(fill(t, names, out="out", up="up"), scope) for t in templates[1:]]  # noqa: S307
    return value, contributions


def test_every_scalar_op_has_code() -> None:
    own = {name for name, rule in RULES.items() if rule.__module__.startswith("micrograd.")}  # not the tests' ops
    assert own <= set(RULES.code), own - set(RULES.code)


@pytest.mark.parametrize("op", sorted(UNARY_OPS))
def test_unary_op_code_is_the_op_and_its_rule_bit_for_bit(op: str) -> None:
    for x in EDGES + (0.3, -0.7, 0.49999, 0.5, 0.9999, 20.0):
        node = UNARY_OPS[op](Value(x))
        for upstream in UPSTREAMS:
            value, contributions = _run_code(node, upstream)
            assert same(value, node.data), (op, x)
            (expected,) = RULES[op](node, upstream)
            assert same(contributions[0], expected), (op, x, upstream, contributions[0], expected)


@pytest.mark.parametrize("op", sorted(BINARY_OPS))
def test_binary_op_code_is_the_op_and_its_rule_bit_for_bit(op: str) -> None:
    values = (0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, 3.0, 1e-300, 1e300, math.inf, -math.inf, math.nan)
    for a in values:
        for b in values:
            node = BINARY_OPS[op](Value(a), Value(b))
            for upstream in (1.0, -0.0, math.inf, math.nan):
                value, contributions = _run_code(node, upstream)
                assert same(value, node.data), (op, a, b)
                expected = RULES[op](node, upstream)
                for got, want in zip(contributions, expected, strict=True):
                    assert same(got, want), (op, a, b, upstream, got, want)


@pytest.mark.parametrize(
    "make",
    [lambda a, b: Value(a) ** b, lambda a, b: a / Value(b)],
    ids=["x ** number", "number / x"],
)
def test_an_ops_code_with_a_number_input_is_the_op_and_its_rule_bit_for_bit(make) -> None:
    """x ** 0.5 and 2 / x are computed as PyTorch computes t ** 0.5 and 2 / t (sqrt, 1/t·2): so is their code."""
    values = (
        0.0,
        -0.0,
        1.0,
        -1.0,
        2.0,
        -2.0,
        0.5,
        -0.5,
        3.0,
        1e-310,
        5e-324,
        1e160,
        1e300,
        math.inf,
        -math.inf,
        math.nan,
    )
    for a in values:
        for b in values:
            node = make(a, b)
            for upstream in (1.0, -0.0, math.inf, math.nan):
                value, contributions = _run_code(node, upstream)
                assert same(value, node.data), (a, b)
                expected = node._rules[node._op](node, upstream)
                for parent, got, want in zip(node.parents, contributions, expected, strict=True):
                    if parent.requires_grad:
                        assert same(got, want), (a, b, upstream, got, want)


def test_the_weighted_sum_code_is_its_op_and_rule() -> None:
    ws, xs = [Value(0.5), Value(-1.25), Value(3.0)], [Value(2.0), Value(1e-8), Value(-0.75)]
    node = weighted_sum(ws, xs, Value(0.1))
    value, contributions = _run_code(node, 1.7)
    assert same(value, node.data)
    assert all(same(g, w) for g, w in zip(contributions, RULES["Σwx+b"](node, 1.7), strict=True))


# ---------------------------------------------------------------- staged(f): runs to backward()'s numbers


def _check_staged_equals_backward(root: Value) -> None:
    code = staged(root)
    value, grads = code()
    inputs = [v for v in leaves_of(root) if v.requires_grad]
    root.backward()
    assert same(value, root.data)
    assert len(grads) == len(inputs)
    for v, g in zip(inputs, grads, strict=True):
        assert same(0.0 + g, v.grad), (code.source, v, g)


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False))
def test_staged_code_of_random_graphs_gives_backwards_numbers(rng: random.Random) -> None:
    """Random graphs with forks, constants and IEEE edge values (inf, nan, ±0, overflow, subnormals)."""
    _, root = run_scalar(program(rng))
    assume(root.requires_grad)  # a graph ending on a constant has nothing to stage: draw another
    _check_staged_equals_backward(root)


def test_the_lecture_sigmoid_neuron_reads_as_the_lecture_writes_it() -> None:
    code = staged(sigmoid_neuron())
    text = str(code)
    assert code.arguments == ("w0", "x0", "w1", "x1", "w2")
    for line in (
        "n1 = w0 * x0",
        "n2 = w1 * x1",
        "n6 = exp(n5)",
        "f = div(1.0, n7)",
        "dw0 = dn1 * x0",
        "dx1 = dn2 * w1",
    ):
        assert re.search(rf"^    {re.escape(line)}\s", text, re.M), line
    assert text.startswith("from micrograd.floats import div, exp\n")
    value, grads = code()
    assert value == pytest.approx(0.7311, abs=1e-4)
    assert [round(g, 4) for g in grads] == [-0.1966, 0.3932, -0.3932, -0.5898, 0.1966]
    _check_staged_equals_backward(sigmoid_neuron())


def test_a_fork_adds_with_plus_equals_and_the_comments_show_the_numbers() -> None:
    text = str(staged(fork_xy()))
    assert re.search(r"^    dx = .*# 2\.4691$", text, re.M)
    assert re.search(r"^    dx \+= dn\d \* 3\.0 +# \+ -0\.000369, now 2\.4688$", text, re.M)
    assert "n1 = x * x " in text and "dx = dn1 * (2.0 * x) " in text  # x ** 2 written as PyTorch computes it
    assert "power" not in text and "0.0 if 2.0 == 0" not in text  # the exponent's cases and branch, folded


def test_a_large_graph_has_no_number_comments_unless_asked() -> None:
    x = Value(0.5, label="x")
    y = x
    for _ in range(40):
        y = (y * 0.9).tanh()
    assert not re.search(r"\S  # ", str(staged(y)))
    assert re.search(r"\S  # ", str(staged(y, numbers=True)))


def test_labels_that_are_not_python_names_become_names_that_run() -> None:
    a, b, c = Value(1.5, label="L1.N2.w0"), Value(-2.0, label="class"), Value(3.0, label="exp")
    d = Value(0.25, label="dL1_N2_w0")  # what a's gradient would be called
    f = (a * b + c.exp() + d).tanh()
    f.label = "f(x)"
    code = staged(f)
    assert "L1_N2_w0" in code.arguments and "class_" in code.arguments and "exp_" in code.arguments
    _check_staged_equals_backward(f)


def test_a_function_returning_the_value_can_be_staged_too() -> None:
    assert staged(sigmoid_neuron).source == staged(sigmoid_neuron()).source


def test_staged_code_shows_as_highlighted_python_in_jupyter() -> None:
    assert staged(sigmoid_neuron())._repr_markdown_().startswith("```python\nfrom micrograd.floats import div, exp\n")


@pytest.fixture
def doubled():  # type: ignore[no-untyped-def]
    """An op of the user's, registered by name with a rule and no code (so it cannot be staged)."""

    @micrograd.op("doubled")
    def rule(out, upstream):  # type: ignore[no-untyped-def]
        return (2.0 * upstream,)

    yield "doubled"
    del RULES["doubled"]


def test_what_cannot_be_staged_says_why(doubled: str) -> None:
    with pytest.raises(NotStageable, match="scalar Value graph"):
        staged(micrograd.Tensor([1.0, 2.0]).sum())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        staged(Value(2.0, requires_grad=False) * 3)
    x = Value(2.0)
    custom = Value(x.data * 2, (x,), "doubled")  # a hand-made node: a rule, no code
    with pytest.raises(NotStageable, match="'doubled' has no code"):
        staged(custom * 1.0)


# ---------------------------------------------------------------- compile(fn, params): replays at float speed


def _moons_loss(model: MLP, X: list[list[float]], y: list[float]):  # type: ignore[no-untyped-def]
    def loss() -> Value:
        scores = [model(x) for x in X]
        return hinge(scores, y) + 1e-4 * l2(model.parameters())

    return loss


def test_a_compiled_training_step_takes_backwards_steps_bit_for_bit() -> None:
    X, y = make_moons(30, noise=0.1, seed=3)
    X, y = X.tolist(), (2 * y - 1).tolist()
    random.seed(5)
    traced, real = MLP(2, [8, 8, 1]), MLP(2, [8, 8, 1])
    for p, q in zip(traced.parameters(), real.parameters(), strict=True):
        q.data = p.data
    step = micrograd.compile(_moons_loss(traced, X, y), traced.parameters(), check=True)
    for _ in range(5):
        traced.zero_grad()
        real.zero_grad()
        value = step()
        out = _moons_loss(real, X, y)()
        out.backward()
        assert same(value, out.data)
        for p, q in zip(traced.parameters(), real.parameters(), strict=True):
            assert same(p.grad, q.grad)
            p.data -= 0.1 * p.grad
            q.data -= 0.1 * q.grad
    step.check()


def test_a_replay_can_return_other_outputs_on_the_way_to_the_loss() -> None:
    w = Value(0.5)
    scores = []

    def fn() -> tuple[Value, list[Value]]:
        scores[:] = [w * 2.0, w * -3.0]
        return (scores[0] - scores[1]).relu(), scores

    step = micrograd.compile(fn, [w], check=True)
    w.data = 2.0
    assert step() == (10.0, [4.0, -6.0])
    assert w.grad == 5.0
    step.check()
    with pytest.raises(ValueError, match="on the way to the loss"):
        micrograd.compile(lambda: (w * 2.0, [w * 3.0]), [w])
    with pytest.raises(TypeError, match=r"or \(loss, \[Values\]\); got list"):
        micrograd.compile(lambda: [w * 2.0], [w])  # type: ignore[arg-type, return-value]


def test_a_replay_adds_into_grad_as_backward_does() -> None:
    w = Value(0.3)
    step = micrograd.compile(lambda: (w * 2.0).tanh(), [w])
    w.grad = 0.125
    step()
    step()
    expected = Value(0.3)
    expected.grad = 0.125
    (expected * 2.0).tanh().backward()
    (expected * 2.0).tanh().backward()
    assert same(w.grad, expected.grad)


@settings(max_examples=200, deadline=None)
@given(st.randoms(use_true_random=False))
def test_replays_of_random_graphs_at_new_parameters_match_fresh_graphs(rng: random.Random) -> None:
    """Traced at one point, replayed at another: the engine's own choices (relu, max, the edge
    cases) are made afresh, so the replay gives what a fresh graph and backward() give there."""
    prog = program(rng)
    leaves: dict[int, Value] = {}

    def build() -> Value:
        const = lambda v, k: Value(v, requires_grad=False)  # noqa: E731
        return run(prog, lambda v, k: leaves.setdefault(k, Value(v)), const, _scalar_binary)[-1]

    assume(build().requires_grad)  # a graph ending on a constant has nothing to replay: draw another
    step = micrograd.compile(build, list(leaves.values()))
    moved = [(op, rng.choice(EDGES)) if op == "leaf" else (op, *args) for op, *args in prog]
    fresh_nodes, fresh_root = run_scalar(moved)
    fresh_root.backward()
    for k, leaf in leaves.items():
        leaf.data, leaf.grad = fresh_nodes[k].data, 0.0
    assert same(step(), fresh_root.data)
    for k, leaf in leaves.items():
        assert same(leaf.grad, fresh_nodes[k].grad), k


def test_check_finds_a_replay_that_no_longer_matches_fn() -> None:
    x = Value(2.0)
    step = micrograd.compile(lambda: x * x if x.data > 0 else -x, [x], check=True)
    x.data = -1.0  # fn() now takes its other branch: the replay still computes x * x (also 1 here)
    with pytest.raises(ReplayMismatch, match=r"parameter 0: the replay's gradient is -2.0, backward\(\) gives -1.0"):
        step.check()
    x.data = -3.0
    with pytest.raises(ReplayMismatch, match="the replay's output is 9.0, fn"):
        step.check()
    assert x.grad == 0.0  # check() changed no .grad


def test_what_compile_cannot_replay_it_refuses(doubled: str) -> None:
    w = Value(1.0)
    with pytest.raises(TypeError, match="must return a scalar Value"):
        micrograd.compile(lambda: 3.0, [w])  # type: ignore[arg-type, return-value]
    with pytest.raises(ValueError, match="not a leaf"):
        micrograd.compile(lambda: w * 2, [w * 2])
    with pytest.raises(ValueError, match="depends on none of the parameters"):
        micrograd.compile(lambda: Value(3.0) * 2, [w])
    with pytest.raises(ValueError, match="needs no gradient"):
        with micrograd.no_grad():
            micrograd.compile(lambda: w * 2, [w])
    with pytest.raises(TypeError, match="parameter 0 is not a Value"):
        micrograd.compile(lambda: w * 2, [1.0])  # type: ignore[list-item]
    with pytest.raises(NotStageable, match="'doubled' has no code"):
        micrograd.compile(lambda: Value(w.data * 2, (w,), "doubled") * 1.0, [w])


def test_a_sum_of_thousands_of_terms_is_written_over_lines_python_can_compile() -> None:
    """Python's compiler recurses once per term of a sum: l2 of 3,000 parameters is one Σwx+b node."""
    params = [Value(0.001 * k - 1.0) for k in range(3000)]
    step = micrograd.compile(lambda: l2(params), params, check=True)
    assert max(line.count(" + ") for line in step.source.splitlines()) <= 100
    root = weighted_sum(params, [Value(0.5)] * 3000, 0.25).tanh()
    _check_staged_equals_backward(root)
