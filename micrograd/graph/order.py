"""The orders of a graph's nodes: topological (parents first), reading (the formula's), interior.

Every walk is iterative (an explicit stack, no recursion), so a chain a million nodes deep
is fine. The topological sort marks the nodes it visits in their ``_mark`` slot instead of
keeping a set of them (:func:`_depth_first`): the backward pass's order, and its speed.
It reads a node's parents from the two slots :class:`~micrograd.core.Node` keeps them in
(``_p0``, ``_p1``; more than two: a tuple in ``_p0`` and :data:`_MANY` in ``_p1``).

This module imports nothing but the standard library (:mod:`micrograd.core` re-exports it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["topological_order", "reading_order", "interior_order", "backward_order"]

_MANY = object()  # in a node's second parent slot: the first holds a tuple of more than two parents


def topological_order(root: Any) -> list[Any]:
    """Every node ``root`` depends on, parents before the nodes that use them, ``root`` last.

    Iterative depth-first search, so a chain a million nodes deep is fine.
    """
    return _depth_first(root, leaves=True)


def reading_order(root: Any) -> list[Any]:
    """Every node ``root`` depends on, parents first, in the order the expression reads.

    A topological order (as :func:`topological_order`) that takes each node's parents in
    argument order, so ``w0*x0 + w1*x1`` lists ``w0, x0, w0*x0, w1, x1, w1*x1`` and the sum:
    the order names and staged code follow. (The backward pass keeps its own order: a
    different one would sum the contributions at a fork in another order.)
    """
    return _post_order(root, lambda v: reversed(v.parents))


def interior_order(root: Any) -> list[Any]:
    """The nodes that pass gradient on (those with parents), in topological order, ``root`` last.

    Leaves receive gradient but pass none on, so a backward pass need not order them.
    """
    return _depth_first(root, leaves=False) if root.parents else []


def backward_order(root: Any, zero: Any) -> list[Any]:
    """:func:`interior_order`, each node's ``grad`` set to ``zero`` as it is placed: a backward pass's start.

    The same order as :func:`interior_order`; the reset rides on the walk, at the node it has just
    marked, instead of a second pass over the graph (which reads every node again from memory:
    a tenth of microgpt's step, gate by gate).
    """
    if not root.parents:
        return []
    if not _marking.acquire(blocking=False):
        order = _depth_first_with_set(root, leaves=False)
        for v in order:
            v.grad = zero
        return order
    try:
        return _interior_marked(root, zero)
    finally:
        _marking.release()


def _depth_first(root: Any, leaves: bool) -> list[Any]:
    """Post-order depth-first search with an explicit stack: parents before the nodes that use them.

    A node is marked in its ``_mark`` slot with tokens of this walk's own (entered, then done),
    which costs less than a set of the visited nodes. One walk at a time marks: a walk that
    starts while another is under way (in another thread, or from inside it) keeps its own set
    instead, and finds the same order.
    """
    if not _marking.acquire(blocking=False):
        return _depth_first_with_set(root, leaves)
    try:
        return _depth_first_marked(root, leaves)
    finally:
        _marking.release()


_marking = threading.Lock()  # held by the walk that marks nodes


def _depth_first_marked(root: Any, leaves: bool) -> list[Any]:
    entered, done = object(), object()  # marks of this walk only: whatever marks a node holds from before differs
    order: list[Any] = []
    stack: list[Any] = [root]
    push, pop, emit = stack.append, stack.pop, order.append
    while True:  # not `while stack`: CPython 3.11 specializes a loop's code only once an unconditional jump repeats it
        if not stack:
            return order
        v = stack[-1]
        mark = v._mark
        if mark is entered:  # its parents are all emitted
            pop()
            v._mark = done
            emit(v)
        elif mark is done:  # pushed twice before its first visit
            pop()
        else:
            v._mark = entered
            first = v._p0
            if first is not None:
                second = v._p1
                if second is _MANY:
                    for p in first:
                        if (leaves or p._p0 is not None) and p._mark is not done:
                            push(p)
                else:
                    if (leaves or first._p0 is not None) and first._mark is not done:
                        push(first)
                    if second is not None and (leaves or second._p0 is not None) and second._mark is not done:
                        push(second)


def _interior_marked(root: Any, zero: Any) -> list[Any]:
    """:func:`_depth_first_marked` for interior nodes only (every node on the stack has parents), setting grads.

    A node none of whose parents waits (each a leaf, or placed already) is placed at its first visit:
    the same order, one turn of the loop fewer (half the nodes of a graph of gates).
    """
    entered, done = object(), object()
    order: list[Any] = []
    stack: list[Any] = [root]
    push, pop, emit = stack.append, stack.pop, order.append
    while True:
        if not stack:
            return order
        v = stack[-1]
        mark = v._mark
        if mark is entered:  # its parents are all placed
            pop()
            v._mark = done
            v.grad = zero
            emit(v)
            continue
        if mark is done:  # pushed twice before its first visit
            pop()
            continue
        first, second = v._p0, v._p1
        if second is _MANY:
            depth = len(stack)
            for p in first:
                if p._p0 is not None and p._mark is not done:
                    push(p)
            waiting = len(stack) != depth
        else:
            waiting = False
            if first._p0 is not None and first._mark is not done:
                push(first)
                waiting = True
            if second is not None and second._p0 is not None and second._mark is not done:
                push(second)
                waiting = True
        if waiting:
            v._mark = entered
        else:  # no parent waits: placed now
            pop()
            v._mark = done
            v.grad = zero
            emit(v)


def _depth_first_with_set(root: Any, leaves: bool) -> list[Any]:
    """The same walk, in the same order, with a set of the nodes it has visited (and no marks)."""
    return _post_order(root, lambda v: [p for p in v.parents if leaves or p._p0 is not None])


def _post_order(root: Any, pushed: Callable[[Any], Iterable[Any]]) -> list[Any]:
    """Post-order depth-first search with an explicit stack and a set of the visited nodes: each node
    after the nodes ``pushed(node)`` gives (popped last first), so parents before the nodes that use them."""
    order: list[Any] = []
    visited: set[Any] = set()
    stack: list[Any] = [root]
    push, pop, visit, emit = stack.append, stack.pop, visited.add, order.append
    while True:
        if not stack:
            return order
        v = pop()
        if v is _DONE:
            emit(pop())
        elif v not in visited:
            visit(v)
            push(v)
            push(_DONE)
            for p in pushed(v):
                if p not in visited:
                    push(p)


_DONE = object()  # on the stack: the node below it has had all its parents emitted
