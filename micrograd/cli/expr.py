"""A safe parser for formulas such as ``2*(max(z,w) + x*y)``: text in, a graph of Values out.

The text is parsed by :func:`ast.parse` (``mode="eval"``) and every node of the syntax tree
is checked against a whitelist before anything is computed; nothing is ever passed to
``eval`` or ``exec``. The grammar:

- numbers (always floats: ``9**9**9**9`` is ``inf``, computed at once) and variable names;
- ``+ - * / **``, unary ``-`` and ``+``, parentheses;
- the functions of :data:`FUNCTIONS`: ``exp``, ``log``, ``tanh``, ... (one argument) and
  ``max``, ``min`` (two arguments, the gates).

Each variable becomes one leaf :class:`~micrograd.engine.Value` labelled with its name
(reused wherever the name repeats), and the graph is built with the Value operators, so it
is the very graph the same formula written in Python with Values would build. Numbers
combined only with numbers are folded as Python folds them (``2*3*x`` has the constant
``6``), with IEEE results (``1/0 = inf``). Every mistake is an :class:`ExprError` naming
the problem and its column.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping

from ..engine import Value

__all__ = ["ExprError", "Expression", "parse", "build", "FUNCTIONS", "MAX_LENGTH"]

MAX_LENGTH = 2000  # characters: a formula for a slide is short; longer text is refused before parsing

Operand = Value | float

FUNCTIONS: dict[str, tuple[int, Callable[..., Value]]] = {
    "exp": (1, Value.exp),
    "log": (1, Value.log),
    "tanh": (1, Value.tanh),
    "sin": (1, Value.sin),
    "cos": (1, Value.cos),
    "sigmoid": (1, Value.sigmoid),
    "relu": (1, Value.relu),
    "abs": (1, Value.abs),
    "sqrt": (1, Value.sqrt),
    "recip": (1, Value.reciprocal),
    "max": (2, Value.max),
    "min": (2, Value.min),
}

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}
_OPERATOR_NAMES = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Invert: "~",
    ast.Not: "not",
}
_FORBIDDEN = {  # node type -> what to call it in the message
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "subscripts (a[i])",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.IfExp: "conditional expressions (a if c else b)",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.NamedExpr: "assignments (:=)",
    ast.JoinedStr: "strings",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.Starred: "starred arguments (*a)",
    ast.Slice: "slices",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


class ExprError(ValueError):
    """A formula that cannot be read or evaluated: ``message``, and ``column`` (1-based) where known."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.message = message
        self.column = column
        super().__init__(f"{message} (column {column})" if column is not None else message)


def _column(text: str, node: ast.AST) -> int:
    """1-based character column of ``node`` (ast offsets count UTF-8 bytes)."""
    offset = getattr(node, "col_offset", 0)
    return len(text.encode("utf-8")[:offset].decode("utf-8", errors="ignore")) + 1


class Expression:
    """A checked formula: ``text``, ``variables`` (names in order of first appearance), ``evaluate(values)``."""

    def __init__(self, text: str, tree: ast.Expression, variables: tuple[str, ...]) -> None:
        self.text = text
        self.tree = tree
        self.variables = variables

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def evaluate(self, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
        """Build the graph with each variable bound to ``values[name]``.

        Returns ``(root, leaves)``: the output Value and the leaf Value of each variable
        (label = its name). Every variable must be bound, and nothing else.
        """
        unbound = [n for n in self.variables if n not in values]
        if unbound:
            node = next(n for n in ast.walk(self.tree) if isinstance(n, ast.Name) and n.id == unbound[0])
            raise ExprError(
                f"unbound variable {unbound[0]!r}: give it a value, e.g. {unbound[0]}=1", _column(self.text, node)
            )
        extra = [n for n in values if n not in self.variables]
        if extra:
            raise ExprError(
                f"{extra[0]!r} is not a variable of the expression"
                f" (its variables: {', '.join(self.variables) or 'none'})"
            )
        leaves = {name: Value(values[name], label=name) for name in self.variables}
        out = _evaluate(self.tree.body, leaves)
        root = out if isinstance(out, Value) else Value(out)
        return root, leaves


def parse(text: str) -> Expression:
    """Check ``text`` against the grammar (see the module docstring); ExprError names what is wrong and where."""
    if not isinstance(text, str):
        raise TypeError(f"parse() takes the formula as a str, got {type(text).__name__}")
    if not text.strip():
        raise ExprError("empty expression")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression too long ({len(text)} characters; at most {MAX_LENGTH})")
    flat = text.translate({ord("\n"): " ", ord("\r"): " ", ord("\t"): " "})  # one line: columns stay columns
    stripped = flat.lstrip()
    indent = len(flat) - len(stripped)
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        col = exc.offset if exc.offset and exc.offset > 0 else len(stripped) + 1
        raise ExprError(f"syntax error: {exc.msg}", col + indent) from None
    except (RecursionError, MemoryError):
        raise ExprError("expression nested too deeply") from None
    except ValueError as exc:  # e.g. a literal with more digits than Python converts
        raise ExprError(f"cannot read the expression: {exc}") from None
    variables = _check(tree, flat)
    return Expression(flat, tree, variables)


def build(text: str, **values: float) -> Value:
    """Shortcut: ``build("x*y + 1", x=2, y=3)`` is the output Value (gradients not yet computed)."""
    return parse(text).evaluate(values)[0]


# ---------------------------------------------------------------- the whitelist


def _check(tree: ast.Expression, text: str) -> tuple[str, ...]:
    """Raise ExprError at the first node outside the grammar; return the variable names in order."""
    names: dict[str, None] = {}
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    nodes = sorted(
        (n for n in ast.walk(tree.body) if hasattr(n, "col_offset")),
        key=lambda n: (n.col_offset, -getattr(n, "end_col_offset", 0)),
    )
    for node in nodes:
        col = _column(text, node)
        problem = _problem(node)
        if problem:
            raise ExprError(problem, col)
        if isinstance(node, ast.Name) and id(node) not in called:
            if node.id in FUNCTIONS:
                raise ExprError(f"{node.id} is a function: call it, as in {node.id}(x)", col)
            names.setdefault(node.id)
    return tuple(names)


def _problem(node: ast.AST) -> str | None:
    """What is wrong with this one node, or None if the grammar allows it."""
    kind = type(node)
    if kind in _FORBIDDEN:
        return f"{_FORBIDDEN[kind]} not allowed"
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        op = type(node.op)
        allowed = _BINARY if isinstance(node, ast.BinOp) else _UNARY
        return None if op in allowed else f"operator {_OPERATOR_NAMES.get(op, op.__name__)} not allowed"
    if isinstance(node, ast.Constant):
        v = node.value
        if type(v) in (int, float):
            return None
        what = {bool: "booleans", complex: "complex numbers", str: "strings", bytes: "strings"}.get(type(v))
        return f"{what or repr(v)} not allowed: only real numbers"
    if isinstance(node, ast.Name):
        return None
    if isinstance(node, ast.Call):
        return _call_problem(node)
    return f"{kind.__name__} not allowed in an expression"


def _call_problem(node: ast.Call) -> str | None:
    allowed = ", ".join(FUNCTIONS)
    if type(node.func) in _FORBIDDEN:  # lambda, attribute, subscript, ...: name the real problem
        return f"{_FORBIDDEN[type(node.func)]} not allowed"
    if not isinstance(node.func, ast.Name):
        return f"only the functions {allowed} may be called"
    name = node.func.id
    if name not in FUNCTIONS:
        return f"unknown function {name!r} (functions: {allowed})"
    if node.keywords:
        return f"{name}() takes no keyword arguments"
    arity = FUNCTIONS[name][0]
    if len(node.args) != arity:
        return f"{name}() takes {arity} argument{'s' if arity > 1 else ''}, got {len(node.args)}"
    return None


# ---------------------------------------------------------------- evaluation (iterative: no recursion limit)


def _number(value: int | float) -> float:
    try:
        return float(value)
    except OverflowError:  # an integer literal beyond the float range
        return math.inf


def _binary(op: type, a: Operand, b: Operand) -> Operand:
    if not isinstance(a, Value) and not isinstance(b, Value):
        return _apply(op, _constant(a), b).data  # numbers fold, with the engine's IEEE results
    return _apply(op, a, b)


def _apply(op: type, a: Operand, b: Operand) -> Value:
    """``a op b``, built by the Value operators (a number is a constant)."""
    a = a if isinstance(a, Value) else _constant(a)
    b = b if isinstance(b, Value) else _constant(b)
    if op is ast.Add:
        return a + b
    if op is ast.Sub:
        return a - b
    if op is ast.Mult:
        return a * b
    if op is ast.Div:
        return a / b
    return a**b


def _constant(x: float) -> Value:
    """A number of the formula: a constant, which needs no gradient."""
    return Value(x, requires_grad=False)


def _call(name: str, args: list[Operand]) -> Operand:
    """A function of the formula; of numbers only, it folds to a number (``exp(2)``)."""
    first = args[0] if isinstance(args[0], Value) else _constant(args[0])
    out = FUNCTIONS[name][1](first, *args[1:])
    return out if out.requires_grad else out.data


def _evaluate(body: ast.AST, leaves: Mapping[str, Value]) -> Operand:
    """Post-order walk with an explicit stack, so deep formulas cannot overflow Python's stack."""
    results: list[Operand] = []
    stack: list[tuple[ast.AST, bool]] = [(body, False)]
    while stack:
        node, ready = stack.pop()
        if isinstance(node, ast.Constant):
            assert isinstance(node.value, (int, float))  # the whitelist let only numbers through
            results.append(_number(node.value))
        elif isinstance(node, ast.Name):
            results.append(leaves[node.id])
        elif not ready:
            stack.append((node, True))
            if isinstance(node, ast.BinOp):
                children = [node.left, node.right]
            elif isinstance(node, ast.UnaryOp):
                children = [node.operand]
            else:
                assert isinstance(node, ast.Call)
                children = list(node.args)
            stack.extend((c, False) for c in reversed(children))
        elif isinstance(node, ast.BinOp):
            b = results.pop()
            results.append(_binary(type(node.op), results.pop(), b))
        elif isinstance(node, ast.UnaryOp):
            a = results.pop()
            results.append(-a if isinstance(node.op, ast.USub) else a)
        else:  # a whitelisted call
            assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            n = len(node.args)
            args, results[-n:] = results[-n:], []
            results.append(_call(node.func.id, args))
    return results[0]
