"""``scripts/sentiment_prior_shift.py``: the EM prior estimate, its shrinkage and the
temperature fit behave as the e5-small card relies on, on data with a known answer."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

from tests.conftest import load_script

CENTRES = np.array([-2.0, 0.0, 2.0])
"""Three classes on a line, unit-variance Gaussians: exact posteriors are known."""


@pytest.fixture(scope="module")
def shift() -> ModuleType:
    return load_script("sentiment_prior_shift")


def _corpus(prior: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn with ``prior`` and the exact logits under a uniform prior."""
    rng = np.random.default_rng(seed)
    y = rng.choice(3, size=n, p=prior)
    x = CENTRES[y] + rng.normal(size=n)
    return -0.5 * (x[:, None] - CENTRES[None, :]) ** 2, y


def test_em_recovers_a_planted_prior(shift: ModuleType) -> None:
    planted = np.array([0.15, 0.6, 0.25])
    errors = []
    for seed in range(40):
        logits, _ = _corpus(planted, 1500, seed)
        errors.append(np.abs(shift.em_prior(shift.softmax(logits), 0) - planted).max())
    assert np.mean(errors) < 0.03
    assert np.max(errors) < 0.07


def test_shrinkage_pulls_the_estimate_to_the_training_prior(shift: ModuleType) -> None:
    logits, _ = _corpus(np.array([0.7, 0.2, 0.1]), 400, 0)
    proba = shift.softmax(logits)
    gaps = [np.abs(shift.em_prior(proba, k) - shift.UNIFORM).max() for k in (0, 400, 10**6)]
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 1e-3


def test_adaptation_costs_little_on_a_balanced_corpus(shift: ModuleType) -> None:
    drops = []
    for seed in range(30):
        logits, y = _corpus(shift.UNIFORM, 600, seed)
        adapted, _ = shift.adapt(logits, 400, 1.0)
        drops.append(shift._macro(y, logits) - shift._macro(y, adapted))
    assert np.mean(drops) < 0.005


def test_temperature_undoes_a_known_scaling(shift: ModuleType) -> None:
    logits, y = _corpus(shift.UNIFORM, 3000, 1)
    weights = np.ones(len(y))
    # logits shrunk by 2 (an under-confident head) need T = 0.5 to be calibrated again
    assert shift.fit_temperature(logits / 2, y, weights) == pytest.approx(0.5, abs=0.05)
    assert shift.calibration_error(shift.softmax(logits), y) < 0.03
    assert shift.calibration_error(shift.softmax(logits / 2), y) > 0.05
