"""The QEMU machines farside knows how to wire: their UARTs, in the order QEMU's ``-serial`` options fill them."""

from __future__ import annotations

from dataclasses import dataclass

from hil.boards.errors import BoardError


@dataclass(frozen=True)
class Machine:
    """A ``qemu-system-arm -M`` machine: its name, the CPU it carries, and how many UARTs ``-serial`` can reach."""

    name: str
    cpu: str
    uarts: int
    """UART n is wired by the (n+1)-th ``-serial`` option."""
    uart_model: str


MACHINES = {
    machine.name: machine
    for machine in (
        Machine("lm3s6965evb", "Cortex-M3 (TI Stellaris LM3S6965; Zephyr's qemu_cortex_m3)", 3, "PL011"),
        Machine("mps2-an385", "Cortex-M3 (Arm MPS2 FPGA image AN385; Zephyr's mps2_an385)", 5, "CMSDK APB UART"),
    )
}
"""Machines known to work, by ``-M`` name."""


def machine(name: str) -> Machine:
    """The machine called ``name``; BoardError listing the known ones when there is none."""
    found = MACHINES.get(name)
    if found is None:
        raise BoardError(f"unknown QEMU machine {name!r}; known: {', '.join(MACHINES)}")
    return found
