"""The chain rule's hot loops: a backward pass's walk adding each contribution into its parent's gradient.

:func:`micrograd.core.chain_rule` is the one general walk (it yields every step, for the trace and the
pictures); a plain ``backward()`` records nothing, so its walk is written out here for speed: the
parents read from their slots (one or two, or ``_MANY``: a tuple in the first slot), no generator per
wire. ``_into_grads`` adds into each node's ``.grad`` (the Value engine), ``_into_dict`` into a dict
of the caller's (the Tensor engine). The rules are the ops' own (:class:`micrograd.core.Rules`): no
derivative is stated here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .order import _MANY

Rule = Callable[[Any, Any], Sequence[Any]]  # an op's rule: (node, upstream) -> one contribution per parent

__all__: list[str] = []


def _into_grads(nodes: Iterable[Any], rules: Mapping[str, Rule]) -> None:
    """:func:`chain_rule` into ``.grad``, recording nothing: a backward pass's walk, its hot loop unrolled.

    The parents are read from their slots (:class:`Node`). A gradient of None is none yet (a Tensor's,
    or one set so by hand): ``None + contribution`` fails, and the contribution is the first there.
    """
    rule_of = rules.get
    for node in nodes:
        upstream = node.grad
        rule = rule_of(node._op)
        if upstream is None or rule is None:  # no gradient reached it, or the op has no rule (a hand-made node)
            continue
        contributions = rule(node, upstream)
        first, second = node._p0, node._p1
        if second is _MANY:
            wires = zip(first, contributions)  # noqa: B905  (strict=True costs 20%)
            while True:
                try:
                    for parent, contribution in wires:
                        if parent.requires_grad:
                            parent.grad = parent.grad + contribution
                    break
                except TypeError:  # (then on with the wires after this one)
                    parent.grad = _first(parent.grad, contribution)
            continue
        if first.requires_grad:  # an interior node has a first parent
            try:
                first.grad = first.grad + contributions[0]
            except TypeError:
                first.grad = _first(first.grad, contributions[0])
        if second is not None and second.requires_grad:
            try:
                second.grad = second.grad + contributions[1]
            except TypeError:
                second.grad = _first(second.grad, contributions[1])


def _into_dict(nodes: Iterable[Any], rules: Mapping[str, Rule], grads: dict[Any, Any]) -> None:
    """:func:`chain_rule` into ``grads``, recording nothing: the tensor engine's backward pass, its hot loop unrolled.

    As :func:`_into_grads`, the parents are read from their slots; a parent not yet in ``grads``
    gets the contribution itself as its first gradient.
    """
    rule_of, grad_of = rules.get, grads.get
    for node in nodes:
        upstream = grad_of(node)
        rule = rule_of(node._op)
        if upstream is None or rule is None:  # no gradient reached it, or the op has no rule (a hand-made node)
            continue
        contributions = rule(node, upstream)
        first, second = node._p0, node._p1
        if second is _MANY:
            for parent, contribution in zip(first, contributions):  # noqa: B905
                if parent.requires_grad:
                    total = grad_of(parent)
                    grads[parent] = contribution if total is None else total + contribution
            continue
        if first.requires_grad:  # an interior node has a first parent
            total = grad_of(first)
            grads[first] = contributions[0] if total is None else total + contributions[0]
        if second is not None and second.requires_grad:
            total = grad_of(second)
            grads[second] = contributions[1] if total is None else total + contributions[1]


def _first(total: Any, contribution: Any) -> Any:
    """The gradient after ``total + contribution`` failed: the contribution, if none had arrived (else the error)."""
    return contribution if total is None else total + contribution
