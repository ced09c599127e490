"""Choosing and configuring the space link from [bench.devices.relay]: checked once, errors name the option."""

from __future__ import annotations

import pytest

from firmware_sim.devices.relay_settings import RadioSettings
from firmware_sim.errors import ConfigurationError
from firmware_sim.scenario import parse_scenario
from firmware_sim.spacelink import FrameLinkSettings


def test_the_frame_link_is_the_default_and_packets_the_alternative() -> None:
    assert RadioSettings.from_options({}).space_link == "frames"
    assert RadioSettings.from_options({"space_link": "packets"}).space_link == "packets"
    settings = RadioSettings.from_options({"frames": {"spacecraft_id": 7, "downlink_ber": 1e-6}})
    assert settings.frames == FrameLinkSettings(spacecraft_id=7, downlink_ber=1e-6)


@pytest.mark.parametrize(("options", "match"), [
    ({"space_link": "carrier-pigeon"}, "space_link"),
    ({"frames": {"colour": 1}}, "frames.colour"),
    ({"frames": {"spacecraft_id": 1024}}, "spacecraft_id"),
    ({"frames": {"rs_interleave": 4}}, "must be 892"),
    ({"frames": {"rs_interleave": 5, "tm_frame_length": 1000}}, "must be 1115"),
    ({"frames": {"rs_interleave": 6, "tm_frame_length": 1338}}, "rs_interleave"),
    ({"frames": {"fop_window": 6}}, "fop_window"),
    ({"frames": {"farm_window": 9}}, "farm_window"),
    ({"frames": {"downlink_ber": 0.5}}, "downlink_ber"),
    ({"frames": {"ground_format": "smoke-signals"}}, "ground_format"),
    ({"frames": {"randomize": "yes"}}, "randomize"),
])
def test_bad_values_are_refused(options: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        RadioSettings.from_options(options)


def test_a_scenario_file_configures_the_link() -> None:
    scenario = parse_scenario('[scenario]\nname = "x"\n[bench.devices.relay]\nspace_link = "frames"\n'
                              '[bench.devices.relay.frames]\nspacecraft_id = 12\nuplink_ber = 1e-5\n')
    settings = RadioSettings.from_options(scenario.bench.devices["relay"])
    assert settings.frames.spacecraft_id == 12 and settings.frames.uplink_ber == 1e-5
