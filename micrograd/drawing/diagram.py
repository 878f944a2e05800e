"""Draw a computation graph: every value and every gradient on the wire it belongs to.

``draw(root)`` returns a :class:`Diagram`: the DOT text (:mod:`~micrograd.drawing.picture`),
rendered to SVG by Graphviz (:mod:`~micrograd.drawing.render`), then finished
(:mod:`~micrograd.drawing.svg`): themed, with tooltips and a summary, fitted to a width. It
saves as SVG, PNG, PDF or DOT, and shows inline in Jupyter.

Every gradient a picture shows comes from the backward trace
(:class:`micrograd.core.BackwardTrace`), never from ``.grad`` directly: drawing changes no
gradient, and with ``annotate=True`` each wire's ``upstream × local`` agrees with its number.
"""

from __future__ import annotations

import html
import json
import os
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..core import BackwardTrace, reading_order, topological_order
from .bounded import check_root, graph
from .boxes import build_collapsed, collapsed_summary
from .collapse import check_collapse
from .dot import printable
from .errors import GraphTooLarge, PictureTooLarge, RendererMissing, RenderTimeout, user_stacklevel
from .files import atomic_write
from .names import node_names
from .notation import derivative_name
from .parts import value_text
from .picture import Graph, Options, Picture, View, build
from .render import ENGINES, TIMEOUT, Deadline, check_timeout, render, resolve_engine
from .svg import FITS, MIN_TEXT_PX, Fit, finish_fitted, inline_svg
from .theme import Theme, theme_named

__all__ = [
    "Diagram",
    "draw",
    "STYLES",
    "FORMATS",
    "RANKDIRS",
    "has_grad",
    "gradients",
    "check_root",
    "graph",
    "WIDTH",
    "TIMEOUT",
    "FITS",
    "PictureTooLarge",
]

STYLES = ("record", "circuit")
RANKDIRS = ("auto", "LR", "RL", "TB", "BT")
FORMATS = ("svg", "png", "pdf", "dot")
WIDTH = 900  # px: a notebook's output area; pictures wider than this are scaled down to it (text to 12 px at least)
TALL = 1.25  # rankdir="auto" in a notebook: a picture taller than this × ``width`` counts as shrunk to fit that
BETTER = 1.25  # rankdir="auto": left to right unless it cannot fit with text of 12 px and another direction
# can, or neither can and another shows text this many times larger
# Layout budget: Graphviz's time grows about as the square of the nodes it lays out (long wires'
# virtual nodes included), and its cost per node varies 100-fold with the shape and direction
# (routing long wires past wide records is the most of it). At 5 x max_nodes = 5,000 the slowest
# pictures measured (x+x+...+x as records, top to bottom) take ~4 s with the WebAssembly build,
# so both directions of rankdir="auto" fit the default timeout; the timeout guarantees the rest.
LAYOUT_PER_NODE = 5
ALTERNATIVE = 3.0  # rankdir="auto": another direction may take this many times the first's layout time ...
ALTERNATIVE_MIN = 1.0  # ... or this many seconds, whichever is more; past that it is not chosen


def _is_scalar(v: Any) -> bool:
    return isinstance(v.data, (float, int))


def has_grad(root: Any) -> bool:
    """True once a backward pass has reached ``root``: its grad is set (tensors) or non-zero (Values)."""
    g = root.grad
    if g is None:
        return False
    return bool(g != 0) if _is_scalar(root) else True


def gradients(root: Any, seed: Any = None) -> BackwardTrace | None:
    """The backward trace a picture of ``root`` shows (seed: ``root``'s own gradient, default 1).

    None when ``root`` needs no gradient, or is an array with no gradient to start from.
    """
    if not root.requires_grad or (seed is None and not _is_scalar(root) and root.data.size != 1):
        return None
    return BackwardTrace(root, seed)


def derivative_names(root: Any, forward: Any, names: Mapping[Any, str] | None = None) -> dict[Any, str]:
    """``names``, and for a gradient ``root`` that ``forward.backward(create_graph=True)`` left in some
    ``x.grad``, unless it is named already, the name of what it is: ``dy/dx`` (``d²y/dx²`` when ``forward``
    is itself named ``dy/dx``)."""
    given = dict(names or {})
    if root in given or root.label:
        return given
    order = reading_order(forward)
    x = next((v for v in order if v.grad is root), None)
    if x is None:
        return given
    forward_names = node_names(forward, given, order)
    given[root] = derivative_name(forward_names[forward], forward_names[x])
    return given


def picture(g: Graph, view: View, opts: Options, max_nodes: int) -> Picture:
    """The picture's DOT; GraphTooLarge if Graphviz would have to lay out far more than ``max_nodes``."""
    collapsed = g.collapsed
    pic = build(g, view, opts, None if collapsed is None else lambda b: build_collapsed(b, collapsed))
    if g.collapsed is not None and not view.blanks:  # a worksheet's summary tells no number
        pic.desc = collapsed_summary(g.names[g.root], value_text(g.root, opts.precision), len(g.topo), g.collapsed)
        pic.drawn = (len(g.collapsed.boxes), len(g.collapsed.open))
    if pic.layout_size > LAYOUT_PER_NODE * max_nodes and collapsed is not None:
        raise GraphTooLarge(
            f"collapsed, the graph of {len(g.topo):,} nodes draws {collapsed.drawn} boxes and nodes, but their "
            f"wires cross so many ranks that Graphviz would lay out about {pic.layout_size} (more than "
            f"{LAYOUT_PER_NODE} x max_nodes={max_nodes}): collapse more (collapse=True, or a smaller depth), "
            f"or raise max_nodes."
        )
    if pic.layout_size > LAYOUT_PER_NODE * max_nodes:
        raise GraphTooLarge(
            f"the graph has {len(g.topo)} nodes, but its wires cross so many ranks that Graphviz would lay "
            f"out about {pic.layout_size} (more than {LAYOUT_PER_NODE} x max_nodes={max_nodes}): an input "
            f"feeding a long chain, like x+x+...+x. Draw a subexpression instead, or raise max_nodes."
        )
    return pic


# ---------------------------------------------------------------- Diagram


class OwnTimeout:
    """The default ``timeout`` of a Diagram's methods: the diagram's own (``draw(..., timeout=...)``)."""

    def __repr__(self) -> str:
        return "<the diagram's timeout>"


OWN = OwnTimeout()


class Diagram:
    """A drawn graph: ``.source`` (DOT), ``.svg()``, ``.png()``, ``.save(path)``; shows inline in Jupyter.

    ``pictures`` are the same picture laid out in the directions to choose from (the first
    is the default); ``theme`` and ``width`` (the most pixels it may take, None: its natural
    size) apply to the SVG and what is made from it (PNG, PDF); ``fit="16:9"``: also at most
    ``width`` × 9/16 high, a slide's shape. No text is shrunk below 12 px: a picture that cannot fit
    so keeps that size, :attr:`fits` is False and :meth:`size_message` says how big it is and how to
    draw less (also as a :class:`PictureTooLarge` warning, and over the picture in a notebook, which
    scrolls it sideways). ``timeout``: the seconds Graphviz may take to lay it out (None: no limit),
    unless a method is given its own.
    """

    def __init__(
        self,
        pictures: Picture | list[Picture],
        *,
        style: str,
        engine: str | None = None,
        theme: str | Theme = "lecture",
        width: float | None = WIDTH,
        caption: str = "",
        timeout: float | None = TIMEOUT,
        fit: str | None = None,
    ) -> None:
        check_timeout(timeout)
        check_fit(fit)
        self.fit = fit
        self.pictures = [pictures] if isinstance(pictures, Picture) else list(pictures)
        self.style = style
        self.engine = engine
        self.theme = theme_named(theme)
        self.width = width
        self.caption = caption
        self.timeout = timeout
        self._chosen: Picture | None = self.pictures[0] if len(self.pictures) == 1 else None
        self._svg: dict[str, str] = {}
        self._fit: Fit | None = None
        self._warned = False  # PictureTooLarge said

    @property
    def picture(self) -> Picture:
        """The picture drawn. With a choice of directions (``rankdir="auto"``) the choice is made when it
        is first rendered (the one that shows text largest); until then, the first direction's."""
        return self._chosen if self._chosen is not None else self.pictures[0]

    @property
    def source(self) -> str:
        """The DOT text Graphviz lays out (never renders: see :attr:`picture`)."""
        return self.picture.source

    @property
    def rankdir(self) -> str:
        """The direction of the layout (chosen when ``rankdir="auto"``)."""
        return self.picture.rankdir

    @property
    def nodes(self) -> int:
        """How many graph nodes the picture is of."""
        return self.pictures[0].nodes

    def svg(self, engine: str | None = None, *, timeout: float | None | OwnTimeout = OWN) -> str:
        """The picture as SVG text (system ``dot`` if on PATH, else WebAssembly Graphviz; or as ``engine`` says).

        RenderTimeout if Graphviz takes more than ``timeout`` seconds in all (default: the
        diagram's, 10 s unless ``draw`` was given another; None: no limit).
        """
        deadline = Deadline(self.timeout if isinstance(timeout, OwnTimeout) else timeout)
        resolved = resolve_engine(engine if engine is not None else self.engine)
        if resolved not in self._svg:
            self._svg[resolved] = self._render(resolved, deadline)
        return self._svg[resolved]

    def _render(self, engine: str, deadline: Deadline) -> str:
        candidates = [self._chosen] if self._chosen is not None else self.pictures
        best: tuple[tuple[bool, float], str, Fit, Picture] | None = None
        first = 0.0  # seconds the first direction took
        for k, pic in enumerate(candidates):
            started = time.monotonic()
            try:
                laid_out = render(pic.source, "svg", engine, timeout=_budget(deadline, k, first)).decode("utf-8")
            except RenderTimeout:
                if best is None:
                    raise RenderTimeout(deadline.timeout or 0.0, self.nodes) from None
                break  # another direction Graphviz cannot lay out in time is not chosen
            if k == 0:
                first = time.monotonic() - started
            svg, sized = finish_fitted(laid_out, pic, self.theme, self.width, self.fit)
            score = _score(sized, self.fit)
            if best is None or _better(score, best[0]):  # the first direction, unless another is clearly better
                best = (score, svg, sized, pic)
            if k == 0 and score[0]:  # left to right fits: the lecture's look
                break
        assert best is not None
        _, svg, self._fit, self._chosen = best
        if self.fit == "16:9" and not self._fit.fits and self._chosen.rankdir == "LR":
            svg = self._wrapped(svg)
        if not self._fit.fits and not self._warned:  # once: a notebook may render it for several formats
            self._warned = True
            warnings.warn(PictureTooLarge(self._fit.message()), stacklevel=user_stacklevel())
        return svg

    def _wrapped(self, svg: str) -> str:
        """A left-to-right picture too long for a slide, wrapped into rows if that fits (:mod:`.wrap`)."""
        from .wrap import wrap_rows

        assert self._fit is not None and self._fit.frame is not None
        width, height = self._fit.frame
        assert height is not None
        rows = wrap_rows(svg, width, height, self._fit.smallest / self._fit.scale)
        if rows is None:
            return svg
        svg, self._fit = rows
        return svg

    @property
    def fits(self) -> bool:
        """Does the picture fit ``width`` (and a 16:9 slide with ``fit="16:9"``) with no text under 12 px?

        Rendered to tell, if it is not yet."""
        return self.sized().fits

    def sized(self) -> Fit:
        """How big the picture is shown (:class:`~micrograd.drawing.svg.Fit`), rendered to tell if need be."""
        if self._fit is None:
            self.svg()
        assert self._fit is not None
        return self._fit

    def size_message(self) -> str:
        """ "" if the picture fits; else one line: its size with 12 px text, and how to draw less."""
        return self.sized().message()

    def decide(self, engine: str | None = None, *, timeout: float | None | OwnTimeout = OWN) -> str:
        """Choose the direction now (rendering to compare, if there is a choice); the direction chosen."""
        if self._chosen is None:
            try:
                self.svg(engine, timeout=timeout)
            except RendererMissing:  # no Graphviz to measure with: the first direction
                self._chosen = self.pictures[0]
        return self.rankdir

    def png(self, scale: float = 2.0, engine: str | None = None, *, timeout: float | None | OwnTimeout = OWN) -> bytes:
        """The picture as PNG bytes, ``scale`` × its pixel size (2: sharp on a slide)."""
        from .raster import svg_to_png

        return svg_to_png(self.svg(engine, timeout=timeout), scale=scale)

    def save(
        self,
        path: str | os.PathLike[str],
        format: str | None = None,
        engine: str | None = None,
        *,
        timeout: float | None | OwnTimeout = OWN,
    ) -> Path:
        """Write the picture to ``path``; format from ``format`` or the suffix (.svg .png .pdf .dot/.gv).

        Atomic: a failed render leaves an existing file untouched. ``timeout``: as :meth:`svg`.
        """
        path = Path(path)
        fmt = (format or path.suffix.lstrip(".")).lower()
        fmt = "dot" if fmt == "gv" else fmt
        if fmt in ("gif", "html"):
            raise ValueError(
                f"a single picture cannot be saved as {fmt.upper()} ({str(path)!r}): the backward pass step by step"
                f" is micrograd.save_steps(root, {path.with_suffix('.' + fmt).name!r}); this picture saves as"
                " .svg .png .pdf or .dot"
            )
        if fmt not in FORMATS:
            raise ValueError(f"cannot tell the format of {str(path)!r}: use a suffix .svg .png .pdf .dot, or format=")
        return atomic_write(path, self.to_bytes(fmt, engine, timeout=timeout))

    def to_bytes(self, format: str, engine: str | None = None, *, timeout: float | None | OwnTimeout = OWN) -> bytes:
        """The picture in ``format`` (svg, png, pdf, dot), in memory. ``timeout``: as :meth:`svg`."""
        if format == "dot":
            return self.source.encode("utf-8")
        if format == "svg":
            return self.svg(engine, timeout=timeout).encode("utf-8")
        if format == "png":
            return self.png(engine=engine, timeout=timeout)
        if format == "pdf":
            from .raster import svg_to_pdf

            return svg_to_pdf(self.svg(engine, timeout=timeout))
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")

    def layout(self, engine: str | None = None, *, timeout: float | None | OwnTimeout = OWN) -> dict[str, Any]:
        """Where Graphviz puts every node and wire of the picture drawn, in the SVG's coordinates, by the
        ids of :meth:`BackwardTrace.to_dict` (:mod:`.positions`: the schema). ``timeout``: as :meth:`svg`."""
        from .positions import layout_dict

        self.decide(engine, timeout=timeout)  # the direction the SVG shows
        seconds = self.timeout if isinstance(timeout, OwnTimeout) else timeout
        laid_out = render(self.source, "json0", engine if engine is not None else self.engine, timeout=seconds)
        return layout_dict(self.picture, self.style if self.picture.ids else "collapsed", laid_out)

    def to_json(
        self, engine: str | None = None, *, timeout: float | None | OwnTimeout = OWN, indent: int | None = None
    ) -> str:
        """:meth:`layout` as JSON text: the positions of nodes and wires, for people who draw their own."""
        return json.dumps(self.layout(engine, timeout=timeout), indent=indent, ensure_ascii=False)

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """What a notebook shows and saves: the SVG, its PNG for the front ends that show no SVG (an untrusted
        or exported notebook: :mod:`.still`), and for a picture too large to fit, the HTML of :meth:`_repr_html_`."""
        from .still import bundle, still_png

        svg = self.svg()
        png = still_png(svg)
        page = None if self.fits else self._too_large(svg, png)
        return bundle(repr(self), svg, html_text=page, png=png, include=include, exclude=exclude)

    def _repr_html_(self) -> str | None:
        """A picture too large to fit at 12 px text: its size message, and the picture scrolling sideways
        at that size (a notebook would shrink an SVG to its width). None otherwise: Jupyter shows the SVG."""
        from .still import still_png

        svg = self.svg()
        return None if self.fits else self._too_large(svg, still_png(svg))

    def alt_text(self) -> str:
        """What the picture shows, in words (its SVG's title and summary): a still picture's ``alt`` text."""
        return printable(f"{self.picture.title}. {self.picture.desc}")

    def _too_large(self, svg: str, png: bytes) -> str:
        from .still import img, with_still

        inline = inline_svg(svg, f"mg-d{id(self):x}").replace("<svg ", '<svg style="max-width:none" ', 1)
        style = "font-family:sans-serif;font-size:13px;margin:0 0 4px"
        message = f'<p style="{style}">{html.escape(self.size_message())}</p>'
        scrolling = '<div style="overflow:auto;max-width:100%">{}</div>'
        live = message + scrolling.format(inline)
        return with_still(live, message + scrolling.format(img(png, self.alt_text(), scroll=True)))

    def __repr__(self) -> str:
        drawn = self.pictures[0].drawn
        if drawn is None:
            return f"<Diagram: {self.nodes} nodes, style={self.style!r}>"
        boxes, nodes = drawn
        as_drawn = f"{boxes} box{'es' if boxes != 1 else ''} and {nodes} node{'s' if nodes != 1 else ''}"
        return f"<Diagram: {self.nodes:,} nodes drawn as {as_drawn}, style={self.style!r}>"


def _budget(deadline: Deadline, k: int, first: float) -> float | None:
    """Seconds the ``k``-th direction may take: what is left, and for another direction (``k`` > 0) at
    most ``ALTERNATIVE`` times what the first took (``first`` seconds), or ``ALTERNATIVE_MIN``."""
    left = deadline.left()
    if k == 0:
        return left
    cap = max(ALTERNATIVE_MIN, ALTERNATIVE * first)
    return cap if left is None else min(left, cap)


def _score(sized: Fit, fit: str | None) -> tuple[bool, float]:
    """How well a direction fits, for ``rankdir="auto"``: can it fit with text of 12 px at least, and
    the scale it would need (in a notebook, also to be at most ``TALL`` × its width high)."""
    wanted = sized.wanted
    if fit is None and sized.frame is not None:
        natural_height = sized.height / sized.scale
        wanted = min(wanted, TALL * sized.frame[0] / natural_height)
    natural_smallest = sized.smallest / sized.scale
    return wanted * natural_smallest >= MIN_TEXT_PX - 1e-9 or wanted >= 1.0, wanted


def _better(score: tuple[bool, float], best: tuple[bool, float]) -> bool:
    """Is a direction of ``score`` clearly better than the best so far: it fits and that does not, or
    they both do (or both don't) and it shows the picture ``BETTER`` times larger."""
    if score[0] != best[0]:
        return score[0]
    return score[1] > best[1] * BETTER


# ---------------------------------------------------------------- draw


def check_options(style: str, rankdir: str, max_nodes: int, precision: int, engine: str | None = None) -> None:
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if type(max_nodes) is not int or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
    if type(precision) is not int or not 1 <= precision <= 17:
        raise ValueError(f"precision must be an int from 1 to 17, got {precision!r}")
    if engine is not None and engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES} or None (automatic), got {engine!r}")


def check_fit(fit: str | None) -> None:
    if fit not in FITS:
        raise ValueError(f"fit must be None (a notebook: at most width px wide) or '16:9' (a slide), got {fit!r}")


def check_looks(font_size: float, width: float | None) -> None:
    if isinstance(font_size, bool) or not isinstance(font_size, (int, float)) or not 4 <= font_size <= 72:
        raise ValueError(f"font_size must be a number of points from 4 to 72, got {font_size!r}")
    if width is not None and (isinstance(width, bool) or not isinstance(width, (int, float)) or width < 100):
        raise ValueError(f"width must be None (natural size) or at least 100 pixels, got {width!r}")


def draw(
    root: Any,
    *,
    style: str = "record",
    rankdir: str = "auto",
    max_nodes: int = 1000,
    precision: int = 4,
    annotate: bool = False,
    show_grad: bool | None = None,
    engine: str | None = None,
    theme: str | Theme = "lecture",
    width: float | None = WIDTH,
    font_size: float = 12.0,
    names: Mapping[Any, str] | None = None,
    show_names: bool | None = None,
    neurons: str | None = None,
    shade: bool = False,
    timeout: float | None = TIMEOUT,
    forward: Any = None,
    identities: bool = False,
    fit: str | None = None,
    collapse: bool | int | str | list[str] | None = None,
    expand: str | list[str] | None = None,
    within: str | None = None,
) -> Diagram:
    """Draw the graph ``root`` depends on: every value, and every gradient once computed.

    ``style``: ``"record"`` (the tutorial's boxes ``name | data | grad``) or ``"circuit"``
    (the lecture's gates; each wire carries its value above and its gradient below, and where
    a value is used more than once each wire carries its own contribution and the stem their
    sum). Constants are written inside their gates (``+1``, ``x²``, ``1/x``).

    ``show_grad=None`` shows gradients iff a backward pass has run (``root.grad`` set); a
    gradient not shown is blank, never 0. They are those of the backward pass from ``root``
    seeded with ``root.grad`` (1 after ``root.backward()``), read from
    :class:`~micrograd.core.BackwardTrace`: drawing changes no ``.grad``. ``annotate=True``
    writes under each wire ``= upstream × local`` and at each fork the sum (scalar Values).

    ``rankdir``: ``"auto"`` (left to right if it fits ``width`` with text of 12 px, and is at most
    1.25 × ``width`` high; else top to bottom if that fits, or shows text 1.25 times larger; unless
    Graphviz takes over 3 times as long, and 1 s, to lay that out) or ``"LR"``, ``"TB"``, ``"RL"``, ``"BT"``.
    ``fit="16:9"``: for a slide: the picture fits ``width`` × 9/16 px, and ``"auto"`` chooses the
    direction that fits that shape (a landscape one); a left-to-right picture still too long is
    wrapped into rows, cut only between nodes, a cut wire marked ``…`` at both ends (up to 6 rows);
    None: a notebook, at most ``width`` wide.
    ``theme``: ``"lecture"`` (green values, red gradients), ``"colorblind"`` (Okabe–Ito),
    ``"dark"`` or ``"dark-colorblind"`` (Okabe–Ito on dark); values always above a wire in upright
    type, gradients below in italics, and the colours stay apart for a colour-blind reader too.
    ``width``: at most this many pixels wide (scaled down to fit; None: natural size), but no text is
    shrunk below 12 px: a picture that cannot fit so stays larger, and says so (:attr:`Diagram.fits`,
    :meth:`Diagram.size_message`, a :class:`PictureTooLarge` warning);
    ``font_size`` in points; ``precision``: significant digits. ``names``: node -> name, over
    labels and the automatic names (inputs ``a``, ``b``, ..., other nodes ``n1``, ``n2``, ...);
    ``show_names``: names of interior nodes on their gates (default: when annotating).
    ``neurons``: a graph built by :mod:`micrograd.nn` drawn as a teacher draws a network, neurons
    in layers (``L1.N2``, weights ``L1.N2.w0``): ``"collapsed"`` (one box per neuron, the weights
    its connections), ``"expanded"`` (each neuron a group of its weights, sum and activation) or
    ``"off"`` (gate by gate); None: collapsed when the graph has two or more neurons.
    ``shade=True`` draws each connection darker the larger its weight's gradient (log scale).
    ``collapse``: a large graph built in scopes (:func:`micrograd.scope`) drawn as one box per scope,
    each with its path, how many nodes it holds and, when one value leaves it, that value and its
    gradient: ``True`` (each top-level scope), a depth (``2``: the scopes two deep; the shallower ones
    open), or a scope's name or pattern, or a list of them (``"attn"``, ``"head*"``, ``"layer0/mlp"``: a
    pattern names the end of a path, name by name; the outermost scope named is the box). ``expand``:
    patterns of scopes to open where ``collapse`` would box them (``"pos3/layer0/attn/head2"``); inside,
    their own child scopes are boxes, and what their ancestors hold besides is boxed as ``(the rest)``.
    Parameters outside any scope labelled ``stem[...]`` (``wte[3][5]``) are one box per stem, with the
    size ``||grad||`` of their gradients. Each wire crossing a box's outline is drawn once per pair of
    things it joins: one value with its number and the gradient it gets back along that wire (the sum
    of its uses' contributions inside; a value leaving for several places forks from a stem carrying
    their sum), several values as ``16 values`` with ``||grad||`` (their numbers in its tooltip).
    Collapsed pictures are circuits (the numbers on the wires) whatever ``style``; ``max_nodes``
    counts the boxes and nodes drawn, so a 60,000-node step draws when its collapsed picture is small.
    ``within``: zoom into one scope (``"pos3/layer0/attn/head2"``): only its inside is drawn (its child
    scopes boxes unless ``expand`` opens them: ``expand="softmax"``); each wire entering it comes from a
    stub named after where its values come from (``from pos0``: how many, the ``||grad||`` they get
    back through the scope), each wire leaving it goes into a stub (``to pos3/layer0/attn``).
    A pattern that names no scope is a ValueError listing some that exist.
    ``max_nodes``: beyond it a ValueError (:class:`GraphTooLarge`) at once (suggesting ``collapse=True``
    when the graph has scopes), and also when Graphviz would lay out more than 5 × as many nodes
    (long wires count the ranks they cross): draw a subexpression or raise the limit. ``timeout``: the
    seconds Graphviz may take to lay the picture out (10; None: no limit); past it, it is stopped and
    :class:`RenderTimeout` (a RuntimeError) says what to do.
    ``engine``: ``"dot"``, ``"wasm"`` or None (system dot if on PATH, else WebAssembly).
    ``forward``: drawing a gradient built by ``backward(create_graph=True)``, the output of the
    forward pass it came from: that graph's nodes are drawn light, the gradient's own in full
    (``draw(x.grad, forward=f)``), and the gradient, unless named, is named after what it is: ``df/dx``.
    ``identities=True`` draws the identity gates too (the ``+0`` that ``sum()`` starts with, the
    ``×1`` and ``x¹`` of a derivative's graph); by default they are left out, each gate that uses
    one reading straight from its input, with the same numbers.
    Gates are written in mathematical glyphs (``×``, ``−``, ``÷``, ``x²``, ``σ``, ``√``, ``1/x``;
    negation as ``×−1``), and every text says ``df/dx`` for a total derivative and ``∂q/∂x``
    for a gate's local one.
    Tensor nodes show their shape, and their values when they have at most 6 elements.
    """
    check_root(root)
    check_options(style, rankdir, max_nodes, precision, engine)
    check_looks(font_size, width)
    check_timeout(timeout)
    check_fit(fit)
    if neurons not in (None, "collapsed", "expanded", "off"):
        raise ValueError(f"neurons must be 'collapsed', 'expanded', 'off' or None (automatic), got {neurons!r}")
    check_collapse(collapse, expand, within)
    collapsing = (collapse is not None and collapse is not False) or within is not None
    theme = theme_named(theme)
    if forward is not None:
        check_root(forward, "draw(forward=...)")
        names = derivative_names(root, forward, names)
    g = graph(root, max_nodes, names, identities, collapse, expand, within)
    started = has_grad(root)
    show = started if show_grad is None else bool(show_grad)
    trace = gradients(root, root.grad if started else None) if show or annotate else None
    faint = frozenset(topological_order(forward)) if forward is not None else frozenset()
    view = View(trace, lambda v: show, faint=faint)

    def options(direction: str) -> Options:
        if collapsing:  # boxes and the wires between them, their numbers on the wires: a circuit
            return Options("circuit", direction, precision, annotate, float(font_size), show_names, "off")
        return Options(
            style, direction, precision, annotate, float(font_size), show_names, neurons or "collapsed", bool(shade)
        )

    pictures = [picture(g, view, options(d), max_nodes) for d in directions(rankdir, width)]
    drawn_as = "circuit" if collapsing else style
    return Diagram(pictures, style=drawn_as, engine=engine, theme=theme, width=width, timeout=timeout, fit=fit)


def directions(rankdir: str, width: float | None) -> list[str]:
    """The layout directions to choose from: ``"auto"`` is left to right, else top to bottom if that fits better."""
    if rankdir != "auto":
        return [rankdir]
    return ["LR"] if width is None else ["LR", "TB"]
