"""Fused building blocks: a sum, a dot product and a logsumexp as one node each, with one rule each.

Gate by gate, ``w0*x0 + w1*x1 + ... + w63*x63`` is 127 nodes; :func:`dot` is one node with the
same value and the same gradients (bit for bit: its rule is the chain rule through those gates,
done at once). So is :func:`sum` for ``a + b + c + ...``, and :func:`logsumexp` for the stable
``m + log(Σ exp(xᵢ − m))`` (to the last bits or so: its gradient is the softmax, computed at once).
A backward pass over one node is faster, and a picture shows one ``Σ``, ``Σwx`` or ``logsumexp``
gate instead of a tree of ``+`` and ``×``.

When not to: the lesson is the gates. A learner sees the chain rule work through ``×`` and ``+``;
a fused gate hides it. Use the blocks where the inside of a sum is not what is being taught (a
model's layers, a loss over many examples), and the gates where it is.

Numbers among the inputs are constants (no gradient flows to them), as in every op.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from . import floats
from .core import _MANY
from .engine import Value, _nary, _operand, rule

__all__ = ["dot", "sum", "logsumexp"]


def _values(items: object, what: str) -> list[Value]:
    """A sequence of Values and numbers as Values (numbers as constants), in a list of its own; a clear error otherwise.

    A list or tuple of Values only (a model's rows: the common case) is copied as it is, its types
    checked at C speed; anything else goes element by element (a third of a fused microgpt step, otherwise).
    """
    if type(items) is list or type(items) is tuple:
        values = list(items)
        if set(map(type, values)) == _ONLY_VALUES:
            return values
    elif isinstance(items, (Value, str, bytes)) or not isinstance(items, Iterable):
        raise TypeError(f"{what} takes a sequence of Values or numbers, got {type(items).__name__}: {items!r:.60}")
    return [_operand(x, what) for x in items]


_ONLY_VALUES = {Value}
_ROWS = (list, tuple)


# ---------------------------------------------------------------- Σ: one node for a + b + c + ...


def sum(values: Iterable[Value | float], start: Value | float | None = None) -> Value:  # noqa: A001
    """``v0 + v1 + ... + vₙ`` as one node ``Σ``; ∂Σ/∂vᵢ = 1, so each input gets the upstream gradient.

    ``start`` (a Value or a number) is added first, as Python's ``sum(values, start)`` adds it; without
    it the sum is the left-to-right ``v0 + v1 + ...`` of the gates. Not Python's builtin ``sum``, which
    this does not replace: ``micrograd.sum`` is a function of its own.
    """
    terms = _values(values, "micrograd.sum")
    if start is not None:
        terms.insert(0, _operand(start, "micrograd.sum"))
    if not terms:
        raise ValueError("micrograd.sum: no values to add (give start= for the sum of none)")
    total = terms[0]._data
    for v in terms[1:]:
        total += v._data
    return _nary(total, tuple(terms), "Σ")


def _sum_code(m: int) -> tuple[str, ...]:
    """Σ as code for ``m`` parents: ``p0 + p1 + ...``, and the upstream for each."""
    return (" + ".join(f"{{{i}}}" for i in range(m)), *["{up}"] * m)


def _sum_local(m: int) -> tuple[str, ...]:
    return ("1",) * m


@rule("Σ", local=_sum_local, code=_sum_code)
def _sum_rule(out: Value, upstream: float) -> tuple[float, ...]:  # ∂Σ/∂vᵢ = 1
    return (upstream,) * len(out.parents)


# ---------------------------------------------------------------- Σwx: one node for w0*x0 + w1*x1 + ...


def dot(ws: Sequence[Value | float], xs: Sequence[Value | float]) -> Value:
    """``w0·x0 + w1·x1 + ... + wₙ·xₙ`` as one node ``Σwx`` with parents ``(w..., x...)``.

    ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ. The same value and gradients as the gates, added left to right.
    """
    if type(ws) in _ROWS and type(xs) in _ROWS and len(ws) == len(xs) and ws:
        pairs = zip(ws, xs)  # noqa: B905  (a model's rows: Values only, each checked on the way, straight to the node)
        w0, x0 = next(pairs)
        if type(w0) is Value is type(x0):
            total = w0._data * x0._data
            for wi, xi in pairs:
                if type(wi) is not Value or type(xi) is not Value:  # a number, or anything else: the general path
                    break
                total += wi._data * xi._data
            else:
                return _nary(total, (*ws, *xs), "Σwx")  # type: ignore[arg-type]  # (Values: checked)
    w, x = _values(ws, "micrograd.dot"), _values(xs, "micrograd.dot")
    if len(w) != len(x):
        raise ValueError(f"micrograd.dot: {len(w)} ws but {len(x)} xs (they pair up: give as many of each)")
    if not w:
        raise ValueError("micrograd.dot: no terms (ws and xs are empty)")
    total = w[0]._data * x[0]._data
    for wi, xi in zip(w[1:], x[1:]):  # noqa: B905  (lengths checked above)
        total += wi._data * xi._data
    return _nary(total, (*w, *x), "Σwx")


def products_code(n: int, w_at: int = 0, x_at: int | None = None) -> list[str]:
    """The terms ``wᵢ * xᵢ`` as code, the weights at parents ``w_at...`` and the inputs at ``x_at...``."""
    x_at = w_at + n if x_at is None else x_at
    return [f"{{{w_at + i}}} * {{{x_at + i}}}" for i in range(n)]


def products_contributions_code(n: int, w_at: int = 0, x_at: int | None = None) -> list[str]:
    """What flows back through ``Σ wᵢxᵢ`` as code: ``up * xᵢ`` to each weight, then ``up * wᵢ`` to each input."""
    x_at = w_at + n if x_at is None else x_at
    return [*(f"{{up}} * {{{x_at + i}}}" for i in range(n)), *(f"{{up}} * {{{w_at + i}}}" for i in range(n))]


def products_contributions(ws: Sequence[Value], xs: Sequence[Value], upstream: float) -> list[float]:
    """What flows back through ``Σ wᵢxᵢ``: ``xᵢ · upstream`` to each weight, then ``wᵢ · upstream`` to each input.

    The one statement of the rule; :func:`dot`'s and the neuron's ``Σwx+b`` (:mod:`micrograd.nn`) use it.
    """
    return [v._data * upstream for v in (*xs, *ws)]  # (one list comprehension: faster than two, or a generator)


def _dot_code(m: int) -> tuple[str, ...]:
    """Σwx as code for ``m = 2n`` parents ``(w..., x...)``: ``w0 * x0 + ...`` and its contributions."""
    n = m // 2
    return (" + ".join(products_code(n)), *products_contributions_code(n))


def products_local(n: int) -> tuple[str, ...]:
    """∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ in writing (worksheets' hints), for ``n`` terms with parents ``(w..., x..., ...)``."""
    return (*(f"{{{n + i}}}" for i in range(n)), *(f"{{{i}}}" for i in range(n)))


def _dot_local(m: int) -> tuple[str, ...]:
    return products_local(m // 2)


@rule("Σwx", local=_dot_local, code=_dot_code)
def _dot_rule(out: Value, upstream: float) -> list[float]:  # ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ
    parents = out._p0 if out._p1 is _MANY else out.parents  # (w..., x...): more than two, kept in the first slot
    n = len(parents) // 2
    return products_contributions(parents[:n], parents[n:], upstream)


# ---------------------------------------------------------------- logsumexp: log(Σ exp(xᵢ)), stable


def logsumexp(values: Iterable[Value | float]) -> Value:
    """``log(exp(x0) + exp(x1) + ...)`` as one node, computed stably: ``m + log(Σ exp(xᵢ − m))``, m the largest.

    ∂/∂xᵢ = exp(xᵢ − out), the softmax of the xs: the gradient of a cross-entropy loss's normaliser.
    As ``torch.logsumexp`` at the edges: all -inf gives -inf, any +inf gives +inf, a nan gives nan.
    """
    xs = _values(values, "micrograd.logsumexp")
    if not xs:
        raise ValueError("micrograd.logsumexp: no values (the log of an empty sum is -inf: give at least one)")
    return _nary(floats.logsumexp(*(x._data for x in xs)), tuple(xs), "logsumexp")


def _logsumexp_code(m: int) -> tuple[str, ...]:
    """logsumexp as code for ``m`` parents: ``logsumexp(p0, p1, ...)``, then ``up * exp(pᵢ - out)`` for each."""
    return (
        f"logsumexp({', '.join(f'{{{i}}}' for i in range(m))})",
        *(f"{{up}} * exp({{{i}}} - {{out}})" for i in range(m)),
    )


def _logsumexp_local(m: int) -> tuple[str, ...]:
    return tuple(f"exp({{{i}}} - {{out}})" for i in range(m))


@rule("logsumexp", local=_logsumexp_local, code=_logsumexp_code)
def _logsumexp_rule(out: Value, upstream: float) -> tuple[float, ...]:  # ∂/∂xᵢ = exp(xᵢ − out), the softmax
    return tuple(upstream * floats.exp_any(x._data - out._data) for x in out.parents)
