"""microgpt as its author wrote it (February 2026), re-typed in our words: the baseline of bench_microgpt.py.

Its own scalar ``Value`` (``__slots__`` data, grad, children and their local gradients, each
local gradient computed when the op runs; a recursive topological sort; ``child.grad +=
local × grad``) and its own loop: a one-layer GPT on the names, Adam with a linearly
decaying learning rate, sampling at temperature 0.5. Nothing from micrograd is imported,
so it stands as the published program stands. One liberty: a ``random.Random(seed)`` of its
own instead of the module's global generator seeded with ``random.seed(seed)`` (the same
numbers: the module functions are methods of one such generator), so a test that runs it
leaves the global generator alone.

``tests/test_microgpt.py`` holds micrograd's model (micrograd/models/microgpt.py) to this one.
"""

from __future__ import annotations

import math
import random

# ---------------------------------------------------------------- the Value


class RefValue:
    """A scalar with its gradient, its children and ∂self/∂child for each (computed in the forward pass)."""

    __slots__ = ("data", "grad", "_children", "_local_grads")

    def __init__(self, data, children=(), local_grads=()):
        self.data = data
        self.grad = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other):
        other = other if isinstance(other, RefValue) else RefValue(other)
        return RefValue(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, RefValue) else RefValue(other)
        return RefValue(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, k):  # k a number
        return RefValue(self.data**k, (self,), (k * self.data ** (k - 1),))

    def log(self):
        return RefValue(math.log(self.data), (self,), (1 / self.data,))

    def exp(self):
        e = math.exp(self.data)
        return RefValue(e, (self,), (e,))

    def relu(self):
        return RefValue(max(0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def backward(self):
        order, seen = [], set()

        def visit(v):  # recursive depth-first search: children before parents
            if v not in seen:
                seen.add(v)
                for child in v._children:
                    visit(child)
                order.append(v)

        visit(self)
        self.grad = 1
        for v in reversed(order):
            for child, local in zip(v._children, v._local_grads):
                child.grad += local * v.grad


# ---------------------------------------------------------------- the model

N_EMBD, N_HEAD, N_LAYER, BLOCK_SIZE = 16, 4, 1, 16
HEAD_DIM = N_EMBD // N_HEAD


def linear(x, w):
    return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def softmax(logits):
    top = max(v.data for v in logits)
    exps = [(v - top).exp() for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def rmsnorm(x):
    ms = sum(xi * xi for xi in x) / len(x)
    scale = (ms + 1e-5) ** -0.5
    return [xi * scale for xi in x]


class Reference:
    """The published program's state: shuffled names, vocabulary, parameters, Adam's moments, generator."""

    def __init__(self, names, seed=42):
        self.rng = rng = random.Random(seed)
        self.docs = [name.strip() for name in names if name.strip()]
        rng.shuffle(self.docs)
        self.uchars = sorted(set("".join(self.docs)))
        self.bos = len(self.uchars)
        self.vocab_size = len(self.uchars) + 1

        def matrix(rows, cols, std=0.08):
            return [[RefValue(rng.gauss(0, std)) for _ in range(cols)] for _ in range(rows)]

        sd = {"wte": matrix(self.vocab_size, N_EMBD), "wpe": matrix(BLOCK_SIZE, N_EMBD)}
        sd["lm_head"] = matrix(self.vocab_size, N_EMBD)
        for i in range(N_LAYER):
            for name in ("attn_wq", "attn_wk", "attn_wv", "attn_wo"):
                sd[f"layer{i}.{name}"] = matrix(N_EMBD, N_EMBD)
            sd[f"layer{i}.mlp_fc1"] = matrix(4 * N_EMBD, N_EMBD)
            sd[f"layer{i}.mlp_fc2"] = matrix(N_EMBD, 4 * N_EMBD)
        self.state_dict = sd
        self.params = [p for mat in sd.values() for row in mat for p in row]
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def gpt(self, token, pos, keys, values):
        sd = self.state_dict
        x = [t + p for t, p in zip(sd["wte"][token], sd["wpe"][pos])]
        x = rmsnorm(x)
        for i in range(N_LAYER):
            residual = x
            x = rmsnorm(x)
            q = linear(x, sd[f"layer{i}.attn_wq"])
            k = linear(x, sd[f"layer{i}.attn_wk"])
            v = linear(x, sd[f"layer{i}.attn_wv"])
            keys[i].append(k)
            values[i].append(v)
            heads = []
            for h in range(N_HEAD):
                lo = h * HEAD_DIM
                q_h = q[lo : lo + HEAD_DIM]
                k_h = [kt[lo : lo + HEAD_DIM] for kt in keys[i]]
                v_h = [vt[lo : lo + HEAD_DIM] for vt in values[i]]
                scores = [sum(q_h[j] * k_h[t][j] for j in range(HEAD_DIM)) / HEAD_DIM**0.5 for t in range(len(k_h))]
                weights = softmax(scores)
                heads.extend(sum(weights[t] * v_h[t][j] for t in range(len(v_h))) for j in range(HEAD_DIM))
            x = linear(heads, sd[f"layer{i}.attn_wo"])
            x = [a + b for a, b in zip(x, residual)]
            residual = x
            x = rmsnorm(x)
            x = [h.relu() for h in linear(x, sd[f"layer{i}.mlp_fc1"])]
            x = linear(x, sd[f"layer{i}.mlp_fc2"])
            x = [a + b for a, b in zip(x, residual)]
        return linear(x, sd["lm_head"])

    def encode(self, doc):
        return [self.bos] + [self.uchars.index(c) for c in doc] + [self.bos]

    def loss(self, tokens):
        n = min(BLOCK_SIZE, len(tokens) - 1)
        keys, values = [[] for _ in range(N_LAYER)], [[] for _ in range(N_LAYER)]
        losses = []
        for pos in range(n):
            probs = softmax(self.gpt(tokens[pos], pos, keys, values))
            losses.append(-probs[tokens[pos + 1]].log())
        return (1 / n) * sum(losses)

    def step(self, step, num_steps, lr=0.01, beta1=0.85, beta2=0.99, eps=1e-8):
        """One training step on ``docs[step % len(docs)]``; its loss (a float)."""
        loss = self.loss(self.encode(self.docs[step % len(self.docs)]))
        loss.backward()
        lr_t = lr * (1 - step / num_steps)
        for i, p in enumerate(self.params):
            self.m[i] = beta1 * self.m[i] + (1 - beta1) * p.grad
            self.v[i] = beta2 * self.v[i] + (1 - beta2) * p.grad**2
            m_hat = self.m[i] / (1 - beta1 ** (step + 1))
            v_hat = self.v[i] / (1 - beta2 ** (step + 1))
            p.data -= lr_t * m_hat / (v_hat**0.5 + eps)
            p.grad = 0
        return loss.data

    def sample(self, temperature=0.5):
        keys, values = [[] for _ in range(N_LAYER)], [[] for _ in range(N_LAYER)]
        token, out = self.bos, []
        for pos in range(BLOCK_SIZE):
            probs = softmax([logit / temperature for logit in self.gpt(token, pos, keys, values)])
            token = self.rng.choices(range(self.vocab_size), weights=[p.data for p in probs])[0]
            if token == self.bos:
                break
            out.append(self.uchars[token])
        return "".join(out)
