"""Charts as inline SVG, drawn by hand: the report page needs no script and no network.

Each function returns one `<svg>` element as a string; every text is escaped.
"""

from __future__ import annotations

from html import escape

__all__ = ["PALETTE", "bars_with_ci", "histogram", "scatter", "stacked_bars"]

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#86bcb6",
    "#d37295",
    "#8cd17d",
    "#499894",
)
W, H, LEFT, BOTTOM, TOP, RIGHT = 640, 280, 48, 56, 30, 36


def _frame(body: list[str], title: str, width: int = W, height: int = H) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        f'<title>{escape(title)}</title><text x="{LEFT}" y="16" font-size="13" font-weight="bold">'
        f"{escape(title)}</text>" + "".join(body) + "</svg>"
    )


def _y_axis(body: list[str], top: float, height: float, labels: list[tuple[float, str]]) -> None:
    for frac, text in labels:
        y = TOP + height * (1 - frac) if top is None else top + height * (1 - frac)
        body.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        body.append(
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{escape(text)}</text>'
        )


def bars_with_ci(
    groups: list[str], series: list[tuple[str, list[tuple[float, float, float]]]], title: str
) -> str:
    """Grouped bars of rates in [0, 1] with (value, low, high) error bars."""
    plot_h = H - BOTTOM - TOP
    body: list[str] = []
    _y_axis(body, TOP, plot_h, [(f, f"{f:.0%}") for f in (0, 0.25, 0.5, 0.75, 1.0)])
    slot = (W - LEFT - RIGHT) / max(1, len(groups))
    bar = slot * 0.8 / max(1, len(series))
    for g, group in enumerate(groups):
        x0 = LEFT + g * slot + slot * 0.1
        for s, (name, values) in enumerate(series):
            value, low, high = values[g]
            x = x0 + s * bar
            y = TOP + plot_h * (1 - value)
            colour = PALETTE[s % len(PALETTE)]
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar * 0.9:.1f}" height="{plot_h * value:.1f}" '
                f'fill="{colour}"><title>{escape(name)} {escape(group)}: {value:.1%} '
                f"(95% CI {low:.1%}-{high:.1%})</title></rect>"
            )
            cx = x + bar * 0.45
            y1, y2 = TOP + plot_h * (1 - low), TOP + plot_h * (1 - high)
            body.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y1:.1f}" y2="{y2:.1f}" stroke="#222"/>')
            for yy in (y1, y2):
                body.append(
                    f'<line x1="{cx - 4:.1f}" x2="{cx + 4:.1f}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#222"/>'
                )
        body.append(
            f'<text x="{x0 + slot * 0.4:.1f}" y="{H - BOTTOM + 14}" font-size="10" '
            f'text-anchor="middle">{escape(group[:18])}</text>'
        )
    _legend(body, [name for name, _ in series])
    return _frame(body, title)


def _legend(body: list[str], names: list[str], colours: list[str] | None = None) -> None:
    x: float = LEFT
    for i, name in enumerate(names):
        colour = colours[i] if colours else PALETTE[i % len(PALETTE)]
        body.append(f'<rect x="{x}" y="{H - 18}" width="10" height="10" fill="{colour}"/>')
        body.append(f'<text x="{x + 14}" y="{H - 9}" font-size="10">{escape(name[:28])}</text>')
        x += 20 + 6.5 * min(len(name), 28)


def stacked_bars(groups: list[str], layers: list[str], counts: dict[str, dict[str, int]], title: str) -> str:
    """One bar per group, stacked by layer (counts[group][layer]), as shares of the group."""
    plot_h = H - BOTTOM - TOP
    body: list[str] = []
    _y_axis(body, TOP, plot_h, [(f, f"{f:.0%}") for f in (0, 0.5, 1.0)])
    slot = (W - LEFT - RIGHT) / max(1, len(groups))
    for g, group in enumerate(groups):
        total = sum(counts.get(group, {}).values()) or 1
        x, y = LEFT + g * slot + slot * 0.15, float(TOP + plot_h)
        for i, layer in enumerate(layers):
            n = counts.get(group, {}).get(layer, 0)
            if not n:
                continue
            h = plot_h * n / total
            y -= h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(group)}: {escape(layer)} '
                f"{n} of {total}</title></rect>"
            )
        body.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{H - BOTTOM + 14}" font-size="10" '
            f'text-anchor="middle">{escape(group[:18])}</text>'
        )
    shown = [i for i, layer in enumerate(layers) if any(counts.get(g, {}).get(layer) for g in groups)]
    _legend(body, [layers[i] for i in shown], [PALETTE[i % len(PALETTE)] for i in shown])
    return _frame(body, title)


def histogram(values: list[float], title: str, unit: str = "", bins: int = 12) -> str:
    plot_h = H - BOTTOM - TOP
    body: list[str] = []
    if not values:
        body.append(f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle">no data</text>')
        return _frame(body, title)
    low, high = min(values), max(values)
    if high == low:  # one value: one bar in the middle, not a spread of empty bins
        low, high = low - 0.5 * (abs(low) or 1), high + 0.5 * (abs(high) or 1)
        low = max(low, 0.0) if min(values) >= 0 else low
    width = (high - low) / bins
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - low) / width))] += 1
    top = max(counts)
    _y_axis(body, TOP, plot_h, [(0, "0"), (1, str(top))])
    slot = (W - LEFT - RIGHT) / bins
    for i, n in enumerate(counts):
        h = plot_h * n / top
        lo = low + i * width
        body.append(
            f'<rect x="{LEFT + i * slot + 1:.1f}" y="{TOP + plot_h - h:.1f}" width="{slot - 2:.1f}" '
            f'height="{h:.1f}" fill="{PALETTE[0]}"><title>{lo:.3g}-{lo + width:.3g}{unit}: '
            f"{n}</title></rect>"
        )
    for i in (0, bins // 2, bins):
        body.append(
            f'<text x="{LEFT + i * slot:.1f}" y="{H - BOTTOM + 14}" font-size="10" '
            f'text-anchor="middle">{low + i * width:.3g}{escape(unit)}</text>'
        )
    return _frame(body, title)


def scatter(points: list[tuple[float, float, str]], title: str, x_label: str) -> str:
    """(x, y in [0, 1], tooltip) points: success (1) or not (0) against a quantity."""
    plot_h = H - BOTTOM - TOP
    body: list[str] = []
    _y_axis(body, TOP, plot_h, [(0, "failed"), (1, "solved")])
    top = max((p[0] for p in points), default=1) or 1
    for i, (x, y, tip) in enumerate(points):
        jitter = ((i * 37) % 11 - 5) * 1.5  # fixed, so the page is the same every time
        cx = LEFT + (W - LEFT - 16) * x / top
        cy = TOP + plot_h * (1 - y) + jitter
        colour = PALETTE[4] if y >= 0.5 else PALETTE[2]
        body.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{colour}" fill-opacity="0.7">'
            f"<title>{escape(tip)}</title></circle>"
        )
    body.append(
        f'<text x="{W / 2}" y="{H - BOTTOM + 28}" font-size="11" text-anchor="middle">'
        f"{escape(x_label)} (0 to {top:g})</text>"
    )
    return _frame(body, title)
