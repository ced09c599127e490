"""The Communications Link Control Word (232.0-B): the FARM-1 report carried in a TM frame's OCF."""

from __future__ import annotations

from typing import NamedTuple

from protocols.errors import FieldValueError, TruncatedError, VersionError, field_error

CLCW_SIZE = 4
COP1_IN_EFFECT = 1


class Clcw(NamedTuple):
    """The CLCW fields; ``report_value`` is the FARM's V(R)."""

    vcid: int
    report_value: int
    lockout: bool = False
    wait: bool = False
    retransmit: bool = False
    farm_b_counter: int = 0
    no_rf_available: bool = False
    no_bit_lock: bool = False
    status: int = 0
    cop_in_effect: int = COP1_IN_EFFECT
    version: int = 0

    def to_int(self) -> int:
        """The 32-bit word (control word type bit 0)."""
        for name, value, bits in (("vcid", self.vcid, 6), ("report_value", self.report_value, 8),
                                  ("farm_b_counter", self.farm_b_counter, 2), ("status", self.status, 3),
                                  ("cop_in_effect", self.cop_in_effect, 2), ("version", self.version, 2)):
            if not 0 <= value < (1 << bits):
                raise field_error(FieldValueError, name, value, f"must fit in {bits} bits")
        return ((self.version << 29) | (self.status << 26) | (self.cop_in_effect << 24) | (self.vcid << 18)
                | (self.no_rf_available << 15) | (self.no_bit_lock << 14) | (self.lockout << 13)
                | (self.wait << 12) | (self.retransmit << 11) | (self.farm_b_counter << 9) | self.report_value)

    def pack(self) -> bytes:
        """The 4 octets of the word."""
        return self.to_int().to_bytes(CLCW_SIZE, "big")

    @classmethod
    def from_int(cls, word: int) -> Clcw:
        """Decode a 32-bit word; a type bit of 1 (not a CLCW) or a version other than 0 is refused."""
        if not 0 <= word <= 0xFFFFFFFF:
            raise field_error(FieldValueError, "clcw", word, "a CLCW is a 32-bit word")
        if word >> 31:
            raise field_error(FieldValueError, "control_word_type", 1, "type 1 is not a CLCW")
        version = (word >> 29) & 0x3
        if version:
            raise field_error(VersionError, "version", version, "CLCW version must be 0")
        return cls(vcid=(word >> 18) & 0x3F, report_value=word & 0xFF, lockout=bool(word & 0x2000),
                   wait=bool(word & 0x1000), retransmit=bool(word & 0x800), farm_b_counter=(word >> 9) & 0x3,
                   no_rf_available=bool(word & 0x8000), no_bit_lock=bool(word & 0x4000),
                   status=(word >> 26) & 0x7, cop_in_effect=(word >> 24) & 0x3, version=version)

    @classmethod
    def unpack(cls, data: bytes | bytearray | memoryview) -> Clcw:
        """Decode the 4 octets of a CLCW."""
        if len(data) != CLCW_SIZE:
            raise field_error(TruncatedError, "clcw", len(data), "a CLCW is 4 octets")
        return cls.from_int(int.from_bytes(data, "big"))
