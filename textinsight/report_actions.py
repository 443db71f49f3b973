"""The report's "Actions" section: each logged action and whether it paid off."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from textinsight.actions import describe_scope
from textinsight.records import ActionReport

NOTE = (
    '<p class="note">Each action against its theme: before vs after its date, against '
    "a comparison (the same theme outside the action's scope, else comparable themes): "
    "the difference in differences with a 95% interval. Churn and repurchase within 90 "
    "days after the feedback. A failed pre-trend check (placebo dates before the action) "
    "means the comparison is not credible.</p>"
)


def actions_section(reports: Sequence[ActionReport], labels: Mapping[int, str]) -> str:
    """``<h2>Actions</h2>`` and one block per action; empty string without actions."""
    if not reports:
        return ""
    blocks = ["<h2>Actions</h2>", NOTE]
    for report in reports:
        a = report.action
        label = labels.get(report.theme_ids[0], "") if report.theme_ids else ""
        head = (
            f"<h3>Action {a.id}: {a.target} {escape(label)} from {escape(a.date)} "
            f"({escape(describe_scope(a))})</h3>"
        )
        lines = [f"<p>{escape(a.note)}</p>"] if a.note else []
        effect = report.effect
        if effect is None:
            lines.append(f"<p>The {a.level} was retired: nothing to measure.</p>")
        else:
            lines.append(f'<p class="note">Compared with {escape(effect.comparison)}.</p>')
            lines.append(
                "<ul>" + "".join(f"<li>{escape(o.message)}</li>" for o in effect.outcomes) + "</ul>"
            )
            if effect.money is not None and effect.money_ci is not None:
                low, high = effect.money_ci
                lines.append(
                    f"<p>Money: {effect.money:,.0f} retained (95% CI {low:,.0f} to "
                    f"{high:,.0f}): churners avoided × their 12-month spend.</p>"
                )
        blocks.append(head + "".join(lines))
    return "\n".join(blocks)
