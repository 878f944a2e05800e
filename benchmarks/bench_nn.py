"""Training benchmark: the moons MLP (2-16-16-1) trained until it reaches 95% accuracy.

The tutorial demo's setup: 100 two-moons points (noise 0.1), hinge loss + 1e-4·L2 over
the whole batch, SGD (here lr 0.05, momentum 0.9). Two neuron designs on our Value, with
the same initial weights, so they take the same steps and differ only in time:

- fused: :class:`micrograd.nn.Neuron`, whose ``Σ wᵢxᵢ + b`` is one node;
- gate by gate: the tutorial's neuron, ``sum(wᵢ*xᵢ) + b``, two nodes per weight.

    python benchmarks/bench_nn.py [--target 0.95] [--max-steps 500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import numpy as np

from micrograd import Value
from micrograd.nn import MLP, SGD, hinge, l2, make_moons


class GateByGateNeuron:
    """The tutorial's neuron, inline: ``relu(sum(w*x) + b)`` built gate by gate."""

    def __init__(self, w: list[float], b: float, nonlin: bool) -> None:
        self.w = [Value(wi) for wi in w]
        self.b = Value(b)
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]


def make_model(design: str, seed: int) -> MLP:
    random.seed(seed)
    model = MLP(2, [16, 16, 1])
    if design == "gate by gate":
        for layer in model.layers:
            layer.neurons = [GateByGateNeuron([w.data for w in n.w], n.b.data, n.nonlin) for n in layer.neurons]
    return model


def train(design: str, X: np.ndarray, labels: np.ndarray, target: float, max_steps: int, seed: int):
    """Train until accuracy >= target; returns (steps, seconds, final loss, accuracy)."""
    model = make_model(design, seed)
    opt = SGD(model.parameters(), lr=0.05, momentum=0.9)
    inputs = [[float(a) for a in row] for row in X]
    t0 = time.perf_counter()
    for step in range(1, max_steps + 1):
        scores = [model(x) for x in inputs]
        loss = hinge(scores, labels) + 1e-4 * l2(model.parameters())
        accuracy = float(np.mean([(s.data > 0) == (t > 0) for s, t in zip(scores, labels, strict=True)]))
        if accuracy >= target:
            return step - 1, time.perf_counter() - t0, loss.data, accuracy
        opt.zero_grad()
        loss.backward()
        opt.step()
    return max_steps, time.perf_counter() - t0, loss.data, accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--max-steps", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, help="runs per design; the median time is shown")
    parser.add_argument("--seed", type=int, default=1337)
    args = parser.parse_args()
    X, y = make_moons(100, noise=0.1, seed=1)
    labels = 2 * y - 1
    print(f"moons MLP 2-16-16-1, 100 points, hinge + 1e-4 L2, SGD lr 0.05 momentum 0.9, target {args.target:.0%}")
    results = {}
    for design in ("fused", "gate by gate"):
        runs = [train(design, X, labels, args.target, args.max_steps, args.seed) for _ in range(args.repeat)]
        steps, _, loss, acc = runs[0]
        seconds = statistics.median(r[1] for r in runs)
        results[design] = seconds
        per_step = 1000 * seconds / max(steps, 1)
        print(
            f"{design:>12}: {steps} steps to {acc:.0%} accuracy in {seconds:.2f} s "
            f"({per_step:.1f} ms/step, loss {loss:.4f}, median of {args.repeat})"
        )
    print(f"fused neuron is {results['gate by gate'] / results['fused']:.2f}x faster than gate by gate")


if __name__ == "__main__":
    main()
