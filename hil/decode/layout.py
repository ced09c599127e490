"""A numpy structured dtype and bit-field extractors derived from a fixed layout's flattened slots."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from protocols.layout import Slot

_WHOLE = {8: "1", 16: "2", 32: "4", 64: "8"}


@dataclass(frozen=True)
class Column:
    """Where one slot lives: a dtype field, and for bit fields the shift and mask within it."""

    slot: Slot
    field: str
    shift: int = 0
    mask: int | None = None

    def raw(self, rec: np.ndarray) -> np.ndarray:
        """The slot's raw values for every record (sign-extended for signed bit fields)."""
        carrier = rec[self.field]
        if self.mask is None:
            return carrier
        value = (carrier >> self.shift) & self.mask
        if self.slot.kind == "int":
            value = value.astype(np.int64)
            value -= (value >> (self.slot.bits - 1)) << self.slot.bits
        return value


class NumpyLayout:
    """The records of a fixed layout as a structured dtype, with ``lead`` octets before and ``trail`` after."""

    def __init__(self, slots: Sequence[Slot], lead: int = 0, trail: int = 0) -> None:
        names: list[str] = []
        formats: list[str] = []
        offsets: list[int] = []
        self.columns: list[Column] = []
        run: list[tuple[Slot, int]] = []
        bit = 0
        run_start = 0
        for slot in slots:
            if bit % 8 == 0 and not run and slot.bits in _WHOLE:
                field = f"f{len(names)}"
                names.append(field)
                formats.append(self._format(slot))
                offsets.append(lead + bit // 8)
                self.columns.append(Column(slot, field))
                bit += slot.bits
                continue
            if slot.kind == "float":
                raise TypeError(f"bulk decode: float field {slot.name} must be byte-aligned")
            if not run:
                run_start = bit
            run.append((slot, bit))
            bit += slot.bits
            if bit % 8 == 0:
                width = bit - run_start
                if width not in _WHOLE:
                    raise TypeError(f"bulk decode: a {width}-bit group of bit fields has no numpy carrier")
                field = f"f{len(names)}"
                names.append(field)
                formats.append(">u" + _WHOLE[width])
                offsets.append(lead + run_start // 8)
                for member, start in run:
                    shift = run_start + width - start - member.bits
                    self.columns.append(Column(member, field, shift, (1 << member.bits) - 1))
                run = []
        if run:
            raise TypeError("bulk decode: layout ends inside an octet")
        self.size = bit // 8
        self.dtype = np.dtype({"names": names, "formats": formats, "offsets": offsets,
                               "itemsize": lead + self.size + trail})
        self.lead = lead
        self.variable = [c for c in self.columns if c.slot.const is None]
        """Columns that carry values (no constant), in layout order."""
        self._checks = self._const_checks()

    @staticmethod
    def _format(slot: Slot) -> str:
        if slot.kind == "float":
            return ">f" + _WHOLE[slot.bits]
        return (">i" if slot.kind == "int" else ">u") + _WHOLE[slot.bits]

    def _const_checks(self) -> list[tuple[str, int, int]]:
        """(dtype field, mask, expected value) per field holding constants: one masked compare each."""
        checks: dict[str, list[int]] = {}
        for column in self.columns:
            const = column.slot.const
            if const is None:
                continue
            mask = column.mask if column.mask is not None else (1 << column.slot.bits) - 1
            entry = checks.setdefault(column.field, [0, 0])
            entry[0] |= mask << column.shift
            entry[1] |= (int(const) & mask) << column.shift
        return [(field, mask, value) for field, (mask, value) in checks.items()]

    def constants_ok(self, rec: np.ndarray) -> np.ndarray:
        """True for records whose constant fields (version, APID, service, SID …) hold their values."""
        ok = np.ones(len(rec), dtype=bool)
        for field, mask, value in self._checks:
            ok &= (rec[field] & mask) == value
        return ok
