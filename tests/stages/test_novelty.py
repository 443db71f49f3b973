"""The novelty test (``centroids.known``) scored cell-first gives what scoring every
row against the whole reference gives, over many seeds and thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from textinsight.stages.centroids import (
    NOVELTY_CELLS,
    SAME_TEXT,
    SUBSET_MIN_ROWS,
    assign_by_vote,
    known,
    normalise,
    novelty_scores,
)


def _full(X: np.ndarray, reference: np.ndarray, novelty: float) -> np.ndarray:
    scores, best = novelty_scores(X, reference)
    return (scores >= novelty) | (best >= SAME_TEXT)


def _data(seed: int, dim: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """A clustered reference and queries: near it, between its clusters, far from it,
    and exact repeats of reference items."""
    rng = np.random.default_rng(seed)
    centres = normalise(rng.normal(size=(12, dim)))
    reference = normalise(centres[rng.integers(0, 12, 1500)] + rng.normal(0, 0.25, (1500, dim)))
    near = centres[rng.integers(0, 12, 600)] + rng.normal(0, 0.3, (600, dim))
    between = centres[rng.integers(0, 12, 200)] + centres[rng.integers(0, 12, 200)]
    far = rng.normal(size=(150, dim))
    X = normalise(np.vstack([near, between, far, reference[:50]]))
    return X, reference.astype(np.float32)


@pytest.mark.parametrize("seed", range(8))
def test_cell_first_novelty_test_equals_the_full_one(seed: int) -> None:
    X, reference = _data(seed)
    assert len(X) >= SUBSET_MIN_ROWS and len(reference) >= 2 * NOVELTY_CELLS
    own, _ = novelty_scores(reference, reference, leave_one_out=True)
    for q in (0.0, 0.02, 0.2, 0.5, 0.9, 1.0):
        novelty = float(np.quantile(own, q))
        passed = known(X, reference, novelty)
        np.testing.assert_array_equal(passed, _full(X, reference, novelty))
    assert known(X, reference, 2.0)[-50:].all()  # repeats of reference texts always pass


def test_assign_by_vote_applies_the_same_rule_to_one_row_and_to_a_batch() -> None:
    X, reference = _data(0)
    centroids = normalise(np.vstack([reference[i::12].mean(axis=0) for i in range(12)]))
    novelty = float(np.quantile(novelty_scores(reference, reference, leave_one_out=True)[0], 0.3))
    batch, _ = assign_by_vote(X, centroids, 0.1, reference, novelty)
    one_by_one = [assign_by_vote(x, centroids, 0.1, reference, novelty)[0][0] for x in X[:80]]
    np.testing.assert_array_equal(batch[:80], one_by_one)
    assert (batch == -1).any() and (batch >= 0).any()
