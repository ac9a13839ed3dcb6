"""Write docs/cli.md from the commands' own --help, so the reference never drifts."""

from __future__ import annotations

import os

import typer
from typer.testing import CliRunner

from armstrace.entrypoints.cli.main import app


def command_names() -> list[str]:
    """Every command, then every group and its subcommands (``orgs``, ``orgs add``, ...)."""
    names = [c.name or c.callback.__name__ for c in app.registered_commands if c.callback]
    for group in app.registered_groups:
        if group.name is None or group.typer_instance is None:
            continue
        names.append(group.name)
        names += [f"{group.name} {c.name or c.callback.__name__}"
                  for c in group.typer_instance.registered_commands if c.callback]
    return names


def render() -> str:
    os.environ["COLUMNS"] = "100"
    runner = CliRunner()
    parts = ["# Command-line reference", "",
             "Generated from each command's own `--help` (`make docs`); a test checks every command is here.",
             ""]
    for name in ["", *command_names()]:
        result = runner.invoke(app, [*name.split(), "--help"], terminal_width=100)
        parts += [f"### armstrace {name}".rstrip(), "", "```", result.output.rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    typer.echo(render())
