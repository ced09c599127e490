"""Derive fast pack/unpack functions from a fixed-size construct declaration (declared once, run fast)."""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import construct as cs

from protocols.errors import FieldValueError, ProtocolError, TruncatedError, field_error

_FORMAT_CHARS = {
    (1, False): "B", (2, False): "H", (4, False): "I", (8, False): "Q",
    (1, True): "b", (2, True): "h", (4, True): "i", (8, True): "q",
}
_CHUNKS = (8, 4, 2, 1)  # octets per struct code, largest first, used to carry bit groups


@dataclass(frozen=True)
class Slot:
    """One field of a flattened layout: its name, width in bits, kind and constant value if any."""

    name: str
    bits: int
    kind: str  # "uint", "int", "float", "bool"
    const: int | float | None = None


def flatten(con: cs.Construct) -> list[Slot]:
    """Flatten a fixed-size construct declaration into a list of slots, most significant bit first."""
    slots: list[Slot] = []
    _walk(con, None, False, None, slots)
    return slots


def _walk(con: cs.Construct, name: str | None, in_bits: bool, const: Any, out: list[Slot]) -> None:
    if isinstance(con, cs.Renamed):
        _walk(con.subcon, con.name, in_bits, const, out)
    elif isinstance(con, cs.Struct):
        for sub in con.subcons:
            _walk(sub, sub.name if isinstance(sub, cs.Renamed) else None, in_bits, None, out)
    elif isinstance(con, cs.Transformed) and con.decodefunc is cs.bytes2bits:
        _walk(con.subcon, name, True, const, out)
    elif isinstance(con, cs.Const):
        _walk(con.subcon, name, in_bits, con.value, out)
    elif isinstance(con, cs.Padded) and isinstance(con.subcon, type(cs.Pass)):
        width = con.length if in_bits else con.length * 8
        out.append(Slot(f"_pad{len(out)}", width, "uint", 0))
    elif isinstance(con, cs.Adapter):  # Enum, Mapping, engineering adapters: raw values on the fast path
        _walk(con.subcon, name, in_bits, const, out)
    elif isinstance(con, cs.BitsInteger):
        if not in_bits:
            raise TypeError("fast path: BitsInteger outside a BitStruct is not supported")
        out.append(Slot(_need(name), con.length, "int" if con.signed else "uint", const))
    elif isinstance(con, cs.BytesInteger | cs.FormatField):
        if in_bits:
            raise TypeError(f"fast path: byte field {name} inside a BitStruct is not supported")
        char = con.fmtstr[-1] if isinstance(con, cs.FormatField) else ("q" if con.signed else "Q")
        kind = "float" if char in "efd" else ("int" if char.islower() and char != "?" else "uint")
        out.append(Slot(_need(name), con.length * 8, kind, const))
    elif isinstance(con, type(cs.Flag)):
        out.append(Slot(_need(name), 1 if in_bits else 8, "bool", const))
    else:
        raise TypeError(f"fast path: {type(con).__name__} is not a fixed-size field construct")


def _need(name: str | None) -> str:
    if name is None:
        raise TypeError("fast path: every non-constant field needs a name")
    return name


@dataclass(frozen=True)
class _Group:
    """A run of slots packed into whole octets and carried by one or more struct codes."""

    slots: tuple[Slot, ...]
    codes: str
    direct: bool  # a single byte-aligned slot that maps straight onto one struct code


def _group(slots: Sequence[Slot]) -> list[_Group]:
    groups: list[_Group] = []
    run: list[Slot] = []
    run_bits = 0
    for slot in slots:
        aligned = run_bits == 0 and slot.bits % 8 == 0 and slot.const is None
        if aligned and slot.kind == "float":
            groups.append(_Group((slot,), "f" if slot.bits == 32 else "d", True))
            continue
        if aligned and (slot.bits // 8, slot.kind == "int") in _FORMAT_CHARS:
            groups.append(_Group((slot,), _FORMAT_CHARS[(slot.bits // 8, slot.kind == "int")], True))
            continue
        if slot.kind == "float":
            raise TypeError(f"fast path: float field {slot.name} must be byte-aligned")
        run.append(slot)
        run_bits += slot.bits
        if run_bits % 8 == 0:
            groups.append(_Group(tuple(run), _chunk_codes(run_bits // 8), False))
            run, run_bits = [], 0
    if run:
        raise TypeError(f"fast path: layout ends {run_bits} bits into an octet")
    return groups


def _chunk_codes(octets: int) -> str:
    codes = ""
    while octets:
        size = next(c for c in _CHUNKS if c <= octets)
        codes += _FORMAT_CHARS[(size, False)]
        octets -= size
    return codes


class FastLayout:
    """Compiled pack/unpack of a fixed-size construct declaration; constants are checked, not passed.

    ``fixed`` turns named fields into constants for a specialised codec (a PUS TC always has type 1);
    ``errors`` picks the error class raised when a constant does not match on unpack. The layout is checked
    when made; ``pack`` and ``unpack`` are generated on first use, so a dictionary of over a hundred layouts
    loads quickly for a command that uses two.
    """

    def __init__(
        self,
        declaration: cs.Construct,
        errors: dict[str, type[ProtocolError]] | None = None,
        fixed: dict[str, int] | None = None,
    ) -> None:
        self.declaration = declaration
        fixed = fixed or {}
        self.slots = tuple(
            Slot(s.name, s.bits, s.kind, int(fixed[s.name])) if s.name in fixed else s for s in flatten(declaration)
        )
        self.fields = tuple(s.name for s in self.slots if s.const is None)
        self._groups = _group(self.slots)
        self.struct = struct.Struct(">" + "".join(g.codes for g in self._groups))
        self.size = self.struct.size
        self._errors = errors or {}

    @cached_property
    def unpack(self) -> Callable[..., tuple[Any, ...]]:
        """``unpack(buf, offset=0)``: the non-constant fields in order; compiled on first use, then a plain call."""
        namespace = self._namespace()
        exec(compile(self._unpack_source(self._groups, namespace), f"<layout unpack {self.fields}>", "exec"),
             namespace)
        return namespace["unpack"]  # type: ignore[no-any-return]

    @cached_property
    def pack(self) -> Callable[..., bytes]:
        """``pack(*fields)``: the octets for the non-constant fields; compiled on first use, then a plain call."""
        namespace = self._namespace()
        exec(compile(self._pack_source(self._groups, namespace), f"<layout pack {self.fields}>", "exec"), namespace)
        return namespace["pack"]  # type: ignore[no-any-return]

    def _namespace(self) -> dict[str, Any]:
        """The names the generated functions call."""
        return {
            "_S": self.struct,
            "_const_error": self._const_error,
            "_pack_error": self._pack_error,
            "_short": self._short,
            "_error": struct.error,
            "_from": int.from_bytes,
            "_const_fail": self._const_fail,
        }

    def _unpack_source(self, groups: list[_Group], namespace: dict[str, Any]) -> str:
        """``unpack(buf, offset=0)``: the statements, then the fields as a tuple."""
        statements, outputs = self._unpack_statements(groups, "buf", "offset", namespace)
        return "\n".join(["def unpack(buf, offset=0):", *["    " + line for line in statements],
                          f"    return ({', '.join(outputs)}{',' if len(outputs) == 1 else ''})", ""])

    def unpack_statements(self, buffer: str, offset: str, namespace: dict[str, Any]) -> tuple[list[str], list[str]]:
        """Statements that read and check the layout at ``offset`` in ``buffer`` (variable names), and the
        expressions of the non-constant fields after them, for a generated function that unpacks in its own
        body; the names they use go into ``namespace``. Short input and wrong constants raise as ``unpack`` does."""
        namespace.update(self._namespace())
        return self._unpack_statements(self._groups, buffer, offset, namespace)

    def _unpack_statements(self, groups: list[_Group], buffer: str, offset: str,
                           namespace: dict[str, Any]) -> tuple[list[str], list[str]]:
        """Unpack skips fully constant octets and checks every constant with one masked compare."""
        carriers: list[str] = []
        codes: list[str] = []
        body: list[str] = []
        outputs: list[str] = []
        for gi, group in enumerate(groups):
            if all(slot.const is not None for slot in group.slots):
                codes.append(f"{struct.calcsize('>' + group.codes)}x")
                continue
            codes.append(group.codes)
            if group.direct:
                var = f"v{gi}"
                carriers.append(var)
                slot = group.slots[0]
                outputs.append(f"bool({var})" if slot.kind == "bool" else var)
                continue
            parts = [f"c{gi}_{ci}" for ci in range(len(group.codes))]
            carriers.extend(parts)
            widths = [struct.calcsize(">" + c) * 8 for c in group.codes]
            expr, shift = [], sum(widths)
            for part, width in zip(parts, widths, strict=True):
                shift -= width
                expr.append(f"({part} << {shift})" if shift else part)
            body.append(f"g{gi} = {' | '.join(expr)}")
            shift = sum(widths)
            for slot in group.slots:
                shift -= slot.bits
                if slot.const is not None:
                    continue
                raw = f"((g{gi} >> {shift}) & {(1 << slot.bits) - 1})"
                if slot.kind == "int":
                    raw = f"({raw} - ({raw} >> {slot.bits - 1} << {slot.bits}))"
                outputs.append(f"bool({raw})" if slot.kind == "bool" else raw)
        namespace["_U"] = struct.Struct(">" + "".join(codes))
        mask, expected = self._constant_mask()
        if carriers:
            head = ["try:", f"    {', '.join(carriers)}, = _U.unpack_from({buffer}, {offset})"]
        else:
            head = ["try:", f"    _U.unpack_from({buffer}, {offset})"]
        head += ["except _error:", f"    _short({buffer}, {offset})"]
        if mask:
            head.append(f"if _from({buffer}[{offset}:{offset} + {self.size}], 'big') & {mask} != {expected}: "
                        f"_const_fail({buffer}, {offset})")
        return [*head, *body], outputs

    def constants_expression(self, buffer: str) -> str:
        """An expression, for generated code, true when every constant field in ``buffer`` has its value (what
        unpack checks); the code must first make sure ``buffer`` holds the whole layout."""
        mask, expected = self._constants
        return f"int.from_bytes({buffer}[:{self.size}], 'big') & {mask} == {expected}"

    @cached_property
    def _constants(self) -> tuple[int, int]:
        """The constant-bit mask and value (worked out on first use)."""
        return self._constant_mask()

    def _constant_mask(self) -> tuple[int, int]:
        """A mask over the whole layout selecting constant bits, and the value they must have."""
        mask = expected = 0
        total, position = self.size * 8, 0
        for slot in self.slots:
            position += slot.bits
            if slot.const is not None:
                shift = total - position
                mask |= ((1 << slot.bits) - 1) << shift
                expected |= (int(slot.const) & ((1 << slot.bits) - 1)) << shift
        return mask, expected

    def _const_fail(self, buf: bytes, offset: int) -> None:
        whole = int.from_bytes(buf[offset:offset + self.size], "big")
        total, position = self.size * 8, 0
        for slot in self.slots:
            position += slot.bits
            if slot.const is None:
                continue
            value = (whole >> (total - position)) & ((1 << slot.bits) - 1)
            if value != (int(slot.const) & ((1 << slot.bits) - 1)):
                self._const_error(slot.name, value, int(slot.const))
        raise FieldValueError("constant fields do not match")  # unreachable: the mask found a difference

    def _pack_source(self, groups: list[_Group], namespace: dict[str, Any]) -> str:
        """``pack``: the fields are its arguments; any error is reported by ``_pack_error``."""
        args = ", ".join(self.fields)
        lines = [f"def pack({args}):", "    try:"]
        lines += ["        " + line for line in self._pack_statements(groups, self.fields, namespace, "return ")]
        lines += ["    except (_error, TypeError, ValueError, OverflowError):",
                  f"        _pack_error(({args}{',' if len(self.fields) == 1 else ''}))", ""]
        return "\n".join(lines)

    def pack_statements(self, values: Sequence[str], namespace: dict[str, Any], target: str | None = None) -> list[str]:
        """Statements that return the octets of the non-constant fields given as expressions ``values`` (in
        ``fields`` order), or assign them to ``target``, for a generated function that packs in its own body; the
        names they use go into ``namespace``. A value that does not fit raises (ValueError, TypeError,
        OverflowError or struct.error)."""
        if len(values) != len(self.fields):
            raise ValueError(f"{len(values)} values for {len(self.fields)} fields")
        return self._pack_statements(self._groups, values, namespace, "return " if target is None else f"{target} = ")

    def _pack_statements(self, groups: list[_Group], values: Sequence[str], namespace: dict[str, Any],
                         result: str) -> list[str]:
        """Pack merges runs of fully constant octets into one literal and range-checks the bit fields; ``result``
        starts the statement that gives the octets (``"return "`` or an assignment)."""
        if not groups:
            return [f"{result}b''"]
        value_of = dict(zip(self.fields, values, strict=True))
        checks: list[str] = []
        carriers: list[str] = []
        codes: list[str] = []
        constant = b""
        for gi, group in enumerate(groups):
            if all(slot.const is not None for slot in group.slots):
                constant += self._group_octets(group)
                continue
            if constant:
                codes.append(f"{len(constant)}s")
                carriers.append(repr(constant))
                constant = b""
            codes.append(group.codes)
            if group.direct:
                carriers.append(value_of[group.slots[0].name])
                continue
            terms, shift, fixed = [], sum(s.bits for s in group.slots), 0
            for si, slot in enumerate(group.slots):
                shift -= slot.bits
                if slot.const is not None:
                    fixed |= (int(slot.const) & ((1 << slot.bits) - 1)) << shift
                    continue
                name = value_of[slot.name]
                if not name.isidentifier():  # an expression: work it out once
                    checks.append(f"b{gi}_{si} = {name}")
                    name = f"b{gi}_{si}"
                if slot.kind == "int":
                    checks.append(f"if ({name} + {1 << (slot.bits - 1)}) >> {slot.bits}: raise ValueError")
                    name = f"({name} & {(1 << slot.bits) - 1})"
                else:
                    checks.append(f"if {name} >> {slot.bits}: raise ValueError")
                terms.append(f"({name} << {shift})" if shift else name)
            if fixed:
                terms.append(str(fixed))
            checks.append(f"g{gi} = {' | '.join(terms)}")
            widths = [struct.calcsize(">" + c) * 8 for c in group.codes]
            shift = sum(widths)
            for width in widths:
                shift -= width
                carriers.append(f"((g{gi} >> {shift}) & {(1 << width) - 1})" if shift else
                                f"(g{gi} & {(1 << width) - 1})")
        if constant:
            codes.append(f"{len(constant)}s")
            carriers.append(repr(constant))
        namespace["_P"] = struct.Struct(">" + "".join(codes))
        return [*checks, f"{result}_P.pack({', '.join(carriers)})"]

    @staticmethod
    def _group_octets(group: _Group) -> bytes:
        """The octets of a group whose every slot is constant."""
        value, bits = 0, 0
        for slot in group.slots:
            value = (value << slot.bits) | (int(slot.const or 0) & ((1 << slot.bits) - 1))
            bits += slot.bits
        return value.to_bytes(bits // 8, "big")

    def _short(self, buf: bytes, offset: int) -> None:
        have = max(0, len(buf) - offset)
        missing = self._missing_after(have)
        more = "…" if len(missing) > 3 else ""
        raise TruncatedError(
            f"need {self.size} octets, have {have}: {'/'.join(missing[:3])}{more} missing",
            field=missing[0] if missing else None, value=have)

    def _missing_after(self, have: int) -> list[str]:
        """The named fields (padding left out) that do not fit whole in the first ``have`` octets."""
        end, missing = 0, []
        for slot in self.slots:
            end += slot.bits
            if end > have * 8 and not slot.name.startswith("_pad"):
                missing.append(slot.name)
        return missing

    def _const_error(self, name: str, value: int, expected: int) -> None:
        raise field_error(self._errors.get(name, FieldValueError), name, value, f"expected {expected}")

    def _pack_error(self, values: tuple[Any, ...]) -> None:
        fields = iter(self.fields)
        for slot in self.slots:
            if slot.const is not None:
                continue
            name = next(fields)
            value = values[self.fields.index(name)]
            problem = _slot_problem(slot, value)
            if problem:
                raise field_error(self._errors.get(name, FieldValueError), name, value, problem)
        raise FieldValueError(f"cannot pack {dict(zip(self.fields, values, strict=True))}")


def _slot_problem(slot: Slot, value: Any) -> str | None:
    if slot.kind == "float":
        return None if isinstance(value, int | float) else "not a number"
    if not isinstance(value, int):
        return "not an integer"
    low, high = (-(1 << (slot.bits - 1)), (1 << (slot.bits - 1)) - 1) if slot.kind == "int" else \
        (0, (1 << slot.bits) - 1)
    if not low <= value <= high:
        return f"outside {low}..{high} ({slot.bits} bits)"
    return None
