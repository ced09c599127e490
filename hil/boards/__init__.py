"""Emulated boards as bench nodes: QEMU started, wired to the bench, logged and stopped by farside (``qemu:`` URLs)."""
