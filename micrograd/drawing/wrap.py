"""A long picture wrapped onto a slide: cut between its nodes into rows, one under the other.

Graphviz cannot wrap a chain (``σ(σ(σ(...)))`` is one long row), so a finished left-to-right
picture is cut where only wires run (never through a node or a number), and the pieces are
stacked, each row the same drawing seen through a window of its own. A wire that is cut ends
in ``…`` and goes on from ``…`` at the start of the next row.
"""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET

from .layout import _em
from .svg import NS, PX_PER_PT, Fit, fitting

__all__ = ["wrap_rows", "MAX_ROWS"]

_S = f"{{{NS}}}"
MAX_ROWS = 6  # more rows than this read as a puzzle, not a chain
GAP = 10.0  # units between rows
MARGIN = 16.0  # units left and right of the rows, for the marks of a cut wire
MARK = "\u2026"  # …: the wire goes on in the next row


def wrap_rows(svg: str, width: float, height: float, smallest: float) -> tuple[str, Fit] | None:
    """``svg`` (finished, left to right) in 2 to ``MAX_ROWS`` rows that fit ``width`` × ``height`` px
    with its smallest text (``smallest`` px at natural size) at 12 px or more; None if no cut does."""
    root = ET.fromstring(svg.encode("utf-8"))
    view = [float(n) for n in root.get("viewBox", "0 0 0 0").split()]
    graph = root.find(f"{_S}g")
    if graph is None or len(view) != 4:
        return None
    shift = _translation(graph)
    spans = sorted(_spans(graph, shift))
    for rows in range(2, MAX_ROWS + 1):
        cuts = _cuts(spans, view[0], view[0] + view[2], rows)
        if cuts is None:
            continue
        pieces = list(zip(cuts, cuts[1:], strict=False))
        w = max(b - a for a, b in pieces) + 2 * MARGIN
        h = rows * view[3] + (rows - 1) * GAP
        sized = fitting((w * PX_PER_PT, h * PX_PER_PT), smallest, width, "16:9")
        if sized.fits:
            return _rows(root, graph, view, pieces, shift, w, h, sized), sized
    return None


def _translation(graph: ET.Element) -> tuple[float, float]:
    found = re.search(r"translate\(([-\d.]+)[ ,]+([-\d.]+)\)", graph.get("transform", ""))
    return (float(found.group(1)), float(found.group(2))) if found else (0.0, 0.0)


def _numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)]


def _node_span(g: ET.Element, dx: float) -> tuple[float, float] | None:
    """The x range a node covers (its shapes and its texts, by their width at their font size)."""
    xs: list[float] = []
    for e in g.iter():
        tag = e.tag.removeprefix(_S)
        if tag in ("ellipse", "circle"):
            cx, r = float(e.get("cx", "0")), float(e.get("rx", e.get("r", "0")))
            xs += [cx - r, cx + r]
        elif tag in ("polygon", "polyline"):
            xs += _numbers(e.get("points", ""))[0::2]
        elif tag == "text" and (e.text or "").strip():
            x, size = float(e.get("x", "0")), float(e.get("font-size", "14"))
            half = _em(e.text or "") * size / 2 + 1  # Helvetica's widths, a unit to spare
            anchor = e.get("text-anchor", "start")
            left = x - half if anchor == "middle" else x - 2 * half if anchor == "end" else x
            xs += [left, left + 2 * half]
    return (min(xs) + dx, max(xs) + dx) if xs else None


def _spans(graph: ET.Element, shift: tuple[float, float]) -> list[tuple[float, float]]:
    """What a cut must not pass through: nodes, and the arrowheads where wires enter their gates."""
    spans = []
    for g in graph.findall(f"{_S}g"):
        head = g.find(f"{_S}polygon") if g.get("class") == "edge" else None
        if head is not None:
            xs = _numbers(head.get("points", ""))[0::2]
            spans.append((min(xs) + shift[0], max(xs) + shift[0]))
        elif g.get("class") == "node" and (span := _node_span(g, shift[0])):
            spans.append(span)
    return spans


def _cuts(spans: list[tuple[float, float]], start: float, end: float, rows: int) -> list[float] | None:
    """Where to cut into ``rows`` pieces of about equal width: in the free gaps between nodes."""
    free: list[float] = []  # the middles of the gaps no node covers
    reach = start
    for a, b in spans:
        if a > reach + 2:
            free.append((reach + a) / 2)
        reach = max(reach, b)
    cuts = [start]
    for k in range(1, rows):
        target = start + (end - start) * k / rows
        later = [x for x in free if x > cuts[-1] + 1]
        if not later:
            return None
        cuts.append(min(later, key=lambda x: abs(x - target)))
    return [*cuts, end]


def _crossings(graph: ET.Element, x: float, dx: float, dy: float) -> list[float]:
    """The heights at which wires (edges) pass the line at ``x``."""
    ys = []
    for g in graph.findall(f"{_S}g"):
        path = g.find(f"{_S}path")
        if g.get("class") != "edge" or path is None:
            continue
        points = list(zip(*[iter(_numbers(path.get("d", "")))] * 2, strict=False))
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            if min(x0, x1) <= x - dx <= max(x0, x1) and x0 != x1:
                ys.append(y0 + (y1 - y0) * (x - dx - x0) / (x1 - x0) + dy)
                break
    return ys


def _rows(
    root: ET.Element,
    graph: ET.Element,
    view: list[float],
    pieces: list[tuple[float, float]],
    shift: tuple[float, float],
    w: float,
    h: float,
    sized: Fit,
) -> str:
    kept = {k: v for k, v in root.attrib.items() if k not in ("width", "height", "viewBox", "data-fits")}
    out = ET.Element(f"{_S}svg", kept)
    out.set("viewBox", f"0 0 {w:.2f} {h:.2f}")
    out.set("width", f"{sized.width:.0f}px")
    out.set("height", f"{sized.height:.0f}px")
    out.set("data-scale", f"{sized.scale:.4g}")
    out.set("data-rows", str(len(pieces)))
    for e in root:
        if e.tag in (f"{_S}title", f"{_S}desc"):
            out.append(copy.deepcopy(e))
        elif e.get("class") == "mg-background":
            back = copy.deepcopy(e)
            back.set("width", f"{w:.2f}")
            back.set("height", f"{h:.2f}")
            out.append(back)
    fill = next((t.get("fill", "#000") for t in graph.iter(f"{_S}text") if t.get("class") == "mg-name"), "#000")
    for k, (a, b) in enumerate(pieces):
        top = k * (view[3] + GAP)
        row = ET.SubElement(out, f"{_S}svg")
        row.set("x", f"{MARGIN:.2f}")
        row.set("y", f"{top:.2f}")
        row.set("width", f"{b - a:.2f}")
        row.set("height", f"{view[3]:.2f}")
        row.set("viewBox", f"{a:.2f} {view[1]:.2f} {b - a:.2f} {view[3]:.2f}")
        row.append(_window(graph, a, b, shift, k))
        if k > 0:  # the wires cut before this row go on here
            for y in _crossings(graph, a, *shift):
                _mark(out, 2.0, top + y - view[1], fill)
        if k < len(pieces) - 1:
            for y in _crossings(graph, b, *shift):
                _mark(out, MARGIN + (b - a) + 2.0, top + y - view[1], fill)
    text = ET.tostring(out, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + text + "\n"


def _window(graph: ET.Element, a: float, b: float, shift: tuple[float, float], k: int) -> ET.Element:
    """The drawing's nodes between ``a`` and ``b``, and every wire (the row's window cuts them)."""
    g = copy.deepcopy(graph)
    for child in list(g):
        if child.get("class") == "node":
            span = _node_span(child, shift[0])
            if span is None or not (a <= (span[0] + span[1]) / 2 <= b):
                g.remove(child)
    if k > 0:  # ids stay unique: the first row keeps them, the others are prefixed
        for e in g.iter():
            if e.get("id"):
                e.set("id", f"row{k + 1}-{e.get('id')}")
    return g


def _mark(parent: ET.Element, x: float, y: float, fill: str) -> None:
    t = ET.SubElement(parent, f"{_S}text")
    t.text = MARK
    t.set("x", f"{x:.2f}")
    t.set("y", f"{y + 4:.2f}")
    t.set("font-size", "12.00")
    t.set("font-family", "Helvetica,Arial,sans-serif")
    t.set("class", "mg-mark")
    t.set("fill", fill)
