"""PNG, animated GIF and PDF export (micrograd.drawing.raster): sizes, bundled fonts, frames, errors."""

from __future__ import annotations

import hashlib
import io
import re
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

from micrograd import draw
from micrograd.drawing import raster
from micrograd.gallery import sigmoid_neuron

SANS = "Helvetica,Arial,sans-serif"
RGB = tuple[int, int, int]


def svg_doc(body: str = "", width: str = "200", height: str = "40", view_box: str = "") -> str:
    """An SVG of the given size, white background, with ``body`` inside."""
    box = f' viewBox="{view_box}"' if view_box else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"{box}>'
        f'<rect x="0" y="0" width="100%" height="100%" fill="white"/>{body}</svg>'
    )


def label(text: str, family: str | None = SANS, style: str = "") -> str:
    """A 20 px text element at (10, 28), in ``family`` (None: no font-family attribute)."""
    font = f' font-family="{family}"' if family is not None else ""
    return f'<text x="10" y="28" font-size="20"{font} {style}>{text}</text>'


def grey(png: bytes) -> np.ndarray:
    """The PNG on white, as a grey array (0 black .. 255 white)."""
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    flat = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image)
    return np.asarray(flat.convert("L"))


def dark(png: bytes) -> int:
    """How many pixels are darker than mid-grey."""
    return int((grey(png) < 128).sum())


def bundled_only(svg: str, scale: float = 1.0) -> bytes:
    return raster.svg_to_png(svg, scale=scale, system_fonts=False)


def neuron_svg() -> str:
    """The package's own picture of the sigmoid neuron (the only drawing API used: ``draw(...).svg()``);
    pip installs the WebAssembly Graphviz, so there is always an engine: a render that fails, fails the test."""
    f = sigmoid_neuron()
    f.backward()
    return draw(f, style="circuit").svg()


def css_size(svg: str) -> tuple[float, float]:
    """The root element's width and height in CSS px (pt is 4/3 px)."""
    root = re.search(r"<svg\b[^>]*>", svg)
    assert root is not None
    sizes = []
    for name in ("width", "height"):
        found = re.search(rf'\b{name}="([\d.]+)(pt|px|)"', root.group(0))
        assert found is not None, f"no {name} on the root element"
        sizes.append(float(found.group(1)) * (4 / 3 if found.group(2) == "pt" else 1))
    return sizes[0], sizes[1]


# ---------------------------------------------------------------- PNG: size


@pytest.mark.parametrize(("scale", "size"), [(1, (100, 50)), (2, (200, 100)), (1.5, (150, 75))])
def test_png_signature_and_size_follow_the_scale(scale: float, size: tuple[int, int]) -> None:
    png = raster.svg_to_png(svg_doc(width="100", height="50"), scale=scale)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert Image.open(io.BytesIO(png)).size == size


def test_default_scale_is_two() -> None:
    assert Image.open(io.BytesIO(raster.svg_to_png(svg_doc(width="100", height="50")))).size == (200, 100)


def test_pt_sizes_are_css_pixels_like_a_browser() -> None:
    svg = svg_doc(width="75pt", height="30pt", view_box="0 0 75 30")
    assert Image.open(io.BytesIO(raster.svg_to_png(svg, scale=1))).size == (100, 40)
    assert Image.open(io.BytesIO(raster.svg_to_png(svg, scale=2))).size == (200, 80)


def test_the_package_picture_renders_at_twice_its_own_size() -> None:
    svg = neuron_svg()
    width, height = css_size(svg)
    png = raster.svg_to_png(svg)
    got = Image.open(io.BytesIO(png)).size
    assert abs(got[0] - 2 * width) <= 1 and abs(got[1] - 2 * height) <= 1
    assert dark(png) > 1000  # lines and labels, not an empty canvas


def test_background_fills_the_canvas_and_none_leaves_it_transparent() -> None:
    empty = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"/>'
    red = Image.open(io.BytesIO(raster.svg_to_png(empty, scale=1, background="#ff0000"))).convert("RGBA")
    clear = Image.open(io.BytesIO(raster.svg_to_png(empty, scale=1))).convert("RGBA")
    assert red.getpixel((0, 0)) == (255, 0, 0, 255)
    assert clear.getpixel((0, 0))[3] == 0  # type: ignore[index]


# ---------------------------------------------------------------- PNG: bundled fonts


def test_text_is_drawn_with_the_bundled_fonts_alone() -> None:
    with_text = grey(bundled_only(svg_doc(label("x1 = 0.7311"))))
    without = grey(bundled_only(svg_doc()))
    region = (slice(5, 35), slice(5, 195))
    assert (with_text[region] < 128).sum() > 50
    assert (without[region] < 128).sum() == 0


def test_without_the_bundled_fonts_the_same_text_would_vanish(monkeypatch: pytest.MonkeyPatch) -> None:
    # the control for the test above: with no font files and no system fonts, nothing is drawn
    monkeypatch.setattr(raster, "FONT_FILES", ())
    assert dark(bundled_only(svg_doc(label("x1 = 0.7311")))) == 0


@pytest.mark.parametrize("family", ["sans-serif", "Liberation Sans", "NoSuchFont, sans-serif", None])
def test_families_resolve_to_the_bundled_sans(family: str | None) -> None:
    helvetica = grey(bundled_only(svg_doc(label("w0 * x0"))))
    other = grey(bundled_only(svg_doc(label("w0 * x0", family=family))))
    assert (helvetica < 128).sum() > 50
    assert np.array_equal(helvetica, other)


def test_italic_text_uses_the_bundled_italic_face(monkeypatch: pytest.MonkeyPatch) -> None:
    regular = grey(bundled_only(svg_doc(label("-0.3932"))))
    italic = grey(bundled_only(svg_doc(label("-0.3932", style='font-style="italic"'))))
    assert (italic < 128).sum() > 50
    assert not np.array_equal(regular, italic)
    # control: without the italic file, "italic" falls back to the upright face, pixel for pixel
    monkeypatch.setattr(raster, "FONT_FILES", raster.FONT_FILES[:1])
    upright = grey(bundled_only(svg_doc(label("-0.3932", style='font-style="italic"'))))
    assert np.array_equal(regular, upright)


@pytest.mark.parametrize("symbol", ["∂", "×", "·", "Σ", "σ", "−", "→", "²"])
def test_symbols_used_by_the_pictures_render_with_the_bundled_font(symbol: str) -> None:
    assert dark(bundled_only(svg_doc(label(symbol)), scale=2)) > 0


# ---------------------------------------------------------------- PNG: errors


@pytest.mark.parametrize(
    "svg",
    [
        "not svg at all",
        "<svg",
        "<html><body/></html>",
        '<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0"/>',
    ],
)
def test_svg_that_cannot_be_rendered_is_a_value_error(svg: str) -> None:
    with pytest.raises(ValueError, match="cannot render this SVG to PNG"):
        raster.svg_to_png(svg)


def test_empty_or_non_text_svg_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        raster.svg_to_png("  \n")
    with pytest.raises(TypeError, match="str"):
        raster.svg_to_png(svg_doc().encode())  # type: ignore[arg-type]


@pytest.mark.parametrize("scale", [0, -1, float("nan"), float("inf"), True])
def test_scale_must_be_a_positive_number(scale: float) -> None:
    with pytest.raises(ValueError, match="scale"):
        raster.svg_to_png(svg_doc(), scale=scale)


def test_bad_background_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="background"):
        raster.svg_to_png(svg_doc(), background="not-a-colour")


def test_missing_renderer_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "resvg_py", None)
    with pytest.raises(RuntimeError, match="pip install resvg_py"):
        raster.svg_to_png(svg_doc())


# ---------------------------------------------------------------- GIF


def png_of(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def square_frame(size: tuple[int, int], background: RGB, box: tuple[int, int, int, int]) -> Image.Image:
    """A ``size`` image of ``background`` with a red rectangle ``box``."""
    image = Image.new("RGB", size, background)
    image.paste((255, 0, 0), box)
    return image


def gif_frames(gif: bytes) -> list[tuple[Image.Image, dict]]:
    """Each frame of the GIF as RGB, with its info (duration, loop)."""
    animation = Image.open(io.BytesIO(gif))
    return [(frame.convert("RGB"), dict(frame.info)) for frame in ImageSequence.Iterator(animation)]


def test_gif_has_every_frame_with_its_duration_and_loops_forever() -> None:
    pngs = [png_of(square_frame((30, 20), (255, 255, 255), (i * 5, 5, i * 5 + 5, 10))) for i in range(3)]
    gif = raster.frames_to_gif(pngs, durations_ms=[100, 250, 1200])
    assert gif.startswith(b"GIF89a")
    frames = gif_frames(gif)
    assert [info["duration"] for _, info in frames] == [100, 250, 1200]
    assert frames[0][1]["loop"] == 0


def test_one_duration_applies_to_every_frame_and_loop_is_kept() -> None:
    pngs = [png_of(square_frame((30, 20), (255, 255, 255), (i * 5, 5, i * 5 + 5, 10))) for i in range(4)]
    frames = gif_frames(raster.frames_to_gif(pngs, durations_ms=700, loop=2))
    assert [info["duration"] for _, info in frames] == [700] * 4
    assert frames[0][1]["loop"] == 2


def test_gif_frames_keep_the_exact_colours_of_rendered_pictures() -> None:
    # anti-aliased text in green, red (italic) and black: every pixel comes back unchanged
    bodies = [
        label("w0 = 2", style='fill="#1a7f37"'),
        label("-0.1966", style='fill="#c62828" font-style="italic"'),
        label("f = 0.7311 ∂", style='fill="black"'),
    ]
    pngs = [bundled_only(svg_doc(body), scale=2) for body in bodies]
    frames = gif_frames(raster.frames_to_gif(pngs))
    assert len(frames) == 3
    for (frame, _), png in zip(frames, pngs, strict=True):
        original = Image.open(io.BytesIO(png)).convert("RGB")
        assert np.array_equal(np.asarray(frame), np.asarray(original))


@pytest.mark.parametrize(("align", "offset"), [("center", (10, 5)), ("top-left", (0, 0))])
def test_smaller_frames_are_padded_on_their_own_background_not_stretched(align: str, offset: tuple[int, int]) -> None:
    blue = (0, 0, 255)
    small = square_frame((40, 20), blue, (5, 5, 15, 15))
    large = square_frame((60, 30), (255, 255, 255), (0, 0, 3, 3))
    frames = gif_frames(raster.frames_to_gif([png_of(small), png_of(large)], align=align))  # type: ignore[arg-type]
    first = frames[0][0]
    assert first.size == (60, 30)
    x, y = offset
    assert np.array_equal(np.asarray(first.crop((x, y, x + 40, y + 20))), np.asarray(small))
    padding = np.asarray(first).copy()
    padding[y : y + 20, x : x + 40] = blue
    assert (padding == blue).all()  # everything outside the small frame is its own blue


def test_transparent_frames_are_flattened_onto_white() -> None:
    image = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    image.paste((0, 0, 0, 255), (5, 2, 10, 7))
    frame = gif_frames(raster.frames_to_gif([png_of(image)]))[0][0]
    assert frame.getpixel((0, 0)) == (255, 255, 255)
    assert frame.getpixel((7, 4)) == (0, 0, 0)


def test_frames_with_more_than_256_colours_still_make_a_close_gif() -> None:
    # 3 x 4,096 colours share one 256-colour palette (no dithering): close, not exact
    red, green = np.indices((64, 64)).astype(np.uint8) * 4
    blues = [np.full((64, 64), k * 60, np.uint8) for k in range(3)]
    pngs = [png_of(Image.fromarray(np.dstack([red, green, blue]))) for blue in blues]
    frames = gif_frames(raster.frames_to_gif(pngs))
    assert len(frames) == 3
    for (frame, _), png in zip(frames, pngs, strict=True):
        error = np.abs(np.asarray(frame, np.int16) - np.asarray(Image.open(io.BytesIO(png)), np.int16))
        assert error.mean() < 8


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="JPEG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("pngs", "kwargs", "message"),
    [
        ([], {}, "at least one"),
        ([b"not a png"], {}, "frame 0 is not a readable PNG"),
        ([jpeg()], {}, "not a PNG"),
        (["frame.png"], {}, "PNG bytes"),
        ([png_of(Image.new("RGB", (4, 4)))] * 2, {"durations_ms": [100]}, "1 values for 2 frames"),
        ([png_of(Image.new("RGB", (4, 4)))], {"durations_ms": 0}, "at least 10"),
        ([png_of(Image.new("RGB", (4, 4)))], {"durations_ms": 12.5}, "int or a sequence"),
        ([png_of(Image.new("RGB", (4, 4)))], {"durations_ms": [12.5]}, "an int of at least 10"),
        ([png_of(Image.new("RGB", (4, 4)))], {"loop": -1}, "loop"),
        ([png_of(Image.new("RGB", (4, 4)))], {"align": "middle"}, "align"),
    ],
)
def test_bad_gif_input_is_refused_clearly(pngs: list, kwargs: dict, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        raster.frames_to_gif(pngs, **kwargs)


# ---------------------------------------------------------------- PDF


def pdf_streams(pdf: bytes) -> list[bytes]:
    """The PDF's Flate-compressed streams, decompressed (those that are plain Flate)."""
    streams = []
    for match in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", match.end())
        try:
            streams.append(zlib.decompress(pdf[match.end() : end].rstrip(b"\r\n")))
        except zlib.error:
            continue
    return streams


def test_pdf_is_vector_with_the_bundled_fonts_embedded() -> None:
    pytest.importorskip("svglib")
    body = label("∂L/∂w", style='fill="#1a7f37"') + label("× 3 · Σ", style='font-style="italic" dx="80"')
    pdf = raster.svg_to_pdf(svg_doc(body, width="150pt", height="30pt", view_box="0 0 200 40"))
    assert pdf.startswith(b"%PDF-")
    fonts = {name.split(b"+")[-1] for name in re.findall(rb"/BaseFont\s*/([^\s/>\]]+)", pdf)}
    assert {b"LiberationSans", b"LiberationSans-Italic"} <= fonts
    assert pdf.count(b"/FontFile2") == 2  # both embedded (as subsets), not left to the viewer
    assert re.search(rb"/MediaBox\s*\[\s*0\s+0\s+150\s+30\s*\]", pdf)
    cmaps = b"".join(s for s in pdf_streams(pdf) if b"beginbfchar" in s)
    for code in (b"<2202>", b"<00D7>", b"<00B7>", b"<03A3>"):  # ∂ × · Σ map back to unicode
        assert code in cmaps


def test_pdf_of_the_package_picture_has_its_size_in_points() -> None:
    pytest.importorskip("svglib")
    svg = neuron_svg()
    width, height = css_size(svg)
    pdf = raster.svg_to_pdf(svg)
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert pdf.startswith(b"%PDF-") and box is not None
    assert abs(float(box.group(1)) - width * 3 / 4) < 1 and abs(float(box.group(2)) - height * 3 / 4) < 1


@pytest.mark.parametrize("module", ["svglib.svglib", "svglib.fonts", "reportlab.graphics.renderPDF"])
def test_pdf_without_its_optional_packages_says_what_to_install(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(RuntimeError, match=re.escape('pip install "micrograd-visual[pdf]"')):
        raster.svg_to_pdf(svg_doc())


@pytest.mark.parametrize("svg", ["not svg at all", "<svg", "<html><body/></html>"])
def test_pdf_of_bad_svg_is_a_value_error(svg: str) -> None:
    pytest.importorskip("svglib")
    with pytest.raises(ValueError, match="cannot convert this SVG to PDF"):
        raster.svg_to_pdf(svg)


class RecordingFallback:
    def find_font(self, font_name: str, weight: str = "normal", style: str = "normal") -> tuple[str, bool]:
        return f"fallback:{font_name}:{weight}:{style}", False


@pytest.mark.parametrize(
    ("family", "weight", "style", "expected"),
    [
        ("Helvetica", "normal", "normal", "micrograd-LiberationSans"),
        ("Arial", "normal", "italic", "micrograd-LiberationSans-Italic"),
        ("sans-serif", "normal", "oblique", "micrograd-LiberationSans-Italic"),
        ("Helvetica", "bold", "normal", "fallback:Helvetica:bold:normal"),
        ("Courier", "normal", "normal", "fallback:Courier:normal:normal"),
    ],
)
def test_pdf_font_map_sends_sans_to_the_bundled_faces(family: str, weight: str, style: str, expected: str) -> None:
    fonts = raster._BundledSansFonts(RecordingFallback())
    assert fonts.find_font(family, weight, style)[0] == expected


# ---------------------------------------------------------------- the bundled fonts themselves


def test_bundled_fonts_ship_unmodified_with_their_license() -> None:
    readme = (raster.FONT_DIR / "README.md").read_text(encoding="utf-8")
    license_text = (raster.FONT_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE" in license_text and "Reserved Font Name Liberation" in license_text
    for path in raster.FONT_FILES:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"{digest}  {path.name}" in readme, f"{path.name} differs from the original Liberation Sans 2.1.5"


def test_fonts_are_declared_as_package_data() -> None:
    tomllib = pytest.importorskip("tomllib")
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["micrograd.drawing"]
    shipped = {path.name for pattern in patterns for path in raster.FONT_DIR.parent.glob(pattern)}
    assert {"LiberationSans-Regular.ttf", "LiberationSans-Italic.ttf", "LICENSE"} <= shipped
