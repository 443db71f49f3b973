"""Emerging themes: dense groups in the feedback that no current theme holds.

Between full runs, new feedback that fits no theme is left unassigned. When part of
that pool forms a dense group, a new theme is probably emerging. ``find_emerging``
clusters the pool with the pipeline's ``find_themes`` and ranks the groups
by the value of the customers behind them (a small group of high-value customers
outranks a larger group of low-value ones), then by size.

Growth compares the group's feedback in the last ``window_days`` before the newest
feedback of the pool with the ``window_days`` before that: ``recent / max(previous, 1)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from textinsight.pipeline import EMBED_CHUNK, embed_feedback, find_themes
from textinsight.progress import ProgressFactory, no_progress
from textinsight.records import StoredFeedback
from textinsight.stages.cluster import ThemeClusterer
from textinsight.stages.embed import Embedder
from textinsight.store import Store


@dataclass(frozen=True)
class EmergingTheme:
    """A candidate new theme found in the unassigned pool."""

    label: str
    keywords: tuple[str, ...]
    size: int
    quotes: tuple[str, ...]
    customers: int
    value_total: float | None
    recent: int
    previous: int
    growth: float
    feedback_ids: tuple[int, ...]


def find_emerging(
    store: Store,
    embedder: Embedder,
    *,
    seed: int = 0,
    min_size: int = 5,
    window_days: int = 14,
    batch_size: int = EMBED_CHUNK,
    progress: ProgressFactory = no_progress,
) -> tuple[int, list[EmergingTheme]]:
    """Cluster the current run's unassigned pool.

    Returns:
        (size of the unassigned pool, candidate themes, best first).

    Raises:
        NoRunError: there is no complete run.
    """
    run = store.runs.current()
    pool = store.feedback.unassigned(run.id)
    if len(pool) < min_size:
        return len(pool), []
    vectors, _ = embed_feedback(
        store,
        embedder,
        pool,
        batch_size=batch_size,
        progress=progress,
    )
    # the pool may hold a single dense group: HDBSCAN must be allowed to return just one
    pool_themes = find_themes(
        [f.text for f in pool],
        [f.language for f in pool],
        vectors,
        clusterer=ThemeClusterer(seed=seed, allow_single_cluster=True),
    )
    clusterer, descriptions = pool_themes.clusterer, pool_themes.descriptions
    values = {c.customer_id: c.value for c in store.customers.all_customers()}
    end = _newest(pool)
    found = []
    for label, description in descriptions.items():
        members = [pool[i] for i in np.flatnonzero(clusterer.labels_ == label)]
        if len(members) < min_size:
            continue
        customers = {f.customer_id for f in members if f.customer_id}
        known = [values[c] for c in customers if values.get(c) is not None]
        recent, previous = _windows(members, end, window_days)
        found.append(
            EmergingTheme(
                label=description.label,
                keywords=description.keywords,
                size=len(members),
                quotes=tuple(pool[i].text for i in description.quote_indices),
                customers=len(customers),
                value_total=float(sum(v for v in known if v is not None)) if known else None,
                recent=recent,
                previous=previous,
                growth=recent / max(previous, 1),
                feedback_ids=tuple(f.id for f in members),
            )
        )
    found.sort(key=lambda e: (-(e.value_total or 0.0), -e.size))
    return len(pool), found


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _newest(feedback: list[StoredFeedback]) -> date | None:
    days = [d for d in (_day(f.created_at) for f in feedback) if d is not None]
    return max(days) if days else None


def _windows(members: list[StoredFeedback], end: date | None, days: int) -> tuple[int, int]:
    if end is None:
        return 0, 0
    recent_start = end - timedelta(days=days)
    previous_start = recent_start - timedelta(days=days)
    recent = previous = 0
    for f in members:
        day = _day(f.created_at)
        if day is None:
            continue
        if recent_start < day <= end:
            recent += 1
        elif previous_start < day <= recent_start:
            previous += 1
    return recent, previous
