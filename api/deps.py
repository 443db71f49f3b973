"""Named dependencies: settings, the request's store, app state, API key checks, paging.

The cheap dependencies are ``async``: they do no I/O, and a sync dependency would cost
a threadpool round trip each. Everything that touches the database runs in the sync
route handlers, in the threadpool.

Tests override settings with ``app.dependency_overrides[get_settings]``; everything
else here (and ``resolve_settings`` for code outside a request) follows the override.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, cast

from fastapi import Depends, FastAPI, Path, Query, Request, Security
from fastapi.security import APIKeyHeader

from api.auth import HEADER, Scope, check_key
from api.state import AppState
from textinsight.config import Settings, get_settings
from textinsight.queries import MAX_LIMIT, FeedbackFilter, feedback_filter
from textinsight.store import Store

MAX_ID = 2**63 - 1
"""Largest id SQLite can store; larger ids are refused with 422, not looked up."""

SettingsDep = Annotated[Settings, Depends(get_settings)]


def resolve_settings(app: FastAPI) -> Settings:
    """The settings in force for ``app``, honouring a test's dependency override."""
    return cast(Settings, app.dependency_overrides.get(get_settings, get_settings)())


async def get_state(request: Request) -> AppState:
    """The app's :class:`AppState`."""
    return cast(AppState, request.app.state.textinsight)


StateDep = Annotated[AppState, Depends(get_state)]


async def get_store(state: StateDep, settings: SettingsDep) -> Store:
    """The store of ``settings.db``; each worker thread uses its own connection."""
    return cast(Store, state.stores(settings.db))


StoreDep = Annotated[Store, Depends(get_store)]

api_key_header = APIKeyHeader(
    name=HEADER,
    auto_error=False,
    description="An API key from TEXTINSIGHT_API_KEYS (scope read, or write for POST).",
)
ApiKeyHeaderDep = Annotated[str | None, Security(api_key_header)]


async def require_read(settings: SettingsDep, key: ApiKeyHeaderDep) -> Scope:
    """Allow a key with scope ``read`` or ``write``; else 401/403."""
    return check_key(settings.api_keys, key, Scope.READ)


async def require_write(settings: SettingsDep, key: ApiKeyHeaderDep) -> Scope:
    """Allow a key with scope ``write``; else 401/403."""
    return check_key(settings.api_keys, key, Scope.WRITE)


ReadKey = Depends(require_read)
WriteKey = Depends(require_write)

# -- common parameters ---------------------------------------------------------------

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1..{MAX_LIMIT}.")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="Items to skip.")]
RunParam = Annotated[
    int | None,
    Query(alias="run", ge=1, le=MAX_ID, description="Run id; default: the current run."),
]
ThemeId = Annotated[int, Path(ge=1, le=MAX_ID, description="Theme id (stable across runs).")]


async def get_feedback_filter(
    channel: Annotated[
        str | None, Query(description="Only feedback from this channel (review, ticket, ...).")
    ] = None,
    language: Annotated[
        str | None, Query(max_length=16, description="Only feedback in this language (sv, ...).")
    ] = None,
    segment: Annotated[
        str | None,
        Query(max_length=200, description="Only feedback of customers in this segment."),
    ] = None,
    since: Annotated[date | None, Query(description="First day, YYYY-MM-DD (inclusive).")] = None,
    until: Annotated[date | None, Query(description="Last day, YYYY-MM-DD (inclusive).")] = None,
) -> FeedbackFilter:
    """The feedback filter shared by theme listing, theme feedback and trends."""
    return feedback_filter(
        channel=channel, language=language, segment=segment, since=since, until=until
    )


FeedbackFilterDep = Annotated[FeedbackFilter, Depends(get_feedback_filter)]
