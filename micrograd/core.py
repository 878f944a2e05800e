"""The graph core: what every node offers, the order of a backward pass, and the chain rule, applied once.

Every node, a scalar :class:`~micrograd.engine.Value` or an array
:class:`~micrograd.tensor.Tensor`, offers the same surface (:class:`Node`): ``data``,
``grad``, ``parents`` (in argument order, repeated where an input is used twice), ``op``
(the op's name), ``label`` and ``requires_grad``. Each engine keeps a *derivatives table*
(:class:`Rules`): for every op name, the rule that turns the gradient arriving at a node
(``upstream``) into what flows back to each of its parents::

    rule(node, upstream) -> (contribution for each parent)     # contribution = upstream × ∂node/∂parent

The chain rule is applied in exactly one place, :func:`chain_rule`: in reverse topological
order, every wire adds its contribution to its parent's gradient. :func:`backward` is that
walk writing into ``.grad``; :class:`BackwardTrace` is the same walk writing into gradients
of its own and recording every wire, which is what the pictures, ``explain`` and the step
player read. So nothing that only looks at a graph ever changes a ``.grad``.

The orders of the walks are in :mod:`micrograd.graph.order`, copies and pickles of graphs in
:mod:`micrograd.graph.copies`, ``no_grad`` in :mod:`micrograd.graph.grad_mode`; this module re-exports
what they offer (``topological_order``, ``no_grad``, ...).
It imports nothing else but the standard library: ``import micrograd.engine`` stays fast.
"""

from __future__ import annotations

import contextlib
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from .graph.accumulate import _into_dict, _into_grads
from .graph.copies import GraphCopies
from .graph.grad_mode import is_grad_enabled, no_grad
from .graph.grad_mode import recording as recording  # what the engines ask on every op
from .graph.hooks import HookHandle, _hold_hooked_leaves, _hooked, _release, apply_hooks, hooks_exist
from .graph.on_nodes import _rule_on_nodes
from .graph.order import _MANY, _depth_first, backward_order, interior_order, reading_order, topological_order
from .graph.order import _marking as _marking  # the lock of the marking walk (the tests hold it)

__all__ = [
    "Node",
    "Rules",
    "Wire",
    "BackwardTrace",
    "HookHandle",
    "apply_hooks",
    "backward",
    "backward_trace",
    "chain_rule",
    "interior_order",
    "is_grad_enabled",
    "local_grads",
    "no_grad",
    "reading_order",
    "topological_order",
]

Rule = Callable[[Any, Any], Sequence[Any]]  # rule(node, upstream) -> contribution per parent (None: not needed)
# An op as Python code: (forward, contribution for each parent), templates in the inputs {a} {b} (or {x} {y},
# or {0} {1} ...), the output {out} and the upstream gradient {up}; or, for an op of any number of inputs,
# a function of that number giving them. What micrograd.staged writes.
Code = tuple[str, ...] | Callable[[int], tuple[str, ...]]

# ---------------------------------------------------------------- the node surface


class Node(GraphCopies):
    """What every graph node offers; :class:`~micrograd.engine.Value` and
    :class:`~micrograd.tensor.Tensor` are nodes.

    Attributes (slots of the subclasses):

    - ``data``: the value computed by the forward pass;
    - ``grad``: the gradient a backward pass left here (``0.0`` / ``None`` before any);
    - ``parents``: the inputs of the op that made this node, in argument order (an input
      used twice appears twice); empty for a leaf;
    - ``_op``: the name of that op (``""`` for a leaf), which is also its key in the
      engine's derivatives table; ``op`` is the name as pictures show it;
    - ``label``: a name given by the user (``""`` if none);
    - ``requires_grad``: whether a backward pass computes a gradient for this node. Leaves
      the user makes need one; numbers and arrays that ops wrap (constants) don't; an op's
      output needs one when any parent does.

    ``_prev`` and ``_op`` are the tutorial micrograd's names.

    ``parents`` reads (and is set) as a tuple, but a node keeps its parents in two slots
    of its own, ``_p0`` and ``_p1``: the first and second parent, or None (more than two are
    kept as a tuple in ``_p0``, with ``_MANY`` in ``_p1``). A tuple per node would be a second
    object for Python's cyclic garbage collector to walk again and again while a graph grows
    (every op's output stays alive until the graph is dropped). The walks and the chain rule
    read the slots; everything else reads ``parents``. ``_mark`` is where the topological
    sort notes that it has been at a node (:func:`micrograd.graph.order._depth_first`).

    Copies and pickles of a graph of any depth: :class:`~micrograd.graph.copies.GraphCopies`.
    """

    __slots__ = ("_p0", "_p1", "_mark", "_hooks")  # _hooks: unset until register_hook (nothing written per op)

    data: Any
    grad: Any
    _op: str
    label: str
    requires_grad: bool
    _p0: Any
    _p1: Any
    _mark: Any
    _hooks: list[Any]

    _state: ClassVar[tuple[str, ...]] = ()  # the fields a copy or a pickle stores, ``parents`` among them

    _rules: ClassVar[Rules]  # the engine's derivatives table
    _no_grad_yet: ClassVar[Any] = None  # what ``grad`` holds before a gradient arrives
    _unit: ClassVar[Any] = None  # the upstream gradient 1, for local gradients (None: not scalars)

    @property
    def parents(self) -> tuple[Any, ...]:
        """The inputs of the op that made this node, in argument order (empty for a leaf)."""
        first = self._p0
        if first is None:
            return ()
        second = self._p1
        if second is None:
            return (first,)
        return first if second is _MANY else (first, second)

    @parents.setter
    def parents(self, parents: Iterable[Any]) -> None:
        parents = tuple(parents)
        n = len(parents)
        self._p0 = parents if n > 2 else parents[0] if n else None
        self._p1 = _MANY if n > 2 else parents[1] if n == 2 else None
        self._mark = None

    @property
    def scope(self) -> str | None:
        """The path of the scopes an op made this node in (``"layer0/attn/softmax"``), or None: ``micrograd.scope``."""
        return getattr(self, "_scope", None)

    @scope.setter
    def scope(self, path: str | None) -> None:
        if path is not None and (not isinstance(path, str) or not path or "" in path.split("/")):
            raise ValueError(f"a node's scope is None or a path of names ('layer0/attn'), got {path!r:.60}")
        self._scope = path  # type: ignore[misc]  # a slot of the engines' classes

    @property
    def op(self) -> str:
        """The name of the op that made this node (``""`` for a leaf)."""
        return self._op

    @property
    def _prev(self) -> tuple[Any, ...]:
        """The parents (the tutorial micrograd's name)."""
        return self.parents

    @property
    def is_leaf(self) -> bool:
        """True for a node no op made (or one made under :class:`no_grad`): it has no parents."""
        return not self.parents

    def backward(self, seed: Any = None) -> None:
        """Backpropagate from this node (each engine says how it seeds)."""
        raise NotImplementedError

    # -- PyTorch's habits: the flag, a copy without the graph, hooks

    def requires_grad_(self, requires_grad: bool = True) -> Any:
        """Set ``requires_grad`` in place and return the node, as ``torch.Tensor.requires_grad_``.

        Only a leaf's flag can change: an op's output needs a gradient because its inputs do
        (to stop the gradient there, use :meth:`detach`).
        """
        if type(requires_grad) is not bool:
            raise TypeError(f"requires_grad_() takes a bool, got {type(requires_grad).__name__}: {requires_grad!r:.60}")
        if self.parents and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables (this node is an op's output); "
                "for a copy that needs no gradient, use node.detach()"
            )
        self.requires_grad = requires_grad  # type: ignore[misc]  # a slot of the engines' classes
        return self

    def detach(self) -> Any:
        """A new leaf with the same ``data`` that needs no gradient: the graph, and the gradient, stop here."""
        return type(self)(self.data, requires_grad=False)  # type: ignore[call-arg]

    def retain_grad(self) -> None:
        """Nothing to do: every node's ``grad`` is kept after ``backward()``, interior ones too.

        (PyTorch frees an interior tensor's gradient unless asked to retain it; here the
        pictures and ``explain`` read every gradient, so all are kept.)
        """

    def register_hook(self, hook: Callable[[Any], Any]) -> HookHandle:
        """Call ``hook(gradient)`` during every ``backward()`` with the gradient arriving at this node.

        As PyTorch's tensor hooks: ``hook`` gets this node's gradient once it is complete (all
        uses summed), before it flows on to the parents; for a leaf, this pass's gradient,
        before it is added to ``.grad``. If ``hook`` returns something other than None, that
        is used instead (and stored in ``.grad``). Returns a handle: ``handle.remove()``.

        Hooks belong to ``backward()``: the pictures, ``explain`` and :class:`BackwardTrace`
        show the chain rule as the rules give it, without them.
        """
        if not callable(hook):
            raise TypeError(f"register_hook() takes a function of the gradient, got {type(hook).__name__}")
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a node that doesn't require gradient")
        hooks = getattr(self, "_hooks", None)
        if hooks is None:
            hooks = self._hooks = []
        hooks.append(hook)
        return HookHandle(hooks, hook)

    def _backward(self) -> None:
        """Apply the chain rule at this one node, as the tutorial's ``_backward`` closure does.

        Adds each parent's contribution (``self.grad`` × ∂self/∂parent) to the parent's
        ``grad``. Calling it node by node in reverse topological order, after setting the
        output's ``grad`` to 1, is what :meth:`backward` does in one call.
        """
        _into_grads((self,) if self.parents else (), self._rules)

    def _quiet(self) -> contextlib.AbstractContextManager[Any]:
        """The numeric setting of a backward pass (the tensor engine silences numpy's warnings)."""
        return contextlib.nullcontext()

    def _hook_result(self, result: Any, grad: Any) -> Any:
        """What a hook returned, as a gradient of this node (``grad`` is what it was given)."""
        return result

    def _check_seed(self, seed: Any) -> Any:
        """``seed`` as the engine's gradient type, or the unit seed when it is None."""
        raise NotImplementedError


class Rules(dict[str, Rule]):
    """An engine's derivatives table: op name -> rule(node, upstream) -> contribution per parent.

    ``@table.rule("*", local=("{b}", "{a}"))`` under an op's method registers the function it
    decorates, and ``local`` says the same derivative in writing, ∂out/∂parent for each parent
    in terms of the inputs ``{a}``, ``{b}`` (or ``{x}``, ``{y}``) and the output ``{out}``
    (what worksheets' hints and texts show; for an op of any number of inputs, a function of that
    number giving them, as ``code`` may be). ``code`` says the op and its rule as Python
    (:data:`Code`): ``("{a} * {b}", "{up} * {b}", "{up} * {a}")``, the output and then each
    parent's contribution, for :func:`micrograd.staged`; the tests hold it to the same bits
    as the op and its rule. ``number=(k, code)`` is the op's code where input ``k`` is a number
    (a constant), for an op that PyTorch computes otherwise then (``t ** 0.5`` is ``sqrt(t)``).
    A rule returns one contribution per parent, in the order of ``parents``; it may return None
    for a parent that does not require a gradient.
    """

    def __init__(self) -> None:
        super().__init__()
        self.written: dict[str, Code] = {}  # op name -> ∂out/∂parent as text, per parent (n-ary: per number of parents)
        self.code: dict[str, Code] = {}  # op name -> the op and its rule as Python code (staged code)
        # op name -> (k, its code when input k is a number, a constant, beside a node that needs a gradient):
        # PyTorch computes t ** 0.5 and 2 / t otherwise than t ** s and s / t for a tensor s (sqrt, 1/t·2)
        self.number_code: dict[str, tuple[int, Code]] = {}
        self._on_nodes: dict[str, Rule] = {}

    def on_nodes(self) -> dict[str, Rule]:
        """The same rules, each applied to the nodes themselves instead of their numbers (``create_graph``).

        A rule reads its inputs as ``parent.data`` and the output as ``out.data``; here those are the
        nodes, so the rule's own arithmetic (``upstream * b``, ``upstream / x``) builds a graph that
        can be differentiated again. The derivatives are still stated once, in the rules. A rule with
        an ``on_nodes`` of its own (a :class:`micrograd.Function`'s) is applied that way instead.
        """
        if len(self._on_nodes) != len(self):  # a rule registered since (micrograd.nn's Σwx+b)
            self._on_nodes = {
                name: getattr(rule, "on_nodes", None) or _rule_on_nodes(rule) for name, rule in self.items()
            }
        return self._on_nodes

    def rule(
        self, name: str, local: Code = (), code: Code | None = None, number: tuple[int, Code] | None = None
    ) -> Callable[[Rule], Rule]:
        """``@rule(name, local=..., code=...)`` over ``(out, upstream) -> contribution per parent``: registers it.

        Registering a name again (a notebook cell run twice) replaces the rule, with a warning;
        the ops micrograd itself defines cannot be replaced (a ValueError: choose another name).
        """

        def register(fn: Rule) -> Rule:
            self.add(name, fn, local, code, number, stacklevel=3)  # the warning points at the decorated rule
            return fn

        return register

    def add(
        self,
        name: str,
        fn: Rule,
        local: Code = (),
        code: Code | None = None,
        number: tuple[int, Code] | None = None,
        stacklevel: int = 2,
    ) -> None:
        """Register ``fn`` as the rule of the op ``name`` (see :meth:`rule`), with its formulas and code.

        ``stacklevel``: where a warning about a name defined again points (2: the caller of ``add``).
        """
        if not isinstance(name, str) or not name:
            raise TypeError(f"an op's name is a non-empty string, got {name!r:.60}")
        if not callable(fn):
            raise TypeError(f"the rule of {name!r} must be a function (out, upstream) -> contributions, got {fn!r:.60}")
        old = self.get(name)
        if old is not None:
            if _is_own(old) and not _is_own(fn):
                raise ValueError(f"{name!r} is one of micrograd's own ops: give yours another name")
            warnings.warn(f"op {name!r} defined again: the new rule replaces the old one", stacklevel=stacklevel)
        self[name] = fn
        self._forget(name)  # what an earlier rule of this name said
        if local:
            self.written[name] = local
        if code is not None:
            self.code[name] = code
        if number is not None:
            self.number_code[name] = number

    def __delitem__(self, name: str) -> None:
        super().__delitem__(name)
        self._forget(name)

    def _forget(self, name: str) -> None:
        self.written.pop(name, None)
        self.code.pop(name, None)
        self.number_code.pop(name, None)
        self._on_nodes = {}  # made again when next asked for


def _is_own(fn: Rule) -> bool:
    """A rule micrograd defines (its engines', micrograd.nn's), not a user's."""
    return (getattr(fn, "__module__", None) or "").partition(".")[0] == "micrograd"


# ---------------------------------------------------------------- the chain rule, in one place


def chain_rule(
    nodes: Iterable[Any], rules: Mapping[str, Rule], grads: dict[Any, Any] | None = None, *, record: bool = True
) -> Iterator[tuple[Any, Any, Sequence[Any]]]:
    """Apply the chain rule at each of ``nodes`` in turn; yield ``(node, upstream, contributions)`` for each.

    ``upstream`` is the gradient that has arrived at ``node``; the op's rule turns it into
    one contribution per parent (upstream × ∂node/∂parent), and each is added to its
    parent's gradient, except for parents that need no gradient (constants). Gradients are
    read from and summed into ``grads`` (a dict of the caller's) or, when ``grads`` is None,
    each node's ``.grad`` (that is :func:`backward`, through :func:`_into_grads`: the same walk,
    written for speed). Given the nodes in reverse topological order, every node's gradient is
    complete before its own rule runs. With ``record=False`` nothing is yielded: the walk just runs.
    """
    if not record:
        _into_grads(nodes, rules) if grads is None else _into_dict(nodes, rules, grads)
        return
    rule_of = rules.get
    for node in nodes:
        upstream = node.grad if grads is None else grads.get(node)
        rule = rule_of(node._op)
        if upstream is None or rule is None:  # no gradient reached it, or the op has no rule (a hand-made node)
            continue
        contributions = rule(node, upstream)
        for parent, contribution in zip(node.parents, contributions):  # noqa: B905  (one per parent: the tests)
            if parent.requires_grad:
                total = parent.grad if grads is None else grads.get(parent)
                total = contribution if total is None else total + contribution
                if grads is None:
                    parent.grad = total
                else:
                    grads[parent] = total
        if record:
            yield node, upstream, contributions


def backward(root: Node, seed: Any, create_graph: bool = False) -> None:
    """Fill ``.grad`` of every node ``root`` depends on with d(root)/d(node) × ``seed``.

    Interior gradients are recomputed from scratch; leaf gradients accumulate (a second
    call adds to them), as in PyTorch and the tutorial micrograd. With ``create_graph`` the
    gradients are nodes, built by the rules' own arithmetic (:meth:`Rules.on_nodes`), so they
    can be differentiated in turn; ``seed`` is then a node too.
    """
    if create_graph:
        return _backward_on_nodes(root, seed)
    order = backward_order(root, root._no_grad_yet)  # the interior nodes, each grad reset on the way
    held = _hold_hooked_leaves(root, order) if hooks_exist() else None  # (register_hook)
    if root.parents:
        root.grad = seed
    elif root.requires_grad:
        root.grad = seed if root.grad is None else root.grad + seed
    nodes = reversed(order) if held is None else _hooked(reversed(order))
    with root._quiet():
        _into_grads(nodes, root._rules)
    if held:
        _release(held)


def _backward_on_nodes(root: Node, seed: Any) -> None:
    constant = type(root)
    for node, grad in gradients([root], [seed], root._rules.on_nodes(), hooked=hooks_exist()).items():
        if not isinstance(grad, Node):  # a number (a stopped wire's 0): a constant node, so .grad stays a node
            grad = constant(grad, requires_grad=False)  # type: ignore[call-arg]
        if not node.parents:
            grad = apply_hooks(node, grad)
        if node.parents or node.grad is None or _is_zero(node.grad):  # interior: recomputed; a leaf's first
            node.grad = grad
        else:  # leaves accumulate
            node.grad = node.grad + grad


def _is_zero(x: Any) -> bool:
    return isinstance(x, (int, float)) and x == 0


def gradients(
    outputs: list[Any], seeds: list[Any], rules: dict[str, Rule] | None = None, hooked: bool = False
) -> dict[Any, Any]:
    """d(outputs · seeds)/d(node) for every node the outputs depend on, in a dict (no ``.grad`` touched).

    ``rules``: the engine's table (default) or :meth:`Rules.on_nodes` to build the gradients as nodes.
    ``hooked``: interior nodes' gradients pass through their hooks (``backward(create_graph=True)``).
    """
    grads: dict[Any, Any] = {}
    for out, seed in zip(outputs, seeds, strict=True):
        grads[out] = seed if out not in grads else grads[out] + seed
    order = _depth_first(_Roots(outputs), leaves=False)[:-1]  # every output's interior nodes, in one order
    with outputs[0]._quiet():
        nodes = _hooked(reversed(order), grads) if hooked else reversed(order)
        deque(chain_rule(nodes, rules or outputs[0]._rules, grads, record=False), maxlen=0)
    return grads


class _Roots(Node):
    """The outputs of a many-output backward pass, as the parents of one node: one topological order for all."""

    __slots__ = ()

    def __init__(self, outputs: list[Any]) -> None:
        self.parents = tuple(outputs)


# ---------------------------------------------------------------- the backward trace


@dataclass(eq=False, slots=True)
class Wire:
    """What happens on one wire of a backward pass, from ``node`` back to ``node.parents[index]``.

    ``upstream`` is d(root)/d(node), ``local`` is ∂node/∂parent (None for tensors, whose
    local derivative is a Jacobian), and ``contribution`` is what this wire adds to the
    parent's gradient: upstream × local.
    """

    node: Any
    index: int
    parent: Any
    upstream: Any
    contribution: Any

    @property
    def local(self) -> Any:
        """∂node/∂parent: the op's rule at an upstream gradient of 1 (None for tensors)."""
        return None if self.node._unit is None else local_grads(self.node)[self.index]


class BackwardTrace:
    """A backward pass from ``root``, wire by wire, with gradients of its own: ``.grad`` is never touched.

    - ``wires``: every :class:`Wire`, in the order the chain rule applies them;
    - ``grads``: d(root)/d(node) × seed for every node the pass reaches (root included);
    - ``grad(node)``: one of those (None where no gradient arrives);
    - ``into(node)``: the wires whose contributions sum to ``node``'s gradient (one per use);
    - ``out_of(node)``: the wires from ``node`` back to its parents.

    The numbers are those :func:`backward` would write, for the same seed.
    """

    def __init__(self, root: Node, seed: Any = None) -> None:
        self.root = root
        self.seed = root._check_seed(seed)
        self.grads: dict[Any, Any] = {root: self.seed}
        self.wires: list[Wire] = []
        self._into: dict[Any, list[Wire]] | None = None  # indexes of the wires, made when first asked for
        self._out_of: dict[Any, list[Wire]] | None = None
        with root._quiet():
            for node, upstream, contributions in chain_rule(reversed(interior_order(root)), root._rules, self.grads):
                for index, (parent, contribution) in enumerate(zip(node.parents, contributions, strict=True)):
                    if parent.requires_grad:
                        self.wires.append(Wire(node, index, parent, upstream, contribution))

    def _index(self) -> None:
        self._into, self._out_of = {}, {}
        for wire in self.wires:
            self._into.setdefault(wire.parent, []).append(wire)
            self._out_of.setdefault(wire.node, []).append(wire)

    def grad(self, node: Any) -> Any:
        """d(root)/d(node) × seed, or None if no gradient reaches ``node``."""
        return self.grads.get(node)

    def into(self, node: Any) -> list[Wire]:
        """The wires that carry gradient back to ``node``: their contributions sum to its gradient."""
        if self._into is None:
            self._index()
        assert self._into is not None
        return list(self._into.get(node, ()))

    def out_of(self, node: Any) -> list[Wire]:
        """The wires from ``node`` back to its parents (those that need a gradient)."""
        if self._out_of is None:
            self._index()
        assert self._out_of is not None
        return list(self._out_of.get(node, ()))

    def to_dict(self, names: Mapping[Any, str] | None = None) -> dict[str, Any]:
        """The pass as data: nodes, wires, values, gradients and contributions, in JSON's types.

        ``names``: node -> name, over labels and the automatic names. The schema: :mod:`micrograd.graph.data`.
        """
        from .graph.data import trace_dict

        return trace_dict(self, names)

    def to_json(self, names: Mapping[Any, str] | None = None, indent: int | None = None) -> str:
        """:meth:`to_dict` as JSON text (``"nan"``, ``"inf"``, ``"-inf"`` as strings: JSON has no such numbers)."""
        from .graph.data import trace_json

        return trace_json(self, names, indent)

    def __repr__(self) -> str:
        return f"<BackwardTrace: {len(self.wires)} wires, {len(self.grads)} gradients>"


def backward_trace(root: Node, seed: Any = None) -> BackwardTrace:
    """The backward pass from ``root`` as a :class:`BackwardTrace`, without writing any ``.grad``.

    ``seed`` is the gradient of ``root`` itself (default 1, as ``backward()``).
    """
    if not isinstance(root, Node):
        raise TypeError(f"backward_trace() takes a graph node (a Value or Tensor), got {type(root).__name__}")
    return BackwardTrace(root, seed)


def local_grads(node: Node) -> tuple[Any, ...]:
    """∂node/∂parent for each parent of a scalar node: its op's rule applied to an upstream gradient of 1.

    Empty for a leaf. A parent that needs no gradient (a constant) may get None.
    """
    rule = node._rules.get(node._op)
    if rule is None or not node.parents:
        return ()
    if node._unit is None:
        raise TypeError(f"local_grads() is for scalar nodes; a {type(node).__name__}'s local derivative is a Jacobian")
    return tuple(rule(node, node._unit))
