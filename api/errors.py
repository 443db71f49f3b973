"""Library errors become HTTP responses here, and only here.

Every error body is JSON with a ``detail`` that says what to fix. Invalid input is
422 in FastAPI's own shape (``detail`` is a list of ``{loc, msg, type}``), so a
client handles library and request validation errors alike.
"""

from __future__ import annotations

import logging
import sqlite3
import traceback
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from textinsight.errors import (
    ConfigError,
    EmptyCorpusError,
    ModelError,
    NoRunError,
    NotFoundError,
    StoreBusyError,
    TextInsightError,
    ValidationError,
)
from textinsight.store.retry import is_busy

log = logging.getLogger("textinsight.api")


class InvalidBatch(TextInsightError):
    """Some items of a ``POST /feedback`` batch are invalid; nothing was stored.

    Attributes:
        errors: the item errors; each one's ``line`` is the 0-based item index.
    """

    def __init__(self, errors: Sequence[ValidationError]):
        self.errors = list(errors)
        super().__init__(f"{len(self.errors)} invalid item(s); nothing was stored")


class ErrorOut(BaseModel):
    """An error: ``detail`` says what went wrong and what to do."""

    detail: str


STATUS: tuple[tuple[type[TextInsightError], int], ...] = (
    (NoRunError, 409),
    (NotFoundError, 404),
    (ValidationError, 422),
    (EmptyCorpusError, 409),
    (ModelError, 503),
    (ConfigError, 503),
)
"""Most specific first: the first matching class decides the status."""


def _issue(error: ValidationError, where: list[str | int]) -> dict[str, Any]:
    loc = [*where, error.field] if error.field else where
    return {"loc": loc, "msg": error.reason, "type": "value_error"}


def _response(exc: Exception) -> JSONResponse:
    if isinstance(exc, InvalidBatch):
        issues = [_issue(e, ["body", e.line if e.line is not None else 0]) for e in exc.errors]
        return JSONResponse({"detail": issues}, status_code=422)
    if isinstance(exc, ValidationError):
        return JSONResponse({"detail": [_issue(exc, ["query"])]}, status_code=422)
    if isinstance(exc, StoreBusyError) or is_busy(exc):
        retry = exc.retry_after if isinstance(exc, StoreBusyError) else 5
        return JSONResponse(
            {
                "detail": "The database is busy with another write (an ingest or a run); "
                f"nothing was stored. Retry in about {retry} s."
            },
            status_code=503,
            headers={"Retry-After": str(retry)},
        )
    if isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError:
        return JSONResponse(
            {
                "detail": f"The database could not be read: {exc}. Check that "
                "TEXTINSIGHT_DB names a readable textinsight database, then retry."
            },
            status_code=503,
        )
    if not isinstance(exc, TextInsightError):
        return _internal(exc)
    code = next((c for cls, c in STATUS if isinstance(exc, cls)), 400)
    return JSONResponse({"detail": str(exc)}, status_code=code)


async def handle_error(request: Request, exc: Exception) -> JSONResponse:
    """The one mapping from library errors (and an unreadable database) to HTTP."""
    response = _response(exc)
    if response.status_code == 500:
        _log_internal(request, exc)
    elif response.status_code > 500:
        log.warning("%s %s -> %s: %s", request.method, request.url.path, response.status_code, exc)
    return response


def _log_internal(request: Request, exc: BaseException) -> None:
    """Log an unexpected error with its traceback but without its message or any
    request data: messages of validation errors quote the input (personal data)."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error(
        "unhandled %s on %s %s\n%s",
        type(exc).__name__,
        request.method,
        request.url.path,
        frames,
    )


async def handle_request_validation(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, without echoing the input (it may hold NaN, which JSON cannot
    carry, or personal data)."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type", "")}
        for e in errors
    ]
    return JSONResponse({"detail": detail}, status_code=422)


def _internal(exc: Exception) -> JSONResponse:
    return JSONResponse(
        {"detail": f"Internal error ({type(exc).__name__}). It was logged; please report it."},
        status_code=500,
    )


async def handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    """Any other exception: logged with its traceback, answered as JSON 500; a body
    nested too deeply to parse is 422."""
    if isinstance(exc, RecursionError):
        return JSONResponse(
            {
                "detail": [
                    {
                        "loc": ["body"],
                        "msg": "JSON nested too deeply; flatten it (metadata may nest "
                        "at most 16 levels)",
                        "type": "value_error",
                    }
                ]
            },
            status_code=422,
        )
    _log_internal(request, exc)
    return _internal(exc)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(RequestValidationError, handle_request_validation)
    app.add_exception_handler(TextInsightError, handle_error)
    app.add_exception_handler(sqlite3.DatabaseError, handle_error)
    app.add_exception_handler(Exception, handle_unexpected)
