"""The one contract every embedder follows.

Every embedder returns L2-normalised float32 vectors of a fixed dimension, and names
the id its vectors are cached under (change it whenever the vectors would change).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    model_id: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed one batch of texts; returns an array of shape (len(texts), dim)."""
        ...
