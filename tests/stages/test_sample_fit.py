"""Fit on a sample, assign the rest: stratified sampling and the batch assignment rule."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from textinsight.errors import ConfigError
from textinsight.stages.cluster import ThemeClusterer
from textinsight.stages.sample_fit import (
    assign_batch,
    fit_on_sample,
    strata,
    stratified_sample,
)


def test_small_corpus_is_taken_whole() -> None:
    assert stratified_sample(["a"] * 10, 50).tolist() == list(range(10))


def test_sample_has_the_size_and_keeps_small_strata() -> None:
    keys = ["big"] * 9_000 + ["mid"] * 900 + ["tiny"] * 30 + ["rare"] * 3
    rows = stratified_sample(keys, 1_000, seed=1, min_per_stratum=50)
    assert len(rows) == 1_000
    assert len(set(rows.tolist())) == 1_000
    got = Counter(keys[i] for i in rows)
    assert got["tiny"] == 30 and got["rare"] == 3  # small strata survive whole
    # strata above their floors keep the corpus' proportions (9000 / 900)
    assert abs(got["big"] / got["mid"] - 10) < 0.2


def test_the_floor_only_tops_up_strata_whose_share_is_smaller() -> None:
    keys = ["big"] * 9_000 + ["mid"] * 900 + ["small"] * 300
    got = Counter(keys[i] for i in stratified_sample(keys, 1_000, seed=0, min_per_stratum=50))
    assert got["small"] == 50  # its share (~29) is raised to the floor
    assert sum(got.values()) == 1_000
    assert abs(got["big"] / got["mid"] - 10) < 0.2  # the others give it up in proportion
    # no stratum's share is below the floor: the sample is proportional
    got = Counter(keys[i] for i in stratified_sample(keys, 5_100, seed=0, min_per_stratum=50))
    assert (got["big"], got["mid"], got["small"]) == (4_500, 450, 150)


def test_the_allocation_fills_the_budget_within_every_stratum() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        counts = rng.integers(1, rng.choice([5, 50, 500]), rng.integers(1, 60))
        keys = np.repeat(np.arange(len(counts)), counts).tolist()
        if len(keys) < 2:
            continue
        size, floor = int(rng.integers(1, len(keys))), int(rng.integers(0, 100))
        rows = stratified_sample(keys, size, seed=1, min_per_stratum=floor)
        got = np.bincount(np.asarray(keys)[rows], minlength=len(counts))
        assert len(rows) == size and (got <= counts).all()
        if np.minimum(counts, floor).sum() <= size:  # every floor fits: each one is met
            assert (got >= np.minimum(counts, floor)).all()


def test_too_many_strata_lower_the_floor_evenly() -> None:
    keys = [f"s{i % 40}" for i in range(4_000)]
    rows = stratified_sample(keys, 100, seed=0, min_per_stratum=50)
    got = Counter(keys[i] for i in rows)
    assert len(rows) == 100 and len(got) == 40
    assert max(got.values()) - min(got.values()) <= 1


def test_sample_is_seeded() -> None:
    keys = [i % 7 for i in range(5_000)]
    same = stratified_sample(keys, 500, seed=3)
    assert same.tolist() == stratified_sample(keys, 500, seed=3).tolist()
    assert same.tolist() != stratified_sample(keys, 500, seed=4).tolist()


def test_bad_size_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="size=0"):
        stratified_sample(["a"], 0)


def test_strata_are_language_channel_month() -> None:
    assert strata(["en"], ["ticket"], ["2026-05-02"]) == [("en", "ticket", "2026-05")]


def test_assign_batch_is_the_clusterers_rule_and_accepts_a_state() -> None:
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.05, (60, 8)) for c in np.eye(8)[:3]])
    model = fit_on_sample(X[::3], None, seed=0)
    assert isinstance(model, ThemeClusterer)
    rest = np.delete(X, np.arange(0, len(X), 3), axis=0)
    labels, probabilities = assign_batch(model.to_state(), rest)
    want, sims = model.predict_similarity(rest)
    assert labels.tolist() == want.tolist()
    assert np.allclose(probabilities[labels >= 0], np.clip(sims[labels >= 0], 0, 1))
    assert (probabilities[labels < 0] == 0).all()
