"""One notation for every text the package writes: pictures, captions, ``explain``, tooltips, worksheets.

- **d for totals, ∂ for a gate's local derivative**: the gradient of the output ``f`` at a
  node ``x`` is ``df/dx``; what one gate ``q`` does to its input is ``∂q/∂x``; the chain rule
  along one wire is ``df/dx = df/dq · ∂q/∂x`` (:func:`total`, :func:`local`, :func:`chain`).
- **Gates in mathematical glyphs** (:func:`gate_text`): ``+``, ``−``, ``×``, ``÷``, ``x²``,
  ``xⁿ``, ``σ``, ``√``, ``1/x``, ``|x|``, ``exp``, ``log``, ``tanh``, ``max``; constants written
  in (``+1``, ``−1``: subtract 1, ``×2``, ``÷4``, ``1−x``, ``2ˣ``, ``max 0``). Negation is drawn
  one way, the lecture's ``×−1``, whether it was ``-x`` or ``x * -1``. A gate's placeholder
  (the ``x`` of ``x²``) is never the name of a node in the same picture: ``u²`` beside an input
  named ``x``.
- **Identity gates hidden** (:func:`identity_gates`): ``sum()`` starts from ``0 + a``, and a
  derivative graph multiplies by the seed 1 and raises to the power 1. Such a gate passes its
  input through unchanged (value, and gradient: its local derivative is exactly 1), so a
  picture leaves it out and its consumer reads straight from its input; the numbers on that
  wire are still the backward trace's own (:func:`wires_into`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..core import BackwardTrace, Wire
from .names import is_constant
from .numbers import format_value, shape_text

__all__ = [
    "MINUS",
    "total",
    "local",
    "chain",
    "minus",
    "minus_signs",
    "gate_text",
    "formula",
    "placeholders",
    "identity_gates",
    "wires_into",
    "derivative_name",
]

MINUS = "\u2212"  # the minus sign (not the hyphen)
PARTIAL = "\u2202"
TIMES = "\u00d7"
DOT = "\u00b7"  # the product of the chain rule's factors, symbols and numbers alike

_PLACEHOLDERS = ("x", "u", "z", "s", "w", "y", "v")  # letters with a superscript in the pictures' font
_SUPERSCRIPT_LETTER = {"x": "ˣ", "y": "ʸ", "u": "ᵘ", "v": "ᵛ", "z": "ᶻ", "w": "ʷ", "s": "ˢ"}
_SUPERSCRIPT_DIGIT = {"1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹"}
# (no ⁰ or ⁻: the bundled font lacks them, so x¹⁰ and x⁻¹ are written x^10 and x^−1)

_GLYPHS = {"+": "+", "-": MINUS, "*": TIMES, "/": "÷", "sigmoid": "σ", "sqrt": "√", "neg": f"{TIMES}{MINUS}1"}


# ---------------------------------------------------------------- derivatives


def _term(name: str) -> str:
    """A name as one term of a derivative: ``(dy/dx)`` in brackets when it is written with a fraction or spaces."""
    return f"({name})" if "/" in name or " " in name else name


def total(f: str, x: str) -> str:
    """The total derivative of ``f`` with respect to ``x``: ``df/dx`` (what ``backward()`` leaves in ``x.grad``)."""
    return f"d{_term(f)}/d{_term(x)}"


def local(q: str, x: str) -> str:
    """A gate's local derivative: ``∂q/∂x``, the gate ``q`` alone, its other inputs held."""
    return f"{PARTIAL}{_term(q)}/{PARTIAL}{_term(x)}"


def chain(f: str, q: str, x: str) -> str:
    """The chain rule along the wire from ``x`` into the gate ``q``: ``df/dq · ∂q/∂x``."""
    return f"{total(f, q)}{' ' + DOT + ' '}{local(q, x)}"


def minus(text: str) -> str:
    """A number's text with the minus sign in place of a hyphen: ``−4``."""
    return MINUS + text[1:] if text.startswith("-") else text


def minus_signs(text: str) -> str:
    """Every hyphen of a formula (a rule's local derivative, ``-{a}/{b}²``) as the minus sign."""
    return text.replace("-", MINUS)


# ---------------------------------------------------------------- gates


def placeholders(taken: Iterable[str] = (), n: int = 1) -> list[str]:
    """``n`` letters for a gate's inputs (``x``, then ``u``, ``z``, ...) that are no node's name in ``taken``."""
    names = set(taken)
    free = [c for c in _PLACEHOLDERS if c not in names]
    return (free + ["□"] * n)[:n]


def _superscript(text: str) -> str | None:
    if all(c in _SUPERSCRIPT_DIGIT for c in text):
        return "".join(_SUPERSCRIPT_DIGIT[c] for c in text)
    return _SUPERSCRIPT_LETTER.get(text)


def _power(base: str, exponent: str) -> str:
    """``x²``, ``2ˣ``; ``x^0.5`` and ``x^−1`` where the font has no superscript for the exponent."""
    sup = _superscript(exponent)
    return base + sup if sup else f"{base}^{exponent}"


def _number(c: Any, precision: int) -> str:
    return minus(format_value(c.data, precision) or shape_text(c.data))


def _magnitude(text: str) -> tuple[bool, str]:
    """(negative, the number without its sign)."""
    return (True, text[1:]) if text.startswith(MINUS) else (False, text)


def gate_text(v: Any, precision: int = 4, taken: Iterable[str] = ()) -> str:
    """The gate of ``v`` in mathematical glyphs, its constants written in.

    ``×``, ``÷``, ``−`` (two inputs), ``σ``, ``√``, ``1/x``, ``|x|``, ``exp``, ``×−1`` (negation);
    with a constant: ``+1``, ``−1`` (subtract 1), ``×2``, ``÷4``, ``x²``, ``x^0.5``, ``1−x``,
    ``2/x``, ``2ˣ``, ``max 0``. ``taken``: the names of the picture's nodes, which a placeholder
    (the ``x`` of ``x²``) must not be.
    """
    op = v._op or "?"
    shown = v.op or "?"  # a tensor's op with its settings: sum(0)
    constants = [(i, p) for i, p in enumerate(v.parents) if is_constant(p)]
    (x, y) = placeholders(taken, 2)
    if not constants:
        if op == "**":  # xʸ, else uᵛ, else sʷ
            names = set(taken)
            pairs = [(b, e) for b, e in (("x", "y"), ("u", "v"), ("s", "w")) if b not in names and e not in names]
            return _power(*pairs[0]) if pairs else "pow"
        if op == "1/x":
            return f"1/{x}"
        if op == "abs":
            return f"|{x}|"
        return _GLYPHS.get(op, shown) if op == shown else shown
    glyph = _GLYPHS.get(op, shown) if op == shown else shown
    if len(v.parents) != 2:  # an op of many inputs: its constants listed under it
        return glyph + "\n" + ", ".join(_number(p, precision) for _, p in constants)
    (i, c) = constants[0]
    number = _number(c, precision)
    negative, size = _magnitude(number)
    if op == "+":
        return (MINUS if negative else "+") + size  # x + (−1) is x − 1
    if op == "-":
        return f"{number}{MINUS}{x}" if i == 0 else ("+" if negative else MINUS) + size
    if op == "*":
        return f"{TIMES}{number}"
    if op == "/":
        return f"{number}/{x}" if i == 0 else f"÷{number}"
    if op == "**":
        return _power(number, x) if i == 0 else _power(x, number)
    if op.isalpha():
        return f"{glyph} {number}"
    if i == 1 or op in ("+", "*", "max", "min"):
        return f"{glyph}{number}"
    return f"{number}{glyph}{x}"


def formula(v: Any, name: Callable[[Any], str], precision: int = 4) -> str:
    """The op of ``v`` written with its inputs (``name(p)``; constants by their number): ``a × b``, ``x²``,
    ``−a``, ``σ(a)``, ``max(a, b)``."""
    args = [_number(p, precision) if is_constant(p) else name(p) for p in v.parents]
    op = v._op
    if op in ("+", "-", "*", "/") and len(args) == 2:
        glyph = "/" if op == "/" else _GLYPHS[op]
        return f"{args[0]} {glyph} {args[1]}"
    if op == "**" and len(args) == 2:
        return _power(args[0] if len(args[0]) == 1 else f"({args[0]})", args[1])
    if op == "neg":
        return f"{MINUS}{args[0]}"
    if op == "1/x":
        return f"1/{args[0]}"
    if op == "abs":
        return f"|{args[0]}|"
    if op == "sqrt":
        return f"√{args[0]}" if len(args[0]) == 1 else f"√({args[0]})"
    if op == "sigmoid":
        return f"σ({args[0]})"
    return f"{op.lower() if op == 'ReLU' else v.op}({', '.join(args)})"


# ---------------------------------------------------------------- identity gates


def _identity_source(v: Any) -> Any:
    """The input an identity gate passes through (``a + 0``, ``0 + a``, ``a − 0``, ``a × 1``, ``1 × a``,
    ``a ÷ 1``, ``a¹``), or None if ``v`` is not one."""
    if len(v.parents) != 2 or not isinstance(v.data, float):
        return None
    a, b = v.parents
    if is_constant(a) == is_constant(b):
        return None
    i, c = (0, a) if is_constant(a) else (1, b)
    other = b if i == 0 else a
    if not isinstance(c.data, (float, int)):
        return None
    identity = {"+": (0.0, (0, 1)), "-": (0.0, (1,)), "*": (1.0, (0, 1)), "/": (1.0, (1,)), "**": (1.0, (1,))}
    rule = identity.get(v._op)
    if rule is None or c.data != rule[0] or i not in rule[1]:
        return None
    return other


def identity_gates(nodes: Iterable[Any], root: Any) -> dict[Any, Any]:
    """Each identity gate among ``nodes`` -> the node it passes through (chains of them followed).

    The output ``root`` is left out too when what it passes through is a gate of its own (that
    gate then shows the output); a picture of ``x * 1`` still shows its one gate.
    """
    hidden: dict[Any, Any] = {}
    for v in nodes:  # parents first: a chain resolves to its first input
        source = _identity_source(v)
        if source is not None:
            hidden[v] = hidden.get(source, source)
    if root in hidden and (hidden[root].is_leaf or (hidden[root].label and root.label)):
        del hidden[root]  # the output keeps its gate: the input is a leaf, or both are named
    return hidden


def wires_into(trace: BackwardTrace, v: Any, hidden: Mapping[Any, Any]) -> list[Wire]:
    """The wires the gradient of ``v`` comes back along, as a picture without the ``hidden`` gates has
    them: a wire into a hidden gate's consumer stands for the wire from ``v`` through that gate
    (its local derivative 1 leaves the number unchanged), so each number is the trace's own."""
    wires: list[Wire] = []
    stack = trace.into(v)[::-1]
    while stack:  # no recursion: a chain of 20,000 of them (x * 1 * 1 ...) is one wire
        w = stack.pop()
        if w.node in hidden:
            stack += trace.into(w.node)[::-1]
        else:
            wires.append(w)
    return wires


# ---------------------------------------------------------------- a derivative's name


def derivative_name(f: str, x: str) -> str:
    """The name of the derivative of a node named ``f`` with respect to ``x``: ``dy/dx``, and once
    more ``d²y/dx²`` (the derivative of a node already named ``dy/dx``)."""
    for n in range(1, 10):
        sup = "" if n == 1 else _SUPERSCRIPT_DIGIT[str(n)]
        head, tail = f"d{sup}", f"/d{x}{sup}"
        if f.startswith(head) and f.endswith(tail) and len(f) > len(head) + len(tail):
            inner = f[len(head) : -len(tail)]
            nxt = _SUPERSCRIPT_DIGIT[str(n + 1)]
            return f"d{nxt}{inner}/d{x}{nxt}"
    return total(f, x)
