"""Tiny neural nets by hand, with the tutorial micrograd API: Module, Neuron, Layer, MLP."""

from __future__ import annotations

import random

from .engine import Value, weighted_sum

__all__ = ["Module", "Neuron", "Layer", "MLP"]


class Module:
    """Something with parameters: ``parameters()`` lists them, ``zero_grad()`` clears them."""

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        return []


class Neuron(Module):
    """``act(Σ wᵢxᵢ + b)`` with weights drawn uniformly from [-1, 1] and bias 0.

    ``nonlin=True`` applies ReLU (the tutorial's default); ``nonlin=False`` is linear.
    The weighted sum is one node (:func:`micrograd.engine.weighted_sum`) for speed.
    """

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x: list[Value | float]) -> Value:
        act = weighted_sum(self.w, list(x), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons over the same inputs; returns a list (a single Value if nout is 1)."""

    def __init__(self, nin: int, nout: int, **kwargs: object) -> None:
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: list[Value | float]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nin → nouts[0] → … → nouts[-1]``: ReLU inside, linear output."""

    def __init__(self, nin: int, nouts: list[int]) -> None:
        sz = [nin] + list(nouts)
        self.layers = [Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x: list[Value | float]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
