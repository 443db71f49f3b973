"""The project's review sentences that train the e5-small sentiment head, and the
per-source weights that mix them with the tweets."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from textinsight.errors import ModelError
from textinsight.stages.sentiment import CLASSES, fit_sentiment_model, source_weights

DATA = Path(__file__).resolve().parents[2] / "data"
REVIEWS = DATA / "sentiment" / "review_sentences.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


TRAIN_BATCHES = {"1"}
"""Batches that train the head (``scripts/train_sentiment.py``); the rest are held out."""


def test_review_sentences_cover_every_language_class_and_domain() -> None:
    every = _rows(REVIEWS)
    assert len({r["text"].strip().lower() for r in every}) == len(every), "duplicate sentences"
    rows = [r for r in every if r["batch"] in TRAIN_BATCHES]
    cells = Counter((r["language"], r["label"]) for r in rows)
    for language in ("sv", "no", "da", "en"):
        for label in CLASSES:
            assert cells[(language, label)] >= 40, (language, label)
    # leave-one-domain-out validation needs every domain in every language
    domains = {r["domain"] for r in rows}
    assert len(domains) >= 10
    by_domain = {d: {r["language"] for r in rows if r["domain"] == d} for d in domains}
    assert all(langs == {"sv", "no", "da", "en"} for langs in by_domain.values())


def test_held_out_review_sentences_score_every_language_and_class() -> None:
    rows = _rows(REVIEWS)
    assert {r["batch"] for r in rows} == {"1", "2"}
    assert {r["label"] for r in rows} <= set(CLASSES)
    held = Counter((r["language"], r["label"]) for r in rows if r["batch"] not in TRAIN_BATCHES)
    for language in ("sv", "no", "da", "en"):
        for label in CLASSES:
            assert held[(language, label)] >= 40, (language, label)


def test_review_sentences_share_no_text_with_the_evaluation_sets() -> None:
    reviews = {r["text"].strip().lower() for r in _rows(REVIEWS)}
    for path in (DATA / "eval").glob("*.csv"):
        evaluation = {r["text"].strip().lower() for r in _rows(path)}
        assert not reviews & evaluation, path.name


def test_source_weights_balance_classes_within_each_source() -> None:
    tweets = ["negative"] * 6 + ["neutral"] * 3 + ["positive"] * 1
    reviews = ["negative", "neutral", "positive", "positive"]
    weights = source_weights([tweets, reviews], [len(tweets), 0.25 * len(tweets)])
    tw, rw = weights[: len(tweets)], weights[len(tweets) :]
    assert tw.sum() == pytest.approx(10) and rw.sum() == pytest.approx(2.5)
    for labels, w in ((tweets, tw), (reviews, rw)):
        per_class = {c: w[np.array(labels) == c].sum() for c in CLASSES}
        assert max(per_class.values()) == pytest.approx(min(per_class.values()))
    with pytest.raises(ModelError):
        source_weights([tweets], [1.0, 2.0])


def test_one_source_at_its_own_size_is_the_class_balanced_head() -> None:
    rng = np.random.default_rng(0)
    labels = ["negative"] * 30 + ["neutral"] * 12 + ["positive"] * 8
    vectors = rng.normal(size=(len(labels), 5))
    vectors[:, 0] += np.array([CLASSES.index(y) for y in labels]) * 1.5
    plain = fit_sentiment_model(vectors, labels, "toy", c=1.0)
    weighted = fit_sentiment_model(
        vectors, labels, "toy", c=1.0, sample_weight=source_weights([labels], [len(labels)])
    )
    np.testing.assert_allclose(weighted.coef, plain.coef, atol=1e-4)
    np.testing.assert_allclose(weighted.intercept, plain.intercept, atol=1e-4)
