"""A re-run starts from the previous run's themes (``stages.warm``): the pipeline
passes each item's previous theme, and a re-run with another seed keeps the ids."""

from __future__ import annotations

import pytest

from tests.conftest import topic_rows
from textinsight.pipeline import ingest_file, run_pipeline
from textinsight.store import Store


@pytest.mark.parametrize("seed", [0, 1])
def test_a_rerun_is_warm_started_and_keeps_its_ids(store: Store, embedder, write_csv, seed) -> None:
    ingest_file(store, write_csv(topic_rows(seed=seed)))
    first = run_pipeline(store, embedder, seed=seed)
    assert first.params["clusterer"]["warm_start_items"] == 0
    second = run_pipeline(store, embedder, seed=seed + 1)
    members = store.runs.snapshot(first.id).members
    assert second.params["clusterer"]["warm_start_items"] == len(members)
    before = {t.id for t in store.runs.themes(first.id)}
    after = {t.id for t in store.runs.themes(second.id)}
    assert before <= after
