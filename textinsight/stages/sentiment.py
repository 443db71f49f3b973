"""Sentiment per feedback item, a number in [-1, 1].

An explicit score the customer gave wins: a 1..5 rating maps linearly to -1..1 and a
0..10 NPS answer maps to -1..1 (both given: their mean). Other items are scored by a
small classifier over their embeddings and, optionally, lexicon features
(:class:`SentimentModel`: multinomial logistic regression, negative / neutral /
positive; score = P(positive) - P(negative); lexicon features from
:mod:`textinsight.stages.lexicon`), fitted by :func:`fit_sentiment_model` (run offline
by ``scripts/train_sentiment.py`` for each embedding model) and shipped under
``textinsight/models/`` (package data) with a card. A run whose embedder has no head of
its own uses the lexicon-only head (:data:`LEXICON_ONLY`, no embedding features), so
every item gets a sentiment.
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
from textinsight.stages.lexicon import lexicon_features

CLASSES = ("negative", "neutral", "positive")

LEXICON_ONLY = "lexicon"
"""``embedder_id`` of the head that uses lexicon features only (any embedder)."""


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
            ``dim`` is 0 for the lexicon-only head.
        card: free metadata (training data, licence, scores).
        lexicon_coef: (3, len(lexicon.FEATURES)) weights of the lexicon features, or
            ``None`` for a head over the embedding alone.
    """

    embedder_id: str
    coef: np.ndarray
    intercept: np.ndarray
    card: dict[str, Any] = field(default_factory=dict)
    lexicon_coef: np.ndarray | None = None

    @property
    def uses_lexicon(self) -> bool:
        """Whether the head needs lexicon features (:func:`model_features`)."""
        return self.lexicon_coef is not None

    def predict_proba(self, vectors: np.ndarray, lexicon: np.ndarray | None = None) -> np.ndarray:
        """Class probabilities, shape (n, 3).

        ``lexicon``: the texts' :func:`~textinsight.stages.lexicon.lexicon_features`, needed
        when :attr:`uses_lexicon`.
        """
        vectors = np.asarray(vectors, dtype=np.float64)
        logits = (vectors @ self.coef.T if self.coef.shape[1] else 0.0) + self.intercept
        if self.lexicon_coef is not None:
            if lexicon is None:
                raise ModelError(
                    f"the sentiment head for '{self.embedder_id}' needs lexicon features: "
                    "pass lexicon=lexicon_features(texts, languages)"
                )
            logits = logits + np.asarray(lexicon, dtype=np.float64) @ self.lexicon_coef.T
        logits = np.broadcast_to(logits, (len(vectors), len(CLASSES))).copy()
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def predict(self, vectors: np.ndarray, lexicon: np.ndarray | None = None) -> list[str]:
        """The most probable class per vector, one of :data:`CLASSES`."""
        return [CLASSES[i] for i in self.predict_proba(vectors, lexicon).argmax(axis=1)]

    def score(self, vectors: np.ndarray, lexicon: np.ndarray | None = None) -> np.ndarray:
        """Sentiment in [-1, 1]: P(positive) - P(negative)."""
        proba = self.predict_proba(vectors, lexicon)
        return np.asarray(proba[:, 2] - proba[:, 0])

    def save(self, path: Path) -> None:
        """Write the model as one ``.npz`` file."""
        arrays = {"coef": self.coef, "intercept": self.intercept}
        if self.lexicon_coef is not None:
            arrays["lexicon_coef"] = self.lexicon_coef
        meta = json.dumps({"embedder_id": self.embedder_id, "card": self.card})
        arrays["meta"] = np.array(meta)
        np.savez(path, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> SentimentModel:
        """Read a model written by :meth:`save`."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                lexicon = data["lexicon_coef"] if "lexicon_coef" in data.files else None
                return cls(
                    meta["embedder_id"], data["coef"], data["intercept"], meta["card"], lexicon
                )
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(f"{path}: not a textinsight sentiment model ({exc})") from exc


def _head(c: float, *, balanced: bool = True) -> LogisticRegression:
    return LogisticRegression(C=c, class_weight="balanced" if balanced else None, max_iter=3000)


def source_weights(sources: Sequence[Sequence[str]], totals: Sequence[float]) -> np.ndarray:
    """Per-example weights for training on several labelled sources at once.

    Within each source the classes are balanced (scikit-learn's ``"balanced"`` rule),
    and the source's weights are scaled to sum to its entry in ``totals``; the result is
    the concatenation, in the order of ``sources``. One source with total ``len(labels)``
    gives exactly the class-balanced weights that :func:`fit_sentiment_model` uses
    without ``sample_weight``.

    Example:
        >>> source_weights([["positive", "negative", "negative"], ["neutral"]], [3, 0.5])
        array([1.5 , 0.75, 0.75, 0.5 ])
    """
    if len(sources) != len(totals):
        raise ModelError(f"{len(sources)} sources but {len(totals)} totals")
    parts = []
    for labels, total in zip(sources, totals, strict=True):
        names, inverse, counts = np.unique(
            np.asarray(labels), return_inverse=True, return_counts=True
        )
        weights = (len(labels) / (len(names) * counts))[inverse]
        parts.append(weights * (total / weights.sum()))
    return np.concatenate(parts)


def fit_sentiment_model(
    vectors: np.ndarray,
    labels: Sequence[str],
    embedder_id: str,
    *,
    c: float = 0.3,
    card: dict[str, Any] | None = None,
    lexicon: np.ndarray | None = None,
    sample_weight: np.ndarray | None = None,
) -> SentimentModel:
    """Fit the head: class-balanced multinomial logistic regression, L2 strength ``1/c``.

    Args:
        vectors: (n, dim) embeddings from the embedder named by ``embedder_id``;
            (n, 0) for the lexicon-only head.
        labels: one of :data:`CLASSES` per vector; all three must occur.
        embedder_id: the ``model_id`` of the embedder that made ``vectors``, or
            :data:`LEXICON_ONLY`.
        c: inverse regularisation strength (scikit-learn's ``C``).
        card: metadata stored with the model.
        lexicon: (n, k) :func:`~textinsight.stages.lexicon.lexicon_features` appended to
            the vectors; ``None``: a head over the vectors alone.
        sample_weight: per-example weights that already balance the classes (see
            :func:`source_weights`); when given, the head applies no class balancing of
            its own. ``None``: classes balanced over ``labels``.

    Raises:
        ModelError: a label outside :data:`CLASSES`, or a class with no example.
    """
    found = set(labels)
    if found != set(CLASSES):
        raise ModelError(
            f"Sentiment labels must cover exactly {CLASSES}; got {sorted(found)}. "
            "Map the data set's labels to these three first."
        )
    vectors = np.asarray(vectors, dtype=np.float64)
    features = vectors if lexicon is None else np.hstack([vectors, lexicon])
    clf = _head(c) if sample_weight is None else _head(c, balanced=False)
    clf.fit(features, list(labels), sample_weight=sample_weight)
    order = [list(clf.classes_).index(name) for name in CLASSES]
    coef = clf.coef_[order]
    dim = vectors.shape[1]
    return SentimentModel(
        embedder_id,
        coef[:, :dim],
        clf.intercept_[order],
        card or {},
        None if lexicon is None else coef[:, dim:],
    )


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
    model: SentimentModel,
    vectors: np.ndarray,
    labels: Sequence[str],
    lexicon: np.ndarray | None = None,
) -> dict[str, float]:
    """Macro-F1 and per-class F1 (keys ``macro_f1`` and the class names), rounded to 3."""
    predicted = model.predict(vectors, lexicon)
    per_class = f1_score(list(labels), predicted, labels=list(CLASSES), average=None)
    scores = {"macro_f1": float(np.mean(per_class))}
    scores.update({name: float(f) for name, f in zip(CLASSES, per_class, strict=True)})
    return {name: round(value, 3) for name, value in scores.items()}


def find_sentiment_model(embedder_id: str, directory: Path | None = None) -> SentimentModel | None:
    """The head in ``directory`` (``Settings.artifact_dir``; default the package's own
    ``textinsight/models``) trained on ``embedder_id``'s vectors, else the lexicon-only
    head; ``None`` only when neither is there."""
    paths = sorted((directory or ARTIFACTS_DIR).glob("sentiment-*.npz"))
    models = [SentimentModel.load(path) for path in paths]
    for wanted in (embedder_id, LEXICON_ONLY):
        for model in models:
            if model.embedder_id == wanted:
                return model
    return None


def item_sentiments(
    ratings: Sequence[int | None],
    nps: Sequence[int | None],
    vectors: np.ndarray,
    model: SentimentModel | None,
    texts: Sequence[str] | None = None,
    languages: Sequence[str | None] | None = None,
) -> list[float | None]:
    """Per item: the explicit score when given, else the model's, else ``None``.

    ``texts`` and ``languages`` are needed when the model uses lexicon features.
    """
    explicit = [explicit_sentiment(r, n) for r, n in zip(ratings, nps, strict=True)]
    missing = [i for i, s in enumerate(explicit) if s is None]
    if model is not None and missing:
        lexicon = None
        if model.uses_lexicon:
            if texts is None or languages is None:
                raise ModelError(
                    f"the sentiment head for '{model.embedder_id}' uses lexicon features: "
                    "pass the texts and their languages"
                )
            lexicon = lexicon_features([texts[i] for i in missing], [languages[i] for i in missing])
        for i, s in zip(missing, model.score(vectors[missing], lexicon), strict=True):
            explicit[i] = float(s)
    return explicit
