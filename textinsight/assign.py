"""Assign new feedback to the current run's themes without re-clustering.

Uses the same rule as the end of a run (``cluster.assign_to_centroids`` with the
run's threshold, after removing the run's per-language offsets), so a text gets the
same theme either way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from textinsight.cluster import assign_to_centroids, remove_offsets
from textinsight.embed import Embedder, embed_feedback
from textinsight.progress import ProgressFactory, no_progress
from textinsight.records import Assignment, Feedback, StoredFeedback
from textinsight.sentiment import find_sentiment_model, item_sentiments
from textinsight.store import Store


def assign_stored(
    store: Store,
    embedder: Embedder,
    feedback: Sequence[StoredFeedback],
    *,
    batch_size: int = 64,
    progress: ProgressFactory = no_progress,
) -> list[Assignment]:
    """Assign stored feedback rows to the current run's themes and record it.

    Raises:
        NoRunError: there is no complete run to assign to.
    """
    run = store.runs.current()
    theme_ids, centroids = store.runs.centroids(run.id)
    if not feedback:
        return []
    vectors, _ = embed_feedback(
        store,
        embedder,
        feedback,
        batch_size=batch_size,
        progress=progress,
    )
    threshold = float(run.params.get("clusterer", {}).get("assign_threshold", 0.5))
    if theme_ids:
        space = remove_offsets(vectors, [f.language for f in feedback], store.runs.offsets(run.id))
        labels, sims = assign_to_centroids(space, centroids, threshold)
    else:
        labels, sims = np.full(len(feedback), -1), np.zeros(len(feedback))
    sentiments = item_sentiments(
        [f.rating for f in feedback],
        [f.nps for f in feedback],
        vectors,
        find_sentiment_model(embedder.model_id),
    )
    assignments = [
        Assignment(
            feedback_id=f.id,
            theme_id=theme_ids[int(label)] if label >= 0 else None,
            probability=float(max(sim, 0.0)) if label >= 0 else 0.0,
            sentiment=s,
        )
        for f, label, sim, s in zip(feedback, labels, sims, sentiments, strict=True)
    ]
    store.runs.add_assignments(run.id, assignments)
    return assignments


def assign_new(
    store: Store, embedder: Embedder, items: Sequence[Feedback], *, batch_size: int = 64
) -> list[Assignment]:
    """Store validated feedback (idempotent upsert) and assign it to the current run's themes."""
    store.runs.current()
    store.feedback.upsert(items)
    stored = store.feedback.by_keys([(f.channel, f.source_id) for f in items])
    return assign_stored(store, embedder, stored, batch_size=batch_size)
