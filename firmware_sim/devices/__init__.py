"""Emulated devices: each a state machine behind a PUS interface, built on DeviceModel."""

from __future__ import annotations

from firmware_sim.devices.base import DeviceModel


def model_classes() -> dict[str, type[DeviceModel]]:
    """The built-in device models by device name (imported on demand, no registration side effects)."""
    from firmware_sim.devices.ascender import AscenderModel
    from firmware_sim.devices.relay import RelayRadioModel
    from firmware_sim.devices.sampler import SamplerModel

    return {"sampler": SamplerModel, "ascender": AscenderModel, "relay": RelayRadioModel}
