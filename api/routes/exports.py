"""``GET /export/{table}``: flat tables for BI tools, as CSV or Parquet."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import FeedbackFilterDep, ReadKey, ResponsesDep, RunParam, StoreDep
from api.errors import ErrorOut
from textinsight import exports

router = APIRouter(
    tags=["export"],
    dependencies=[ReadKey],
    responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}, 503: {"model": ErrorOut}},
)

MEDIA = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


@router.get(
    "/export/{table}",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.apache.parquet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            }
        }
    },
)
async def export_table(
    store: StoreDep,
    responses: ResponsesDep,
    table: Literal["feedback", "themes", "trends"],
    where: FeedbackFilterDep,
    run_id: RunParam = None,
    fmt: Annotated[
        Literal["csv", "parquet"],
        Query(alias="format", description="csv (default) or parquet (needs pyarrow: 422 without)."),
    ] = "csv",
    interval: Annotated[
        Literal["day", "week", "month"], Query(description="trends: period length.")
    ] = "week",
) -> Response:
    """One flat table (feedback, themes, or zero-filled trends) of the run, recomputed
    for the filters; columns are documented in docs/api.md."""

    exports.check_format(fmt)

    def build() -> Response:
        run = store.runs.complete_run(run_id)
        columns, rows = exports.table(store, table, run, where, interval=interval)
        body: bytes | str = (
            exports.to_csv(columns, rows) if fmt == "csv" else exports.to_parquet(columns, rows)
        )
        name = f"{table}-run-{run.id}.{fmt}"
        return Response(
            body,
            media_type=MEDIA[fmt],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return await responses.respond(("export", table, run_id, where, fmt, interval), build)
