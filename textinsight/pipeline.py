"""Compose the stages of a full run.

``embed (cached) -> cluster -> describe -> sentiment -> value -> lineage -> store``

``run_pipeline`` records the run as ``running`` first and writes its results in one
transaction that also makes it current; on any error the run is marked ``failed``
and the previous current run stays untouched.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence

import numpy as np

from textinsight.cluster import ThemeClusterer
from textinsight.describe import ThemeDescriber
from textinsight.embed import Embedder, embed_feedback
from textinsight.errors import EmptyCorpusError, NoRunError
from textinsight.label import ThemeLabel, ThemeLabeler
from textinsight.lineage import LineageEvent, ThemeSnapshot, match_themes, with_ids
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
    labeler: ThemeLabeler | None = None,
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
    labeler = labeler or ThemeLabeler()
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
        with progress("Describing themes", None):
            descriptions = describer.describe(
                [f.text for f in feedback],
                languages,
                clusterer.labels_,
                clusterer.transform(vectors, languages),
            )
            theme_labels = labeler.label(
                [f.text for f in feedback], languages, clusterer.labels_, vectors, embedder.encode
            )
        clock.lap("describe_s")
        sentiments = item_sentiments(
            [f.rating for f in feedback],
            [f.nps for f in feedback],
            vectors,
            find_sentiment_model(embedder.model_id),
            [f.text for f in feedback],
            languages,
        )
        values = compute_theme_values(
            feedback,
            clusterer.labels_,
            sentiments,
            store.customers.all_customers(),
            store.customers.all_purchases(),
            config=value_config,
        )
        clock.lap("value_s")
        previous, theme_ids, lineage = _stable_ids(
            store, embedder.model_id, feedback, clusterer, descriptions
        )
        themes = _themes(
            run_id, theme_ids, feedback, clusterer, descriptions, theme_labels, sentiments, values
        )
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
            "label_languages": sorted({t.language or "" for t in theme_labels.values()}),
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


def _stable_ids(
    store: Store,
    model_id: str,
    feedback: Sequence[StoredFeedback],
    clusterer: ThemeClusterer,
    descriptions: dict[int, ThemeDescription],
) -> tuple[int | None, list[int], list[LineageEvent]]:
    """Match the new themes to the current run's, keep matched ids, allocate the rest.

    Centroids of different embedding models are not comparable: after a model change
    every theme is new.
    """
    try:
        current = store.runs.current()
        previous: int | None = current.id if current.model_id == model_id else None
    except NoRunError:
        previous = None
    old = (
        store.runs.snapshot(previous)
        if previous is not None
        else ThemeSnapshot(ids=[], centroids=np.zeros((0, 0)), keywords=[], members={})
    )
    new = ThemeSnapshot(
        ids=[],
        centroids=clusterer.centroids_,
        keywords=[descriptions[k].keywords for k in range(len(clusterer.centroids_))],
        members={
            f.id: int(label)
            for f, label in zip(feedback, clusterer.labels_, strict=True)
            if label >= 0
        },
    )
    keep, events = match_themes(old, new)
    fresh = iter(store.runs.allocate_theme_ids(sum(1 for k in keep if k is None)))
    theme_ids = [k if k is not None else next(fresh) for k in keep]
    return previous, theme_ids, with_ids(events, theme_ids)


def _themes(
    run_id: int,
    theme_ids: Sequence[int],
    feedback: Sequence[StoredFeedback],
    clusterer: ThemeClusterer,
    descriptions: dict[int, ThemeDescription],
    theme_labels: dict[int, ThemeLabel],
    sentiments: Sequence[float | None],
    values: dict[int, ThemeValue],
) -> list[Theme]:
    labels = clusterer.labels_
    xy = _map_coordinates(clusterer.centroids_)
    themes = []
    for label, theme_id in enumerate(theme_ids):
        members = [int(i) for i in np.flatnonzero(labels == label)]
        description = descriptions[label]
        themes.append(
            Theme(
                id=theme_id,
                run_id=run_id,
                label=theme_labels[label].label if label in theme_labels else description.label,
                keywords=description.keywords,
                size=len(members),
                share=len(members) / len(feedback),
                quotes=tuple(feedback[i].text for i in description.quote_indices),
                languages=dict(Counter(feedback[i].language for i in members).most_common()),
                channels=dict(Counter(feedback[i].channel for i in members).most_common()),
                sentiment=mean_sentiment([sentiments[i] for i in members]),
                x=float(xy[label, 0]),
                y=float(xy[label, 1]),
                value=values.get(label),
                keywords_by_language=(
                    theme_labels[label].keywords_by_language if label in theme_labels else {}
                ),
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
