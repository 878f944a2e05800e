"""microgpt on :class:`~micrograd.tensor.Tensor`: the same GPT as the scalar model, one matrix per step.

The scalar model (:mod:`micrograd.models.microgpt`) runs the transformer one position at a
time on Values, a node per number: about 60,000 nodes a step. Here the whole name goes
through at once: the ``n`` positions are the rows of one ``(n, n_embd)`` matrix, and causal
attention is one ``(n, n)`` matrix of scores per head with the future masked out. The same
weights give the same loss and the same gradients (to rounding: the sums run in another
order), from about 60 Tensor nodes instead of 60,000 Values.

For one name, ``tokens = [BOS] + chars + [BOS]``; position ``t`` (``t < n = min(block_size,
len(tokens) - 1)``) reads ``tokens[t]`` and predicts ``tokens[t + 1]``::

    X = rmsnorm(wte[tokens] + wpe[positions])                  (n, n_embd)
    per layer:
        X = X + attention(rmsnorm(X))                          causal, n_head heads
        X = X + relu(rmsnorm(X) W1ᵀ) W2ᵀ                       the MLP
    loss = mean over t of −log softmax(X lm_headᵀ)[t, target_t]

with ``rmsnorm(x) = x · (mean(x²) + 1e-5)^-½`` per row. Weight matrices are ``(out, in)``,
as in the scalar model: a layer is ``X Wᵀ``. Training is Adam with a linearly decaying
learning rate (:class:`Adam`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from ..core import no_grad
from ..tensor import Tensor, where

__all__ = ["TensorGPT", "Adam", "gpt_loss", "gpt_logits", "rmsnorm", "causal_attention"]

Weights = Mapping[str, Sequence[Sequence[float]]]  # name -> matrix (out, in), as the scalar model's init_weights


def rmsnorm(x: Tensor) -> Tensor:
    """Each row scaled to root-mean-square 1: ``x · (mean(x²) + 1e-5)^-½`` along the last axis."""
    mean_square = (x * x).mean(axis=-1, keepdims=True)
    return x * (mean_square + 1e-5) ** -0.5


def _heads(x: Tensor, n_head: int) -> Tensor:
    """``(n, n_embd)`` split into ``(n_head, n, head_dim)``: head ``h`` is columns ``h·head_dim`` onward."""
    n, n_embd = x.shape
    return x.reshape(n, n_head, n_embd // n_head).transpose(1, 0, 2)


def causal_attention(q: Tensor, k: Tensor, v: Tensor, n_head: int) -> Tensor:
    """Multi-head causal self-attention of ``n`` positions (``q``, ``k``, ``v``: ``(n, n_embd)``).

    Per head, ``scores[t, s] = q_t·k_s / √head_dim``; position ``t`` sees ``s ≤ t`` only (the
    rest masked to −inf: weight exactly 0, and no gradient through them); the weights are the
    softmax of each row, and ``out_t = Σ_s weight[t, s] v_s``. The heads' outputs are
    concatenated back to ``(n, n_embd)``.
    """
    n, n_embd = q.shape
    qh, kh, vh = _heads(q, n_head), _heads(k, n_head), _heads(v, n_head)
    scores = (qh @ kh.transpose(0, 2, 1)) / math.sqrt(n_embd // n_head)  # (n_head, n, n)
    past = np.tril(np.ones((n, n), dtype=bool))  # past[t, s]: s ≤ t
    weights = where(past, scores, -math.inf).softmax(axis=-1)
    return (weights @ vh).transpose(1, 0, 2).reshape(n, n_embd)


def gpt_logits(params: Mapping[str, Tensor], tokens: Sequence[int], n_head: int) -> Tensor:
    """The logits ``(len(tokens), vocab)`` of the next token at each position (at most ``block_size``)."""
    wte, wpe = params["wte"], params["wpe"]
    n = len(tokens)
    if not 0 < n <= wpe.shape[0]:
        raise ValueError(f"gpt: between 1 and block_size = {wpe.shape[0]} tokens, got {n}")
    x = rmsnorm(wte[np.asarray(tokens)] + wpe[:n])
    for li in range(_layers(params)):
        p = f"layer{li}."
        h = rmsnorm(x)
        q, k, v = h @ params[p + "attn_wq"].T, h @ params[p + "attn_wk"].T, h @ params[p + "attn_wv"].T
        x = causal_attention(q, k, v, n_head) @ params[p + "attn_wo"].T + x
        h = rmsnorm(x)
        x = (h @ params[p + "mlp_fc1"].T).relu() @ params[p + "mlp_fc2"].T + x
    return x @ params["lm_head"].T


def gpt_loss(params: Mapping[str, Tensor], tokens: Sequence[int], n_head: int) -> Tensor:
    """The mean cross-entropy of predicting ``tokens[t + 1]`` from ``tokens[:t + 1]``, over the name's positions.

    ``tokens`` is a whole name, ``[BOS] + chars + [BOS]``; positions beyond ``block_size`` are cut.
    """
    if len(tokens) < 2:
        raise ValueError(f"gpt_loss: a name is [BOS] + chars + [BOS], at least 2 tokens, got {len(tokens)}")
    n = min(params["wpe"].shape[0], len(tokens) - 1)
    logits = gpt_logits(params, tokens[:n], n_head)
    log_probs = logits.log_softmax(axis=-1)
    return -log_probs[np.arange(n), np.asarray(tokens[1 : n + 1])].mean()


def _layers(params: Mapping[str, Tensor]) -> int:
    return sum(1 for name in params if name.endswith(".attn_wq"))


class Adam:
    """Adam over Tensors, microgpt's: ``β1 = 0.85``, ``β2 = 0.99``, ``eps = 1e-8``, bias-corrected.

    At step ``t`` (from 1), for each parameter ``p`` with gradient ``g``::

        m ← β1·m + (1 − β1)·g          v ← β2·v + (1 − β2)·g²
        m̂ = m / (1 − β1ᵗ)              v̂ = v / (1 − β2ᵗ)
        p ← p − lr · m̂ / (√v̂ + eps)

    ``step(lr)`` takes the learning rate of this step (microgpt's decays linearly).
    """

    def __init__(self, params: Iterable[Tensor], beta1: float = 0.85, beta2: float = 0.99, eps: float = 1e-8) -> None:
        self.params = list(params)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]
        self.t = 0

    def step(self, lr: float) -> None:
        """Move every parameter by its Adam update, from its current ``grad``."""
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        for i, p in enumerate(self.params):
            g = p.grad if p.grad is not None else np.zeros_like(p.data)
            self.m[i] = b1 * self.m[i] + (1 - b1) * g
            self.v[i] = b2 * self.v[i] + (1 - b2) * g**2
            m_hat = self.m[i] / (1 - b1**self.t)
            v_hat = self.v[i] / (1 - b2**self.t)
            p.data = p.data - lr * m_hat / (v_hat**0.5 + self.eps)

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (leaf gradients accumulate across backward passes)."""
        for p in self.params:
            p.grad = None


class TensorGPT:
    """microgpt on Tensors: ``TensorGPT(weights)``, ``loss(tokens)``, ``train_step(tokens)``, ``sample(rng)``.

    ``weights`` is the scalar model's (``init_weights(config, vocab_size, seed)``: name -> matrix
    ``(out, in)`` as nested lists); the sizes are read from it (``vocab`` and ``n_embd`` from
    ``wte``, ``block_size`` from ``wpe``), except the number of heads. The parameters are
    Tensors, in the weights' order (``params``); the BOS token is the last of the vocabulary.
    """

    def __init__(self, weights: Weights, n_head: int = 4, lr: float = 0.01, num_steps: int = 1000) -> None:
        self.params = {name: Tensor(matrix, label=name) for name, matrix in weights.items()}
        self.vocab_size, n_embd = self.params["wte"].shape
        self.block_size = self.params["wpe"].shape[0]
        if n_embd % n_head:
            raise ValueError(f"TensorGPT: n_embd = {n_embd} does not split into n_head = {n_head} heads")
        self.n_head = n_head
        self.lr, self.num_steps = lr, num_steps
        self.optimizer = Adam(self.params.values())

    def parameters(self) -> list[Tensor]:
        return list(self.params.values())

    def loss(self, tokens: Sequence[int]) -> Tensor:
        """The loss of one name (``[BOS] + chars + [BOS]``): mean cross-entropy over its positions."""
        return gpt_loss(self.params, tokens, self.n_head)

    def train_step(self, tokens: Sequence[int]) -> float:
        """One Adam step on one name, at microgpt's learning rate ``lr·(1 − step/num_steps)``; the loss before it."""
        loss = self.loss(tokens)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step(self.lr * (1 - self.optimizer.t / self.num_steps))
        return loss.item()

    def sample(self, rng: random.Random, temperature: float = 0.5) -> list[int]:
        """A new name's tokens (without the BOS around it), drawn one token at a time until BOS or block_size."""
        bos = self.vocab_size - 1
        tokens = [bos]
        with no_grad():
            while len(tokens) <= self.block_size:
                logits = gpt_logits(self.params, tokens, self.n_head).data[-1] / temperature
                probs = np.exp(logits - logits.max())
                token = rng.choices(range(self.vocab_size), weights=probs.tolist())[0]
                if token == bos:
                    break
                tokens.append(token)
        return tokens[1:]
