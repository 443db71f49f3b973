"""Analysts' curation of themes: rename, merge, hide; kept across re-runs.

Curation is stored by stable theme id (``store.curation``), never by run. Lineage
(:mod:`textinsight.lineage`) keeps a theme's id from run to run, so:

- a **renamed** theme shows the analyst's label in every run where its id lives on,
  whatever label the describer finds;
- a **merged** theme (``merge(source, target)``) is read as part of its target in
  every run where both ids exist: its feedback counts for the target and the source
  is not listed. Chains resolve (a -> b -> c reads as c); a merge into a theme absent
  from a run leaves the source on its own in that run;
- a **hidden** theme is left out of theme lists (its feedback stays assigned to it).

Every change is appended to the history (``history``) with what it replaced.

Example:
    >>> from textinsight.store import Store
    >>> store = Store(":memory:")
    >>> rename(store, 7, "Late deliveries").label
    'Late deliveries'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from textinsight.errors import ValidationError
from textinsight.store import Store
from textinsight.store.curation import CurationChange, CurationEntry

__all__ = [
    "CurationChange",
    "CurationEntry",
    "MAX_LABEL",
    "hide",
    "history",
    "merge",
    "merge_map",
    "rename",
    "unhide",
    "unmerge",
]

MAX_LABEL = 200
"""Longest label an analyst may give."""


def _entry(store: Store, theme_id: int) -> CurationEntry:
    if theme_id < 1:
        raise ValidationError(f"theme id {theme_id} is not valid; use a positive id", field="id")
    return store.curation.all().get(theme_id, CurationEntry(theme_id))


def rename(store: Store, theme_id: int, label: str) -> CurationEntry:
    """Give a theme the analyst's label (an empty label restores the describer's)."""
    label = " ".join(label.split())
    if len(label) > MAX_LABEL:
        raise ValidationError(
            f"label has {len(label)} characters; use at most {MAX_LABEL}", field="label"
        )
    old = _entry(store, theme_id)
    new = replace(old, label=label or None)
    store.curation.set(new, action="rename", previous=old)
    return new


def merge(store: Store, source_id: int, target_id: int) -> CurationEntry:
    """Read theme ``source_id`` as part of ``target_id`` from now on.

    Raises:
        ValidationError: the two ids are equal, or the merge would make a cycle.
        NotFoundError: either theme is not in the current run.
    """
    run = store.runs.current()
    for theme_id in (source_id, target_id):
        store.runs.theme(run.id, theme_id)
    if source_id == target_id:
        raise ValidationError(f"cannot merge theme {source_id} into itself", field="target")
    current = store.curation.all()
    seen, node = {source_id}, target_id
    while node in current and current[node].merged_into is not None:
        node = current[node].merged_into  # type: ignore[assignment]
        if node in seen:
            break
    if node == source_id or node in seen:
        raise ValidationError(
            f"theme {target_id} is already merged into theme {source_id}; merging "
            f"{source_id} into it would make a cycle. Unmerge theme {target_id} first.",
            field="target",
        )
    old = _entry(store, source_id)
    new = replace(old, merged_into=target_id)
    store.curation.set(new, action="merge", other_id=target_id, previous=old)
    return new


def unmerge(store: Store, theme_id: int) -> CurationEntry:
    """Undo a merge: the theme is listed on its own again."""
    old = _entry(store, theme_id)
    new = replace(old, merged_into=None)
    store.curation.set(new, action="unmerge", other_id=old.merged_into, previous=old)
    return new


def hide(store: Store, theme_id: int, hidden: bool = True) -> CurationEntry:
    """Hide (archive) a theme from theme lists, or show it again with ``hidden=False``."""
    old = _entry(store, theme_id)
    new = replace(old, hidden=hidden)
    store.curation.set(new, action="hide" if hidden else "unhide", previous=old)
    return new


def unhide(store: Store, theme_id: int) -> CurationEntry:
    """Show a hidden theme again."""
    return hide(store, theme_id, hidden=False)


def history(store: Store, theme_id: int | None = None) -> list[CurationChange]:
    """Every curation change, oldest first; with ``theme_id``: those naming that theme."""
    return store.curation.history(theme_id)


def merge_map(curation: Mapping[int, CurationEntry], present: Iterable[int]) -> dict[int, int]:
    """Theme id -> the id it is read as, for the merged themes among ``present`` whose
    (final) target is also present; chains resolve to their end.

    Example:
        >>> c = {1: CurationEntry(1, merged_into=2), 2: CurationEntry(2, merged_into=3)}
        >>> merge_map(c, [1, 2, 3])
        {1: 3, 2: 3}
    """
    ids = set(present)
    out: dict[int, int] = {}
    for theme_id in ids:
        node, seen, end = theme_id, {theme_id}, theme_id
        while (entry := curation.get(node)) is not None and entry.merged_into is not None:
            node = entry.merged_into
            if node in seen:
                break
            seen.add(node)
            if node in ids:
                end = node  # the last theme on the chain that this run has
        if end != theme_id:
            out[theme_id] = end
    return out
