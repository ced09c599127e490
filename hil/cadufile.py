"""Files of CADUs (ASM + randomized TM frame, optionally Reed–Solomon coded): recognised, checked, unpacked.

The channel coding is worked out from the file itself: the distance between sync markers gives the CADU
length; the first CADU then tells whether the frames are randomized and RS-coded (the one reading whose
frame has version 0 and a good FECF). Each CADU is kept as a unit for replay, timed by the CUC time of the
first packet that completes in it; the packets inside are extracted for decode, export and plots.
"""

from __future__ import annotations

from binascii import crc_hqx
from pathlib import Path

from hil.packetfile import PacketFile, PacketRecord, tm_time_ns
from protocols.spacelink import ASM, CaduCodec, TmDeframer

ASM_SIZE = len(ASM)
MAX_BODY = 255 * 8
"""The longest CADU body: RS(255,223) interleaved eight times."""
CHECKED_UNITS = 8
RS_DATA = 223
RS_BLOCK = 255


def cadu_length(data: bytes) -> int | None:
    """The CADU length of a file of back-to-back CADUs, or None when ``data`` does not look like one."""
    if not data.startswith(ASM):
        return None
    following = data.find(ASM, ASM_SIZE + 7, ASM_SIZE + MAX_BODY + ASM_SIZE)
    if following < 0:
        return None
    units = min(CHECKED_UNITS, len(data) // following)
    if units < 2 or any(data[k * following:k * following + ASM_SIZE] != ASM for k in range(units)):
        return None
    return following


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


def read_cadu_file(path: Path, data: bytes, length: int) -> PacketFile:
    """The packets of a CADU file (records) and its CADUs as timed units (``units``), with what went wrong."""
    problems: list[str] = []
    codec = detect_coding(data[ASM_SIZE:length])
    if codec is None:
        return PacketFile(path, "cadu", [], [f"{length}-octet CADUs, but the first holds no valid TM frame under "
                                             "any coding (randomized or not, with or without Reed–Solomon)"])
    deframer = TmDeframer(codec.frame_length)
    records: list[PacketRecord] = []
    units: list[PacketRecord] = []
    last_time: int | None = None
    whole = len(data) // length * length
    for start in range(0, whole, length):
        cadu = data[start:start + length]
        if cadu[:ASM_SIZE] != ASM:
            problems.append(f"offset {start}: no sync marker where a CADU should start")
        decoded = codec.decode_body(cadu[ASM_SIZE:])
        result = deframer.feed(decoded.frame) if decoded.frame is not None else None
        unit_time = None
        for packet in result.packets if result is not None else ():
            time_ns = tm_time_ns(packet)
            records.append(PacketRecord(packet, time_ns, f"vc{result.vcid}"))
            if unit_time is None and time_ns is not None:
                unit_time = time_ns
        last_time = unit_time if unit_time is not None else last_time
        units.append(PacketRecord(cadu, last_time, "cadu"))
    if whole < len(data):
        problems.append(f"torn tail at offset {whole}: {len(data) - whole} octets, less than one CADU")
    stats = deframer.stats
    for count, what in ((stats.fecf_errors, "frames with a bad FECF"), (stats.mc_gaps, "gaps in the frame count")):
        if count:
            problems.append(f"{count} {what}")
    coding = (f"{codec.frame_length}-octet frames, {'randomized' if codec.randomize else 'not randomized'}"
              + (f", RS interleave {codec.rs.interleave}" if codec.rs is not None else ""))
    return PacketFile(path, "cadu", records, problems, {"coding": coding}, units=units)
