"""Fused building blocks against their gates: a forward and backward pass of each, in fresh processes.

    python benchmarks/bench_blocks.py [--rounds 7] [--calls 2000]

Cases: a 64-term dot product (``micrograd.dot`` against ``w0*x0 + w1*x1 + ...``, 127 gates), a
64-term sum (``micrograd.sum`` against 63 ``+`` gates), and a 16-way logsumexp (``micrograd.logsumexp``
against the stable form gate by gate, ``log(Σ exp(xᵢ − m)) + m``: 16 ``−``, 16 ``exp``, 15 ``+``,
``log``, ``+``). Each case runs in a fresh process (default gc) that runs ``--calls`` passes to
warm up, then times ``--calls`` more, each on leaves of its own, and reports the median pass;
rounds interleave the cases, and each figure is the median over rounds.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import seconds  # noqa: E402


def _gates_dot(ws, xs):
    total = ws[0] * xs[0]
    for w, x in zip(ws[1:], xs[1:], strict=True):
        total = total + w * x
    return total


def _gates_sum(vs):
    total = vs[0]
    for v in vs[1:]:
        total = total + v
    return total


def _gates_logsumexp(vs):
    m = max(v.data for v in vs)
    return sum((v - m).exp() for v in vs).log() + m


def _case(name: str) -> Callable[[list], object]:
    import micrograd

    half = lambda f: lambda vs: f(vs[: len(vs) // 2], vs[len(vs) // 2 :])  # noqa: E731
    return {
        "dot fused": half(micrograd.dot),
        "dot gates": half(_gates_dot),
        "sum fused": micrograd.sum,
        "sum gates": _gates_sum,
        "logsumexp fused": micrograd.logsumexp,
        "logsumexp gates": _gates_logsumexp,
    }[name]


SIZES = {"dot": 128, "sum": 64, "logsumexp": 16}  # leaves per pass (dot: 64 weights and 64 inputs)


def probe(name: str, calls: int) -> dict[str, float]:
    """Median µs of one forward + backward pass of case ``name``, each pass on new leaves."""
    from micrograd import Value

    block = _case(name)
    rng = random.Random(0)
    n = SIZES[name.split()[0]]
    data = [[rng.uniform(-2.0, 2.0) for _ in range(n)] for _ in range(calls)]
    batches = iter([[Value(x) for x in row] for row in data] * 2)

    def step() -> None:
        block(next(batches)).backward()

    for _ in range(calls):  # warm up (the same number of passes as timed)
        step()
    return {"us": statistics.median(seconds(step, calls)) * 1e6}


def _run(name: str, calls: int) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--probe", name, str(calls)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])["us"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=2000, help="passes timed per process (its median is the figure)")
    parser.add_argument("--probe", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(probe(args.probe[0], int(args.probe[1]))))
        return
    cases = [f"{block} {how}" for block in SIZES for how in ("fused", "gates")]
    times: dict[str, list[float]] = {c: [] for c in cases}
    for r in range(args.rounds):
        for c in cases[r % len(cases) :] + cases[: r % len(cases)]:
            times[c].append(_run(c, args.calls))
    us = {c: statistics.median(t) for c, t in times.items()}
    print(f"python {sys.version.split()[0]}; a fresh process per case and round, default gc; {args.rounds} rounds")
    print("\nforward + backward, µs per pass (median)\n")
    print("| block | fused | gate by gate | gates / fused |\n|---|---|---|---|")
    labels = {"dot": "dot, 64 terms", "sum": "sum, 64 terms", "logsumexp": "logsumexp, 16 values"}
    for block, label in labels.items():
        fused, gates = us[f"{block} fused"], us[f"{block} gates"]
        print(f"| {label} | {fused:.3g} | {gates:.3g} | {gates / fused:.2f}x |")


if __name__ == "__main__":
    main()
