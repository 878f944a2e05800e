"""Fused building blocks (micrograd.dot, micrograd.sum, micrograd.logsumexp): one node each, the gates' numbers."""

from __future__ import annotations

import builtins
import math
import pickle
import random
import subprocess
import sys

import pytest
from svgtools import texts
from test_staged import _check_staged_equals_backward, _run_code, same

import micrograd
from micrograd import Value, backward_trace, grad, gradcheck


def unfused_dot(ws, xs):
    total = ws[0] * xs[0]
    for w, x in zip(ws[1:], xs[1:], strict=True):
        total = total + w * x
    return total


def unfused_sum(vs):
    total = vs[0]
    for v in vs[1:]:
        total = total + v
    return total


def unfused_logsumexp(vs):
    """The stable form gate by gate: the largest value taken out as a constant (no gradient through it)."""
    m = max(v.data for v in vs)
    return builtins.sum((v - m).exp() for v in vs).log() + m


BLOCKS = {  # name -> (fused, unfused, how many inputs it takes from a flat list)
    "dot": (
        lambda vs: micrograd.dot(vs[: len(vs) // 2], vs[len(vs) // 2 :]),
        lambda vs: unfused_dot(vs[: len(vs) // 2], vs[len(vs) // 2 :]),
    ),
    "sum": (micrograd.sum, unfused_sum),
    "logsumexp": (micrograd.logsumexp, unfused_logsumexp),
}
OP = {"dot": "Σwx", "sum": "Σ", "logsumexp": "logsumexp"}


def close(a: float, b: float, rel: float = 1e-12) -> bool:
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))


def points(rng: random.Random, n: int) -> list[float]:
    return [rng.uniform(-3.0, 3.0) for _ in range(n)]


# ---------------------------------------------------------------- the gates' numbers, one node


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_a_block_gives_the_gates_value_and_gradients(name: str) -> None:
    """dot and sum to the bit (their rules are the chain rule through the gates); logsumexp to 1e-12."""
    fused, unfused = BLOCKS[name]
    rng = random.Random(name)
    for n in (2, 4, 16, 64):
        data = points(rng, n)
        a, b = [Value(x) for x in data], [Value(x) for x in data]
        f, g = fused(a), unfused(b)
        f.backward(), g.backward()
        exact = name != "logsumexp"
        assert same(f.data, g.data) if exact else close(f.data, g.data), (n, f.data, g.data)
        for x, y in zip(a, b, strict=True):
            assert same(x.grad, y.grad) if exact else close(x.grad, y.grad), (n, x.grad, y.grad)
        assert f.op == OP[name] and len(f.parents) == n  # one node, every input a parent


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_a_block_passes_gradcheck(name: str) -> None:
    fused, _ = BLOCKS[name]
    result = gradcheck(lambda *vs: fused(list(vs)), points(random.Random(1), 6))
    assert result, str(result)


def test_dot_of_lists_tuples_and_other_sequences_is_one_node() -> None:
    ws, xs = [Value(0.5), Value(-2.0), Value(3.0)], [Value(4.0), Value(0.25), Value(-1.5)]
    for w, x in ((ws, xs), (tuple(ws), tuple(xs)), (ws, tuple(xs)), (iter_seq(ws), xs)):
        out = micrograd.dot(w, x)
        assert out.data == 0.5 * 4.0 + -2.0 * 0.25 + 3.0 * -1.5 and out.parents == (*ws, *xs)
    assert micrograd.dot(ws[:1], xs[:1]).parents == (ws[0], xs[0])  # one term: two parents


class iter_seq(list):  # noqa: N801  (a list of another type: the general path)
    pass


def test_numbers_are_constants_and_get_no_gradient() -> None:
    w = Value(2.0)
    out = micrograd.dot([w, 3.0], [4.0, w])
    out.backward()
    assert out.data == 2.0 * 4.0 + 3.0 * 2.0 and w.grad == 4.0 + 3.0
    assert [p.requires_grad for p in out.parents] == [True, False, False, True]
    s = micrograd.sum([w, 5.0], start=1.0)
    assert s.data == 1.0 + 2.0 + 5.0 and s.parents[0].data == 1.0  # start first, as Python's sum adds it
    assert micrograd.logsumexp([1.0, 2.0]).requires_grad is False  # constants only: a constant


def test_sum_with_a_start_is_pythons_sum_and_python_s_sum_is_untouched() -> None:
    vs = [Value(x) for x in (-0.0, 0.5, 1e16, 1.0)]
    assert same(micrograd.sum(vs, start=0).data, builtins.sum(vs).data)  # 0 + -0.0 is 0.0, as Python's sum
    assert same(micrograd.sum(vs).data, unfused_sum(vs).data)
    namespace: dict = {}
    exec("from micrograd import *", namespace)  # noqa: S102
    assert "sum" not in namespace and {"dot", "logsumexp"} <= set(namespace)
    assert sum([1, 2, 3]) == 6 and micrograd.sum is not builtins.sum


def test_logsumexp_is_stable_and_takes_torch_s_edges() -> None:
    big = micrograd.logsumexp([Value(1000.0), Value(1000.0)])  # exp(1000) overflows: the stable form does not
    assert close(big.data, 1000.0 + math.log(2.0))
    big.backward()
    assert all(close(p.grad, 0.5) for p in big.parents)  # the softmax: half each
    lowest = micrograd.logsumexp([Value(-math.inf), Value(-math.inf)])
    lowest.backward()
    assert lowest.data == -math.inf and all(math.isnan(p.grad) for p in lowest.parents)  # exp(-inf + inf), as torch
    top = micrograd.logsumexp([Value(math.inf), Value(1.0)])
    top.backward()
    assert top.data == math.inf and math.isnan(top.parents[0].grad) and top.parents[1].grad == 0.0  # as torch
    assert math.isnan(micrograd.logsumexp([Value(math.nan), Value(1.0)]).data)
    assert close(micrograd.logsumexp([Value(-1000.0), Value(0.0)]).data, math.log1p(math.exp(-1000.0)))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: micrograd.dot([Value(1.0)], [1.0, 2.0]), ValueError, "1 ws but 2 xs"),
        (lambda: micrograd.dot([], []), ValueError, "no terms"),
        (lambda: micrograd.dot(Value(1.0), [1.0]), TypeError, "sequence of Values"),
        (lambda: micrograd.dot([Value(1.0)], ["x"]), TypeError, "micrograd.dot"),
        (lambda: micrograd.sum([]), ValueError, "no values"),
        (lambda: micrograd.sum("ab"), TypeError, "sequence of Values"),
        (lambda: micrograd.logsumexp([]), ValueError, "no values"),
        (lambda: micrograd.logsumexp([Value(1.0), None]), TypeError, "micrograd.logsumexp"),
    ],
)
def test_bad_input_is_named(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------- one gate in the trace, the pictures, explain


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_a_block_is_one_gate_in_the_trace_and_the_picture(name: str) -> None:
    fused, _ = BLOCKS[name]
    leaves = [Value(x, label=f"v{k}") for k, x in enumerate((0.5, -1.0, 2.0, 0.25))]
    out = fused(leaves)
    trace = backward_trace(out)
    assert [w.parent for w in trace.out_of(out)] == leaves  # one wire per input, in order
    out.backward()
    assert [trace.grads[v] for v in leaves] == [v.grad for v in leaves]
    svg = micrograd.draw(out, style="circuit").svg("wasm")
    assert texts(svg).count(OP[name]) == 1
    assert not any(t in ("+", "×") for t in texts(svg))  # no gates inside it
    text = str(micrograd.explain(out))
    assert all(f"v{k}" in text for k in range(4))


def test_a_worksheet_hint_writes_each_block_s_local_derivative() -> None:
    a, b, c = Value(0.5, label="a"), Value(-1.0, label="b"), Value(2.0, label="c")
    cases = {
        micrograd.dot([a, b], [c, 3.0]): ["∂n1/∂a = c", "∂n1/∂b = 3", "∂n1/∂c = a"],
        micrograd.sum([a, b, c]): ["∂n1/∂a = 1", "∂n1/∂b = 1", "∂n1/∂c = 1"],
        micrograd.logsumexp([a, b, c]): ["∂n1/∂a = exp(a − n1)", "∂n1/∂b = exp(b − n1)", "∂n1/∂c = exp(c − n1)"],
        micrograd.nn.weighted_sum([a], [b], c): ["∂n1/∂a = b", "∂n1/∂b = a", "∂n1/∂c = 1"],
    }
    for out, hints in cases.items():
        hows = [box.step.how for box in micrograd.worksheet(out).boxes]
        assert len(hows) == len(hints) and all(how.endswith(hint) for how, hint in zip(hows, hints, strict=True)), hows


# ---------------------------------------------------------------- staged code and compiled replays, bit for bit


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_a_block_s_code_is_its_op_and_rule_bit_for_bit(name: str) -> None:
    fused, _ = BLOCKS[name]
    edges = (0.0, -0.0, 1.0, -2.5, 1e-300, 1e300, 700.0, -700.0, math.inf, -math.inf, math.nan)
    rng = random.Random(7)
    for _ in range(200):
        node = fused([Value(rng.choice(edges) if rng.random() < 0.5 else rng.uniform(-5, 5)) for _ in range(4)])
        for upstream in (1.0, -0.0, 1.7, math.inf, math.nan):
            value, contributions = _run_code(node, upstream)
            assert same(value, node.data)
            expected = node._rules[node._op](node, upstream)
            assert all(same(g, w) for g, w in zip(contributions, expected, strict=True)), (node.parents, upstream)


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_a_block_stages_and_compiles_to_backwards_numbers(name: str) -> None:
    fused, _ = BLOCKS[name]
    leaves = [Value(x) for x in (0.5, -1.0, 2.0, 0.25, 3.0, -0.75)]
    _check_staged_equals_backward((fused(leaves) * fused([leaves[0], 1.5, leaves[2], leaves[3]])).tanh())
    params = [Value(x) for x in (0.5, -1.0, 2.0, 0.25)]
    step = micrograd.compile(lambda: fused([*params, 1.5, params[0]]).tanh(), params, check=True)
    for p in params:
        p.data += 0.125
    got = step()
    want = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    out = fused([*params, 1.5, params[0]]).tanh()
    out.backward()
    assert same(got, out.data) and all(same(g, p.grad) for g, p in zip(want, params, strict=True))


# ---------------------------------------------------------------- second derivatives (create_graph)


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_a_block_differentiates_twice(name: str) -> None:
    """The Hessian of tanh(block(xs)) (the rule applied to nodes), against central differences of the gradient."""
    fused, _ = BLOCKS[name]
    point = [0.3, -0.8, 1.1, 0.4]

    def f(*xs):
        return (fused(list(xs)) * 0.5).tanh()

    def gradient(at):
        xs = [Value(x) for x in at]
        f(*xs).backward()
        return [x.grad for x in xs]

    h = micrograd.hessian(f, point)
    eps = 1e-5
    for j in range(len(point)):
        up, down = list(point), list(point)
        up[j] += eps
        down[j] -= eps
        column = [(a - b) / (2 * eps) for a, b in zip(gradient(up), gradient(down), strict=True)]
        for i in range(len(point)):
            assert abs(h[i][j] - column[i]) < 1e-7, (i, j, h[i][j], column[i])
    xs = [Value(x) for x in point]
    (g0,) = grad(fused(xs), xs[:1], create_graph=True)
    assert isinstance(g0, Value)  # a node, built by the rule's own arithmetic


# ---------------------------------------------------------------- pickles


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_a_block_pickles_and_backpropagates_in_a_fresh_interpreter(name: str) -> None:
    fused, _ = BLOCKS[name]
    leaves = [Value(x) for x in (0.5, -1.0, 2.0, 0.25)]
    out = fused(leaves)
    blob = pickle.dumps(out)  # before backward: the leaves' gradients are 0 in it
    copy = pickle.loads(blob)
    copy.backward(), out.backward()
    assert same(copy.data, out.data) and [p.grad for p in copy.parents] == [p.grad for p in leaves]
    code = (
        "import pickle, sys\n"
        "out = pickle.loads(sys.stdin.buffer.read())\n"  # micrograd.blocks is not imported: unpickling imports it
        "out.backward()\n"
        "print(repr([p.grad for p in out.parents]))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], input=blob, capture_output=True, check=True)
    assert run.stdout.decode().strip() == repr([p.grad for p in leaves])


# ---------------------------------------------------------------- PyTorch's logsumexp


@pytest.mark.torch
def test_logsumexp_is_pytorchs_value_gradient_and_hessian() -> None:
    torch = pytest.importorskip(
        "torch", reason="compares with PyTorch: install the optional extra, pip install -e '.[test,torch]'"
    )
    rng = random.Random(3)
    edges = (0.0, -0.0, 1e-300, 700.0, -700.0, 1000.0, -1000.0, math.inf, -math.inf, math.nan)
    cases = [[rng.uniform(-30, 30) for _ in range(rng.choice((1, 2, 5, 16)))] for _ in range(300)]
    cases += [[rng.choice(edges) if rng.random() < 0.5 else rng.uniform(-5, 5) for _ in range(4)] for _ in range(300)]
    for data in cases:
        xs = [Value(x) for x in data]
        out = micrograd.logsumexp(xs)
        out.backward()
        t = torch.tensor(data, dtype=torch.float64, requires_grad=True)
        y = torch.logsumexp(t, 0)
        y.backward()
        for ours, theirs in [(out.data, y.item()), *zip([x.grad for x in xs], t.grad.tolist(), strict=True)]:
            assert (math.isnan(ours) and math.isnan(theirs)) or close(ours, theirs, 1e-14), (data, ours, theirs)
    for data in cases[:40]:
        ours = micrograd.hessian(lambda *vs: micrograd.logsumexp(vs), data)
        theirs = torch.autograd.functional.hessian(
            lambda t: torch.logsumexp(t, 0), torch.tensor(data, dtype=torch.float64)
        ).tolist()
        for row, want in zip(ours, theirs, strict=True):
            assert all(abs(a - b) <= 1e-14 + 1e-12 * abs(b) for a, b in zip(row, want, strict=True)), (
                data,
                ours,
                theirs,
            )
