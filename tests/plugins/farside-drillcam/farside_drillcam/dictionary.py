"""The drill camera's dictionary: its commands, parameters, housekeeping sets and events, declared once."""

from __future__ import annotations

import construct as cs

from protocols.dictionary import Device, Event, Function, HousekeepingSet, Parameter
from protocols.dictionary.shapes import choice, counter, number, state, temperature_sensor
from protocols.services.events import Severity

APID = 0x140
"""Next to farside's own devices (sampler 0x110, ascender 0x120, relay 0x130)."""

IMAGE_SIDE = 32
"""Pixels per side of a full image (8 bits each)."""
CHUNK_WORDS = 16
"""32-bit words of pixels in one image-chunk report: 64 pixels, two rows of a full image."""
CHUNK_PIXELS = 4 * CHUNK_WORDS

POWER = {"off": 0, "on": 1}
CAMERA_STATES = {"off": 0, "idle": 1, "exposing": 2, "reading_out": 3, "fault": 4}
BINNING = {"1x1": 1, "2x2": 2}
"""1x1: the full 32×32 image (16 chunks); 2x2: four pixels summed into one, 16×16 (4 chunks)."""

FUNCTIONS = (
    Function(name="power", function_id=0x0101, description="switch the camera on or off",
             args=(choice("state", POWER, "camera power"),)),
    Function(name="set-exposure", function_id=0x0102, description="exposure time and gain for the next images",
             args=(number("exposure_ms", cs.Int16ub, "ms", 1, 2000, "exposure time"),
                   number("gain", cs.Int8ub, "", 1, 16, "analogue gain"))),
    Function(name="capture-image", function_id=0x0103,
             description="expose, then send the image as image-chunk reports (TM[3,25]); completes after the last",
             args=(choice("binning", BINNING, "pixel binning"),)),
)

_CHUNK_DATA = tuple(
    Parameter(name=f"pixels_{i:02d}", id=0x0210 + i, raw=cs.Int32ub,
              description=f"pixels {4 * i}..{4 * i + 3} of the chunk, one octet each, first in the high octet")
    for i in range(CHUNK_WORDS)
)

PARAMETERS = (
    state("camera_power", 0x0101, POWER, "camera power"),
    state("camera_state", 0x0102, CAMERA_STATES, "what the camera is doing"),
    Parameter(name="exposure_ms", id=0x0103, raw=cs.Int16ub, unit="ms", minimum=1, maximum=2000,
              description="exposure time of the next image"),
    Parameter(name="gain", id=0x0104, raw=cs.Int8ub, minimum=1, maximum=16, description="analogue gain"),
    counter("images_captured", 0x0105, "images sent completely", cs.Int16ub),
    temperature_sensor("ccd_temp", 0x0106, "image sensor"),
    Parameter(name="image_id", id=0x0201, raw=cs.Int16ub, description="image this chunk belongs to"),
    Parameter(name="chunk_index", id=0x0202, raw=cs.Int16ub, description="chunk number, from 0"),
    Parameter(name="chunk_count", id=0x0203, raw=cs.Int16ub, description="chunks in the whole image"),
    *_CHUNK_DATA,
)

HOUSEKEEPING = (
    HousekeepingSet(sid=1, name="camera", interval_ms=5000, description="power, state, settings and temperature",
                    parameters=("camera_power", "camera_state", "exposure_ms", "gain", "images_captured",
                                "ccd_temp")),
    HousekeepingSet(sid=2, name="image-chunk", interval_ms=1000, enabled=False,
                    description="one chunk of an image; sent once per chunk by capture-image, not periodically",
                    parameters=("image_id", "chunk_index", "chunk_count", *(p.name for p in _CHUNK_DATA))),
)

EVENTS = (
    Event(id=0x0101, name="image-captured", severity=Severity.INFO, description="an image was sent completely",
          data=(number("image_id", cs.Int16ub, "", 0, 65535, "image number"),
                number("chunks", cs.Int16ub, "", 1, 65535, "image-chunk reports sent"),
                number("mean_level", cs.Float32b, "DN", 0.0, 255.0, "mean pixel value"))),
    Event(id=0x0102, name="shutter-fault", severity=Severity.MEDIUM,
          description="the shutter did not open; the capture failed",
          data=(number("exposure_ms", cs.Int16ub, "ms", 1, 2000, "exposure that was asked for"),)),
)

DRILLCAM = Device(
    name="drillcam",
    apid=APID,
    description="Drill-site camera: 32×32 8-bit images of the drill and the borehole, sent in 64-pixel chunks.",
    functions=FUNCTIONS,
    parameters=PARAMETERS,
    housekeeping=HOUSEKEEPING,
    events=EVENTS,
)
"""The drill camera's dictionary."""
