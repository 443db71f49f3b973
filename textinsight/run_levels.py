"""One level of a run (themes, or the categories above them) made into stored records.

Part of the pipeline: ``pipeline.run_pipeline`` finds the labels, descriptions and
values; this module turns them into ``Theme`` rows (sizes, languages, channels and
sentiment counted vectorised over every item, so a run of millions of items holds
arrays, not objects), the lineage snapshot, and the stable ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from textinsight.lineage import LineageEvent, ThemeSnapshot, match_themes, with_ids
from textinsight.records import Theme, ThemeDescription, ThemeValue
from textinsight.stages.label import ThemeLabel
from textinsight.store import Store


@dataclass(frozen=True)
class Codes:
    """A categorical column as integer codes into ``names`` (one code per item)."""

    codes: np.ndarray
    names: list[str]

    @classmethod
    def of(cls, values: Sequence[str | None]) -> Codes:
        index: dict[str | None, int] = {}
        codes = np.fromiter(
            (index.setdefault(v, len(index)) for v in values), np.int64, len(values)
        )
        return cls(codes, [v if v is not None else "" for v in index])

    def counts(self, labels: np.ndarray, k: int) -> list[dict[str, int]]:
        """Per label ``0..k-1``: name -> count among its items, largest first (ties by name)."""
        member = labels >= 0
        width = max(len(self.names), 1)
        table = np.bincount(
            labels[member] * width + self.codes[member], minlength=k * width
        ).reshape(k, width)
        out = []
        for row in table:
            present = np.flatnonzero(row)
            order = sorted(present.tolist(), key=lambda j: (-row[j], self.names[j]))
            out.append({self.names[j]: int(row[j]) for j in order})
        return out


@dataclass(frozen=True)
class Level:
    """What one level (themes or categories) of a run found, per label ``0..k-1``."""

    labels: np.ndarray
    centroids: np.ndarray
    descriptions: dict[int, ThemeDescription]
    values: dict[int, ThemeValue]
    noise: dict[int, bool]
    names: dict[int, ThemeLabel]
    """Analyst-readable labels (``stages.label``); a theme without one keeps its keywords."""
    quotes: dict[int, tuple[str, ...]]
    """Each label's quotes, as displayed."""


@dataclass(frozen=True)
class Items:
    """The per-item columns the theme rows are counted from."""

    languages: Codes
    channels: Codes
    sentiments: np.ndarray
    """float, NaN where unknown."""


def themes(
    run_id: int,
    ids: Sequence[int],
    items: Items,
    level: Level,
    parent_ids: Sequence[int] | None = None,
) -> list[Theme]:
    """The ``Theme`` rows of one level, label ``i`` getting ``ids[i]``."""
    k = len(ids)
    labels = level.labels
    n = len(labels)
    member = labels >= 0
    sizes = np.bincount(labels[member], minlength=k)
    known = member & ~np.isnan(items.sentiments)
    total = np.bincount(labels[known], items.sentiments[known], minlength=k)
    n_known = np.bincount(labels[known], minlength=k)
    languages = items.languages.counts(labels, k)
    channels = items.channels.counts(labels, k)
    xy = map_coordinates(level.centroids)
    rows = []
    for label, theme_id in enumerate(ids):
        description = level.descriptions[label]
        name = level.names.get(label)
        rows.append(
            Theme(
                id=theme_id,
                run_id=run_id,
                label=name.label if name is not None else description.label,
                keywords=description.keywords,
                size=int(sizes[label]),
                share=int(sizes[label]) / n if n else 0.0,
                quotes=level.quotes.get(label, ()),
                languages=languages[label],
                channels=channels[label],
                sentiment=float(total[label] / n_known[label]) if n_known[label] else None,
                x=float(xy[label, 0]),
                y=float(xy[label, 1]),
                value=level.values.get(label),
                parent_id=None if parent_ids is None else parent_ids[label],
                noise=level.noise.get(label, False),
                keywords_by_language=name.keywords_by_language if name is not None else {},
            )
        )
    return rows


def map_coordinates(centroids: np.ndarray) -> np.ndarray:
    """2-D positions of the themes for the theme map (PCA of the centroids)."""
    k = len(centroids)
    if k < 3:
        return np.array([[float(i), 0.0] for i in range(k)]).reshape(k, 2)
    centred = centroids - centroids.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return np.asarray(centred @ vt[:2].T)


def snapshot(
    feedback_ids: np.ndarray,
    labels: np.ndarray,
    centroids: np.ndarray,
    descriptions: dict[int, ThemeDescription],
) -> ThemeSnapshot:
    """What lineage needs of this run's themes (or categories)."""
    member = labels >= 0
    return ThemeSnapshot(
        ids=[],
        centroids=centroids,
        keywords=[descriptions[k].keywords for k in range(len(centroids))],
        members=dict(zip(feedback_ids[member].tolist(), labels[member].tolist(), strict=True)),
    )


def stable_ids(
    store: Store, old: ThemeSnapshot | None, new: ThemeSnapshot
) -> tuple[list[int], list[LineageEvent]]:
    """Match the new themes (or categories) to the previous run's, keep matched ids,
    allocate the rest."""
    old = old or ThemeSnapshot(ids=[], centroids=np.zeros((0, 0)), keywords=[], members={})
    keep, events = match_themes(old, new)
    fresh = iter(store.runs.allocate_theme_ids(sum(1 for k in keep if k is None)))
    ids = [k if k is not None else next(fresh) for k in keep]
    return ids, with_ids(events, ids)


def without_noise(values: dict[int, ThemeValue], noise: dict[int, bool]) -> dict[int, ThemeValue]:
    """Noise themes keep their figures but no impact or verdict: rankings skip them."""
    return {
        label: replace(value, impact=None, kind="neutral", significant=False)
        if noise.get(label)
        else value
        for label, value in values.items()
    }
