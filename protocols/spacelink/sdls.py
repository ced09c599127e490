"""Space Data Link Security (355.0-B-2) on TC frames, usable for TM: security header, MAC trailer, anti-replay.

The common profile only: AES-256-GCM authenticated encryption (``"auth-enc"``) or GMAC authentication only
(``"auth"``), a 12-octet IV sent in full, a 16-octet MAC, an optional sequence number (ARSN) and a per-association
anti-replay window. The authentication bit mask is all ones. AES-GCM comes from the ``cryptography`` package, the
one import of this layer beyond stdlib, construct and numpy. Keys never appear in a repr, str or error message.
"""

from __future__ import annotations

from binascii import crc_hqx
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from protocols.crc import CRC16_INIT
from protocols.errors import FieldValueError, SecurityError, field_error
from protocols.spacelink.tc_frame import FECF_SIZE, HEADER_SIZE, TcFrame

Service = Literal["auth-enc", "auth"]
SERVICES: tuple[Service, ...] = ("auth-enc", "auth")
KEY_SIZE = 32
IV_SIZE = 12
MAC_SIZE = 16
SPI_SIZE = 2
MAX_ARSN_SIZE = 8
MAX_PAD_SIZE = 4


@dataclass(frozen=True)
class SecurityAssociation:
    """One security association: SPI, its VC, the service, the key (hidden) and the security-field lengths."""

    spi: int
    vcid: int
    service: Service
    key: bytes = field(repr=False)
    arsn_len: int = 2
    window: int = 64
    pad_len: int = 0
    iv_len: int = IV_SIZE
    _aead: AESGCM = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Check every field; the key's value is never put in an error."""
        if not 1 <= self.spi <= 0xFFFE:
            raise field_error(FieldValueError, "spi", self.spi, "must be 1..65534 (0 and 65535 are reserved)")
        if not 0 <= self.vcid <= 0x3F:
            raise field_error(FieldValueError, "vcid", self.vcid, "must be 0..63")
        if self.service not in SERVICES:
            raise field_error(FieldValueError, "service", self.service, f"must be one of {SERVICES}")
        if isinstance(self.key, bytearray | memoryview):
            object.__setattr__(self, "key", bytes(self.key))
        if not isinstance(self.key, bytes) or len(self.key) != KEY_SIZE:
            size = len(self.key) if isinstance(self.key, bytes) else None
            raise field_error(FieldValueError, "key_length", size, f"an AES-256 key is {KEY_SIZE} octets")
        if self.iv_len != IV_SIZE:
            raise field_error(FieldValueError, "iv_len", self.iv_len, f"the GCM profile sends a {IV_SIZE}-octet IV")
        if not 0 <= self.arsn_len <= MAX_ARSN_SIZE:
            raise field_error(FieldValueError, "arsn_len", self.arsn_len, f"must be 0..{MAX_ARSN_SIZE}")
        if not 0 <= self.pad_len <= MAX_PAD_SIZE:
            raise field_error(FieldValueError, "pad_len", self.pad_len, f"must be 0..{MAX_PAD_SIZE}")
        if self.window < 1:
            raise field_error(FieldValueError, "window", self.window, "must be at least 1")
        object.__setattr__(self, "_aead", AESGCM(self.key))

    def __reduce__(self) -> tuple[type[SecurityAssociation], tuple[int, int, str, bytes, int, int, int, int]]:
        """Pickled as its fields (a campaign sends its scenario to worker processes); the cipher is rebuilt."""
        return (type(self), (self.spi, self.vcid, self.service, self.key, self.arsn_len, self.window, self.pad_len,
                             self.iv_len))

    def __str__(self) -> str:
        """The association without its key."""
        return f"SA {self.spi} on VC {self.vcid} ({self.service})"

    @property
    def header_size(self) -> int:
        """Octets of the security header: SPI, IV, sequence number, pad length."""
        return SPI_SIZE + self.iv_len + self.arsn_len + self.pad_len

    @property
    def overhead(self) -> int:
        """Octets SDLS adds to a frame: security header and MAC trailer."""
        return self.header_size + MAC_SIZE


class Unsealed(NamedTuple):
    """A verified security header and the clear data it protected."""

    spi: int
    iv: bytes
    arsn: int
    data: bytes


def seal(sa: SecurityAssociation, prefix: bytes, iv: bytes, arsn: int, data: bytes) -> bytes:
    """Security header + protected data + MAC for a frame whose final octets before the header are ``prefix``.

    ``iv`` is bytes of ``sa.iv_len`` octets, ``arsn`` an integer; FieldValueError otherwise.
    """
    if not isinstance(iv, bytes | bytearray | memoryview):
        raise field_error(FieldValueError, "iv", iv, f"must be {sa.iv_len} octets (bytes, e.g. "
                                                     f"(5).to_bytes({sa.iv_len}, 'big')), not {type(iv).__name__}")
    if not isinstance(arsn, int) or isinstance(arsn, bool):
        raise field_error(FieldValueError, "arsn", arsn, f"must be an integer, not {type(arsn).__name__}")
    if len(iv) != sa.iv_len:
        raise field_error(FieldValueError, "iv", bytes(iv).hex(), f"must be {sa.iv_len} octets")
    if not 0 <= arsn < 1 << (8 * sa.arsn_len):
        raise field_error(FieldValueError, "arsn", arsn, f"does not fit {sa.arsn_len} octets")
    header = (sa.spi.to_bytes(SPI_SIZE, "big") + bytes(iv) + arsn.to_bytes(sa.arsn_len, "big")
              + bytes(sa.pad_len))
    aad = bytes(prefix) + header
    if sa.service == "auth-enc":
        return header + sa._aead.encrypt(bytes(iv), bytes(data), aad)
    return header + bytes(data) + sa._aead.encrypt(bytes(iv), b"", aad + bytes(data))


def unseal(sas: Mapping[int, SecurityAssociation], prefix: bytes, body: bytes, vcid: int) -> tuple[
        SecurityAssociation, Unsealed]:
    """Verify (and decrypt) ``body`` = security header + data + MAC; SecurityError with a reason when rejected."""
    if len(body) < SPI_SIZE:
        raise SecurityError(f"{len(body)} octets cannot hold the SPI", reason=SecurityError.TRUNCATED,
                            field="spi", value=len(body))
    spi = int.from_bytes(body[:SPI_SIZE], "big")
    sa = sas.get(spi)
    if sa is None or sa.vcid != vcid:
        raise SecurityError(f"spi={spi}: no security association on VC {vcid}", reason=SecurityError.UNKNOWN_SPI,
                            field="spi", value=spi)
    if len(body) < sa.overhead:
        raise SecurityError(f"{len(body)} octets cannot hold the security header and MAC ({sa.overhead})",
                            reason=SecurityError.TRUNCATED, field="security_fields", value=len(body))
    header, protected = bytes(body[:sa.header_size]), bytes(body[sa.header_size:])
    iv = header[SPI_SIZE:SPI_SIZE + sa.iv_len]
    arsn = int.from_bytes(header[SPI_SIZE + sa.iv_len:SPI_SIZE + sa.iv_len + sa.arsn_len], "big")
    aad = bytes(prefix) + header
    try:
        if sa.service == "auth-enc":
            data = sa._aead.decrypt(iv, protected, aad)
        else:
            data = protected[:-MAC_SIZE]
            sa._aead.decrypt(iv, protected[-MAC_SIZE:], aad + data)
    except InvalidTag:
        raise SecurityError(f"spi={spi}: MAC does not verify", reason=SecurityError.BAD_MAC, field="mac",
                            value=protected[-MAC_SIZE:].hex()) from None
    return sa, Unsealed(spi, iv, arsn, data)


class ReplayWindow:
    """Anti-replay for one association: numbers above the highest pass, the last ``size`` below it pass once."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.highest: int | None = None
        self._seen = 0
        """Bit i set: number highest - i was accepted."""

    @property
    def span(self) -> int:
        """How many numbers back the window remembers (never more than ``size``: its memory is bounded)."""
        return self._seen.bit_length()

    def check(self, number: int) -> None:
        """Raise SecurityError (replayed or too-old) unless ``number`` may be accepted."""
        if self.highest is None or number > self.highest:
            return
        behind = self.highest - number
        if behind >= self.size:
            raise SecurityError(f"sequence number {number} is older than the window ({self.highest}, "
                                f"{self.size})", reason=SecurityError.TOO_OLD, field="arsn", value=number)
        if self._seen >> behind & 1:
            raise SecurityError(f"sequence number {number} was already accepted", reason=SecurityError.REPLAYED,
                                field="arsn", value=number)

    def accept(self, number: int) -> None:
        """Record ``number`` as accepted (after check and MAC verification)."""
        mask = (1 << self.size) - 1
        if self.highest is None:
            self.highest, self._seen = number, 1
        elif number > self.highest:
            jump = number - self.highest
            self._seen = (self._seen << jump | 1) & mask if jump < self.size else 1
            self.highest = number
        else:
            self._seen |= 1 << (self.highest - number)


def _counter(sa: SecurityAssociation, unsealed: Unsealed) -> int:
    """The number anti-replay watches: the ARSN when the association sends one, else the IV."""
    return unsealed.arsn if sa.arsn_len else int.from_bytes(unsealed.iv, "big")


def _tc_prefix_size(frame: TcFrame) -> int:
    """Octets of the primary header and segment header of a TC frame."""
    return HEADER_SIZE + int(frame.map_id is not None and not frame.control)


def secure_tc(frame: TcFrame, sa: SecurityAssociation, iv: bytes, arsn: int, fecf: bool = True) -> bytes:
    """The secured octets of ``frame`` (its data protected), with frame length and FECF covering the SDLS fields.

    ``iv`` is bytes of ``sa.iv_len`` (12) octets and ``arsn`` an integer; FieldValueError otherwise (``SdlsSender``
    takes an integer IV and counts it on).
    """
    if frame.vcid != sa.vcid:
        raise field_error(FieldValueError, "vcid", frame.vcid, f"{sa} is for VC {sa.vcid}")
    skeleton = frame._replace(data=bytes(sa.overhead + len(frame.data))).pack(fecf)
    prefix = skeleton[:_tc_prefix_size(frame)]
    out = prefix + seal(sa, prefix, iv, arsn, frame.data)
    if fecf:
        out += crc_hqx(out, CRC16_INIT).to_bytes(FECF_SIZE, "big")
    return out


class SdlsSender:
    """The sending end of one association: secures TC frames with a counting IV and sequence number."""

    def __init__(self, sa: SecurityAssociation, iv: bytes | int = 1, arsn: int = 1) -> None:
        self.sa = sa
        self.next_iv = int.from_bytes(iv, "big") if isinstance(iv, bytes | bytearray) else iv
        self.next_arsn = arsn

    def secure(self, frame: TcFrame, fecf: bool = True) -> bytes:
        """Secure ``frame`` with the next IV and sequence number, then count both on."""
        if self.next_iv >= 1 << (8 * self.sa.iv_len):
            raise field_error(FieldValueError, "iv", self.next_iv, "IV space exhausted: rekey the association")
        out = secure_tc(frame, self.sa, self.next_iv.to_bytes(self.sa.iv_len, "big"),
                        self.next_arsn if self.sa.arsn_len else 0, fecf)
        self.next_iv += 1
        if self.sa.arsn_len:
            self.next_arsn += 1
        return out


@dataclass
class SdlsStats:
    """Frames accepted and rejected per SecurityError reason."""

    accepted: int = 0
    rejected: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SecurityError.REASONS, 0))


class SdlsReceiver:
    """The receiving end: verifies and unprotects TC frames by SPI, enforces each association's replay window."""

    def __init__(self, sas: Iterable[SecurityAssociation]) -> None:
        self.sas: dict[int, SecurityAssociation] = {}
        for sa in sas:
            if sa.spi in self.sas:
                raise field_error(FieldValueError, "spi", sa.spi, "two security associations with one SPI")
            self.sas[sa.spi] = sa
        self.windows = {spi: ReplayWindow(sa.window) for spi, sa in self.sas.items()}
        self.stats = SdlsStats()

    def process(self, data: bytes | bytearray | memoryview, fecf: bool = True,
                segment_header: bool = True) -> TcFrame:
        """The clear frame of secured octets ``data``; frame faults raise as TcFrame.unpack does (not counted),
        security faults raise SecurityError and are counted by reason."""
        frame = TcFrame.unpack(data, fecf, segment_header)
        prefix = bytes(data[:_tc_prefix_size(frame)])
        try:
            sa, unsealed = unseal(self.sas, prefix, frame.data, frame.vcid)
            window = self.windows[sa.spi]
            number = _counter(sa, unsealed)
            window.check(number)
        except SecurityError as error:
            self.stats.rejected[error.reason] += 1
            raise
        window.accept(number)
        self.stats.accepted += 1
        return frame._replace(data=unsealed.data)
