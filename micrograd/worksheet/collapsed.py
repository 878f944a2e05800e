"""A worksheet on a collapsed picture: the numbers a learner works out at the level drawn.

``worksheet(root, collapse=...)`` draws the graph as :func:`micrograd.draw` does with ``collapse=``
(each scope one box, :mod:`micrograd.drawing.collapse`). A box is a black box at that level:
the learner cannot see inside it, so what it computes is given, both ways, as a gate's rule
would be: the values that leave it, and the gradients it sends back along the wires that enter
it (each the sum over its uses inside, the scope's own backward pass). What is asked is what the
gates drawn as themselves make of those numbers, as on any circuit:

- a value computed by a gate drawn as itself, from its inputs' values (``blank="values"``);
- the gradient of each value on a wire: of a node drawn as itself, and of a value that leaves a
  box into a gate (``df/dq · ∂q/∂v`` at that gate);
- where a value goes to several places, each gate's share and their sum, the boxes' shares given.

A value whose only gradient comes back through one box is given (it is what the box sends). A
wire of many values (``16 values``, ``||grad||``) has no single number to ask.
"""

from __future__ import annotations

from typing import Any

from ..core import reading_order
from .boxes import Given, Step
from .model import _Plan

__all__ = ["CollapsedPlan"]


class CollapsedPlan(_Plan):
    """The numbers of a collapsed picture (``collapsed``: its :class:`~micrograd.drawing.collapse.Collapsed`)
    a worksheet may leave out, and how each is made."""

    def __init__(self, root: Any, order: list[Any], names: dict[Any, str], precision: int, hidden: Any, collapsed: Any):
        super().__init__(root, order, names, precision, hidden)
        self.collapsed = collapsed
        self.drawn = {id(v) for v in collapsed.open}  # nodes drawn as themselves
        self.parts: dict[int, list[Any]] = {}  # id(value) -> the wires (bundles) it leaves its element along
        for bundle in collapsed.bundles:
            for v in bundle.values:
                self.parts.setdefault(id(v), []).append(bundle)

    # -- which numbers

    def values(self) -> list[tuple[Any, ...]]:
        """The values the gates drawn as themselves compute, in the order the expression reads."""
        return [
            ("value", v) for v in reading_order(self.root) if v.parents and v not in self.hidden and id(v) in self.drawn
        ]

    def grads(self) -> list[tuple[Any, ...]]:
        """The gradients on the picture's wires a learner can work out, the output's side first: a value's
        shares from the gates drawn as themselves and their sum where it goes to several places."""
        keys: list[tuple[Any, ...]] = []
        for v in reversed(self.order):
            if not self._has_grad(v):
                continue
            parts = self.parts[id(v)]
            if len(parts) > 1:
                keys += [("wire", bundle.head, bundle.index) for bundle in parts if self._into_gate(bundle)]
            keys.append(("grad", v))
        return keys

    def _has_grad(self, v: Any) -> bool:
        """Is ``v``'s gradient a number a learner works out here: drawn on its own wire (not in a wire of
        many values, nor summed with uses inside its own box), and made by a gate drawn as itself, or the
        sum of several shares."""
        if not super()._has_grad(v):
            return False
        parts = self.parts.get(id(v), [])
        if not parts or any(len(bundle.values) > 1 or self._unnumbered(bundle) for bundle in parts):
            return False
        if sum(1 for bundle in parts for u, _, _ in bundle.uses if u is v) != len(self.uses[v]):
            return False  # used inside its own box as well: the wires do not add up to its gradient
        return len(parts) > 1 or self._into_gate(parts[0])

    def _into_gate(self, bundle: Any) -> bool:
        return bundle.index is not None

    def _unnumbered(self, bundle: Any) -> bool:
        """A line without numbers: parameters into a box (light), a stub's line (zoomed in)."""
        tail = bundle.tail
        kind = getattr(tail, "kind", None)
        return kind == "from" or (kind == "parameters" and bundle.index is None)

    # -- how each number is made

    def _sum_step(self, v: Any, numbers: dict[tuple[Any, ...], int]) -> Step:
        """A value that goes to several places: the gradients coming back along its wires add up; what a box
        sends back is given (the sum over its uses inside), a gate's share is a box of its own."""
        inputs = []
        boxes = []
        for bundle in self.parts[id(v)]:
            if self._into_gate(bundle):
                c, i = bundle.head, bundle.index
                share = self._share_name(c, i)
                part = float(self._wire(c, i).contribution)
                inputs.append(Given(share, part, numbers.get(("wire", c, i)), self.tolerance(part)))
            else:
                sent = float(bundle.gradients(self._any_wire)[id(v)])
                boxes.append(bundle.head.path)
                name = f"{self._grad_name(v)} back through {bundle.head.path}"
                inputs.append(Given(name, sent, None, self.tolerance(sent)))
        n = len(inputs)
        given = f" ({', '.join(boxes)} sent back its share: given)" if boxes else ""
        how = (
            f"{self.names[v]} goes to {n} places: {self._grad_name(v)} is the sum of the {n} gradients coming "
            f"back to it{given}"
        )
        sign = "add the gradients of the uses as they are, each with its own sign"
        return Step("sum", tuple(inputs), how, sign)

    def _any_wire(self, c: Any, i: int) -> Any:
        return next((w for w in self.trace.out_of(c) if w.index == i), None)


def collapsed_plan(
    root: Any, order: list[Any], names: dict[Any, str], precision: int, hidden: Any, looks: dict[str, Any]
) -> _Plan:
    """The plan of a worksheet drawn collapsed (``looks``: ``collapse``, ``expand``, ``max_nodes``)."""
    from ..drawing.diagram import graph

    g = graph(root, looks.get("max_nodes", 1000), names, False, looks.get("collapse"), looks.get("expand"))
    return CollapsedPlan(root, order, names, precision, hidden, g.collapsed)
