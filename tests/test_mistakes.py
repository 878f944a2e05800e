"""The classic backward bugs: each buggy pass gives what a buggy engine gives, checked against hand reasoning
and against the bug itself, written out the tutorial's way on a copy of the graph."""

from __future__ import annotations

import copy
import json
import math
import random
from pathlib import Path

import pytest

from micrograd import MISTAKES, Value, local_grads, topological_order
from micrograd.mistakes import CarriedWire, compare, recursive_order


def labelled(v: Value, label: str) -> Value:
    v.label = label
    return v


def by_label(grads: dict) -> dict[str, float]:
    return {v.label: g for v, g in grads.items() if v.label}


def leaves_of(root: Value) -> list[Value]:
    return [v for v in topological_order(root) if v.is_leaf and v.requires_grad]


# ---------------------------------------------------------------- the smallest cases, by hand


def test_a_plus_a_set_not_accumulate_gives_1_not_2() -> None:
    a = Value(3.0, label="a")
    b = labelled(a + a, "b")
    p = compare("set-not-accumulate", b)
    assert p.correct.grads[a] == 2.0 and p.buggy.grads[a] == 1.0
    assert [w.contribution for w in p.buggy.into(a)] == [1.0]  # the wire that stuck: 1, not 1 + 1
    assert [w.contribution for w in p.buggy.wires] == [1.0, 1.0]  # both wires still bring 1
    assert p.differing == {a}


def test_a_times_b_plus_a_set_not_accumulate_keeps_the_last_write() -> None:
    """f = a·b + a at a = 2, b = -3: reverse topological order runs + first (a gets 1), then * (a = b = -3)."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    f = labelled(a * b + a, "f")
    p = compare("set-not-accumulate", f)
    assert by_label(p.correct.grads) == {"f": 1.0, "a": -2.0, "b": 2.0}  # df/da = b + 1
    assert by_label(p.buggy.grads) == {"f": 1.0, "a": -3.0, "b": 2.0}
    assert a in p.differing and b not in p.differing


def test_an_interior_fork_overwritten_spoils_everything_below_it() -> None:
    """f = y·y with y = 2x at x = 3: y gets 6 (one use) instead of 12, so x gets 6·2 = 12 instead of 24."""
    x = Value(3.0, label="x")
    y = labelled(x * 2, "y")
    f = labelled(y * y, "f")
    p = compare("set-not-accumulate", f)
    assert (p.correct.grads[y], p.correct.grads[x]) == (12.0, 24.0)
    assert (p.buggy.grads[y], p.buggy.grads[x]) == (6.0, 12.0)


def test_without_a_fork_overwriting_changes_nothing() -> None:
    a, b = Value(2.0), Value(-3.0)
    p = compare("set-not-accumulate", (a * b).tanh())
    assert p.buggy.grads == p.correct.grads and not p.differing


def test_the_recursive_walk_passes_y_on_with_1_of_its_4() -> None:
    """f = y + y·3 with y = x·2 at x = 3: the walk runs f, then y (holding 1), then y·3 (adding 3 to y: too late)."""
    x = Value(3.0, label="x")
    y = labelled(x * 2, "y")
    m = labelled(y * 3, "m")
    f = labelled(y + m, "f")
    assert recursive_order(f) == [f, y, m]
    p = compare("no-topological-order", f)
    assert by_label(p.correct.grads) == {"f": 1.0, "y": 4.0, "m": 1.0, "x": 8.0}
    assert by_label(p.buggy.grads) == {"f": 1.0, "y": 4.0, "m": 1.0, "x": 2.0}  # y's total is right, x's is not
    (to_x,) = p.buggy.out_of(y)
    assert (to_x.upstream, to_x.local, to_x.contribution) == (1.0, 2.0, 2.0)
    assert p.differing == {x, (y, 0)}


def test_the_recursive_walk_is_right_when_the_long_way_round_comes_first() -> None:
    """f = y·3 + y: the walk reaches y through y·3 first, and by then y holds all of its 4."""
    x = Value(3.0, label="x")
    y = x * 2
    p = compare("no-topological-order", y * 3 + y)
    assert p.buggy.grads == p.correct.grads


def test_a_second_backward_doubles_the_leaves_and_not_the_nodes_between() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    n = labelled(a * b, "n")
    f = labelled(n + a, "f")
    p = compare("second-backward", f)
    assert by_label(p.correct.grads) == {"f": 1.0, "n": 1.0, "a": -2.0, "b": 2.0}
    assert by_label(p.buggy.grads) == {"f": 1.0, "n": 1.0, "a": -4.0, "b": 4.0}
    into_a = p.buggy.into(a)
    assert sorted(w.contribution for w in into_a) == [-6.0, 2.0]  # each wire has brought its share twice
    assert all(isinstance(w, CarriedWire) and w.local is None for w in into_a)  # not upstream × local any more
    assert sum(w.contribution for w in into_a) == p.buggy.grads[a]


def test_what_is_said_of_pytorch_and_a_second_backward() -> None:
    """The caption, notebook 07 and the README say that PyTorch raises on a second backward through a graph
    that saved tensors (a product does) unless the first had retain_graph=True; not that it 'does the same'."""
    root = Path(__file__).resolve().parent.parent
    notebook = json.loads((root / "notebooks" / "07_backprop_bugs.ipynb").read_text(encoding="utf-8"))
    texts = {
        "caption": MISTAKES["second-backward"].explanation,
        "notebook 07": " ".join("".join(c["source"]) for c in notebook["cells"]).replace("\n", " "),
        "README": (root / "README.md").read_text(encoding="utf-8"),
    }
    for where, text in texts.items():
        flat = " ".join(text.split())
        assert "PyTorch does the same" not in flat and "PyTorch behaves the same" not in flat, where
        assert "Trying to backward through the graph a second time" in flat and "retain_graph=True" in flat, where


@pytest.mark.torch
def test_pytorch_raises_on_a_second_backward_unless_the_first_retained_the_graph() -> None:
    """What the caption says of PyTorch, checked against PyTorch (with the optional ``torch`` extra)."""
    torch = pytest.importorskip("torch", reason="checks PyTorch itself: pip install -e '.[test,torch]'")
    a = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(-3.0, dtype=torch.float64, requires_grad=True)
    f = a * b
    f.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        f.backward()
    f = a * b
    f.backward(retain_graph=True)
    f.backward()
    assert a.grad.item() == -3.0 + -3.0 + -3.0  # the first f's call, then two that add (retain_graph)


def test_forgot_zero_grad_adds_step_1s_gradients_to_step_2s() -> None:
    """L = (2w + b - 1)² from w = 1, b = 0: g1 = (4, 2); lr 0.125 takes them to 0.5, -0.25; g2 = (-1, -0.5)."""

    def loss(w: Value, b: Value) -> Value:
        return (w * 2 + b - 1) ** 2

    p = compare("forgot-zero-grad", loss, [1.0, 0.0], lr=0.125)
    w, b = p.params
    assert (w.label, w.data, b.label, b.data) == ("w", 0.5, "b", -0.25)  # the graph shown is step 2's
    assert p.root.data == 0.0625
    assert (p.correct.grads[w], p.correct.grads[b]) == (-1.0, -0.5)
    assert (p.buggy.grads[w], p.buggy.grads[b]) == (4.0 - 1.0, 2.0 - 0.5)
    assert {v for v in p.differing if isinstance(v, Value)} == {w, b}


def test_forgot_zero_grad_carries_over_only_the_parameters() -> None:
    """A Value the loss makes afresh at each step (an input) starts at 0 each time, as in a real loop."""

    def loss(w: Value) -> Value:
        x = Value(2.0, label="x")  # new at every step
        return w * x

    p = compare("forgot-zero-grad", loss, [1.0], lr=0.5)
    (w,) = p.params
    x = next(v for v in topological_order(p.root) if v.label == "x")
    assert p.buggy.grads[w] == 4.0 and p.correct.grads[w] == 2.0
    assert p.buggy.grads[x] == p.correct.grads[x] == w.data


# ---------------------------------------------------------------- against the bug itself, on random graphs


def random_graph(seed: int) -> Value:
    """A few leaves, then ops that pick their operands from everything made so far: forks everywhere."""
    rng = random.Random(seed)
    nodes = [Value(rng.uniform(-2, 2), label=f"x{k}") for k in range(rng.randint(1, 3))]
    for _ in range(rng.randint(2, 9)):
        a, b = rng.choice(nodes), rng.choice(nodes)
        op = rng.choice(["+", "*", "-", "tanh", "scale"])
        out = {"+": a + b, "*": a * b, "-": a - b, "tanh": a.tanh(), "scale": a * rng.uniform(-2, 2)}[op]
        nodes.append(out)
    return nodes[-1]


def tutorial_grads(root: Value, walk) -> dict[int, float]:
    """Run ``walk`` on a deep copy (grads zeroed, the output's set to 1); each node's grad, by position."""
    twin = copy.deepcopy(root)
    for v in topological_order(twin):
        v.grad = 0.0
    twin.grad = 1.0
    walk(twin)
    return {k: v.grad for k, v in enumerate(topological_order(twin))}


def overwriting(root: Value) -> None:
    """The bug as written: ``parent.grad = local * node.grad`` in reverse topological order."""
    for node in reversed(topological_order(root)):
        for parent, local in zip(node.parents, local_grads(node), strict=True):
            if parent.requires_grad:
                parent.grad = local * node.grad


def recursive(root: Value, visited: set | None = None) -> None:
    """The bug as written: a recursive walk, ``_backward()`` at each node's first visit."""
    visited = set() if visited is None else visited
    if root not in visited:
        visited.add(root)
        root._backward()
        for parent in root.parents:
            recursive(parent, visited)


def twice(root: Value) -> None:
    root.backward()
    root.backward()


def by_position(root: Value, grads: dict) -> dict[int, float]:
    return {k: grads.get(v, 0.0) for k, v in enumerate(topological_order(root))}


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize(
    ("mistake", "walk"),
    [("set-not-accumulate", overwriting), ("no-topological-order", recursive), ("second-backward", twice)],
)
def test_each_buggy_pass_matches_the_bug_written_out(seed: int, mistake: str, walk) -> None:
    f = random_graph(seed)
    p = compare(mistake, f)
    want, got = tutorial_grads(f, walk), by_position(f, p.buggy.grads)
    for k, v in enumerate(topological_order(f)):
        if v.requires_grad:
            assert got[k] == pytest.approx(want[k], rel=1e-12, abs=1e-12), (mistake, seed, k)
    assert by_position(f, p.correct.grads) == pytest.approx(tutorial_grads(f, lambda r: r.backward()))


@pytest.mark.parametrize("lr", [0.05, 0.3])
def test_forgot_zero_grad_matches_a_training_loop_without_zero_grad(lr: float) -> None:
    def loss(w: Value, b: Value) -> Value:
        return ((w * 1.5 + b).tanh() - 0.25) ** 2 + (w * -0.5 + b).tanh() ** 2

    def step2(zero: bool) -> tuple[float, float]:
        w, b = Value(0.8), Value(-0.3)
        loss(w, b).backward()
        for p in (w, b):
            p.data -= lr * p.grad
            if zero:
                p.grad = 0.0
        loss(w, b).backward()
        return w.grad, b.grad

    p = compare("forgot-zero-grad", loss, [0.8, -0.3], lr=lr)
    w, b = p.params
    assert (p.buggy.grads[w], p.buggy.grads[b]) == pytest.approx(step2(zero=False), rel=1e-12)
    assert (p.correct.grads[w], p.correct.grads[b]) == pytest.approx(step2(zero=True), rel=1e-12)


# ---------------------------------------------------------------- the table of mistakes


def test_every_mistake_has_a_title_a_fix_a_paragraph_and_a_smallest_case_that_shows_it() -> None:
    assert list(MISTAKES) == ["set-not-accumulate", "no-topological-order", "second-backward", "forgot-zero-grad"]
    for name, m in MISTAKES.items():
        assert m.name == name and m.title and m.fix and m.title != m.fix
        assert "\n" not in m.explanation and 40 <= len(m.explanation.split()) <= 150, name  # one paragraph
        assert "The smallest case" in m.explanation, name
        ex = m.example()
        p = compare(name, ex.f, ex.params, ex.lr)
        assert p.differing, name
        assert len([v for v in topological_order(p.root) if v.requires_grad]) <= 6, name  # small: constants aside


def test_nan_gradients_are_the_same_when_both_are_nan() -> None:
    x = Value(-1.0)
    f = x.sqrt() * 2  # sqrt(-1) = nan, so x's gradient is nan in both passes: that is no difference
    assert math.isnan(compare("set-not-accumulate", f).correct.grads[x])
    assert not compare("set-not-accumulate", f).differing


def test_x_times_x_plus_x_overwritten_keeps_the_multiply_gate_s_last_write() -> None:
    """The notebook's exercise: f = x·x + x at x = 2 is 5 correct; + runs first (x = 1), then * writes x twice (2)."""
    x = Value(2.0, label="x")
    p = compare("set-not-accumulate", x * x + x)
    assert (p.correct.grads[x], p.buggy.grads[x]) == (5.0, 2.0)
