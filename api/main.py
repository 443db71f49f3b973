"""Wire the FastAPI app: routers, error handlers, the body size limit, the lifespan.

``textinsight serve`` runs ``uvicorn.run("api.main:create_app", factory=True)``.
Endpoint documentation with examples: ``docs/api.md``; OpenAPI docs at ``/docs``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.app import mount_dashboard
from api.auth import parse_api_keys
from api.cache import CachedReads
from api.deps import resolve_settings
from api.limits import BodySizeLimit
from api.routes import ROUTERS
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
    """Check the settings and load the models once, before the first request."""
    settings = resolve_settings(app)
    parse_api_keys(settings.api_keys)  # a malformed TEXTINSIGHT_API_KEYS stops startup
    state: AppState = app.state.textinsight
    state.warm(settings)
    yield
    state.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. ``settings`` (default: from the environment) can also be replaced
    later with ``app.dependency_overrides[get_settings]``."""
    app = FastAPI(
        title="textinsight",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    state = app.state.textinsight = AppState()
    errors.install(app)
    app.add_middleware(
        CachedReads,
        cache=lambda: state.responses(resolve_settings(app).db),
        api_keys=lambda: resolve_settings(app).api_keys,
    )
    # added last, so it runs first: a GET with an oversized body is refused, not cached
    app.add_middleware(BodySizeLimit, max_bytes=lambda: resolve_settings(app).max_request_bytes)
    for router in ROUTERS:
        app.include_router(router)
    mount_dashboard(app)
    return app
