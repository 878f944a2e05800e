"""micrograd.live: the kernel's share of moving a slider, for the sigmoid neuron and a 2-4-1 MLP.

    python benchmarks/bench_live.py [--moves 200]

One move is what the kernel does when the page says an input changed: the message handled, the
numbers recomputed (a graph already built: through its staged code; a function: run again), and the
page's state made (the texts of every number, each element's chain rule, the steps of the backward
pass) and assigned to the synced trait. Without a front end the trait's JSON goes nowhere, so the
time to the page and back (tens of ms in JupyterLab, measured by tests/test_live_browser.py) is not
in it. Prints the median and the 95th percentile of each, and the time to make the widget (its layout).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import Any


def _neuron() -> Any:
    from micrograd.gallery import sigmoid_neuron

    return sigmoid_neuron()


def _mlp() -> Any:
    from micrograd import Value
    from micrograd.nn import MLP

    random.seed(1)
    model = MLP(2, [4, 1])
    return model([Value(0.5, label="x1"), Value(-1.2, label="x2")])


def _neuron_fn(w0: Any, x0: Any, w1: Any, x1: Any, w2: Any) -> Any:
    return 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())


def measure(name: str, make: Callable[[], Any], moves: int) -> None:
    started = time.perf_counter()
    widget = make()
    made = time.perf_counter() - started
    first = next(iter(widget.inputs))
    times = []
    for k in range(moves):
        widget._on_message(None, {"set": {first: -2.0 + 4.0 * k / moves}}, [])
        times.append(widget.kernel_ms)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"{name:36s} {statistics.median(times):7.2f} ms median {p95:7.2f} ms p95   (made in {made:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=200)
    moves = parser.parse_args().moves
    import micrograd

    inputs = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
    measure("sigmoid neuron, live(f)", lambda: micrograd.live(_neuron()), moves)
    measure("sigmoid neuron, live(fn, ...)", lambda: micrograd.live(_neuron_fn, **inputs), moves)
    measure("MLP 2-4-1 (gate by gate), live(f)", lambda: micrograd.live(_mlp()), moves)


if __name__ == "__main__":
    main()
