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
as in the scalar model: a layer is ``X Wᵀ``. Training is microgpt's: :class:`~micrograd.nn.Adam`
(the scalar model's, on arrays) with a linearly decaying learning rate.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence

import numpy as np

from ..graph.grad_mode import no_grad
from ..nn.optim import Adam
from ..tensor import Tensor, where
from .datasets import load_names
from .microgpt import Config, Tokenizer, TrainedOnNames, Weights, _check_weights, init_weights, weight_shapes

__all__ = ["TensorGPT", "gpt_loss", "gpt_logits", "rmsnorm", "causal_attention"]


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


def gpt_logits(params: Mapping[str, Tensor], tokens: Sequence[int], config: Config) -> Tensor:
    """The logits ``(len(tokens), vocab)`` of the next token at each position (at most ``block_size``)."""
    wte, wpe = params["wte"], params["wpe"]
    n = len(tokens)
    if not 0 < n <= wpe.shape[0]:
        raise ValueError(f"gpt: between 1 and block_size = {wpe.shape[0]} tokens, got {n}")
    x = rmsnorm(wte[np.asarray(tokens)] + wpe[:n])
    for li in range(config.n_layer):
        p = f"layer{li}."
        h = rmsnorm(x)
        q, k, v = h @ params[p + "attn_wq"].T, h @ params[p + "attn_wk"].T, h @ params[p + "attn_wv"].T
        x = causal_attention(q, k, v, config.n_head) @ params[p + "attn_wo"].T + x
        h = rmsnorm(x)
        x = (h @ params[p + "mlp_fc1"].T).relu() @ params[p + "mlp_fc2"].T + x
    return x @ params["lm_head"].T


def gpt_loss(params: Mapping[str, Tensor], tokens: Sequence[int], config: Config) -> Tensor:
    """The mean cross-entropy of predicting ``tokens[t + 1]`` from ``tokens[:t + 1]``, over the name's positions.

    ``tokens`` is a whole name, ``[BOS] + chars + [BOS]``; positions beyond ``block_size`` are cut.
    """
    if len(tokens) < 2:
        raise ValueError(f"gpt_loss: a name is [BOS] + chars + [BOS], at least 2 tokens, got {len(tokens)}")
    n = min(params["wpe"].shape[0], len(tokens) - 1)
    logits = gpt_logits(params, tokens[:n], config)
    log_probs = logits.log_softmax(axis=-1)
    return -log_probs[np.arange(n), np.asarray(tokens[1 : n + 1])].mean()


class TensorGPT(TrainedOnNames):
    """microgpt's transformer on Tensors: ``TensorGPT(weights, tokenizer, config=Config())``, as :class:`MicroGPT`.

    ``weights`` as :func:`~micrograd.models.init_weights` gives them (name -> matrix ``(out, in)``);
    each matrix becomes one parameter, a Tensor labelled with its name, in ``self.params[name]``.
    :meth:`loss` is one name's loss (a graph of about 60 Tensor nodes), :meth:`train` microgpt's
    loop with :class:`~micrograd.nn.Adam`, :meth:`sample` a new name. Start from the names as
    microgpt does with :meth:`from_names`: the same names, weights and draws as ``MicroGPT.from_names``.
    """

    docs: list[str] | None
    rng: random.Random

    def __init__(self, weights: Weights, tokenizer: Tokenizer, config: Config | None = None) -> None:
        self.config = config = Config() if config is None else config
        self.tokenizer = tokenizer
        _check_weights(weights, weight_shapes(config, tokenizer.vocab_size))
        self.params = {name: Tensor(rows, label=name) for name, rows in weights.items()}
        self.docs = None
        self.rng = random.Random(42)

    @classmethod
    def from_names(cls, names: Sequence[str] | None = None, seed: int = 42, config: Config | None = None) -> TensorGPT:
        """microgpt's start, as :meth:`MicroGPT.from_names`: ``seed`` shuffles the names (makemore's when None),
        then draws the weights; the model keeps the shuffled names (``docs``) and the generator (``rng``)."""
        rng = random.Random(seed)
        docs = list(load_names() if names is None else names)
        rng.shuffle(docs)
        tokenizer = Tokenizer(docs)
        config = Config() if config is None else config
        model = cls(init_weights(config, tokenizer.vocab_size, rng), tokenizer, config)
        model.docs, model.rng = docs, rng
        return model

    def parameters(self) -> list[Tensor]:
        """Every parameter matrix, in microgpt's order."""
        return list(self.params.values())

    def state_dict(self) -> Weights:
        """The parameters' current numbers, by name: what :func:`init_weights` gives, after training."""
        return {name: p.data.tolist() for name, p in self.params.items()}

    def logits(self, tokens: Sequence[int]) -> Tensor:
        """The logits ``(len(tokens), vocab_size)`` of the token after each of ``tokens`` (at most block_size)."""
        return gpt_logits(self.params, tokens, self.config)

    def loss(self, tokens: Sequence[int]) -> Tensor:
        """The mean loss over the positions of one name (``[bos] + chars + [bos]``): call ``backward()`` on it."""
        return gpt_loss(self.params, tokens, self.config)

    def train_step(self, tokens: Sequence[int], optimizer: Adam) -> float:
        """One step on one name: the loss, ``backward()``, Adam's step at ``optimizer.lr``, the gradients zeroed."""
        loss = self.loss(tokens)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss.item()

    def sample(self, temperature: float = 0.5, rng: random.Random | None = None) -> str:
        """A new name, as :meth:`MicroGPT.sample`: token after token from ``softmax(logits / temperature)``
        until ``bos`` or block_size, drawn with ``rng`` (the model's own if None); no graph is built."""
        rng = self.rng if rng is None else rng
        bos, vocab = self.tokenizer.bos, range(self.tokenizer.vocab_size)
        tokens = [bos]
        with no_grad():
            while len(tokens) <= self.config.block_size:
                probs = (self.logits(tokens)[-1] / temperature).softmax()
                token = rng.choices(vocab, weights=probs.data.tolist())[0]
                if token == bos:
                    break
                tokens.append(token)
        return self.tokenizer.decode(tokens[1:])

    def __repr__(self) -> str:
        c, n = self.config, sum(p.data.size for p in self.params.values())
        return (
            f"TensorGPT(n_embd={c.n_embd}, n_head={c.n_head}, n_layer={c.n_layer}, block_size={c.block_size}, "
            f"vocab_size={self.tokenizer.vocab_size}, {n} parameters)"
        )
