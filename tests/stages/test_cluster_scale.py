"""Clustering settings that do not grow super-linearly with N (issue #15)."""

from textinsight.stages.cluster import ThemeClusterer
from textinsight.stages.density import MAX_MIN_SAMPLES, SPECTRAL_INIT_MAX_ITEMS, umap_init


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
