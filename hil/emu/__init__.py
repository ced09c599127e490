"""``emu://DEVICE``: a pyserial URL handler, so pyserial code opens an emulated device in-process.

Nothing happens on import: call ``hil.emu.register()`` once, then ``serial.serial_for_url("emu://sampler")``.
"""

from __future__ import annotations

import serial

HANDLER_PACKAGE = "hil.emu"


def register() -> None:
    """Make ``serial.serial_for_url`` understand ``emu://DEVICE`` URLs (idempotent)."""
    if HANDLER_PACKAGE not in serial.protocol_handler_packages:
        serial.protocol_handler_packages.append(HANDLER_PACKAGE)


def unregister() -> None:
    """Forget the ``emu://`` handler again."""
    while HANDLER_PACKAGE in serial.protocol_handler_packages:
        serial.protocol_handler_packages.remove(HANDLER_PACKAGE)
