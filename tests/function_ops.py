"""Functions of a user's own, defined at module level (pickles find them again by this module): DeZero's steps.

``Square`` and ``Exp`` are written as DeZero's book writes them (steps 6-9), in this package's
shape: forward on numbers, backward from what forward saved. Both are written with arithmetic
only, so their backward builds a graph under ``create_graph=True`` as well, and work on arrays
as on numbers (``Square.apply(tensor)``). ``AddBias`` is an op for Tensors, whose second input
is broadcast.
"""

from __future__ import annotations

import math

from micrograd import Function
from micrograd.function import cos, sin


class Square(Function, local=("2·{x}",), code=("{x} * {x}", "{up} * (2.0 * {x})")):
    """y = x²; ∂y/∂x = 2x."""

    def forward(ctx, x):  # type: ignore[no-untyped-def]
        ctx.save_for_backward(x)
        return x * x

    def backward(ctx, upstream):  # type: ignore[no-untyped-def]
        (x,) = ctx.saved
        return 2.0 * x * upstream


class Exp(Function, local=("exp({x})",), code=("exp({x})", "{up} * {out}")):
    """y = exp(x); ∂y/∂x = exp(x) = y: backward reads the output forward saved."""

    def forward(ctx, x):  # type: ignore[no-untyped-def]
        y = math.exp(x)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, upstream):  # type: ignore[no-untyped-def]
        (y,) = ctx.saved
        return upstream * y


class MulSin(Function, name="x·sin(y)", local=("sin({y})", "{x}·cos({y})")):
    """Two inputs, a name of its own: z = x·sin(y); ∂z/∂x = sin(y), ∂z/∂y = x·cos(y) (PyTorch's ctx attributes)."""

    @staticmethod
    def forward(ctx, x, y):  # type: ignore[no-untyped-def]
        ctx.x, ctx.y = x, y
        return x * math.sin(y)

    @staticmethod
    def backward(ctx, upstream):  # type: ignore[no-untyped-def]
        return upstream * sin(ctx.y), upstream * (ctx.x * cos(ctx.y))


class Pow(Function):
    """DeZero's Pow(c): a setting given to the Function, y = x**c; ∂y/∂x = c·x**(c-1)."""

    def __init__(self, c: float) -> None:
        self.c = c

    def forward(ctx, x):  # type: ignore[no-untyped-def]
        ctx.save_for_backward(x)
        return x**ctx.c

    def backward(ctx, upstream):  # type: ignore[no-untyped-def]
        (x,) = ctx.saved
        return upstream * ctx.c * x ** (ctx.c - 1)


class AddBias(Function):
    """y = x + b, with b broadcast over x's rows (a bias): backward gives upstream to both, as PyTorch's
    would; b's, of the output's shape, is summed back to b's shape by the engine."""

    def forward(ctx, x, b):  # type: ignore[no-untyped-def]
        return x + b

    def backward(ctx, upstream):  # type: ignore[no-untyped-def]
        return upstream, upstream
