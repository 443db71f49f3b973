"""A run over a corpus of any size: fit on a sample, stream the rest (issue #15).

Part of the pipeline. :func:`read_corpus` reads every feedback row once into slim
records (no text: what the value statistics need) and a fingerprint of the
corpus. :func:`fit_sample` fits the clusterer on a stratified sample of at most
``sample_size`` items (``stages.sample_fit``) and saves it as the run's checkpoint;
:func:`assign_stream` then reads the rows back in batches of ``STREAM_ROWS``,
assigns the non-sample items by the one rule and scores every item's sentiment,
saving each batch. A run that crashes after the fit or in the middle of the stream
is resumed by the next run over the same inputs (same fingerprint), which takes
over the checkpoints (``store.checkpoints``) and continues after the last batch.

Memory: the sample's texts and vectors, one batch, and a few numbers per item.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from textinsight.errors import CorpusChangedError
from textinsight.progress import ProgressFactory, no_progress
from textinsight.records import Assignment, StoredFeedback, ThemeDescription
from textinsight.stages.cluster import ThemeClusterer, _init_names
from textinsight.stages.granularity import sentiment_directions
from textinsight.stages.normalize import display_text, normalize_text
from textinsight.stages.sample_fit import assign_batch, fit_on_sample, strata, stratified_sample
from textinsight.stages.sentiment import SentimentModel, item_sentiments
from textinsight.store import Store

AssignBatch = Callable[
    [ThemeClusterer, np.ndarray, Sequence[str | None]], tuple[np.ndarray, np.ndarray]
]
"""Assigns one batch of vectors by a fitted clusterer's rule (``assign_batch``)."""

STREAM_ROWS = 20_000
"""Rows per streamed batch (read, embedded vectors fetched, assigned, saved)."""


@dataclass(frozen=True)
class Corpus:
    """Every feedback row of a run, in id order, without its text."""

    feedback: list[StoredFeedback]
    """Slim rows: ``text``, ``text_hash`` and ``source_id`` are empty."""
    digest: str
    """SHA-256 over (id, text hash) of every row: changes when any text changes."""

    @property
    def ids(self) -> np.ndarray:
        return np.fromiter((f.id for f in self.feedback), np.int64, len(self.feedback))


def read_corpus(store: Store, batch_rows: int = STREAM_ROWS) -> Corpus:
    """Every feedback row as a slim record (repeated strings shared), and the digest."""
    digest = hashlib.sha256()
    shared: dict[str | None, str | None] = {}

    def one(value: str | None) -> Any:
        return shared.setdefault(value, value)

    slim: list[StoredFeedback] = []
    for batch in store.feedback.batches(batch_rows):
        digest.update("".join(f"{f.id}:{f.text_hash};" for f in batch).encode())
        slim.extend(
            StoredFeedback(
                f.id,
                "",
                "",
                one(f.channel),
                "",
                one(f.language),
                one(f.created_at),
                one(f.customer_id),
                one(f.store_id),
                f.rating,
                f.nps,
            )
            for f in batch
        )
    return Corpus(slim, digest.hexdigest())


def corpus_batches(
    store: Store, corpus: Corpus, size: int | None = None
) -> Iterator[list[StoredFeedback]]:
    """The corpus' rows with their texts, ``size`` (default ``STREAM_ROWS``) at a time,
    in corpus order: exactly the rows read by :func:`read_corpus`, whatever was
    ingested since (a run sees the corpus it started with).

    Raises:
        CorpusChangedError: a row was deleted (erased) while the run was going.
    """
    size = size or STREAM_ROWS
    ids = [f.id for f in corpus.feedback]
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        rows = store.feedback.by_ids(chunk)
        if len(rows) != len(chunk):
            raise CorpusChangedError(
                f"{len(chunk) - len(rows)} feedback rows were deleted while the run was "
                "going; run again (`textinsight run`)."
            )
        yield rows


def fingerprint(
    corpus: Corpus,
    model_id: str,
    clusterer: ThemeClusterer,
    sample_size: int,
    sentiment: SentimentModel | None,
) -> str:
    """What a run's checkpoints depend on: a resumed run gives what a fresh one would."""
    init = {name: getattr(clusterer, name) for name in _init_names()}
    parts = {
        "corpus": corpus.digest,
        "model": model_id,
        "clusterer": [type(clusterer).__qualname__, init],
        "sample_size": sample_size,
        "stream_rows": STREAM_ROWS,
        "sentiment": None if sentiment is None else sentiment.embedder_id,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Sample:
    """The fitted sample: its positions in the corpus, rows (with text) and vectors."""

    rows: np.ndarray
    feedback: list[StoredFeedback]
    vectors: np.ndarray
    resumed: bool = False

    @property
    def languages(self) -> list[str]:
        return [f.language for f in self.feedback]

    @property
    def texts(self) -> list[str]:
        return [normalize_text(f.text) for f in self.feedback]


def fit_sample(
    store: Store,
    model_id: str,
    corpus: Corpus,
    clusterer: ThemeClusterer,
    *,
    run_id: int,
    fingerprint: str,
    sample_size: int,
    seed: int,
    progress: ProgressFactory = no_progress,
    sentiment: SentimentModel | None = None,
    previous: Mapping[int, int] | None = None,
) -> Sample:
    """Fit ``clusterer`` on a stratified sample and save the checkpoint, or take over
    an unfinished run's fitted clusterer (same ``fingerprint``) and restore it.

    The directions ``sentiment`` (the run's head) reads are passed to the fit as
    ``neutral`` (``granularity.sentiment_directions``): categories ignore tone.
    ``previous`` maps feedback ids to their theme (index) in the previous run: the fit
    starts from those themes (``stages.warm``) so ids hold still across re-runs."""
    state = store.checkpoints.take_over(run_id, fingerprint)
    if state is not None:
        rows = np.asarray(state["rows"], dtype=np.int64)
    else:
        keys = strata(
            [f.language for f in corpus.feedback],
            [f.channel for f in corpus.feedback],
            [f.created_at for f in corpus.feedback],
        )
        rows = stratified_sample(keys, sample_size, seed=seed)
    items = store.feedback.by_ids([corpus.feedback[i].id for i in rows.tolist()])
    vectors = vectors_of(store, model_id, items)
    sample = Sample(rows, items, vectors, resumed=state is not None)
    if state is not None:
        restore(clusterer, state)
        return sample
    neutral = sentiment_directions(sentiment, vectors.shape[1])
    extra: dict[str, Any] = {} if neutral is None else {"neutral": neutral}
    if previous is not None:  # only when set: clusterer subclasses may predate it
        extra["previous"] = np.array([previous.get(f.id, -1) for f in items], dtype=np.int64)
    with progress("Clustering", None):  # a sample: themes as the whole corpus would have
        fit_on_sample(
            vectors,
            sample.languages,
            clusterer=clusterer,
            corpus_size=len(corpus.feedback),
            **extra,
        )
    store.checkpoints.save(run_id, fingerprint, {"rows": rows, **fitted_state(clusterer)})
    return sample


def fitted_state(clusterer: ThemeClusterer) -> dict[str, Any]:
    """What a run needs of a fitted clusterer beyond ``to_state``: the sample's labels,
    the categories and the fit's timings."""
    return {
        "clusterer": clusterer.to_state(),
        "labels": clusterer.labels_,
        "probabilities": clusterer.probabilities_,
        "parents": clusterer.parents_,
        "category_centroids": clusterer.category_centroids_,
        "timings": dict(clusterer.timings_),
    }


def restore(clusterer: ThemeClusterer, state: dict[str, Any]) -> None:
    """Make ``clusterer`` the fitted one saved by :func:`fitted_state`."""
    fitted = ThemeClusterer.from_state(state["clusterer"])
    clusterer.__dict__.update(fitted.__dict__)
    clusterer.labels_ = np.asarray(state["labels"], dtype=np.int64)
    clusterer.probabilities_ = np.asarray(state["probabilities"], dtype=np.float64)
    clusterer.parents_ = np.asarray(state["parents"], dtype=np.int64)
    clusterer.category_centroids_ = np.asarray(state["category_centroids"], dtype=np.float32)
    clusterer.timings_ = dict(state.get("timings", {}))


def vectors_of(store: Store, model_id: str, feedback: Sequence[StoredFeedback]) -> np.ndarray:
    """The cached vectors of ``feedback``'s texts, one row each (all must be cached)."""
    found = store.embeddings.get_many(model_id, [f.text_hash for f in feedback])
    if not feedback:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack([found[f.text_hash] for f in feedback]).astype(np.float32)


@dataclass(frozen=True)
class Streamed:
    """Per item of the corpus: theme label (-1: unassigned), probability, sentiment
    (NaN: unknown)."""

    labels: np.ndarray
    probabilities: np.ndarray
    sentiments: np.ndarray


def assign_stream(
    store: Store,
    model_id: str,
    corpus: Corpus,
    sample: Sample,
    clusterer: ThemeClusterer,
    sentiment: SentimentModel | None,
    *,
    run_id: int,
    progress: ProgressFactory = no_progress,
    assign: AssignBatch = assign_batch,
) -> Streamed:
    """Assign every non-sample item (``stages.sample_fit.assign_batch``) and score
    every item's sentiment, batch by batch, saving each batch; batches saved by a
    crashed run (taken over by ``fit_sample``) are not computed again. ``assign``
    applies the rule to one batch (``RayEngine.assign`` runs it on Ray workers)."""
    n = len(corpus.feedback)
    labels = np.full(n, -1, dtype=np.int64)
    probabilities = np.zeros(n, dtype=np.float64)
    sentiments = np.full(n, np.nan, dtype=np.float64)
    in_sample = np.zeros(n, dtype=bool)
    in_sample[sample.rows] = True
    labels[sample.rows] = clusterer.labels_
    probabilities[sample.rows] = clusterer.probabilities_
    done = dict(store.checkpoints.batches(run_id))
    start = 0
    with progress("Assigning", n) as advance:
        for batch in corpus_batches(store, corpus):
            end = start + len(batch)
            if start in done:
                saved = done[start]
            else:
                saved = _one_batch(
                    store, model_id, batch, in_sample[start:end], clusterer, sentiment, assign
                )
                store.checkpoints.add_batch(run_id, start, saved)
            rest = np.flatnonzero(~in_sample[start:end]) + start
            labels[rest] = saved["labels"]
            probabilities[rest] = saved["probabilities"]
            sentiments[start:end] = saved["sentiments"]
            advance(len(batch))
            start = end
    return Streamed(labels, probabilities, sentiments)


def _one_batch(
    store: Store,
    model_id: str,
    batch: Sequence[StoredFeedback],
    in_sample: np.ndarray,
    clusterer: ThemeClusterer,
    sentiment: SentimentModel | None,
    assign: AssignBatch = assign_batch,
) -> dict[str, np.ndarray]:
    """One batch's labels and probabilities (non-sample items) and sentiments (all)."""
    vectors = vectors_of(store, model_id, batch)
    rest = np.flatnonzero(~in_sample)
    languages = [f.language for f in batch]
    labels, probabilities = assign(clusterer, vectors[rest], [languages[i] for i in rest.tolist()])
    scores = item_sentiments(
        [f.rating for f in batch],
        [f.nps for f in batch],
        vectors,
        sentiment,
        [normalize_text(f.text) for f in batch],
        languages,
    )
    return {
        "labels": labels.astype(np.int64),
        "probabilities": probabilities,
        "sentiments": np.array([np.nan if s is None else s for s in scores], dtype=np.float64),
    }


def sample_quotes(
    sample: Sample, descriptions: dict[int, ThemeDescription]
) -> dict[int, tuple[str, ...]]:
    """Each label's quotes as displayed (``quote_indices`` index the sample)."""
    return {
        label: tuple(display_text(sample.feedback[i].text) for i in d.quote_indices)
        for label, d in descriptions.items()
    }


def assignments(
    ids: np.ndarray, streamed: Streamed, theme_ids: Sequence[int]
) -> Iterator[Assignment]:
    """Every item's assignment, generated as the store writes them."""
    for feedback_id, label, p, s in zip(
        ids.tolist(),
        streamed.labels.tolist(),
        streamed.probabilities.tolist(),
        streamed.sentiments.tolist(),
        strict=True,
    ):
        yield Assignment(
            feedback_id=feedback_id,
            theme_id=theme_ids[label] if label >= 0 else None,
            probability=p,
            sentiment=None if math.isnan(s) else s,
        )
