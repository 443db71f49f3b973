"""``GET /search``: semantic search over the run's feedback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ReadKey, RunParam, StateDep, StoreDep
from api.errors import ErrorOut
from api.schemas import FeedbackOut, SearchHitOut, SearchOut
from textinsight import semantic
from textinsight.filters import MAX_LIMIT

router = APIRouter(
    tags=["search"],
    dependencies=[ReadKey],
    responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}, 503: {"model": ErrorOut}},
)


@router.get("/search", response_model=SearchOut)
def search(
    store: StoreDep,
    state: StateDep,
    q: Annotated[str, Query(min_length=1, max_length=2000, description="What to look for.")],
    k: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Number of hits.")] = 20,
    run_id: RunParam = None,
) -> SearchOut:
    """Feedback most similar in meaning to ``q`` (the run's embedding model, cosine
    similarity over the run's cached vectors), each with its theme."""
    run = store.runs.complete_run(run_id)
    result = semantic.search(
        store, state.embedder(run.model_id), q, k=k, run_id=run.id, cache=state.vectors
    )
    return SearchOut(
        run_id=run.id,
        model_id=run.model_id,
        query=q,
        items=[
            SearchHitOut(score=h.score, feedback=FeedbackOut.from_record(h.feedback))
            for h in result.hits
        ],
    )
