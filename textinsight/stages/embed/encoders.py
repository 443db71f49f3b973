"""The embedders: sentence-transformers models, a hashing baseline, and two wrappers.

``CentredEmbedder`` subtracts a fixed mean (e5 vectors crowd into a narrow cone);
``CombinedEmbedder`` joins several embedders' vectors. Models load from local files;
nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from textinsight.errors import ModelError
from textinsight.stages.embed.base import Embedder

MODEL_BATCH = 64
"""Texts per forward pass of a sentence-transformers model within one ``encode`` call
(the model sorts the call's texts by length first, so batches pad little)."""


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, on the CPU.

    Args:
        path_factory: returns the model folder (called on first use).
        model_id: the id vectors are cached under; change it when the model changes.
        prefix: text prepended to every input (e5 models want ``"query: "``).
        batch_size: texts per forward pass inside one ``encode`` call.
    """

    def __init__(
        self,
        path_factory: Callable[[], str],
        model_id: str,
        prefix: str = "",
        batch_size: int = MODEL_BATCH,
    ):
        self.path_factory = path_factory
        self.batch_size = batch_size
        self.model_id = model_id
        self.prefix = prefix
        self._model: Any = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self._model is None:
            self._model = _load_sentence_transformer(self.path_factory())
        vectors = self._model.encode(
            [self.prefix + t for t in texts],
            batch_size=max(1, min(self.batch_size, len(texts))),
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


class CentredEmbedder:
    """Subtracts a fixed mean vector from another embedder's vectors, then re-normalises.

    Args:
        inner: the embedder whose vectors are centred.
        mean: the vector to subtract (same dimension as ``inner``'s vectors).
    """

    def __init__(self, inner: Embedder, mean: np.ndarray):
        self.inner = inner
        self.mean = np.asarray(mean, dtype=np.float32)
        digest = hashlib.sha1(self.mean.tobytes()).hexdigest()[:8]
        self.model_id = f"{inner.model_id}-centred-{digest}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.centre(self.inner.encode(texts))

    def centre(self, vectors: np.ndarray) -> np.ndarray:
        """Centre vectors ``inner`` already made."""
        centred = np.asarray(vectors, dtype=np.float32) - self.mean
        norms = np.linalg.norm(centred, axis=1, keepdims=True)
        return centred / np.where(norms == 0, 1.0, norms)


class CombinedEmbedder:
    """Weighted concatenation of several embedders' (L2-normalised) vectors.

    The cosine similarity of two combined vectors is the weighted mean of the parts'
    cosine similarities, with weights ``w_i**2 / sum(w**2)``.

    Args:
        parts: ``(embedder, weight)`` pairs.

    Example:
        >>> from textinsight.stages.embed import HashingEmbedder
        >>> both = CombinedEmbedder([(HashingEmbedder(16), 1.0), (HashingEmbedder(8), 1.0)])
        >>> both.encode(["late delivery"]).shape
        (1, 24)
    """

    def __init__(self, parts: Sequence[tuple[Embedder, float]]):
        self.parts = list(parts)
        self.model_id = "combined(" + ",".join(f"{w:g}*{e.model_id}" for e, w in self.parts) + ")"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.combine([embedder.encode(texts) for embedder, _ in self.parts])

    def combine(self, part_vectors: Sequence[np.ndarray]) -> np.ndarray:
        """Join vectors the parts already made (aligned with ``self.parts``)."""
        blocks = [
            w * np.asarray(v, dtype=np.float32)
            for (_, w), v in zip(self.parts, part_vectors, strict=True)
        ]
        vectors = np.hstack(blocks)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)
