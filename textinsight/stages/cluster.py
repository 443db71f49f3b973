"""Reduction + clustering + outlier handling: sentence embeddings in, themes out.

``ThemeClusterer.fit`` (scikit-learn style) runs these steps:

0. with the items' languages given, remove each language's offset from the corpus mean
   (``language_offsets``): multilingual models put a language component into every
   vector, which would otherwise pull themes apart by language;
1. reduce the L2-normalised vectors with UMAP (cosine metric) to a few dimensions;
2. cluster the reduced vectors with HDBSCAN;
3. merge themes whose centroids nearly coincide (``merge_similar``), then themes
   that the items' kNN graph shows to be one topic (``granularity``: greedy
   modularity merging at ``resolution``), then themes under half the median theme's
   size into the neighbour their edges reach beyond chance (``absorb_small``);
4. the centroids: the members' means, with HDBSCAN's outliers provisionally joined
   to the nearest mean, nudged so that the nearest centroid reproduces the members'
   themes (``fit_prototypes``); ``threshold_`` a low fence of the members'
   similarity to them;
5. keep a *reference* of the members at least ``threshold_`` similar to their
   centroid (``reference_``, with their themes ``reference_labels_``; at most
   ``REFERENCE_MAX``, sampled per theme by ``reference_rows``) and calibrate the
   novelty thresholds on it (``centroids.novelty_threshold``); pass every other item
   (HDBSCAN's outliers, members far from their centroid) through the one assignment
   rule, ``centroids.assign_by_vote``: the theme its ``VOTE_K`` most similar
   reference members vote for (weighted by similarity). An outlier keeps it when
   it is at least ``threshold_`` similar to that theme's centroid and lies among
   known feedback (``centroids.novelty_scores``: mean similarity to its
   ``NOVELTY_K`` nearest reference items) as closely as all but
   ``OWN_NOVELTY_QUANTILE`` of the members themselves do; else it stays unassigned
   (-1). Being near one theme does not make a text about a known theme; this lets
   new topics stay unassigned for ``emerging``. A member of HDBSCAN's themes far
   from its centroid faces only Tukey's outer fence (``MEMBER_FENCE``), no novelty
   test: it lies in a dense region of known themes, unless it is far out.
   ``predict`` applies the outliers' rule to new feedback (at ``NOVELTY_QUANTILE``;
   the run's own items, ``predict_similarity(own=True)``, at the outliers'
   threshold), so a text gets the same theme at the end of a run and when it is
   assigned later;
6. group the themes into categories (``granularity.categories``): ``parents_``.

Every tunable left as ``None`` is derived from the data (``density.resolve_params``,
where the defaults' constants live), so the same defaults work for a few hundred or a
hundred thousand items. UMAP and HDBSCAN themselves run in ``density``.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from textinsight.errors import (
    EmptyCorpusError,
    ModelError,
    NotFittedError,
    ValidationError,
)
from textinsight.stages.centroids import (
    NOVELTY_K,
    NOVELTY_QUANTILE,
    OWN_NOVELTY_QUANTILE,
    VOTE_K,
    assign_by_vote,
    fit_prototypes,
    language_offsets,
    merge_similar,
    normalise,
    novelty_threshold,
    reassign_outliers,
    remove_offsets,
    renumber_by_size,
    theme_centroids,
)
from textinsight.stages.density import hdbscan_labels, resolve_params, umap_reduce
from textinsight.stages.granularity import (
    ItemGraph,
    absorb_small,
    categories,
    merge_clusters,
    relabel,
    without_directions,
)
from textinsight.stages.stratify import stratified_sample
from textinsight.stages.warm import keep_previous

__all__ = ["ThemeClusterer"]

#: Below this many distinct vectors no clustering is attempted: all form one theme.
MIN_ITEMS_TO_CLUSTER = 10

#: Most members kept as the reference (the assignment vote's voters and the novelty
#: test's sample; above it a seeded sample stratified by theme, ``reference_rows``),
#: which bounds the size of a run's saved state (20,000 x dim float32 and an int64
#: label each: 31 MB at 384 dimensions) and the cost of assigning, whatever N.
REFERENCE_MAX = 20_000

#: Fewest voters a theme keeps in the reference when it is sampled (all of a smaller
#: theme), so that a small theme still wins the votes of its own kind.
REFERENCE_MIN_PER_THEME = 2 * VOTE_K

#: Width of the default assignment threshold's fence, in interquartile ranges.
FENCE = 2.0

#: Width of the fence HDBSCAN's own members face (``_assign_outliers``), in
#: interquartile ranges: Tukey's outer ("far out") fence, where ``FENCE`` is the
#: inner one that outliers face. A member that lies in one of the dense regions the
#: themes were found in is about a known theme unless it is far out (UMAP pulls an
#: isolated text into some cluster), and a broad theme's own members lie far from its
#: mean. Measured (issue #13, Banking77 NMI 79.8-80.5 -> 80.2-81.0 on fit seeds 0-4):
#: ``granularity``'s docstring.
MEMBER_FENCE = 3.0

#: Version of ``ThemeClusterer.to_state``'s layout.
STATE_VERSION = 1


class ThemeClusterer:
    """Dimensionality reduction + HDBSCAN + outlier handling; sklearn-style.

    Args:
        seed: random seed; a fixed seed gives identical results.
        min_cluster_size: smallest theme HDBSCAN may report. ``None``:
            ``MIN_THEME_FACTOR * N ** MIN_THEME_EXPONENT`` (at least 5) for ``N`` items.
        min_samples: HDBSCAN density smoothing; higher leaves more items as
            outliers. ``None``: a quarter of ``min_cluster_size``, from 5 up to it, at
            most ``MAX_MIN_SAMPLES``.
        n_neighbors: UMAP neighbourhood size. ``None``: 15 (at most ``N - 1``), or
            ``LARGE_CORPUS_NEIGHBOURS`` above ``EXACT_KNN_MAX_ITEMS`` distinct items.
        n_components: UMAP output dimensions. ``None``: 5.
        n_epochs: UMAP optimisation epochs. ``None``: 500, or ``LARGE_CORPUS_EPOCHS``
            above ``LARGE_CORPUS`` distinct items.
        selection: HDBSCAN cluster selection, ``"eom"`` or ``"leaf"``.
        merge_threshold: themes whose centroids have cosine similarity at least this
            are merged. ``None``: ``MERGE_THRESHOLD``.
        resolution: modularity resolution of the theme merge (``granularity``);
            higher keeps more themes, ``math.inf`` merges nothing (not even
            ``absorb_small``'s fragments). ``None``:
            ``THEME_RESOLUTION``.
        merge_neighbours: neighbours per item in the graph of that merge (at most
            ``CATEGORY_NEIGHBOURS``); more neighbours see broader topics. ``None``:
            ``GRAPH_NEIGHBOURS``, fewer for a sample (``fit(corpus_size=...)``).
        assign_threshold: outliers (and new feedback) join their nearest theme at
            this cosine similarity or more. ``None``: adapted to how tight the
            themes are (see ``_thresholds``).
        allow_single_cluster: let HDBSCAN return one theme for data that holds only
            one dense group (used for the pool of unassigned feedback).

    Fitted: ``offsets_`` (language code -> offset vector; empty without languages),
    ``labels_`` (themes ``0..k-1`` by descending size, -1 unassigned),
    ``probabilities_`` (membership in [0, 1], 0 if unassigned), ``centroids_``
    (``(k, dim)``, L2-normalised: the members' mean, refined by ``fit_prototypes``),
    ``threshold_`` and ``reference_``/``novelty_threshold_`` (the novelty test; used
    by ``predict``), ``parents_`` (the category ``0..c-1`` of each theme, categories by
    descending size), ``category_centroids_`` (``(c, dim)``, the mean of each
    category's items), ``params_`` (effective parameters, JSON-serialisable) and
    ``timings_`` (seconds per step). ``to_state``/``from_state`` save and load what
    ``predict`` needs (a run stores it with ``store.runs.complete``).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> X = np.vstack([rng.normal(c, 0.05, (30, 8)) for c in np.eye(8)[:3]])
        >>> model = ThemeClusterer(seed=0).fit(X)
        >>> int(model.labels_.max()) + 1, model.centroids_.shape
        (3, (3, 8))
        >>> again = ThemeClusterer.from_state(model.to_state())
        >>> bool((again.predict(X) == model.predict(X)).all())
        True
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        min_cluster_size: int | None = None,
        min_samples: int | None = None,
        n_neighbors: int | None = None,
        n_components: int | None = None,
        n_epochs: int | None = None,
        selection: str = "eom",
        merge_threshold: float | None = None,
        assign_threshold: float | None = None,
        allow_single_cluster: bool = False,
        resolution: float | None = None,
        merge_neighbours: int | None = None,
    ) -> None:
        self.seed = seed
        self.allow_single_cluster = allow_single_cluster
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.n_epochs = n_epochs
        self.selection = selection
        self.merge_threshold = merge_threshold
        self.assign_threshold = assign_threshold
        self.resolution = resolution
        self.merge_neighbours = merge_neighbours

    def _resolve(
        self, n: int, n_distinct: int | None = None, corpus_size: int | None = None
    ) -> dict[str, Any]:
        """Effective parameters for ``n`` items, ``n_distinct`` of them different, a
        sample of ``corpus_size`` (``density.resolve_params``; explicit arguments win)."""
        distinct = n if n_distinct is None else n_distinct
        return resolve_params(n, distinct, self.get_params(), corpus_size)

    def get_params(self) -> dict[str, Any]:
        """The keyword arguments this clusterer was built with (scikit-learn's name)."""
        return {name: getattr(self, name) for name in _init_names()}

    def fit(
        self,
        X: np.ndarray,
        y: None = None,
        languages: Sequence[str | None] | None = None,
        previous: np.ndarray | None = None,
        neutral: np.ndarray | None = None,
        corpus_size: int | None = None,
    ) -> ThemeClusterer:
        """Find themes in ``X``, an ``(N, dim)`` array of sentence embeddings.

        ``languages`` (one code per row, optional) lets the clusterer remove each
        language's offset first (``language_offsets``); ``predict`` then needs the
        languages of new rows too. ``previous`` (optional, one integer per row: the
        row's theme in the previous run, -1 for none) warm-starts the clustering:
        the previous boundaries stay where the data supports them
        (``warm.keep_previous``), so re-runs keep their themes. ``neutral``
        (optional, ``(r, dim)``): directions the category level ignores, e.g. a
        sentiment head's (``granularity.tone_directions``), so that categories group
        themes by subject rather than by tone; the themes themselves use every
        direction. ``corpus_size`` (optional): the number of items ``X`` is a sample
        of (a sampled fit, ``stages.sample_fit``); the theme merge then judges the
        sample's clusters as the whole corpus's graph would (``density.merge_neighbours``),
        so the number of themes does not depend on the sample size.

        Fewer than ``MIN_ITEMS_TO_CLUSTER`` distinct vectors form a single theme.

        Raises:
            EmptyCorpusError: when ``X`` has no rows.
            ValidationError: when ``X`` is not a 2-D array of finite numbers.
            ConfigError: when a parameter has a value that is not allowed.
        """
        X = np.asarray(X)
        if X.size == 0:
            raise EmptyCorpusError(
                "Cannot find themes in 0 feedback items. Ingest feedback first "
                "(`textinsight ingest FILE`), then run again."
            )
        if X.ndim != 2 or not np.isfinite(X).all():
            raise ValidationError(
                f"Expected a 2-D array of finite embeddings (items x dims), got shape "
                f"{X.shape}{'' if X.ndim != 2 else ' with NaN or inf values'}. "
                "Pass one embedding vector per row."
            )
        self.offsets_ = {} if languages is None else language_offsets(X, languages)
        X = self.transform(X, languages)
        n = X.shape[0]
        # UMAP sees each distinct vector once (exact duplicates would form many tiny
        # disconnected components, which slow it down); HDBSCAN sees them all.
        distinct, inverse = np.unique(X, axis=0, return_inverse=True)
        params = self._resolve(n, len(distinct), corpus_size)
        timings: dict[str, float] = {}
        graph: ItemGraph | None = None
        if len(distinct) < MIN_ITEMS_TO_CLUSTER:  # too few to find structure: one theme
            labels = np.zeros(n, dtype=np.int64)
            probabilities = np.ones(n, dtype=np.float64)
            centroids = theme_centroids(X, labels)
            (threshold,) = self._thresholds(X, labels, centroids, FENCE)
            member_threshold = threshold
        else:
            start = time.perf_counter()
            Z = umap_reduce(distinct, params)[inverse.reshape(-1)]
            timings["reduce_s"] = time.perf_counter() - start
            labels, probabilities = hdbscan_labels(Z, params, self.allow_single_cluster)
            clustered = labels >= 0
            timings["cluster_s"] = time.perf_counter() - start - timings["reduce_s"]
            start = time.perf_counter()
            labels = merge_similar(
                labels, theme_centroids(X, labels), params["merge_threshold"], X.mean(axis=0)
            )
            graph = ItemGraph.build(X, seed=params["seed"])
            neighbours, resolution = params["merge_neighbours"], params["resolution"]
            merged = merge_clusters(graph.cluster_weights(labels, neighbours), resolution)
            labels = relabel(labels, merged)
            if np.isfinite(resolution):  # math.inf merges nothing
                sizes = np.bincount(labels[labels >= 0], minlength=int(labels.max()) + 1)
                small = absorb_small(graph.cluster_weights(labels, neighbours), sizes)
                labels = relabel(labels, small)
            if previous is not None:
                labels = keep_previous(
                    X, labels, previous, graph, resolution, neighbours, params["min_cluster_size"]
                )
            centroids = theme_centroids(X, labels)
            (threshold,) = self._thresholds(X, labels, centroids, FENCE)
            joined, _ = reassign_outliers(X, labels, probabilities, centroids, threshold)
            centroids = fit_prototypes(X, joined, theme_centroids(X, joined))
            threshold, member_threshold = self._thresholds(
                X, joined, centroids, FENCE, MEMBER_FENCE
            )
            labels, probabilities = self._assign_outliers(
                X, labels, probabilities, clustered, centroids, threshold, params, member_threshold
            )
            timings["outliers_s"] = time.perf_counter() - start
        if len(distinct) < MIN_ITEMS_TO_CLUSTER:
            self.reference_ = np.zeros((0, X.shape[1]), dtype=np.float32)
            self.reference_labels_ = np.zeros(0, dtype=np.int64)
            self.novelty_threshold_ = self.own_novelty_threshold_ = -1.0
        self.labels_, order = renumber_by_size(labels)
        mapping = np.full(len(centroids) + 1, -1, dtype=np.int64)
        mapping[order] = np.arange(len(order))
        voted = mapping[self.reference_labels_]  # -1: a theme left without members
        self.reference_, self.reference_labels_ = self.reference_[voted >= 0], voted[voted >= 0]
        self.probabilities_ = probabilities
        self.centroids_ = centroids[order].astype(np.float32)
        self.parents_ = (
            np.zeros(len(self.centroids_), dtype=np.int64)
            if graph is None
            else categories(self._category_graph(X, graph, neutral), self.labels_)
        )
        self.category_centroids_ = theme_centroids(X, self.category_labels()).astype(np.float32)
        self.threshold_ = threshold
        self.params_ = {**params, "clustered": len(distinct) >= MIN_ITEMS_TO_CLUSTER}
        self.params_["language_offsets"] = sorted(self.offsets_)
        self.params_["assign_threshold"] = threshold
        self.params_["member_threshold"] = member_threshold
        self.params_["novelty_k"] = NOVELTY_K
        self.params_["vote_k"] = VOTE_K
        self.params_["novelty_threshold"] = self.novelty_threshold_
        self.params_["own_novelty_threshold"] = self.own_novelty_threshold_
        self.params_["reference_items"] = len(self.reference_)
        self.params_["warm_start_items"] = 0 if previous is None else int((previous >= 0).sum())
        self.params_["category_neutral_directions"] = 0 if neutral is None else len(neutral)
        self.timings_ = timings
        return self

    def _category_graph(
        self, X: np.ndarray, graph: ItemGraph, neutral: np.ndarray | None
    ) -> ItemGraph:
        """The graph that groups themes into categories: ``graph`` itself, or one
        built with the ``neutral`` directions projected out."""
        if neutral is None or not np.asarray(neutral).size:
            return graph
        return ItemGraph.build(without_directions(X, neutral), seed=self.seed)

    def _assign_outliers(
        self,
        X: np.ndarray,
        labels: np.ndarray,
        probabilities: np.ndarray,
        clustered: np.ndarray,
        centroids: np.ndarray,
        threshold: float,
        params: dict[str, Any],
        member_threshold: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Keep the voters (``reference_``/``reference_labels_``: the clustered members
        at least ``threshold`` similar to their centroid, at most ``REFERENCE_MAX`` of
        them, ``reference_rows``), calibrate the novelty thresholds on them, and pass
        every other item through the one rule (``assign_by_vote``); HDBSCAN's outliers
        also face the centroid fence and the novelty test, at the run's own items'
        threshold (``own_novelty_threshold_``: ``OWN_NOVELTY_QUANTILE``); HDBSCAN's
        members only ``member_threshold`` (the outer fence, ``MEMBER_FENCE``)."""
        own = (
            np.einsum("ij,ij->i", X, centroids[np.maximum(labels, 0)])
            if len(centroids)
            else np.full(len(X), -np.inf)
        )
        voters = clustered & (labels >= 0) & (own >= threshold)
        members = reference_rows(labels, voters, REFERENCE_MAX, params["seed"])
        self.reference_ = X[members].astype(np.float32)
        self.reference_labels_ = labels[members].astype(np.int64)
        self.novelty_threshold_, self.own_novelty_threshold_ = novelty_threshold(
            self.reference_, quantile=(NOVELTY_QUANTILE, OWN_NOVELTY_QUANTILE)
        )
        labels, probabilities = labels.copy(), probabilities.astype(np.float64)
        for rows, fence, novelty in (
            (np.flatnonzero(~voters & ~clustered), threshold, self.own_novelty_threshold_),
            (np.flatnonzero(~voters & clustered), member_threshold, None),
        ):
            new, sims = assign_by_vote(
                X[rows],
                centroids,
                fence,
                self.reference_,
                novelty,
                self.reference_labels_,
            )
            labels[rows] = new
            probabilities[rows] = np.where(new >= 0, np.clip(sims, 0.0, 1.0), 0.0)
        return labels, probabilities

    def predict(self, X: np.ndarray, languages: Sequence[str | None] | None = None) -> np.ndarray:
        """Assign new vectors (with their languages, when fitted with languages) to
        the fitted themes (-1: unassigned)."""
        return self.predict_similarity(X, languages)[0]

    def predict_similarity(
        self, X: np.ndarray, languages: Sequence[str | None] | None = None, own: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`predict`'s labels, and each row's similarity to its theme's centroid.

        ``own``: the rows are the run's own items (a sampled fit's other items,
        ``sample_fit.assign_batch``), which face the novelty test at the threshold
        the fit's outliers faced (``own_novelty_threshold_``); new feedback faces
        ``novelty_threshold_``."""
        self._check_fitted("predict")
        space = self.transform(X, languages)
        return assign_by_vote(
            space,
            self.centroids_,
            self.threshold_,
            self.reference_,
            self.own_novelty_threshold_ if own else self.novelty_threshold_,
            self.reference_labels_,
        )

    def category_labels(self) -> np.ndarray:
        """The category of each fitted item (-1: unassigned), from ``labels_`` and
        ``parents_``."""
        if not hasattr(self, "parents_"):
            raise NotFittedError("This ThemeClusterer is not fitted yet. Call fit(X) first.")
        return relabel(self.labels_, self.parents_)

    def transform(self, X: np.ndarray, languages: Sequence[str | None] | None = None) -> np.ndarray:
        """``X`` in the space the themes were found in: L2-normalised, with the fitted
        per-language offsets removed (``remove_offsets``)."""
        if not hasattr(self, "offsets_"):
            self._check_fitted("transform")
        return remove_offsets(X, languages, self.offsets_)

    def to_state(self) -> dict[str, Any]:
        """What ``predict`` needs, as plain values and numpy arrays (see ``from_state``).

        Raises:
            NotFittedError: the clusterer is not fitted.
        """
        self._check_fitted("to_state")
        return {
            "version": STATE_VERSION,
            "init": self.get_params(),
            "centroids": np.asarray(self.centroids_, dtype=np.float32),
            "offsets": {code: np.asarray(v, dtype=np.float32) for code, v in self.offsets_.items()},
            "threshold": float(self.threshold_),
            "params": dict(getattr(self, "params_", {})),
            "reference": np.asarray(self.reference_, dtype=np.float32),
            "reference_labels": np.asarray(self.reference_labels_, dtype=np.int64),
            "novelty_threshold": float(self.novelty_threshold_),
            "own_novelty_threshold": float(self.own_novelty_threshold_),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ThemeClusterer:
        """A fitted clusterer from ``to_state``'s output; it predicts as the saved one did.

        Raises:
            ModelError: a field is missing (the threshold is never guessed) or the
                state was saved by a newer version.
        """
        missing = [key for key in ("centroids", "offsets", "threshold") if key not in state]
        if missing or state.get("version", STATE_VERSION) > STATE_VERSION:
            raise ModelError(
                f"Cannot load a ThemeClusterer: the saved state lacks {', '.join(missing)}"
                if missing
                else f"Cannot load a ThemeClusterer state of version {state['version']} "
                f"(this textinsight reads up to {STATE_VERSION}); upgrade textinsight."
            )
        known = set(_init_names())
        model = cls(**{k: v for k, v in state.get("init", {}).items() if k in known})
        model.centroids_ = np.asarray(state["centroids"], dtype=np.float32)
        model.offsets_ = {
            str(code): np.asarray(v, dtype=np.float32) for code, v in state["offsets"].items()
        }
        model.threshold_ = float(state["threshold"])
        model.params_ = dict(state.get("params", {}))
        # states saved before the novelty test have no reference: no test
        dim = model.centroids_.shape[1] if model.centroids_.ndim == 2 else 0
        model.reference_ = np.asarray(
            state.get("reference", np.zeros((0, dim))), dtype=np.float32
        ).reshape(-1, dim)
        model.novelty_threshold_ = float(state.get("novelty_threshold", -1.0))
        model.own_novelty_threshold_ = float(
            state.get("own_novelty_threshold", model.novelty_threshold_)
        )
        # states saved before the vote: each reference item votes for its nearest centroid
        saved = state.get("reference_labels")
        model.reference_labels_ = (
            assign_by_vote(model.reference_, model.centroids_, -1.0)[0]
            if saved is None
            else np.asarray(saved, dtype=np.int64).reshape(-1)
        )
        return model

    def with_theme(self, centroid: np.ndarray, members: np.ndarray) -> ThemeClusterer:
        """A copy that also knows one more theme (label ``len(centroids_)``): its
        ``centroid`` and its ``members``' vectors (in the fitted space) join the
        centroids and the novelty test's reference (``emerging.promote``)."""
        self._check_fitted("with_theme")
        model = ThemeClusterer.from_state(self.to_state())
        model.centroids_ = np.vstack([self.centroids_, normalise(centroid[None])])
        rows = np.asarray(members, dtype=np.float32).reshape(-1, self.centroids_.shape[1])
        model.reference_ = np.vstack([self.reference_, rows])
        theme = np.full(len(rows), len(self.centroids_), dtype=np.int64)
        model.reference_labels_ = np.concatenate([self.reference_labels_, theme])
        return model

    def _check_fitted(self, method: str) -> None:
        if not hasattr(self, "centroids_"):
            raise NotFittedError(
                f"This ThemeClusterer is not fitted yet. Call fit(X) (or "
                f"ThemeClusterer.from_state(...)) before {method}()."
            )

    def _thresholds(
        self, X: np.ndarray, labels: np.ndarray, centroids: np.ndarray, *fences: float
    ) -> tuple[float, ...]:
        """The assignment thresholds, one per fence: explicit, or low fences of the
        members' similarity.

        The default is Tukey's lower fence ``Q1 - fence * IQR`` of the similarities of
        the clustered items to their own theme's centroid: an item less similar than
        that to every theme would be an unusual member of any of them. The
        similarities are computed once for all the fences asked for.
        """
        if self.assign_threshold is not None:
            return tuple(float(self.assign_threshold) for _ in fences)
        members = labels >= 0
        if not members.any():
            return tuple(1.0 for _ in fences)
        own = np.einsum("ij,ij->i", X[members], centroids[labels[members]])
        q1, q3 = np.quantile(own, [0.25, 0.75])
        return tuple(float(np.clip(q1 - fence * (q3 - q1), 0.0, 1.0)) for fence in fences)


def reference_rows(labels: np.ndarray, eligible: np.ndarray, most: int, seed: int) -> np.ndarray:
    """The sorted rows the reference keeps: every ``eligible`` row, or above ``most``
    of them a seeded sample of ``most`` stratified by theme (``labels``;
    ``stratify.stratified_sample``): each theme keeps its share and at least
    ``REFERENCE_MIN_PER_THEME`` rows (all of a smaller theme).

    Example:
        >>> labels = np.array([0] * 900 + [1] * 100 + [2] * 10)
        >>> rows = reference_rows(labels, labels >= 0, 200, seed=0)
        >>> np.bincount(labels[rows]).tolist()
        [170, 20, 10]
    """
    rows = np.flatnonzero(eligible)
    themes = labels[rows].tolist()
    return rows[stratified_sample(themes, most, seed=seed, min_per_stratum=REFERENCE_MIN_PER_THEME)]


def _init_names() -> list[str]:
    """The keyword arguments of ``ThemeClusterer.__init__``."""
    return [n for n in inspect.signature(ThemeClusterer.__init__).parameters if n != "self"]
