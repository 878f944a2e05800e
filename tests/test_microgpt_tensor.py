"""microgpt on Tensors (micrograd/models/microgpt_tensor.py) held to microgpt on Values, and to central differences.

The scalar model (micrograd/models/microgpt.py, itself held to the published program by
tests/test_microgpt.py) is the truth for the loss, every parameter's gradient, Adam's steps and
the samples; central differences check the gradients on a tiny model independently of both.
The two models add in different orders (a matrix product against Python's ``sum``), so they
agree to rounding, not bit for bit: 1e-12 relative, against the largest gradient of a matrix
for its small elements.
"""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import numpy as np
import pytest

from micrograd import Value
from micrograd.check import gradcheck
from micrograd.models import Config, MicroGPT, Tokenizer, init_weights
from micrograd.models.microgpt_tensor import TensorGPT, causal_attention, gpt_loss
from micrograd.nn import Adam
from micrograd.tensor import Tensor

RTOL = 1e-12  # the sums run in another order: rounding, never more
NAMES = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia", "harper", "evelyn"]


def scalar_grads(model: MicroGPT) -> dict[str, np.ndarray]:
    return {name: np.array([[p.grad for p in row] for row in rows]) for name, rows in model.params.items()}


def arrays(weights: dict[str, list[list[float]]]) -> dict[str, np.ndarray]:
    return {name: np.array(rows) for name, rows in weights.items()}


def assert_same_matrices(got: dict[str, np.ndarray], want: dict[str, np.ndarray]) -> None:
    assert list(got) == list(want)
    for name, w in want.items():
        np.testing.assert_allclose(got[name], w, rtol=RTOL, atol=RTOL * np.abs(w).max(), err_msg=name)


@pytest.fixture(scope="module")
def scalar() -> MicroGPT:
    return MicroGPT.from_names(NAMES, seed=7)


@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("doc", ["ava", "charlotte", "isabellaharperemma"])  # the last is cut at block_size
def test_the_loss_and_every_gradient_are_the_scalar_models(scalar: MicroGPT, doc: str, fused: bool) -> None:
    values = MicroGPT(scalar.state_dict(), scalar.tokenizer, scalar.config, fused=fused)
    tensors = TensorGPT(scalar.state_dict(), scalar.tokenizer, scalar.config)
    tokens = scalar.tokenizer.encode(doc)
    want = values.step_loss(tokens)
    want.backward()
    got = tensors.loss(tokens)
    got.backward()
    assert got.shape == ()
    assert got.item() == pytest.approx(want.data, rel=RTOL, abs=0)
    assert_same_matrices({name: p.grad for name, p in tensors.params.items()}, scalar_grads(values))


def test_adam_steps_keep_the_losses_and_weights_of_the_scalar_model() -> None:
    values, tensors = MicroGPT.from_names(NAMES, seed=3), TensorGPT.from_names(NAMES, seed=3)
    assert tensors.docs == values.docs
    assert_same_matrices(arrays(tensors.state_dict()), arrays(values.state_dict()))
    want = values.train(6)
    got = tensors.train(6)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=0)
    assert got[-1] != got[0]  # (the steps moved the weights)
    assert_same_matrices(arrays(tensors.state_dict()), arrays(values.state_dict()))


def test_the_losses_are_the_published_programs() -> None:
    """The published microgpt, re-typed with its own Value (benchmarks/microgpt_reference.py): the same steps."""
    path = Path(__file__).parent.parent / "benchmarks" / "microgpt_reference.py"
    spec = importlib.util.spec_from_file_location("microgpt_reference", path)
    assert spec is not None and spec.loader is not None
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    published, tensors = reference.Reference(NAMES, seed=9), TensorGPT.from_names(NAMES, seed=9)
    want = [published.step(k, 5) for k in range(5)]
    np.testing.assert_allclose(tensors.train(5), want, rtol=RTOL, atol=0)


def test_samples_are_the_scalar_models() -> None:
    values, tensors = MicroGPT.from_names(NAMES, seed=5), TensorGPT.from_names(NAMES, seed=5)
    values.train(20)
    tensors.train(20)
    for seed in range(6):
        assert tensors.sample(rng=random.Random(seed)) == values.sample(rng=random.Random(seed))


TINY = Config(n_embd=4, n_head=2, n_layer=2, block_size=5)


def test_gradients_agree_with_central_differences_on_a_tiny_model() -> None:
    tokenizer = Tokenizer(["abc"])
    weights = init_weights(TINY, tokenizer.vocab_size, rng=11, std=0.5)  # larger weights: every part matters
    names = list(weights)
    tokens = tokenizer.encode("abcab")  # 7 tokens: cut to block_size = 5 positions

    def loss(*params: Tensor) -> Tensor:
        return gpt_loss(dict(zip(names, params, strict=True)), tokens, TINY)

    result = gradcheck(loss, [np.array(w) for w in weights.values()], atol=1e-8, rtol=1e-6)
    assert result, str(result)


def test_a_position_never_reads_the_positions_after_it() -> None:
    model = TensorGPT.from_names(NAMES, seed=1)
    tokens = model.tokenizer.encode("isabella")
    whole = model.logits(tokens[:9]).data
    for t in range(1, 9):  # (equal to rounding: a matrix product of another size may add in another order)
        np.testing.assert_allclose(model.logits(tokens[:t]).data, whole[:t], rtol=RTOL, atol=RTOL)


def test_causal_attention_is_each_heads_softmax_over_the_past() -> None:
    rng = np.random.default_rng(0)
    q, k, v = (rng.normal(size=(5, 6)) for _ in range(3))
    got = causal_attention(Tensor(q), Tensor(k), Tensor(v), n_head=3).data
    for t in range(5):
        for h in range(3):
            cols = slice(2 * h, 2 * h + 2)
            scores = np.array([q[t, cols] @ k[s, cols] / np.sqrt(2) for s in range(t + 1)])
            weights = np.exp(scores) / np.exp(scores).sum()
            np.testing.assert_allclose(got[t, cols], weights @ v[: t + 1, cols], rtol=1e-13)


def test_bad_input_is_a_clear_error() -> None:
    model = TensorGPT.from_names(NAMES, seed=1)
    with pytest.raises(ValueError, match="at least 2 tokens"):
        model.loss([model.tokenizer.bos])
    with pytest.raises(ValueError, match="block_size"):
        model.logits([0] * 17)
    weights = model.state_dict()
    del weights["wpe"]
    with pytest.raises(ValueError, match="weights must have the matrices"):
        TensorGPT(weights, model.tokenizer)
    with pytest.raises(ValueError, match="no names"):
        TensorGPT(model.state_dict(), model.tokenizer).train(1)


# ---------------------------------------------------------------- nn.Adam on Tensors: the scalar Adam, elementwise


def test_adam_on_a_tensor_is_adam_on_each_of_its_values() -> None:
    rng = np.random.default_rng(4)
    start, grads = rng.normal(size=(3, 2)), [rng.normal(size=(3, 2)) for _ in range(3)]
    tensor = Tensor(start)
    values = [Value(float(x)) for x in start.flat]
    on_tensor = Adam([tensor], lr=0.1, betas=(0.85, 0.99))
    on_values = Adam(values, lr=0.1, betas=(0.85, 0.99))
    for g in grads:
        tensor.grad = g
        for value, gi in zip(values, g.flat, strict=True):
            value.grad = float(gi)
        on_tensor.step()
        on_values.step()
        on_tensor.zero_grad()
        assert tensor.grad is None
        np.testing.assert_array_equal(tensor.data, np.reshape([v.data for v in values], (3, 2)))  # bit for bit


def test_adam_on_tensors_all_at_once_or_one_by_one_is_adam_on_each_value() -> None:
    # Steps where every Tensor has a gradient update them all at once (one flat array); a step where one
    # has none goes one by one. Either way, and switching between the two, each value moves as a Value would.
    rng = np.random.default_rng(5)
    shapes = [(3, 2), (4,), (2, 2, 2)]
    tensors = [Tensor(rng.normal(size=s)) for s in shapes]
    values = [[Value(float(x)) for x in t.data.flat] for t in tensors]
    on_tensors = Adam(tensors, lr=0.1, betas=(0.85, 0.99))
    on_values = Adam([v for vs in values for v in vs], lr=0.1, betas=(0.85, 0.99))  # skips a grad of None
    for missing in (1, None, None, 0, None, 2, None):  # the Tensor no gradient reaches at that step
        for k, (t, vs) in enumerate(zip(tensors, values, strict=True)):
            g = None if k == missing else rng.normal(size=t.shape)
            t.grad = g
            for i, value in enumerate(vs):
                value.grad = None if g is None else float(g.flat[i])
        on_tensors.step()
        on_values.step()
        for t, vs in zip(tensors, values, strict=True):  # bit for bit
            np.testing.assert_array_equal(t.data, np.reshape([v.data for v in vs], t.shape))


def test_adam_leaves_a_tensor_no_gradient_reached() -> None:
    reached, missed = Tensor([1.0, 2.0]), Tensor([3.0])
    optimizer = Adam([reached, missed], lr=0.5)
    (reached * reached).sum().backward()
    optimizer.step()
    assert missed.data.tolist() == [3.0] and missed.grad is None
    assert reached.data.tolist() == pytest.approx([0.5, 1.5])  # the first step moves each by lr·sign(grad)
    with pytest.raises(TypeError, match="Values or Tensors"):
        Adam([reached, 1.0])
