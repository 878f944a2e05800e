"""Finish Graphviz's SVG: colours and type from a theme, wires out of records, tooltips, a summary, a size.

Graphviz lays the picture out (:mod:`micrograd.drawing.picture` writes DOT with an ``id`` on
every node and edge); here each element is styled by its role: a wire record loses its
outline and keeps the rule between its fields as the wire, its value above in the value
colour, its gradient below in the gradient colour and in italics; every node and wire gets
its chain-rule arithmetic as a ``<title>`` (hover text); the picture gets a ``<title>`` and a
``<desc>`` for screen readers; and it is scaled down to fit ``width`` pixels (and a slide's height,
``fit="16:9"``), but never so far that a text would be under ``MIN_TEXT_PX`` on screen: a picture
that cannot fit at that size keeps it, and its :class:`Fit` says so.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from .dot import printable
from .picture import BLANK, Picture, Role
from .theme import Theme

__all__ = [
    "inline_svg",
    "finish",
    "finish_fitted",
    "Fit",
    "fitting",
    "NS",
    "PX_PER_PT",
    "MIN_TEXT_PX",
    "FONT_FAMILY",
    "FITS",
]

NS = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
PX_PER_PT = 4 / 3  # CSS pixels per point: how a browser shows Graphviz's sizes
ET.register_namespace("", NS)
ET.register_namespace("xlink", XLINK)

_S = f"{{{NS}}}"
MIN_TEXT_PX = 12.0  # no text is shrunk below this on screen (px): a picture that cannot fit keeps its size
FONT_FAMILY = "Helvetica,Arial,sans-serif"  # Graphviz measures "Helvetica"; a browser looks for these
FITS = (None, "16:9")  # None: at most ``width`` wide (a notebook); "16:9": within width × 9/16 (a slide)


@dataclass(frozen=True)
class Fit:
    """How big a picture is shown: ``width`` × ``height`` px, its drawing at ``scale`` × its natural size.

    ``wanted`` is the scale that would fit its frame (``width`` px wide, and a slide's height with
    ``fit="16:9"``); ``smallest`` the px of its smallest text as shown. ``fits``: it is shown at
    ``wanted`` (no text under ``MIN_TEXT_PX``); else it keeps the scale that shows its smallest text
    at ``MIN_TEXT_PX`` and is larger than its frame.
    """

    width: float
    height: float
    scale: float
    wanted: float
    smallest: float
    frame: tuple[float, float | None] | None

    @property
    def fits(self) -> bool:
        return self.scale <= self.wanted + 1e-9

    def message(self) -> str:
        """One line: "" if it fits; else how big it is with its text readable, and how to draw less."""
        if self.fits or self.frame is None:
            return ""
        w, h = self.frame
        frame = f"width={w:g} px" if h is None else f"a 16:9 slide of {w:g} x {h:.0f} px"
        return (
            f"this picture is {self.width:.0f} x {self.height:.0f} px with its smallest text at "
            f"{MIN_TEXT_PX:g} px, larger than {frame}; it is not shrunk further (smaller text cannot be read "
            f"in a room). Draw less: a subexpression (draw(node)), another rankdir, or width=None to accept "
            f"this size."
        )


def fitting(natural: tuple[float, float], smallest: float, width: float | None, fit: str | None = None) -> Fit:
    """The size to show a picture of ``natural`` (w, h) px whose smallest text is ``smallest`` px.

    Scaled down (never up) to ``width`` (with ``fit="16:9"`` also to ``width`` × 9/16 in height),
    but not below the scale that keeps ``smallest`` at ``MIN_TEXT_PX``.
    """
    w, h = natural
    if width is None:
        return Fit(w, h, 1.0, 1.0, smallest, None)
    height = width * 9 / 16 if fit == "16:9" else None
    wanted = min(1.0, width / w, height / h if height is not None else 1.0)
    floor = min(1.0, MIN_TEXT_PX / smallest) if smallest > 0 else 0.0
    scale = max(wanted, floor)
    return Fit(w * scale, h * scale, scale, wanted, smallest * scale, (width, height))


def finish(svg: str, picture: Picture, theme: Theme, width: float | None, fit: str | None = None) -> str:
    """The final SVG text of ``picture`` from Graphviz's ``svg``, in ``theme``, sized as :func:`fitting` says."""
    return finish_fitted(svg, picture, theme, width, fit)[0]


def finish_fitted(
    svg: str, picture: Picture, theme: Theme, width: float | None, fit: str | None = None
) -> tuple[str, Fit]:
    """:func:`finish`, and the :class:`Fit` it was sized by."""
    root = ET.fromstring(svg.encode("utf-8"))
    _describe(root, picture)
    _background(root, theme)
    horizontal = picture.rankdir in ("LR", "RL")
    for g in root.iter(f"{_S}g"):
        role = picture.roles.get(g.get("id", ""))
        if role is not None:
            _style(g, role, theme, horizontal)
    sized = _size(root, width, fit)
    text = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + text + "\n", sized


# ---------------------------------------------------------------- the whole picture


def _points(value: str) -> float:
    return float(re.sub(r"[a-z]+$", "", value.strip()))


def _size(root: ET.Element, width: float | None, fit: str | None) -> Fit:
    """Size in CSS pixels as :func:`fitting` says; the viewBox keeps the drawing. Texts name the font list."""
    w, h = _points(root.get("width", "0")) * PX_PER_PT, _points(root.get("height", "0")) * PX_PER_PT
    sizes = []
    for t in root.iter(f"{_S}text"):
        t.set("font-family", FONT_FAMILY)
        if (t.text or "").strip():
            sizes.append(float(t.get("font-size", "14")))
    unit = w / float(root.get("viewBox", f"0 0 {w / PX_PER_PT} 0").split()[2])  # px per user unit, unscaled
    sized = fitting((w, h), min(sizes, default=0.0) * unit, width, fit)
    root.set("width", f"{sized.width:.0f}px")
    root.set("height", f"{sized.height:.0f}px")
    root.set("role", "img")
    root.set("data-scale", f"{sized.scale:.4g}")
    if not sized.fits:
        root.set("data-fits", "false")
    return sized


def _describe(root: ET.Element, picture: Picture) -> None:
    """A ``<title>`` and a ``<desc>`` first in the SVG: what screen readers say for the picture."""
    title, desc = ET.Element(f"{_S}title"), ET.Element(f"{_S}desc")
    title.text, desc.text = printable(picture.title), printable(picture.desc)  # labels are data: XML-safe
    title.set("id", "mg-title")
    desc.set("id", "mg-desc")
    root.insert(0, desc)
    root.insert(0, title)
    root.set("aria-labelledby", "mg-title mg-desc")
    for g in root.findall(f"{_S}g"):  # Graphviz's own graph title ("micrograd") says nothing
        for t in g.findall(f"{_S}title"):
            g.remove(t)


def _background(root: ET.Element, theme: Theme) -> None:
    """The theme's background under everything (Graphviz was told to draw none), so a PNG is not transparent."""
    graph = root.find(f"{_S}g")
    if graph is not None:
        for polygon in graph.findall(f"{_S}polygon"):  # a canvas Graphviz may still have drawn
            if polygon.get("fill") in ("transparent", "white", "none"):
                graph.remove(polygon)
    x, y, w, h = (float(n) for n in root.get("viewBox", "0 0 0 0").split())
    rect = ET.Element(f"{_S}rect")
    for key, value in (("x", x), ("y", y), ("width", w), ("height", h)):
        rect.set(key, f"{value:g}")
    rect.set("fill", theme.background)
    rect.set("class", "mg-background")
    index = next((k for k, e in enumerate(root) if e.tag == f"{_S}g"), len(root))
    root.insert(index, rect)


# ---------------------------------------------------------------- one element


def _style(g: ET.Element, role: Role, theme: Theme, horizontal: bool) -> None:
    g.set("data-role", role.kind)
    if role.faint and role.kind != "edge":  # a node of the forward graph under a gradient's graph
        g.set("opacity", "0.4")
    title = g.find(f"{_S}title")
    if title is not None:
        title.text = printable(role.tooltip) if role.tooltip else title.text
    _unlink(g)
    if role.kind == "wire":
        _wire(g, role, theme, horizontal)
    elif role.kind in ("gate", "op", "box", "scope"):
        _shape(g, role, theme, horizontal)
    elif role.kind == "heading":
        for t in g.iter(f"{_S}text"):
            t.set("class", "mg-heading")
            t.set("fill", theme.note)
    elif role.kind == "leaf":
        for t in g.iter(f"{_S}text"):
            t.set("class", "mg-name")
            t.set("fill", theme.highlight if role.marked else theme.text)
            if role.marked:
                t.set("font-weight", "bold")
    elif role.kind == "edge":
        _edge(g, role, theme)
    elif role.kind == "end":
        for e in g.iter():
            if e.tag in (f"{_S}ellipse", f"{_S}polygon"):
                e.set("fill", theme.line)
                e.set("stroke", theme.line)


def _unlink(g: ET.Element) -> None:
    """Graphviz wraps an element with a tooltip in ``<a>``: its children go back into the group."""
    for a in g.findall(f"{_S}g") + [g]:
        for link in a.findall(f"{_S}a"):
            index = list(a).index(link)
            a.remove(link)
            for k, child in enumerate(list(link)):
                a.insert(index + k, child)


def _texts(g: ET.Element) -> list[ET.Element]:
    return list(g.iter(f"{_S}text"))


def _paint_text(t: ET.Element, kind: str, theme: Theme, small: bool = True) -> None:
    """Colour and type of a text by what it is; its class (``mg-value``, ``mg-grad``, ...) says so too.

    A ``name`` is grey under a gate's symbol; ``small=False``: the title of a box. Every text keeps the
    size Graphviz measured it at (a smaller note would waste the room made for it, and be under 12 px
    sooner when the picture is scaled down).
    """
    t.set("class", f"mg-{kind}")
    t.attrib.pop("font-style", None)
    if kind == "name" and not small:
        t.set("fill", theme.text)
        return
    if kind == "value" or kind == "data":
        t.set("fill", theme.value)
    elif kind == "grad":
        t.set("fill", theme.gradient)
        t.set("font-style", "italic")
    elif kind in ("note", "name"):
        t.set("fill", theme.note)
    else:
        t.set("fill", theme.text)


def _drop_blanks(g: ET.Element) -> None:
    for parent in g.iter():
        for t in list(parent.findall(f"{_S}text")):
            if not (t.text or "").strip(f" {BLANK}"):
                parent.remove(t)


def _wire(g: ET.Element, role: Role, theme: Theme, horizontal: bool) -> None:
    """A wire record: no outline; its first rule is the wire; value on one side, gradient and note on the other."""
    for polygon in g.findall(f"{_S}polygon"):
        g.remove(polygon)
    rules = g.findall(f"{_S}polyline")
    line = min(rules, key=lambda r: _across(r, horizontal)) if rules else None  # the wire: the value's edge
    for other in rules:
        if other is not line:
            g.remove(other)
    colour, width = (theme.highlight, "2.5") if role.hot else (theme.line, "1")
    if line is not None:
        line.set("stroke", colour)
        line.set("stroke-width", width)
        _reach(line, horizontal)
    across = _across(line, horizontal)
    key = "y" if horizontal else "x"
    before = sorted((t for t in _texts(g) if float(t.get(key, "0")) < across), key=lambda t: -float(t.get(key, "0")))
    for t in _texts(g):
        _paint_text(t, "grad", theme)
    if before:
        _paint_text(before[0], "value", theme)  # just above (left of) the wire: the value
    if not horizontal and not role.answers:
        _against_the_wire(g, across)
    _notes(g, across, horizontal, theme)
    if role.hidden:  # a frame before this gradient's step: laid out, not shown
        for parent in g.iter():
            for t in list(parent.findall(f"{_S}text")):
                if t.get("class") in ("mg-grad", "mg-note"):
                    parent.remove(t)
    _drop_blanks(g)
    if role.answers:
        _answer_boxes(g, theme)
    if role.flagged:
        for t in _texts(g):
            if t.get("class") == "mg-grad":
                _flag(g, t, theme)
    if role.junction and line is not None:
        _junction(g, line, colour, horizontal)


GAP = 5.0  # units between a vertical wire and the numbers beside it (a wire record's margin)


def _against_the_wire(g: ET.Element, across: float) -> None:
    """A vertical wire's value and gradient, padded to one width for the layout (``picture._balanced``):
    the padding dropped, the value set just left of the wire and the gradient just right of it."""
    for t in _texts(g):
        text = t.text or ""
        left = float(t.get("x", "0")) < across
        if left and text.startswith(BLANK):
            t.text = text.lstrip(BLANK)
            t.set("text-anchor", "end")
            t.set("x", f"{across - GAP:.2f}")
        elif not left and text.endswith(BLANK) and text.strip(BLANK):
            t.text = text.rstrip(BLANK)
            t.set("text-anchor", "start")
            t.set("x", f"{across + GAP:.2f}")


_ANSWER = re.compile(r"(.*?)([\u2007 ]*\[(\d+)\][\u2007 ]*)")  # "[3]", or "f = [3]" on the output wire
_CHAR_WIDTH = 0.556  # a digit's (and a figure space's) width in Helvetica and Liberation Sans, in em


def _answer_boxes(g: ET.Element, theme: Theme) -> None:
    """A worksheet's ``[n]``: an empty box as wide as the text Graphviz made room for, its number ``n``
    on a dark tab at its left, in the pictures' type size (legible in a room and on paper).

    The number keeps class ``mg-answer`` and ``data-box="n"``, and the box ``data-pad`` (the tab's
    width): the interactive page puts its input fields in the box, right of the tab.
    """
    for parent in list(g.iter()):
        for t in list(parent.findall(f"{_S}text")):
            found = _ANSWER.fullmatch(t.text or "")
            if found is None:
                continue
            prefix, blank, number = found.groups()
            size = float(t.get("font-size", "12"))
            width, height = len(blank) * _CHAR_WIDTH * size, 1.1 * size
            x, y = float(t.get("x", "0")), float(t.get("y", "0"))
            if prefix:  # "f = " stays a text, left of the box
                left = x - len(t.text or "") * _CHAR_WIDTH * size / 2
                before = ET.Element(f"{_S}text", dict(t.attrib))
                before.text = prefix
                before.set("text-anchor", "start")
                before.set("x", f"{left:.2f}")
                parent.insert(list(parent).index(t), before)
                x = left + len(prefix) * _CHAR_WIDTH * size + width / 2
            x0, y0 = x - width / 2, y - 0.86 * size
            tab = (len(number) * _CHAR_WIDTH + 0.4) * size
            index = list(parent).index(t)
            box = _rect(x0, y0, width, height, theme.background, theme.text, "mg-answer-box")
            box.set("data-box", number)
            box.set("data-pad", f"{tab:.2f}")
            parent.insert(index, box)
            parent.insert(index + 1, _rect(x0, y0, tab, height, theme.text, theme.text, "mg-answer-tab"))
            t.text = number
            t.set("class", "mg-answer")
            t.set("data-box", number)
            t.set("font-weight", "bold")
            t.set("text-anchor", "middle")
            t.set("x", f"{x0 + tab / 2:.2f}")
            t.set("y", f"{y:.2f}")
            t.set("fill", theme.background)
            t.attrib.pop("font-style", None)


def _rect(x: float, y: float, width: float, height: float, fill: str, stroke: str, kind: str) -> ET.Element:
    rect = ET.Element(f"{_S}rect")
    for name, value in (("x", x), ("y", y), ("width", width), ("height", height), ("rx", 2.5)):
        rect.set(name, f"{value:.2f}")
    rect.set("fill", fill)
    rect.set("stroke", stroke)
    rect.set("stroke-width", "0.8")
    rect.set("class", kind)
    return rect


def _flag(g: ET.Element, t: ET.Element, theme: Theme) -> None:
    """A gradient that differs from the correct one: bold, on a marker behind it."""
    size = float(t.get("font-size", "12"))
    width = len(t.text or "") * _CHAR_WIDTH * size + 4
    x, y = float(t.get("x", "0")), float(t.get("y", "0"))
    anchor = t.get("text-anchor", "middle")
    left = x - width / 2 if anchor == "middle" else x - 2 if anchor == "start" else x - width + 2
    marker = ET.Element(f"{_S}rect")
    for name, value in (("x", left), ("y", y - 0.95 * size), ("width", width), ("height", 1.25 * size), ("rx", 2)):
        marker.set(name, f"{value:.2f}")
    marker.set("fill", theme.marked)
    marker.set("stroke", theme.highlight)
    marker.set("class", "mg-flag")
    for parent in g.iter():
        if t in list(parent):
            parent.insert(list(parent).index(t), marker)
            break
    t.set("font-weight", "bold")
    t.set("class", "mg-grad mg-flagged")


def _reach(line: ET.Element, horizontal: bool, by: float = 1.0) -> None:
    """Lengthen the rule a little at both ends: Graphviz stops the wires a point short of a record."""
    (x0, y0), (x1, y1) = _ends(line)[0], _ends(line)[-1]
    if horizontal:
        x0, x1 = min(x0, x1) - by, max(x0, x1) + by
    else:
        y0, y1 = min(y0, y1) - by, max(y0, y1) + by
    line.set("points", f"{x0:.2f},{y0:.2f} {x1:.2f},{y1:.2f}")


def _across(line: ET.Element | None, horizontal: bool) -> float:
    """Where the wire runs: its y (horizontal wires) or x (vertical ones)."""
    if line is None:
        return 0.0
    x, y = _ends(line)[0]
    return y if horizontal else x


def _ends(line: ET.Element) -> list[tuple[float, float]]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", line.get("points", ""))]
    return list(zip(numbers[0::2], numbers[1::2], strict=False))


def _notes(g: ET.Element, across: float, horizontal: bool, theme: Theme) -> None:
    """The texts past the gradient (farthest from the wire) are annotations: small and grey."""
    key = "y" if horizontal else "x"
    below = sorted((t for t in _texts(g) if float(t.get(key, "0")) > across), key=lambda t: float(t.get(key, "0")))
    for t in below[1:]:
        t.attrib.pop("font-style", None)
        _paint_text(t, "note", theme)


def _junction(g: ET.Element, line: ET.Element, colour: str, horizontal: bool) -> None:
    """The dot where a stem splits into its branches."""
    ends = _ends(line)
    x, y = max(ends) if horizontal else max(ends, key=lambda p: p[1])  # the end the branches leave from
    dot = ET.SubElement(g, f"{_S}circle")
    dot.set("cx", f"{x:.2f}")
    dot.set("cy", f"{y:.2f}")
    dot.set("r", "2.4")
    dot.set("fill", colour)


def _shape(g: ET.Element, role: Role, theme: Theme, horizontal: bool) -> None:
    """A gate, an op or a value box: outline and fill; its texts painted by field."""
    fill = theme.marked if role.marked else theme.gate
    for e in g:
        if e.tag in (f"{_S}ellipse", f"{_S}polygon", f"{_S}path"):  # a path: a scope's rounded box
            e.set("fill", fill)
            e.set("stroke", theme.line)
        elif e.tag == f"{_S}polyline":
            e.set("stroke", theme.line)
    texts = _texts(g)
    along = "y" if role.kind != "box" or horizontal else "x"  # a box's fields run down it (LR) or across it (TB)
    other = "x" if along == "y" else "y"
    if not role.nested:  # nested fields: Graphviz writes the texts in the label's order already
        texts.sort(key=lambda t: (float(t.get(along, "0")), float(t.get(other, "0"))))
    fields = list(role.fields) + [role.fields[-1] if role.fields else "op"] * max(0, len(texts) - len(role.fields))
    for t, kind in zip(texts, fields, strict=False):
        _paint_text(t, "text" if kind == "op" else kind, theme, small=role.kind not in ("box", "scope"))
        if kind == "grad" and role.hidden:  # a box's gradient, laid out but not shown yet
            t.text = "grad" if role.kind == "box" else ""  # a record names its field; a scope's line is blank
        elif kind == "grad" and role.flagged:
            _flag(g, t, theme)


def _edge(g: ET.Element, role: Role, theme: Theme) -> None:
    colour, width, opacity = (theme.highlight, "2.5", 1.0) if role.hot else (theme.line, "1", 1.0)
    if role.shade is not None and not role.hot:  # gradient flow: darker and thicker the larger |gradient|
        colour, width, opacity = theme.gradient, f"{0.4 + 2.2 * role.shade:.2f}", 0.12 + 0.88 * role.shade
    elif role.faint and not role.hot:
        opacity = 0.35
    for e in g:
        if e.tag == f"{_S}path":
            e.set("stroke", colour)
            e.set("stroke-width", width)
            if opacity < 1:
                e.set("stroke-opacity", f"{opacity:.2f}")
        elif e.tag == f"{_S}polygon":  # the arrowhead
            e.set("fill", colour)
            e.set("stroke", colour)


def text_boxes(svg: str) -> list[dict[str, Any]]:
    """Every text of an SVG with what a box around it needs: x, y, anchor, size, style, content."""
    root = ET.fromstring(svg.encode("utf-8"))
    out = []
    for t in root.iter(f"{_S}text"):
        out.append(
            {
                "text": t.text or "",
                "x": float(t.get("x", "0")),
                "y": float(t.get("y", "0")),
                "anchor": t.get("text-anchor", "start"),
                "size": float(t.get("font-size", "14")),
                "italic": t.get("font-style") == "italic",
                "fill": t.get("fill", ""),
            }
        )
    return out


def captioned(svg: str, caption: str, theme: Theme, px: float = 13.0) -> str:
    """``svg`` with ``caption`` written in a band under the picture (for a GIF: no web page around it).

    The caption is ``px`` pixels high on screen whatever the picture's scale, and wraps to its width.
    """
    root = ET.fromstring(svg.encode("utf-8"))
    x0, y0, w, h = (float(n) for n in root.get("viewBox", "0 0 100 100").split())
    width_px = _points(root.get("width", f"{w}px"))
    unit = width_px / w  # on-screen pixels per viewBox unit
    size = px / unit
    lines = _wrap(printable(caption), max(12, int(w / (0.52 * size))))
    band = size * (1.35 * len(lines) + 0.8)
    root.set("viewBox", f"{x0:g} {y0:g} {w:g} {h + band:g}")
    root.set("height", f"{(h + band) * unit:.0f}px")
    rect = ET.SubElement(root, f"{_S}rect")
    for key, value in (("x", x0), ("y", y0 + h), ("width", w), ("height", band)):
        rect.set(key, f"{value:.2f}")
    rect.set("fill", theme.background)
    for k, line in enumerate(lines):
        text_line(root, line, "mg-caption", x0 + size * 0.5, y0 + h + size * (1.35 * k + 1.2), size, theme.text)
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


_XML_PROLOGUE = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", re.DOTALL)
_ID = re.compile(r'\bid="')


def inline_svg(svg: str, prefix: str) -> str:
    """An SVG document as an element to inline in HTML: no prologue, ids made unique by ``prefix``."""
    return _ID.sub(f'id="{prefix}-', _XML_PROLOGUE.sub("", svg)).strip()


def text_line(parent: ET.Element, text: str, kind: str, x: float, y: float, size: float, fill: str) -> ET.Element:
    """A line of text added to ``parent`` at (x, y), of class ``kind``, in the pictures' font."""
    t = ET.SubElement(parent, f"{_S}text")
    t.text = text
    t.set("class", kind)
    t.set("x", f"{x:.2f}")
    t.set("y", f"{y:.2f}")
    t.set("font-family", "Helvetica,Arial,sans-serif")
    t.set("font-size", f"{size:.2f}")
    t.set("fill", fill)
    return t


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken between words."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]
