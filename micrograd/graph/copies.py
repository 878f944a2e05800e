"""Copies and pickles of graphs of any depth: ancestors first, with a stack, never recursion.

:class:`GraphCopies` is a base of :class:`~micrograd.core.Node`: ``copy.copy``, ``copy.deepcopy``
and ``pickle`` of any node (a Value, a Tensor, a node class of the user's) go through it. A
node's fields are those its class lists in ``_state`` (``parents`` among them), or else its
slots and its parents. Shared nodes stay shared, and the copy backpropagates.

This module imports nothing of micrograd's but the topological order.
"""

from __future__ import annotations

import copy
import copyreg
import importlib
import operator
import threading
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from .order import topological_order

__all__ = ["GraphCopies"]


class GraphCopies:
    """How a node is copied and pickled, whatever the depth of the graph behind it (a base of ``Node``)."""

    __slots__ = ()

    parents: tuple[Any, ...]  # Node's surface, which these methods read
    _op: str
    _rules: ClassVar[Mapping[str, Any]]

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        """How ``pickle`` and ``copy.deepcopy`` take a node apart: its fields, after its ancestors.

        Written naively, a node writes its parents, which write theirs, and so on: one level
        of Python recursion per level of the graph, so a chain 1,000 deep overflows. Instead,
        the first node of a graph to be written lists all its ancestors first (parents before
        the nodes that use them), so every node's parents are already written when it is, and
        are referred to, not written again. Shared nodes stay shared; the copy backpropagates.
        """
        listed = _listed()
        if id(self) in listed:  # an ancestor in a list being written: its parents come before it
            listed.discard(id(self))
            ancestors: list[Any] = []
        else:
            listed.clear()  # anything left is from a copy that stopped half way
            ancestors = topological_order(self)[:-1] if self.parents else []
            listed.update(map(id, ancestors))
        rule = self._rules.get(self._op)
        state = (ancestors, _field_getter(type(self))(self), getattr(rule, "__module__", None))
        return _NEWOBJ, (type(self),), state

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        """A copy of the graph up to this node (nodes already copied under ``memo`` are reused).

        Parents are copied before the nodes that use them, with a stack, not recursion.
        """
        stack = [self]
        while stack:
            node = stack[-1]
            missing = [p for p in node.parents if id(p) not in memo]
            if missing:
                stack.extend(missing)  # copy them first, then come back to this node
                continue
            stack.pop()
            if id(node) not in memo:
                _copy_of(node, memo)
        return memo[id(self)]

    def __copy__(self) -> Any:
        """A new node with the same fields (the same parents: it joins the same graph)."""
        twin = object.__new__(type(self))
        for name in _fields(type(self)):
            setattr(twin, name, getattr(self, name))
        return twin

    def __setstate__(self, state: tuple[list[Any], tuple[Any, ...], str | None]) -> None:
        _, fields, rule_module = state
        for name, value in zip(_fields(type(self)), fields, strict=True):
            setattr(self, name, value)
        if rule_module and self._op not in self._rules:  # e.g. the neuron's Σwx+b, registered by micrograd.nn
            importlib.import_module(rule_module)


_listing = threading.local()  # .ids: the nodes a pickle or deepcopy in this thread is about to write


def _listed() -> set[int]:
    try:
        return _listing.ids
    except AttributeError:
        _listing.ids = set()
        return _listing.ids


_NEWOBJ = getattr(copyreg, "__newobj__")  # noqa: B009  (pickle's "a new object of this class", untyped)
_FIELDS: dict[type, tuple[str, ...]] = {}
_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    """The fields of a node class as a copy stores them: its ``_state`` (``parents`` among them)."""
    if cls not in _FIELDS:
        state = getattr(cls, "_state", ())
        if not state:  # a node class of someone else's: its slots, and the parents
            inner = {"_p0", "_p1", "_mark", "_hooks", "__weakref__"}
            slots = [s for c in reversed(cls.__mro__) for s in getattr(c, "__slots__", ()) if s not in inner]
            state = tuple(dict.fromkeys([*slots, "parents"]))
        _FIELDS[cls] = state
    return _FIELDS[cls]


def _copy_of(node: Any, memo: dict[int, Any]) -> Any:
    """A deep copy of one node whose parents are already copied (in ``memo``), entered in ``memo``."""
    twin = object.__new__(type(node))
    memo[id(node)] = twin  # before its fields: its .grad may be a graph that leads back to it (create_graph)
    for name in _fields(type(node)):
        value = getattr(node, name)
        setattr(twin, name, tuple(memo[id(p)] for p in value) if name == "parents" else copy.deepcopy(value, memo))
    return twin


def _field_getter(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    if cls not in _GETTERS:
        _GETTERS[cls] = operator.attrgetter(*_fields(cls))
    return _GETTERS[cls]
