"""``GET /emerging``: candidate new themes in the unassigned feedback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import ReadKey, StateDep, StoreDep, WriteKey
from api.errors import ErrorOut
from textinsight.emerging import find_emerging, promote

router = APIRouter(
    tags=["emerging"],
    responses={409: {"model": ErrorOut}, 503: {"model": ErrorOut}},
)


class EmergingThemeOut(BaseModel):
    """A dense group of feedback that no current theme holds (``id``: to promote it)."""

    id: str
    label: str
    keywords: list[str]
    size: int
    quotes: list[str]
    customers: int
    value_total: float | None
    recent: int
    previous: int
    growth: float


class EmergingOut(BaseModel):
    """The unassigned pool of the current run and the candidate themes in it."""

    run_id: int
    pool: int
    items: list[EmergingThemeOut]


class PromotedOut(BaseModel):
    """The theme a candidate became."""

    run_id: int
    theme_id: int
    label: str
    size: int


@router.get("/emerging", response_model=EmergingOut, dependencies=[ReadKey])
def emerging(
    store: StoreDep,
    state: StateDep,
    min_size: Annotated[int, Query(ge=2, le=10_000, description="Smallest group.")] = 5,
) -> EmergingOut:
    """Cluster the current run's unassigned feedback (with the run's model) and rank the
    groups by the value of their customers, then size."""
    run = store.runs.current()
    pool, found = find_emerging(
        store, state.embedder(run.model_id), seed=state.settings.seed, min_size=min_size
    )
    return EmergingOut(
        run_id=run.id,
        pool=pool,
        items=[
            EmergingThemeOut(
                id=e.id,
                label=e.label,
                keywords=list(e.keywords),
                size=e.size,
                quotes=list(e.quotes),
                customers=e.customers,
                value_total=e.value_total,
                recent=e.recent,
                previous=e.previous,
                growth=e.growth,
            )
            for e in found
        ],
    )


@router.post(
    "/emerging/{candidate_id}/promote",
    response_model=PromotedOut,
    dependencies=[WriteKey],
    responses={404: {"model": ErrorOut}},
)
def promote_candidate(
    candidate_id: str,
    store: StoreDep,
    state: StateDep,
    min_size: Annotated[int, Query(ge=2, le=10_000, description="As listed with.")] = 5,
) -> PromotedOut:
    """Make an emerging candidate a theme of the current run, without a full re-run."""
    run = store.runs.current()
    theme = promote(
        store,
        state.embedder(run.model_id),
        candidate_id,
        seed=state.settings.seed,
        min_size=min_size,
    )
    return PromotedOut(run_id=theme.run_id, theme_id=theme.id, label=theme.label, size=theme.size)
