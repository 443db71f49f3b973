"""Granularity: over-split themes merged by kNN-graph modularity; categories above."""

import numpy as np
import pytest

from textinsight.evaluate import cluster_scores
from textinsight.stages.cluster import ThemeClusterer
from textinsight.stages.density import merge_neighbours
from textinsight.stages.granularity import (
    SMALL_THEME_SHARE,
    ItemGraph,
    absorb_small,
    categories,
    merge_clusters,
    relabel,
    sentiment_directions,
    tone_directions,
    without_directions,
)
from textinsight.stages.sentiment import SentimentModel


def hierarchy(
    seed: int,
    areas: int = 4,
    topics: int = 3,
    per_topic: int = 60,
    dim: int = 48,
    spread: float = 0.9,
):
    """Unit vectors in ``areas`` groups of ``topics`` topics (``spread``: how far a
    topic lies from its area's centre): (X, topic, area)."""
    rng = np.random.default_rng(seed)
    X, topic, area = [], [], []
    for a in range(areas):
        centre = rng.normal(size=dim)
        for t in range(topics):
            sub = centre + spread * rng.normal(size=dim)
            X.append(sub + 0.45 * rng.normal(size=(per_topic, dim)))
            topic += [a * topics + t] * per_topic
            area += [a] * per_topic
    X = np.vstack(X)
    return X / np.linalg.norm(X, axis=1, keepdims=True), np.array(topic), np.array(area)


def test_merge_clusters_joins_clusters_that_exchange_many_edges() -> None:
    W = np.array([[20.0, 9, 0, 1], [9, 20, 1, 0], [0, 1, 20, 0], [1, 0, 0, 20]])
    assert merge_clusters(W, 1.0).tolist() == [0, 0, 1, 2]
    assert merge_clusters(W, np.inf).tolist() == [0, 1, 2, 3]  # resolution inf: no merge
    assert len(set(merge_clusters(W, 1.0, max_groups=2))) == 2  # forced down to the ceiling
    assert len(set(merge_clusters(W, 0.01, min_groups=3))) == 3  # never below the floor


def test_graph_merges_a_topic_split_in_two_but_keeps_distinct_topics() -> None:
    X, topic, _ = hierarchy(0, areas=6, topics=1)
    split = topic * 2 + (np.arange(len(topic)) % 2)  # every topic cut in two at random
    groups = merge_clusters(ItemGraph.build(X).cluster_weights(split), 2.0)
    assert cluster_scores(topic, relabel(split, groups).tolist())["ari"] == 100.0


def test_merge_of_a_sample_decides_as_the_whole_corpus_does() -> None:
    """Sibling topics near the merge criterion, a quarter of the corpus sampled: with
    the corpus graph's 15 neighbours the sample merges more siblings than the corpus
    does; with ``merge_neighbours`` scaled to the sample it stays closer (8 seeds)."""
    full, fixed, scaled = [], [], []
    for seed in range(8):
        X, topic, _ = hierarchy(seed, topics=3, per_topic=200, spread=0.2)
        full.append(len(set(merge_clusters(ItemGraph.build(X).cluster_weights(topic), 2.0))))
        rows = np.sort(np.random.default_rng(seed).choice(len(X), len(X) // 4, replace=False))
        graph = ItemGraph.build(X[rows])
        k = merge_neighbours(len(rows), len(X))
        assert k < 15
        fixed.append(len(set(merge_clusters(graph.cluster_weights(topic[rows]), 2.0))))
        scaled.append(len(set(merge_clusters(graph.cluster_weights(topic[rows], k), 2.0))))
    full_, fixed_, scaled_ = np.array(full), np.array(fixed), np.array(scaled)
    assert fixed_.mean() < full_.mean() - 1  # the unscaled sample over-merges
    assert np.abs(scaled_ - full_).mean() < 0.6 * np.abs(fixed_ - full_).mean()


def test_clusterer_scales_the_merge_graph_to_the_corpus_a_sample_stands_for() -> None:
    X, _, _ = hierarchy(3, areas=2, topics=2, per_topic=30)
    whole = ThemeClusterer(seed=0).fit(X)
    sample = ThemeClusterer(seed=0).fit(X, corpus_size=4 * len(X))
    assert whole.params_["merge_neighbours"] == 15 and whole.params_["corpus_size"] == len(X)
    assert sample.params_["merge_neighbours"] == merge_neighbours(len(X), 4 * len(X)) == 4
    assert sample.params_["corpus_size"] == 4 * len(X)
    given = ThemeClusterer(seed=0, merge_neighbours=10).fit(X, corpus_size=4 * len(X))
    assert given.params_["merge_neighbours"] == 10  # an explicit value wins


def test_absorb_small_merges_a_fragment_only_where_its_edges_beat_chance() -> None:
    W = np.array([[90.0, 8, 1, 0], [8, 90, 0, 1], [1, 0, 9, 0], [0, 1, 0, 9]])
    sizes = np.array([30, 30, 3, 30])
    assert absorb_small(W, sizes, resolution=0.0).tolist() == [0, 1, 0, 2]
    # 1 edge of theme 2's 10 to theme 0 (degree 99 of 218): below chance, it stays
    assert absorb_small(W, sizes, resolution=1.0).tolist() == [0, 1, 2, 3]
    assert absorb_small(W, sizes, share=0.0, resolution=0.0).tolist() == [0, 1, 2, 3]
    big = np.array([30, 30, 20, 30])  # at least half the median: a theme of its own
    assert absorb_small(W, big, resolution=0.0).tolist() == [0, 1, 2, 3]


def fragments(seed: int, topics: int = 8, cut: int = 3, per_topic: int = 80, dim: int = 48):
    """``topics`` distinct topics, the first ``cut`` of them each cut into a main part
    and a small random fragment, plus one small topic of its own: (X, labels, topic,
    the small topic)."""
    rng = np.random.default_rng(seed)
    X, topic = [], []
    for t in range(topics + 1):
        n = per_topic if t < topics else per_topic // 5
        X.append(rng.normal(size=dim) + 0.45 * rng.normal(size=(n, dim)))
        topic += [t] * n
    X, topic = np.vstack(X), np.array(topic)
    labels = topic.copy()
    for t in range(cut):
        rows = np.flatnonzero(topic == t)
        labels[rng.choice(rows, per_topic // 6, replace=False)] = topics + 1 + t
    return X / np.linalg.norm(X, axis=1, keepdims=True), labels, topic, topics


@pytest.mark.parametrize("seed", range(10))
def test_fragments_join_their_topic_and_a_small_distinct_topic_stays(seed: int) -> None:
    """Over 10 seeds: every fragment (a sixth of its topic, under half the median
    theme) joins its own topic; the small topic (a fifth of the others, under half the
    median too, but distinct) keeps its own theme."""
    X, labels, topic, small = fragments(seed)
    sizes = np.bincount(labels)
    assert (sizes[small:] < SMALL_THEME_SHARE * np.median(sizes)).all()  # all small
    groups = absorb_small(ItemGraph.build(X).cluster_weights(labels), sizes)
    assert cluster_scores(topic, relabel(labels, groups).tolist())["ari"] == 100.0


@pytest.mark.parametrize("seed", range(5))
def test_categories_recover_the_coarse_level(seed: int) -> None:
    X, topic, area = hierarchy(seed)
    graph = ItemGraph.build(X)
    parents = categories(graph, topic, min_groups=2)
    found = relabel(topic, parents)
    themes_vs_area = cluster_scores(area, topic.tolist())["nmi"]
    assert cluster_scores(area, found.tolist())["nmi"] >= themes_vs_area + 10
    sizes = np.bincount(found)
    assert (np.diff(sizes) <= 0).all()  # numbered by descending size


def test_categories_stay_within_the_range() -> None:
    X, topic, _ = hierarchy(1, areas=8, topics=5, per_topic=20)
    parents = categories(ItemGraph.build(X), topic, min_groups=5, max_groups=6)
    assert 5 <= len(set(parents)) <= 6


def test_clusterer_reports_categories_and_merges_less_at_high_resolution() -> None:
    X, topic, area = hierarchy(2, areas=3, topics=3, per_topic=50)
    fine = ThemeClusterer(seed=0, resolution=np.inf, min_cluster_size=8).fit(X)
    assert fine.params_["resolution"] == np.inf  # no merge, not even absorb_small's
    merged = ThemeClusterer(seed=0, min_cluster_size=8).fit(X)
    assert len(merged.centroids_) <= len(fine.centroids_)
    assert merged.params_["resolution"] == 2.0
    assert len(merged.parents_) == len(merged.centroids_)
    assert merged.category_centroids_.shape == (merged.parents_.max() + 1, X.shape[1])
    cats = merged.category_labels()
    assert ((cats >= 0) == (merged.labels_ >= 0)).all()


def toned(seed: int, subjects: int = 6, per_theme: int = 50, dim: int = 48):
    """Each subject in a praised and a criticised theme, tone a strong shared axis:
    (X, theme, subject, tone direction)."""
    rng = np.random.default_rng(seed)
    tone = np.zeros(dim)
    tone[0] = 1.0
    X, theme, subject = [], [], []
    for s in range(subjects):
        centre = rng.normal(size=dim)
        centre[0] = 0.0
        for sign in (1.0, -1.0):
            mean = centre + 6.0 * sign * tone + 0.4 * rng.normal(size=dim)
            X.append(mean + 0.5 * rng.normal(size=(per_theme, dim)))
            theme += [len(set(theme))] * per_theme
            subject += [s] * per_theme
    X = np.vstack(X)
    return X / np.linalg.norm(X, axis=1, keepdims=True), np.array(theme), np.array(subject), tone


@pytest.mark.parametrize("seed", range(5))
def test_categories_group_by_subject_once_the_tone_directions_are_ignored(seed: int) -> None:
    X, theme, subject, tone = toned(seed)
    by_tone = relabel(theme, categories(ItemGraph.build(X), theme, min_groups=2))
    neutral = ItemGraph.build(without_directions(X, tone[None]))
    by_subject = relabel(theme, categories(neutral, theme, min_groups=2))
    assert cluster_scores(subject, by_subject.tolist())["ari"] >= 90
    themes_nmi = cluster_scores(subject, theme.tolist())["nmi"]
    assert cluster_scores(subject, by_subject.tolist())["nmi"] >= themes_nmi + 10
    assert cluster_scores(subject, by_tone.tolist())["ari"] < 50  # tone wins without it


def test_tone_directions_and_projection() -> None:
    coef = np.array([[2.0, 1.0, 0.0], [0.0, 1.0, 0.0], [-2.0, 1.0, 0.0]])
    D = tone_directions(coef)
    assert np.allclose(D.sum(axis=0), 0.0)  # a shift shared by all classes is dropped
    Y = without_directions(np.array([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]]), D)
    assert np.allclose(Y[0], [0.0, 1.0, 1.0] / np.sqrt(2))
    assert np.allclose(Y[1], 0.0)  # nothing left: stays zero, no division by zero
    assert without_directions(Y, np.zeros((0, 3))) is Y


def test_sentiment_directions_need_a_head_over_this_space() -> None:
    head = SentimentModel("m", np.eye(3, 4), np.zeros(3))
    assert sentiment_directions(head, 4).shape == (3, 4)
    assert sentiment_directions(head, 5) is None  # another embedder's width
    assert sentiment_directions(None, 4) is None
    assert sentiment_directions(SentimentModel("lexicon", np.zeros((3, 0)), np.zeros(3)), 4) is None


def test_clusterer_groups_categories_without_the_neutral_directions() -> None:
    X, theme, subject, tone = toned(0, subjects=5)
    model = ThemeClusterer(seed=0, min_cluster_size=15).fit(X, neutral=tone[None])
    assert model.params_["category_neutral_directions"] == 1
    assert cluster_scores(subject, model.category_labels().tolist())["ari"] >= 80
