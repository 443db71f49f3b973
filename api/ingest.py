"""Glue for ``POST /feedback``: validate, redact, store, embed and assign one batch.

All the work is the library's (``prepare_feedback`` then ``assign_new``); this only
collects item errors into one 422 and labels the assignments.
"""

from __future__ import annotations

from collections.abc import Sequence

from api.errors import InvalidBatch
from api.schemas import AssignmentOut, FeedbackBatchOut, FeedbackIn
from api.state import AppState
from textinsight.assign import assign_new
from textinsight.config import Settings
from textinsight.errors import ValidationError
from textinsight.ingest.load import prepare_feedback
from textinsight.store import Store

MAX_BATCH = 1000
"""Most feedback items one request may post."""


def ingest_batch(
    store: Store, state: AppState, settings: Settings, batch: Sequence[FeedbackIn]
) -> FeedbackBatchOut:
    """Store a batch of feedback and assign it to the current run's themes.

    Nothing is stored when any item is invalid.

    Raises:
        NoRunError: there is no complete run to assign to (answered 409).
        InvalidBatch: some items are invalid (answered 422 naming index and field).
    """
    run = store.runs.current()
    errors: list[ValidationError] = []
    items = prepare_feedback(
        [(i, item.model_dump(exclude_none=True)) for i, item in enumerate(batch)],
        channel=None,
        languages=state.languages,
        on_error=errors.append,
    )
    if errors:
        raise InvalidBatch(errors)
    embedder = state.embedder(run.model_id)
    assignments = assign_new(
        store, embedder, items, batch_size=settings.batch_size, artifact_dir=settings.artifact_dir
    )
    labels = {t.id: t.label for t in store.runs.themes(run.id)}
    out = [
        AssignmentOut(
            index=i,
            channel=item.channel,
            source_id=item.source_id,
            feedback_id=a.feedback_id,
            theme_id=a.theme_id,
            theme_label=labels.get(a.theme_id) if a.theme_id is not None else None,
            similarity=a.probability,
        )
        for i, (item, a) in enumerate(zip(items, assignments, strict=True))
    ]
    n_assigned = sum(1 for a in assignments if a.theme_id is not None)
    return FeedbackBatchOut(
        run_id=run.id,
        received=len(batch),
        assigned=n_assigned,
        unassigned=len(assignments) - n_assigned,
        items=out,
    )
