"""Objects the registry tests' entry points point at: small plugin devices, clashes and things that are no plugin."""

import construct as cs

from protocols.dictionary import Device, DevicePlugin, Function, HousekeepingSet, Parameter


def _device(name: str, apid: int) -> Device:
    return Device(name=name, apid=apid, description=f"a test device called {name}",
                  functions=(Function(name="reset", function_id=1, description="reset"),),
                  parameters=(Parameter(name="level", id=1, raw=cs.Int16ub, description="a level"),),
                  housekeeping=(HousekeepingSet(sid=1, name="basic", parameters=("level",)),), events=())


CAMERA = DevicePlugin(device=_device("camera", 0x150), model="camera_model:CameraModel")
ZETA = DevicePlugin(device=_device("zeta", 0x151), model="zeta_model:ZetaModel")
SAMPLER_TWIN = DevicePlugin(device=_device("sampler", 0x152), model="twin_model:SamplerTwin")
APID_TWIN = DevicePlugin(device=_device("twin", 0x110), model="twin_model:ApidTwin")
GREEDY = DevicePlugin(device=_device("greedy", 0x153), model="greedy_model:Greedy", default_member=True)
NOT_A_PLUGIN = 42
