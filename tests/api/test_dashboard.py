"""The routes the dashboard reads and writes: facets, changes, compare, related,
history, charts, exports, curation; and the app's own page and assets."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import READ, WRITE, Built

pytest.importorskip("plotly")


def get(client: TestClient, url: str, **params: object) -> dict:
    response = client.get(url, headers=READ, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_facets_list_filter_values_and_dates(client: TestClient) -> None:
    facets = get(client, "/facets")
    assert facets["channels"] == ["other", "review", "social", "survey", "ticket"]
    assert facets["segments"] == ["gold", "silver"]
    assert facets["first_day"] == "2024-01-01" and facets["kinds"][0] == "pain_point"


def test_new_filters_recompute_sizes(client: TestClient, built: Built) -> None:
    whole = {t["id"]: t for t in get(client, "/themes", sort="size")["items"]}
    text = get(client, "/themes", text="PARCEL")["items"]
    assert [t["id"] for t in text] == [built.theme_ids["delivery"]]
    assert 0 < text[0]["size"] <= whole[text[0]["id"]]["size"]
    assert get(client, "/themes", store="nowhere")["total"] == 0
    assert get(client, "/themes", member="true")["total"] == 0  # no member in this store
    bad = client.get("/themes", headers=READ, params={"meta": "no-colon"})
    assert bad.status_code == 422 and "field:value" in bad.text


def test_summary_honours_filters(client: TestClient, built: Built) -> None:
    gold = get(client, "/summary", segment="gold")
    whole = get(client, "/summary")
    assert gold["n_feedback"] < whole["n_feedback"]
    assert sum(t["size"] for t in gold["top_themes"]) == gold["n_assigned"]


def test_compare_two_periods_finds_the_shift(client: TestClient, built: Built) -> None:
    # delivery feedback is dated first (days 0-39), staff and app later
    body = get(
        client,
        "/compare",
        since="2024-01-01",
        until="2024-02-09",
        b_since="2024-02-10",
        b_until="2024-12-31",
    )
    by_id = {c["theme_id"]: c for c in body["items"]}
    delivery = by_id[built.theme_ids["delivery"]]
    assert delivery["share_a"] == 1.0 and delivery["share_b"] == 0.0
    assert delivery["significant"] and delivery["direction"] == "down"
    assert body["a"] == {"since": "2024-01-01", "until": "2024-02-09"}
    assert body["b"]["since"] == "2024-02-10"


def test_changes_compare_the_period_with_the_one_before(client: TestClient) -> None:
    body = get(client, "/changes", since="2024-02-10", until="2024-03-20")
    assert body["b"] == {"since": "2024-02-10", "until": "2024-03-20"}
    assert body["a"] == {"since": "2024-01-01", "until": "2024-02-09"}
    assert {c["direction"] for c in body["items"]} <= {"up", "down", "same"}


def test_related_and_history(client: TestClient, built: Built) -> None:
    theme = built.theme_ids["delivery"]
    related = get(client, f"/themes/{theme}/related")
    assert len(related["items"]) == 2 and len(related["similarity"]) == 2
    history = get(client, f"/themes/{theme}/history")
    assert history["theme_id"] == theme and history["curation"] == []


@pytest.mark.parametrize("name", ["impact", "map", "trends", "theme_trend", "sentiment", "mix"])
def test_charts_are_plotly_figures(client: TestClient, built: Built, name: str) -> None:
    fig = get(client, f"/charts/{name}", theme=built.theme_ids["staff"], interval="month")
    assert set(fig) == {"data", "layout"}


def test_theme_chart_without_theme_is_422(client: TestClient) -> None:
    assert client.get("/charts/theme_trend", headers=READ).status_code == 422
    assert client.get("/charts/nope", headers=READ).status_code == 422


def test_export_tables(client: TestClient, built: Built) -> None:
    response = client.get("/export/feedback", headers=READ, params={"segment": "gold"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and {r["segment"] for r in rows} == {"gold"}
    assert rows[0]["week"] and rows[0]["month"].endswith("-01")
    themes = list(csv.DictReader(io.StringIO(client.get("/export/themes", headers=READ).text)))
    assert {int(r["theme_id"]) for r in themes} == set(built.theme_ids.values())
    trends = list(
        csv.DictReader(io.StringIO(client.get("/export/trends?interval=month", headers=READ).text))
    )
    periods = sorted({r["period"] for r in trends})
    # zero-filled: every theme has a row for every month from the first to the last
    assert len(trends) == len(periods) * len(built.theme_ids)
    assert any(r["count"] == "0" for r in trends)


def test_curation_needs_a_write_key_and_shows_everywhere(client: TestClient, built: Built) -> None:
    delivery, staff = built.theme_ids["delivery"], built.theme_ids["staff"]
    refused = client.post(f"/themes/{delivery}/rename", headers=READ, json={"label": "x"})
    assert refused.status_code == 403
    ok = client.post(f"/themes/{delivery}/rename", headers=WRITE, json={"label": "Late parcels"})
    assert ok.json() == {
        "theme_id": delivery,
        "label": "Late parcels",
        "merged_into": None,
        "hidden": False,
    }
    assert client.post(f"/themes/{staff}/merge", headers=WRITE, json={"into": delivery}).is_success
    listed = {t["id"]: t for t in get(client, "/themes")["items"]}
    assert staff not in listed and listed[delivery]["label"] == "Late parcels"
    assert listed[delivery]["size"] == built.sizes["delivery"] + built.sizes["staff"]
    feedback = get(client, f"/themes/{delivery}/feedback", limit=100)
    assert feedback["total"] == listed[delivery]["size"]
    cycle = client.post(f"/themes/{delivery}/merge", headers=WRITE, json={"into": staff})
    assert cycle.status_code == 422 and "cycle" in cycle.text
    app_theme = built.theme_ids["app"]
    assert client.post(f"/themes/{app_theme}/hide", headers=WRITE, json={}).is_success
    assert get(client, "/themes")["total"] == 1
    log = get(client, "/curation")["items"]
    assert [c["action"] for c in log] == ["rename", "merge", "hide"]
    assert "Late parcels" in client.get("/summary", headers=READ).text


def test_dashboard_page_and_assets_need_no_key(client: TestClient) -> None:
    page = client.get("/app")
    assert page.status_code == 200 and 'src="/app/static/plotly.min.js"' in page.text
    assert "http" not in page.text.replace("http-equiv", "")  # nothing from another host
    assert client.get("/app/static/app.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/app/static/app.css").status_code == 200
    assert client.get("/app/static/plotly.min.js").text.startswith("/**")
    assert client.get("/app/static/other.js").status_code == 404
    assert client.get("/", follow_redirects=False).headers["location"] == "/app"
