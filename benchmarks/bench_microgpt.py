"""microgpt's training step on every engine, each in its own fresh process: ms per step, and the losses side by side.

    python benchmarks/bench_microgpt.py [--rounds 3] [--steps 8] [--gc-study] [--python PATH] [--engines a,b]

The step (microgpt, Karpathy 2026): one name of makemore's (shuffled with seed 42, the same
names in the same order for every engine), a one-layer GPT (n_embd 16, 4 heads, block size
16, 4,192 parameters), the mean cross-entropy over its positions, ``backward()``, Adam with
microgpt's decaying learning rate (over 1,000 steps). Engines:

- (a) ``reference``: the published program, its own Value and loop (``microgpt_reference.py``);
- (b) ``value``: ``micrograd.models.MicroGPT``, gate by gate (this package's ``Value``);
- (c) ``fused``: the same model with fused blocks (``micrograd.dot``, ``micrograd.logsumexp``, ``micrograd.sum``);
- (d) ``tensor``: the Tensor model (``micrograd.models.microgpt_tensor.TensorGPT``), when it is importable.

Each engine runs ``--steps`` steps in a fresh Python process with the interpreter's default gc
settings, and reports the median step (each step timed from the one before: forward, backward,
Adam, zeroing) and its losses; rounds interleave the engines in a rotating order, and each
figure is the median over rounds. ``--gc-study`` adds runs with the cyclic garbage collector
paused (``micrograd.models.collector_paused()``, the user's opt-in: what the collector costs;
the reference too), and of (b) and (c) with ``gc.freeze()`` after the model is built (the
parameters out of the collector's sight). ``--python`` runs every probe with another
interpreter (e.g. ``$(pyenv prefix 3.13.0)/bin/python``).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # the reference; this tree's micrograd

NUM_STEPS = 1000  # the learning rate's schedule: microgpt's run length
GOALS = {"value": 3.0, "fused": 8.0, "tensor": 100.0}  # issue 21: speed-up over the reference


# ---------------------------------------------------------------- the engines: each makes a step(k) -> loss


def _reference(names: list[str]) -> Callable[[int], float]:
    from microgpt_reference import Reference

    ref = Reference(names)
    return lambda k: ref.step(k, NUM_STEPS)


def _micrograd(names: list[str], fused: bool) -> tuple[Callable[[int], float], object]:
    from micrograd.models import MicroGPT
    from micrograd.nn import Adam

    model = MicroGPT.from_names(names, fused=fused)
    optimizer = Adam(model.parameters(), lr=0.01, betas=(0.85, 0.99), eps=1e-8)
    assert model.docs is not None

    def step(k: int) -> float:  # MicroGPT.train's loop, one step at a time
        loss = model.step_loss(model.tokenizer.encode(model.docs[k % len(model.docs)]))  # type: ignore[index]
        loss.backward()
        optimizer.lr = 0.01 * (1 - k / NUM_STEPS)
        optimizer.step()
        optimizer.zero_grad()
        return loss.data

    return step, model


def _tensor(names: list[str]) -> Callable[[int], float]:
    """(d): the Tensor model, from the same names and weights as ``MicroGPT.from_names``, with the same Adam."""
    from micrograd.models.microgpt_tensor import TensorGPT
    from micrograd.nn import Adam

    model = TensorGPT.from_names(names)
    optimizer = Adam(model.parameters(), lr=0.01, betas=(0.85, 0.99), eps=1e-8)
    assert model.docs is not None

    def step(k: int) -> float:  # TensorGPT.train's loop, one step at a time
        optimizer.lr = 0.01 * (1 - k / NUM_STEPS)
        return model.train_step(model.tokenizer.encode(model.docs[k % len(model.docs)]), optimizer)  # type: ignore[index]

    return step


def tensor_available(python: str) -> bool:
    """Whether (d)'s module imports under ``python`` (it lives on another branch until the lead merges it)."""
    probe = "import micrograd.models.microgpt_tensor"
    return subprocess.run([python, "-c", probe], capture_output=True, env=_env()).returncode == 0


# ---------------------------------------------------------------- one engine in this process


def probe(engine: str, steps: int) -> dict[str, object]:
    """Run ``steps`` training steps of ``engine`` here: the median ms per step, the losses, time in the collector."""
    from micrograd.models import collector_paused, load_names

    names = load_names()
    variant = engine.split(":")[1] if ":" in engine else "default"
    name = engine.split(":")[0]
    if name == "reference":
        step = _reference(names)
    elif name == "tensor":
        step = _tensor(names)
    else:
        step, model = _micrograd(names, fused=name == "fused")
        if variant == "freeze":
            gc.collect()
            gc.freeze()  # the parameters (and everything alive now) out of the collector's sight
    in_gc: list[float] = []
    started: list[float] = []

    def timer(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        else:
            in_gc.append(time.perf_counter() - started.pop())

    losses, times = [], []
    with collector_paused() if variant == "paused" else contextlib.nullcontext():
        gc.callbacks.append(timer)  # (inside: the collection that may follow a paused block is not a step's)
        for k in range(steps):
            t0 = time.perf_counter()
            losses.append(step(k))
            times.append(time.perf_counter() - t0)
        gc.callbacks.remove(timer)
    return {
        "ms": statistics.median(times) * 1e3,
        "gc_ms": sum(in_gc) * 1e3 / steps,
        "collections": len(in_gc) / steps,
        "losses": losses,
    }


def graph_sizes() -> dict[str, int]:
    """Nodes in the graph of the first step (the first shuffled name), per engine on Values."""
    from microgpt_reference import Reference

    from micrograd.core import topological_order
    from micrograd.models import MicroGPT, load_names

    names = load_names()
    ref = Reference(names)
    loss = ref.loss(ref.encode(ref.docs[0]))
    seen, stack = set(), [loss]
    while stack:
        v = stack.pop()
        if v not in seen:
            seen.add(v)
            stack.extend(v._children)
    sizes = {"reference": len(seen)}
    for fused in (False, True):
        model = MicroGPT.from_names(names, fused=fused)
        assert model.docs is not None
        loss = model.step_loss(model.tokenizer.encode(model.docs[0]))
        sizes["fused" if fused else "value"] = len(topological_order(loss))
    return sizes


# ---------------------------------------------------------------- fresh processes, interleaved rounds


def _env() -> dict[str, str]:
    root = str(HERE.parent)
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": root if not path else f"{root}{os.pathsep}{path}"}


def _run(python: str, engine: str, steps: int) -> dict:
    out = subprocess.run(
        [python, __file__, "--probe", engine, str(steps)], capture_output=True, text=True, check=True, env=_env()
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=8, help="training steps per process (their median is the figure)")
    parser.add_argument("--gc-study", action="store_true", help="also with the collector paused, and frozen")
    parser.add_argument("--python", default=sys.executable, help="the interpreter the probes run with")
    parser.add_argument("--engines", help="a subset, e.g. fused,fused:paused (the reference always runs)")
    parser.add_argument("--probe", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(probe(args.probe[0], int(args.probe[1]))))
        return
    engines = ["reference", "value", "fused"] + (["tensor"] if tensor_available(args.python) else [])
    if args.gc_study:
        engines += ["reference:paused", "value:paused", "value:freeze", "fused:paused", "fused:freeze"]
    if args.engines:
        engines = ["reference", *(e for e in args.engines.split(",") if e != "reference")]
    runs: dict[str, list[dict]] = {e: [] for e in engines}
    for r in range(args.rounds):
        for e in engines[r % len(engines) :] + engines[: r % len(engines)]:
            runs[e].append(_run(args.python, e, args.steps))
    version = subprocess.run([args.python, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True)
    print(f"python {version.stdout.decode().strip()}; a fresh process per engine and round; ", end="")
    print(f"{args.rounds} rounds, {args.steps} steps each (the first {args.steps} shuffled names); medians")
    if "tensor" not in engines:
        print("(d) tensor: micrograd.models.microgpt_tensor is not importable here (branch tgpt): not run")
    _report(runs, args.steps)
    sizes = ", ".join(f"{e} {n:,}" for e, n in graph_sizes().items())
    print(f"\nnodes in the graph of one step (the first name): {sizes}")


def _report(runs: dict[str, list[dict]], steps: int) -> None:
    ms = {e: statistics.median(r["ms"] for r in rs) for e, rs in runs.items()}
    base = ms["reference"]
    print("\n| engine | ms/step | × reference | goal | in the collector, ms/step | collections/step |")
    print("|---|---|---|---|---|---|")
    for e, rs in runs.items():
        goal = f"≥ {GOALS[e]:g}×" if e in GOALS else ""
        gc_ms = statistics.median(r["gc_ms"] for r in rs)
        per = statistics.median(r["collections"] for r in rs)
        print(f"| {e} | {ms[e]:.1f} | {base / ms[e]:.2f}× | {goal} | {gc_ms:.1f} | {per:.1f} |")
    losses = {e: rs[0]["losses"] for e, rs in runs.items() if ":" not in e}
    print("\nlosses, step by step (every round of an engine gave the same: " + _same(runs) + ")\n")
    names = list(losses)
    print("| step | " + " | ".join(names) + " |\n" + "|---" * (len(names) + 1) + "|")
    for k in range(steps):
        print(f"| {k} | " + " | ".join(repr(losses[e][k]) for e in names) + " |")
    ref = losses["reference"]
    for e in names[1:]:
        worst = max(abs(a - b) / abs(b) for a, b in zip(losses[e], ref, strict=True))
        print(f"{e}: largest relative difference from the reference over {steps} steps: {worst:.1e}")


def _same(runs: dict[str, list[dict]]) -> str:
    return "yes" if all(r["losses"] == rs[0]["losses"] for rs in runs.values() for r in rs) else "NO"


if __name__ == "__main__":
    main()
