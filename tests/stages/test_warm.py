"""Warm start (``stages.warm.keep_previous``): previous boundaries stay where the kNN
graph supports them, and only there."""

from __future__ import annotations

import numpy as np
import pytest

from textinsight.errors import ValidationError
from textinsight.stages.centroids import normalise
from textinsight.stages.cluster import ThemeClusterer
from textinsight.stages.granularity import ItemGraph
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
    X = _blobs(seed, np.eye(6)[:2])
    new = np.repeat([0, 1], 30)
    previous = np.random.default_rng(seed).integers(0, 2, 60)  # one topic cut at random
    previous[30:] = 2
    out = keep_previous(X, new, previous, ItemGraph.build(X), 2.0)
    assert (out[:30] == out[0]).all() and (out[30:] == out[30]).all() and out[0] != out[30]


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
