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
the problem and its column, and for the usual slips of math notation what to write instead:
``x^2`` (write ``x**2``), ``2x`` and ``x(y+1)`` (products), ``ln(x)`` and other notations'
functions (:data:`_OTHER_NOTATIONS`: ``log(x)``, ...).
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
import warnings
from collections.abc import Callable, Collection, Mapping

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


_OTHER_NOTATIONS: dict[str, tuple[str, str]] = {  # another notation's function -> (advice, the same here)
    "ln": ("use log (the natural logarithm)", "log({0})"),
    "log10": ("use log (the natural logarithm)", "log({0})/log(10)"),
    "log2": ("use log (the natural logarithm)", "log({0})/log(2)"),
    "pow": ("use ** for powers", "{0}**{1}"),
    "power": ("use ** for powers", "{0}**{1}"),
    "sqr": ("use ** for powers", "{0}**2"),
    "square": ("use ** for powers", "{0}**2"),
    "tan": ("use sin and cos", "sin({0})/cos({0})"),
    "sinh": ("use exp", "(exp({0}) - exp(-{0}))/2"),
    "cosh": ("use exp", "(exp({0}) + exp(-{0}))/2"),
    "fabs": ("use abs", "abs({0})"),
    "logistic": ("use sigmoid", "sigmoid({0})"),
    "expit": ("use sigmoid", "sigmoid({0})"),
    "softplus": ("use log and exp", "log(1 + exp({0}))"),
    "inv": ("use recip", "recip({0})"),
    "reciprocal": ("use recip", "recip({0})"),
    "maximum": ("use max", "max({0}, {1})"),
    "minimum": ("use min", "min({0}, {1})"),
    "fmax": ("use max", "max({0}, {1})"),
    "fmin": ("use min", "min({0}, {1})"),
}
_NUMBER_THEN_NAME = re.compile(  # "2x", "2.5x", "3e2x": Python's "invalid decimal literal", a product meant
    r"(?<![\w.])((?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)([^\W\d]\w*)"
)
_VARIABLE_LIKE = re.compile(r"[^\W\d_]_?\d*")  # x, w0, x_1: a name before "(" is more likely a factor than a function
_SHORT = 24  # characters of the formula's own text quoted in a message, at most (then shortened in the middle)


class ExprError(ValueError):
    """A formula that cannot be read or evaluated: ``message``, and ``column`` (1-based) where known."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.message = message
        self.column = column
        super().__init__(f"{message} (column {column})" if column is not None else message)


class _Source:
    """The formula's text, and where ast's positions fall in it.

    ast counts UTF-8 bytes from the first non-blank character (the text is parsed without its
    leading blanks, which ast.parse refuses); messages count characters from the very start.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        code = text.lstrip()
        self._indent = len(text) - len(code)
        self._bytes = code.encode("utf-8")

    def index(self, offset: int) -> int:
        """0-based character index in ``text`` of an ast byte offset."""
        return self._indent + len(self._bytes[:offset].decode("utf-8", errors="ignore"))

    def start(self, node: ast.AST) -> int:
        return self.index(getattr(node, "col_offset", 0))

    def end(self, node: ast.AST) -> int:
        return self.index(getattr(node, "end_col_offset", 0) or 0)

    def column(self, node: ast.AST) -> int:
        """1-based character column of ``node``."""
        return self.start(node) + 1

    def segment(self, node: ast.AST) -> str:
        return self.text[self.start(node) : self.end(node)]


def _short(text: str) -> str:
    """``text``, or its start and end around ``...`` if it is long."""
    if len(text) <= _SHORT:
        return text
    half = (_SHORT - 3) // 2
    return f"{text[:half]}...{text[-half:]}"


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
        (label = its name). Every variable must be bound, and nothing else. Names are taken
        as Python reads them in the formula (NFKC): ``ｘ`` binds the formula's ``x``.
        """
        values = _as_python_reads(values)
        unbound = [n for n in self.variables if n not in values]
        if unbound:
            raise ExprError(_unbound_message(unbound), self._first_column(unbound[0]))
        extra = [n for n in values if n not in self.variables]
        if extra:
            names = ", ".join(map(repr, extra))
            are = "is not a variable" if len(extra) == 1 else "are not variables"
            raise ExprError(f"{names} {are} of the expression (its variables: {', '.join(self.variables) or 'none'})")
        leaves = {name: Value(values[name], label=name) for name in self.variables}
        out = _evaluate(self.tree.body, leaves)
        root = out if isinstance(out, Value) else Value(out)
        return root, leaves

    def _first_column(self, name: str) -> int:
        """Column of the first occurrence of the variable ``name``."""
        source = _Source(self.text)
        return min(source.column(n) for n in ast.walk(self.tree) if isinstance(n, ast.Name) and n.id == name)


def _as_python_reads(values: Mapping[str, float]) -> dict[str, float]:
    """``values`` with each name normalised as Python normalises the formula's names (NFKC)."""
    named: dict[str, float] = {}
    given: dict[str, str] = {}
    for name, value in values.items():
        key = unicodedata.normalize("NFKC", name) if isinstance(name, str) else name
        if key in given:
            raise ExprError(f"variable {key!r} given twice (as {given[key]!r} and {name!r})")
        given[key], named[key] = name, value
    return named


def _unbound_message(names: list[str]) -> str:
    if len(names) == 1:
        return f"unbound variable {names[0]!r}: give it a value, e.g. {names[0]}=1"
    listed = ", ".join(map(repr, names))
    return f"unbound variables {listed}: give each a value, e.g. {' '.join(f'{n}=1' for n in names)}"


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
        with warnings.catch_warnings():  # e.g. "1if x": a warning printed would be a stray line on the command line
            warnings.simplefilter("ignore")
            tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        col = exc.offset if exc.offset and exc.offset > 0 else len(stripped) + 1
        raise _syntax_error(exc.msg, flat, col + indent) from None
    except (RecursionError, MemoryError):
        raise ExprError("expression nested too deeply") from None
    except ValueError as exc:  # e.g. a literal with more digits than Python converts
        raise ExprError(f"cannot read the expression: {exc}") from None
    variables = _check(tree, flat)
    return Expression(flat, tree, variables)


def _syntax_error(message: str, text: str, column: int) -> ExprError:
    """The ExprError for Python's SyntaxError ``message`` at ``column``; for ``2x``, what to write instead."""
    if message == "invalid decimal literal":
        for m in _NUMBER_THEN_NAME.finditer(text):
            if m.start() < column <= m.end():
                number, name = m.groups()
                return ExprError(
                    f"syntax error: {m[0]} is not a number: to multiply, write {number}*{name}", m.start() + 1
                )
    return ExprError(f"syntax error: {message}", column)


def build(text: str, **values: float) -> Value:
    """Shortcut: ``build("x*y + 1", x=2, y=3)`` is the output Value (gradients not yet computed)."""
    return parse(text).evaluate(values)[0]


# ---------------------------------------------------------------- the whitelist


def _check(tree: ast.Expression, text: str) -> tuple[str, ...]:
    """Raise ExprError at the leftmost mistake (column); return the variable names in order of appearance."""
    source = _Source(text)
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    nodes = sorted(
        (n for n in ast.walk(tree.body) if hasattr(n, "col_offset")),
        key=lambda n: (n.col_offset, -getattr(n, "end_col_offset", 0)),
    )
    variables = [n.id for n in nodes if isinstance(n, ast.Name) and id(n) not in called]
    problems = [p for n in nodes if (p := _problem(n, source, variables, id(n) in called))]
    if problems:
        message, column = min(problems, key=lambda p: p[1])  # the first of those at the leftmost column
        raise ExprError(message, column)
    return tuple(dict.fromkeys(variables))


def _problem(node: ast.AST, source: _Source, variables: Collection[str], called: bool) -> tuple[str, int] | None:
    """What is wrong with this one node, and its column; None if the grammar allows it."""
    if isinstance(node, ast.BinOp) and type(node.op) not in _BINARY:
        return _operator_problem(node, source)
    if isinstance(node, ast.Call):
        message = _call_problem(node, source, variables)
    elif isinstance(node, ast.Name):
        message = (
            f"{node.id} is a function: call it, as in {node.id}(x)" if node.id in FUNCTIONS and not called else None
        )
    else:
        message = _node_problem(node)
    return None if message is None else (message, source.column(node))


def _node_problem(node: ast.AST) -> str | None:
    kind = type(node)
    if kind in _FORBIDDEN:
        return f"{_FORBIDDEN[kind]} not allowed"
    if isinstance(node, ast.UnaryOp):
        op = type(node.op)
        return None if op in _UNARY else f"operator {_OPERATOR_NAMES.get(op, op.__name__)} not allowed"
    if isinstance(node, ast.BinOp):
        return None
    if isinstance(node, ast.Constant):
        v = node.value
        if type(v) in (int, float):
            return None
        what = {bool: "booleans", complex: "complex numbers", str: "strings", bytes: "strings"}.get(type(v))
        return f"{what or repr(v)} not allowed: only real numbers"
    return f"{kind.__name__} not allowed in an expression"


def _operator_problem(node: ast.BinOp, source: _Source) -> tuple[str, int]:
    """A binary operator outside the grammar, at its own column (ast has none: it is between the operands)."""
    op = type(node.op)
    symbol = _OPERATOR_NAMES.get(op, op.__name__)
    at = source.text.find(symbol, source.end(node.left), source.start(node.right))
    at = at if at >= 0 else source.start(node)
    if symbol != "^":
        return f"operator {symbol} not allowed (operators: {' '.join(_BINARY.values())})", at + 1
    left = source.text[source.start(node) : at].rstrip()
    right = source.text[at + 1 : source.end(node)].lstrip()
    return f"operator ^ not allowed: for powers use **, as in {_short(left)}**{_short(right)}", at + 1


def _call_problem(node: ast.Call, source: _Source, variables: Collection[str]) -> str | None:
    func = node.func
    if type(func) in _FORBIDDEN:  # lambda, attribute, subscript, ...: name the real problem
        message = f"{_FORBIDDEN[type(func)]} not allowed"
        same = _same_here(func.attr, node, source) if isinstance(func, ast.Attribute) else None
        return f"{message}: write {same}" if same else message  # math.exp(x): write exp(x)
    if not isinstance(func, ast.Name):
        return _not_a_function(node, source)
    name = func.id
    if name not in FUNCTIONS:
        return _unknown_function(name, node, source, variables)
    if node.keywords:
        return f"{name}() takes no keyword arguments"
    arity = FUNCTIONS[name][0]
    if len(node.args) == arity:
        return None
    message = f"{name}() takes {arity} argument{'s' if arity > 1 else ''}, got {len(node.args)}"
    if arity == 2 and len(node.args) > 2:
        message += f": nest them, as in {_nested(name, [_short(source.segment(a)) for a in node.args])}"
    return message


def _unknown_function(name: str, node: ast.Call, source: _Source, variables: Collection[str]) -> str:
    """``ln(x)``: the function of this grammar to use; ``x(y+1)``: a product; else the list of functions."""
    lower = name.lower()
    advice = _advice(lower)
    if advice:
        same = _same_here(lower, node, source)
        return f"unknown function {name!r}: {advice}" + (f", as in {same}" if same else "")
    factors = _factors(node, source)
    if factors and (name in variables or _VARIABLE_LIKE.fullmatch(name)):
        return f"{name} is not a function: {_product(*factors)}"
    return f"unknown function {name!r} (functions: {', '.join(FUNCTIONS)})"


def _advice(name: str) -> str | None:
    """What to use instead of the function ``name`` (lowercase), if it is one of FUNCTIONS or of another notation."""
    if name in FUNCTIONS:
        return f"use {name} (function names are lowercase)"
    return _OTHER_NOTATIONS[name][0] if name in _OTHER_NOTATIONS else None


def _not_a_function(node: ast.Call, source: _Source) -> str:
    """A call of something other than a name: ``2(x+1)``, ``(x+1)(x-1)``, ``exp(x)(2)``."""
    functions = f"only the functions {', '.join(FUNCTIONS)} may be called"
    func = node.func
    number = isinstance(func, ast.Constant) and type(func.value) in (int, float)
    factors = _factors(node, source) if number or isinstance(func, (ast.Call, ast.BinOp, ast.UnaryOp)) else None
    if factors is None:
        return functions
    return f"{_short(factors[0])} is not a function: {_product(*factors)}; {functions}"


def _factors(node: ast.Call, source: _Source) -> tuple[str, str] | None:
    """``x(y+1)`` -> ``("x", "(y+1)")``: the text before the call's parenthesis and from it (None unless 1 argument)."""
    if len(node.args) != 1 or node.keywords or isinstance(node.args[0], (ast.Starred, ast.GeneratorExp)):
        return None
    paren = source.text.index("(", source.end(node.func))
    return source.text[source.start(node) : paren].rstrip(), source.text[paren : source.end(node)]


def _product(left: str, right: str) -> str:
    return f"to multiply, write {_short(left)}*{_short(right)}"


def _same_here(name: str, node: ast.Call, source: _Source) -> str | None:
    """The call ``name(args)`` written in this grammar (``pow(x, 2)``: ``x**2``), or None if it cannot be."""
    if name in FUNCTIONS:
        arity = FUNCTIONS[name][0]
        template = f"{name}({', '.join(f'{{{i}}}' for i in range(arity))})"
    elif name in _OTHER_NOTATIONS:
        template = _OTHER_NOTATIONS[name][1]
        arity = 2 if "{1}" in template else 1
    else:
        return None
    if len(node.args) != arity or node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    return re.sub(r"\{(\d)\}", lambda m: _argument(m, node.args[int(m[1])], source), template)


def _argument(slot: re.Match[str], arg: ast.expr, source: _Source) -> str:
    """The text of ``arg`` for a ``{i}`` slot of a template: in parentheses if an operator would bind it."""
    text = _short(source.segment(arg))
    template, start, end = slot.string, slot.start(), slot.end()
    alone = start > 0 and template[start - 1] in "( " and template[end : end + 1] in (")", ",")
    return text if alone or not isinstance(arg, (ast.BinOp, ast.UnaryOp)) else f"({text})"


def _nested(name: str, args: list[str]) -> str:
    """``max(a, b, c)`` as the grammar writes it: ``max(a, max(b, c))``."""
    text = args[-1]
    for arg in reversed(args[:-1]):
        text = f"{name}({arg}, {text})"
    return text


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
