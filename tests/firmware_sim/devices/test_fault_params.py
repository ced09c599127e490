"""Fault parameters and model options are declared, typed and range-checked: refused with the key, never a crash."""

from __future__ import annotations

from typing import Any

import pytest

from firmware_sim.bench import Bench
from firmware_sim.devices.ascender import AscenderModel
from firmware_sim.devices.base import DeviceModel
from firmware_sim.devices.relay import RelayRadioModel
from firmware_sim.devices.sampler import SamplerModel
from firmware_sim.engine.link import Link
from firmware_sim.params import Param, ParameterError, check_options, fault_method, fault_names
from hil.procedure import Procedure

MODELS: dict[str, type[DeviceModel]] = {"sampler": SamplerModel, "ascender": AscenderModel, "relay": RelayRadioModel}


@pytest.mark.parametrize("model", MODELS.values(), ids=MODELS.keys())
def test_every_fault_and_option_of_every_model_is_declared(model: type[DeviceModel]) -> None:
    assert fault_names(model)
    for fault in fault_names(model):
        method = getattr(model, "fault_" + fault.replace("-", "_"))
        assert isinstance(getattr(method, "params", None), dict), fault
    assert isinstance(getattr(model, "OPTIONS", None), dict)


# (model, fault, parameters, the key the refusal names)
BAD_FAULTS = [
    (SamplerModel, "load-cell-drift", {"offset_g": "heavy"}, "offset_g"),
    (SamplerModel, "load-cell-drift", {"offset_g": float("nan")}, "offset_g"),
    (SamplerModel, "rock", {"depth_m": 1.0, "hardness": float("inf")}, "hardness"),
    (SamplerModel, "rock", {"hardness": 40.0}, "depth_m"),
    (SamplerModel, "seal-failure", {"count": 2.5}, "count"),
    (SamplerModel, "motor-overcurrent", {"persistent": "yes"}, "persistent"),
    (SamplerModel, "joint-jam", {"joint": "shoulder_yaw", "angle_deg": True}, "angle_deg"),
    (AscenderModel, "pyro-failure", {"attempts": "two"}, "attempts"),
    (AscenderModel, "ignition-failure", {"attempts": 10**30}, "attempts"),
    (AscenderModel, "stuck-valve", {"position": "ajar"}, "position"),
    (RelayRadioModel, "link-outage", {"duration_s": 1e300}, "duration_s"),
    (RelayRadioModel, "queue-stuck", {"duration_s": "forever"}, "duration_s"),
    (RelayRadioModel, "transmitter-failure", {"power": 0}, "power"),
    (RelayRadioModel, "pa-overheat", {"trip_c": 130.0}, "trip_c"),
]


@pytest.mark.parametrize(("model", "fault", "params", "key"), BAD_FAULTS,
                         ids=[f"{m.__name__}-{f}-{k}" for m, f, _, k in BAD_FAULTS])
def test_bad_fault_parameters_are_refused_naming_the_key(model: type[DeviceModel], fault: str,
                                                         params: dict[str, Any], key: str) -> None:
    options = {"space_link": "packets"} if model is RelayRadioModel else None
    name = next(name for name, cls in MODELS.items() if cls is model)
    device = Procedure.for_device(name, options=options).model(name)
    with pytest.raises(ParameterError) as caught:
        device.inject(fault, **params)
    assert key in str(caught.value)
    assert device.faults_injected == []


@pytest.mark.parametrize(("fault", "params", "key"), [
    ("bit-errors", {"rate": -1}, "rate"),
    ("drop", {"probability": 5}, "probability"),
    ("corrupt", {"count": 1e30}, "count"),
    ("delay", {"seconds": float("inf")}, "seconds"),
    ("cut", {"direction": "sideways"}, "direction"),
    ("clear", {"everything": True}, "everything"),
])
def test_bad_link_fault_parameters_are_refused_before_any_frame_moves(fault: str, params: dict[str, Any],
                                                                      key: str) -> None:
    bench = Bench()
    with pytest.raises(ParameterError) as caught:
        bench.inject("link.sampler", fault, params)
    assert key in str(caught.value)
    faults = bench.links["sampler"].faults
    assert (faults.bit_error_rate, faults.drop_probability, faults.corrupt_next, faults.direction) == (0, 0, 0, "both")


def test_every_link_fault_takes_a_direction() -> None:
    declared = {fault: fault_method(Link, fault).params for fault in fault_names(Link)}  # type: ignore[union-attr]
    assert set(declared) == {"drop", "corrupt", "bit-errors", "delay", "cut", "restore", "clear"}
    assert all("direction" in params for params in declared.values())


@pytest.mark.parametrize(("model", "options", "key"), [
    (SamplerModel, {"colour": "red"}, ("colour",)),
    (SamplerModel, {"tick_hz": 0}, ("tick_hz",)),
    (AscenderModel, {"propellant_kg": 1e9}, ("propellant_kg",)),
    (RelayRadioModel, {"visibility": "always", "uplink_rate": 5000}, ("uplink_rate",)),
    (RelayRadioModel, {"frames": {"spacecraft_id": 5000}}, ("frames", "spacecraft_id")),
    (RelayRadioModel, {"orbit": {"apolune_altitude_km": 100.0}}, ("orbit", "apolune_altitude_km")),
    (RelayRadioModel, {"geometry_offset_s": 1e300}, ("geometry_offset_s",)),
])
def test_model_options_are_checked_with_the_key_path(model: type[DeviceModel], options: dict[str, Any],
                                                     key: tuple[str, ...]) -> None:
    with pytest.raises(ParameterError) as caught:
        check_options("device", model, options)
    assert caught.value.key == key


def test_good_options_and_parameters_pass_unchanged() -> None:
    options = {"visibility": "always", "downlink_rate": "50k", "frames": {"rs_interleave": 5, "tm_frame_length": 1115}}
    assert check_options("relay", RelayRadioModel, options) == options
    sampler = Procedure.for_device("sampler").model("sampler")
    sampler.inject("rock", depth_m=1, hardness=40)
    assert sampler.faults_injected[0][1:] == ("rock", {"depth_m": 1, "hardness": 40})


def test_a_param_refuses_booleans_as_numbers_and_non_finite_values() -> None:
    number = Param("number", 0.0, 1.0)
    assert number.problem(1) is None and number.problem(0.5) is None
    assert number.problem(True) and number.problem(float("nan")) and number.problem(1.5)
    assert Param("integer", 1, 3).problem(2.0) and Param("number", 0.0, 1.0, above=True).problem(0.0)
