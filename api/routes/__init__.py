"""One router per resource."""

from api.routes import (
    actions,
    emerging,
    feedback,
    forget,
    health,
    runs,
    search,
    summary,
    themes,
)

ROUTERS = (
    health.router,
    runs.router,
    themes.router,
    search.router,
    feedback.router,
    summary.router,
    emerging.router,
    forget.router,
    actions.router,
)
