"""Compose the stages of a full run; own every transaction and the embedding cache.

``normalize -> embed (cached) -> cluster -> describe -> sentiment -> value -> lineage
-> store``, the last four at both levels: themes and the categories above them.

The clustering starts from the previous run's themes (same model): its boundaries
stay where the data still supports them (``stages.warm``), so ids hold still across
re-runs. After lineage, themes that kept their id keep their label and kind where their
content did not really change (``stability.carry_over``).

``run_pipeline`` records the run as ``running`` first and writes its results in one
transaction that also makes it current; on any error the run is marked ``failed``
and the previous current run stays untouched. ``ingest_file`` writes a file's
records (read by ``textinsight.ingest``) in one transaction; ``embed_cached`` reuses
vectors cached in the store.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from textinsight.errors import EmptyCorpusError, NoRunError, TextInsightError
from textinsight.ingest.formats import FileOptions
from textinsight.ingest.language import LanguageIdentifier
from textinsight.ingest.load import FileKind, chunk_state, read_records, restore, resume_key
from textinsight.ingest.pseudonym import Pseudonymiser, key_bytes
from textinsight.ingest.source_ids import SourceIds
from textinsight.lineage import LineageEvent, ThemeSnapshot, match_themes, with_ids
from textinsight.progress import ProgressFactory, no_progress
from textinsight.records import (
    Assignment,
    IngestReport,
    RunInfo,
    StoredFeedback,
    Theme,
    ThemeDescription,
    ThemeValue,
)
from textinsight.stability import carry_over
from textinsight.stages.cluster import ThemeClusterer
from textinsight.stages.describe import ThemeDescriber
from textinsight.stages.embed import AUTO, Embedder, get_embedder, resolve_model
from textinsight.stages.granularity import sentiment_directions
from textinsight.stages.label import ThemeLabel, ThemeLabeler
from textinsight.stages.noise import noise_themes
from textinsight.stages.normalize import display_text, normalize_text
from textinsight.stages.sentiment import find_sentiment_model, item_sentiments, mean_sentiment
from textinsight.store import Store
from textinsight.value import ValueConfig, compute_theme_values

EMBED_CHUNK = 4096
"""Texts per embedder call (``TEXTINSIGHT_BATCH_SIZE``): large, so the model's own
length sorting sees many texts; vectors are cached after each call."""


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
    with progress("Clustering", None):
        # previous and neutral only when there is one: clusterer subclasses may predate them
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
    clusterer: ThemeClusterer | None = None,
    describer: ThemeDescriber | None = None,
    labeler: ThemeLabeler | None = None,
    value_config: ValueConfig | None = None,
    progress: ProgressFactory = no_progress,
) -> RunInfo:
    """Find the themes of all stored feedback and store them as the new current run.

    Args:
        embedder: the embedder; default the registered ``model``, where ``auto``
            picks one from the corpus' language mix (``resolve_model``). The run's
            ``params["model"]`` names the model so chosen.
        model_dir: where models converted on first use are cached.
        artifact_dir: where the sentiment heads are read from (default: shipped ones).

    Raises:
        EmptyCorpusError: there is no feedback to analyse.
        ModelError: ``model`` is unknown or cannot load.
    """
    feedback = store.feedback.all()
    if not feedback:
        raise EmptyCorpusError(
            "There is no feedback in the store. Ingest some first: `textinsight ingest FILE`."
        )
    model_name: str | None = None
    if embedder is None:
        model_name = resolve_model(model, [f.language for f in feedback])
        embedder = get_embedder(model_name, model_dir)
    clusterer = clusterer or ThemeClusterer(seed=seed)
    describer = describer or ThemeDescriber()
    labeler = labeler or ThemeLabeler()
    run_id = store.runs.start(seed=seed, model_id=embedder.model_id, params={"seed": seed})
    try:
        clock = _Clock()
        vectors, n_embedded = embed_feedback(
            store,
            embedder,
            feedback,
            batch_size=batch_size,
            progress=progress,
        )
        clock.lap("embed_s")
        languages = [f.language for f in feedback]
        previous = _previous_run(store, embedder.model_id)
        sentiment_model = find_sentiment_model(embedder.model_id, artifact_dir)
        found = find_themes(
            [f.text for f in feedback],
            languages,
            vectors,
            clusterer=clusterer,
            describer=describer,
            progress=progress,
            previous=_previous_labels(store, previous, feedback),
            neutral=sentiment_directions(sentiment_model, vectors.shape[1]),
        )
        clock.add(found.timings)
        descriptions = found.descriptions
        texts = [normalize_text(f.text) for f in feedback]
        categories = clusterer.category_labels()
        with progress("Describing categories", None):
            space = clusterer.transform(vectors, languages)
            category_descriptions = describer.describe(texts, languages, categories, space)
            noise = noise_themes(texts, languages, clusterer.labels_)
            category_noise = noise_themes(texts, languages, categories)
        clock.lap("categories_s")
        with progress("Labelling themes", None):
            theme_labels, category_names = (
                labeler.label(texts, languages, labels, vectors, embedder.encode)
                for labels in (clusterer.labels_, categories)
            )
        clock.lap("label_s")
        sentiments = item_sentiments(
            [f.rating for f in feedback],
            [f.nps for f in feedback],
            vectors,
            sentiment_model,
            texts,
            languages,
        )
        customers, purchases = store.customers.all_customers(), store.customers.all_purchases()
        values, category_values = (
            _without_noise(
                compute_theme_values(
                    feedback, labels, sentiments, customers, purchases, config=value_config
                ),
                flags,
            )
            for labels, flags in ((clusterer.labels_, noise), (categories, category_noise))
        )
        clock.lap("value_s")
        theme_ids, lineage = _stable_ids(
            store,
            store.runs.snapshot(previous) if previous is not None else None,
            _snapshot(feedback, clusterer.labels_, clusterer.centroids_, descriptions),
        )
        category_ids, category_lineage = _stable_ids(
            store,
            store.categories.snapshot(previous) if previous is not None else None,
            _snapshot(feedback, categories, clusterer.category_centroids_, category_descriptions),
        )
        parent_ids = [category_ids[c] for c in clusterer.parents_]
        level = _Level(
            clusterer.labels_, clusterer.centroids_, descriptions, values, noise, theme_labels
        )
        themes = _themes(run_id, theme_ids, feedback, level, sentiments, parent_ids)
        if previous is not None:  # labels and kinds that did not really change stay
            before = {t.id: t for t in store.runs.themes(previous)}
            themes = carry_over(themes, before, lineage, value_config)
        category_level = _Level(
            categories,
            clusterer.category_centroids_,
            category_descriptions,
            category_values,
            category_noise,
            category_names,
        )
        category_rows = _themes(run_id, category_ids, feedback, category_level, sentiments)
        assignments = [
            Assignment(
                feedback_id=f.id,
                theme_id=theme_ids[label] if label >= 0 else None,
                probability=float(p),
                sentiment=s,
            )
            for f, label, p, s in zip(
                feedback, clusterer.labels_, clusterer.probabilities_, sentiments, strict=True
            )
        ]
        params = {
            "seed": seed,
            "model": model_name,
            "clusterer": clusterer.params_,
            "describer": {"n_keywords": describer.n_keywords, "n_quotes": describer.n_quotes},
            "label_languages": sorted({t.language or "" for t in theme_labels.values()}),
        }
        store.runs.complete(
            run_id,
            themes=themes,
            centroids=clusterer.centroids_,
            assignments=assignments,
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


def _previous_labels(
    store: Store, previous: int | None, feedback: Sequence[StoredFeedback]
) -> np.ndarray | None:
    """Each item's theme (index) in run ``previous``, -1 where it had none."""
    if previous is None:
        return None
    members = store.runs.snapshot(previous).members
    return np.array([members.get(f.id, -1) for f in feedback], dtype=np.int64)


def _snapshot(
    feedback: Sequence[StoredFeedback],
    labels: np.ndarray,
    centroids: np.ndarray,
    descriptions: dict[int, ThemeDescription],
) -> ThemeSnapshot:
    """What lineage needs of this run's themes (or categories)."""
    return ThemeSnapshot(
        ids=[],
        centroids=centroids,
        keywords=[descriptions[k].keywords for k in range(len(centroids))],
        members={f.id: int(label) for f, label in zip(feedback, labels, strict=True) if label >= 0},
    )


def _stable_ids(
    store: Store, old: ThemeSnapshot | None, new: ThemeSnapshot
) -> tuple[list[int], list[LineageEvent]]:
    """Match the new themes (or categories) to the previous run's, keep matched ids,
    allocate the rest."""
    old = old or ThemeSnapshot(ids=[], centroids=np.zeros((0, 0)), keywords=[], members={})
    keep, events = match_themes(old, new)
    fresh = iter(store.runs.allocate_theme_ids(sum(1 for k in keep if k is None)))
    ids = [k if k is not None else next(fresh) for k in keep]
    return ids, with_ids(events, ids)


def _without_noise(values: dict[int, ThemeValue], noise: dict[int, bool]) -> dict[int, ThemeValue]:
    """Noise themes keep their figures but no impact or verdict: rankings skip them."""
    return {
        label: replace(value, impact=None, kind="neutral", significant=False)
        if noise.get(label)
        else value
        for label, value in values.items()
    }


@dataclass(frozen=True)
class _Level:
    """What one level (themes or categories) of a run found, per label ``0..k-1``."""

    labels: np.ndarray
    centroids: np.ndarray
    descriptions: dict[int, ThemeDescription]
    values: dict[int, ThemeValue]
    noise: dict[int, bool]
    names: dict[int, ThemeLabel]
    """Analyst-readable labels (``stages.label``); a theme without one keeps its keywords."""


def _themes(
    run_id: int,
    ids: Sequence[int],
    feedback: Sequence[StoredFeedback],
    level: _Level,
    sentiments: Sequence[float | None],
    parent_ids: Sequence[int] | None = None,
) -> list[Theme]:
    xy = _map_coordinates(level.centroids)
    themes = []
    for label, theme_id in enumerate(ids):
        members = [int(i) for i in np.flatnonzero(level.labels == label)]
        description = level.descriptions[label]
        themes.append(
            Theme(
                id=theme_id,
                run_id=run_id,
                label=level.names[label].label if label in level.names else description.label,
                keywords=description.keywords,
                size=len(members),
                share=len(members) / len(feedback),
                quotes=tuple(display_text(feedback[i].text) for i in description.quote_indices),
                languages=dict(Counter(feedback[i].language for i in members).most_common()),
                channels=dict(Counter(feedback[i].channel for i in members).most_common()),
                sentiment=mean_sentiment([sentiments[i] for i in members]),
                x=float(xy[label, 0]),
                y=float(xy[label, 1]),
                value=level.values.get(label),
                parent_id=None if parent_ids is None else parent_ids[label],
                noise=level.noise.get(label, False),
                keywords_by_language=(
                    level.names[label].keywords_by_language if label in level.names else {}
                ),
            )
        )
    return themes


def _map_coordinates(centroids: np.ndarray) -> np.ndarray:
    """2-D positions of the themes for the theme map (PCA of the centroids)."""
    k = len(centroids)
    if k < 3:
        return np.array([[float(i), 0.0] for i in range(k)]).reshape(k, 2)
    centred = centroids - centroids.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return np.asarray(centred @ vt[:2].T)


def embed_feedback(
    store: Store,
    embedder: Embedder,
    feedback: Sequence[StoredFeedback],
    *,
    batch_size: int = EMBED_CHUNK,
    progress: ProgressFactory = no_progress,
) -> tuple[np.ndarray, int]:
    """:func:`embed_cached` over stored feedback rows: each text as ``normalize_text``
    gives it (no @mentions, links or HTML entities), cached under the stored text's
    hash, so the run's vectors stay found by ``text_hash`` (search, assign)."""
    texts = [normalize_text(f.text) for f in feedback]
    hashes = [f.text_hash for f in feedback]
    return embed_cached(
        store,
        embedder,
        texts,
        hashes,
        batch_size=batch_size,
        progress=progress,
    )


def embed_cached(
    store: Store,
    embedder: Embedder,
    texts: Sequence[str],
    hashes: Sequence[str],
    *,
    batch_size: int = EMBED_CHUNK,
    progress: ProgressFactory = no_progress,
) -> tuple[np.ndarray, int]:
    """Embed ``texts``, reusing vectors cached under (model id, text hash).

    Each distinct hash is embedded at most once. The texts to embed are sorted by
    length (longest first) and passed to the embedder ``batch_size`` at a time, so a
    model pads each of its own small batches only to similar lengths, as one bare
    ``SentenceTransformer.encode`` over the whole corpus would. New vectors are cached
    chunk by chunk, so an interrupted run resumes where it stopped.

    Returns:
        (vectors aligned with ``texts``, number of texts actually embedded).
    """
    if not texts:
        return np.zeros((0, 0), dtype=np.float32), 0
    cached = store.embeddings.get_many(embedder.model_id, hashes)
    todo: dict[str, str] = {}
    for text, key in zip(texts, hashes, strict=True):
        if key not in cached:
            todo.setdefault(key, text)
    items = sorted(todo.items(), key=lambda item: -len(item[1]))
    with progress("Embedding", len(items)) as advance:
        for start in range(0, len(items), batch_size):
            chunk = items[start : start + batch_size]
            vectors = embedder.encode([t for _, t in chunk])
            fresh = {h: v for (h, _), v in zip(chunk, vectors, strict=True)}
            cached.update(store.embeddings.put_many(embedder.model_id, fresh))
            advance(len(chunk))
    return np.vstack([cached[h] for h in hashes]).astype(np.float32), len(items)


def ingest_file(
    store: Store,
    path: str | Path,
    kind: FileKind = "feedback",
    *,
    channel: str | None = None,
    skip_invalid: bool = False,
    languages: LanguageIdentifier | None = None,
    chunk_size: int = 2000,
    progress: ProgressFactory = no_progress,
    collect_keys: bool = False,
    pseudonym_key: str | None = None,
    options: FileOptions | None = None,
) -> IngestReport:
    """Load a CSV, JSONL or .xlsx file of ``kind`` into the store.

    The file is prepared chunk by chunk into the store's staging table (each chunk
    committed on its own, ``store.staging``), then published in one transaction, so
    other writers wait only for that and nothing of the file is visible before. A
    killed ingest resumes: the same call on the same file and options continues after
    the last committed chunk. A failed one (an invalid row, an unreadable file)
    leaves nothing. Identifiers that are personal data are pseudonymised with
    ``pseudonym_key`` (default: the database's own key, ``ingest.pseudonym``). Every
    feedback file ingest gets an id (``report.ingest_id``; ``textinsight delete
    --ingest`` undoes it); ``options`` override delimiter, encoding and date order.

    Feedback is validated, redacted and language-tagged, then upserted by (channel,
    source_id); customers (``customer_id, segment, is_member, joined_at, value,
    churned_at``) by ``customer_id``; purchases (``customer_id, purchased_at,
    amount``) once per (customer, time, amount). With ``collect_keys`` the report
    lists the (channel, source_id) of every stored feedback row.

    Raises:
        InvalidFileError: the file cannot be read at all.
        RowErrors: some rows are invalid and ``skip_invalid`` is off; nothing written.
    """
    counts = [0, 0, 0]
    keys: list[tuple[str, str]] = []
    source_ids = SourceIds()
    pseudonyms = pseudonymiser(store, pseudonym_key)
    languages = languages or LanguageIdentifier()
    options = options or FileOptions()
    key = resume_key(
        path, kind, channel, skip_invalid, options, languages, pseudonyms.pseudonym("resume")
    )
    done = store.staging.committed(key)  # what a killed ingest of this file committed
    tally = restore(done.states, source_ids)
    ingest_id = None
    if kind == "feedback":
        ingest_id = store.erasure.unfinished_ingest(key) if done.chunks else None
        ingest_id = ingest_id or store.erasure.start_ingest(kind, str(path), key)
    chunks = read_records(
        path,
        kind,
        channel=channel,
        skip_invalid=skip_invalid,
        languages=languages,
        chunk_size=chunk_size,
        tally=tally,
        pseudonyms=pseudonyms,
        source_ids=source_ids,
        options=options,
        skip_rows=done.rows,
    )
    write = _writers(store, ingest_id)[kind]
    try:
        with progress(f"Ingesting {kind}", None) as advance:
            advance(done.rows)
            for n, (n_rows, items) in enumerate(chunks, start=done.chunks):
                store.staging.put(key, n, n_rows, items, chunk_state(tally, source_ids))
                advance(n_rows)
        with store.transaction():  # publish: the file's rows become visible at once
            for items in store.staging.chunks(key, kind):
                for i, n in enumerate(write(items)):
                    counts[i] += n
                if collect_keys and kind == "feedback":
                    keys.extend((f.channel, f.source_id) for f in items)
            store.staging.clear(key)
            if ingest_id is not None:
                store.erasure.finish_ingest(ingest_id, tally.read, counts[0], counts[1])
    except TextInsightError:  # the file is rejected: nothing of it stays
        store.staging.clear(key)
        if ingest_id is not None:
            store.erasure.delete_ingest(ingest_id)
        raise
    return IngestReport(
        path=str(path),
        read=tally.read,
        inserted=counts[0],
        updated=counts[1],
        unchanged=counts[2],
        skipped=tally.n_errors,
        errors=[str(e) for e in tally.errors],
        redactions=dict(tally.redactions),
        keys=keys,
        duplicates=source_ids.duplicates,
        n_duplicates=source_ids.n_duplicates,
        ingest_id=ingest_id,
    )


def pseudonymiser(store: Store, key: str | None = None) -> Pseudonymiser:
    """The pseudonymiser of ``key``, or of the database's own secret when none is set."""
    return Pseudonymiser(key_bytes(key or store.database_secret()))


def _writers(
    store: Store, ingest_id: int | None = None
) -> dict[str, Callable[[list[Any]], tuple[int, ...]]]:
    """Upsert by file kind; each returns (inserted, updated, unchanged) or (inserted,)."""
    return {
        "feedback": lambda items: store.feedback.upsert(items, ingest_id=ingest_id),
        "customers": lambda items: (store.customers.upsert_customers(items),),
        "purchases": lambda items: (store.customers.upsert_purchases(items),),
    }
