"""The drill camera's model: power, exposure settings, images sent in chunks, and a stuck-shutter fault."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from farside_drillcam.dictionary import BINNING, CHUNK_PIXELS, CHUNK_WORDS, DRILLCAM, IMAGE_SIDE
from firmware_sim.devices.base import DeviceModel, Execution
from firmware_sim.engine.scheduler import Scheduler, Timer
from firmware_sim.errors import CommandRefusedError, ConfigurationError
from protocols.services.verification import FailureCode

NS_PER_MS = 1_000_000
CHUNK_INTERVAL_NS = 20 * NS_PER_MS
"""One image-chunk report every 20 ms while the image is read out."""
IMAGE_CHUNK_SID = DRILLCAM.hk_set("image-chunk").sid


class DrillCamModel(DeviceModel):
    """A drill-site camera: exposes for ``exposure_ms``, then reports the image chunk by chunk.

    Options (``[bench.devices.drillcam]`` in a scenario): ``dark_level``, the sensor's dark signal in DN (0..255).
    """

    def __init__(self, scheduler: Scheduler, rng: np.random.Generator, epoch_ns: int = 0,
                 options: Mapping[str, Any] | None = None) -> None:
        super().__init__(DRILLCAM, scheduler, rng, epoch_ns, options)
        self.dark_level = int(self.options.get("dark_level", 12))
        if not 0 <= self.dark_level <= 255:
            raise ConfigurationError(f"drillcam: dark_level={self.dark_level}: allowed 0..255")
        self.telemetry.update(camera_power="off", camera_state="off", exposure_ms=100, gain=1, ccd_temp=20.0)
        self.shutter_stuck = False
        self._capture: Execution | None = None
        self._timer: Timer | None = None

    # commands ---------------------------------------------------------------------------------------------
    def cmd_power(self, state: str) -> None:
        """Switch the camera on (idle) or off (a capture under way is aborted)."""
        if state == "off":
            self._abort("camera switched off")
            self.shutter_stuck = False  # a power cycle frees the shutter
        self.telemetry["camera_power"] = state
        self.telemetry["camera_state"] = "idle" if state == "on" else "off"

    def cmd_set_exposure(self, exposure_ms: int, gain: int) -> None:
        """Exposure and gain for the next images."""
        self._require_idle()
        self.telemetry["exposure_ms"] = exposure_ms
        self.telemetry["gain"] = gain

    def cmd_capture_image(self, binning: str) -> Execution:
        """Expose, then send the image in chunks; completes after the last chunk (fails on a stuck shutter)."""
        self._require_idle()
        execution = self.begin("capture-image")
        self._capture = execution
        self.telemetry["camera_state"] = "exposing"
        exposure_ns = int(self.telemetry["exposure_ms"]) * NS_PER_MS
        self._timer = self.scheduler.after_ns(exposure_ns, lambda: self._exposed(execution, BINNING[binning]))
        return execution

    def _require_idle(self) -> None:
        camera = self.telemetry["camera_state"]
        if camera in ("exposing", "reading_out"):
            raise CommandRefusedError(FailureCode.BUSY, f"drillcam is {camera}")
        if camera != "idle":
            raise CommandRefusedError(FailureCode.INVALID_STATE, f"drillcam is {camera}: power it on first")

    # the image --------------------------------------------------------------------------------------------
    def _exposed(self, execution: Execution, binning: int) -> None:
        if self.shutter_stuck:
            self._timer = self._capture = None
            self.telemetry["camera_state"] = "fault"
            self.emit("shutter-fault", int(self.telemetry["exposure_ms"]))
            self.fail(execution, FailureCode.HARDWARE_FAULT, "shutter did not open")
            return
        pixels = self._image(binning)
        chunks = [pixels[i:i + CHUNK_PIXELS].ljust(CHUNK_PIXELS, b"\0") for i in range(0, len(pixels), CHUNK_PIXELS)]
        self.telemetry["camera_state"] = "reading_out"
        image_id = (int(self.telemetry["images_captured"]) + 1) & 0xFFFF
        self._send_chunk(execution, image_id, chunks, 0, float(np.frombuffer(pixels, np.uint8).mean()))

    def _image(self, binning: int) -> bytes:
        """The drill site: a bright borehole rim around a dark hole, scaled by exposure and gain, with noise."""
        side = IMAGE_SIDE // binning
        y, x = np.mgrid[0:side, 0:side] / side - 0.5
        radius = np.hypot(x, y)
        scene = np.where(radius < 0.15, 0.1, np.where(radius < 0.3, 1.0, 0.6))
        signal = scene * self.telemetry["exposure_ms"] * self.telemetry["gain"] * binning * binning / 4.0
        noisy = self.dark_level + signal + self.rng.normal(0.0, 2.0, scene.shape)
        return np.clip(np.rint(noisy), 0, 255).astype(np.uint8).tobytes()

    def _send_chunk(self, execution: Execution, image_id: int, chunks: list[bytes], index: int, mean: float) -> None:
        chunk = chunks[index]
        self.telemetry.update(image_id=image_id, chunk_index=index, chunk_count=len(chunks))
        for word in range(CHUNK_WORDS):
            self.telemetry[f"pixels_{word:02d}"] = int.from_bytes(chunk[4 * word:4 * word + 4], "big")
        self.report_hk(IMAGE_CHUNK_SID)
        self.progress(execution)
        if index + 1 < len(chunks):
            self._timer = self.scheduler.after_ns(
                CHUNK_INTERVAL_NS, lambda: self._send_chunk(execution, image_id, chunks, index + 1, mean))
            return
        self._timer = self._capture = None
        self.telemetry["images_captured"] = image_id
        self.telemetry["camera_state"] = "idle"
        self.emit("image-captured", image_id, len(chunks), mean)
        self.complete(execution)

    def _abort(self, why: str) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._capture is not None:
            self.fail(self._capture, FailureCode.ABORTED, why)
        self._timer = self._capture = None

    # faults -----------------------------------------------------------------------------------------------
    def fault_shutter_stuck(self) -> None:
        """The shutter stays shut: every capture fails with shutter-fault until the camera is power-cycled."""
        self.shutter_stuck = True

    def figures(self) -> dict[str, Any]:
        """Images sent, for the run summary."""
        return {"images_captured": self.telemetry["images_captured"]}
