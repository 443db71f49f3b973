"""Cluster-quality scores against reference labels, shared by scripts and benchmarks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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


def majority_groups(truth: Sequence[Any], found: Sequence[int]) -> list[int]:
    """Each found cluster replaced by the reference group most of its items hold (-1
    stays -1; groups numbered by first appearance): the best any grouping of the
    clusters can agree with ``truth``, the ceiling a category level is measured against.

    Example:
        >>> majority_groups(["x", "x", "y", "y", "y"], [0, 1, 1, 2, -1])
        [0, 1, 1, 1, -1]
    """
    votes: dict[int, dict[Any, int]] = {}
    for label, cluster in zip(truth, found, strict=True):
        if cluster != -1:
            counts = votes.setdefault(cluster, {})
            counts[label] = counts.get(label, 0) + 1
    winner = {c: max(counts, key=lambda g: (counts[g], str(g))) for c, counts in votes.items()}
    numbers: dict[Any, int] = {}
    return [-1 if c == -1 else numbers.setdefault(winner[c], len(numbers)) for c in found]


def cut_merges(merges: Iterable[Iterable[int]], n_groups: int) -> dict[int, int]:
    """Cut an agglomerative hierarchy at ``n_groups`` groups: the group of each leaf.

    ``merges`` lists, in the order they were made (nearest first), the leaves under
    each merge (as BERTopic's ``hierarchical_topics`` gives them in ``Topics``); the
    first ``leaves - n_groups`` are applied. Groups are numbered ``0..g-1`` by their
    smallest leaf.

    Example:
        >>> cut_merges([[0, 1], [2, 3], [0, 1, 2, 3]], 2)
        {0: 0, 1: 0, 2: 1, 3: 1}
    """
    ordered = [sorted({int(leaf) for leaf in merge}) for merge in merges]
    root = {leaf: leaf for merge in ordered for leaf in merge}

    def find(leaf: int) -> int:
        while root[leaf] != leaf:
            root[leaf] = root[root[leaf]]
            leaf = root[leaf]
        return leaf

    for merge in ordered[: max(len(root) - n_groups, 0)]:
        first = find(merge[0])
        for leaf in merge[1:]:
            root[find(leaf)] = first
    groups: dict[int, int] = {}
    for leaf in sorted(root):
        groups.setdefault(find(leaf), len(groups))
    return {leaf: groups[find(leaf)] for leaf in sorted(root)}
