"""``farside wireshark``: the shipped Lua dissector (where it is, installing it) and CADU/CLTU files as captures."""

from __future__ import annotations

from pathlib import Path

import click

from hil.cli.output import fail, overwrite_error
from hil.wireshark.plugin import install_plugin, plugin_path, user_plugin_folder


@click.command("wireshark")
@click.option("--path", "show_path", is_flag=True, help="print where the shipped dissector farside.lua is")
@click.option("--install", is_flag=True,
              help=f"copy farside.lua into Wireshark's personal plugin folder ({user_plugin_folder()})")
@click.option("--capture", "source", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path),
              help="write a CADU file or a file of CLTUs as a pcapng capture the dissector reads (needs -o)")
@click.option("-o", "--output", "out", metavar="OUT", type=click.Path(dir_okay=False, path_type=Path),
              help="the capture to write (with --capture)")
def wireshark_command(show_path: bool, install: bool, source: Path | None, out: Path | None) -> int:
    """Wireshark and tshark with farside's PUS-C, TM frame, CADU, TC frame and CLTU dissector.

    Recordings (`farside run --record`) need nothing: tshark -r REC.pcapng shows the space-packet headers with
    Wireshark's own ccsds dissector. With the plugin it also shows the PUS-C headers:
    tshark -X lua_script:$(farside wireshark --path) -r REC.pcapng, or install it once with --install.
    """
    if sum((show_path, install, source is not None)) != 1:
        return fail("give one of --path, --install or --capture FILE -o OUT")
    if show_path:
        click.echo(plugin_path())
    elif install:
        click.echo(f"installed {install_plugin()}")
    else:
        assert source is not None
        if out is None:
            return fail("--capture needs -o OUT.pcapng")
        if refused := overwrite_error(source, out):
            return fail(refused)
        from hil.wireshark.capture import write_capture  # the space link's codecs load only to write a capture

        dissector, count = write_capture(source, out)
        click.echo(f"wrote {out}: {count} units for the {dissector} dissector")
    return 0
