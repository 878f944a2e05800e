"""The classic backward-pass bugs, computed beside the correct pass: the gradients a buggy engine gives.

Four mistakes account for most questions about the tutorial engine (:data:`MISTAKES`):

- ``"set-not-accumulate"``: ``grad = ...`` instead of ``grad += ...``; wrong at every fork;
- ``"no-topological-order"``: a recursive walk from the output, applying each node's rule at
  its first visit, before all the nodes that use it have sent their share;
- ``"second-backward"``: ``backward()`` twice without ``zero_grad()``: leaves count twice;
- ``"forgot-zero-grad"``: two training steps without ``zero_grad()`` between them: step 2's
  gradients are added to step 1's.

:func:`compare` runs the correct pass (:func:`micrograd.backward_trace`) and the buggy one on
the same graph. A buggy pass applies the engine's own rules (``Value._rules``) in the wrong way,
summing into a dict of its own: no ``.grad`` (and no ``.data``) of any node is written. The
result is a :class:`BuggyTrace`, which pictures read as they read a correct one;
:func:`micrograd.compare_backward` draws the two side by side.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .core import BackwardTrace, Node, Wire, backward_trace, interior_order, topological_order
from .engine import Value, as_float

__all__ = [
    "MISTAKES",
    "Mistake",
    "Example",
    "Passes",
    "BuggyTrace",
    "CarriedWire",
    "compare",
    "mistake_named",
    "recursive_order",
]


# ---------------------------------------------------------------- the smallest examples


@dataclass(frozen=True)
class Example:
    """What to compare: ``f`` a graph's output (a Value), or a function building it from ``params``;
    ``lr`` the learning rate of a training step (``"forgot-zero-grad"``)."""

    f: Value | Callable[..., Value]
    params: tuple[float, ...] = ()
    lr: float = 0.1


def _labelled(v: Value, label: str) -> Value:
    v.label = label
    return v


def _fork() -> Example:
    """b = a + a at a = 3: db/da = 1 + 1 = 2; overwriting keeps one 1."""
    a = Value(3.0, label="a")
    return Example(_labelled(a + a, "b"))


def _used_twice_inside() -> Example:
    """f = y + y·3 with y = x·2 at x = 3: df/dy = 1 + 3 = 4, df/dx = 4·2 = 8; the recursive walk gives x 1·2 = 2."""
    x = Value(3.0, label="x")
    y = _labelled(x * 2, "y")
    return Example(_labelled(y + y * 3, "f"))


def _product() -> Example:
    """f = a·b at a = 2, b = -3: df/da = b = -3, df/db = a = 2; a second backward() doubles both."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    return Example(_labelled(a * b, "f"))


def _line_fit_loss(w: Value, b: Value) -> Value:
    """L = (2w + b - 1)²: a line through one point, x = 2, y = 1."""
    return _labelled((w * 2 + b - 1) ** 2, "L")


def _training_step() -> Example:
    """L = (2w + b - 1)² from w = 1, b = 0, lr = 0.125: step 1's gradients (4, 2) take w, b to 0.5, -0.25,
    past the minimum; step 2's are (-1, -0.5), but without zero_grad (3, 1.5)."""
    return Example(_line_fit_loss, (1.0, 0.0), lr=0.125)


# ---------------------------------------------------------------- the mistakes


@dataclass(frozen=True)
class Mistake:
    """One classic bug: its ``name``, what the buggy pass does (``title``) and the correct one does
    (``fix``), a one-paragraph ``explanation`` and the smallest graph that shows it (``example()``).
    ``training``: it needs a training step (``f`` a function of the parameters), not just a graph."""

    name: str
    title: str
    fix: str
    explanation: str
    example: Callable[[], Example]
    training: bool = False


MISTAKES: Mapping[str, Mistake] = {
    m.name: m
    for m in (
        Mistake(
            "set-not-accumulate",
            "grad = contribution",
            "grad += contribution",
            "The backward pass stores each contribution with `grad = contribution` instead of adding it "
            "with `grad += contribution`. Where a value is used once nothing changes, which is why the bug "
            "hides. Where a value is used more than once (a fork), each use's contribution overwrites the one "
            "before and "
            "the value keeps only the last. The chain rule sums over every path from a value to the output: "
            "at a fork, gradients add. The smallest case: in `b = a + a` both wires bring back 1, so "
            "db/da = 1 + 1 = 2, but with `=` it is 1.",
            _fork,
        ),
        Mistake(
            "no-topological-order",
            "a recursive walk from the output",
            "in reverse topological order",
            "The backward pass visits the nodes in the wrong order: here a recursive walk from the output, "
            "which runs each node's `_backward()` the first time it reaches it. A node used twice then "
            "passes its gradient on before its second user has added its share, and "
            "everything below it gets too little. Reverse topological order makes every node wait until all "
            "the nodes that use it are done. The smallest case: in `f = y + y*3` with `y = x*2`, the walk "
            "comes to y straight from the add gate, holding 1 of its 1 + 3 = 4, and gives x 1 × 2 = 2 "
            "instead of 4 × 2 = 8. (Without a set of visited nodes the walk runs a node once per path "
            "instead, passing its gradient on again each time.)",
            _used_twice_inside,
        ),
        Mistake(
            "second-backward",
            "backward() twice, no zero_grad()",
            "backward() once",
            "`backward()` adds into `.grad` (it must: gradients add at a fork), so a leaf keeps whatever its "
            "gradient was before. Calling `backward()` a second time on the same graph without `zero_grad()` "
            "adds the same gradients again: every leaf's gradient doubles, while the nodes in between, "
            "recomputed on every call, look right. (PyTorch frees what the graph saved for backward after the "
            "first call, so a second call on `f = a*b` raises `RuntimeError: Trying to backward through the "
            "graph a second time` unless the first was given `retain_graph=True`; with it, it adds the same "
            "way.) Handy to sum the gradients of "
            "several losses, a bug when not meant. (In the tutorial's own engine the nodes in between keep "
            "theirs too, so a deeper graph gets more than double.) The smallest case: in `f = a*b`, "
            "df/da = b = -3 after one call, -6 after two.",
            _product,
        ),
        Mistake(
            "forgot-zero-grad",
            "step 2 without zero_grad()",
            "zero_grad() before step 2",
            "A training loop without `zero_grad()` (or `p.grad = 0` for every parameter) starts each step's "
            "backward pass with the previous step's gradients still in `.grad`: step 2 gets g1 + g2, step 3 "
            "g1 + g2 + g3, and so on. The update then follows the sum of all the gradients so far, not the "
            "gradient of the current loss, and the loss oscillates or blows up instead of going down. The "
            "smallest case: one step of gradient descent (lr = 0.125) on L = (2w + b - 1)² takes w and b "
            "from 1 and 0 past the minimum, to 0.5 and -0.25. At step 2 the correct gradients, -1 and -0.5, "
            "say turn back; with step 1's 4 and 2 still added they are 3 and 1.5: keep going.",
            _training_step,
            training=True,
        ),
    )
}


def mistake_named(name: object) -> Mistake:
    """The mistake called ``name``; a ValueError listing the mistakes otherwise."""
    found = MISTAKES.get(name) if isinstance(name, str) else None
    if found is None:
        raise ValueError(f"mistake must be one of {', '.join(map(repr, MISTAKES))}, got {name!r}")
    return found


# ---------------------------------------------------------------- a trace with a buggy engine's numbers


class BuggyTrace(BackwardTrace):
    """A backward pass as a buggy engine runs it: ``grads`` and ``wires`` as it computed them.

    Offers what pictures read of a :class:`~micrograd.core.BackwardTrace` (``grads``, ``wires``,
    ``grad()``, ``into()``, ``out_of()``). ``overwritten``: each node's gradient is the last
    contribution written to it (``grad =``), so ``into(node)`` is that last wire alone.
    """

    def __init__(self, root: Any, grads: dict[Any, Any], wires: list[Wire], *, overwritten: bool = False) -> None:
        self.root, self.seed = root, grads[root]
        self.grads, self.wires = grads, wires
        self.overwritten = overwritten
        self._into: dict[Any, list[Wire]] | None = None
        self._out_of: dict[Any, list[Wire]] | None = None

    def _index(self) -> None:
        super()._index()
        if self.overwritten and self._into is not None:
            self._into = {node: wires[-1:] for node, wires in self._into.items()}

    def __repr__(self) -> str:
        return f"<BuggyTrace: {len(self.wires)} wires, {len(self.grads)} gradients>"


@dataclass(eq=False, slots=True)
class CarriedWire(Wire):
    """A wire into a leaf that was not zeroed: ``contribution`` is all it has brought, before and now.

    That is no longer upstream × local, so it tells no ``local`` (pictures then write no ``= u × l``).
    """

    @property
    def local(self) -> Any:
        return None


def _contributions(node: Value, upstream: float) -> list[tuple[int, Value, float]]:
    """The engine's rule at ``node``: ``(index, parent, upstream × ∂node/∂parent)`` per parent needing a gradient."""
    rule = node._rules.get(node._op)
    if rule is None:
        return []
    pairs = zip(node.parents, rule(node, upstream), strict=True)
    return [(i, parent, c) for i, (parent, c) in enumerate(pairs) if parent.requires_grad]


def _walk(root: Value, order: Iterable[Value], *, add: bool) -> BuggyTrace:
    """Apply the rules at ``order``'s nodes in turn, each with the gradient it holds then (seed 1 at
    ``root``); ``add``: contributions are summed (``+=``), else each overwrites the last (``=``)."""
    grads: dict[Any, Any] = {root: 1.0}
    wires: list[Wire] = []
    for node in order:
        upstream = grads.get(node)
        if upstream is None:
            continue
        for index, parent, contribution in _contributions(node, upstream):
            total = grads.get(parent)
            grads[parent] = total + contribution if add and total is not None else contribution
            wires.append(Wire(node, index, parent, upstream, contribution))
    return BuggyTrace(root, grads, wires, overwritten=not add)


def recursive_order(root: Value) -> list[Value]:
    """The nodes a recursive walk from ``root`` runs ``_backward()`` at, in its order (leaves have none)::

        def walk(v):
            if v not in visited:
                visited.add(v)
                v._backward()
                for parent in v._prev:
                    walk(parent)

    Each node at its first visit: pre-order, parents in argument order (iterative here: any depth).
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack = [root]
    while stack:
        v = stack.pop()
        if v in visited or not v.parents:
            continue
        visited.add(v)
        order.append(v)
        stack.extend(reversed(v.parents))  # the first parent on top: walked first
    return order


def _carried(
    before: BackwardTrace, after: BackwardTrace, counterpart: Mapping[Any, Any], kept: Collection[Any]
) -> BuggyTrace:
    """``after``'s pass into leaves that were not zeroed: each leaf of ``kept`` also holds what ``before``
    gave its ``counterpart`` (the same node, or the node in the same place of the step before)."""
    earlier = {(id(w.node), w.index): w.contribution for w in before.wires}
    wires: list[Wire] = []
    for w in after.wires:
        if w.parent in kept:
            old = earlier.get((id(counterpart[w.node]), w.index), 0.0)
            w = CarriedWire(w.node, w.index, w.parent, w.upstream, old + w.contribution)
        wires.append(w)
    grads = dict(after.grads)
    for leaf in kept:
        if leaf in grads:
            grads[leaf] = before.grads.get(counterpart[leaf], 0.0) + grads[leaf]
    return BuggyTrace(after.root, grads, wires)


def set_not_accumulate(root: Value) -> BuggyTrace:
    """Reverse topological order, as it should be, but ``grad =``: a fork keeps its last contribution."""
    return _walk(root, reversed(interior_order(root)), add=False)


def no_topological_order(root: Value) -> BuggyTrace:
    """``grad +=``, as it should be, but in the order of a recursive walk (:func:`recursive_order`)."""
    return _walk(root, recursive_order(root), add=True)


def second_backward(root: Value) -> BuggyTrace:
    """Two passes over the same graph, as ``backward()`` runs them: interior gradients recomputed, leaves summed."""
    once = backward_trace(root)
    leaves = [v for v in topological_order(root) if v.is_leaf and v.requires_grad]
    return _carried(once, once, {v: v for v in topological_order(root)}, leaves)


_ONE_GRAPH: dict[str, Callable[[Value], BuggyTrace]] = {
    "set-not-accumulate": set_not_accumulate,
    "no-topological-order": no_topological_order,
    "second-backward": second_backward,
}


# ---------------------------------------------------------------- both passes


@dataclass(frozen=True)
class Passes:
    """The correct backward pass over ``root``'s graph and the one with ``mistake``; ``params``: the leaves
    made for a function's parameters (of the graph shown: step 2's for ``"forgot-zero-grad"``)."""

    mistake: Mistake
    root: Value
    correct: BackwardTrace
    buggy: BuggyTrace
    params: tuple[Value, ...] = ()

    @cached_property
    def differing(self) -> frozenset[Any]:
        """Whatever's gradient differs: nodes, and ``(consumer, index)`` for each wire whose contribution does."""
        nodes = {v for v in self.correct.grads.keys() | self.buggy.grads.keys() if _differ(v, self)}
        right = {(w.node, w.index): w.contribution for w in self.correct.wires}
        wrong = {(w.node, w.index): w.contribution for w in self.buggy.wires}
        wires = {key for key in right.keys() | wrong.keys() if not _same(right.get(key), wrong.get(key))}
        return frozenset(nodes | wires)


def _differ(v: Any, passes: Passes) -> bool:
    return not _same(passes.correct.grads.get(v), passes.buggy.grads.get(v))


def _same(a: Any, b: Any) -> bool:
    """Equal gradients: the same number (nan and nan alike), or both missing."""
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def compare(mistake: str, f: Value | Callable[..., Value], params: Sequence[Any] = (), lr: float = 0.1) -> Passes:
    """The correct backward pass and the one with ``mistake``, over the graph ``f`` (see
    :func:`micrograd.compare_backward`); no ``.grad`` or ``.data`` of any node is written.

    ``f``: a Value, or a function of ``params`` (numbers or Values, read only) that builds one;
    ``"forgot-zero-grad"`` needs the function: it takes one step of gradient descent at rate ``lr``
    from ``params``, and compares the gradients of step 2.
    """
    m = mistake_named(mistake)
    if m.training:
        return _two_steps(m, f, params, _learning_rate(lr))
    root, leaves = _build(f, params)
    return Passes(m, root, backward_trace(root), _ONE_GRAPH[m.name](root), leaves)


def _two_steps(m: Mistake, f: Any, params: Sequence[Any], lr: float) -> Passes:
    """Step 1 from ``params``, one gradient-descent update, then step 2's gradients, zeroed and not."""
    if isinstance(f, Node) or not callable(f) or not params:
        raise TypeError(
            f"{m.name!r} needs a training step: give the loss as a function of the parameters and their "
            f"values, compare_backward(loss, {m.name!r}, params=[1.0, 0.0]), got f={f!r:.60} and params={params!r:.60}"
        )
    loss1, step1 = _build(f, params)
    first = backward_trace(loss1)
    moved = [p.data - lr * first.grads.get(p, 0.0) for p in step1]
    loss2, step2 = _build(f, [Value(x, label=p.label) for x, p in zip(moved, step1, strict=True)])
    counterpart = _same_shape(loss2, loss1)
    if any(counterpart.get(p2, p1) is not p1 for p1, p2 in zip(step1, step2, strict=True)):
        raise ValueError(f"{m.name!r}: the loss function used its parameters in another order at step 2")
    second = backward_trace(loss2)
    return Passes(m, loss2, second, _carried(first, second, counterpart, step2), step2)


def _same_shape(after: Value, before: Value) -> dict[Any, Any]:
    """Each node of ``after``'s graph -> the node in its place in ``before``'s; a ValueError if the graphs differ."""
    new, old = topological_order(after), topological_order(before)
    where_new = {v: k for k, v in enumerate(new)}
    where_old = {v: k for k, v in enumerate(old)}
    same = len(new) == len(old) and all(
        u.op == v.op
        and u.requires_grad == v.requires_grad
        and [where_new[p] for p in u.parents] == [where_old[p] for p in v.parents]
        for u, v in zip(new, old, strict=False)
    )
    if not same:
        raise ValueError(
            "the loss function built another graph at step 2 than at step 1 (a branch on a value?): "
            "'forgot-zero-grad' compares the same graph at both steps"
        )
    return dict(zip(new, old, strict=True))


def _build(f: Any, params: Sequence[Any]) -> tuple[Value, tuple[Value, ...]]:
    """The graph to compare: ``f`` itself, or ``f`` called on new leaves made from ``params``; checked."""
    leaves: tuple[Value, ...] = ()
    if isinstance(f, Node):
        if len(params):
            raise TypeError("params are the arguments of a function f; f is already a graph (a Value)")
        root = f
    elif callable(f):
        leaves = _leaves(f, params)
        root = f(*leaves)
    else:
        raise TypeError(f"compare_backward() takes a Value or a function that builds one, got {type(f).__name__}")
    if not isinstance(root, Value):
        what = "a Tensor: compare_backward is for the scalar engine" if isinstance(root, Node) else repr(root)[:60]
        raise TypeError(f"compare_backward() needs a Value (a graph's output), got {what}")
    if not root.requires_grad or root.is_leaf:
        raise ValueError(f"compare_backward() needs a graph that gradients flow back through, got a leaf: {root!r:.60}")
    return root, leaves


def _leaves(f: Callable[..., Any], params: Sequence[Any]) -> tuple[Value, ...]:
    """New leaves with ``params``' values (a Value's data is read, never changed), named as the
    Value is labelled, else as ``f``'s parameter."""
    if isinstance(params, (str, bytes)) or not isinstance(params, Sequence):
        raise TypeError(f"params must be a list of numbers or Values, got {params!r:.60}")
    names = _parameter_names(f, len(params))
    return tuple(
        Value(p.data if isinstance(p, Value) else as_float(p, "params"), label=(getattr(p, "label", "") or name))
        for p, name in zip(params, names, strict=True)
    )


def _parameter_names(f: Callable[..., Any], count: int) -> list[str]:
    """The names of ``f``'s first ``count`` positional parameters ("" where it has none to tell)."""
    try:
        found = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        found = []  # a builtin without a signature
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in found if p.kind in kinds][:count]
    return names + [""] * (count - len(names))


def _learning_rate(lr: object) -> float:
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    return float(lr)
