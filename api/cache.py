"""Rendered responses of read routes, kept until the database changes.

A read route's answer depends only on the database and the request's parameters,
never on which key asked. So its rendered bytes are kept and sent again without
touching SQLite, pydantic or the JSON encoder until anyone commits to the database
file (a completed run, ``POST /feedback``, an ingest from the CLI in another
process): :class:`~textinsight.store.DataVersion` notices every such commit, and the
first request after it empties the cache. A response built while a commit lands is
kept under the version read *before* building, so it is dropped too, never served
as newer than it is.

Each response is kept under two keys:

- the route's own key, ``(route, validated parameters...)``, given by the route to
  :meth:`RouteCache.respond`: ``?limit=50`` and no ``limit`` share one entry;
- the raw request, ``(path, query string, Accept header)``: :class:`CachedReads`
  answers a byte-identical repeat from it before routing, skipping FastAPI's
  parameter validation too, after the same API key check the route makes.

Bounded: at most ``max_entries`` entries and ``max_bytes`` of bodies, the least
recently used dropped first. Only successful responses are kept: a builder's
errors are raised, never stored.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api import auth
from textinsight.store import DataVersion

JSON = "application/json"

Built = BaseModel | Response
"""What a route's builder returns: its response model, or a ready response (CSV)."""


@dataclass(frozen=True)
class Rendered:
    """A response's body and headers (content type included), ready to send again."""

    body: bytes
    headers: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, built: Built) -> Rendered:
        """Render a response model as FastAPI does (JSON, by alias), or keep a response."""
        if isinstance(built, Response):
            headers = tuple((k, v) for k, v in built.headers.items() if k != "content-length")
            return cls(bytes(built.body), headers)
        return cls(built.model_dump_json(by_alias=True).encode(), (("content-type", JSON),))

    def response(self) -> Response:
        """A fresh response with this body and these headers."""
        return Response(self.body, headers=dict(self.headers))


def request_key(scope: Scope) -> tuple[str, str, bytes, bytes]:
    """What a cached route's answer may depend on besides the database: the path, the
    query string and the Accept header (``/summary`` answers CSV to ``text/csv``)."""
    accept = next((v for k, v in scope["headers"] if k == b"accept"), b"")
    return ("request", scope["path"], scope["query_string"], accept)


class ResponseCache:
    """An LRU of rendered responses for one database file, emptied when it changes.

    Args:
        path: the database file (``:memory:``: nothing is cached, every request builds).
        max_entries: most entries kept (a response kept under both keys counts twice).
        max_bytes: most body bytes kept; a larger body is sent but not kept.
    """

    def __init__(self, path: str | Path, *, max_entries: int = 512, max_bytes: int = 64 << 20):
        self.path = str(path)
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._version: DataVersion | None = None
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, Rendered] = OrderedDict()
        self._size = 0
        self._entries_version: int | None = None
        self._build_locks = tuple(threading.Lock() for _ in range(16))

    def version(self) -> int | None:
        """The database's current data version; ``None`` when it cannot be watched."""
        if self.path == ":memory:":
            return None
        with self._lock:
            if self._version is None:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                self._version = DataVersion(self.path)
            version = self._version
        return version()

    def get(self, version: int, key: Hashable) -> Rendered | None:
        """The response kept for ``key`` at ``version``; ``None`` when absent."""
        with self._lock:
            if version != self._entries_version:  # the database changed: start afresh
                self._entries.clear()
                self._size = 0
                self._entries_version = version
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, version: int, key: Hashable, rendered: Rendered) -> None:
        """Keep ``rendered`` for ``key``, unless the database has changed since ``version``."""
        if len(rendered.body) > self.max_bytes:
            return
        with self._lock:
            if version != self._entries_version:
                return  # built from data older than the entries: keep nothing
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old.body)
            self._entries[key] = rendered
            self._size += len(rendered.body)
            while len(self._entries) > self.max_entries or self._size > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped.body)

    def build(self, version: int, key: Hashable, build: Callable[[], Built]) -> Rendered:
        """The response kept for ``key``, or ``build()`` rendered and kept. Blocking (run
        it in the threadpool); concurrent misses of one key build it once."""
        with self._build_locks[hash(key) % len(self._build_locks)]:
            found = self.get(version, key)
            if found is None:
                found = Rendered.of(build())
                self.put(version, key, found)
            return found

    def __len__(self) -> int:
        return len(self._entries)

    def close(self) -> None:
        """Drop every entry and stop watching the database."""
        with self._lock:
            self._entries.clear()
            self._size = 0
            self._entries_version = None
            if self._version is not None:
                self._version.close()
                self._version = None


class RouteCache:
    """The response cache as one request's route handler uses it.

    Only for ``GET`` routes that need a ``read`` key and whose answer depends on
    nothing in the request but what :func:`request_key` names.
    """

    def __init__(self, cache: ResponseCache, request: Hashable):
        self.cache = cache
        self.request = request

    async def respond(self, key: Hashable, build: Callable[[], Built]) -> Response:
        """The kept response for ``key``, or ``build()`` (run in the threadpool) rendered
        and kept under ``key`` and under this request."""
        version = self.cache.version()
        if version is None:
            return Rendered.of(await run_in_threadpool(build)).response()
        found = self.cache.get(version, key)
        if found is None:
            found = await run_in_threadpool(self.cache.build, version, key, build)
        self.cache.put(version, self.request, found)
        return found.response()


class CachedReads:
    """ASGI middleware: answer a ``GET`` that a cached route already answered, unchanged
    since, straight from the cache, when its API key may read.

    Anything else (another method, a miss, a key that is missing, unknown or not
    allowed, a database that cannot be read) goes on to the app, which answers or
    refuses it as usual.

    Args:
        app: the ASGI app.
        cache: returns the response cache of the database in force.
        api_keys: returns ``TEXTINSIGHT_API_KEYS`` in force.
    """

    def __init__(
        self, app: ASGIApp, cache: Callable[[], ResponseCache], api_keys: Callable[[], str]
    ):
        self.app = app
        self.cache = cache
        self.api_keys = api_keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            found = self._lookup(scope)
            if found is not None:
                await found.response()(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _lookup(self, scope: Scope) -> Rendered | None:
        cache = self.cache()
        try:
            version = cache.version()
        except (sqlite3.Error, OSError):
            return None  # the route reports it
        if version is None:
            return None
        found = cache.get(version, request_key(scope))
        if found is None:
            return None
        header = auth.HEADER.lower().encode("latin-1")
        sent = next((v.decode("latin-1") for k, v in scope["headers"] if k == header), None)
        try:
            auth.check_key(self.api_keys(), sent, auth.Scope.READ)
        except HTTPException:
            return None  # the route refuses it
        return found
