"""Step through a backward pass: one picture per gradient, as the lecture's slide sequence.

``draw_steps(root)`` returns the frames (a list of :class:`~micrograd.drawing.diagram.Diagram`);
``save_steps(root, "steps.html")`` writes them as one self-contained HTML page (inline SVG,
previous/next buttons, a slider, arrow keys, a caption per frame, no network access). In
Jupyter the list returned by ``draw_steps`` displays as the same player. The frames read the
backward trace from ``root`` (seed 1): no ``.grad`` is changed, and no ``backward()`` is needed first.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core import BackwardTrace, topological_order
from . import notation
from .boxsteps import arrivals, backward_elements, box_caption, node_caption
from .collapse import Box
from .diagram import (
    OWN,
    WIDTH,
    Diagram,
    OwnTimeout,
    PictureTooLarge,
    check_fit,
    check_looks,
    check_options,
    check_root,
    directions,
    gradients,
    graph,
    picture,
)
from .dot import printable
from .errors import RenderTimeout
from .files import atomic_write
from .numbers import format_number, format_value
from .picture import Graph, Options, View
from .render import TIMEOUT, Deadline, check_timeout
from .svg import captioned, inline_svg
from .theme import theme_named

__all__ = ["Steps", "draw_steps", "save_steps", "backward_frames"]


_CSS = """
.mg-player{font-family:Helvetica,Arial,sans-serif;outline:none;max-width:100%}
.mg-controls{display:flex;gap:.6em;align-items:center;margin:.3em 0}
.mg-controls input{flex:1;max-width:28em}
.mg-caption{font-size:1.05em;margin:.3em 0 .5em;min-height:1.3em}
.mg-frame svg{max-width:100%;height:auto}
"""

# One player per page element: everything is looked up inside the element, so several
# players can share a notebook. Keys: ←/→ (also PageUp/PageDown), Home, End, on the player (the slider
# too: its own steps would come twice): handled there and stopped, so a notebook's shortcuts (JupyterLab
# collapses a section on ←) never see them; a click on the slider leaves the focus on the player.
_JS = """
(function(){
var root=document.getElementById("%(pid)s");
var frames=root.querySelectorAll(".mg-frame"),slider=root.querySelector(".mg-slider"),
    caption=root.querySelector(".mg-caption"),counter=root.querySelector(".mg-counter"),last=frames.length-1,i=0;
function show(k){
  i=Math.max(0,Math.min(last,k));
  for(var j=0;j<frames.length;j++){frames[j].hidden=(j!==i);}
  slider.value=String(i);caption.textContent=frames[i].getAttribute("data-caption");
  counter.textContent="frame "+i+" of "+last;root.setAttribute("data-frame",String(i));
}
root.querySelector(".mg-prev").addEventListener("click",function(){show(i-1);});
root.querySelector(".mg-next").addEventListener("click",function(){show(i+1);});
slider.addEventListener("input",function(){show(parseInt(slider.value,10));});
function back(){root.focus({preventScroll:true});}
slider.addEventListener("change",back);slider.addEventListener("pointerup",back);
function key(e){
  if(e.altKey||e.ctrlKey||e.metaKey){return;}
  var k={"ArrowRight":i+1,"ArrowDown":i+1,"PageDown":i+1,
         "ArrowLeft":i-1,"ArrowUp":i-1,"PageUp":i-1,"Home":0,"End":last}[e.key];
  if(k!==undefined){show(k);e.preventDefault();e.stopPropagation();}
}
%(target)s.addEventListener("keydown",key);
show(0);
})();
"""


class Steps(list):
    """The frames of a backward pass (a list of Diagrams); shows as a player in Jupyter."""

    def svgs(self, *, timeout: float | None | OwnTimeout = OWN) -> list[str]:
        """Every frame's SVG, all rendered within ``timeout`` seconds (default: the frames', 10 s unless
        set; None: no limit); RenderTimeout past it."""
        own = self[0].timeout if self else TIMEOUT
        deadline = Deadline(own if isinstance(timeout, OwnTimeout) else timeout)
        try:
            first = [d.svg(timeout=deadline.left()) for d in self[:1]]
            with warnings.catch_warnings():  # a picture too large says so once, for its first frame
                warnings.simplefilter("ignore", PictureTooLarge)
                return first + [d.svg(timeout=deadline.left()) for d in self[1:]]
        except RenderTimeout:
            raise RenderTimeout(deadline.timeout or 0.0, self[0].nodes) from None

    def html(
        self,
        *,
        standalone: bool = False,
        title: str = "micrograd: backward, step by step",
        timeout: float | None | OwnTimeout = OWN,
    ) -> str:
        """The player as HTML: a full page if ``standalone``, else a fragment for a notebook.

        ``timeout``: the seconds Graphviz may take for all the frames (as :meth:`svgs`).
        """
        if not self:
            raise ValueError("no frames to show")
        svgs = self.svgs(timeout=timeout)
        digest = hashlib.sha1("".join(d.source for d in self).encode("utf-8")).hexdigest()[:10]
        pid = f"mg-steps-{digest}"
        last = len(self) - 1
        frames = "\n".join(
            f'<div class="mg-frame" data-caption="{html.escape(printable(d.caption))}"{"" if k == 0 else " hidden"}>'
            f"{inline_svg(svg, f'{pid}-f{k}')}</div>"
            for k, (d, svg) in enumerate(zip(self, svgs, strict=True))
        )
        body = (
            f'<div class="mg-player" id="{pid}" tabindex="0" data-frame="0">\n'
            f'<div class="mg-controls"><button type="button" class="mg-prev">&#9664; previous</button>'
            f'<input type="range" class="mg-slider" min="0" max="{last}" value="0" aria-label="frame">'
            f'<button type="button" class="mg-next">next &#9654;</button>'
            f'<span class="mg-counter">frame 0 of {last}</span></div>\n'
            f'<p class="mg-caption" aria-live="polite">{html.escape(printable(self[0].caption))}</p>\n'
            f'<div class="mg-frames">\n{frames}\n</div>\n</div>\n'
            f"<script>{_JS % {'pid': pid, 'target': 'document' if standalone else 'root'}}</script>"
        )
        if not standalone:
            return f"<style>{_CSS}</style>\n{body}"
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            # no network: nothing may be fetched, only what is inline runs
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
            f"<title>{html.escape(printable(title))}</title>\n<style>{_CSS}</style>\n</head>\n"
            f"<body>\n{body}\n</body>\n</html>\n"
        )

    def gif(
        self, *, scale: float | None = None, seconds: float = 1.6, timeout: float | None | OwnTimeout = OWN
    ) -> bytes:
        """The frames as an animated GIF (for slides that run no HTML), each with its caption under it.

        ``scale``: × the pictures' pixel size; None: as wide as a slide (1280 px, at most 4 ×, never
        under 1 ×, so no text is under 12 px). ``timeout``: the seconds Graphviz may take for all the
        frames (as :meth:`svgs`).
        """
        from .raster import frames_to_gif, slide_scale, svg_to_png

        if not self:
            raise ValueError("no frames to show")
        svgs = self.svgs(timeout=timeout)
        captioned_svgs = [captioned(svg, d.caption, d.theme) for d, svg in zip(self, svgs, strict=True)]
        if scale is None:
            scale = slide_scale(max(_width_px(svg) for svg in captioned_svgs))
        pngs = [svg_to_png(svg, scale=scale) for svg in captioned_svgs]
        return frames_to_gif(pngs, durations_ms=int(seconds * 1000))

    def to_bytes(self, format: str, *, timeout: float | None | OwnTimeout = OWN, scale: float | None = None) -> bytes:
        """The backward pass as ``"html"`` (the player) or ``"gif"`` (an animation, ``scale`` as :meth:`gif`)."""
        if format == "html":
            return self.html(standalone=True, timeout=timeout).encode("utf-8")
        if format == "gif":
            return self.gif(timeout=timeout, scale=scale)
        raise ValueError(f"steps are saved as .html (a player) or .gif (an animation), got {format!r}")

    def save(
        self, path: str | os.PathLike[str], format: str | None = None, *, timeout: float | None | OwnTimeout = OWN
    ) -> Path:
        """Write the backward pass to ``path``: a self-contained HTML player (.html) or an animated GIF (.gif).

        Atomic: a failure leaves an existing file untouched. ``timeout``: as :meth:`svgs`.
        """
        fmt = (format or Path(path).suffix.lstrip(".")).lower()
        fmt = "html" if fmt == "htm" else fmt
        return atomic_write(path, self.to_bytes(fmt, timeout=timeout))

    def _repr_html_(self) -> str:
        return self._shown(self.still())

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """What a notebook shows and saves: the player, and the first frame as a PNG (also inside the player's
        HTML) for the front ends that run no script (an untrusted or exported notebook: :mod:`.still`)."""
        from .still import bundle

        png = self.still()
        plain = f"<Steps: {len(self)} frames of a backward pass>"
        return bundle(plain, "", html_text=self._shown(png), png=png, include=include, exclude=exclude, with_svg=False)

    def still(self) -> bytes:
        """The first frame with its caption, as a PNG at its own size (text of 12 px at least)."""
        from .still import still_png

        if not self:
            raise ValueError("no frames to show")
        first = self[0]
        return still_png(captioned(first.svg(), first.caption, first.theme))

    def _shown(self, png: bytes) -> str:
        """The player, and ``png`` where no script runs."""
        from .still import img, with_still

        note = "<p><i>the first frame: where the notebook is trusted, or the cell is run, a player steps on</i></p>"
        return with_still(self.html(), note + img(png, self[0].alt_text() + " " + printable(self[0].caption)))


def _width_px(svg: str) -> float:
    found = re.search(r'<svg[^>]*?\bwidth="([\d.]+)px"', svg)
    return float(found.group(1)) if found else 0.0


def backward_frames(root: Any, *, max_nodes: int = 100, **kw: Any) -> list[Diagram]:
    """The frames of :func:`draw_steps` (see there), each with its ``caption``."""
    check_root(root, "draw_steps()")
    style = kw.pop("style", "circuit")
    rankdir = kw.pop("rankdir", "auto")
    precision = kw.pop("precision", 4)
    annotate = kw.pop("annotate", False)
    engine = kw.pop("engine", None)
    theme = theme_named(kw.pop("theme", "lecture"))
    width = kw.pop("width", WIDTH)
    font_size = kw.pop("font_size", 12.0)
    names = kw.pop("names", None)
    identities = kw.pop("identities", False)
    timeout = kw.pop("timeout", TIMEOUT)
    fit = kw.pop("fit", None)
    collapse, expand = kw.pop("collapse", None), kw.pop("expand", None)
    if kw:
        raise TypeError(f"draw_steps() got unexpected keyword arguments: {', '.join(sorted(kw))}")
    check_options(style, rankdir, max_nodes, precision, engine)
    check_looks(font_size, width)
    check_timeout(timeout)
    check_fit(fit)
    g = graph(root, max_nodes, names, identities, collapse, expand)
    trace = gradients(root)
    # as the backward pass completes the gradients (its own order: g.topo is the order the expression reads)
    order = [
        v for v in reversed(topological_order(g.root)) if trace is not None and v in trace.grads and v not in g.hidden
    ]
    if g.collapsed is not None:  # one step per element drawn: a box's gradients arrive at once
        assert trace is not None
        style = "circuit"  # boxes and the wires between them, as draw() draws them
        order = backward_elements(g.collapsed, order, trace.grads)
    n = len(order)
    looks = {"style": style, "engine": engine, "theme": theme, "width": width, "timeout": timeout, "fit": fit}
    caption = f"forward pass: {g.names[root]} = {format_value(root.data, precision)}; no gradients yet (step 0 of {n})"
    start = View(trace, lambda v: False, pad=True)
    first = Diagram(
        [
            picture(g, start, _options(d, style, precision, annotate, font_size), max_nodes)
            for d in directions(rankdir, width)
        ],
        caption=caption,
        **looks,
    )
    opts = _options(first.decide(), style, precision, annotate, font_size)  # every frame in the first one's direction
    frames = [first]
    revealed: set[int] = set()
    for k, v in enumerate(order, start=1):
        assert trace is not None
        if g.collapsed is None:
            hot = {(id(v), id(w.node)) for w in g.into(trace, v)}
            revealed.add(id(v))
            caption = _caption(k, n, v, g, trace, precision)
        else:
            hot, caption = _element_step(k, n, v, g, trace, precision, revealed)
        view = View(trace, _among(set(revealed)), hot, marked=v, pad=True)
        frames.append(Diagram(picture(g, view, opts, max_nodes), caption=caption, **looks))
    return frames


def _element_step(
    k: int, n: int, e: Any, g: Graph, trace: BackwardTrace, precision: int, revealed: set[int]
) -> tuple[set[tuple[int, int]], str]:
    """Step ``k`` of a collapsed picture's backward pass: reveal element ``e`` (a box: its nodes' gradients
    and the wires entering it; a node: its gradient); the wires it highlights and its caption."""
    c = g.collapsed
    wire = View(trace, lambda v: True).wire
    revealed.add(id(e))
    step = f"step {k} of {n}: "
    if isinstance(e, Box):
        revealed.update(id(v) for v in e.nodes)
        sent = arrivals(c, e, wire)
        return {(id(v), id(e)) for v, *_ in sent}, box_caption(step, e, sent, g.names[g.root], g.names, precision)
    hot = {(id(e), id(w.node)) for w in g.into(trace, e)}
    hot |= {(id(e), id(bundle.head)) for bundle in c.bundles if bundle.tail is e}
    if e is not g.root and any(isinstance(bundle.head, Box) for bundle in c.bundles if bundle.tail is e):
        return hot, node_caption(step, e, c, wire, g.names[g.root], g.names, precision)
    return hot, _caption(k, n, e, g, trace, precision)


def _options(rankdir: str, style: str, precision: int, annotate: bool, font_size: float) -> Options:
    return Options(style, rankdir, precision, annotate, float(font_size), show_names=True)  # captions name gates


def _among(ids: set[int]) -> Callable[[Any], bool]:
    """Is a node one of those whose gradient is revealed?"""
    return lambda v: id(v) in ids


def _caption(k: int, n: int, v: Any, g: Graph, trace: BackwardTrace, precision: int) -> str:
    """What step ``k`` does, in the names the picture shows: ``df/dx0 = df/dn1 · ∂n1/∂x0 = 0.1966 · 2 = 0.3932``."""
    f, x = g.names[g.root], g.names[v]
    total = format_value(trace.grad(v), precision) or "(an array)"
    if v is g.root:
        return f"step 1 of {n}: the seed, {notation.total(f, f)} = {total}"
    wires = g.into(trace, v)
    step = f"step {k} of {n}: "
    if any(w.local is None for w in wires):  # tensors: the local derivative is a Jacobian
        sources = ", ".join(f"{g.names[w.node]} ({w.node.op})" for w in wires)
        return step + f"{notation.total(f, x)} = {total}, back from {sources}"
    chain = " + ".join(notation.chain(f, g.names[w.node], x) for w in wires)
    numbers = " + ".join(f"{_num(w.upstream, precision)} · {_num(w.local, precision)}" for w in wires)
    used = f" ({x} is used {len(wires)} times: the contributions add)" if len(wires) > 1 else ""
    return step + f"{notation.total(f, x)} = {chain} = {numbers} = {total}{used}"


def _num(x: float, precision: int) -> str:
    text = format_number(x, precision)
    return f"({text})" if text.startswith("-") else text


def draw_steps(root: Any, **kw: Any) -> Steps:
    """The backward pass of ``root`` as a sequence of pictures (a list of :class:`Diagram`).

    Frame 0 is the forward pass, no gradients. Frame k fills in the gradient of the k-th
    node in the order a backward pass completes them (frame 1: the seed d root/d root = 1)
    and highlights the wires that gradient came back along (from the nodes that use it); its
    caption writes the chain rule, ``df/dx = df/dq · ∂q/∂x`` with the numbers (d for totals, ∂
    for a gate's local derivative). Identity gates are left out as in :func:`micrograd.draw`
    (``identities=True`` shows them).
    Constants (inputs that need no gradient) get no frame. Each frame has a ``caption``.
    Keywords as :func:`micrograd.draw` (style, rankdir, precision, annotate, engine, width, fit);
    ``max_nodes`` defaults to 100 here since every node makes one frame. ``timeout``: the
    seconds Graphviz may take (10; None: no limit) to choose the direction now, and again for
    all the frames when they are rendered (:meth:`Steps.svgs`). No ``.grad`` is
    read or changed: the gradients are those of a backward pass from ``root`` with seed 1.
    In Jupyter the result shows as a player (previous/next, slider, arrow keys).
    """
    return Steps(backward_frames(root, **kw))


def save_steps(root: Any, path: str | os.PathLike[str], **kw: Any) -> Path:
    """Write the backward pass of ``root`` as an HTML player (``.html``) or an animated GIF (``.gif``).

    Keywords as :func:`draw_steps`; ``timeout`` (10 s; None: no limit) covers all the rendering.
    """
    suffix = Path(path).suffix.lstrip(".").lower()
    if suffix not in ("html", "htm", "gif"):
        raise ValueError(f"cannot tell the format of {str(path)!r}: use .html (a player) or .gif (an animation)")
    timeout = kw.get("timeout", TIMEOUT)
    deadline = Deadline(timeout)
    steps = draw_steps(root, **kw)
    try:
        return steps.save(path, timeout=deadline.left())
    except RenderTimeout:
        raise RenderTimeout(timeout or 0.0, steps[0].nodes) from None
