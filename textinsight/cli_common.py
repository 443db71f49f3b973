"""What every CLI module shares: the store of ``--db``."""

from __future__ import annotations

from pathlib import Path

import click

from textinsight.store import Store


def open_store(ctx: click.Context, *, create: bool = False) -> Store:
    """The store of ``--db``; only commands that load data may create it."""
    path = Path(ctx.obj["db"])
    if not create and str(path) != ":memory:" and not path.exists():
        raise click.ClickException(
            f"No database at {path}. Check --db / TEXTINSIGHT_DB (a typo?), or load data "
            "first with `textinsight ingest FILE`."
        )
    store: Store = ctx.obj["store_factory"]()
    ctx.call_on_close(store.close)
    return store


def fmt_num(value: float | None, spec: str = ".2f") -> str:
    """``value`` formatted with ``spec``; empty for a missing value."""
    return "" if value is None else format(value, spec)
