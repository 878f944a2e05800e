"""The backward pass over a collapsed picture: one step per element drawn, a box's in one step.

A collapsed picture (:mod:`.collapse`) draws boxes and nodes. Stepping through its backward pass
(:func:`~micrograd.drawing.steps.draw_steps` with ``collapse=``) takes them in the order a backward
pass completes them: an element once every element that uses its values is done. A node drawn as
itself gets its gradient in its step, as in the uncollapsed player; a box's step is the scope's whole
backward pass at once: every gradient it sends back arrives together on the wires that enter it
(each the sum of the contributions of that value's uses inside, :meth:`~.collapse.Bundle.gradients`),
and the gradients of the values that leave it show with it. ``explain(root, collapse=...)`` writes
the same steps as lines of the chain rule (:mod:`.derivation`).

A scope entered twice (its box wired in a loop) has no such order: the element reached first in the
graph's backward order goes first there, so every element still gets one step.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

from . import notation
from .collapse import Box, Bundle, Collapsed
from .numbers import format_number, format_value

__all__ = ["backward_elements", "arrivals", "box_caption", "node_caption"]


def backward_elements(c: Collapsed, backward: list[Any], grads: dict[Any, Any]) -> list[Any]:
    """The drawn elements (boxes, nodes drawn as themselves) that get a gradient, in the order a backward pass
    completes them: each after every element that uses its values. ``backward``: the graph's nodes in
    backward order (the root first); ``grads``: the trace's gradients."""
    rank: dict[int, int] = {}
    element: dict[int, Any] = {}
    for k, v in enumerate(backward):
        if v in grads:
            e = c.element(v)
            rank.setdefault(id(e), k)
            element.setdefault(id(e), e)
    waits: dict[int, set[int]] = {key: set() for key in rank}  # the elements an element's values go to
    users: dict[int, list[int]] = {key: [] for key in rank}
    for bundle in c.bundles:
        tail, head = id(bundle.tail), id(bundle.head)
        if tail in rank and head in rank and head not in waits[tail]:
            waits[tail].add(head)
            users[head].append(tail)
    ready = [(rank[key], key) for key, w in waits.items() if not w]
    heapq.heapify(ready)
    done: set[int] = set()
    order: list[Any] = []
    while len(order) < len(rank):
        if not ready:  # a loop (a scope entered twice): the first reached in the backward order goes
            key = min((k for k in rank if k not in done), key=rank.__getitem__)
            ready.append((rank[key], key))
        _, key = heapq.heappop(ready)
        if key in done:
            continue
        done.add(key)
        order.append(element[key])
        for tail in users[key]:
            waits[tail].discard(key)
            if not waits[tail] and tail not in done:
                heapq.heappush(ready, (rank[tail], tail))
    return order


def entering(c: Collapsed, box: Box) -> list[Bundle]:
    """The wires that enter ``box``: what it sends gradients back along."""
    return [bundle for bundle in c.bundles if bundle.head is box]


def arrivals(c: Collapsed, box: Box, wire: Callable[[Any, int], Any]) -> list[tuple[Any, Bundle, Any, list[Any]]]:
    """What ``box`` sends back in its step: ``(value, wire, its gradient along it, the contributions of its
    uses inside)`` for each value on each wire entering it, in order (values without a gradient left out)."""
    out = []
    for bundle in entering(c, box):
        for v in bundle.values:
            terms = [w.contribution for u, cons, i in bundle.uses if u is v and (w := wire(cons, i)) is not None]
            terms = [t for t in terms if t is not None]
            if terms:
                out.append((v, bundle, sum(terms[1:], terms[0]), terms))
    return out


def box_caption(step: str, box: Box, sent: list[tuple[Any, Bundle, Any, list[Any]]], f: str, names: Any, p: int) -> str:
    """A box's step: ``pos3 (7,482 nodes): the gradients of its 12 inputs arrive in one step``."""
    what = f"the rest of {box.path}" if box.kind == "rest" else box.path
    head = f"{step}{what} ({box.count:,} node{'s' if box.count != 1 else ''}): "
    values = {id(v) for v, *_ in sent}
    if not values:
        return head + "no gradient goes back through it"
    if len(values) == 1:
        v, _, grad, terms = sent[0]
        uses = f", the sum over its {len(terms)} uses inside" if len(terms) > 1 else ""
        what = notation.total(f, names[v]) if v.is_leaf else "the gradient of its input"
        return head + f"{what} through it, {format_value(grad, p)}{uses}, arrives in one step"
    return head + f"the gradients of its {len(values)} inputs arrive in one step"


def node_caption(step: str, v: Any, c: Collapsed, wire: Callable[[Any, int], Any], f: str, names: Any, p: int) -> str:
    """A node drawn as itself whose gradient comes back (also) through boxes: the sum of what each sends."""
    terms: list[str] = []
    for bundle in c.bundles:
        if bundle.tail is v:
            grad = bundle.gradients(wire).get(id(v))
            if grad is not None:
                where = bundle.head.path if isinstance(bundle.head, Box) else names[bundle.head]
                terms.append(f"{format_number(grad, p)} (from {where})")
    total = format_value(_total(v, c, wire), p)
    if len(terms) == 1:
        return f"{step}{notation.total(f, names[v])} = {terms[0]}"
    return f"{step}{notation.total(f, names[v])} = {' + '.join(terms)} = {total}"


def _total(v: Any, c: Collapsed, wire: Callable[[Any, int], Any]) -> Any:
    grads = [g for bundle in c.bundles if bundle.tail is v and (g := bundle.gradients(wire).get(id(v))) is not None]
    return sum(grads[1:], grads[0]) if grads else None
