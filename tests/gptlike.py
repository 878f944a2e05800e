"""A graph shaped like one training step of a small GPT on scalar Values, its parts in scopes.

Used by the collapsed-picture tests and ``benchmarks/bench_collapse.py``. Not a model that learns:
its numbers are seeded, its shape is the point. Parameters are unscoped leaves labelled
``stem[i][j]`` (``wte[3][5]``); each position ``k`` runs in ``pos{k}``, its layer in
``pos{k}/layer0`` with ``attn/head{h}/softmax`` and ``mlp`` inside, and later positions read the
keys and values of earlier ones (causal attention), so positions are wired to each other.
"""

from __future__ import annotations

import math
import random

import micrograd
from micrograd import Value, scope


def matrix(name: str, rows: int, cols: int, rng: random.Random) -> list[list[Value]]:
    return [[Value(rng.gauss(0, 0.08), label=f"{name}[{i}][{j}]") for j in range(cols)] for i in range(rows)]


def linear(x: list[Value], w: list[list[Value]]) -> list[Value]:
    return [micrograd.sum(wi * xi for wi, xi in zip(row, x, strict=True)) for row in w]


@scope
def rmsnorm(x: list[Value]) -> list[Value]:
    ms = micrograd.sum(xi * xi for xi in x) / len(x)
    scale = (ms + 1e-5) ** -0.5
    return [xi * scale for xi in x]


@scope
def softmax(logits: list[Value]) -> list[Value]:
    top = max(v.data for v in logits)
    exps = [(v - top).exp() for v in logits]
    total = micrograd.sum(exps)
    return [e / total for e in exps]


def gpt_step(
    positions: int = 16, embd: int = 16, heads: int = 4, vocab: int = 27, mlp: int = 4, seed: int = 0
) -> tuple[Value, dict[str, list[list[Value]]]]:
    """The mean loss of one sequence of ``positions`` tokens, backward run; and the parameters by stem."""
    rng = random.Random(seed)
    params = {
        "wte": matrix("wte", vocab, embd, rng),
        "wpe": matrix("wpe", positions, embd, rng),
        "attn_wq": matrix("attn_wq", embd, embd, rng),
        "attn_wk": matrix("attn_wk", embd, embd, rng),
        "attn_wv": matrix("attn_wv", embd, embd, rng),
        "attn_wo": matrix("attn_wo", embd, embd, rng),
        "mlp_fc1": matrix("mlp_fc1", mlp * embd, embd, rng),
        "mlp_fc2": matrix("mlp_fc2", embd, mlp * embd, rng),
        "lm_head": matrix("lm_head", vocab, embd, rng),
    }
    tokens = [rng.randrange(vocab) for _ in range(positions + 1)]
    keys: list[list[Value]] = []
    values: list[list[Value]] = []
    losses = []
    size = embd // heads
    for pos in range(positions):
        with scope(f"pos{pos}"):
            x = [a + b for a, b in zip(params["wte"][tokens[pos]], params["wpe"][pos], strict=True)]
            with scope("layer0"):
                with scope("attn"):
                    h = rmsnorm(x)
                    q, k, v = (linear(h, params[f"attn_w{n}"]) for n in "qkv")
                    keys.append(k)
                    values.append(v)
                    mixed: list[Value] = []
                    for head in range(heads):
                        with scope(f"head{head}"):
                            part = slice(head * size, (head + 1) * size)
                            scores = [
                                micrograd.sum(a * b for a, b in zip(q[part], kt[part], strict=True)) / math.sqrt(size)
                                for kt in keys
                            ]
                            weights = softmax(scores)
                            mixed += [
                                micrograd.sum(wt * vt[i] for wt, vt in zip(weights, values, strict=True))
                                for i in range(part.start, part.stop)
                            ]
                    x = [a + b for a, b in zip(x, linear(mixed, params["attn_wo"]), strict=True)]
                with scope("mlp"):
                    h = [u.relu() for u in linear(rmsnorm(x), params["mlp_fc1"])]
                    x = [a + b for a, b in zip(x, linear(h, params["mlp_fc2"]), strict=True)]
            with scope("lm_head"):
                probs = softmax(linear(x, params["lm_head"]))
                losses.append(-probs[tokens[pos + 1]].log())
    loss = micrograd.sum(losses) / positions
    loss.label = "loss"
    loss.backward()
    return loss, params
