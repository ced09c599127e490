"""``emu://DEVICE[?seed=N&speed=X]``: a device of this process's emulated bench, through pyserial's handler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from firmware_sim.engine.pacing import SPEED_RANGE
from firmware_sim.seeds import SEED_RANGE, check_seed
from hil.ports.base import DuplexPort, OnChange
from hil.schemes.base import Role, Url
from hil.schemes.grammar import bad_url, no_more, options, split
from hil.transports.base import Transport


@dataclass(frozen=True)
class EmuUrl(Url):
    """An emulated device in this process (every installed device; ``farside dict`` lists them)."""

    form: ClassVar[str] = "emu://DEVICE[?seed=N&speed=X] (DEVICE: an installed device, `farside dict` lists them)"
    what: ClassVar[str] = "an emulated device in this process"
    roles: ClassVar[frozenset[Role]] = frozenset({Role.PORT, Role.TARGET})
    default_framing: ClassVar[str] = "asm"

    device: str = ""
    seed: int | None = None
    speed: float | None = None

    @classmethod
    def from_url(cls, url: str) -> Self:
        """``emu://DEVICE``, optionally with the bench's ``seed`` and ``speed``."""
        parts = split(url)
        device = parts.netloc or parts.path.lstrip("/")
        if not device or parts.fragment or (parts.netloc and parts.path not in ("", "/")):
            raise bad_url(url, "names no device", cls.form)
        items = options(url, parts.query, cls.form)
        seed, speed = items.pop("seed", None), items.pop("speed", None)
        no_more(url, items, "emu:// takes only ?seed=N and ?speed=X", cls.form)
        try:
            seed_value = None if seed is None else check_seed(int(seed))
            speed_value = None if speed is None else float(speed)
        except ValueError:
            raise bad_url(url, f"seed is a whole number {SEED_RANGE[0]}..{SEED_RANGE[1]:_} and speed a number",
                          cls.form) from None
        if speed_value is not None and not SPEED_RANGE[0] <= speed_value <= SPEED_RANGE[1]:  # NaN fails too
            raise bad_url(url, f"speed={speed} is outside {SPEED_RANGE[0]:g}..{SPEED_RANGE[1]:g} (virtual seconds "
                               f"per wall-clock second, as farside serve --speed)", cls.form)
        return cls(url, device, seed_value, speed_value)

    def open_port(self, name: str, on_change: OnChange | None = None) -> DuplexPort:
        """Attach to the emulated bench (started by the first ``emu://`` port of the process)."""
        from hil.emu import register
        from hil.ports.serialport import SerialPort

        register()
        return SerialPort(self.text, name, on_change, path=self.text)

    def open_target(self) -> Transport:
        """Attach to the emulated bench for writing."""
        from hil.emu import register
        from hil.transports.serialport import SerialTransport

        register()
        return SerialTransport(self.text, self.text)
