"""The ``micrograd`` command line."""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .engine import Value


def sigmoid_neuron() -> tuple[Value, dict[str, Value]]:
    """The lecture's sigmoid neuron f = 1/(1+exp(-(w0·x0 + w1·x1 + w2))), built gate by gate."""
    w0, x0, w1, x1, w2 = (Value(v, label=n) for n, v in
                          [("w0", 2.0), ("x0", -1.0), ("w1", -3.0), ("x1", -2.0), ("w2", -3.0)])
    f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    f.label = "f"
    f.backward()
    return f, {v.label: v for v in (w0, x0, w1, x1, w2)}


def _demo(args: argparse.Namespace) -> int:
    f, inputs = sigmoid_neuron()
    print("the sigmoid neuron f = 1/(1+exp(-(w0*x0 + w1*x1 + w2)))")
    print(f"{'name':>6} {'value':>10} {'df/dname':>10}")
    print(f"{'f':>6} {f.data:>10.4f}")
    for name, v in inputs.items():
        print(f"{name:>6} {v.data:>10.4f} {v.grad:>10.4f}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="micrograd", description="A scalar autograd engine you can see.")
    parser.add_argument("--version", action="version", version=f"micrograd {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="the lecture's sigmoid neuron: values and gradients")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
