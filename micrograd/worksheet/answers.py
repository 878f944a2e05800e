"""A learner's answer: read as a number (one grammar, the same in Python and on the worksheet's page), and
how near it must be to count as right.

The page's checker (``micrograd/drawing/sheet.js``: ``microgradRead``) reads an answer by the
same steps, and a test runs one table of answers through both. The grammar:

1. Folding, character by character: a full-width form (U+FF01 to U+FF5E: ``１``, ``．``, ``－``)
   becomes its ASCII character; ``−`` (U+2212) is ``-``, ``,`` and ``٫`` (U+066B) are the decimal
   point, ``×`` is ``*``, ``÷`` is ``/``, ``π`` is ``pi``, U+3000 and U+00A0 are spaces; any
   other Unicode decimal digit (``٢``, ``२``) becomes its ASCII digit. Nothing else is changed:
   no NFKC, which would read ``5²`` as 52 and ``½`` as 1⁄2.
2. ASCII white space (space, tab, line breaks) around the answer is dropped; an answer left
   empty is no answer.
3. What is left is a number such as ``-8``, ``0.25``, ``.5``, ``1e-3``, or a formula of numbers
   and the constants ``e``, ``pi``, ``inf``, ``nan`` (their letters in either case) with
   ``+ - * / ** ^`` and parentheses, as Python reads it (``-2**2`` is -4, ``2**3**2`` is 512),
   at most :data:`MAX_LENGTH` characters and :data:`MAX_DEPTH` deep; arithmetic as IEEE 754
   (``1/0`` is inf, ``(-8)**(1/3)`` nan). Nothing else is read: ``\\x1c2``, ``2pi``, ``1 000``,
   ``one`` are not numbers. No ``eval``: a tokenizer and a parser of five short functions.

An answer written as a plain number also says how precisely it was given: the *place* of its
last digit (``5.44``: -2, ``5.440``: -3, ``12``: 0, ``1.2e3``: 2). A formula is exact (place
None). A number given as a float (not text) has the place of the last digit of its shortest
repr, at most 0 (``8.0``: 0, ``0.25``: -2).

How near counts as right (:func:`tolerance`): within :data:`RTOL`, or the same to the digits
the picture shows (``precision`` decimals, or significant digits for the very large and very
small). An answer that is the true value rounded to the learner's own digits, but has fewer
digits than that, is right only "to the digits you gave" (:func:`rounding`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from ..floats import div, power

__all__ = [
    "Answer",
    "read_answer",
    "place_of",
    "half_unit",
    "rounding",
    "near",
    "within",
    "tolerance",
    "wanted",
    "RTOL",
    "MAX_LENGTH",
    "MAX_DEPTH",
    "UNREADABLE",
]

RTOL = 1e-6  # a right answer: within this fraction, or rounding to the digits the picture shows
MAX_LENGTH = 100  # characters, after folding
MAX_DEPTH = 20  # parentheses and signs nested
UNREADABLE = "write a decimal number such as -0.25 (a fraction such as 1/3, e and pi are fine too)"

_FOLD = {"\u2212": "-", ",": ".", "\u066b": ".", "\u00d7": "*", "\u00f7": "/", "\u03c0": "pi"}
_FOLD |= {"\u3000": " ", "\u00a0": " "}
_SPACE = " \t\n\r\f\v"
_TOKEN = re.compile(
    r"[ \t\n\r\f\v]*(?:(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)|(?P<name>[A-Za-z]+)|"
    r"(?P<op>\*\*|[-+*/^()]))"
)
_CONSTANTS = {"e": math.e, "pi": math.pi, "inf": math.inf, "infinity": math.inf, "nan": math.nan}


@dataclass(frozen=True)
class Answer:
    """A learner's number and the place of the last digit they wrote (``10**place``; None: exact)."""

    value: float
    place: int | None


def read_answer(text: str) -> Answer | None:
    """``text`` read by the grammar above; None if it is empty; ValueError if it is not a number."""
    folded = _fold(text).strip(_SPACE)
    if not folded:
        return None
    tokens = _tokens(folded) if len(folded) <= MAX_LENGTH else None
    value = _Parser(tokens).value() if tokens else None
    if value is None:
        raise ValueError(f"cannot read {text!r} as a number: {UNREADABLE}")
    assert tokens is not None
    signed = len(tokens) == 2 and tokens[0] in (("op", "+"), ("op", "-"))
    plain = tokens[-1][0] == "number" and (len(tokens) == 1 or signed)  # a number, perhaps signed: not exact
    return Answer(value, _place_written(tokens[-1][1]) if plain else None)


def place_of(x: float) -> int | None:
    """The place of the last digit of ``x``'s shortest repr, at most 0 (``5.44``: -2, ``100.0``: 0); None if
    not finite."""
    if not math.isfinite(x):
        return None
    exponent = Decimal(repr(float(x))).normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return min(exponent, 0)


def half_unit(place: int | None) -> float:
    """Half a unit in the given place (``-2``: 0.005): how far the number written may be from what was meant.
    0 for an exact answer. Read from text (``"1e-2"``), as the page computes it, so both have the same bits."""
    return 0.0 if place is None else 0.5 * float(f"1e{place}")


# ---------------------------------------------------------------- how near counts as right


def within(mine: float, redone: list[float], tolerance: float) -> bool:
    """``mine`` between the least and the greatest of ``redone`` (a step redone over a rounded input's range),
    give or take ``tolerance``."""
    if all(math.isfinite(r) for r in redone) and math.isfinite(mine):
        return min(redone) - tolerance <= mine <= max(redone) + tolerance
    return any(near(mine, r, tolerance) for r in redone)


def near(a: float, b: float, tolerance: float) -> bool:
    """``a`` within ``tolerance`` of ``b``; nan only near nan, an infinity only near itself."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= tolerance


def wanted(answer: float, precision: int = 4) -> str:
    """The precision :func:`tolerance` asks of ``answer``, in words: ``"4 decimals"``, ``"4 significant digits"``."""
    if not math.isfinite(answer):
        return "the exact value"
    if answer.is_integer() or 1e-3 <= abs(answer) < 1e4:
        return f"{precision} decimal" + "s" * (precision != 1)
    return f"{precision} significant digit" + "s" * (precision != 1)


def tolerance(answer: float, precision: int = 4) -> float:
    """How far from ``answer`` still counts as right: RTOL of it, or half a unit in the last digit shown."""
    if not math.isfinite(answer):
        return 0.0
    shown = abs(answer)
    if answer.is_integer() or 1e-3 <= shown < 1e4:
        half = 0.5 * 10.0**-precision  # written with `precision` decimals (integers exactly, but allow that)
    else:
        half = 0.5 * 10.0 ** (math.floor(math.log10(shown)) - precision + 1)
    return max(RTOL * shown, half, 1e-12)


def rounding(mine: float, place: int | None) -> float:
    """How far from ``mine`` the number the learner rounded to it may have been: half a unit in the ``place`` of
    their last digit; 0 for an exact answer, and for 0 (which everything small rounds to: it tells nothing)."""
    if mine == 0 or not math.isfinite(mine):
        return 0.0
    return half_unit(place) * (1 + 1e-9)  # 0.2 for 0.15: the difference is 0.05000000000000002


# ---------------------------------------------------------------- the grammar


def _place_written(number: str) -> int:
    mantissa, _, exponent = number.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return max(-400, min(400, int(exponent or 0) - decimals))


def _fold(text: str) -> str:
    out = []
    for ch in text:
        if "\uff01" <= ch <= "\uff5e":
            ch = chr(ord(ch) - 0xFEE0)
        if ch in _FOLD:
            ch = _FOLD[ch]
        elif ch >= "\x80" and (digit := unicodedata.decimal(ch, None)) is not None:
            ch = str(digit)
        out.append(ch)
    return "".join(out)


def _tokens(text: str) -> list[tuple[str, str]] | None:
    tokens, at = [], 0
    while at < len(text):
        found = _TOKEN.match(text, at)
        if found is None or found.lastgroup is None:
            return None
        tokens.append((found.lastgroup, found.group(found.lastgroup)))
        at = found.end()
    return tokens


class _Parser:
    """sum := product (("+"|"-") product)*; product := signed (("*"|"/") signed)*;
    signed := ("+"|"-") signed | power; power := atom (("**"|"^") signed)?; atom := number | constant | "(" sum ")"."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.at, self.depth = tokens, 0, 0

    def value(self) -> float | None:
        try:
            x = self.sum()
        except ValueError:
            return None
        return x if self.at == len(self.tokens) else None

    def _op(self, *ops: str) -> str | None:
        if self.at < len(self.tokens) and self.tokens[self.at] in [("op", o) for o in ops]:
            self.at += 1
            return self.tokens[self.at - 1][1]
        return None

    def sum(self) -> float:
        x = self.product()
        while op := self._op("+", "-"):
            y = self.product()
            x = x + y if op == "+" else x - y
        return x

    def product(self) -> float:
        x = self.signed()
        while op := self._op("*", "/"):
            y = self.signed()
            x = x * y if op == "*" else div(x, y)
        return x

    def signed(self) -> float:
        if op := self._op("+", "-"):
            x = self._deeper(self.signed)
            return -x if op == "-" else x
        return self.power()

    def power(self) -> float:
        x = self.atom()
        if self._op("**", "^"):
            return power(x, self._deeper(self.signed))
        return x

    def atom(self) -> float:
        if self._op("("):
            x = self._deeper(self.sum)
            if not self._op(")"):
                raise ValueError("( without )")
            return x
        if self.at == len(self.tokens):
            raise ValueError("a number is missing")
        kind, text = self.tokens[self.at]
        self.at += 1
        if kind == "number":
            return float(text)
        if kind == "name" and text.lower() in _CONSTANTS:
            return _CONSTANTS[text.lower()]
        raise ValueError(f"not a number: {text}")

    def _deeper(self, part: Callable[[], float]) -> float:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ValueError("nested too deep")
        x = part()
        self.depth -= 1
        return x
