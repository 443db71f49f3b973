"""Wire the FastAPI app: routers, error handlers, the body size limit, the lifespan.

``textinsight serve`` runs ``uvicorn.run(create_app(Settings(db=...)))``.
Endpoint documentation with examples: ``docs/api.md``; OpenAPI docs at ``/docs``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import docs, errors
from api.app import mount_dashboard
from api.auth import parse_api_keys
from api.cache import CachedReads
from api.deps import app_state, resolve_settings
from api.limits import BodySizeLimit
from api.routes import ROUTERS
from api.security import SecurityHeaders, quiet_access_log
from api.state import AppState
from textinsight.config import Settings, get_settings

DESCRIPTION = """
Themes found in customer feedback, for CX analysts, dashboards and other systems.

Every route but `/health` needs an API key in the `X-API-Key` header: keys come from
`TEXTINSIGHT_API_KEYS` (`key:scope` pairs, scope `read` or `write`; `write` implies
`read`). List routes take `limit` (1..500) and `offset` and return the `total`.
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Build the app's state once from its settings and load the models, before the
    first request; release it at shutdown."""
    settings = resolve_settings(app)
    parse_api_keys(settings.api_keys)  # a malformed TEXTINSIGHT_API_KEYS stops startup
    state = AppState(settings)
    app.state.textinsight = state
    state.warm()
    yield
    state.close()
    app.state.textinsight = None


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. ``settings`` (default: from the environment) can also be replaced
    later with ``app.dependency_overrides[get_settings]``."""
    app = FastAPI(
        title="textinsight",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from local assets by api.docs
        redoc_url=None,
    )
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    app.state.textinsight = None
    errors.install(app)
    app.add_middleware(
        CachedReads,
        cache=lambda: app_state(app).responses,
        api_keys=lambda: app_state(app).settings.api_keys,
    )
    # added last, so it runs first: a GET with an oversized body is refused, not cached
    app.add_middleware(BodySizeLimit, max_bytes=lambda: app_state(app).settings.max_request_bytes)
    app.add_middleware(SecurityHeaders)  # outermost: every answer says nosniff
    quiet_access_log()
    for router in ROUTERS:
        app.include_router(router)
    docs.install(app)
    mount_dashboard(app)
    return app
