"""Tensor benchmark: the tutorial demo's training step as matrices, against the scalar engines.

The step of the tutorial demo (moons MLP 2-16-16-1, 100 points, hinge loss + 1e-4·L2 over
the whole batch, SGD lr 0.05), in one run and with the interpreter's default garbage
collector, on three engines starting from the same weights:

- the classic tutorial engine (benchmarks/classic.py), the baseline;
- micrograd's scalar engine (``micrograd.nn.MLP`` on ``micrograd.Value``);
- ``micrograd.Tensor``: three matrix products, ``X @ W + b`` with ``b`` broadcast over the batch.

The first step is also a correctness check: all three give the same loss and the same
updated weights.

    python benchmarks/bench_tensor.py [--steps 5] [--tensor-steps 300]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import timing  # noqa: E402
from classic import ClassicMLP, ClassicValue, demo_step  # noqa: E402

from micrograd import Tensor, Value  # noqa: E402
from micrograd.nn import MLP, make_moons  # noqa: E402

SIZES = [2, 16, 16, 1]
LR, ALPHA = 0.05, 1e-4


def tensor_params(model: MLP) -> list[Tensor]:
    """The scalar model's weights as matrices: ``W[i, j]`` is input i's weight in neuron j."""
    params = []
    for layer in model.layers:
        params.append(Tensor([[w.data for w in n.w] for n in layer.neurons]).T)
        params.append(Tensor([n.b.data for n in layer.neurons]))
    return [p.detach() for p in params]


def tensor_step(params: list[Tensor], X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """One step of the demo on Tensors; returns (loss, accuracy) like ``demo_step``."""
    h = X
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]  # the bias (n,) is broadcast over the batch: its gradient is summed
        if i < len(params) - 2:
            h = h.relu()
    scores = h.reshape(-1)
    data_loss = (1 - y * scores).relu().mean()
    reg_loss = ALPHA * sum((p * p).sum() for p in params)
    total = data_loss + reg_loss
    accuracy = float(np.mean((y > 0) == (scores.data > 0)))
    for p in params:
        p.grad = None
    total.backward()
    for p in params:
        p.data -= LR * p.grad
    return total.item(), accuracy


def check_same_first_step(X: np.ndarray, y: np.ndarray, seed: int) -> float:
    """All three engines from the same weights: same loss, same updated weights. Returns the loss."""
    random.seed(seed)
    classic = ClassicMLP(2, SIZES[1:])
    random.seed(seed)
    scalar = MLP(2, SIZES[1:])
    params = tensor_params(scalar)
    loss_c, _ = demo_step(classic, X, y, ClassicValue)
    loss_s, _ = demo_step(scalar, X, y, Value)
    loss_t, _ = tensor_step(params, X, y)
    after = np.concatenate([p.data.ravel() for p in tensor_params(scalar)])
    assert abs(loss_c - loss_t) < 1e-9 and abs(loss_s - loss_t) < 1e-9, (loss_c, loss_s, loss_t)
    assert np.allclose(after, np.concatenate([p.data.ravel() for p in params]), atol=1e-12)
    return loss_t


def wide_step(X: Tensor, params: list[Tensor], Y: np.ndarray) -> None:
    """One SGD step of a 784-256-10 MLP on a batch, squared error against one-hot targets."""
    W1, b1, W2, b2 = params
    loss = (((X @ W1 + b1).relu() @ W2 + b2 - Y) ** 2).mean()
    for p in params:
        p.grad = None
    loss.backward()
    for p in params:
        p.data -= LR * p.grad


def numpy_step(X: np.ndarray, params: list[np.ndarray], Y: np.ndarray) -> None:
    """The same step written by hand in numpy: the floor."""
    W1, b1, W2, b2 = params
    z = X @ W1 + b1
    h = np.maximum(z, 0.0)
    out = h @ W2 + b2
    g = 2.0 * (out - Y) / out.size
    gW2, gb2 = h.T @ g, g.sum(axis=0)
    gz = (g @ W2.T) * (z > 0)
    gW1, gb1 = X.T @ gz, gz.sum(axis=0)
    for p, grad in zip(params, (gW1, gb1, gW2, gb2), strict=True):
        p -= LR * grad


def constant_batch(steps: int) -> None:
    """A batch that needs no gradient: what requires_grad=False saves (dL/dX is never computed)."""
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(1024, 784)), np.eye(10)[rng.integers(0, 10, 1024)]
    shapes = [(784, 256), (256,), (256, 10), (10,)]
    init = [rng.normal(size=s) * 0.05 for s in shapes]
    cases = {
        "Tensor, X requires a gradient": lambda p: wide_step(Tensor(X), p, Y),
        "Tensor, X a constant (requires_grad=False)": lambda p: wide_step(Tensor(X, requires_grad=False), p, Y),
    }
    times: dict[str, list[float]] = {name: [] for name in [*cases, "numpy by hand"]}
    params = {name: [Tensor(w) for w in init] for name in cases}
    arrays = [w.copy() for w in init]
    for _ in range(steps):  # interleaved: the same machine load for all three
        for name, step in cases.items():
            times[name] += timing.seconds(lambda s=step, n=name: s(params[n]), 1)
        times["numpy by hand"] += timing.seconds(lambda: numpy_step(X, arrays, Y), 1)
    print(f"\nbatch 1024, MLP 784-256-10, squared error, SGD (median of {steps})")
    for name, ts in times.items():
        print(f"  {name:<44} {statistics.median(ts) * 1e3:7.2f} ms/step")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5, help="timed steps of each scalar engine (median)")
    parser.add_argument("--tensor-steps", type=int, default=300, help="timed steps of the tensor engine (median)")
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--batch-steps", type=int, default=30, help="timed steps of the 784-256-10 batch (median)")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, gc enabled: {gc.isenabled()}")
    X, y = make_moons(100, noise=0.1, seed=1)
    y = (2 * y - 1).astype(float)  # labels in {-1, 1} for the hinge loss
    loss = check_same_first_step(X, y, args.seed)
    print(f"first step from the same weights: the same loss on all three engines ({loss:.6f}) and the same update")

    random.seed(args.seed)
    classic = ClassicMLP(2, SIZES[1:])
    random.seed(args.seed)
    scalar = MLP(2, SIZES[1:])
    params = tensor_params(scalar)
    rows = [
        ("classic tutorial engine (baseline)", lambda: demo_step(classic, X, y, ClassicValue), args.steps),
        ("micrograd Value, nn.MLP", lambda: demo_step(scalar, X, y, Value), args.steps),
        ("micrograd Tensor", lambda: tensor_step(params, X, y), args.tensor_steps),
    ]
    rows = [(name, statistics.median(timing.seconds(step, n))) for name, step, n in rows]
    print(f"\ntraining step: 100 two-moons points, MLP 2-16-16-1, hinge + 1e-4 L2, SGD lr {LR} (median)")
    baseline, tensor = rows[0][1], rows[2][1]
    for name, seconds in rows:
        print(f"  {name:<36} {seconds * 1e3:9.3f} ms/step   {baseline / seconds:7.1f}x vs baseline")
    print(f"\ntensor step vs classic baseline: {baseline / tensor:.0f}x faster (target >= 100x)")
    print(f"tensor step vs micrograd Value step: {rows[1][1] / tensor:.0f}x faster")
    _, accuracy = tensor_step(params, X, y)
    print(f"tensor model after {args.tensor_steps + 1} steps: accuracy {accuracy:.0%}")
    constant_batch(args.batch_steps)


if __name__ == "__main__":
    main()
