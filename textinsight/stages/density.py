"""The density steps of ``ThemeClusterer.fit``: UMAP reduction, HDBSCAN, their defaults.

``resolve_params`` turns the clusterer's arguments (``None``: derive from the data) into
the effective parameters for a corpus of a given size; ``umap_reduce`` and
``hdbscan_labels`` run the two third-party steps with them. The steps around them
(offsets, merging, outliers, novelty) are in ``cluster.py``, ``centroids.py`` and
``granularity.py``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from textinsight.errors import ConfigError
from textinsight.stages.centroids import exact_knn
from textinsight.stages.granularity import GRAPH_MAX_ITEMS, GRAPH_NEIGHBOURS, THEME_RESOLUTION

#: Up to this many items, UMAP gets exact neighbours (numpy, no numba compile);
#: above it, UMAP's own approximate search (pynndescent).
EXACT_KNN_MAX_ITEMS = 30_000

#: The default smallest theme is ``MIN_THEME_FACTOR * N ** MIN_THEME_EXPONENT`` items
#: (at least 5): 52 of Banking77's 13,083, 17 of 3,030, 13 of 2,000. Sub-linear, so a
#: small corpus is not cut into many tiny themes and a large one gets more detail.
#: Measured (NMI / ARI, seed 0) against the earlier N/250: Banking77 2,000 items
#: 81.2 / 52.6 (was 81.2 / 51.9), 5,000 items 79.8 / 52.1 (79.8 / 51.6), all 13,083
#: unchanged; the 3,030-item multilingual demo with its 14 planted themes 80.1 / 66.5
#: with 38 themes (was 67.5 / 29.3 with 99 themes).
MIN_THEME_FACTOR = 0.0423
MIN_THEME_EXPONENT = 0.75

#: UMAP epochs for corpora larger than 10,000 items (UMAP's own default there is 200;
#: below, it uses 500 and so do we). Measured on Banking77 (13,083 items, seeds
#: 0/1/2): 200 epochs NMI 80.8/80.7/80.5, ARI 54.5/55.2/54.2; 75 epochs
#: 81.0/80.8/80.8, 54.7/54.1/54.4, with the layout (most of the time) 2.7x faster.
LARGE_CORPUS_EPOCHS = 75
LARGE_CORPUS = 10_000

#: Themes whose centroids are at least this cosine-similar are merged (a theme
#: split in two by the reduction); measured on Banking77 it rarely fires.
MERGE_THRESHOLD = 0.9

#: Largest default HDBSCAN ``min_samples`` (#15): HDBSCAN's memory is N x (min_samples + 1)
#: and its time grows with it; the default ``min_cluster_size / 4`` reaches 50 only
#: above ~80k items, so smaller corpora (Banking77) are unchanged.
MAX_MIN_SAMPLES = 50

#: Above this many distinct items UMAP starts from PCA instead of a spectral layout
#: (#15): spectral initialisation solves an eigenproblem on the N x N graph Laplacian,
#: which grows as ~N^2.3 (220 s at 300k items).
SPECTRAL_INIT_MAX_ITEMS = 50_000

#: UMAP neighbours per item above ``EXACT_KNN_MAX_ITEMS`` distinct items (15 below, as
#: UMAP's default). With 15 neighbours a large corpus's neighbourhoods cover a smaller
#: share of it, and UMAP cuts a large, uniform topic into sub-clumps whose borders move
#: with the seed; HDBSCAN and the theme merge then split it differently run to run
#: (#15, sampled vs full fit). Measured on themed synthetic feedback
#: (``scripts/bench_fit_agreement.py``, hashing vectors, 100k rows, generator seed 0),
#: NMI between full fits of seeds 0-1 / 0-2 / 1-2: 15 neighbours 87.3 / 87.9 / 87.1,
#: 30 neighbours 90.6 / 90.1 / 90.0; the run's sampled fit (50k) vs the full fits
#: 79.9 / 80.3 -> 83.0 / 83.0 / 81.9 (its sample's own items 83 -> 86); against the
#: planted themes 76.2-77.3 -> 78.4-79.3; unassigned 4.2-5.6% -> 3.6%. Generator seed 1:
#: full fits 88.0 / 88.6 / 87.7 -> 89.6 / 90.3 / 88.5, sampled vs full 79.2 / 80.6 / 80.0
#: -> 81.5 / 80.5 / 82.5. Tried at the
#: same time and not adopted: 200 epochs instead of ``LARGE_CORPUS_EPOCHS`` (88.4 for
#: seeds 0-1, the layout 2.5x slower), HDBSCAN ``min_samples`` 100 (87.0-87.8). Below the
#: threshold (Banking77, 13,083 items; its 5,000-item samples) nothing changes.
#: docs/scale.md, "A fit that agrees with itself".
LARGE_CORPUS_NEIGHBOURS = 30

#: Fewest neighbours per item in the theme merge's graph of a sample (``merge_neighbours``).
MIN_MERGE_NEIGHBOURS = 3

#: HDBSCAN's cluster selection methods.
SELECTIONS = ("eom", "leaf")


def _given(value: Any, default: Any) -> Any:
    return default if value is None else value


def merge_neighbours(n: int, corpus_size: int | None = None) -> int:
    """Neighbours per item in the theme merge's graph for ``n`` items that stand for a
    corpus of ``corpus_size`` (``None``: they are the corpus).

    The merge compares the edges between two clusters with chance (``granularity``);
    with ``k`` neighbours per item, an item's neighbourhood covers a share ``k / n`` of
    the items, so in a sample the same ``k`` reaches further and sibling clusters
    exchange more edges than in the whole corpus. ``GRAPH_NEIGHBOURS`` scaled by the
    sample's share of the corpus (both capped at ``GRAPH_MAX_ITEMS``, the most items the
    graph is built on) gives the sample's graph the corpus graph's neighbourhoods, so
    a fit on a sample merges as a fit on the corpus would. Measured on Banking77
    (``scripts/bench_sample_fit.py``, seeds 0/1/2, a sample of 5,000 of the 13,083
    items, all scored): 15 neighbours 49 themes, NMI 76.1; 6 (this rule) 65 themes,
    NMI 77.4 (the full fit: 68-71 themes).

    Example:
        >>> merge_neighbours(5_000), merge_neighbours(5_000, 13_083)
        (15, 6)
        >>> merge_neighbours(50_000, 10**6)  # both graphs hold GRAPH_MAX_ITEMS items
        15
    """
    if corpus_size is None or corpus_size <= n:
        return GRAPH_NEIGHBOURS
    share = min(n, GRAPH_MAX_ITEMS) / min(corpus_size, GRAPH_MAX_ITEMS)
    return int(max(MIN_MERGE_NEIGHBOURS, round(GRAPH_NEIGHBOURS * share)))


def resolve_params(
    n: int, n_distinct: int, args: Mapping[str, Any], corpus_size: int | None = None
) -> dict[str, Any]:
    """Effective parameters for ``n`` items, ``n_distinct`` of them different.

    Args:
        args: the clusterer's keyword arguments (``ThemeClusterer.get_params()``);
            explicit values win, ``None`` takes the default (see ``ThemeClusterer``).
        corpus_size: the size of the corpus the ``n`` items are a sample of
            (``None``: they are the corpus); sets the default ``merge_neighbours``.

    Raises:
        ConfigError: ``selection`` is not one of ``SELECTIONS``.
    """
    selection = args["selection"]
    if selection not in SELECTIONS:
        raise ConfigError(f"selection={selection!r} is not allowed; use one of {SELECTIONS}.")
    mcs = _given(args["min_cluster_size"], max(5, round(MIN_THEME_FACTOR * n**MIN_THEME_EXPONENT)))
    mcs = int(max(2, min(mcs, n)))
    min_samples = min(mcs, MAX_MIN_SAMPLES, max(5, round(mcs / 4)))
    epochs = LARGE_CORPUS_EPOCHS if n_distinct > LARGE_CORPUS else 500
    neighbours = LARGE_CORPUS_NEIGHBOURS if n_distinct > EXACT_KNN_MAX_ITEMS else 15
    return {
        "seed": int(args["seed"]),
        "n_items": n,
        "n_distinct": n_distinct,
        "min_cluster_size": mcs,
        "min_samples": int(_given(args["min_samples"], min_samples)),
        "n_neighbors": int(max(2, min(_given(args["n_neighbors"], neighbours), n_distinct - 1))),
        "n_components": int(_given(args["n_components"], 5)),
        "n_epochs": int(_given(args["n_epochs"], epochs)),
        "selection": selection,
        "merge_threshold": float(_given(args["merge_threshold"], MERGE_THRESHOLD)),
        "resolution": float(_given(args["resolution"], THEME_RESOLUTION)),
        "merge_neighbours": int(
            _given(args.get("merge_neighbours"), merge_neighbours(n, corpus_size))
        ),
        "corpus_size": n if corpus_size is None else max(n, int(corpus_size)),
    }


def umap_reduce(X: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """``X`` (distinct, L2-normalised rows) reduced by a seeded cosine UMAP to
    ``params["n_components"]`` dimensions."""
    import umap  # slow import (numba); only needed when fitting

    knn = exact_knn(X, params["n_neighbors"]) if len(X) <= EXACT_KNN_MAX_ITEMS else None
    reducer = umap.UMAP(
        n_neighbors=params["n_neighbors"],
        n_components=min(params["n_components"], len(X) - 2),
        min_dist=0.0,
        n_epochs=params["n_epochs"],
        metric="cosine",
        random_state=params["seed"],
        n_jobs=1,  # a seeded UMAP runs on one thread anyway
        init=umap_init(len(X)),
        precomputed_knn=(None, None, None) if knn is None else (*knn, None),
    )
    with warnings.catch_warnings():  # we never call UMAP.transform; no index needed
        warnings.filterwarnings("ignore", message="precomputed_knn.2. .knn_search_index")
        return np.asarray(reducer.fit_transform(X), dtype=np.float64)


def hdbscan_labels(
    Z: np.ndarray, params: dict[str, Any], allow_single_cluster: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """HDBSCAN's labels (-1: outlier) and membership probabilities for the reduced ``Z``."""
    import hdbscan

    model = hdbscan.HDBSCAN(
        min_cluster_size=params["min_cluster_size"],
        min_samples=params["min_samples"],
        cluster_selection_method=params["selection"],
        allow_single_cluster=allow_single_cluster,
        core_dist_n_jobs=1,
    ).fit(Z)
    return model.labels_.astype(np.int64), model.probabilities_.astype(np.float64)


def umap_init(n_distinct: int) -> str:
    """UMAP's initial layout for ``n_distinct`` items: random for tiny inputs, spectral
    up to ``SPECTRAL_INIT_MAX_ITEMS``, PCA above (linear in N)."""
    if n_distinct <= 50:
        return "random"
    return "spectral" if n_distinct <= SPECTRAL_INIT_MAX_ITEMS else "pca"
