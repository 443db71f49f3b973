"""Assign new feedback to the current run's themes without re-clustering.

Loads the run's saved ``ThemeClusterer`` and calls its ``predict``: the rule a run
ends with (nearest centroid, threshold and novelty test), so a text gets the same
theme either way, and a text about no known theme stays unassigned for ``emerging``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from textinsight.ingest.language import LanguageIdentifier
from textinsight.pipeline import EMBED_CHUNK, embed_feedback, ingest_file
from textinsight.progress import ProgressFactory, no_progress
from textinsight.records import Assignment, Feedback, IngestReport, RunInfo, StoredFeedback
from textinsight.stages.cluster import ThemeClusterer
from textinsight.stages.embed import Embedder, embedder_for_model
from textinsight.stages.sentiment import find_sentiment_model, item_sentiments
from textinsight.store import Store


def themes_for(
    store: Store, run: RunInfo, vectors: np.ndarray, languages: Sequence[str | None]
) -> tuple[list[int | None], np.ndarray]:
    """The run's theme id for each vector (``None``: unassigned) and its similarity.

    The rule a run ends with: the run's saved ``ThemeClusterer`` predicts.

    Raises:
        NotFoundError: the run saved no clusterer.
    """
    theme_ids, state = store.runs.clusterer(run.id)
    labels, sims = ThemeClusterer.from_state(state).predict_similarity(vectors, languages)
    return [theme_ids[int(k)] if k >= 0 else None for k in labels], sims


def assign_stored(
    store: Store,
    embedder: Embedder,
    feedback: Sequence[StoredFeedback],
    *,
    batch_size: int = EMBED_CHUNK,
    artifact_dir: Path | None = None,
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
        find_sentiment_model(embedder.model_id, artifact_dir),
        [f.text for f in feedback],
        [f.language for f in feedback],
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
    store: Store,
    embedder: Embedder,
    items: Sequence[Feedback],
    *,
    batch_size: int = EMBED_CHUNK,
    artifact_dir: Path | None = None,
) -> list[Assignment]:
    """Store validated feedback (idempotent upsert) and assign it to the current run's themes."""
    store.runs.current()
    store.feedback.upsert(items)
    stored = store.feedback.by_keys([(f.channel, f.source_id) for f in items])
    return assign_stored(store, embedder, stored, batch_size=batch_size, artifact_dir=artifact_dir)


def assign_file(
    store: Store,
    path: str | Path,
    *,
    channel: str | None = None,
    skip_invalid: bool = False,
    languages: LanguageIdentifier | None = None,
    chunk_size: int = 2000,
    batch_size: int = EMBED_CHUNK,
    model_dir: Path | None = None,
    artifact_dir: Path | None = None,
    progress: ProgressFactory = no_progress,
    pseudonym_key: str | None = None,
) -> tuple[RunInfo, IngestReport, list[Assignment]]:
    """Ingest a feedback file and assign it to the current run's themes, with the
    run's own embedding model.

    Returns:
        (the run assigned to, what the ingest did, the assignments).

    Raises:
        NoRunError: there is no complete run (checked before anything is ingested).
    """
    run = store.runs.current()
    report = ingest_file(
        store,
        path,
        channel=channel,
        skip_invalid=skip_invalid,
        languages=languages,
        chunk_size=chunk_size,
        progress=progress,
        collect_keys=True,
        pseudonym_key=pseudonym_key,
    )
    done = assign_stored(
        store,
        embedder_for_model(run.model_id, model_dir),
        store.feedback.by_keys(report.keys),
        batch_size=batch_size,
        artifact_dir=artifact_dir,
        progress=progress,
    )
    return run, report, done
