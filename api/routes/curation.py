"""Curation of themes with a ``write`` key: rename, merge, hide; and its history.

Stored by stable theme id, so it holds in later runs (see ``textinsight.curation``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import MAX_ID, ReadKey, StoreDep, ThemeId, WriteKey
from api.errors import ErrorOut
from api.record_models import record_model
from api.routes.dashboard import CurationChangeOut
from textinsight import curation
from textinsight.store.curation import CurationEntry

router = APIRouter(
    tags=["curation"],
    responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)


class RenameIn(BaseModel):
    """The analyst's label; empty restores the described one."""

    label: str = Field(max_length=curation.MAX_LABEL)


class MergeIn(BaseModel):
    """The theme to merge into."""

    into: int = Field(ge=1, le=MAX_ID, description="Theme id that absorbs this one.")


class HideIn(BaseModel):
    """Hide (true) or show again (false)."""

    hidden: bool = True


if TYPE_CHECKING:  # models built at run time are no valid base class for mypy
    CurationFields = BaseModel
else:
    CurationFields = record_model(
        "CurationFields",
        CurationEntry,
        descriptions={"label": "The analyst's label; null: the described one."},
    )


class CurationOut(CurationFields):
    """The curation in force for a theme after the change."""

    @classmethod
    def of(cls, entry: CurationEntry) -> CurationOut:
        return cls(**vars(entry))


class CurationLogOut(BaseModel):
    """Every curation change, oldest first."""

    items: list[CurationChangeOut]


@router.post("/themes/{theme_id}/rename", response_model=CurationOut, dependencies=[WriteKey])
def rename(store: StoreDep, theme_id: ThemeId, body: RenameIn) -> CurationOut:
    """Give the theme a label of the analyst's; it keeps it in later runs."""
    return CurationOut.of(curation.rename(store, theme_id, body.label))


@router.post("/themes/{theme_id}/merge", response_model=CurationOut, dependencies=[WriteKey])
def merge(store: StoreDep, theme_id: ThemeId, body: MergeIn) -> CurationOut:
    """Read this theme as part of theme ``into`` from now on (also in later runs)."""
    return CurationOut.of(curation.merge(store, theme_id, body.into))


@router.post("/themes/{theme_id}/hide", response_model=CurationOut, dependencies=[WriteKey])
def hide(store: StoreDep, theme_id: ThemeId, body: HideIn) -> CurationOut:
    """Hide (archive) the theme from theme lists, or show it again."""
    return CurationOut.of(curation.hide(store, theme_id, body.hidden))


@router.get("/curation", response_model=CurationLogOut, dependencies=[ReadKey])
def curation_log(store: StoreDep) -> CurationLogOut:
    """Every rename, merge and hide, oldest first."""
    return CurationLogOut(items=[CurationChangeOut.of(c) for c in curation.history(store)])
