"""Warm start: keep the previous run's theme boundaries where the data still supports them.

A re-run with another seed, or on a little more feedback, lays the items out anew
(UMAP) and HDBSCAN may then draw a coarser cluster around two themes that the previous
run kept apart: one of the two ids is lost although nothing in the feedback changed.
``keep_previous`` makes the new clustering start from both partitions:

1. **Parts.** Every clustered item gets the part ``(new cluster, previous theme)``, the
   intersection of the two partitions. Items the previous run did not assign (new
   feedback, previous outliers) join the part of their new cluster whose mean is most
   similar to them (a cluster with no previous members stays one part).
2. **Merge by the same criterion as a fresh run, with hysteresis.** The parts are
   merged by greedy modularity on the items' kNN graph (``granularity.merge_clusters``),
   the test a fresh run's clusters pass: two parts merge when they exchange more than
   ``resolution`` times the edges chance would give them. Parts of two different
   previous themes need ``HYSTERESIS`` times more than that, parts of one previous
   theme ``HYSTERESIS`` times less (parts with no previous members: the run's own
   ``resolution``). A pair of themes near the merge criterion so stays as it was,
   where a fresh run would flip it with the seed or a little more feedback; parts that
   split a theme only by accident (a few items on either side of a boundary) exchange
   many edges and merge back.

So a previous boundary survives only where the current data still supports it (a
clear merge overrides it), and a new one only where HDBSCAN found it and the graph
supports it clearly. A group left smaller than the run's smallest theme (a few items
that moved across a boundary) is no theme: its items go to the outlier step.

Example:
    >>> import numpy as np
    >>> from textinsight.stages.granularity import ItemGraph
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(c, 0.05, (20, 4)) for c in np.eye(4)[:2]])
    >>> X /= np.linalg.norm(X, axis=1, keepdims=True)
    >>> coarse = np.zeros(40, dtype=np.int64)          # the new run: one cluster
    >>> previous = np.repeat([0, 1], 20)               # the previous run: two themes
    >>> keep_previous(X, coarse, previous, ItemGraph.build(X), 2.0).tolist() == previous.tolist()
    True
"""

from __future__ import annotations

import numpy as np

from textinsight.errors import ValidationError
from textinsight.stages.centroids import normalise, theme_centroids
from textinsight.stages.granularity import GRAPH_NEIGHBOURS, ItemGraph, merge_clusters, relabel

#: Factor on the merge resolution between parts of different previous themes (and its
#: inverse between parts of one previous theme). Measured on the demo (e5-small, 88% of
#: the rows, seed 0 then seed 1, then +2% and +10% of the rows; ids kept by
#: ``lineage.match_themes`` on centroids and members): no warm start 87.5% / 80.8% /
#: 88.0%; factor 1 87.5% / 84.6% / 100%; factor 2 100% / 100% / 100%. The ids lost
#: with factor 1 were pairs of themes that the merge criterion joins in one layout and
#: not in another. The price: a theme holding more than about 1 / (4 * HYSTERESIS) of
#: the corpus that a previous run cut in two stays cut (the expected edges between its
#: halves are then too many for the stricter test).
HYSTERESIS = 2.0


def keep_previous(
    X: np.ndarray,
    labels: np.ndarray,
    previous: np.ndarray,
    graph: ItemGraph,
    resolution: float,
    neighbours: int = GRAPH_NEIGHBOURS,
    min_size: int = 1,
) -> np.ndarray:
    """``labels`` refined by ``previous`` where the kNN graph supports it (module docstring).

    Args:
        X: the items (L2-normalised rows, the space the themes are found in).
        labels: the new clusters (-1: outlier, left as it is).
        previous: each item's theme in the previous run, any non-negative integers
            (-1: not in it, or unassigned there).
        graph: the items' kNN graph (``ItemGraph.build(X)``).
        resolution: the modularity resolution of the theme merge.
        neighbours: neighbours per item in that merge's graph.
        min_size: a group smaller than this (the run's smallest theme) is no theme:
            its items become outliers (-1), for the outlier step to place.

    Returns:
        Labels ``0..k-1`` (-1 where ``labels`` is -1).

    Raises:
        ValidationError: ``previous`` has not one entry per item.
    """
    labels = np.asarray(labels, dtype=np.int64)
    previous = np.asarray(previous, dtype=np.int64)
    if previous.shape != labels.shape:
        raise ValidationError(
            f"got {len(previous)} previous themes for {len(labels)} items; "
            "pass one (or -1) per item"
        )
    clustered = labels >= 0
    if not (clustered & (previous >= 0)).any():
        return labels
    parts, owner = _parts(X, labels, previous)
    known = owner >= 0
    same = owner[:, None] == owner[None, :]
    factor = np.where(
        known[:, None] & known[None, :], np.where(same, 1 / HYSTERESIS, HYSTERESIS), 1.0
    )
    merged = merge_clusters(graph.cluster_weights(parts, neighbours), resolution * factor)
    out = relabel(parts, merged)
    groups, sizes = np.unique(out[clustered], return_counts=True)
    out[np.isin(out, groups[sizes < min_size])] = -1
    _, dense = np.unique(out[out >= 0], return_inverse=True)
    out[out >= 0] = dense
    return out


def _parts(
    X: np.ndarray, labels: np.ndarray, previous: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Part index ``0..p-1`` of each clustered item: (new cluster, previous theme), the
    items without a previous theme joining their cluster's most similar part; and the
    previous theme of each part (-1: a cluster without previous members)."""
    clustered = labels >= 0
    known = clustered & (previous >= 0)
    pairs = np.stack([labels, previous], axis=1)
    keys, index = np.unique(pairs[known], axis=0, return_inverse=True)
    parts = np.full(len(labels), -1, dtype=np.int64)
    parts[known] = index.reshape(-1)
    centroids = theme_centroids(X, parts)
    owner = list(keys[:, 1])
    extra = len(keys)
    for cluster in np.unique(labels[clustered & ~known]):
        rows = np.flatnonzero((labels == cluster) & ~known)
        own = np.flatnonzero(keys[:, 0] == cluster)
        if len(own) == 0:  # no previous members: the cluster is one part
            parts[rows] = extra
            owner.append(-1)
            extra += 1
            continue
        sims = normalise(X[rows]) @ centroids[own].T
        parts[rows] = own[sims.argmax(axis=1)]
    return parts, np.array(owner, dtype=np.int64)
