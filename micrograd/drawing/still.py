"""The still picture every displayed object carries, for the front ends that run nothing.

A notebook saved with its outputs and opened by someone else is *untrusted*: JupyterLab and
Notebook 7 then render only the MIME types they call safe (``text/html`` sanitized, ``image/png``,
``text/plain``; never ``image/svg+xml`` nor scripts), picking the first present in the order
html, markdown, latex, png, text. nbconvert, VS Code and GitHub's viewer show the saved outputs too.
So every object's MIME bundle (:func:`bundle`) holds a PNG of its picture, made at its own size
(scale 1: text of 12 px at least, as the SVG), and where the bundle has HTML, the HTML carries the
same PNG as an ``<img>`` (:func:`with_still`), shown until the page's own style says otherwise:

- trusted (and nbconvert, VS Code): the ``<style>`` hides the still and shows the live part;
- untrusted: the sanitizer drops ``<style>``, ``<script>`` and ``<svg>``; the live part stays
  ``hidden`` and the ``<img>`` of PNG data shows. The attribute is written ``hidden="hidden"``:
  JupyterLab's sanitizer (sanitize-html) keeps ``hidden`` but drops every attribute whose value is
  empty (but ``alt``), and a bare ``hidden`` would leave the live part shown, its SVG's text run on.

Making the PNG adds 25-60 ms to showing a lecture's circuit (a worksheet's tall page about 110 ms;
about half of it resvg loading the system fonts, for glyphs the bundled font lacks). IPython asks for
the bundle once, when the output is made, and a saved notebook keeps only what it got then: the PNG
cannot be made later, when a front end turns out to need it, so it is made every time.
"""

from __future__ import annotations

import base64
import hashlib
import html
from typing import Any

__all__ = ["still_png", "bundle", "with_still", "img"]

PNG = "image/png"


def still_png(svg: str) -> bytes:
    """The PNG of ``svg`` at its own size in CSS px (scale 1: the SVG is sized so that no text is under 12 px)."""
    from .raster import svg_to_png

    return svg_to_png(svg, scale=1.0)


def _wanted(mime: str, include: Any, exclude: Any) -> bool:
    return (not include or mime in include) and not (exclude and mime in exclude)


def bundle(
    plain: str,
    svg: str,
    *,
    html_text: str | None = None,
    png: bytes | None = None,
    include: Any = None,
    exclude: Any = None,
    with_svg: bool = True,
) -> dict[str, Any]:
    """A MIME bundle (IPython's ``_repr_mimebundle_``): ``text/plain``, the PNG of ``svg`` (or ``png`` if made
    already), the SVG itself (``with_svg``: a front end that trusts it shows it, with its hover text), and
    ``html_text`` if given. ``include``/``exclude``: as IPython passes them (a PNG excluded is not made)."""
    data: dict[str, Any] = {"text/plain": plain}
    if _wanted(PNG, include, exclude):
        data[PNG] = base64.b64encode(png if png is not None else still_png(svg)).decode("ascii")
    if with_svg:
        data["image/svg+xml"] = svg
    if html_text is not None:
        data["text/html"] = html_text
    return {k: v for k, v in data.items() if _wanted(k, include, exclude) or k == "text/plain"}


def img(png: bytes, alt: str, *, scroll: bool = False) -> str:
    """An ``<img>`` of PNG data at its own width (shrunk to the output area unless ``scroll``: then at its size,
    scrolling sideways), with ``alt`` text."""
    width = int.from_bytes(png[16:20], "big")  # the PNG's IHDR: width, then height
    style = "max-width:none" if scroll else "max-width:100%;height:auto"
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" width="{width}" alt="{html.escape(alt)}" style="{style}">'


def with_still(live: str, still: str) -> str:
    """HTML that shows ``live`` where its style is applied and ``still`` (HTML that survives a sanitizer: an
    :func:`img`, paragraphs) where it is not. The two are told apart by classes of their own (a digest), so a
    trusted output's style does not reveal another output's live part."""
    key = hashlib.sha1((live + still).encode("utf-8")).hexdigest()[:10]
    return (
        f"<style>.mg-still-{key}{{display:none}} .mg-live-{key}[hidden]{{display:block}}</style>"
        f'<div class="mg-still-{key}">{still}</div><div class="mg-live-{key}" hidden="hidden">{live}</div>'
    )
