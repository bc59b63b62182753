"""A page's look: palette, accent colour, font, sizes and spacing, drawn from a seeded RNG.

The theme is a set of CSS custom properties that `data/base.css` reads, plus the few
numbers the generator needs to compute boxes itself (the slider thumb size).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from grounding.synth import resources


@dataclass
class Theme:
    mode: str  # "light" | "dark"
    palette: str
    font: str
    button_style: str  # "filled" | "outline" | "soft" | "ghost"
    thumb: int  # slider thumb size in px (width = height)
    slider_width: int
    css_vars: dict[str, str] = field(default_factory=dict)

    def root_css(self) -> str:
        body = "".join(f"  {name}: {value};\n" for name, value in self.css_vars.items())
        return ":root {\n" + body + "}\n"


def _hsl(hue: float, sat: float, lum: float, alpha: float | None = None) -> str:
    if alpha is None:
        return f"hsl({hue:.0f} {sat:.0f}% {lum:.0f}%)"
    return f"hsl({hue:.0f} {sat:.0f}% {lum:.0f}% / {alpha:.2f})"


def sample_theme(rng: random.Random) -> Theme:
    spec = resources.themes()
    palette = rng.choice(spec["palettes"])
    dark = palette["mode"] == "dark"
    hue = rng.choice(spec["accent_hues"]) + rng.randint(-8, 8)
    sat = rng.randint(55, 85)
    light = rng.randint(56, 66) if dark else rng.randint(34, 46)
    primary = _hsl(hue, sat, light)
    primary_text = "#0b0d10" if dark else "#ffffff"
    primary_strong = _hsl(hue, sat, light + 8 if dark else light - 4)
    primary_soft = _hsl(hue, sat, light, 0.22 if dark else 0.14)
    link = _hsl(rng.choice([hue, 215]), 70, 68 if dark else 38)
    danger = _hsl(rng.randint(352, 368) % 360, 70, 60 if dark else 44)

    lo, hi = spec["font_size"]
    font_size = rng.randint(lo, hi)
    pad_y = rng.randint(*spec["pad_y"])
    pad_x = rng.randint(*spec["pad_x"])
    gap = rng.randint(*spec["gap"])
    radius = rng.choice(spec["radius"])
    thumb = rng.randint(*spec["slider_thumb"])
    track = min(rng.randint(*spec["slider_track"]), thumb - 4)
    slider_width = rng.randint(160, 320)
    stroke = rng.uniform(*spec["icon_stroke"])

    css_vars = {
        "color-scheme": palette["mode"],
        "--bg": palette["bg"],
        "--surface": palette["surface"],
        "--surface2": palette["surface2"],
        "--text": palette["text"],
        "--muted": palette["muted"],
        "--border": palette["border"],
        "--input-bg": palette["input_bg"],
        "--backdrop": palette["backdrop"],
        "--primary": primary,
        "--primary-text": primary_text,
        "--primary-strong": primary_strong,
        "--primary-soft": primary_soft,
        "--link": link,
        "--danger": danger,
        "--font": rng.choice(spec["fonts"]),
        "--fs": f"{font_size}px",
        "--radius": f"{radius}px",
        "--pady": f"{pad_y}px",
        "--padx": f"{pad_x}px",
        "--gap": f"{gap}px",
        "--page-pad": f"{rng.randint(12, 32)}px",
        "--card-pad": f"{rng.randint(10, 24)}px",
        "--label-w": f"{rng.randint(90, 150)}px",
        "--ctl": f"{rng.randint(*spec['control_size'])}px",
        "--thumb": f"{thumb}px",
        "--thumb-radius": rng.choice(["50%", "50%", "3px"]),
        "--track": f"{track}px",
        "--slider-w": f"{slider_width}px",
        "--icon": f"{rng.randint(*spec['icon_size'])}px",
        "--chip-x": f"{rng.randint(12, 16)}px",
        "--stroke": f"{stroke:.2f}",
        "--shadow": rng.choice(spec["shadow"]),
        "--sidebar-w": f"{rng.randint(180, 250)}px",
        "--dialog-w": f"{rng.randint(380, 520)}px",
        "--dialog-align": rng.choice(["flex-start", "center"]),
    }
    return Theme(
        mode=palette["mode"],
        palette=palette["name"],
        font=css_vars["--font"],
        button_style=rng.choice(spec["button_styles"]),
        thumb=thumb,
        slider_width=slider_width,
        css_vars=css_vars,
    )
