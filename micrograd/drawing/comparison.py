"""The correct backward pass beside a buggy one, every gradient that differs marked: ``compare_backward``.

The two pictures are of the same graph, in the same direction: on the left the backward trace
(:class:`~micrograd.core.BackwardTrace`), on the right the numbers a buggy engine gives
(:mod:`micrograd.mistakes`), with each gradient that differs drawn bold on a marker. A
:class:`Comparison` shows inline in Jupyter (HTML: the pictures side by side, or one under the
other when they are too wide, and the mistake explained), and saves as one SVG or PNG (both
pictures in one, with their headings and the explanation under them), as a web page or as DOT.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ..engine import Value
from ..mistakes import Passes, compare, mistake_named
from ..mistakes import _same as _same
from .boxes import NORM, sent_back
from .collapse import Box, check_collapse, square_norm
from .diagram import (
    OWN,
    WIDTH,
    Diagram,
    OwnTimeout,
    check_looks,
    check_options,
    directions,
    graph,
    picture,
)
from .dot import printable
from .errors import RenderTimeout
from .files import atomic_write
from .numbers import format_number
from .picture import Graph, Options, View
from .render import TIMEOUT, Deadline, check_timeout
from .svg import NS, captioned, text_line
from .theme import Theme, theme_named

__all__ = ["compare_backward", "Comparison", "Difference", "Panels", "FORMATS"]

FORMATS = ("svg", "png", "html", "dot")
GAP = 28.0  # px between the two pictures
HEADING = 14.0  # px: a heading's first line (bold); its second line is a little smaller
BAND = HEADING * 3.2  # px: a heading's two lines and a little air, over its picture
INDENT = 6.5  # px: headings start where the text under the pictures does
TEXT_WIDTH = 560.0  # px: the least width of a saved comparison, so its explanation reads as a paragraph
_BOLD_EM = 0.62  # a bold character's width at most (Helvetica, Liberation Sans), in em: headings never overlap
_S = f"{{{NS}}}"


class Difference(NamedTuple):
    """A node whose gradient the buggy pass gets wrong: its ``name`` in the pictures, the ``correct``
    gradient and the ``buggy`` one. Drawn collapsed, also a wire into a box, named with it (``x back
    through enc``: what the box sends back to ``x``; ``n4 out of enc``: a value leaving a box); a wire
    of many values is named ``||grad|| of 12 values back into pos3``, its numbers their ``||grad||``."""

    name: str
    correct: float | None
    buggy: float | None

    def said(self, f: str, precision: int) -> str:
        """``df/dx back through enc = 2 instead of 3``."""
        what = self.name if self.name.startswith(NORM) else f"d{f}/d{self.name}"
        return f"{what} = {_number(self.buggy, precision)} instead of {_number(self.correct, precision)}"


class Comparison:
    """The correct backward pass beside a buggy one: ``correct`` and ``buggy`` (Diagrams), ``mistake``,
    ``differences``; ``.svg()``, ``.png()``, ``.html()``, ``.save(path)``; shows inline in Jupyter.

    ``passes`` holds both traces (``passes.correct``, ``passes.buggy``) and the graph (``passes.root``).
    """

    def __init__(self, passes: Passes, g: Graph, correct: Diagram, buggy: Diagram, precision: int = 4) -> None:
        self.passes = passes
        self.mistake = passes.mistake
        self.graph = g
        self.correct = correct
        self._choices = buggy  # the buggy picture in every direction the correct one may take
        self._buggy: Diagram | None = buggy if len(buggy.pictures) == 1 else None
        self.precision = precision

    @property
    def buggy(self) -> Diagram:
        """The buggy pass's picture, laid out in the same direction as the correct one."""
        if self._buggy is None:
            rankdir = self.correct.decide()
            d = self._choices
            chosen = [p for p in d.pictures if p.rankdir == rankdir]
            self._buggy = Diagram(
                chosen, style=d.style, engine=d.engine, theme=d.theme, width=d.width, timeout=d.timeout
            )
        return self._buggy

    @property
    def theme(self) -> Theme:
        return self.correct.theme

    @property
    def width(self) -> float | None:
        return self.correct.width

    @property
    def source(self) -> str:
        """The DOT of both pictures, the correct one first (one graph after the other)."""
        return self.correct.source + self.buggy.source

    @property
    def differences(self) -> list[Difference]:
        """Every node whose gradient differs, in topological order (parents first); drawn collapsed, every
        element and wire drawn whose gradient differs (:func:`_collapsed_differences`)."""
        correct, buggy = self.passes.correct.grads, self.passes.buggy.grads
        if self.graph.collapsed is not None:
            return _collapsed_differences(self.passes, self.graph)
        return [
            Difference(self.graph.names[v], correct.get(v), buggy.get(v))
            for v in self.graph.shown
            if v in self.passes.differing
        ]

    def headings(self) -> tuple[tuple[str, str], tuple[str, str]]:
        """Over each picture: what it is, and how the backward pass ran."""
        return ("correct backward", self.mistake.fix), ("with the bug", self.mistake.title)

    def marked(self) -> str:
        """One sentence on what is marked: each gradient the bug gets wrong, and the right one."""
        found = self.differences
        if not found:
            return "On this graph the bug changes no gradient."
        f, p = self.graph.names[self.passes.root], self.precision
        wrong = "; ".join(d.said(f, p) for d in found)
        return f"Marked, with the bug: {wrong}."

    # -- rendering

    def svgs(self, engine: str | None = None, *, timeout: float | None | OwnTimeout = OWN) -> tuple[str, str]:
        """The correct picture's SVG and the buggy one's, both rendered within ``timeout`` seconds (default:
        the comparison's, 10 s unless set; None: no limit); RenderTimeout past it."""
        deadline = Deadline(self.correct.timeout if isinstance(timeout, OwnTimeout) else timeout)
        try:
            correct = self.correct.svg(engine, timeout=deadline.left())  # first: it chooses the direction
            return correct, self.buggy.svg(engine, timeout=deadline.left())
        except RenderTimeout:
            raise RenderTimeout(deadline.timeout or 0.0, self.correct.nodes) from None

    def svg(self, engine: str | None = None, *, timeout: float | None | OwnTimeout = OWN) -> str:
        """Both pictures in one SVG, each under its heading, side by side if they fit ``width`` together
        (else one under the other), and under them what is marked and the mistake explained."""
        pictures = [_prefixed(svg, f"{self._id()}-{k}") for k, svg in enumerate(self.svgs(engine, timeout=timeout))]
        title = f"The correct backward pass beside one with a bug: {self.mistake.title}"
        svg = _side_by_side(pictures, self.headings(), self.theme, self.width, title, self.text())
        return captioned(captioned(svg, self.marked(), self.theme), _plain(self.mistake.explanation), self.theme)

    def png(self, scale: float = 2.0, engine: str | None = None, *, timeout: float | None | OwnTimeout = OWN) -> bytes:
        """The comparison as PNG bytes (the SVG of :meth:`svg`), ``scale`` × its pixel size."""
        from .raster import svg_to_png

        return svg_to_png(self.svg(engine, timeout=timeout), scale=scale)

    def text(self) -> str:
        """What the comparison says in words: what is marked, and the mistake explained."""
        return f"{self.marked()} {_plain(self.mistake.explanation)}"

    def html(
        self, *, standalone: bool = False, engine: str | None = None, timeout: float | None | OwnTimeout = OWN
    ) -> str:
        """The comparison as HTML: the two pictures side by side (one under the other in a narrow window),
        then what is marked and the explanation; a full page if ``standalone``, else a fragment."""
        pid = self._id()
        figures = "".join(
            f'<figure class="mg-side"><figcaption><b>{html.escape(what)}</b><br>{html.escape(how)}</figcaption>'
            f"{_inline(svg, f'{pid}-{k}')}</figure>"
            for k, (svg, (what, how)) in enumerate(
                zip(self.svgs(engine, timeout=timeout), self.headings(), strict=True)
            )
        )
        body = (
            f'<div class="mg-compare" id="{pid}">\n<div class="mg-pair">{figures}</div>\n'
            f'<p class="mg-marked">{html.escape(printable(self.marked()))}</p>\n'
            f'<p class="mg-explanation">{_html(self.mistake.explanation)}</p>\n</div>'
        )
        if not standalone:
            return f"<style>{_CSS}</style>\n{body}"
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
            f"<title>micrograd: {html.escape(self.mistake.name)}</title>\n<style>{_CSS}</style>\n</head>\n"
            f"<body>\n{body}\n</body>\n</html>\n"
        )

    def to_bytes(self, format: str, engine: str | None = None, *, timeout: float | None | OwnTimeout = OWN) -> bytes:
        """The comparison in ``format`` (svg, png, html, dot), in memory. ``timeout``: as :meth:`svgs`."""
        if format == "dot":
            return self.source.encode("utf-8")
        if format == "svg":
            return self.svg(engine, timeout=timeout).encode("utf-8")
        if format == "png":
            return self.png(engine=engine, timeout=timeout)
        if format == "html":
            return self.html(standalone=True, engine=engine, timeout=timeout).encode("utf-8")
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")

    def save(
        self,
        path: str | os.PathLike[str],
        format: str | None = None,
        engine: str | None = None,
        *,
        timeout: float | None | OwnTimeout = OWN,
    ) -> Path:
        """Write the comparison to ``path``; format from ``format`` or the suffix (.svg .png .html .dot/.gv).

        Atomic: a failed render leaves an existing file untouched. ``timeout``: as :meth:`svgs`.
        """
        fmt = (format or Path(path).suffix.lstrip(".")).lower()
        fmt = {"gv": "dot", "htm": "html"}.get(fmt, fmt)
        if fmt not in FORMATS:
            raise ValueError(f"cannot tell the format of {str(path)!r}: use a suffix .svg .png .html .dot, or format=")
        return atomic_write(path, self.to_bytes(fmt, engine, timeout=timeout))

    def _id(self) -> str:
        """An id prefix of this comparison's own: two comparisons on one page keep their ids apart."""
        return "mg-cmp-" + hashlib.sha1(self.correct.source.encode("utf-8")).hexdigest()[:10]

    def _repr_html_(self) -> str:
        return self._shown(self._still())

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """What a notebook shows and saves: the HTML, the SVG, and its PNG (also inside the HTML) for the front
        ends that show neither SVG nor script (an untrusted or exported notebook: :mod:`.still`)."""
        from .still import bundle

        png = self._still()
        return bundle(repr(self), self.svg(), html_text=self._shown(png), png=png, include=include, exclude=exclude)

    def _still(self) -> bytes:
        from .still import still_png

        return still_png(self.svg())

    def _shown(self, png: bytes) -> str:
        """The HTML, and ``png`` (the one SVG of :meth:`svg`) where the HTML's style is not applied."""
        from .still import img, with_still

        return with_still(self.html(), img(png, self.text()))

    def __repr__(self) -> str:
        n = len(self.differences)
        return f"<Comparison: {self.mistake.name}, {n} gradient{'' if n == 1 else 's'} differ{'s' if n == 1 else ''}>"


_CSS = """
.mg-compare{font-family:Helvetica,Arial,sans-serif;max-width:100%}
.mg-pair{display:flex;flex-wrap:wrap;gap:1.2em 2em;align-items:flex-start}
.mg-side{margin:0;max-width:100%}
.mg-side figcaption{margin:0 0 .3em}
.mg-side svg{max-width:100%;height:auto}
.mg-compare p{max-width:46em;line-height:1.4}
.mg-compare code{font-size:.95em}
"""


def _number(x: float | None, precision: int) -> str:
    return "none" if x is None else format_number(x, precision)


def _plain(text: str) -> str:
    """An explanation without its code marks (for SVG): `grad +=` -> grad +=."""
    return text.replace("`", "")


def _html(text: str) -> str:
    """An explanation as HTML: escaped, code in ``<code>``."""
    return re.sub(r"`([^`]*)`", r"<code>\1</code>", html.escape(printable(text)))


def _differs(a: Mapping[int, Any], b: Mapping[int, Any]) -> bool:
    return any(not _same(a.get(key), b.get(key)) for key in a.keys() | b.keys())


def _collapsed_differences(passes: Passes, g: Graph) -> list[Difference]:
    """What a collapsed comparison marks, in the graph's order: each node drawn as itself and each value leaving
    a box whose gradient differs, then each wire into a box along which a different gradient comes back."""
    c = g.collapsed
    right, wrong = View(passes.correct, lambda v: True), View(passes.buggy, lambda v: True)
    correct, buggy = passes.correct.grads, passes.buggy.grads
    drawn = {id(v) for v in c.open}
    leaving = {id(v): bundle.tail for bundle in c.bundles if isinstance(bundle.tail, Box) for v in bundle.values}
    found = []
    for v in g.shown:
        if v in passes.differing and (id(v) in drawn or id(v) in leaving):
            where = f" out of {leaving[id(v)].path}" if id(v) in leaving else ""
            found.append(Difference(g.names[v] + where, correct.get(v), buggy.get(v)))
    for bundle in c.bundles:
        if not isinstance(bundle.head, Box):
            continue
        before, after = sent_back(bundle, right), sent_back(bundle, wrong)
        if not _differs(before, after):
            continue
        values = bundle.values
        if len(values) == 1:
            key = id(values[0])
            name = f"{g.names[values[0]]} back through {bundle.head.path}"
            found.append(Difference(name, before.get(key), after.get(key)))
        else:
            name = f"{NORM} of {len(values)} values back into {bundle.head.path}"
            found.append(Difference(name, square_norm(before.values()), square_norm(after.values())))
    return found


# ---------------------------------------------------------------- two SVGs in one


class Panels:
    """Pictures side by side (one under the other when too wide), each under a two-line heading,
    a caption under them all: e.g. a derivative's graph beside the next derivative's."""

    def __init__(self, diagrams: Sequence[Diagram], headings: Sequence[tuple[str, str]], title: str, caption: str = ""):
        if len(diagrams) != len(headings) or not diagrams:
            raise ValueError("Panels: one heading (two lines) for each of one or more diagrams")
        self.diagrams, self.headings, self.title, self.caption = list(diagrams), list(headings), title, caption

    @property
    def source(self) -> str:
        """The pictures' DOT sources, one after the other."""
        return "\n".join(d.source for d in self.diagrams)

    def svg(self) -> str:
        """All the pictures in one SVG, each under its heading, the caption under them."""
        first = self.diagrams[0]
        key = hashlib.sha1(self.source.encode("utf-8")).hexdigest()[:8]
        pictures = [_prefixed(d.svg(), f"mg-p{key}-{k}") for k, d in enumerate(self.diagrams)]
        svg = _side_by_side(pictures, self.headings, first.theme, first.width, self.title, self.caption or self.title)
        return captioned(svg, self.caption, first.theme) if self.caption else svg

    def png(self, scale: float = 2.0) -> bytes:
        from .raster import svg_to_png

        return svg_to_png(self.svg(), scale=scale)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write ``path``: .svg, .png, or .dot (the sources)."""
        fmt = Path(path).suffix.lstrip(".").lower()
        makers = {"svg": lambda: self.svg().encode("utf-8"), "png": self.png, "dot": lambda: self.source.encode()}
        if fmt not in makers:
            raise ValueError(f"cannot tell the format of {str(path)!r}: use .svg, .png or .dot")
        return atomic_write(path, makers[fmt]())

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """The SVG, and its PNG for the front ends that show no SVG (:mod:`.still`)."""
        from .still import bundle

        return bundle(f"<Panels: {self.title}>", self.svg(), include=include, exclude=exclude)


def _prefixed(svg: str, prefix: str) -> ET.Element:
    """The SVG's root element, every id (and every reference to one) prefixed: two pictures in one document."""
    root = ET.fromstring(svg.encode("utf-8"))
    for e in root.iter():
        if "id" in e.attrib:
            e.set("id", f"{prefix}-{e.get('id')}")
        if "aria-labelledby" in e.attrib:
            e.set("aria-labelledby", " ".join(f"{prefix}-{i}" for i in e.get("aria-labelledby", "").split()))
    return root


def _inline(svg: str, prefix: str) -> str:
    """An SVG as an element to inline in HTML: no XML prologue, its ids its own."""
    return ET.tostring(_prefixed(svg, prefix), encoding="unicode")


def _px(element: ET.Element, key: str) -> float:
    return float(element.get(key, "0").removesuffix("px"))


def _heading_width(lines: tuple[str, str]) -> float:
    """How wide a heading may be drawn, in px (bold width for both lines: never underestimated)."""
    return INDENT + max(len(line) for line in lines) * _BOLD_EM * HEADING


def _places(
    pictures: Sequence[ET.Element], headings: Sequence[tuple[str, str]], width: float | None
) -> tuple[list[tuple[float, float]], float, float]:
    """Where each picture's heading goes (its top-left corner), and the size of the whole: side by side
    when they fit ``width`` px together, else one under the other."""
    sizes = [(_px(p, "width"), _px(p, "height")) for p in pictures]
    columns = [max(w, _heading_width(lines)) for (w, _), lines in zip(sizes, headings, strict=True)]
    if width is None or sum(columns) + GAP * (len(columns) - 1) <= width:
        xs = [sum(columns[:k]) + GAP * k for k in range(len(columns))]
        places = [(x, 0.0) for x in xs]
        w, h = xs[-1] + columns[-1], BAND + max(h for _, h in sizes)
    else:
        ys = [sum(BAND + h + GAP for _, h in sizes[:k]) for k in range(len(sizes))]
        places = [(0.0, y) for y in ys]
        w, h = max(columns), ys[-1] + BAND + sizes[-1][1]
    return places, max(w, min(TEXT_WIDTH, width or TEXT_WIDTH)), h


def _side_by_side(
    pictures: Sequence[ET.Element],
    headings: Sequence[tuple[str, str]],
    theme: Theme,
    width: float | None,
    title: str,
    desc: str,
) -> str:
    """One SVG of ``pictures`` (SVG roots), each under its two-line heading (see :func:`_places`)."""
    places, w, h = _places(pictures, headings, width)
    root = ET.Element(f"{_S}svg", {"width": f"{w:.0f}px", "height": f"{h:.0f}px", "viewBox": f"0 0 {w:.2f} {h:.2f}"})
    root.set("role", "img")
    root.set("aria-labelledby", "mg-title mg-desc")
    for tag, text in (("title", title), ("desc", desc)):
        ET.SubElement(root, f"{_S}{tag}", {"id": f"mg-{tag}"}).text = printable(text)
    ET.SubElement(root, f"{_S}rect", {"width": f"{w:.2f}", "height": f"{h:.2f}", "fill": theme.background})
    for (x, y), p, lines in zip(places, pictures, headings, strict=True):
        _heading(root, lines, x, y, theme)
        p.set("x", f"{x:.2f}")
        p.set("y", f"{y + BAND:.2f}")
        root.append(p)
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _heading(root: ET.Element, lines: tuple[str, str], x: float, y: float, theme: Theme) -> None:
    """A picture's heading at (x, y): what it is in bold, how the pass ran under it."""
    for k, line in enumerate(lines):
        y_k, size = y + HEADING * (1.4 + 1.25 * k), HEADING if k == 0 else HEADING * 0.9
        t = text_line(root, printable(line), "mg-heading", x + INDENT, y_k, size, theme.text)
        if k == 0:
            t.set("font-weight", "bold")


# ---------------------------------------------------------------- compare_backward


def compare_backward(
    f: Value | Callable[..., Value] | None = None,
    mistake: str = "set-not-accumulate",
    *,
    params: Sequence[Any] = (),
    lr: float | None = None,
    style: str = "circuit",
    rankdir: str = "auto",
    max_nodes: int = 1000,
    precision: int = 4,
    annotate: bool = False,
    engine: str | None = None,
    theme: str | Theme = "lecture",
    width: float | None = WIDTH,
    font_size: float = 12.0,
    names: Mapping[Any, str] | None = None,
    show_names: bool | None = None,
    timeout: float | None = TIMEOUT,
    collapse: Any = None,
    expand: Any = None,
) -> Comparison:
    """Draw the correct backward pass next to one with a classic bug, every gradient that differs marked.

    ``mistake``, one of :data:`micrograd.mistakes.MISTAKES`:

    - ``"set-not-accumulate"``: ``grad =`` instead of ``grad +=`` (wrong at forks: ``a + a``);
    - ``"no-topological-order"``: a recursive walk from the output, each node's rule run at its
      first visit, before every node that uses it has sent its share;
    - ``"second-backward"``: ``backward()`` twice without ``zero_grad()`` (leaves count twice;
      the nodes in between are recomputed, as ``backward()`` does);
    - ``"forgot-zero-grad"``: no ``zero_grad()`` between two training steps.

    ``f``: the graph, a Value (its output); or a function that builds it from ``params``
    (numbers or Values: only their values are read; leaves are named after the Values' labels,
    else the function's parameters). ``"forgot-zero-grad"`` needs the function (the loss of the
    parameters): it takes one step of gradient descent at rate ``lr`` (default 0.1) from
    ``params``, then compares step 2's gradients with step 1's left in and without. None: the
    mistake's smallest example (``MISTAKES[mistake].example()``, with its own ``lr``).

    Both passes start from zero with seed 1, apart from any earlier ``backward()``, and neither
    writes a ``.grad`` (or ``.data``): the buggy numbers are the engine's rules applied the
    buggy way (:mod:`micrograd.mistakes`). The result, a :class:`Comparison`, shows both
    pictures inline in Jupyter, with the mistake explained, and lists ``.differences``.

    The other keywords are :func:`micrograd.draw`'s (``style`` circuit by default here: a fork
    shows each use's contribution); ``rankdir="auto"`` chooses one direction for both.

    ``collapse``, ``expand``: both passes drawn collapsed the same way (as ``draw(root, collapse=...)``):
    a wire into a box carries what the box sends back (the sum over its uses inside; with
    ``grad =``, the contribution written last, all the buggy engine keeps), and each wire or box
    whose number differs is marked, so a mistake inside a scope shows on its box's wires;
    ``.differences`` names them (``df/dx back through enc``).
    """
    check_collapse(collapse, expand)

    m = mistake_named(mistake)
    check_options(style, rankdir, max_nodes, precision, engine)
    check_looks(font_size, width)
    check_timeout(timeout)
    theme = theme_named(theme)
    if f is None:
        example = m.example()
        f, params, lr = example.f, example.params, example.lr if lr is None else lr
    passes = compare(m.name, f, params, 0.1 if lr is None else lr)
    g = graph(passes.root, max_nodes, names, False, collapse, expand)
    right = View(passes.correct, lambda v: True)
    wrong = View(passes.buggy, lambda v: True, flagged=passes.differing)
    if g.collapsed is not None:  # also the wires whose number differs: what a box sends back, many values
        bundles = g.collapsed.bundles
        wires = [bundle for bundle in bundles if _differs(sent_back(bundle, right), sent_back(bundle, wrong))]
        wrong.flagged = passes.differing | frozenset(wires)
    looks: dict[str, Any] = {"style": style, "engine": engine, "theme": theme, "width": width, "timeout": timeout}

    def drawn(view: View) -> Diagram:
        options = [
            Options(style, d, precision, annotate, float(font_size), show_names) for d in directions(rankdir, width)
        ]
        return Diagram([picture(g, view, o, max_nodes) for o in options], **looks)

    return Comparison(passes, g, drawn(right), drawn(wrong), precision)
