"""Semantic search: the feedback items of a run nearest in meaning to a query.

Brute force over the run's cached vectors, which :class:`VectorIndexCache` keeps in
memory between searches (the API holds one per app).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from textinsight.errors import ModelError, ValidationError
from textinsight.filters import MAX_LIMIT
from textinsight.records import RunInfo
from textinsight.stages.embed import Embedder
from textinsight.store import Store
from textinsight.store.reads import AssignedFeedback


@dataclass(frozen=True)
class SearchHit:
    """One search result: cosine similarity to the query and the feedback item."""

    score: float
    feedback: AssignedFeedback


@dataclass(frozen=True)
class SearchResult:
    """The answer of :func:`search`."""

    run: RunInfo
    hits: list[SearchHit] = field(default_factory=list)


@dataclass(frozen=True)
class VectorIndex:
    """The cached vectors of one run's feedback, rows aligned with ``ids``."""

    run_id: int
    model_id: str
    stamp: tuple[int, int]
    ids: np.ndarray
    matrix: np.ndarray


class VectorIndexCache:
    """Holds the vector matrices of the most recently searched runs.

    A run's matrix is loaded once and reloaded only when the run's number of
    assignments changes (feedback assigned since the run). Thread-safe.

    Args:
        max_runs: how many runs' matrices to keep.
    """

    def __init__(self, max_runs: int = 2):
        self.max_runs = max_runs
        self._lock = threading.Lock()
        self._indexes: dict[int, VectorIndex] = {}

    def get(self, store: Store, run: RunInfo) -> VectorIndex:
        """The index of ``run``, loading it when absent or stale."""
        stamp = store.reads.assignment_totals(run.id)
        with self._lock:
            index = self._indexes.get(run.id)
            if index is None or index.stamp != stamp:
                ids, matrix = store.reads.run_vectors(run.id, run.model_id)
                index = VectorIndex(run.id, run.model_id, stamp, ids, matrix)
                self._indexes.pop(run.id, None)
                self._indexes[run.id] = index
                while len(self._indexes) > self.max_runs:
                    self._indexes.pop(next(iter(self._indexes)))
            return index


def search(
    store: Store,
    embedder: Embedder,
    query: str,
    *,
    k: int = 20,
    run_id: int | None = None,
    cache: VectorIndexCache | None = None,
) -> SearchResult:
    """The ``k`` feedback items of a run most similar in meaning to ``query``.

    Brute-force cosine similarity over the run's cached vectors; ``embedder`` must
    be the run's model (see :func:`textinsight.stages.embed.embedder_for_model`).

    Raises:
        ModelError: ``embedder`` is not the model the run was embedded with.
    """
    if not query.strip():
        raise ValidationError("the query is empty; give some text to search for", field="q")
    if not 1 <= k <= MAX_LIMIT:
        raise ValidationError(f"k {k} is out of range; use 1..{MAX_LIMIT}", field="k")
    run = store.runs.complete_run(run_id)
    if embedder.model_id != run.model_id:
        raise ModelError(
            f"Run {run.id} was embedded with '{run.model_id}' but the query model is "
            f"'{embedder.model_id}'; search with the run's model."
        )
    index = (cache or VectorIndexCache()).get(store, run)
    if len(index.ids) == 0:
        return SearchResult(run)
    vector = np.asarray(embedder.encode([query])[0], dtype=np.float32)
    scores = index.matrix @ vector
    k = min(k, len(scores))
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.lexsort((index.ids[best], -scores[best]))]
    found = store.reads.assigned_feedback(run.id, [int(i) for i in index.ids[best]])
    by_id = {f.id: f for f in found}
    hits = [
        SearchHit(float(scores[i]), by_id[int(index.ids[i])])
        for i in best
        if int(index.ids[i]) in by_id
    ]
    return SearchResult(run, hits)
