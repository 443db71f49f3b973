"""Compose the stages of a full run; own every transaction and the embedding cache.

``normalize -> embed (cached) -> cluster -> describe -> sentiment -> value -> lineage
-> store``, the last four at both levels: themes and the categories above them.

The clusterer is fitted on a stratified sample of at most ``sample_size`` items and
the rest is assigned in streaming batches (``run_stream``); the embedding step is in
``run_embed``, the stored rows of each level in ``run_levels``. The clustering starts
from the previous run's themes (same model): its boundaries stay where the data still
supports them (``stages.warm``), so ids hold still across re-runs. After lineage, themes
that kept their id keep their label and kind where their content did not really
change (``stability.carry_over``).

``run_pipeline`` records the run as ``running`` first and writes its results in one
transaction that also makes it current; on any error the run is marked ``failed``
and the previous current run stays untouched (its checkpoints let the next run over
the same inputs resume). ``ingest_file`` (``run_ingest``, re-exported here) writes a
file's records (read by ``textinsight.ingest``) in one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from textinsight.errors import EmptyCorpusError, NoRunError
from textinsight.progress import ProgressFactory, no_progress
from textinsight.records import RunInfo, ThemeDescription
from textinsight.run_embed import (
    EMBED_CHUNK,
    embed_cached,
    embed_feedback,
    embed_stream,
    run_model,
)
from textinsight.run_ingest import ingest_file, pseudonymiser
from textinsight.run_levels import Codes, Items, Level, snapshot, stable_ids, without_noise
from textinsight.run_levels import themes as build_themes
from textinsight.run_stream import (
    AssignBatch,
    assign_stream,
    assignments,
    corpus_batches,
    fingerprint,
    fit_sample,
    read_corpus,
    sample_quotes,
)
from textinsight.stability import carry_over
from textinsight.stages.cluster import ThemeClusterer
from textinsight.stages.describe import ThemeDescriber
from textinsight.stages.embed import AUTO, Embedder, get_embedder
from textinsight.stages.granularity import relabel
from textinsight.stages.label import ThemeLabeler
from textinsight.stages.noise import noise_themes
from textinsight.stages.normalize import normalize_text
from textinsight.stages.sample_fit import DEFAULT_SAMPLE_SIZE, assign_batch
from textinsight.stages.sentiment import find_sentiment_model
from textinsight.store import Store
from textinsight.value import ValueConfig, compute_theme_values

__all__ = [
    "EMBED_CHUNK",
    "FoundThemes",
    "embed_cached",
    "embed_feedback",
    "find_themes",
    "ingest_file",
    "pseudonymiser",
    "run_pipeline",
]


@dataclass(frozen=True)
class FoundThemes:
    """What :func:`find_themes` found: the fitted clusterer (``labels_``,
    ``centroids_``, ...), each theme's description, and seconds per step."""

    clusterer: ThemeClusterer
    descriptions: dict[int, ThemeDescription]
    timings: dict[str, float] = field(default_factory=dict)


def find_themes(
    texts: Sequence[str],
    languages: Sequence[str | None],
    vectors: np.ndarray,
    *,
    seed: int = 0,
    clusterer: ThemeClusterer | None = None,
    describer: ThemeDescriber | None = None,
    progress: ProgressFactory = no_progress,
    fit: bool = True,
    previous: np.ndarray | None = None,
    neutral: np.ndarray | None = None,
) -> FoundThemes:
    """Cluster embedded texts into themes and describe each theme; pure, no store.

    The one composition of the stages that ``run_pipeline``, emerging-theme detection
    and ``scripts/benchmark.py`` all call: ``clusterer.fit`` with the languages (their
    offsets are removed), then ``describer.describe`` in the clusterer's space, over the
    texts as ``normalize_text`` gives them (no @mentions, links or HTML entities).

    Args:
        texts: the (redacted) texts.
        languages: one language code per text (``None``: unknown).
        vectors: their embeddings, one row per text.
        seed: seed of the default clusterer.
        clusterer: an unfitted clusterer; default ``ThemeClusterer(seed=seed)``.
        describer: default ``ThemeDescriber()``.
        progress: progress-bar factory.
        fit: ``False``: ``clusterer`` is fitted already (on these items); only describe.
        previous: each text's theme in the previous run (-1: none), to warm-start
            the clustering (``ThemeClusterer.fit``).
        neutral: directions the category level ignores (``sentiment_directions``: the
            embedder's sentiment head), so categories group themes by subject.

    Raises:
        EmptyCorpusError: there are no texts.
    """
    clusterer = clusterer or ThemeClusterer(seed=seed)
    describer = describer or ThemeDescriber()
    clock = _Clock()
    if fit:
        with progress("Clustering", None):
            # previous and neutral only when set: clusterer subclasses may predate them
            extra: dict[str, Any] = {} if neutral is None else {"neutral": neutral}
            if previous is not None:
                extra["previous"] = previous
            clusterer.fit(vectors, languages=languages, **extra)
        clock.lap("cluster_s")
    with progress("Describing themes", None):
        descriptions = describer.describe(
            [normalize_text(t) for t in texts],
            languages,
            clusterer.labels_,
            clusterer.transform(vectors, languages),
        )
    clock.lap("describe_s")
    return FoundThemes(clusterer, descriptions, clock.laps)


def run_pipeline(
    store: Store,
    embedder: Embedder | None = None,
    *,
    model: str = AUTO,
    model_dir: Path | None = None,
    artifact_dir: Path | None = None,
    seed: int = 0,
    batch_size: int = EMBED_CHUNK,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    clusterer: ThemeClusterer | None = None,
    describer: ThemeDescriber | None = None,
    labeler: ThemeLabeler | None = None,
    value_config: ValueConfig | None = None,
    progress: ProgressFactory = no_progress,
    assign: AssignBatch = assign_batch,
) -> RunInfo:
    """Find the themes of all stored feedback and store them as the new current run.

    The clusterer is fitted on a stratified sample of at most ``sample_size`` items
    (all of them in a smaller corpus) and every other item is assigned by the one
    rule in streaming batches (``run_stream``); keywords, quotes, labels and noise
    flags come from the sample, sizes, sentiment and value from every item. A run
    that crashed after its fit resumes from its checkpoints.

    Args:
        embedder: the embedder; default the registered ``model``, where ``auto``
            picks one from the corpus' language mix, int8 for a new database
            (``run_embed.run_model``). The run's
            ``params["model"]`` names the model so chosen.
        model_dir: where models converted on first use are cached.
        artifact_dir: where the sentiment heads are read from (default: shipped ones).
        sample_size: most items the clusterer is fitted on (``TEXTINSIGHT_SAMPLE_SIZE``).
        assign: assigns one streamed batch of non-sample items (``RayEngine.assign``
            does it on Ray workers).

    Raises:
        EmptyCorpusError: there is no feedback to analyse.
        ModelError: ``model`` is unknown or cannot load.
    """
    clock = _Clock()
    corpus = read_corpus(store)
    if not corpus.feedback:
        raise EmptyCorpusError(
            "There is no feedback in the store. Ingest some first: `textinsight ingest FILE`."
        )
    model_name: str | None = None
    if embedder is None:
        model_name = run_model(store, model, [f.language for f in corpus.feedback])
        embedder = get_embedder(model_name, model_dir)
    clusterer = clusterer or ThemeClusterer(seed=seed)
    describer = describer or ThemeDescriber()
    labeler = labeler or ThemeLabeler()
    sentiment = find_sentiment_model(embedder.model_id, artifact_dir)
    run_id = store.runs.start(seed=seed, model_id=embedder.model_id, params={"seed": seed})
    try:
        n_embedded = embed_stream(
            store,
            embedder,
            corpus_batches(store, corpus),
            total=len(corpus.feedback),
            batch_size=batch_size,
            progress=progress,
        )
        clock.lap("embed_s")
        previous = _previous_run(store, embedder.model_id)
        before_themes = store.runs.snapshot(previous) if previous is not None else None
        sample = fit_sample(
            store,
            embedder.model_id,
            corpus,
            clusterer,
            run_id=run_id,
            fingerprint=fingerprint(corpus, embedder.model_id, clusterer, sample_size, sentiment),
            sample_size=sample_size,
            seed=seed,
            progress=progress,
            sentiment=sentiment,
            previous=before_themes.members if before_themes is not None else None,
        )
        clock.lap("cluster_s")
        texts, languages = sample.texts, sample.languages
        found = find_themes(
            [f.text for f in sample.feedback],
            languages,
            sample.vectors,
            clusterer=clusterer,
            describer=describer,
            fit=False,
        )
        clock.lap("describe_s")
        streamed = assign_stream(
            store,
            embedder.model_id,
            corpus,
            sample,
            clusterer,
            sentiment,
            run_id=run_id,
            progress=progress,
            assign=assign,
        )
        clock.lap("assign_s")
        sample_categories = clusterer.category_labels()
        with progress("Describing categories", None):
            space = clusterer.transform(sample.vectors, languages)
            category_descriptions = describer.describe(texts, languages, sample_categories, space)
            noise = noise_themes(texts, languages, clusterer.labels_)
            category_noise = noise_themes(texts, languages, sample_categories)
        clock.lap("categories_s")
        with progress("Labelling themes", None):
            theme_labels, category_names = (
                labeler.label(texts, languages, labels, sample.vectors, embedder.encode)
                for labels in (clusterer.labels_, sample_categories)
            )
        clock.lap("label_s")
        labels = streamed.labels
        categories = relabel(labels, clusterer.parents_)
        customers, purchases = store.customers.all_customers(), store.customers.all_purchases()
        sentiments = streamed.sentiments.tolist()
        values, category_values = (
            without_noise(
                compute_theme_values(
                    corpus.feedback, level, sentiments, customers, purchases, config=value_config
                ),
                flags,
            )
            for level, flags in ((labels, noise), (categories, category_noise))
        )
        clock.lap("value_s")
        ids = corpus.ids
        theme_ids, lineage = stable_ids(
            store,
            before_themes,
            snapshot(ids, labels, clusterer.centroids_, found.descriptions),
        )
        category_ids, category_lineage = stable_ids(
            store,
            store.categories.snapshot(previous) if previous is not None else None,
            snapshot(ids, categories, clusterer.category_centroids_, category_descriptions),
        )
        items = Items(
            Codes.of([f.language for f in corpus.feedback]),
            Codes.of([f.channel for f in corpus.feedback]),
            streamed.sentiments,
        )
        level = Level(
            labels,
            clusterer.centroids_,
            found.descriptions,
            values,
            noise,
            theme_labels,
            sample_quotes(sample, found.descriptions),
        )
        parent_ids = [category_ids[c] for c in clusterer.parents_]
        themes = build_themes(run_id, theme_ids, items, level, parent_ids)
        if previous is not None:  # labels and kinds that did not really change stay
            before = {t.id: t for t in store.runs.themes(previous)}
            themes = carry_over(themes, before, lineage, value_config)
        category_level = Level(
            categories,
            clusterer.category_centroids_,
            category_descriptions,
            category_values,
            category_noise,
            category_names,
            sample_quotes(sample, category_descriptions),
        )
        category_rows = build_themes(run_id, category_ids, items, category_level)
        params = {
            "seed": seed,
            "model": model_name,
            "clusterer": clusterer.params_,
            "describer": {"n_keywords": describer.n_keywords, "n_quotes": describer.n_quotes},
            "label_languages": sorted({t.language or "" for t in theme_labels.values()}),
            "sample": {"size": sample_size, "items": len(sample.rows), "resumed": sample.resumed},
        }
        store.runs.complete(
            run_id,
            themes=themes,
            centroids=clusterer.centroids_,
            assignments=assignments(ids, streamed, theme_ids),
            params=params,
            timings=clock.laps,
            n_embedded=n_embedded,
            lineage=lineage,
            previous_run_id=previous,
            clusterer=clusterer.to_state(),
            categories=category_rows,
            category_centroids=clusterer.category_centroids_,
            category_lineage=category_lineage,
        )
        store.checkpoints.drop(run_id)
    except BaseException as exc:
        store.runs.fail(run_id, f"{type(exc).__name__}: {exc}")
        raise
    return store.runs.get(run_id)


class _Clock:
    """Named wall-clock laps in seconds."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now

    def add(self, laps: dict[str, float]) -> None:
        """Take laps timed elsewhere; the next lap starts now."""
        self.laps.update(laps)
        self._last = time.perf_counter()


def _previous_run(store: Store, model_id: str) -> int | None:
    """The current run, when its centroids are comparable (same embedding model):
    after a model change every theme and category is new."""
    try:
        current = store.runs.current()
    except NoRunError:
        return None
    return current.id if current.model_id == model_id else None
