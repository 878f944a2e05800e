"""Every theme's values and gradients stay apart by colour for a colour-blind reader, not only by
position and italics: the colours as a protanope, deuteranope and tritanope see them (the Machado
et al. 2009 simulation, tests/colourvision.py), measured with CIEDE2000.

How far is far enough: ΔE2000 of about 2.3 is a just-noticeable difference between two large
patches side by side. Numbers are thin 12 px strokes scattered over a picture, where a difference
must be several times larger to be seen (colour difference grows with the size of the marks:
Stone, Szafir and Setlur 2014), and compared from memory, not side by side. So the value and
gradient colours must stay at least 12 apart (about five just-noticeable differences) for every
reader; the pairs the issue found merged measured 5.8 (the old dark theme's green and salmon
under deuteranopia) and 7.6 (the old lecture green and red); Okabe–Ito's blue and vermillion
measure 39 and more. Against the background, each must stay as far apart for every reader, and
read at the WCAG AA contrast for text, 4.5:1.
"""

from __future__ import annotations

import pytest
from colourvision import DEFICIENCIES, contrast, delta_e, lab, linear, seen_apart, simulate

from micrograd import draw
from micrograd.drawing.theme import COLORBLIND, DARK, LECTURE, THEMES, Theme, theme_named
from micrograd.gallery import sigmoid_neuron

READERS = [None, "protanopia", "deuteranopia", "tritanopia"]
APART = 12.0  # ΔE2000 between values and gradients, for every reader (see the module docstring)
READABLE = 4.5  # WCAG 2 AA contrast for text


# ---------------------------------------------------------------- the tools, checked first


@pytest.mark.parametrize(
    ("lab1", "lab2", "expected"),
    [  # Sharma, Wu and Dalal (2005), the CIEDE2000 test data: pairs 1, 7, 13, 17, 20, 25 and 34
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0011), 7.2195),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((50.0, 2.5, 0.0), (58.0, 24.0, 15.0), 19.4535),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
        ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
    ],
)
def test_ciede2000_gives_the_published_differences(lab1, lab2, expected) -> None:
    assert delta_e(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert delta_e(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def test_the_simulation_keeps_greys_and_merges_what_a_dichromat_cannot_tell_apart() -> None:
    for name in DEFICIENCIES:
        for grey in ("#000000", "#777777", "#ffffff"):  # each matrix row sums to 1: greys stay grey
            assert simulate(linear(grey), name) == pytest.approx(linear(grey), abs=2e-3)
    assert lab(linear("#ffffff"))[0] == pytest.approx(100.0, abs=1e-3)
    # a red and a green of equal lightness: far apart for most readers, close for a red-green dichromat
    assert seen_apart("#d03c3c", "#4a8a00", None) > 50
    assert seen_apart("#d03c3c", "#4a8a00", "deuteranopia") < seen_apart("#d03c3c", "#4a8a00", None) / 3
    assert seen_apart("#d03c3c", "#4a8a00", "protanopia") < seen_apart("#d03c3c", "#4a8a00", None) / 3
    # blue and yellow are what a tritanope confuses, and a deuteranope keeps apart
    assert seen_apart("#0072b2", "#009e73", "tritanopia") < seen_apart("#0072b2", "#009e73", "deuteranopia")


def test_the_check_catches_the_colours_the_issue_found_merged() -> None:
    """The old dark theme's green and salmon turned one beige for a deuteranope."""
    assert seen_apart("#7ee787", "#ff8f85", "deuteranopia") < APART
    assert seen_apart("#1a7f37", "#c62828", "deuteranopia") < APART  # the old lecture green and red


# ---------------------------------------------------------------- every theme


@pytest.mark.parametrize("theme", list(THEMES.values()), ids=list(THEMES))
@pytest.mark.parametrize("reader", READERS, ids=[r or "typical" for r in READERS])
def test_values_and_gradients_stay_apart_by_colour_for_every_reader(theme: Theme, reader: str | None) -> None:
    apart = seen_apart(theme.value, theme.gradient, reader)
    assert apart >= APART, f"{theme.name}: values and gradients only ΔE2000 {apart:.1f} apart for {reader}"
    for what in ("value", "gradient", "text"):
        assert seen_apart(getattr(theme, what), theme.background, reader) >= APART, f"{theme.name}: {what}, {reader}"
        if reader is None:  # WCAG's contrast is defined on the colours' luminance, as they are
            assert contrast(linear(getattr(theme, what)), linear(theme.background)) >= READABLE, f"{theme.name}: {what}"


def test_there_is_a_dark_colour_blind_theme_and_the_lecture_look_stays_the_default() -> None:
    dark = theme_named("dark-colorblind")
    assert dark.background == DARK.background and (dark.value, dark.gradient) == ("#56b4e9", "#e69f00")  # Okabe–Ito
    assert contrast(linear(COLORBLIND.gradient), linear("#ffffff")) >= READABLE  # Okabe–Ito's vermillion is 3.9
    assert theme_named("lecture") is LECTURE and LECTURE.background == "#ffffff"
    r, g, b = (int(LECTURE.value[i : i + 2], 16) for i in (1, 3, 5))
    assert g > r and g > b  # still a green
    r, g, b = (int(LECTURE.gradient[i : i + 2], 16) for i in (1, 3, 5))
    assert r > 2 * g and r > 2 * b  # still a red


@pytest.mark.parametrize("name", list(THEMES))
def test_every_theme_draws_its_values_and_gradients_in_its_colours(name: str) -> None:
    f = sigmoid_neuron()
    f.backward()
    svg = draw(f, style="circuit", theme=name).svg("wasm")
    theme = THEMES[name]
    assert f'fill="{theme.value}"' in svg and f'fill="{theme.gradient}"' in svg and theme.background in svg
