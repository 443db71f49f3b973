"""The docs stay honest: every CLI command and every setting is documented."""

from pathlib import Path

import click
import pytest

from textinsight.cli import cli
from textinsight.config import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "textinsight") -> list[str]:
    names = []
    for name, command in group.commands.items():
        names.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            names.extend(_commands(command, f"{prefix} {name}"))
    return names


@pytest.mark.parametrize("command", _commands(cli))
def test_every_cli_command_is_in_the_readme(command: str) -> None:
    assert f"`{command}" in README, f"document `{command}` in README.md"


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_is_in_the_readme(name: str) -> None:
    assert f"TEXTINSIGHT_{name.upper()}" in README, f"document TEXTINSIGHT_{name.upper()}"


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_test_one() -> None:
    block = README.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert len(commands) == 2
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci


def test_every_api_route_is_in_the_readme() -> None:
    from fastapi.routing import APIRoute

    from api.main import create_app

    for route in create_app().routes:
        if isinstance(route, APIRoute):
            path = route.path.split("{")[0].rstrip("/") or "/"
            assert f"$API{path}" in README, f"document {route.path} in README.md"
