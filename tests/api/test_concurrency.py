"""A run, 10 API writers and a file ingest at once (issue #12): no write fails for
locking, every accepted row is stored once, every run ends complete or failed."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import api.state
from tests.api.conftest import WRITE, Built, ClientFactory
from tests.conftest import topic_rows
from textinsight.pipeline import ingest_file, run_pipeline
from textinsight.stages.embed import HashingEmbedder
from textinsight.store import Store

WRITERS = 10
POSTS = 4
ITEMS = 5


def _post_all(client: TestClient, writer: int, rep: int) -> list[int]:
    codes = []
    for post in range(POSTS):
        batch = [
            {
                "text": f"parcel late courier delayed tracking {writer} {post} {i}",
                "source_id": f"api-{rep}-{writer}-{post}-{i}",
                "channel": "email",
                "language": "en",
            }
            for i in range(ITEMS)
        ]
        codes.append(client.post("/feedback", headers=WRITE, json=batch).status_code)
    return codes


@pytest.mark.parametrize("rep", range(3))
def test_a_run_api_writers_and_an_ingest_at_once(
    rep: int, make_client: ClientFactory, db_path: Path, built: Built, write_csv
) -> None:
    client = make_client()
    rows = topic_rows(n_per_topic=200, seed=rep)
    for row in rows:
        row["source_id"] = f"file-{rep}-{row['source_id']}"
    path = write_csv(rows, f"rep{rep}.csv")
    outcomes: dict[str, object] = {}

    def run() -> None:
        with Store(db_path) as store:
            try:
                outcomes["run"] = run_pipeline(store, HashingEmbedder(), seed=rep).status
            except Exception as exc:  # recorded: the assertion below names it
                outcomes["run"] = exc

    def ingest() -> None:
        with Store(db_path) as store:
            outcomes["ingest"] = ingest_file(store, path, chunk_size=100)

    with ThreadPoolExecutor(WRITERS + 2) as pool:
        background = [pool.submit(run), pool.submit(ingest)]
        posted = [pool.submit(_post_all, client, w, rep) for w in range(WRITERS)]
        codes = [c for future in posted for c in future.result()]
        for future in background:
            future.result()
    assert codes == [200] * (WRITERS * POSTS), codes
    assert outcomes["run"] == "complete", outcomes["run"]
    with Store(db_path) as store:
        n = store.feedback.count()
        statuses = [r.status for r in store.runs.all()]
        api_rows = store.db.execute(
            "SELECT count(*), count(DISTINCT source_id) FROM feedback WHERE source_id LIKE 'api-%'"
        ).fetchone()
    assert n == built.n_feedback + len(rows) + WRITERS * POSTS * ITEMS
    assert api_rows == (WRITERS * POSTS * ITEMS,) * 2
    assert set(statuses) <= {"complete", "failed"}


def test_an_api_write_behind_a_long_ingest_is_a_quick_503_with_retry_after(
    make_client: ClientFactory, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.state, "API_WRITE_WAIT_S", 0.5)
    client = make_client()
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # what a long ingest does
    try:
        started = time.monotonic()
        r = client.post("/feedback", headers=WRITE, json=[{"text": "late parcel"}])
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert r.status_code == 503, r.text
    assert int(r.headers["Retry-After"]) >= 1
    assert "busy with another write" in r.json()["detail"]
    assert elapsed < 4
    with Store(db_path) as store:
        assert not store.feedback.by_keys([("other", "late parcel")])


def test_reads_do_not_wait_for_a_writer(client: TestClient, db_path: Path) -> None:
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        r = client.get("/runs", headers=WRITE)
        assert r.status_code == 200 and time.monotonic() - started < 2
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    threading.enumerate()  # no thread left behind by the holder
