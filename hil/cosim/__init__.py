"""RTL co-simulation: a bench link through a Verilog block under cocotb, on the RTL clock (needs cocotb).

``RtlLink`` splices an RTL block into a bench port's receive path; ``RtlLoop`` runs the bench inside a cocotb
test, one bench cycle per N RTL clocks; ``ByteDriver``/``PacketCollector`` are the stream ends it uses.
See docs/rtl.md.
"""

from hil.cosim.loop import LoopFigures, RtlLink, RtlLoop, splice_device_link
from hil.cosim.stream import ByteDriver, PacketCollector

__all__ = ["ByteDriver", "LoopFigures", "PacketCollector", "RtlLink", "RtlLoop", "splice_device_link"]
