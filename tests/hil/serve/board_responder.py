"""A scripted device board on a pseudo-terminal, run as its own process: answers every TC, can unplug itself.

Usage: python board_responder.py LINK_PATH [--delay-ms N] [--wrong-parameters] [--unplug-after N --unplug-for S]

It creates a pty, points LINK_PATH (a symlink, like /dev/serial/by-id/…) at it and answers each TC with an
acceptance report, a TM[17,2] for a ping, a TM[20,2] for a parameter request (value zero with
``--wrong-parameters``, else echoing nothing it cannot know: it is only used that way to differ), and a
completion report. After ``--unplug-after`` TCs it closes the pty and removes the link for ``--unplug-for``
seconds, then comes back on a new pty behind the same link. Stdlib only: it stands for foreign hardware.
"""

from __future__ import annotations

import argparse
import binascii
import os
import select
import struct
import sys
import time
import tty

ASM = bytes.fromhex("1ACFFC1D")


def tm(apid: int, seq: int, service: int, subtype: int, data: bytes) -> bytes:
    """A PUS-C TM packet with a zero time field and a CRC."""
    body = struct.pack(">BBBHH6x", 0x20, service, subtype, seq, 0) + data
    head = struct.pack(">HHH", 0x0800 | apid, 0xC000 | seq, len(body) + 2 - 1)
    packet = head + body
    return packet + binascii.crc_hqx(packet, 0xFFFF).to_bytes(2, "big")


def tcs(buffer: bytearray) -> list[bytes]:
    """Whole ASM-framed packets at the front of ``buffer`` (consumed)."""
    found = []
    while True:
        start = buffer.find(ASM)
        if start < 0 or len(buffer) < start + 10:
            break
        size = 6 + int.from_bytes(buffer[start + 8:start + 10], "big") + 1
        if len(buffer) < start + 4 + size:
            break
        packet = bytes(buffer[start + 4:start + 4 + size])
        if binascii.crc_hqx(packet, 0xFFFF) == 0:
            found.append(packet)
            del buffer[:start + 4 + size]
        else:
            del buffer[:start + 1]
    return found


def replies(tc: bytes, seq: int, wrong_parameters: bool) -> list[bytes]:
    """What this board answers to one TC."""
    apid = int.from_bytes(tc[:2], "big") & 0x7FF
    service, subtype = tc[7], tc[8]
    request = tc[:4]
    out = [tm(apid, seq, 1, 1, request)]
    if (service, subtype) == (17, 1):
        out.append(tm(apid, seq + 1, 17, 2, b""))
    elif (service, subtype) == (20, 1) and wrong_parameters:
        out.append(tm(apid, seq + 1, 20, 2, tc[11:-2] + b"\0\0\0\0"))
    out.append(tm(apid, seq + 2, 1, 7, request))
    return out


def plug_in(link: str) -> int:
    """A new pty behind ``link``; returns the master fd."""
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    os.close(slave)
    partial = link + ".new"
    if os.path.lexists(partial):
        os.unlink(partial)
    os.symlink(path, partial)
    os.replace(partial, link)
    return master


def main() -> int:
    """Serve TCs until stdin closes (the test's way of saying stop)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("link")
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--wrong-parameters", action="store_true")
    parser.add_argument("--unplug-after", type=int, default=0)
    parser.add_argument("--unplug-for", type=float, default=1.0)
    args = parser.parse_args()
    master = plug_in(args.link)
    print("ready", flush=True)
    buffer, seq, answered = bytearray(), 0, 0
    while True:
        ready, _, _ = select.select([master, sys.stdin], [], [], 1.0)
        if sys.stdin in ready and not sys.stdin.readline():
            return 0
        if master not in ready:
            continue
        try:
            buffer += os.read(master, 4096)
        except OSError:  # nobody has the port open right now
            time.sleep(0.01)
            continue
        for tc in tcs(buffer):
            if args.delay_ms:
                time.sleep(args.delay_ms / 1000)
            for packet in replies(tc, seq, args.wrong_parameters):
                os.write(master, ASM + packet)
            seq = (seq + 3) & 0x3FFF
            answered += 1
            if args.unplug_after and answered == args.unplug_after:
                time.sleep(0.2)  # let the last replies drain before the cable goes
                os.close(master)
                os.unlink(args.link)
                print("unplugged", flush=True)
                time.sleep(args.unplug_for)
                master, buffer = plug_in(args.link), bytearray()
                print("plugged", flush=True)


if __name__ == "__main__":
    sys.exit(main())
