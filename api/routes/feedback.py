"""``POST /feedback``: push a batch of feedback (needs a ``write`` key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from api.deps import SettingsDep, StateDep, StoreDep, WriteKey
from api.errors import ErrorOut
from api.ingest import MAX_BATCH, ingest_batch
from api.schemas import FeedbackBatchOut, FeedbackIn

router = APIRouter(
    prefix="/feedback",
    tags=["feedback"],
    dependencies=[WriteKey],
    responses={409: {"model": ErrorOut}, 413: {"model": ErrorOut}, 503: {"model": ErrorOut}},
)


@router.post("", response_model=FeedbackBatchOut)
def post_feedback(
    store: StoreDep,
    state: StateDep,
    settings: SettingsDep,
    batch: Annotated[
        list[FeedbackIn],
        Body(max_length=MAX_BATCH, description=f"At most {MAX_BATCH} feedback items."),
    ],
) -> FeedbackBatchOut:
    """Validate, PII-redact, store, embed and assign feedback to a theme of
    the current run (or leave it unassigned).

    Idempotent on (channel, source_id): posting an item again updates it. Nothing is
    stored when any item is invalid (422 names each item's index and field). Without
    a complete run the request is refused with 409 and nothing is stored.
    """
    return ingest_batch(store, state, settings, batch)
