"""README documents every setting and every command (a missing one fails here)."""

from __future__ import annotations

from pathlib import Path

import typer

from doithoai.cli import app
from doithoai.config import Settings

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_readme() -> None:
    missing = [f"DOITHOAI_{name.upper()}" for name in Settings.model_fields
               if f"DOITHOAI_{name.upper()}" not in README]
    assert not missing, f"settings missing from README: {missing}"


def _commands(group: typer.Typer, prefix: str = "doithoai") -> list[str]:
    names = []
    for cmd in group.registered_commands:
        name = cmd.name or (cmd.callback.__name__.replace("_", "-") if cmd.callback else "")
        names.append(f"{prefix} {name}")
    for sub in group.registered_groups:
        if sub.typer_instance is not None and sub.name:
            names.extend(_commands(sub.typer_instance, f"{prefix} {sub.name}"))
    return names


def test_every_command_is_in_readme() -> None:
    missing = [c for c in _commands(app) if f"`{c}" not in README]
    assert not missing, f"commands missing from README: {missing}"


def test_readme_opens_with_the_two_commands() -> None:
    head = README[:400]
    assert "make run" in head and "make test" in head
