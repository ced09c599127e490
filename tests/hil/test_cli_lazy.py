"""The CLI imports a command's module only to run it, and the quick commands load none of the heavy libraries.

`farside --help` lists the commands from hil.cli.COMMANDS; these tests keep that table equal to the commands'
own docstrings and check, in fresh interpreters, which modules each quick command leaves loaded. (How long the
commands take is a benchmark: tests/benchmarks/test_bench_cli.py.)
"""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys

import click
import pytest

from hil.cli import COMMANDS, cli, main

HEAVY = ("numpy", "matplotlib", "rich", "dask", "distributed", "pyarrow", "cryptography", "pandas", "serial")
"""Libraries a quick command must not load; the modules that need them import them where they are used."""
PING = "1910c00000062f110100003587"
"""`farside tc sampler ping`."""


def _real_command(name: str) -> click.Command:
    module, _, attribute = COMMANDS[name].target.partition(":")
    command = getattr(importlib.import_module(module), attribute)
    assert isinstance(command, click.Command)
    return command


def _loaded_after(*argv: str) -> tuple[set[str], str]:
    """Top-level packages loaded by ``farside ARGV`` run in a fresh interpreter, and what it printed."""
    script = ("import json, sys\nfrom hil.cli import main\ncode = main(sys.argv[1:])\n"
              "print(json.dumps(sorted({m.partition('.')[0] for m in sys.modules})), file=sys.stderr)\n"
              "sys.exit(code)\n")
    done = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stderr.splitlines()[-1])), done.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_table_help_is_the_commands_docstring_first_line(name: str) -> None:
    command = _real_command(name)
    assert command.name == name
    assert COMMANDS[name].help == inspect.getdoc(command.callback).splitlines()[0]


def test_help_lists_every_command_as_an_eager_group_would(capsys: pytest.CaptureFixture[str]) -> None:
    eager = click.Group("farside", help=cli.help, params=cli.params, context_settings=cli.context_settings)
    for name in COMMANDS:
        eager.add_command(_real_command(name))
    assert main(["tc", "sampler", "ping"]) == 0  # a command already loaded is listed the same way
    capsys.readouterr()
    assert main(["--help"]) == 0
    lazy_help = capsys.readouterr().out
    with click.Context(eager, info_name="farside", **cli.context_settings) as ctx:
        assert lazy_help == eager.get_help(ctx) + "\n"
    for name in COMMANDS:
        assert f"\n  {name} " in lazy_help


def test_help_imports_no_command_and_no_heavy_library() -> None:
    loaded, out = _loaded_after("--help")
    assert "Commands:" in out
    assert not loaded & {*HEAVY, "construct", "firmware_sim"}
    modules = subprocess.run([sys.executable, "-c", "import sys, hil.cli; print(' '.join(sys.modules))"],
                             capture_output=True, text=True, check=True).stdout.split()
    assert not [m for m in modules if m.startswith("hil.cli.") and m != "hil.cli.output"]


@pytest.mark.parametrize("argv", [("tc", "sampler", "ping"), ("tc", "sampler", "ping", "--framing", "cobs"),
                                  ("dict", "--format", "json"), ("inspect", PING, "--json")])
def test_quick_commands_load_no_heavy_library(argv: tuple[str, ...]) -> None:
    loaded, out = _loaded_after(*argv)
    assert out
    allowed = {"numpy"} if argv[0] == "inspect" else set()  # hil.streamfile imports numpy at module level
    assert not loaded & set(HEAVY) - allowed
    assert "firmware_sim" not in loaded


def test_dict_text_loads_rich_only_to_print_its_tables() -> None:
    loaded, out = _loaded_after("dict", "relay")
    assert "relay commands" in out
    assert "rich" in loaded and not loaded & set(HEAVY) - {"rich"}


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nope"]) == 2
    assert "No such command 'nope'" in capsys.readouterr().err
