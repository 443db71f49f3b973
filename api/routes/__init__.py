"""One router per resource."""

from api.routes import (
    actions,
    curation,
    dashboard,
    emerging,
    exports,
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
    dashboard.router,
    curation.router,
    exports.router,
)
