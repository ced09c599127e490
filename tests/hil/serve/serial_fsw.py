"""Flight software as a team would write it against a serial port: pyserial for I/O, ASM framing by hand."""

from __future__ import annotations

import binascii
import select
import time
from dataclasses import dataclass, field

import serial

ASM = bytes.fromhex("1ACFFC1D")
HEADER = 6


@dataclass(frozen=True)
class Received:
    """A TM packet read off the line, with the wall time it was complete."""

    packet: bytes
    wall: float

    @property
    def service(self) -> tuple[int, int]:
        """(service, subtype) from the PUS-C TM secondary header."""
        return self.packet[7], self.packet[8]

    @property
    def request(self) -> bytes:
        """The request id a verification report is about (the TC's packet id and sequence control)."""
        return self.packet[19:23]


@dataclass
class AsmReader:
    """Finds ASM-framed space packets in a byte stream; counts CRC failures and skipped octets."""

    buffer: bytearray = field(default_factory=bytearray)
    crc_errors: int = 0
    skipped: int = 0

    def feed(self, octets: bytes) -> list[bytes]:
        """Every whole, CRC-good packet in the stream so far."""
        self.buffer += octets
        found = []
        while True:
            start = self.buffer.find(ASM)
            if start < 0:
                keep = min(len(self.buffer), len(ASM) - 1)
                self.skipped += len(self.buffer) - keep
                del self.buffer[:len(self.buffer) - keep]
                return found
            self.skipped += start
            del self.buffer[:start]
            if len(self.buffer) < len(ASM) + HEADER:
                return found
            size = HEADER + int.from_bytes(self.buffer[8:10], "big") + 1
            if len(self.buffer) < len(ASM) + size:
                return found
            packet = bytes(self.buffer[len(ASM):len(ASM) + size])
            if binascii.crc_hqx(packet, 0xFFFF) == 0:
                found.append(packet)
                del self.buffer[:len(ASM) + size]
            else:
                self.crc_errors += 1
                del self.buffer[:1]


class SerialFlightSoftware:
    """One pyserial port per device; sends TCs, collects every TM packet with its arrival time."""

    def __init__(self, paths: dict[str, str]) -> None:
        self.ports = {name: serial.Serial(path, baudrate=115200, timeout=0) for name, path in paths.items()}
        self.readers = {name: AsmReader() for name in paths}
        self.received: dict[str, list[Received]] = {name: [] for name in paths}

    def send(self, device: str, packet: bytes) -> float:
        """Frame and write one TC; returns the wall time it was written."""
        self.ports[device].write(ASM + packet)
        self.ports[device].flush()
        return time.monotonic()

    def poll(self, timeout: float) -> None:
        """Wait up to ``timeout`` s for input on any port and take everything that is there."""
        ready, _, _ = select.select(list(self.ports.values()), [], [], timeout)
        for name, port in self.ports.items():
            if port in ready:
                chunk = port.read(65536)
                now = time.monotonic()
                self.received[name] += [Received(p, now) for p in self.readers[name].feed(chunk)]

    def wait_for(self, device: str, service: tuple[int, int], request: bytes | None = None,
                 timeout: float = 10.0, since: int = 0) -> Received:
        """The first TM[service] (about ``request``) from ``device`` after index ``since``; fails on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            for item in self.received[device][since:]:
                if item.service == service and (request is None or item.request == request):
                    return item
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no TM{list(service)} from {device} within {timeout} s")
            self.poll(min(left, 0.2))

    def command(self, device: str, packet: bytes, timeout: float = 10.0) -> tuple[Received, Received]:
        """Send a TC and wait for its acceptance and completion reports (failure reports fail the wait)."""
        since = len(self.received[device])
        self.send(device, packet)
        request = packet[:4]
        accepted = self.wait_for(device, (1, 1), request, timeout, since)
        completed = self.wait_for(device, (1, 7), request, timeout, since)
        return accepted, completed

    def close(self) -> None:
        """Close every port."""
        for port in self.ports.values():
            port.close()
