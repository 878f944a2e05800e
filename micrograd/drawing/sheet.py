"""A worksheet's pictures and pages: the exercise with its numbered boxes, the answer key, the HTML.

The page is self-contained and works offline: the picture inline, an input field over every
box, a "check" button, and the checker itself (``sheet.js``, the same steps as
:func:`micrograd.worksheet.judge`) with the boxes' data embedded. It prints on one page for a
lecture-sized graph (the inputs print with what was typed in them).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any, Protocol

from ..core import backward_trace
from .diagram import WIDTH, Diagram, check_looks, check_options, directions, graph, picture
from .dot import printable
from .files import atomic_write_all
from .numbers import format_number
from .picture import Options, View
from .render import TIMEOUT, check_timeout


class Box(Protocol):
    """What the pictures and the page read of a numbered box (:class:`micrograd.worksheet.Box`)."""

    @property
    def number(self) -> int: ...
    @property
    def key(self) -> tuple[Any, ...]: ...
    @property
    def name(self) -> str: ...
    @property
    def answer(self) -> float: ...
    @property
    def step(self) -> Any: ...
    def spec(self) -> dict[str, Any]: ...


class Worksheet(Protocol):
    """What the pictures and the page read of a worksheet (:class:`micrograd.worksheet.Worksheet`): the
    drawing code knows no more of it, so it does not import the module that builds worksheets."""

    @property
    def root(self) -> Any: ...
    @property
    def boxes(self) -> Sequence[Box]: ...
    @property
    def names(self) -> dict[Any, str]: ...
    @property
    def precision(self) -> int: ...
    @property
    def looks(self) -> dict[str, Any]: ...


__all__ = ["exercise_diagram", "key_diagram", "sheet_html", "sheet_shown", "save_sheet"]

FORMATS = ("html", "svg", "png", "pdf")
PORTRAIT_PX = 718  # what a page prints across, in CSS px: A4 at 12 mm margins (190 mm)
LANDSCAPE_PX = 960  # ... turned: US Letter's 11 in at 12 mm margins, the narrower of the two


def _diagram(ws: Worksheet, view: View) -> Diagram:
    looks = dict(ws.looks)
    rankdir = looks.pop("rankdir", "auto")
    width = looks.pop("width", WIDTH)
    font_size = float(looks.pop("font_size", 12.0))
    engine, theme = looks.pop("engine", None), looks.pop("theme", "lecture")
    timeout, max_nodes = looks.pop("timeout", TIMEOUT), looks.pop("max_nodes", 1000)
    collapse, expand = looks.pop("collapse", None), looks.pop("expand", None)
    if looks:
        raise TypeError(f"worksheet() got unexpected keyword arguments: {', '.join(sorted(looks))}")
    check_options("circuit", rankdir, max_nodes, ws.precision, engine)
    check_looks(font_size, width)
    check_timeout(timeout)
    g = graph(ws.root, max_nodes, ws.names, False, collapse, expand)  # collapsed: the boxes' numbers given
    opts = [  # every gate named: the hints speak of df/dn2
        Options("circuit", d, ws.precision, font_size=font_size, show_names=True) for d in directions(rankdir, width)
    ]
    pictures = [picture(g, view, o, max_nodes) for o in opts]
    return Diagram(pictures, style="circuit", engine=engine, theme=theme, width=width, timeout=timeout)


def exercise_diagram(ws: Worksheet) -> Diagram:
    """The circuit with every chosen number replaced by its numbered box."""
    trace = backward_trace(ws.root)
    # with a value to find, no gradient is shown (but those asked for): df/dz = q at f = q*z would tell q
    values_asked = any(b.key[0] == "value" for b in ws.boxes)
    shown = (lambda v: v is ws.root) if values_asked else (lambda v: True)  # the output's 1 is always given
    return _diagram(ws, View(trace, shown, blanks={b.key: b.number for b in ws.boxes}))


def key_diagram(ws: Worksheet) -> Diagram:
    """The circuit with every number shown; the gradients that were boxes are marked."""
    marked: set[Any] = set()
    for b in ws.boxes:
        if b.key[0] == "grad":
            marked.add(b.key[1])
        elif b.key[0] == "wire":
            marked.add((b.key[1], b.key[2]))
    return _diagram(ws, View(backward_trace(ws.root), lambda v: True, flagged=marked))


# ---------------------------------------------------------------- pages


def _arithmetic(box: Box, precision: int) -> str:
    """How the key's number is made, with the numbers: ``-2 · -4 = 8``."""
    n = [format_number(g.value, precision) for g in box.step.inputs]
    answer = format_number(box.answer, precision)
    if box.step.kind == "product":
        return f"{n[0]} · {format_number(box.step.factor, precision)} = {answer}"
    if box.step.kind == "sum":
        return " + ".join(n) + f" = {answer}"
    return f"{box.step.sign} = {answer}"


def _title(ws: Worksheet) -> str:
    f = ws.names[ws.root]
    kinds = {b.key[0] for b in ws.boxes}
    task = "the gradients" if kinds <= {"grad", "wire"} else "the values" if kinds == {"value"} else "the numbers"
    return printable(f"Backpropagation exercise: find {task} of {f}")


_INSTRUCTIONS = (
    "Fill in each numbered box. Values (green, above a wire) flow forward; gradients (red, "
    "italic, below a wire) flow back from the output, whose gradient is 1. On a wire into a gate, "
    "the gradient is the gradient at the gate's output times the gate's local gradient; where a "
    "value is used more than once, the gradients of its uses add up."
)


def sheet_html(ws: Worksheet, *, standalone: bool = False, key: bool = False) -> str:
    """The exercise (or, with ``key``, the answer key) as HTML: a full page, or a fragment for Jupyter."""
    return _sheet_html(ws, (key_diagram(ws) if key else exercise_diagram(ws)).svg(), standalone, key)


def sheet_shown(ws: Worksheet, include: Any = None, exclude: Any = None) -> dict[str, Any]:
    """The exercise as a notebook shows and saves it (a MIME bundle): the page, and the blank sheet as a PNG
    (also inside the page's HTML, with the title and the instructions) for the front ends that run no script
    (an untrusted or exported notebook: :mod:`.still`)."""
    from .still import bundle, img, still_png, with_still

    exercise = exercise_diagram(ws)
    svg = exercise.svg()
    png = still_png(svg)
    note = "<p><i>the boxes take answers where the notebook is trusted, or the cell is run</i></p>"
    still = f"<h3>{html.escape(_title(ws))}</h3><p>{_INSTRUCTIONS}</p>{note}{img(png, exercise.alt_text())}"
    page = with_still(_sheet_html(ws, svg, standalone=False, key=False), still)
    return bundle(repr(ws), svg, html_text=page, png=png, include=include, exclude=exclude, with_svg=False)


def _sheet_html(ws: Worksheet, svg: str, standalone: bool, key: bool) -> str:
    svg = svg[svg.index("<svg") :]  # inline: no XML declaration
    data = json.dumps({"precision": ws.precision, "boxes": [_printable_strings(b.spec()) for b in ws.boxes]})
    pid = "mg-sheet-" + hashlib.sha1((svg + data).encode("utf-8")).hexdigest()[:10]
    title = _title(ws) + (": answer key" if key else "")
    if key:
        rows = "".join(
            f"<tr><td>{b.number}</td><td>{html.escape(printable(b.name))}</td>"
            f"<td>{format_number(b.answer, ws.precision)}</td>"
            f"<td>{html.escape(printable(_arithmetic(b, ws.precision)))}</td></tr>"
            for b in ws.boxes
        )
        body = (
            f'<div class="mg-sheet" id="{pid}"><h1>{html.escape(title)}</h1>\n<div class="mg-picture">{svg}</div>\n'
            f"<table><tr><th>box</th><th>holds</th><th>answer</th><th>how</th></tr>{rows}</table></div>"
        )
    else:
        body = (
            f'<div class="mg-sheet" id="{pid}"><h1>{html.escape(title)}</h1>\n<p>{_INSTRUCTIONS}</p>\n'
            f'<div class="mg-picture">{svg}</div>\n'
            '<p class="mg-actions"><button type="button" class="mg-check">check</button> '
            '<span class="mg-score" aria-live="polite"></span></p>\n'
            '<table class="mg-results" hidden><thead><tr><th>box</th><th>holds</th><th>yours</th>'
            "<th>verdict</th><th>hint</th></tr></thead><tbody></tbody></table>\n"
            f'<script type="application/json" class="mg-data">{_script_safe(data)}</script>\n'
            f"<script>{_js()}\nmicrogradSheet(document.getElementById({json.dumps(pid)}));</script></div>"
        )
    css = _CSS + _print_css(svg)
    if not standalone:
        return f"<style>{css}</style>{body}"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _print_css(svg: str) -> str:
    """A page turned to landscape when the picture is wider than a portrait page prints: printed, it keeps
    its size (text of 12 px at least) up to the landscape page's width."""
    found = re.search(r'<svg[^>]*?\bwidth="([\d.]+)px"', svg)
    width = float(found.group(1)) if found else 0.0
    if width <= PORTRAIT_PX:
        return ""
    return "@media print { @page { size: landscape; } .mg-sheet { max-width: none; } }\n"


def _printable_strings(data: Any) -> Any:
    """``data`` (JSON-able) with every string passed through :func:`printable`: a label's controls shown, a lone
    surrogate (which UTF-8 cannot encode) as U+FFFD."""
    if isinstance(data, str):
        return printable(data)
    if isinstance(data, dict):
        return {k: _printable_strings(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_printable_strings(v) for v in data]
    return data


_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _script_safe(text: str) -> str:
    """JSON inside a <script>: no ``<``, ``>`` or ``&`` at all (as JSON's escapes ``\\u003c`` ...), so that nothing
    a label holds (``</script>``, ``<!--<script>``, which would swallow the checker's script) is markup; the line
    separators U+2028/2029 escaped too."""
    return text.translate(_SCRIPT_SAFE)


def _js() -> str:
    return files("micrograd.drawing").joinpath("sheet.js").read_text(encoding="utf-8")


_CSS = """
.mg-sheet { font-family: Helvetica, Arial, sans-serif; max-width: 100%; margin: 0 auto; color: #1f1f1f; }
.mg-sheet h1 { font-size: 16pt; margin: 0 0 6pt; }
.mg-sheet p { font-size: 10.5pt; line-height: 1.35; margin: 4pt 0; }
.mg-picture svg { max-width: 100%; height: auto; display: block; margin: 6pt auto; }
.mg-sheet table { border-collapse: collapse; font-size: 10pt; margin-top: 6pt; }
.mg-sheet td, .mg-sheet th { border: 1px solid #bbb; padding: 2pt 6pt; text-align: left; vertical-align: top; }
.mg-answer-input { width: 100%; height: 100%; box-sizing: border-box; border: none; background: transparent;
  font: inherit; text-align: center; padding: 0; }
.mg-right { background: #e6f4ea; }
.mg-wrong { background: #fdecea; }
.mg-imprecise { background: #fff4d6; }
@media print {
  @page { margin: 12mm; }
  .mg-actions, .mg-results { display: none !important; }
  .mg-sheet { max-width: 190mm; }
}
"""


# ---------------------------------------------------------------- saving


def _format_of(path: str | os.PathLike[str]) -> str:
    fmt = Path(path).suffix.lstrip(".").lower()
    fmt = "html" if fmt == "htm" else fmt
    if fmt not in FORMATS:
        raise ValueError(f"cannot tell the format of {str(path)!r}: use .html (interactive), .svg, .png or .pdf")
    return fmt


def _bytes(ws: Worksheet, fmt: str, key: bool) -> bytes:
    if fmt == "html":
        return sheet_html(ws, standalone=True, key=key).encode("utf-8")
    return (key_diagram(ws) if key else exercise_diagram(ws)).to_bytes(fmt)


def save_sheet(ws: Worksheet, path: str | os.PathLike[str], answers: str | os.PathLike[str] | None = None) -> Path:
    """Write the exercise to ``path`` and the key to ``answers`` (format by suffix).

    Both are rendered, then both written together (:func:`~micrograd.drawing.files.atomic_write_all`):
    a failure writes neither.
    """
    fmt = _format_of(path)
    key_fmt = _format_of(answers) if answers is not None else None
    sheet = _bytes(ws, fmt, key=False)
    outputs = {path: sheet}
    if answers is not None and key_fmt is not None:
        outputs[answers] = _bytes(ws, key_fmt, key=True)
    return atomic_write_all(outputs)[0]
