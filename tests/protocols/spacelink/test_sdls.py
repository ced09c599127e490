"""SDLS (355.0-B-2) on TC frames: NASA CryptoLib's NIST AES-GCM vectors, rejection reasons, anti-replay, key hiding."""

from __future__ import annotations

import logging
from binascii import crc_hqx

import pytest

from protocols.crc import CRC16_INIT
from protocols.errors import FieldValueError, ProtocolError, SecurityError
from protocols.spacelink import (
    ReplayWindow,
    SdlsReceiver,
    SdlsSender,
    SecurityAssociation,
    TcFrame,
    seal,
    secure_tc,
    unseal,
)

h = bytes.fromhex

# NIST AES-GCM-256 vectors (96-bit IV, 128-bit plaintext) as NASA CryptoLib uses them in
# test/unit/et_dt_validation.c (last present at CryptoLib commit 3c63da1f^), tests
# NIST_ENC_VALIDATION / NIST_DEC_VALIDATION AES_GCM_256_IV_96_PT_128_TEST_0..4: key, IV, the TC frame it
# encrypts (5-octet header + 16 data octets + FECF) and the ciphertext of the data.
NIST_ENC = [
    ("ef9f9284cf599eac3b119905a7d18851e7e374cf63aea04358586b0f757670f8", "b6ac8e4963f49207ffd6374c",
     "2003001600722ee47da4b77424733546c2d400c4e567a8", "1224dfefb72a20d49e09256908874979"),
    ("e9ccd6eef27f740d1d5c70b187734e11e76a8ac0ad1702ff02180c5c1c9e5399", "1af2613c4184dbd101fcedce",
     "2003001600419635e6e12b257a8ecae411f94480ff56be", "9cd21f414f1f54d5f6f58b1f2f77e5b6"),
    ("7ecc9dcb3d5b413cadc3af7b7812758bd869295f8aaf611ba9935de76bd87013", "6805be41e983717bf6781052",
     "200300160073d4d7984ce422ac983797c0526ac6f9446b", "487211dd440f4d09d00bc5c3158a822c"),
    ("a881373e248615e3d6576f5a5fb68883515ae72d6a2938e3a6f0b8dcb639c9c0", "f0b744f157087df4e41818a9",
     "200300160007d1dc9930e710b1ebe533c81f671101e43c", "b65a2878b9dddbd4a0204dae6a6a6fc0"),
    ("84c90349539c2a7989cb24dfae5e4182382ae94ba717d385977017f74f0d87d6", "eeddeaf4355c826dfd153393",
     "200300160031c4e1d0ccece6b7a999bfc31f38559af5dd", "5c6cfbdd06c19445ecf500c21aeca173"),
]
# Same file, NIST_DEC_VALIDATION AES_GCM_256_IV_96_PT_128_TEST_0: the secured frame CryptoLib decrypts
# (segment header FF, SPI 9, IV, 2-octet ARSN 0, ciphertext). CryptoLib ran it encryption-only (no MAC), and its
# frame length field and FECF do not describe these 40 octets, so the security header and ciphertext are compared.
NIST_DEC_FRAME_0 = "2003002500FF0009B6AC8E4963F49207FFD6374C00001224DFEFB72A20D49E09256908874979AD6F"

# Same file, GMAC (authentication only, bit mask all ones, 12-octet IV, 2-octet ARSN, 16-octet MAC), key:
GMAC_KEY = "78dc4e0aaf52d935c3c01eea57428f00ca1fd475f5da86a49c8dd73d68c8e223"
# NIST_ENC_MAC_VALIDATION AES_GCM_256_IV_96_PT_128_TEST_0: an empty TC frame without segment header, SPI 9, IV;
# the MAC CryptoLib expects.
GMAC_ENC_FRAME, GMAC_ENC_IV, GMAC_ENC_MAC = ("200300060028C2", "d79cf22d504cc793c3fb6c8a",
                                             "b04cb89841f1591793f6e1bca1479d92")
# NIST_DEC_MAC_VALIDATION AES_GCM_256_IV_96_PT_128_TEST_0: a whole secured frame and its clear data; its FECF
# (B401) is not the CRC of the frame, so the frame is compared up to the FECF.
GMAC_DEC_FRAME = ("2003003700FF0009D79CF22D504CC793C3FB6C8A0000722ee47da4b77424733546c2d400c4e5"
                  "E7BB31D506998FCBDA078E66D5680194B401")
GMAC_DEC_DATA = "722ee47da4b77424733546c2d400c4e5"
# ..._TEST_0_BAD_DATA (one data octet changed) and ..._TEST_0_BAD_MAC (no ARSN, MAC altered): both rejected.
GMAC_BAD_DATA_FRAME = ("2003003700FF0009D79CF22D504CC793C3FB6C8A0000722ee47da4b77424733546c2d400c400"
                       "34d0e323f5e4b80426401d4aa37930da123b")
GMAC_BAD_MAC_FRAME = ("2003003500FF0009D79CF22D504CC793C3FB6C8A722ee47da4b77424733546c2d400c4e5"
                      "34d0e323f5e4b80426401d4aa37930009f68")

KEY = bytes(range(32))


def _with_fecf(frame: bytes) -> bytes:
    """``frame`` with a correct FECF in place of its last two octets."""
    body = frame[:-2]
    return body + crc_hqx(body, CRC16_INIT).to_bytes(2, "big")


@pytest.mark.parametrize(("key", "iv", "frame", "ct"), NIST_ENC)
def test_nist_gcm_encrypt_and_decrypt_byte_for_byte(key: str, iv: str, frame: str, ct: str) -> None:
    """Securing the vector's frame gives the NIST ciphertext; the receiver gives the clear data back."""
    clear = TcFrame.unpack(h(frame), segment_header=False)
    sa = SecurityAssociation(spi=9, vcid=0, service="auth-enc", key=h(key), arsn_len=0)
    secured = secure_tc(clear, sa, h(iv), 0)
    assert secured[5:7] == b"\x00\x09" and secured[7:19] == h(iv)
    assert secured[19:35] == h(ct)
    assert len(secured) == int.from_bytes(secured[2:4], "big") % 1024 + 1 == 5 + 14 + 16 + 16 + 2
    back = SdlsReceiver([sa]).process(secured, segment_header=False)
    assert back == clear


def test_nist_decrypt_frame_security_header_and_ciphertext() -> None:
    """CryptoLib's secured frame: our security header (segment FF, SPI, IV, ARSN) and ciphertext match it."""
    key, _, frame, _ = NIST_ENC[0]
    vector = h(NIST_DEC_FRAME_0)
    clear = TcFrame.bd(3, 0, h(frame)[5:21], map_id=0x3F)
    sa = SecurityAssociation(spi=9, vcid=0, service="auth-enc", key=h(key), arsn_len=2)
    secured = secure_tc(clear, sa, vector[8:20], 0)
    assert secured[:2] == vector[:2] and secured[4:38] == vector[4:38]


def test_gmac_mac_of_empty_frame() -> None:
    """Authentication only: the MAC over header and security header is CryptoLib's."""
    sa = SecurityAssociation(spi=9, vcid=0, service="auth", key=h(GMAC_KEY), arsn_len=2)
    clear = TcFrame.unpack(h(GMAC_ENC_FRAME), segment_header=False)
    secured = secure_tc(clear, sa, h(GMAC_ENC_IV), 0)
    assert secured[-18:-2] == h(GMAC_ENC_MAC)


def test_gmac_whole_frame_apply_and_process() -> None:
    """Authentication only: our secured frame is CryptoLib's up to the FECF, and it verifies back to the data."""
    vector = h(GMAC_DEC_FRAME)
    sa = SecurityAssociation(spi=9, vcid=0, service="auth", key=h(GMAC_KEY), arsn_len=2)
    clear = TcFrame.bd(3, 0, h(GMAC_DEC_DATA), map_id=0x3F)
    secured = secure_tc(clear, sa, vector[8:20], 0)
    assert secured[:-2] == vector[:-2]
    assert crc_hqx(secured, CRC16_INIT) == 0
    assert SdlsReceiver([sa]).process(_with_fecf(vector)) == clear


@pytest.mark.parametrize(("vector", "arsn_len"), [(GMAC_BAD_DATA_FRAME, 2), (GMAC_BAD_MAC_FRAME, 0)])
def test_gmac_bad_vectors_rejected(vector: str, arsn_len: int) -> None:
    """CryptoLib's bad-data and bad-MAC frames fail with reason bad-mac, counted once."""
    sa = SecurityAssociation(spi=9, vcid=0, service="auth", key=h(GMAC_KEY), arsn_len=arsn_len)
    receiver = SdlsReceiver([sa])
    with pytest.raises(SecurityError) as caught:
        receiver.process(_with_fecf(h(vector)))
    assert caught.value.reason == SecurityError.BAD_MAC
    assert receiver.stats.rejected[SecurityError.BAD_MAC] == 1 and receiver.stats.accepted == 0


def _link(service: str = "auth-enc", window: int = 8) -> tuple[SecurityAssociation, SdlsSender, SdlsReceiver]:
    sa = SecurityAssociation(spi=5, vcid=1, service=service, key=KEY, window=window)
    return sa, SdlsSender(sa), SdlsReceiver([sa])


@pytest.mark.parametrize("service", ["auth-enc", "auth"])
def test_round_trip_ad_bd_bc(service: str) -> None:
    """AD, BD and BC frames come back as sent; encryption hides the data, authentication leaves it readable."""
    _, sender, receiver = _link(service)
    for frame in (TcFrame.ad(0x2A, 1, 7, b"command"), TcFrame.bd(0x2A, 1, b"x" * 40), TcFrame.unlock(0x2A, 1)):
        secured = sender.secure(frame)
        assert (b"command" in secured) == (service == "auth" and frame.data == b"command")
        assert receiver.process(secured) == frame
    assert receiver.stats.accepted == 3 and sum(receiver.stats.rejected.values()) == 0


def test_forged_mac_rejected() -> None:
    """Any flipped bit in header, security header, data or MAC is a bad MAC (the FECF re-made to match)."""
    _, sender, receiver = _link()
    secured = sender.secure(TcFrame.ad(0x2A, 1, 0, b"drill"))
    for index in (2 + 2, 9, 25, len(secured) - 3):
        forged = bytearray(secured)
        forged[index] ^= 0x01
        with pytest.raises(SecurityError) as caught:
            receiver.process(_with_fecf(bytes(forged)))
        assert caught.value.reason == SecurityError.BAD_MAC
    assert receiver.stats.rejected[SecurityError.BAD_MAC] == 4


def test_unknown_spi_and_wrong_vc_rejected() -> None:
    """An SPI the receiver does not hold, or one held for another VC, is unknown-spi."""
    _, _, receiver = _link()
    other = SecurityAssociation(spi=6, vcid=1, service="auth-enc", key=KEY)
    elsewhere = SecurityAssociation(spi=5, vcid=2, service="auth-enc", key=KEY)
    for sa in (other, elsewhere):
        with pytest.raises(SecurityError) as caught:
            receiver.process(SdlsSender(sa).secure(TcFrame.ad(0x2A, sa.vcid, 0, b"x")))
        assert caught.value.reason == SecurityError.UNKNOWN_SPI
    assert receiver.stats.rejected[SecurityError.UNKNOWN_SPI] == 2


@pytest.mark.parametrize("field", [b"", b"\x00", b"\x00\x05", b"\x00\x05" + bytes(10), b"\x00\x05" + bytes(29)])
def test_truncated_security_fields_rejected(field: bytes) -> None:
    """A data field too short for the SPI, or for the security header and MAC (32 octets here), is truncated."""
    _, _, receiver = _link()
    with pytest.raises(SecurityError) as caught:
        receiver.process(TcFrame.ad(0x2A, 1, 0, field).pack())
    assert caught.value.reason == SecurityError.TRUNCATED
    assert receiver.stats.rejected[SecurityError.TRUNCATED] == 1


def test_replay_and_window() -> None:
    """In-window accepted once (also out of order), duplicate replayed, behind the window too-old."""
    _, sender, receiver = _link(window=4)
    frames = [sender.secure(TcFrame.bd(0x2A, 1, bytes([n]))) for n in range(8)]
    receiver.process(frames[0])
    receiver.process(frames[5])
    receiver.process(frames[3])
    reasons = []
    for index in (3, 5, 0, 1):
        with pytest.raises(SecurityError) as caught:
            receiver.process(frames[index])
        reasons.append(caught.value.reason)
    assert reasons == [SecurityError.REPLAYED, SecurityError.REPLAYED, SecurityError.TOO_OLD, SecurityError.TOO_OLD]
    assert receiver.process(frames[7]).data == bytes([7])
    assert receiver.stats.accepted == 4


def test_good_frame_after_burst_of_bad_ones() -> None:
    """Forged, replayed, unknown and truncated frames change no state: the next good frame is accepted."""
    _, sender, receiver = _link()
    first = sender.secure(TcFrame.ad(0x2A, 1, 0, b"a"))
    receiver.process(first)
    nxt = sender.secure(TcFrame.ad(0x2A, 1, 1, b"b"))
    forged = bytearray(nxt)
    forged[-5] ^= 0xFF
    for _ in range(50):
        for bad in (first, _with_fecf(bytes(forged)), TcFrame.ad(0x2A, 1, 0, b"\x00").pack()):
            with pytest.raises(SecurityError):
                receiver.process(bad)
    assert receiver.process(nxt).data == b"b"
    assert receiver.stats.rejected == {"bad-mac": 50, "unknown-spi": 0, "replayed": 50, "too-old": 0,
                                       "truncated": 50}


def test_huge_sequence_jump_keeps_window_small() -> None:
    """A far jump forward resets the window without building a huge bit set."""
    window = ReplayWindow(64)
    window.accept(1)
    window.accept(1 << 60)
    assert window._seen == 1
    with pytest.raises(SecurityError):
        window.check(1 << 60)


def test_seal_unseal_generic_for_tm() -> None:
    """The header-agnostic pair secures a TM-style data field behind any fixed prefix."""
    sa = SecurityAssociation(spi=0x0101, vcid=0, service="auth-enc", key=KEY, arsn_len=0)
    prefix = bytes.fromhex("0a5c00001800")
    body = seal(sa, prefix, bytes(12), 0, b"telemetry")
    _, unsealed = unseal({sa.spi: sa}, prefix, body, 0)
    assert unsealed.data == b"telemetry" and unsealed.spi == 0x0101
    with pytest.raises(SecurityError):
        unseal({sa.spi: sa}, bytes(6), body, 0)


def test_key_never_in_repr_str_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    """The key is in no repr or str of an association, sender, receiver, its stats, or an error."""
    key = bytes.fromhex("5a" * 32)
    sa = SecurityAssociation(spi=7, vcid=1, service="auth", key=key)
    sender, receiver = SdlsSender(sa), SdlsReceiver([sa])
    secured = sender.secure(TcFrame.ad(0x2A, 1, 0, b"x"))
    receiver.process(secured)
    with pytest.raises(SecurityError) as caught:
        receiver.process(secured)
    logging.getLogger("test").info("%s %r %s", sa, sa, caught.value)
    texts = [repr(sa), str(sa), repr(sender), repr(receiver), repr(receiver.stats), repr(receiver.sas),
             str(caught.value), repr(caught.value), caplog.text]
    for text in texts:
        assert key.hex() not in text.lower() and repr(key) not in text


@pytest.mark.parametrize(("changes", "field"), [
    ({"spi": 0}, "spi"), ({"spi": 0xFFFF}, "spi"), ({"vcid": 64}, "vcid"), ({"service": "enc"}, "service"),
    ({"key": bytes(16)}, "key_length"), ({"iv_len": 16}, "iv_len"), ({"arsn_len": 9}, "arsn_len"),
    ({"window": 0}, "window"), ({"pad_len": 5}, "pad_len"),
])
def test_association_checks_fields(changes: dict[str, object], field: str) -> None:
    """Invalid associations raise FieldValueError naming the field (a short key is reported by length only)."""
    args: dict[str, object] = {"spi": 1, "vcid": 0, "service": "auth", "key": KEY, **changes}
    with pytest.raises(FieldValueError) as caught:
        SecurityAssociation(**args)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert isinstance(caught.value, ProtocolError)


def test_sender_counts_and_refuses_foreign_vc() -> None:
    """The sender counts IV and ARSN up per frame and refuses a frame of another VC."""
    _, sender, _ = _link()
    one, two = (sender.secure(TcFrame.bd(0x2A, 1, b"x")) for _ in range(2))
    assert one[8:20] == (1).to_bytes(12, "big") and two[8:20] == (2).to_bytes(12, "big")
    assert one[20:22] == b"\x00\x01" and two[20:22] == b"\x00\x02"
    with pytest.raises(FieldValueError):
        sender.secure(TcFrame.bd(0x2A, 2, b"x"))


def test_an_association_survives_pickling_with_a_working_cipher() -> None:
    """A campaign ships its scenario (associations included) to worker processes."""
    import pickle

    sa = SecurityAssociation(spi=9, vcid=0, service="auth-enc", key=bytes(range(32)))
    back = pickle.loads(pickle.dumps(sa))
    assert back == sa and repr(back) == repr(sa)
    frame = TcFrame.bd(91, 0, bytes(range(20)))
    secured = SdlsSender(sa).secure(frame)
    assert SdlsReceiver([back]).process(secured).data == frame.data


@pytest.mark.parametrize(("iv", "arsn", "field", "wanted"), [
    (5, 9, "iv", "must be 12 octets (bytes"),
    ("000000000000000000000005", 9, "iv", "not str"),
    (bytes(12), b"\x09", "arsn", "must be an integer, not bytes"),
    (bytes(12), True, "arsn", "must be an integer, not bool"),
])
def test_secure_tc_names_an_iv_or_arsn_of_the_wrong_type(iv: object, arsn: object, field: str, wanted: str) -> None:
    """The stateless step takes the IV as octets and the ARSN as an integer; anything else is a FieldValueError."""
    sa = SecurityAssociation(spi=5, vcid=1, service="auth-enc", key=bytes(range(32)))
    with pytest.raises(FieldValueError) as caught:
        secure_tc(TcFrame.ad(0x2A, 1, 8, b"x"), sa, iv, arsn)  # type: ignore[arg-type]
    assert caught.value.field == field and wanted in str(caught.value)
    assert len(secure_tc(TcFrame.ad(0x2A, 1, 8, b"x"), sa, (5).to_bytes(12, "big"), 9)) > 0  # as protocols.md reads
