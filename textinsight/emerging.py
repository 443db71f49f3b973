"""Emerging themes: dense groups in the feedback that no current theme holds.

Between full runs, new feedback that fits no theme is left unassigned. When part of
that pool forms a dense group, a new theme is probably emerging. ``find_emerging``
clusters the pool with the pipeline's ``find_themes`` and ranks the groups
by the value of the customers behind them (a small group of high-value customers
outranks a larger group of low-value ones), then by size.

The pool is small and holds few topics, so HDBSCAN cuts a new topic into one
cluster per phrasing, and the theme merge's modularity, measured on so small a graph,
keeps them apart (modularity's resolution limit): a topic held out of a run came back
over 10 to 14 candidates. The pool's clusters are therefore merged on a wider graph
(``emerging_neighbours``: up to 100 per item) at ``EMERGING_RESOLUTION`` (the setting
that grouped a run's themes into categories when this was measured). Measured on the
demo with three planted themes held out of a run (``scripts/bench_stability.py``):
the largest share of each held-out theme in one candidate 13% / 19% / 37% -> 73% /
88% / 89% (nearly all of each theme that ``assign`` left unassigned), 3 candidates
instead of 23.

Growth compares the group's feedback in the last ``window_days`` before the newest
feedback of the pool with the ``window_days`` before that: ``recent / max(previous, 1)``.

A candidate's ``id`` is a short hash of its feedback ids: the same pool gives the same
candidates and ids. ``promote`` turns a candidate into a theme of the current run
without a full re-run: its centroid is its members' mean in the run's space, its
members join the novelty test's reference (``ThemeClusterer.with_theme``), and every
item of the pool that the run's one rule now gives it is assigned to it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from textinsight.errors import NotFoundError
from textinsight.pipeline import EMBED_CHUNK, embed_feedback, find_themes
from textinsight.progress import ProgressFactory, no_progress
from textinsight.records import Assignment, StoredFeedback, Theme
from textinsight.stages.cluster import ThemeClusterer
from textinsight.stages.embed import Embedder, embedder_for_model
from textinsight.stages.granularity import CATEGORY_NEIGHBOURS, GRAPH_NEIGHBOURS
from textinsight.stages.sentiment import find_sentiment_model, item_sentiments, mean_sentiment
from textinsight.store import Store

#: Modularity resolution of the merge of the pool's clusters, and its neighbours per
#: item: ``EMERGING_NEIGHBOURS_SHARE`` of the pool, from ``GRAPH_NEIGHBOURS`` up to
#: ``CATEGORY_NEIGHBOURS`` (a graph where every item neighbours a whole topic cannot
#: tell topics apart: 30-item topics in a 90-item pool need fewer than 30). Measured on
#: the demo pool (668 items): 60 to 100 neighbours give the same 3 candidates, 50 cut
#: late_delivery in two.
EMERGING_RESOLUTION = 1.0
EMERGING_NEIGHBOURS_SHARE = 0.1


@dataclass(frozen=True)
class EmergingTheme:
    """A candidate new theme found in the unassigned pool (``id``: pass it to
    ``promote``)."""

    id: str
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
    embedder: Embedder | None = None,
    *,
    model_dir: Path | None = None,
    seed: int = 0,
    min_size: int = 5,
    window_days: int = 14,
    batch_size: int = EMBED_CHUNK,
    progress: ProgressFactory = no_progress,
) -> tuple[int, list[EmergingTheme]]:
    """Cluster the current run's unassigned pool.

    ``embedder`` must be the run's model; default: built from the registry
    (``embedder_for_model``, models cached under ``model_dir``).

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
        embedder or embedder_for_model(run.model_id, model_dir),
        pool,
        batch_size=batch_size,
        progress=progress,
    )
    # the pool may hold a single dense group: HDBSCAN must be allowed to return just one
    pool_themes = find_themes(
        [f.text for f in pool],
        [f.language for f in pool],
        vectors,
        clusterer=ThemeClusterer(
            seed=seed,
            allow_single_cluster=True,
            resolution=EMERGING_RESOLUTION,
            merge_neighbours=emerging_neighbours(len(pool)),
        ),
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
                id=candidate_id(f.id for f in members),
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


def emerging_neighbours(n: int) -> int:
    """Neighbours per item in the graph that merges a pool of ``n`` items' clusters.

    Example:
        >>> emerging_neighbours(90), emerging_neighbours(700), emerging_neighbours(5000)
        (15, 70, 100)
    """
    share = round(EMERGING_NEIGHBOURS_SHARE * n)
    return int(min(max(share, GRAPH_NEIGHBOURS), CATEGORY_NEIGHBOURS))


def candidate_id(feedback_ids: Iterable[int]) -> str:
    """The id of the candidate holding these feedback ids: 8 hex digits of a hash."""
    text = ",".join(str(i) for i in sorted(feedback_ids))
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def promote(
    store: Store,
    embedder: Embedder,
    candidate: str,
    *,
    seed: int = 0,
    min_size: int = 5,
    batch_size: int = 64,
    progress: ProgressFactory = no_progress,
) -> Theme:
    """Make emerging candidate ``candidate`` (its id) a theme of the current run.

    Finds the candidates again (same pool, seed and ``min_size`` give the same ids),
    adds the theme with a fresh id, and assigns it every pool item the run's rule now
    gives it. Its value metrics wait for the next full run (``value`` is None).

    Raises:
        NoRunError: there is no complete run.
        NotFoundError: no current candidate has that id (the pool changed: list the
            candidates again).
    """
    run = store.runs.current()
    _, found = find_emerging(
        store, embedder, seed=seed, min_size=min_size, batch_size=batch_size, progress=progress
    )
    chosen = next((e for e in found if e.id == candidate), None)
    if chosen is None:
        listed = ", ".join(e.id for e in found) or "none"
        raise NotFoundError(
            f"No emerging candidate {candidate!r} in run {run.id} (candidates now: {listed}). "
            "List them again with `textinsight emerging`."
        )
    pool = store.feedback.unassigned(run.id)
    vectors, _ = embed_feedback(store, embedder, pool, batch_size=batch_size)
    languages = [f.language for f in pool]
    _, state = store.runs.clusterer(run.id)
    clusterer = ThemeClusterer.from_state(state)
    space = clusterer.transform(vectors, languages)
    members = space[np.isin([f.id for f in pool], chosen.feedback_ids)]
    # the run's one rule with the candidate among its themes
    grown = clusterer.with_theme(members.mean(axis=0), members)
    labels, sims = grown.predict_similarity(vectors, languages)
    taken = np.flatnonzero(labels == len(clusterer.centroids_))
    sentiments = item_sentiments(
        [pool[i].rating for i in taken],
        [pool[i].nps for i in taken],
        vectors[taken],
        find_sentiment_model(embedder.model_id),
        [pool[i].text for i in taken],
        [pool[i].language for i in taken],
    )
    group = [pool[i] for i in taken]
    (theme_id,) = store.runs.allocate_theme_ids(1)
    theme = Theme(
        id=theme_id,
        run_id=run.id,
        label=chosen.label,
        keywords=chosen.keywords,
        size=len(group),
        share=len(group) / max(run.n_feedback or 1, 1),
        quotes=chosen.quotes,
        languages=dict(Counter(f.language for f in group).most_common()),
        channels=dict(Counter(f.channel for f in group).most_common()),
        sentiment=mean_sentiment(list(sentiments)),
    )
    store.runs.add_theme(
        run.id,
        theme,
        grown.to_state(),
        [
            Assignment(f.id, theme_id, float(np.clip(sims[i], 0.0, 1.0)), sentiment)
            for f, i, sentiment in zip(group, taken, sentiments, strict=True)
        ],
    )
    return theme


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
