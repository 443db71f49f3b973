"""The response cache (api/cache.py): never stale, keyed by parameters, auth on hits."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.cache import Rendered, ResponseCache
from tests.api.conftest import READ, WRITE, Built, build_store
from textinsight.store import Store

LATE = "courier parcel late tracking delayed shipping"
CACHED_GETS = ["/themes", "/themes/{id}", "/themes/{id}/feedback", "/themes/{id}/trend", "/summary"]


def get(client: TestClient, url: str, **kwargs: object) -> dict:
    r = client.get(url, headers=READ, **kwargs)  # type: ignore[arg-type]
    assert r.status_code == 200, r.text
    return r.json()


def test_a_repeated_request_gets_the_same_bytes(client: TestClient, built: Built) -> None:
    theme = built.theme_ids["delivery"]
    for url in ("/themes", f"/themes/{theme}", f"/themes/{theme}/feedback", "/summary"):
        first = client.get(url, headers=READ)
        second = client.get(url, headers=READ)
        assert first.status_code == second.status_code == 200
        assert first.content == second.content
        assert second.headers["content-type"] == "application/json"


def test_post_feedback_changes_cached_answers(client: TestClient, built: Built) -> None:
    theme = built.theme_ids["delivery"]
    summary = get(client, "/summary")
    detail = get(client, f"/themes/{theme}")
    matching = get(client, "/themes", params={"channel": "review"})
    get(client, "/summary")  # now served from the cache
    posted = client.post(
        "/feedback", headers=WRITE, json=[{"text": LATE, "channel": "review", "source_id": "n-1"}]
    )
    assert posted.status_code == 200 and posted.json()["items"][0]["theme_id"] == theme
    after = get(client, "/summary")
    assert after["n_feedback"] == summary["n_feedback"] + 1
    assert after["n_assigned"] == summary["n_assigned"] + 1
    assert get(client, f"/themes/{theme}")["assigned"]["total"] == detail["assigned"]["total"] + 1
    counts = {t["id"]: t["matching"] for t in matching["items"]}
    now = {
        t["id"]: t["matching"]
        for t in get(client, "/themes", params={"channel": "review"})["items"]
    }
    assert now[theme] == counts[theme] + 1


def test_a_new_run_from_another_connection_changes_cached_answers(
    client: TestClient, built: Built, db_path: Path
) -> None:
    themes = get(client, "/themes")
    summary = get(client, "/summary")
    assert themes["run_id"] == summary["run_id"] == built.run_id
    new = build_store(db_path, seed=1)  # as the CLI would: its own connection
    assert new.run_id != built.run_id
    themes_after = get(client, "/themes")
    assert themes_after["run_id"] == get(client, "/summary")["run_id"] == new.run_id
    assert {t["id"] for t in themes_after["items"]} == set(new.theme_ids.values())
    # the old run is still readable by id, and its answer is its own
    assert get(client, "/themes", params={"run": built.run_id})["run_id"] == built.run_id


def test_any_commit_to_the_database_invalidates(
    client: TestClient, built: Built, db_path: Path
) -> None:
    before = get(client, f"/themes/{built.theme_ids['staff']}")
    with Store(db_path) as store:
        store.db.execute(
            "UPDATE themes SET label = 'renamed' WHERE run_id = ? AND theme_id = ?",
            [built.run_id, built.theme_ids["staff"]],
        )
        store.db.conn.commit()
    after = get(client, f"/themes/{built.theme_ids['staff']}")
    assert before["label"] != "renamed" and after["label"] == "renamed"


def test_different_parameters_get_different_answers(client: TestClient, built: Built) -> None:
    one = get(client, "/themes", params={"limit": 1})
    two = get(client, "/themes", params={"limit": 2})
    assert len(one["items"]) == 1 and len(two["items"]) == 2
    assert get(client, "/themes", params={"limit": 1, "offset": 1})["items"] == two["items"][1:]
    assert get(client, "/themes", params={"sort": "size"})["sort_requested"] == "size"
    assert get(client, "/themes")["sort_requested"] == "impact"
    languages = {get(client, "/themes", params={"language": c})["total"] for c in ("en", "xx")}
    assert len(languages) == 2
    # the same parameters spelled differently share an answer
    assert get(client, "/themes", params={"limit": "050"}) == get(client, "/themes")
    assert len(get(client, "/summary", params={"top": 1})["top_themes"]) == 1
    assert len(get(client, "/summary")["top_themes"]) == 3
    theme = built.theme_ids["app"]
    weeks = get(client, f"/themes/{theme}/trend")
    days = get(client, f"/themes/{theme}/trend", params={"interval": "day"})
    assert weeks["interval"] == "week" and days["interval"] == "day"


def test_summary_format_and_accept_are_part_of_the_key(client: TestClient) -> None:
    as_json = client.get("/summary", headers=READ)
    as_csv = client.get("/summary", headers={**READ, "Accept": "text/csv"})
    by_format = client.get("/summary", headers=READ, params={"format": "csv"})
    again_json = client.get("/summary", headers=READ)
    assert as_json.headers["content-type"] == again_json.headers["content-type"]
    assert as_json.content == again_json.content
    for r in (as_csv, by_format):
        assert r.headers["content-type"].startswith("text/csv")
        assert r.headers["content-disposition"].startswith("attachment")
        assert r.text.startswith("run_id,rank,theme_id")


@pytest.mark.parametrize("url", CACHED_GETS)
def test_cached_answers_still_need_a_read_key(client: TestClient, built: Built, url: str) -> None:
    url = url.format(id=built.theme_ids["delivery"])
    assert client.get(url, headers=READ).status_code == 200
    assert client.get(url, headers=READ).status_code == 200  # cached now
    r = client.get(url)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "APIKey"
    assert client.get(url, headers={"X-API-Key": "nope"}).status_code == 401
    assert client.get(url, headers={"X-API-Key": ""}).status_code == 401
    assert client.get(url, headers=WRITE).status_code == 200  # write implies read


def test_errors_are_not_cached(client: TestClient, db_path: Path) -> None:
    missing = 10**6
    assert client.get(f"/themes/{missing}", headers=READ).status_code == 404
    assert client.get(f"/themes/{missing}", headers=READ).status_code == 404
    assert client.get("/themes?limit=0", headers=READ).status_code == 422


def test_the_cache_is_bounded_and_drops_what_a_change_made_stale(tmp_path: Path) -> None:
    path = tmp_path / "bounded.db"
    Store(path).close()
    cache = ResponseCache(path, max_entries=2, max_bytes=10)
    version = cache.version()
    assert version is not None
    for key in "abc":
        assert cache.get(version, key) is None
        cache.put(version, key, Rendered(b"x", ()))
    assert len(cache) == 2 and cache.get(version, "a") is None  # least recently used
    cache.put(version, "big", Rendered(b"x" * 11, ()))
    assert cache.get(version, "big") is None
    cache.put(version - 1, "old", Rendered(b"x", ()))  # built before a change
    assert cache.get(version, "old") is None
    with Store(path) as store:
        store.db.execute("CREATE TABLE touched (x)")
    newer = cache.version()
    assert newer != version and cache.get(newer, "c") is None and len(cache) == 0
    cache.close()


def test_an_in_memory_database_is_never_cached() -> None:
    assert ResponseCache(":memory:").version() is None
