"""How a picture is laid out, apart from what it shows: the rules :mod:`.picture` writes its DOT by.

Which gates point at their operands (``↑−↓``), where a wire attaches to its record, how hard an
edge pulls, how a value and a gradient beside a vertical wire are balanced, and how many nodes
Graphviz will lay out (long wires' virtual nodes included).
"""

from __future__ import annotations

from typing import Any

from .names import is_constant
from .parts import BLANK

__all__ = ["ordered_gate", "NEAR", "BIG_GRAPH"]

# The gates whose inputs cannot be swapped, written with arrows to their inputs: "↑−↓" is the upper
# input minus the lower one (left minus right, top to bottom), so the order need not be trusted.
ORDERED = {"-": "\u2212", "/": "\u00f7", "**": "^"}
ARROWS = {
    "LR": ("\u2191", "\u2193"),
    "RL": ("\u2191", "\u2193"),
    "TB": ("\u2190", "\u2192"),
    "BT": ("\u2190", "\u2192"),
}


def ordered_gate(c: Any, rankdir: str) -> str | None:
    """``↑−↓``, ``↑÷↓``, ``↑^↓`` (``←−→`` ... top to bottom) for a gate that does not commute, when both
    its inputs are drawn (a constant is written inside its gate, in its place: ``1−x``, ``x²``); else None."""
    glyph = ORDERED.get(c._op)
    if glyph is None or len(c.parents) != 2 or any(is_constant(p) for p in c.parents):
        return None
    first, second = ARROWS[rankdir]
    return f"{first}{glyph}{second}"


# Where a wire leaves its record and enters it (out, in): the two ends of its rule. Between a value
# and a gradient of one line each, the rule is the record's middle, where Graphviz attaches an edge
# to a side; else it is the lower (or right) edge of the value's field ``v``: its corners.
_SIDES = {"LR": ("e", "w"), "RL": ("w", "e"), "TB": ("s", "n"), "BT": ("n", "s")}
_CORNERS = {"LR": ("v:se", "v:sw"), "RL": ("v:sw", "v:se"), "TB": ("v:se", "v:ne"), "BT": ("v:ne", "v:se")}


# A wire's numbers sit next to the gate it enters, and a fork's stem next to the value it splits:
# these edges pull that much harder than the rest, so a long wire stretches between them.
NEAR = 8


# Helvetica's advance widths (em/1000) of what numbers are written with; other characters about 556.
_WIDTHS = {".": 278, ",": 278, "-": 333, " ": 278, "[": 278, "]": 278, "=": 584, "+": 584, "\u2212": 584}


def _em(text: str) -> float:
    return sum(_WIDTHS.get(c, 556) for c in text) / 1000


def _balanced(value: str, grad: str) -> tuple[str, str]:
    """A value and a gradient either side of a vertical wire, the narrower padded with figure spaces
    on its outer side to the other's width: the rule is then the record's middle, where the wires
    attach (:func:`micrograd.drawing.svg` drops the padding and sets both against the rule)."""
    if f"{BLANK}[" in grad or f"{BLANK}[" in value:  # a worksheet's box keeps its own room
        return value, grad
    pad = round((_em(grad) - _em(value)) / _em(BLANK))
    if pad > 0:
        return BLANK * pad + value, grad
    return value, grad + BLANK * -pad if grad else grad


# Beyond BIG_GRAPH laid-out nodes (virtual nodes of long wires included), dot's x-placement
# (network simplex, ~quadratic) gets at most about BIG_GRAPH × (its node count) / size
# iterations (nslimit): x+x+...+x (80 terms) 36 s -> 0.7 s; small pictures are untouched.
BIG_GRAPH = 200


def _layout_size(edges: list[tuple[str, str]], nodes: list[str]) -> int:
    """Nodes plus the ranks every edge crosses: about the number of nodes dot lays out.

    dot puts a virtual node on every rank a long edge passes, so one input feeding a long
    chain costs as much as a graph quadratically larger. Ranks by longest path (a node one
    past its deepest predecessor); a source just before its earliest successor, as dot does.
    """
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    succs: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        preds[b].append(a)
        succs[a].append(b)
    waiting = {n: len(preds[n]) for n in nodes}
    ready = [n for n in nodes if not waiting[n]]
    rank = dict.fromkeys(ready, 0)
    while ready:  # Kahn's algorithm: each node once all its predecessors are ranked
        n = ready.pop()
        for s in succs[n]:
            rank[s] = max(rank.get(s, 0), rank[n] + 1)
            waiting[s] -= 1
            if not waiting[s]:
                ready.append(s)
    for n in nodes:
        rank.setdefault(n, 0)  # on a cycle (a collapsed picture's boxes can make one): as a source
    for n in nodes:
        if not preds[n] and succs[n]:
            rank[n] = min(rank[s] for s in succs[n]) - 1
    return len(nodes) + sum(max(rank[b] - rank[a] - 1, 0) for a, b in edges)
