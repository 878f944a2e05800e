"""Reading the package's SVG in tests: texts, where they are, how big, and the wires they belong to."""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import ImageFont

import micrograd.drawing

SVG = "{http://www.w3.org/2000/svg}"
FONTS = Path(micrograd.drawing.__file__).parent / "fonts"


def root(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode("utf-8"))  # fails on malformed SVG


def texts(svg: str) -> list[str]:
    """Every text of an SVG, in document order."""
    return [t.text or "" for t in root(svg).iter(f"{SVG}text")]


def texts_of(svg: str, kind: str) -> list[str]:
    """The texts of one kind: value, grad, note, name, op, data."""
    return [t.text or "" for t in root(svg).iter(f"{SVG}text") if t.get("class") == f"mg-{kind}"]


@cache
def _font(italic: bool) -> ImageFont.FreeTypeFont:
    name = "LiberationSans-Italic.ttf" if italic else "LiberationSans-Regular.ttf"
    return ImageFont.truetype(str(FONTS / name), size=1000)


@dataclass(frozen=True)
class Box:
    """A text's box in the SVG's user units: what it covers on the picture."""

    text: str
    kind: str
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box, slack: float = 0.3) -> bool:
        return (
            min(self.x1, other.x1) - max(self.x0, other.x0) > slack
            and min(self.y1, other.y1) - max(self.y0, other.y0) > slack
        )


def box(t: ET.Element) -> Box:
    """The box a text covers: its width measured with the font the PNG is drawn with (metric-compatible
    with the Helvetica/Arial Graphviz lays out with), its height the font's ascent and descent."""
    size = float(t.get("font-size", "14"))
    text = t.text or ""
    width = _font(t.get("font-style") == "italic").getlength(text) / 1000 * size
    x, y = float(t.get("x", "0")), float(t.get("y", "0"))
    anchor = t.get("text-anchor", "start")
    left = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
    return Box(text, (t.get("class") or "")[3:], left, y - 0.905 * size, left + width, y + 0.212 * size)


def boxes(svg: str) -> list[Box]:
    return [box(t) for t in root(svg).iter(f"{SVG}text") if (t.text or "").strip()]


def overlapping(svg: str) -> list[tuple[Box, Box]]:
    """Every pair of texts whose boxes intersect."""
    bs = boxes(svg)
    return [(a, b) for i, a in enumerate(bs) for b in bs[i + 1 :] if a.overlaps(b)]


def wires(svg: str) -> list[tuple[tuple[float, float, float, float], list[Box]]]:
    """Each wire of a circuit: its line (x0, y0, x1, y1) and the boxes of its texts."""
    out = []
    for g in root(svg).iter(f"{SVG}g"):
        if g.get("data-role") != "wire":
            continue
        line = g.find(f"{SVG}polyline")
        if line is None:
            continue
        numbers = [float(n) for n in line.get("points", "").replace(",", " ").split()]
        out.append(((numbers[0], numbers[1], numbers[-2], numbers[-1]), [box(t) for t in g.iter(f"{SVG}text")]))
    return out


def misplaced(svg: str, gap: float = 8.0) -> list[str]:
    """Wire labels not next to their own wire: a value must sit just above its line, a gradient just
    below it (within ``gap`` units), both within the line's length."""
    problems = []
    for (x0, y0, x1, y1), bs in wires(svg):
        horizontal = abs(y1 - y0) < 0.01
        for b in bs:
            if b.kind not in ("value", "grad"):
                continue
            if horizontal:
                near = (y0 - gap <= b.y1 <= y0 + 0.5) if b.kind == "value" else (y0 - 0.5 <= b.y0 <= y0 + gap)
                along = min(x0, x1) - 1 <= (b.x0 + b.x1) / 2 <= max(x0, x1) + 1
            else:
                near = (x0 - gap <= b.x1 <= x0 + 0.5) if b.kind == "value" else (x0 - 0.5 <= b.x0 <= x0 + gap)
                along = min(y0, y1) - 1 <= (b.y0 + b.y1) / 2 <= max(y0, y1) + 1
            if not (near and along):
                problems.append(f"{b.kind} {b.text!r} is not next to its wire {(x0, y0, x1, y1)}")
    return problems


def size_px(svg: str) -> tuple[float, float]:
    r = root(svg)
    return float(r.get("width", "0").removesuffix("px")), float(r.get("height", "0").removesuffix("px"))


# ---------------------------------------------------------------- sizes on screen


def _length_px(value: str) -> float:
    """An SVG length in CSS pixels: ``900px``, ``540pt`` or a bare number (pixels)."""
    value = value.strip()
    if value.endswith("pt"):
        return float(value[:-2]) * 4 / 3
    return float(value.removesuffix("px"))


def px_per_unit(svg: str) -> float:
    """On-screen pixels per user unit of the SVG: its width in px over its viewBox's width."""
    r = root(svg)
    view_box = r.get("viewBox")
    width = _length_px(r.get("width", "0"))
    return width / float(view_box.split()[2]) if view_box else 1.0


def text_px(svg: str) -> list[tuple[str, str, float]]:
    """Every visible text as (class, text, height on screen in px): font-size × px per unit × group scales."""
    unit = px_per_unit(svg)
    out: list[tuple[str, str, float]] = []

    def walk(e: ET.Element, scale: float) -> None:
        found = re.search(r"scale\(([-\d.]+)", e.get("transform", ""))
        scale *= abs(float(found.group(1))) if found else 1.0
        if e.tag == f"{SVG}text" and (e.text or "").strip():
            out.append(((e.get("class") or "")[3:], e.text or "", float(e.get("font-size", "14")) * scale * unit))
        for child in e:
            walk(child, scale)

    walk(root(svg), 1.0)
    return out


def smallest_text_px(svg: str) -> float:
    """The height in px on screen of the smallest text of the SVG, at the size it is shown (its width attribute)."""
    return min(px for _, _, px in text_px(svg))


def _inside(b: Box, x0: float, y0: float, x1: float, y1: float, slack: float) -> bool:
    return b.x0 >= x0 - slack and b.x1 <= x1 + slack and b.y0 >= y0 - slack and b.y1 <= y1 + slack


def _outline(g: ET.Element) -> tuple[float, float, float, float] | None:
    """The bounds of a node's shape (a record's polygon, a gate's ellipse), or None for a shape without one."""
    for e in g.iter():
        if e.tag == f"{SVG}polygon":
            numbers = [float(n) for n in e.get("points", "").replace(",", " ").split()]
            xs, ys = numbers[0::2], numbers[1::2]
            return min(xs), min(ys), max(xs), max(ys)
        if e.tag == f"{SVG}ellipse":
            cx, cy, rx, ry = (float(e.get(k, "0")) for k in ("cx", "cy", "rx", "ry"))
            return cx - rx, cy - ry, cx + rx, cy + ry
    return None


def text_outside_boxes(svg: str, slack: float = 0.5) -> list[str]:
    """Texts that extend past their node's outline (record, ellipse, circle) or past the image.

    Read ``svg`` as Graphviz laid it out (``render(diagram.source, "svg")``: every record still has
    its outline) or finished; groups' translations are applied to the texts' boxes for the image.
    """
    r = root(svg)
    vx, vy, vw, vh = (float(n) for n in r.get("viewBox", "0 0 0 0").split())
    problems: list[str] = []

    def walk(e: ET.Element, dx: float, dy: float, outline: tuple[float, float, float, float] | None) -> None:
        found = re.search(r"translate\(([-\d.]+)[ ,]+([-\d.]+)\)", e.get("transform", ""))
        if found:
            dx, dy = dx + float(found.group(1)), dy + float(found.group(2))
        if e.tag == f"{SVG}g" and (e.get("class") == "node" or e.get("data-role") is not None):
            outline = _outline(e)
        if e.tag == f"{SVG}text" and (e.text or "").strip():
            b = box(e)
            if outline is not None and not _inside(b, *outline, slack):
                problems.append(f"{b.text!r} leaves its box {outline}: {b}")
            moved = Box(b.text, b.kind, b.x0 + dx, b.y0 + dy, b.x1 + dx, b.y1 + dy)
            if not _inside(moved, vx, vy, vx + vw, vy + vh, slack):
                problems.append(f"{b.text!r} leaves the image {(vx, vy, vw, vh)}: {moved}")
        for child in e:
            walk(child, dx, dy, outline)

    walk(r, 0.0, 0.0, None)
    return problems


def system_dot() -> str | None:
    """A system Graphviz ``dot`` to check DOT with: the one on PATH (CI's second pass puts Debian's there),
    else ``/opt/gv/dot`` (a 2.43 kept off PATH on a developer's machine), else None."""
    fallback = Path("/opt/gv/dot")
    return shutil.which("dot") or (str(fallback) if os.access(fallback, os.X_OK) else None)


def role_elements(svg: str, role: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each element of a role: its tooltip and its texts as (class, text)."""
    out = []
    for g in root(svg).iter(f"{SVG}g"):
        if g.get("data-role") == role:
            title = g.find(f"{SVG}title")
            texts = [((t.get("class") or "")[3:], t.text or "") for t in g.iter(f"{SVG}text") if (t.text or "").strip()]
            out.append(((title.text or "") if title is not None else "", texts))
    return out
