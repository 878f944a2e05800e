"""The lecture's circuits, drawn: the pictures in ``viz/``.

``python -m micrograd.gallery [DIR]`` regenerates them (default: ``viz/`` of this checkout).
Each circuit is written in both styles, as SVG and as its DOT source (``.dot``; the test
that checks ``viz/`` is current compares those, not SVG bytes, which depend on the
Graphviz build), plus one step-by-step backward player, and the classic backward bugs each
beside the correct pass (:func:`micrograd.compare_backward`; its DOT holds both pictures), and
the derivative of tanh as a graph beside its own derivative (``backward(create_graph=True)``).
"""

from __future__ import annotations

import random
import sys
import warnings
from pathlib import Path

from .drawing.comparison import Comparison, Panels, compare_backward
from .drawing.diagram import STYLES, Diagram, draw
from .drawing.errors import PictureTooLarge
from .drawing.steps import draw_steps
from .engine import Value
from .functional import grad
from .mistakes import MISTAKES

__all__ = [
    "lecture_circuits",
    "gallery_diagrams",
    "gallery_comparisons",
    "tanh_derivatives",
    "render_gallery",
    "STEPS_FILE",
]

STEPS_FILE = "sigmoid_neuron_steps.html"
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "viz"


def _leaves(**values: float) -> list[Value]:
    return [Value(v, label=name) for name, v in values.items()]


def add_mul() -> Value:
    """f = (x + y)·z at x = -2, y = 5, z = -4: q = 3, f = -12; df/dx = df/dy = -4, df/dz = 3."""
    x, y, z = _leaves(x=-2.0, y=5.0, z=-4.0)
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    return f


def max_gate() -> Value:
    """f = 2·(x·y + max(z, w)) at x = 3, y = -4, z = 2, w = -1: f = -20.

    The max gate routes the whole gradient to its larger input: df/dz = 2, df/dw = 0;
    the mul gate swaps: df/dx = 2y = -8, df/dy = 2x = 6.
    """
    x, y, z, w = _leaves(x=3.0, y=-4.0, z=2.0, w=-1.0)
    f = (x * y + z.max(w)) * 2
    f.label = "f"
    return f


def sigmoid_neuron() -> Value:
    """f = 1/(1 + exp(-(w0·x0 + w1·x1 + w2))) at w0 = 2, x0 = -1, w1 = -3, x1 = -2, w2 = -3, gate by gate.

    f = σ(1) = 0.7311; df/dw0 = -0.1966, df/dx0 = 0.3932, df/dw1 = -0.3932, df/dx1 = -0.5898, df/dw2 = 0.1966.
    """
    w0, x0, w1, x1, w2 = _leaves(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0)
    f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    f.label = "f"
    return f


def relu_neuron() -> Value:
    """f = relu(w0·x0 + w1·x1 + b) at w0 = 2, x0 = 1, w1 = -1, x1 = -3, b = -2: f = 3.

    The unit is active (3 > 0), so relu passes the gradient on: df/dwi = xi, df/dxi = wi, df/db = 1.
    """
    w0, x0, w1, x1, b = _leaves(w0=2.0, x0=1.0, w1=-1.0, x1=-3.0, b=-2.0)
    f = (w0 * x0 + w1 * x1 + b).relu()
    f.label = "f"
    return f


def fork_a_plus_a() -> Value:
    """b = a + a at a = 3: a feeds the add gate twice, each wire brings back 1, so db/da = 1 + 1 = 2."""
    (a,) = _leaves(a=3.0)
    b = a + a
    b.label = "b"
    return b


def fork_xy() -> Value:
    """f = x² + 3·x·y at x = 1.23456, y = -0.000123: x's gradient 2.4688 is 2x + 3y = 2.4691 + (-0.000369).

    The command line's example (``micrograd draw "x**2 + 3*x*y" x=1.23456 y=-0.000123``).
    """
    x, y = _leaves(x=1.23456, y=-0.000123)
    f = x**2 + 3 * x * y
    f.label = "f"
    return f


def mlp(sizes: tuple[int, ...] = (2, 16, 16, 1), inputs: tuple[float, ...] = (0.5, -1.2), seed: int = 1) -> Value:
    """The output of a ``micrograd.nn.MLP`` (seeded weights) on one input: a network to draw neuron by neuron."""
    from .nn import MLP

    state = random.getstate()
    random.seed(seed)
    try:
        model = MLP(sizes[0], list(sizes[1:]))
    finally:
        random.setstate(state)
    out = model(list(inputs))
    assert isinstance(out, Value)
    return out


def lecture_circuits() -> dict[str, Value]:
    """The lecture's circuits by name, each after ``backward()``: values and gradients filled in."""
    circuits = {
        "add_mul": add_mul(),
        "max_gate": max_gate(),
        "sigmoid_neuron": sigmoid_neuron(),
        "relu_neuron": relu_neuron(),
    }
    for f in circuits.values():
        f.backward()
    return circuits


def gallery_diagrams() -> dict[str, Diagram]:
    """Every picture of the gallery by file stem: the lecture's circuits in both styles, one annotated and in
    each theme, forks in both styles, and neural nets neuron by neuron."""
    circuits = lecture_circuits()
    diagrams: dict[str, Diagram] = {}
    for name, f in circuits.items():
        for style in STYLES:  # left to right; the neuron's records top to bottom, to fit 900 px at 12 px text
            tall = style == "record" and name == "sigmoid_neuron"
            diagrams[f"{name}_{style}"] = draw(f, style=style, rankdir="TB" if tall else "LR")
    neuron = circuits["sigmoid_neuron"]
    diagrams["sigmoid_neuron_circuit_annotated"] = draw(neuron, style="circuit", annotate=True, rankdir="LR")
    for theme in ("colorblind", "dark", "dark-colorblind"):
        diagrams[f"sigmoid_neuron_circuit_{theme}"] = draw(neuron, style="circuit", theme=theme, rankdir="LR")
    for name, f in (("fork_a_plus_a", fork_a_plus_a()), ("fork_xy", fork_xy())):
        f.backward()
        diagrams[f"{name}_circuit_annotated"] = draw(f, style="circuit", annotate=True, rankdir="LR")
        diagrams[f"{name}_record"] = draw(f, style="record", rankdir="LR")
    net = mlp()
    net.backward()
    diagrams["mlp_2_16_16_1_neurons"] = draw(net, shade=True, rankdir="LR")
    small = mlp((2, 3, 1))
    small.backward()
    diagrams["mlp_2_3_1_expanded"] = draw(small, neurons="expanded")
    return diagrams


ANNOTATED_BUGS = ("set-not-accumulate", "no-topological-order")  # notes show them: no sum; a stale upstream


def gallery_comparisons() -> dict[str, Comparison]:
    """The classic backward bugs by file stem (``bug_set_not_accumulate``, ...), each on its smallest graph
    beside the correct pass, the gradients that differ marked."""
    return {
        "bug_" + name.replace("-", "_"): compare_backward(mistake=name, annotate=name in ANNOTATED_BUGS, rankdir="LR")
        for name in MISTAKES
    }


def tanh_derivatives() -> Panels:
    """d/dx tanh(x) and d²/dx² at x = 0.5, each the graph ``backward(create_graph=True)`` builds, the
    forward graph they reuse drawn light."""
    x = Value(0.5, label="x")
    t = x.tanh()
    t.label = "t"
    (d1,) = grad(t, x, create_graph=True)
    d1.label = "dt/dx"
    (d2,) = grad(d1, x, create_graph=True)
    d2.label = "d²t/dx²"
    return Panels(
        [draw(d, style="circuit", forward=t, rankdir="LR") for d in (d1, d2)],
        [
            ("dt/dx = 1 − t²", "the derivative of t = tanh(x): a graph of ordinary ops"),
            ("d²t/dx² = −2t(1 − t²)", "its derivative, built the same way"),
        ],
        "The derivative of tanh as a graph, and the derivative of that",
        "backward(create_graph=True) writes each gradient as a graph of ordinary ops on the forward "
        "graph's nodes (drawn light): so it can be backpropagated again.",
    )


def render_gallery(out_dir: str | Path, *, write_svg: bool = True) -> list[Path]:
    """Write the gallery into ``out_dir`` (created if missing): ``.dot`` sources, and unless
    ``write_svg=False`` the ``.svg`` pictures and the steps player. Returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    pictures: dict[str, Diagram | Comparison | Panels] = {
        **gallery_diagrams(),
        **gallery_comparisons(),
        "tanh_derivatives": tanh_derivatives(),
    }
    with warnings.catch_warnings():  # a picture too large for 12 px text is marked in its SVG (data-fits)
        warnings.simplefilter("ignore", PictureTooLarge)
        for stem, diagram in pictures.items():
            if write_svg:
                written.append(diagram.save(out / f"{stem}.svg"))
            written.append(diagram.save(out / f"{stem}.dot"))
    if write_svg:
        written.append(draw_steps(sigmoid_neuron(), style="circuit").save(out / STEPS_FILE))
    return written


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else DEFAULT_DIR
    for path in render_gallery(out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
