"""Sentiment per feedback item, a number in [-1, 1].

An explicit score the customer gave wins: a 1..5 rating maps linearly to -1..1 and a
0..10 NPS answer maps to -1..1 (both given: their mean). Items without either get
``None`` here; a model over the embeddings can fill them in.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


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
