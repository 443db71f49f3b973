"""``textinsight export ...``: assignments and the flat BI tables (feedback, themes,
trends), with the dashboard's filters. Parse, call the library, print."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import click

from textinsight.cli_common import open_store as _store
from textinsight.store import ExportRow


@click.group()
def export() -> None:
    """Export results."""


@export.command("assignments")
@click.option("--run", "run_id", type=int, help="Run id (default: the current run).")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv")
@click.pass_context
def export_assignments(ctx: click.Context, run_id: int | None, fmt: str) -> None:
    """Write every feedback item's theme to stdout (empty theme_id: unassigned)."""
    from textinsight.export import csv_lines

    store = _store(ctx)
    info = store.runs.complete_run(run_id)
    rows = (asdict(row) for row in store.runs.export(info.id))
    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    columns = [f.name for f in fields(ExportRow)]
    for line in csv_lines(columns, ([row[c] for c in columns] for row in rows)):
        click.echo(line, nl=False)


_FILTER_OPTIONS = (
    click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD)."),
    click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last day, inclusive."),
    click.option("--channel", help="Only this channel."),
    click.option("--language", help="Only this language (sv, en, ...)."),
    click.option("--segment", help="Only customers in this segment."),
    click.option("--member/--non-member", default=None, help="Only members / non-members."),
    click.option("--store", "store_id", help="Only this store id."),
    click.option("--meta", multiple=True, help="field:value the metadata must hold (repeatable)."),
    click.option("--text", help="Only feedback containing these words."),
)


def _filter_options(command: Any) -> Any:
    for option in reversed(_FILTER_OPTIONS):
        command = option(command)
    return command


def _where(options: dict[str, Any]) -> Any:
    from textinsight.filters import feedback_filter, parse_metadata

    return feedback_filter(
        since=options["since"].date() if options["since"] else None,
        until=options["until"].date() if options["until"] else None,
        channel=options["channel"],
        language=options["language"],
        segment=options["segment"],
        member=options["member"],
        store=options["store_id"],
        metadata=parse_metadata(options["meta"]),
        text=options["text"],
    )


def _export_table(name: str) -> click.Command:
    @click.option("--run", "run_id", type=int, help="Run id (default: the current run).")
    @click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv")
    @click.option(
        "--out", type=click.Path(dir_okay=False, path_type=Path), help="File (default: stdout)."
    )
    @click.option(
        "--interval", type=click.Choice(["day", "week", "month"]), default="week",
        help="Trend period (trends only).",
    )  # fmt: skip
    @_filter_options
    @click.pass_context
    def command(
        ctx: click.Context, run_id: int | None, fmt: str, out: Path | None, interval: str,
        **filters: Any,
    ) -> None:  # fmt: skip
        from textinsight import exports

        exports.check_format(fmt)
        store = _store(ctx)
        info = store.runs.complete_run(run_id)
        columns, rows = exports.table(store, name, info, _where(filters), interval=interval)
        if fmt == "parquet":
            if out is None:
                raise click.UsageError("Parquet is binary: give --out FILE.")
            out.write_bytes(exports.to_parquet(columns, rows))
        elif out is None:
            click.echo(exports.to_csv(columns, rows), nl=False)
        else:
            out.write_text(exports.to_csv(columns, rows), encoding="utf-8")
        if out is not None:
            click.echo(f"wrote {out} ({len(rows)} rows)", err=True)

    command.__doc__ = {
        "feedback": "One row per feedback item with its theme, customer and sentiment (BI).",
        "themes": "One row per theme, every value metric flattened (BI).",
        "trends": "One row per theme and period, zero-filled (BI).",
    }[name]
    return export.command(name)(command)


for _name in ("feedback", "themes", "trends"):
    _export_table(_name)
