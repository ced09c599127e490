"""The ``farside`` command line: one group, one module per command, each imported only when it runs.

``farside --help`` and every command that needs nothing heavy stay quick: the group lists the commands from
COMMANDS (name, where the command lives, its one-line help) and imports a command's module only to run it.
"""

from __future__ import annotations

import functools
import gc
import importlib
import sys
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple, NoReturn

import click

from hil.cli.output import fail
from protocols.errors import FarsideError


class CommandEntry(NamedTuple):
    """Where a command lives (``"module:attribute"``) and its help line (its docstring's first line)."""

    target: str
    help: str


COMMANDS: dict[str, CommandEntry] = {
    "campaign": CommandEntry("hil.cli.campaign_cmd:campaign_command",
                             "Run a campaign: a CAMPAIGN.toml file, or a SCENARIO (file or built-in name) with "
                             "--seeds, into --out DIR."),
    "decode": CommandEntry("hil.cli.decode_cmd:decode_command",
                           "Decode a packet file to engineering values, in bulk."),
    "dict": CommandEntry("hil.cli.dict_cmd:dict_command",
                         "List the dictionary: every installed device's commands, parameters, housekeeping sets "
                         "and events."),
    "export": CommandEntry("hil.cli.export_cmd:export_command",
                           "Write the packets of FILE concatenated, as standard CCSDS tools read them."),
    "ground": CommandEntry("hil.cli.ground_cmd:ground_command",
                           "Configure an outside ground system for the space link `farside serve --ground` opens."),
    "inspect": CommandEntry("hil.cli.inspect_cmd:inspect_command",
                            "Decode packets: headers, PUS fields, named and calibrated values, and the CRC verdict."),
    "plot": CommandEntry("hil.cli.plot_cmd:plot_command",
                         "Plot parameters over time from FILE (a recording or a plain stream of space packets)."),
    "replay": CommandEntry("hil.cli.replay_cmd:replay_command",
                           "Send the packets of FILE to URL, paced by their times (or --rate), then print the timing "
                           "report."),
    "run": CommandEntry("hil.cli.run_cmd:run_command",
                        "Run SCENARIO (a TOML file or a built-in name; default: the reference mission) headless."),
    "serve": CommandEntry("hil.cli.serve_cmd:serve_command",
                          "Run BENCH (a scenario/bench TOML file) in real time; with none, expose every modelled "
                          "device on a pty."),
    "tc": CommandEntry("hil.cli.tc_cmd:tc_command",
                       "Encode COMMAND for DEVICE (any installed device: `farside dict` lists them) and print the "
                       "packet as hex."),
    "wireshark": CommandEntry("hil.cli.wireshark_cmd:wireshark_command",
                              "Wireshark and tshark with farside's PUS-C, TM frame, CADU, TC frame and CLTU "
                              "dissector."),
}
"""Every command of the group; a test checks each help line against the command's own docstring."""


class LazyGroup(click.Group):
    """A click group whose commands are imported when run, and listed in ``--help`` from COMMANDS alone."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, sorted as click sorts them."""
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, importing its module on first use; None for an unknown name."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, _, attribute = COMMANDS[cmd_name].target.partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The Commands section from the table's help lines, shortened as click shortens a docstring."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(map(len, names))
        rows = [(name, _listed(self, name).get_short_help_str(limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _listed(group: click.Group, name: str) -> click.Command:
    """The command as ``--help`` lists it: a stand-in carrying the table's help (loaded or not), or one added
    to the group directly."""
    if name in COMMANDS:
        return click.Command(name, help=COMMANDS[name].help)
    return group.commands[name]


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="farside", prog_name="farside")
def cli() -> None:
    """farside — emulated far-side lander hardware (sampler, ascender, relay) speaking CCSDS/PUS."""


def _show_warning(fallback: Callable[..., None], message: Warning | str, category: type[Warning],
                  *args: Any, **kwargs: Any) -> None:
    """A device plugin left out is one line on stderr; other warnings print as Python prints them."""
    plugins = sys.modules.get("protocols.dictionary.plugins")  # a PluginWarning exists only once that is loaded
    if plugins is not None and issubclass(category, plugins.PluginWarning):
        click.echo(f"farside: warning: {message}", err=True)
    else:
        fallback(message, category, *args, **kwargs)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every farside error becomes one line on stderr and exit code 2 (caught here, once)."""
    with warnings.catch_warnings():
        warnings.showwarning = functools.partial(_show_warning, warnings.showwarning)
        return _run(argv)


def script() -> NoReturn:
    """The ``farside`` program: the CLI's exit code, without the interpreter's garbage collections at exit.

    Every object the command made lives until the process ends, so those collections would only walk them all once
    more (about 25 ms after a bulk decode): they are frozen out of collection first (``gc.freeze``). In-process
    callers use ``main``.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


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
