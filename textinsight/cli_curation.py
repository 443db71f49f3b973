"""``textinsight rename|merge|hide|curation``: analysts' curation of themes, kept across
runs by stable theme id. Parse, call :mod:`textinsight.curation`, print."""

from __future__ import annotations

import click

from textinsight.cli_common import open_store as _store


@click.command()
@click.argument("theme_id", type=int)
@click.argument("label")
@click.pass_context
def rename(ctx: click.Context, theme_id: int, label: str) -> None:
    """Give a theme your own label; it keeps it in later runs ("" restores the described one)."""
    from textinsight import curation

    entry = curation.rename(_store(ctx), theme_id, label)
    click.echo(f"theme {theme_id} is now '{entry.label or '(described label)'}'")


@click.command()
@click.argument("theme_id", type=int)
@click.argument("into_id", type=int)
@click.pass_context
def merge(ctx: click.Context, theme_id: int, into_id: int) -> None:
    """Merge theme THEME_ID into theme INTO_ID (also in later runs)."""
    from textinsight import curation

    curation.merge(_store(ctx), theme_id, into_id)
    click.echo(f"theme {theme_id} is merged into theme {into_id}")


@click.command()
@click.argument("theme_id", type=int)
@click.option("--undo", is_flag=True, help="Show the theme again.")
@click.pass_context
def hide(ctx: click.Context, theme_id: int, undo: bool) -> None:
    """Hide (archive) a theme from theme lists; --undo shows it again."""
    from textinsight import curation

    curation.hide(_store(ctx), theme_id, hidden=not undo)
    click.echo(f"theme {theme_id} is {'shown' if undo else 'hidden'}")


@click.command("curation")
@click.pass_context
def curation_log(ctx: click.Context) -> None:
    """The history of renames, merges and hides, oldest first."""
    from textinsight import curation

    for c in curation.history(_store(ctx)):
        other = "" if c.other_id is None else f" -> {c.other_id}"
        label = "" if c.label is None else f" '{c.label}'"
        click.echo(f"{c.at}  {c.action:7} theme {c.theme_id}{other}{label}")
