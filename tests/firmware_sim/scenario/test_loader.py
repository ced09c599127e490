"""Scenario files: a complete example read into dataclasses, and every kind of mistake reported at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware_sim.errors import ScenarioError
from firmware_sim.scenario import (
    BenchSettings,
    Condition,
    EventCondition,
    Expectation,
    FaultSpec,
    LinkSettings,
    Scenario,
    Step,
    load_scenario,
    parse_scenario,
)
from firmware_sim.scenario.locate import SourceMap, too_deep

S = 1_000_000_000
H = 3600 * S

REFERENCE = """\
# the reference mission, shortened
[scenario]
name = "reference"
description = "drill, seal, wait for the ascent"
seed = 2024
start = "2024-06-01T22:23:00Z"
duration = "T+52h"

[bench]
clock_hz = 1000
[bench.links.sampler]
baud = 115200
framing = "asm"
[bench.links.relay]
framing = "cobs"
[bench.devices.relay]
visibility = "always"

[[timeline]]
phase = "health checks"
at = "T+5m"
device = "sampler"
command = "ping"

[[timeline]]
after = "30s"
device = "sampler"
command = "drill-start"
args = { target_depth = 2.0, rotation_rate = 120, percussion = "high", feed_rate = 50 }
timeout = "2h"
wait = "completion"

[[timeline]]
when = "sampler.drill_state == idle"
after = "1m"
device = "sampler"
command = "hk-enable"
args = { sid = "drill" }
wait = "acceptance"
note = "watch the drill"

[[timeline]]
phase = "ascent"

[[timeline]]
when = "ascender.event:orbit-reached"

[[faults]]
at = "T+3h"
target = "sampler"
fault = "rock"
params = { depth_m = 1.2 }

[[faults]]
at = "T+4h"
target = "link.relay"
fault = "drop"

[[expect]]
name = "enough sample"
condition = "sampler.sealed_sample_mass >= 1500"
before = "T+30h"

[[expect]]
condition = "ascender.event:orbit-reached"
"""


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the only occurrence of ``needle`` in ``text``."""
    assert text.count(needle) == 1, needle
    return text[:text.index(needle)].count("\n") + 1


def test_the_reference_scenario_reads_into_the_expected_dataclasses() -> None:
    scenario = parse_scenario(REFERENCE, "reference.toml")
    assert scenario == Scenario(
        name="reference",
        path="reference.toml",
        seed=2024,
        start_utc="2024-06-01T22:23:00Z",
        duration_ns=52 * H,
        description="drill, seal, wait for the ascent",
        bench=BenchSettings(
            clock_hz=1000,
            links={"sampler": LinkSettings(baud=115200, framing="asm"), "relay": LinkSettings(framing="cobs")},
            devices={"relay": {"visibility": "always"}},
        ),
        timeline=(
            Step(line=19, device="sampler", command="ping", at_ns=300 * S, phase="health checks"),
            Step(line=25, device="sampler", command="drill-start",
                 args={"target_depth": 2.0, "rotation_rate": 120, "percussion": "high", "feed_rate": 50},
                 after_ns=30 * S, timeout_ns=2 * H, wait="completion"),
            Step(line=33, device="sampler", command="hk-enable", args={"sid": "drill"}, after_ns=60 * S,
                 when=Condition(device="sampler", parameter="drill_state", op="==", value="idle",
                                text="sampler.drill_state == idle", line=34),
                 wait="acceptance", note="watch the drill"),
            Step(line=42, phase="ascent", after_ns=0),
            Step(line=45, when=EventCondition(device="ascender", event="orbit-reached",
                                              text="ascender.event:orbit-reached", line=46)),
        ),
        faults=(
            FaultSpec(line=48, at_ns=3 * H, target="sampler", fault="rock", params={"depth_m": 1.2}),
            FaultSpec(line=54, at_ns=4 * H, target="link.relay", fault="drop"),
        ),
        expectations=(
            Expectation(line=59, name="enough sample",
                        condition=Condition(device="sampler", parameter="sealed_sample_mass", op=">=", value=1500,
                                            text="sampler.sealed_sample_mass >= 1500", line=61),
                        before_ns=30 * H),
            Expectation(line=64, name="ascender.event:orbit-reached",
                        condition=EventCondition(device="ascender", event="orbit-reached",
                                                 text="ascender.event:orbit-reached", line=65)),
        ),
    )


def test_load_scenario_reads_a_file_and_names_it_in_errors(tmp_path: Path) -> None:
    good = tmp_path / "reference.toml"
    good.write_text(REFERENCE, encoding="utf-8")
    assert load_scenario(good) == parse_scenario(REFERENCE, str(good))
    bad = tmp_path / "bad.toml"
    bad.write_text(REFERENCE.replace('"ping"', '"drill-go"'), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(bad)
    assert str(caught.value).startswith(f"{bad}:23: timeline step 1: sampler has no command 'drill-go'; "
                                        f"commands: ping, hk-enable,")


def test_a_missing_file_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read the scenario file"):
        load_scenario(tmp_path / "nowhere.toml")


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[scenario]\nname = "caf\xe9"\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.line == 2
    assert "not UTF-8" in caught.value.problem


def test_the_minimal_scenario_takes_the_defaults() -> None:
    scenario = parse_scenario('[scenario]\nname = "tiny"\n')
    assert scenario == Scenario(name="tiny", path="<string>")


def test_start_accepts_toml_datetimes_and_other_zones_as_utc() -> None:
    text = '[scenario]\nname = "x"\nstart = 2024-06-02T00:23:00.5+02:00\n'
    assert parse_scenario(text).start_utc == "2024-06-01T22:23:00.500000Z"
    assert parse_scenario(text.replace("start = 2024", 'start = "2024').replace("00\n", '00"\n')).start_utc \
        == "2024-06-01T22:23:00.500000Z"


def test_inline_arrays_of_tables_are_read_and_located() -> None:
    text = 'timeline = [\n  { at = "T+1s", device = "relay", command = "ping" },\n' \
           '  { after = "1s", device = "relay", command = "pingg" },\n]\n[scenario]\nname = "x"\n'
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "inline.toml")
    assert str(caught.value).startswith("inline.toml:3: timeline step 2: relay has no command 'pingg'")


# Every kind of mistake: (text to replace in REFERENCE, replacement, text on the expected line or the line, problem).
MISTAKES = [
    pytest.param("name = \"reference\"\n", "name = \"reference\"\nseed = 20 24\n", "seed = 20 24",
                 "not valid TOML: Expected newline or end of document after a statement (column",
                 id="toml-syntax"),
    pytest.param("[[expect]]\nname", "[[expcet]]\nname", "[[expcet]]",
                 "unknown [[expcet]] at the top level; did you mean [[expect]]?", id="typo-table"),
    pytest.param("# the reference", "flavour = 1\n# the reference", "flavour = 1", "unknown key 'flavour' at the top",
                 id="top-level-key"),
    pytest.param('device = "sampler"\ncommand = "ping"', 'devcie = "sampler"\ncommand = "ping"', "devcie",
                 "timeline step 1: unknown key 'devcie'; did you mean 'device'? keys: phase, at,", id="typo-key"),
    pytest.param("seed = 2024", "sed = 2024", "sed = 2024", "[scenario]: unknown key 'sed'; did you mean 'seed'?",
                 id="typo-scenario-key"),
    pytest.param('[scenario]\nname = "reference"', "[scenario]", "[scenario]", "[scenario]: missing name (text)",
                 id="missing-name"),
    pytest.param('name = "reference"', 'name = ""', 'name = ""', "name must not be empty", id="empty-name"),
    pytest.param("seed = 2024", "seed = -1", "seed = -1",
                 "[scenario]: seed = -1 is outside 0..18_446_744_073_709_551_615",
                 id="negative-seed"),
    pytest.param("seed = 2024", 'seed = "x"', 'seed = "x"', "seed must be an integer, not the text 'x'",
                 id="seed-type"),
    pytest.param("seed = 2024", "seed = true", "seed = true", "seed must be an integer, not the boolean true",
                 id="seed-bool"),
    pytest.param('start = "2024-06-01T22:23:00Z"', 'start = "2024-13-01T00:00:00Z"', "2024-13-01",
                 "start = '2024-13-01T00:00:00Z' is not an ISO-8601 date-time", id="start-malformed"),
    pytest.param('start = "2024-06-01T22:23:00Z"', 'start = "2024-06-01T22:23:00"', "start =",
                 "has no time zone: end it with Z", id="start-no-zone"),
    pytest.param('duration = "T+52h"', 'duration = "52 hours"', "duration =", "duration '52 hours' is malformed",
                 id="duration-malformed"),
    pytest.param("clock_hz = 1000", "clock_hz = 3000", "clock_hz", "[bench]: clock_hz = 3000 must divide",
                 id="clock-divides"),
    pytest.param("clock_hz = 1000", "clock_hz = 0", "clock_hz", "clock_hz = 0 must be ≥ 1", id="clock-zero"),
    pytest.param("clock_hz = 1000", "clock = 1000", "clock = 1000", "[bench]: unknown key 'clock'", id="bench-key"),
    pytest.param("baud = 115200", "baud = 12", "baud = 12", "[bench.links.sampler]: baud = 12 is outside "
                 "300..10_000_000", id="baud-range"),
    pytest.param("baud = 115200", 'baud = "fast"', "baud =", "baud must be an integer", id="baud-type"),
    pytest.param('framing = "asm"', 'framing = "slip"', "slip", "framing = 'slip' is not one of asm, cobs",
                 id="framing"),
    pytest.param("[bench.links.sampler]", "[bench.links.lander]", "[bench.links.lander]",
                 "[bench.links.lander]: no device 'lander'; devices: sampler, ascender, relay", id="link-device"),
    pytest.param("[bench.links.sampler]\nbaud = 115200", "[bench.links.sampler]\nbuad = 115200", "buad",
                 "unknown key 'buad'; did you mean 'baud'?", id="link-key"),
    pytest.param("[bench.devices.relay]", "[bench.devices.radio]", "[bench.devices.radio]",
                 "[bench.devices.radio]: no device 'radio'", id="device-options"),
    pytest.param('command = "ping"', 'command = "drill-go"', "drill-go",
                 "timeline step 1: sampler has no command 'drill-go'; commands: ping, hk-enable, hk-disable,",
                 id="unknown-command"),
    pytest.param('device = "sampler"\ncommand = "ping"', 'device = "lander"\ncommand = "ping"', "lander",
                 "timeline step 1: no device 'lander'; devices: sampler, ascender, relay", id="unknown-device"),
    pytest.param('device = "sampler"\ncommand = "ping"', 'command = "ping"', 'command = "ping"',
                 "timeline step 1: command 'ping' needs device", id="command-without-device"),
    pytest.param('device = "sampler"\ncommand = "ping"', 'device = "sampler"', 'device = "sampler"',
                 "timeline step 1: device without a command", id="device-without-command"),
    pytest.param("target_depth = 2.0", "target_depth = 5.0", "target_depth = 5.0",
                 "timeline step 2: sampler drill-start: target_depth=5.0: allowed 0.1..2.5 m", id="arg-range"),
    pytest.param("target_depth = 2.0, ", "", "rotation_rate = 120",
                 "sampler drill-start: missing argument target_depth (0.1..2.5 m)", id="arg-missing"),
    pytest.param("feed_rate = 50 }", "feed_rate = 50, speed = 3 }", "speed = 3",
                 "sampler drill-start: speed=3: unexpected", id="arg-unexpected"),
    pytest.param("rotation_rate = 120", "rotation_rate = 120.5", "120.5",
                 "rotation_rate=120.5: must be an integer (uint16)", id="arg-type"),
    pytest.param('percussion = "high"', 'percussion = "loud"', "loud",
                 "percussion='loud': must be one of off, low, high", id="arg-label"),
    pytest.param('args = { sid = "drill" }', 'args = { sid = "bogus" }', "bogus",
                 "timeline step 3: sampler hk-enable: sid='bogus'", id="standard-command-arg"),
    pytest.param('args = { sid = "drill" }', 'args = 5', "args = 5", "args must be a table", id="args-type"),
    pytest.param('wait = "completion"', 'wait = "done"', "done",
                 "wait = 'done' is not one of completion, acceptance, none", id="wait"),
    pytest.param('timeout = "2h"', 'timeout = "0s"', "timeout =", "timeout must be longer than 0s", id="timeout-zero"),
    pytest.param('after = "30s"', 'after = "30s"\nat = "T+1h"', 'at = "T+1h"',
                 "timeline step 2: give one of at, after or when (when may combine with after), not at and after",
                 id="at-and-after"),
    pytest.param('after = "30s"', 'at = "T+1h"\nwhen = "sampler.drill_state == idle"', "drill_state == idle\"\ndev",
                 "not at and when", id="at-and-when"),
    pytest.param('after = "30s"\n', "", "[[timeline]]\ndevice", "timeline step 2: say when to send the command",
                 id="no-timing"),
    pytest.param('after = "30s"', 'after = "T+30s"', "T+30s", "after 'T+30s' is a delay, not a time since T0",
                 id="after-is-a-delay"),
    pytest.param('after = "30s"', 'at = "T+1m"', "T+1m",
                 "timeline step 2: at = 'T+1m' goes back in time: timeline step 1 (line 21) is at 'T+5m'",
                 id="at-backwards"),
    pytest.param('at = "T+5m"', 'at = "T+53h"', "T+53h",
                 "at = 'T+53h' is after the end of the run (duration = 'T+52h', line 7)", id="at-after-end"),
    pytest.param('at = "T+5m"', 'at = "T-5m"', "T-5m", "timeline step 1: at 'T-5m' is before T0", id="negative-at"),
    pytest.param('at = "T+5m"', "at = [1]", "at = [1]", "at must be a time like 'T+1h20m', not an array",
                 id="at-type"),
    pytest.param("drill_state == idle", "drill_state == idel", "idel",
                 "timeline step 3: condition 'sampler.drill_state == idel': sampler.drill_state is a state: "
                 "compare it with one of stowed, idle,", id="when-label"),
    pytest.param("drill_state == idle", "drill_stat == idle", "drill_stat ",
                 "sampler has no parameter 'drill_stat'", id="when-parameter"),
    pytest.param('when = "ascender.event:orbit-reached"', 'when = "ascender.event:orbit"', "event:orbit\"",
                 "timeline step 5: condition 'ascender.event:orbit': ascender has no event 'orbit'", id="when-event"),
    pytest.param('phase = "ascent"', 'note = "ascent"', "[[timeline]]\nnote",
                 "timeline step 4: the step does nothing", id="empty-step"),
    pytest.param("[[timeline]]\nphase = \"ascent\"", "[timeline]\nphase = \"ascent\"", "[timeline]",
                 "not valid TOML: Cannot declare ('timeline',) twice", id="timeline-not-array"),
    pytest.param('target = "sampler"', 'target = "lander"', '"lander"',
                 "fault 1: target 'lander' is neither a device nor a device's link; targets: sampler, ascender, "
                 "relay, link.sampler, link.ascender, link.relay", id="fault-target"),
    pytest.param('target = "link.relay"', 'target = "link.radio"', "link.radio", "fault 2: target 'link.radio'",
                 id="fault-link-target"),
    pytest.param('fault = "rock"', 'fault = ""', 'fault = ""', "fault 1: fault must not be empty", id="fault-empty"),
    pytest.param('fault = "rock"', "fault = 3", "fault = 3", "fault 1: fault must be text, not the integer 3",
                 id="fault-type"),
    pytest.param("params = { depth_m = 1.2 }", "params = 1.2", "params = 1.2", "params must be a table",
                 id="fault-params"),
    pytest.param('at = "T+3h"\n', "", "[[faults]]\ntarget = \"sampler\"", "fault 1: missing at (a time like",
                 id="fault-no-at"),
    pytest.param('at = "T+4h"', 'at = "T+4h"\nwhen = "x"', 'when = "x"', "fault 2: unknown key 'when'",
                 id="fault-key"),
    pytest.param("sampler.sealed_sample_mass >= 1500", "__import__('os').system('ls')", "__import__",
                 "expectation 1: condition \"__import__('os').system('ls')\" is not understood", id="expect-eval"),
    pytest.param("sampler.sealed_sample_mass >= 1500", "sampler.sealed_sample_mass >= 1.5 kg", "1.5 kg",
                 "sampler.sealed_sample_mass is in g, not kg", id="expect-unit"),
    pytest.param('before = "T+30h"', 'before = "T+60h"', "T+60h",
                 "expectation 1: before = 'T+60h' is after the end of the run", id="expect-after-end"),
    pytest.param('before = "T+30h"', 'befor = "T+30h"', "befor =", "unknown key 'befor'; did you mean 'before'?",
                 id="expect-key"),
    pytest.param('[[expect]]\ncondition = "ascender', '[[expect]]\nname = "enough sample"\ncondition = "ascender',
                 'name = "enough sample"\ncondition = "ascender',
                 "expectation 2: another expectation is already named 'enough sample' (first at line 59)",
                 id="expect-duplicate-name"),
    pytest.param('condition = "ascender.event:orbit-reached"\n', "", 64,
                 "expectation 2: missing condition", id="expect-no-condition"),
]


@pytest.mark.parametrize(("old", "new", "needle", "problem"), MISTAKES)
def test_each_mistake_is_reported_with_file_line_and_problem(old: str, new: str, needle: str | int,
                                                             problem: str) -> None:
    assert REFERENCE.count(old) >= 1, old
    text = REFERENCE.replace(old, new, 1)
    if isinstance(needle, int):
        line = needle
    elif text.count(needle) != 1:  # a needle shared with later tables: take its first place after the change
        start = REFERENCE.index(old)
        line = text[:text.index(needle, start)].count("\n") + 1
    else:
        line = line_of(text, needle)
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "reference.toml")
    error = caught.value
    assert str(error).startswith(f"reference.toml:{line}: "), str(error)
    assert problem in error.problem, str(error)
    assert (error.path, error.line) == ("reference.toml", line)


def test_a_missing_scenario_table_is_reported() -> None:
    with pytest.raises(ScenarioError, match=r"^plan\.toml:1: missing the \[scenario\] table"):
        parse_scenario("", "plan.toml")


def test_a_table_written_where_an_array_belongs_is_explained() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario('[scenario]\nname = "x"\n[faults]\nat = "T+1s"\n', "plan.toml")
    assert str(caught.value) == "plan.toml:3: write [[faults]] (one per item), not [faults]"


def test_an_error_at_the_end_of_the_document_names_the_last_line() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario('[scenario]\nname = "x"\nseed =', "plan.toml")
    assert caught.value.line == 3
    assert "not valid TOML" in caught.value.problem


def test_a_byte_order_mark_is_ignored() -> None:
    assert parse_scenario('\ufeff[scenario]\nname = "x"\n').name == "x"


def test_source_map_follows_strings_arrays_and_nested_tables() -> None:
    text = '''\
[scenario]
text = """
[[timeline]]
device = "fake"
"""
list = [
  [1, 2],
  { a = 1 },
  1979-05-27 07:32:00Z,
]
"dotted.key" = 1
a.b.c = 2
[[timeline]]
device = 's' # comment with [[timeline]]
[[timeline]]
args = { x = 1 }
[[timeline.sub]]
q = 1
'''
    source = SourceMap.of(text)
    assert source.exact("scenario", "text") == 2
    assert source.exact("scenario", "list", 1, "a") == 8
    assert source.exact("scenario", "list", 2) == 9
    assert source.exact("scenario", "dotted.key") == 11
    assert source.exact("scenario", "a", "b", "c") == 12
    assert source.exact("timeline", 0) == 13
    assert source.exact("timeline", 0, "device") == 14
    assert source.exact("timeline", 1, "args", "x") == 16
    assert source.exact("timeline", 1, "sub", 0, "q") == 18
    assert source.line("timeline", 1, "args", "y") == 16  # falls back to the nearest known place
    assert source.line("timeline", 1, "wait") == 15
    assert source.line("nowhere") is None


def test_windows_line_endings_and_tabs_keep_the_lines_right() -> None:
    text = REFERENCE.replace('command = "ping"', 'command = "pong"').replace("= ", "=\t").replace("\n", "\r\n")
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "crlf.toml")
    assert caught.value.line == line_of(REFERENCE, 'command = "ping"')


def test_nesting_counts_dotted_keys_and_headers_but_not_dots_in_values_or_quoted_keys() -> None:
    deep = ".".join(["a"] * 60)
    assert too_deep(f"{deep} = 1\n", 50) == (1, deep[:40] + "…")
    assert too_deep(f'x = 1\n[{deep}]\n', 50) == (2, deep[:40] + "…")
    assert too_deep("[" + ".".join(["t"] * 30) + "]\n" + ".".join(["k"] * 25) + " = 1\n", 50) is not None
    assert too_deep(f'"{deep}" = 1\nx = "{deep}"\ny = [{", ".join(["1.5"] * 100)}]\nz = 12:00:00.5\n', 50) is None
    assert too_deep("x = [{ a.b = 1 }, { c.d = 2 }, [1.5, 2.5]]\n" * 30, 50) is None
    assert too_deep("[a.b]\nc.d = { e.f = [[1.5]] }\n", 50) is None
