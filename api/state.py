"""What the app holds between requests: store connections, models, the search index,
the response cache.

One ``AppState`` lives on ``app.state.textinsight``. It is created empty by
``create_app`` and filled in ``lifespan`` (models are loaded and warmed there once);
anything not loaded yet is loaded on first use, so the app also works without a
lifespan (e.g. a ``TestClient`` used without ``with``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from api.cache import ResponseCache
from textinsight.config import Settings
from textinsight.errors import ModelError
from textinsight.ingest.language import LanguageIdentifier
from textinsight.queries import VectorIndexCache
from textinsight.stages.embed import AUTO, Embedder, embedder_for_model, get_embedder
from textinsight.store import Store

log = logging.getLogger("textinsight.api")


class ThreadStores:
    """One :class:`Store` per worker thread for one database file.

    ``sqlite3`` refuses to use a connection from a thread other than the one that
    opened it, and FastAPI runs a sync dependency and the sync route handler in
    different threadpool threads. So the ``StoreDep`` dependency hands out this
    object: every attribute access (``store.runs``, ``store.reads``, ...) goes to the
    calling thread's own Store, opened on that thread's first use and kept for the
    next request on the same thread.
    """

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._local = threading.local()

    def get(self) -> Store:
        """The calling thread's Store, opened on first use."""
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.path)
            self._local.store = store
        return store

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)

    def release(self) -> None:
        """Drop every thread's Store; each connection closes when collected."""
        self._local = threading.local()


class LockedEmbedder:
    """An embedder used by one request at a time (model objects are not all thread-safe)."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder
        self.model_id = embedder.model_id
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return self.embedder.encode(texts)


_EMBEDDERS: dict[str, LockedEmbedder] = {}
_EMBEDDERS_LOCK = threading.Lock()


def embedder_by_name(name: str) -> LockedEmbedder:
    """The process-wide embedder registered as ``name`` (built once per process)."""
    with _EMBEDDERS_LOCK:
        if name not in _EMBEDDERS:
            _EMBEDDERS[name] = LockedEmbedder(get_embedder(name))
        return _EMBEDDERS[name]


def embedder_by_model_id(model_id: str) -> LockedEmbedder:
    """The process-wide embedder that produces vectors cached under ``model_id``."""
    with _EMBEDDERS_LOCK:
        for embedder in _EMBEDDERS.values():
            if embedder.model_id == model_id:
                return embedder
        embedder = LockedEmbedder(embedder_for_model(model_id))
        _EMBEDDERS[f"model:{model_id}"] = embedder
        return embedder


class AppState:
    """Per-app holder of store connections, models, the search index and response caches."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stores: dict[str, ThreadStores] = {}
        self._responses: dict[str, ResponseCache] = {}
        self._languages: dict[tuple[tuple[str, ...], float], LanguageIdentifier] = {}
        self.vectors = VectorIndexCache()

    def stores(self, path: str | Path) -> ThreadStores:
        """The per-thread stores of the database at ``path``."""
        with self._lock:
            return self._stores.setdefault(str(path), ThreadStores(path))

    def responses(self, path: str | Path) -> ResponseCache:
        """The cache of rendered read responses over the database at ``path``."""
        with self._lock:
            cache = self._responses.get(str(path))
            if cache is None:
                cache = self._responses[str(path)] = ResponseCache(path)
            return cache

    def languages(self, settings: Settings) -> LanguageIdentifier:
        """The language detector for the configured languages."""
        key = (settings.language_codes, settings.min_language_confidence)
        with self._lock:
            if key not in self._languages:
                self._languages[key] = LanguageIdentifier(*key)
            return self._languages[key]

    def embedder(self, model_id: str) -> LockedEmbedder:
        """The embedder of runs embedded under ``model_id`` (queries and new feedback)."""
        return embedder_by_model_id(model_id)

    def warm(self, settings: Settings) -> None:
        """Load the configured embedding model and language detector once, at startup.

        A model that cannot load is logged, not fatal: themes, runs and summaries
        still work, and search and ``POST /feedback`` answer 503 with the reason.
        """
        self.languages(settings).detect(["warm-up"])
        if settings.model == AUTO:  # the run's own model loads on first use
            return
        try:
            embedder_by_name(settings.model).encode(["warm-up"])
        except ModelError as exc:
            log.warning("embedding model not loaded: %s", exc)

    def close(self) -> None:
        """Release every store connection and response cache."""
        with self._lock:
            for stores in self._stores.values():
                stores.release()
            self._stores.clear()
            for responses in self._responses.values():
                responses.close()
            self._responses.clear()
