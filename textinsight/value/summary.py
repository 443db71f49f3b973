"""A theme's value metrics as short lines of text, for people (CLI ``show``, reports)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textinsight.records import ThemeValue


def _num(value: float | None, spec: str = ".2f") -> str:
    return "n/a" if value is None else format(value, spec)


def _ci(bounds: Sequence[float] | None, spec: str = ".2f") -> str:
    return "n/a" if not bounds else f"{format(bounds[0], spec)} to {format(bounds[1], spec)}"


def _shares(shares: dict[str, float] | None) -> str:
    if not shares:
        return "n/a"
    ordered = sorted(shares.items(), key=lambda item: -item[1])
    return ", ".join(f"{name} {value:.0%}" for name, value in ordered)


def adjusted_note(value: ThemeValue) -> str:
    """``associated with, adjusted for tenure, segment, ...; reference: ...``."""
    covariates = ", ".join(c.replace("_", " ") for c in value.adjusted_for or []) or "nothing"
    return (
        f"associated with (not proof of cause), adjusted for {covariates}; reference: "
        f"{value.reference or 'n/a'} customers; follow-up {value.window_days or 'n/a'} days"
    )


def _outcome(value: ThemeValue, name: str, verb: str) -> str:
    get = lambda field: getattr(value, f"{name}_{field}")  # noqa: E731
    return (
        f"{name} {_num(get('rate'), '.1%')} vs {_num(get('baseline'), '.1%')} adjusted "
        f"reference ({get('n') or 0} customers, {get('events') or 0} {verb}; reference "
        f"{get('reference_n') or 0}, {get('reference_events') or 0}): lift "
        f"{_num(get('lift'))} (95% CI {_ci(get('lift_ci'))}, p {_num(get('p'), '.3g')}, "
        f"q {_num(get('q'), '.3g')}); raw lift {_num(get('lift_raw'))} "
        f"(95% CI {_ci(get('lift_raw_ci'))})"
    )


def _breakdown(name: str, data: dict[str, Any]) -> str:
    groups = "; ".join(
        f"{group} lift {_num(g['lift'])} ({_ci(g['ci'])}, n {g['n']}, share "
        f"{_num(g['share'], '.0%')} vs reference {_num(g['reference_share'], '.0%')})"
        for group, g in data["groups"].items()
        if g["n"]
    )
    differs = _num(data["heterogeneity_p"], ".3g")
    return f"churn by {name.replace('_', ' ')}: {groups}; differs p {differs}"


def value_lines(value: ThemeValue) -> list[str]:
    """The value metrics of one theme, a line per topic; empty without customer data."""
    if value.churn_n is None and value.value_total is None:
        return []
    lines = [
        f"customers {value.customers}, value {_num(value.value_total, ',.0f')} (median "
        f"{_num(value.value_median, ',.0f')}, top-decile share "
        f"{_num(value.top_decile_share, '.0%')}); exit feedback from "
        f"{value.exit_customers or 0} of them",
        adjusted_note(value),
        _outcome(value, "churn", "churned"),
    ]
    if value.repurchase_n is not None:
        lines.append(_outcome(value, "repurchase", "repurchased"))
    lines.append(
        f"revenue at risk {_num(value.revenue_at_risk, ',.0f')} (95% CI "
        f"{_ci(value.revenue_at_risk_ci, ',.0f')}), lost repurchases "
        f"{_num(value.repurchase_value_at_risk, ',.0f')} (95% CI "
        f"{_ci(value.repurchase_value_at_risk_ci, ',.0f')}), impact "
        f"{_num(value.impact, ',.0f')}; themes overlap, never add these up"
    )
    for name, data in (value.breakdowns or {}).items():
        lines.append(_breakdown(name, data))
    lines.append(f"lifecycle phase at feedback: {_shares(value.phases)}")
    lines.append(f"loyalty: {_shares(value.loyalty)}")
    return lines
