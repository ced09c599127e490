"""What every device model shares: an event raised with the wrong number of data values is a clear error."""

from __future__ import annotations

import pytest

from hil.procedure import Procedure
from protocols.errors import ArgumentError


def test_an_event_with_too_few_or_too_many_values_names_the_device_the_event_and_what_it_takes() -> None:
    model = Procedure.for_device("sampler").model("sampler")
    sent = model.counters.events_sent
    for values in (("safe",), ("standby", "safe", "extra")):
        with pytest.raises(ArgumentError, match=r"sampler event mode-changed takes 2 values: previous, current$"):
            model.emit("mode-changed", *values)
    assert model.counters.events_sent == sent
    assert not [e for e in model.event_log if e[1] == "mode-changed" and len(e[2]) != 2]


def test_an_event_with_its_values_is_logged_by_name() -> None:
    model = Procedure.for_device("sampler").model("sampler")
    model.emit("mode-changed", "standby", "safe")
    assert model.event_log[-1][1:] == ("mode-changed", {"previous": "standby", "current": "safe"})
