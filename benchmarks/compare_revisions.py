"""Compare the engine's speed and memory between two revisions: fresh processes, interleaved rounds, medians.

    python benchmarks/compare_revisions.py BEFORE [AFTER] [--rounds 5] [--metrics step_gates,chain,...]

BEFORE and AFTER are git revisions (AFTER defaults to the working tree). Each is checked
out into a temporary worktree; every metric of every round runs in a fresh Python process
with that revision first on ``sys.path``, the two revisions alternating, so both see the
same machine load. The probe below is the same code for both sides and uses only the
tutorial-level API (``Value`` ops, ``backward()``, ``nn.MLP``, ``Tensor``). Prints the median
of each metric for each side and their ratio (after / before: below 1 is faster or smaller).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# ---------------------------------------------------------------- the probe: one metric, in this process


def _moons() -> tuple:
    from micrograd.nn import make_moons

    X, y = make_moons(100, noise=0.1, seed=1)
    return X, y * 2 - 1


def _step_ms(design: str) -> float:
    import random

    sys.path.insert(0, str(HERE))
    from bench_nn import make_model
    from classic import demo_step

    from micrograd import Value

    X, y = _moons()
    random.seed(1337)
    model = make_model(design, seed=1337)
    demo_step(model, X, y, Value)  # warm up
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        demo_step(model, X, y, Value)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def _per_node(shape: str, n: int) -> dict[str, float]:
    sys.path.insert(0, str(HERE))
    from bench_engine import chain, forward_backward_ns, wide

    forward, backward, _ = forward_backward_ns(chain if shape == "chain" else wide, n)
    return {"forward ns/node": forward, "backward ns/node": backward}


def _bytes_per_node() -> float:
    sys.path.insert(0, str(HERE))
    from bench_engine import bytes_per_node

    return bytes_per_node()


def _tensor_step_ms() -> float:
    import numpy as np

    from micrograd import Tensor

    rng = np.random.default_rng(0)
    X, y = _moons()
    params = [Tensor(rng.normal(size=s) * 0.5) for s in [(2, 16), (16,), (16, 16), (16,), (16, 1), (1,)]]

    def step() -> None:
        h = X
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i < len(params) - 2:
                h = h.relu()
        loss = (1 - y * h.reshape(-1)).relu().mean() + 1e-4 * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data -= 0.05 * p.grad

    step()
    times = []
    for _ in range(200):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def _import_ms(package: bool) -> float:
    t0 = time.perf_counter()
    if package:
        import micrograd  # noqa: F401
    else:
        import micrograd.engine  # noqa: F401
    return (time.perf_counter() - t0) * 1e3


METRICS: dict[str, Callable[[], dict[str, float]]] = {
    "import": lambda: {"import micrograd.engine ms": _import_ms(package=False)},
    "import_all": lambda: {"import micrograd ms": _import_ms(package=True)},
    "step_gates": lambda: {"demo step, gate by gate ms": _step_ms("gate by gate")},
    "step_fused": lambda: {"demo step, nn.MLP ms": _step_ms("fused")},
    "chain": lambda: {f"chain 1M {k}": v for k, v in _per_node("chain", 200_000).items()},
    "wide": lambda: {f"wide 600k {k}": v for k, v in _per_node("wide", 200_000).items()},
    "memory": lambda: {"bytes/node": _bytes_per_node()},
    "tensor_step": lambda: {"demo step, Tensor ms": _tensor_step_ms()},
}

# ---------------------------------------------------------------- the driver


def _checkout(rev: str, into: Path) -> Path:
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", str(into), rev], check=True, capture_output=True
    )
    return into


def _probe(root: Path, metric: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, __file__, "--probe", metric], env=env, check=True, capture_output=True, text=True, cwd=root
    )
    return json.loads(out.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", nargs="?")
    parser.add_argument("after", nargs="?", help="a git revision (default: the working tree)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--metrics", default=",".join(METRICS), help=f"comma-separated, from {', '.join(METRICS)}")
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(METRICS[args.probe]()))
        return
    if not args.before:
        parser.error("give the revision to compare with (e.g. HEAD~1)")
    metrics = args.metrics.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        sides = {"before": _checkout(args.before, Path(tmp) / "before")}
        sides["after"] = _checkout(args.after, Path(tmp) / "after") if args.after else REPO
        try:
            results: dict[str, dict[str, list[float]]] = {side: {} for side in sides}
            for r in range(args.rounds):
                order = list(sides) if r % 2 == 0 else list(reversed(sides))
                for metric in metrics:
                    for side in order:
                        for name, value in _probe(sides[side], metric).items():
                            results[side].setdefault(name, []).append(value)
                print(f"round {r + 1} of {args.rounds} done", file=sys.stderr)
        finally:
            for path in sides.values():
                if path != REPO:
                    subprocess.run(
                        ["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)], capture_output=True
                    )
    label = f"{args.before} -> {args.after or 'working tree'}"
    print(f"python {sys.version.split()[0]}; median of {args.rounds} fresh processes per side; {label}")
    print(f"{'metric':<36} {'before':>10} {'after':>10} {'after/before':>13}")
    for name in results["before"]:
        b, a = statistics.median(results["before"][name]), statistics.median(results["after"][name])
        print(f"{name:<36} {b:10.4g} {a:10.4g} {a / b:13.2f}")


if __name__ == "__main__":
    main()
