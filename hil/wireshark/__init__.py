"""Wireshark: the shipped Lua dissector (``farside.lua``), its installation, and captures of CADU and CLTU files.

``plugin`` finds and installs the dissector; ``capture`` writes a CADU or CLTU file as a pcapng capture Wireshark
dissects with it. Import them by module; this package imports none.
"""
