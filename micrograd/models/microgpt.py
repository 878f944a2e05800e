"""microgpt on :class:`~micrograd.Value`: a whole GPT, trained one scalar at a time.

The model of Karpathy's microgpt (February 2026), written for reading: a one-layer
transformer (token and position embeddings, RMSNorm, multi-head causal self-attention with
a cache of keys and values, a ReLU MLP, residual connections) that reads a name one
character at a time and learns to predict the next one. Every number is a ``Value``, so one
training step is one graph of about 60,000 nodes, and ``loss.backward()`` is the chain
rule through all of it.

Reading order, bottom up: the tokenizer, the weights, the building blocks (:func:`dot`,
:func:`total`, :func:`linear`, :func:`rmsnorm`, :func:`softmax`, :func:`cross_entropy`), then
:class:`MicroGPT`: :meth:`~MicroGPT.forward` for one position, :meth:`~MicroGPT.step_loss`
for one name, :meth:`~MicroGPT.train` and :meth:`~MicroGPT.sample`.

Each building block has a ``fused`` form beside its gates (``MicroGPT(..., fused=True)``):
the sums as one node each (:func:`micrograd.dot`), a softmax through one
:func:`micrograd.logsumexp`. Same numbers up to rounding (losses to about 1e-16 relative),
a ninth of the nodes (6,909 against 59,542 on the first name) and a step four to five times
faster; the gates are what a learner steps through, the fused blocks what one trains with.
Long runs go faster still inside ``with micrograd.models.collector_paused():`` (opt-in).

Scopes (:func:`micrograd.scope`) name the part of the model that built each node, so a
picture can fold a step into boxes::

    pos3/                          one position of the name (pos0, pos1, ...)
      embedding/  rmsnorm/         wte[token] + wpe[pos], normalised
      layer0/attn/  rmsnorm/  head2/  head2/softmax/
      layer0/mlp/  rmsnorm/
      lm_head/                     the logits
      loss/  loss/softmax/         -log p(next token)
    loss/                          the mean over the positions

Parameters are leaves labelled ``wte[i][j]``, ``layer0.attn_wq[i][j]``, ...: the keys of
:func:`init_weights`'s dict (microgpt's ``state_dict``) with the row and column.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .. import blocks
from ..engine import Value
from ..graph.grad_mode import no_grad
from ..graph.scope import scope
from ..nn.modules import Module
from ..nn.optim import Adam
from .datasets import load_names

__all__ = [
    "Config",
    "Tokenizer",
    "weight_shapes",
    "init_weights",
    "dot",
    "total",
    "linear",
    "rmsnorm",
    "softmax",
    "cross_entropy",
    "MicroGPT",
    "TrainedOnNames",
]

Vector = list[Value]
Matrix = list[list[Value]]
Weights = dict[str, list[list[float]]]  # microgpt's state_dict, as numbers: name -> rows


# ---------------------------------------------------------------- the shape of the model


@dataclass(frozen=True)
class Config:
    """The model's sizes; the defaults are microgpt's (4,192 parameters with the 27 tokens of the names)."""

    n_embd: int = 16  # the width of every vector: embeddings, queries, keys, values
    n_head: int = 4  # attention heads, each reading n_embd / n_head of the width
    n_layer: int = 1  # transformer blocks
    block_size: int = 16  # the longest context: positions 0 .. block_size - 1

    def __post_init__(self) -> None:
        for name in ("n_embd", "n_head", "n_layer", "block_size"):
            n = getattr(self, name)
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ValueError(f"Config: {name} must be an int >= 1, got {n!r}")
        if self.n_embd % self.n_head:
            raise ValueError(f"Config: n_embd ({self.n_embd}) must be a multiple of n_head ({self.n_head})")

    @property
    def head_dim(self) -> int:
        """The width each head reads: ``n_embd / n_head``."""
        return self.n_embd // self.n_head


class Tokenizer:
    """Characters to token ids and back: one id per character seen in ``docs`` (sorted), and ``bos``.

    ``bos`` (beginning of sequence, id ``len(chars)``) marks both ends of a name: the model
    reads ``[bos, e, m, m, a]`` and learns to predict ``[e, m, m, a, bos]``.
    """

    def __init__(self, docs: Sequence[str]) -> None:
        self.chars = sorted(set("".join(docs)))
        self.bos = len(self.chars)
        self._ids = {c: i for i, c in enumerate(self.chars)}

    @property
    def vocab_size(self) -> int:
        """The number of token ids: the characters and ``bos``."""
        return len(self.chars) + 1

    def encode(self, doc: str) -> list[int]:
        """``[bos, id of doc[0], id of doc[1], ..., bos]``."""
        unknown = sorted(set(doc) - self._ids.keys())
        if unknown:
            raise ValueError(f"Tokenizer: {doc!r:.40} has characters it was not built with: {unknown}")
        return [self.bos, *(self._ids[c] for c in doc), self.bos]

    def decode(self, ids: Sequence[int]) -> str:
        """The characters of ``ids`` (``bos`` left out)."""
        return "".join(self.chars[i] for i in ids if i != self.bos)

    def __repr__(self) -> str:
        return f"Tokenizer({''.join(self.chars)!r} + bos)"


# ---------------------------------------------------------------- the weights


def weight_shapes(config: Config, vocab_size: int) -> dict[str, tuple[int, int]]:
    """Every weight matrix's name and shape ``(rows, columns)``, in microgpt's order.

    ``wte``: a row per token; ``wpe``: a row per position; ``lm_head``: a row per token (the
    logits); per layer ``i``: ``layer{i}.attn_wq``, ``_wk``, ``_wv``, ``_wo`` (square) and the
    MLP, ``layer{i}.mlp_fc1`` (4·n_embd rows) and ``layer{i}.mlp_fc2`` (back to n_embd).
    """
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 1:
        raise ValueError(f"vocab_size must be an int >= 1, got {vocab_size!r}")
    d = config.n_embd
    shapes = {"wte": (vocab_size, d), "wpe": (config.block_size, d), "lm_head": (vocab_size, d)}
    for i in range(config.n_layer):
        for name in ("attn_wq", "attn_wk", "attn_wv", "attn_wo"):
            shapes[f"layer{i}.{name}"] = (d, d)
        shapes[f"layer{i}.mlp_fc1"] = (4 * d, d)
        shapes[f"layer{i}.mlp_fc2"] = (d, 4 * d)
    return shapes


def init_weights(config: Config, vocab_size: int, rng: random.Random | int = 42, std: float = 0.08) -> Weights:
    """Fresh weights, each drawn from a normal distribution N(0, std²), as microgpt draws them.

    Matrix by matrix in :func:`weight_shapes`' order, row by row, with ``rng.gauss(0, std)``:
    given the ``random.Random`` microgpt's global generator is at (seeded with 42, then used to
    shuffle the names), the same numbers. An int ``rng`` seeds a new generator.
    """
    rng = random.Random(rng) if isinstance(rng, int) else rng
    return {
        name: [[rng.gauss(0, std) for _ in range(columns)] for _ in range(rows)]
        for name, (rows, columns) in weight_shapes(config, vocab_size).items()
    }


# ---------------------------------------------------------------- the building blocks, each gate by gate or fused


def dot(a: Vector, b: Vector, fused: bool = False) -> Value:
    """``Σᵢ aᵢ·bᵢ``: Python's ``sum`` of the products (from 0, as microgpt adds), or one node ``Σwx``."""
    if fused:
        return blocks.dot(a, b)
    return sum(ai * bi for ai, bi in zip(a, b, strict=True))  # type: ignore[return-value]  # (a Value: never empty)


def total(xs: Vector, fused: bool = False) -> Value:
    """``Σᵢ xᵢ``: Python's ``sum`` (from 0), or one node ``Σ``."""
    return blocks.sum(xs) if fused else sum(xs)  # type: ignore[return-value]  # (a Value: never empty)


def linear(x: Vector, w: Matrix, fused: bool = False) -> Vector:
    """``W·x``: one weighted sum ``Σⱼ wᵢⱼ·xⱼ`` per row of ``w`` (no bias)."""
    return [dot(row, x, fused) for row in w]


@scope("rmsnorm")
def rmsnorm(x: Vector, fused: bool = False) -> Vector:
    """``x / √(mean(x²) + ε)``: the vector scaled to a root mean square of 1 (ε = 1e-5 keeps it finite)."""
    mean_square = dot(x, x, fused) / len(x)
    scale = (mean_square + 1e-5) ** -0.5
    return [xi * scale for xi in x]


@scope("softmax")
def softmax(logits: Vector, fused: bool = False) -> Vector:
    """``exp(lᵢ) / Σⱼ exp(lⱼ)``: scores to probabilities (positive, summing to 1).

    Gate by gate, the largest logit (a number) is taken off first: softmax is unchanged by a
    shift, and no exp overflows. Fused, ``exp(lᵢ − logsumexp(l))``, the normaliser one node.
    """
    if fused:
        log_total = blocks.logsumexp(logits)
        return [(logit - log_total).exp() for logit in logits]
    largest = max(logit.data for logit in logits)
    exps = [(logit - largest).exp() for logit in logits]
    denominator = sum(exps)
    return [e / denominator for e in exps]


def cross_entropy(logits: Vector, target: int, fused: bool = False) -> Value:
    """``−log p(target)``, p the softmax of ``logits``: the loss of one prediction.

    Fused, ``logsumexp(l) − l[target]``: the same number, two nodes.
    """
    if fused:
        return blocks.logsumexp(logits) - logits[target]
    return -softmax(logits)[target].log()


# ---------------------------------------------------------------- the model


class TrainedOnNames:
    """What both microgpt models share (on Values and on Tensors): microgpt's loop over the names.

    A model gives ``docs`` (the shuffled names), ``tokenizer``, ``parameters()`` and ``train_step(tokens,
    optimizer)``; :meth:`train` runs one step a name, in turn.
    """

    docs: list[str] | None
    tokenizer: Tokenizer

    def parameters(self) -> list[Any]:
        raise NotImplementedError

    def train_step(self, tokens: Sequence[int], optimizer: Adam) -> float:
        raise NotImplementedError

    def train(
        self,
        steps: int,
        lr: float = 0.01,
        betas: tuple[float, float] = (0.85, 0.99),
        eps: float = 1e-8,
        num_steps: int | None = None,
        on_step: Callable[[int, float], object] | None = None,
    ) -> list[float]:
        """microgpt's training loop, ``steps`` steps over ``docs`` (one name a step, in turn); the losses.

        Each step: :meth:`train_step` on one name, Adam (``betas``, ``eps``) with a learning rate decaying
        linearly from ``lr`` to 0 over ``num_steps`` (``steps`` unless given). ``on_step(step, loss)`` is
        called after each step. A new Adam each call.
        """
        if self.docs is None:
            name = type(self).__name__
            raise ValueError(f"train: this model has no names to read (make it with {name}.from_names, or set .docs)")
        num_steps = steps if num_steps is None else num_steps
        optimizer = Adam(self.parameters(), lr=lr, betas=betas, eps=eps)
        losses = []
        for step in range(steps):
            optimizer.lr = lr * (1 - step / num_steps)
            losses.append(self.train_step(self.tokenizer.encode(self.docs[step % len(self.docs)]), optimizer))
            if on_step is not None:
                on_step(step, losses[-1])
        return losses


class MicroGPT(TrainedOnNames, Module):
    """microgpt's transformer on Values: ``MicroGPT(weights, tokenizer, config=Config(), fused=False)``.

    ``weights`` as :func:`init_weights` gives them; each number becomes a parameter, a
    ``Value`` labelled ``name[i][j]``, in ``self.params[name]``. ``fused=True`` builds the
    sums, softmaxes and losses from fused blocks (:func:`micrograd.dot`, ...). Start from the
    names as microgpt does with :meth:`from_names`.
    """

    docs: list[str] | None
    rng: random.Random

    def __init__(self, weights: Weights, tokenizer: Tokenizer, config: Config | None = None, fused: bool = False):
        self.config = config = Config() if config is None else config
        self.tokenizer = tokenizer
        self.fused = bool(fused)
        _check_weights(weights, weight_shapes(config, tokenizer.vocab_size))
        self.params: dict[str, Matrix] = {
            name: [[Value(w, label=f"{name}[{i}][{j}]") for j, w in enumerate(row)] for i, row in enumerate(rows)]
            for name, rows in weights.items()
        }
        self.docs = None
        self.rng = random.Random(42)

    @classmethod
    def from_names(
        cls, names: Sequence[str] | None = None, seed: int = 42, config: Config | None = None, fused: bool = False
    ) -> MicroGPT:
        """microgpt's start: a generator seeded with ``seed`` shuffles the names (the makemore names when
        None: :func:`~micrograd.models.load_names`), then draws the weights; the model keeps the shuffled
        names (``docs``, what :meth:`train` reads) and the generator (``rng``, what :meth:`sample` draws with)."""
        rng = random.Random(seed)
        docs = list(load_names() if names is None else names)
        rng.shuffle(docs)
        tokenizer = Tokenizer(docs)
        config = Config() if config is None else config
        model = cls(init_weights(config, tokenizer.vocab_size, rng), tokenizer, config, fused)
        model.docs, model.rng = docs, rng
        return model

    def parameters(self) -> list[Value]:
        """Every parameter, matrix by matrix (microgpt's order), row by row."""
        return [p for rows in self.params.values() for row in rows for p in row]

    def state_dict(self) -> Weights:
        """The parameters' current numbers, by name: what :func:`init_weights` gives, after training."""
        return {name: [[p.data for p in row] for row in rows] for name, rows in self.params.items()}

    # -- one position

    def forward(self, token: int, pos: int, keys: list[list[Vector]], values: list[list[Vector]]) -> Vector:
        """The logits of the token that follows ``token`` at position ``pos`` (one per token id).

        ``keys[i]`` and ``values[i]`` hold layer i's keys and values of the positions before;
        this position's are appended (the KV cache), so call it for positions 0, 1, 2, ... in turn.
        """
        p, fused = self.params, self.fused
        with scope("embedding"):
            x = [t + q for t, q in zip(p["wte"][token], p["wpe"][pos], strict=True)]
            x = rmsnorm(x, fused)
        for i in range(self.config.n_layer):
            with scope(f"layer{i}"):
                x = self.attention(x, i, keys[i], values[i])
                x = self.mlp(x, i)
        with scope("lm_head"):
            return linear(x, p["lm_head"], fused)

    @scope("attn")
    def attention(self, x: Vector, i: int, keys: list[Vector], values: list[Vector]) -> Vector:
        """Layer i's causal self-attention, added to ``x`` (the residual connection)."""
        p, fused, f = self.params, self.fused, f"layer{i}."
        residual = x
        x = rmsnorm(x, fused)
        q = linear(x, p[f + "attn_wq"], fused)
        keys.append(linear(x, p[f + "attn_wk"], fused))
        values.append(linear(x, p[f + "attn_wv"], fused))
        heads: Vector = []
        for h in range(self.config.n_head):
            with scope(f"head{h}"):
                heads += self.head(q, keys, values, h)
        x = linear(heads, p[f + "attn_wo"], fused)
        return [a + b for a, b in zip(x, residual, strict=True)]

    def head(self, q: Vector, keys: list[Vector], values: list[Vector], h: int) -> Vector:
        """Head h: how well this query matches each cached key (a softmax of the scaled dot products),
        then the values mixed in those proportions. Each head reads its own slice of the width."""
        fused, d = self.fused, self.config.head_dim
        part = slice(h * d, (h + 1) * d)
        q_h = q[part]
        k_h = [k[part] for k in keys]
        v_h = [v[part] for v in values]
        scores = [dot(q_h, k_t, fused) / d**0.5 for k_t in k_h]
        weights = softmax(scores, fused)
        return [dot(weights, [v_t[j] for v_t in v_h], fused) for j in range(d)]

    @scope("mlp")
    def mlp(self, x: Vector, i: int) -> Vector:
        """Layer i's MLP: up to 4·n_embd with ReLU, back to n_embd, added to ``x`` (the residual connection)."""
        p, fused = self.params, self.fused
        residual = x
        x = rmsnorm(x, fused)
        x = [h.relu() for h in linear(x, p[f"layer{i}.mlp_fc1"], fused)]
        x = linear(x, p[f"layer{i}.mlp_fc2"], fused)
        return [a + b for a, b in zip(x, residual, strict=True)]

    # -- one name

    def step_loss(self, tokens: Sequence[int]) -> Value:
        """The mean loss over the positions of one name: ``(1/n) Σₜ −log p(tokens[t+1] | tokens[..t])``.

        At most ``block_size`` positions. The graph of one training step: call ``backward()`` on it.
        """
        n = min(self.config.block_size, len(tokens) - 1)
        if n < 1:
            raise ValueError(f"step_loss needs at least two tokens (bos, ..., bos), got {list(tokens)!r:.60}")
        keys: list[list[Vector]] = [[] for _ in range(self.config.n_layer)]
        values: list[list[Vector]] = [[] for _ in range(self.config.n_layer)]
        losses = []
        for pos in range(n):
            with scope(f"pos{pos}"):
                logits = self.forward(tokens[pos], pos, keys, values)
                with scope("loss"):
                    losses.append(cross_entropy(logits, tokens[pos + 1], self.fused))
        with scope("loss"):
            return (1 / n) * total(losses, self.fused)

    # -- training and sampling

    def train_step(self, tokens: Sequence[int], optimizer: Adam) -> float:
        """One step on one name: the loss, ``backward()``, Adam's step at ``optimizer.lr``, the gradients
        zeroed; the loss (a float). The step's graph is freed on return, before the next one is built."""
        loss = self.step_loss(tokens)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss.data

    def sample(self, temperature: float = 0.5, rng: random.Random | None = None) -> str:
        """A new name: token after token, each drawn from ``softmax(logits / temperature)``, until ``bos``.

        A lower temperature sharpens the distribution (0.5: microgpt's). Drawn with ``rng`` (the
        model's own generator if None); no graph is built (``no_grad``).
        """
        rng = self.rng if rng is None else rng
        bos, n_layer = self.tokenizer.bos, self.config.n_layer
        keys: list[list[Vector]] = [[] for _ in range(n_layer)]
        values: list[list[Vector]] = [[] for _ in range(n_layer)]
        token, out = bos, []
        with no_grad():
            for pos in range(self.config.block_size):
                logits = self.forward(token, pos, keys, values)
                probs = softmax([logit / temperature for logit in logits], self.fused)
                token = rng.choices(range(self.tokenizer.vocab_size), weights=[p.data for p in probs])[0]
                if token == bos:
                    break
                out.append(token)
        return self.tokenizer.decode(out)

    def __repr__(self) -> str:
        c = self.config
        return (
            f"MicroGPT(n_embd={c.n_embd}, n_head={c.n_head}, n_layer={c.n_layer}, block_size={c.block_size}, "
            f"vocab_size={self.tokenizer.vocab_size}, {len(self.parameters())} parameters"
            f"{', fused' if self.fused else ''})"
        )


def _check_weights(weights: Weights, shapes: dict[str, tuple[int, int]]) -> None:
    """A clear error unless ``weights`` has exactly the matrices of ``shapes``, each of its shape."""
    if not isinstance(weights, dict):
        raise TypeError(f"MicroGPT: weights must be a dict name -> rows (init_weights), got {type(weights).__name__}")
    if list(weights) != list(shapes):
        raise ValueError(f"MicroGPT: weights must have the matrices {list(shapes)} in that order, got {list(weights)}")
    for name, (rows, columns) in shapes.items():
        got = weights[name]
        if len(got) != rows or any(len(row) != columns for row in got):
            raise ValueError(f"MicroGPT: {name} must be {rows} rows of {columns} numbers")
