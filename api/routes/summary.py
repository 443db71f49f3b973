"""``GET /summary``: totals and top themes for dashboards, as JSON or CSV.

Answers come from the response cache (``api/cache.py``) while the database is
unchanged; the API key is checked on every request all the same.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from api.deps import FeedbackFilterDep, ReadKey, ResponsesDep, RunParam, StoreDep
from api.errors import ErrorOut
from api.schemas import SummaryOut
from textinsight import summary as run_summary
from textinsight.filters import MAX_LIMIT

router = APIRouter(
    tags=["summary"],
    dependencies=[ReadKey],
    responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
)


def wants_csv(fmt: str | None, accept: str | None) -> bool:
    """``?format=`` wins; without it, an Accept header naming text/csv asks for CSV."""
    if fmt is not None:
        return fmt == "csv"
    return accept is not None and "text/csv" in accept.lower()


@router.get(
    "/summary",
    response_model=SummaryOut,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def summary(
    store: StoreDep,
    responses: ResponsesDep,
    where: FeedbackFilterDep,
    run_id: RunParam = None,
    top: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Top themes.")] = 10,
    fmt: Annotated[
        Literal["json", "csv"] | None,
        Query(alias="format", description="json (default) or csv; or send Accept: text/csv."),
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """Totals, the unassigned share and the top themes (by impact when the run has
    value metrics, else by size) with their metrics; the filters recompute both for
    the matching feedback."""
    csv = wants_csv(fmt, accept)

    def build() -> SummaryOut | Response:
        result = run_summary.summary(store, run_id, top=top, where=where)
        if csv:
            return Response(
                run_summary.summary_csv(result),
                media_type="text/csv; charset=utf-8",
                headers={
                    "Content-Disposition": f'attachment; filename="summary-run-{result.run.id}.csv"'
                },
            )
        return SummaryOut.from_record(result, run_summary.SUMMARY_KEYWORDS)

    return await responses.respond(("summary", run_id, top, csv, where), build)
