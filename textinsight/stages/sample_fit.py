"""Fit on a sample, assign the rest (issue #15): the pure entry points, no I/O.

A large corpus is not clustered whole. ``ThemeClusterer.fit`` runs on at most
``sample_size`` items, drawn by :func:`stratified_sample` so that every stratum
(language x channel x month, :func:`strata`) keeps at least ``min_per_stratum`` items
(all of a smaller one) and the rest of the budget is shared in proportion to size.
Every other item is then assigned in batches by :func:`assign_batch`, the one
assignment rule (``ThemeClusterer.predict_similarity``: a kNN vote among the
reference members, threshold and novelty test, ``centroids.assign_by_vote``), the
same rule ``assign`` uses between runs; as items of the run they face the novelty
test at the threshold the fit's own outliers face. Memory therefore
depends on the sample and the batch, not on the corpus.

A local run (``pipeline.run_pipeline``) and the Ray engine share these functions::

    rows = stratified_sample(strata(languages, channels, dates), 50_000, seed=0)
    model = fit_on_sample(
        vectors_of(rows), [languages[i] for i in rows], seed=0, corpus_size=len(languages)
    )
    for batch in batches:  # anywhere: the model travels as model.to_state()
        labels, probabilities = assign_batch(model, batch_vectors, batch_languages)

Example:
    >>> keys = ["en"] * 95 + ["sv"] * 5
    >>> rows = stratified_sample(keys, 20, seed=0, min_per_stratum=5)
    >>> len(rows), sum(1 for i in rows if keys[i] == "sv")
    (20, 5)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from textinsight.stages.cluster import ThemeClusterer
from textinsight.stages.stratify import MIN_PER_STRATUM, stratified_sample

__all__ = [
    "DEFAULT_SAMPLE_SIZE",
    "MIN_PER_STRATUM",
    "assign_batch",
    "fit_on_sample",
    "strata",
    "stratified_sample",
]

DEFAULT_SAMPLE_SIZE = 50_000
"""Most items the clusterer is fitted on (``TEXTINSIGHT_SAMPLE_SIZE``); see docs/scale.md
for the measurement behind it."""


def strata(
    languages: Sequence[str | None],
    channels: Sequence[str | None],
    created_at: Sequence[str | None],
) -> list[tuple[str, str, str]]:
    """The stratum of each item: (language, channel, month ``YYYY-MM`` of ``created_at``).

    Example:
        >>> strata(["sv", None], ["ticket", "chat"], ["2026-05-01T10:00", None])
        [('sv', 'ticket', '2026-05'), ('', 'chat', '')]
    """
    return [
        (lang or "", channel or "", (date or "")[:7])
        for lang, channel, date in zip(languages, channels, created_at, strict=True)
    ]


def fit_on_sample(
    vectors: np.ndarray,
    languages: Sequence[str | None] | None,
    *,
    seed: int = 0,
    clusterer: ThemeClusterer | None = None,
    corpus_size: int | None = None,
    **fit_args: Any,
) -> ThemeClusterer:
    """Fit ``clusterer`` (default ``ThemeClusterer(seed=seed)``) on the sample's vectors.

    ``corpus_size``: the number of items the sample was drawn from (``None``: the
    sample is the corpus), so that the fit finds the themes a fit on the whole corpus
    would (``ThemeClusterer.fit``). The sample's own labels are
    ``labels_``/``probabilities_``; everything else goes through :func:`assign_batch`.
    The fitted state to ship to workers is ``to_state()`` (``ThemeClusterer.from_state``
    rebuilds it). ``fit_args`` go to ``fit`` as they are (e.g. ``previous``, ``neutral``).
    """
    model = clusterer or ThemeClusterer(seed=seed)
    if corpus_size is not None and corpus_size > len(vectors):
        fit_args["corpus_size"] = corpus_size  # only for a sample: subclasses may predate it
    return model.fit(vectors, languages=languages, **fit_args)


def assign_batch(
    clusterer: ThemeClusterer | dict[str, Any],
    vectors: np.ndarray,
    languages: Sequence[str | None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Assign a batch of vectors to a fitted clusterer's themes: the one rule.

    Args:
        clusterer: a fitted ``ThemeClusterer`` or its ``to_state()``.
        vectors: ``(n, dim)`` embeddings.
        languages: one code per row (needed when fitted with languages).

    Returns:
        ``(labels, probabilities)``: theme index ``0..k-1`` or -1 (unassigned), and
        the similarity to that theme clipped to [0, 1] (0 when unassigned), as a
        run records them.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> X = np.vstack([rng.normal(c, 0.05, (30, 8)) for c in np.eye(8)[:3]])
        >>> model = fit_on_sample(X[::2], None)
        >>> labels, _ = assign_batch(model.to_state(), X[1::2])
        >>> bool((labels == model.predict(X[1::2])).all())
        True
    """
    model = (
        clusterer if isinstance(clusterer, ThemeClusterer) else ThemeClusterer.from_state(clusterer)
    )
    labels, sims = model.predict_similarity(vectors, languages, own=True)
    probabilities = np.where(labels >= 0, np.clip(sims, 0.0, 1.0), 0.0).astype(np.float64)
    return labels, probabilities
