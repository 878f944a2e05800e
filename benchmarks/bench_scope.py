"""What scopes cost: the demo step with no scope open, one scope around it, and a scope per layer; bytes per node.

    python benchmarks/bench_scope.py [--rounds 7]

The three ways alternate in one process (so they see the same machine load); medians of
``--rounds`` steps each. The cost of having scopes at all, with none open, is measured
between revisions: ``python benchmarks/compare_revisions.py <rev before scopes>``.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import bytes_per_node  # noqa: E402
from bench_nn import make_model  # noqa: E402
from classic import demo_step  # noqa: E402

from micrograd import Value, scope  # noqa: E402
from micrograd.nn import make_moons  # noqa: E402


def step_ms(design: str, rounds: int) -> dict[str, float]:
    X, y = make_moons(100, noise=0.1, seed=1)
    y = y * 2 - 1
    ways: dict[str, Callable[[], contextlib.AbstractContextManager]] = {
        "no scope": contextlib.nullcontext,
        "one scope around the step": lambda: scope("step"),
    }
    models = {way: make_model(design, seed=1337) for way in ways}
    per_layer = make_model(design, seed=1337)
    times: dict[str, list[float]] = {way: [] for way in [*ways, "a scope per layer (inside one)"]}
    for _ in range(rounds + 1):  # the first round warms up
        for way, opened in ways.items():
            t0 = time.perf_counter()
            with opened():
                demo_step(models[way], X, y, Value)
            times[way].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        with scope("step"):
            demo_step(_PerLayer(per_layer), X, y, Value)
        times["a scope per layer (inside one)"].append(time.perf_counter() - t0)
    return {way: statistics.median(t[1:]) * 1e3 for way, t in times.items()}


class _PerLayer:
    """A model whose every layer's call is inside a scope of its own (``layer0``, ``layer1``, ...)."""

    def __init__(self, model) -> None:  # noqa: ANN001
        self.model = model
        self.layers = [(scope(f"layer{i}"), layer) for i, layer in enumerate(model.layers)]

    def __call__(self, x):  # noqa: ANN001, ANN204
        for opened, layer in self.layers:
            with opened:
                x = layer(x)
        return x

    def parameters(self):  # noqa: ANN201
        return self.model.parameters()

    def zero_grad(self) -> None:
        self.model.zero_grad()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    for design in ("gate by gate", "fused"):
        figures = step_ms(design, args.rounds)
        base = figures["no scope"]
        print(f"demo step, {design}:")
        for way, ms in figures.items():
            print(f"  {way:32} {ms:8.1f} ms  ({ms / base:.3f} x no scope)")
    print(f"bytes/node, no scope open:   {bytes_per_node():.1f}")
    print(f"bytes/node, inside a scope:  {bytes_per_node(opened=lambda: scope('chain')):.1f}")


if __name__ == "__main__":
    main()
