import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import make_theme
from textinsight.errors import NoRunError, NotFoundError
from textinsight.records import Assignment, Feedback, Theme
from textinsight.store import Store
from textinsight.store.schema import SCHEMA_VERSION


def _feedback(n: int) -> list[Feedback]:
    return [
        Feedback(
            text=f"text {i}",
            channel="ticket",
            source_id=str(i),
            language="en",
            created_at=f"2026-03-{1 + i:02d}",
        )
        for i in range(n)
    ]


def _complete_run(
    store: Store, label: str = "theme", clusterer: dict[str, Any] | None = None
) -> int:
    run_id = store.runs.start(seed=0, model_id="m", params={})
    (tid,) = store.runs.allocate_theme_ids(1)
    theme = Theme(
        id=tid,
        run_id=run_id,
        label=label,
        keywords=("a",),
        size=2,
        share=1.0,
        quotes=("q",),
        languages={"en": 2},
        channels={"ticket": 2},
    )
    ids = [f.id for f in store.feedback.all()]
    store.runs.complete(
        run_id,
        themes=[theme],
        centroids=np.ones((1, 3), dtype=np.float32),
        assignments=[Assignment(i, tid, 0.9) for i in ids],
        params={},
        timings={},
        n_embedded=0,
        clusterer=clusterer,
    )
    return run_id


def test_the_clusterer_state_is_kept_per_run(store: Store) -> None:
    store.feedback.upsert(_feedback(2))
    plain = _complete_run(store)
    state = {
        "centroids": np.ones((1, 3), dtype=np.float32),
        "offsets": {"sv": np.array([0.1, -0.2, 0.3], dtype=np.float32), "en": np.zeros(3)},
        "threshold": 0.4,
        "init": {"seed": 3, "min_cluster_size": None},
        "params": {"language_offsets": ["en", "sv"]},
    }
    aware = _complete_run(store, clusterer=state)
    with pytest.raises(NotFoundError, match="no saved clusterer"):
        store.runs.clusterer(plain)
    theme_ids, got = store.runs.clusterer(aware)
    assert theme_ids == [t.id for t in store.runs.themes(aware)]
    assert set(got["offsets"]) == {"sv", "en"} and np.allclose(
        got["offsets"]["sv"], [0.1, -0.2, 0.3]
    )
    assert got["threshold"] == 0.4 and got["init"] == state["init"]
    assert got["params"] == state["params"] and got["centroids"].dtype == np.float32


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    Store(path).close()
    store = Store(path)
    assert store.schema_version == SCHEMA_VERSION
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_no_run_yet(store: Store) -> None:
    with pytest.raises(NoRunError, match="textinsight run"):
        store.runs.current()


def test_complete_run_becomes_current_and_replaces_previous(store: Store) -> None:
    store.feedback.upsert(_feedback(2))
    first = _complete_run(store, "first")
    second = _complete_run(store, "second")
    assert store.runs.current().id == second
    assert [r.is_current for r in store.runs.all()] == [True, False]
    assert store.runs.themes(first)[0].label == "first"
    assert len(list(store.runs.export(second))) == 2


def test_running_or_failed_run_is_never_read(store: Store) -> None:
    store.feedback.upsert(_feedback(2))
    good = _complete_run(store)
    crashed = store.runs.start(seed=1, model_id="m", params={})
    failed = store.runs.start(seed=2, model_id="m", params={})
    store.runs.fail(failed, "boom")
    assert store.runs.current().id == good
    for run_id in (crashed, failed):
        with pytest.raises(NotFoundError, match="not complete"):
            store.runs.complete_run(run_id)
    with pytest.raises(NotFoundError, match="No run with id 99"):
        store.runs.get(99)


def test_complete_is_atomic(store: Store) -> None:
    store.feedback.upsert(_feedback(2))
    good = _complete_run(store)
    run_id = store.runs.start(seed=0, model_id="m", params={})
    theme = make_theme(id=500, run_id=run_id)
    with pytest.raises(sqlite3.IntegrityError):  # the second theme collides: fails mid-write
        store.runs.complete(
            run_id,
            themes=[theme, theme],
            centroids=np.ones((2, 3)),
            assignments=[],
            params={},
            timings={},
            n_embedded=0,
        )
    assert store.runs.current().id == good
    assert store.runs.themes(run_id) == []


def test_theme_ids_are_unique_across_runs(store: Store) -> None:
    assert store.runs.allocate_theme_ids(3) == [1, 2, 3]
    assert store.runs.allocate_theme_ids(2) == [4, 5]


def test_weekly_counts_group_by_monday(store: Store) -> None:
    store.feedback.upsert(_feedback(9))  # 2026-03-01 (Sunday) .. 2026-03-09 (Monday)
    run_id = _complete_run(store)
    store.runs.add_assignments(run_id, [Assignment(f.id, 1, 1.0) for f in store.feedback.all()])
    weekly = store.runs.weekly_counts(run_id)
    assert weekly == {1: {"2026-02-23": 1, "2026-03-02": 7, "2026-03-09": 1}}


def test_embedding_cache_roundtrip(store: Store) -> None:
    vectors = {"h1": np.arange(4, dtype=np.float32), "h2": np.ones(4, dtype=np.float32)}
    store.embeddings.put_many("m", vectors)
    found = store.embeddings.get_many("m", ["h1", "h2", "h3", "h1"])
    assert set(found) == {"h1", "h2"}
    np.testing.assert_array_equal(found["h1"], vectors["h1"])
    assert store.embeddings.get_many("other", ["h1"]) == {}
    assert store.embeddings.count("m") == 2


def test_vectors_can_be_copied_from_another_database(tmp_path: Path) -> None:
    other = Store(tmp_path / "other.db")
    other.embeddings.put_many("m", {"h1": np.ones(3, dtype=np.float32)})
    other.close()
    store = Store(tmp_path / "mine.db")
    assert store.embeddings.copy_from(str(tmp_path / "other.db")) == 1
    assert store.embeddings.copy_from(str(tmp_path / "other.db")) == 0
    np.testing.assert_array_equal(store.embeddings.get_many("m", ["h1"])["h1"], np.ones(3))
