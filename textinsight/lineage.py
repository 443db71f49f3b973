"""Stable theme ids across runs: match a new run's themes to the previous run's.

Matching (documented thresholds, all keyword arguments of :func:`match_themes`):

1. **Similarity** of new theme *i* and old theme *j*:
   ``s = 0.8 * cosine(centroid_i, centroid_j) + 0.2 * jaccard(keywords_i, keywords_j)``,
   and **member overlap** ``o``: the Jaccard index of their members among the
   feedback both runs assigned (``member_overlap``). Centroids alone drift on small
   corpora (another seed, a little more feedback) and, with models whose vectors
   share a narrow cone, every pair of centroids looks alike; shared feedback ids say
   directly that two themes hold the same items.
2. **One-to-one assignment** maximising total ``s + o`` (Hungarian algorithm,
   ``scipy.optimize.linear_sum_assignment``). A pair with ``s >= min_similarity``
   (default 0.7) or ``o >= min_overlap`` (default 0.4) is the *same* theme: the new
   theme keeps the old id.
3. **Splits and merges** from the feedback both runs saw. ``share(j -> i)`` is the
   part of old theme *j*'s feedback that landed in new theme *i*.
   - *split*: old theme *j* sent at least ``part_share`` (0.25) of its feedback to
     each of two or more new themes, and those parts together hold at least
     ``mostly`` (0.6) of it. The new themes that did not keep *j*'s id are recorded
     as split from *j*.
   - *merged*: new theme *i* received at least ``mostly`` of each of two or more
     old themes. It keeps the id of the one it matched (or of the largest, when it
     matched none) and records all of them.
4. Unmatched new themes are *new*; old themes neither matched nor merged are
   *retired*.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import linear_sum_assignment


@dataclass(frozen=True)
class LineageEvent:
    """What happened to a theme between two runs.

    ``theme_id`` is the id in the new run (None for a retired theme);
    ``previous_ids`` the old theme ids it came from.
    """

    kind: str
    theme_id: int | None
    previous_ids: tuple[int, ...]
    similarity: float | None = None
    overlap: float | None = None
    """Member overlap with the theme it kept the id of (``member_overlap``)."""


@dataclass(frozen=True)
class ThemeSnapshot:
    """What lineage needs of one run's themes (rows of ``centroids`` match ``ids``)."""

    ids: Sequence[int]
    centroids: np.ndarray
    keywords: Sequence[Sequence[str]]
    members: Mapping[int, int]
    """feedback id -> index into ``ids`` (unassigned feedback absent)."""


def match_themes(
    old: ThemeSnapshot,
    new: ThemeSnapshot,
    *,
    min_similarity: float = 0.7,
    min_overlap: float = 0.4,
    part_share: float = 0.25,
    mostly: float = 0.6,
) -> tuple[list[int | None], list[LineageEvent]]:
    """Decide which new themes keep an old id, and record the lineage.

    ``new.ids`` are ignored (the new themes have no ids yet); the result gives, per
    new theme index, the old id it keeps or None (it needs a fresh id). Events with
    ``theme_id=None`` for new themes are completed by the caller via
    :func:`with_ids`.
    """
    n_new, n_old = len(new.centroids), len(old.ids)
    keep: list[int | None] = [None] * n_new
    if n_new == 0 or n_old == 0:
        trivial = [LineageEvent("new", None, (), None) for _ in range(n_new)]
        trivial += [LineageEvent("retired", None, (old.ids[j],)) for j in range(n_old)]
        return keep, trivial
    sim = similarity_matrix(old, new)
    overlap = member_overlap(old, new)
    rows, cols = linear_sum_assignment(-(sim + overlap))
    matched_sim: dict[int, float] = {}
    matched_overlap: dict[int, float] = {}
    for i, j in zip(rows, cols, strict=True):
        if sim[i, j] >= min_similarity or overlap[i, j] >= min_overlap:
            keep[i] = old.ids[j]
            matched_sim[i] = float(sim[i, j])
            matched_overlap[i] = float(overlap[i, j])
    share = _flow(old, new)  # share[j, i]: part of old j's feedback now in new i
    merged_into: dict[int, list[int]] = {}
    for i in range(n_new):
        sources = [j for j in range(n_old) if share[j, i] >= mostly]
        if len(sources) >= 2:
            merged_into[i] = sources
            if keep[i] is None:
                biggest = max(sources, key=lambda j: sum(1 for v in old.members.values() if v == j))
                if old.ids[biggest] not in keep:
                    keep[i] = old.ids[biggest]
    split_from: dict[int, int] = {}
    for j in range(n_old):
        parts = [i for i in range(n_new) if share[j, i] >= part_share]
        if len(parts) >= 2 and share[j, parts].sum() >= mostly:
            for i in parts:
                if keep[i] != old.ids[j]:
                    split_from.setdefault(i, old.ids[j])
    events: list[LineageEvent] = []
    for i in range(n_new):
        best = float(sim[i].max())
        if i in merged_into:
            ids = tuple(old.ids[j] for j in merged_into[i])
            events.append(
                LineageEvent(
                    "merged", keep[i], ids, matched_sim.get(i, best), matched_overlap.get(i)
                )
            )
        elif (kept := keep[i]) is not None:
            events.append(LineageEvent("same", kept, (kept,), matched_sim[i], matched_overlap[i]))
        elif i in split_from:
            events.append(LineageEvent("split", None, (split_from[i],), best))
        else:
            events.append(LineageEvent("new", None, (), best))
    absorbed = {old.ids[j] for sources in merged_into.values() for j in sources}
    for j in range(n_old):
        if old.ids[j] not in keep and old.ids[j] not in absorbed:
            events.append(LineageEvent("retired", None, (old.ids[j],), float(sim[:, j].max())))
    return keep, events


def with_ids(events: Sequence[LineageEvent], ids: Sequence[int]) -> list[LineageEvent]:
    """Fill in the final ids of the new themes (events of new themes come first, in order)."""
    out = []
    for index, event in enumerate(events):
        if event.kind != "retired":
            event = replace(event, theme_id=ids[index])
        out.append(event)
    return out


def similarity_matrix(old: ThemeSnapshot, new: ThemeSnapshot) -> np.ndarray:
    """``0.8 * centroid cosine + 0.2 * keyword Jaccard``, shape (new, old)."""
    cosine = _unit(new.centroids) @ _unit(old.centroids).T
    jaccard = np.zeros_like(cosine)
    for i, kw_new in enumerate(new.keywords):
        a = set(kw_new)
        for j, kw_old in enumerate(old.keywords):
            b = set(kw_old)
            jaccard[i, j] = len(a & b) / len(a | b) if a | b else 0.0
    return 0.8 * cosine + 0.2 * jaccard


def member_overlap(old: ThemeSnapshot, new: ThemeSnapshot) -> np.ndarray:
    """Jaccard index of the members of new theme *i* and old theme *j*, counting only
    feedback that both runs assigned; shape (new, old).

    Feedback new since the old run, or unassigned in either run, says nothing about
    whether two themes hold the same items and is left out.
    """
    counts = np.zeros((len(new.centroids), len(old.ids)))
    for feedback_id, j in old.members.items():
        i = new.members.get(feedback_id)
        if i is not None:
            counts[i, j] += 1
    size_new = counts.sum(axis=1, keepdims=True)
    size_old = counts.sum(axis=0, keepdims=True)
    union = size_new + size_old - counts
    return np.divide(counts, union, out=np.zeros_like(counts), where=union > 0)


def _flow(old: ThemeSnapshot, new: ThemeSnapshot) -> np.ndarray:
    counts = np.zeros((len(old.ids), len(new.centroids)))
    for feedback_id, j in old.members.items():
        i = new.members.get(feedback_id)
        if i is not None:
            counts[j, i] += 1
    totals = np.bincount(list(old.members.values()), minlength=len(old.ids)).astype(float)
    return counts / np.maximum(totals, 1.0)[:, None]


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
