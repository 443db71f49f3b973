"""A run fitted on a sample streams the rest, and resumes after a crash (#15).

"Large" is simulated by a small sample size and small stream batches.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import topic_rows
from textinsight import run_stream
from textinsight.pipeline import ingest_file, run_pipeline
from textinsight.stages.cluster import ThemeClusterer
from textinsight.stages.embed import HashingEmbedder
from textinsight.store import Store


def _rows() -> list[dict[str, Any]]:
    rows = topic_rows(60)
    for i, row in enumerate(rows):  # two channels and two months: four strata per topic
        row["channel"] = ("ticket", "survey")[i % 2]
        row["created_at"] = ("2026-05-03", "2026-06-04")[(i // 2) % 2]
    return rows


@pytest.fixture
def loaded(store: Store, write_csv: Callable[..., Path]) -> Store:
    ingest_file(store, write_csv(_rows()))
    return store


def _assignments(store: Store, run_id: int) -> dict[str, int | None]:
    return {r.source_id: r.theme_id for r in store.runs.export(run_id)}


def test_sampled_run_assigns_the_rest_by_the_one_rule(
    loaded: Store, embedder: HashingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_stream, "STREAM_ROWS", 50)
    info = run_pipeline(loaded, embedder, seed=0, sample_size=100)
    assert info.params["sample"] == {"size": 100, "items": 100, "resumed": False}
    assert info.n_feedback == 180
    themes = loaded.runs.themes(info.id)
    assert sum(t.size for t in themes) == 180 - info.n_unassigned
    assert all(t.quotes and t.keywords for t in themes)
    # every item, in the sample or not, got what the saved clusterer predicts for it
    theme_ids, state = loaded.runs.clusterer(info.id)
    model = ThemeClusterer.from_state(state)
    feedback = loaded.feedback.all()
    vectors = embedder.encode([f.text for f in feedback])
    predicted = model.predict(vectors, [f.language for f in feedback])
    got = _assignments(loaded, info.id)
    same = [
        got[f.source_id] == (theme_ids[k] if k >= 0 else None)
        for f, k in zip(feedback, predicted.tolist(), strict=True)
    ]
    assert np.mean(same) >= 0.95
    # topics survive the sample: one topic mostly in one theme
    by_topic: dict[str, list[int | None]] = {}
    for source_id, theme in got.items():
        by_topic.setdefault(source_id.split("-")[0], []).append(theme)
    for ids in by_topic.values():
        assert max(ids.count(t) for t in set(ids) if t is not None) / len(ids) > 0.7
    assert loaded.checkpoints.batches(info.id) == []  # a complete run keeps none


class _Killed(Exception):
    pass


def test_a_run_killed_mid_stream_resumes_without_refitting(
    loaded: Store,
    embedder: HashingEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    write_csv: Callable[..., Path],
) -> None:
    monkeypatch.setattr(run_stream, "STREAM_ROWS", 50)
    real = run_stream._one_batch
    calls: list[int] = []

    def crash_on_third(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise _Killed("killed after two batches")
        return real(*args, **kwargs)

    monkeypatch.setattr(run_stream, "_one_batch", crash_on_third)
    with pytest.raises(_Killed):
        run_pipeline(loaded, embedder, seed=0, sample_size=100)
    failed = loaded.runs.all()[-1]
    assert failed.status == "failed"
    assert len(loaded.checkpoints.batches(failed.id)) == 2

    fits: list[int] = []
    real_fit = ThemeClusterer.fit

    def counting_fit(self: ThemeClusterer, *args: Any, **kwargs: Any) -> ThemeClusterer:
        fits.append(1)
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(ThemeClusterer, "fit", counting_fit)
    calls.clear()
    resumed = run_pipeline(loaded, embedder, seed=0, sample_size=100)
    assert resumed.params["sample"]["resumed"] is True
    assert fits == [] and len(calls) == 2  # no refit; only the 2 batches not saved

    # the same result as a run never interrupted
    fresh = Store(tmp_path / "fresh.db")
    ingest_file(fresh, write_csv(_rows(), name="again.csv"))
    monkeypatch.setattr(run_stream, "_one_batch", real)
    clean = run_pipeline(fresh, HashingEmbedder(), seed=0, sample_size=100)
    assert resumed.n_unassigned == clean.n_unassigned
    sizes = lambda s, r: sorted(t.size for t in s.runs.themes(r.id))  # noqa: E731
    assert sizes(loaded, resumed) == sizes(fresh, clean)
    fresh.close()


def test_a_changed_corpus_does_not_resume(
    loaded: Store,
    embedder: HashingEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    write_csv: Callable[..., Path],
) -> None:
    monkeypatch.setattr(run_stream, "STREAM_ROWS", 50)

    def killed(*args: Any, **kwargs: Any) -> Any:
        raise _Killed("killed")

    with monkeypatch.context() as patch:
        patch.setattr(run_stream, "_one_batch", killed)
        with pytest.raises(_Killed):
            run_pipeline(loaded, embedder, seed=0, sample_size=100)
    killed_run = loaded.runs.all()[-1].id
    ingest_file(loaded, write_csv(topic_rows(5, seed=9), name="more.csv"))
    info = run_pipeline(loaded, embedder, seed=0, sample_size=100)
    assert info.params["sample"]["resumed"] is False
    # the stale checkpoints of the killed run are dropped by the complete one
    assert loaded.checkpoints.batches(killed_run) == []
    count = "SELECT count(*) FROM run_checkpoints"
    assert loaded.db.execute(count).fetchone()[0] == 0
