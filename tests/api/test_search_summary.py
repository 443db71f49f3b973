"""/search and /summary (JSON and CSV)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fastapi.testclient import TestClient

from tests.api.conftest import READ, WRITE, Built, ClientFactory
from textinsight.store import Store


def test_search_finds_similar_feedback_with_its_theme(client: TestClient, built: Built) -> None:
    r = client.get("/search", headers=READ, params={"q": "courier parcel late", "k": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["run_id"] == built.run_id and body["model_id"] == "hashing-256"
    assert body["query"] == "courier parcel late" and len(body["items"]) == 5
    scores = [h["score"] for h in body["items"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0.3
    assert {h["feedback"]["theme_id"] for h in body["items"]} == {built.theme_ids["delivery"]}
    assert body["items"][0]["feedback"]["theme_label"].startswith("delivery")


def test_search_returns_unassigned_hits_too_and_caps_k(client: TestClient) -> None:
    body = client.get("/search", headers=READ, params={"q": "sunny weather", "k": 500}).json()
    assert len(body["items"]) == 35
    assert body["items"][0]["feedback"]["theme_id"] is None


def test_search_sees_feedback_posted_after_the_index_was_loaded(client: TestClient) -> None:
    params = {"q": "zebra crossing painted", "k": 1}
    before = client.get("/search", headers=READ, params=params).json()["items"][0]
    client.post(
        "/feedback", headers=WRITE, json=[{"text": "zebra crossing painted", "source_id": "z1"}]
    )
    after = client.get("/search", headers=READ, params=params).json()["items"][0]
    assert before["feedback"]["source_id"] != "z1"
    assert after["feedback"]["source_id"] == "z1" and after["score"] > 0.99


def test_search_parameters_are_validated(client: TestClient) -> None:
    for params in [{}, {"q": ""}, {"q": "x", "k": 0}, {"q": "x", "k": 501}, {"q": "   "}]:
        r = client.get("/search", headers=READ, params=params)
        assert r.status_code == 422, params


def test_search_with_a_model_the_server_cannot_load_is_503(
    make_client: ClientFactory, db_path: Path
) -> None:
    with Store(db_path) as store, store.db.atomic():
        store.db.execute("UPDATE runs SET model_id = 'some/unknown-model'")
    client = make_client()
    r = client.get("/search", headers=READ, params={"q": "late"})
    assert r.status_code == 503 and "some/unknown-model" in r.json()["detail"]
    r = client.post("/feedback", headers=WRITE, json=[{"text": "late"}])
    assert r.status_code == 503


def test_summary_json(client: TestClient, built: Built) -> None:
    body = client.get("/summary", headers=READ).json()
    assert body["run_id"] == built.run_id and body["n_themes"] == 3
    assert body["n_feedback"] == built.n_feedback and body["n_unassigned"] == 3
    assert body["n_assigned"] == built.n_feedback - 3
    assert abs(body["unassigned_share"] - 3 / built.n_feedback) < 1e-9
    assert body["ranked_by"] == "size"
    top = body["top_themes"]
    assert [t["rank"] for t in top] == [1, 2, 3] and [t["size"] for t in top] == [14, 10, 8]
    assert len(top[0]["keywords"]) == 5 and top[0]["sentiment"] < 0
    assert len(client.get("/summary?top=1", headers=READ).json()["top_themes"]) == 1


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_summary_csv_by_format_or_accept_header(client: TestClient, built: Built) -> None:
    by_param = client.get("/summary?format=csv", headers=READ)
    by_accept = client.get("/summary", headers={**READ, "Accept": "text/csv"})
    for r in (by_param, by_accept):
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/csv")
        assert "summary-run-" in r.headers["content-disposition"]
    assert by_param.text == by_accept.text
    rows = read_csv(by_param.text)
    assert [int(r["theme_id"]) for r in rows] == [
        built.theme_ids[n] for n in ("delivery", "staff", "app")
    ]
    assert (
        rows[0]["rank"] == "1"
        and rows[0]["size"] == "14"
        and rows[0]["kind"] == ""
        and rows[0]["impact"] == ""
    )
    assert rows[0]["keywords"].startswith("parcel; delivery")
    # an explicit format wins over the Accept header
    r = client.get("/summary?format=json", headers={**READ, "Accept": "text/csv"})
    assert r.headers["content-type"].startswith("application/json")
    assert client.get("/summary?format=xml", headers=READ).status_code == 422
