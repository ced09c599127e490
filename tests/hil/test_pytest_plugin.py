"""The `farside` fixture from the pytest plugin: a procedure in virtual time, as a flight-software test reads."""

import pytest

from hil.procedure import Procedure, ProcedureError


def test_fixture_sends_waits_and_reads_telemetry(farside: Procedure) -> None:
    record = farside.complete("ascender", "ping")
    assert record.stage_names == ["acceptance-ok", "start-ok", "completion-ok"]
    took = farside.wait_until("ascender.imu_status == ready", timeout_s=120)
    assert took <= 120
    assert farside.latest("ascender", "imu_status") == "ready"
    assert farside.history("ascender", "imu_status")[-1][1] == "ready"


def test_failure_reports_raise_procedure_errors(farside: Procedure) -> None:
    with pytest.raises(ProcedureError, match="INVALID_STATE"):
        farside.complete("ascender", "engine-ignite", burn_duration=10, cutoff="timer")
    with pytest.raises(ProcedureError, match="not met within 5 s"):
        farside.wait_until("sampler.drill_depth > 1", timeout_s=5)


@pytest.mark.farside(seed=4, relay={"visibility": "always"})
def test_marker_configures_the_bench_and_faults_inject(farside: Procedure) -> None:
    assert farside.bench.seed == 4
    farside.wait_until("relay.event:link-acquired", timeout_s=30)
    farside.inject("link.ascender", "drop", count=1, direction="to-device")
    lost = farside.send("ascender", "ping")
    farside.run(5)
    assert lost.stages == []
    assert farside.complete("ascender", "ping").completed


@pytest.mark.farside(device="sampler", seed=2, baud=9600)
def test_marker_makes_a_one_device_bench(farside: Procedure) -> None:
    assert farside.bench.members == ("sampler",) and farside.bench.links["sampler"].baud == 9600
    assert farside.complete("sampler", "ping").completed
    assert [p.name for p in farside.packets("sampler", direction=None)][:2] == ["ping", "acceptance-ok"]


pytest_plugins = ["pytester"]

SEVEN = '[scenario]\nname = "seeded bench"\nseed = 7\n[bench.devices.relay]\nvisibility = "always"\n'
DIGEST_TEST = '''
import pytest
from hil.procedure import Procedure

def digest(seed):
    p = Procedure.from_scenario(__file__.rsplit("/", 1)[0] + "/bench.toml", seed)
    p.run(60)
    return p.bench.digest.hexdigest()

@pytest.mark.farside(scenario="bench.toml")
def test_scenario_seed(farside):
    farside.run(60)
    assert farside.bench.seed == 7 and farside.bench.digest.hexdigest() == digest(7) != digest(0)

@pytest.mark.farside(scenario="bench.toml", seed=2)
def test_marker_seed(farside):
    assert farside.bench.seed == 2
'''


def test_a_scenario_marker_keeps_the_scenario_seed_and_reads_it_beside_the_test(pytester: pytest.Pytester) -> None:
    tests = pytester.mkdir("tests")
    (tests / "bench.toml").write_text(SEVEN)
    (tests / "test_seeded.py").write_text(DIGEST_TEST)
    pytester.chdir()  # the scenario is in tests/, not in the working directory
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "tests").assert_outcomes(passed=2)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--farside-seed", "3", "tests", "-k",
                                           "scenario_seed")
    result.assert_outcomes(failed=1)  # an explicit --farside-seed wins over the scenario's
    result.stdout.fnmatch_lines(["*assert (3 == 7)*"])


MISUSED = '''
import pytest

@pytest.mark.farside(scenario="bench.toml", sampler={"ambient_c": -30.0}, baud=9600)
def test_scenario_with_options(farside): pass

@pytest.mark.farside(scenario="bench.toml", device="ascender")
def test_scenario_with_device(farside): pass

@pytest.mark.farside("ascender")
def test_positional(farside): pass

@pytest.mark.farside(devise="ascender")
def test_typo(farside): pass

@pytest.mark.farside(device="ascender", sampler={"ambient_c": 1.0})
def test_device_with_model_options(farside): pass

@pytest.mark.farside(seed=-1)
def test_negative_seed(farside): pass
'''


def test_every_marker_argument_the_bench_does_not_take_is_a_usage_error_naming_it(
        pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", bench=SEVEN)
    pytester.makepyfile(test_misused=MISUSED)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=6)
    result.stdout.fnmatch_lines_random([
        "*UsageError: @pytest.mark.farside(scenario=...) does not take baud, sampler: with scenario= the marker "
        "takes seed=*",
        "*UsageError: @pytest.mark.farside takes scenario= or device=, not both*",
        "*UsageError: @pytest.mark.farside('ascender',): the marker takes keyword arguments only, "
        "e.g. device='ascender'*",
        "*UsageError: @pytest.mark.farside does not take devise: it takes scenario=, device=*",
        "*UsageError: @pytest.mark.farside(device=...) does not take sampler: with device= the marker takes "
        "the for_device keywords seed, options, model, baud*",
        "*UsageError: farside: seed=-1: a seed is a whole number from 0 to*",
    ])


def test_a_seed_option_out_of_range_is_refused_on_the_command_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_any="def test_any(farside): pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--farside-seed", "-1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*argument --farside-seed: seed=-1: a seed is a whole number from 0 to*"])
