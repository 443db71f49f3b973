"""Tests for the self-contained HTML report."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest

from textinsight.errors import ValidationError
from textinsight.records import RunInfo, Theme
from textinsight.report import MAP_LABELS, TREND_SERIES, render_report

HOSTILE = '<script>alert("x")</script>'


def make_run(**overrides: object) -> RunInfo:
    fields: dict[str, object] = {
        "id": 7,
        "status": "complete",
        "is_current": True,
        "started_at": "2024-06-30T10:00:00",
        "finished_at": "2024-06-30T10:05:12",
        "seed": 42,
        "model_id": "paraphrase-multilingual-MiniLM-L12-v2",
        "params": {},
        "n_feedback": 1000,
        "n_themes": 3,
        "n_unassigned": 125,
        "n_embedded": 1000,
        "timings": {},
    }
    fields.update(overrides)
    return RunInfo(**fields)  # type: ignore[arg-type]


def make_theme(i: int, **overrides: object) -> Theme:
    fields: dict[str, object] = {
        "id": i,
        "run_id": 7,
        "label": f"Theme number {i}",
        "keywords": (f"kw{i}a", f"kw{i}b", "leverans"),
        "size": 100 - i,
        "share": (100 - i) / 1000,
        "quotes": (f"Quote one of theme {i}", f"Quote two of theme {i}"),
        "languages": {"sv": 40, "no": 22, "da": 12, "en": 30},
        "channels": {"review": 60, "ticket": 44},
        "sentiment": -0.5 + i / 20,
        "x": float(i),
        "y": float(i % 3),
    }
    fields.update(overrides)
    return Theme(**fields)  # type: ignore[arg-type]


def weeks(n: int, start: date = date(2024, 1, 1)) -> list[str]:
    return [(start + timedelta(days=7 * k)).isoformat() for k in range(n)]


def section(html: str, cls: str) -> str:
    """The inline SVG with the given class."""
    match = re.search(rf'<svg class="{cls}".*?</svg>', html, re.S)
    assert match, f"no <svg class={cls}> in the report"
    return match.group(0)


class _Checker(HTMLParser):
    """Collects start tags and checks that every non-void element is closed."""

    VOID = {"meta", "input", "br", "img", "link", "circle", "rect", "line", "polyline"}

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.stack and self.stack[-1] == tag, f"unexpected </{tag}>, open: {self.stack}"
        self.stack.pop()


def parse(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert checker.stack == [], f"unclosed elements: {checker.stack}"
    return checker


@pytest.fixture
def themes() -> list[Theme]:
    return [make_theme(i) for i in range(1, 11)]


@pytest.fixture
def weekly(themes: list[Theme]) -> dict[int, dict[str, int]]:
    return {t.id: {w: (t.id * k) % 17 for k, w in enumerate(weeks(26))} for t in themes}


def test_report_is_one_well_formed_document(themes, weekly):
    html = render_report(make_run(), themes, weekly, title="Q2 feedback")
    assert html.startswith("<!DOCTYPE html>")
    checker = parse(html)
    assert checker.tags.count("html") == 1
    assert checker.tags.count("body") == 1
    assert "<title>Q2 feedback</title>" in html


def test_report_contains_every_label_and_header_facts(themes, weekly):
    html = render_report(make_run(), themes, weekly)
    for t in themes:
        assert t.label in html
    assert "#7" in html
    assert "paraphrase-multilingual-MiniLM-L12-v2" in html
    assert "2024-06-30 10:05:12" in html
    assert "1,000" in html
    assert "12.5%" in html  # 125 unassigned of 1000
    assert "sv&nbsp;40 · en&nbsp;30 · no&nbsp;22 · da&nbsp;12" in html
    assert "Quote two of theme 3" in html
    assert "<details>" in html


def test_report_has_no_external_resources(themes, weekly):
    html = render_report(make_run(), themes, weekly)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "<link" not in html
    assert "@import" not in html
    assert "url(" not in html
    assert html.count("<script>") == 1  # the inline sort/filter script, nothing else


def test_hostile_text_is_escaped():
    evil = make_theme(
        1,
        label=HOSTILE,
        quotes=(HOSTILE, "a & b \"quoted\" 'single'"),
        keywords=(HOSTILE,),
        languages={HOSTILE: 3},
        channels={"<b>chat</b>": 3},
    )
    html = render_report(make_run(model_id=HOSTILE), [evil], {1: {"2024-01-01": 3}}, title=HOSTILE)
    assert HOSTILE not in html
    assert "<b>chat</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert html.count("<script>") == 1
    parse(html)


def test_zero_themes_renders_a_clear_message():
    html = render_report(make_run(n_themes=0, n_unassigned=1000), [], {})
    parse(html)
    assert "No themes in this run" in html
    assert "<svg" not in html
    assert "100.0%" in html


def test_missing_run_counts_do_not_break_the_header():
    html = render_report(make_run(n_feedback=None, n_unassigned=None, finished_at=None), [], {})
    parse(html)
    assert "No themes in this run" in html


def test_map_has_one_circle_per_theme_with_coordinates(themes, weekly):
    themes = [*themes, make_theme(11, x=None, y=None), make_theme(12, y=None)]
    html = render_report(make_run(), themes, weekly)
    svg = section(html, "map")
    assert svg.count('<circle class="theme"') == 10
    assert "Theme number 11" not in svg
    assert "Theme number 11" in html  # still listed in the table
    for t in themes[:10]:
        assert f"<title>{t.label}\n" in svg  # tooltip for every drawn theme


def test_map_labels_only_the_largest_themes():
    many = [make_theme(i, size=200 - i) for i in range(1, 31)]
    svg = section(render_report(make_run(), many, {}), "map")
    assert 1 <= svg.count("<text") <= MAP_LABELS  # overlapping labels are left out
    assert ">Theme number 1<" in svg
    assert ">Theme number 30<" not in svg


def test_map_with_all_coordinates_none():
    themes = [make_theme(i, x=None, y=None) for i in range(1, 4)]
    html = render_report(make_run(), themes, {})
    parse(html)
    assert '<svg class="map"' not in html
    assert "No map coordinates" in html


@pytest.mark.parametrize("n", [1, 3])
def test_identical_coordinates_land_inside_the_viewport(n):
    themes = [make_theme(i, x=2.5, y=-1.0) for i in range(1, n + 1)]
    svg = section(render_report(make_run(), themes, {}), "map")
    width, height = map(float, re.search(r'viewBox="0 0 (\S+) (\S+)"', svg).groups())
    centres = re.findall(r'<circle class="theme" cx="([^"]+)" cy="([^"]+)"', svg)
    assert len(centres) == n
    for cx, cy in centres:
        assert (float(cx), float(cy)) == (width / 2, height / 2)


def test_map_coordinates_are_scaled_into_the_viewport():
    themes = [make_theme(1, x=-1e6, y=5e5), make_theme(2, x=3e6, y=-2e6), make_theme(3, x=0, y=0)]
    svg = section(render_report(make_run(), themes, {}), "map")
    width, height = map(float, re.search(r'viewBox="0 0 (\S+) (\S+)"', svg).groups())
    for cx, cy, r in re.findall(r'cx="([^"]+)" cy="([^"]+)" r="([^"]+)"', svg):
        assert float(cx) - float(r) >= 0 and float(cx) + float(r) <= width
        assert float(cy) - float(r) >= 0 and float(cy) + float(r) <= height


def test_trend_has_one_series_per_top_theme(themes, weekly):
    html = render_report(make_run(), themes, weekly)
    svg = section(html, "trend")
    assert svg.count('<g class="series"') == TREND_SERIES
    assert svg.count("<polyline") == TREND_SERIES
    # the largest themes (lowest ids here) are drawn, the smallest are not
    assert "Theme number 1<" in svg
    assert "Theme number 10<" not in svg
    assert "2024-01-01" in svg  # week labels on the x axis
    assert "week of 2024-06-24: " in svg  # tooltips, up to the last week


def test_trend_with_few_themes_and_gaps():
    themes = [make_theme(1), make_theme(2)]
    weekly = {1: {"2024-01-01": 5, "2024-01-22": 2}, 2: {}}
    svg = section(render_report(make_run(), themes, weekly), "trend")
    assert svg.count('<g class="series"') == 2
    # the missing weeks in between are filled with zeros: 4 points per series
    assert svg.count("week of 2024-01-15: 0") == 2


def test_trend_with_one_week():
    svg = section(render_report(make_run(), [make_theme(1)], {1: {"2024-01-01": 4}}), "trend")
    assert svg.count('<g class="series"') == 1


def test_empty_weekly_data(themes):
    html = render_report(make_run(), themes, {})
    parse(html)
    assert '<svg class="trend"' not in html
    assert "No weekly data" in html


def test_bad_week_key_is_a_validation_error(themes):
    with pytest.raises(ValidationError, match="last week"):
        render_report(make_run(), themes, {1: {"last week": 3}})


def test_numeric_columns_sort_by_raw_numbers():
    html = render_report(make_run(), [make_theme(1, size=12345, share=0.5)], {})
    assert '<td class="num" data-sort="12345">12,345</td>' in html
    assert 'data-sort="0.500000">50.0%</td>' in html


def test_sentiment_none_is_blank_and_grey():
    html = render_report(make_run(), [make_theme(1, sentiment=None)], {})
    assert 'data-sort=""' in html
    assert 'fill="rgb(204,204,204)"' in section(html, "map")
