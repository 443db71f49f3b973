"""Compose the stages of a full run: embed (cached) -> cluster -> describe -> store.

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
from textinsight.embed import Embedder, embed_cached
from textinsight.errors import EmptyCorpusError
from textinsight.progress import ProgressFactory, no_progress
from textinsight.records import Assignment, RunInfo, StoredFeedback, Theme
from textinsight.sentiment import explicit_sentiment, mean_sentiment
from textinsight.store import Store


def run_pipeline(
    store: Store,
    embedder: Embedder,
    *,
    seed: int = 0,
    batch_size: int = 64,
    clusterer: ThemeClusterer | None = None,
    describer: ThemeDescriber | None = None,
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
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        vectors, n_embedded = embed_cached(
            store,
            embedder,
            [f.text for f in feedback],
            [f.text_hash for f in feedback],
            batch_size=batch_size,
            progress=progress,
        )
        t1 = time.perf_counter()
        with progress("Clustering", None):
            clusterer.fit(vectors)
        t2 = time.perf_counter()
        with progress("Describing themes", None):
            descriptions = describer.describe(
                [f.text for f in feedback],
                [f.language for f in feedback],
                clusterer.labels_,
                vectors,
            )
        t3 = time.perf_counter()
        timings = {"embed_s": t1 - t0, "cluster_s": t2 - t1, "describe_s": t3 - t2}
        themes, assignments = _results(store, run_id, feedback, clusterer, descriptions)
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
            timings=timings,
            n_embedded=n_embedded,
        )
    except BaseException as exc:
        store.runs.fail(run_id, f"{type(exc).__name__}: {exc}")
        raise
    return store.runs.get(run_id)


def _results(
    store: Store,
    run_id: int,
    feedback: Sequence[StoredFeedback],
    clusterer: ThemeClusterer,
    descriptions: dict,
) -> tuple[list[Theme], list[Assignment]]:
    labels = clusterer.labels_
    k = len(clusterer.centroids_)
    theme_ids = store.runs.allocate_theme_ids(k)
    sentiments = [explicit_sentiment(f.rating, f.nps) for f in feedback]
    xy = _map_coordinates(clusterer.centroids_)
    themes = []
    for label in range(k):
        members = [int(i) for i in np.flatnonzero(labels == label)]
        description = descriptions[label]
        themes.append(
            Theme(
                id=theme_ids[label],
                run_id=run_id,
                label=description.label,
                keywords=description.keywords,
                size=len(members),
                share=len(members) / len(feedback),
                quotes=tuple(feedback[i].text for i in description.quote_indices),
                languages=dict(Counter(feedback[i].language for i in members).most_common()),
                channels=dict(Counter(feedback[i].channel for i in members).most_common()),
                sentiment=mean_sentiment([sentiments[i] for i in members]),
                x=float(xy[label, 0]),
                y=float(xy[label, 1]),
            )
        )
    assignments = [
        Assignment(
            feedback_id=f.id,
            theme_id=theme_ids[label] if label >= 0 else None,
            probability=float(p),
            sentiment=s,
        )
        for f, label, p, s in zip(
            feedback, labels, clusterer.probabilities_, sentiments, strict=True
        )
    ]
    return themes, assignments


def _map_coordinates(centroids: np.ndarray) -> np.ndarray:
    """2-D positions of the themes for the theme map (PCA of the centroids)."""
    k = len(centroids)
    if k < 3:
        return np.array([[float(i), 0.0] for i in range(k)]).reshape(k, 2)
    centred = centroids - centroids.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:2].T
