"""Clustering settings that do not grow super-linearly with N (issue #15)."""

from textinsight.stages.cluster import ThemeClusterer
from textinsight.stages.density import (
    EXACT_KNN_MAX_ITEMS,
    LARGE_CORPUS_NEIGHBOURS,
    MAX_MIN_SAMPLES,
    SPECTRAL_INIT_MAX_ITEMS,
    umap_init,
)


def test_min_samples_is_capped_at_large_n_and_unchanged_at_banking77_size() -> None:
    clusterer = ThemeClusterer()
    banking = clusterer._resolve(13_083)
    assert banking["min_cluster_size"] == 52 and banking["min_samples"] == 13
    for n in (300_000, 1_000_000, 10_000_000):
        assert clusterer._resolve(n)["min_samples"] == MAX_MIN_SAMPLES == 50
    assert ThemeClusterer(min_samples=80)._resolve(1_000_000)["min_samples"] == 80


def test_umap_starts_from_pca_only_above_the_threshold() -> None:
    assert umap_init(40) == "random"
    assert umap_init(13_083) == "spectral"
    assert umap_init(SPECTRAL_INIT_MAX_ITEMS) == "spectral"
    assert umap_init(SPECTRAL_INIT_MAX_ITEMS + 1) == "pca"
    assert umap_init(1_000_000) == "pca"


def test_umap_neighbours_grow_only_for_large_corpora() -> None:
    clusterer = ThemeClusterer()
    assert clusterer._resolve(13_083)["n_neighbors"] == 15  # Banking77: unchanged
    assert clusterer._resolve(5_000)["n_neighbors"] == 15
    assert clusterer._resolve(EXACT_KNN_MAX_ITEMS)["n_neighbors"] == 15
    for n in (EXACT_KNN_MAX_ITEMS + 1, 50_000, 1_000_000):
        assert clusterer._resolve(n)["n_neighbors"] == LARGE_CORPUS_NEIGHBOURS == 30
    # duplicates do not count: the neighbours are chosen by the distinct items UMAP sees
    assert clusterer._resolve(100_000, 20_000)["n_neighbors"] == 15
    assert ThemeClusterer(n_neighbors=10)._resolve(100_000)["n_neighbors"] == 10
