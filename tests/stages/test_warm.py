"""Warm start (``stages.warm.keep_previous``): previous boundaries stay where the kNN
graph supports them, and only there."""

from __future__ import annotations

import numpy as np
import pytest

from textinsight.errors import ValidationError
from textinsight.stages.centroids import normalise
from textinsight.stages.cluster import ThemeClusterer
from textinsight.stages.granularity import ItemGraph, merge_clusters, relabel
from textinsight.stages.warm import keep_previous


def _blobs(seed: int, centres: np.ndarray, n: int = 30, spread: float = 0.05) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return normalise(np.vstack([rng.normal(c, spread, (n, len(c))) for c in centres]))


@pytest.mark.parametrize("seed", range(5))
def test_a_previous_boundary_the_graph_supports_is_kept(seed: int) -> None:
    X = _blobs(seed, np.eye(6)[:3])
    coarse = np.array([0] * 60 + [1] * 30)  # the new run merged the first two topics
    previous = np.repeat([0, 1, 2], 30)
    out = keep_previous(X, coarse, previous, ItemGraph.build(X), 2.0)
    assert len(set(out[:30])) == 1 and len(set(out[30:60])) == 1
    assert out[0] != out[30] != out[60] != out[0]


@pytest.mark.parametrize("seed", range(5))
def test_a_boundary_through_one_topic_is_not_kept(seed: int) -> None:
    X = _blobs(seed, np.eye(8)[:8])
    new = np.repeat(np.arange(8), 30)
    previous = new.copy()
    cut = np.random.default_rng(seed).integers(0, 2, 30).astype(bool)
    previous[:30][cut] = 8  # the previous run cut topic 0 at random
    out = keep_previous(X, new, previous, ItemGraph.build(X), 2.0)
    assert (out[:30] == out[0]).all() and len(set(out.tolist())) == 8


def test_new_items_join_the_most_similar_part_and_outliers_stay() -> None:
    X = _blobs(0, np.eye(6)[:2])
    coarse = np.zeros(60, dtype=np.int64)
    coarse[5] = -1
    previous = np.repeat([4, 7], 30)
    previous[[0, 1, 40, 41]] = -1  # new since the previous run
    out = keep_previous(X, coarse, previous, ItemGraph.build(X), 2.0)
    assert out[5] == -1
    assert out[0] == out[1] == out[2] and out[40] == out[41] == out[35] and out[0] != out[40]
    assert sorted(set(out[out >= 0])) == [0, 1]


def test_nothing_to_keep_leaves_the_labels() -> None:
    X = _blobs(0, np.eye(6)[:2])
    labels = np.repeat([0, 1], 30)
    same = keep_previous(X, labels, np.full(60, -1), ItemGraph.build(X), 2.0)
    assert (same == labels).all()
    with pytest.raises(ValidationError, match="previous themes"):
        keep_previous(X, labels, np.zeros(3), ItemGraph.build(X), 2.0)


def test_fit_with_its_own_previous_labels_changes_nothing() -> None:
    X = _blobs(1, np.eye(8)[:4], n=40, spread=0.08)
    first = ThemeClusterer(seed=0).fit(X)
    again = ThemeClusterer(seed=0).fit(X, previous=first.labels_)
    assert (again.labels_ == first.labels_).all()


def test_merge_resolution_per_pair_keeps_the_strictest_after_a_merge() -> None:
    W = np.array([[10.0, 4, 4], [4, 10, 4], [4, 4, 10]])
    assert merge_clusters(W, 0.5).tolist() == [0, 0, 0]
    strict = np.full((3, 3), 0.5)
    strict[0, 2] = strict[2, 0] = 5.0  # 0 and 2 were two themes before
    # 0 and 1 merge; the group {0, 1} keeps 0's strict resolution towards 2
    assert merge_clusters(W, strict).tolist() == [0, 0, 1]


@pytest.mark.parametrize("seed", range(5))
def test_two_previous_themes_near_the_merge_criterion_stay_apart(seed: int) -> None:
    # two close topics among six: a fresh merge at this resolution joins them, a
    # previous boundary between them survives (hysteresis)
    centres = np.eye(8)[:6].copy()
    centres[1] = centres[0] + 0.1 * np.eye(8)[7]
    centres[0] -= 0.1 * np.eye(8)[7]
    X = _blobs(seed, centres, spread=0.15)
    graph = ItemGraph.build(X)
    previous = np.repeat(np.arange(6), 30)
    fresh = merge_clusters(graph.cluster_weights(previous), 2.0)
    coarse = relabel(previous, fresh)
    assert fresh[0] == fresh[1]
    kept = keep_previous(X, coarse, previous, graph, 2.0)
    assert len(set(kept.tolist())) == 6


def test_a_group_smaller_than_the_smallest_theme_goes_to_the_outlier_step() -> None:
    X = _blobs(0, np.eye(8)[:3])
    new = np.repeat([0, 1, 2], 30)
    previous = new.copy()
    previous[:3] = 5  # three items were a theme of their own before
    graph = ItemGraph.build(X)
    small = keep_previous(X, new, previous, graph, 20.0, min_size=5)  # nothing merges
    assert (small[:3] == -1).all() and sorted(set(small[3:].tolist())) == [0, 1, 2]
    assert (keep_previous(X, new, previous, graph, 20.0)[:3] >= 0).all()
