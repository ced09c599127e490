"""The CCSDS attached sync marker (131.0-B), on its own so that sniffing a file does not load the space link."""

ASM = bytes.fromhex("1ACFFC1D")
"""The 32-bit attached sync marker before every CADU, and before every packet of the ASM device-link framing."""
