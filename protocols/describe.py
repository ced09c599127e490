"""Explain one packet in full: headers, PUS fields, the dictionary's named engineering values, CRC verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from protocols.crc import crc16_ok
from protocols.dictionary.model import Device
from protocols.dictionary.registry import Dictionary
from protocols.errors import ProtocolError
from protocols.pus import PusTc, PusTm, decode_packet
from protocols.services import events, housekeeping, parameters, test, verification
from protocols.spacepacket import SpacePacket, SpacePacketHeader
from protocols.timecode import NS_PER_S


@dataclass
class PacketView:
    """Everything farside can say about one packet, ready for a table or a JSON line."""

    type: str
    apid: int
    seq_count: int
    seq_flags: int
    size: int
    crc_ok: bool | None
    service: int | None = None
    subtype: int | None = None
    device: str | None = None
    name: str | None = None
    time: float | None = None
    header: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (None-valued keys kept, so every line has the same keys)."""
        return {
            "type": self.type, "apid": self.apid, "seq_count": self.seq_count, "seq_flags": self.seq_flags,
            "size": self.size, "service": self.service, "subtype": self.subtype, "crc_ok": self.crc_ok,
            "device": self.device, "name": self.name, "time": self.time, "header": self.header,
            "fields": self.fields, "units": self.units, "error": self.error,
        }


def describe(data: bytes, dictionary: Dictionary) -> PacketView:
    """Decode one whole packet; raises ProtocolError only when even its headers cannot be read."""
    header = SpacePacketHeader.unpack(data)
    packet = decode_packet(data, verify_crc=False)
    crc_ok = crc16_ok(data) if isinstance(packet, PusTc | PusTm) else None
    view = PacketView(type="SP", apid=header.apid, seq_count=header.seq_count, seq_flags=header.seq_flags,
                      size=len(data), crc_ok=crc_ok)
    device = dictionary.find_apid(header.apid)
    view.device = device.name if device else None
    if isinstance(packet, SpacePacket):
        view.type = "TC" if header.packet_type else "TM"
        view.name = "idle" if packet.is_idle else None
        view.fields = {"data": packet.data.hex()}
        return view
    view.type = "TC" if isinstance(packet, PusTc) else "TM"
    view.service, view.subtype = packet.service, packet.subtype
    if isinstance(packet, PusTc):
        view.header = {"ack_flags": packet.ack_flags, "source_id": packet.source_id}
    else:
        view.time = packet.time_ns / NS_PER_S
        view.header = {"msg_counter": packet.msg_counter, "dest_id": packet.dest_id, "time_ref": packet.time_ref}
    if device is None:
        view.fields = {"app_data": packet.app_data.hex()}
        view.error = f"apid={header.apid}: no device in the dictionary owns it"
        return view
    try:
        if isinstance(packet, PusTc):
            command = device.command_for(packet.service, packet.subtype, packet.app_data)
            view.name = command.name
            view.fields = command.decode(device, packet.app_data)
            view.units = {a.name: a.unit for a in command.args if a.unit}
        else:
            view.name, view.fields = _describe_tm(device, packet, dictionary)
            view.units = _units(device, view.name)
    except ProtocolError as exc:
        view.fields = {"app_data": packet.app_data.hex()}
        view.error = str(exc)
    return view


def packet_names(device: Device) -> list[str]:
    """Every name ``describe`` gives a packet of ``device``, besides ``tm[S,T]`` for telemetry it cannot name."""
    stages = dict.fromkeys(verification.STAGES.values())
    return [*(c.name for c in device.commands), *(f"{s}-{v}" for s in stages for v in ("ok", "failed")),
            "pong", "param-report", *(f"hk:{h.name}" for h in device.housekeeping),
            *(f"event:{e.name}" for e in device.events), "idle"]


def _describe_tm(device: Device, tm: PusTm, dictionary: Dictionary) -> tuple[str, dict[str, Any]]:
    service, subtype, data = tm.service, tm.subtype, tm.app_data
    if service == verification.SERVICE:
        report = verification.decode(subtype, data)
        request = SpacePacketHeader.unpack(report.request_id + b"\x00\x00")
        target = dictionary.find_apid(request.apid)
        fields: dict[str, Any] = {
            "stage": report.stage, "ok": report.ok, "request_apid": request.apid,
            "request_device": target.name if target else None, "request_seq_count": request.seq_count,
        }
        if not report.ok:
            fields["failure_code"] = report.code
            fields["failure"] = verification.failure_name(report.code or 0)
            if report.data:
                fields["failure_data"] = report.data.hex()
        return f"{report.stage}-{'ok' if report.ok else 'failed'}", fields
    if (service, subtype) == (housekeeping.SERVICE, housekeeping.REPORT):
        hk, values = device.decode_hk(data)
        return f"hk:{hk.name}", dict(zip(hk.parameters, values, strict=True))
    if service == events.SERVICE and subtype in (1, 2, 3, 4):
        event, values = device.decode_event(data)
        return f"event:{event.name}", {"severity": events.Severity(subtype).name.lower(), **values}
    if (service, subtype) == (test.SERVICE, test.PONG):
        return "pong", {}
    if (service, subtype) == (parameters.SERVICE, parameters.REPORT):
        pairs = parameters.decode_values(data, lambda pid: device.parameter(pid).raw)
        return "param-report", {device.parameter(p).name: device.parameter(p).to_engineering(v) for p, v in pairs}
    return f"tm[{service},{subtype}]", {"app_data": data.hex()}


def _units(device: Device, name: str) -> dict[str, str]:
    if name.startswith("hk:"):
        return {p.name: p.unit for p in device.parameters if p.unit}
    if name.startswith("event:"):
        return {f.name: f.unit for f in device.event(name[6:]).data if f.unit}
    if name == "param-report":
        return {p.name: p.unit for p in device.parameters if p.unit}
    return {}
