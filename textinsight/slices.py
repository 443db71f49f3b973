"""A run's themes as an analyst sees them: curated, and recomputed for a slice.

:func:`curated_themes` is the one place that turns a run's stored themes into what
readers list: the analysts' curation applied (:mod:`textinsight.curation`: renamed,
merged, hidden) and, under a feedback filter (period, channel, language, segment,
member, store, metadata), **size, share, sentiment, channel/language counts and every
value metric recomputed over the matching feedback only** (the value statistics of
:func:`textinsight.value.compute_theme_values`, over the slice's feedback and
customers; the baseline is the slice's other customers). Keywords, quotes and map
positions stay the run's.

:func:`compare` tests which themes grew or shrank between two slices (two periods,
two segments, ...) with the trend test of :mod:`textinsight.trends` (two-proportion
test of the theme's share of each slice, Benjamini-Hochberg across themes);
:func:`previous_period` gives the slice a period filter is compared with in the theme
list.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np

from textinsight.curation import merge_map
from textinsight.errors import ValidationError
from textinsight.records import CHANNELS, Customer, Purchase, RunInfo, StoredFeedback, Theme
from textinsight.store import DataVersion, Store
from textinsight.store.curation import CurationEntry
from textinsight.store.reads import FeedbackFilter
from textinsight.value import compute_theme_values
from textinsight.value.stats import benjamini_hochberg, two_proportion_pvalue

__all__ = [
    "Change",
    "SliceRow",
    "compare",
    "curated_themes",
    "override",
    "previous_period",
    "related_themes",
    "merged_into",
    "theme_ids_of",
]

DEFAULT_WINDOW_DAYS = 28
"""Without a period filter, the theme list compares the last 28 days of data with the 28 before."""

SliceRow = tuple[StoredFeedback, int | None, float | None, float]
"""(feedback, theme id, sentiment, probability) of one assignment."""


@dataclass(frozen=True)
class Change:
    """How a theme's share differs between slice ``a`` (before) and ``b`` (after)."""

    theme_id: int
    count_a: int
    count_b: int
    share_a: float
    share_b: float
    change: float
    """share_b - share_a (a fraction, e.g. 0.02 = two percentage points)."""
    p_value: float
    q_value: float
    significant: bool
    direction: str
    """``up``, ``down`` or ``same`` (``same`` whenever not significant)."""


def _merged(
    store: Store, run: RunInfo
) -> tuple[list[Theme], dict[int, CurationEntry], dict[int, int]]:
    themes = store.runs.themes(run.id)
    curation = store.curation.all()
    return themes, curation, merge_map(curation, [t.id for t in themes])


def merged_into(store: Store, run: RunInfo) -> dict[int, int]:
    """Stored theme id -> the listed theme it is read as, for the run's merged themes."""
    return _merged(store, run)[2]


def theme_ids_of(store: Store, run: RunInfo, theme_id: int) -> list[int]:
    """The stored theme ids read as ``theme_id`` (itself and the themes merged into it)."""
    themes, _, mapping = _merged(store, run)
    return [theme_id, *sorted(k for k, v in mapping.items() if v == theme_id)]


def curated_themes(
    store: Store,
    run: RunInfo,
    where: FeedbackFilter | None = None,
    *,
    include_hidden: bool = False,
) -> list[Theme]:
    """The run's themes with curation applied and, under an active ``where``, their
    metrics recomputed over the matching feedback (themes without any left out).

    Largest first. Hidden themes are left out unless ``include_hidden``.
    """
    themes, curation, mapping = _merged(store, run)
    where = where or FeedbackFilter()
    if where.active or mapping:
        themes = _recompute(store, run, themes, mapping, where)
    out = []
    for theme in themes:
        entry = curation.get(theme.id)
        if entry is not None and entry.hidden and not include_hidden:
            continue
        if entry is not None and entry.label:
            theme = replace(theme, label=entry.label)
        out.append(theme)
    return sorted(out, key=lambda t: (-t.size, t.id))


def _recompute(
    store: Store,
    run: RunInfo,
    themes: Sequence[Theme],
    mapping: Mapping[int, int],
    where: FeedbackFilter,
) -> list[Theme]:
    rows = store.reads.slice_rows(run.id, where)
    feedback = [r[0] for r in rows]
    labels = np.array(
        [-1 if r[1] is None else mapping.get(r[1], r[1]) for r in rows], dtype=np.int64
    )
    sentiments = [r[2] for r in rows]
    customers, purchases = _customer_tables(store)
    values = compute_theme_values(feedback, labels, sentiments, customers, purchases)
    by_id = {t.id: t for t in themes}
    out = []
    total = max(len(rows), 1)
    for theme in themes:
        if theme.id in mapping:
            continue
        mask = labels == theme.id
        size = int(mask.sum())
        if size == 0:
            continue
        members = [rows[i][0] for i in np.flatnonzero(mask)]
        scored = [s for s, m in zip(sentiments, mask, strict=True) if m and s is not None]
        sources = [by_id[k] for k, v in mapping.items() if v == theme.id and k in by_id]
        keywords = list(theme.keywords)
        for source in sources:
            keywords += [k for k in source.keywords if k not in keywords]
        value = values.get(theme.id)
        out.append(
            replace(
                theme,
                keywords=tuple(keywords),
                quotes=theme.quotes + tuple(q for s in sources for q in s.quotes),
                size=size,
                share=size / total,
                sentiment=float(np.mean(scored)) if scored else None,
                languages=dict(Counter(f.language for f in members).most_common()),
                channels=dict(Counter(f.channel for f in members).most_common()),
                value=value if theme.value is not None else None,
            )
        )
    return out


_TABLES: dict[str, tuple[DataVersion, int, list[Customer], list[Purchase]]] = {}
_TABLES_LOCK = threading.Lock()


def _customer_tables(store: Store) -> tuple[list[Customer], list[Purchase]]:
    """Every customer and purchase, read once per database change (a filter change
    recomputes value metrics; reading 10^4 purchases each time would cost more)."""
    if store.path == ":memory:":
        return store.customers.all_customers(), store.customers.all_purchases()
    with _TABLES_LOCK:
        kept = _TABLES.get(store.path)
        watch = kept[0] if kept else DataVersion(store.path)
        version = watch()
        if kept is None or kept[1] != version:
            kept = (
                watch,
                version,
                store.customers.all_customers(),
                store.customers.all_purchases(),
            )
            _TABLES[store.path] = kept
        return kept[2], kept[3]


def previous_period(
    where: FeedbackFilter, dates: Sequence[str]
) -> tuple[FeedbackFilter, FeedbackFilter]:
    """(previous slice, current slice) for the theme list's change column.

    With a period in ``where`` the previous slice is the same number of days just
    before it; without one, the last :data:`DEFAULT_WINDOW_DAYS` days of the data
    (``dates``: first and last day) against the ones before. Other conditions stay.
    """
    last = date.fromisoformat(dates[-1]) if dates else date.today()
    since = date.fromisoformat(where.since[:10]) if where.since else None
    before = date.fromisoformat(where.before[:10]) if where.before else last + timedelta(days=1)
    if since is None:
        since = before - timedelta(days=DEFAULT_WINDOW_DAYS)
    days = max((before - since).days, 1)
    current = replace(where, since=since.isoformat(), before=before.isoformat())
    previous = replace(
        where, since=(since - timedelta(days=days)).isoformat(), before=since.isoformat()
    )
    return previous, current


def override(
    where: FeedbackFilter,
    *,
    since: date | None = None,
    until: date | None = None,
    segment: str | None = None,
    channel: str | None = None,
    language: str | None = None,
    member: bool | None = None,
    store: str | None = None,
) -> FeedbackFilter:
    """``where`` with each given condition in place of its own (the other slice of a
    comparison: another period, segment, channel, ...).

    Example:
        >>> a = FeedbackFilter(segment="gold", channel="review")
        >>> b = override(a, segment="silver")
        >>> b.segment, b.channel
        ('silver', 'review')
    """
    if channel is not None and channel not in CHANNELS:
        raise ValidationError(
            f"unknown channel '{channel}'; allowed: {', '.join(CHANNELS)}", field="b_channel"
        )
    changes: dict[str, object] = {}
    if since is not None or until is not None:
        if since is not None and until is not None and since > until:
            raise ValidationError(f"b_since {since} is after b_until {until}", field="b_since")
        changes["since"] = since.isoformat() if since else None
        changes["before"] = (until + timedelta(days=1)).isoformat() if until else None
    for name, value in (
        ("segment", segment),
        ("channel", channel),
        ("language", language.strip().lower() if language else None),
        ("member", member),
        ("store_id", store),
    ):
        if value is not None:
            changes[name] = value
    return replace(where, **changes)  # type: ignore[arg-type]


def compare(
    store: Store,
    run: RunInfo,
    a: FeedbackFilter,
    b: FeedbackFilter,
    *,
    alpha: float = 0.05,
    min_count: int = 5,
) -> list[Change]:
    """Which themes' share of the feedback differs between slice ``a`` and slice ``b``.

    Each theme's share of slice ``a``'s assigned feedback against its share of slice
    ``b``'s: two-sided two-proportion test, Benjamini-Hochberg across themes; a change
    is significant when ``q <= alpha`` and the theme has at least ``min_count`` items
    in one of the slices. Sorted by the size of the change, largest first.
    """
    counts = []
    for where in (a, b):
        themes = curated_themes(store, run, where)
        counts.append({t.id: t.size for t in themes})
    ids = sorted(set(counts[0]) | set(counts[1]))
    if not ids:
        return []
    na, nb = (float(sum(c.values())) for c in counts)
    xa = np.array([counts[0].get(i, 0) for i in ids], dtype=float)
    xb = np.array([counts[1].get(i, 0) for i in ids], dtype=float)
    n = len(ids)
    if na and nb:
        p = two_proportion_pvalue(xb, np.full(n, nb), xa, np.full(n, na))
        p = np.where(np.isnan(p), 1.0, p)
    else:
        p = np.ones(n)
    q = benjamini_hochberg(p)
    out = []
    for i, theme_id in enumerate(ids):
        share_a = xa[i] / na if na else 0.0
        share_b = xb[i] / nb if nb else 0.0
        significant = bool(q[i] <= alpha and max(xa[i], xb[i]) >= min_count)
        direction = "same"
        if significant:
            direction = "up" if share_b > share_a else "down"
        out.append(
            Change(
                theme_id=theme_id,
                count_a=int(xa[i]),
                count_b=int(xb[i]),
                share_a=round(float(share_a), 4),
                share_b=round(float(share_b), 4),
                change=round(float(share_b - share_a), 4),
                p_value=float(p[i]),
                q_value=float(q[i]),
                significant=significant,
                direction=direction,
            )
        )
    out.sort(key=lambda c: (-abs(c.change), c.theme_id))
    return out


def related_themes(
    store: Store, run: RunInfo, theme_id: int, k: int = 5
) -> list[tuple[Theme, float]]:
    """The ``k`` themes of the run whose centroids are closest (cosine) to ``theme_id``'s."""
    ids, centroids = store.runs.centroids(run.id)
    visible = {t.id: t for t in curated_themes(store, run)}
    if theme_id not in ids or len(ids) < 2:
        return []
    unit = centroids / np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    scores = unit @ unit[ids.index(theme_id)]
    ranked = sorted(
        ((float(s), i) for s, i in zip(scores, ids, strict=True) if i != theme_id and i in visible),
        reverse=True,
    )
    return [(visible[i], s) for s, i in ranked[:k]]
