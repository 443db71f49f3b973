"""Embedders: the ``Embedder`` protocol, the encoders, and the registry of models.

Example:
    >>> embedder = get_embedder("hashing")
    >>> embedder.encode(["late delivery", "rude staff"]).shape
    (2, 256)
"""

from textinsight.stages.embed.registry import (
    AUTO,
    EMBEDDERS,
    Embedder,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    choose_model,
    embed_cached,
    embed_feedback,
    embedder_for_model,
    get_embedder,
)

__all__ = [
    "AUTO",
    "EMBEDDERS",
    "Embedder",
    "HashingEmbedder",
    "SentenceTransformerEmbedder",
    "choose_model",
    "embed_cached",
    "embed_feedback",
    "embedder_for_model",
    "get_embedder",
]
