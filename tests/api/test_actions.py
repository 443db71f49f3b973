"""``/actions``: write key to log, read key to list and measure; a theme's detail lists
its actions."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import READ, WRITE, Built


def test_log_list_and_measure_an_action(client: TestClient, built: Built) -> None:
    theme = built.theme_ids["delivery"]
    body = {"theme_id": theme, "date": "2024-02-01", "note": "New courier", "channels": ["review"]}
    assert client.post("/actions", json=body, headers=READ).status_code == 403
    created = client.post("/actions", json=body, headers=WRITE)
    assert created.status_code == 200, created.text
    action = created.json()
    assert action["id"] == 1 and action["channels"] == ["review"] and action["run_id"] == 1

    listed = client.get("/actions", headers=READ).json()
    assert listed["total"] == 1 and listed["items"][0]["note"] == "New courier"

    report = client.get("/actions/1", headers=READ).json()
    assert report["theme_ids"] == [theme]
    outcomes = {o["outcome"]: o for o in report["effect"]["outcomes"]}
    assert set(outcomes) == {"volume_share", "sentiment", "churn", "repurchase"}
    assert outcomes["volume_share"]["status"] in {"measured", "too_few", "too_early"}
    assert outcomes["repurchase"]["status"] == "no_data"  # no purchases in this store

    detail = client.get(f"/themes/{theme}", headers=READ).json()
    assert [a["action"]["id"] for a in detail["actions"]] == [1]
    chart = client.get("/charts/theme_trend", params={"theme": theme}, headers=READ).json()
    assert [m["x0"] for m in chart["layout"]["shapes"]] == ["2024-02-01"]  # the marker
    assert chart["layout"]["annotations"][0]["text"] == "action 1"
    other = client.get(f"/themes/{built.theme_ids['app']}", headers=READ).json()
    assert other["actions"] == []


def test_action_errors_say_what_to_fix(client: TestClient, built: Built) -> None:
    theme = built.theme_ids["delivery"]
    assert client.get("/actions/99", headers=READ).status_code == 404
    missing = client.post("/actions", json={"theme_id": 999, "date": "2024-02-01"}, headers=WRITE)
    assert missing.status_code == 404
    store = {"theme_id": theme, "date": "2024-02-01", "stores": ["nowhere"]}
    bad = client.post("/actions", json=store, headers=WRITE)
    assert bad.status_code == 422 and "nowhere" in bad.text
    bad_date = client.post(
        "/actions", json={"theme_id": theme, "date": "2024-13-01"}, headers=WRITE
    )
    assert bad_date.status_code == 422


def test_an_action_names_a_theme_or_a_category(client: TestClient, built: Built) -> None:
    theme = built.theme_ids["delivery"]
    both = {"theme_id": theme, "category_id": 5, "date": "2024-02-01"}
    assert client.post("/actions", json=both, headers=WRITE).status_code == 422
    neither = client.post("/actions", json={"date": "2024-02-01"}, headers=WRITE)
    assert neither.status_code == 422 and "either a theme or a category" in neither.text
    missing = {"category_id": 999, "date": "2024-02-01"}
    absent = client.post("/actions", json=missing, headers=WRITE)
    assert absent.status_code == 404 and "No category 999" in absent.text
    logged = client.post("/actions", json={"theme_id": theme, "date": "2024-02-01"}, headers=WRITE)
    assert logged.json()["level"] == "theme"
