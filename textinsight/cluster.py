"""Reduction + clustering + outlier handling: sentence embeddings in, themes out.

``ThemeClusterer`` follows the scikit-learn estimator contract: ``__init__`` only
stores its keyword arguments, ``fit(X)`` does the work and sets ``labels_``,
``probabilities_``, ``centroids_``, ``threshold_`` and ``params_``.

The steps of ``fit``:

1. reduce the L2-normalised vectors with UMAP (cosine metric) to a few dimensions;
2. cluster the reduced vectors with HDBSCAN;
3. merge themes whose centroids nearly coincide (``merge_similar``);
4. re-assign HDBSCAN's outliers with ``assign_to_centroids``: joined to the most
   similar theme when the cosine similarity reaches ``threshold_``, else left
   unassigned (-1). ``predict`` applies the same rule to new feedback.

Every tunable left as ``None`` is derived from the data (see ``_resolve``), so the
same defaults work for a few hundred or a hundred thousand items.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from textinsight.errors import EmptyCorpusError, NotFittedError

#: Below this many items no clustering is attempted: all items form one theme.
MIN_ITEMS_TO_CLUSTER = 10

_CHUNK = 8192  # rows per block when comparing with centroids (bounds memory)


def _normalise(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.maximum(norms, 1e-12)


def assign_to_centroids(
    X: np.ndarray, centroids: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Assign each row of ``X`` to its most similar centroid by cosine similarity.

    This is the one assignment rule used both for outliers during ``fit`` and for
    new feedback between full runs.

    Args:
        X: ``(n, dim)`` vectors (normalised here, so any scale is fine).
        centroids: ``(k, dim)`` theme centroids; ``k`` may be 0.
        threshold: minimum cosine similarity to join a theme.

    Returns:
        ``(labels, similarities)``: ``labels[i]`` is the index of the nearest
        centroid when its similarity is ``>= threshold``, else -1;
        ``similarities[i]`` is the similarity to the nearest centroid (-1.0 when
        there are no centroids).

    Example:
        >>> C = np.eye(2, dtype=np.float32)
        >>> assign_to_centroids(np.array([[1.0, 0.1], [-1.0, 0.0]]), C, 0.5)[0]
        array([ 0, -1])
    """
    X = _normalise(np.atleast_2d(X))
    n = X.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    sims = np.full(n, -1.0, dtype=np.float32)
    if len(centroids) == 0 or n == 0:
        return labels, sims
    C = _normalise(centroids)
    for start in range(0, n, _CHUNK):
        block = X[start : start + _CHUNK] @ C.T
        best = block.argmax(axis=1)
        sims[start : start + _CHUNK] = block[np.arange(len(best)), best]
        labels[start : start + _CHUNK] = best
    labels[sims < threshold] = -1
    return labels, sims


def _centroids(X: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """L2-normalised mean of the members of each of the ``k`` themes."""
    sums = np.zeros((k, X.shape[1]), dtype=np.float64)
    members = labels >= 0
    np.add.at(sums, labels[members], X[members])
    return _normalise(sums)


def _renumber_by_size(labels: np.ndarray) -> np.ndarray:
    """Relabel themes 0..k-1 by descending size (ties: by old label); -1 stays."""
    old, counts = np.unique(labels[labels >= 0], return_counts=True)
    order = old[np.lexsort((old, -counts))]
    mapping = np.full(labels.max() + 2 if labels.size else 1, -1, dtype=np.int64)
    mapping[order] = np.arange(len(order))
    out = np.full_like(labels, -1)
    out[labels >= 0] = mapping[labels[labels >= 0]]
    return out


def merge_similar(labels: np.ndarray, centroids: np.ndarray, threshold: float) -> np.ndarray:
    """Merge themes whose centroids have cosine similarity ``>= threshold``.

    Merging is transitive (connected components of the "nearly coincide" graph).
    A threshold above 1 disables merging.
    """
    k = len(centroids)
    if k < 2 or threshold > 1:
        return labels
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    close = (centroids @ centroids.T) >= threshold
    _, group = connected_components(csr_matrix(close), directed=False)
    out = labels.copy()
    out[labels >= 0] = group[labels[labels >= 0]]
    return out


class ThemeClusterer:
    """Dimensionality reduction + HDBSCAN + outlier handling; sklearn-style.

    Args:
        seed: random seed; a fixed seed gives identical results.
        min_cluster_size: smallest theme HDBSCAN may report. ``None``: scales with
            the number of items ``N``.
        min_samples: HDBSCAN density smoothing. ``None``: derived from N.
        n_neighbors: UMAP neighbourhood size. ``None``: derived from N.
        n_components: UMAP output dimensions. ``None``: 5.
        selection: HDBSCAN cluster selection, ``"eom"`` or ``"leaf"``.
        merge_threshold: themes whose centroids have cosine similarity at least this
            are merged. ``None``: 0.9.
        assign_threshold: outliers (and new feedback) join their nearest theme at
            this cosine similarity or more. ``None``: adapted to how tight the
            themes are (see ``_resolve``).

    Example:
        >>> model = ThemeClusterer(seed=0).fit(vectors)  # doctest: +SKIP
        >>> model.labels_, model.centroids_  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        min_cluster_size: int | None = None,
        min_samples: int | None = None,
        n_neighbors: int | None = None,
        n_components: int | None = None,
        selection: str = "eom",
        merge_threshold: float | None = None,
        assign_threshold: float | None = None,
    ) -> None:
        self.seed = seed
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.selection = selection
        self.merge_threshold = merge_threshold
        self.assign_threshold = assign_threshold

    def _resolve(self, n: int) -> dict[str, Any]:
        """Effective parameters for ``n`` items (explicit arguments win)."""
        mcs = self.min_cluster_size or max(5, round(n / 300))
        return {
            "seed": self.seed,
            "n_items": n,
            "min_cluster_size": int(min(mcs, n)),
            "min_samples": int(self.min_samples or max(1, min(mcs, 10))),
            "n_neighbors": int(min(self.n_neighbors or 15, n - 1)),
            "n_components": int(self.n_components or 5),
            "selection": self.selection,
            "merge_threshold": float(self.merge_threshold or 0.9),
        }

    def fit(self, X: np.ndarray, y: None = None) -> ThemeClusterer:
        """Find themes in ``X``, an ``(N, dim)`` array of sentence embeddings.

        Raises:
            EmptyCorpusError: when ``X`` has no rows.
        """
        X = _normalise(np.atleast_2d(np.asarray(X)))
        n = X.shape[0] if X.size else 0
        if n == 0:
            raise EmptyCorpusError(
                "Cannot find themes in 0 feedback items. Ingest feedback first "
                "(`textinsight ingest FILE`), then run again."
            )
        params = self._resolve(n)
        timings: dict[str, float] = {}
        if n < MIN_ITEMS_TO_CLUSTER:
            labels = np.zeros(n, dtype=np.int64)
            probabilities = np.ones(n, dtype=np.float64)
        else:
            t0 = time.perf_counter()
            Z = self._reduce(X, params)
            timings["reduce_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            labels, probabilities = self._cluster(Z, params)
            timings["cluster_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        labels = _renumber_by_size(labels)
        k = int(labels.max()) + 1
        labels = merge_similar(labels, _centroids(X, labels, k), params["merge_threshold"])
        labels = _renumber_by_size(labels)
        k = int(labels.max()) + 1
        centroids = _centroids(X, labels, k)
        threshold = self._threshold(X, labels, centroids)
        outliers = labels < 0
        new, sims = assign_to_centroids(X[outliers], centroids, threshold)
        labels[outliers] = new
        probabilities = probabilities.astype(np.float64)
        probabilities[outliers] = np.where(new >= 0, np.clip(sims, 0.0, 1.0), 0.0)
        labels = _renumber_by_size(labels)
        k = int(labels.max()) + 1
        timings["outliers_s"] = time.perf_counter() - t0

        self.labels_ = labels
        self.probabilities_ = probabilities
        self.centroids_ = _centroids(X, labels, k).astype(np.float32)
        self.threshold_ = float(threshold)
        params["assign_threshold"] = self.threshold_
        params["n_themes"] = k
        params["n_unassigned"] = int((labels < 0).sum())
        params.update({key: round(v, 3) for key, v in timings.items()})
        self.params_ = params
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Assign new vectors to the fitted themes (-1: unassigned)."""
        if not hasattr(self, "centroids_"):
            raise NotFittedError(
                "This ThemeClusterer is not fitted yet. Call fit(X) before predict(X)."
            )
        return assign_to_centroids(X, self.centroids_, self.threshold_)[0]

    def _reduce(self, X: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        import umap  # slow import (numba); only needed when fitting

        reducer = umap.UMAP(
            n_neighbors=max(2, params["n_neighbors"]),
            n_components=min(params["n_components"], X.shape[0] - 2),
            min_dist=0.0,
            metric="cosine",
            random_state=params["seed"],
            init="spectral" if X.shape[0] > 50 else "random",
        )
        return np.asarray(reducer.fit_transform(X), dtype=np.float64)

    def _cluster(self, Z: np.ndarray, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        import hdbscan

        model = hdbscan.HDBSCAN(
            min_cluster_size=max(2, params["min_cluster_size"]),
            min_samples=params["min_samples"],
            cluster_selection_method=params["selection"],
            core_dist_n_jobs=1,
        ).fit(Z)
        return model.labels_.astype(np.int64), model.probabilities_.astype(np.float64)

    def _threshold(self, X: np.ndarray, labels: np.ndarray, centroids: np.ndarray) -> float:
        if self.assign_threshold is not None:
            return float(self.assign_threshold)
        if len(centroids) == 0:
            return 1.0
        members = labels >= 0
        own = np.einsum("ij,ij->i", X[members], centroids[labels[members]])
        return float(np.quantile(own, 0.05))
