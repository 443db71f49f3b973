"""Sentiment per feedback item, a number in [-1, 1].

An explicit score the customer gave wins: a 1..5 rating maps linearly to -1..1 and a
0..10 NPS answer maps to -1..1 (both given: their mean). Other items are scored by a
small classifier over their embeddings (:class:`SentimentModel`: multinomial logistic
regression, negative / neutral / positive; score = P(positive) - P(negative)),
fitted by :func:`fit_sentiment_model` (run offline by ``scripts/train_sentiment.py``
for one embedding model) and shipped under ``textinsight/models/`` (package data)
with a card. Without a model for the run's embedder, such items get ``None``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_score

from textinsight.config import ARTIFACTS_DIR
from textinsight.errors import ModelError

CLASSES = ("negative", "neutral", "positive")


def explicit_sentiment(rating: int | None, nps: int | None) -> float | None:
    """Sentiment from a 1..5 rating and/or a 0..10 NPS answer, else ``None``.

    Example:
        >>> explicit_sentiment(5, None), explicit_sentiment(None, 0), explicit_sentiment(3, 10)
        (1.0, -1.0, 0.5)
    """
    scores = []
    if rating is not None:
        scores.append((rating - 3) / 2)
    if nps is not None:
        scores.append((nps - 5) / 5)
    return float(np.mean(scores)) if scores else None


def mean_sentiment(values: Sequence[float | None]) -> float | None:
    """Mean of the known values, ``None`` when none is known."""
    known = [v for v in values if v is not None]
    return float(np.mean(known)) if known else None


@dataclass(frozen=True)
class SentimentModel:
    """A linear 3-class sentiment head over the vectors of one embedding model.

    Attributes:
        embedder_id: the ``model_id`` of the embedder it was trained on; it only
            applies to vectors of that embedder.
        coef: (3, dim) weights; intercept: (3,) biases, classes in :data:`CLASSES` order.
        card: free metadata (training data, licence, scores).
    """

    embedder_id: str
    coef: np.ndarray
    intercept: np.ndarray
    card: dict[str, Any] = field(default_factory=dict)

    def predict_proba(self, vectors: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (n, 3)."""
        logits = np.asarray(vectors, dtype=np.float64) @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def predict(self, vectors: np.ndarray) -> list[str]:
        """The most probable class per vector, one of :data:`CLASSES`."""
        return [CLASSES[i] for i in self.predict_proba(vectors).argmax(axis=1)]

    def score(self, vectors: np.ndarray) -> np.ndarray:
        """Sentiment in [-1, 1]: P(positive) - P(negative)."""
        proba = self.predict_proba(vectors)
        return np.asarray(proba[:, 2] - proba[:, 0])

    def save(self, path: Path) -> None:
        """Write the model as one ``.npz`` file."""
        np.savez(
            path,
            coef=self.coef,
            intercept=self.intercept,
            meta=np.array(json.dumps({"embedder_id": self.embedder_id, "card": self.card})),
        )

    @classmethod
    def load(cls, path: Path) -> SentimentModel:
        """Read a model written by :meth:`save`."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                return cls(meta["embedder_id"], data["coef"], data["intercept"], meta["card"])
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(f"{path}: not a textinsight sentiment model ({exc})") from exc


def _head(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, class_weight="balanced", max_iter=3000)


def fit_sentiment_model(
    vectors: np.ndarray,
    labels: Sequence[str],
    embedder_id: str,
    *,
    c: float = 0.3,
    card: dict[str, Any] | None = None,
) -> SentimentModel:
    """Fit the head: class-balanced multinomial logistic regression, L2 strength ``1/c``.

    Args:
        vectors: (n, dim) embeddings from the embedder named by ``embedder_id``.
        labels: one of :data:`CLASSES` per vector; all three must occur.
        embedder_id: the ``model_id`` of the embedder that made ``vectors``.
        c: inverse regularisation strength (scikit-learn's ``C``).
        card: metadata stored with the model.

    Raises:
        ModelError: a label outside :data:`CLASSES`, or a class with no example.
    """
    found = set(labels)
    if found != set(CLASSES):
        raise ModelError(
            f"Sentiment labels must cover exactly {CLASSES}; got {sorted(found)}. "
            "Map the data set's labels to these three first."
        )
    clf = _head(c)
    clf.fit(np.asarray(vectors, dtype=np.float64), list(labels))
    order = [list(clf.classes_).index(name) for name in CLASSES]
    return SentimentModel(embedder_id, clf.coef_[order], clf.intercept_[order], card or {})


def choose_c(
    vectors: np.ndarray, labels: Sequence[str], grid: Sequence[float], folds: int = 5
) -> tuple[float, dict[float, float]]:
    """The ``c`` in ``grid`` with the best cross-validated macro-F1 on the training data.

    Returns the chosen value and the mean macro-F1 of every candidate (rounded to 3).
    Only training data goes in: evaluation sets never choose a setting.
    """
    split = StratifiedKFold(folds, shuffle=True, random_state=0)
    means = {}
    for c in grid:
        fold_scores = cross_val_score(_head(c), vectors, list(labels), cv=split, scoring="f1_macro")
        means[c] = round(float(np.mean(fold_scores)), 3)
    return max(grid, key=lambda c: means[c]), means


def evaluate_sentiment(
    model: SentimentModel, vectors: np.ndarray, labels: Sequence[str]
) -> dict[str, float]:
    """Macro-F1 and per-class F1 (keys ``macro_f1`` and the class names), rounded to 3."""
    predicted = model.predict(vectors)
    per_class = f1_score(list(labels), predicted, labels=list(CLASSES), average=None)
    scores = {"macro_f1": float(np.mean(per_class))}
    scores.update({name: float(f) for name, f in zip(CLASSES, per_class, strict=True)})
    return {name: round(value, 3) for name, value in scores.items()}


def find_sentiment_model(embedder_id: str, directory: Path | None = None) -> SentimentModel | None:
    """The sentiment model in ``directory`` (``Settings.artifact_dir``; default the
    package's own ``textinsight/models``) trained on ``embedder_id``'s vectors, if any."""
    for path in sorted((directory or ARTIFACTS_DIR).glob("sentiment-*.npz")):
        model = SentimentModel.load(path)
        if model.embedder_id == embedder_id:
            return model
    return None


def item_sentiments(
    ratings: Sequence[int | None],
    nps: Sequence[int | None],
    vectors: np.ndarray,
    model: SentimentModel | None,
) -> list[float | None]:
    """Per item: the explicit score when given, else the model's, else ``None``."""
    explicit = [explicit_sentiment(r, n) for r, n in zip(ratings, nps, strict=True)]
    missing = [i for i, s in enumerate(explicit) if s is None]
    if model is not None and missing:
        for i, s in zip(missing, model.score(vectors[missing]), strict=True):
            explicit[i] = float(s)
    return explicit
