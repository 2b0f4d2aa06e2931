"""Line charts drawn on the server as SVG: no script, no external library, readable without colour.

Each series has its own colour, dash pattern and marker shape, so lines stay apart in greyscale; the
chart carries ``role="img"`` with a title and a description, and the page shows the numbers as a table.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

# Colours with at least 3:1 contrast against white (WCAG non-text contrast).
COLOURS = ("#1f5f8b", "#b3400b", "#2f7d32", "#7b3294", "#8a6d00", "#c2185b", "#00796b", "#4e4e4e")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 2 1 2", "3 6")
MARKERS = ("circle", "square", "triangle", "diamond", "circle", "square", "triangle", "diamond")

WIDTH, HEIGHT = 760, 340
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 130
LEGEND_COLUMNS, LEGEND_WIDTH, LEGEND_CHARS = 2, 370, 48


@dataclass
class Series:
    name: str
    values: list[float]


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if shape == "triangle":
        return (
            f'<polygon points="{x:.1f},{y - 5:.1f} {x - 5:.1f},{y + 4:.1f} {x + 5:.1f},{y + 4:.1f}" fill="{colour}"/>'
        )
    if shape == "diamond":
        return f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def _nice_max(value: float) -> float:
    """The smallest 1, 2 or 5 × 10ⁿ at or above the value, for round axis labels."""
    if value <= 0:
        return 1.0
    step = 10 ** len(str(int(value))) / 100 if value >= 1 else 0.1
    for factor in (1, 2, 5, 10, 20, 50, 100):
        if step * factor >= value:
            return step * factor
    return value


def number(value: float, decimals: int = 1) -> str:
    """German number format: 1.234,5."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: list[str],
    series: list[Series],
    unit: str = "",
    percent: bool = False,
) -> Markup:
    """An SVG line chart of the series over the labels (one point per label)."""
    top_value = _nice_max(max((v for s in series for v in s.values), default=0.0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return LEFT + (i * step if len(labels) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return TOP + plot_h - value / top_value * plot_h

    def tick(value: float) -> str:
        shown = value * 100 if percent else value
        return number(shown, 0 if float(shown).is_integer() else 1) + (" %" if percent else "")

    parts = [
        f'<svg class="qm-diagramm" role="img" aria-labelledby="{chart_id}-titel {chart_id}-beschreibung" '
        f'viewBox="0 0 {WIDTH} {HEIGHT + 22 * -(-len(series) // LEGEND_COLUMNS)}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-titel">{escape(title)}</title>',
        f'<desc id="{chart_id}-beschreibung">{escape(description)}</desc>',
    ]
    for k in range(6):
        value = top_value * k / 5
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#d0d0d0"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11" fill="#333">{escape(tick(value))}</text>'
        )
    if unit:
        parts.append(f'<text x="4" y="{TOP - 4}" font-size="11" fill="#333">{escape(unit)}</text>')
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{x(i):.1f}" y="{TOP + plot_h + 14}" font-size="11" fill="#333" text-anchor="end" '
            f'transform="rotate(-35 {x(i):.1f} {TOP + plot_h + 14})">{escape(label)}</text>'
        )
    for n, s in enumerate(series):
        colour, dash, shape = COLOURS[n % len(COLOURS)], DASHES[n % len(DASHES)], MARKERS[n % len(MARKERS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + "/>"
        )
        parts.extend(_marker(shape, x(i), y(v), colour) for i, v in enumerate(s.values))
        lx, ly = 8 + (n % LEGEND_COLUMNS) * LEGEND_WIDTH, HEIGHT + 22 * (n // LEGEND_COLUMNS)
        parts.append(
            f'<line x1="{lx}" x2="{lx + 30}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="2"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + "/>"
        )
        parts.append(_marker(shape, lx + 15, ly, colour))
        parts.append(
            f'<text x="{lx + 36}" y="{ly + 4}" font-size="12" fill="#222">{escape(s.name if len(s.name) <= LEGEND_CHARS else s.name[: LEGEND_CHARS - 1] + "…")}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
