"""POST /feedback: validation, redaction, assignment, idempotency, no-run, limits."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.api.conftest import READ, WRITE, Built, ClientFactory
from textinsight.store import Store

LATE = "courier parcel late tracking delayed shipping"


def post(client: TestClient, batch: list[dict]) -> dict:
    r = client.post("/feedback", headers=WRITE, json=batch)
    assert r.status_code == 200, r.text
    return r.json()


def test_assigns_to_the_nearest_theme_or_leaves_unassigned(
    client: TestClient, built: Built, db_path: Path
) -> None:
    body = post(
        client,
        [
            {
                "text": LATE,
                "channel": "review",
                "source_id": "r-1",
                "created_at": "2024-06-03",
                "customer_id": 17,
                "rating": 1,
                "language": "sv-SE",
                "metadata": {"order": "A1"},
            },
            {"text": "banana smoothie recipe with oat milk"},
        ],
    )
    assert body["run_id"] == built.run_id and body["received"] == 2
    assert body["assigned"] == 1 and body["unassigned"] == 1
    first, second = body["items"]
    assert first["index"] == 0 and first["source_id"] == "r-1" and first["channel"] == "review"
    assert first["theme_id"] == built.theme_ids["delivery"]
    assert first["theme_label"].startswith("delivery") and first["similarity"] > 0.45
    assert second["theme_id"] is None and second["theme_label"] is None
    assert second["channel"] == "other" and second["source_id"].startswith("h:")
    with Store(db_path) as store:
        (row,) = store.feedback.by_keys([("review", "r-1")])
        assert row.language == "sv" and row.customer_id == "17" and row.rating == 1
    # the new item shows up in the theme's feedback, trend and summary
    page = client.get(f"/themes/{built.theme_ids['delivery']}/feedback?limit=500", headers=READ)
    assert page.json()["total"] == 15
    summary = client.get("/summary", headers=READ).json()
    assert summary["n_feedback"] == built.n_feedback + 2
    assert summary["n_unassigned"] == built.n_unassigned + 1


def test_idempotent_on_channel_and_source_id(client: TestClient, db_path: Path) -> None:
    batch = [{"text": LATE, "channel": "ticket", "source_id": "t-9"}]
    first = post(client, batch)
    again = post(client, batch)
    assert first["items"] == again["items"]
    with Store(db_path) as store:
        n = store.feedback.count()
    changed = post(
        client, [{"text": "rude cashier ignored me", "channel": "ticket", "source_id": "t-9"}]
    )
    assert changed["items"][0]["feedback_id"] == first["items"][0]["feedback_id"]
    with Store(db_path) as store:
        assert store.feedback.count() == n


def test_pii_is_redacted_before_storing(client: TestClient, db_path: Path) -> None:
    post(
        client,
        [
            {
                "text": f"{LATE}, mail me at anna.svensson@example.com",
                "source_id": "p1",
                "channel": "email",
            }
        ],
    )
    with Store(db_path) as store:
        (row,) = store.feedback.by_keys([("email", "p1")])
    assert "anna.svensson@example.com" not in row.text


def test_language_is_detected_when_absent(client: TestClient, db_path: Path) -> None:
    post(
        client,
        [{"text": "Paketet kom alldeles för sent och ingen svarade i telefon", "source_id": "sv1"}],
    )
    with Store(db_path) as store:
        (row,) = store.feedback.by_keys([("other", "sv1")])
    assert row.language == "sv"


def test_invalid_items_are_422_naming_index_and_field_and_nothing_is_stored(
    client: TestClient, db_path: Path
) -> None:
    with Store(db_path) as store:
        before = store.feedback.count()
    r = client.post(
        "/feedback",
        headers=WRITE,
        json=[
            {"text": LATE, "source_id": "ok-1"},
            {"text": LATE, "rating": 9},
            {"text": "   "},
            {"text": LATE, "channel": "carrier-pigeon"},
            {"text": LATE, "created_at": "last tuesday"},
        ],
    )
    assert r.status_code == 422
    issues = {tuple(i["loc"]): i["msg"] for i in r.json()["detail"]}
    assert set(issues) == {
        ("body", 1, "rating"),
        ("body", 2, "text"),
        ("body", 3, "channel"),
        ("body", 4, "created_at"),
    }
    assert "1..5" in issues[("body", 1, "rating")]
    with Store(db_path) as store:
        assert store.feedback.count() == before


def test_schema_errors_are_422_naming_index_and_field(client: TestClient) -> None:
    cases = [
        ([{"source_id": "x"}], ["body", 0, "text"]),
        ([{"text": "a"}, {"text": 5}], ["body", 1, "text"]),
        ([{"text": "a", "ratng": 5}], ["body", 0, "ratng"]),
        ([{"text": "a", "metadata": [1]}], ["body", 0, "metadata"]),
        ({"text": "not a list"}, ["body"]),
    ]
    for body, loc in cases:
        r = client.post("/feedback", headers=WRITE, json=body)
        assert r.status_code == 422, body
        assert r.json()["detail"][0]["loc"] == loc, r.json()


def test_more_than_1000_items_is_422(make_client: ClientFactory) -> None:
    client = make_client(max_request_bytes=1_000_000)
    r = client.post("/feedback", headers=WRITE, json=[{"text": "x"}] * 1001)
    assert r.status_code == 422 and "1000" in r.json()["detail"][0]["msg"]


def test_malformed_json_is_422(client: TestClient) -> None:
    r = client.post(
        "/feedback", headers={**WRITE, "Content-Type": "application/json"}, content=b"[{not json"
    )
    assert r.status_code == 422


def test_empty_batch(client: TestClient, built: Built) -> None:
    assert post(client, []) == {
        "run_id": built.run_id,
        "received": 0,
        "assigned": 0,
        "unassigned": 0,
        "items": [],
    }


def test_without_a_run_it_is_409_and_nothing_is_stored(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    db = tmp_path / "empty.db"
    client = make_client(db=db)
    r = client.post("/feedback", headers=WRITE, json=[{"text": LATE}])
    assert r.status_code == 409 and "textinsight run" in r.json()["detail"]
    with Store(db) as store:
        assert store.feedback.count() == 0
