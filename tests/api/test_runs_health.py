"""/health and /runs."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.api.conftest import READ, RUN_GETS, Built, ClientFactory
from textinsight.store import Store


def test_health_reports_store_run_and_model(client: TestClient, built: Built) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["store_reachable"] is True
    assert body["current_run_id"] == built.run_id
    assert body["model_id"] == "hashing-256"
    assert body["configured_model"] == "hashing"


def test_health_without_a_run(make_client: ClientFactory, tmp_path: Path) -> None:
    body = make_client(db=tmp_path / "empty.db").get("/health").json()
    assert body["status"] == "ok" and body["current_run_id"] is None and body["model_id"] is None


def test_health_when_the_store_cannot_be_opened(make_client: ClientFactory, tmp_path: Path) -> None:
    not_a_db = tmp_path / "not.db"
    not_a_db.write_bytes(b"this is not an SQLite file" * 100)
    client = make_client(db=not_a_db)
    r = client.get("/health")
    assert r.status_code == 503
    assert r.json()["store_reachable"] is False and r.json()["status"] == "unavailable"
    r = client.get("/themes", headers=READ)
    assert r.status_code == 503 and "TEXTINSIGHT_DB" in r.json()["detail"]


def test_runs_list_and_one_run(client: TestClient, built: Built) -> None:
    page = client.get("/runs", headers=READ).json()
    assert page["total"] == 1 and page["limit"] == 50 and page["offset"] == 0
    run = page["items"][0]
    assert run["id"] == built.run_id and run["status"] == "complete" and run["is_current"]
    assert run["n_feedback"] == built.n_feedback and run["n_unassigned"] == built.n_unassigned
    assert run["params"]["clusterer"]["assign_threshold"] == 0.45
    assert run["timings"] == {"embed_s": 0.1}
    assert client.get(f"/runs/{built.run_id}", headers=READ).json() == run


def test_runs_pagination_counts_failed_and_running_runs(
    client: TestClient, db_path: Path, built: Built
) -> None:
    with Store(db_path) as store:
        failed = store.runs.start(seed=1, model_id="hashing-256", params={})
        store.runs.fail(failed, "RuntimeError: boom")
        running = store.runs.start(seed=2, model_id="hashing-256", params={})
    page = client.get("/runs?limit=2&offset=0", headers=READ).json()
    assert page["total"] == 3 and [r["id"] for r in page["items"]] == [running, failed]
    rest = client.get("/runs?limit=2&offset=2", headers=READ).json()
    assert [r["id"] for r in rest["items"]] == [built.run_id]
    one = client.get(f"/runs/{failed}", headers=READ).json()
    assert one["status"] == "failed" and one["error"] == "RuntimeError: boom"
    # the API only reads complete runs
    r = client.get(f"/themes?run={running}", headers=READ)
    assert r.status_code == 404 and "not complete" in r.json()["detail"]


def test_unknown_run_is_404_with_a_message(client: TestClient) -> None:
    r = client.get("/runs/999", headers=READ)
    assert r.status_code == 404 and "No run with id 999" in r.json()["detail"]
    assert client.get("/themes?run=999", headers=READ).status_code == 404


def test_run_ids_out_of_range_are_422(client: TestClient) -> None:
    for url in [
        "/runs/0",
        "/runs/99999999999999999999",
        "/runs/abc",
        "/runs?limit=501",
        "/runs?limit=0",
        "/runs?offset=-1",
    ]:
        r = client.get(url, headers=READ)
        assert r.status_code == 422, url
        assert r.json()["detail"][0]["msg"]


def test_no_run_yet_is_409_everywhere(make_client: ClientFactory, tmp_path: Path) -> None:
    client = make_client(db=tmp_path / "empty.db")
    for url in RUN_GETS:
        r = client.get(url, headers=READ)
        assert r.status_code == 409, url
        assert "textinsight run" in r.json()["detail"]
    assert client.get("/runs", headers=READ).json() == {
        "total": 0,
        "limit": 50,
        "offset": 0,
        "items": [],
    }
