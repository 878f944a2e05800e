"""The layout audit: what a teacher checks by eye, measured on the SVG of every course formula.

For each picture: inputs out of reading order (not in the order the formula names them, or
not in one column at the input side), gates whose arguments enter out of order, wires that
cross, the smallest text on screen (px) and texts that leave the picture. Run it as a script
for the report (``python tests/layout_audit.py``); ``tests/test_layout.py`` asserts on it.
"""

from __future__ import annotations

import re
import sys
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from layout_corpus import CORPUS  # noqa: E402
from svgtools import SVG, box, overlapping, text_outside_boxes  # noqa: E402

import micrograd  # noqa: E402
from micrograd.drawing.render import render  # noqa: E402

Point = tuple[float, float]

HORIZONTAL = ("LR", "RL")


@dataclass
class Report:
    name: str
    style: str
    rankdir: str
    annotate: bool
    leaves_out_of_order: list[str] = field(default_factory=list)
    leaves_off_column: list[str] = field(default_factory=list)
    arguments_out_of_order: list[str] = field(default_factory=list)
    crossings: int = 0
    through: list[str] = field(default_factory=list)  # lines drawn across a gate they do not enter
    smallest_px: float = 0.0
    outside: list[str] = field(default_factory=list)  # texts past their box or the image
    overlaps: int = 0  # pairs of texts that overlap
    size: tuple[float, float] = (0.0, 0.0)

    @property
    def out_of_order(self) -> int:
        return len(self.leaves_out_of_order) + len(self.arguments_out_of_order)

    def line(self) -> str:
        a = " annotated" if self.annotate else ""
        issues = self.leaves_out_of_order + self.leaves_off_column + self.arguments_out_of_order + self.through
        issues += self.outside + ([f"{self.overlaps} texts overlap"] if self.overlaps else [])
        return (
            f"{self.name:24} {self.style:7} {self.rankdir}{a:10} order {self.out_of_order:2} "
            f"column {len(self.leaves_off_column):2} crossings {self.crossings:2} "
            f"text {self.smallest_px:5.1f}px  {self.size[0]:.0f}x{self.size[1]:.0f}"
            + (f"  {'; '.join(issues)}" if issues else "")
        )


# ---------------------------------------------------------------- reading the SVG


def _bezier(points: list[Point], steps: int = 16) -> list[Point]:
    """A path of cubic Bézier pieces (Graphviz's edges: M p0 C p1 p2 p3 ...) as a polyline."""
    out = [points[0]]
    for k in range(1, len(points) - 2, 3):
        p0, p1, p2, p3 = points[k - 1 : k + 3]
        for s in range(1, steps + 1):
            t = s / steps
            u = 1 - t
            out.append(
                (
                    u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                    u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
                )
            )
    return out


def _numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)]


def _pairs(numbers: list[float]) -> list[Point]:
    return list(zip(numbers[::2], numbers[1::2], strict=False))


def _distance(p: Point, q: Point) -> float:
    return ((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2) ** 0.5


def _centre(g: ET.Element) -> Point | None:
    xs: list[float] = []
    ys: list[float] = []
    for e in g.iter():
        tag = e.tag.removeprefix(SVG)
        if tag == "ellipse":
            xs.append(float(e.get("cx", "0")))
            ys.append(float(e.get("cy", "0")))
        elif tag in ("polygon", "polyline"):
            for x, y in _pairs(_numbers(e.get("points", ""))):
                xs.append(x)
                ys.append(y)
        elif tag == "text" and (e.text or "").strip():
            b = box(e)
            xs += [b.x0, b.x1]
            ys += [b.y0, b.y1]
    if not xs:
        return None
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


class Drawing:
    """The SVG of one picture, read back: where each node is, each edge's line, each wire's rule."""

    def __init__(self, svg: str) -> None:
        self.root = ET.fromstring(svg.encode("utf-8"))
        self.centres: dict[str, Point] = {}
        self.paths: dict[str, list[Point]] = {}
        self.rules: dict[str, list[Point]] = {}  # a wire record's rule: the wire itself
        self.ellipses: dict[str, tuple[float, float, float, float]] = {}  # a gate's shape: cx, cy, rx, ry
        for g in self.root.iter(f"{SVG}g"):
            gid, cls = g.get("id", ""), g.get("class", "")
            if cls == "node":
                c = _centre(g)
                if c is not None:
                    self.centres[gid] = c
                shape = g.find(f"{SVG}ellipse")
                if shape is not None:
                    self.ellipses[gid] = tuple(float(shape.get(k, "0")) for k in ("cx", "cy", "rx", "ry"))  # type: ignore[assignment]
                line = g.find(f"{SVG}polyline")
                if g.get("data-role") == "wire" and line is not None:
                    self.rules[gid] = _pairs(_numbers(line.get("points", "")))
            elif cls == "edge":
                path = g.find(f"{SVG}path")
                if path is not None:
                    line = _bezier(_pairs(_numbers(path.get("d", ""))))
                    head = g.find(f"{SVG}polygon")  # the arrowhead: the line goes on to its tip
                    if head is not None:
                        end = line[-1]
                        line.append(max(_pairs(_numbers(head.get("points", ""))), key=lambda q: _distance(q, end)))
                    self.paths[gid] = line

    def scale(self) -> float:
        """Screen pixels per SVG unit."""
        view = _numbers(self.root.get("viewBox", "0 0 1 1"))
        return float(self.root.get("width", "1").removesuffix("px")) / view[2]

    def smallest_px(self) -> float:
        sizes = [float(t.get("font-size", "14")) for t in self.root.iter(f"{SVG}text") if (t.text or "").strip()]
        return min(sizes) * self.scale() if sizes else 0.0


# ---------------------------------------------------------------- crossings


def _cross(p: Point, q: Point, r: Point, s: Point) -> Point | None:
    """Where segments pq and rs cross properly (not at an end), or None."""
    d = (q[0] - p[0]) * (s[1] - r[1]) - (q[1] - p[1]) * (s[0] - r[0])
    if abs(d) < 1e-9:
        return None
    t = ((r[0] - p[0]) * (s[1] - r[1]) - (r[1] - p[1]) * (s[0] - r[0])) / d
    u = ((r[0] - p[0]) * (q[1] - p[1]) - (r[1] - p[1]) * (q[0] - p[0])) / d
    if 0 <= t <= 1 and 0 <= u <= 1:
        return p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])
    return None


def _near(a: Point, b: Point, eps: float) -> bool:
    return abs(a[0] - b[0]) <= eps and abs(a[1] - b[1]) <= eps


def crossings(lines: list[list[Point]], eps: float = 2.5) -> int:
    """Points where two lines cross, away from where either ends (lines meeting at a node do not cross)."""
    found = 0
    for a, b in combinations(lines, 2):
        ends = [e for e in (a[0], a[-1]) if _near(e, b[0], eps) or _near(e, b[-1], eps)]  # where they meet
        points: list[Point] = []
        for p, q in zip(a, a[1:], strict=False):
            for r, s in zip(b, b[1:], strict=False):
                x = _cross(p, q, r, s)
                if x is None or any(_near(x, e, eps) for e in ends) or any(_near(x, y, eps) for y in points):
                    continue
                points.append(x)
        found += len(points)
    return found


# ---------------------------------------------------------------- the audit


def _is_drawn_leaf(v: Any, ids: dict[Any, str]) -> bool:
    return v in ids and not v.parents


def _argument_edges(pic: Any, c: Any) -> list[tuple[int, str]]:
    """The edges that bring each drawn argument into gate ``c``: (argument index, edge id)."""
    gate = pic.ids[c]
    heads = {gate, "o" + gate[1:]}  # a circuit's gate, or a record picture's op ellipse
    by_tail = {(a, b): f"e{k}" for k, (a, b) in enumerate(pic.edges)}
    out = []
    for i, p in enumerate(c.parents):
        if p not in pic.ids:
            continue
        for head in heads:
            eid = by_tail.get((f"w{pic.ids[p]}_{gate}_{i}", head)) or by_tail.get((pic.ids[p], head))
            if eid:
                out.append((i, eid))
                break
    return out


def connections(pic: Any, drawing: Drawing) -> list[list[Point]]:
    """Every line of the picture as the reader follows it: from a node (or a fork's junction) through
    the wires' rules to the next gate. A fork's stem ends at its junction, where its branches begin."""
    outs: dict[str, list[str]] = {}
    for k, (tail, _) in enumerate(pic.edges):
        outs.setdefault(tail, []).append(f"e{k}")
    lines = []
    for k, (tail, head) in enumerate(pic.edges):
        eid = f"e{k}"
        if eid not in drawing.paths or (tail in drawing.rules and len(outs[tail]) == 1):
            continue  # invisible, or the middle of a line that starts before it
        line = list(drawing.paths[eid])
        while head in drawing.rules:
            line += drawing.rules[head]
            if len(outs.get(head, [])) != 1:
                break
            nxt = outs[head][0]
            line += drawing.paths.get(nxt, [])
            head = pic.edges[int(nxt[1:])][1]
        lines.append(line)
    return lines


def through_gates(lines: list[list[Point]], drawing: Drawing, margin: float = 1.5) -> list[str]:
    """Lines that pass across a gate, not just into or out of it (a point well inside its ellipse)."""
    found = []
    for gid, (cx, cy, rx, ry) in drawing.ellipses.items():
        rx, ry = rx - margin, ry - margin
        for line in lines:
            inside = [((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < 1 for x, y in line]
            if any(inside[1:-1]) and not (inside[0] or inside[-1]):
                found.append(f"a line across {gid}")
    return found


def audit(name: str, root: Any, style: str, rankdir: str, annotate: bool) -> Report:
    """Draw ``root`` as asked (default width, WebAssembly Graphviz) and measure its layout."""
    root.backward()
    warnings.simplefilter("ignore", micrograd.drawing.PictureTooLarge)  # the audit draws every direction
    d = micrograd.draw(root, style=style, rankdir=rankdir, annotate=annotate, engine="wasm")
    return measure(name, root, d, style, annotate)


def measure(name: str, root: Any, d: Any, style: str = "circuit", annotate: bool = False) -> Report:
    """Measure a picture already made of ``root`` (a Diagram: drawn, a worksheet's, a player's frame)."""
    svg = d.svg("wasm")
    pic = d.picture
    rankdir = pic.rankdir
    drawing = Drawing(svg)
    report = Report(name, style, rankdir, annotate)
    across = 1 if rankdir in HORIZONTAL else 0  # the coordinate inputs are ordered along
    along = 1 - across
    order = micrograd.core.reading_order(root)
    leaves = [v for v in order if _is_drawn_leaf(v, pic.ids)]
    names = {v: (v.label or pic.ids.get(v, "?")) for v in order}
    placed = sorted(leaves, key=lambda v: drawing.centres[pic.ids[v]][across])
    if placed != leaves:
        report.leaves_out_of_order.append("inputs read " + ", ".join(names[v] for v in placed))
    if leaves:
        column = [drawing.centres[pic.ids[v]][along] for v in leaves]
        first = min(column) if rankdir in ("LR", "TB") else max(column)
        report.leaves_off_column += [names[v] for v, x in zip(leaves, column, strict=True) if abs(x - first) > 2]
    for c in order:
        if c not in pic.ids or not c.parents:
            continue
        entries = [(i, drawing.paths[eid][-1][across]) for i, eid in _argument_edges(pic, c) if eid in drawing.paths]
        if any(b[1] <= a[1] for a, b in zip(entries, entries[1:], strict=False)):
            report.arguments_out_of_order.append(f"{names[c]}({', '.join(str(i) for i, _ in entries)})")
    lines = connections(pic, drawing)
    report.crossings = crossings(lines)
    report.through = through_gates(lines, drawing)
    report.smallest_px = drawing.smallest_px()
    laid_out = render(pic.source, "svg", "wasm").decode("utf-8")  # Graphviz's own: every box still outlined
    report.outside = text_outside_boxes(laid_out) + text_outside_boxes(svg)
    report.overlaps = len(overlapping(svg))
    report.size = (float(drawing.root.get("width", "0").removesuffix("px")), drawing.scale())
    w, h = (_numbers(drawing.root.get(k, "0"))[0] for k in ("width", "height"))
    report.size = (w, h)
    return report


CASES = [
    (style, rankdir, annotate)
    for style in ("circuit", "record")
    for rankdir in ("LR", "TB")
    for annotate in (False, True)
]


def run(names: list[str] | None = None) -> list[Report]:
    reports = []
    for name, build in CORPUS.items():
        if names and name not in names:
            continue
        for style, rankdir, annotate in CASES:
            reports.append(audit(name, build(), style, rankdir, annotate))
    return reports


if __name__ == "__main__":
    all_reports = run(sys.argv[1:] or None)
    for r in all_reports:
        print(r.line())
    print(
        f"{len(all_reports)} pictures: {sum(r.out_of_order for r in all_reports)} out of reading order, "
        f"{sum(len(r.leaves_off_column) for r in all_reports)} inputs off the input column, "
        f"{sum(r.crossings for r in all_reports)} crossings, "
        f"{sum(len(r.through) for r in all_reports)} lines across a gate, "
        f"smallest text {min(r.smallest_px for r in all_reports):.1f}px, "
        f"{sum(len(r.outside) for r in all_reports)} texts outside their box, "
        f"{sum(r.overlaps for r in all_reports)} overlapping"
    )
