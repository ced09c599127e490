"""``qemu:MACHINE?kernel=ELF[&uart=N][&log=N|none][&end=TEXT[&pass=TEXT]][&icount=N]``: a board run in QEMU."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar, Self

from hil.boards.errors import BoardError
from hil.boards.machines import MACHINES, Machine, machine
from hil.ports.base import DuplexPort, OnChange
from hil.schemes.base import Role, Url
from hil.schemes.grammar import bad_url, no_more, options, split

MAX_ICOUNT_SHIFT = 10
"""QEMU's ``-icount shift`` runs from 0 (one instruction per ns) to 10."""


@dataclass(frozen=True)
class QemuUrl(Url):
    """An ELF on an emulated board: ``uart`` carries the node's link, ``log`` (None: none) is the board's log."""

    form: ClassVar[str] = (f"qemu:MACHINE?kernel=ELF[&uart=N][&log=N|none][&end=TEXT[&pass=TEXT]][&icount=N] "
                           f"(MACHINE: {', '.join(MACHINES)})")
    what: ClassVar[str] = "a board farside runs in QEMU"
    roles: ClassVar[frozenset[Role]] = frozenset({Role.PORT})

    machine: str = ""
    kernel: Path = Path()
    uart: int = 0
    log: int | None = 1
    end: str = ""
    """The run ends at the first log line that starts with this ("": at the scenario's end)."""
    passing: str = ""
    """The run fails unless that end line starts with this ("": any end line will do)."""
    icount: int | None = None
    """``-icount shift=N,align=off``: guest time from instructions, not the host clock (None: not passed)."""

    @classmethod
    def from_url(cls, url: str) -> Self:
        """``qemu:lm3s6965evb?kernel=fsw.elf&uart=0&log=1&end=VERDICT`` (``qemu://MACHINE?…`` reads the same)."""
        parts = split(url)
        name = (parts.netloc or parts.path).strip("/")
        if not name or parts.fragment or (parts.netloc and parts.path.strip("/")):
            raise bad_url(url, "names no machine", cls.form)
        try:
            board = machine(name)
        except BoardError as exc:
            raise bad_url(url, str(exc), cls.form) from None
        items = options(url, parts.query, cls.form)
        kernel = items.pop("kernel", "")
        if not kernel:
            raise bad_url(url, "needs kernel=ELF, the firmware to run", cls.form)
        uart = _index(url, items.pop("uart", "0"), "uart", board, cls.form)
        log_text = items.pop("log", "1")
        log = None if log_text == "none" else _index(url, log_text, "log", board, cls.form)
        if log == uart:
            raise bad_url(url, f"log={log} is the link's UART too; give the log another UART or log=none", cls.form)
        end = items.pop("end", "")
        if end and log is None:
            raise bad_url(url, "end= watches the log, and log=none has none", cls.form)
        passing = items.pop("pass", "")
        if passing and not end:
            raise bad_url(url, "pass= judges the line that ends the run; give end= too", cls.form)
        icount = _icount(url, items.pop("icount"), cls.form) if "icount" in items else None
        no_more(url, items, "qemu: takes only kernel, uart, log, end, pass and icount", cls.form)
        return cls(url, name, Path(kernel), uart, log, end, passing, icount)

    def anchored(self, base: Path) -> Self:
        """This URL with a relative kernel path taken relative to ``base`` (the bench file's directory)."""
        if self.kernel.is_absolute():
            return self
        return replace(self, kernel=base / self.kernel)

    def open_port(self, name: str, on_change: OnChange | None = None) -> DuplexPort:
        """Start QEMU with the link UART and the log wired, and wait until it is connected."""
        from hil.boards.port import QemuPort

        extra = () if self.icount is None else ("-icount", f"shift={self.icount},align=off")
        return QemuPort(self.text, name, on_change, machine=self.machine, kernel=self.kernel, uart=self.uart,
                        log=self.log, end=self.end, passing=self.passing, extra=extra)


def _index(url: str, text: str, key: str, board: Machine, form: str) -> int:
    if not text.isdigit() or int(text) >= board.uarts:
        raise bad_url(url, f"{key}={text}: {board.name} has UART0 to UART{board.uarts - 1}", form)
    return int(text)


def _icount(url: str, text: str, form: str) -> int:
    if not text.isdigit() or int(text) > MAX_ICOUNT_SHIFT:
        raise bad_url(url, f"icount={text!r}: a shift from 0 to {MAX_ICOUNT_SHIFT}", form)
    return int(text)
