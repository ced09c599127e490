"""Shared CLI output helpers: exit codes, one-line errors and the console."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.console import Console

EXIT_PASSED, EXIT_FAILED = 0, 1
"""A run whose expectations all passed; one that did not pass: any failed or is open (not judged), or it was
interrupted."""
USAGE_ERROR = 2


def fail(message: str) -> int:
    """Print ``farside: error: message`` on stderr and return the usage-error exit code."""
    click.echo(f"farside: error: {message}", err=True)
    return USAGE_ERROR


def overwrite_error(source: Path, target: str | Path) -> str | None:
    """Why writing ``target`` is refused when it would replace the input ``source`` (the same file, by whatever
    path or link), else None."""
    try:
        same = Path(target).samefile(source)
    except OSError:  # either is missing (or unreadable): not one file
        return None
    return f"{target} is the input file {source}: writing it would destroy it; give another output" if same else None


def console() -> Console:
    """A console on stdout; plain text when stdout is not a terminal."""
    from rich.console import Console  # rich loads only for the commands that print tables

    return Console(highlight=False, soft_wrap=True)
