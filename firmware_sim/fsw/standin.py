"""The flight-software stand-in: commands devices by name, decodes their telemetry, stores and forwards downlink."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from firmware_sim.engine.link import Port
from firmware_sim.engine.scheduler import Scheduler, Timer
from firmware_sim.errors import ConfigurationError
from firmware_sim.fsw.telemetry import EventRecord, TelemetryStore, Verification
from protocols.describe import describe
from protocols.dictionary import Device, Dictionary
from protocols.errors import ProtocolError
from protocols.services import verification
from protocols.services.events import Severity
from protocols.spacepacket import SequenceCounter

LINK_UP = "locked"
STORE_LIMIT_OCTETS = 64 * 1024 * 1024
VERIFICATIONS_KEPT = 10_000
"""Commands whose verification reports the stand-in still tracks (the oldest are forgotten)."""


@dataclass
class FswCounters:
    """What the stand-in handled."""

    tc_sent: int = 0
    tc_uplinked: int = 0
    tc_unroutable: int = 0
    tm_received: int = 0
    tm_undecodable: int = 0
    tm_forwarded: int = 0
    tm_stored: int = 0
    tm_store_dropped: int = 0


class FlightSoftware:
    """Routes TCs to devices by APID, collects their TM, and hands it to the relay radio for downlink.

    While the radio reports no lock on the relay, downlink TM is kept in a bounded store (oldest dropped
    first, counted) and forwarded, paced at the radio's downlink rate, once the link is back.
    """

    def __init__(self, scheduler: Scheduler, dictionary: Dictionary, store: TelemetryStore | None = None,
                 relay: str | None = "relay", source_id: int = 1,
                 store_limit_octets: int = STORE_LIMIT_OCTETS) -> None:
        self.scheduler = scheduler
        self.dictionary = dictionary
        self.store = store or TelemetryStore()
        self.relay = relay
        self.source_id = source_id
        self.store_limit_octets = store_limit_octets
        self.counters = FswCounters()
        self.ports: dict[str, Port] = {}
        self.verifications: dict[tuple[int, int], Verification] = {}
        self.listeners: list[Callable[[str, bytes], None]] = []
        self.on_verification: Callable[[Verification], None] | None = None
        self._seq = SequenceCounter()
        self._stored: deque[bytes] = deque()
        self._stored_octets = 0
        self._drain: Timer | None = None
        self._relay_link_state: Any = None
        """The radio's link state as last reported (the store tells the stand-in each value as it arrives)."""
        if relay is not None:
            self.store.follow(relay, "link_state", self._relay_link_reported)

    # wiring ----------------------------------------------------------------------------------------------
    def attach(self, device: str, port: Port) -> None:
        """Connect the stand-in to a device's link."""
        entry = self.dictionary.device(device)
        self.ports[device] = port
        port.handler = partial(self._on_packet, entry)

    # commanding --------------------------------------------------------------------------------------------
    def send(self, device: str, command: str, args: Mapping[str, Any] | None = None, ack: int = 0xF) -> Verification:
        """Send a command by name (engineering-unit arguments); returns its growing verification record."""
        target = self.dictionary.device(device)
        self._port(device)
        raw = target.telecommand(command, args, self._seq.peek(target.apid), self.source_id, ack)
        self._seq.next(target.apid)
        return self.send_packet(device, raw, command)

    def send_packet(self, device: str, raw: bytes, command: str = "raw TC") -> Verification:
        """Send an already-built TC on a device's link as it is, framed (malformed ones too); track its reports."""
        if not isinstance(raw, bytes | bytearray | memoryview):
            raise TypeError(f"a TC is bytes, not {type(raw).__name__}")
        raw = bytes(raw)
        port = self._port(device)
        if len(raw) >= 4:
            apid, seq = ((raw[0] & 0x07) << 8) | raw[1], ((raw[2] << 8) | raw[3]) & 0x3FFF
        else:
            apid, seq = self.dictionary.device(device).apid, -1
        record = self._track(device, apid, seq, command)  # tracked before it leaves: its reports may come at once
        self.counters.tc_sent += 1
        port.send(raw, as_is=True)
        return record

    def track(self, device: str, seq_count: int, command: str = "") -> Verification:
        """Start collecting the verification reports about ``device``'s TC of ``seq_count`` (sent by other means)."""
        return self._track(device, self.dictionary.device(device).apid, seq_count, command)

    def _track(self, device: str, apid: int, seq_count: int, command: str) -> Verification:
        record = Verification(device, command, seq_count, self.scheduler.now_ns)
        self.verifications[(apid, seq_count)] = record
        if len(self.verifications) > VERIFICATIONS_KEPT:
            del self.verifications[next(iter(self.verifications))]  # the oldest command
        return record

    def _port(self, device: str) -> Port:
        port = self.ports.get(device)
        if port is None:
            raise ConfigurationError(f"flight software has no link to {device}")
        return port

    def route(self, raw: bytes) -> bool:
        """Send a TC (e.g. uplinked from the ground) to the device that owns its APID."""
        apid = ((raw[0] & 0x07) << 8) | raw[1] if len(raw) >= 2 else -1
        device = self.dictionary.find_apid(apid)
        port = self.ports.get(device.name) if device else None
        if port is None:
            self.counters.tc_unroutable += 1
            return False
        port.send(raw)
        return True

    # telemetry in ------------------------------------------------------------------------------------------
    def _on_packet(self, device: Device, raw: bytes) -> None:
        if len(raw) > 0 and raw[0] & 0x10:  # a TC: only the radio delivers those (uplink from the ground)
            self.counters.tc_uplinked += 1
            self.route(raw)
            return
        self.counters.tm_received += 1
        self._decode(device, raw)
        for listener in self.listeners:
            listener(device.name, raw)
        if self.relay is not None:
            self._downlink(raw)

    def decode_telemetry(self, source: str, raw: bytes) -> None:
        """Put one TM packet from ``source`` into the store (verification reports update the tracked commands)."""
        self._decode(self.dictionary.device(source), raw)

    def _decode(self, device: Device, raw: bytes) -> None:
        """``decode_telemetry`` for a device already looked up (the ports' handlers are bound to theirs)."""
        source = device.name
        now = self.scheduler.now_ns
        try:
            if len(raw) > 8 and raw[7] == 3 and raw[8] == 25:
                reader = device.hk_reader_for(raw)
                if reader is not None:  # checked now (and counted if bad), decoded when a value is asked for
                    codec = reader.codec
                    codec.verify(raw)
                    self.store.defer(source, codec.sid, now, reader.parameters, raw, codec.values)
                    return
                report = device.decode_hk_packet(raw)
                self.store.update(source, now, device.hk_set(report.sid).parameters, report.values)
                return
            view = describe(raw, self.dictionary)
        except ProtocolError:
            self.counters.tm_undecodable += 1
            return
        if view.error:
            self.counters.tm_undecodable += 1
            return
        if view.service == verification.SERVICE:
            self._on_verification(view.fields, view.name or "", now)
        elif view.service == 5 and view.name and view.name.startswith("event:"):
            data = {k: v for k, v in view.fields.items() if k != "severity"}
            self.store.add_event(EventRecord(now, source, view.name[6:], Severity(view.subtype or 1).name.lower(),
                                             data))
            if source == self.relay and view.name == "event:link-acquired":
                self._start_drain()
        elif view.name == "param-report":
            self.store.update(source, now, view.fields.keys(), view.fields.values())

    def _on_verification(self, fields: dict[str, Any], stage: str, now: int) -> None:
        record = self.verifications.get((fields["request_apid"], fields["request_seq_count"]))
        if record is None:
            return
        record.stages.append((now, stage))
        if not fields.get("ok", True):
            record.failure = str(fields.get("failure"))
        if self.on_verification is not None:
            self.on_verification(record)

    # downlink: store and forward ---------------------------------------------------------------------------
    def link_up(self) -> bool:
        """True while the radio reports lock on the relay."""
        return self.relay is not None and self._relay_link_state == LINK_UP

    def _relay_link_reported(self, state: Any) -> None:
        """The radio reported its link state."""
        self._relay_link_state = state

    def _downlink(self, raw: bytes) -> None:
        port = self.ports.get(self.relay or "")
        if port is None:
            return
        if self.link_up() and not self._stored:
            self.counters.tm_forwarded += 1
            port.send(raw)
            return
        self._stored.append(raw)
        self._stored_octets += len(raw)
        self.counters.tm_stored += 1
        while self._stored_octets > self.store_limit_octets:
            self._stored_octets -= len(self._stored.popleft())
            self.counters.tm_store_dropped += 1
        if self.link_up():
            self._start_drain()

    @property
    def stored(self) -> int:
        """Packets waiting in the store for the link."""
        return len(self._stored)

    def _start_drain(self) -> None:
        if self._drain is None and self._stored:
            self._drain = self.scheduler.every(self.scheduler.clock.cycles(1.0), self._drain_second,
                                               first=self.scheduler.cycle)

    def _drain_second(self) -> None:
        """Forward one second's worth of stored TM at the radio's downlink rate."""
        port = self.ports.get(self.relay or "")
        if not self._stored or port is None or not self.link_up():
            if self._drain is not None:
                self._drain.cancel()
                self._drain = None
            return
        budget = max(256, int(self.store.get(self.relay or "", "downlink_rate", 1400) or 1400) // 8)
        while self._stored and budget > 0:
            raw = self._stored.popleft()
            self._stored_octets -= len(raw)
            budget -= len(raw)
            self.counters.tm_forwarded += 1
            port.send(raw)
