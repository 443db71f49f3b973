"""A fit on a sample agrees with a fit on everything (#15), on themed synthetic feedback.

The corpus is ``scripts/synth_feedback.py``'s (the 14 Nordhem themes in sv/no/da/en with
Zipf sizes, 5% off-topic rows). Its vectors come from a fake embedder: each planted
theme is a random direction, each language adds its own offset (which the clusterer
removes), every row its own noise, and an off-topic row is a random direction of its
own. A run's path is followed with the functions ``run_stream`` calls: a stratified
sample of half the corpus is fitted and the rest assigned by the one rule; the full
fit clusters every item. The issue's target is NMI >= 90 between the two assignments
(unassigned counted as one more label); measured at this size over six seeds: 95.9 to
98.2 (planted themes recovered at NMI 95-98 by either fit).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from tests.conftest import load_script
from textinsight.stages.cluster import ThemeClusterer
from textinsight.stages.sample_fit import assign_batch, fit_on_sample, strata, stratified_sample

N_ROWS = 1_200
DIM = 32
SPREAD = 0.9
"""Noise per row relative to a theme's direction (unit-variance components)."""


synth = load_script("synth_feedback")


def _vectors(rows: list[Any], seed: int) -> np.ndarray:
    """The fake embedder: planted theme + language offset + per-row noise."""
    rng = np.random.default_rng(1000 + seed)
    centre = {name: rng.standard_normal(DIM) for name in sorted({r.theme for r in rows})}
    offset = {lang: 0.5 * rng.standard_normal(DIM) for lang in synth.LANG_WEIGHTS}
    X = np.array(
        [
            (3 * rng.standard_normal(DIM) if r.theme == synth.NOISE_THEME else centre[r.theme])
            + offset[r.language]
            + SPREAD * rng.standard_normal(DIM)
            for r in rows
        ]
    )
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)


def _nmi(a: np.ndarray | list[str], b: np.ndarray) -> float:
    return 100 * float(normalized_mutual_info_score(a, b))


def test_the_generator_plants_themes_in_four_languages() -> None:
    rows = list(synth.generate(2_000, seed=3))
    themes = {r.theme for r in rows}
    assert len(themes - {synth.NOISE_THEME}) == 14
    assert 0.03 <= sum(r.theme == synth.NOISE_THEME for r in rows) / len(rows) <= 0.07
    assert {r.language for r in rows} == set(synth.LANG_WEIGHTS)
    assert len({r.text for r in rows}) >= 0.95 * len(rows)  # varied, not duplicates
    sizes = sorted((sum(r.theme == t for r in rows) for t in themes - {"noise"}), reverse=True)
    assert sizes[0] >= 5 * sizes[-1]  # skewed theme sizes
    assert [r.text for r in synth.generate(50, seed=3)] == [r.text for r in rows[:50]]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_sampled_fit_agrees_with_the_full_fit(seed: int) -> None:
    rows = list(synth.generate(N_ROWS, seed=seed))
    languages = [r.language for r in rows]
    X = _vectors(rows, seed)
    full = ThemeClusterer(seed=seed).fit(X, languages=languages).labels_

    keys = strata(languages, [r.channel for r in rows], [r.created_at for r in rows])
    sample = stratified_sample(keys, N_ROWS // 2, seed=seed)
    model = fit_on_sample(X[sample], [languages[i] for i in sample], seed=seed, corpus_size=N_ROWS)
    labels = np.full(N_ROWS, -1, dtype=np.int64)
    labels[sample] = model.labels_
    rest = np.setdiff1d(np.arange(N_ROWS), sample)
    labels[rest] = assign_batch(model, X[rest], [languages[i] for i in rest])[0]

    assert _nmi(full, labels) >= 90
    planted = [r.theme for r in rows]
    assert _nmi(planted, labels) >= 90 and _nmi(planted, full) >= 90
