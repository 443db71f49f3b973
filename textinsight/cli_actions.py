"""``textinsight action add|list|show``: the action ledger on the command line.

Parse, call :mod:`textinsight.actions`, print. ``show`` (one theme) and ``report`` use
:func:`echo_report` too.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import click

from textinsight.actions import (
    action_report,
    add_action,
    describe_scope,
    list_actions,
)
from textinsight.cli_common import open_store as _store
from textinsight.records import ActionReport

PLURAL = {"theme": "themes", "category": "categories"}


@click.group()
def action() -> None:
    """Log what was done about a theme, and measure whether it paid off."""


@action.command("add")
@click.option("--theme", "theme_id", type=int, help="Theme id (current run).")
@click.option(
    "--category", "category_id", type=int, help="Category id instead of a theme (current run)."
)
@click.option("--date", "day", required=True, help="Day the action took effect, YYYY-MM-DD.")
@click.option("--store", "stores", multiple=True, help="Scope: a store id (repeatable).")
@click.option("--segment", "segments", multiple=True, help="Scope: a customer segment.")
@click.option("--channel", "channels", multiple=True, help="Scope: a feedback channel.")
@click.option("--note", default="", help="What was done, e.g. 'New courier in Oslo'.")
@click.pass_context
def action_add(
    ctx: click.Context,
    theme_id: int | None,
    category_id: int | None,
    day: str,
    stores: tuple[str, ...],
    segments: tuple[str, ...],
    channels: tuple[str, ...],
    note: str,
) -> None:
    """Log an action against a theme or a category (empty scope: everywhere)."""
    logged = add_action(
        _store(ctx),
        theme_id=theme_id,
        category_id=category_id,
        date=day,
        note=note,
        stores=stores,
        segments=segments,
        channels=channels,
    )
    click.echo(
        f"action {logged.id}: {logged.target} from {logged.date} "
        f"({describe_scope(logged)}) logged in run {logged.run_id}"
    )


@action.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def action_list(ctx: click.Context, fmt: str) -> None:
    """List logged actions, oldest first."""
    items = list_actions(_store(ctx))
    if fmt == "json":
        click.echo(json.dumps([asdict(a) for a in items], ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo("No actions yet. Log one with `textinsight action add`.")
    for a in items:
        click.echo(f"action {a.id}  {a.date}  {a.target}  {describe_scope(a)}  {a.note}".rstrip())


@action.command("show")
@click.argument("action_id", type=int)
@click.option("--run", "run_id", type=int, help="Run id (default: the current run).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def action_show(ctx: click.Context, action_id: int, run_id: int | None, fmt: str) -> None:
    """One action measured: volume share, sentiment, churn and repurchase before vs
    after its date against a comparison, the pre-trend check and the money."""
    report = action_report(_store(ctx), action_id, run_id)
    if fmt == "json":
        click.echo(json.dumps(report_json(report), ensure_ascii=False, indent=2))
        return
    echo_report(report)


def report_json(report: ActionReport) -> dict[str, Any]:
    """The JSON form of a measured action (CLI ``--format json``)."""
    return asdict(report)


def echo_report(report: ActionReport, indent: str = "") -> None:
    """Print a measured action for people."""
    a = report.action
    click.echo(
        f"{indent}Action {a.id}: {a.target} from {a.date} ({describe_scope(a)})"
        + (f": {a.note}" if a.note else "")
    )
    if not report.theme_ids:
        click.echo(
            f"{indent}  the {a.level} was retired by run {report.run_id}: nothing to measure"
        )
        return
    effect = report.effect
    follows = ", ".join(str(t) for t in report.theme_ids)
    kind = a.level if len(report.theme_ids) == 1 else PLURAL[a.level]
    click.echo(f"{indent}  follows {kind} {follows} in run {report.run_id}")
    if effect is None:
        return
    click.echo(
        f"{indent}  compared with {effect.comparison}; data to {effect.as_of}; "
        f"churn and repurchase within {effect.window_days} days after the feedback"
    )
    for outcome in effect.outcomes:
        click.echo(f"{indent}  - {outcome.message}")
    if effect.money is not None and effect.money_ci is not None:
        low, high = effect.money_ci
        click.echo(
            f"{indent}  money: {effect.money:,.0f} retained (95% CI {low:,.0f} to {high:,.0f}): "
            f"churners avoided x {effect.spend_per_customer or 0:,.0f} spent per customer "
            "in the 12 months before"
        )
