"""The kNN-vote assignment rule (``centroids.assign_by_vote``): its cell search, its
agreement with one row at a time, where it beats the nearest centroid, and the
bounded, stratified reference it votes with (``cluster.reference_rows``)."""

from __future__ import annotations

import numpy as np
import pytest

from textinsight.stages import centroids
from textinsight.stages.centroids import (
    NOVELTY_CELLS,
    VOTE_K,
    VOTE_MIN_REFERENCE,
    VOTE_PROBES,
    _top_k,
    assign_by_vote,
    nearest_members,
    normalise,
    novelty_scores,
)
from textinsight.stages.cluster import (
    REFERENCE_MIN_PER_THEME,
    ThemeClusterer,
    reference_rows,
)


def _themes(
    seed: int, n_reference: int, dim: int = 32, themes: int = 30, noise: float = 0.2
) -> tuple[np.ndarray, ...]:
    """A labelled reference of ``themes`` blobs and queries drawn around it."""
    rng = np.random.default_rng(seed)
    centres = normalise(rng.normal(size=(themes, dim)))
    y = rng.integers(0, themes, n_reference)
    reference = normalise(centres[y] + rng.normal(0, noise, (n_reference, dim)))
    q = rng.integers(0, themes, 600)
    X = normalise(centres[q] + rng.normal(0, 1.25 * noise, (600, dim)))
    return X, reference, y, centres


@pytest.mark.parametrize("seed", range(6))
def test_cell_search_finds_nearly_all_true_neighbours(seed: int, monkeypatch) -> None:
    """Above ``VOTE_MIN_REFERENCE`` each row searches ``VOTE_PROBES`` of the
    ``NOVELTY_CELLS`` cells: >= 90% of its true ``VOTE_K`` neighbours, and the vote
    agrees with the exact search's for >= 97% of rows."""
    X, reference, y, centres = _themes(seed, VOTE_MIN_REFERENCE + 500, noise=0.12)
    assert VOTE_PROBES < NOVELTY_CELLS
    found = nearest_members(X, reference, VOTE_K)[1]
    exact = _top_k(X, reference, np.arange(len(reference)), VOTE_K)[1]
    recall = np.mean(
        [len(np.intersect1d(a, b)) / VOTE_K for a, b in zip(found, exact, strict=True)]
    )
    assert recall >= 0.90
    labels = assign_by_vote(X, centres, -1.0, reference, None, y)[0]
    monkeypatch.setattr(centroids, "VOTE_MIN_REFERENCE", 10**9)
    assert (labels == assign_by_vote(X, centres, -1.0, reference, None, y)[0]).mean() >= 0.97


@pytest.mark.parametrize("n_reference", [500, VOTE_MIN_REFERENCE + 200])
def test_one_row_at_a_time_gets_what_a_batch_gets(n_reference: int) -> None:
    X, reference, y, centres = _themes(1, n_reference)
    own, _ = novelty_scores(reference, reference, leave_one_out=True)
    novelty = float(np.quantile(own, 0.3))
    batch, sims = assign_by_vote(X, centres, 0.1, reference, novelty, y)
    one = [assign_by_vote(x, centres, 0.1, reference, novelty, y)[0][0] for x in X[:60]]
    np.testing.assert_array_equal(batch[:60], one)
    assert (batch == -1).any() and (batch >= 0).any()
    assert np.allclose(sims[batch >= 0], np.einsum("ij,ij->i", X, centres[batch])[batch >= 0])


def test_without_voters_labels_the_vote_is_the_nearest_centroid() -> None:
    X, reference, _, centres = _themes(2, 800)
    labels, sims = assign_by_vote(X, centres, -1.0)
    np.testing.assert_array_equal(labels, (X @ centres.T).argmax(axis=1))
    assert np.allclose(sims, (X @ centres.T).max(axis=1), atol=1e-6)


def test_a_repeated_reference_text_takes_that_members_theme() -> None:
    X, reference, y, centres = _themes(3, 600)
    y = y.copy()
    y[:20] = (y[:20] + 1) % len(centres)  # members whose neighbours vote otherwise
    labels = assign_by_vote(reference[:20], centres, -1.0, reference, None, y)[0]
    np.testing.assert_array_equal(labels, y[:20])


def _crescent(seed: int, dim: int = 16) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Theme 0 in two lobes (its mean lies between them, near theme 1), theme 1 one
    small blob: the nearest-centroid rule gives theme 1 the lobes' edges."""
    rng = np.random.default_rng(seed)
    axes = normalise(rng.normal(size=(3, dim)))
    lobes = np.vstack([axes[0] + 0.9 * axes[1], axes[0] - 0.9 * axes[1]])
    y = np.repeat([0, 0, 1], [300, 300, 120])
    means = np.vstack([lobes, 0.45 * axes[0] + 0.55 * axes[2]])[
        np.repeat([0, 1, 2], [300, 300, 120])
    ]
    X = normalise(means + rng.normal(0, 0.22, (len(y), dim)))
    return (
        X,
        y,
        np.vstack(
            [normalise(X[y == 0].mean(axis=0)[None]), normalise(X[y == 1].mean(axis=0)[None])]
        ),
    )


def test_vote_beats_the_nearest_centroid_on_uneven_themes_over_seeds() -> None:
    """Over 20 seeds, held-out items of a two-lobed theme and a small one: the vote
    of the reference members agrees with the truth on >= 92% (mean), >= 2 points
    more than the nearest centroid, and is never 5 points worse in any seed
    (measured with 10 voters: 95.3% vs 91.0%)."""
    votes, nearest = [], []
    for seed in range(20):
        X, y, centroids = _crescent(seed)
        rng = np.random.default_rng(100 + seed)
        held = rng.random(len(y)) < 0.3
        vote = assign_by_vote(X[held], centroids, -1.0, X[~held], None, y[~held])[0]
        centre = assign_by_vote(X[held], centroids, -1.0)[0]
        votes.append((vote == y[held]).mean())
        nearest.append((centre == y[held]).mean())
    assert np.mean(votes) >= 0.92
    assert np.mean(votes) >= np.mean(nearest) + 0.02
    assert (np.array(votes) >= np.array(nearest) - 0.05).all()


def test_reference_is_bounded_and_keeps_small_themes_voters() -> None:
    rng = np.random.default_rng(0)
    sizes = [5000, 3000, 400, 40, 8]
    labels = np.repeat(np.arange(len(sizes)), sizes)[rng.permutation(sum(sizes))]
    eligible = rng.random(len(labels)) < 0.95
    rows = reference_rows(labels, eligible, 1000, seed=0)
    assert np.all(eligible[rows]) and np.all(np.diff(rows) > 0)
    assert len(rows) <= 1000 + REFERENCE_MIN_PER_THEME * len(sizes)
    kept = np.bincount(labels[rows], minlength=len(sizes))
    have = np.bincount(labels[eligible], minlength=len(sizes))
    assert (kept >= np.minimum(have, REFERENCE_MIN_PER_THEME)).all()
    assert kept[0] > kept[1] > kept[2]  # otherwise in proportion
    np.testing.assert_array_equal(rows, reference_rows(labels, eligible, 1000, seed=0))
    small = reference_rows(labels, eligible, 10**6, seed=0)
    np.testing.assert_array_equal(small, np.flatnonzero(eligible))


def test_reference_labels_ride_in_the_state() -> None:
    rng = np.random.default_rng(0)
    centres = normalise(rng.normal(size=(4, 24)))
    X = normalise(np.repeat(centres, 60, axis=0) + rng.normal(0, 0.15, (240, 24)))
    model = ThemeClusterer(seed=0).fit(X)
    state = model.to_state()
    again = ThemeClusterer.from_state(state)
    np.testing.assert_array_equal(again.reference_labels_, model.reference_labels_)
    assert len(model.reference_labels_) == len(model.reference_)
    # a reference member's theme is its fitted theme (the members between Tukey's
    # inner and outer fence keep a theme in the run that new feedback there would not
    # get: cluster.MEMBER_FENCE)
    own = np.einsum("ij,ij->i", X, model.centroids_[np.maximum(model.labels_, 0)])
    members = (model.labels_ >= 0) & (own >= model.threshold_)
    assert (again.predict(X[members]) == model.labels_[members]).mean() >= 0.99
    del state["reference_labels"]  # saved before the vote: nearest-centroid voters
    legacy = ThemeClusterer.from_state(state)
    assert (legacy.predict(X[members]) == model.labels_[members]).mean() >= 0.99
