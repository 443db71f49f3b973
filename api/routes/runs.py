"""``GET /runs`` and ``GET /runs/{id}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import MAX_ID, Limit, Offset, ReadKey, StoreDep
from api.errors import ErrorOut
from api.schemas import RunOut, RunPage
from textinsight import queries

router = APIRouter(prefix="/runs", tags=["runs"], dependencies=[ReadKey])


@router.get("", response_model=RunPage)
def list_runs(store: StoreDep, limit: Limit = 50, offset: Offset = 0) -> RunPage:
    """Runs of any status, newest first, with parameters, counts and timings."""
    page = queries.list_runs(store, limit=limit, offset=offset)
    return RunPage(
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        items=[RunOut.from_record(r) for r in page.items],
    )


@router.get("/{run_id}", response_model=RunOut, responses={404: {"model": ErrorOut}})
def get_run(store: StoreDep, run_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> RunOut:
    """One run by id."""
    return RunOut.from_record(store.runs.get(run_id))
