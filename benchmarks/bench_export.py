"""Benchmark exporting a picture: SVG -> PNG, PNG frames -> animated GIF, SVG -> PDF.

On the sigmoid neuron drawn by the package (``draw(f, style="circuit").svg()``), times
each engine over ``--runs`` runs and prints medians:

- PNG: resvg (what :mod:`micrograd.drawing.raster` uses) at scale 1 and 2, against the
  pip-installable alternatives found here (skia-python; svglib + reportlab's renderPM;
  svglib's PDF rasterized by pypdfium2). "text" says whether the engine
  drew the labels at all (its picture differs from its own picture of the SVG without text).
- GIF: ``frames_to_gif`` on ``--frames`` frames (the labels appearing step by step, as in a
  backward pass), against Pillow's own per-frame palettes: time, size, worst colour error.
- PDF: ``svg_to_pdf`` (svglib + reportlab, bundled fonts embedded) against svglib with its
  default fonts, Pillow's raster PDF of the scale-2 PNG, and typst / svg2pdf-py if installed.
  A probe label in italic with ∂ × · Σ is added, and "text" says whether it comes back out
  of the PDF (needs pypdfium2 to read it; "?" otherwise).

    python benchmarks/bench_export.py [--runs 5] [--frames 14]
"""

from __future__ import annotations

import argparse
import importlib
import io
import re
import statistics
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops
from timing import seconds

from micrograd import draw
from micrograd.drawing import raster
from micrograd.gallery import sigmoid_neuron

PROBE = "∂f/∂x = 0.25 × 3 · Σ"
TEXT = re.compile(r"<text\b[^>]*>.*?</text>", re.S)


def package_svg() -> str:
    """The sigmoid neuron after backward, as the package draws it."""
    f = sigmoid_neuron()
    f.backward()
    return draw(f, style="circuit").svg()


def with_probe(svg: str) -> str:
    """``svg`` with one more label, italic, with unicode symbols, at the picture's bottom right."""
    view_box = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+)', svg)
    right = float(view_box.group(1)) - 12 if view_box else 400.0
    probe = (
        f'<text x="{right:.0f}" y="-8" text-anchor="end" font-family="Helvetica,Arial,sans-serif" '
        f'font-size="12" font-style="italic" fill="#e67e22">{PROBE}</text>'
    )
    end = svg.rindex("</g>")
    return svg[:end] + probe + svg[end:]


def without_text(svg: str, keep: int = 0) -> str:
    """``svg`` with all but its first ``keep`` text elements removed."""
    matches = list(TEXT.finditer(svg))[keep:]
    for match in reversed(matches):
        svg = svg[: match.start()] + svg[match.end() :]
    return svg


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm up: imports, font registration, caches
    return statistics.median(seconds(fn, runs)) * 1000


def draws_text(render: Callable[[str], bytes], svg: str) -> str:
    """'yes' if ``render`` draws something for the text elements of ``svg``, else 'NO'."""
    with_text = Image.open(io.BytesIO(render(svg))).convert("RGB")
    bare = Image.open(io.BytesIO(render(without_text(svg)))).convert("RGB")
    if with_text.size != bare.size:
        return "?"
    return "yes" if ImageChops.difference(with_text, bare).getbbox() else "NO"


# --- PNG engines: name -> fn(svg, scale) -> PNG bytes, or the reason it is unavailable


def png_engines() -> dict[str, Callable[[str, float], bytes] | str]:
    """Name -> renderer, or the reason it is unavailable."""
    return {
        "resvg (bundled + system fonts)": lambda svg, scale: raster.svg_to_png(svg, scale=scale),
        "resvg (bundled fonts only)": lambda svg, scale: raster.svg_to_png(svg, scale=scale, system_fonts=False),
        "skia-python": _skia_png(),
        "svglib + renderPM": _render_pm_png(),
        "svglib PDF -> pypdfium2": _pdfium_png(),
    }


def _skia_png() -> Callable[[str, float], bytes] | str:
    try:
        skia = importlib.import_module("skia")
    except ImportError:
        return "not installed (pip install skia-python)"

    def render(svg: str, scale: float) -> bytes:
        width, height = _css_size(svg)
        dom = skia.SVGDOM.MakeFromStream(skia.MemoryStream(svg.encode("utf-8")))
        dom.setContainerSize(skia.Size(width, height))
        surface = skia.Surface(round(width * scale), round(height * scale))
        with surface as canvas:
            canvas.clear(skia.ColorWHITE)
            canvas.scale(scale, scale)
            dom.render(canvas)
        return bytes(surface.makeImageSnapshot().encodeToData())

    return render


def _render_pm_png() -> Callable[[str, float], bytes] | str:
    try:
        svglib = importlib.import_module("svglib.svglib")
        render_pm = importlib.import_module("reportlab.graphics.renderPM")
    except ImportError:
        return 'not installed (pip install "micrograd[pdf]")'

    def render(svg: str, scale: float) -> bytes:
        drawing = svglib.svg2rlg(io.BytesIO(svg.encode("utf-8")))
        return bytes(render_pm.drawToString(drawing, fmt="PNG", dpi=96 * scale))

    return render


def _pdfium_png() -> Callable[[str, float], bytes] | str:
    try:
        pdfium = importlib.import_module("pypdfium2")
    except ImportError:
        return "not installed (pip install pypdfium2)"

    def render(svg: str, scale: float) -> bytes:
        page = pdfium.PdfDocument(raster.svg_to_pdf(svg))[0]
        out = io.BytesIO()
        page.render(scale=scale * 96 / 72).to_pil().save(out, format="PNG")
        return out.getvalue()

    return render


def _css_size(svg: str) -> tuple[int, int]:
    """The SVG's own size in CSS px, as resvg reads its width and height (pt, px or plain numbers)."""
    size = Image.open(io.BytesIO(raster.svg_to_png(svg, scale=1.0))).size
    return size[0], size[1]


def _at_scale_1(engine: Callable[[str, float], bytes], svg: str) -> bytes:
    return engine(svg, 1.0)


def bench_png(svg: str, runs: int) -> None:
    print("\nSVG -> PNG (median ms; text: does the engine draw the labels)")
    print(f"{'engine':34} {'scale 1':>9} {'scale 2':>9} {'size at 2':>11} {'PNG bytes':>10} {'text':>5}")
    for name, engine in png_engines().items():
        if isinstance(engine, str):
            print(f"{name:34} {engine}")
            continue
        try:
            times = [median_ms(partial(engine, svg, scale), runs) for scale in (1.0, 2.0)]
        except Exception as exc:  # an alternative failing here is a result, not a crash
            print(f"{name:34} failed: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            continue
        png = engine(svg, 2.0)
        size = "x".join(map(str, Image.open(io.BytesIO(png)).size))
        text = draws_text(partial(_at_scale_1, engine), svg)
        print(f"{name:34} {times[0]:9.1f} {times[1]:9.1f} {size:>11} {len(png):10d} {text:>5}")


# --- GIF


def backward_frames(svg: str, count: int, scale: float) -> list[bytes]:
    """``count`` PNGs of ``svg`` with its labels appearing step by step (a backward pass, roughly)."""
    total = len(TEXT.findall(svg))
    return [raster.svg_to_png(without_text(svg, round(total * (k + 1) / count)), scale=scale) for k in range(count)]


def flattened(png: bytes) -> Image.Image:
    """The PNG on white, as RGB (GIF has no partial transparency; frames_to_gif does the same)."""
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("RGB")


def pillow_default_gif(pngs: list[bytes]) -> bytes:
    """Pillow's own way: the flattened RGB frames straight to the GIF writer, which quantizes each."""
    frames = [flattened(png) for png in pngs]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=1200, loop=0)
    return out.getvalue()


def worst_error(gif: bytes, pngs: list[bytes]) -> int:
    """The largest channel difference between the GIF's frames and the flattened PNGs."""
    animation = Image.open(io.BytesIO(gif))
    worst = 0
    for index, png in enumerate(pngs):
        animation.seek(index)
        difference = ImageChops.difference(animation.convert("RGB"), flattened(png))
        worst = max(worst, int(np.asarray(difference).max()))
    return worst


def bench_gif(svg: str, count: int, runs: int) -> None:
    print(f"\nPNG frames -> animated GIF ({count} frames; median ms; worst: largest colour error, 0-255)")
    print(f"{'encoder':34} {'frame size':>11} {'ms':>9} {'GIF bytes':>10} {'worst':>6} {'PNGs bytes':>11}")
    for scale in (1.0, 2.0):
        pngs = backward_frames(svg, count, scale)
        size = "x".join(map(str, Image.open(io.BytesIO(pngs[0])).size))
        encoders: dict[str, Callable[[list[bytes]], bytes]] = {
            "frames_to_gif (shared palette)": lambda p: raster.frames_to_gif(p),
            "Pillow default (per-frame)": pillow_default_gif,
        }
        for name, encode in encoders.items():
            ms = median_ms(partial(encode, pngs), runs)
            gif = encode(pngs)
            pngs_total = sum(map(len, pngs))
            print(f"{name:34} {size:>11} {ms:9.1f} {len(gif):10d} {worst_error(gif, pngs):6d} {pngs_total:11d}")


# --- PDF engines: name -> fn(svg) -> PDF bytes, or the reason it is unavailable


def pdf_engines() -> dict[str, Callable[[str], bytes] | str]:
    return {
        "svg_to_pdf (svglib, bundled fonts)": raster.svg_to_pdf,
        "svglib, default fonts (base-14)": _svglib_default_pdf(),
        "Pillow raster PDF of 2x PNG": _pillow_pdf,
        "typst (font-family rewritten)": _typst_pdf(),
        "svg2pdf-py": _svg2pdf_py(),
    }


def _svglib_default_pdf() -> Callable[[str], bytes] | str:
    try:
        svglib = importlib.import_module("svglib.svglib")
        render_pdf = importlib.import_module("reportlab.graphics.renderPDF")
    except ImportError:
        return 'not installed (pip install "micrograd[pdf]")'
    return lambda svg: bytes(render_pdf.drawToString(svglib.svg2rlg(io.BytesIO(svg.encode("utf-8")))))


def _pillow_pdf(svg: str) -> bytes:
    image = Image.open(io.BytesIO(raster.svg_to_png(svg, scale=2.0, background="white"))).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=192.0)
    return out.getvalue()


def _typst_pdf() -> Callable[[str], bytes] | str:
    try:
        typst = importlib.import_module("typst")
    except ImportError:
        return "not installed (pip install typst)"

    def render(svg: str) -> bytes:
        # typst does not map the generic sans-serif: name the bundled family outright.
        svg = svg.replace("Helvetica,Arial,sans-serif", raster.SANS_FAMILY)
        with tempfile.TemporaryDirectory() as folder:
            Path(folder, "picture.svg").write_text(svg, encoding="utf-8")
            main = Path(folder, "main.typ")
            main.write_text('#set page(width: auto, height: auto, margin: 0pt)\n#image("picture.svg")\n')
            return bytes(typst.compile(str(main), font_paths=[str(raster.FONT_DIR)], ignore_system_fonts=True))

    return render


def _svg2pdf_py() -> Callable[[str], bytes] | str:
    try:
        svg2pdf = importlib.import_module("svg2pdf_py")
    except ImportError:
        return "not installed (pip install svg2pdf-py)"

    def render(svg: str) -> bytes:
        fonts = svg2pdf.FontDatabase()
        for path in raster.FONT_FILES:
            fonts.load_font_file(str(path))
        return bytes(svg2pdf.svg_to_pdf(svg, fonts))

    return render


def pdf_facts(pdf: bytes) -> tuple[str, str, str]:
    """(page size in pt, embedded font names, whether the probe label reads back)."""
    box = re.search(rb"/MediaBox\s*\[\s*([\d.\s]+)\]", pdf)
    page = "x".join(f"{float(v):g}" for v in box.group(1).split()[2:]) if box else "?"
    fonts = sorted({name.decode().split("+")[-1] for name in re.findall(rb"/BaseFont\s*/([^\s/>\]]+)", pdf)})
    embedded = [f for f in fonts if f.startswith(("Liberation", "Libertinus"))]
    return page, ",".join(embedded) or "none embedded", _probe_reads_back(pdf)


def _probe_reads_back(pdf: bytes) -> str:
    try:
        pdfium = importlib.import_module("pypdfium2")
    except ImportError:
        return "?"
    page = pdfium.PdfDocument(pdf)[0]
    text = page.get_textpage().get_text_range()
    return "yes" if PROBE.replace(" ", "") in text.replace(" ", "").replace("\r\n", "") else "NO"


def bench_pdf(svg: str, runs: int) -> None:
    probe = with_probe(svg)
    print("\nSVG -> PDF (median ms; picture plus an italic probe label with ∂ × · Σ; text: the probe reads back)")
    print(f"{'engine':36} {'ms':>8} {'PDF bytes':>10} {'page (pt)':>13} {'text':>5}  embedded fonts")
    for name, engine in pdf_engines().items():
        if isinstance(engine, str):
            print(f"{name:36} {engine}")
            continue
        try:
            ms = median_ms(partial(engine, probe), runs)
        except Exception as exc:  # an alternative failing is a result, not a crash
            print(f"{name:36} failed: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            continue
        pdf = engine(probe)
        page, fonts, text = pdf_facts(pdf)
        print(f"{name:36} {ms:8.1f} {len(pdf):10d} {page:>13} {text:>5}  {fonts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per engine (median printed)")
    parser.add_argument("--frames", type=int, default=14, help="frames in the GIF")
    args = parser.parse_args()
    svg = package_svg()
    width, height = _css_size(svg)
    print(f"picture: sigmoid neuron, circuit style, {width}x{height} CSS px, {len(svg)} bytes of SVG")
    bench_png(svg, args.runs)
    bench_gif(svg, args.frames, args.runs)
    bench_pdf(svg, args.runs)


if __name__ == "__main__":
    main()
