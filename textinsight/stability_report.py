"""How stable each theme of a run is (``textinsight stability``).

Per theme: the run's lineage event, how many consecutive runs it has kept its id, its
member overlap with the previous run's theme of that id (``lineage.member_overlap``),
and whether its label and kind were kept (``stability.carry_over`` keeps them when
its content did not really change).
"""

from __future__ import annotations

from dataclasses import dataclass

from textinsight.lineage import member_overlap
from textinsight.records import Theme
from textinsight.store import Store


@dataclass(frozen=True)
class ThemeStability:
    """How stable one theme of a run is."""

    theme_id: int
    label: str
    runs: int
    """Consecutive runs, up to this one, in which the theme had this id."""
    event: str
    """This run's lineage event: same, merged, split or new (``promoted``: added by
    ``emerging.promote``)."""
    similarity: float | None
    overlap: float | None
    """Member overlap with the previous run's theme of the same id."""
    label_kept: bool | None
    kind_kept: bool | None
    """None where the previous run had no theme with this id."""


def theme_stability(store: Store, run_id: int | None = None) -> list[ThemeStability]:
    """Per theme of a run (default: the current one), how stable it is.

    Raises:
        NoRunError: no run id given and there is no complete run.
    """
    run = store.runs.complete_run(run_id)
    events = {e.theme_id: e for e in store.runs.lineage(run.id) if e.theme_id is not None}
    previous = _previous_run(store, run.id)
    before = {t.id: t for t in store.runs.themes(previous)} if previous else {}
    overlaps: dict[int, float] = {}
    if previous is not None:
        old, new = store.runs.snapshot(previous), store.runs.snapshot(run.id)
        matrix = member_overlap(old, new)
        old_index = {t: j for j, t in enumerate(old.ids)}
        for i, theme_id in enumerate(new.ids):
            if theme_id in old_index:
                overlaps[theme_id] = float(matrix[i, old_index[theme_id]])
    ages = _ages(store, run.id)
    report = []
    for theme in store.runs.themes(run.id):
        event = events.get(theme.id)
        old_theme = before.get(theme.id)
        report.append(
            ThemeStability(
                theme_id=theme.id,
                label=theme.label,
                runs=ages.get(theme.id, 1),
                event=event.kind if event else "promoted",
                similarity=event.similarity if event else None,
                overlap=overlaps.get(theme.id),
                label_kept=None if old_theme is None else old_theme.label == theme.label,
                kind_kept=None if old_theme is None else _kind(old_theme) == _kind(theme),
            )
        )
    return report


def _kind(theme: Theme) -> str:
    return theme.value.kind if theme.value else "neutral"


def _previous_run(store: Store, run_id: int) -> int | None:
    earlier = [r.id for r in store.runs.all() if r.status == "complete" and r.id < run_id]
    return max(earlier) if earlier else None


def _ages(store: Store, run_id: int) -> dict[int, int]:
    """Theme id -> consecutive complete runs up to ``run_id`` that used it."""
    runs = sorted(r.id for r in store.runs.all() if r.status == "complete" and r.id <= run_id)
    ages: dict[int, int] = {}
    alive: set[int] | None = None
    for rid in reversed(runs):
        ids = {t.id for t in store.runs.themes(rid)}
        alive = ids if alive is None else alive & ids
        if not alive:
            break
        for theme_id in alive:
            ages[theme_id] = ages.get(theme_id, 0) + 1
    return ages
