"""Malformed scenarios through `farside run FILE`: exit code 2, one line naming FILE:LINE and the key, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from hil.cli import main

HEAD = '[scenario]\nname = "x"\nduration = "T+2s"\n'
"""A valid header of three lines: the case's own text starts on line 4."""


def _fault(target: str, fault: str, params: str = "") -> str:
    """A [[faults]] table after HEAD (lines 4-8; params on line 8)."""
    text = HEAD + f'[[faults]]\nat = "T+1s"\ntarget = "{target}"\nfault = "{fault}"\n'
    return text + (f"params = {{ {params} }}\n" if params else "")


def _step(keys: str) -> str:
    """A [[timeline]] step after HEAD (its keys from line 5)."""
    return HEAD + "[[timeline]]\n" + keys + "\n"


# (file text, the key the message must name, its line)
CORPUS = {
    # the probe's findings
    "start-year-9999": ('[scenario]\nname = "x"\nstart = "9999-12-31T23:59:59Z"\n', "start", 3),
    "drift-offset-text": (_fault("sampler", "load-cell-drift", 'offset_g = "heavy"'), "offset_g", 8),
    "bit-error-rate-negative": (_fault("link.sampler", "bit-errors", "rate = -1"), "rate", 8),
    "array-5000-deep": (HEAD + "[bench]\nclock_hz = " + "[" * 5000 + "]" * 5000 + "\n", "clock_hz", 5),
    "drop-probability-5": (_fault("link.sampler", "drop", "probability = 5"), "probability", 8),
    "count-1e30": (_fault("link.relay", "corrupt", "count = 1e30"), "count", 8),
    "seed-2**64": ('[scenario]\nname = "x"\nseed = 18446744073709551616\n', "seed", 3),
    "device-option-unknown": (HEAD + '[bench.devices.sampler]\ncolour = "red"\n', "colour", 5),
    # empty, garbage, unicode, nesting
    "empty-file": ("", "[scenario]", 1),
    "only-a-comment": ("# nothing here\n", "[scenario]", 1),
    "control-characters": ("\x00\x01\x02garbage\n", "TOML", 1),
    "bell-in-a-string": ('[scenario]\nname = "a\x07b"\n', "TOML", 2),
    "unicode-key": (HEAD + '"näme" = 1\n', "näme", 4),
    "unicode-table": (HEAD + '["ключ"]\nx = 1\n', "ключ", 4),
    "inline-tables-3000-deep": (HEAD + "x = " + "{a=" * 3000 + "1" + "}" * 3000 + "\n", "x", 4),
    "dotted-key-3000-deep": (HEAD + ".".join(["a"] * 3000) + " = 1\n", "a.a.a", 4),
    "dotted-key-100000-deep": (HEAD + ".".join(["a"] * 100_000) + " = 1\n", "a.a.a", 4),
    "dotted-args-5000-deep": (_step('at = "T+1s"\ndevice = "sampler"\ncommand = "ping"\nargs.' +
                                    ".".join(["a"] * 5000) + " = 1"), "args.a.a", 8),
    "dotted-header-5000-deep": (HEAD + "[" + ".".join(["a"] * 5000) + "]\nx = 1\n", "a.a.a", 4),
    "dotted-keys-in-inline-tables": (HEAD + "x = { " + ".".join(["a"] * 30) + " = { " + ".".join(["b"] * 30) +
                                     " = 1 } }\n", "b.b.b", 4),
    "integer-of-5000-digits": (HEAD + "[bench]\nclock_hz = " + "7" * 5000 + "\n", "clock_hz", 5),
    # wrong types, NaN and inf, huge numbers in the header and the bench
    "name-integer": ('[scenario]\nname = 5\n', "name", 2),
    "seed-nan": ('[scenario]\nname = "x"\nseed = nan\n', "seed", 3),
    "seed-fraction": ('[scenario]\nname = "x"\nseed = 1.5\n', "seed", 3),
    "start-before-1972": ('[scenario]\nname = "x"\nstart = "1958-01-01T00:00:00Z"\n', "start", 3),
    "start-toml-date-2099": ('[scenario]\nname = "x"\nstart = 2099-12-31T00:00:00Z\n', "start", 3),
    "start-offset-past-year-9999": ('[scenario]\nname = "x"\nstart = "9999-12-31T23:00:00-05:00"\n', "start", 3),
    "duration-inf": ('[scenario]\nname = "x"\nduration = inf\n', "duration", 3),
    "duration-billion-days": ('[scenario]\nname = "x"\nduration = "T+1000000000d"\n', "duration", 3),
    "duration-huge-integer": ('[scenario]\nname = "x"\nduration = 99999999999999999999999999\n', "duration", 3),
    "clock-float": (HEAD + "[bench]\nclock_hz = 1e3\n", "clock_hz", 5),
    "baud-inf": (HEAD + "[bench.links.sampler]\nbaud = inf\n", "baud", 5),
    "framing-integer": (HEAD + "[bench.links.sampler]\nframing = 1\n", "framing", 5),
    "sampler-tick-text": (HEAD + '[bench.devices.sampler]\ntick_hz = "fast"\n', "tick_hz", 5),
    "ascender-propellant-negative": (HEAD + "[bench.devices.ascender]\npropellant_kg = -5\n", "propellant_kg", 5),
    "ascender-mass-text": (HEAD + '[bench.devices.ascender]\ndry_mass_kg = "heavy"\n', "dry_mass_kg", 5),
    "relay-queue-text": (HEAD + '[bench.devices.relay]\nqueue_limit = "x"\n', "queue_limit", 5),
    "relay-refresh-nan": (HEAD + "[bench.devices.relay]\nrefresh_s = nan\n", "refresh_s", 5),
    "relay-uplink-rate-range": (HEAD + "[bench.devices.relay]\nvisibility = \"always\"\nuplink_rate = 5000\n",
                                "uplink_rate", 6),
    "relay-frames-scid": (HEAD + "[bench.devices.relay.frames]\nspacecraft_id = 5000\n", "spacecraft_id", 5),
    "relay-frames-unknown": (HEAD + "[bench.devices.relay.frames]\nscid = 5\n", "scid", 5),
    "relay-orbit-unknown": (HEAD + "[bench.devices.relay.orbit]\nbogus = 1\n", "bogus", 5),
    "relay-orbit-inverted": (HEAD + "[bench.devices.relay.orbit]\napolune_altitude_km = 100\n",
                             "apolune_altitude_km", 5),
    "nodes-integer": (HEAD + "[bench.nodes]\nfsw = 5\n", "fsw", 5),
    # timeline steps
    "arg-nan": (_step('at = "T+1s"\ndevice = "sampler"\ncommand = "drill-start"\nargs = { target_depth = nan, '
                      'rotation_rate = 120, percussion = "high", feed_rate = 50 }'), "target_depth", 8),
    "device-array": (_step('at = "T+1s"\ndevice = ["sampler"]\ncommand = "ping"'), "device", 6),
    "timeout-negative": (_step('at = "T+1s"\ndevice = "sampler"\ncommand = "ping"\ntimeout = "-5s"'), "timeout", 8),
    "when-integer": (_step('when = 5\ndevice = "sampler"\ncommand = "ping"'), "when", 5),
    "at-beyond-the-time-code": ('[scenario]\nname = "x"\nstart = "2090-01-01T00:00:00Z"\n[[timeline]]\n'
                                'at = "T+2000d"\ndevice = "sampler"\ncommand = "ping"\n', "at", 5),
    "afters-adding-up-past-the-time-code": ('[scenario]\nname = "x"\n[[timeline]]\nafter = "20000d"\n'
                                            'device = "sampler"\ncommand = "ping"\n[[timeline]]\nafter = "20000d"\n'
                                            'device = "sampler"\ncommand = "ping"\n', "after", 8),
    "step-key-unknown": (_step('at = "T+1s"\ndevice = "sampler"\ncommand = "ping"\nretries = 3'), "retries", 8),
    # faults
    "fault-unknown": (_fault("sampler", "meteor"), "meteor", 7),
    "link-fault-unknown": (_fault("link.relay", "jam"), "jam", 7),
    "fault-param-unknown": (_fault("sampler", "rock", 'depth_m = 1.2, colour = "red"'), "colour", 8),
    "fault-param-missing": (_fault("sampler", "rock"), "depth_m", 7),
    "fault-target-integer": (HEAD + '[[faults]]\nat = "T+1s"\ntarget = 7\nfault = "rock"\n', "target", 6),
    "drop-count-negative": (_fault("link.relay", "drop", "count = -1"), "count", 8),
    "delay-text": (_fault("link.relay", "delay", 'seconds = "1s"'), "seconds", 8),
    "direction-sideways": (_fault("link.relay", "cut", 'direction = "sideways"'), "direction", 8),
    "outage-1e300-seconds": (_fault("relay", "link-outage", "duration_s = 1e300"), "duration_s", 8),
    "seal-count-fraction": (_fault("sampler", "seal-failure", "count = 2.5"), "count", 8),
    "persistent-text": (_fault("sampler", "motor-overcurrent", 'persistent = "yes"'), "persistent", 8),
    "attempts-zero": (_fault("ascender", "ignition-failure", "attempts = 0"), "attempts", 8),
    "valve-unknown": (_fault("ascender", "stuck-valve", 'valve = "tap"'), "valve", 8),
    "overheat-trip-above-target": (_fault("relay", "pa-overheat", "target_c = 90, trip_c = 100"), "trip_c", 8),
    "ber-above-0.1": (_fault("relay", "channel-errors", "ber = 0.5"), "ber", 8),
    "fault-params-not-a-table": (_fault("sampler", "rock") + "params = 3\n", "params", 8),
    # expectations and structure
    "expect-name-integer": (HEAD + '[[expect]]\nname = 3\ncondition = "sampler.drill_depth > 1"\n', "name", 5),
    "expect-nan": (HEAD + '[[expect]]\ncondition = "sampler.drill_depth > nan"\n', "condition", 5),
    "expect-number-of-500-digits": (HEAD + '[[expect]]\ncondition = "sampler.drill_depth > ' + "9" * 500 + '"\n',
                                    "condition", 5),
    "faults-as-a-table": (HEAD + "[faults]\nat = 1\n", "faults", 4),
    "timeline-as-an-integer": ('timeline = 5\n[scenario]\nname = "x"\n', "timeline", 1),
}


@pytest.mark.parametrize(("text", "key", "line"), CORPUS.values(), ids=CORPUS.keys())
def test_a_malformed_scenario_is_one_line_naming_file_line_and_key(text: str, key: str, line: int, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["run", str(path), "--quiet"]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"farside: error: {path}:{line}: "), err
    assert key in err, err


def test_binary_garbage_names_the_line_of_the_first_bad_byte(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "garbage.toml"
    path.write_bytes(b'[scenario]\nname = "x"\n\xff\xfe\x00\x9c garbage')
    assert main(["run", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err == f"farside: error: {path}:3: not UTF-8 text (byte 0xFF)\n"


@pytest.mark.parametrize("until", ["T+36501d", "T+99999999999999999999d", "T+" + "9" * 200 + "s"])
def test_an_until_beyond_100_years_is_refused(until: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ok.toml"
    path.write_text(HEAD)
    assert main(["run", str(path), "--quiet", "--until", until]) == 2
    err = capsys.readouterr().err
    assert err.startswith("farside: error: --until: --until ") and len(err.splitlines()) == 1, err


def test_a_huge_value_in_an_error_is_cut_short(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(_step('at = "T+1s"\ndevice = "sampler"\ncommand = "ping"\nargs.' + ".".join(["a"] * 45) + " = 1"))
    assert main(["run", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"farside: error: {path}:8: ") and len(err.splitlines()) == 1, err
    assert "a={'a': {'a': " in err and "…" in err and len(err) < len(str(path)) + 200, err
