"""The bench file that flies the reference flight software: its QEMU node, the devices it meets, its expectations."""

from __future__ import annotations

from pathlib import Path

BENCH = """\
[scenario]
name = "reference flight software on {machine}"
duration = "T+5m"

[bench.nodes]
fsw = "qemu:{machine}?kernel={kernel}&uart=0&log=1&end=VERDICT&pass=VERDICT%20PASS"

[bench.devices.sampler]
rock_density_per_m = 0

[bench.devices.relay]
visibility = "always"

[bench.expose]
{expose}

[[expect]]
name = "drill depth reached"
condition = "sampler.drill_depth >= 0.1"

[[expect]]
name = "no command rejected"
condition = "sampler.commands_rejected == 0"
"""
SAMPLER_ONLY = 'ascender = "none"\nrelay = "none"'
"""The sampler alone on UART0; the other devices on the bench but not exposed."""
ONE_BUS = 'sampler = "bus"\nascender = "bus"\nrelay = "bus"'
"""Every device on UART0, shared, routed by APID."""


def write_bench(folder: Path, machine: str, kernel: Path | str, expose: str) -> Path:
    """A bench file whose flight computer is the ELF on ``machine`` (the kernel path relative to the bench file)."""
    path = folder / "bench.toml"
    path.write_text(BENCH.format(machine=machine, kernel=kernel, expose=expose))
    return path
