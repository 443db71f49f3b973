"""Glue for ``POST /feedback``: validate, redact, store, embed and assign one batch.

All the work is the library's (``prepare_feedback`` then ``assign_new``); this only
collects item errors into one 422 and labels the assignments.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from api import state as state_module
from api.errors import InvalidBatch
from api.schemas import AssignmentOut, FeedbackBatchOut, FeedbackIn
from api.state import AppState
from textinsight.assign import assign_new
from textinsight.config import Settings
from textinsight.errors import StoreBusyError, ValidationError
from textinsight.ingest.load import prepare_feedback
from textinsight.pipeline import embed_cached, pseudonymiser
from textinsight.store import Store, text_hash

MAX_BATCH = 1000
"""Most feedback items one request may post."""
WRITE_QUEUE = threading.Lock()
"""This process's API writes queue here rather than poll SQLite's lock against each
other (polling lets one waiter starve behind the others)."""


@contextmanager
def _queued() -> Iterator[None]:
    """Hold :data:`WRITE_QUEUE`, waiting at most twice the API's write wait."""
    wait = 2 * state_module.API_WRITE_WAIT_S
    if not WRITE_QUEUE.acquire(timeout=wait):
        raise StoreBusyError("write", wait)
    try:
        yield
    finally:
        WRITE_QUEUE.release()


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
        pseudonyms=pseudonymiser(store, settings.pseudonym_key or None),
    )
    if errors:
        raise InvalidBatch(errors)
    embedder = state.embedder(run.model_id)
    # embed first (cached, its own short writes), so the one transaction below that
    # stores the whole batch or nothing (503 when busy) holds the write lock briefly
    embed_cached(
        store,
        embedder,
        [f.text for f in items],
        [text_hash(f.text) for f in items],
        batch_size=settings.batch_size,
    )
    with _queued(), store.transaction():
        assignments = assign_new(
            store,
            embedder,
            items,
            batch_size=settings.batch_size,
            artifact_dir=settings.artifact_dir,
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
