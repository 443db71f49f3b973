"""Assign new feedback to the current run's themes without re-clustering.

Loads the run's saved ``ThemeClusterer`` and calls its ``predict``: the rule a run
ends with (``centroids.assign_by_vote``: a kNN vote of the reference members, threshold
and novelty test), so a text gets the same
theme either way, and a text about no known theme stays unassigned for ``emerging``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from textinsight.ingest.language import LanguageIdentifier
from textinsight.ingest.load import read_records
from textinsight.pipeline import EMBED_CHUNK, embed_feedback, ingest_file
from textinsight.progress import ProgressFactory, no_progress
from textinsight.records import Assignment, Feedback, IngestReport, RunInfo, StoredFeedback
from textinsight.stages.cluster import ThemeClusterer
from textinsight.stages.embed import Embedder, embedder_for_model
from textinsight.stages.sentiment import find_sentiment_model, item_sentiments
from textinsight.store import Store

if TYPE_CHECKING:
    from textinsight.ray_engine import RayEngine


def themes_for(
    store: Store,
    run: RunInfo,
    vectors: np.ndarray,
    languages: Sequence[str | None],
    engine: RayEngine | None = None,
) -> tuple[list[int | None], np.ndarray]:
    """The run's theme id for each vector (``None``: unassigned) and its similarity.

    The rule a run ends with: the run's saved ``ThemeClusterer`` predicts (on the
    Ray workers with an ``engine``).

    Raises:
        NotFoundError: the run saved no clusterer.
    """
    theme_ids, state = store.runs.clusterer(run.id)
    if engine is not None:
        labels, sims = engine.predict(state, vectors, languages)
    else:
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
    engine: RayEngine | None = None,
    model_dir: Path | None = None,
) -> list[Assignment]:
    """Assign stored feedback rows to the current run's themes and record it.

    With a Ray ``engine`` the texts are embedded and assigned on its workers
    (models cached under ``model_dir`` there); the write stays here.

    Raises:
        NoRunError: there is no complete run to assign to.
    """
    run = store.runs.current()
    if not feedback:
        return []
    if engine is not None:
        engine.embed_feedback(
            store, embedder.model_id, feedback, model_dir=model_dir, progress=progress
        )
    vectors, _ = embed_feedback(
        store,
        embedder,
        feedback,
        batch_size=batch_size,
        progress=progress,
    )
    themes, sims = themes_for(store, run, vectors, [f.language for f in feedback], engine)
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
    engine: RayEngine | None = None,
) -> tuple[RunInfo, IngestReport, list[Assignment]]:
    """Ingest a feedback file and assign it to the current run's themes, with the
    run's own embedding model; with a Ray ``engine`` the rows are prepared, embedded
    and assigned on its workers.

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
        reader=engine.read_records if engine is not None else read_records,
    )
    done = assign_stored(
        store,
        embedder_for_model(run.model_id, model_dir),
        store.feedback.by_keys(report.keys),
        batch_size=batch_size,
        artifact_dir=artifact_dir,
        progress=progress,
        engine=engine,
        model_dir=model_dir,
    )
    return run, report, done
