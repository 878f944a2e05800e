"""Gradients as functions, as ``torch.autograd``: ``grad``, ``hessian`` and Hessian-vector products.

:func:`grad` returns d(outputs)/d(inputs) without touching any ``.grad``; with
``create_graph=True`` the gradients are Values built by the rules' own arithmetic, so they
can be differentiated again, which is all :func:`hessian` and :func:`hvp` do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .core import Node, gradients
from .engine import Value

__all__ = ["grad", "hessian", "hvp"]


def _nodes(x: Any, what: str) -> list[Any]:
    items = [x] if isinstance(x, Node) else list(x)
    for item in items:
        if not isinstance(item, Node):
            raise TypeError(f"grad(): {what} must be Values or Tensors, got {type(item).__name__}: {item!r:.60}")
    if not items:
        raise ValueError(f"grad(): no {what}")
    return items


def grad(
    outputs: Any,
    inputs: Any,
    seed: Any = None,
    *,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """d(outputs)/d(input) for each input, as ``torch.autograd.grad``; no ``.grad`` is read or written.

    ``outputs``: a node or a list of nodes; their gradients are summed, each weighted by its
    ``seed`` (default 1 for a scalar; needed for a Tensor of more than one element).
    ``create_graph``: the gradients are nodes that can be differentiated again (a number
    otherwise). An input the outputs do not depend on is an error, unless ``allow_unused``
    (then its gradient is None).
    """
    outs, ins = _nodes(outputs, "outputs"), _nodes(inputs, "inputs")
    seeds = list(seed) if isinstance(seed, (list, tuple)) else [seed] * len(outs)
    if len(seeds) != len(outs):
        raise ValueError(f"grad(): {len(seeds)} seeds for {len(outs)} outputs")
    if create_graph:
        first = [
            out._seed_node(s) if isinstance(out, Value) else _tensor_seed(out, s)
            for out, s in zip(outs, seeds, strict=True)
        ]
        found = gradients(outs, first, outs[0]._rules.on_nodes())
    else:
        found = gradients(outs, [out._check_seed(s) for out, s in zip(outs, seeds, strict=True)])
    result = []
    for k, x in enumerate(ins):
        g = found.get(x)
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad(): input {k} ({x!r:.60}) is not used to compute the outputs; pass allow_unused=True to get None"
            )
        if create_graph and g is not None and not isinstance(g, Node):
            g = type(x)(g, requires_grad=False)
        result.append(g)
    return tuple(result)


def _tensor_seed(out: Any, seed: Any) -> Any:
    if isinstance(seed, Node):
        return seed
    return type(out)(out._check_seed(seed), requires_grad=False)


def _leaves(point: Sequence[float]) -> list[Value]:
    values = []
    for x in point:
        if isinstance(x, bool) or not isinstance(x, (int, float, Value)):
            raise TypeError(f"hessian(): inputs must be numbers (or Values), got {type(x).__name__}: {x!r:.60}")
        values.append(Value(x.data if isinstance(x, Value) else x))
    if not values:
        raise ValueError("hessian(): no inputs")
    return values


def _first(f: Callable[..., Value], xs: list[Value]) -> tuple[Value, tuple[Any, ...]]:
    out = f(*xs)
    if not isinstance(out, Value):
        raise TypeError(f"hessian(): f must return a Value, got {type(out).__name__}")
    return out, grad(out, xs, create_graph=True, allow_unused=True)


def hessian(f: Callable[..., Value], inputs: Sequence[float]) -> Any:
    """The matrix of second derivatives d²f/dxᵢdxⱼ of a scalar function at ``inputs`` (a few numbers).

    ``f`` takes one Value per input and returns a Value. The result is a list of lists, or a
    numpy array when ``inputs`` is one. Each row is the gradient of one first derivative.
    """
    xs = _leaves(list(inputs))
    _, firsts = _first(f, xs)
    rows = []
    for g in firsts:
        if g is None or not g.requires_grad:
            rows.append([0.0] * len(xs))
            continue
        seconds = grad(g, xs, allow_unused=True)
        rows.append([0.0 if s is None else float(s) for s in seconds])
    if type(inputs).__module__ == "numpy":
        import numpy as np

        return np.array(rows)
    return rows


def hvp(f: Callable[..., Value], inputs: Sequence[float], v: Sequence[float]) -> list[float]:
    """The Hessian of ``f`` at ``inputs`` times the vector ``v``, without forming the Hessian.

    The gradient of (∇f · v): one backward pass through the first backward pass.
    """
    xs = _leaves(list(inputs))
    if len(v) != len(xs):
        raise ValueError(f"hvp(): v has {len(v)} elements, f takes {len(xs)} inputs")
    _, firsts = _first(f, xs)
    terms = [g * float(vi) for g, vi in zip(firsts, v, strict=True) if g is not None and g.requires_grad]
    if not terms:
        return [0.0] * len(xs)
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return [0.0 if s is None else float(s) for s in grad(total, xs, allow_unused=True)]
