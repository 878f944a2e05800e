"""The colours of a picture. Every theme keeps values and gradients apart by more than colour.

Values are written above a wire in upright type, gradients below it in italics, so a
reader who cannot tell the two colours apart (or prints in grey) still can. The colours
themselves stay apart too for a reader with a red-green (or blue-yellow) colour vision
deficiency: every theme's value and gradient colours are at least ΔE2000 12 apart under a
simulation of protanopia, deuteranopia and tritanopia, and each reads at 4.5:1 against the
background (``tests/test_themes.py`` checks it). The lecture's green is therefore a bluish
green, which a red-green colour-blind reader still sees apart from its red.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Theme", "THEMES", "theme_named"]


@dataclass(frozen=True)
class Theme:
    """The colours of one look; ``value`` and ``gradient`` are text colours."""

    name: str
    background: str
    text: str  # names, gate symbols
    line: str  # wires and gate outlines
    value: str  # forward values (above a wire)
    gradient: str  # gradients (below a wire, italic)
    note: str  # annotations: the chain-rule arithmetic
    highlight: str  # the wires a step of the player just used
    marked: str  # the fill of the node a step of the player is at
    gate: str  # the fill of gates and boxes


LECTURE = Theme(
    name="lecture",
    background="#ffffff",
    text="#1f1f1f",
    line="#3c3c3c",
    value="#208157",  # the lecture's green, a little blue in it: apart from the red under deuteranopia
    gradient="#c62828",  # the lecture's red
    note="#5f5f5f",
    highlight="#e67700",
    marked="#fff3bf",
    gate="#ffffff",
)

COLORBLIND = Theme(  # Okabe–Ito: blue values, vermillion gradients, orange highlights
    name="colorblind",
    background="#ffffff",
    text="#000000",
    line="#3c3c3c",
    value="#0072b2",
    gradient="#c05500",  # Okabe–Ito's vermillion #d55e00 a little darker: text on white at 4.5:1 (it has 3.9)
    note="#5f5f5f",
    highlight="#e69f00",
    marked="#f0e442",
    gate="#ffffff",
)

DARK = Theme(  # mint values, coral gradients: a yellow-green and a salmon merged into one beige for a deuteranope
    name="dark",
    background="#1e1e1e",
    text="#e8e8e8",
    line="#b8b8b8",
    value="#7ee7c1",
    gradient="#ff7043",
    note="#a8a8a8",
    highlight="#ffa657",
    marked="#4a4520",
    gate="#2a2a2a",
)

DARK_COLORBLIND = Theme(  # Okabe–Ito on dark: sky-blue values, orange gradients, yellow highlights
    name="dark-colorblind",
    background="#1e1e1e",
    text="#e8e8e8",
    line="#b8b8b8",
    value="#56b4e9",
    gradient="#e69f00",
    note="#a8a8a8",
    highlight="#f0e442",
    marked="#4a4520",
    gate="#2a2a2a",
)

THEMES: dict[str, Theme] = {t.name: t for t in (LECTURE, COLORBLIND, DARK, DARK_COLORBLIND)}


def theme_named(theme: str | Theme) -> Theme:
    """A theme by name (``"lecture"``, ``"colorblind"``, ``"dark"``, ``"dark-colorblind"``), or the Theme given."""
    if isinstance(theme, Theme):
        return theme
    found = THEMES.get(theme) if isinstance(theme, str) else None
    if found is None:
        raise ValueError(f"theme must be one of {', '.join(map(repr, THEMES))} or a Theme, got {theme!r}")
    return found
