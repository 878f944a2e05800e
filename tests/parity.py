"""Random graphs computed by the scalar engine, the tensor engine and PyTorch (float64), compared.

A *program* is a list of instructions, each making one node from earlier ones::

    ("leaf", value)  ("const", value)  (unary op, i)  (binary op, i, j)

Leaves and constants are drawn from the edges of float64 (0, -0.0, ±1, 1e-8, subnormals,
1e308, ±inf, nan) and from ordinary numbers, so that overflow, 0 × inf and nan happen
along the way. Each program is run by :class:`~micrograd.Value` (one number per leaf),
by :class:`~micrograd.Tensor` (arrays of two, some leaves broadcast from shape ``()``) and
by ``torch``, and compared three ways:

1. **every value**: each node's value against PyTorch's op applied to the same inputs;
2. **every wire**: at each node, the gradient arriving there (``upstream``, from the
   engine's own backward trace, inf and nan included) is passed back by the engine's rule and
   by PyTorch's autograd, given the same inputs and output; each parent's contribution must agree;
3. **the whole graph**: the leaves' ``.grad`` after ``backward()`` against PyTorch's, for the
   graphs whose forward pass came out bit for bit the same as PyTorch's.

"Agree" means: nan where nan, the same infinity, zeros of the same sign, and finite numbers
within a few units in the last place (:data:`ULPS`). Libraries round exp, log, tanh, sin,
cos and pow differently in the last bit (PyTorch's ``exp`` and Python's differ for 4% of
inputs), which is why 1 and 2 give both sides the same inputs; and why 3 is done only where
the forward pass came out identical (``sin(2.2**700)`` turns one last bit into another
answer) and allows for the order of a sum: at a fork PyTorch adds the contributions in
reverse order of creation, ``backward()`` in its depth-first order, and ``1 + -1e161 +
1e161 + -1`` depends on it; so there a gradient must agree to a few last bits of its
*scale*, the same sum taken over magnitudes.

``python tests/parity.py [graphs] [seed]`` prints the figures (needs ``torch``).
"""

from __future__ import annotations

import math
import operator
import random
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from micrograd import Tensor, Value, backward_trace

UNARY = ("neg", "exp", "log", "tanh", "sin", "cos", "sigmoid", "relu", "abs", "sqrt", "reciprocal")
BINARY = ("+", "-", "*", "/", "**", "max", "min")
EDGES = (
    0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0, 1e-8, -1e-8, 5e-324, -5e-324, 1e-310, 1e-300, 1e-160,
    1e160, 1e300, -1e300, 1e308, 700.0, -750.0, math.inf, -math.inf, math.nan,
)  # fmt: skip
WIDTH = 2  # elements of a tensor leaf
ULPS = 4  # how many units in the last place two computations of one op may differ by
RTOL = 1e-12  # the whole graph: a gradient agrees to this fraction of its scale

Program = list[tuple[Any, ...]]


FINITE_EDGES = (0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, 3.0, 1e-8, -1e-8)  # second order: no overflow on the way


def leaf_value(rng: random.Random, edges: Sequence[float] = EDGES) -> float:
    """An edge half the time, else an ordinary number in -3…3."""
    return rng.choice(edges) if rng.random() < 0.5 else round(rng.uniform(-3, 3), rng.choice((0, 1, 3, 17)))


def program(rng: random.Random, edges: Sequence[float] = EDGES) -> Program:
    """A random graph: 1-3 leaves, 0-2 constants, then 1-10 ops on any earlier nodes (recent ones likelier)."""
    prog: Program = [("leaf", leaf_value(rng, edges)) for _ in range(rng.randint(1, 3))]
    prog += [("const", leaf_value(rng, edges)) for _ in range(rng.randint(0, 2))]
    for _ in range(rng.randint(1, 10)):
        pick = lambda: max(rng.randrange(len(prog)), rng.randrange(len(prog)))  # noqa: E731
        if rng.random() < 0.45:
            prog.append((rng.choice(UNARY), pick()))
        else:
            prog.append((rng.choice(BINARY), pick(), pick()))
    return prog


# ---------------------------------------------------------------- running a program

ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}
OURS: dict[str, Callable[[Any], Any]] = {
    "neg": lambda x: -x,
    "abs": lambda x: abs(x),
    **{name: operator.methodcaller(name) for name in UNARY if name not in ("neg", "abs")},
}


def _leaves(prog: Program) -> list[int]:
    return [k for k, (op, *_) in enumerate(prog) if op == "leaf"]


def run(prog: Program, leaf: Callable[[float, int], Any], const: Callable[[float, int], Any], binary: Callable) -> list:
    """The program's nodes, made by ``leaf(value, index)``, ``const(value, index)``, the unary ops and ``binary``."""
    nodes: list[Any] = []
    for k, (op, *args) in enumerate(prog):
        if op in ("leaf", "const"):
            nodes.append((leaf if op == "leaf" else const)(args[0], k))
        elif op in OURS:
            nodes.append(OURS[op](nodes[args[0]]))
        else:
            nodes.append(binary(op, nodes[args[0]], nodes[args[1]]))
    return nodes


def _constant(v: Value) -> bool:
    return v.is_leaf and not v.requires_grad


def _scalar_binary(op: str, a: Value, b: Value) -> Value:
    """``a op b``; a constant beside a Value that needs a gradient goes in as a Python float (``x * 2.0``)."""
    if op not in ARITHMETIC:  # a gate is a method of its first input: a.max(b)
        other = b.data if _constant(b) else b
        return a.max(other) if op == "max" else a.min(other)
    if _constant(b) and a.requires_grad:
        return ARITHMETIC[op](a, b.data)
    if _constant(a) and b.requires_grad:
        return ARITHMETIC[op](a.data, b)
    return ARITHMETIC[op](a, b)


def run_scalar(prog: Program) -> tuple[list[Value], Value]:
    """The program's nodes as :class:`Value` s, and the root."""
    nodes = run(prog, lambda v, k: Value(v), lambda v, k: Value(v, requires_grad=False), _scalar_binary)
    return nodes, nodes[-1]


def spread(value: float, k: int, prog: Program) -> np.ndarray:
    """Node ``k``'s array in the tensor run: ``value`` first, then another edge or ordinary value;
    every third leaf or constant is 0-d, so that it broadcasts."""
    if k % 3 == 2:
        return np.array(value)
    rng = random.Random(k * 7919 + len(prog))
    return np.array([value] + [leaf_value(rng) for _ in range(WIDTH - 1)])


def _tensor_binary(op: str, a: Tensor, b: Tensor) -> Tensor:
    if op in ARITHMETIC:
        return ARITHMETIC[op](a, b)
    return a.maximum(b) if op == "max" else a.minimum(b)


def run_tensor(prog: Program) -> tuple[list[Tensor], Tensor]:
    """The program's nodes as :class:`Tensor` s, and the root: the last node summed to one number."""
    nodes = run(
        prog,
        lambda v, k: Tensor(spread(v, k, prog)),
        lambda v, k: Tensor(spread(v, k, prog), requires_grad=False),
        _tensor_binary,
    )
    return nodes, nodes[-1].sum()


def torch_ops(torch: Any) -> dict[str, Callable[..., Any]]:
    """PyTorch's op for each of the engines' op names."""
    return {
        "+": torch.add, "-": torch.sub, "*": torch.mul, "/": torch.div, "**": torch.pow,
        "max": torch.maximum, "min": torch.minimum, "neg": torch.neg, "exp": torch.exp, "log": torch.log,
        "tanh": torch.tanh, "sin": torch.sin, "cos": torch.cos, "sigmoid": torch.sigmoid, "ReLU": torch.relu,
        "abs": torch.abs, "sqrt": torch.sqrt, "1/x": torch.reciprocal,
    }  # fmt: skip


_NAMES = {"relu": "ReLU", "reciprocal": "1/x"}  # the program's op names that the engines name otherwise
_AS_NUMBER = {"**": 1, "/": 0}  # the input PyTorch takes otherwise when it is a Python number: t ** 0.5, 2 / t


def is_number(node: Any, beside: Any) -> bool:
    """A constant of one number (0-d) beside a node that needs a gradient: what the engines take as PyTorch
    takes a Python number (``x ** 0.5`` is ``sqrt(x)``, ``2 / x`` is ``x.reciprocal() * 2``), so PyTorch gets one."""
    data = node.data if isinstance(node, Value | Tensor) else node
    return beside.requires_grad and not node.requires_grad and np.ndim(data) == 0


def apply_torch(torch: Any, op: str, inputs: Sequence[Any]) -> Any:
    """PyTorch's op on ``inputs`` (tensors, and Python floats where the engines see a number)."""
    if any(isinstance(x, float) for x in inputs):
        return inputs[0] ** inputs[1] if op == "**" else inputs[0] / inputs[1]
    return torch_ops(torch)[op](*inputs)


def run_torch(prog: Program, torch: Any, vector: bool) -> tuple[list[np.ndarray], dict[int, np.ndarray]]:
    """The program in PyTorch, float64 (0-d tensors, or the tensor run's arrays): values and leaf gradients."""
    nodes: list[Any] = []
    for k, (op, *args) in enumerate(prog):
        if op in ("leaf", "const"):
            data = spread(args[0], k, prog) if vector else np.array(args[0])
            nodes.append(torch.tensor(data, dtype=torch.float64, requires_grad=op == "leaf"))
        else:
            inputs = [nodes[i] for i in args]
            number = _AS_NUMBER.get(op)
            if number is not None and is_number(inputs[number], inputs[1 - number]):
                inputs[number] = inputs[number].item()
            nodes.append(apply_torch(torch, _NAMES.get(op, op), inputs))
    root = nodes[-1].sum() if vector else nodes[-1]
    if root.requires_grad:
        root.backward()
    grads = {k: _zero_if_none(nodes[k].grad, nodes[k].shape) for k in _leaves(prog)}
    return [n.detach().numpy() for n in nodes], grads


def _zero_if_none(grad: Any, shape: Any) -> np.ndarray:
    """A leaf no gradient reached has gradient 0 (the scalar engine's 0.0; None in the others)."""
    return np.zeros(tuple(shape)) if grad is None else np.asarray(grad, dtype=np.float64)


# ---------------------------------------------------------------- agreeing


def agree(ours: Any, theirs: Any, tolerance: Any = None) -> bool:
    """nan where nan, the same infinities, zeros of the same sign, finite numbers within :data:`ULPS`
    units in the last place, or (given a ``tolerance``) finite numbers within it, zeros of either sign."""
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(theirs, dtype=np.float64)
    if a.shape != b.shape:
        return False
    with np.errstate(all="ignore"):
        if tolerance is None:
            near = np.abs(a - b) <= ULPS * np.spacing(np.maximum(np.abs(a), np.abs(b)))
            equal = ((a == b) | near) & ((np.signbit(a) == np.signbit(b)) | (a != 0) | (b != 0))
        else:  # infinities exactly: |inf - (-inf)| is within an infinite tolerance, and inf is not finite
            finite = np.isfinite(a) & np.isfinite(b)
            equal = (a == b) | (finite & (np.abs(a - b) <= tolerance))
    return bool((equal | (np.isnan(a) & np.isnan(b))).all())


def _bitwise(ours: Any, theirs: Any) -> bool:
    a, b = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    return a.shape == b.shape and bool(((a.view(np.int64) == b.view(np.int64)) | (np.isnan(a) & np.isnan(b))).all())


@dataclass
class Report:
    """What a parity run compared, and every disagreement."""

    graphs: int = 0
    values: int = 0
    wires: int = 0
    whole: int = 0  # runs whose leaf gradients were compared (at least one number compared)
    leaves: int = 0  # leaf gradient numbers compared after backward() (a tensor leaf holds several)
    unbounded: int = 0  # leaf gradient numbers not compared: both finite, but their scale overflowed to inf
    constant: int = 0  # runs whose output needs no gradient (no backward(), nothing to compare whole)
    differed: int = 0  # runs whose forward pass differed from PyTorch's in a last bit (compared op by op only)
    mismatches: list[str] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        head = (
            f"{len(self.mismatches)} mismatches with PyTorch (float64) in {self.graphs} random graphs, each run by "
            f"both engines: {self.values} values and {self.wires} wires compared op by op; {self.leaves} leaf "
            f"gradients compared after backward() in {self.whole} whole runs (not compared whole: {self.differed} "
            f"runs where a last bit of the forward pass differed, {self.constant} whose output needs no gradient; "
            f"{self.unbounded} finite leaf gradients whose scale overflowed)"
        )
        return "\n".join([head, *(f"  {k}: {n}" for k, n in self.kinds.most_common()), *self.mismatches[:10]])

    def mismatch(self, kind: str, text: str, prog: Program) -> None:
        self.kinds[kind] += 1
        self.mismatches.append(f"{text}\n    {prog}")


def _tensors(torch: Any, arrays: Sequence[Any]) -> list[Any]:
    return [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]


def _check_node(report: Report, torch: Any, engine: str, prog: Program, k: int, nodes: list, trace: Any) -> bool:
    """Node ``k``'s value, then its wires, against PyTorch's op at the same inputs; False at the first mismatch."""
    (name, *args), node = prog[k], nodes[k]
    op, ours, inputs = _NAMES.get(name, name), node.data, [nodes[i].data for i in args]
    given: list[Any] = _tensors(torch, inputs)
    number = _AS_NUMBER.get(op)
    if number is not None and is_number(nodes[args[number]], nodes[args[1 - number]]):
        given[number] = float(np.asarray(inputs[number]))  # t ** 0.5, 2 / t: PyTorch gets the number as a number
    xs = [x for x in given if not isinstance(x, float)]
    out = apply_torch(torch, op, given)
    report.values += 1
    if not agree(ours, out.detach().numpy()):
        report.mismatch(f"{engine} {op} value", f"{engine} {op}{tuple(inputs)} = {ours} vs {out.detach()}", prog)
        return False
    upstream = trace.grad(node) if trace is not None and node.parents else None
    if upstream is None:
        return True
    found = iter(torch.autograd.grad(out, xs, torch.tensor(np.asarray(upstream, dtype=np.float64)), allow_unused=True))
    theirs = [None if isinstance(x, float) else next(found) for x in given]
    node.data = out.detach().numpy() if isinstance(node, Tensor) else out.item()  # the rule sees PyTorch's output
    try:
        with node._quiet():  # as in a backward pass
            contributions = node._rules[node._op](node, upstream)
    finally:
        node.data = ours
    for i, (parent, c) in enumerate(zip(node.parents, contributions, strict=True)):
        if parent.requires_grad:
            report.wires += 1
            t = _zero_if_none(theirs[i], np.shape(inputs[i]))
            if not agree(c, t):
                text = f"{engine} {op}{tuple(inputs)}, upstream {upstream}: input {i} gets {c} vs {t}"
                report.mismatch(f"{engine} {op} wire", text, prog)
                return False
    return True


def _scales(trace: Any, root: Any) -> dict[Any, Any]:
    """Each node's gradient taken over magnitudes: Σ |contribution| with |upstream| for upstream."""
    scales = {root: abs(trace.seed)}
    with root._quiet():
        for node in dict.fromkeys(w.node for w in trace.wires):  # in the order the chain rule ran
            for parent, part in zip(node.parents, node._rules[node._op](node, scales[node]), strict=True):
                if parent.requires_grad:
                    scales[parent] = scales.get(parent, 0.0) + abs(part)
    return scales


def compare(report: Report, torch: Any, engine: str, prog: Program) -> None:
    """One program run by one engine, compared op by op, then (if its forward pass is PyTorch's, bit for bit) whole."""
    nodes, root = run_scalar(prog) if engine == "scalar" else run_tensor(prog)
    trace = backward_trace(root) if root.requires_grad else None
    for k, (op, *_) in enumerate(prog):
        if op not in ("leaf", "const") and not _check_node(report, torch, engine, prog, k, nodes, trace):
            return  # one mismatch per graph: what follows inherits it
    values, grads = run_torch(prog, torch, vector=engine == "tensor")
    if not all(_bitwise(n.data, v) for n, v in zip(nodes, values, strict=True)):
        report.differed += 1
        return
    if trace is None:
        report.constant += 1
        return
    scales = _scales(trace, root)
    root.backward()
    compared = 0
    for k in _leaves(prog):
        ours = _zero_if_none(nodes[k].grad, np.shape(nodes[k].data))
        tolerance = RTOL * _zero_if_none(scales.get(nodes[k]), np.shape(nodes[k].data))
        if not agree(ours, grads[k], tolerance):
            return report.mismatch(f"{engine} backward()", f"{engine} leaf {k}: .grad {ours} vs {grads[k]}", prog)
        unbounded = np.isinf(tolerance) & np.isfinite(ours) & np.isfinite(grads[k])  # any two finite numbers agree
        report.unbounded += int(unbounded.sum())
        compared += int(unbounded.size - unbounded.sum())
    report.leaves += compared
    report.whole += compared > 0


# ---------------------------------------------------------------- second derivatives, op by op


def _gate(op: str) -> Callable[[Any, Any], Any]:
    return ARITHMETIC.get(op) or (lambda a, b: a.max(b) if op == "max" else a.min(b))


def our_double_backward(op: str, inputs: list[float], upstream: float, weights: list[float]) -> list[float]:
    """d(Σ wᵢ·cᵢ)/d(each input, then upstream), where cᵢ are the op's rule's contributions at ``upstream``,
    built as a graph (create_graph): the derivative of the rule itself."""
    from micrograd import grad

    xs = [Value(x) for x in inputs]
    u = Value(upstream)
    out = OURS[{"ReLU": "relu", "1/x": "reciprocal"}.get(op, op)](xs[0]) if len(xs) == 1 else _gate(op)(*xs)
    contributions = Value._rules.on_nodes()[out._op](out, u)
    terms = [c * w for c, w in zip(contributions, weights, strict=True) if isinstance(c, Value) and c.requires_grad]
    if not terms:
        return [0.0] * (len(xs) + 1)
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return [0.0 if g is None else g for g in grad(total, [*xs, u], allow_unused=True)]


def torch_double_backward(torch: Any, op: str, inputs: list[float], upstream: float, weights: list[float]) -> list:
    """The same with PyTorch's double backward."""
    xs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    u = torch.tensor(upstream, dtype=torch.float64, requires_grad=True)
    out = torch_ops(torch)[op](*xs)
    cs = torch.autograd.grad(out, xs, grad_outputs=u, create_graph=True, allow_unused=True)
    terms = [c * w for c, w in zip(cs, weights, strict=True) if c is not None and c.requires_grad]
    if not terms:
        return [0.0] * (len(xs) + 1)
    total = sum(terms[1:], terms[0])
    found = torch.autograd.grad(total, [*xs, u], allow_unused=True)
    return [0.0 if g is None else g.item() for g in found]


SECOND_RTOL = 1e-6


def _agree_second(a: float, b: float, scale: float) -> bool:
    """Second derivatives agree: nan where nan, the same infinities, zeros of either sign, and finite numbers
    to :data:`SECOND_RTOL`, or to a few last bits of ``scale`` (the size of the terms that were added): ours is
    the derivative of our own first-order formula, PyTorch's a formula of its own, and where one cancels
    (1 - 2y near y = ½ for the sigmoid) it keeps fewer digits."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return agree(a, b, 0.0)
    return agree(a, b, SECOND_RTOL * max(abs(a), abs(b)) + 1e-14 * scale)


def _not_compared(op: str, inputs: list[float]) -> bool:
    """Where second derivatives are not compared: an input that overflowed on the way (inf, nan), and
    x**y at x = 0, where PyTorch's double backward is nan (its first derivative is a where() whose other
    branch is nan, and the gradient of that branch leaks through) and ours differentiates the branch taken."""
    return not all(math.isfinite(x) for x in inputs) or (op == "**" and inputs[0] == 0)


def second_order_summary(report: Report) -> str:
    return (
        f"{len(report.mismatches)} mismatches with PyTorch's double backward in {report.graphs} random graphs: "
        f"{report.values} ops differentiated twice, {report.wires} second derivatives compared ({report.differed} "
        f"ops not compared: an input overflowed on the way, or x**y at x = 0)"
    )


def second_order_parity(graphs: int, seed: int, torch: Any) -> Report:
    """Every op of ``graphs`` random programs (the scalar engine's values at its nodes, an upstream
    gradient and weights drawn from the same edges) differentiated twice, against PyTorch."""
    rng = random.Random(seed)
    report = Report()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(graphs):
            prog = program(rng, FINITE_EDGES)
            report.graphs += 1
            nodes, _ = run_scalar(prog)
            for op, *args in prog:
                if op in ("leaf", "const"):
                    continue
                name = _NAMES.get(op, op)
                inputs = [nodes[i].data for i in args]
                upstream, weights = leaf_value(rng, FINITE_EDGES), [leaf_value(rng, FINITE_EDGES) for _ in args]
                if _not_compared(name, inputs):
                    report.differed += 1
                    continue
                ours = our_double_backward(name, inputs, upstream, weights)
                theirs = torch_double_backward(torch, name, inputs, upstream, weights)
                report.values += 1
                report.wires += len(ours)
                big = max([1.0, *(abs(x) for x in inputs if math.isfinite(x))])
                scale = abs(upstream) * sum(abs(w) for w in weights) * big * big
                if not all(_agree_second(a, b, scale) for a, b in zip(ours, theirs, strict=True)):
                    text = f"{name}{tuple(inputs)} upstream {upstream} weights {weights}: {ours} vs torch {theirs}"
                    report.mismatch(f"second order {name}", text, prog)
                    break
    return report


def parity(graphs: int, seed: int, torch: Any, engines: Sequence[str] = ("scalar", "tensor")) -> Report:
    """Run ``graphs`` random programs in each engine and in ``torch``; warnings are errors (engines promise none)."""
    rng = random.Random(seed)
    report = Report()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(graphs):
            prog = program(rng)
            report.graphs += 1
            for engine in engines:
                compare(report, torch, engine, prog)
    return report


if __name__ == "__main__":
    import torch

    n, s = (int(a) for a in (sys.argv[1:] + ["20000", "0"][len(sys.argv) - 1 :])[:2])
    print(parity(n, s, torch))
    second = second_order_parity(n // 4, s, torch)
    print(second_order_summary(second), *second.mismatches[:10], sep="\n")
