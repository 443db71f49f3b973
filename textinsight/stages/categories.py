"""Categories above the themes: a Ward hierarchy of what themes say and which words
they use, cut where the items' kNN graph is most modular.

Support tickets and feedback are filed by analysts under the thing they are about
(the card, the transfer, the delivery, the price), so two themes belong to one
category when they are close in meaning *and* share their content words. Each theme
gets two profiles:

1. **Meaning**: its centroid in the embedding space with the sentiment head's
   directions projected out (``granularity.without_directions``: categories group by
   subject, not tone), minus the mean centroid and L2-normalised, so that what every
   theme shares does not dominate the distances.
2. **Words**: for each content term (lemmas from ``stages.tokens``, any language),
   the share of the theme's items that use it, times ``log(k / d)`` where ``d`` is
   the number of the ``k`` themes in which at least ``COMMON_SHARE`` of the items use
   it (a word common to every theme separates none), L2-normalised.

The two unit vectors are concatenated with equal weight and the themes merged by
Ward's method (``scipy.cluster.hierarchy``). Of the hierarchy's cuts with
``min_groups``..``max_groups`` categories, the one whose categories have the highest
modularity on the items' kNN graph (``granularity.ItemGraph``, the wide
``CATEGORY_NEIGHBOURS`` graph) is kept: the number of categories is chosen by how the
items themselves connect, not by a size rule. Without words (no texts given) the
meaning profile alone is used.

Measured (``scripts/benchmark.py --suite``, category NMI minus the flat themes' NMI,
both against the coarse truth, fit seeds 0/1/2) against the previous greedy
modularity merge of the item graph: Banking77 vs its 10 hand-made areas
+0.3/+0.5/+0.3 (was -0.8/-1.4/-0.4), the 25-group Banking77 corpus -0.2/+1.5/+0.8
(was +0.8/-5.6/-4.7), the demo's 7 planted areas +6.0/+6.4/+3.9 (was
+5.9/+5.7/+3.6). Tried and dropped: average, complete and weighted linkage (they
leave one giant category), spectral and Louvain clustering of a theme kNN graph,
centroids in the UMAP space, c-TF-IDF words (-1 to -2 on Banking77), words alone,
and silhouette to choose the count (it swings from 5 to 30 between seeds).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, linkage

from textinsight.stages.granularity import (
    CATEGORY_NEIGHBOURS,
    CATEGORY_RESOLUTION,
    MAX_CATEGORIES,
    MIN_CATEGORIES,
    ItemGraph,
)
from textinsight.stages.normalize import normalize_text
from textinsight.stages.tokens import Tokenizer

#: A term counts as common in a theme when at least this share of its items use it.
COMMON_SHARE = 0.05


def item_terms(texts: Sequence[str], languages: Sequence[str | None]) -> list[list[str]]:
    """Each text's content terms, as the category level reads them: the text as
    ``normalize_text`` gives it, tokenised and lemmatised by its language.

    Example:
        >>> item_terms(["Where is my card?"], ["en"])
        [['card']]
    """
    return Tokenizer().tokenize([normalize_text(t) for t in texts], languages)


def word_profiles(terms: Sequence[Sequence[str]], labels: np.ndarray) -> np.ndarray:
    """Each theme's words, ``(k, n_terms)``: the share of its items using each term
    times ``log(k / themes where the term is common)``, rows L2-normalised (a theme
    without terms gets a zero row). ``labels``: one theme per item, -1 ignored.

    Example:
        >>> terms = [["card"], ["card", "lost"], ["transfer"], ["transfer", "late"]]
        >>> P = word_profiles(terms, np.array([0, 0, 1, 1]))
        >>> P.shape, round(float(P[0] @ P[1]), 2)
        ((2, 4), 0.0)
    """
    k = int(labels.max()) + 1 if labels.size else 0
    vocabulary: dict[str, int] = {}
    rows, columns = [], []
    for item, (label, words) in enumerate(zip(labels.tolist(), terms, strict=True)):
        if label < 0:
            continue
        for word in set(words):
            rows.append(item)
            columns.append(vocabulary.setdefault(word, len(vocabulary)))
    if k == 0 or not vocabulary:
        return np.zeros((k, len(vocabulary)))
    uses = sp.csr_matrix(
        (np.ones(len(rows)), (rows, columns)), shape=(len(labels), len(vocabulary))
    )
    assigned = np.flatnonzero(labels >= 0)
    membership = sp.csr_matrix(
        (np.ones(len(assigned)), (labels[assigned], assigned)), shape=(k, len(labels))
    )
    sizes = np.maximum(np.bincount(labels[assigned], minlength=k), 1)
    share = np.asarray((membership @ uses).todense()) / sizes[:, None]
    common = np.maximum((share >= COMMON_SHARE).sum(axis=0), 1)
    return _unit_rows(share * np.log(k / common))


def meaning_profiles(X: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each theme's centroid in ``X`` minus the mean centroid, L2-normalised, ``(k, dim)``."""
    k = int(labels.max()) + 1 if labels.size else 0
    sums = np.zeros((k, X.shape[1]))
    np.add.at(sums, labels[labels >= 0], X[labels >= 0])
    centroids = _unit_rows(sums)
    return _unit_rows(centroids - centroids.mean(axis=0, keepdims=True))


def categories(
    X: np.ndarray,
    labels: np.ndarray,
    graph: ItemGraph,
    terms: Sequence[Sequence[str]] | None = None,
    *,
    min_groups: int = MIN_CATEGORIES,
    max_groups: int = MAX_CATEGORIES,
) -> np.ndarray:
    """The category of each theme ``0..labels.max()``, categories numbered by
    descending size (items).

    Args:
        X: the items' vectors (rows of the space the categories are judged in, e.g.
            with the tone directions projected out), one per label.
        labels: each item's theme (-1: unassigned).
        graph: the items' kNN graph (``ItemGraph.build`` of ``X``); the cut with the
            most modular categories on it is kept.
        terms: each item's content terms (``item_terms``); ``None``: meaning only.
        min_groups: fewest categories (a corpus with fewer themes gets one category
            per theme).
        max_groups: most categories.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> centres = np.repeat(np.eye(4), 2, axis=0) + 0.3 * rng.normal(size=(8, 4))
        >>> X = np.repeat(centres, 20, axis=0) + 0.05 * rng.normal(size=(160, 4))
        >>> labels = np.repeat(np.arange(8), 20)
        >>> groups = categories(X, labels, ItemGraph.build(X), min_groups=2)
        >>> len(set(groups.tolist()))
        4
    """
    k = int(labels.max()) + 1 if labels.size else 0
    if k <= max(min_groups, 1):
        return _by_size(np.arange(k), labels)
    profile = meaning_profiles(X, labels)
    if terms is not None:
        profile = np.hstack([profile, word_profiles(terms, labels)]) / np.sqrt(2.0)
    tree = linkage(profile, method="ward")
    W = graph.cluster_weights(labels, CATEGORY_NEIGHBOURS)
    best, best_q = np.arange(k), -np.inf
    for n in range(max(min_groups, 1), min(max_groups, k) + 1):
        groups = fcluster(tree, n, criterion="maxclust") - 1
        q = modularity(W, groups)
        if q > best_q + 1e-12:
            best, best_q = groups, q
    return _by_size(best, labels)


def modularity(W: np.ndarray, groups: np.ndarray, resolution: float = CATEGORY_RESOLUTION) -> float:
    """Modularity of grouping the clusters of graph ``W`` (``ItemGraph.cluster_weights``)
    into ``groups`` (one group per cluster).

    Example:
        >>> W = np.array([[10.0, 8, 0], [8, 10, 0], [0, 0, 10]])
        >>> modularity(W, np.array([0, 0, 1])) > modularity(W, np.array([0, 1, 2]))
        True
    """
    total = W.sum()
    if total <= 0:
        return 0.0
    n = int(groups.max()) + 1
    member = sp.csr_matrix((np.ones(len(groups)), (groups, np.arange(len(groups)))), (n, len(W)))
    within = np.asarray(member @ W @ member.T)
    degree = within.sum(axis=1)
    return float(np.trace(within) / total - resolution * ((degree / total) ** 2).sum())


def _by_size(groups: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``groups`` (one per theme) renumbered by descending item count, ties by index."""
    _, groups = np.unique(groups, return_inverse=True)
    sizes = np.bincount(labels[labels >= 0], minlength=len(groups))
    totals = np.bincount(groups, weights=sizes, minlength=int(groups.max(initial=-1)) + 1)
    order = np.lexsort((np.arange(len(totals)), -totals))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[groups].astype(np.int64)


def _unit_rows(M: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(M, axis=1, keepdims=True)
    return np.asarray(M / np.where(norms > 1e-12, norms, 1.0))
