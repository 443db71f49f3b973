"""The report's impact chart: customer value affected vs outcome effect per theme.

x: total value of the theme's customers (log scale); y: the theme's outcome effect
in percentage points, signed so that up is better than the baseline (less churn or
more repurchase; of the two, the one that drives the impact score); circle area:
customers; colour: pain point (red), loyalty driver (green), neutral (grey).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from textinsight.records import Theme, ThemeValue

KIND_COLOURS = {
    "pain_point": "#c0392b",
    "loyalty_driver": "#278a52",
    "contradiction": "#d68910",
    "exit": "#5d6d7e",
    "neutral": "#969696",
}


def scale(values: Sequence[float], lo: float, hi: float) -> list[float]:
    """Map ``values`` linearly onto ``[lo, hi]``; all-equal values land in the middle."""
    vmin, vmax = min(values), max(values)
    if vmax - vmin < 1e-12:
        return [(lo + hi) / 2] * len(values)
    return [lo + (v - vmin) / (vmax - vmin) * (hi - lo) for v in values]


def outcome_effect(value: ThemeValue) -> float | None:
    """Signed effect in percentage points (up = better), the one that drives impact."""
    candidates = []
    if value.churn_diff is not None:
        candidates.append((abs(value.churn_diff) * (1 - (value.churn_q or 1.0)), -value.churn_diff))
    if value.repurchase_diff is not None:
        weight = abs(value.repurchase_diff) * (1 - (value.repurchase_q or 1.0))
        candidates.append((weight, value.repurchase_diff))
    if not candidates:
        return None
    return 100 * max(candidates)[1]


def impact_chart(themes: Sequence[Theme], width: int = 1000, height: int = 460) -> str:
    """Inline SVG of the themes that have value metrics; a note when none has."""
    points = [
        (t, t.value, effect)
        for t in themes
        if t.value is not None
        and t.value.value_total
        and (effect := outcome_effect(t.value)) is not None
    ]
    if not points:
        return '<p class="empty">No value metrics: ingest customers and purchases, then run.</p>'
    pad = 60
    xs = scale([math.log10(max(v.value_total or 1.0, 1.0)) for _, v, _ in points], pad, width - pad)
    bound = max(1.0, max(abs(e) for _, _, e in points))
    ys = [height / 2 - e / bound * (height / 2 - pad) for _, _, e in points]
    largest = max(v.customers for _, v, _ in points) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="Impact chart: value affected against outcome effect">',
        f'<line x1="{pad}" y1="{height / 2}" x2="{width - pad}" y2="{height / 2}" '
        'stroke="#bbb" stroke-dasharray="4 4"/>',
        f'<text x="{pad}" y="{pad - 25}" class="axis">better than baseline (+{bound:.0f} pp)'
        "</text>",
        f'<text x="{pad}" y="{height - pad + 35}" class="axis">worse than baseline '
        f"(−{bound:.0f} pp)</text>",
        f'<text x="{width - pad}" y="{height - 10}" class="axis" text-anchor="end">'
        "customer value affected (log scale) →</text>",
    ]
    for (theme, value, effect), x, y in zip(points, xs, ys, strict=True):
        radius = 4 + 22 * math.sqrt(value.customers / largest)
        tip = (
            f"{theme.label} ({value.kind}): {value.customers} customers, value "
            f"{value.value_total:,.0f}, effect {effect:+.1f} pp, impact {value.impact or 0:,.0f}"
        )
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" '
            f'fill="{KIND_COLOURS.get(value.kind, "#969696")}" fill-opacity="0.7" '
            f'stroke="#fff"><title>{escape(tip)}</title></circle>'
        )
        if value.kind != "neutral":
            parts.append(
                f'<text x="{x + radius + 3:.1f}" y="{y + 4:.1f}" class="maplabel">'
                f"{escape(theme.label)}</text>"
            )
    legend = " ".join(
        f'<span style="color:{c}">●</span> {k.replace("_", " ")}' for k, c in KIND_COLOURS.items()
    )
    parts.append("</svg>")
    return "".join(parts) + f'<p class="note">{legend}</p>'
