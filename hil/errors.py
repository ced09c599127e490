"""The hil package's exception tree: everything at the edge to the outside world is a HilError (a FarsideError)."""

from __future__ import annotations

from protocols.errors import FarsideError


class HilError(FarsideError, OSError):
    """Base of errors raised by ``hil``."""


class InputFileError(HilError):
    """A file given on the command line cannot be read or does not hold what it should."""


class TransportError(HilError):
    """A transport URL is malformed, or the transport it names cannot be opened, written or closed."""


class RecordingError(HilError):
    """A recording cannot be written, or a file is not a readable recording."""
