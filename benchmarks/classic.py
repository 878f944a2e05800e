"""A baseline engine written the classic tutorial way, for benchmarks only.

Each op's backward closure captures its output node (so every node sits in a reference
cycle), children are kept in a set, and the topological sort is recursive. This is the
design micrograd's engine is measured against; it is not part of the package.
"""

from __future__ import annotations

import math
import random
import sys


class ClassicValue:
    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, ClassicValue) else ClassicValue(other)
        out = ClassicValue(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, ClassicValue) else ClassicValue(other)
        out = ClassicValue(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, other):
        out = ClassicValue(self.data**other, (self,), f"**{other}")

        def _backward():
            self.grad += (other * self.data ** (other - 1)) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = ClassicValue(0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward():
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = ClassicValue(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t * t) * out.grad

        out._backward = _backward
        return out

    def backward(self):
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1
        for v in reversed(topo):
            v._backward()

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


class ClassicNeuron:
    def __init__(self, nin, nonlin=True):
        self.w = [ClassicValue(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = ClassicValue(0)
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]


class ClassicLayer:
    def __init__(self, nin, nout, **kwargs):
        self.neurons = [ClassicNeuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]


class ClassicMLP:
    def __init__(self, nin, nouts):
        sz = [nin] + nouts
        self.layers = [ClassicLayer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0


def demo_loss(model, X, y, value_cls, alpha=1e-4):
    """The tutorial demo's loss over the whole batch, hinge + L2: (total, scores)."""
    inputs = [[value_cls(float(a)) for a in row] for row in X]
    scores = [model(x) for x in inputs]
    losses = [(1 + -float(yi) * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = alpha * sum(p * p for p in model.parameters())
    return data_loss + reg_loss, scores


def demo_step(model, X, y, value_cls, lr=0.05, alpha=1e-4):
    """One step of the tutorial demo: hinge loss + L2 over the whole batch, then SGD.

    Works with any engine whose Value has the tutorial API (``value_cls`` wraps inputs).
    Returns (loss, accuracy).
    """
    total, scores = demo_loss(model, X, y, value_cls, alpha)
    accuracy = sum((yi > 0) == (si.data > 0) for yi, si in zip(y, scores)) / len(y)
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return total.data, accuracy


sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
