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
