from pathlib import Path

import numpy as np
import pytest

from tests.conftest import load_script, topic_rows
from textinsight.emerging import find_emerging
from textinsight.errors import EmptyCorpusError
from textinsight.pipeline import embed_cached, ingest_file, run_pipeline
from textinsight.records import Assignment
from textinsight.stages.cluster import ThemeClusterer
from textinsight.stages.embed import HashingEmbedder
from textinsight.store import Store, text_hash


@pytest.fixture
def loaded(store: Store, write_csv) -> Store:
    ingest_file(store, write_csv(topic_rows()))
    return store


def test_run_finds_planted_topics_and_stores_a_complete_run(loaded: Store, embedder) -> None:
    info = run_pipeline(loaded, embedder, seed=0)
    assert info.status == "complete" and info.is_current
    assert info.n_feedback == 90 and info.n_embedded == 90
    themes = loaded.runs.themes(info.id)
    assert len(themes) >= 2
    for theme in themes:
        assert theme.label and theme.keywords and 1 <= len(theme.quotes) <= 5
        assert sum(theme.languages.values()) == theme.size
        assert theme.sentiment is not None and -1 <= theme.sentiment <= 1
    rows = list(loaded.runs.export(info.id))
    assert len(rows) == 90
    assigned = [r for r in rows if r.theme_id is not None]
    assert len(assigned) / len(rows) > 0.8
    # feedback on one topic lands in one theme for the most part
    by_topic: dict[str, list[int]] = {}
    for r in assigned:
        by_topic.setdefault(r.source_id.split("-")[0], []).append(r.theme_id)
    for ids in by_topic.values():
        assert max(ids.count(t) for t in set(ids)) / len(ids) > 0.7


def test_second_run_embeds_nothing_and_is_deterministic(loaded: Store, embedder) -> None:
    first = run_pipeline(loaded, embedder, seed=3)
    second = run_pipeline(loaded, embedder, seed=3)
    assert second.n_embedded == 0
    sizes = lambda run: sorted(t.size for t in loaded.runs.themes(run.id))  # noqa: E731
    assert sizes(first) == sizes(second)


class Crash(ThemeClusterer):
    def fit(self, X: np.ndarray, y: None = None, languages: object = None, **_: object) -> "Crash":
        raise RuntimeError("killed mid-run")


def test_crashed_run_leaves_previous_current_run(loaded: Store, embedder) -> None:
    good = run_pipeline(loaded, embedder, seed=0)
    before = loaded.runs.themes(good.id)
    with pytest.raises(RuntimeError):
        run_pipeline(loaded, embedder, seed=1, clusterer=Crash())
    assert loaded.runs.current().id == good.id
    assert loaded.runs.themes(good.id) == before
    failed = loaded.runs.all()[0]
    assert failed.status == "failed" and "killed mid-run" in (failed.error or "")


def test_empty_store(store: Store, embedder) -> None:
    with pytest.raises(EmptyCorpusError, match="ingest"):
        run_pipeline(store, embedder)


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__(dim=16)
        self.seen: list[str] = []

    def encode(self, texts):
        self.seen.extend(texts)
        return super().encode(texts)


def test_embed_cached_embeds_each_text_once(store: Store) -> None:
    texts = ["a b c", "d e f", "a b c"]
    hashes = [text_hash(t) for t in texts]
    embedder = CountingEmbedder()
    vectors, n = embed_cached(store, embedder, texts, hashes, batch_size=1)
    assert n == 2 and embedder.seen == ["a b c", "d e f"]
    np.testing.assert_array_equal(vectors[0], vectors[2])
    again, n2 = embed_cached(store, embedder, texts, hashes)
    assert n2 == 0 and len(embedder.seen) == 2
    np.testing.assert_array_equal(again, vectors)


def test_run_benchmark_and_emerging_find_identical_themes(
    loaded: Store, embedder, tmp_path: Path, write_csv
) -> None:
    """The three callers of find_themes give the same themes for the same inputs."""
    info = run_pipeline(loaded, embedder, seed=0)
    # labels differ: the run's come from the ThemeLabeler, which needs the embedder
    from_run = sorted((t.keywords, t.size) for t in loaded.runs.themes(info.id))
    assert len(from_run) >= 3

    feedback = loaded.feedback.all()
    vectors, _ = embed_cached(
        loaded, embedder, [f.text for f in feedback], [f.text_hash for f in feedback]
    )
    texts, languages = [f.text for f in feedback], [f.language for f in feedback]
    _, clusterer, descriptions = load_script("benchmark").run_product(texts, languages, vectors, 0)
    from_benchmark = sorted(
        (d.keywords, int((clusterer.labels_ == k).sum())) for k, d in descriptions.items()
    )
    assert from_benchmark == from_run

    with Store(tmp_path / "pool.db") as pool_store:  # a run that left everything unassigned
        ingest_file(pool_store, write_csv(topic_rows(), "pool.csv"))
        pool = pool_store.feedback.all()
        run_id = pool_store.runs.start(seed=0, model_id=embedder.model_id, params={})
        pool_store.runs.complete(
            run_id,
            themes=[],
            centroids=np.zeros((0, vectors.shape[1]), dtype=np.float32),
            assignments=[Assignment(f.id, None, 0.0) for f in pool],
            params={},
            timings={},
            n_embedded=0,
        )
        n_pool, emerging = find_emerging(pool_store, embedder, seed=0, min_size=1)
    assert n_pool == len(feedback)
    assert sorted((e.keywords, e.size) for e in emerging) == from_run
