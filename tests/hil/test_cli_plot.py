"""`farside plot`: a PNG of chosen parameters from a packet file, with clear errors."""

from pathlib import Path

import pytest

from hil.cli import main
from protocols.dictionary import default_dictionary

SAMPLER = default_dictionary().device("sampler")


def _stream(path: Path) -> None:
    codec = SAMPLER.hk_codec("drill")
    packets = []
    for i in range(600):
        values = [next(iter(SAMPLER.parameter(p).enum)) if SAMPLER.parameter(p).enum else 0.0
                  for p in codec_names()]
        values[codec_names().index("drill_depth")] = min(2.0, i / 300)
        packets.append(codec.encode(values, i, i, 2_100_000_000 * 10**9 + i * 10**9))
    path.write_bytes(b"".join(packets))


def codec_names() -> tuple[str, ...]:
    return SAMPLER.hk_set("drill").parameters


def test_plot_writes_a_png(tmp_path: Path) -> None:
    stream = tmp_path / "drill.bin"
    _stream(stream)
    out = tmp_path / "depth.png"
    assert main(["plot", str(stream), "--param", "sampler.drill_depth", "--param", "sampler.drill_torque",
                 "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000


@pytest.mark.parametrize("argv,fragment", [
    (["--param", "sampler.nope"], "sampler parameters:"),
    (["--param", "drill_depth"], "DEVICE.PARAMETER"),
    (["--param", "ascender.altitude"], "none of ascender.altitude is reported"),
])
def test_plot_errors_are_one_line(argv: list[str], fragment: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    stream = tmp_path / "drill.bin"
    _stream(stream)
    assert main(["plot", str(stream), *argv, "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
