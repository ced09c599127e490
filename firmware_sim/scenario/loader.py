"""Scenario files (TOML, data only — nothing is evaluated) read into ``Scenario`` objects, checked line by line.

The format (docs/scenarios.md says the same at more length)::

    [scenario]
    name = "reference"                 # required, non-empty
    description = "…"                  # optional
    seed = 2024                        # int 0..2**64-1, default 0
    start = "2024-06-01T22:23:00Z"     # epoch of T0, 1972..2094-02-06: ISO-8601 with a zone (or a TOML date-time)
    duration = "T+52h"                 # optional end of the run (default: when the timeline and expectations are done)

    [bench]
    clock_hz = 1000                    # > 0 and must divide 1e9 (a cycle is a whole number of nanoseconds)
    [bench.links.sampler]              # one optional table per device link: sampler, ascender, relay
    baud = 115200                      # 300..10_000_000
    framing = "asm"                    # "asm", "cobs", or "raw" (udp:// only: one packet per datagram)
    [bench.devices.relay]              # options for one device model: the keys its OPTIONS declare
    visibility = "always"
    [bench.nodes]                      # optional: each device, "fsw" or "ground" is "model" or a transport URL
    fsw = "pty://"                     # a real flight computer: each modelled device is exposed on its own pty
    ascender = "/dev/ttyUSB0?baudrate=115200"   # a real board in place of the ascender model
    [bench.expose]                     # optional: the transport a modelled device is exposed on (default: fsw's)
    sampler = "tcp://127.0.0.1:7001?listen"   # …or "bus" (on fsw's one link, routed by APID) or "none" (not exposed)
    [bench.shadow]                     # optional: a real board that gets the same commands as the model
    relay = "/dev/ttyUSB1"
    [bench.security]                   # optional: SDLS on the space link's TC frames (docs/security.md)
    keys = "keys.toml"                 # key file, relative to the scenario file; mode 600 (no group/other access)

    [[timeline]]                       # steps run in file order
    phase = "health checks"            # optional: marks the start of a phase
    at = "T+5m"                        # absolute (since T0); must not go back before an earlier step's at
    device = "sampler"                 # device and command go together; a step without them is a wait or marker
    command = "ping"
    [[timeline]]
    after = "30s"                      # …or this long after the previous step completed
    device = "sampler"
    command = "drill-start"
    args = { target_depth = 2.0, rotation_rate = 120, percussion = "high", feed_rate = 50 }
    timeout = "2h"                     # optional: the step fails if not completed in time
    wait = "completion"                # what "completed" means: "completion" | "acceptance" | "none"
    note = "…"                         # optional free text
    [[timeline]]
    when = "sampler.drill_state == idle"   # …or once a condition holds (after = "…" adds a delay after that)

    [[faults]]
    at = "T+3h"                        # required
    target = "sampler"                 # a device, or "link.<device>"
    fault = "rock"                     # one of the target's faults
    params = { depth_m = 1.2 }         # optional table, checked against the fault's declared parameters

    [[expect]]
    name = "enough sample"             # optional (default: the condition's text); unique
    condition = "sampler.sealed_sample_mass >= 1500"
    before = "T+30h"                   # optional; without it, checked at the end of the run

Times (``at``, ``before``, ``duration``) are ``T+<duration>``, ``T0`` or a bare duration; delays (``after``,
``timeout``) are durations: numbers with units d, h, m, s, ms, us, ns, largest first (``1h20m30s``, ``250ms``,
``1.5h``), or a plain number of seconds. Conditions are ``device.parameter <op> value`` (``<``, ``<=``, ``==``,
``!=``, ``>=``, ``>``; a number, optionally followed by the parameter's unit, or for a state one of its labels
compared with ``==``/``!=``) or ``device.event:event-name``.

A step needs exactly one of ``at``, ``after`` and ``when`` (``when`` may carry ``after``), except a step that only
marks a phase, which follows the previous one at once. Every problem raises ScenarioError naming the file, the
line (of the offending key if it can be found, else of its table, else 1) and what is wrong. Every time must
also fall before the packets' 32-bit CUC time code runs out (2094-02-06), counted from ``start``.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tomllib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NoReturn, TypeVar

from firmware_sim.engine.link import Link
from firmware_sim.errors import ConfigurationError, ScenarioError
from firmware_sim.params import ParameterError, check_fault, check_options, describe_value, fault_method, fault_names
from firmware_sim.scenario.conditions import parse_condition
from firmware_sim.scenario.locate import KeyPath, SourceMap, too_deep
from firmware_sim.scenario.model import (
    MODEL,
    NODE_ROLES,
    BenchSettings,
    Condition,
    EventCondition,
    Expectation,
    FaultSpec,
    LinkSettings,
    Scenario,
    Step,
)
from firmware_sim.scenario.timespec import format_duration, parse_duration, parse_time
from firmware_sim.seeds import SEED_RANGE
from protocols.dictionary.model import Device
from protocols.dictionary.registry import Dictionary, default_dictionary, default_members
from protocols.errors import DictionaryError, ProtocolError
from protocols.framing import FRAMINGS as DEVICE_LINK_FRAMINGS
from protocols.spacelink.sdls import KEY_SIZE, MAX_ARSN_SIZE, SERVICES, SecurityAssociation
from protocols.timecode import datetime_to_utc_ns, tai_to_utc_ns, utc_ns_to_datetime, utc_to_tai_ns

TABLES = {"scenario": "[scenario]", "bench": "[bench]", "timeline": "[[timeline]]", "faults": "[[faults]]",
          "expect": "[[expect]]"}
"""The top-level tables a scenario file may hold, as they are written."""
SCENARIO_KEYS = ("name", "description", "seed", "start", "duration")
BENCH_KEYS = ("clock_hz", "members", "links", "devices", "nodes", "expose", "shadow", "security")
SECURITY_KEYS = ("keys",)
ASSOCIATION_KEYS = ("spi", "vcid", "service", "key", "arsn_length", "window")
LINK_KEYS = ("baud", "framing")
STEP_KEYS = ("phase", "at", "after", "when", "device", "command", "args", "wait", "timeout", "note")
FAULT_KEYS = ("at", "target", "fault", "params")
EXPECT_KEYS = ("name", "condition", "before")
WAITS = ("completion", "acceptance", "none")
FRAMINGS = tuple(sorted(DEVICE_LINK_FRAMINGS))
BAUD_RANGE = (300, 10_000_000)
NS_PER_SECOND = 1_000_000_000
LINK_PREFIX = "link."
BUS = "bus"
"""``[bench.expose] DEVICE = "bus"``: the device shares the flight computer's one link, routed by APID."""
UNEXPOSED = "none"
"""``[bench.expose] DEVICE = "none"``: the device is on the bench but the flight computer cannot reach it."""
MAX_NESTING = 50
"""Tables (dotted keys too), arrays and inline tables nested deeper than this are refused before the TOML parser
recurses into them."""
EARLIEST_START = datetime(1972, 1, 1, tzinfo=UTC)
"""The first instant of the leap-second table: UTC before it has no defined TAI offset."""
CUC_END_TAI_NS = (1 << 32) * NS_PER_SECOND
"""Mission time (ns since 1958 TAI) at which the 32-bit CUC time code of every packet runs out (2094-02-07)."""

T = TypeVar("T")


def load_scenario(path: str | os.PathLike[str], *, dictionary: Dictionary | None = None) -> Scenario:
    """Read and check the scenario file at ``path``."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as file:
            raw = file.read()
    except OSError as error:
        raise ScenarioError(name, None, f"cannot read the scenario file: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ScenarioError(name, line, f"not UTF-8 text (byte 0x{raw[error.start]:02X})") from None
    return parse_scenario(text, name, dictionary=dictionary)


def parse_scenario(text: str, path: str = "<string>", *, dictionary: Dictionary | None = None) -> Scenario:
    """Check the scenario in ``text``; ``path`` is the name errors give for it."""
    text = text.removeprefix("\ufeff")
    data = read_toml(text, path)
    reader = TomlReader(path, SourceMap.of(text), dictionary or default_dictionary())
    return reader.scenario(data)


def read_toml(text: str, path: str) -> dict[str, Any]:
    """``text`` parsed as TOML, or a ScenarioError at its line (nesting past MAX_NESTING is refused before parsing)."""
    deep = too_deep(text, MAX_NESTING)
    if deep is not None:
        line, key = deep
        raise ScenarioError(path, line, f"{key or 'a value'}: tables, arrays and inline tables nested more than "
                                        f"{MAX_NESTING} deep (each part of a dotted key is a table)")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line, problem = toml_error(str(error), text)
        raise ScenarioError(path, line, f"not valid TOML: {problem}") from None
    except (ValueError, RecursionError) as error:  # e.g. an integer of more digits than Python converts
        line, key = _long_number(text)
        raise ScenarioError(path, line, f"{key or 'a value'}: not valid TOML: {error}".split(";")[0]) from None


def toml_error(message: str, text: str) -> tuple[int | None, str]:
    """The line and the problem of a TOML parser error (its "(at line L, column C)" made part of the message)."""
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match is not None:
        return int(match[1]), f"{message[:match.start()]} (column {match[2]})"
    if message.endswith("(at end of document)"):
        return text.rstrip("\r\n").count("\n") + 1, message
    return None, message


def _long_number(text: str) -> tuple[int, str]:
    """The line (and key) of the longest run of digits in ``text``: where the parser gave up on a number."""
    runs = list(re.finditer(r"[0-9_]+", text))
    if not runs:
        return 1, ""
    longest = max(runs, key=lambda run: run.end() - run.start())
    start = text.rfind("\n", 0, longest.start()) + 1
    key = re.match(r"\s*([^=\s]+)\s*=", text[start:longest.start()])
    return text.count("\n", 0, longest.start()) + 1, key[1] if key else ""


def _utc_text(tai_ns: int) -> str:
    """A mission time as UTC text ``YYYY-MM-DDTHH:MM:SSZ``."""
    return utc_ns_to_datetime(tai_to_utc_ns(tai_ns)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _known(names: Sequence[str]) -> str:
    return ", ".join(names)


class TomlReader:
    """Reads the parsed TOML section by section; knows the file name, its lines and the dictionary."""

    def __init__(self, path: str, source: SourceMap, dictionary: Dictionary) -> None:
        self.path = path
        self.source = source
        self.dictionary = dictionary
        self.duration_ns: int | None = None
        self.duration_text = ""
        self.time_limit_ns = CUC_END_TAI_NS
        """The first time since T0 a packet's time code cannot hold, once the start is known."""
        self.limit_text = ""
        self.settings = BenchSettings()
        self._models: dict[str, type | None] = {}

    def fail(self, where: KeyPath, problem: str) -> NoReturn:
        raise ScenarioError(self.path, self.source.line(*where) or 1, problem)

    def model_class(self, device: str) -> type | None:
        """The model class of a device, or None when there is none to check against (a broken plugin)."""
        if device not in self._models:
            from firmware_sim.devices import model_class

            try:
                self._models[device] = model_class(device)
            except (ConfigurationError, ProtocolError):
                self._models[device] = None
        return self._models[device]

    def member(self, section: TomlSection, key: str, name: str) -> Device:
        """A device on this bench, or an error at ``key`` saying how to put it there."""
        device = self.device(section, key, name)
        if device.name not in self.members:
            section.fail(key, f"{device.name} is not on this bench: name it in [bench.devices.{device.name}] "
                              f"(or in [bench] members)")
        return device

    def device(self, section: TomlSection, key: str | None, name: str) -> Device:
        """The dictionary's device ``name``, or an error at ``key``."""
        try:
            return self.dictionary.device(name)
        except DictionaryError:
            section.fail(key, f"no device {name!r}; devices: {_known(self.dictionary.names)}")

    # top level ------------------------------------------------------------------------------------------------
    def scenario(self, data: dict[str, Any]) -> Scenario:
        top = TomlSection(self, data, (), "")
        for key, value in data.items():
            if key not in TABLES:
                written = f"[[{key}]]" if _is_array_of_tables(value) else f"[{key}]" if isinstance(value, dict) \
                    else f"key {key!r}"
                close = difflib.get_close_matches(key, list(TABLES), n=1)
                hint = f"did you mean {TABLES[close[0]]}? " if close else ""
                top.fail(key, f"unknown {written} at the top level; {hint}a scenario holds "
                              f"{_known(list(TABLES.values()))}")
        if "scenario" not in data:
            top.fail(None, 'missing the [scenario] table (it needs at least name = "…")')
        header = top.section("scenario", "[scenario]")
        bench = top.section("bench", "[bench]") if "bench" in data else None
        steps = top.array("timeline", "timeline step")
        faults = top.array("faults", "fault")
        expectations = top.array("expect", "expectation")

        header.only(SCENARIO_KEYS)
        name = header.text("name", required=True)
        seed = header.integer("seed", minimum=SEED_RANGE[0], maximum=SEED_RANGE[1])
        start = header.start("start")
        self.start_limits(start or Scenario.start_utc)
        self.duration_ns = header.time("duration")
        if self.duration_ns is not None:
            self.duration_text = f"duration = {header.shown('duration')}, line {header.line('duration')}"
            self.within_time_code(header, "duration", self.duration_ns)
        self.settings = self.bench(bench) if bench is not None else BenchSettings()
        self.members = self.settings.member_names(self.dictionary.names, default_members(self.dictionary))
        return Scenario(
            name=name,
            path=self.path,
            seed=Scenario.seed if seed is None else seed,
            start_utc=Scenario.start_utc if start is None else start,
            duration_ns=self.duration_ns,
            description=header.text("description", empty=True) or "",
            bench=self.settings,
            timeline=self.timeline(steps),
            faults=tuple(self.fault(section) for section in faults),
            expectations=self.expectations(expectations),
        )

    def start_limits(self, start_utc: str) -> None:
        """How far after T0 the packets' time codes reach, for a start the header has already checked."""
        epoch = utc_to_tai_ns(datetime_to_utc_ns(datetime.fromisoformat(start_utc.replace("Z", "+00:00"))))
        self.time_limit_ns = CUC_END_TAI_NS - epoch
        self.limit_text = (f"the 32-bit CUC time code of every packet ends at {_utc_text(CUC_END_TAI_NS)}, "
                           f"T+{format_duration(self.time_limit_ns)} after start = {start_utc!r}")

    def within_time_code(self, section: TomlSection, key: str, at_ns: int) -> None:
        """Refuse a time the packets' time codes cannot hold."""
        if at_ns >= self.time_limit_ns:
            section.fail(key, f"{key} = {section.shown(key)} is beyond what the bench can run to: {self.limit_text}")

    def within_run(self, section: TomlSection, key: str, at_ns: int) -> None:
        """Refuse a time after the scenario's duration, or beyond the time codes."""
        if self.duration_ns is not None and at_ns > self.duration_ns:
            section.fail(key, f"{key} = {section.shown(key)} is after the end of the run ({self.duration_text})")
        self.within_time_code(section, key, at_ns)

    # bench -----------------------------------------------------------------------------------------------------
    def bench(self, section: TomlSection) -> BenchSettings:
        section.only(BENCH_KEYS)
        clock_hz = section.integer("clock_hz", minimum=1)
        if clock_hz is not None and NS_PER_SECOND % clock_hz:
            section.fail("clock_hz", f"clock_hz = {clock_hz} must divide 1_000_000_000 so that a cycle is a whole "
                                     f"number of nanoseconds (e.g. 1000, 2000, 5000, 10000)")
        links: dict[str, LinkSettings] = {}
        for name, link in section.tables("links", "[bench.links.{}]"):
            device = self.device(link, None, name)
            link.only(LINK_KEYS)
            baud = link.integer("baud", minimum=BAUD_RANGE[0], maximum=BAUD_RANGE[1])
            framing = link.choice("framing", FRAMINGS)
            defaults = LinkSettings()
            links[device.name] = LinkSettings(baud=defaults.baud if baud is None else baud,
                                              framing=framing or defaults.framing)
        devices: dict[str, dict[str, Any]] = {}
        for name, options in section.tables("devices", "[bench.devices.{}]"):
            device = self.device(options, None, name)
            self.model_options(options, device.name)
            devices[device.name] = dict(options.data)
        clock_hz = BenchSettings.clock_hz if clock_hz is None else clock_hz
        nodes = self.urls(section, "nodes", NODE_ROLES)
        expose = self.urls(section, "expose", ())
        shadow = self.urls(section, "shadow", ())
        members = None
        if "members" in section.data:
            listed = section.data["members"]
            if not isinstance(listed, list) or not listed or not all(isinstance(n, str) for n in listed):
                section.fail("members", "members is a list of device names, e.g. members = [\"sampler\"]")
            members = tuple(self.device(section, "members", name).name for name in listed)
        security = self.security(section.section("security", "[bench.security]")) if "security" in section.data \
            else ()
        settings = BenchSettings(clock_hz=clock_hz, links=links, devices=devices, nodes=nodes, expose=expose,
                                 shadow=shadow, members=members, security=security)
        problem = settings.security_problem()
        if problem:
            section.section("security", "[bench.security]").fail("keys", problem)
        if members is not None:
            strays = sorted(settings.named_devices() - set(members))
            if strays:
                section.fail("members", f"{strays[0]} is configured in [bench] but not in members = {list(members)}")
        if BUS in expose.values() or UNEXPOSED in expose.values():
            self.bus(section, settings)
        return settings

    def bus(self, section: TomlSection, settings: BenchSettings) -> None:
        """``"bus"`` and ``"none"`` in [bench.expose]: a real flight computer, modelled devices, one framing."""
        table = section.section("expose", "[bench.expose]")
        on_bus = [name for name, url in settings.expose.items() if url == BUS]
        for name, url in settings.expose.items():
            if url not in (BUS, UNEXPOSED):
                continue
            if not settings.is_real("fsw"):
                table.fail(name, f"{name} = {url!r} says how {name} meets a real flight computer, but bench.nodes.fsw "
                                 f"is {settings.node('fsw')!r}; set fsw to its transport URL")
            if settings.node(name) != MODEL:
                table.fail(name, f"{name} = {url!r}: {name} is not modelled (bench.nodes.{name} = "
                                 f"{settings.node(name)!r}), so there is nothing of it to expose")
        framings = {name: settings.links.get(name, LinkSettings()).framing for name in on_bus}
        if len(set(framings.values())) > 1:
            first = on_bus[0]
            other = next(name for name in on_bus if framings[name] != framings[first])
            table.fail(other, f"{other} = \"bus\" with framing {framings[other]!r}, but {first} is on the bus with "
                              f"{framings[first]!r}; one bus has one framing ([bench.links.*] framing)")

    def security(self, section: TomlSection) -> tuple[SecurityAssociation, ...]:
        """The security associations of the key file ``[bench.security] keys`` names (relative to this file)."""
        section.only(SECURITY_KEYS)
        name = section.text("keys", required=True)
        path = name if os.path.isabs(name) else os.path.join(os.path.dirname(self.path), name)
        try:
            info = os.stat(path)
        except OSError as error:
            section.fail("keys", f"cannot read the key file {path}: {error.strerror or error}")
        if not stat.S_ISREG(info.st_mode):
            section.fail("keys", f"the key file {path} is not a regular file")
        if info.st_mode & 0o077:
            section.fail("keys", f"the key file {path} is open to group or others (mode "
                                 f"{stat.S_IMODE(info.st_mode):03o}): chmod 600 {path}")
        try:
            with open(path, "rb") as file:
                raw = file.read()
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problem = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            section.fail("keys", f"cannot read the key file {path}: {problem or error}")
        return read_key_file(path, text, self.dictionary)

    def model_options(self, options: TomlSection, device: str) -> None:
        """A device's model options: keys its model declares, each of the right type and in range."""
        model = self.model_class(device)
        if model is None:
            return
        try:
            check_options(device, model, options.data)
        except ParameterError as error:
            options.fail(error.key or None, error.problem)

    def urls(self, bench: TomlSection, key: str, roles: tuple[str, ...]) -> dict[str, str]:
        """A ``[bench.<key>]`` table of node → ``"model"`` or transport URL (checked when the bench opens it)."""
        table = bench.section(key, f"[bench.{key}]") if key in bench.data else None
        if table is None:
            return {}
        known = (*self.dictionary.names, *roles)
        found: dict[str, str] = {}
        for name in table.data:
            if name not in known:
                table.fail(name, f"unknown node {name!r} in [bench.{key}]; nodes: {', '.join(known)}")
            found[name] = table.text(name, required=True).strip()
        return found

    # timeline --------------------------------------------------------------------------------------------------
    def timeline(self, sections: list[TomlSection]) -> tuple[Step, ...]:
        steps: list[Step] = []
        last: tuple[int, TomlSection] | None = None
        earliest = 0
        for section in sections:
            step = self.step(section)
            earliest = step.at_ns if step.at_ns is not None else earliest + (step.after_ns or 0)
            if step.at_ns is None and step.after_ns:
                self.within_time_code(section, "after", earliest)
            if step.at_ns is not None:
                if last is not None and step.at_ns < last[0]:
                    before, line = last[1], last[1].line("at")
                    where = f"line {line}" if line else before.label
                    section.fail("at", f"at = {section.shown('at')} goes back in time: {before.label} ({where}) is at "
                                       f"{before.shown('at')}; steps run in file order")
                last = (step.at_ns, section)
                self.within_run(section, "at", step.at_ns)
            steps.append(step)
        return tuple(steps)

    def step(self, section: TomlSection) -> Step:
        section.only(STEP_KEYS)
        data = section.data
        if "at" in data and ("after" in data or "when" in data):
            other = "after" if "after" in data else "when"
            later = max(("at", other), key=lambda key: section.line(key) or 0)
            section.fail(later, f"give one of at, after or when (when may combine with after), not at and {other}")
        phase = section.text("phase")
        note = section.text("note", empty=True) or ""
        at_ns = section.time("at")
        after_ns = section.delay("after")
        when = section.condition("when")
        if when is not None:
            self.member(section, "when", when.device)
        timeout_ns = section.delay("timeout")
        if timeout_ns == 0:
            section.fail("timeout", "timeout must be longer than 0s")
        device_name = section.text("device")
        command_name = section.text("command")
        args = section.table("args")
        wait = section.choice("wait", WAITS)
        if command_name is None:
            for key in ("device", "args", "wait"):
                if key in data:
                    section.fail(key, f"{key} without a command: add command = \"…\" (or remove {key})")
        elif device_name is None:
            section.fail("command", f"command {command_name!r} needs device = \"…\" "
                                    f"({_known(self.dictionary.names)})")
        if at_ns is None and after_ns is None and when is None:
            if command_name is not None:
                section.fail(None, 'say when to send the command: at = "T+…", after = "…" or when = "…"')
            if phase is None:
                section.fail(None, "the step does nothing: give it a command, a phase, or a wait (at, after or when)")
            after_ns = 0
        if command_name is not None and device_name is not None:
            self.check_command(section, device_name, command_name, args or {})
        return Step(line=section.line(), device=device_name, command=command_name, args=dict(args or {}),
                    at_ns=at_ns, after_ns=after_ns, when=when, wait=wait or "completion", timeout_ns=timeout_ns,
                    phase=phase, note=note)

    def check_command(self, section: TomlSection, device_name: str, command_name: str, args: Mapping[str, Any]) -> None:
        """The device must have the command and the command must accept the arguments."""
        device = self.member(section, "device", device_name)
        try:
            device.command(command_name)
        except DictionaryError:
            section.fail("command", f"{device.name} has no command {command_name!r}; "
                                    f"commands: {_known([c.name for c in device.commands])}")
        try:
            device.encode_command(command_name, args)
        except (ValueError, TypeError, OverflowError) as error:  # ProtocolError is a ValueError
            field = getattr(error, "field", None)
            key: str | tuple[str, str] = ("args", field) if field in args else "args" if "args" in section.data \
                else "command"
            section.fail(key, f"{device.name} {command_name}: {error}")

    # faults ----------------------------------------------------------------------------------------------------
    def fault(self, section: TomlSection) -> FaultSpec:
        section.only(FAULT_KEYS)
        at_ns = section.time("at", required=True)
        target = section.text("target", required=True)
        device_name = target.removeprefix(LINK_PREFIX)
        if device_name not in self.dictionary.names:
            choices = [*self.dictionary.names, *(LINK_PREFIX + n for n in self.dictionary.names)]
            section.fail("target", f"target {target!r} is neither a device nor a device's link; "
                                   f"targets: {_known(choices)}")
        self.member(section, "target", device_name)
        fault = section.text("fault", required=True)
        params = section.table("params")
        self.within_run(section, "at", at_ns)
        self.check_fault(section, target, fault, params or {})
        return FaultSpec(line=section.line(), at_ns=at_ns, target=target, fault=fault, params=dict(params or {}))

    def check_fault(self, section: TomlSection, target: str, fault: str, params: Mapping[str, Any]) -> None:
        """The fault must exist for its target and its parameters must be known, typed and in range."""
        try:
            if target.startswith(LINK_PREFIX):
                method = fault_method(Link, fault)
                if method is None:
                    section.fail("fault", f"no link fault {fault!r}; link faults: {_known(fault_names(Link))}")
                check_fault(f"link fault {fault}", method, params)
                return
            if self.settings.node(target) != MODEL:
                return  # a real board or a recording: the run reports that it takes no device faults
            model = self.model_class(target)
            if model is None:
                return
            method = fault_method(model, fault)
            if method is None:
                section.fail("fault", f"{target} has no fault {fault!r}; faults: {_known(fault_names(model))}")
            check_fault(f"{target} fault {fault}", method, params)
        except ParameterError as error:
            key = ("params", *error.key) if error.key else "params" if "params" in section.data else "fault"
            section.fail(key, f"{fault}: {error.problem}")

    # expectations ----------------------------------------------------------------------------------------------
    def expectations(self, sections: list[TomlSection]) -> tuple[Expectation, ...]:
        found: list[Expectation] = []
        seen: dict[str, int | None] = {}
        for section in sections:
            section.only(EXPECT_KEYS)
            condition = section.condition("condition", required=True)
            self.member(section, "condition", condition.device)
            name = section.text("name") or condition.text
            if name in seen:
                first = f" (first at line {seen[name]})" if seen[name] else ""
                section.fail("name" if "name" in section.data else "condition",
                             f"another expectation is already named {name!r}{first}; names must be unique")
            seen[name] = section.line()
            before_ns = section.time("before")
            if before_ns is not None:
                self.within_run(section, "before", before_ns)
            found.append(Expectation(line=section.line(), name=name, condition=condition, before_ns=before_ns))
        return tuple(found)


def read_key_file(path: str, text: str, dictionary: Dictionary) -> tuple[SecurityAssociation, ...]:
    """The ``[[association]]`` tables of a key file, checked; no error ever quotes a key."""
    data = read_toml(text, path)
    top = TomlSection(TomlReader(path, SourceMap.of(text), dictionary), data, (), "")
    top.only(("association",))
    found: list[SecurityAssociation] = []
    spis: dict[int, int | None] = {}
    for section in top.array("association", "[[association]]"):
        section.only(ASSOCIATION_KEYS)
        spi = section.integer("spi", minimum=1, maximum=0xFFFE)
        if spi is None:
            section.fail(None, "missing spi (an integer 1..65534)")
        if spi in spis:
            section.fail("spi", f"spi = {spi} is already used (line {spis[spi]}); each SPI names one association")
        spis[spi] = section.line("spi")
        vcid = section.integer("vcid", minimum=0, maximum=0x3F)
        service = section.choice("service", SERVICES) or SERVICES[0]
        arsn = section.integer("arsn_length", minimum=0, maximum=MAX_ARSN_SIZE)
        window = section.integer("window", minimum=1, maximum=1024)
        found.append(SecurityAssociation(spi=spi, vcid=0 if vcid is None else vcid, service=service,
                                         key=_key(section), arsn_len=2 if arsn is None else arsn,
                                         window=64 if window is None else window))
    if not found:
        top.fail(None, "no [[association]] table: a key file holds at least one security association")
    return tuple(found)


def _key(section: TomlSection) -> bytes:
    """The ``key`` of an association: 64 hex digits (never quoted back in an error)."""
    value = section.data.get("key")
    if value is None:
        section.fail(None, f"missing key ({2 * KEY_SIZE} hex digits: an AES-256 key)")
    try:
        key = bytes.fromhex(value) if isinstance(value, str) else b""
    except ValueError:
        key = b""
    if len(key) != KEY_SIZE:
        section.fail("key", f"key must be text of {2 * KEY_SIZE} hex digits (an AES-256 key); the value is not shown")
    return key


def _is_array_of_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


class TomlSection:
    """One table of the file: typed, located access to its keys; problems name the table and the key's line."""

    def __init__(self, reader: TomlReader, data: dict[str, Any], path: KeyPath, label: str) -> None:
        self.reader = reader
        self.data = data
        self.path = path
        self.label = label

    def line(self, key: str | tuple[str, ...] | None = None) -> int | None:
        """The line of ``key`` (or of the table itself when None)."""
        return self.reader.source.line(*self._where(key))

    def fail(self, key: str | tuple[str, ...] | None, problem: str) -> NoReturn:
        """Raise ScenarioError at ``key``'s line with this table's label before the problem."""
        self.reader.fail(self._where(key), f"{self.label}: {problem}" if self.label else problem)

    def _where(self, key: str | tuple[str, ...] | None) -> KeyPath:
        if key is None:
            return self.path
        return self.path + ((key,) if isinstance(key, str) else key)

    def _located(self, key: str, parse: Callable[[int | None], T]) -> T:
        """Run a parser that raises ScenarioError itself, adding this table's label to its problem."""
        try:
            return parse(self.line(key))
        except ScenarioError as error:
            label = f"{self.label}: " if self.label else ""
            raise ScenarioError(error.path, error.line, label + error.problem) from None

    # structure ----------------------------------------------------------------------------------------------
    def only(self, allowed: Sequence[str]) -> None:
        """Refuse keys that are not in ``allowed``, suggesting the closest one."""
        for key in self.data:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                self.fail(key, f"unknown key {key!r}; {hint}keys: {_known(allowed)}")

    def section(self, key: str, label: str) -> TomlSection:
        """The table at ``key`` (which must be a table)."""
        value = self.data[key]
        if not isinstance(value, dict):
            self.fail(key, f"{label} must be a table, not {describe_value(value)}")
        return TomlSection(self.reader, value, self._where(key), label)

    def array(self, key: str, label: str) -> list[TomlSection]:
        """The array of tables at ``key``; item n is labelled ``label n`` (from 1)."""
        value = self.data.get(key, [])
        if isinstance(value, dict):
            self.fail(key, f"write [[{key}]] (one per item), not [{key}]")
        if not isinstance(value, list):
            self.fail(key, f"{key} must be an array of tables ([[{key}]]), not {describe_value(value)}")
        sections = []
        for index, item in enumerate(value):
            where = (key, index)
            if not isinstance(item, dict):
                self.fail(where, f"{label} {index + 1} must be a table, not {describe_value(item)}")
            sections.append(TomlSection(self.reader, item, self.path + where, f"{label} {index + 1}"))
        return sections

    def tables(self, key: str, label: str) -> list[tuple[str, TomlSection]]:
        """The tables inside the table at ``key``, by name (``[bench.links.sampler]`` …)."""
        outer = self.table(key) or {}
        found = []
        for name, value in outer.items():
            where = (key, name)
            inner_label = label.format(name)
            if not isinstance(value, dict):
                self.fail(where, f"{inner_label} must be a table, not {describe_value(value)}")
            found.append((name, TomlSection(self.reader, value, self.path + where, inner_label)))
        return found

    # values -------------------------------------------------------------------------------------------------
    def _value(self, key: str, kinds: type | tuple[type, ...], wanted: str, required: bool) -> Any:
        if key not in self.data:
            if required:
                self.fail(None, f"missing {key} ({wanted})")
            return None
        value = self.data[key]
        allowed = kinds if isinstance(kinds, tuple) else (kinds,)
        if (isinstance(value, bool) and bool not in allowed) or not isinstance(value, allowed):
            self.fail(key, f"{key} must be {wanted}, not {describe_value(value)}")
        return value

    def text(self, key: str, *, required: bool = False, empty: bool = False) -> Any:
        """A string value (non-empty unless ``empty``), or None when absent."""
        value = self._value(key, str, "text", required)
        if value is not None and not empty and not value.strip():
            self.fail(key, f"{key} must not be empty")
        return value

    def integer(self, key: str, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
        """An integer value within limits, or None when absent."""
        value = self._value(key, int, "an integer", False)
        if value is None:
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            if maximum is None:
                self.fail(key, f"{key} = {value} must be ≥ {minimum}")
            self.fail(key, f"{key} = {value} is outside {minimum:_}..{maximum:_}")
        return value

    def shown(self, key: str) -> str:
        """The value at ``key`` as the file wrote it, for messages."""
        value = self.data.get(key)
        return repr(value) if isinstance(value, str) else str(value)

    def choice(self, key: str, choices: Sequence[str]) -> str | None:
        """One of ``choices``, or None when absent."""
        value = self._value(key, str, f"one of {_known(choices)}", False)
        if value is not None and value not in choices:
            self.fail(key, f"{key} = {value!r} is not one of {_known(choices)}")
        return value

    def table(self, key: str) -> dict[str, Any] | None:
        """A table value, or None when absent."""
        return self._value(key, dict, "a table (e.g. { name = value })", False)

    def time(self, key: str, *, required: bool = False) -> Any:
        """A time since T0 in nanoseconds, or None when absent."""
        value = self._value(key, (str, int, float), "a time like 'T+1h20m'", required)
        if value is None:
            return None
        return self._located(key, lambda line: parse_time(value, path=self.reader.path, line=line, what=key))

    def delay(self, key: str) -> int | None:
        """A duration in nanoseconds, or None when absent."""
        value = self._value(key, (str, int, float), "a duration like '30s'", False)
        if value is None:
            return None
        return self._located(key, lambda line: parse_duration(value, path=self.reader.path, line=line, what=key))

    def start(self, key: str) -> str | None:
        """A date-time with a zone (text or TOML date-time), as UTC ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``."""
        value = self._value(key, (str, datetime), "a UTC date-time like '2024-06-01T22:23:00Z'", False)
        if value is None:
            return None
        moment = value
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.strip())
            except ValueError:
                self.fail(key, f"{key} = {value!r} is not an ISO-8601 date-time like '2024-06-01T22:23:00Z'")
        if moment.tzinfo is None or moment.utcoffset() is None:
            self.fail(key, f"{key} = {value!r} has no time zone: end it with Z for UTC (e.g. '2024-06-01T22:23:00Z')")
        try:
            utc = moment.astimezone(UTC)
        except OverflowError:  # a zone offset that takes year 1 or 9999 out of range
            utc = None
        if utc is None or utc < EARLIEST_START or utc_to_tai_ns(datetime_to_utc_ns(utc)) >= CUC_END_TAI_NS:
            self.fail(key, f"{key} = {self.shown(key)} is outside the dates the bench can run at: "
                           f"{EARLIEST_START:%Y-%m-%d} (leap seconds are tabulated from then on) to "
                           f"{_utc_text(CUC_END_TAI_NS)} (the 32-bit CUC time code ends)")
        return utc.isoformat().replace("+00:00", "Z")

    def condition(self, key: str, *, required: bool = False) -> Any:
        """A telemetry or event condition, or None when absent."""
        value = self._value(key, str, "a condition like 'sampler.drill_state == idle'", required)
        if value is None:
            return None
        found: Condition | EventCondition = self._located(
            key, lambda line: parse_condition(value, self.reader.dictionary, path=self.reader.path, line=line))
        return found
