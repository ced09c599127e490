"""A CADU file or a file of CLTUs as a pcapng capture: one exported PDU per unit, naming the farside dissector.

Wireshark has no CADU, TM-frame or CLTU dissector of its own; the shipped ``farside.lua`` registers
``farside.cadu`` and ``farside.cltu``, and each packet block of the capture names one of them in its exported-PDU
tags (link type 252), so Wireshark with the plugin dissects the capture with no preference. The capture is written
by the one recording writer (``hil.recording.writer.Recorder``), deterministically.
"""

from __future__ import annotations

from pathlib import Path

from hil.cadufile import read_cadu_file
from hil.errors import InputFileError
from hil.filekind import CADU, cadu_length, sniff
from hil.recording.header import farside_version
from hil.recording.writer import Recorder
from protocols.spacelink.cltu import START_SEQUENCE, TAIL, CltuDecoder
from protocols.timecode import EPOCH_1958_TO_1970_S, NS_PER_S, tai_to_utc_ns

CADU_DISSECTOR, CLTU_DISSECTOR = "farside.cadu", "farside.cltu"
CAPTURE_INTERFACES = {CADU_DISSECTOR: "cadu", CLTU_DISSECTOR: "cltu"}
"""The interface each kind of unit is written on."""


def _unix_ns(tai_ns: int) -> int:
    """ns since 1958 TAI (a CUC time) as ns since 1970 UTC (a pcapng timestamp)."""
    return tai_to_utc_ns(tai_ns) - EPOCH_1958_TO_1970_S * NS_PER_S


def cadu_units(path: Path, data: bytes) -> tuple[list[tuple[bytes, int]], str]:
    """The CADUs of a CADU file, each with its UTC time (ns since 1970; from the CUC time of the first packet it
    completes, the first such time for those before), and the coding found; InputFileError when it is none."""
    length = cadu_length(data)
    read = read_cadu_file(path, data, length) if length else None
    if read is None:
        raise InputFileError(f"{path}: not a CADU file whose first CADU holds a valid TM frame")
    first = next((u.time_ns for u in read.units if u.time_ns is not None), None)
    units = []
    for unit in read.units:
        known = unit.time_ns if unit.time_ns is not None else first
        units.append((unit.packet, 0 if known is None else _unix_ns(known)))
    return units, str(read.header.get("coding", ""))


def cltu_units(path: Path, data: bytes) -> list[tuple[bytes, int]]:
    """The CLTUs of a file of CLTUs (start sequence to tail), stamped 1 ms apart from 1970: CLTUs carry no time."""
    decoder = CltuDecoder()
    found = decoder.feed(data) + decoder.flush()
    units = []
    for index, result in enumerate(found):
        end = result.start + len(START_SEQUENCE) + 8 * result.codeblocks + (8 if result.ended_by == TAIL else 0)
        units.append((data[result.start:end], index * 1_000_000))
    if not units:
        raise InputFileError(f"{path}: no CLTU (start sequence EB90, codeblocks, tail) found")
    return units


def write_capture(source: Path, out: Path) -> tuple[str, int]:
    """Write the CADUs or CLTUs of ``source`` to the pcapng ``out``; the dissector named and the units written."""
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read {source}: {exc.strerror}") from None
    header: dict[str, object] = {"farside_version": farside_version(), "mode": "capture", "source": str(source),
                                 "time": "ns since 1970 UTC"}
    if sniff(data) == CADU:
        units, coding = cadu_units(source, data)
        dissector = CADU_DISSECTOR
        header["coding"] = coding
    elif data.startswith(START_SEQUENCE):
        units, dissector = cltu_units(source, data), CLTU_DISSECTOR
    else:
        raise InputFileError(f"{source}: neither a CADU file (sync markers 1ACFFC1D at a fixed distance) nor a "
                             "file of CLTUs (starting with EB90)")
    with Recorder().open(out, header) as recorder:
        link = CAPTURE_INTERFACES[dissector]
        recorder.interface(link, dissector)
        for unit, time_ns in units:
            recorder.tap(time_ns, link, "", unit)
    return dissector, len(units)
