"""Named dependencies: settings, the request's store, app state, the response cache,
API key checks, paging.

The dependencies are ``async``: they do no I/O, and a sync dependency would cost a
threadpool round trip each. Everything that touches the database runs in the
threadpool: in sync route handlers, or in the builder a cached route hands to
:meth:`~api.cache.RouteCache.respond`.

The settings are read once, when the app's :class:`AppState` is built (in
``lifespan``, or on first use without one): ``create_app(settings)``, or
``get_settings()`` as a test's ``app.dependency_overrides[get_settings]`` replaces it.
Every request then reads that state; none reads the environment.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Annotated, cast

from fastapi import Depends, FastAPI, Path, Query, Request, Security
from fastapi.security import APIKeyHeader

from api.auth import HEADER, Scope, check_key
from api.cache import RouteCache, request_key
from api.state import AppState
from textinsight.config import Settings, get_settings
from textinsight.filters import MAX_LIMIT, feedback_filter, parse_metadata
from textinsight.store import Store
from textinsight.store.reads import FeedbackFilter

MAX_ID = 2**63 - 1
"""Largest id SQLite can store; larger ids are refused with 422, not looked up."""


def resolve_settings(app: FastAPI) -> Settings:
    """The settings in force for ``app``, honouring a test's dependency override."""
    return cast(Settings, app.dependency_overrides.get(get_settings, get_settings)())


_STATE_LOCK = threading.Lock()


def app_state(app: FastAPI) -> AppState:
    """The app's state, built from its settings on first use when no lifespan ran."""
    state = getattr(app.state, "textinsight", None)
    if state is None:
        with _STATE_LOCK:
            state = getattr(app.state, "textinsight", None)
            if state is None:
                state = app.state.textinsight = AppState(resolve_settings(app))
    return cast(AppState, state)


def _state(request: Request) -> AppState:
    return app_state(request.app)


async def current_settings(request: Request) -> Settings:
    """The settings the app was built with (``async``: no threadpool round trip)."""
    return _state(request).settings


SettingsDep = Annotated[Settings, Depends(current_settings)]


async def get_state(request: Request) -> AppState:
    """The app's :class:`AppState`."""
    return _state(request)


StateDep = Annotated[AppState, Depends(get_state)]

# The dependencies below read the state and settings themselves rather than depend
# on StateDep and SettingsDep: FastAPI solves a sub-dependency again for every
# dependency that names it, and on a cached answer that is most of the work.


async def get_store(request: Request) -> Store:
    """The store of ``settings.db``; each worker thread uses its own connection."""
    return cast(Store, _state(request).stores)


StoreDep = Annotated[Store, Depends(get_store)]


async def get_responses(request: Request) -> RouteCache:
    """The response cache over ``settings.db``, for this request."""
    return RouteCache(_state(request).responses, request_key(request.scope))


ResponsesDep = Annotated[RouteCache, Depends(get_responses)]

api_key_header = APIKeyHeader(
    name=HEADER,
    auto_error=False,
    description="An API key from TEXTINSIGHT_API_KEYS (scope read, or write for POST).",
)
ApiKeyHeaderDep = Annotated[str | None, Security(api_key_header)]


async def require_read(request: Request, key: ApiKeyHeaderDep) -> Scope:
    """Allow a key with scope ``read`` or ``write``; else 401/403."""
    return check_key(_state(request).settings.api_keys, key, Scope.READ)


async def require_write(request: Request, key: ApiKeyHeaderDep) -> Scope:
    """Allow a key with scope ``write``; else 401/403."""
    return check_key(_state(request).settings.api_keys, key, Scope.WRITE)


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
    member: Annotated[
        bool | None, Query(description="true: club members only; false: non-members only.")
    ] = None,
    store: Annotated[
        str | None, Query(max_length=200, description="Only feedback about this store id.")
    ] = None,
    meta: Annotated[
        list[str] | None,
        Query(
            max_length=20,
            description="field:value: only feedback whose metadata field has this value "
            "(repeat for several fields).",
        ),
    ] = None,
    text: Annotated[
        str | None,
        Query(max_length=200, description="Only feedback whose text contains these words."),
    ] = None,
) -> FeedbackFilter:
    """The feedback filter shared by theme listing, theme feedback, trends, summaries,
    comparisons and exports."""
    return feedback_filter(
        channel=channel,
        language=language,
        segment=segment,
        since=since,
        until=until,
        member=member,
        store=store,
        metadata=parse_metadata(meta or []),
        text=text,
    )


FeedbackFilterDep = Annotated[FeedbackFilter, Depends(get_feedback_filter)]
