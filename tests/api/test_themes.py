"""/themes: list, filters, sort, pagination, one theme, its feedback and trend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.schemas import ThemeOut
from tests.api.conftest import READ, Built, ClientFactory, build_store
from tests.conftest import make_theme
from textinsight.records import ThemeValue, theme_json
from textinsight.store import Store


def get(client: TestClient, url: str, **params: object) -> dict:
    r = client.get(url, headers=READ, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_items_carry_every_field_of_the_cli_json() -> None:
    theme = make_theme(value=ThemeValue(feedback_count=1, customers=1))
    missing = set(theme_json(theme)) - set(ThemeOut.model_fields)
    assert not missing, f"add {missing} to api.schemas.ThemeOut"


def test_list_defaults_to_impact_falling_back_to_size(client: TestClient, built: Built) -> None:
    page = get(client, "/themes")
    assert page["total"] == 3 and page["run_id"] == built.run_id
    assert page["sort_requested"] == "impact" and page["sort"] == "size"
    assert [t["size"] for t in page["items"]] == [14, 10, 8]
    first = page["items"][0]
    assert first["id"] == built.theme_ids["delivery"]
    assert first["keywords"][:2] == ["parcel", "delivery"] and len(first["quotes"]) == 3
    assert sum(first["languages"].values()) == first["size"]
    assert first["kind"] is None and first["impact"] is None and first["matching"] is None


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("size", ["delivery", "staff", "app"]),
        ("sentiment", ["delivery", "staff", "app"]),
        ("churn_lift", ["delivery", "staff", "app"]),
    ],
)
def test_sort_keys(client: TestClient, built: Built, sort: str, order: list[str]) -> None:
    page = get(client, "/themes", sort=sort)
    assert [t["id"] for t in page["items"]] == [built.theme_ids[n] for n in order]
    assert page["sort"] == ("size" if sort == "churn_lift" else sort)


def test_sentiment_sort_puts_most_negative_first(client: TestClient) -> None:
    values = [t["sentiment"] for t in get(client, "/themes", sort="sentiment")["items"]]
    assert values == sorted(values)


def test_pagination(client: TestClient, built: Built) -> None:
    first = get(client, "/themes", limit=2)
    rest = get(client, "/themes", limit=2, offset=2)
    assert first["total"] == rest["total"] == 3
    assert len(first["items"]) == 2 and len(rest["items"]) == 1
    assert get(client, "/themes", offset=10)["items"] == []


def test_channel_and_language_filters_report_matching_counts(
    client: TestClient, built: Built
) -> None:
    page = get(client, "/themes", channel="review")
    assert page["total"] == 3
    assert all(t["matching"] == t["channels"].get("review", 0) for t in page["items"])
    page = get(client, "/themes", language="sv", channel="review")
    assert all(t["matching"] >= 1 for t in page["items"])
    assert get(client, "/themes", language="fi")["total"] == 0


def test_period_filter(client: TestClient, built: Built) -> None:
    # feedback i is dated 2024-01-01 + 3*i days: the first 14 (delivery) end on 2024-02-09
    page = get(client, "/themes", since="2024-01-01", until="2024-02-09")
    assert [t["id"] for t in page["items"]] == [built.theme_ids["delivery"]]
    assert page["items"][0]["matching"] == 14
    page = get(client, "/themes", since="2024-03-01")
    assert {t["id"] for t in page["items"]} == {built.theme_ids["staff"], built.theme_ids["app"]}


def test_segment_filter_uses_customer_segments(client: TestClient, built: Built) -> None:
    whole = {t["id"]: t["size"] for t in get(client, "/themes")["items"]}
    gold = get(client, "/themes", segment="gold", sort="size")
    silver = get(client, "/themes", segment="silver", sort="size")
    by_id = {s["id"]: s for s in silver["items"]}
    for g in gold["items"]:
        s = by_id[g["id"]]
        # filters recompute size: the two segments' sizes add up to the whole theme
        assert g["matching"] == g["size"] and g["size"] + s["size"] == whole[g["id"]]
    assert get(client, "/themes", segment="platinum")["total"] == 0


def test_min_size_and_text_query(client: TestClient, built: Built) -> None:
    assert [t["size"] for t in get(client, "/themes", min_size=10)["items"]] == [14, 10]
    assert [t["id"] for t in get(client, "/themes", q="CASHIER")["items"]] == [
        built.theme_ids["staff"]
    ]
    assert [t["id"] for t in get(client, "/themes", q="app /")["items"]] == [built.theme_ids["app"]]
    assert get(client, "/themes", q="zzz")["total"] == 0


def test_kind_filter_is_accepted_and_reported_as_ignored_without_value_metrics(
    client: TestClient,
) -> None:
    page = get(client, "/themes", kind="pain_point")
    assert page["total"] == 3 and page["ignored_filters"] == ["kind"]


VALUES = {
    "delivery": ThemeValue(
        feedback_count=14,
        customers=6,
        kind="pain_point",
        impact=2.0,
        churn_lift=1.5,
        churn_lift_ci=(1.1, 2.0),
        revenue_at_risk=120.0,
    ),
    "staff": ThemeValue(
        feedback_count=10,
        customers=5,
        kind="pain_point",
        significant=True,
        impact=5.0,
        churn_lift=2.5,
        revenue_at_risk=300.0,
    ),
    "app": ThemeValue(feedback_count=8, customers=4, kind="loyalty_driver", impact=1.0),
}


def test_value_metrics_drive_sort_filter_and_summary(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    db = tmp_path / "valued.db"
    built = build_store(db, values=VALUES)
    client = make_client(db=db)
    page = get(client, "/themes")
    assert page["sort"] == "impact" and page["ignored_filters"] == []
    order = [built.theme_ids[n] for n in ("staff", "delivery", "app")]
    assert [t["id"] for t in page["items"]] == order
    staff = page["items"][0]
    assert staff["kind"] == "pain_point" and staff["churn_lift"] == 2.5 and staff["significant"]
    assert page["items"][1]["churn_lift_ci"] == [1.1, 2.0]
    lift = get(client, "/themes", sort="churn_lift")
    assert lift["sort"] == "churn_lift" and lift["items"][-1]["churn_lift"] is None
    drivers = get(client, "/themes", kind="loyalty_driver")
    assert [t["id"] for t in drivers["items"]] == [built.theme_ids["app"]]
    assert drivers["ignored_filters"] == []
    detail = get(client, f"/themes/{built.theme_ids['staff']}")
    assert detail["impact"] == 5.0 and detail["revenue_at_risk"] == 300.0
    summary = get(client, "/summary")
    assert summary["ranked_by"] == "impact"
    assert [t["id"] for t in summary["top_themes"]] == order
    assert summary["top_themes"][0]["kind"] == "pain_point"
    rows = client.get("/summary?format=csv", headers=READ).text.splitlines()
    assert rows[0].endswith("sentiment,kind,impact,churn_lift,revenue_at_risk,keywords")
    assert ",pain_point,5.0,2.5,300.0," in rows[1]


def test_bad_list_parameters_are_422(client: TestClient) -> None:
    for params in [
        {"limit": 501},
        {"limit": 0},
        {"offset": -1},
        {"sort": "loudness"},
        {"since": "yesterday"},
        {"until": "2024-13-01"},
        {"min_size": -1},
        {"channel": "pigeon"},
        {"since": "2024-05-02", "until": "2024-05-01"},
        {"q": "x" * 201},
    ]:
        r = client.get("/themes", headers=READ, params=params)
        assert r.status_code == 422, params
        issue = r.json()["detail"][0]
        assert issue["loc"][0] == "query" and issue["msg"], params
    r = client.get("/themes", headers=READ, params={"channel": "pigeon"})
    assert "allowed: ticket" in r.json()["detail"][0]["msg"]


def test_one_theme_with_counts_and_weekly_trend(client: TestClient, built: Built) -> None:
    theme = get(client, f"/themes/{built.theme_ids['delivery']}")
    assert theme["label"].startswith("delivery") and theme["size"] == 14
    assert theme["assigned"]["total"] == 14
    assert theme["assigned"]["channels"] == theme["channels"]
    assert sum(theme["assigned"]["languages"].values()) == 14
    weeks = theme["trend"]
    assert sum(p["count"] for p in weeks) == 14
    assert weeks[0]["period"] == "2024-01-01"  # a Monday
    assert [p["period"] for p in weeks] == sorted(p["period"] for p in weeks)


def test_unknown_theme_is_404_with_a_message(client: TestClient, built: Built) -> None:
    for url in ["/themes/777", "/themes/777/feedback", "/themes/777/trend"]:
        r = client.get(url, headers=READ)
        assert r.status_code == 404 and "No theme 777 in run" in r.json()["detail"]
    for url in ["/themes/0", "/themes/x", "/themes/123456789012345678901234"]:
        assert client.get(url, headers=READ).status_code == 422


def test_theme_feedback_paginated_and_filtered(client: TestClient, built: Built) -> None:
    url = f"/themes/{built.theme_ids['delivery']}/feedback"
    page = get(client, url, limit=5)
    assert page["total"] == 14 and len(page["items"]) == 5
    probabilities = [f["probability"] for f in page["items"]]
    assert probabilities == sorted(probabilities, reverse=True)
    ids = {f["id"] for f in page["items"]}
    rest = get(client, url, limit=500, offset=5)
    assert len(rest["items"]) == 9 and not ids & {f["id"] for f in rest["items"]}
    item = page["items"][0]
    assert item["theme_id"] == built.theme_ids["delivery"] and item["theme_label"]
    reviews = get(client, url, channel="review")
    assert reviews["total"] == 4 and all(f["channel"] == "review" for f in reviews["items"])
    swedish = get(client, url, language="SV")
    assert swedish["total"] > 0 and all(f["language"] == "sv" for f in swedish["items"])
    january = get(client, url, until="2024-01-31")
    assert all(f["created_at"] <= "2024-01-31" for f in january["items"])
    assert 0 < january["total"] < 14


@pytest.mark.parametrize("interval", ["day", "week", "month"])
def test_trend_intervals(client: TestClient, built: Built, interval: str) -> None:
    body = get(client, f"/themes/{built.theme_ids['delivery']}/trend", interval=interval)
    assert body["interval"] == interval and body["theme_id"] == built.theme_ids["delivery"]
    points = body["points"]
    assert sum(p["count"] for p in points) == 14
    assert all(-1 <= p["sentiment"] <= 1 for p in points)
    if interval == "month":
        assert [p["period"] for p in points] == ["2024-01-01", "2024-02-01"]
    if interval == "day":
        assert len(points) == 14


def test_trend_filters_and_bad_interval(client: TestClient, built: Built) -> None:
    url = f"/themes/{built.theme_ids['delivery']}/trend"
    reviews = get(client, url, channel="review", interval="month")
    assert sum(p["count"] for p in reviews["points"]) == 4
    r = client.get(url, headers=READ, params={"interval": "year"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "interval"]


def test_an_older_complete_run_is_readable_with_run_param(
    client: TestClient, built: Built, db_path: Path
) -> None:
    with Store(db_path) as store:
        newer = store.runs.start(seed=1, model_id="hashing-256", params={})
        store.runs.complete(
            newer,
            themes=[],
            centroids=np.zeros((0, 256)),
            assignments=[],
            params={},
            timings={},
            n_embedded=0,
        )
    assert get(client, "/themes")["total"] == 0
    assert get(client, "/themes", run=built.run_id)["total"] == 3
    assert get(client, f"/themes/{built.theme_ids['app']}", run=built.run_id)["size"] == 8
    r = client.get(f"/themes/{built.theme_ids['app']}", headers=READ)
    assert r.status_code == 404
