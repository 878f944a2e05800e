"""Benchmark the renderer: building the DOT text vs rendering it to SVG.

For graphs of about 100, 1,000 and 5,000 nodes (a seeded random expression, like a small
network unrolled), time ``draw()`` (count, name, build DOT) and the SVG render with the
system ``dot`` (if on PATH) and with the WebAssembly Graphviz. Targets: building the DOT is
under 10% of the render time; a 1,000-node SVG in under 2 s.

    python benchmarks/bench_draw.py [--sizes 100 1000 5000] [--styles record circuit]
"""

from __future__ import annotations

import argparse
import random
import shutil

from timing import seconds

from micrograd import Value, draw
from micrograd.drawing.errors import RendererLimit
from micrograd.drawing.render import render
from micrograd.engine import topological_order

OPS = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b, lambda a, b: (a * b).tanh(), lambda a, b: a.relu()]


def expression(n: int, seed: int = 0) -> Value:
    """A seeded random expression of about ``n`` nodes, shaped like an unrolled small network.

    Each step combines the latest result with a recent one or a fresh input (a weight), by
    + * - tanh or relu, as the neurons of a layer read the layer before; a few results are
    summed into the root, so every node is drawn.
    """
    rng = random.Random(seed)
    pool = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(4)]
    root = pool[-1]
    while len(topological_order(root)) < n:
        for _ in range(max(1, (n - len(topological_order(root))) // 3)):
            a = pool[-1]
            b = Value(rng.uniform(-1, 1), label=f"w{len(pool)}") if rng.random() < 0.4 else rng.choice(pool[-12:])
            pool.append(OPS[rng.randrange(len(OPS))](a, b))
        root = pool[-1]
    root.backward()
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--styles", nargs="+", default=["record", "circuit"])
    args = parser.parse_args()
    engines = (["dot"] if shutil.which("dot") else []) + ["wasm"]
    render(draw(Value(1.0)).source, "svg", "wasm")  # load the WebAssembly module once, outside the timings
    print(f"engines: {', '.join(engines)}")
    header = f"{'nodes':>6} {'style':>8} {'build DOT':>10}"
    for e in engines:
        header += f" {e + ' SVG':>10} {'build/' + e:>10}"
    print(header)
    for size in args.sizes:
        root = expression(size)
        n = len(topological_order(root))
        for style in args.styles:
            build = min(seconds(lambda r=root, s=style, m=100 * n: draw(r, style=s, max_nodes=m).source, 3))
            source = draw(root, style=style, max_nodes=100 * n).source  # the layout budget lifted: the render is timed
            row = f"{n:>6} {style:>8} {build * 1e3:>8.1f}ms"
            for e in engines:
                try:
                    rounds = 1 if n > 1500 else 2
                    t = min(seconds(lambda src=source, eng=e: render(src, "svg", eng, timeout=None), rounds))
                except RendererLimit:  # the WebAssembly build's call stack is too small for a graph this big
                    row += f" {'fails':>10} {'-':>10}"
                    continue
                row += f" {t:>9.2f}s {build / t:>9.1%}"
            print(row, flush=True)


if __name__ == "__main__":
    main()
