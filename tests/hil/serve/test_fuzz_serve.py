"""Nothing a peer sends ends `farside serve`: fuzzed telecommands on every device pty and CLTUs on the ground port.

Every command of every device (random function IDs, edge and out-of-range arguments, unknown SIDs, event and
parameter IDs, wrong lengths, bad CRCs, cut packets, wrong APIDs, garbage) goes to a live `farside serve`; after
each batch a ping proves the device still answers. At the end the server is alive, answers a ping everywhere,
exits 0 on SIGTERM and has printed no traceback. Seeded, so a failure replays.
"""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Iterator
from typing import Any

from fuzz_inputs import DICTIONARY, KILLER_PARAM_GET, FuzzInput, fuzz_all_devices
from serial_fsw import ASM, SerialFlightSoftware

from firmware_sim.spacelink import FrameLinkSettings, TmReceiver
from protocols.pus import PusTc
from protocols.spacelink import TcFrame, encode_cltu

SEED = 11
DEVICES = tuple(d.name for d in DICTIONARY.devices)
PTY_INPUTS_PER_DEVICE = 700
GROUND_INPUTS_PER_DEVICE = 150
BATCH = 60
ANSWER_S = 3.0
"""Wall time a device gets to answer the ping after a batch (15 s of link time at ×5)."""
MAX_SILENT = 3
"""Silent links after which the fuzz stops early (each costs two answer timeouts; the test fails anyway)."""
FLUSH = bytes(66_000)
"""Zeros longer than any packet a length field can announce: whatever a damaged length holds back is let go."""
SYNC_SEQ = 0x3800
"""Sequence counts of the test's own pings, above any the fuzzer uses, so their reports are unambiguous."""
RELAY_KEEPS_LINK = frozenset({"power", "set-mode", "flush-queue", "param-set", "random-function", "random-service",
                              "set-downlink-rate"})
"""Relay commands the ground fuzz leaves out: they may legitimately switch the downlink off, or slow it to 1.4 kbit/s
so that an answer waits minutes behind the queued telemetry."""


def describe(items: list[FuzzInput]) -> str:
    """The inputs of a batch, one per line, for a failure message that replays."""
    return "\n".join(f"  {i.device:<8} {i.kind:<28} {i.wire().hex()}" for i in items)


class Pinger:
    """Pings devices with request IDs of its own and waits for the completion report."""

    def __init__(self) -> None:
        self.seq = SYNC_SEQ

    def packet(self, device: str) -> bytes:
        """A TC[17,1] for ``device`` with the next of the test's sequence counts."""
        self.seq += 1
        return PusTc(DICTIONARY.device(device).apid, 17, 1, b"", self.seq & 0x3FFF, 1, 0xF).pack()


def answered(fsw: SerialFlightSoftware, device: str, ping: bytes, timeout: float = ANSWER_S) -> bool:
    """Send ``ping`` on ``device``'s pty; True once its TM[1,7] (and so its TM[17,2]) came back in time."""
    since = len(fsw.received[device])
    fsw.send(device, ping)
    try:
        fsw.wait_for(device, (1, 7), ping[:4], timeout, since)
    except AssertionError:
        return False
    return True


def write_all(fsw: SerialFlightSoftware, items: list[FuzzInput]) -> None:
    """Write each input to its device's pty, reading replies as they come so no buffer fills."""
    for item in items:
        fsw.ports[item.device].write(item.wire())
        fsw.poll(0)


def test_fuzzed_telecommands_on_every_pty_leave_serve_alive_and_answering(serve) -> None:
    served = serve("--speed", "5", "--seed", "7", "--quiet")
    fsw = SerialFlightSoftware({d: served.endpoints[d] for d in DEVICES})
    pinger = Pinger()
    stalls: list[str] = []
    inputs = [FuzzInput("param-get unknown id (issue 11)", "sampler", KILLER_PARAM_GET),
              *fuzz_all_devices(SEED, PTY_INPUTS_PER_DEVICE)]
    try:
        for start in range(0, len(inputs), BATCH):
            if len(stalls) >= MAX_SILENT:
                break
            batch = inputs[start:start + BATCH]
            try:
                write_all(fsw, batch)
            except OSError as exc:
                raise AssertionError(f"a pty failed while fuzzing ({exc}); batch at {start}:\n{describe(batch)}"
                                     f"\nserve stderr:\n{_stderr(served)}") from None
            for device in DEVICES:
                if answered(fsw, device, pinger.packet(device)):
                    continue
                assert served.process.poll() is None, (
                    f"farside serve exited {served.process.returncode} during batch {start}:{start + len(batch)}:\n"
                    f"{describe(batch)}\nserve stderr:\n{_stderr(served)}")
                fsw.ports[device].write(FLUSH)
                ok = answered(fsw, device, pinger.packet(device))
                mine = [i for i in batch if i.device == device]
                stalls.append(f"{device} silent after batch {start} ({'answered after' if ok else 'even after'} "
                              f"66 kB of zeros):\n{describe(mine)}")
        for device in DEVICES:
            since = len(fsw.received[device])
            assert answered(fsw, device, pinger.packet(device)), f"{device} does not answer a ping at the end"
            assert any(r.service == (17, 2) for r in fsw.received[device][since:]), f"no TM[17,2] from {device}"
    finally:
        fsw.close()
    code, _, err = served.terminate()
    assert "Traceback" not in err, err
    assert code == 0, err
    assert not stalls, (f"{len(stalls)} batches left a device link silent (fuzz stopped at {MAX_SILENT}):\n"
                        + "\n".join(stalls))


def _stderr(served: Any) -> str:
    """Whatever serve printed on stderr so far (it may have exited)."""
    if served.process.poll() is None:
        return served.stderr_seen[-4000:]
    _, err = served.process.communicate(timeout=10)
    served.stderr_seen += err
    return served.stderr_seen[-4000:]


# the ground port --------------------------------------------------------------------------------------------------

class GroundLink:
    """The test's side of the ground port: CLTUs up over UDP, CADUs down decoded into packets by APID."""

    def __init__(self, sock: socket.socket, endpoints: dict[str, Any]) -> None:
        self.sock = sock
        self.tc_address = ("127.0.0.1", int(endpoints["ground_tc"]))
        self.scid = int(endpoints["spacecraft_id"])
        self.vcid = int(endpoints["tc"]["vcid"])
        self.randomized = bool(endpoints["tc"]["randomized"])
        rs = endpoints.get("reed_solomon") or {}
        self.receiver = TmReceiver(FrameLinkSettings(spacecraft_id=self.scid,
                                                     tm_frame_length=int(endpoints["tm_frame_length"]),
                                                     randomize=bool(endpoints["randomized"]),
                                                     rs_interleave=rs.get("interleave") or 0))
        self.packets: list[bytes] = []

    def send(self, octets: bytes) -> None:
        """One datagram to the ground TC port."""
        self.sock.sendto(octets, self.tc_address)

    def cltu(self, packet: bytes) -> bytes:
        """A clean CLTU with a type-BD frame carrying ``packet``."""
        return encode_cltu(TcFrame.bd(self.scid, self.vcid, packet).pack(), self.randomized)

    def poll(self, timeout: float) -> None:
        """Take every CADU that arrives within ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                cadu = self.sock.recv(65536)
            except TimeoutError:
                return
            for received in self.receiver.feed(cadu):
                if received.result is not None:
                    self.packets += received.result.packets
            if time.monotonic() >= deadline:
                return

    def answered(self, ping: bytes, timeout: float) -> bool:
        """Uplink ``ping`` and wait for its TM[1,7] in the downlink."""
        self.send(self.cltu(ping))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.poll(0.2)
            if any(p[7:9] == bytes([1, 7]) and p[19:23] == ping[:4] for p in self.packets):
                return True
        return False


def frame_variants(rng: random.Random, link: GroundLink, packet: bytes) -> Iterator[bytes]:
    """One datagram for a fuzzed packet: in a BD, AD or BC frame, damaged at frame or codeblock level."""
    scid, vcid = link.scid, link.vcid
    pick = rng.random()
    if pick < 0.45:
        frame = TcFrame.bd(scid, vcid, packet[:1000]).pack()
    elif pick < 0.6:
        frame = TcFrame.ad(scid, vcid, rng.randrange(256), packet[:1000]).pack()
    elif pick < 0.65:
        frame = TcFrame(scid, vcid, 0, rng.choice([b"\x00", b"\x82\x00" + bytes([rng.randrange(256)]),
                                                   rng.randbytes(rng.randrange(1, 6))]), True, True, None).pack()
    elif pick < 0.7:
        frame = TcFrame.bd(rng.randrange(1024), vcid, packet[:1000]).pack()
    elif pick < 0.75:
        frame = TcFrame.bd(scid, rng.randrange(64), packet[:1000], map_id=rng.randrange(64)).pack()
    else:
        frame = bytearray(TcFrame.bd(scid, vcid, packet[:1000]).pack())
        spot = rng.choice(("fecf", "length", "version", "cut", "flip"))
        if spot == "fecf":
            frame[-1] ^= 1 << rng.randrange(8)
        elif spot == "length":
            frame[2] = (frame[2] & 0xFC) | rng.randrange(4)
            frame[3] = rng.randrange(256)
        elif spot == "version":
            frame[0] |= rng.randrange(1, 4) << 6
        elif spot == "cut":
            del frame[rng.randrange(1, len(frame)):]
        else:
            frame[rng.randrange(len(frame))] ^= 1 << rng.randrange(8)
        frame = bytes(frame)
    cltu = bytearray(encode_cltu(frame, link.randomized))
    pick = rng.random()
    if pick < 0.15:  # one or two bit errors in a codeblock: corrected, or the CLTU ends there
        for _ in range(rng.choice((1, 2))):
            spot = 2 + rng.randrange(len(cltu) - 10)
            cltu[spot] ^= 1 << rng.randrange(8)
    elif pick < 0.2:
        del cltu[-8:]  # no tail
    elif pick < 0.25:
        cltu = bytearray(rng.randbytes(rng.randrange(1, 20))) + cltu  # junk before the start sequence
    yield bytes(cltu)


def garbage_datagram(rng: random.Random) -> bytes:
    """A datagram that is no CLTU: random octets, a start sequence with random codeblocks, or a lone tail."""
    pick = rng.randrange(4)
    if pick == 0:
        return rng.randbytes(rng.randrange(1, 200))
    if pick == 1:
        return bytes.fromhex("EB90") + rng.randbytes(8 * rng.randrange(0, 40))
    if pick == 2:
        return bytes.fromhex("EB90") + rng.randbytes(8 * rng.randrange(0, 4)) + bytes.fromhex("C5C5C5C5C5C5C579")
    return bytes.fromhex("C5C5C5C5C5C5C579EB90")


def test_fuzzed_cltus_on_the_ground_port_leave_serve_alive_and_answering(serve) -> None:
    downlink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    downlink.bind(("127.0.0.1", 0))
    try:
        served = serve("--ground", f"udp://127.0.0.1:{downlink.getsockname()[1]}", "--relay", "always",
                       "--speed", "100", "--seed", "7", "--quiet")
        link = GroundLink(downlink, served.endpoints)
        rng = random.Random(SEED)
        pinger = Pinger()
        inputs = [FuzzInput("param-get unknown id (issue 11)", "sampler", KILLER_PARAM_GET),
                  *fuzz_all_devices(SEED, GROUND_INPUTS_PER_DEVICE, skip={"relay": RELAY_KEEPS_LINK})]
        silent: list[str] = []
        for start in range(0, len(inputs), BATCH):
            if len(silent) >= MAX_SILENT:
                break
            batch = inputs[start:start + BATCH]
            for item in batch:
                datagrams = [garbage_datagram(rng)] if not item.framed else list(frame_variants(rng, link,
                                                                                                   item.octets))
                for datagram in datagrams:
                    link.send(datagram)
                link.poll(0)
            if not link.answered(pinger.packet("sampler"), timeout=30):
                assert served.process.poll() is None, (
                    f"farside serve exited {served.process.returncode} during ground batch {start}:\n"
                    f"{describe(batch)}\nserve stderr:\n{_stderr(served)}")
                silent.append(f"no answer over the ground link after batch {start}:\n{describe(batch)}")
        assert link.answered(pinger.packet("sampler"), timeout=30), "the sampler does not answer over the ground"
        code, _, err = served.terminate()
        assert "Traceback" not in err, err
        assert code == 0, err
        assert not silent, "\n".join(silent)
    finally:
        downlink.close()


def test_the_issue_reproducer_is_refused_with_a_failure_report(serve) -> None:
    served = serve("--speed", "5", "--quiet")
    fsw = SerialFlightSoftware({"sampler": served.endpoints["sampler"]})
    try:
        fsw.ports["sampler"].write(ASM + KILLER_PARAM_GET)
        report = fsw.wait_for("sampler", (1, 2), KILLER_PARAM_GET[:4])
        assert report.packet[23:25] != b"\x00\x00"  # a failure code
        assert answered(fsw, "sampler", Pinger().packet("sampler"))
    finally:
        fsw.close()
    code, _, err = served.terminate()
    assert code == 0 and "Traceback" not in err, err
