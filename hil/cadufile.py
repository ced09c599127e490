"""Files of CADUs (ASM + randomized TM frame, optionally Reed–Solomon coded): checked and unpacked.

The channel coding is worked out from the file itself: the distance between sync markers gives the CADU
length (``hil.filekind.cadu_length``); the first CADU then tells whether the frames are randomized and
RS-coded (the one reading whose frame has version 0 and a good FECF). Each CADU is kept as a unit for replay,
timed by the CUC time of the first packet that completes in it; the packets inside are extracted for decode,
export and plots.
"""

from __future__ import annotations

from binascii import crc_hqx
from pathlib import Path

from hil.records import Damage, PacketFile, PacketRecord, tm_time_ns
from protocols.spacelink import ASM, CaduCodec, TmDeframer

ASM_SIZE = len(ASM)
RS_DATA = 223
RS_BLOCK = 255


def _codings(body_length: int) -> list[CaduCodec]:
    """Every channel coding a body of this length could carry (no RS first, randomized first)."""
    found = []
    for randomize in (True, False):
        found.append(CaduCodec(body_length, randomize=randomize))
        if body_length % RS_BLOCK == 0 and 1 <= body_length // RS_BLOCK <= 8:
            interleave = body_length // RS_BLOCK
            found.append(CaduCodec(interleave * RS_DATA, randomize=randomize, rs_interleave=interleave))
    return found


def _frame_ok(frame: bytes | None) -> bool:
    return frame is not None and not frame[0] >> 6 and crc_hqx(frame, 0xFFFF) == 0


def detect_coding(first_body: bytes) -> CaduCodec | None:
    """The coding under which the first CADU body holds a valid TM frame (version 0, FECF good)."""
    for codec in _codings(len(first_body)):
        if _frame_ok(codec.decode_body(first_body).frame):
            return codec
    return None


def read_cadu_file(path: Path, data: bytes, length: int) -> PacketFile | None:
    """The packets of a CADU file (records) and its CADUs as timed units (``units``), with what went wrong;
    None when the first CADU holds no valid TM frame under any coding (so it is not a CADU file after all)."""
    codec = detect_coding(data[ASM_SIZE:length])
    if codec is None:
        return None
    deframer = TmDeframer(codec.frame_length)
    stats = deframer.stats
    records: list[PacketRecord] = []
    units: list[PacketRecord] = []
    damage: list[Damage] = []
    last_time: int | None = None
    whole = len(data) // length * length
    for start in range(0, whole, length):
        cadu = data[start:start + length]
        if cadu[:ASM_SIZE] != ASM:
            damage.append(Damage(start, length, "no sync marker where a CADU should start"))
        decoded = codec.decode_body(cadu[ASM_SIZE:])
        bad_before = stats.fecf_errors
        result = deframer.feed(decoded.frame) if decoded.frame is not None else None
        if stats.fecf_errors > bad_before:
            damage.append(Damage(start, length, "frame with a bad FECF"))
        unit_time = None
        for packet in result.packets if result is not None else ():
            time_ns = tm_time_ns(packet)
            records.append(PacketRecord(packet, time_ns, f"vc{result.vcid}", offset=start))
            if unit_time is None and time_ns is not None:
                unit_time = time_ns
        last_time = unit_time if unit_time is not None else last_time
        units.append(PacketRecord(cadu, last_time, "cadu", offset=start))
    if whole < len(data):
        damage.append(Damage(whole, len(data) - whole, "less than one CADU", torn=True))
    notes = [f"{stats.mc_gaps} gaps in the frame count"] if stats.mc_gaps else []
    coding = (f"{codec.frame_length}-octet frames, {'randomized' if codec.randomize else 'not randomized'}"
              + (f", RS interleave {codec.rs.interleave}" if codec.rs is not None else ""))
    return PacketFile(path, "cadu", records, damage, notes, {"coding": coding}, units=units, size=len(data))
