"""``textinsight lineage|trends|emerging|stability``: themes over time. Parse, call the
library, print."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from textinsight.cli_common import fmt_num as _num
from textinsight.cli_common import open_store as _store
from textinsight.config import get_settings
from textinsight.progress import rich_progress as _progress


@click.command()
@click.option("--run", "run_id", type=int, help="Run id (default: the current run).")
@click.pass_context
def lineage(ctx: click.Context, run_id: int | None) -> None:
    """Show how a run's themes relate to the previous run's (same/split/merged/new/retired)."""
    store = _store(ctx)
    info = store.runs.complete_run(run_id)
    labels = {t.id: t.label for t in store.runs.themes(info.id)}
    for event in store.runs.lineage(info.id):
        previous = ", ".join(str(i) for i in event.previous_ids) or "-"
        similarity = _num(event.similarity)
        if event.kind == "retired":
            click.echo(f"retired  theme {previous} (best similarity {similarity})")
        else:
            click.echo(
                f"{event.kind:8} theme {event.theme_id} <- {previous:12} "
                f"sim {similarity:5}  {labels.get(event.theme_id or -1, '')}"
            )


@click.command()
@click.option("--run", "run_id", type=int, help="Run id (default: the current run).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def trends(ctx: click.Context, run_id: int | None, fmt: str) -> None:
    """Which themes grew in the last week against the weeks before (BH-corrected test)."""
    from textinsight.trends import theme_growth

    store = _store(ctx)
    info = store.runs.complete_run(run_id)
    labels = {t.id: t.label for t in store.runs.themes(info.id)}
    growth = theme_growth(store.runs.weekly_counts(info.id))
    if fmt == "json":
        rows = [{**asdict(g), "label": labels.get(g.theme_id)} for g in growth]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not growth:
        click.echo("Not enough dated feedback: trends need at least two weeks.")
    for g in growth:
        mark = "GROWING" if g.growing else "       "
        ratio = "new" if g.ratio is None else f"x{g.ratio:.2f}"
        click.echo(
            f"{mark} theme {g.theme_id:<5} week of {g.period}: {g.recent_share:6.1%} "
            f"vs {g.previous_share:6.1%} before ({ratio}, q {g.q_value:.3g})  "
            f"{labels.get(g.theme_id, '')}"
        )


@click.command()
@click.option("--min-size", type=int, default=5, show_default=True, help="Smallest group reported.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option(
    "--promote",
    "candidate",
    metavar="ID",
    help="Make candidate ID a theme of the current run (no full re-run).",
)
@click.pass_context
def emerging(ctx: click.Context, min_size: int, fmt: str, candidate: str | None) -> None:
    """Candidate new themes: dense groups in the feedback no current theme holds."""
    from textinsight.emerging import find_emerging, promote
    from textinsight.stages.embed import embedder_for_model

    settings = get_settings()
    store = _store(ctx)
    embedder = embedder_for_model(store.runs.current().model_id, settings.model_dir)
    if candidate is not None:
        theme = promote(
            store,
            embedder,
            candidate,
            seed=settings.seed,
            min_size=min_size,
            batch_size=settings.batch_size,
            progress=_progress,
        )
        click.echo(
            f"promoted {candidate} to theme {theme.id} of run {theme.run_id}: "
            f"{theme.label} ({theme.size} items)"
        )
        return
    pool, found = find_emerging(
        store,
        embedder,
        seed=settings.seed,
        min_size=min_size,
        batch_size=settings.batch_size,
        progress=_progress,
    )
    if fmt == "json":
        rows = [{**asdict(e), "feedback_ids": list(e.feedback_ids)} for e in found]
        click.echo(json.dumps({"pool": pool, "emerging": rows}, ensure_ascii=False, indent=2))
        return
    click.echo(f"{pool} feedback items have no theme; {len(found)} candidate new theme(s)")
    for e in found:
        value = "" if e.value_total is None else f", customer value {e.value_total:,.0f}"
        click.echo(
            f"- [{e.id}] {e.label}: {e.size} items, {e.customers} customers{value}, "
            f"growth x{e.growth:.1f} ({e.recent} in the last 14 days)"
        )
        click.echo(f"    keywords: {', '.join(e.keywords)}")
        for quote in e.quotes[:3]:
            click.echo(f'    "{quote}"')


@click.command()
@click.option("--run", "run_id", type=int, help="Run id (default: the current run).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def stability(ctx: click.Context, run_id: int | None, fmt: str) -> None:
    """How stable each theme is: runs it kept its id, member overlap, label and kind kept."""
    from textinsight.stability_report import theme_stability

    report = theme_stability(_store(ctx), run_id)
    if fmt == "json":
        click.echo(json.dumps([asdict(r) for r in report], ensure_ascii=False, indent=2))
        return
    for r in report:
        kept = {True: "kept", False: "changed", None: "-"}
        click.echo(
            f"theme {r.theme_id:<5} {r.event:8} runs {r.runs:<3} overlap "
            f"{_num(r.overlap, '.0%') or '-':>5}  label {kept[r.label_kept]:7} "
            f"kind {kept[r.kind_kept]:7} {r.label}"
        )
