"""``GET /health``: no API key needed."""

from __future__ import annotations

import sqlite3

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import SettingsDep, StoreDep
from api.schemas import HealthOut
from textinsight.errors import NoRunError

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "The store cannot be read."}},
)
def health(store: StoreDep, settings: SettingsDep) -> HealthOut | JSONResponse:
    """Whether the store is reachable, the current run id and its model id."""
    try:
        version = store.schema_version
        run = store.runs.current()
    except NoRunError:
        return HealthOut(
            status="ok",
            store_reachable=True,
            schema_version=version,
            configured_model=settings.model,
        )
    except (sqlite3.Error, OSError) as exc:
        out = HealthOut(
            status="unavailable",
            store_reachable=False,
            configured_model=settings.model,
            detail=f"{type(exc).__name__}: {exc}",
        )
        return JSONResponse(out.model_dump(), status_code=503)
    return HealthOut(
        status="ok",
        store_reachable=True,
        schema_version=version,
        current_run_id=run.id,
        model_id=run.model_id,
        configured_model=settings.model,
    )
