"""Print how big the pictures' text is on screen, and how big the pictures are (issue 18: sizes for a room).

For a corpus of lecture pictures (the annotated sigmoid neuron, logistic regression over three
points, a chain of 8 sigmoids, the sigmoid worksheet, the step player's GIF, a Tensor record),
at the defaults: the picture's size in px and its smallest text in px on screen (font size ×
the SVG's px per unit), and how many texts leave their box or the image.

    python benchmarks/bench_sizes.py [--out DIR]   (DIR: also write each as PNG, and the GIF)
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from svgtools import size_px, smallest_text_px, text_outside_boxes  # noqa: E402

from micrograd import Value, draw, draw_steps, worksheet  # noqa: E402
from micrograd.drawing.render import render  # noqa: E402
from micrograd.gallery import sigmoid_neuron  # noqa: E402
from micrograd.nn import Neuron, bce_with_logits  # noqa: E402
from micrograd.tensor import Tensor  # noqa: E402


def logistic_regression() -> Value:
    """The cross-entropy of a 2-input neuron's logits over three points."""
    model = Neuron(2, activation="linear")
    for p, v in zip(model.parameters(), (0.5, -0.3, 0.1), strict=True):
        p.data = v
    points = [([1.0, 2.0], 1.0), ([-1.0, 0.5], 0.0), ([0.3, -1.2], 1.0)]
    loss = bce_with_logits([model([Value(a), Value(b)]) for (a, b), _ in points], [t for _, t in points])
    loss.label = "L"
    loss.backward()
    return loss


def sigmoid_chain(n: int = 8) -> Value:
    y = Value(0.5, label="x")
    for _ in range(n):
        y = y.sigmoid()
    y.label = "y"
    y.backward()
    return y


def tensor_record() -> Tensor:
    X = Tensor(np.array([[1.0, -2.0], [0.5, 3.0]]), label="X")
    W = Tensor(np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]), label="W")
    b = Tensor(np.array([0.01, -0.02, 0.03]), label="b")
    out = (X @ W + b).relu().mean()
    out.backward()
    return out


def corpus() -> dict[str, object]:
    """name -> a Diagram (or the worksheet, or the Steps of the GIF) at the defaults."""
    neuron = sigmoid_neuron()
    neuron.backward()
    return {
        "sigmoid neuron, annotated": draw(neuron, style="circuit", annotate=True),
        "logistic regression (3 points), annotated": draw(logistic_regression(), style="circuit", annotate=True),
        "8-sigmoid chain": draw(sigmoid_chain(), style="circuit"),
        "sigmoid worksheet (12 boxes)": worksheet(sigmoid_neuron()).picture(),
        "Tensor record": draw(tensor_record()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the PNGs and the GIF here")
    args = parser.parse_args(argv)
    print(f"{'picture':44s} {'size px':>11s} {'min text px':>11s} {'outside':>7s}  direction")
    for name, d in corpus().items():
        svg = d.svg()
        w, h = size_px(svg)
        outside = len(text_outside_boxes(render(d.source, "svg").decode())) + len(text_outside_boxes(svg))
        print(f"{name:44s} {w:5.0f}x{h:<5.0f} {smallest_text_px(svg):11.1f} {outside:7d}  {d.rankdir}")
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            d.save(args.out / (re.sub(r"\W+", "_", name).strip("_") + ".png"))
    gif = draw_steps(sigmoid_neuron()).gif()
    frame = Image.open(io.BytesIO(gif))
    print(f"{'step player GIF (sigmoid neuron)':44s} {frame.width:5d}x{frame.height:<5d}")
    if args.out:
        (args.out / "steps.gif").write_bytes(gif)
        frame.convert("RGB").save(args.out / "steps_frame0.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
