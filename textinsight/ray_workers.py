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
        rows: list[tuple[int, dict[str, Any]]] = []
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
        # one answer per input row, in order; a block's redaction counts ride on an
        # extra last row (the driver adds them up)
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


_CLUSTERERS: dict[str, Any] = {}
"""Clusterers this worker process has rebuilt, by key (one per run it assigned for)."""


def assign_block(
    batch: dict[str, np.ndarray], key: str, state: Any, run_rule: bool
) -> dict[str, Any]:
    """Assign a block of vectors by a saved clusterer's rule (a Ray Data task):
    ``stages.sample_fit.assign_batch``'s labels and probabilities with ``run_rule``,
    else ``predict_similarity``'s labels and raw similarities.

    Tasks run in Ray's pooled worker processes, so the clusterer, rebuilt from its
    state once per process and key, serves every later block without an actor start.
    """
    import ray

    from textinsight.stages.cluster import ThemeClusterer

    if key not in _CLUSTERERS:
        _CLUSTERERS.clear()
        _CLUSTERERS[key] = ThemeClusterer.from_state(
            ray.get(state) if isinstance(state, ray.ObjectRef) else state
        )
    languages = [lang or None for lang in batch["language"].tolist()]
    vectors = np.stack(list(batch["vector"]))
    if run_rule:
        from textinsight.stages.sample_fit import assign_batch

        labels, sims = assign_batch(_CLUSTERERS[key], vectors, languages)
    else:
        labels, sims = _CLUSTERERS[key].predict_similarity(vectors, languages)
    return {
        "label": np.asarray(labels, dtype=np.int64),
        "similarity": np.asarray(sims, dtype=np.float64),
        "node": [_node()] * len(labels),
    }
