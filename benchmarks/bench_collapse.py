"""Collapsed pictures of a GPT-shaped training step: the time to draw and render, and what is drawn.

    python benchmarks/bench_collapse.py [--positions 16] [--engine wasm] [--expand pos3/layer0/attn/head2]

The graph (``tests/gptlike.py``): a 1-layer GPT's step on scalar Values, each position in a scope
(``pos3/layer0/attn/head2/softmax``, ``.../mlp``, ``pos3/lm_head``), 4,192 parameters labelled
``wte[i][j]`` ...; 16 positions make ~75,000 nodes. Times: ``draw(loss, collapse=True)`` (walk,
group, trace, DOT: Python), its SVG (Graphviz and finishing), and the refusal of the same graph
drawn without ``collapse=`` (max_nodes=1000). Target: draw + SVG under 10 s.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from gptlike import gpt_step  # noqa: E402

from micrograd import draw  # noqa: E402
from micrograd.core import topological_order  # noqa: E402
from micrograd.drawing.errors import GraphTooLarge, PictureTooLarge  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=16)
    parser.add_argument("--engine", default=None, help="dot or wasm (default: system dot if on PATH)")
    parser.add_argument("--expand", default=None, help="a scope pattern to open too")
    args = parser.parse_args()
    loss, _ = gpt_step(positions=args.positions)
    nodes = len(topological_order(loss))
    print(f"graph: {nodes:,} nodes, {args.positions} positions")

    t0 = time.perf_counter()
    try:
        draw(loss)
    except GraphTooLarge as refused:
        print(f"refused without collapse= in {time.perf_counter() - t0:.3f} s: {str(refused)[:110]}...")

    draw(loss, collapse=True).svg(args.engine)  # Graphviz compiled and warm, as in a session
    t0 = time.perf_counter()
    d = draw(loss, collapse=True, expand=args.expand, max_nodes=2000)
    built = time.perf_counter() - t0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PictureTooLarge)
        d.svg(args.engine)
    rendered = time.perf_counter() - t0 - built
    pic = d.picture
    boxes = sum(1 for r in pic.roles.values() if r.kind == "scope")
    drawn = sum(1 for r in pic.roles.values() if r.kind in ("scope", "gate", "leaf"))
    wires = sum(1 for r in pic.roles.values() if r.kind == "wire")
    what = "collapse=True" + (f", expand={args.expand!r}" if args.expand else "")
    print(f"draw(loss, {what}): {boxes} boxes, {drawn - boxes} nodes drawn as themselves, {wires} wires")
    print(f"  draw (walk, group, trace, DOT) {built:.2f} s; SVG {rendered:.2f} s; total {built + rendered:.2f} s")
    print(f"  direction {d.rankdir}; {d.size_message() or 'fits'}")


if __name__ == "__main__":
    main()
