"""The ``textinsight`` command line: parse options, call the library, print.

Library errors (``TextInsightError``) become one ``Error: ...`` line and exit code 1;
anything unexpected also prints one line (set ``TEXTINSIGHT_DEBUG=1`` for a traceback).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
import pydantic

from textinsight.cli_actions import action, echo_report, report_json
from textinsight.cli_common import fmt_num as _num
from textinsight.cli_common import open_store as _store
from textinsight.cli_curation import curation_log, hide, merge, rename
from textinsight.cli_erasure import delete, forget, ingests
from textinsight.cli_export import export
from textinsight.cli_over_time import emerging, lineage, stability, trends
from textinsight.config import Settings, get_settings, parse_key_pairs, settings_problem
from textinsight.errors import TextInsightError
from textinsight.filters import MAX_LIMIT
from textinsight.ingest.load import FileKind
from textinsight.progress import rich_progress as _progress
from textinsight.queries import SORT_KEYS, list_themes, theme_detail
from textinsight.records import LEVELS, IngestReport, Theme, theme_json
from textinsight.store import Store


class _Group(click.Group):
    """Turns library errors into click errors: one ``Error: ...`` line, exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TextInsightError as exc:
            raise click.ClickException(str(exc)) from exc
        except pydantic.ValidationError as exc:
            raise click.ClickException(settings_problem(exc)) from exc


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="TEXTINSIGHT_DB",
    default=None,
    help="SQLite database file [env TEXTINSIGHT_DB; default textinsight.db]",
)
@click.version_option(package_name="textinsight")
@click.pass_context
def cli(ctx: click.Context, db: Path | None) -> None:
    """Turn customer feedback into themes ranked by what they are worth."""
    path = db or get_settings().db
    ctx.obj = {"db": path, "store_factory": lambda: Store(path)}


def _file_options(command: Any) -> Any:
    """``--delimiter``, ``--encoding`` and ``--date-format`` for a command reading a file."""
    command = click.option(
        "--date-format",
        "date_order",
        type=click.Choice(["auto", "dayfirst", "monthfirst"]),
        default="auto",
        show_default=True,
        help="Order of dates like 2/12/2026 (dotted 02.12.2026 is always day-first).",
    )(command)
    command = click.option(
        "--encoding", help="Text encoding (default: UTF-8, or cp1252 when detected)."
    )(command)
    return click.option("--delimiter", help="CSV delimiter (default: sniffed: , ; tab |).")(command)


def _engine_options(command: Any) -> Any:
    """``--engine`` and ``--address``: run the per-item work on Ray workers."""
    command = click.option(
        "--address",
        help="Ray cluster address (ray://host:10001); default: start Ray on this machine.",
    )(command)
    return click.option(
        "--engine",
        type=click.Choice(["local", "ray"]),
        default="local",
        show_default=True,
        help="local: this process; ray: parse, embed and assign on Ray (textinsight[ray]).",
    )(command)


def _make_engine(engine: str, address: str | None) -> Any:
    """The Ray engine for ``--engine ray``, else ``None`` (the local engine)."""
    if engine != "ray":
        if address:
            raise click.UsageError("--address needs --engine ray")
        return None
    from textinsight.ray_engine import RayEngine

    return RayEngine(address=address)


def _print_ingest(report: IngestReport) -> None:
    click.echo(
        f"{report.path}: read {report.read}, inserted {report.inserted}, "
        f"updated {report.updated}, unchanged {report.unchanged}, skipped {report.skipped}"
        + (f" (ingest {report.ingest_id})" if report.ingest_id is not None else "")
    )
    if report.redactions:
        found = ", ".join(f"{k} {n}" for k, n in sorted(report.redactions.items()))
        click.echo(f"redacted: {found}")
    for duplicate in report.duplicates:
        click.echo(f"  duplicate {duplicate}", err=True)
    if report.n_duplicates > len(report.duplicates):
        click.echo(f"  ... and {report.n_duplicates - len(report.duplicates)} more", err=True)
    for error in report.errors:
        click.echo(f"  skipped {error}", err=True)
    if report.skipped > len(report.errors):
        click.echo(f"  ... and {report.skipped - len(report.errors)} more", err=True)


def _file_command(function: Any) -> Any:
    """The FILE argument and ``--skip-invalid`` every ingesting command takes."""
    function = click.option(
        "--skip-invalid", is_flag=True, help="Skip invalid rows instead of failing the file."
    )(function)
    return click.argument("file", type=click.Path(path_type=Path))(function)


@cli.command()
@_file_command
@click.option("--channel", help="Channel for rows without one (ticket, social, survey, ...).")
@_file_options
@_engine_options
@click.pass_context
def ingest(
    ctx: click.Context,
    file: Path,
    channel: str | None,
    skip_invalid: bool,
    engine: str,
    address: str | None,
    **options: Any,
) -> None:
    """Ingest feedback from a CSV, JSONL or .xlsx FILE (validated, PII-redacted)."""
    ray = _make_engine(engine, address)
    reader = {"reader": ray.read_records} if ray is not None else {}
    _ingest(ctx, file, "feedback", skip_invalid, channel, **options, **reader)


@cli.command()
@_file_command
@_file_options
@click.pass_context
def customers(ctx: click.Context, file: Path, skip_invalid: bool, **options: Any) -> None:
    """Ingest customer records (customer_id, segment, is_member, joined_at, value, churned_at)."""
    _ingest(ctx, file, "customers", skip_invalid, **options)


@cli.command()
@_file_command
@_file_options
@click.pass_context
def purchases(ctx: click.Context, file: Path, skip_invalid: bool, **options: Any) -> None:
    """Ingest purchases (customer_id, purchased_at, amount, optional discount)."""
    _ingest(ctx, file, "purchases", skip_invalid, **options)


def _ingest(
    ctx: click.Context,
    file: Path,
    kind: FileKind,
    skip_invalid: bool,
    channel: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    date_order: str = "auto",
    **reader: Any,
) -> None:
    """Ingest a file with the configured languages and chunk size; print what it did."""
    from textinsight.ingest.formats import FileOptions
    from textinsight.ingest.language import LanguageIdentifier
    from textinsight.run_ingest import ingest_file

    settings = get_settings()
    report = ingest_file(
        _store(ctx, create=True),
        file,
        kind,
        channel=channel,
        skip_invalid=skip_invalid,
        languages=LanguageIdentifier.from_settings(settings),
        chunk_size=settings.chunk_size,
        progress=_progress,
        pseudonym_key=settings.pseudonym_key or None,
        options=FileOptions(delimiter=delimiter, encoding=encoding, date_order=date_order),
        **reader,
    )
    _print_ingest(report)


@cli.command()
@click.option("--seed", type=int, default=None, help="Random seed (default TEXTINSIGHT_SEED or 0).")
@_engine_options
@click.pass_context
def run(ctx: click.Context, seed: int | None, engine: str, address: str | None) -> None:
    """Find themes in all stored feedback; the result becomes the current run when complete."""
    from textinsight.pipeline import run_pipeline
    from textinsight.stages.embed import AUTO
    from textinsight.stages.label import ThemeLabeler

    settings = get_settings()
    store, model = _store(ctx), settings.model
    ray = _make_engine(engine, address)
    on_ray: dict[str, Any] = {}
    if ray is not None:
        model, n = ray.prepare_run(store, model, model_dir=settings.model_dir, progress=_progress)
        click.echo(f"embedded {n} new texts on {len(ray.nodes_used)} Ray node(s)")
        on_ray["assign"] = ray.assign
    info = run_pipeline(
        store,
        model=model,
        model_dir=settings.model_dir,
        artifact_dir=settings.artifact_dir,
        seed=settings.seed if seed is None else seed,
        batch_size=settings.batch_size,
        sample_size=settings.sample_size,
        labeler=ThemeLabeler(language=settings.display_language or None),
        progress=_progress,
        **on_ray,
    )
    if settings.model == AUTO:
        click.echo(
            f"model: {info.params.get('model')} "
            "(chosen from the language mix; int8 unless this database already used the "
            "fp32 model; set TEXTINSIGHT_MODEL to fix)"
        )
    t = info.timings
    click.echo(
        f"run {info.id}: {info.n_feedback} feedback, {info.n_themes} themes, "
        f"{info.n_unassigned} unassigned; embedded {info.n_embedded} new texts "
        f"({t.get('embed_s', 0):.1f}s), clustered in {t.get('cluster_s', 0):.1f}s, "
        f"described in {t.get('describe_s', 0):.1f}s"
    )


def _counts(counts: dict[str, int]) -> str:
    return " ".join(f"{k}:{n}" for k, n in counts.items())


@cli.command()
@click.option("--run", "run_id", type=int, help="Run id (default: the current run).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@click.option(
    "--sort",
    type=click.Choice(SORT_KEYS),
    default="impact",
    show_default=True,
    help="Order: sentiment most negative first, the others largest first.",
)
@click.option("--limit", type=int, default=None, help="Show at most this many themes.")
@click.option(
    "--level",
    type=click.Choice(LEVELS),
    default="theme",
    show_default=True,
    help="theme: the themes (each under a category); category: the categories above them.",
)
@click.pass_context
def themes(
    ctx: click.Context, run_id: int | None, fmt: str, sort: str, limit: int | None, level: str
) -> None:
    """List the themes (or the categories above them) of a run with their value metrics."""
    from textinsight.export import themes_csv

    listing = list_themes(
        _store(ctx), run_id, sort=sort, limit=min(limit or MAX_LIMIT, MAX_LIMIT), level=level
    )
    info, items = listing.run, [row.theme for row in listing.page.items]
    if fmt == "json":
        click.echo(json.dumps([theme_json(t) for t in items], ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(themes_csv(items), nl=False)
    else:
        _themes_table(info.id, info.n_feedback, info.n_unassigned, items, listing.sort, level)


def _themes_table(
    run_id: int,
    n_feedback: int | None,
    n_unassigned: int | None,
    items: list[Theme],
    sort: str,
    level: str = "theme",
) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"{'Categories' if level == 'category' else 'Themes'} of run {run_id} "
        f"({n_feedback} feedback, {n_unassigned} unassigned), by {sort}"
    )
    for name in (
        "id",
        "category",
        "label",
        "size",
        "sentiment",
        "kind",
        "customers",
        "value",
        "churn lift",
        "impact",
        "languages",
    ):
        table.add_column(name, overflow="fold")
    for t in items:
        v = theme_json(t)
        table.add_row(
            str(t.id),
            "" if t.parent_id is None else str(t.parent_id),
            f"{t.label} (not feedback)" if t.noise else t.label,
            str(t.size),
            _num(t.sentiment, "+.2f"),
            v["kind"] or "",
            _num(v["customers"], "d") if v["customers"] is not None else "",
            _num(v["value_total"], ",.0f"),
            _num(v["churn_lift"], ".2f"),
            _num(v["impact"], ",.0f"),
            _counts(t.languages),
        )
    Console(width=None if sys.stdout.isatty() else 160).print(table)


@cli.command()
@click.argument("theme_id", type=int)
@click.option("--run", "run_id", type=int, help="Run id (default: the current run).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def show(ctx: click.Context, theme_id: int, run_id: int | None, fmt: str) -> None:
    """Show one theme: keywords, quotes, value metrics, languages, channels, history."""
    detail = theme_detail(_store(ctx), theme_id, run_id)
    info, theme = detail.run, detail.row.theme
    history = [{"run_id": r, **asdict(e)} for r, e in detail.history]
    if fmt == "json":
        out = {
            **theme_json(theme),
            "history": history,
            "actions": [report_json(r) for r in detail.actions],
        }
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    v = theme_json(theme)
    click.echo(f"Theme {theme.id}: {theme.label}  [{v['kind'] or 'no value metrics'}]")
    click.echo(
        f"  size {theme.size} ({theme.share:.1%} of run {info.id}), "
        f"sentiment {_num(theme.sentiment, '+.2f') or 'n/a'}"
    )
    click.echo(f"  keywords: {', '.join(theme.keywords)}")
    click.echo(f"  languages: {_counts(theme.languages)}")
    click.echo(f"  channels: {_counts(theme.channels)}")
    if theme.value is not None:
        from textinsight.value.summary import value_lines

        for line in value_lines(theme.value):
            click.echo(f"  {line}")
        click.echo(
            f"  NPS {_num(v['nps_mean'], '.1f') or 'n/a'} vs "
            f"{_num(v['nps_baseline'], '.1f') or 'n/a'}"
        )
    click.echo("  quotes:")
    for quote in theme.quotes:
        click.echo(f"    - {quote}")
    click.echo("  history:")
    for step in history:
        previous = ", ".join(str(i) for i in step["previous_ids"]) or "-"
        click.echo(
            f"    run {step['run_id']}: {step['kind']} (from {previous}, "
            f"similarity {_num(step['similarity']) or 'n/a'})"
        )
    if detail.actions:
        click.echo("  actions:")
    for item in detail.actions:
        echo_report(item, indent="    ")


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--channel", help="Channel for rows without one (ticket, social, survey, ...).")
@click.option("--skip-invalid", is_flag=True, help="Skip invalid rows instead of failing the file.")
@_engine_options
@click.pass_context
def assign(
    ctx: click.Context,
    file: Path,
    channel: str | None,
    skip_invalid: bool,
    engine: str,
    address: str | None,
) -> None:
    """Ingest FILE and assign it to the current themes without re-clustering."""
    from textinsight.assign import assign_file
    from textinsight.ingest.language import LanguageIdentifier

    settings = get_settings()
    run, report, done = assign_file(
        _store(ctx),
        file,
        channel=channel,
        skip_invalid=skip_invalid,
        languages=LanguageIdentifier.from_settings(settings),
        chunk_size=settings.chunk_size,
        batch_size=settings.batch_size,
        model_dir=settings.model_dir,
        artifact_dir=settings.artifact_dir,
        progress=_progress,
        pseudonym_key=settings.pseudonym_key or None,
        engine=_make_engine(engine, address),
    )
    _print_ingest(report)
    unassigned = sum(1 for a in done if a.theme_id is None)
    share = unassigned / len(done) if done else 0.0
    click.echo(
        f"assigned {len(done)} to run {run.id}: {len(done) - unassigned} to themes, "
        f"{unassigned} unassigned ({share:.1%})"
    )


@cli.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="HTML file to write.",
)
@click.option("--run", "run_id", type=int, help="Run id (default: the current run).")
@click.pass_context
def report(ctx: click.Context, out: Path, run_id: int | None) -> None:
    """Write a self-contained HTML report: theme table, theme map, sizes over time."""
    from textinsight.dashboard import report_html

    html = report_html(_store(ctx), run_id)
    out.write_text(html, encoding="utf-8")
    click.echo(f"wrote {out} ({len(html) // 1024} KiB)")


@cli.command()
@click.pass_context
def runs(ctx: click.Context) -> None:
    """List runs, newest first, with their status."""
    for r in _store(ctx).runs.all():
        mark = "*" if r.is_current else " "
        click.echo(
            f"{mark} run {r.id}  {r.status:8}  {r.started_at}  model {r.model_id}  "
            f"feedback {r.n_feedback}  themes {r.n_themes}  unassigned {r.n_unassigned}"
            + (f"  error: {r.error}" if r.error else "")
        )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, type=int, show_default=True)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    from api.main import create_app

    settings = Settings(db=ctx.obj["db"])
    parse_key_pairs(settings.api_keys)  # a bad TEXTINSIGHT_API_KEYS: one line, no traceback
    app = create_app(settings)
    uvicorn.run(app, host=host, port=port)


for _command in (
    action,
    export,
    rename,
    merge,
    hide,
    curation_log,
    lineage,
    trends,
    emerging,
    stability,
    forget,
    delete,
    ingests,
):
    cli.add_command(_command)


def main() -> None:
    """Console-script entry point: run the CLI; even unexpected errors print one line."""
    try:
        cli.main()
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback by default
        if _debug():
            raise
        click.echo(
            f"Error: unexpected {type(exc).__name__}: {exc} "
            "(set TEXTINSIGHT_DEBUG=1 for the traceback)",
            err=True,
        )
        sys.exit(1)


def _debug() -> bool:
    """``TEXTINSIGHT_DEBUG`` (``Settings.debug``); off when the settings cannot be read."""
    try:
        return get_settings().debug
    except Exception:  # noqa: BLE001 - a bad setting must not hide the original error
        return False
