"""What the app holds between requests: its settings, store connections, models, the
search index, the response cache.

One ``AppState`` lives on ``app.state.textinsight``, built once from one Settings
object in ``lifespan`` (models are loaded and warmed there). Without a lifespan (a
``TestClient`` used without ``with``) it is built on first use; either way every
request reads the same state and nothing is process-wide.
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
from textinsight.semantic import VectorIndexCache
from textinsight.stages.embed import AUTO, Embedder, embedder_for_model, get_embedder
from textinsight.store import Store

log = logging.getLogger("textinsight.api")

API_WRITE_WAIT_S = 5.0
"""How long an API write waits for another writer before answering 503 + Retry-After."""


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
            store = Store(self.path, write_wait_s=API_WRITE_WAIT_S)
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


class AppState:
    """Per-app settings, store connections, models, search index and response cache.

    Args:
        settings: the settings the app serves with; they do not change while it runs.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stores = ThreadStores(settings.db)
        self.responses = ResponseCache(settings.db)
        self.languages = LanguageIdentifier.from_settings(settings)
        self.vectors = VectorIndexCache()
        self._embedders: dict[str, LockedEmbedder] = {}
        self._lock = threading.Lock()

    def embedder(self, model_id: str) -> LockedEmbedder:
        """The embedder of runs embedded under ``model_id`` (queries and new feedback),
        built once per app."""
        with self._lock:
            if model_id not in self._embedders:
                self._embedders[model_id] = LockedEmbedder(
                    embedder_for_model(model_id, self.settings.model_dir)
                )
            return self._embedders[model_id]

    def warm(self) -> None:
        """Load the configured embedding model and language detector once, at startup.

        A model that cannot load is logged, not fatal: themes, runs and summaries
        still work, and search and ``POST /feedback`` answer 503 with the reason.
        """
        self.languages.detect(["warm-up"])
        if self.settings.model == AUTO:  # the run's own model loads on first use
            return
        try:
            embedder = LockedEmbedder(get_embedder(self.settings.model, self.settings.model_dir))
            embedder.encode(["warm-up"])
        except ModelError as exc:
            log.warning("embedding model not loaded: %s", exc)
            return
        with self._lock:
            self._embedders.setdefault(embedder.model_id, embedder)

    def close(self) -> None:
        """Release every store connection and the response cache."""
        self.stores.release()
        self.responses.close()
