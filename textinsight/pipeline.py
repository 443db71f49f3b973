"""Compose the stages of a full run.

``normalize -> embed (cached) -> cluster -> describe -> sentiment -> value -> lineage
-> store``, the last four at both levels: themes and the categories above them.

``run_pipeline`` records the run as ``running`` first and writes its results in one
transaction that also makes it current; on any error the run is marked ``failed``
and the previous current run stays untouched.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from textinsight.cluster import ThemeClusterer
from textinsight.describe import ThemeDescriber
from textinsight.embed import Embedder, embed_feedback
from textinsight.errors import EmptyCorpusError, NoRunError
from textinsight.lineage import LineageEvent, ThemeSnapshot, match_themes, with_ids
from textinsight.noise import noise_themes
from textinsight.normalize import display_text, normalize_text
from textinsight.progress import ProgressFactory, no_progress
from textinsight.records import (
    Assignment,
    RunInfo,
    StoredFeedback,
    Theme,
    ThemeDescription,
    ThemeValue,
)
from textinsight.sentiment import find_sentiment_model, item_sentiments, mean_sentiment
from textinsight.store import Store
from textinsight.value import ValueConfig, compute_theme_values


def run_pipeline(
    store: Store,
    embedder: Embedder,
    *,
    seed: int = 0,
    batch_size: int = 64,
    clusterer: ThemeClusterer | None = None,
    describer: ThemeDescriber | None = None,
    value_config: ValueConfig | None = None,
    progress: ProgressFactory = no_progress,
) -> RunInfo:
    """Find the themes of all stored feedback and store them as the new current run.

    Raises:
        EmptyCorpusError: there is no feedback to analyse.
    """
    feedback = store.feedback.all()
    if not feedback:
        raise EmptyCorpusError(
            "There is no feedback in the store. Ingest some first: `textinsight ingest FILE`."
        )
    clusterer = clusterer or ThemeClusterer(seed=seed)
    describer = describer or ThemeDescriber()
    run_id = store.runs.start(seed=seed, model_id=embedder.model_id, params={"seed": seed})
    try:
        clock = _Clock()
        vectors, n_embedded = embed_feedback(
            store,
            embedder,
            feedback,
            batch_size=batch_size,
            progress=progress,
        )
        clock.lap("embed_s")
        languages = [f.language for f in feedback]
        with progress("Clustering", None):
            clusterer.fit(vectors, languages=languages)
        clock.lap("cluster_s")
        texts = [normalize_text(f.text) for f in feedback]
        space = clusterer.transform(vectors, languages)
        categories = clusterer.category_labels()
        with progress("Describing themes", None):
            descriptions = describer.describe(texts, languages, clusterer.labels_, space)
            category_descriptions = describer.describe(texts, languages, categories, space)
            noise = noise_themes(texts, languages, clusterer.labels_)
            category_noise = noise_themes(texts, languages, categories)
        clock.lap("describe_s")
        sentiments = item_sentiments(
            [f.rating for f in feedback],
            [f.nps for f in feedback],
            vectors,
            find_sentiment_model(embedder.model_id),
        )
        customers, purchases = store.customers.all_customers(), store.customers.all_purchases()
        values, category_values = (
            _without_noise(
                compute_theme_values(
                    feedback, labels, sentiments, customers, purchases, config=value_config
                ),
                flags,
            )
            for labels, flags in ((clusterer.labels_, noise), (categories, category_noise))
        )
        clock.lap("value_s")
        previous = _previous_run(store, embedder.model_id)
        theme_ids, lineage = _stable_ids(
            store,
            store.runs.snapshot(previous) if previous is not None else None,
            _snapshot(feedback, clusterer.labels_, clusterer.centroids_, descriptions),
        )
        category_ids, category_lineage = _stable_ids(
            store,
            store.categories.snapshot(previous) if previous is not None else None,
            _snapshot(feedback, categories, clusterer.category_centroids_, category_descriptions),
        )
        parent_ids = [category_ids[c] for c in clusterer.parents_]
        level = _Level(clusterer.labels_, clusterer.centroids_, descriptions, values, noise)
        themes = _themes(run_id, theme_ids, feedback, level, sentiments, parent_ids)
        category_level = _Level(
            categories,
            clusterer.category_centroids_,
            category_descriptions,
            category_values,
            category_noise,
        )
        category_rows = _themes(run_id, category_ids, feedback, category_level, sentiments)
        assignments = [
            Assignment(
                feedback_id=f.id,
                theme_id=theme_ids[label] if label >= 0 else None,
                probability=float(p),
                sentiment=s,
            )
            for f, label, p, s in zip(
                feedback, clusterer.labels_, clusterer.probabilities_, sentiments, strict=True
            )
        ]
        params = {
            "seed": seed,
            "clusterer": clusterer.params_,
            "describer": {"n_keywords": describer.n_keywords, "n_quotes": describer.n_quotes},
        }
        store.runs.complete(
            run_id,
            themes=themes,
            centroids=clusterer.centroids_,
            assignments=assignments,
            params=params,
            timings=clock.laps,
            n_embedded=n_embedded,
            lineage=lineage,
            previous_run_id=previous,
            offsets=clusterer.offsets_,
            categories=category_rows,
            category_centroids=clusterer.category_centroids_,
            category_lineage=category_lineage,
        )
    except BaseException as exc:
        store.runs.fail(run_id, f"{type(exc).__name__}: {exc}")
        raise
    return store.runs.get(run_id)


class _Clock:
    """Named wall-clock laps in seconds."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


def _previous_run(store: Store, model_id: str) -> int | None:
    """The current run, when its centroids are comparable (same embedding model):
    after a model change every theme and category is new."""
    try:
        current = store.runs.current()
    except NoRunError:
        return None
    return current.id if current.model_id == model_id else None


def _snapshot(
    feedback: Sequence[StoredFeedback],
    labels: np.ndarray,
    centroids: np.ndarray,
    descriptions: dict[int, ThemeDescription],
) -> ThemeSnapshot:
    """What lineage needs of this run's themes (or categories)."""
    return ThemeSnapshot(
        ids=[],
        centroids=centroids,
        keywords=[descriptions[k].keywords for k in range(len(centroids))],
        members={f.id: int(label) for f, label in zip(feedback, labels, strict=True) if label >= 0},
    )


def _stable_ids(
    store: Store, old: ThemeSnapshot | None, new: ThemeSnapshot
) -> tuple[list[int], list[LineageEvent]]:
    """Match the new themes (or categories) to the previous run's, keep matched ids,
    allocate the rest."""
    old = old or ThemeSnapshot(ids=[], centroids=np.zeros((0, 0)), keywords=[], members={})
    keep, events = match_themes(old, new)
    fresh = iter(store.runs.allocate_theme_ids(sum(1 for k in keep if k is None)))
    ids = [k if k is not None else next(fresh) for k in keep]
    return ids, with_ids(events, ids)


def _without_noise(values: dict[int, ThemeValue], noise: dict[int, bool]) -> dict[int, ThemeValue]:
    """Noise themes keep their figures but no impact or verdict: rankings skip them."""
    return {
        label: replace(value, impact=None, kind="neutral", significant=False)
        if noise.get(label)
        else value
        for label, value in values.items()
    }


@dataclass(frozen=True)
class _Level:
    """What one level (themes or categories) of a run found, per label ``0..k-1``."""

    labels: np.ndarray
    centroids: np.ndarray
    descriptions: dict[int, ThemeDescription]
    values: dict[int, ThemeValue]
    noise: dict[int, bool]


def _themes(
    run_id: int,
    ids: Sequence[int],
    feedback: Sequence[StoredFeedback],
    level: _Level,
    sentiments: Sequence[float | None],
    parent_ids: Sequence[int] | None = None,
) -> list[Theme]:
    xy = _map_coordinates(level.centroids)
    themes = []
    for label, theme_id in enumerate(ids):
        members = [int(i) for i in np.flatnonzero(level.labels == label)]
        description = level.descriptions[label]
        themes.append(
            Theme(
                id=theme_id,
                run_id=run_id,
                label=description.label,
                keywords=description.keywords,
                size=len(members),
                share=len(members) / len(feedback),
                quotes=tuple(display_text(feedback[i].text) for i in description.quote_indices),
                languages=dict(Counter(feedback[i].language for i in members).most_common()),
                channels=dict(Counter(feedback[i].channel for i in members).most_common()),
                sentiment=mean_sentiment([sentiments[i] for i in members]),
                x=float(xy[label, 0]),
                y=float(xy[label, 1]),
                value=level.values.get(label),
                parent_id=None if parent_ids is None else parent_ids[label],
                noise=level.noise.get(label, False),
            )
        )
    return themes


def _map_coordinates(centroids: np.ndarray) -> np.ndarray:
    """2-D positions of the themes for the theme map (PCA of the centroids)."""
    k = len(centroids)
    if k < 3:
        return np.array([[float(i), 0.0] for i in range(k)]).reshape(k, 2)
    centred = centroids - centroids.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return np.asarray(centred @ vt[:2].T)
