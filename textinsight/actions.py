"""The action ledger: log what was done about a theme, and measure whether it paid off.

A service over the store for the CLI (``textinsight action ...``, ``show``, ``report``)
and the API (``/actions``, the ``actions`` of a theme's detail). The statistics are
:func:`textinsight.value.actions.measure_action` (pure; its docstring holds the design).

**Lineage.** An action names a theme by its stable id in the run that was current when
it was logged. In a later run the action follows that theme through each run's
lineage: kept (same id), merged (the theme it was merged into), split (every theme
that took part of it). A retired theme leaves the action with nothing to measure.

**Categories.** An action may name a category (the top level of the theme hierarchy,
``themes.parent_id``) instead: it is measured over the feedback of every theme in the
category, against the run's other categories (or the same category outside the
scope), and follows the category through the category lineage.

Example:
    >>> from textinsight.store import Store
    >>> list_actions(Store(":memory:"))
    []
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as Date

import numpy as np

from textinsight.errors import ValidationError
from textinsight.records import CHANNELS, Action, ActionReport, RunInfo
from textinsight.store import Store
from textinsight.store.actions import RunItem
from textinsight.value.actions import ActionConfig, ActionPanel, measure_action
from textinsight.value.arrays import NO_DAY, floats, lookup, parse_days

MAX_NOTE = 2000
"""Longest note an action may carry (characters)."""


def add_action(
    store: Store,
    *,
    theme_id: int | None = None,
    category_id: int | None = None,
    date: str,
    note: str = "",
    stores: Sequence[str] = (),
    segments: Sequence[str] = (),
    channels: Sequence[str] = (),
) -> Action:
    """Log an action against a theme (or a category) of the current run.

    Raises:
        NoRunError: no complete run yet. NotFoundError: no such theme (category) in it.
        ValidationError: neither or both of a theme and a category, a bad date, an
            unknown channel, a store or segment that no feedback or customer has, or a
            note over 2,000 characters.
    """
    if (theme_id is None) == (category_id is None):
        raise ValidationError(
            "name either a theme or a category (theme_id or category_id), not "
            + ("both." if theme_id is not None else "neither."),
            field="theme_id",
        )
    try:
        day = Date.fromisoformat(date)
    except ValueError:
        raise ValidationError(
            f"'{date}' is not a date; use YYYY-MM-DD, e.g. 2026-09-01.", field="date"
        ) from None
    for text in (note, *stores, *segments, *channels):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError(
                f"{text!r} is not valid Unicode text; send UTF-8.", field="note"
            ) from None
    if len(note) > MAX_NOTE:
        raise ValidationError(
            f"the note has {len(note)} characters; keep it to {MAX_NOTE}.", field="note"
        )
    for name in channels:
        if name not in CHANNELS:
            raise ValidationError(
                f"unknown channel '{name}'; allowed: {', '.join(CHANNELS)}", field="channels"
            )
    for kind, values in (("stores", stores), ("segments", segments)):
        known = store.actions.known(kind)
        unknown = sorted(set(values) - known)
        if unknown:
            listed = ", ".join(sorted(known)[:20]) or "none"
            raise ValidationError(
                f"no data has {kind[:-1]} '{unknown[0]}'; known {kind}: {listed}", field=kind
            )
    run = store.runs.current()
    if category_id is not None:
        store.categories.get(run.id, category_id)
        target, level = category_id, "category"
    else:
        assert theme_id is not None
        store.runs.theme(run.id, theme_id)
        target, level = theme_id, "theme"
    return store.actions.add(
        theme_id=target,
        level=level,
        run_id=run.id,
        date=day.isoformat(),
        note=note.strip(),
        stores=_unique(stores),
        segments=_unique(segments),
        channels=_unique(channels),
    )


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


def list_actions(store: Store) -> list[Action]:
    """Every logged action, oldest first."""
    return store.actions.all()


def follow_theme(store: Store, action: Action, run_id: int) -> tuple[int, ...]:
    """The theme (category) ids the action's theme (category) became in run ``run_id``
    (see the module doc)."""
    category = action.level == "category"
    lineage = store.categories.lineage if category else store.runs.lineage
    ids = {action.theme_id}
    later = sorted(r.id for r in store.runs.all() if r.status == "complete")
    for run in later:
        if run <= action.run_id or run > run_id:
            continue
        ids = {
            e.theme_id for e in lineage(run) if e.theme_id is not None and ids & set(e.previous_ids)
        }
    if run_id < action.run_id:
        listed = store.categories.all(run_id) if category else store.runs.themes(run_id)
        ids &= {t.id for t in listed}
    return tuple(sorted(ids))


def action_report(
    store: Store, action_id: int, run_id: int | None = None, config: ActionConfig | None = None
) -> ActionReport:
    """One action measured on run ``run_id`` (default: the current run)."""
    action = store.actions.get(action_id)
    run = store.runs.complete_run(run_id)
    return _Ledger(store, run, config).report(action)


def theme_actions(
    store: Store, theme_id: int, run_id: int | None = None, config: ActionConfig | None = None
) -> list[ActionReport]:
    """The actions that follow theme ``theme_id`` in the run, or its category,
    measured (oldest first)."""
    run = store.runs.complete_run(run_id)
    ledger = _Ledger(store, run, config)
    return [ledger.report(a) for a in _on_theme(store, ledger, theme_id)]


def actions_for_theme(store: Store, theme_id: int, run_id: int) -> list[Action]:
    """The actions that follow theme ``theme_id`` in run ``run_id``, or its category,
    not measured (oldest first): the markers on its trend."""
    ledger = _Ledger(store, store.runs.complete_run(run_id), None)
    return _on_theme(store, ledger, theme_id)


def _on_theme(store: Store, ledger: _Ledger, theme_id: int) -> list[Action]:
    parent = {t.id: t.parent_id for t in store.runs.themes(ledger.run.id)}.get(theme_id)
    return [
        a
        for a in ledger.actions
        if (theme_id if a.level == "theme" else parent) in ledger.themes_of[a.id]
    ]


def all_reports(
    store: Store, run_id: int | None = None, config: ActionConfig | None = None
) -> list[ActionReport]:
    """Every action, measured on the run (default: the current run)."""
    run = store.runs.complete_run(run_id)
    ledger = _Ledger(store, run, config)
    return [ledger.report(a) for a in ledger.actions]


class _Ledger:
    """Every action of a run with its themes; the run's data is loaded once, on demand."""

    def __init__(self, store: Store, run: RunInfo, config: ActionConfig | None):
        self.store = store
        self.run = run
        self.config = config or ActionConfig()
        self.actions = store.actions.all()
        self.themes_of = {a.id: follow_theme(store, a, run.id) for a in self.actions}
        self._data: _RunData | None = None

    def report(self, action: Action) -> ActionReport:
        if action.id in self.themes_of:
            theme_ids = self.themes_of[action.id]
        else:
            theme_ids = follow_theme(self.store, action, self.run.id)
        if not theme_ids:
            return ActionReport(action, self.run.id, ())
        if self._data is None:
            self._data = _RunData.load(self.store, self.run)
        others = [(a.level, self.themes_of[a.id]) for a in self.actions if a.id != action.id]
        panel, comparison = self._data.panel(action, set(theme_ids), others)
        effect = measure_action(panel, _day(action.date), config=self.config, comparison=comparison)
        return ActionReport(action, self.run.id, theme_ids, effect)


def _day(text: str) -> int:
    return int(parse_days([text], "date")[0])


@dataclass
class _RunData:
    """A run's dated items, customers and purchases as arrays."""

    items: list[RunItem]
    theme: np.ndarray
    category: np.ndarray
    day: np.ndarray
    sentiment: np.ndarray
    customer: np.ndarray
    segment: list[str | None]
    churn_day: np.ndarray
    value: np.ndarray
    purchase_customer: np.ndarray
    purchase_day: np.ndarray
    purchase_amount: np.ndarray
    as_of: int

    @classmethod
    def load(cls, store: Store, run: RunInfo) -> _RunData:
        items = [i for i in store.actions.run_items(run.id) if i.created_at]
        customers = store.customers.all_customers()
        purchases = store.customers.all_purchases()
        index = {c.customer_id: k for k, c in enumerate(customers)}
        day = parse_days([i.created_at for i in items], "created_at")
        purchase_day = parse_days([p.purchased_at for p in purchases], "purchased_at")
        known = [p.customer_id in index for p in purchases]
        last = max(int(day.max(initial=0)), int(purchase_day.max(initial=0)))
        churn_day = parse_days([c.churned_at for c in customers], "churned_at")
        parent: dict[int | None, int | None] = {
            t.id: t.parent_id for t in store.runs.themes(run.id)
        }
        return cls(
            items=items,
            theme=np.array([-1 if i.theme_id is None else i.theme_id for i in items], np.int64),
            category=np.array(
                [_or_minus_one(parent.get(i.theme_id)) for i in items], dtype=np.int64
            ),
            day=day,
            sentiment=floats(i.sentiment for i in items),
            customer=lookup([i.customer_id for i in items], _Default(index)),
            segment=[c.segment for c in customers],
            churn_day=np.where(churn_day > last, NO_DAY, churn_day),
            value=floats(c.value for c in customers),
            purchase_customer=lookup([p.customer_id for p in purchases], _Default(index))[known],
            purchase_day=purchase_day[known],
            purchase_amount=floats(p.amount for p in purchases)[known],
            as_of=last,
        )

    def panel(
        self,
        action: Action,
        theme_ids: set[int],
        others: Sequence[tuple[str, tuple[int, ...]]],
    ) -> tuple[ActionPanel, str]:
        """The arrays of one action, and what its comparison group is.

        ``others``: (level, ids in this run) of every other action; their feedback is
        left out of the comparison (its change is not "what would have happened").
        """
        level = action.level
        group = self.category if level == "category" else self.theme
        in_theme = np.isin(group, list(theme_ids))
        touched = np.zeros(len(self.items), dtype=np.bool_)
        for other_level, ids in others:
            codes = self.category if other_level == "category" else self.theme
            touched |= np.isin(codes, list(ids))
        in_comparison = (group >= 0) & ~in_theme & ~touched
        in_scope = None
        if action.scoped:
            in_scope = np.ones(len(self.items), dtype=np.bool_)
            if action.stores:
                in_scope &= np.array([i.store_id in action.stores for i in self.items], bool)
            if action.channels:
                in_scope &= np.array([i.channel in action.channels for i in self.items], bool)
            if action.segments:
                segment_in = np.array([s in action.segments for s in self.segment] + [False])
                in_scope &= segment_in[self.customer]
            comparison = f"the same {level} outside the scope ({describe_scope(action)})"
        else:
            n = len(np.unique(group[in_comparison]))
            plural = "categories" if level == "category" else "themes"
            comparison = f"{n} comparable {plural} (the run's other {plural} without an action)"
        panel = ActionPanel(
            day=self.day,
            theme=group,
            in_theme=in_theme,
            in_comparison=in_comparison,
            in_scope=in_scope,
            sentiment=self.sentiment,
            customer=self.customer,
            churn_day=self.churn_day,
            value=self.value,
            purchase_customer=self.purchase_customer,
            purchase_day=self.purchase_day,
            purchase_amount=self.purchase_amount,
            as_of=self.as_of,
        )
        return panel, comparison


def _or_minus_one(value: int | None) -> int:
    return -1 if value is None else value


class _Default(dict[str | None, int]):
    """A lookup table that answers -1 for unknown keys."""

    def __missing__(self, key: str | None) -> int:
        return -1


def describe_scope(action: Action) -> str:
    """``stores S-OSL-01; channels ticket``, or ``everywhere`` without a scope."""
    parts = []
    for name, values in (
        ("stores", action.stores),
        ("segments", action.segments),
        ("channels", action.channels),
    ):
        if values:
            parts.append(f"{name} {', '.join(values)}")
    return "; ".join(parts) or "everywhere"
