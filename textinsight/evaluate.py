"""Cluster-quality scores against reference labels, shared by scripts and benchmarks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score


def cluster_scores(truth: Sequence[Any], found: Sequence[int]) -> dict[str, float | int]:
    """NMI and ARI (in percent), unassigned share and theme count.

    Unassigned items (``-1``) count as one extra cluster, as in the benchmark issue.

    Example:
        >>> cluster_scores(["a", "a", "b"], [0, 0, 1])["ari"]
        100.0
    """
    themes = {f for f in found if f != -1}
    return {
        "n": len(truth),
        "themes": len(themes),
        "unassigned": round(sum(1 for f in found if f == -1) / max(len(found), 1), 4),
        "nmi": round(100 * normalized_mutual_info_score(truth, found), 2),
        "ari": round(100 * adjusted_rand_score(truth, found), 2),
    }
