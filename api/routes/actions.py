"""``/actions``: log an action against a theme (write key), list and measure them (read key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.action_schemas import ActionIn, ActionOut, ActionPage, ActionReportOut
from api.deps import MAX_ID, Limit, Offset, ReadKey, RunParam, StoreDep, WriteKey
from api.errors import ErrorOut
from textinsight import actions

router = APIRouter(
    prefix="/actions",
    tags=["actions"],
    responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
)


@router.post("", response_model=ActionOut, dependencies=[WriteKey])
def add_action(store: StoreDep, body: ActionIn) -> ActionOut:
    """Log an action against a theme or a category of the current run (scope empty:
    everywhere); exactly one of ``theme_id`` and ``category_id``."""
    logged = actions.add_action(
        store,
        theme_id=body.theme_id,
        category_id=body.category_id,
        date=body.date.isoformat(),
        note=body.note,
        stores=body.stores,
        segments=body.segments,
        channels=body.channels,
    )
    return ActionOut.from_record(logged)


@router.get("", response_model=ActionPage, dependencies=[ReadKey])
def list_actions(store: StoreDep, limit: Limit = 50, offset: Offset = 0) -> ActionPage:
    """Logged actions, oldest first (not measured: see ``/actions/{id}``)."""
    items = actions.list_actions(store)
    return ActionPage(
        total=len(items),
        limit=limit,
        offset=offset,
        items=[ActionOut.from_record(a) for a in items[offset : offset + limit]],
    )


@router.get("/{action_id}", response_model=ActionReportOut, dependencies=[ReadKey])
def get_action(
    store: StoreDep,
    action_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    run_id: RunParam = None,
) -> ActionReportOut:
    """One action measured on the current run (or ``?run=``): volume share, sentiment,
    churn and repurchase before vs after its date against a comparison, with intervals,
    the pre-trend check and the money."""
    return ActionReportOut.from_record(actions.action_report(store, action_id, run_id))
