"""Shadow mode: the model and a real board get the same commands; differences in their replies are reported."""

from __future__ import annotations

from test_board_in_place import board, pings  # noqa: F401 - the fixture is shared

from firmware_sim.scenario import parse_scenario
from hil.serve.session import ServeSession


def shadow_session(link: str, timeline: str, duration: str = "3s") -> ServeSession:
    """A bench with the sampler modelled and shadowed by the board at ``link``, run for ``duration``."""
    bench = f'[scenario]\nname = "shadow"\nduration = "{duration}"\n[bench.shadow]\nsampler = "{link}"\n'
    scenario = parse_scenario(bench + timeline)
    session = ServeSession(scenario, speed=1.0)
    session.open()
    try:
        session.serve(seconds=30)
    finally:
        session.close()
    return session


def test_identical_replies_give_no_differences(board) -> None:  # noqa: F811
    link, _ = board()
    session = shadow_session(link, pings(3, "0.2s"))
    shadow = session.shadows["sampler"]
    assert shadow.counters.commands == 3
    assert shadow.counters.matched == 9  # acceptance, TM[17,2] and completion for each ping
    assert list(shadow.differences) == []


def test_a_board_that_reports_other_values_is_caught(board) -> None:  # noqa: F811
    link, _ = board("--wrong-parameters")
    timeline = pings(1, "0.2s") + ('[[timeline]]\nafter = "0.2s"\ndevice = "sampler"\ncommand = "param-get"\n'
                                   'args = { param = "drill_stall_torque" }\ntimeout = "1s"\n')
    session = shadow_session(link, timeline)
    differences = list(session.shadows["sampler"].differences)
    assert [d.kind for d in differences] == ["content"]
    assert "TM[20,2]" in differences[0].detail
    assert any("shadow sampler: content" in event for event in session.events)


def test_a_slow_board_is_reported_late(board) -> None:  # noqa: F811
    link, _ = board("--delay-ms", "150")
    session = shadow_session(link, pings(2, "0.3s"))
    kinds = {d.kind for d in session.shadows["sampler"].differences}
    assert kinds == {"timing"}
