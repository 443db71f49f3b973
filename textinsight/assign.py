"""Assign new feedback to the current run's themes without re-clustering.

Uses the same rule as the end of a run (``cluster.assign_to_centroids`` with the
run's threshold and novelty test, after removing the run's per-language offsets), so
a text gets the same theme either way, and a text about no known theme stays
unassigned for ``emerging`` to find.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from textinsight.cluster import assign_to_centroids, remove_offsets
from textinsight.embed import Embedder, embed_feedback
from textinsight.progress import ProgressFactory, no_progress
from textinsight.records import Assignment, Feedback, RunInfo, StoredFeedback
from textinsight.sentiment import find_sentiment_model, item_sentiments
from textinsight.store import Store


def themes_for(
    store: Store, run: RunInfo, vectors: np.ndarray, languages: Sequence[str | None]
) -> tuple[list[int | None], np.ndarray]:
    """The run's theme id for each vector (``None``: unassigned) and its similarity.

    The rule a run ends with: the run's per-language offsets removed, then
    ``assign_to_centroids`` with the run's centroids, threshold and novelty test.
    """
    rule = RunRule.of(store, run)
    if not rule.theme_ids:
        return [None] * len(vectors), np.zeros(len(vectors))
    labels, sims = rule.assign(remove_offsets(vectors, languages, rule.offsets))
    return [rule.theme_ids[int(k)] if k >= 0 else None for k in labels], sims


@dataclass(frozen=True)
class RunRule:
    """What a run's assignment rule needs: theme ids and centroids (rows in that
    order), threshold, per-language offsets and the novelty test's reference sample
    and threshold (runs made before the novelty test have neither: no test)."""

    theme_ids: list[int]
    centroids: np.ndarray
    threshold: float
    offsets: dict[str, np.ndarray]
    reference: np.ndarray
    novelty: float | None

    @classmethod
    def of(cls, store: Store, run: RunInfo) -> RunRule:
        """The rule of stored run ``run``."""
        theme_ids, centroids = store.runs.centroids(run.id)
        params = run.params.get("clusterer", {})
        novelty = params.get("novelty_threshold")
        return cls(
            theme_ids=theme_ids,
            centroids=centroids,
            threshold=float(params.get("assign_threshold", 0.5)),
            offsets=store.runs.offsets(run.id),
            reference=store.runs.reference(run.id),
            novelty=None if novelty is None else float(novelty),
        )

    def assign(
        self,
        space: np.ndarray,
        centroid: np.ndarray | None = None,
        members: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``assign_to_centroids`` of vectors already in the run's space. A candidate
        theme (its ``centroid`` and its ``members``' vectors, ``emerging.promote``)
        joins as index ``len(theme_ids)``."""
        centroids, reference = self.centroids, self.reference
        if centroid is not None and members is not None:
            centroids = np.vstack([centroids, centroid[None]]) if len(centroids) else centroid[None]
            reference = np.vstack([reference, members]) if len(reference) else members
        return assign_to_centroids(space, centroids, self.threshold, reference, self.novelty)


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
    if not feedback:
        return []
    vectors, _ = embed_feedback(
        store,
        embedder,
        feedback,
        batch_size=batch_size,
        progress=progress,
    )
    themes, sims = themes_for(store, run, vectors, [f.language for f in feedback])
    sentiments = item_sentiments(
        [f.rating for f in feedback],
        [f.nps for f in feedback],
        vectors,
        find_sentiment_model(embedder.model_id),
    )
    assignments = [
        Assignment(
            feedback_id=f.id,
            theme_id=theme,
            probability=float(max(sim, 0.0)) if theme is not None else 0.0,
            sentiment=s,
        )
        for f, theme, sim, s in zip(feedback, themes, sims, sentiments, strict=True)
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
