import numpy as np

from textinsight.lineage import ThemeSnapshot, match_themes, member_overlap, with_ids


def _snapshot(ids, centroids, members, keywords=None) -> ThemeSnapshot:
    centroids = np.asarray(centroids, dtype=float)
    return ThemeSnapshot(
        ids=ids,
        centroids=centroids,
        keywords=keywords or [("k",)] * len(centroids),
        members=members,
    )


def _axes(*indices: int, dim: int = 6) -> np.ndarray:
    return np.eye(dim)[list(indices)]


def test_same_themes_keep_their_ids_in_any_order() -> None:
    members = {f: f % 3 for f in range(30)}
    old = _snapshot([10, 11, 12], _axes(0, 1, 2), members)
    new = _snapshot([], _axes(2, 0, 1), {f: (i + 1) % 3 for f, i in members.items()})
    keep, events = match_themes(old, new)
    assert keep == [12, 10, 11]
    assert [e.kind for e in events] == ["same"] * 3


def test_planted_split_is_recorded() -> None:
    # old theme 7 (axis 0) splits into two new themes half-way between axis 0 and 3/4
    old = _snapshot([7, 8], _axes(0, 1), {f: 0 if f < 20 else 1 for f in range(30)})
    c = np.array([[0.9, 0, 0, 0.44, 0, 0], [0.6, 0, 0, 0, 0.8, 0], [0, 1, 0, 0, 0, 0]])
    new_members = {f: (0 if f < 10 else 1) if f < 20 else 2 for f in range(30)}
    keep, events = match_themes(old, _snapshot([], c, new_members))
    assert keep[2] == 8 and keep[0] == 7 and keep[1] is None
    assert events[1].kind == "split" and events[1].previous_ids == (7,)
    final = with_ids(events, [7, 99, 8])
    assert final[1].theme_id == 99


def test_planted_merge_is_recorded() -> None:
    old = _snapshot(
        [1, 2, 3], _axes(0, 1, 2), {f: 0 if f < 10 else (1 if f < 18 else 2) for f in range(28)}
    )
    merged = np.array([[0.8, 0.6, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0]])
    keep, events = match_themes(
        old, _snapshot([], merged, {f: 0 if f < 18 else 1 for f in range(28)})
    )
    assert events[0].kind == "merged" and set(events[0].previous_ids) == {1, 2}
    assert keep[0] in (1, 2) and keep[1] == 3
    assert not any(e.kind == "retired" for e in events)


def test_new_and_retired() -> None:
    old = _snapshot([5, 6], _axes(0, 1), {0: 0, 1: 1})
    keep, events = match_themes(old, _snapshot([], _axes(0, 4), {0: 0, 5: 1}))
    assert keep == [5, None]
    kinds = {(e.kind, e.previous_ids) for e in events}
    assert ("new", ()) in kinds and ("retired", (6,)) in kinds


def test_first_run_everything_is_new() -> None:
    empty = _snapshot([], np.zeros((0, 6)), {})
    keep, events = match_themes(empty, _snapshot([], _axes(0, 1), {}))
    assert keep == [None, None] and [e.kind for e in events] == ["new", "new"]


def test_member_overlap_keeps_ids_when_centroids_drift() -> None:
    # the centroids moved far (a narrow-cone model, another seed) but the members stayed
    members = {f: f % 3 for f in range(60)}
    old = _snapshot([10, 11, 12], _axes(0, 1, 2), members)
    drifted = np.array(
        [[0.3, 0.2, 0.1, 0.9, 0, 0], [0.2, 0.3, 0.1, 0, 0.9, 0], [0.1, 0.2, 0.3, 0, 0, 0.9]]
    )
    keep, events = match_themes(old, _snapshot([], drifted, members))
    assert keep == [10, 11, 12]
    assert all(e.kind == "same" and e.overlap == 1.0 for e in events)


def test_member_overlap_counts_only_feedback_both_runs_assigned() -> None:
    old = _snapshot([1, 2], _axes(0, 1), {0: 0, 1: 0, 2: 1, 3: 1})
    new = _snapshot([], _axes(0, 1), {0: 0, 1: 0, 2: 1, 9: 1, 10: 1})  # 3 unassigned, 9-10 new
    overlap = member_overlap(old, new)
    assert overlap.tolist() == [[1.0, 0.0], [0.0, 1.0]]
