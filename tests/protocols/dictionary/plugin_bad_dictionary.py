"""A plugin whose dictionary is refused when its device is built: importing this module raises DictionaryError."""

from protocols.dictionary import Device, DevicePlugin, Event

PLUGIN = DevicePlugin(device=Device(name="broken", apid=0x154, description="an event severity given as text",
                                   functions=(), parameters=(), housekeeping=(),
                                   events=(Event(id=1, name="charged", severity="info"),)),  # type: ignore[arg-type]
                      model="broken_model:Broken")
