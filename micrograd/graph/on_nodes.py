"""A rule applied to nodes instead of numbers: how ``backward(create_graph=True)`` builds gradients as graphs.

A rule reads its inputs as ``out.parents[i].data`` (or the parent slots' ``_data``); handed a
node seen through :class:`_AsNumbers`, those are the nodes themselves, so the rule's own
arithmetic builds a graph. :meth:`micrograd.core.Rules.on_nodes` wraps every rule so.
Imports only the standard library.
"""

from __future__ import annotations

from typing import Any

from .order import _MANY

Rule = Any  # rule(node, upstream) -> contribution per parent (micrograd.core.Rule)


class _AsNumbers:
    """A node as a rule sees it in ``create_graph`` mode: its ``data`` (and its parents') are nodes."""

    __slots__ = ("node",)

    def __init__(self, node: Any) -> None:
        self.node = node

    @property
    def data(self) -> Any:
        return self.node

    _data = data  # the engine's own rules read the slot behind Value.data

    @property
    def parents(self) -> tuple[_AsNumbers, ...]:
        return tuple(_AsNumbers(p) for p in self.node.parents)

    @property
    def _p0(self) -> Any:  # the parent slots, as a rule reads them
        first = self.node._p0
        if type(first) is tuple:
            return tuple(_AsNumbers(p) for p in first)
        return None if first is None else _AsNumbers(first)

    @property
    def _p1(self) -> Any:
        second = self.node._p1
        return second if second is None or second is _MANY else _AsNumbers(second)

    def __getattr__(self, name: str) -> Any:  # requires_grad, _args, ...: the node's own
        return getattr(self.node, name)


def _rule_on_nodes(rule: Rule) -> Rule:
    def on_nodes(node: Any, upstream: Any) -> tuple:
        return rule(_AsNumbers(node), upstream)

    return on_nodes
