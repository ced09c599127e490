"""A ground system on loopback, run as its own process: CADUs in over UDP, a CLTU out. Stdlib only (and, for a
secured link, the AES-GCM primitive of the `cryptography` package).

Usage: python ground_system.py ENDPOINTS_JSON RESULT_JSON [KEYS_TOML]
(prints its UDP port first; serve sends CADUs there). With KEYS_TOML, the TC frame is secured with SDLS (CCSDS
355.0-B-2) with the first association the endpoints list for the TC virtual channel, as docs/security.md says the
lander expects: SPI, 12-octet IV and ARSN after the segment header, the MAC after the data, AES-256-GCM.

It derandomizes each CADU (CCSDS LFSR x⁸+x⁷+x⁵+x³+1), checks the frame's FECF, reassembles the space packets
of every virtual channel, then sends one CLTU (BCH(63,56) codeblocks) holding a type-BD TC frame with a
TC[17,1] for the sampler, and waits for the sampler's TM[17,2] and completion report. Everything is written
here from the standards' figures, independently of farside's own codecs.
"""

from __future__ import annotations

import binascii
import json
import socket
import struct
import sys
import time

ASM = bytes.fromhex("1ACFFC1D")
SAMPLER_APID = 0x110
TIMEOUT_S = 60.0


def lfsr_sequence(length: int = 255) -> bytes:
    """The TM pseudo-randomizer sequence from an all-ones register."""
    register, out = 0xFF, bytearray()
    for _ in range(length):
        octet = 0
        for _ in range(8):
            bit = register & 1
            octet = (octet << 1) | bit
            feedback = (register ^ (register >> 3) ^ (register >> 5) ^ (register >> 7)) & 1
            register = (register >> 1) | (feedback << 7)
        out.append(octet)
    return bytes(out)


def bch_parity(info: bytes) -> int:
    """The parity octet of a 7-octet codeblock: 7 complemented parity bits of g(x)=x⁷+x⁶+x²+1, then a 0."""
    remainder = 0
    for octet in info:
        for k in range(7, -1, -1):
            feedback = ((remainder >> 6) & 1) ^ ((octet >> k) & 1)
            remainder = (remainder << 1) & 0x7F
            if feedback:
                remainder ^= 0x45  # x⁶ + x² + 1: the generator below x⁷
    return ((~remainder) & 0x7F) << 1


def cltu(frame: bytes) -> bytes:
    """Start sequence, codeblocks (last padded with 55), tail."""
    padded = frame + b"\x55" * (-len(frame) % 7)
    blocks = b"".join(padded[i:i + 7] + bytes([bch_parity(padded[i:i + 7])]) for i in range(0, len(padded), 7))
    return bytes.fromhex("EB90") + blocks + bytes.fromhex("C5C5C5C5C5C5C579")


def crc(data: bytes) -> bytes:
    """CRC-16/CCITT-FALSE, two octets."""
    return binascii.crc_hqx(data, 0xFFFF).to_bytes(2, "big")


def ping_tc_frame(scid: int, seq: int, vcid: int = 0, security: dict | None = None) -> tuple[bytes, bytes]:
    """A type-BD TC frame carrying TC[17,1] for the sampler (MAP 0), secured when ``security`` is given."""
    body = struct.pack(">BBBH", 0x2F, 17, 1, 0x0042)
    head = struct.pack(">HHH", 0x1800 | SAMPLER_APID, 0xC000 | seq, len(body) + 2 - 1)
    packet = head + body + crc(head + body)
    if security is not None:
        return secured_frame(scid, vcid, packet, security), packet
    length = 5 + 1 + len(packet) + 2
    header = struct.pack(">HHB", 0x2000 | scid, (vcid << 10) | (length - 1), 0)
    frame = header + bytes([0xC0]) + packet
    return frame + crc(frame), packet


def secured_frame(scid: int, vcid: int, packet: bytes, sa: dict) -> bytes:
    """Primary header | segment header | SPI | IV | ARSN | data (ciphertext for auth-enc) | MAC | FECF.

    The MAC's additional data is the primary header through the security header (auth-enc) or through the data
    (auth); the frame length covers everything, the FECF too.
    """
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    iv, arsn = (1).to_bytes(12, "big"), (1).to_bytes(sa["arsn_octets"], "big")
    security_header = sa["spi"].to_bytes(2, "big") + iv + arsn
    length = 5 + 1 + len(security_header) + len(packet) + 16 + 2
    header = struct.pack(">HHB", 0x2000 | scid, (vcid << 10) | (length - 1), 0) + bytes([0xC0])
    aead = AESGCM(bytes.fromhex(sa["key"]))
    if sa["service"] == "auth-enc":
        sealed = aead.encrypt(iv, packet, header + security_header)  # ciphertext, then the 16-octet tag
        frame = header + security_header + sealed
    else:
        frame = header + security_header + packet + aead.encrypt(iv, b"", header + security_header + packet)
    return frame + crc(frame)


class Reassembler:
    """Space packets of one virtual channel across frames, by the first header pointer."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.synced = False

    def frame(self, fhp: int, data: bytes) -> list[bytes]:
        if fhp == 0x7FE:
            return []
        if not self.synced:
            if fhp == 0x7FF:
                return []
            self.buffer, self.synced = bytearray(data[fhp:]), True
        else:
            self.buffer += data
        out = []
        while len(self.buffer) >= 6:
            size = 7 + int.from_bytes(self.buffer[4:6], "big")
            if len(self.buffer) < size:
                break
            packet = bytes(self.buffer[:size])
            del self.buffer[:size]
            if (int.from_bytes(packet[:2], "big") & 0x7FF) != 0x7FF:
                out.append(packet)
        return out


def main() -> int:
    """Receive, command, check; write what was seen."""
    endpoints_path, result_path = sys.argv[1], sys.argv[2]
    keys_path = sys.argv[3] if len(sys.argv) > 3 else None
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        try:
            with open(endpoints_path) as file:
                endpoints = json.load(file)
            break
        except (OSError, ValueError):
            if time.monotonic() > deadline:
                return 1
            time.sleep(0.05)
    frame_length, scid = endpoints["tm_frame_length"], endpoints["spacecraft_id"]
    sequence = lfsr_sequence() * (frame_length // 255 + 1)
    channels: dict[int, Reassembler] = {}
    result = {"cadus": 0, "fecf_errors": 0, "packets": 0, "apids": [], "ping_reply": False, "completed": False}
    sock.settimeout(0.5)
    sent_ping: bytes | None = None
    while time.monotonic() < deadline and not result["completed"]:
        try:
            cadu = sock.recv(65536)
        except TimeoutError:
            continue
        if cadu[:4] != ASM or len(cadu) != 4 + frame_length:
            continue
        body = cadu[4:]
        frame = bytes(a ^ b for a, b in zip(body, sequence, strict=False)) if endpoints["randomized"] else body
        result["cadus"] += 1
        if binascii.crc_hqx(frame, 0xFFFF):
            result["fecf_errors"] += 1
            continue
        ids, _, _, status = struct.unpack_from(">HBBH", frame)
        vcid, ocf = (ids >> 1) & 7, ids & 1
        data = frame[6:frame_length - 2 - (4 if ocf else 0)]
        for packet in channels.setdefault(vcid, Reassembler()).frame(status & 0x7FF, data):
            result["packets"] += 1
            apid = int.from_bytes(packet[:2], "big") & 0x7FF
            if apid not in result["apids"]:
                result["apids"].append(apid)
            if apid == SAMPLER_APID and packet[7:9] == bytes([17, 2]):
                result["ping_reply"] = True
            if sent_ping and apid == SAMPLER_APID and packet[7:9] == bytes([1, 7]) and packet[19:23] == sent_ping[:4]:
                result["completed"] = True
        if sent_ping is None and result["packets"] >= 3:
            frame_out, sent_ping = ping_tc_frame(scid, 0, endpoints["tc"]["vcid"], _association(endpoints, keys_path))
            sock.sendto(cltu(frame_out), ("127.0.0.1", int(endpoints["ground_tc"])))
    with open(result_path, "w") as file:
        json.dump(result, file)
    return 0


def _association(endpoints: dict, keys_path: str | None) -> dict | None:
    """The first SA the endpoints list for the TC VC, with its key from the key file (None: no security)."""
    if keys_path is None:
        return None
    import tomllib

    with open(keys_path, "rb") as file:
        keys = {a["spi"]: a["key"] for a in tomllib.load(file)["association"]}
    vcid = endpoints["tc"]["vcid"]
    listed = next(a for a in endpoints["tc"]["sdls"]["associations"] if a["vcid"] == vcid)
    return {**listed, "key": keys[listed["spi"]]}


if __name__ == "__main__":
    sys.exit(main())
