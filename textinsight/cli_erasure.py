"""``textinsight forget|delete|ingests``: erasure (GDPR Art. 17) and undoing an ingest.
Parse, call :mod:`textinsight.erasure`, print."""

from __future__ import annotations

import click

from textinsight.cli_common import open_store as _store
from textinsight.config import get_settings
from textinsight.store import Erased


@click.command()
@click.option("--customer", "customer_id", required=True, help="The customer id to erase.")
@click.pass_context
def forget(ctx: click.Context, customer_id: str) -> None:
    """Erase a customer's feedback, vectors, assignments, quotes and records (GDPR Art. 17)."""
    from textinsight.erasure import forget_customer

    erased = forget_customer(_store(ctx), customer_id, get_settings().pseudonym_key or None)
    click.echo(_erased(erased))


@click.command()
@click.option("--ingest", "ingest_id", type=int, required=True, help="Ingest id (`ingests`).")
@click.pass_context
def delete(ctx: click.Context, ingest_id: int) -> None:
    """Undo one ingest: delete the feedback it inserted and what derives from it."""
    from textinsight.erasure import delete_ingest

    click.echo(_erased(delete_ingest(_store(ctx), ingest_id)))


@click.command()
@click.pass_context
def ingests(ctx: click.Context) -> None:
    """List file ingests, newest first (ids for `textinsight delete --ingest`)."""
    for i, kind, path, started, read, inserted, updated in _store(ctx).erasure.ingests():
        counts = (
            f"read {read}  inserted {inserted}  updated {updated}"
            if read is not None
            else "unfinished (run the same ingest again to resume it)"
        )
        click.echo(f"ingest {i}  {started}  {kind}  {path}  {counts}")


def _erased(erased: Erased) -> str:
    return (
        f"erased feedback {erased.feedback}, assignments {erased.assignments}, "
        f"vectors {erased.embeddings}, quotes {erased.quotes}, customers {erased.customers}, "
        f"purchases {erased.purchases}"
    )
