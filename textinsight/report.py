"""A self-contained HTML report of one run: header, theme table, theme map and trends.

The report is one HTML file that works offline: inline CSS, inline SVG drawn here in
Python and a few lines of inline JavaScript to sort and filter the theme table. Every
piece of text from the data (labels, keywords, quotes, model ids) is HTML-escaped.

Example:
    >>> html = render_report(run, themes, weekly)  # doctest: +SKIP
    >>> Path("report.html").write_text(html, encoding="utf-8")  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from html import escape

from textinsight.errors import ValidationError
from textinsight.impact_chart import KIND_COLOURS, impact_chart, scale
from textinsight.records import RunInfo, Theme
from textinsight.value.summary import adjusted_note

#: How many of the largest themes get a text label on the theme map.
MAP_LABELS = 15
#: How many of the largest themes are drawn in the trend chart.
TREND_SERIES = 8

_NEGATIVE = (192, 57, 43)
_NEUTRAL = (150, 150, 150)
_POSITIVE = (39, 138, 82)
_UNKNOWN = "rgb(204,204,204)"
_SERIES_COLOURS = (
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759",
    "#76b7b2", "#edc948", "#b07aa1", "#9c755f",
)  # fmt: skip

_STYLE = """
:root { --fg: #1f2328; --muted: #656d76; --line: #d8dee4; --bg-alt: #f6f8fa; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; color: var(--fg); margin: 0 auto; max-width: 1200px; padding: 24px 32px 48px;
  line-height: 1.45; font-size: 14px; }
h1 { font-size: 26px; margin: 0 0 12px; font-weight: 600; }
h2 { font-size: 18px; margin: 36px 0 6px; font-weight: 600; }
p.note { color: var(--muted); margin: 0 0 12px; }
dl.meta { display: flex; flex-wrap: wrap; gap: 8px 32px; margin: 0; padding: 12px 16px;
  background: var(--bg-alt); border: 1px solid var(--line); border-radius: 6px; }
dl.meta div { min-width: 90px; }
dl.meta dt { color: var(--muted); font-size: 12px; text-transform: uppercase;
  letter-spacing: .04em; }
dl.meta dd { margin: 0; font-size: 16px; font-weight: 600; }
.badge { color: #9a3412; background: #ffedd5; padding: 1px 8px; border-radius: 10px; }
.empty { padding: 32px; text-align: center; color: var(--muted); border: 1px dashed var(--line);
  border-radius: 6px; margin-top: 24px; font-size: 16px; }
input.filter { width: 320px; padding: 6px 10px; border: 1px solid var(--line);
  border-radius: 6px; font: inherit; margin: 4px 0 10px; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; font-size: 12px; color: var(--muted); font-weight: 600;
  border-bottom: 2px solid var(--line); padding: 6px 8px; cursor: pointer; user-select: none;
  white-space: nowrap; }
th:hover { color: var(--fg); }
th[aria-sort=ascending]::after { content: " \\25B2"; }
th[aria-sort=descending]::after { content: " \\25BC"; }
td { padding: 6px 8px; vertical-align: top; }
tbody { border-bottom: 1px solid var(--line); }
tbody:hover { background: var(--bg-alt); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.label { font-weight: 600; min-width: 200px; }
td.small { color: var(--muted); font-size: 13px; }
tbody tr:first-child td { padding-bottom: 2px; }
tr.quotes td { padding-top: 0; padding-bottom: 6px; }
details summary { color: var(--muted); font-size: 12px; cursor: pointer; }
details ul { margin: 4px 0 8px; padding-left: 18px; }
details li { margin: 3px 0; font-style: italic; max-width: 820px; }
.sent { display: inline-block; min-width: 48px; text-align: center; border-radius: 4px;
  padding: 0 6px; font-weight: 600; }
svg { display: block; width: 100%; height: auto; border: 1px solid var(--line);
  border-radius: 6px; background: #fff; }
svg text { font-family: inherit; }
svg.trend:hover .series { opacity: .2; }
svg.trend .series:hover { opacity: 1; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 18px; margin-top: 8px; font-size: 13px;
  color: var(--muted); }
.legend span { color: var(--fg); }
.legend span::before { content: ""; display: inline-block; width: 12px; height: 12px;
  border-radius: 2px; margin-right: 6px; vertical-align: -1px; background: var(--c); }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
"""

_SCRIPT = """
(function () {
  var table = document.getElementById("themes");
  if (!table) return;
  var ths = table.querySelectorAll("th");
  ths.forEach(function (th, col) {
    th.addEventListener("click", function () {
      var desc = th.getAttribute("aria-sort") !== "descending";
      ths.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", desc ? "descending" : "ascending");
      var key = function (tb) {
        var td = tb.rows[0].cells[col], v = td.dataset.sort;
        if (v === undefined) v = td.textContent.trim().toLowerCase();
        return v === "" ? null : (isNaN(v) ? v : parseFloat(v));
      };
      var bodies = Array.prototype.slice.call(table.tBodies);
      bodies.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === null || y === null) return (x === null) - (y === null);
        return (x < y ? -1 : x > y ? 1 : 0) * (desc ? -1 : 1);
      });
      bodies.forEach(function (tb) { table.appendChild(tb); });
    });
  });
  document.getElementById("filter").addEventListener("input", function (e) {
    var q = e.target.value.toLowerCase();
    Array.prototype.forEach.call(table.tBodies, function (tb) {
      tb.hidden = q !== "" && tb.textContent.toLowerCase().indexOf(q) < 0;
    });
  });
})();
"""


def render_report(
    run: RunInfo,
    themes: Sequence[Theme],
    weekly: Mapping[int, Mapping[str, int]],
    *,
    title: str = "textinsight report",
) -> str:
    """Render one run as a self-contained HTML document.

    Args:
        run: the run the themes belong to (id, model, counts for the header).
        themes: the run's themes; ``Theme.share`` is a fraction of the run's feedback
            (0..1) and ``x``/``y`` are map coordinates in any scale (``None``: not drawn).
        weekly: theme id -> {ISO week-start date ``'YYYY-MM-DD'``: feedback count}.
        title: the document title and main heading.

    Returns:
        The HTML document as a string; write it to a ``.html`` file with UTF-8.

    Raises:
        ValidationError: a key of ``weekly`` is not an ISO date.

    Example:
        >>> html = render_report(run, themes, {}, title="Q3 feedback")  # doctest: +SKIP
    """
    ordered = sorted(themes, key=lambda t: (-t.size, t.id))
    if ordered:
        body = "\n".join(
            [
                "<h2>Themes</h2>",
                _theme_table(ordered),
                "<h2>Impact</h2>",
                '<p class="note">Pain points and loyalty drivers: the value of the customers'
                " behind each theme against how their churn or repurchase within 90 days"
                " after their feedback differs from customers with no feedback in any theme,"
                f" {escape(_adjusted(ordered))}. Impact is the money we are 95% sure moves"
                " with a theme; themes overlap, so never add it up. Hover a circle for"
                " details.</p>",
                impact_chart(ordered),
                "<h2>Theme map</h2>",
                '<p class="note">Themes that are close together are similar; circle area'
                " shows size and colour shows sentiment. Hover a circle for details.</p>",
                _theme_map(ordered),
                "<h2>Theme sizes over time</h2>",
                f'<p class="note">Feedback per week for the {min(len(ordered), TREND_SERIES)}'
                " largest themes.</p>",
                _trend_chart(ordered[:TREND_SERIES], weekly),
            ]
        )
    else:
        body = '<p class="empty">No themes in this run.</p>'
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{escape(title)}</h1>\n{_header(run, len(ordered))}\n{body}\n"
        "<footer>Generated by textinsight. This file is self-contained and works offline."
        f"</footer>\n<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


def _header(run: RunInfo, n_themes: int) -> str:
    """The run's key facts as a definition list."""
    unassigned = "–"
    if run.n_unassigned is not None and run.n_feedback:
        unassigned = f"{run.n_unassigned / run.n_feedback:.1%}"
    facts = [
        ("Run", f"#{run.id}"),
        ("Model", run.model_id),
        ("Finished", (run.finished_at or "–").replace("T", " ")[:19]),
        ("Feedback", "–" if run.n_feedback is None else f"{run.n_feedback:,}"),
        ("Themes", f"{n_themes:,}"),
        ("Unassigned", unassigned),
    ]
    items = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in facts)
    if run.status != "complete":
        items += (
            f'<div><dt>Status</dt><dd><span class="badge">{escape(run.status)}</span></dd></div>'
        )
    return f'<dl class="meta">{items}</dl>'


def _sentiment_colour(sentiment: float | None) -> str:
    """Red (-1) through grey (0) to green (+1); light grey when unknown."""
    if sentiment is None or math.isnan(sentiment):
        return _UNKNOWN
    s = max(-1.0, min(1.0, sentiment))
    end = _POSITIVE if s > 0 else _NEGATIVE
    r, g, b = (round(n + (e - n) * abs(s)) for n, e in zip(_NEUTRAL, end, strict=True))
    return f"rgb({r},{g},{b})"


def _counts(counts: Mapping[str, int]) -> str:
    """``{"sv": 40, "en": 30}`` -> ``"sv 40 · en 30"`` (no-break spaces), largest first."""
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return " · ".join(f"{escape(k)}&nbsp;{v:,}" for k, v in ordered)


def _theme_table(themes: Sequence[Theme]) -> str:
    """The sortable, filterable theme table; one ``<tbody>`` per theme with its quotes."""
    headers = [
        "ID",
        "Theme",
        "Size",
        "Share",
        "Sentiment",
        "Kind",
        "Impact",
        "Languages",
        "Channels",
        "Keywords",
    ]
    head = "".join(f"<th>{h}</th>" for h in headers)
    bodies = []
    for t in themes:
        sentiment = ""
        if t.sentiment is not None:
            sentiment = (
                f'<span class="sent" style="background:{_sentiment_colour(t.sentiment)};'
                f'color:{"#fff" if abs(t.sentiment) >= 0.3 else "#1f2328"}">'
                f"{t.sentiment:+.2f}</span>"
            )
        quotes = "".join(f"<li>“{escape(q)}”</li>" for q in t.quotes)
        details = (
            f"<details><summary>{len(t.quotes)} quote{'s' if len(t.quotes) != 1 else ''}"
            f"</summary><ul>{quotes}</ul></details>"
            if t.quotes
            else ""
        )
        sort_sentiment = "" if t.sentiment is None else f"{t.sentiment:.4f}"
        bodies.append(
            f'<tbody><tr><td class="num">{t.id}</td><td class="label">{escape(t.label)}</td>'
            f'<td class="num" data-sort="{t.size}">{t.size:,}</td>'
            f'<td class="num" data-sort="{t.share:.6f}">{t.share:.1%}</td>'
            f'<td class="num" data-sort="{sort_sentiment}">{sentiment}</td>'
            f"{_value_cells(t)}"
            f'<td class="small">{_counts(t.languages)}</td>'
            f'<td class="small">{_counts(t.channels)}</td>'
            f'<td class="small">{escape(", ".join(t.keywords[:8]))}</td></tr>'
            f'<tr class="quotes"><td></td><td colspan="9">{details}</td></tr></tbody>'
        )
    return (
        '<input id="filter" class="filter" type="search" placeholder="Filter themes…"'
        ' aria-label="Filter themes">\n'
        f'<table id="themes"><thead><tr>{head}</tr></thead>\n' + "\n".join(bodies) + "</table>"
    )


def _adjusted(themes: Sequence[Theme]) -> str:
    """``adjusted for tenure, segment, ...`` from the run's value metrics."""
    value = next((t.value for t in themes if t.value is not None), None)
    return "unadjusted" if value is None else adjusted_note(value)


def _value_cells(theme: Theme) -> str:
    """The kind (coloured) and impact cells of a theme; blank without value metrics."""
    value = theme.value
    if value is None:
        return '<td></td><td class="num" data-sort=""></td>'
    colour = KIND_COLOURS.get(value.kind, "#969696")
    impact = "" if value.impact is None else f"{value.impact:,.0f}"
    return (
        f'<td class="small" style="color:{colour}">{escape(value.kind.replace("_", " "))}</td>'
        f'<td class="num" data-sort="{value.impact or 0:.2f}">{impact}</td>'
    )


def _theme_map(themes: Sequence[Theme], width: int = 1000, height: int = 540) -> str:
    """Inline SVG scatter of the themes at their (x, y), largest drawn first."""
    placed = [t for t in themes if t.x is not None and t.y is not None]
    if not placed:
        return '<p class="empty">No map coordinates in this run.</p>'
    max_size = max(max(t.size for t in placed), 1)
    max_r, pad = 42.0, 24.0
    radii = [max(3.0, max_r * math.sqrt(max(t.size, 0) / max_size)) for t in placed]
    xs = [float(t.x) for t in placed if t.x is not None]
    ys = [float(t.y) for t in placed if t.y is not None]
    # one scale for both axes keeps the map's distances honest
    x_span, y_span = max(xs) - min(xs), max(ys) - min(ys)
    scale = min(
        (width - 2 * (max_r + pad)) / x_span if x_span > 1e-12 else math.inf,
        (height - 2 * (max_r + pad)) / y_span if y_span > 1e-12 else math.inf,
    )
    scale = scale if math.isfinite(scale) else 1.0  # identical coordinates: all in the middle
    cx0 = width / 2 - (max(xs) + min(xs)) / 2 * scale
    cy0 = height / 2 + (max(ys) + min(ys)) / 2 * scale  # SVG y grows downwards
    points = [(cx0 + x * scale, cy0 - y * scale) for x, y in zip(xs, ys, strict=True)]
    circles = []
    for t, (px, py), r in zip(placed, points, radii, strict=True):
        tip = f"{t.label}\n{t.size:,} feedback ({t.share:.1%})"
        if t.sentiment is not None:
            tip += f", sentiment {t.sentiment:+.2f}"
        tip += "\n" + ", ".join(t.keywords[:8])
        circles.append(
            f'<circle class="theme" cx="{px:.1f}" cy="{py:.1f}" r="{r:.1f}" '
            f'fill="{_sentiment_colour(t.sentiment)}"><title>{escape(tip)}</title></circle>'
        )
    n = MAP_LABELS
    labels = _map_labels([t.label for t in placed[:n]], points[:n], radii[:n], width, height)
    legend = "".join(
        f'<span style="--c:{_sentiment_colour(s)}">{name}</span>'
        for s, name in ((-1.0, "negative"), (0.0, "neutral"), (1.0, "positive"), (None, "none"))
    )
    return (
        f'<svg class="map" viewBox="0 0 {width} {height}" role="img" aria-label="Theme map">'
        f'<g fill-opacity="0.75" stroke="#fff" stroke-width="1.5">{"".join(circles)}</g>'
        '<g font-size="12" fill="#1f2328" stroke="#fff" stroke-width="3" '
        f'paint-order="stroke" stroke-linejoin="round">{labels}</g></svg>'
        f'<div class="legend">Sentiment: {legend}</div>'
    )


def _map_labels(
    texts: Sequence[str],
    points: Sequence[tuple[float, float]],
    radii: Sequence[float],
    width: int,
    height: int,
) -> str:
    """Label circles greedily (below, above, right, left), skipping labels that would overlap."""
    taken: list[tuple[float, float, float, float]] = []
    out = []
    for text, (px, py), r in zip(texts, points, radii, strict=True):
        text = text if len(text) <= 30 else text[:29] + "…"
        w, h = 6.8 * len(text) + 4, 14.0  # rough extent of 12px system-ui text
        candidates = [
            (px, py + r + 13, "middle", px - w / 2),
            (px, py - r - 5, "middle", px - w / 2),
            (px + r + 4, py + 4, "start", px + r + 4),
            (px - r - 4, py + 4, "end", px - r - 4 - w),
        ]
        for x, y, anchor, left in candidates:
            box = (left, y - 11, left + w, y - 11 + h)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height
            if inside and not any(_overlap(box, other) for other in taken):
                taken.append(box)
                out.append(
                    f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(text)}</text>'
                )
                break
    return "".join(out)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two (left, top, right, bottom) boxes intersect."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _week_axis(weekly: Mapping[int, Mapping[str, int]], ids: Sequence[int]) -> list[str]:
    """Every week from the first to the last week with data, so gaps show as zeros."""
    keys = {k for i in ids for k in weekly.get(i, {})}
    days = []
    for key in sorted(keys):
        try:
            days.append(date.fromisoformat(key))
        except ValueError:
            raise ValidationError(
                f"week {key!r} is not a date. Use ISO week-start dates like '2024-03-04'.",
                field="weekly",
            ) from None
    days.sort()
    if not days:
        return []
    weeks, day = [], days[0]
    while day <= days[-1]:
        weeks.append(day.isoformat())
        day += timedelta(days=7)
    # keys that are not 7 days apart from the first still get their own point
    return sorted(set(weeks) | {d.isoformat() for d in days})


def _nice_max(value: int) -> tuple[float, float]:
    """A round axis maximum at or above ``value`` and its tick step (about 4-5 ticks)."""
    raw = max(value, 1) / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(max(value, 1) / step), step


def _trend_chart(
    themes: Sequence[Theme],
    weekly: Mapping[int, Mapping[str, int]],
    width: int = 1000,
    height: int = 340,
) -> str:
    """Inline SVG line chart of weekly counts, one series per theme, with an HTML legend."""
    weeks = _week_axis(weekly, [t.id for t in themes])
    if not weeks:
        return '<p class="empty">No weekly data for these themes.</p>'
    left, right, top, bottom = 52, 20, 16, 36
    series = [[int(weekly.get(t.id, {}).get(w, 0)) for w in weeks] for t in themes]
    y_max, step = _nice_max(max(max(s) for s in series))
    px = scale(range(len(weeks)), left, width - right)
    grid = []
    for i in range(int(round(y_max / step)) + 1):
        y = height - bottom - (i * step) / y_max * (height - top - bottom)
        grid.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>'
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{i * step:g}</text>'
        )
    every = max(1, math.ceil(len(weeks) / 10))
    ticks = "".join(
        f'<text x="{px[i]:.1f}" y="{height - bottom + 20}" text-anchor="middle">{w}</text>'
        for i, w in enumerate(weeks)
        if i % every == 0
    )
    lines = []
    for k, (t, counts) in enumerate(zip(themes, series, strict=True)):
        colour = _SERIES_COLOURS[k % len(_SERIES_COLOURS)]
        pts = [
            (x, height - bottom - c / y_max * (height - top - bottom))
            for x, c in zip(px, counts, strict=True)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        dots = "".join(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5"><title>{escape(t.label)}\n'
            f"week of {w}: {c:,}</title></circle>"
            for (x, y), w, c in zip(pts, weeks, counts, strict=True)
        )
        lines.append(
            f'<g class="series" stroke="{colour}" fill="{colour}">'
            f"<title>{escape(t.label)}</title>"
            f'<polyline points="{path}" fill="none" stroke-width="2" stroke-linejoin="round"/>'
            f"{dots}</g>"
        )
    legend = "".join(
        f'<span style="--c:{_SERIES_COLOURS[k % len(_SERIES_COLOURS)]}">{escape(t.label)}</span>'
        for k, t in enumerate(themes)
    )
    return (
        f'<svg class="trend" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="Theme sizes over time">'
        f'<g font-size="11" fill="#656d76">{"".join(grid)}</g>'
        f'<g font-size="11" fill="#656d76">{ticks}</g>{"".join(lines)}</svg>'
        f'<div class="legend">{legend}</div>'
    )
