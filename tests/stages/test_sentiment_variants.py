"""``scripts/sentiment_variants.py``: its recipe is the shipped one when no knob is turned,
and each knob does what the e5-small card says it measured."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

from tests.conftest import load_script
from textinsight.stages.sentiment import CLASSES


@pytest.fixture(scope="module")
def variants() -> ModuleType:
    return load_script("sentiment_variants")


def _toy(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.array([CLASSES[i % 3] for i in range(n)])
    centres = rng.normal(size=(3, 8))
    x = centres[[CLASSES.index(v) for v in y]] + rng.normal(scale=1.5, size=(n, 8))
    return x, y


def test_recipe_without_knobs_is_the_shipped_fit(variants: ModuleType) -> None:
    import train_sentiment  # importable once the fixture loaded the script

    xt, yt = _toy(120, 0)
    xr, yr = _toy(45, 1)
    ours = variants.recipe(xt, yt, {"x": xr, "y": yr})
    shipped = train_sentiment._fit(xt, list(yt), xr, list(yr), 0.25, 0.3, "toy")
    np.testing.assert_allclose(ours.coef, shipped.coef, atol=1e-6)
    np.testing.assert_allclose(ours.intercept, shipped.intercept, atol=1e-6)


def test_knobs_change_the_head_as_described(variants: ModuleType) -> None:
    xt, yt = _toy(120, 0)
    xr, yr = _toy(45, 1)
    reviews = {"x": xr, "y": yr}
    plain = variants.recipe(xt, yt, reviews)
    smooth = variants.recipe(xt, yt, reviews, eps=0.3)
    # smoothing pulls probabilities towards uniform: smaller weights
    assert np.linalg.norm(smooth.coef) < np.linalg.norm(plain.coef)
    # more weight on the reviews' negatives raises the negative class's share of predictions
    heavier = variants.recipe(xt, yt, reviews, neg=3.0)
    share = [np.mean(np.array(m.predict(xr)) == "negative") for m in (plain, heavier)]
    assert share[1] >= share[0]


def test_stack_features_add_lexicon_per_language(variants: ModuleType) -> None:
    n = 5
    d = {"lex": np.ones((n, 4)), "lang": np.array(["da", "en", "no", "sv", "de"])}
    logits = np.zeros((n, 3))
    assert variants.stack_features(logits, d, "probs").shape == (n, 3)
    assert variants.stack_features(logits, d, "lex").shape == (n, 7)
    full = variants.stack_features(logits, d, "lexlang")
    assert full.shape == (n, 3 + 4 + 4 * len(variants.LANGS))
    assert full[4, 7:].sum() == 0  # a language without a lexicon gets no per-language part
