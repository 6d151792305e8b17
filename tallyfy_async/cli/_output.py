"""What the quick looks print: aligned tables on a terminal, JSON when piped or asked."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Sequence
from typing import Any

import click

from tallyfy_async._tables import text_model, text_table

#: ``--json/--table``: JSON or a table; neither given: a table on a terminal, JSON otherwise.
format_option = click.option(
    "--json/--table",
    "as_json",
    default=None,
    help="JSON, or an aligned table [default: a table on a terminal, JSON when piped].",
)


def _json(value: Any) -> Any:
    return value.to_json_dict() if hasattr(value, "to_json_dict") else value


def show(data: Any, *, as_json: bool | None, columns: Sequence[str] | None = None) -> None:
    """Print one model (as ``field  value`` lines) or a list of them (as a table)."""
    if as_json is None:
        as_json = not sys.stdout.isatty()
    if as_json:
        plain = [_json(item) for item in data] if isinstance(data, list) else _json(data)
        click.echo(json.dumps(plain, indent=2, ensure_ascii=False))
    elif isinstance(data, list):
        width = shutil.get_terminal_size((120, 24)).columns
        click.echo(text_table(data, chosen=columns, width=width, more="--json shows all"))
    else:
        click.echo(text_model(data))
