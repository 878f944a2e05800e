"""Colours as a reader with a colour vision deficiency sees them, and how far apart two colours look.

- :func:`simulate`: Machado, Oliveira and Fernandes (2009), "A Physiologically-based Model for
  Simulation of Color Vision Deficiency", severity 1.0 (a dichromat): one 3×3 matrix per deficiency,
  applied to linear RGB.
- :func:`delta_e`: CIEDE2000 (Sharma, Wu and Dalal 2005) between two colours, via CIELAB (D65).
- :func:`contrast`: the WCAG 2 contrast ratio of two colours (1 to 21).
"""

from __future__ import annotations

import math

RGB = tuple[float, float, float]  # linear RGB, 0 to 1

DEFICIENCIES: dict[str, tuple[RGB, RGB, RGB]] = {
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}


def linear(hex_colour: str) -> RGB:
    """``#rrggbb`` as linear RGB (the sRGB transfer function undone)."""
    h = hex_colour.lstrip("#")
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return r, g, b


def simulate(colour: RGB, deficiency: str | None) -> RGB:
    """``colour`` as a dichromat with ``deficiency`` sees it (None: as it is), clipped to the gamut."""
    if deficiency is None:
        return colour
    seen = (sum(m * c for m, c in zip(row, colour, strict=True)) for row in DEFICIENCIES[deficiency])
    r, g, b = (min(1.0, max(0.0, c)) for c in seen)
    return r, g, b


def lab(colour: RGB) -> RGB:
    """CIELAB (L*, a*, b*) of a linear-RGB colour, D65 white."""
    r, g, b = colour
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def _hue(a: float, b: float) -> float:
    return math.degrees(math.atan2(b, a)) % 360 if a or b else 0.0


def delta_e(lab1: RGB, lab2: RGB) -> float:
    """CIEDE2000 colour difference of two CIELAB colours (kL = kC = kH = 1)."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1, c2 = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1, h2 = _hue(a1p, b1), _hue(a2p, b2)
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    d_l, d_c, d_h = l2 - l1, c2 - c1, 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh / 2))
    l_mean, c_mean_p = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_mean = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_mean = (h1 + h2) / 2
    else:
        h_mean = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_mean - 30))
        + 0.24 * math.cos(math.radians(2 * h_mean))
        + 0.32 * math.cos(math.radians(3 * h_mean + 6))
        - 0.20 * math.cos(math.radians(4 * h_mean - 63))
    )
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c, s_h = 1 + 0.045 * c_mean_p, 1 + 0.015 * c_mean_p * t
    rotation = -2 * math.sqrt(c_mean_p**7 / (c_mean_p**7 + 25**7))
    rotation *= math.sin(math.radians(60 * math.exp(-(((h_mean - 275) / 25) ** 2))))
    terms = (d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + rotation * (d_c / s_c) * (d_h / s_h)
    return math.sqrt(terms)


def contrast(c1: RGB, c2: RGB) -> float:
    """The WCAG 2 contrast ratio (lighter + 0.05) / (darker + 0.05) of relative luminances."""
    y1, y2 = (0.2126 * r + 0.7152 * g + 0.0722 * b for r, g, b in (c1, c2))
    return (max(y1, y2) + 0.05) / (min(y1, y2) + 0.05)


def seen_apart(c1: str, c2: str, deficiency: str | None) -> float:
    """ΔE2000 between two ``#rrggbb`` colours as a reader with ``deficiency`` sees them."""
    return delta_e(lab(simulate(linear(c1), deficiency)), lab(simulate(linear(c2), deficiency)))
