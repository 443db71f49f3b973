"""Tests for textinsight.stages.cluster on synthetic clusters on the unit sphere (no model)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from textinsight.errors import (
    ConfigError,
    EmptyCorpusError,
    ModelError,
    NotFittedError,
    ValidationError,
)
from textinsight.stages import cluster
from textinsight.stages.centroids import (
    assign_by_vote,
    exact_knn,
    fit_prototypes,
    language_offsets,
    merge_similar,
    remove_offsets,
)
from textinsight.stages.cluster import ThemeClusterer

DIM = 32
SIZES = (80, 60, 45, 30)


def _unit(X: np.ndarray) -> np.ndarray:
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)


def _blobs(seed: int = 0, noise: float = 0.15) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Well-separated clusters of unequal size: (X, true labels, centres)."""
    rng = np.random.default_rng(seed)
    centres = _unit(rng.normal(size=(len(SIZES), DIM)))
    X = np.concatenate(
        [c + noise * rng.normal(size=(n, DIM)) for c, n in zip(centres, SIZES, strict=True)]
    )
    y = np.repeat(np.arange(len(SIZES)), SIZES)
    order = rng.permutation(len(y))
    return _unit(X[order]), y[order], centres


@pytest.fixture(scope="module")
def fitted() -> tuple[ThemeClusterer, np.ndarray, np.ndarray, np.ndarray]:
    X, y, centres = _blobs()
    return ThemeClusterer(seed=0).fit(X), X, y, centres


def test_recovers_planted_clusters(fitted):
    model, X, y, _ = fitted
    assert adjusted_rand_score(y, model.labels_) > 0.9
    assert model.centroids_.shape == (len(SIZES), DIM)
    assert np.allclose(np.linalg.norm(model.centroids_, axis=1), 1.0, atol=1e-5)
    assert model.labels_.shape == model.probabilities_.shape == (len(X),)
    assert ((model.probabilities_ >= 0) & (model.probabilities_ <= 1)).all()
    assert (model.probabilities_[model.labels_ < 0] == 0).all()


def test_labels_renumbered_by_descending_size(fitted):
    model, *_ = fitted
    counts = np.bincount(model.labels_[model.labels_ >= 0])
    assert list(counts) == sorted(counts, reverse=True)
    assert counts[0] == SIZES[0]


def test_params_are_json_serialisable(fitted):
    import json

    model, *_ = fitted
    params = json.loads(json.dumps(model.params_))
    assert params["assign_threshold"] == model.threshold_
    assert set(model.timings_) == {"reduce_s", "cluster_s", "outliers_s"}
    assert params["min_cluster_size"] >= 2


def test_deterministic_for_a_fixed_seed():
    X, _, _ = _blobs(seed=3)
    a = ThemeClusterer(seed=7).fit(X)
    b = ThemeClusterer(seed=7).fit(X)
    assert np.array_equal(a.labels_, b.labels_)
    assert np.array_equal(a.probabilities_, b.probabilities_)
    assert np.array_equal(a.centroids_, b.centroids_)


def test_far_outliers_stay_unassigned_near_ones_join(fitted):
    model, X, _, centres = fitted
    rng = np.random.default_rng(1)
    far = _unit(rng.normal(size=(3, DIM)))  # random directions: about orthogonal to all
    near = _unit(centres + 0.1 * rng.normal(size=centres.shape))
    Xo = np.concatenate([X, far, near])
    model2 = ThemeClusterer(seed=0).fit(Xo)
    n = len(X)
    assert (model2.labels_[n : n + 3] == -1).all()
    near_labels = model2.labels_[n + 3 :]
    assert (near_labels >= 0).all()
    assert len(set(near_labels.tolist())) == len(SIZES)
    # the same rule through predict on new vectors
    assert (model.predict(far) == -1).all()
    assert (model.predict(near) >= 0).all()


def test_hdbscan_outliers_rejoin_when_similar_enough(monkeypatch):
    """Outliers of the clustering step go through assign_by_vote."""
    X, y, _ = _blobs()
    rng = np.random.default_rng(2)
    far = _unit(rng.normal(size=(3, DIM)))
    Xo = np.concatenate([X, far])
    planted = np.concatenate([y, [-1, -1, -1]])
    planted[:10] = -1  # ten ordinary members the clustering step "missed"

    def fake_cluster(Z, params, allow_single_cluster=False):
        return planted.copy(), np.where(planted >= 0, 1.0, 0.0)

    monkeypatch.setattr(cluster, "hdbscan_labels", fake_cluster)
    model = ThemeClusterer(seed=0).fit(Xo)
    truth_to_theme = {t: model.labels_[: len(y)][y == t][-1] for t in range(len(SIZES))}
    rejoined = model.labels_[:10]
    assert rejoined.tolist() == [truth_to_theme[t] for t in y[:10]]
    assert (model.probabilities_[:10] > 0).all() and (model.probabilities_[:10] < 1).all()
    assert (model.labels_[-3:] == -1).all()
    assert (model.probabilities_[-3:] == 0).all()


def test_assign_by_vote_at_the_threshold():
    C = np.eye(3, dtype=np.float32)
    X = np.array([[0.6, 0.8, 0.0], [0.0, 0.0, 1.0], [-1.0, 0.0, 0.0]], dtype=np.float32)
    labels, sims = assign_by_vote(X, C, threshold=0.8)
    assert labels.tolist() == [1, 2, -1]
    assert sims == pytest.approx([0.8, 1.0, 0.0], abs=1e-6)
    # exactly at the threshold joins; just above it does not
    assert assign_by_vote(X[:1], C, threshold=float(sims[0]))[0].tolist() == [1]
    assert assign_by_vote(X[:1], C, threshold=float(sims[0]) + 1e-4)[0].tolist() == [-1]
    # no centroids: everything unassigned
    labels, sims = assign_by_vote(X, np.zeros((0, 3), np.float32), 0.0)
    assert labels.tolist() == [-1, -1, -1]


def test_merge_similar_joins_near_duplicate_centroids():
    C = _unit(np.array([[1.0, 0.0], [1.0, 0.05], [0.0, 1.0]]))
    labels = np.array([0, 1, 2, -1])
    assert merge_similar(labels, C, 0.99).tolist() == [0, 0, 1, -1]
    assert merge_similar(labels, C, 1.01).tolist() == labels.tolist()


def test_empty_corpus_raises():
    with pytest.raises(EmptyCorpusError, match="0 feedback items"):
        ThemeClusterer().fit(np.zeros((0, DIM), np.float32))
    with pytest.raises(EmptyCorpusError):
        ThemeClusterer().fit([])


@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_tiny_inputs_form_one_theme(n):
    X, _, _ = _blobs()
    model = ThemeClusterer().fit(X[:n])
    assert set(model.labels_.tolist()) <= {0, -1}
    assert model.centroids_.shape[0] <= 1
    assert model.labels_.shape == (n,)


def test_small_inputs_do_not_crash():
    X, _, _ = _blobs()
    for n in (10, 12, 25):
        model = ThemeClusterer().fit(X[:n])
        assert model.labels_.shape == (n,)
        assert model.labels_.max() < max(1, len(model.centroids_))


def test_not_fitted_raises():
    for method in ("predict", "transform", "to_state"):
        with pytest.raises(NotFittedError, match=f"fit.*before {method}"):
            args = [] if method == "to_state" else [np.ones((1, DIM), np.float32)]
            getattr(ThemeClusterer(), method)(*args)


def test_state_round_trip_predicts_the_same(fitted):
    model, X, _, _ = fitted
    state = model.to_state()
    again = ThemeClusterer.from_state(state)
    assert np.array_equal(again.predict(X), model.predict(X))
    assert again.threshold_ == model.threshold_ and again.seed == model.seed
    assert again.params_ == model.params_


def test_state_round_trip_keeps_language_offsets():
    X, _, languages = _two_languages()
    model = ThemeClusterer(seed=0).fit(X, languages=languages)
    again = ThemeClusterer.from_state(model.to_state())
    assert set(again.offsets_) == {"sv", "en"}
    assert np.array_equal(again.predict(X, languages), model.predict(X, languages))


def test_a_state_without_a_threshold_is_an_error(fitted):
    state = fitted[0].to_state()
    del state["threshold"]
    with pytest.raises(ModelError, match="lacks threshold"):
        ThemeClusterer.from_state(state)
    with pytest.raises(ModelError, match="version 99"):
        ThemeClusterer.from_state({**fitted[0].to_state(), "version": 99})


def test_bad_selection_is_a_config_error():
    X, _, _ = _blobs()
    with pytest.raises(ConfigError, match="selection='nearest'"):
        ThemeClusterer(selection="nearest").fit(X)


@pytest.mark.parametrize("bad", [np.ones(5), np.full((20, DIM), np.nan)])
def test_bad_input_is_a_validation_error(bad):
    with pytest.raises(ValidationError, match="2-D array of finite embeddings"):
        ThemeClusterer().fit(bad)


def test_defaults_scale_with_corpus_size_and_explicit_values_win():
    small, large = ThemeClusterer()._resolve(2_000), ThemeClusterer()._resolve(13_083)
    assert (small["min_cluster_size"], small["min_samples"]) == (13, 5)
    assert (large["min_cluster_size"], large["min_samples"]) == (52, 13)
    assert (small["n_epochs"], large["n_epochs"]) == (500, 75)
    # sub-linear: 6.5x the items, 4x the smallest theme
    assert large["min_cluster_size"] / small["min_cluster_size"] == 4
    fixed = ThemeClusterer(min_cluster_size=30, min_samples=3, merge_threshold=0.0)._resolve(2_000)
    assert (fixed["min_cluster_size"], fixed["min_samples"], fixed["merge_threshold"]) == (
        30,
        3,
        0.0,
    )


def test_exact_duplicates_are_one_theme():
    X, _, _ = _blobs()
    same = ThemeClusterer().fit(np.repeat(X[:1], 50, axis=0))
    assert same.labels_.tolist() == [0] * 50
    model = ThemeClusterer(seed=0).fit(np.concatenate([X, np.repeat(X[:1], 100, axis=0)]))
    assert model.params_["n_distinct"] == len(X)
    assert len(set(model.labels_[len(X) :].tolist())) == 1


def _wide_and_tight(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A wide theme and a tight one at its edge: some wide members are nearer the
    tight theme's mean, so the plain means do not reproduce the labels."""
    rng = np.random.default_rng(seed)
    wide = rng.normal([1.0, 0.0, 0.0], 0.45, size=(300, 3))
    tight = rng.normal([0.5, 0.85, 0.0], 0.05, size=(40, 3))
    return _unit(np.vstack([wide, tight])), np.repeat([0, 1], [300, 40])


def test_fit_prototypes_reproduces_labels_the_means_miss():
    X, y = _wide_and_tight()
    means = np.stack([_unit(X[y == k].mean(axis=0, keepdims=True))[0] for k in (0, 1)])
    before = (assign_by_vote(X, means, -1.0)[0] == y).mean()
    prototypes = fit_prototypes(X, y, means)
    after = (assign_by_vote(X, prototypes, -1.0)[0] == y).mean()
    assert before < 0.97
    assert after > before
    assert np.allclose(np.linalg.norm(prototypes, axis=1), 1.0, atol=1e-5)


def test_fit_prototypes_keeps_centroids_that_already_agree(fitted):
    model, X, _, _ = fitted
    again = fit_prototypes(X, model.labels_, model.centroids_)
    nearest = assign_by_vote(X, again, -1.0)[0]
    members = model.labels_ >= 0
    assert (nearest[members] == model.labels_[members]).mean() >= (
        assign_by_vote(X[members], model.centroids_, -1.0)[0] == model.labels_[members]
    ).mean()


def test_predict_gives_fitted_members_their_theme(fitted):
    model, X, _, _ = fitted
    members = model.labels_ >= 0
    assert (model.predict(X[members]) == model.labels_[members]).mean() >= 0.99


def test_exact_knn_matches_brute_force():
    X = _unit(np.random.default_rng(3).normal(size=(120, 8)))
    indices, distances = exact_knn(X, 5)
    sims = X @ X.T
    expected = np.argsort(-sims, axis=1, kind="stable")[:, :5]
    assert np.array_equal(indices[:, 0], np.arange(120))  # itself first
    assert np.array_equal(np.sort(indices, axis=1), np.sort(expected, axis=1))
    assert np.allclose(distances, 1.0 - np.take_along_axis(sims, expected, axis=1), atol=1e-5)
    assert (np.diff(distances, axis=1) >= 0).all()


def _two_languages(seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Three topics written in two languages; each language adds a strong shared
    component (as multilingual models do), larger than the topic differences."""
    rng = np.random.default_rng(seed)
    topics = _unit(rng.normal(size=(3, DIM)))
    shifts = {"sv": 2.0 * _unit(rng.normal(size=(1, DIM)))[0], "en": np.zeros(DIM)}
    X, y, languages = [], [], []
    for t, centre in enumerate(topics):
        for code, shift in shifts.items():
            X.append(centre + shift + 0.12 * rng.normal(size=(40, DIM)))
            y += [t] * 40
            languages += [code] * 40
    return _unit(np.concatenate(X)), np.array(y), languages


def test_language_offsets_make_themes_follow_meaning_not_language():
    X, y, languages = _two_languages()
    plain = ThemeClusterer(seed=0).fit(X)
    aware = ThemeClusterer(seed=0).fit(X, languages=languages)
    assert set(aware.offsets_) == {"sv", "en"}
    assert adjusted_rand_score(y, aware.labels_) > 0.9
    assert adjusted_rand_score(y, aware.labels_) > adjusted_rand_score(y, plain.labels_) + 0.3
    members = aware.labels_ >= 0  # new feedback in either language gets the run's theme
    assert (
        aware.predict(X[members], [languages[i] for i in np.flatnonzero(members)])
        == aware.labels_[members]
    ).mean() >= 0.99


def test_language_offsets_need_two_languages_with_enough_items():
    X = _unit(np.random.default_rng(0).normal(size=(60, DIM)))
    assert language_offsets(X, ["en"] * 60) == {}
    assert language_offsets(X, ["en"] * 50 + ["sv"] * 10) == {}  # sv has too few items
    assert language_offsets(X, ["und"] * 30 + [None] * 30) == {}
    offsets = language_offsets(X, ["en"] * 30 + ["sv"] * 25 + ["und"] * 5)
    assert set(offsets) == {"en", "sv"}
    big = _unit(np.random.default_rng(0).normal(size=(1000, 4)))
    stray = ["en"] * 960 + ["da"] * 40  # 4% misdetected: below LANGUAGE_MIN_SHARE
    assert language_offsets(big, stray) == {}
    with pytest.raises(ValidationError, match="one language per vector"):
        language_offsets(X, ["en"] * 3)


def test_remove_offsets_shifts_only_rows_with_an_offset():
    X = _unit(np.random.default_rng(1).normal(size=(3, DIM)))
    offsets = {"sv": np.full(DIM, 0.1, dtype=np.float32)}
    out = remove_offsets(X, ["sv", "en", None], offsets)
    assert np.allclose(out[1:], X[1:], atol=1e-6)
    assert np.allclose(out[0], _unit((X[0] - 0.1)[None])[0], atol=1e-6)
    assert np.allclose(remove_offsets(X, None, offsets), X, atol=1e-6)


def test_novelty_reference_rides_in_the_state_and_with_theme_adds_a_theme(fitted):
    """The novelty test's reference and threshold are saved with the clusterer;
    ``with_theme`` (promote) adds a theme whose members then get it."""
    model, X, _, centres = fitted
    assert len(model.reference_) == (model.labels_ >= 0).sum()
    rng = np.random.default_rng(5)
    new_topic = _unit(rng.normal(size=(1, DIM)))
    novel = _unit(new_topic + 0.05 * rng.normal(size=(40, DIM)))
    assert (model.predict(novel) == -1).all()
    again = ThemeClusterer.from_state(model.to_state())
    assert again.novelty_threshold_ == model.novelty_threshold_
    assert np.array_equal(again.reference_, model.reference_)
    members = model.labels_ >= 0
    grown = again.with_theme(novel.mean(axis=0), novel)
    assert (grown.predict(novel) == len(model.centroids_)).all()
    assert (grown.predict(X[members]) == model.labels_[members]).mean() >= 0.99
    old = model.to_state()
    del old["reference"], old["novelty_threshold"]  # saved before the novelty test
    legacy = ThemeClusterer.from_state(old).predict(X[members])
    assert (legacy == model.labels_[members]).mean() >= 0.99


def _beside(centre: np.ndarray, similarity: float, rng: np.random.Generator) -> np.ndarray:
    """A unit vector at exactly ``similarity`` (cosine) to the unit vector ``centre``."""
    other = rng.normal(size=centre.shape)
    other -= (other @ centre) * centre
    other /= np.linalg.norm(other)
    return _unit((similarity * centre + np.sqrt(1 - similarity**2) * other)[None])[0]


def test_members_face_the_outer_fence_outliers_the_inner_one(monkeypatch):
    """HDBSCAN's members between Tukey's inner and outer fence keep their theme; an
    outlier at the same place, and a member beyond the outer fence, stay unassigned."""
    X, y, _ = _blobs(seed=4)
    rng = np.random.default_rng(40)  # not _blobs' stream: that would redraw its centres
    first = ThemeClusterer(seed=0).fit(X)
    inner, outer = first.params_["assign_threshold"], first.params_["member_threshold"]
    assert outer < inner
    centre = first.centroids_[np.bincount(first.labels_[y == 0]).argmax()].astype(np.float64)
    between = (inner + outer) / 2
    extra = np.stack(
        [_beside(centre, between, rng), _beside(centre, between, rng)]
        + [_beside(centre, outer - 0.2, rng)]
    )
    Xe = np.concatenate([X, extra])
    # HDBSCAN's own verdict, planted: the first two are members, the last is one
    # too (UMAP can pull an isolated text into a cluster), the middle one an outlier
    planted = np.concatenate([y, [0, -1, 0]])

    def hdbscan_labels(Z, params, allow_single_cluster=False):
        return planted.astype(np.int64), (planted >= 0).astype(np.float64)

    monkeypatch.setattr(cluster, "hdbscan_labels", hdbscan_labels)
    model = ThemeClusterer(seed=0).fit(Xe)
    n = len(X)
    theme = np.bincount(model.labels_[:n][y == 0]).argmax()
    assert model.labels_[n] == theme  # a member between the fences keeps its theme
    assert model.labels_[n + 1] == -1  # an outlier there does not join
    assert model.labels_[n + 2] == -1  # a member far out does not keep one
