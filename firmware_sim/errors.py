"""The emulator's exception tree: everything ``firmware_sim`` raises is a SimError (a FarsideError)."""

from __future__ import annotations

from protocols.errors import FarsideError


class SimError(FarsideError, RuntimeError):
    """Base of errors raised by ``firmware_sim``."""


class ConfigurationError(SimError):
    """A bench or node configured in a way that cannot run."""


class ScenarioError(SimError):
    """A scenario file that cannot be read or makes no sense; names the file, the line and the problem."""

    def __init__(self, path: str, line: int | None, problem: str) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {problem}" if where else problem)
        self.path = path
        self.line = line
        self.problem = problem


class UnknownNameError(ScenarioError, LookupError):
    """A condition or a test procedure names a device, parameter, event, set or packet the dictionary does not
    have (or that is not on the bench); the message lists the names there are."""


class CommandRefusedError(SimError):
    """A device refuses a command; carries the PUS failure code (and optional data) for the failure report."""

    def __init__(self, code: int, reason: str, data: bytes = b"") -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.data = data
