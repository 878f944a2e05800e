"""The graph a picture draws, bounded: refused at once beyond ``max_nodes`` (a refusal that suggests how to
draw less, naming the graph's scopes when it has some), else its nodes in reading order, and when
collapsing, what the collapsed picture draws (:mod:`.collapse`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core import Node, reading_order
from .collapse import collapse_graph, scope_hint
from .errors import GraphTooLarge
from .picture import Graph

__all__ = ["check_root", "count_nodes", "graph", "COLLAPSE_LIMIT"]

# A collapsed picture walks the whole graph (a GPT's step: ~60,000 nodes, 1 s); beyond this many it refuses
COLLAPSE_LIMIT = 2_000_000
HINT_WALK = 250_000  # a refusal walks on through this many nodes to name the graph's scopes (a GPT's step: 0.05 s)


def check_root(root: Any, what: str = "draw()") -> None:
    if not isinstance(root, Node):
        raise TypeError(
            f"{what} takes a graph node (a micrograd Value or Tensor), got {type(root).__name__}: {root!r:.60}"
        )


def count_nodes(root: Any, limit: int, collapsing: bool = False) -> int:
    """Number of nodes ``root`` depends on (itself included); GraphTooLarge as soon as it exceeds ``limit``.

    Stops at the first node past the limit, so a graph of millions of nodes is refused at once; the
    message suggests ``collapse=True`` when the nodes seen have scopes (``micrograd.scope`` if not).
    """
    seen = {root}
    stack = [root]
    while stack:
        for p in stack.pop().parents:
            if p not in seen:
                seen.add(p)
                if len(seen) > limit and collapsing:
                    raise GraphTooLarge(
                        f"the graph has more than {limit:,} nodes: too many to collapse quickly. "
                        f"Draw a subexpression instead (draw(some_inner_node))."
                    )
                if len(seen) > limit:
                    stack.append(p)
                    _walk_on(stack, seen, HINT_WALK)  # the scopes the hint names: of the whole graph, in order
                    raise GraphTooLarge(
                        f"the graph has more than max_nodes={limit} nodes: too many to draw readably or quickly. "
                        f"Draw a subexpression instead (draw(some_inner_node)), {scope_hint(seen)}, or raise the "
                        f"limit (draw(root, max_nodes=N) with N at least the number of nodes)."
                    )
                stack.append(p)
    return len(seen)


def _walk_on(stack: list[Any], seen: set[Any], cap: int) -> None:
    """Go on with a walk over the graph (``seen``, ``stack``) until it is done or has seen ``cap`` nodes."""
    while stack and len(seen) < cap:
        for p in stack.pop().parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)


def graph(
    root: Any,
    max_nodes: int,
    names: Mapping[Any, str] | None = None,
    identities: bool = False,
    collapse: Any = None,
    expand: Any = None,
    within: str | None = None,
) -> Graph:
    """The nodes of a picture of ``root``; GraphTooLarge (a ValueError) at once beyond ``max_nodes``.

    ``identities``: draw the identity gates (``+0``, ``×1``, ``x¹``) too; by default they are left out.
    ``collapse``, ``expand``: drawn collapsed (:mod:`.collapse`): ``max_nodes`` counts the boxes and
    nodes drawn, after one pass over the whole graph.
    """
    collapsing = (collapse is not None and collapse is not False) or within is not None
    count_nodes(root, COLLAPSE_LIMIT if collapsing else max_nodes, collapsing)
    order = reading_order(root)  # nodes laid out as the expression reads
    g = Graph(root, order, dict(names) if names else None, identities=bool(identities))
    if collapsing:
        g.collapsed = collapse_graph(g, collapse or None, expand, within)
        drawn = g.collapsed.drawn
        if drawn > max_nodes:
            raise GraphTooLarge(
                f"collapsed, the graph of {len(order):,} nodes still draws {drawn:,} boxes and nodes, more than "
                f"max_nodes={max_nodes}: collapse more (collapse=True, or a smaller depth; fewer expand=), "
                f"draw a subexpression, or raise max_nodes."
            )
    return g
