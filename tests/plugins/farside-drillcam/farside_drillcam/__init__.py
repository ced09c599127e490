"""farside-drillcam: a drill-site camera for the farside emulator, registered as a device plugin."""

from farside_drillcam.dictionary import DRILLCAM
from protocols.dictionary import DevicePlugin

PLUGIN = DevicePlugin(device=DRILLCAM, model="farside_drillcam.model:DrillCamModel")
"""What the ``farside.devices`` entry point ``drillcam`` gives farside: the dictionary and the model class."""

__all__ = ["DRILLCAM", "PLUGIN"]
