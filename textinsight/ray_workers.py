"""What runs inside the Ray engine's actors (``textinsight.ray_engine``).

Kept apart and light: an actor process imports this module to unpickle its class,
so everything heavy (the clusterer, the embedding model, the language detector) is
imported or loaded in the actor's constructor, once per actor.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np

from textinsight.errors import ValidationError
from textinsight.ingest.formats import DATE_ORDER
from textinsight.ingest.language import LanguageIdentifier
from textinsight.ingest.pseudonym import Pseudonymiser


def _node() -> str:
    import ray

    return str(ray.get_runtime_context().get_node_id())


class StageActor:
    """Validates, redacts, pseudonymises and language-tags blocks of raw rows."""

    def __init__(
        self,
        channel: str | None,
        languages: LanguageIdentifier,
        pseudonyms: Pseudonymiser,
        date_order: str,
    ):
        self.channel, self.languages, self.pseudonyms = channel, languages, pseudonyms
        self.date_order = date_order
        self.node = _node()
        languages.detect(["warm up the detector"])  # loads it once per actor

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        rows, out = [], []
        errors: dict[int, ValidationError] = {}
        for line, raw in zip(batch["line"].tolist(), batch["row"], strict=True):
            row = pickle.loads(raw)
            if isinstance(row, ValidationError):
                errors[line] = row
            else:
                rows.append((line, row))
        from textinsight.ingest.load import stage_feedback

        rejected: list[ValidationError] = []
        redactions: dict[str, int] = {}
        order = DATE_ORDER.set(self.date_order)
        try:
            staged = stage_feedback(
                rows,
                channel=self.channel,
                languages=self.languages,
                on_error=rejected.append,
                redactions=redactions,
                pseudonyms=self.pseudonyms,
            )
        finally:
            DATE_ORDER.reset(order)
        by_line: dict[int, tuple[str, Any]] = {s[0]: ("ok", s) for s in staged}
        by_line.update({e.line: ("error", e) for e in rejected if e.line is not None})
        by_line.update({line: ("error", e) for line, e in errors.items()})
        lines = batch["line"].tolist()
        out = [pickle.dumps(by_line.get(line, ("error", _lost(line)))) for line in lines]
        out.append(pickle.dumps(("redactions", redactions)))
        return {
            "line": np.array([*lines, -1]),
            "out": out,
            "node": [self.node] * (len(lines) + 1),
        }


def _lost(line: int) -> ValidationError:
    return ValidationError("the row could not be prepared", line=line)


class EmbedActor:
    """Holds one embedding model and encodes blocks of texts."""

    def __init__(self, model_id: str, model_dir: Path | None):
        from textinsight.stages.embed import embedder_for_model

        self.embedder = embedder_for_model(model_id, model_dir)
        self.node = _node()

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        vectors = self.embedder.encode(batch["text"].tolist())
        return {
            "hash": batch["hash"],
            "vector": np.asarray(vectors, dtype=np.float32),
            "node": [self.node] * len(vectors),
        }


class AssignActor:
    """Holds a run's saved clusterer and assigns blocks of vectors by its rule."""

    def __init__(self, state: Any):
        import ray

        from textinsight.stages.cluster import ThemeClusterer

        if isinstance(state, ray.ObjectRef):
            state = ray.get(state)
        self.clusterer = ThemeClusterer.from_state(state)
        self.node = _node()

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        languages = [lang or None for lang in batch["language"].tolist()]
        labels, sims = self.clusterer.predict_similarity(np.stack(list(batch["vector"])), languages)
        return {
            "label": np.asarray(labels, dtype=np.int64),
            "similarity": np.asarray(sims, dtype=np.float64),
            "node": [self.node] * len(labels),
        }
