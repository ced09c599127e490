"""The ``farside`` command line: one group, one module per command."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import click

from hil.cli.campaign_cmd import campaign_command
from hil.cli.decode_cmd import decode_command
from hil.cli.dict_cmd import dict_command
from hil.cli.export_cmd import export_command
from hil.cli.inspect_cmd import inspect_command
from hil.cli.output import fail
from hil.cli.plot_cmd import plot_command
from hil.cli.replay_cmd import replay_command
from hil.cli.run_cmd import run_command
from hil.cli.serve_cmd import serve_command
from hil.cli.tc_cmd import tc_command
from protocols.dictionary import PluginWarning
from protocols.errors import FarsideError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="farside", prog_name="farside")
def cli() -> None:
    """farside — emulated far-side lander hardware (sampler, ascender, relay) speaking CCSDS/PUS."""


cli.add_command(run_command)
cli.add_command(campaign_command)
cli.add_command(serve_command)
cli.add_command(plot_command)
cli.add_command(decode_command)
cli.add_command(replay_command)
cli.add_command(export_command)
cli.add_command(tc_command)
cli.add_command(inspect_command)
cli.add_command(dict_command)


def _show_warning(fallback: Callable[..., None], message: Warning | str, category: type[Warning],
                  *args: Any, **kwargs: Any) -> None:
    """A device plugin left out is one line on stderr; other warnings print as Python prints them."""
    if issubclass(category, PluginWarning):
        click.echo(f"farside: warning: {message}", err=True)
    else:
        fallback(message, category, *args, **kwargs)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every farside error becomes one line on stderr and exit code 2 (caught here, once)."""
    with warnings.catch_warnings():
        warnings.showwarning = functools.partial(_show_warning, warnings.showwarning)
        return _run(argv)


def _run(argv: list[str] | None) -> int:
    try:
        result = cli.main(args=argv, prog_name="farside", standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code or 0)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("farside: interrupted", err=True)
        return 130
    except FarsideError as exc:
        return fail(str(exc))
    except BrokenPipeError:
        return 0
    return result if isinstance(result, int) else 0
