"""The run's embedding step over the store's vector cache (part of the pipeline).

``embed_cached`` embeds texts reusing vectors cached under (model id, text hash);
``embed_feedback`` does it for stored feedback rows and returns their vectors;
``embed_stream`` makes sure every row of a large corpus has a cached vector while
holding one batch at a time (the run then reads vectors back batch by batch);
``run_model`` names the model a run uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from textinsight.progress import ProgressFactory, no_progress
from textinsight.records import StoredFeedback
from textinsight.stages.embed import Embedder, resolve_model
from textinsight.stages.normalize import normalize_text
from textinsight.store import Store

EMBED_CHUNK = 4096
"""Texts per embedder call (``TEXTINSIGHT_BATCH_SIZE``): large, so the model's own
length sorting sees many texts; vectors are cached after each call."""


def run_model(store: Store, model: str, languages: Sequence[str | None]) -> str:
    """The registered model a run on ``store`` uses for ``model`` (``TEXTINSIGHT_MODEL``):
    ``auto`` picks one from the corpus' ``languages``, as int8 unless the store already
    holds runs or vectors of the fp32 model (``embed.prefer_int8``)."""

    def used(model_id: str) -> bool:
        return store.embeddings.has_model(model_id) or any(
            run.model_id == model_id for run in store.runs.all()
        )

    return resolve_model(model, languages, used)


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
    todo = _missing(texts, hashes, cached)
    with progress("Embedding", len(todo)) as advance:
        for chunk in _chunks(todo, batch_size):
            cached.update(_encode(store, embedder, chunk))
            advance(len(chunk))
    return np.vstack([cached[h] for h in hashes]).astype(np.float32), len(todo)


def embed_stream(
    store: Store,
    embedder: Embedder,
    batches: Iterable[Sequence[StoredFeedback]],
    *,
    total: int | None = None,
    batch_size: int = EMBED_CHUNK,
    progress: ProgressFactory = no_progress,
) -> int:
    """Cache a vector for every row of ``batches`` (texts as ``normalize_text`` gives
    them), holding one batch at a time; returns how many texts were embedded.

    Within a batch the texts to embed are sorted by length as in :func:`embed_cached`;
    vectors are cached after each embedder call, so an interrupted run resumes there.
    """
    n_embedded = 0
    with progress("Embedding", total) as advance:
        for batch in batches:
            hashes = [f.text_hash for f in batch]
            cached = store.embeddings.has_many(embedder.model_id, hashes)
            todo = _missing([normalize_text(f.text) for f in batch], hashes, cached)
            for chunk in _chunks(todo, batch_size):
                _encode(store, embedder, chunk)
            n_embedded += len(todo)
            advance(len(batch))
    return n_embedded


def _missing(
    texts: Sequence[str], hashes: Sequence[str], cached: Iterable[str]
) -> list[tuple[str, str]]:
    """(hash, text) of each distinct hash not cached, longest text first."""
    known = set(cached)
    todo: dict[str, str] = {}
    for text, key in zip(texts, hashes, strict=True):
        if key not in known:
            todo.setdefault(key, text)
    return sorted(todo.items(), key=lambda item: -len(item[1]))


def _chunks(items: list[tuple[str, str]], size: int) -> Iterable[list[tuple[str, str]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _encode(
    store: Store, embedder: Embedder, chunk: Sequence[tuple[str, str]]
) -> dict[str, np.ndarray]:
    """Embed one chunk of (hash, text) and cache it; the vectors as stored."""
    vectors = embedder.encode([t for _, t in chunk])
    fresh = {h: v for (h, _), v in zip(chunk, vectors, strict=True)}
    return store.embeddings.put_many(embedder.model_id, fresh)
