"""The tutorial demo's training step on every engine, each in its own fresh process: how far from plain floats?

    python benchmarks/bench_staged.py [--rounds 7] [--steps 3] [--no-train] [--no-scaling]

The step: 100 two-moons points, MLP 2-16-16-1 (ReLU), hinge loss + 1e-4·L2 over the batch,
SGD with the tutorial's schedule (lr = 1 - 0.9·k/100). Engines:

- the tutorial micrograd (``benchmarks/classic.py``: closures, a set per node, recursive sort);
- PyTorch with one 0-d tensor per scalar (if torch is installed);
- this package's ``Value`` gate by gate (``sum(w*x) + b``), and ``nn.MLP`` (one Σwx+b node per neuron);
- ``micrograd.compile`` of the nn.MLP step (and of the gate-by-gate step): traced once, replayed on floats;
- the same step written by hand on Python floats, no graph: the floor.

Every engine runs in a fresh Python process with the interpreter's default gc settings;
rounds interleave the engines (in a rotating order) so all see the same machine load, and
each figure is the median over rounds of a process's median step. Then: the time to 95%
accuracy (one training run per engine, in a fresh process, accuracy read from each step's
own forward pass) and the forward cost per op of ``Value`` graphs from 1e3 to 1e6 nodes.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

SIZES = (2, 16, 16, 1)
ALPHA = 1e-4  # L2 weight


def _lr(k: int) -> float:
    return 1.0 - 0.9 * k / 100  # the tutorial demo's schedule


def _moons() -> tuple[list[list[float]], list[float]]:
    from micrograd.nn import make_moons

    X, y = make_moons(100, noise=0.1, seed=1)
    return X.tolist(), (2 * y - 1).astype(float).tolist()


def _initial_weights() -> list[tuple[list[list[float]], list[float]]]:
    """Per layer: the weights (one row per neuron) and biases, as the seeded nn.MLP draws them."""
    from micrograd.nn import MLP

    random.seed(1337)
    model = MLP(SIZES[0], list(SIZES[1:]))
    return [
        ([[w.data for w in n.w] for n in layer.neurons], [n.b.data for n in layer.neurons]) for layer in model.layers
    ]


# ---------------------------------------------------------------- the engines: each makes a step(k) -> (loss, accuracy)


def _graph_step(design: str) -> Callable[[int], tuple[float, float]]:
    from bench_nn import make_model
    from classic import demo_step

    from micrograd import Value

    X, y = _moons()
    model = make_model(design, seed=1337)
    return lambda k: demo_step(model, X, y, Value, lr=_lr(k), alpha=ALPHA)


def _tutorial_step() -> Callable[[int], tuple[float, float]]:
    from classic import ClassicMLP, ClassicValue, demo_step

    X, y = _moons()
    random.seed(1337)
    model = ClassicMLP(SIZES[0], list(SIZES[1:]))
    for layer, (rows, biases) in zip(model.layers, _initial_weights(), strict=True):
        for n, row, b in zip(layer.neurons, rows, biases, strict=True):
            n.w = [ClassicValue(w) for w in row]
            n.b = ClassicValue(b)
    return lambda k: demo_step(model, X, y, ClassicValue, lr=_lr(k), alpha=ALPHA)


def _compiled_step(design: str) -> Callable[[int], tuple[float, float]]:
    from bench_nn import make_model
    from classic import demo_loss

    import micrograd
    from micrograd import Value

    X, y = _moons()
    model = make_model(design, seed=1337)
    params = model.parameters()

    t0 = time.perf_counter()
    replay = micrograd.compile(lambda: demo_loss(model, X, y, Value, ALPHA), params)
    _RESULT["trace_and_compile_s"] = time.perf_counter() - t0
    _RESULT["lines"] = replay.source.count("\n")

    def step(k: int) -> tuple[float, float]:
        for p in params:
            p.grad = 0.0
        total, scores = replay()
        lr = _lr(k)
        for p in params:
            p.data -= lr * p.grad
        return total, sum((yi > 0) == (si > 0) for yi, si in zip(y, scores, strict=True)) / len(y)

    return step


def _float_step() -> Callable[[int], tuple[float, float]]:
    """The step by hand on floats: forward, hinge + L2, backward, SGD; no graph at all."""
    X, y = _moons()
    layers = [([list(row) for row in rows], list(biases)) for rows, biases in _initial_weights()]
    last = len(layers) - 1

    def step(k: int) -> tuple[float, float]:
        grads = [([[0.0] * len(row) for row in rows], [0.0] * len(bs)) for rows, bs in layers]
        n = len(X)
        total, right = 0.0, 0
        for x, t in zip(X, y, strict=True):
            acts = [x]  # every layer's input, then the score
            for i, (rows, bs) in enumerate(layers):
                a = acts[-1]
                zs = [b + sum(w * xi for w, xi in zip(row, a, strict=True)) for row, b in zip(rows, bs, strict=True)]
                acts.append(zs if i == last else [z if z > 0 else 0.0 for z in zs])
            score = acts[-1][0]
            right += (t > 0) == (score > 0)
            margin = 1.0 - t * score
            if margin <= 0:
                continue
            total += margin
            upstream = [-t / n]  # d(loss)/d(score): the hinge is active
            for i in range(last, -1, -1):
                rows, bs = layers[i]
                g_rows, g_bs = grads[i]
                a, out = acts[i], acts[i + 1]
                if i != last:  # back through the ReLU: stopped where the unit is off
                    upstream = [u if o > 0 else 0.0 for u, o in zip(upstream, out, strict=True)]
                below = [0.0] * len(a)
                for j, u in enumerate(upstream):
                    if u == 0.0:
                        continue
                    g_bs[j] += u
                    g_row, row = g_rows[j], rows[j]
                    for m, am in enumerate(a):
                        g_row[m] += u * am
                    if i:  # the inputs need no gradient
                        for m, w in enumerate(row):
                            below[m] += u * w
                upstream = below
        reg = 0.0
        lr = _lr(k)
        for (rows, bs), (g_rows, g_bs) in zip(layers, grads, strict=True):
            for row, g_row in zip(rows, g_rows, strict=True):
                for m, w in enumerate(row):
                    reg += w * w
                    row[m] = w - lr * (g_row[m] + 2 * ALPHA * w)
            for j, b in enumerate(bs):
                reg += b * b
                bs[j] = b - lr * (g_bs[j] + 2 * ALPHA * b)
        return total / n + ALPHA * reg, right / n

    return step


def _torch_step() -> Callable[[int], tuple[float, float]]:
    """PyTorch, one 0-d tensor per scalar: the tutorial's code with torch tensors in place of Values."""
    import torch

    torch.set_default_dtype(torch.float64)
    X, y = _moons()
    layers = [
        (
            [[torch.tensor(w, requires_grad=True) for w in row] for row in rows],
            [torch.tensor(b, requires_grad=True) for b in bs],
        )
        for rows, bs in _initial_weights()
    ]
    params = [p for rows, bs in layers for row in rows for p in row] + [b for _, bs in layers for b in bs]
    last = len(layers) - 1

    def step(k: int) -> tuple[float, float]:
        scores = []
        for row_x in X:
            a = [torch.tensor(v) for v in row_x]
            for i, (rows, bs) in enumerate(layers):
                zs = [sum((w * xi for w, xi in zip(row, a, strict=True)), b) for row, b in zip(rows, bs, strict=True)]
                a = zs if i == last else [torch.relu(z) for z in zs]
            scores.append(a[0])
        losses = [torch.relu(1 + -t * s) for t, s in zip(y, scores, strict=True)]
        total = sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in params)
        for p in params:
            p.grad = None
        total.backward()
        with torch.no_grad():
            for p in params:
                p -= _lr(k) * p.grad
        return float(total), sum((t > 0) == (float(s) > 0) for t, s in zip(y, scores, strict=True)) / len(y)

    return step


ENGINES: dict[str, tuple[str, Callable[[], Callable[[int], tuple[float, float]]]]] = {
    "tutorial": ("tutorial micrograd", _tutorial_step),
    "torch": ("PyTorch, one 0-d tensor per scalar", _torch_step),
    "gates": ("this package, gate by gate (Value ops)", lambda: _graph_step("gate by gate")),
    "mlp": ("this package, nn.MLP (fused Σwx+b)", lambda: _graph_step("fused")),
    "compiled": ("compile(nn.MLP step), replayed", lambda: _compiled_step("fused")),
    "compiled_gates": ("compile(gate-by-gate step), replayed", lambda: _compiled_step("gate by gate")),
    "floats": ("the step by hand on floats (no graph)", _float_step),
}
_RESULT: dict[str, float] = {}


# ---------------------------------------------------------------- probes: one engine, one fresh process


def probe_step(engine: str, steps: int) -> dict[str, float]:
    step = ENGINES[engine][1]()
    step(0)  # warm up
    times = []
    for k in range(1, steps + 1):
        t0 = time.perf_counter()
        step(k)
        times.append(time.perf_counter() - t0)
    return {"ms": statistics.median(times) * 1e3, **_RESULT}


def probe_train(engine: str, target: float = 0.95, max_steps: int = 100) -> dict[str, float]:
    t0 = time.perf_counter()
    step = ENGINES[engine][1]()
    for k in range(max_steps):
        _, accuracy = step(k)
        if accuracy >= target:
            return {"seconds": time.perf_counter() - t0, "steps": k, **_RESULT}
    return {"seconds": math.nan, "steps": max_steps, **_RESULT}


def probe_forward(shape: str, n: int) -> dict[str, float]:
    """Forward ns per op of a Value graph of about n nodes: a chain, or the gate-by-gate MLP over many points.

    One graph is built first and dropped (warm-up); a graph smaller than 1e5 nodes is then built
    1e5/n times, each dropped before the next, and the median is the figure."""
    from bench_nn import make_model

    from micrograd import Value
    from micrograd.core import topological_order

    model = make_model("gate by gate", seed=1337)
    rng = random.Random(0)

    def build(size: int) -> Value:
        if shape == "chain":
            y = Value(0.5)
            for _ in range(size // 3):
                y = (y * 0.999).tanh() + 0.001
            return y
        return sum(model([Value(rng.uniform(-1, 1)), Value(rng.uniform(-1, 1))]) for _ in range(max(1, size // 660)))

    ops = sum(1 for v in topological_order(build(n)) if v.parents)  # also the warm-up
    times = []
    for _ in range(max(1, 100_000 // n)):
        t0 = time.perf_counter()
        root = build(n)
        times.append(time.perf_counter() - t0)
        del root
    return {"ns_per_op": statistics.median(times) / ops * 1e9, "ops": ops}


# ---------------------------------------------------------------- the driver


def _run(*args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--probe", *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _available(engine: str) -> bool:
    if engine != "torch":
        return True
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=3, help="timed steps per process (its median is the figure)")
    parser.add_argument("--no-train", action="store_true", help="skip the time to 95%% accuracy")
    parser.add_argument("--no-scaling", action="store_true", help="skip the forward cost from 1e3 to 1e6 nodes")
    parser.add_argument("--probe", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        kind, *rest = args.probe
        result = {
            "step": lambda: probe_step(rest[0], int(rest[1])),
            "train": lambda: probe_train(rest[0]),
            "forward": lambda: probe_forward(rest[0], int(rest[1])),
        }[kind]()
        print(json.dumps(result))
        return

    engines = [e for e in ENGINES if _available(e)]
    print(f"python {sys.version.split()[0]}; each engine in a fresh process, default gc; {args.rounds} rounds, medians")
    figures: dict[str, list[float]] = {e: [] for e in engines}
    extra: dict[str, dict[str, float]] = {}
    for r in range(args.rounds):
        for e in engines[r % len(engines) :] + engines[: r % len(engines)]:
            result = _run("step", e, str(args.steps))
            figures[e].append(result["ms"])
            extra.setdefault(e, result)
    ms = {e: statistics.median(v) for e, v in figures.items()}
    base, floor = ms["tutorial"], ms["floats"]
    print("\ntraining step: 100 moons points, MLP 2-16-16-1, hinge + L2, SGD\n")
    print("| engine | ms/step | vs tutorial micrograd | vs the float floor |\n|---|---|---|---|")
    for e in engines:
        print(f"| {ENGINES[e][0]} | {ms[e]:.4g} | {base / ms[e]:.3g}x | {ms[e] / floor:.3g}x |")
    for e in ("compiled", "compiled_gates"):
        print(
            f"\n{ENGINES[e][0]}: trace + compile {extra[e]['trace_and_compile_s']:.2f} s, {extra[e]['lines']:.0f} lines"
        )

    if not args.no_train:
        print("\ntime to 95% accuracy (one run per engine, fresh process; compiled: trace + compile included)\n")
        print("| engine | steps | seconds |\n|---|---|---|")
        for e in engines:
            result = _run("train", e)
            print(f"| {ENGINES[e][0]} | {result['steps']:.0f} | {result['seconds']:.3g} |")

    if not args.no_scaling:
        print("\nforward cost per op of Value graphs (fresh process per size, default gc, median of 3)\n")
        print("| graph | 1e3 | 1e4 | 1e5 | 1e6 | 1e6 / 1e3 |\n|---|---|---|---|---|---|")
        for shape in ("chain", "mlp"):
            ns = [
                statistics.median(_run("forward", shape, str(n))["ns_per_op"] for _ in range(3))
                for n in (10**3, 10**4, 10**5, 10**6)
            ]
            print(f"| {shape} | " + " | ".join(f"{x:.0f} ns" for x in ns) + f" | {ns[-1] / ns[0]:.2f}x |")


if __name__ == "__main__":
    main()
