"""Whole-packet codecs fused from the declarations: a TM[3,25] report or TC[8,1] command in one struct call."""

from __future__ import annotations

from binascii import crc_hqx
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any, NamedTuple, NoReturn

import construct as cs

from protocols.dictionary.fields import Field, RecordCodec
from protocols.errors import ArgumentError, LengthError, VersionError, field_error
from protocols.layout import FastLayout
from protocols.pus import CRC_SIZE, TC_SECONDARY_HEADER, TM_SECONDARY_HEADER, PusTc, PusTm
from protocols.spacepacket import PRIMARY_HEADER, SeqFlags
from protocols.timecode import NS_PER_S

_ERRORS = {"version": VersionError, "pus_version": VersionError}


class HousekeepingReport(NamedTuple):
    """A decoded TM[3,25]: the set's SID, engineering values in set order, and the packet's numbering."""

    sid: int
    values: tuple[Any, ...]
    seq_count: int
    msg_counter: int
    time_ns: int


class FunctionCall(NamedTuple):
    """A decoded TC[8,1]: the function's name, its named arguments, and the packet's numbering."""

    name: str
    args: dict[str, Any]
    seq_count: int
    ack_flags: int
    source_id: int


def _reject(raw: bytes, unpack: Callable[[bytes], object], expected: str) -> NoReturn:
    """Raise the precise error for a packet the fused path refused: the generic parser's, else a size error."""
    unpack(raw)  # raises the precise header, length or CRC error
    raise field_error(LengthError, "packet_size", len(raw), expected)


def _fused(head: cs.Construct, key: str, fields: Sequence[Field]) -> cs.Construct:
    return cs.Struct("header" / PRIMARY_HEADER, "secondary" / head, key / cs.Int16ub,
                     *(f.name / f.raw for f in fields))


class _FusedCodec:
    """A whole-packet codec's record: its encode and decode are generated when the codec is first used."""

    _record: RecordCodec

    @cached_property
    def _encode(self) -> Callable[..., bytes]:
        return self._record.encode

    @cached_property
    def _decode(self) -> Callable[..., tuple[Any, ...]]:
        return self._record.decode


class HousekeepingPacketCodec(_FusedCodec):
    """TM[3,25] of one housekeeping set of one device: every header field but the numbering is a constant."""

    def __init__(self, apid: int, sid: int, fields: Sequence[Field]) -> None:
        self.apid, self.sid, self.fields = apid, sid, tuple(fields)
        declaration = _fused(TM_SECONDARY_HEADER, "sid", self.fields)
        size = declaration.sizeof() + CRC_SIZE
        self.packet_size = size
        fixed = {"packet_type": 0, "sec_header_flag": 1, "apid": apid, "seq_flags": SeqFlags.UNSEGMENTED,
                 "data_length": size - 7, "time_ref": 0, "service": 3, "subtype": 25, "dest_id": 0, "sid": sid}
        layout = FastLayout(declaration, errors=_ERRORS, fixed=fixed)
        self._record = RecordCodec(self.fields, strict=False, layout=layout, leading=4)

    @cached_property
    def encode(self) -> Callable[[Sequence[Any], int, int, int], bytes]:
        """``encode(values, seq_count, msg_counter, time_ns)``: the whole packet for engineering ``values`` (set
        order), CRC included; values saturate. Generated on first use: time split, record and CRC in one call."""
        values = "".join(f"a{i}, " for i in range(len(self.fields)))
        prologue = [
            "try:", f"    ({values}) = values", "except ValueError:", "    _wrong_count(values)",
            "coarse, rest = divmod(time_ns, NS_PER_S)",
            "l0, l1, l2, l3 = seq_count, msg_counter, coarse, (rest << 16) // NS_PER_S",
        ]
        epilogue = ["return body + crc_hqx(body, 0xFFFF).to_bytes(2, 'big')"]
        namespace = {"NS_PER_S": NS_PER_S, "crc_hqx": crc_hqx, "_wrong_count": self._wrong_count}
        return self._record.generate_encode("values, seq_count, msg_counter, time_ns", prologue, epilogue, namespace)

    def _wrong_count(self, values: Sequence[Any]) -> NoReturn:
        """Raise the ArgumentError for values that are not one per parameter of the set."""
        raise field_error(ArgumentError, "values", len(values),
                          f"set {self.sid} has {len(self.fields)} values") from None

    def decode(self, raw: bytes) -> HousekeepingReport:
        """Decode a whole packet of this set; anything unexpected raises the precise ProtocolError."""
        if len(raw) != self.packet_size or crc_hqx(raw, 0xFFFF):
            _reject(raw, PusTm.unpack, f"set {self.sid} reports are {self.packet_size} octets")
        out = self._decode(raw)
        return HousekeepingReport(self.sid, out[4:], out[0], out[1],
                                  out[2] * NS_PER_S + ((out[3] * NS_PER_S + 0xFFFF) >> 16))

    @cached_property
    def verify(self) -> Callable[[bytes], None]:
        """``verify(raw)``: raise the ProtocolError ``decode`` would raise for ``raw`` (size, CRC, constant fields),
        decoding nothing: a packet that passes decodes without error, so its values can wait until someone asks
        (``values``). Generated on first use: size, CRC and constants tested in one call."""
        constants_match = self._record.layout.constants_expression("raw")
        source = [
            "def verify(raw):",
            f"    if len(raw) != {self.packet_size} or crc_hqx(raw, 0xFFFF) or not ({constants_match}):",
            "        decode(raw)",
        ]
        namespace = {"crc_hqx": crc_hqx, "decode": self.decode}
        exec(compile("\n".join(source) + "\n", f"<verify set {self.sid}>", "exec"), namespace)
        return namespace["verify"]  # type: ignore[no-any-return]

    @cached_property
    def values(self) -> Callable[[bytes], tuple[Any, ...]]:
        """``values(raw)``: the engineering values (set order) of a packet ``verify`` passed (generated, one call)."""
        return self._record.decode_values


class FunctionPacketCodec(_FusedCodec):
    """TC[8,1] of one function of one device: every header field but the numbering is a constant."""

    def __init__(self, apid: int, name: str, function_id: int, args: Sequence[Field]) -> None:
        self.apid, self.name, self.function_id, self.args = apid, name, function_id, tuple(args)
        self.names = tuple(a.name for a in self.args)
        declaration = _fused(TC_SECONDARY_HEADER, "function_id", self.args)
        size = declaration.sizeof() + CRC_SIZE
        self.packet_size = size
        fixed = {"packet_type": 1, "sec_header_flag": 1, "apid": apid, "seq_flags": SeqFlags.UNSEGMENTED,
                 "data_length": size - 7, "service": 8, "subtype": 1, "function_id": function_id}
        layout = FastLayout(declaration, errors=_ERRORS, fixed=fixed)
        self._record = RecordCodec(self.args, strict=True, layout=layout, leading=3)

    def encode(self, args: Sequence[Any], seq_count: int, ack_flags: int = 0xF, source_id: int = 0) -> bytes:
        """The whole packet for arguments in declaration order (validated strictly), CRC included."""
        try:
            body = self._encode(seq_count, ack_flags, source_id, *args)
        except TypeError:
            raise field_error(ArgumentError, "args", len(args),
                              f"{self.name} takes {', '.join(self.names) or 'no arguments'}") from None
        return body + crc_hqx(body, 0xFFFF).to_bytes(2, "big")

    def decode(self, raw: bytes) -> FunctionCall:
        """Decode a whole packet of this function; anything unexpected raises the precise ProtocolError."""
        if len(raw) != self.packet_size or crc_hqx(raw, 0xFFFF):
            _reject(raw, PusTc.unpack, f"{self.name} packets are {self.packet_size} octets")
        out = self._decode(raw)
        return FunctionCall(self.name, dict(zip(self.names, out[3:], strict=True)), out[0], out[1], out[2])
