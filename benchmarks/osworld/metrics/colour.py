"""Colour difference (CIEDE2000), for the Writer metric on coloured words.

OSWorld's `evaluate_colored_words_in_tables` measures colours with
scikit-image's `rgb2lab` (sRGB, D65, 2° observer) and `deltaE_ciede2000`
(kL = kC = kH = 1); both are written out here with the math module, from
the published formulas (Sharma, Wu & Dalal 2005), so no scikit-image is needed.
The metric itself is in `writer.py`.
"""

from __future__ import annotations

from math import atan2, cos, exp, hypot, pi, radians, sin, sqrt

__all__ = ["colour_difference", "delta_e_ciede2000", "rgb_to_lab"]


# scikit-image's sRGB -> XYZ matrix and D65 white point.
_M = ((0.412453, 0.357580, 0.180423), (0.212671, 0.715160, 0.072169), (0.019334, 0.119193, 0.950227))
_WHITE = (0.95047, 1.0, 1.08883)


def rgb_to_lab(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    """CIE L*a*b* of an sRGB colour given in [0, 1]."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    xyz = [sum(m * c for m, c in zip(row, linear)) / w for row, w in zip(_M, _WHITE)]
    f = [t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in xyz]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def delta_e_ciede2000(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    L1, a1, b1 = lab1  # noqa: N806 - the formula's names
    L2, a2, b2 = lab2  # noqa: N806 - the CIEDE2000 formula's own names
    c7 = (0.5 * (hypot(a1, b1) + hypot(a2, b2))) ** 7
    g = 0.5 * (1 - sqrt(c7 / (c7 + 25**7)))
    C1, C2 = hypot(a1 * (1 + g), b1), hypot(a2 * (1 + g), b2)  # noqa: N806 - the CIEDE2000 formula's own names
    h1, h2 = atan2(b1, a1 * (1 + g)) % (2 * pi), atan2(b2, a2 * (1 + g)) % (2 * pi)
    l_bar = 0.5 * (L1 + L2)
    t = (l_bar - 50) ** 2
    l_term = (L2 - L1) / (1 + 0.015 * t / sqrt(20 + t))
    c_bar = 0.5 * (C1 + C2)
    c_term = (C2 - C1) / (1 + 0.045 * c_bar)
    cc = C1 * C2
    dh, hsum = h2 - h1, h1 + h2
    if cc == 0:
        dh, h_bar = 0.0, hsum
    else:
        if dh > pi:
            dh -= 2 * pi
        elif dh < -pi:
            dh += 2 * pi
        h_bar = hsum
        if abs(h2 - h1) > pi:
            h_bar += 2 * pi if hsum < 2 * pi else -2 * pi
        h_bar *= 0.5
    big_t = (
        1
        - 0.17 * cos(h_bar - radians(30))
        + 0.24 * cos(2 * h_bar)
        + 0.32 * cos(3 * h_bar + radians(6))
        - 0.20 * cos(4 * h_bar - radians(63))
    )
    h_term = 2 * sqrt(cc) * sin(dh / 2) / (1 + 0.015 * c_bar * big_t)
    c7 = c_bar**7
    rc = 2 * sqrt(c7 / (c7 + 25**7))
    dtheta = radians(30) * exp(-(((h_bar - radians(275)) / radians(25)) ** 2))
    r_term = -sin(2 * dtheta) * rc * c_term * h_term
    return sqrt(max(l_term**2 + c_term**2 + h_term**2 + r_term, 0.0))


def colour_difference(rgb1: tuple[int, int, int], rgb2: tuple[int, int, int]) -> float:
    return delta_e_ciede2000(
        rgb_to_lab(_unit(rgb1)),
        rgb_to_lab(_unit(rgb2)),
    )


def _unit(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    """0-255 channels as 0-1."""
    return rgb[0] / 255, rgb[1] / 255, rgb[2] / 255
