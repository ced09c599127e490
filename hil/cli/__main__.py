"""``python -m hil.cli``: the same as the ``farside`` command."""

from hil.cli import script

script()
