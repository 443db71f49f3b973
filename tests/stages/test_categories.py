"""Categories above the themes: meaning and words, cut where the item graph is modular."""

import numpy as np
import pytest

from textinsight.evaluate import cluster_scores
from textinsight.stages.categories import (
    categories,
    item_terms,
    meaning_profiles,
    modularity,
    word_profiles,
)
from textinsight.stages.granularity import ItemGraph, relabel

#: Planted areas: the thing the feedback is about, in English and Swedish.
OBJECTS = [
    ("card", "kort"),
    ("transfer", "överföring"),
    ("delivery", "leverans"),
    ("price", "pris"),
    ("app", "appen"),
]
#: Planted themes within each area: what went wrong with it.
PROBLEMS = [
    ("late", "sen"),
    ("broken", "trasig"),
    ("missing", "saknas"),
]
FILLER = ["today", "again", "really", "customer", "service", "week", "order", "help"]


def two_level(seed: int, per_theme: int = 40, dim: int = 32, area_signal: float = 0.6):
    """Texts (half Swedish) and vectors in ``len(OBJECTS)`` areas of ``len(PROBLEMS)``
    themes each. The vectors carry the areas only weakly (every theme has its own
    random centre, nudged towards its area's), so the words have to tell them apart:
    (texts, languages, X, theme, area)."""
    rng = np.random.default_rng(seed)
    texts, languages, rows, theme, area = [], [], [], [], []
    area_centres = rng.normal(size=(len(OBJECTS), dim))
    for a, objects in enumerate(OBJECTS):
        for p, problems in enumerate(PROBLEMS):
            centre = area_signal * area_centres[a] + rng.normal(size=dim)
            for i in range(per_theme):
                lang = i % 2
                words = [problems[lang], objects[lang], *rng.choice(FILLER, 2)]
                texts.append(" ".join(rng.permutation(words)))
                languages.append(("en", "sv")[lang])
                rows.append(centre + 0.35 * rng.normal(size=dim))
                theme.append(a * len(PROBLEMS) + p)
                area.append(a)
    X = np.vstack(rows)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return texts, languages, X, np.array(theme), np.array(area)


@pytest.mark.parametrize("seed", range(5))
def test_words_recover_planted_areas_that_the_vectors_hardly_show(seed: int) -> None:
    texts, languages, X, theme, area = two_level(seed)
    graph = ItemGraph.build(X)
    with_words = relabel(theme, categories(X, theme, graph, item_terms(texts, languages)))
    meaning_only = relabel(theme, categories(X, theme, graph, min_groups=2))
    themes_nmi = cluster_scores(area, theme.tolist())["nmi"]
    found = cluster_scores(area, with_words.tolist())
    assert found["nmi"] >= themes_nmi + 10
    assert 5 <= found["themes"] <= 10  # within twice the 5 planted areas
    assert found["nmi"] > cluster_scores(area, meaning_only.tolist())["nmi"]


def test_categories_are_numbered_by_size_and_repeat_exactly() -> None:
    texts, languages, X, theme, _ = two_level(0)
    theme = theme.copy()
    theme[::7] = -1  # unassigned items are ignored
    terms = item_terms(texts, languages)
    graph = ItemGraph.build(X)
    parents = categories(X, theme, graph, terms)
    assert (parents == categories(X, theme, graph, terms)).all()
    sizes = np.bincount(relabel(theme, parents)[theme >= 0])
    assert (np.diff(sizes) <= 0).all()
    assert 5 <= len(sizes) <= 15


def test_few_themes_get_one_category_each() -> None:
    labels = np.repeat(np.array([0, 1, 2]), [6, 2, 4])
    X = np.eye(3)[labels]
    parents = categories(X, labels, ItemGraph.build(X))  # fewer themes than MIN_CATEGORIES
    assert parents.tolist() == [0, 2, 1]  # one category each, numbered by size
    empty = categories(np.zeros((0, 3)), np.zeros(0, dtype=np.int64), ItemGraph.build(X))
    assert empty.size == 0


def test_profiles() -> None:
    terms = [["card", "late"], ["card"], ["card", "lost"], ["transfer"], [], ["x"]]
    labels = np.array([0, 0, 1, 2, 2, -1])
    P = word_profiles(terms, labels)
    assert P.shape == (3, 4)  # the unassigned item's term is not counted
    assert np.allclose(np.linalg.norm(P, axis=1), 1.0)
    assert P[0] @ P[1] > P[0] @ P[2] == 0.0  # shared "card", but nothing with transfers
    M = meaning_profiles(np.eye(3)[[0, 0, 1, 2, 2, 2]], labels)
    assert np.allclose(np.linalg.norm(M, axis=1), 1.0)
    assert np.allclose(M.sum(axis=0), 0.0)  # centred: what all themes share is gone


def test_modularity_prefers_the_planted_grouping() -> None:
    W = np.array([[20.0, 9, 0, 1], [9, 20, 1, 0], [0, 1, 20, 8], [1, 0, 8, 20]])
    planted = modularity(W, np.array([0, 0, 1, 1]))
    assert planted > modularity(W, np.array([0, 1, 0, 1]))
    assert planted > modularity(W, np.arange(4))
    assert modularity(np.zeros((2, 2)), np.array([0, 1])) == 0.0
