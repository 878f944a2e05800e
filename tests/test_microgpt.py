"""microgpt on Value (micrograd/models/microgpt.py), held to the published program and to numerical differentiation.

The reference is the published microgpt re-typed with its own Value and loop
(benchmarks/microgpt_reference.py): independent code, nothing of micrograd in it.

How close, and why not bit for bit: the forward pass runs the same ops in the same order,
but two of them round differently. microgpt's ``x ** -0.5`` and ``a / b`` (as ``a * b ** -1``)
go through C's ``pow``; this package computes them as PyTorch does, ``1/sqrt(x)`` and one
correctly rounded division. So a loss can differ in its last bit (measured: at most 4e-16
relative over the first 20 steps on the makemore names), and gradients, summed at forks in
another order, in their last bits; Adam's updates carry those differences on, a few ulps.
"""

from __future__ import annotations

import gc
import math
import random
import sys
from importlib import resources
from pathlib import Path

import pytest

from micrograd import gradcheck, scope
from micrograd.core import topological_order
from micrograd.engine import Value
from micrograd.models import Config, MicroGPT, Tokenizer, collector_paused, init_weights, load_names
from micrograd.models.microgpt import weight_shapes
from micrograd.nn import Adam

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from microgpt_reference import Reference  # noqa: E402

SHORT = [name for name in load_names()[:400] if len(name) <= 4][:40]  # short names: fast steps


def _close(a: float, b: float, rel: float) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b))


# ---------------------------------------------------------------- data and shapes


def test_the_names_ship_with_the_package_and_their_notice() -> None:
    names = load_names()
    assert len(names) == 32_033  # (names.txt has 32,032 newlines: its last name has none)
    assert names[:3] == ["emma", "olivia", "ava"] and names[-1] == "zzyzx"
    assert set("".join(names)) == set("abcdefghijklmnopqrstuvwxyz")
    notice = resources.files("micrograd.models").joinpath("NAMES-LICENSE.txt").read_text()
    assert "MIT License" in notice and "988aa59e4d8fefa526d06f3b453ad116258398d4" in notice
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert '"micrograd.models" = ["names.txt", "NAMES-LICENSE.txt"]' in pyproject  # in the wheel


def test_the_default_model_has_4192_parameters() -> None:
    model = MicroGPT(init_weights(Config(), 27), Tokenizer(load_names()))
    assert model.tokenizer.vocab_size == 27
    assert len(model.parameters()) == 4192 == sum(r * c for r, c in weight_shapes(Config(), 27).values())
    assert len({id(p) for p in model.parameters()}) == 4192


def test_the_weights_are_microgpts_in_its_order() -> None:
    ref = Reference(SHORT)
    model = MicroGPT.from_names(SHORT)
    assert model.docs == ref.docs and model.tokenizer.bos == ref.bos
    assert list(model.state_dict()) == list(ref.state_dict)
    for name, rows in model.state_dict().items():
        assert rows == [[p.data for p in row] for row in ref.state_dict[name]]
    first = model.params["layer0.attn_wq"][2][3]
    assert first.label == "layer0.attn_wq[2][3]" and model.params["wte"][0][0].label == "wte[0][0]"


def test_the_tokenizer_wraps_a_name_in_bos() -> None:
    tok = Tokenizer(["emma", "bob"])
    assert tok.chars == ["a", "b", "e", "m", "o"] and tok.bos == 5 and tok.vocab_size == 6
    assert tok.encode("mob") == [5, 3, 4, 1, 5] and tok.decode([5, 3, 4, 1, 5]) == "mob"
    with pytest.raises(ValueError, match="characters it was not built with"):
        tok.encode("zed")


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: Config(n_embd=10, n_head=4), ValueError, "multiple of n_head"),
        (lambda: Config(block_size=0), ValueError, "block_size"),
        (lambda: MicroGPT(init_weights(Config(), 5), Tokenizer(["ab"])), ValueError, "wte must be 3 rows"),
        (lambda: MicroGPT([], Tokenizer(["ab"])), TypeError, "dict"),  # type: ignore[arg-type]
        (lambda: MicroGPT(init_weights(Config(), 3), Tokenizer(["ab"])).train(1), ValueError, "no names"),
        (lambda: MicroGPT.from_names(["ab"]).step_loss([2]), ValueError, "two tokens"),
    ],
)
def test_bad_input_is_named(make, error, match) -> None:
    with pytest.raises(error, match=match):
        make()


# ---------------------------------------------------------------- against the published program


def test_the_first_losses_and_gradients_are_the_references() -> None:
    ref, model = Reference(SHORT), MicroGPT.from_names(SHORT)
    for doc in model.docs[:2]:  # type: ignore[index]
        ours, theirs = model.step_loss(model.tokenizer.encode(doc)), ref.loss(ref.encode(doc))
        assert _close(ours.data, theirs.data, 1e-15)
        ours.backward()
        theirs.backward()
        grads = [p.grad for p in model.parameters()]
        ref_grads = [p.grad for p in ref.params]
        scale = max(map(abs, ref_grads))
        assert all(abs(a - b) <= 1e-14 * scale for a, b in zip(grads, ref_grads, strict=True))
        assert [a == 0 for a in grads] == [b == 0 for b in ref_grads]  # the same parameters untouched
        model.zero_grad()
        for p in ref.params:
            p.grad = 0


def test_training_follows_the_reference_through_adams_updates() -> None:
    ref, model = Reference(SHORT), MicroGPT.from_names(SHORT)
    steps = 5
    ref_losses = [ref.step(k, steps) for k in range(steps)]
    losses = model.train(steps)
    assert losses[0] != losses[-1]  # it learns something
    assert all(_close(a, b, 1e-14) for a, b in zip(losses, ref_losses, strict=True)), (losses, ref_losses)
    for name, rows in model.state_dict().items():
        ref_rows = [[p.data for p in row] for row in ref.state_dict[name]]
        assert all(abs(a - b) <= 1e-14 for r, s in zip(rows, ref_rows, strict=True) for a, b in zip(r, s, strict=True))


def test_sampling_is_deterministic_under_a_seed_and_the_references() -> None:
    def trained(seed: int) -> MicroGPT:
        model = MicroGPT.from_names(SHORT, seed=seed)
        model.train(2)
        return model

    a, b, other = trained(42), trained(42), trained(7)
    names = [a.sample() for _ in range(5)]
    assert names == [b.sample() for _ in range(5)]
    assert names != [other.sample() for _ in range(5)]
    assert all(set(n) <= set(a.tokenizer.chars) and len(n) <= a.config.block_size for n in names)
    ref = Reference(SHORT)
    for k in range(2):
        ref.step(k, 2)
    assert names == [ref.sample() for _ in range(5)]
    assert a.sample(rng=random.Random(3)) == b.sample(rng=random.Random(3))


# ---------------------------------------------------------------- fused blocks, gradients, graph


def test_the_fused_model_gives_the_same_numbers_to_rounding() -> None:
    plain, fused = MicroGPT.from_names(SHORT), MicroGPT.from_names(SHORT, fused=True)
    tokens = plain.tokenizer.encode(plain.docs[0])  # type: ignore[index]
    a, b = plain.step_loss(tokens), fused.step_loss(tokens)
    assert _close(a.data, b.data, 1e-14)
    assert len(topological_order(b)) < len(topological_order(a)) / 4
    a.backward()
    b.backward()
    scale = max(abs(p.grad) for p in plain.parameters())
    assert all(
        abs(p.grad - q.grad) <= 1e-13 * scale for p, q in zip(plain.parameters(), fused.parameters(), strict=True)
    )
    plain.zero_grad()
    fused.zero_grad()
    la, lb = plain.train(4), fused.train(4)
    assert all(_close(x, y, 1e-13) for x, y in zip(la, lb, strict=True))


TINY = Config(n_embd=4, n_head=2, n_layer=1, block_size=4)


@pytest.mark.parametrize("fused", [False, True])
def test_gradients_agree_with_numerical_differentiation(fused: bool) -> None:
    model = MicroGPT.from_names(["abca", "bca", "cab"], config=TINY, fused=fused)
    tokens = model.tokenizer.encode("abcab")  # 5 chars: the block of 4 positions is full
    shapes = weight_shapes(TINY, model.tokenizer.vocab_size)

    def loss(*params: Value) -> Value:
        it = iter(params)
        model.params = {name: [[next(it) for _ in range(c)] for _ in range(r)] for name, (r, c) in shapes.items()}
        return model.step_loss(tokens)

    numbers = [p.data for p in model.parameters()]
    result = gradcheck(loss, numbers, atol=1e-8, rtol=1e-5)
    assert result, str(result)


def test_the_scopes_name_the_parts_of_a_step() -> None:
    model = MicroGPT.from_names(SHORT)
    loss = model.step_loss([model.tokenizer.bos, 0, 1, model.tokenizer.bos])  # 3 positions
    scopes = {n.scope for n in topological_order(loss)}
    for path in (
        "pos0/embedding",
        "pos0/embedding/rmsnorm",
        "pos1/layer0/attn",
        "pos1/layer0/attn/rmsnorm",
        "pos2/layer0/attn/head3",
        "pos2/layer0/attn/head3/softmax",
        "pos0/layer0/mlp",
        "pos0/layer0/mlp/rmsnorm",
        "pos2/lm_head",
        "pos2/loss",
        "pos2/loss/softmax",
        "loss",
    ):
        assert path in scopes, path
    assert {s.split("/")[0] for s in scopes if s} == {"pos0", "pos1", "pos2", "loss"}
    assert loss.scope == "loss"
    leaves = [n for n in topological_order(loss) if not n.parents and n.requires_grad]
    assert leaves and all(n.scope is None and "[" in n.label for n in leaves)  # parameters: outside every scope
    with scope("outer"):  # a model's step nests in a scope of the caller's
        assert model.step_loss([model.tokenizer.bos, 0, model.tokenizer.bos]).scope == "outer/loss"


def test_a_step_leaves_nothing_for_the_cyclic_collector() -> None:
    """No reference cycles: reference counting frees a step's graph, so pausing the collector leaks nothing."""
    model = MicroGPT.from_names(SHORT)
    model.train(1)
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        model.train(2)
        assert gc.collect() == 0
    finally:
        if was:
            gc.enable()


# ---------------------------------------------------------------- Adam


def test_adam_is_the_papers_update() -> None:
    p, q = Value(1.0), Value(-2.0)
    adam = Adam([p, q], lr=0.1, betas=(0.8, 0.9), eps=1e-8)
    m = v = 0.0
    x = 1.0
    for t in range(1, 4):
        g = 2 * x  # d(x²)/dx
        p.grad, q.grad = g, 0.0
        adam.step()
        m, v = 0.8 * m + 0.2 * g, 0.9 * v + 0.1 * g * g
        x -= 0.1 * (m / (1 - 0.8**t)) / (math.sqrt(v / (1 - 0.9**t)) + 1e-8)
        assert _close(p.data, x, 1e-15) and q.data == -2.0
    adam.zero_grad()
    assert p.grad == 0.0 and adam.t == 3


def test_adam_leaves_a_value_whose_gradient_was_set_to_none() -> None:
    p, q = Value(1.0), Value(2.0)
    adam = Adam([p, q], lr=0.1)
    p.grad, q.grad = None, 1.0  # (PyTorch's way of zeroing, done by hand)
    adam.step()
    assert p.data == 1.0 and adam.m[0] == 0.0 and q.data < 2.0


@pytest.mark.torch
def test_adam_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    rng = random.Random(0)
    start = [rng.uniform(-1, 1) for _ in range(5)]
    ours = [Value(x) for x in start]
    theirs = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    adam = Adam(ours, lr=0.05, betas=(0.85, 0.99), eps=1e-8)
    torch_adam = torch.optim.Adam([theirs], lr=0.05, betas=(0.85, 0.99), eps=1e-8)
    for step in range(6):
        lr = 0.05 * (1 - step / 6)
        adam.lr = lr
        for group in torch_adam.param_groups:
            group["lr"] = lr
        loss = sum((w * w * w).tanh() for w in ours)
        loss.backward()
        torch_adam.zero_grad()
        (theirs**3).tanh().sum().backward()
        adam.step()
        torch_adam.step()
        adam.zero_grad()
        assert all(_close(a.data, b, 1e-12) for a, b in zip(ours, theirs.tolist(), strict=True))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"lr": 0}, "lr"), ({"lr": float("nan")}, "lr"), ({"betas": (0.9, 1.0)}, "betas"), ({"eps": -1}, "eps")],
)
def test_adam_names_bad_settings(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        Adam([Value(1.0)], **kwargs)
    with pytest.raises(TypeError, match="Values"):
        Adam([1.0])  # type: ignore[list-item]


# ---------------------------------------------------------------- the opt-in pause of the collector


def test_collector_paused_turns_the_collector_off_for_its_block_only() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: the outer block still owns it
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(KeyError), collector_paused():
        raise KeyError("left by an exception")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # off before: left off
    finally:
        gc.enable()


def test_train_frees_each_steps_graph_before_the_next() -> None:
    """Between steps no Value is alive but those before training: the last step's graph is not kept (nor walked)."""
    model = MicroGPT.from_names(["emma", "olivia", "ava"], config=Config(n_embd=4, n_head=1, block_size=8))

    def values_alive() -> int:
        gc.collect()  # (what earlier tests left to the collector)
        return sum(type(o) is Value for o in gc.get_objects())

    before = values_alive()
    alive: list[int] = []
    model.train(3, on_step=lambda step, loss: alive.append(values_alive()))
    assert alive == [before] * 3
