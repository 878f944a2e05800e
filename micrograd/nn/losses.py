"""Loss functions as plain functions over Values (every one built from ordinary Value ops).

Each takes the model's outputs (a Value, or a list of Values, one per example) and the
targets (numbers, or a numpy array), and returns one Value: the mean over the examples.
Because they are built from the engine's ops, ``backward()`` gives their gradients and
the renderer can draw them gate by gate.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence

from ..engine import Value
from .modules import weighted_sum

__all__ = ["mse", "hinge", "bce_with_logits", "binary_cross_entropy_with_logits", "softmax_cross_entropy", "l2"]


def _values(xs: Value | float | Iterable[Value | float], what: str, fn: str) -> list[Value]:
    """One Value or number, or an iterable of them, as a non-empty list of Values."""
    items = [xs] if isinstance(xs, (Value, numbers.Real)) else _listed(xs, what, fn)
    out = []
    for x in items:
        if isinstance(x, Value):
            out.append(x)
        elif isinstance(x, numbers.Real):
            out.append(Value(float(x)))
        else:
            raise TypeError(f"{fn}: {what} must be Values or numbers, got {type(x).__name__}")
    return out


def _numbers(ts: float | Iterable[float], what: str, fn: str) -> list[float]:
    """One number or an iterable of numbers (a numpy array works) as a list of floats."""
    items = [ts] if isinstance(ts, numbers.Real) else _listed(ts, what, fn)
    out = []
    for t in items:
        if isinstance(t, Value):
            t = t.data  # targets are constants: no gradient flows into them
        if not isinstance(t, numbers.Real):
            raise TypeError(f"{fn}: {what} must be numbers, got {type(t).__name__}")
        out.append(float(t))
    return out


def _listed(xs: object, what: str, fn: str) -> list:
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Iterable):
        raise TypeError(f"{fn}: {what} must be a Value, a number or a list of them, got {type(xs).__name__}")
    items = list(xs)
    if not items:
        raise ValueError(f"{fn}: {what} is empty")
    return items


def _paired(outputs: list[Value], targets: list[float], fn: str) -> None:
    if len(outputs) != len(targets):
        raise ValueError(f"{fn}: {len(outputs)} predictions but {len(targets)} targets")


def _mean(terms: list[Value]) -> Value:
    """``(t₁ + … + tₙ) / n``; ∂/∂tᵢ = 1/n."""
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total * (1.0 / len(terms))


def mse(predictions: Value | Sequence[Value | float], targets: float | Sequence[float]) -> Value:
    """Mean squared error ``mean((pᵢ - tᵢ)²)``; ∂/∂pᵢ = 2(pᵢ - tᵢ)/n."""
    ps = _values(predictions, "predictions", "mse")
    ts = _numbers(targets, "targets", "mse")
    _paired(ps, ts, "mse")
    return _mean([(p - t) ** 2 for p, t in zip(ps, ts, strict=True)])


def hinge(scores: Value | Sequence[Value | float], labels: float | Sequence[float]) -> Value:
    """Max-margin loss ``mean(relu(1 - yᵢ·sᵢ))`` with labels yᵢ in {-1, 1} (the tutorial demo's).

    ∂/∂sᵢ = -yᵢ/n where the margin yᵢ·sᵢ is below 1, else 0 (0 exactly at the kink).
    """
    ss = _values(scores, "scores", "hinge")
    ys = _numbers(labels, "labels", "hinge")
    _paired(ss, ys, "hinge")
    for y in ys:
        if y not in (-1.0, 1.0):
            raise ValueError(f"hinge: labels must be -1 or 1, got {y!r} (for 0/1 labels pass 2*y - 1)")
    return _mean([(1 - y * s).relu() for s, y in zip(ss, ys, strict=True)])


def bce_with_logits(logits: Value | Sequence[Value | float], targets: float | Sequence[float]) -> Value:
    """Binary cross-entropy of ``σ(z)`` against targets in [0, 1], given the logits ``z``.

    ``-[t·log σ(z) + (1-t)·log(1-σ(z))]``, written in the form that never overflows::

        max(z, 0) - z·t + log(1 + exp(-|z|))

    ∂/∂z = σ(z) - t (averaged over the examples). ``max`` is the engine's gate, whose tie
    at z = 0 sends half the gradient to z, so the gradient is right there too (½ - t).
    Logits of ±1000 give finite losses and gradients.
    """
    zs = _values(logits, "logits", "bce_with_logits")
    ts = _numbers(targets, "targets", "bce_with_logits")
    _paired(zs, ts, "bce_with_logits")
    for t in ts:
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"bce_with_logits: targets must be in [0, 1], got {t!r}")
    return _mean([z.max(0.0) - z * t + (1 + (-z.abs()).exp()).log() for z, t in zip(zs, ts, strict=True)])


binary_cross_entropy_with_logits = bce_with_logits  # PyTorch's name


def _one_softmax_ce(logits: list[Value], target: object, fn: str) -> Value:
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TypeError(f"{fn}: target must be a class index (int), got {type(target).__name__}")
    k = int(target)
    if not 0 <= k < len(logits):
        raise ValueError(f"{fn}: target {k} out of range for {len(logits)} logits")
    m = max(z.data for z in logits)  # a constant: subtracting it changes nothing but the rounding
    shifted = [z - m for z in logits]
    total = shifted[0].exp()
    for s in shifted[1:]:
        total = total + s.exp()
    return total.log() - shifted[k]


def softmax_cross_entropy(
    logits: Sequence[Value | float] | Sequence[Sequence[Value | float]], target: int | Sequence[int]
) -> Value:
    """Cross-entropy of ``softmax(z)`` against the class ``target``: ``log Σⱼ exp(zⱼ) - z_target``.

    Stable: the largest logit's value ``m`` is subtracted first, as a constant
    (``log Σ exp(zⱼ - m) - (z_target - m)``). ∂/∂zⱼ = softmax(z)ⱼ - [j = target].
    ``logits`` is one example's list of logits with an int ``target``, or a list of such
    lists with a list of targets (the mean is returned).
    """
    fn = "softmax_cross_entropy"
    rows = _listed(logits, "logits", fn)
    if isinstance(rows[0], (Value, numbers.Real)):
        return _one_softmax_ce(_values(rows, "logits", fn), target, fn)
    targets = _listed(target, "targets", fn)
    if len(rows) != len(targets):
        raise ValueError(f"{fn}: {len(rows)} rows of logits but {len(targets)} targets")
    return _mean([_one_softmax_ce(_values(r, "logits", fn), t, fn) for r, t in zip(rows, targets, strict=True)])


def l2(params: Iterable[Value]) -> Value:
    """The sum of squares ``Σ pᵢ²`` (L2 regularization: add ``alpha * l2(model.parameters())``).

    One node; ∂/∂pᵢ = 2pᵢ.
    """
    ps = list(params)
    if not ps or not all(isinstance(p, Value) for p in ps):
        raise TypeError("l2: params must be a non-empty list of Values")
    return weighted_sum(ps, ps)
