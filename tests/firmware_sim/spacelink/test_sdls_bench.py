"""SDLS in the bench: a key file, secured TCs through FOP-1 and FARM-1, attacks rejected and counted by reason."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from frame_bench import frame_bench, radio_of, uplinked_tcs

from firmware_sim.bench import Bench
from firmware_sim.errors import ConfigurationError, ScenarioError
from firmware_sim.scenario.loader import load_scenario
from firmware_sim.spacelink import FrameGroundGateway, FrameGroundNode
from firmware_sim.spacelink.frames_link import SDLS_ATTACKS, FramesLink
from hil.cli import main
from hil.serve.status import status_line
from protocols.dictionary import default_dictionary
from protocols.pus import PusTc
from protocols.spacelink import TcFrame, encode_cltu
from protocols.spacelink.sdls import SdlsSender

SAMPLER = default_dictionary().device("sampler")
KEY = "c0ffee" * 10 + "8bad"
KEYS = f"""
# SDLS security associations of the test lander
[[association]]
spi = 7
vcid = 0
service = "auth-enc"
key = "{KEY}"
arsn_length = 2
window = 4
"""
SCENARIO = """
[scenario]
name = "secured"
seed = 9
duration = "T+10m"

[bench.devices.relay]
visibility = "always"

[bench.security]
keys = "keys.toml"

[[timeline]]
at = "T+1m"
device = "sampler"
command = "ping"
{faults}
"""
ATTACKS = """
[[faults]]
at = "T+2m"
target = "relay"
fault = "sdls-attack"
params = { kind = "forge", count = 3 }
"""
EXPECTED_REASON = {"forge": "bad-mac", "replay": "replayed", "replay-old": "too-old", "truncate": "truncated",
                   "wrong-spi": "unknown-spi"}


def _write(tmp_path: Path, keys: str = KEYS, mode: int = 0o600, faults: str = "") -> Path:
    key_file = tmp_path / "keys.toml"
    key_file.write_text(keys)
    os.chmod(key_file, mode)
    scenario = tmp_path / "secured.toml"
    scenario.write_text(SCENARIO.format(faults=faults))
    return scenario


def _bench(tmp_path: Path) -> Bench:
    return Bench(load_scenario(_write(tmp_path)).bench, seed=3)


def _ground(bench: Bench) -> FrameGroundNode:
    ground = bench.ground
    assert isinstance(ground, FrameGroundNode)
    return ground


def _link(bench: Bench) -> FramesLink:
    link = radio_of(bench).frames_link
    assert link is not None and link.tc.sdls is not None
    return link


def _completed(bench: Bench, sent: list[bytes]) -> list[int]:
    """Sequence counts of the sent TCs whose completion report (TM[1,7]) reached the ground."""
    ids = {raw[:4]: PusTc.unpack(raw).seq_count for raw in sent}
    return [ids[p.raw[19:23]] for p in _ground(bench).packets(SAMPLER.apid)
            if p.raw[7:9] == bytes((1, 7)) and p.raw[19:23] in ids]


def test_fop1_tcs_over_a_secured_link_reach_the_sampler_and_complete(tmp_path: Path) -> None:
    bench = _bench(tmp_path)
    delivered = uplinked_tcs(bench)
    bench.run(5)
    sent = [_ground(bench).command(SAMPLER, "ping") for _ in range(6)]
    bench.run(300)
    assert delivered == sent
    assert _completed(bench, sent) == [PusTc.unpack(raw).seq_count for raw in sent]
    link = _link(bench)
    assert link.figures()["sdls_accepted"] >= 6 and not any(link.figures()["sdls_rejected"].values())
    assert link.tc.last_secured is not None and bytes(sent[0]) not in link.tc.last_secured  # encrypted on the air


@pytest.mark.parametrize("kind", SDLS_ATTACKS)
def test_each_attack_is_rejected_counted_by_reason_and_never_executed(tmp_path: Path, kind: str) -> None:
    bench = _bench(tmp_path)
    delivered = uplinked_tcs(bench)
    bench.run(5)
    sent = [_ground(bench).command(SAMPLER, "ping") for _ in range(6)]  # 6 > window 4: the first is too old
    bench.run(300)
    assert delivered == sent
    link = _link(bench)
    accepted = link.tc.stats.accepted
    bench.inject("relay", "sdls-attack", {"kind": kind, "count": 3})
    bench.run(300)
    rejected = link.figures()["sdls_rejected"]
    assert rejected == {reason: 3 if reason == EXPECTED_REASON[kind] else 0 for reason in rejected}
    assert delivered == sent and link.tc.stats.accepted == accepted  # FARM-1 never saw them, nothing executed
    assert _completed(bench, sent) == [PusTc.unpack(raw).seq_count for raw in sent]


def test_a_good_tc_after_fifty_bad_frames_is_accepted(tmp_path: Path) -> None:
    bench = _bench(tmp_path)
    delivered = uplinked_tcs(bench)
    bench.run(5)
    for kind in SDLS_ATTACKS:
        bench.inject("relay", "sdls-attack", {"kind": kind, "count": 10})
    bench.run(600)
    assert sum(_link(bench).figures()["sdls_rejected"].values()) == 50 and delivered == []
    sent = _ground(bench).command(SAMPLER, "ping")
    bench.run(120)
    assert delivered == [sent] and _completed(bench, [sent]) == [PusTc.unpack(sent).seq_count]


def test_an_attack_without_security_associations_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="security associations"):
        frame_bench().inject("relay", "sdls-attack", {"kind": "forge"})


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620])
def test_a_key_file_open_to_others_is_refused_with_one_line_naming_it(tmp_path: Path, mode: int) -> None:
    scenario = _write(tmp_path, mode=mode)
    with pytest.raises(ScenarioError) as error:
        load_scenario(scenario)
    text = str(error.value)
    assert "\n" not in text and str(tmp_path / "keys.toml") in text and "chmod 600" in text
    assert text.startswith(f"{scenario}:") and KEY not in text


def test_keys_on_the_packet_link_are_refused_at_the_security_line(tmp_path: Path) -> None:
    scenario = _write(tmp_path)
    text = scenario.read_text().replace('visibility = "always"', 'visibility = "always"\nspace_link = "packets"')
    scenario.write_text(text)
    line = text.splitlines().index('keys = "keys.toml"') + 1
    with pytest.raises(ScenarioError) as error:
        load_scenario(scenario)
    assert str(error.value) == (f'{scenario}:{line}: [bench.security]: SDLS secures TC frames; the relay\'s '
                                f'space_link = "packets" has none (use space_link = "frames")')


def test_keys_on_the_packet_link_are_refused_by_a_bench_built_in_code(tmp_path: Path) -> None:
    settings = load_scenario(_write(tmp_path)).bench
    settings = replace(settings, devices={"relay": {"visibility": "always", "space_link": "packets"}})
    with pytest.raises(ConfigurationError, match=r"^bench\.security: SDLS secures TC frames"):
        Bench(settings)


def test_a_missing_key_file_is_named(tmp_path: Path) -> None:
    scenario = _write(tmp_path)
    (tmp_path / "keys.toml").unlink()
    with pytest.raises(ScenarioError, match=r"cannot read the key file .*keys\.toml"):
        load_scenario(scenario)


@pytest.mark.parametrize("bad", [
    KEYS.replace(f'key = "{KEY}"', f'key = "{KEY[:-2]}"'),
    KEYS.replace(f'key = "{KEY}"', f'key = "{KEY[:-1]}z"'),
    KEYS.replace(f'key = "{KEY}"', f'key = "{KEY}"\nkey2 = "{KEY}"'),
    KEYS.replace("spi = 7", "spi = 0"),
    KEYS + KEYS,
    KEYS.replace('"auth-enc"', '"clear"'),
    f'[[association]]\nspi = 1\nkey = "{KEY}" "broken"\n',
])
def test_a_bad_key_file_names_its_line_and_never_shows_a_key(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ScenarioError) as error:
        load_scenario(_write(tmp_path, keys=bad))
    text = str(error.value)
    assert text.startswith(f"{tmp_path / 'keys.toml'}:") and KEY[:-2] not in text and "\n" not in text


def test_the_key_is_in_no_summary_recording_status_or_repr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = _write(tmp_path, faults=ATTACKS)
    recording = tmp_path / "run.pcapng"
    assert main(["run", str(scenario), "--quiet", "--json", "--record", str(recording)]) == 0
    out = capsys.readouterr().out
    summary = json.loads(out)
    assert summary["space_link"]["sdls_rejected"]["bad-mac"] == 3
    assert main(["run", str(scenario), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "SDLS 0 secured frames verified; rejected bad-mac 3" in text
    key = bytes.fromhex(KEY)
    loaded = load_scenario(scenario)
    for shown in (out, text, repr(loaded), str(loaded.bench.security[0])):
        assert KEY not in shown.lower() and key.hex() not in shown
    data = recording.read_bytes()
    assert key not in data and KEY.encode() not in data and b"sdls-attack" in data


def test_without_security_the_summary_has_no_sdls_figures(tmp_path: Path) -> None:
    bench = frame_bench()
    bench.run(5)
    link = radio_of(bench).frames_link
    assert link is not None and link.tc.sdls is None and "sdls_accepted" not in link.figures()


def _gateway_bench(tmp_path: Path) -> tuple[Bench, FrameGroundGateway, list[bytes]]:
    settings = replace(load_scenario(_write(tmp_path)).bench, nodes={"ground": "udp://127.0.0.1:0"})
    bench = Bench(settings, seed=3)
    gateway = bench.external["ground"].boundary
    assert isinstance(gateway, FrameGroundGateway)
    gateway.outlet = lambda unit: True
    return bench, gateway, uplinked_tcs(bench)


def test_the_gateway_secures_its_own_tcs_and_passes_outside_cltus_unchanged(tmp_path: Path) -> None:
    bench, gateway, delivered = _gateway_bench(tmp_path)
    bench.run(5)
    inside = PusTc(SAMPLER.apid, 17, 1, b"", 1, 0, 0xF).pack()
    assert gateway.uplink(inside)
    bench.run(30)
    assert delivered == [inside] and _link(bench).figures()["sdls_accepted"] == 1
    sa = bench.settings.security[0]
    clear = PusTc(SAMPLER.apid, 17, 1, b"", 2, 0, 0xF).pack()
    gateway.inject(encode_cltu(TcFrame.bd(91, 0, clear).pack()))  # an outside system that forgot to secure
    bench.run(30)
    assert delivered == [inside] and _link(bench).figures()["sdls_rejected"]["unknown-spi"] == 1
    outside = SdlsSender(sa, iv=1000, arsn=1000)  # the outside system secures with the same association
    gateway.inject(encode_cltu(outside.secure(TcFrame.bd(91, 0, clear))))
    bench.run(30)
    assert delivered == [inside, clear]


def test_the_endpoint_description_says_what_sdls_expects_without_the_key(tmp_path: Path) -> None:
    _, gateway, _ = _gateway_bench(tmp_path)
    sdls = gateway.describe()["tc"]["sdls"]
    assert sdls["associations"] == [{"spi": 7, "vcid": 0, "service": "auth-enc", "arsn_octets": 2, "window": 4}]
    assert sdls["iv_octets"] == 12 and sdls["mac_octets"] == 16
    assert KEY not in json.dumps(gateway.describe())


def test_the_status_line_shows_sdls_rejections_once_there_are_any(tmp_path: Path) -> None:
    bench = _bench(tmp_path)
    session = SimpleNamespace(pacing=SimpleNamespace(max_late_ns=0, late_cycles=0), bench=bench, shadows={},
                              ports={})
    bench.run(5)
    assert "sdls" not in status_line(session)
    bench.inject("relay", "sdls-attack", {"kind": "wrong-spi", "count": 2})
    bench.inject("relay", "sdls-attack", {"kind": "truncate"})
    bench.run(120)
    assert "sdls rejected unknown-spi 2, truncated 1" in status_line(session)


def test_a_tc_too_long_once_secured_is_refused_at_the_ground_and_the_bench_runs_on(tmp_path: Path) -> None:
    """A packet that fits a clear TC frame but not a secured one (1024 octets at most) is refused and counted."""
    bench = _bench(tmp_path)
    delivered = uplinked_tcs(bench)
    bench.run(5)
    ground = _ground(bench)
    refused = ground.counters.tcs_refused
    too_long = PusTc(SAMPLER.apid, 17, 1, bytes(1000), 1, 0, 0xF).pack()  # 1,013 octets: over once secured
    assert not ground.uplink(too_long) and not ground.uplink_expedited(too_long)
    assert ground.counters.tcs_refused == refused + 2
    sent = ground.command(SAMPLER, "ping")
    bench.run(300)
    assert delivered == [sent]
