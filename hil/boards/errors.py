"""The error a board raises when it cannot start or stops before the run ends."""

from __future__ import annotations

from hil.errors import TransportError


class BoardError(TransportError):
    """An emulated board is missing a part (QEMU, its ELF), cannot start, or exited while the bench needed it."""
