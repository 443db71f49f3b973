"""The analyst's dashboard: a single-page app at ``/app``, served by the API process.

The page and its assets need no key (they hold no data); every number on the page
comes from the JSON API, called with the key the analyst enters once (kept in the
tab's ``sessionStorage``, sent in the ``X-API-Key`` header, never in a URL). Charts are
drawn by the ``plotly.min.js`` of the installed ``plotly`` package, served from
``/app/static/plotly.min.js``: nothing is loaded from another host.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.responses import FileResponse, RedirectResponse, Response

from textinsight.charts import plotly_js

WEB = Path(__file__).resolve().parent / "web"
"""index.html, app.js and app.css of the dashboard."""

ASSETS = {"app.js": "text/javascript", "app.css": "text/css"}
CACHE = {"Cache-Control": "no-cache"}
"""Revalidate assets on every load (ETag), so an upgrade is never mixed with stale code."""

router = APIRouter(prefix="/app", include_in_schema=False)


@router.get("")
def index() -> Response:
    """The dashboard page."""
    return FileResponse(WEB / "index.html", media_type="text/html", headers=CACHE)


@router.get("/static/plotly.min.js")
def plotly() -> Response:
    """plotly.js from the installed plotly wheel (cached for a day: it changes only with
    the package)."""
    return FileResponse(
        plotly_js(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"}
    )


@router.get("/static/{name}")
def asset(name: str) -> Response:
    """The dashboard's script and style sheet."""
    if name not in ASSETS:
        raise HTTPException(404, f"No dashboard asset '{name}'.")
    return FileResponse(WEB / name, media_type=ASSETS[name], headers=CACHE)


def mount_dashboard(app: FastAPI) -> None:
    """Serve the dashboard at ``/app`` (and send ``/`` there)."""
    app.include_router(router)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/app")
