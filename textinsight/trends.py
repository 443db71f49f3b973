"""Which themes are growing: the share of the last period against the periods before.

For each theme, the share of all assigned feedback it holds in the last period (the
newest week, by default) is compared with its share over the earlier periods by a
two-proportion test (``value.stats.two_proportion_pvalue``, two-sided). A theme is
*growing* when its share went up, it has at least ``min_count`` items in the last
period, and the Benjamini-Hochberg q-value across all themes is at most ``alpha``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from textinsight.value.stats import benjamini_hochberg, two_proportion_pvalue


@dataclass(frozen=True)
class Growth:
    """A theme's share in the last period against the periods before it."""

    theme_id: int
    period: str
    recent: int
    recent_share: float
    previous_share: float
    ratio: float | None
    p_value: float
    q_value: float
    growing: bool


def theme_growth(
    counts: Mapping[int, Mapping[str, int]], *, alpha: float = 0.05, min_count: int = 5
) -> list[Growth]:
    """Growth of every theme from per-period counts (theme id -> {period: count}).

    Returns:
        One :class:`Growth` per theme, growing themes first, then by ratio.
    """
    periods = sorted({p for per_theme in counts.values() for p in per_theme})
    if len(periods) < 2:
        return []
    last = periods[-1]
    total_recent = sum(c.get(last, 0) for c in counts.values())
    total_before = sum(n for c in counts.values() for p, n in c.items() if p != last)
    ids = sorted(counts)
    recent = np.array([counts[t].get(last, 0) for t in ids], dtype=float)
    before = np.array([sum(n for p, n in counts[t].items() if p != last) for t in ids], float)
    n = len(ids)
    p = two_proportion_pvalue(
        recent, np.full(n, float(total_recent)), before, np.full(n, float(total_before))
    )
    q = benjamini_hochberg(p)
    out = []
    for i, theme_id in enumerate(ids):
        share_recent = recent[i] / max(total_recent, 1)
        share_before = before[i] / max(total_before, 1)
        out.append(
            Growth(
                theme_id=theme_id,
                period=last,
                recent=int(recent[i]),
                recent_share=round(float(share_recent), 4),
                previous_share=round(float(share_before), 4),
                ratio=round(float(share_recent / share_before), 3) if share_before else None,
                p_value=float(p[i]),
                q_value=float(q[i]),
                growing=bool(
                    share_recent > share_before and recent[i] >= min_count and q[i] <= alpha
                ),
            )
        )
    out.sort(key=lambda g: (not g.growing, -(g.ratio or float("inf"))))
    return out
