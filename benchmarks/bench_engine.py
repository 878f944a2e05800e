"""Engine benchmark: the tutorial demo's training step, a deep chain and a wide graph.

Prints ms per training step, ns per node forward and backward, bytes per node, and the
ratio against a baseline engine written the classic tutorial way (benchmarks/classic.py),
all in one run with the interpreter's default garbage-collector settings.

    python benchmarks/bench_engine.py [--steps 5]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import timing  # noqa: E402
from bench_nn import make_model  # noqa: E402
from classic import ClassicMLP, ClassicValue, demo_step  # noqa: E402

from micrograd import Value  # noqa: E402
from micrograd.engine import topological_order  # noqa: E402
from micrograd.nn import make_moons  # noqa: E402


def chain(n: int) -> Value:
    y = Value(0.5)
    for _ in range(n):
        y = (y * 0.999).tanh() + 0.001
    return y


def wide(n: int) -> Value:
    xs = [Value(random.random()) for _ in range(n)]
    return sum(x * x for x in xs)


def forward_backward_ns(build, n: int) -> tuple[float, float, int]:
    t0 = time.perf_counter()
    root = build(n)
    t1 = time.perf_counter()
    root.backward()
    t2 = time.perf_counter()
    nodes = len(topological_order(root))
    return (t1 - t0) / nodes * 1e9, (t2 - t1) / nodes * 1e9, nodes


def bytes_per_node(
    n: int = 200_000, opened: Callable[[], contextlib.AbstractContextManager[Any]] = contextlib.nullcontext
) -> float:
    """Memory per node of a chain of + and * (built inside ``opened()``: a scope, say), after backward."""
    xs = [Value(random.random()) for _ in range(8)]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    with opened():
        acc = xs[0]
        for i in range(n // 2):
            acc = acc * xs[i % 8] + xs[(i + 3) % 8]
    acc.backward()
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return used / len(topological_order(acc))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5, help="training steps timed per engine (median)")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, gc enabled: {gc.isenabled()}, thresholds {gc.get_threshold()}")

    X, y = make_moons(100, noise=0.1, seed=1)
    y = y * 2 - 1  # labels in {-1, 1} for the hinge loss
    random.seed(1337)
    rows = [
        ("classic tutorial engine (baseline)", ClassicMLP(2, [16, 16, 1]), ClassicValue),
        ("micrograd, gate-by-gate neurons", make_model("gate by gate", seed=1337), Value),
        ("micrograd, nn.MLP (fused weighted sum)", make_model("fused", seed=1337), Value),
    ]
    print(f"\ntraining step: 100 two-moons points, MLP 2-16-16-1, hinge + 1e-4 L2, SGD (median of {args.steps})")
    baseline = None
    for name, model, value_cls in rows:
        seconds = statistics.median(timing.seconds(lambda m=model, v=value_cls: demo_step(m, X, y, v), args.steps))
        baseline = baseline or seconds
        print(f"  {name:<40} {seconds * 1e3:8.1f} ms/step   {baseline / seconds:5.1f}x vs baseline")

    print("\nforward / backward per node")
    for name, build, n in (("deep chain (tanh, mul, add)", chain, 200_000), ("wide sum of squares", wide, 200_000)):
        fwd, bwd, nodes = forward_backward_ns(build, n)
        print(f"  {name:<30} {nodes:>8} nodes   forward {fwd:6.0f} ns/node   backward {bwd:6.0f} ns/node")

    print(f"\nmemory: {bytes_per_node():.0f} bytes per node (tracemalloc, 200,000-node graph of products and sums)")


if __name__ == "__main__":
    main()
