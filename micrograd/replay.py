"""``micrograd.compile``: trace a computation once, then replay its forward and backward pass on plain floats.

A graph of Values costs a Python object per op, and the garbage collector walks them all.
The same arithmetic as straight-line Python on floats (the staged code of
:func:`micrograd.staged`, one line per op and one per wire) needs no objects at all. So
:func:`compile` runs ``fn()`` once on Values, writes the staged code of the whole
computation (forward, loss, backward into the parameters' ``.grad``), compiles it, and
returns a :class:`Replay`: each call reads the parameters' current ``.data``, adds the
gradients into their ``.grad`` (as ``backward()`` would) and returns the output's value, bit
for bit what a fresh graph and ``backward()`` would give, without building a graph.

The tracing caveat (as with ``torch.jit.trace``): what ``fn`` decided in Python from the
numbers (an ``if`` on ``.data``, a loop length) is frozen as it went at trace time, and so
is every number that is not a parameter (inputs, targets). The engine's own choices (relu,
max, the edge cases) are made afresh on every replay. ``Replay.check()`` compares a replay
with a real ``fn()`` and ``backward()`` at the current parameters.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from typing import Any

from .core import BackwardTrace, reading_order
from .engine import Value
from .staging import fill, forward, imports, literal, op_code

__all__ = ["compile", "Replay", "ReplayMismatch"]

MAX_NODES = 2_000_000  # a bigger graph is refused: its code would take minutes and gigabytes to compile


class ReplayMismatch(AssertionError):
    """A replay gave other numbers than ``fn()`` and ``backward()``: ``fn`` takes another path now."""


def compile(fn: Callable[[], Any], params: Iterable[Value], *, check: bool = False) -> Replay:  # noqa: A001
    """Trace ``fn()`` once and return a :class:`Replay` of its forward and backward pass on floats.

    ``fn`` takes no arguments and returns a scalar Value (a loss) computed from ``params``
    (leaf Values, e.g. ``model.parameters()``). Calling the replay reads every parameter's
    ``.data``, adds d(output)/d(parameter) into its ``.grad`` and returns the output's value
    as a float, exactly as ``out = fn(); out.backward()`` would, but without building a graph.
    ``fn`` may also return ``(loss, outputs)``, ``outputs`` a list of Values computed on the way
    to the loss (a model's scores, say): the replay then returns ``(loss, [their values])``.
    ``check=True`` compares the first replay with the traced graph's backward pass.

    Refused, with the reason: an ``fn`` that returns no Value, or a Value needing no gradient,
    or one that depends on none of the ``params``; parameters that are not leaf Values; ops
    with no code (an op registered without ``code=``).
    """
    params = _parameters(params)
    out, extras = _outputs(fn())
    if not out.requires_grad:
        raise ValueError("compile(): fn() returned a Value that needs no gradient (made under no_grad, or a constant)")
    trace = BackwardTrace(out)  # the wires the replay's backward lines follow, and what check=True compares with
    source, name = _write(out, params, extras, trace)
    namespace: dict[str, Any] = {}
    builtins.exec(builtins.compile(source, f"<micrograd replay of {len(params)} parameters>", "exec"), namespace)
    replay = Replay(fn, params, namespace[name], source)
    if check:
        replay._check_against(out, extras, trace)
    return replay


def _outputs(result: Any) -> tuple[Value, list[Value] | None]:
    """fn()'s loss, and its other outputs (None if it returned the loss alone)."""
    if isinstance(result, tuple) and len(result) == 2:
        loss, extras = result
        extras = list(extras)
        if isinstance(loss, Value) and all(isinstance(e, Value) for e in extras):
            return loss, extras
    if isinstance(result, Value):
        return result, None
    raise TypeError(
        f"compile(): fn() must return a scalar Value (a loss), or (loss, [Values]); got {type(result).__name__}"
    )


def _parameters(params: Iterable[Value]) -> list[Value]:
    unique: dict[int, Value] = {}
    for k, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"compile(): parameter {k} is not a Value but {type(p).__name__}")
        if p.parents:
            raise ValueError(f"compile(): parameter {k} is computed by {p.op!r}, not a leaf: only leaves can be set")
        if not p.requires_grad:
            raise ValueError(f"compile(): parameter {k} does not require a gradient")
        unique.setdefault(id(p), p)
    if not unique:
        raise ValueError("compile(): no parameters given")
    return list(unique.values())


def _write(out: Value, params: list[Value], extras: list[Value] | None, trace: BackwardTrace) -> tuple[str, str]:
    """The source of ``replay(P)``: forward on the nodes that depend on a parameter, backward into them."""
    order = reading_order(out)
    if len(order) > MAX_NODES:
        raise ValueError(f"compile(): the graph has {len(order):,} nodes, more than {MAX_NODES:,}")
    index = {p: k for k, p in enumerate(params)}
    live = _depends_on(order, index)
    if out not in live:
        raise ValueError("compile(): fn()'s output depends on none of the parameters")
    var: dict[Any, str] = {}
    for k, node in enumerate(order):
        var[node] = f"v{k}" if node in live else literal(node.data)
    used = [k for k, p in enumerate(params) if p in var]  # a parameter fn() did not use is only read back
    lines = [f"{', '.join(var[params[k]] for k in used)}, = [P[k].data for k in {used}]"]
    for node in order:
        if node.parents and node in live:
            lines += forward(node, var[node], [var[p] for p in node.parents])
    lines += _backward(trace, live, index, var)
    if extras is None:
        lines.append(f"return {var[out]}")
    else:
        if any(e not in var for e in extras):
            raise ValueError("compile(): fn()'s other outputs must be computed on the way to the loss")
        lines.append(f"return {var[out]}, [{', '.join(var[e] for e in extras)}]")
    body = "".join(f"    {line}\n" for line in lines)
    function = f"def replay(P):\n{body}"
    return imports(function) + function, "replay"


def _depends_on(order: list[Any], index: dict[Any, int]) -> set[Any]:
    """The nodes whose value depends on a parameter: the only ones a replay computes."""
    live: set[Any] = set()
    for node in order:
        if node in index or any(p in live for p in node.parents):
            live.add(node)
    return live


def _backward(trace: BackwardTrace, live: set[Any], index: dict[Any, int], var: dict[Any, str]) -> list[str]:
    """One line per wire of ``trace`` into a node that depends on a parameter; a parameter's gradient adds
    onto its ``.grad``."""
    grad = {trace.root: "g_out"}
    lines = [f"{', '.join(f'h{k}' for k in index.values())}, = [p.grad for p in P]"]
    reached = [f"h{k}" for p, k in index.items() if trace.into(p)]  # (a parameter fn() did not use keeps its .grad)
    if reached:  # a .grad of None is no gradient yet, as backward() takes it: -0.0 adds nothing, not even a sign
        lines.append(f"{', '.join(reached)}, = [-0.0 if h is None else h for h in ({', '.join(reached)},)]")
    lines.append("g_out = 1.0")
    for p, k in index.items():
        grad[p] = f"h{k}"
    started: set[Any] = set()
    args: dict[Any, list[str]] = {}  # a node's inputs' names, once per node (an op may have thousands)
    for wire in trace.wires:
        node, parent = wire.node, wire.parent
        if parent not in live:
            continue
        if node not in args:
            args[node] = [var[p] for p in node.parents]
        expression = fill(op_code(node)[1 + wire.index], args[node], out=var[node], up=grad[node])
        if parent in index or parent in started:
            lines.append(f"{grad[parent]} += {expression}")
        elif len(trace.into(parent)) == 1 and expression == grad[node]:  # passed on unchanged: the same variable
            grad[parent] = grad[node]
        else:
            started.add(parent)
            grad[parent] = f"g{var[parent][1:]}"
            lines.append(f"{grad[parent]} = {expression}")
    lines.append(f"for p, g in zip(P, ({', '.join(grad[p] for p in index)},)):")
    lines.append("    p.grad = g")
    return lines


class Replay:
    """A traced computation, replayed on floats: ``replay()`` → the output's value, gradients added to ``.grad``.

    ``source`` is the generated Python; ``params`` the parameters it reads and writes, in order.
    """

    def __init__(self, fn: Callable[[], Value], params: list[Value], function: Callable[..., float], source: str):
        self.fn, self.params, self.source = fn, params, source
        self._function = function
        self._args = tuple(params)

    def __call__(self) -> Any:
        """Replay the forward and backward pass at the parameters' current ``.data``; returns the loss's
        value (and the other outputs' values, if ``fn`` returned some)."""
        return self._function(self._args)

    def check(self) -> None:
        """Run ``fn()`` and a real backward pass at the current parameters, and a replay beside them (no
        ``.grad`` changed): raises :class:`ReplayMismatch` naming the first number that differs."""
        out, extras = _outputs(self.fn())
        self._check_against(out, extras, BackwardTrace(out))

    def _check_against(self, out: Value, extras: list[Value] | None, trace: BackwardTrace) -> None:
        saved = [p.grad for p in self.params]
        try:
            for p in self.params:
                p.grad = 0.0
            result = self()
            got = [p.grad for p in self.params]
        finally:
            for p, g in zip(self.params, saved, strict=True):
                p.grad = g
        value, others = (result, []) if extras is None else result
        if not _same(value, out.data):
            raise ReplayMismatch(f"the replay's output is {value!r}, fn() now gives {out.data!r}")
        for k, (v, e) in enumerate(zip(others, extras or [], strict=True)):
            if not _same(v, e.data):
                raise ReplayMismatch(f"other output {k}: the replay gives {v!r}, fn() now gives {e.data!r}")
        for k, (p, g) in enumerate(zip(self.params, got, strict=True)):
            expected = 0.0 + (trace.grad(p) or 0.0)
            if not _same(g, expected):
                label = f" ({p.label})" if p.label else ""
                raise ReplayMismatch(
                    f"parameter {k}{label}: the replay's gradient is {g!r}, backward() gives {expected!r}"
                )

    def __repr__(self) -> str:
        return f"<Replay of {len(self.params)} parameters: {self.source.count(chr(10))} lines>"


def _same(a: float, b: float) -> bool:
    """The same float, bit for bit up to nan's payload (0.0 and -0.0 differ)."""
    if a != a or b != b:
        return a != a and b != b
    return a == b and str(a) == str(b)
