"""Request body size limit: checked on ``Content-Length`` and on the streamed body.

A pure ASGI middleware: a declared length over the limit is refused before any of
the body is read; a body without a length (chunked) is read up to the limit and
refused as soon as it passes it. Accepted bodies are handed on unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse(
        {
            "detail": f"Request body is larger than {limit} bytes, this server's limit "
            "(TEXTINSIGHT_MAX_REQUEST_BYTES). Send a smaller body, e.g. fewer feedback "
            "items per POST /feedback request."
        },
        status_code=413,
    )


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes()`` bytes with 413.

    Args:
        app: the ASGI app to protect.
        max_bytes: returns the current limit (read per request, so settings
            overridden in tests apply).
    """

    def __init__(self, app: ASGIApp, max_bytes: Callable[[], int]):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes()
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                response = JSONResponse(
                    {"detail": "Content-Length must be a whole number of bytes."}, 400
                )
                await response(scope, receive, send)
                return
            if int(declared) > limit:
                await _too_large(limit)(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its whole body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _too_large(limit)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
