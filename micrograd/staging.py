"""Staged code: a graph's forward and backward pass written out as plain Python, line by line.

The chain-rule lecture writes backpropagation as *staged code*: the forward pass as named
intermediate variables, then the backward pass one line per wire (``dq = z * df``), ``+=``
where a variable is used twice. :func:`staged` writes that code for any scalar graph:

>>> from micrograd import Value, staged
>>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
>>> q = x + y; q.label = "q"
>>> f = q * z; f.label = "f"
>>> print(staged(f))  # doctest: +SKIP

Each line is the op's own code, as its rule states it (:attr:`micrograd.core.Rules.code`),
so running the function gives exactly the numbers ``backward()`` gives, IEEE edge cases
included (the float functions it imports, :mod:`micrograd.floats`, give IEEE's answer where
Python's would raise). :func:`micrograd.compile` uses the same writer to replay a whole
training step at the speed of plain floats.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import math
import operator
import re
import string
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import floats
from .core import BackwardTrace, Node, reading_order
from .engine import Value, as_float

__all__ = ["staged", "StagedCode", "NotStageable"]

NUMBERS_UP_TO = 60  # nodes: up to this size the code carries the traced point's numbers as comments
_HELPERS = frozenset(floats.__all__)
_RESERVED = _HELPERS | set(dir(builtins))  # names the code uses, or a reader would take for the builtins


class NotStageable(ValueError):
    """The graph has something staged code cannot write: an op with no code, or not a scalar graph."""


# ---------------------------------------------------------------- one op's code, from its rule's templates


def op_code(node: Any) -> tuple[str, ...]:
    """The templates of ``node``'s op: its output, then each parent's contribution (see ``Rules.code``);
    those for a number input (``Rules.number_code``) where that input is a constant."""
    code = node._rules.code.get(node._op)
    number = node._rules.number_code.get(node._op)
    if number is not None and not node.parents[number[0]].requires_grad:  # (so the other input needs a gradient)
        code = number[1]
    if code is None:
        function = getattr(node._rules.get(node._op), "function", None)
        where = f"class {function.__name__}(Function, code=...)" if function else f"@op({node._op!r}, code=...)"
        raise NotStageable(
            f"op {node._op!r} has no code to stage: give it code=(the op, then each input's contribution) as "
            f"templates in {{x}}, {{out}}, {{up}}: {where}"
        )
    if not callable(code):
        return code
    key = (code, len(node.parents))  # an op of any number of inputs: its templates for this number, once
    if key not in _WRITTEN:
        _WRITTEN[key] = code(len(node.parents))
    return _WRITTEN[key]


_WRITTEN: dict[tuple[Callable[[int], tuple[str, ...]], int], tuple[str, ...]] = {}
_PARSED: dict[str, list[tuple[str, int | str | None]]] = {}
_LETTERS = {"a": 0, "x": 0, "b": 1, "y": 1}


def fill(template: str, args: Sequence[str], out: str = "", up: str = "") -> str:
    """``template`` with the inputs, output and upstream named, constants folded: ``"{up} * {b}"`` → ``"dq * z"``."""
    pieces = _pieces(template)
    named = {"out": out, "up": up}
    text = "".join(text if f is None else text + (named[f] if isinstance(f, str) else args[f]) for text, f in pieces)
    inputs = [args[f] for _, f in pieces if isinstance(f, int)]
    if len(args) > 2 or all(a.isidentifier() for a in inputs):
        return text  # no constant among its inputs, or an op of many inputs (a sum of products): nothing to fold
    return ast.unparse(_Fold().visit(ast.parse(text, mode="eval")))


def _pieces(template: str) -> list[tuple[str, int | str | None]]:
    """The template as (text, field) pairs, a field an input's position, ``"out"``, ``"up"`` or None (parsed once)."""
    if template not in _PARSED:
        _PARSED[template] = [
            (text, None if f is None else f if f in ("out", "up") else int(f) if f.isdigit() else _LETTERS[f])
            for text, f, _, _ in string.Formatter().parse(template)
        ]
    return _PARSED[template]


TERMS_PER_LINE = 100  # Python's compiler recurses once per term of a sum: a long one is written over several lines


def forward(node: Any, target: str, args: Sequence[str]) -> list[str]:
    """The line(s) computing ``node`` into ``target``: an op of many inputs writes its sum of terms
    (``b + w0 * x0 + ...``, added left to right) a hundred terms a line, ``target = target + ...``."""
    expression = fill(op_code(node)[0], args)
    terms = expression.split(" + ") if len(args) > 2 else [expression]
    lines = [f"{target} = {' + '.join(terms[:TERMS_PER_LINE])}"]
    for k in range(TERMS_PER_LINE, len(terms), TERMS_PER_LINE):
        lines.append(f"{target} = {target} + {' + '.join(terms[k : k + TERMS_PER_LINE])}")
    return lines


def literal(x: float) -> str:
    """A float as Python source that evaluates to exactly it (``inf`` and ``nan`` as the floats module names them)."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "(-inf)"
    return repr(x)


_FOLDABLE = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


def _number(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (float, int, bool)


def _constant(value: float | bool) -> ast.expr:
    """A folded constant as an expression: inf and nan as the names ``inf`` and ``nan`` (``repr`` gives no code)."""
    if type(value) is float and not math.isfinite(value):
        return ast.parse(literal(value), mode="eval").body
    return ast.Constant(value)


# floats.power_by_number's cases, as code (the tests hold each to the function, bit for bit)
BY_NUMBER = {
    0.5: "sqrt({x})",
    -0.5: "div(1.0, sqrt({x}))",
    -1.0: "div(1.0, {x})",
    2.0: "{x} * {x}",
    3.0: "{x} * {x} * {x}",
    -2.0: "div(1.0, {x} * {x})",
    1.0: "{x}",
    0.0: "1.0",
}


def _is_one(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is float and node.value == 1.0


class _Fold(ast.NodeTransformer):
    """Work out what only constants decide (``2.0 - 1.0``, ``0.0 if 2.0 == 0 else e``): the same float
    operations Python would do when the line runs, done once when it is written."""

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.USub) and _number(node.operand) and type(node.operand.value) is float:  # type: ignore[attr-defined]
            return _constant(-node.operand.value)  # type: ignore[attr-defined]
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        fold = _FOLDABLE.get(type(node.op))
        if fold and _number(node.left) and _number(node.right):
            return _constant(fold(node.left.value, node.right.value))  # type: ignore[attr-defined]
        if isinstance(node.op, ast.Mult):  # x * 1.0 is x, bit for bit (-0.0, inf and nan included)
            if _is_one(node.right):
                return node.left
            if _is_one(node.left):
                return node.right
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        """``power_by_number(x, 2.0)`` is ``x * x``: the function's own case for that number, written out."""
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "power_by_number" and _number(node.args[1]):
            case = BY_NUMBER.get(node.args[1].value)  # type: ignore[attr-defined]
            if case is not None:
                return ast.parse(case.format(x=ast.unparse(node.args[0])), mode="eval").body
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        operands = [node.left, *node.comparators]
        if len(node.ops) == 1 and all(_number(x) for x in operands):
            values = [x.value for x in operands]  # type: ignore[attr-defined]
            return ast.Constant(_COMPARE[type(node.ops[0])](*values))
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:  # its operands are comparisons: True or False
        self.generic_visit(node)
        decisive = isinstance(node.op, ast.Or)  # the constant that decides the whole: True for or, False for and
        if any(_number(v) and bool(v.value) is decisive for v in node.values):  # type: ignore[attr-defined]
            return ast.Constant(decisive)
        rest = [v for v in node.values if not _number(v)]
        if not rest:
            return ast.Constant(not decisive)
        return rest[0] if len(rest) == 1 else ast.BoolOp(node.op, rest)

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        if _number(node.test):
            return node.body if node.test.value else node.orelse  # type: ignore[attr-defined]
        return node


# ---------------------------------------------------------------- names that are Python identifiers


def identifier(name: str, taken: set[str]) -> str:
    """``name`` as a Python identifier not in ``taken`` (and now taken): ``"L1.N2.w0"`` → ``L1_N2_w0``.

    Written as Python reads it: Python normalises identifiers (NFKC) when it compiles, so ``ｘ``,
    ``𝐱`` and ``x`` are one variable, and ``ｅｘｐ`` is the helper ``exp``. The name given is
    normalised first, so two names Python would take for one never meet in the code.
    """
    text = "".join(c if ("a" + c).isidentifier() else "_" for c in _nfkc(name)) or "v"
    text = _nfkc(text)  # (a character replaced can leave a neighbour that normalises anew)
    if not text.isidentifier():
        text = "v" + text
    if keyword.iskeyword(text) or text in _RESERVED:
        text += "_"
    candidate, k = text, 1
    while candidate in taken:
        k += 1
        candidate = f"{text}_{k}"
    taken.add(candidate)
    return candidate


def _nfkc(name: str) -> str:
    return unicodedata.normalize("NFKC", name)


def function_name(name: object) -> str:
    """``name`` checked as the name of the function staged code defines: a Python identifier, not a
    keyword and not one of the names the code uses (``exp``, ``max``, ...), as Python will read it."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(_nfkc(name)):
        raise ValueError(f"staged(): name must be a Python identifier (e.g. forward_backward), got {name!r:.60}")
    if _nfkc(name) in _RESERVED:
        raise ValueError(f"staged(): name {name!r} is a name the staged code uses or Python's own: choose another")
    return _nfkc(name)


# ---------------------------------------------------------------- staged(f)


@dataclass(frozen=True)
class StagedCode:
    """The staged code of a graph: ``str()`` is the source, calling it runs it.

    ``source`` holds one import line and one function, ``name``, whose arguments are the
    graph's inputs (``arguments``, at ``values`` when traced) and which returns the output's
    value and the gradient of each input that requires one (``gradients`` names them, in
    argument order). In Jupyter it shows as highlighted code.
    """

    source: str
    name: str
    arguments: tuple[str, ...]
    gradients: tuple[str, ...]
    values: tuple[float, ...] = field(repr=False)

    def function(self) -> Callable[..., tuple[float, tuple[float, ...]]]:
        """The function itself, made by running the source in a namespace of its own."""
        namespace: dict[str, Any] = {}
        exec(compile(self.source, f"<staged code {self.name}>", "exec"), namespace)  # noqa: S102  (our own generated code)
        return namespace[self.name]

    def __call__(self, *args: float) -> tuple[float, tuple[float, ...]]:
        """Run the code at ``args`` (default: the traced point): ``(value, (gradient per input, ...))``.

        Each argument becomes a Python float, as ``Value()`` makes it one (a TypeError if it is no number).
        """
        if not args:
            return self.function()(*self.values)
        if len(args) != len(self.arguments):
            raise TypeError(f"{self.name}() takes {len(self.arguments)} arguments {self.arguments}, got {len(args)}")
        numbers = [as_float(x, f"{self.name}() argument {a!r}") for a, x in zip(self.arguments, args, strict=True)]
        return self.function()(*numbers)

    def __str__(self) -> str:
        return self.source

    def _repr_markdown_(self) -> str:
        return f"```python\n{self.source}```"


def staged(
    f: Value | Callable[[], Value],
    *,
    name: str = "forward_backward",
    names: Mapping[Any, str] | None = None,
    numbers: bool | None = None,
) -> StagedCode:
    """The staged code of the graph of ``f`` (a Value, or a function of no arguments returning one).

    One function, ``name``: the forward pass one line per op, named as in the pictures
    (:func:`micrograd.draw`; ``names`` overrides them), then the backward pass one line per
    wire in the order the chain rule applies them (``+=`` where a variable is used again),
    returning ``(value, (gradient of each input, ...))``. Constants are written in place.
    ``numbers``: comments with the traced point's values and gradients (default: for graphs
    of up to 60 nodes).

    Running it on the same inputs gives exactly ``f.data`` and the gradients ``backward()``
    gives (a fresh leaf's ``.grad`` is ``0.0 + `` its gradient, so a gradient of ``-0.0`` reads ``0.0``).
    """
    from .drawing.names import is_constant, node_names  # the pictures' names (loads the drawing code)
    from .drawing.numbers import format_value

    name = function_name(name)
    root = f() if callable(f) and not isinstance(f, Node) else f
    if not isinstance(root, Value):
        raise NotStageable(f"staged() writes the code of a scalar Value graph, got {type(root).__name__}")
    trace = BackwardTrace(root)  # checks that root requires a gradient
    order = reading_order(root)
    if numbers is None:
        numbers = len(order) <= NUMBERS_UP_TO
    taken = set(_RESERVED) | {name}
    var: dict[Any, str] = {}
    for node, picture_name in node_names(root, names, order).items():
        var[node] = literal(node.data) if is_constant(node) else identifier(picture_name, taken)
    inputs = [v for v in order if not v.parents and not is_constant(v)]
    grad = {v: identifier("d" + var[v], taken) for v in order if v.requires_grad}
    writer = _Lines(numbers)
    writer.add("# forward pass: one line per op")
    for node in order:
        if node.parents:
            *lines, last = forward(node, var[node], [var[p] for p in node.parents])
            for line in lines:
                writer.add(line)
            writer.add(last, format_value(node.data))
    writer.add("# backward pass: one line per wire, d<name> = d(output)/d(name)")
    writer.add(f"{grad[root]} = {literal(trace.seed)}", format_value(trace.seed))
    started = {root}
    args: dict[Any, list[str]] = {}  # a node's inputs' names, once per node (an op may have thousands)
    for wire in trace.wires:
        node, parent = wire.node, wire.parent
        if node not in args:
            args[node] = [var[p] for p in node.parents]
        expression = fill(op_code(node)[1 + wire.index], args[node], out=var[node], up=grad[node])
        if parent in started:
            total = format_value(trace.grads[parent]) if wire is trace.into(parent)[-1] else None
            note = format_value(wire.contribution) + (f", now {total}" if total else "")
            writer.add(f"{grad[parent]} += {expression}", "+ " + note)
        else:
            started.add(parent)
            writer.add(f"{grad[parent]} = {expression}", format_value(wire.contribution))
    returned = [grad[v] for v in inputs if v.requires_grad]
    writer.add(f"return {var[root]}, {_tuple(returned)}")
    arguments = tuple(var[v] for v in inputs)
    source = _module(name, arguments, returned, var[root], writer)
    return StagedCode(source, name, arguments, tuple(returned), tuple(v.data for v in inputs))


class _Lines:
    """The body of a function: lines of code, each with an optional comment, comments aligned."""

    def __init__(self, numbers: bool) -> None:
        self.numbers = numbers
        self.lines: list[tuple[str, str]] = []

    def add(self, code: str, comment: str = "") -> None:
        self.lines.append((code, comment if self.numbers else ""))

    def text(self, indent: str = "    ") -> str:
        width = max((len(c) for c, note in self.lines if note and not c.startswith("#")), default=0)
        out: list[str] = []
        for code, note in self.lines:
            if code.startswith("#"):
                out.append(f"\n{indent}{code}" if out else f"{indent}{code}")
            elif note:
                out.append(f"{indent}{code.ljust(width)}  # {note}")
            else:
                out.append(f"{indent}{code}")
        return "\n".join(out) + "\n"


def _tuple(names: Sequence[str]) -> str:
    """A tuple of ``names`` as Python writes it: ``(a, b)``, ``(a,)``, ``()``."""
    return f"({', '.join(names)}{',' if len(names) == 1 else ''})"


def _module(name: str, arguments: Sequence[str], returned: Sequence[str], output: str, body: _Lines) -> str:
    """The function, headed by an import of the float functions it uses."""
    doc = (
        f'    """{output} and its gradient with respect to {", ".join(arguments) or "nothing"}: '
        f"returns ({output}, {_tuple(returned)}).\n\n"
        '    Staged code written by micrograd.staged(): IEEE float arithmetic, as backward() computes it.\n    """\n'
    )
    function = f"def {name}({', '.join(arguments)}):\n{doc}{body.text()}"
    return imports(function) + function


def imports(source: str) -> str:
    """The line importing the :mod:`micrograd.floats` names ``source`` uses (``div``, ``inf``, ...), if any."""
    used = sorted(_HELPERS.intersection(re.findall(r"[A-Za-z_]\w*", source)))
    return f"from micrograd.floats import {', '.join(used)}\n\n\n" if used else ""
